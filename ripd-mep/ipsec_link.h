/* ipsec_link: the link between the IPsec engine (strongSwan over VICI) and
 * RIM. It owns the VICI session, the tunnel table, the engine-loss grace
 * timer and the route synchroniser, and recomputes the desired routes on
 * every tunnel event:
 *
 *  - connected and resynchronised (list-sas done): routes follow the
 *    tunnel table;
 *  - connection lost: routes are held for the grace period; if the engine
 *    is back and re-listed in time, the resync decides (nothing flaps);
 *    otherwise every route is withdrawn;
 *  - start-up: the routes a previous run left in the backend are held
 *    until the first resync (or the grace period), then reconciled, so a
 *    restart converges to exactly the right set. */
#ifndef RIPD_MEP_IPSEC_LINK_H
#define RIPD_MEP_IPSEC_LINK_H

#include <ev.h>
#include <stdbool.h>
#include <time.h>

#include "config.h"
#include "rim_sync.h"
#include "tunnels.h"

struct ipsec_link;

/* NULL on allocation failure. cfg is borrowed and must stay valid until
 * the next ipsec_link_configure() or ipsec_link_free(). */
/* zserv: zebra's socket (zebra backend). */
struct ipsec_link *ipsec_link_new(struct ev_loop *loop,
				  const struct mep_config *cfg, const char *zserv);
void ipsec_link_free(struct ipsec_link *e);

/* Follow a new configuration (socket path, backend, gateways). */
void ipsec_link_configure(struct ipsec_link *e, const struct mep_config *cfg);

const struct tunnel_table *ipsec_link_tunnels(const struct ipsec_link *e);
const struct rim_sync *ipsec_link_rim(const struct ipsec_link *e);
bool ipsec_link_connected(const struct ipsec_link *e);
/* "synced", "connecting", "lost (grace 7 s left)", "lost" */
const char *ipsec_link_status(const struct ipsec_link *e, char *buf, size_t len);

#endif
