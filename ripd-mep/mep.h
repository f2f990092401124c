/* mep: the entry-point engine (pure: no I/O, no clock, no randomness).
 *
 * Given the configuration, the liveness of every gateway (as seen from the
 * local node: probes, IKE or an operator override) and a query (satellite,
 * source, destination), it returns the gateway to use and why. It keeps
 * only the stickiness of first-to-respond choices, in struct mep_engine.
 * Random choices use rendezvous hashing, so they are stable while the set
 * of responding gateways is, and only a failed gateway's pairs move. */
#ifndef RIPD_MEP_MEP_H
#define RIPD_MEP_MEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "prefix.h"

enum mep_liveness_state { MEP_LIVE_UNKNOWN, MEP_LIVE_UP, MEP_LIVE_DOWN };

enum mep_verdict_source {
	MEP_VERDICT_NONE,
	MEP_VERDICT_PROBE,
	MEP_VERDICT_IKE,
	MEP_VERDICT_OVERRIDE,
};

/* Liveness of one gateway; callers keep an array indexed like
 * cfg->gateways. Only MEP_LIVE_UP without drain counts as responding: a
 * draining center (its probe replies carry the drain flag, `mep drain`)
 * is up but chosen by no resolution. */
struct mep_liveness {
	enum mep_liveness_state state;
	uint32_t rtt_us;		/* last round-trip time, 0 if unknown */
	enum mep_verdict_source source;
	bool drain;			/* the center is draining */
};

enum mep_rank {
	MEP_RANK_NONE,
	MEP_RANK_PRIMARY,
	MEP_RANK_SECONDARY,
	MEP_RANK_TERTIARY,
	MEP_RANK_BACKUP,
	MEP_RANK_EQUAL,		/* first-to-respond / random: no primary */
};

enum mep_kind {
	MEP_KIND_NONE,		/* destination behind a single gateway */
	MEP_KIND_EXPLICIT,	/* star community with mep enable */
	MEP_KIND_IMPLICIT,	/* overlapping domains in one community */
	MEP_KIND_PRIMARY_BACKUP,/* gateway with backup-gateway */
};

enum mep_status {
	MEP_RESOLVED,		/* gateway is set */
	MEP_NO_RESPONDER,	/* candidates exist but none responds */
	MEP_NO_DOMAIN,		/* destination is in no reachable VPN domain */
	MEP_BAD_QUERY,		/* unknown satellite, family mismatch... */
};

#define MEP_MAX_CANDIDATES 64

struct mep_candidate {
	int gateway;
	enum mep_rank rank;
};

struct mep_query {
	int satellite;		/* gateway index of the satellite asking */
	struct mep_addr src;
	struct mep_addr dst;
	/* Gateway an existing connection of this pair uses, or -1 for a new
	 * connection. Primary-backup keeps existing connections on their
	 * gateway while it responds (no failback of existing flows). */
	int existing;
};

struct mep_result {
	enum mep_status status;
	enum mep_kind kind;
	int community;			/* index, -1 if none */
	/* Method actually applied; meaningful only for kind EXPLICIT and
	 * IMPLICIT (see mep_result_method_name()). */
	enum mep_method method;
	int gateway;			/* chosen gateway, -1 if none */
	enum mep_rank rank;		/* rank of the chosen gateway */
	/* Does the chosen gateway respond? Only kind NONE may resolve to a
	 * gateway that does not. */
	bool responding;
	/* Every gateway of the MEP group, in configuration order, with its
	 * rank for this query (NONE for a center a rule excludes). */
	struct mep_candidate candidates[MEP_MAX_CANDIDATES];
	size_t n_candidates;
	char reason[256];		/* one sentence: why this gateway */
};

struct mep_engine;

/* Allocate an engine (NULL on allocation failure); free with
 * mep_engine_free(). */
struct mep_engine *mep_engine_new(void);
void mep_engine_free(struct mep_engine *e);
/* Forget all sticky choices. */
void mep_engine_reset(struct mep_engine *e);
/* Keep the sticky choices across a configuration change from `from` to
 * `to`: gateway and community indices are translated by name; a choice
 * whose community, satellite, chosen gateway or any candidate no longer
 * exists is forgotten (its next resolution picks afresh). A candidate
 * set that changed otherwise (members or their order) simply no longer
 * matches. So a change that does not touch a MEP group (a probe key or
 * interval, another community) moves no first-to-respond choice, as
 * SPEC requires ("sticky until it stops responding"). NULL from or to:
 * as mep_engine_reset(). */
