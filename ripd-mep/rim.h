/* rim: the Route Injection Mechanism as pure computations (no I/O):
 *  - rim_desired(): the routes that should exist, from the configuration,
 *    the tunnel table and the local gateway;
 *  - rim_reconcile(): the minimal changes that turn the installed routes
 *    into the desired ones, over rim_diff_sorted(), the one route diff
 *    (the zebra backend walks it too, without copies).
 * (The engine-loss grace, when the last known tunnel table stops
 * counting, is the IPsec engine's: ipsec_grace.h.)
 *
 * One path for every occasion: after a single tunnel event, after a resync
 * with the engine (list-sas) and after a daemon restart the caller does the
 * same thing: desired = rim_desired(cfg, local, table), installed = what
 * the backend holds (its own record, or after a restart or a backend
 * reconnect the routes read back from it), changes = rim_reconcile(desired,
 * installed); applying the changes converges to exactly the desired set,
 * nothing stale, nothing missing. A route that stays desired is never
 * withdrawn: an attribute change is a replace, not a delete and an add.
 *
 * Ownership: every container below owns its array; the caller initialises
 * it with *_init() and releases it with *_free(). The functions that fill
 * a container empty it first and reuse its storage. */
#ifndef RIPD_MEP_RIM_H
#define RIPD_MEP_RIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "prefix.h"
#include "tunnels.h"

/* One injected route. gateway is the configured gateway the prefix comes
 * from (the peer for a VPN domain, the local gateway for its IP pool); it
 * is informational and not compared by rim_reconcile(), nor known for
 * routes read back from a backend (-1 there). */
struct rim_route {
	struct mep_prefix prefix;
	int gateway;
	uint8_t distance;
	uint32_t metric;
	uint32_t tag;
};

struct rim_routes {
	struct rim_route *v;
	size_t n;
	size_t cap;
};

void rim_routes_init(struct rim_routes *r);
void rim_routes_free(struct rim_routes *r);
/* Append a copy of route (for callers building an installed set).
 * Returns 0 or -1 on allocation failure. */
int rim_routes_add(struct rim_routes *r, const struct rim_route *route);
/* Lay over on base, in place: both sorted by prefix without repeats
 * (rim_route_cmp()); a prefix in both keeps over's route. base grows to
 * hold both at most (no third copy of a large set). 0, or -1 on
 * allocation failure (base unchanged). */
int rim_routes_lay_over(struct rim_routes *base,
			const struct rim_routes *over);

/* Why a remote traffic selector was not injected. */
enum rim_ignore_reason {
	RIM_IGNORE_UNKNOWN_PEER,	/* tunnel to no configured gateway */
	RIM_IGNORE_OUTSIDE_DOMAIN,	/* no address in common with it */
	RIM_IGNORE_WIDER_THAN_DOMAIN,	/* overlaps it but covers more */
	RIM_IGNORE_INVALID,		/* bad family or length */
	RIM_IGNORE_SATELLITE_SILENT,	/* would be injected, but its peer
					 * is a silent satellite */
};

struct rim_ignored {
	struct mep_prefix prefix;	/* the remote traffic selector */
	int gateway;			/* the peer, -1 unknown */
	uint32_t ike_id;		/* first tunnel that carried it */
	uint32_t child_id;
	enum rim_ignore_reason reason;
};

struct rim_ignored_list {
	struct rim_ignored *v;
	size_t n;
	size_t cap;
};

void rim_ignored_init(struct rim_ignored_list *l);
void rim_ignored_free(struct rim_ignored_list *l);
/* "unknown peer", "outside the peer's vpn-domain", ... */
const char *rim_ignore_reason_str(enum rim_ignore_reason r);

