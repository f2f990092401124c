/* state: operational state as libyang data trees (config false nodes of
 * ripd-mep.yang), so that `show ... json` is printed by libyang and the
 * text forms read the same tree. Trees returned are owned by the caller
 * (lyd_free_all). */
#ifndef RIPD_MEP_STATE_H
#define RIPD_MEP_STATE_H

#include <libyang/libyang.h>

#include "daemon.h"
#include "strbuf.h"

enum state_part {
	STATE_SUMMARY = 1 << 0,		/* local gateway, roles, config */
	STATE_COMMUNITIES = 1 << 1,
	STATE_GATEWAYS = 1 << 2,
	STATE_ENTRY_POINTS = 1 << 3,
	STATE_TUNNELS = 1 << 4,
	STATE_ROUTES = 1 << 5,
	STATE_PROBES = 1 << 6,		/* probe peers and counters */
	STATE_STEERING = 1 << 7,	/* route steering */
	STATE_ALL = 0xff,
	/* show mep: what its text shows (the long lists, tunnels, routes,
	 * probes and steering, have their own commands: with thousands of
	 * tunnels they are megabytes) */
	STATE_OVERVIEW = STATE_SUMMARY | STATE_COMMUNITIES | STATE_GATEWAYS |
			 STATE_ENTRY_POINTS,
};

/* /ripd-mep:mep-state with the parts asked for; NULL on failure. */
struct lyd_node *state_build(const struct daemon *d, unsigned parts);

/* IP Pool NAT (show mep nat): the nat-pool entry and up to count
 * mappings from source from on (NULL: the first); no nat-pool entry when
 * the local gateway is no NAT center. NULL on failure. */
struct lyd_node *state_nat(const struct daemon *d, const struct mep_addr *from,
			   size_t count);

/* The output of the resolve rpc for q and res. */
struct lyd_node *state_resolve(const struct daemon *d,
			       const struct mep_query *q,
			       const struct mep_result *res);

/* Append tree as RFC 7951 JSON (libyang's printer). */
void state_print_json(const struct lyd_node *tree, struct strbuf *out);

/* Value of the leaf at path below node (relative), or "" when absent. */
const char *state_get(const struct lyd_node *node, const char *path);

#endif