void mep_engine_carry_over(struct mep_engine *e, const struct mep_config *from,
			   const struct mep_config *to);

/* Resolve the entry point. live has cfg->n_gateways entries. Returns
 * res->status (MEP_BAD_QUERY when cfg, live, q or res is NULL; res is then
 * left untouched if NULL). Updates the first-to-respond stickiness in e;
 * e may be NULL (no stickiness). Allocates nothing but sticky entries. */
enum mep_status mep_resolve(struct mep_engine *e, const struct mep_config *cfg,
			    const struct mep_liveness *live,
			    const struct mep_query *q, struct mep_result *res);

/* Implicit MEP: the one definition (SPEC.md "implicit MEP"), shared by
 * `show mep` (state.c), the configuration rules (conf_rules.c, rule 3) and
 * mep_resolve().
 *
 * Two gateways a and b form an implicit MEP pair in community c when
 * they are different, their VPN domains overlap, and they are not both
 * centers of an explicit MEP community (that is explicit MEP). A
 * community has overlapping-domain implicit MEP when some gateway s of c
 * reaches (mep_community_peers) such a pair, both other than s; it has
 * primary-backup implicit MEP when some gateway of c reaches a gateway
 * with backup gateways. mep_resolve() answers kind IMPLICIT exactly for
 * the candidates of such a pair (two or more peers of one community
 * whose domains contain the destination) and PRIMARY_BACKUP for a
 * primary with backups. */

/* Is (a, b) an implicit MEP pair in c? *p (when not NULL) is set to the
 * narrower of the first overlapping pair of domains. */
bool mep_implicit_pair(const struct mep_config *cfg,
		       const struct mep_community *c, int a, int b,
		       const struct mep_prefix **p);
/* The first overlapping-domain implicit MEP pair of community ci (lowest
 * a, then lowest b, over the lists its gateways reach); false when none.
 * a, b, p may be NULL. */
bool mep_community_overlap(const struct mep_config *cfg, size_t ci, int *a,
			   int *b, const struct mep_prefix **p);
/* The MEP of community ci as `show mep` names it: EXPLICIT (mep enable),
 * IMPLICIT (overlapping domains), PRIMARY_BACKUP (a reached gateway has
 * backups) or NONE. */
enum mep_kind mep_community_kind(const struct mep_config *cfg, size_t ci);
/* The steering of community ci when none is configured (SPEC rule 11):
 * route for a random entry point (mep enable) or for implicit load
 * distribution (load-distribution and overlapping domains), since pairs
 * cannot be steered by CHILD_SAs with identical selectors; else child-sa. */
enum mep_steering mep_steering_default(const struct mep_config *cfg,
				       size_t ci);
/* Does community ci choose entry points per (source, destination) pair:
 * random (mep enable) or implicit load distribution? */
bool mep_community_per_pair(const struct mep_config *cfg, size_t ci);

/* The tracking line in the seed's wording, e.g.
 * "Resolved peer for tunnel from S1 to the MEP that contains M1, M2, and
 * M3, is: M1 (Primary Security Gateway, responding)."
 * Writes into buf (truncating) and returns buf. */
const char *mep_tracking_line(const struct mep_config *cfg,
			      const struct mep_query *q,
			      const struct mep_result *res, char *buf,
			      size_t len);

/* Names for show output and logs. */
const char *mep_rank_name(enum mep_rank r);		/* "primary"... */
const char *mep_kind_name(enum mep_kind k);		/* "explicit"... */
const char *mep_liveness_name(enum mep_liveness_state s); /* "up"... */
const char *mep_verdict_source_name(enum mep_verdict_source s);
const char *mep_status_name(enum mep_status s);	/* "resolved"... */
/* The method as shown to users: the entry-point method for explicit and
 * implicit MEP, else "primary-backup" or "single-gateway". */
const char *mep_result_method_name(const struct mep_result *res);

/* Rendezvous score of (key, gateway name); exposed for tests. */
uint64_t mep_rendezvous_score(const void *key, size_t key_len,
			      const char *gateway);

#endif