/* The desired routes. Nothing when RIM is off (cfg->rim.enabled false) or
 * local < 0; only the pool route (below) when t is NULL (no tunnel table:
 * the engine is gone for good).
 * silent (NULL: none) holds one byte per gateway index, nonzero for a
 * satellite whose probes stopped (responder.h): the selectors its tunnels
 * would inject are not injected but listed in ignored with the reason
 * RIM_IGNORE_SATELLITE_SILENT (centers follow their satellites' probes,
 * SPEC "Satellite steering"; the tunnel itself is left to IKE).
 *
 * A tunnel counts when its CHILD_SA is up (tunnels_child_up()) and its
 * peer P is a configured gateway linked with local in a community c:
 * star, one of them a center and the other a satellite; meshed, both
 * members. Then:
 *  - c's effective return path is rim: each remote traffic selector S of
 *    the tunnel is injected as is when every address of S lies in P's
 *    vpn-domain (in one of its prefixes, or in their union: 10.11.0.0/16
 *    when P owns 10.11.0.0/17 and 10.11.128.0/17). Otherwise S is not
 *    injected at all and is listed in ignored: outside the domain
 *    (0 addresses in common: a sibling prefix, another family) or wider
 *    than it (0.0.0.0/0, or 10.0.0.0/8 when P owns 10.11.0.0/16).
 *    Decision: a selector wider than the domain is ignored whole rather
 *    than cut down to the domain prefixes it contains: it is a peer
 *    configuration error that must stay visible (routes missing, a log
 *    line), and a peer must never steer what we announce beyond the
 *    selectors it negotiated within its own domain.
 *  - c's effective return path is ip-pool-nat: nothing for the tunnel.
 * The pool route: when local does IP Pool NAT (mep_nat_pool(): an entry
 * of an ip-pool-nat community, with an ip-pool) its pool prefix is a
 * desired route of its own, from the configuration alone, whatever the
 * tunnels: it stays while the feature is on (no flap when the last
 * tunnel goes down: live NAT connections keep their return route) and
 * is withdrawn when the pool or the return path is unconfigured.
 * Up tunnels to an unknown peer are listed in ignored (one entry per
 * selector, reason unknown peer); tunnels not linked by any community are
 * silently skipped. Every route gets cfg->rim's distance and tag, and its
 * metric or backup-metric:
 *  - Metrics with vpn-domain MEP: several centers of a star community
 *    with `mep enable` and `mep entry-point vpn-domain` may hold a tunnel
 *    to the same satellite and inject its prefixes. The primary center
 *    for a satellite's prefix is the community's first center (center
 *    list in configuration order): every center computes the same answer
 *    from the shared configuration. A center that is not the first one
 *    injects the selectors of its tunnels to that community's satellites
 *    with backup-metric, so the internal network returns traffic through
 *    the primary while its tunnel is up, and through a backup only after
 *    the primary withdrew its route.
 *  - Everything else uses metric: the first center, communities that are
 *    not vpn-domain MEP, meshed communities, a satellite's routes to its
 *    centers' domains, and the ip-pool prefix (ip-pool-nat).
 *  - A tunnel whose peer is linked with local by several rim communities
 *    gets metric when any of them asks for metric.
 * A prefix obtained several times gives one route: the lowest metric,
 * then the lowest gateway index. routes is sorted by prefix
 * (rim_route_cmp()); ignored (may be NULL) by prefix then gateway,
 * without duplicates.
 * Returns 0, or -1 on allocation failure (the containers are then valid
 * but their contents unspecified). */
int rim_desired(const struct mep_config *cfg, int local,
		const struct tunnel_table *t, const uint8_t *silent,
		struct rim_routes *routes, struct rim_ignored_list *ignored);

/* How local is linked to each gateway by the communities (one byte per
 * gateway index), for rim_desired_of(): build it once per configuration
 * and free() it. NULL when local is not a gateway of cfg or on allocation
 * failure. */
uint8_t *rim_link_table(const struct mep_config *cfg, int local);

/* The routes that the tunnels ids alone give (ids missing from t are
 * skipped), by the rules of rim_desired() (silent as there; the pool
 * route is not a tunnel's: rim_desired() alone gives it); links from
 * rim_link_table() of
 * the same cfg and local. For sending the routes of tunnels just reported
 * up at once, ahead of the next full rim_desired() (which alone decides
 * what is withdrawn, and which tunnel wins a prefix several give). Ignored
 * selectors are left to rim_desired(). Sorted, without repeats; 0, or -1
 * on allocation failure. */
int rim_desired_of(const struct mep_config *cfg, int local,
		   const uint8_t *links, const struct tunnel_table *t,
		   const uint8_t *silent, const struct tunnels_id *ids, size_t n,
		   struct rim_routes *routes);

/* Why a peer's routes are injected or not (show mep routes). */
enum rim_peer_state {
	RIM_PEER_NONE,		/* no community with return path rim links it */
	RIM_PEER_TUNNEL_UP,	/* an up CHILD_SA: its selectors count */
	RIM_PEER_TUNNEL_DOWN,	/* no up CHILD_SA: nothing injected */
	RIM_PEER_SILENT,	/* tunnel up, satellite silent: withdrawn */
};

