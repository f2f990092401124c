/* ike_liveness: the liveness of `third-party` centers from the IPsec
 * engine, a subscriber of ipsec_engine feeding daemon_ike_report().
 *
 * A third-party gateway is up while the tunnel table holds an installed
 * CHILD_SA of an IKE_SA to it (so an IKE_SA established with its
 * CHILD_SAs, as charon's ike-updown up=yes and child-updown report it,
 * or a listing finds it), and down once the table holds none (ike-updown
 * up=no, the IKE_SA deleted after DPD, the CHILD_SAs closed, the
 * engine's grace over). While the engine link is lost and the grace
 * holds, the verdicts stay as they are. An IKE_SA without any CHILD_SA
 * is not in the table and counts as down. */
#ifndef RIPD_MEP_IKE_LIVENESS_H
#define RIPD_MEP_IKE_LIVENESS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "ipsec_engine.h"
#include "tunnels.h"

struct daemon;

/* up[i] for each gateway i of cfg: does the table hold an installed
 * CHILD_SA to it (pure). */
void ike_liveness_derive(const struct tunnel_table *t,
			 const struct mep_config *cfg, bool *up);

/* Report every third-party gateway of d->cfg from d->ipsec's table
 * (after a configuration change; the events call it too). */
void ike_liveness_refresh(struct daemon *d);

/* Subscribe d to e's events (0, -1 out of memory); detach undoes it. */
int ike_liveness_attach(struct ipsec_engine *e, struct daemon *d);
void ike_liveness_detach(struct ipsec_engine *e, struct daemon *d);

#endif
