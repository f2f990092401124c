/* steer_route: route steering on a satellite, the pure core (no I/O, no
 * clock). From the configuration, the liveness of the gateways and the
 * local satellite's entry points (one per destination domain) it computes
 * the desired steering state, and it diffs desired against actual into
 * minimal changes. steer_route_io.c applies them (rtnetlink, nftables).
 *
 * Only communities with `steering route` where the local gateway is a
 * satellite are steered. Every center's XFRM interface (its `if-id`,
 * `interface`) has a routing table and a packet mark of its own, both
 * steering table + if-id.
 *
 *  - An entry point chosen per destination (first-to-respond, vpn-domain,
 *    priority-list, primary-backup): one route "DESTINATION dev IFACE" in
 *    the steering table (steering protocol), IFACE being the chosen
 *    center's interface; one ip rule (STEER_ROUTE_PREF_TABLE) looks the
 *    steering table up. No responding center: no route (state failed).
 *  - An entry point chosen per pair (mep entry-point random, implicit load
 *    distribution): the destination is routed via every candidate center's
 *    interface in that center's table; ip rules (STEER_ROUTE_PREF_MARK)
 *    send packets marked with a center's mark to its table; nftables marks
 *    each packet toward such a destination by bucket = hash(source,
 *    destination) mod buckets, and each bucket is assigned to a
 *    responding center by rendezvous hashing (mep_rendezvous_score of the
 *    bucket number and the center's name): a failed center's buckets move
 *    and no other bucket does. A bucket with no responding center has no
 *    mark (the main table applies).
 *
 * With several per-pair communities the buckets are shared: they are
 * assigned over the union of their responding centers; a destination's
 * routes exist only in its own candidates' tables, so a bucket whose
 * center does not serve the destination falls through to the main
 * table (a configuration with one per-pair community per satellite, the
 * usual one, never does). */
#ifndef RIPD_MEP_STEER_ROUTE_H
#define RIPD_MEP_STEER_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "mep.h"
#include "prefix.h"
#include "strbuf.h"

/* ip rule priorities: marks first (per-pair), then the steering table.
 * Below the main table's 32766, above the kernel's local rule (0). */
#define STEER_ROUTE_PREF_MARK 1000
#define STEER_ROUTE_PREF_TABLE 1001
/* The nftables table ripd-mep owns for route steering, its comment (how
 * the daemon recognises it as its own) and the jhash seed. */
#define STEER_ROUTE_NFT_TABLE "ripd_mep_steer"
#define STEER_ROUTE_NFT_COMMENT "ripd-mep steering"
#define STEER_ROUTE_NFT_SEED 0x52ad

/* One destination domain of the local satellite and its entry point. */
struct steer_route_input {
	int community;
	struct mep_prefix destination;
	const struct mep_result *result;
};

/* A route: prefix dev ifname in table. gateway: the center (for show). */
struct steer_route_route {
	uint32_t table;
	struct mep_prefix prefix;
	char ifname[16];
	int gateway;
};

/* An ip rule: [fwmark mark] lookup table, at priority. mark 0: none. */
struct steer_route_rule {
	uint32_t priority;
	uint32_t mark;
	uint32_t table;
	uint8_t family;		/* AF_INET, AF_INET6 */
};

/* The steering of one destination, for show mep entry-points. */
struct steer_route_dest {
	int community;
	struct mep_prefix destination;
	bool per_pair;
	int gateway;		/* per destination: the center used, or -1 */
	bool failed;
	char reason[160];	/* failed: why */
	char via[256];		/* what carries it */
};

/* A center of the buckets: its gateway index, mark (= its table) and the
 * number of buckets it holds. */
struct steer_route_center {
	int gateway;
	uint32_t mark;
	uint32_t buckets;
	bool responding;
};

struct steer_route_desired {
	struct steer_route_route *routes;	/* sorted (steer_route_cmp) */
	size_t n_routes;
	struct steer_route_rule *rules;	/* sorted (steer_route_rule_cmp) */
	size_t n_rules;
	uint32_t n_buckets;
	uint32_t *bucket_mark;		/* per bucket; 0: no center */
	struct mep_prefix *pair_dst;	/* destinations the buckets steer */
	size_t n_pair_dst;
	struct steer_route_center *centers;	/* bucket centers, by index */
	size_t n_centers;
	struct steer_route_dest *dests;	/* in input order */
	size_t n_dests;
	/* A center that would be used has no interface (yet): the adapter
	 * looks again later. */
	bool missing_if;
};