/* "none", "tunnel up", "tunnel down", "satellite silent" */
const char *rim_peer_state_str(enum rim_peer_state s);

/* The state of every gateway (out: cfg->n_gateways entries) as
 * rim_desired() sees it with the same arguments: a peer linked with
 * local by a rim community is up with an up CHILD_SA to it (silent when
 * silent says so), else down; any other gateway, and every gateway when
 * RIM is off or local is no gateway, is RIM_PEER_NONE. 0, or -1 on
 * allocation failure. */
int rim_peer_states(const struct mep_config *cfg, int local,
		    const struct tunnel_table *t, const uint8_t *silent,
		    enum rim_peer_state *out);

/* Order of prefixes: IPv4 before IPv6, then address bytes, then length
 * (a supernet just before its first subnet). Usable with qsort(). */
int rim_prefix_cmp(const struct mep_prefix *a, const struct mep_prefix *b);
/* rim_prefix_cmp() on the prefixes of two struct rim_route. */
int rim_route_cmp(const void *a, const void *b);
/* The position of the route for p in v (n routes sorted by prefix), or
 * -1: a binary search. */
long rim_route_search(const struct rim_route *v, size_t n,
		      const struct mep_prefix *p);
/* Same distance, metric and tag. */
bool rim_route_same_attrs(const struct rim_route *a, const struct rim_route *b);

enum rim_op {
	RIM_OP_ADD,	/* install route (prefix not installed) */
	RIM_OP_REPLACE,	/* install route over old (same prefix): with
			 * replace semantics, never a delete first; a
			 * backend where the changed attribute is part of
			 * the route's key (kernel priority) adds route
			 * then deletes old */
	RIM_OP_DELETE,	/* withdraw route (exactly as installed) */
};

struct rim_change {
	enum rim_op op;
	struct rim_route route;
	struct rim_route old;	/* RIM_OP_REPLACE only */
};

struct rim_changes {
	struct rim_change *v;
	size_t n;
	size_t cap;
};

void rim_changes_init(struct rim_changes *c);
void rim_changes_free(struct rim_changes *c);

/* What rim_diff_sorted() found for one desired or installed route. */
enum rim_diff_kind {
	RIM_DIFF_ADD,		/* want: its prefix is not installed */
	RIM_DIFF_KEEP,		/* want is installed as have (same attrs) */
	RIM_DIFF_REPLACE,	/* want over have (same prefix) */
	RIM_DIFF_DELETE,	/* have: not desired, or an extra copy */
};

/* One step of the walk: want (NULL for DELETE), have (NULL for ADD) and
 * have's position in installed. Nonzero stops the walk. */
typedef int (*rim_diff_fn)(void *arg, enum rim_diff_kind kind,
			   const struct rim_route *want,
			   const struct rim_route *have, size_t have_pos);

/* The one route diff. desired and installed are arrays of elements of
 * size stride, each beginning with a struct rim_route, both sorted by
 * prefix (rim_prefix_cmp; installed may hold several routes of a prefix,
 * in the order that makes one "first"). For each prefix, in prefix order:
 * a desired route (the first of its prefix; repeats count once) is KEEP
 * with the first installed route of that prefix with the same attributes
 * (distance, metric, tag), else REPLACE of the first installed one, else
 * ADD; then every other installed route of the prefix is DELETE. No
 * allocation, no copy. Returns 0, or the first nonzero of fn. */
int rim_diff_sorted(const void *desired, size_t n_desired,
		    const void *installed, size_t n_installed, size_t stride,
		    rim_diff_fn fn, void *arg);

/* The minimal changes from installed to desired (both in any order).
 * Prefixes are compared exactly, attributes are distance, metric, tag.
 * For each desired prefix: an installed route with the same attributes
 * -> nothing; else an installed route with that prefix -> REPLACE (old is
 * the first such route); else ADD. Every installed route neither kept nor
 * replaced is deleted: prefixes no longer desired, and extra copies of a
 * desired prefix (kernel routes that differ by priority; backends keyed by
 * prefix alone never report two). A desired prefix listed twice counts
 * once (the first). out lists the ADDs and REPLACEs first, then the
 * DELETEs (make before break), each part sorted by prefix; equal sets give
 * no change. Returns 0, -1 on allocation failure. */
int rim_reconcile(const struct rim_route *desired, size_t n_desired,
		  const struct rim_route *installed, size_t n_installed,
		  struct rim_changes *out);

#endif
