/* ike_liveness: the liveness of `third-party` centers from the IPsec
 * engine, a subscriber of ipsec_engine feeding daemon_ike_report().
 *
 * A third-party gateway is up while strongSwan holds an established
 * IKE_SA to it (the engine's set of IKE_SAs, ike_sas.h: charon's
 * ike-updown up=yes, or a listing showing it ESTABLISHED, with or without
 * CHILD_SAs), or an installed CHILD_SA of one (the tunnel table); down
 * once it holds neither (ike-updown down, the IKE_SA deleted after DPD,
 * the engine's grace over). While the engine link is lost and the grace
 * holds, the verdicts stay as they are. */
#ifndef RIPD_MEP_IKE_LIVENESS_H
#define RIPD_MEP_IKE_LIVENESS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "ike_sas.h"
#include "ipsec_engine.h"
#include "tunnels.h"

struct daemon;

/* up[i] for each gateway i of cfg: does ikes (may be NULL) hold an
 * established IKE_SA to it, or the table an installed CHILD_SA (pure). */
void ike_liveness_derive(const struct tunnel_table *t,
			 const struct ike_sas *ikes,
			 const struct mep_config *cfg, bool *up);

/* Report every third-party gateway of d->cfg from d->ipsec's table
 * (after a configuration change; the events call it too). */
void ike_liveness_refresh(struct daemon *d);

/* Subscribe d to e's events (0, -1 out of memory); detach undoes it. */
int ike_liveness_attach(struct ipsec_engine *e, struct daemon *d);
void ike_liveness_detach(struct ipsec_engine *e, struct daemon *d);

#endif