/* Is community ci steered by routes on this node (steering route, local
 * gateway a satellite of a star community)? */
bool steer_route_applies(const struct mep_config *cfg, size_t ci);
/* Any community steered by routes on this node? */
bool steer_route_any(const struct mep_config *cfg);

/* Table (and mark) of gateway gw: steering table + if-id; 0 when gw has
 * no if-id. */
uint32_t steer_route_table_of(const struct mep_config *cfg, int gw);

/* The center of bucket b among the gateways cand[0..n) (indices into
 * cfg->gateways) by rendezvous hashing; -1 when n is 0. */
int steer_route_bucket_owner(const struct mep_config *cfg, const int *cand,
			     size_t n, uint32_t b);

/* Compute the desired state. live has cfg->n_gateways entries; have_if
 * (NULL: all true) says per gateway whether its interface exists: a
 * center without one holds no bucket, and a destination whose entry
 * point has none is failed ("interface xfrm-1 does not exist"): no route
 * through a tunnel that is not there. Returns 0, or -1 out of memory
 * (out is then empty). Free with steer_route_desired_free(). */
int steer_route_desired(const struct mep_config *cfg,
			const struct mep_liveness *live, const bool *have_if,
			const struct steer_route_input *in, size_t n_in,
			struct steer_route_desired *out);
void steer_route_desired_free(struct steer_route_desired *d);

/* Orders for the diffs: routes by (table, family, prefix); rules by
 * (family, priority, mark, table). */
int steer_route_cmp(const struct steer_route_route *a,
		    const struct steer_route_route *b);
int steer_route_rule_cmp(const struct steer_route_rule *a,
			 const struct steer_route_rule *b);
/* Sort an actual list into the diff order. */
void steer_route_sort_routes(struct steer_route_route *r, size_t n);
void steer_route_sort_rules(struct steer_route_rule *r, size_t n);

/* Minimal changes from have to want (both sorted): put(want entry, the
 * actual entry for the same table and prefix or NULL) for each route to
 * add or change (another device), del(actual entry) for each route that
 * is not wanted. Deletions are reported before additions of the same
 * table only when they are of other prefixes: a moved route is changed
 * in place. */
typedef void (*steer_route_put_fn)(void *arg,
				   const struct steer_route_route *want,
				   const struct steer_route_route *old);
typedef void (*steer_route_del_fn)(void *arg,
				   const struct steer_route_route *old);
void steer_route_diff_routes(const struct steer_route_route *want, size_t nw,
			     const struct steer_route_route *have, size_t nh,
			     steer_route_put_fn put, steer_route_del_fn del,
			     void *arg);
/* The same for rules: add(want) for a missing rule, del(have) for an
 * extra one. */
typedef void (*steer_route_rule_fn)(void *arg,
				    const struct steer_route_rule *r);
void steer_route_diff_rules(const struct steer_route_rule *want, size_t nw,
			    const struct steer_route_rule *have, size_t nh,
			    steer_route_rule_fn add, steer_route_rule_fn del,
			    void *arg);

/* nftables text (nft_run_batch), table STEER_ROUTE_NFT_TABLE:
 *  - steer_route_nft_table: the table with its comment, the sets dst4 and
 *    dst6 of destinations, the map buckets (bucket -> mark) and the chains
 *    prerouting (filter, mangle priority) and output (route, mangle
 *    priority) marking packets toward those destinations by
 *    jhash(saddr . daddr) mod n_buckets; the chains are flushed and
 *    refilled, the sets and map are left as they are. Idempotent.
 *  - steer_route_nft_dst: flush the sets and add the destinations.
 *  - steer_route_nft_buckets: the map's changes from have to want
 *    (n buckets each; have NULL: unknown, the map is flushed and filled):
 *    only the buckets whose mark changed are deleted and added again.
 *    Appends nothing when nothing changed; returns the number of buckets
 *    changed (n when have is NULL). */
void steer_route_nft_table(struct strbuf *out, uint32_t n_buckets);
void steer_route_nft_dst(struct strbuf *out, const struct mep_prefix *dst,
			 size_t n);
uint32_t steer_route_nft_buckets(struct strbuf *out, const uint32_t *want,
				 const uint32_t *have, uint32_t n);

/* Parse the map's elements from nft's text listing ("elements = { 0 :
 * 0x000000d3, 1 : ... }") into marks[0..n) (0 for a bucket not listed).
 * Returns 0, or -1 when the text is not such a listing or a bucket is out
 * of range. */
int steer_route_parse_buckets(const char *listing, uint32_t *marks,
			      uint32_t n);

#endif
