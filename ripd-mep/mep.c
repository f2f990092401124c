/* mep: the entry-point engine. Owns the resolution of a query (satellite,
 * source, destination) into an entry point: discovery of the MEP group
 * (explicit, implicit, primary-backup or a single gateway), the four
 * entry-point methods, the tie-breaks, rendezvous hashing, the
 * first-to-respond stickiness table and the tracking line.
 * Pure: no I/O, no clock, no randomness. */
#include "mep.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hash_mix.h"

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

const char *mep_rank_name(enum mep_rank r)
{
	switch (r) {
	case MEP_RANK_NONE:
		return "none";
	case MEP_RANK_PRIMARY:
		return "primary";
	case MEP_RANK_SECONDARY:
		return "secondary";
	case MEP_RANK_TERTIARY:
		return "tertiary";
	case MEP_RANK_BACKUP:
		return "backup";
	case MEP_RANK_EQUAL:
		return "equal";
	}
	return "unknown";
}

const char *mep_kind_name(enum mep_kind k)
{
	switch (k) {
	case MEP_KIND_NONE:
		return "none";
	case MEP_KIND_EXPLICIT:
		return "explicit";
	case MEP_KIND_IMPLICIT:
		return "implicit";
	case MEP_KIND_PRIMARY_BACKUP:
		return "primary-backup";
	}
	return "unknown";
}

const char *mep_liveness_name(enum mep_liveness_state s)
{
	switch (s) {
	case MEP_LIVE_UNKNOWN:
		return "unknown";
	case MEP_LIVE_UP:
		return "up";
	case MEP_LIVE_DOWN:
		return "down";
	}
	return "unknown";
}

const char *mep_verdict_source_name(enum mep_verdict_source s)
{
	switch (s) {
	case MEP_VERDICT_NONE:
		return "none";
	case MEP_VERDICT_PROBE:
		return "probe";
	case MEP_VERDICT_IKE:
		return "ike";
	case MEP_VERDICT_OVERRIDE:
		return "override";
	}
	return "unknown";
}

const char *mep_status_name(enum mep_status s)
{
	switch (s) {
	case MEP_RESOLVED:
		return "resolved";
	case MEP_NO_RESPONDER:
		return "no-responder";
	case MEP_NO_DOMAIN:
		return "no-domain";
	case MEP_BAD_QUERY:
		return "bad-query";
	}
	return "unknown";
}

const char *mep_result_method_name(const struct mep_result *res)
{
	switch (res->kind) {
	case MEP_KIND_EXPLICIT:
	case MEP_KIND_IMPLICIT:
		return mep_method_name(res->method);
	case MEP_KIND_PRIMARY_BACKUP:
		return "primary-backup";
	case MEP_KIND_NONE:
		break;
	}
	return "single-gateway";
}

/* ------------------------------------------------------------------ */
/* Hashing: FNV-1a over the bytes, then murmur3's 64-bit finalizer.    */
/* ------------------------------------------------------------------ */

#define HASH_FNV_OFFSET 0xcbf29ce484222325ULL
#define HASH_FNV_PRIME 0x00000100000001b3ULL
#define HASH_GOLDEN 0x9e3779b97f4a7c15ULL

static uint64_t hash_fnv1a(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= HASH_FNV_PRIME;
	}
	return h;
}

static uint64_t hash_rotl(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

uint64_t mep_rendezvous_score(const void *key, size_t key_len,
			      const char *gateway)
{
	uint64_t k, g;

	if (!key)
		key_len = 0;
	if (!gateway)
		gateway = "";
	/* Hash key and gateway independently (each well mixed), then mix
	 * the pair twice so that scores of different gateways for one key
	 * behave as independent uniform values. */
	k = hash_mix64(hash_fnv1a(HASH_FNV_OFFSET, key, key_len) ^
			(uint64_t)key_len);
	g = hash_mix64(hash_fnv1a(HASH_FNV_OFFSET ^ HASH_GOLDEN, gateway,
				   strlen(gateway)));
	return hash_mix64(hash_mix64(k ^ hash_rotl(g, 29)) + g * HASH_GOLDEN);
}

/* ------------------------------------------------------------------ */
/* Engine: first-to-respond stickiness                                 */
/* ------------------------------------------------------------------ */

/* Beyond this many remembered choices the oldest is forgotten. The key
 * space is bounded by the configuration, so this is only a safety net. */
#define MEP_STICKY_MAX 4096

struct mep_sticky {
	enum mep_kind kind;
	int community;
	int satellite;
	size_t n;
	int set[MEP_MAX_CANDIDATES];
	int chosen;
};

struct mep_engine {
	struct mep_sticky *v;
	size_t n;
	size_t cap;
};

struct mep_engine *mep_engine_new(void)
{
	return calloc(1, sizeof(struct mep_engine));
}

void mep_engine_free(struct mep_engine *e)
{
	if (!e)
		return;
	free(e->v);
	free(e);
}

void mep_engine_reset(struct mep_engine *e)
{
	if (e)
		e->n = 0;
}

/* Index of gateway *gw of `from` in `to`, by name; false when gone.
 * -1 stays -1. */
static bool remap_gw(const struct mep_config *from,
		     const struct mep_config *to, int *gw)
{
	if (*gw < 0)
		return true;
	if ((size_t)*gw >= from->n_gateways)
		return false;
	*gw = mep_config_gateway_index(to, from->gateways[*gw].name);
	return *gw >= 0;
}

static bool remap_community(const struct mep_config *from,
			    const struct mep_config *to, int *c)
{
	if (*c < 0)
		return true;
	if ((size_t)*c >= from->n_communities)
		return false;
	for (size_t i = 0; i < to->n_communities; i++)
		if (strcmp(to->communities[i].name,
			   from->communities[*c].name) == 0) {
			*c = (int)i;
			return true;
		}
	return false;
}

void mep_engine_carry_over(struct mep_engine *e, const struct mep_config *from,
			   const struct mep_config *to)
{
	size_t kept = 0;

	if (!e)
		return;
	if (!from || !to) {
		e->n = 0;
		return;
	}
	for (size_t i = 0; i < e->n; i++) {
		struct mep_sticky s = e->v[i];
		bool ok = remap_community(from, to, &s.community) &&
			  remap_gw(from, to, &s.satellite) &&
			  remap_gw(from, to, &s.chosen);

		for (size_t j = 0; ok && j < s.n; j++)
			ok = remap_gw(from, to, &s.set[j]);
		if (ok)
			e->v[kept++] = s;
	}
	e->n = kept;
}

static struct mep_sticky *engine_find(struct mep_engine *e, enum mep_kind kind,
				      int community, int satellite,
				      const int *set, size_t n)
{
	if (!e)
		return NULL;
	for (size_t i = 0; i < e->n; i++) {
		struct mep_sticky *s = &e->v[i];

		if (s->kind == kind && s->community == community &&
		    s->satellite == satellite && s->n == n &&
		    memcmp(s->set, set, n * sizeof(*set)) == 0)
			return s;
	}
	return NULL;
}

/* Remember chosen for the key; on allocation failure nothing is
 * remembered (the next resolution simply is not sticky). */
static void engine_store(struct mep_engine *e, enum mep_kind kind,
			 int community, int satellite, const int *set, size_t n,
			 int chosen)
{
	struct mep_sticky *s;

	if (!e || n > MEP_MAX_CANDIDATES)
		return;
	s = engine_find(e, kind, community, satellite, set, n);
	if (s) {
		s->chosen = chosen;
		return;
	}
	if (e->n == MEP_STICKY_MAX) {
		memmove(&e->v[0], &e->v[1], (e->n - 1) * sizeof(e->v[0]));
		e->n--;
	}
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		struct mep_sticky *v;

		if (cap > MEP_STICKY_MAX)
			cap = MEP_STICKY_MAX;
		v = realloc(e->v, cap * sizeof(*v));
		if (!v)
			return;
		e->v = v;
		e->cap = cap;
	}
	s = &e->v[e->n++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->community = community;
	s->satellite = satellite;
	s->n = n;
	memcpy(s->set, set, n * sizeof(*set));
	s->chosen = chosen;
}

/* ------------------------------------------------------------------ */
/* Resolution context and small helpers                                */
/* ------------------------------------------------------------------ */

struct ctx {
	struct mep_engine *e;
	const struct mep_config *cfg;
	const struct mep_liveness *live;
	const struct mep_query *q;
	struct mep_result *res;
	const char *sat; /* satellite name */
	char src[MEP_PREFIX_STRLEN];
	char dst[MEP_PREFIX_STRLEN];
};

static bool gw_valid(const struct mep_config *cfg, int gw)
{
	return gw >= 0 && (size_t)gw < cfg->n_gateways;
}

static const char *gw_name(const struct ctx *x, int gw)
{
	return gw_valid(x->cfg, gw) ? x->cfg->gateways[gw].name : "?";
}

static bool responds(const struct ctx *x, int gw)
{
	return gw_valid(x->cfg, gw) && x->live[gw].state == MEP_LIVE_UP &&
	       !x->live[gw].drain;
}

static bool list_has(const struct mep_gw_list *l, int gw)
{
	return l->idx && mep_gw_list_has(l, gw);
}

/* Longest prefix length of gw's own domain that contains a, or -1; the
 * prefix is stored in *which when not NULL. */
static int domain_match(const struct mep_config *cfg, int gw,
			const struct mep_addr *a,
			const struct mep_prefix **which)
{
	const struct mep_gateway *g;
	int best = -1;

	if (!gw_valid(cfg, gw))
		return -1;
	g = &cfg->gateways[gw];
	for (size_t i = 0; g->domain && i < g->n_domain; i++) {
		const struct mep_prefix *p = &g->domain[i];

		if (!mep_prefix_valid(p) || !mep_prefix_contains(p, a))
			continue;
		if ((int)p->len > best) {
			best = p->len;
			if (which)
				*which = p;
		}
	}
	return best;
}

/* Write one sentence into the result's reason. */
static void reason(struct ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reason(struct ctx *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->res->reason, sizeof(x->res->reason), fmt, ap);
	va_end(ap);
}

/* Append to the reason (truncating). */
static void reason_add(struct ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reason_add(struct ctx *x, const char *fmt, ...)
{
	size_t used = strlen(x->res->reason);
	va_list ap;

	if (used + 1 >= sizeof(x->res->reason))
		return;
	va_start(ap, fmt);
	vsnprintf(x->res->reason + used, sizeof(x->res->reason) - used, fmt,
		  ap);
	va_end(ap);
}

/* "1.2 ms" or "unknown RTT" */
static const char *rtt_str(const struct ctx *x, int gw, char *buf, size_t len)
{
	uint32_t us = gw_valid(x->cfg, gw) ? x->live[gw].rtt_us : 0;

	if (us == 0)
		snprintf(buf, len, "unknown RTT");
	else
		snprintf(buf, len, "%u.%u ms", us / 1000, (us % 1000) / 100);
	return buf;
}

/* Add gw to the group unless it is invalid, the satellite itself, already
 * there, or the group is full. */
static void cand_add(struct ctx *x, int gw, enum mep_rank rank)
{
	struct mep_result *r = x->res;

	if (!gw_valid(x->cfg, gw) || gw == x->q->satellite ||
	    r->n_candidates >= MEP_MAX_CANDIDATES)
		return;
	for (size_t i = 0; i < r->n_candidates; i++)
		if (r->candidates[i].gateway == gw)
			return;
	r->candidates[r->n_candidates].gateway = gw;
	r->candidates[r->n_candidates].rank = rank;
	r->n_candidates++;
}

static enum mep_rank cand_rank(const struct ctx *x, int gw)
{
	for (size_t i = 0; i < x->res->n_candidates; i++)
		if (x->res->candidates[i].gateway == gw)
			return x->res->candidates[i].rank;
	return MEP_RANK_NONE;
}

/* The candidates of the given rank, in group order; returns their count
 * and how many of them respond. */
static size_t tie_set(const struct ctx *x, enum mep_rank rank, int *set,
		      size_t *n_up)
{
	size_t n = 0;

	*n_up = 0;
	for (size_t i = 0; i < x->res->n_candidates; i++) {
		if (x->res->candidates[i].rank != rank)
			continue;
		set[n++] = x->res->candidates[i].gateway;
		if (responds(x, set[n - 1]))
			(*n_up)++;
	}
	return n;
}

/* Lower RTT first; unknown RTT (0) after every known one. */
static bool rtt_better(uint32_t a, uint32_t b)
{
	if (a == 0)
		return false;
	return b == 0 || a < b;
}

/* First-to-respond over the candidates of the given rank, sticky per
 * (kind, community, satellite, set). -1 when none responds. */
static int pick_first(struct ctx *x, enum mep_rank rank, bool *sticky)
{
	int set[MEP_MAX_CANDIDATES];
	size_t n_up, n = tie_set(x, rank, set, &n_up);
	struct mep_sticky *s;
	int best = -1;

	*sticky = false;
	if (n_up == 0)
		return -1;
	s = engine_find(x->e, x->res->kind, x->res->community, x->q->satellite,
			set, n);
	if (s && responds(x, s->chosen)) {
		*sticky = true;
		return s->chosen;
	}
	for (size_t i = 0; i < n; i++) {
		if (!responds(x, set[i]))
			continue;
		if (best < 0 ||
		    rtt_better(x->live[set[i]].rtt_us, x->live[best].rtt_us))
			best = set[i];
	}
	engine_store(x->e, x->res->kind, x->res->community, x->q->satellite,
		     set, n, best);
	return best;
}

/* Rendezvous hashing over the responding candidates of the given rank. */
static int pick_rendezvous(const struct ctx *x, enum mep_rank rank,
			   const void *key, size_t key_len)
{
	uint64_t best_score = 0;
	int best = -1;

	for (size_t i = 0; i < x->res->n_candidates; i++) {
		int gw = x->res->candidates[i].gateway;
		uint64_t score;

		if (x->res->candidates[i].rank != rank || !responds(x, gw))
			continue;
		score = mep_rendezvous_score(key, key_len, gw_name(x, gw));
		if (best < 0 || score > best_score) {
			best = gw;
			best_score = score;
		}
	}
	return best;
}

/* Key of tie-break random: (community name, satellite name). */
static size_t tie_key(const struct ctx *x, uint8_t *key, size_t len)
{
	const char *c = x->cfg->communities[x->res->community].name;
	size_t lc = strnlen(c, MEP_NAME_MAX),
	       ls = strnlen(x->sat, MEP_NAME_MAX);

	if (lc + ls + 1 > len)
		return 0;
	memcpy(key, c, lc);
	key[lc] = 0;
	memcpy(key + lc + 1, x->sat, ls);
	return lc + 1 + ls;
}

/* Resolve equal candidates of one rank by the community's tie-break.
 * Appends to the reason how the tie was broken when there was one. */
static int pick_tie(struct ctx *x, enum mep_rank rank)
{
	const struct mep_community *c = &x->cfg->communities[x->res->community];
	int set[MEP_MAX_CANDIDATES];
	uint8_t key[2 * MEP_NAME_MAX + 1];
	size_t n_up, n = tie_set(x, rank, set, &n_up);
	bool sticky = false;
	int gw;

	if (n_up == 0)
		return -1;
	if (c->tie_break == MEP_TIE_RANDOM)
		gw = pick_rendezvous(x, rank, key,
				     tie_key(x, key, sizeof(key)));
	else
		gw = pick_first(x, rank, &sticky);
	if (n > 1) {
		char rtt[32];

		if (c->tie_break == MEP_TIE_RANDOM)
			reason_add(
				x,
				"; tie-break random among %zu equal %s gateways picks %s for every connection of %s",
				n, mep_rank_name(rank), gw_name(x, gw), x->sat);
		else
			reason_add(
				x,
				"; tie-break first-to-respond among %zu equal %s gateways: %s (%s)%s",
				n, mep_rank_name(rank), gw_name(x, gw),
				rtt_str(x, gw, rtt, sizeof(rtt)),
				sticky ? ", sticky" : "");
	}
	return gw;
}

static void resolved(struct ctx *x, int gw)
{
	x->res->status = MEP_RESOLVED;
	x->res->gateway = gw;
	x->res->rank = cand_rank(x, gw);
	x->res->responding = responds(x, gw);
}

static void no_responder(struct ctx *x, const char *what)
{
	x->res->status = MEP_NO_RESPONDER;
	reason(x, "no %s of the MEP for %s responds", what, x->dst);
}

/* ------------------------------------------------------------------ */
/* Methods (the group is in x->res->candidates)                        */
/* ------------------------------------------------------------------ */

static void method_first(struct ctx *x)
{
	char rtt[32];
	bool sticky;
	int gw;

	for (size_t i = 0; i < x->res->n_candidates; i++)
		x->res->candidates[i].rank = MEP_RANK_EQUAL;
	gw = pick_first(x, MEP_RANK_EQUAL, &sticky);
	if (gw < 0) {
		no_responder(x, "gateway");
		return;
	}
	resolved(x, gw);
	if (sticky)
		reason(x,
		       "%s was chosen first to respond and still responds (RTT %s); sticky",
		       gw_name(x, gw), rtt_str(x, gw, rtt, sizeof(rtt)));
	else
		reason(x,
		       "%s has the lowest RTT (%s) among responding gateways; sticky",
		       gw_name(x, gw), rtt_str(x, gw, rtt, sizeof(rtt)));
}

static void method_vpn_domain(struct ctx *x)
{
	struct mep_result *r = x->res;
	const struct mep_prefix *owned[MEP_MAX_CANDIDATES] = { NULL };
	char pfx[MEP_PREFIX_STRLEN];
	int len[MEP_MAX_CANDIDATES];
	int best = -1;
	int gw;

	for (size_t i = 0; i < r->n_candidates; i++) {
		len[i] = domain_match(x->cfg, r->candidates[i].gateway,
				      &x->q->dst, &owned[i]);
		if (len[i] > best)
			best = len[i];
	}
	for (size_t i = 0; i < r->n_candidates; i++)
		r->candidates[i].rank = (best >= 0 && len[i] == best)
						? MEP_RANK_PRIMARY
						: MEP_RANK_BACKUP;

	/* Name a primary owner for the sentence (the first one). */
	pfx[0] = 0;
	for (size_t i = 0; i < r->n_candidates; i++) {
		if (r->candidates[i].rank == MEP_RANK_PRIMARY && owned[i]) {
			mep_prefix_str(owned[i], pfx, sizeof(pfx));
			break;
		}
	}

	reason(x, "%s", "");
	gw = pick_tie(x, MEP_RANK_PRIMARY);
	if (gw >= 0) {
		char tail[sizeof(r->reason)];

		snprintf(tail, sizeof(tail), "%s", r->reason);
		for (size_t i = 0; i < r->n_candidates; i++)
			if (r->candidates[i].gateway == gw && owned[i])
				mep_prefix_str(owned[i], pfx, sizeof(pfx));
		reason(x, "%s owns %s, the most specific domain containing %s",
		       gw_name(x, gw), pfx, x->dst);
		reason_add(x, "%s", tail);
		resolved(x, gw);
		return;
	}
	gw = pick_tie(x, MEP_RANK_BACKUP);
	if (gw >= 0) {
		char tail[sizeof(r->reason)];

		snprintf(tail, sizeof(tail), "%s", r->reason);
		if (pfx[0])
			reason(x,
			       "no primary for %s responds (most specific domain %s); %s is a responding backup",
			       x->dst, pfx, gw_name(x, gw));
		else
			reason(x,
			       "no center owns %s; %s is a responding backup",
			       x->dst, gw_name(x, gw));
		reason_add(x, "%s", tail);
		resolved(x, gw);
		return;
	}
	no_responder(x, "center");
}

static void method_random(struct ctx *x)
{
	const struct mep_query *q = x->q;
	size_t bytes = mep_family_bytes(q->dst.family), n_up = 0;
	uint8_t key[1 + 2 * 16];
	int gw;

	for (size_t i = 0; i < x->res->n_candidates; i++) {
		x->res->candidates[i].rank = MEP_RANK_EQUAL;
		if (responds(x, x->res->candidates[i].gateway))
			n_up++;
	}
	key[0] = q->dst.family;
	memcpy(key + 1, q->src.addr, bytes);
	memcpy(key + 1 + bytes, q->dst.addr, bytes);
	gw = pick_rendezvous(x, MEP_RANK_EQUAL, key, 1 + 2 * bytes);
	if (gw < 0) {
		no_responder(x, "gateway");
		return;
	}
	resolved(x, gw);
	reason(x,
	       "%s wins the rendezvous hash of %s -> %s among %zu responding gateways",
	       gw_name(x, gw), x->src, x->dst, n_up);
}

/* The rule that applies to the satellite: its exception rule, else the
 * default rule, else NULL (every center is primary). */
static const struct mep_priority_rule *priority_rule(const struct ctx *x,
						     bool *exception)
{
	const struct mep_community *c = &x->cfg->communities[x->res->community];

	*exception = false;
	for (size_t i = 0; c->rules && i < c->n_rules; i++) {
		if (list_has(&c->rules[i].satellites, x->q->satellite)) {
			*exception = true;
			return &c->rules[i];
		}
	}
	return c->has_default_rule ? &c->default_rule : NULL;
}

static void method_priority(struct ctx *x)
{
	static const enum mep_rank level_rank[MEP_LEVELS] = {
		MEP_RANK_PRIMARY, MEP_RANK_SECONDARY, MEP_RANK_TERTIARY
	};
	struct mep_result *r = x->res;
	bool exception;
	const struct mep_priority_rule *rule = priority_rule(x, &exception);
	char whose[MEP_NAME_MAX + 32];

	for (size_t i = 0; i < r->n_candidates; i++) {
		int gw = r->candidates[i].gateway;

		r->candidates[i].rank = rule ? MEP_RANK_NONE : MEP_RANK_PRIMARY;
		for (int l = 0; rule && l < MEP_LEVELS; l++) {
			if (list_has(&rule->level[l], gw)) {
				r->candidates[i].rank = level_rank[l];
				break;
			}
		}
	}
	if (!rule)
		snprintf(
			whose, sizeof(whose), "%s",
			"no priority rule applies, so every center is primary");
	else if (exception)
		snprintf(whose, sizeof(whose), "%s's rule", x->sat);
	else
		snprintf(whose, sizeof(whose), "%s", "the default rule");

	for (int l = 0; l < MEP_LEVELS; l++) {
		int set[MEP_MAX_CANDIDATES];
		size_t n_up;
		int gw;

		tie_set(x, level_rank[l], set, &n_up);
		if (n_up == 0)
			continue;
		reason(x, "%s", "");
		{
			char tail[sizeof(r->reason)];

			gw = pick_tie(x, level_rank[l]);
			snprintf(tail, sizeof(tail), "%s", r->reason);
			if (!rule)
				reason(x, "%s responds (%s)", gw_name(x, gw),
				       whose);
			else if (l == 0)
				reason(x,
				       "%s is the primary of %s and responds",
				       gw_name(x, gw), whose);
			else
				reason(x,
				       "%s is the %s of %s and responds; no higher level responds",
				       gw_name(x, gw),
				       mep_rank_name(level_rank[l]), whose);
			reason_add(x, "%s", tail);
		}
		resolved(x, gw);
		return;
	}
	r->status = MEP_NO_RESPONDER;
	reason(x, "no center named in %s responds to %s", whose, x->sat);
}

static void method_primary_backup(struct ctx *x)
{
	struct mep_result *r = x->res;
	int primary = r->n_candidates ? r->candidates[0].gateway : -1;
	int existing = x->q->existing;

	if (existing >= 0 && cand_rank(x, existing) != MEP_RANK_NONE &&
	    responds(x, existing)) {
		resolved(x, existing);
		if (existing == primary)
			reason(x, "%s is the primary and responds",
			       gw_name(x, existing));
		else
			reason(x,
			       "the existing connection stays on backup %s, which still responds",
			       gw_name(x, existing));
		return;
	}
	if (responds(x, primary)) {
		resolved(x, primary);
		reason(x, "%s is the primary and responds",
		       gw_name(x, primary));
		return;
	}
	for (size_t i = 1; i < r->n_candidates; i++) {
		int gw = r->candidates[i].gateway;

		if (!responds(x, gw))
			continue;
		resolved(x, gw);
		reason(x,
		       "primary %s does not respond; %s is its first responding backup",
		       gw_name(x, primary), gw_name(x, gw));
		return;
	}
	r->status = MEP_NO_RESPONDER;
	reason(x, "neither primary %s nor any of its backups responds",
	       gw_name(x, primary));
}

/* ------------------------------------------------------------------ */
/* Group discovery                                                     */
/* ------------------------------------------------------------------ */

/* Explicit MEP: the first mep-enabled star community where the satellite
 * is a satellite and dst lies in the union of the centers' domains. */
static bool group_explicit(struct ctx *x)
{
	const struct mep_config *cfg = x->cfg;

	for (size_t ci = 0; cfg->communities && ci < cfg->n_communities; ci++) {
		const struct mep_community *c = &cfg->communities[ci];
		bool inside = false;

		if (c->type != MEP_COMMUNITY_STAR || !c->mep_enabled ||
		    !list_has(&c->satellites, x->q->satellite))
			continue;
		for (size_t i = 0; c->centers.idx && i < c->centers.n; i++)
			if (c->centers.idx[i] != x->q->satellite &&
			    domain_match(cfg, c->centers.idx[i], &x->q->dst,
					 NULL) >= 0)
				inside = true;
		if (!inside)
			continue;
		x->res->kind = MEP_KIND_EXPLICIT;
		x->res->community = (int)ci;
		x->res->method = c->method;
		for (size_t i = 0; c->centers.idx && i < c->centers.n; i++)
			cand_add(x, c->centers.idx[i], MEP_RANK_EQUAL);
		return true;
	}
	return false;
}

/* Iterates the peers of a gateway (mep_community_peers), community by
 * community in configuration order. */
struct peer_iter {
	size_t community;
	size_t i;
};

static bool peer_next(const struct mep_config *cfg, int s, struct peer_iter *it,
		      int *gw, int *community)
{
	for (; cfg->communities && it->community < cfg->n_communities;
	     it->community++, it->i = 0) {
		const struct mep_gw_list *l =
			mep_community_peers(&cfg->communities[it->community], s);

		while (l && l->idx && it->i < l->n) {
			int g = l->idx[it->i++];

			if (g == s || !gw_valid(cfg, g))
				continue;
			*gw = g;
			*community = (int)it->community;
			return true;
		}
	}
	return false;
}

/* How specifically peer gw covers dst: its own domain, or the domain of a
 * primary it backs up (backups inherit the primary's domain). *primary is
 * the gateway whose primary-backup group applies, or -1. */
static int peer_match(const struct ctx *x, int gw, int *primary)
{
	const struct mep_config *cfg = x->cfg;
	int best = domain_match(cfg, gw, &x->q->dst, NULL);

	*primary = -1;
	if (best >= 0 && cfg->gateways[gw].backups.n > 0)
		*primary = gw;
	for (size_t g = 0; g < cfg->n_gateways; g++) {
		int l;

		if ((int)g == gw || (int)g == x->q->satellite ||
		    !list_has(&cfg->gateways[g].backups, gw))
			continue;
		l = domain_match(cfg, (int)g, &x->q->dst, NULL);
		if (l > best) {
			best = l;
			*primary = (int)g;
		}
	}
	return best;
}

static void group_primary_backup(struct ctx *x, int primary, int community)
{
	const struct mep_gw_list *b = &x->cfg->gateways[primary].backups;

	x->res->kind = MEP_KIND_PRIMARY_BACKUP;
	x->res->community = community;
	cand_add(x, primary, MEP_RANK_PRIMARY);
	for (size_t i = 0; b->idx && i < b->n; i++)
		cand_add(x, b->idx[i], MEP_RANK_BACKUP);
}

/* ------------------------------------------------------------------ */
/* Implicit MEP: the one definition (mep.h)                            */
/* ------------------------------------------------------------------ */

bool mep_implicit_pair(const struct mep_config *cfg,
		       const struct mep_community *c, int a, int b,
		       const struct mep_prefix **p)
{
	const struct mep_gateway *ga, *gb;

	if (a == b || !gw_valid(cfg, a) || !gw_valid(cfg, b))
		return false;
	if (c->type == MEP_COMMUNITY_STAR && c->mep_enabled &&
	    list_has(&c->centers, a) && list_has(&c->centers, b))
		return false;
	ga = &cfg->gateways[a];
	gb = &cfg->gateways[b];
	for (size_t i = 0; ga->domain && i < ga->n_domain; i++)
		for (size_t j = 0; gb->domain && j < gb->n_domain; j++) {
			const struct mep_prefix *x = &ga->domain[i],
						*y = &gb->domain[j];

			if (!mep_prefix_overlaps(x, y))
				continue;
			if (p)
				*p = x->len >= y->len ? x : y;
			return true;
		}
	return false;
}

/* The gateways of c some member of list `from` reaches: the list of the
 * peer role, when from is not empty. */
static const struct mep_gw_list *reached(const struct mep_community *c,
					 enum mep_role from)
{
	const struct mep_gw_list *l = mep_community_list(c, from);

	return l && l->n ? mep_community_list(c, mep_role_peers(from)) : NULL;
}

bool mep_community_overlap(const struct mep_config *cfg, size_t ci, int *a,
			   int *b, const struct mep_prefix **p)
{
	static const enum mep_role roles[] = { MEP_ROLE_SATELLITE,
					       MEP_ROLE_CENTER,
					       MEP_ROLE_MEMBER };
	const struct mep_community *c;
	int best_a = -1, best_b = -1;
	const struct mep_prefix *best_p = NULL;

	if (!cfg || ci >= cfg->n_communities)
		return false;
	c = &cfg->communities[ci];
	for (size_t r = 0; r < sizeof(roles) / sizeof(*roles); r++) {
		const struct mep_gw_list *l = reached(c, roles[r]);

		/* A member reaches the others but itself: a pair of members
		 * needs a third member to reach it. */
		if (!l || !l->idx ||
		    (roles[r] == MEP_ROLE_MEMBER && l->n < 3))
			continue;
		for (size_t i = 0; i < l->n; i++)
			for (size_t j = 0; j < l->n; j++) {
				int x = l->idx[i], y = l->idx[j];
				const struct mep_prefix *q;

				if (x >= y || (best_a >= 0 &&
					       (x > best_a ||
						(x == best_a && y >= best_b))))
					continue;
				if (!mep_implicit_pair(cfg, c, x, y, &q))
					continue;
				best_a = x;
				best_b = y;
				best_p = q;
			}
	}
	if (best_a < 0)
		return false;
	if (a)
		*a = best_a;
	if (b)
		*b = best_b;
	if (p)
		*p = best_p;
	return true;
}

/* One VPN-domain prefix as an address interval, for the overlap sweep. */
struct domain_span {
	uint8_t family;
	uint8_t lo[16], hi[16];
	int gw;
};

static int span_cmp(const void *a, const void *b)
{
	const struct domain_span *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->lo, y->lo, sizeof(x->lo));
}

/* Do two different gateways of l own overlapping domains? The same answer
 * as some pair of mep_implicit_pair() outside explicit MEP, in
 * O(n log n): the domains sorted by first address, each compared with the
 * widest earlier interval of another gateway (two prefixes overlap when
 * the later one starts before the earlier one ends). -1 when out of
 * memory (the caller falls back to the pairwise search). */
static int list_has_overlap(const struct mep_config *cfg,
			    const struct mep_gw_list *l)
{
	struct domain_span *v;
	size_t n = 0, cap = 0;
	int found = 0;

	for (size_t i = 0; i < l->n; i++)
		if (gw_valid(cfg, l->idx[i]))
			cap += cfg->gateways[l->idx[i]].n_domain;
	if (cap < 2)
		return 0;
	v = malloc(cap * sizeof(*v));
	if (!v)
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		const struct mep_gateway *g;

		if (!gw_valid(cfg, l->idx[i]))
			continue;
		g = &cfg->gateways[l->idx[i]];
		for (size_t k = 0; g->domain && k < g->n_domain; k++) {
			struct mep_prefix m = mep_prefix_masked(&g->domain[k]);
			struct domain_span *sp = &v[n++];
			size_t bytes = mep_family_bytes(m.family);

			memset(sp, 0, sizeof(*sp));
			sp->family = m.family;
			sp->gw = l->idx[i];
			memcpy(sp->lo, m.addr, bytes);
			memcpy(sp->hi, m.addr, bytes);
			for (size_t bit = m.len; bit < bytes * 8; bit++)
				sp->hi[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		}
	}
	qsort(v, n, sizeof(*v), span_cmp);
	/* the widest interval so far (top) and the widest of another
	 * gateway than top's (second), per family run */
	for (size_t i = 0, top = 0, second = 0; i < n && !found; i++) {
		bool has_second;

		if (i == 0 || v[i].family != v[i - 1].family) {
			top = i;
			second = SIZE_MAX;
			continue;
		}
		has_second = second != SIZE_MAX;
		if ((v[i].gw != v[top].gw &&
		     memcmp(v[i].lo, v[top].hi, 16) <= 0) ||
		    (v[i].gw == v[top].gw && has_second &&
		     memcmp(v[i].lo, v[second].hi, 16) <= 0)) {
			found = 1;
			break;
		}
		if (memcmp(v[i].hi, v[top].hi, 16) > 0) {
			if (v[i].gw != v[top].gw)
				second = top;
			top = i;
		} else if (v[i].gw != v[top].gw &&
			   (!has_second ||
			    memcmp(v[i].hi, v[second].hi, 16) > 0)) {
			second = i;
		}
	}
	free(v);
	return found;
}

/* Does community c (not explicit MEP) have implicit MEP by overlapping
 * domains: mep_community_overlap()'s answer, without its pairwise
 * search (a center with thousands of satellites). */
static bool community_has_overlap(const struct mep_config *cfg, size_t ci)
{
	static const enum mep_role roles[] = { MEP_ROLE_SATELLITE,
					       MEP_ROLE_CENTER,
					       MEP_ROLE_MEMBER };
	const struct mep_community *c = &cfg->communities[ci];

	for (size_t r = 0; r < sizeof(roles) / sizeof(*roles); r++) {
		const struct mep_gw_list *l = reached(c, roles[r]);
		int rc;

		if (!l || !l->idx ||
		    (roles[r] == MEP_ROLE_MEMBER && l->n < 3))
			continue;
		rc = list_has_overlap(cfg, l);
		if (rc < 0)
			return mep_community_overlap(cfg, ci, NULL, NULL, NULL);
		if (rc)
			return true;
	}
	return false;
}

enum mep_kind mep_community_kind(const struct mep_config *cfg, size_t ci)
{
	static const enum mep_role roles[] = { MEP_ROLE_SATELLITE,
					       MEP_ROLE_CENTER,
					       MEP_ROLE_MEMBER };
	const struct mep_community *c;

	if (!cfg || ci >= cfg->n_communities)
		return MEP_KIND_NONE;
	c = &cfg->communities[ci];
	if (c->mep_enabled)
		return MEP_KIND_EXPLICIT;
	if (community_has_overlap(cfg, ci))
		return MEP_KIND_IMPLICIT;
	for (size_t r = 0; r < sizeof(roles) / sizeof(*roles); r++) {
		const struct mep_gw_list *l = reached(c, roles[r]);

		for (size_t i = 0; l && l->idx && i < l->n; i++)
			if (gw_valid(cfg, l->idx[i]) &&
			    cfg->gateways[l->idx[i]].backups.n > 0 &&
			    (roles[r] != MEP_ROLE_MEMBER || l->n >= 2))
				return MEP_KIND_PRIMARY_BACKUP;
	}
	return MEP_KIND_NONE;
}

/* Implicit MEP, primary-backup or a single gateway. Returns false when
 * no peer's domain contains dst. */
static bool group_implicit(struct ctx *x)
{
	struct peer_iter it = { 0, 0 };
	int gw, comm, primary;
	int best = -1, best_len = -1, best_primary = -1, best_comm = -1;
	int first_comm = -1;

	while (peer_next(x->cfg, x->q->satellite, &it, &gw, &comm)) {
		int len = peer_match(x, gw, &primary);

		if (len < 0)
			continue;
		if (first_comm < 0)
			first_comm = comm;
		if (len > best_len) {
			best = gw;
			best_len = len;
			best_primary = primary;
			best_comm = comm;
		}
	}
	if (best < 0)
		return false;
	if (best_primary >= 0) {
		group_primary_backup(x, best_primary, best_comm);
		return true;
	}

	x->res->community = first_comm;
	memset(&it, 0, sizeof(it));
	while (peer_next(x->cfg, x->q->satellite, &it, &gw, &comm)) {
		if (peer_match(x, gw, &primary) < 0)
			continue;
		if (comm == first_comm)
			cand_add(x, gw, MEP_RANK_EQUAL);
	}
	if (x->res->n_candidates > 1) {
		/* Two or more peers of one community whose domains contain
		 * dst: they overlap there, an implicit MEP pair in the sense
		 * of mep_implicit_pair() (test_mep checks that resolve, the
		 * rules and mep_community_kind() agree). */
		x->res->kind = MEP_KIND_IMPLICIT;
		x->res->method = x->cfg->load_distribution
					 ? MEP_METHOD_RANDOM
					 : MEP_METHOD_FIRST_TO_RESPOND;
	} else {
		x->res->kind = MEP_KIND_NONE;
		if (x->res->n_candidates == 1)
			x->res->candidates[0].rank = MEP_RANK_PRIMARY;
	}
	return true;
}

/* Does a peer outside the group's community also cover dst? (rule 9) */
static bool other_community_overlaps(const struct ctx *x)
{
	struct peer_iter it = { 0, 0 };
	int gw, comm, primary;

	while (peer_next(x->cfg, x->q->satellite, &it, &gw, &comm))
		if (comm != x->res->community &&
		    cand_rank(x, gw) == MEP_RANK_NONE &&
		    peer_match(x, gw, &primary) >= 0)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Resolve                                                             */
/* ------------------------------------------------------------------ */

static void result_init(struct mep_result *res)
{
	memset(res, 0, sizeof(*res));
	res->status = MEP_BAD_QUERY;
	res->kind = MEP_KIND_NONE;
	res->community = -1;
	res->method = MEP_METHOD_FIRST_TO_RESPOND;
	res->gateway = -1;
	res->rank = MEP_RANK_NONE;
}

static bool family_ok(uint8_t f)
{
	return f == AF_INET || f == AF_INET6;
}

enum mep_status mep_resolve(struct mep_engine *e, const struct mep_config *cfg,
			    const struct mep_liveness *live,
			    const struct mep_query *q, struct mep_result *res)
{
	struct ctx x;

	if (!res)
		return MEP_BAD_QUERY;
	result_init(res);
	if (!cfg || !live || !q) {
		snprintf(
			res->reason, sizeof(res->reason),
			"incomplete query (no configuration, liveness or query)");
		return res->status;
	}
	if (!gw_valid(cfg, q->satellite) || !cfg->gateways) {
		snprintf(res->reason, sizeof(res->reason),
			 "unknown satellite (gateway index %d)", q->satellite);
		return res->status;
	}
	if (!family_ok(q->src.family) || !family_ok(q->dst.family)) {
		snprintf(
			res->reason, sizeof(res->reason),
			"source or destination is not an IPv4 or IPv6 address");
		return res->status;
	}
	if (q->src.family != q->dst.family) {
		snprintf(
			res->reason, sizeof(res->reason),
			"source and destination are of different address families");
		return res->status;
	}

	memset(&x, 0, sizeof(x));
	x.e = e;
	x.cfg = cfg;
	x.live = live;
	x.q = q;
	x.res = res;
	x.sat = cfg->gateways[q->satellite].name;
	mep_addr_str(&q->src, x.src, sizeof(x.src));
	mep_addr_str(&q->dst, x.dst, sizeof(x.dst));

	if (group_explicit(&x)) {
		switch (res->method) {
		case MEP_METHOD_VPN_DOMAIN:
			method_vpn_domain(&x);
			break;
		case MEP_METHOD_RANDOM:
			method_random(&x);
			break;
		case MEP_METHOD_PRIORITY_LIST:
			method_priority(&x);
			break;
		case MEP_METHOD_FIRST_TO_RESPOND:
		default:
			res->method = MEP_METHOD_FIRST_TO_RESPOND;
			method_first(&x);
			break;
		}
		return res->status;
	}

	if (!group_implicit(&x)) {
		res->status = MEP_NO_DOMAIN;
		reason(&x, "%s is in no VPN domain reachable from %s", x.dst,
		       x.sat);
		return res->status;
	}

	switch (res->kind) {
	case MEP_KIND_PRIMARY_BACKUP:
		method_primary_backup(&x);
		break;
	case MEP_KIND_IMPLICIT:
		if (res->method == MEP_METHOD_RANDOM)
			method_random(&x);
		else
			method_first(&x);
		break;
	case MEP_KIND_NONE:
	case MEP_KIND_EXPLICIT:
		resolved(&x, res->candidates[0].gateway);
		reason(&x, "%s is the only gateway of %s for %s and %s",
		       gw_name(&x, res->gateway),
		       cfg->communities[res->community].name, x.dst,
		       res->responding ? "responds" : "does not respond");
		break;
	}
	if (res->kind != MEP_KIND_PRIMARY_BACKUP &&
	    other_community_overlaps(&x))
		reason_add(
			&x,
			" (implicit MEP across communities is not supported: gateways of later communities are not used)");
	return res->status;
}

/* ------------------------------------------------------------------ */
/* Tracking line                                                       */
/* ------------------------------------------------------------------ */

static void buf_add(char *buf, size_t len, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void buf_add(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos + 1 >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*pos += (size_t)n;
	if (*pos >= len)
		*pos = len - 1;
}

static const char *rank_word(enum mep_rank r)
{
	switch (r) {
	case MEP_RANK_PRIMARY:
		return "Primary";
	case MEP_RANK_SECONDARY:
		return "Secondary";
	case MEP_RANK_TERTIARY:
		return "Tertiary";
	case MEP_RANK_BACKUP:
		return "Backup";
	case MEP_RANK_EQUAL:
		return "Equal Priority";
	case MEP_RANK_NONE:
		break;
	}
	return "Unranked";
}

const char *mep_tracking_line(const struct mep_config *cfg,
			      const struct mep_query *q,
			      const struct mep_result *res, char *buf,
			      size_t len)
{
	const char *sat = "unknown satellite";
	size_t pos = 0, n;

	if (!buf || len == 0)
		return buf;
	buf[0] = 0;
	if (!cfg || !res)
		return buf;
	if (q && gw_valid(cfg, q->satellite) && cfg->gateways)
		sat = cfg->gateways[q->satellite].name;

	n = res->n_candidates <= MEP_MAX_CANDIDATES ? res->n_candidates : 0;
	if (res->status == MEP_BAD_QUERY || n == 0) {
		char dst[MEP_PREFIX_STRLEN] = "?";

		if (q && family_ok(q->dst.family))
			mep_addr_str(&q->dst, dst, sizeof(dst));
		buf_add(buf, len, &pos,
			"Resolved peer for tunnel from %s to %s: none (%s).",
			sat, dst,
			res->status == MEP_BAD_QUERY
				? "bad query"
				: "no VPN domain contains the destination");
		return buf;
	}

	buf_add(buf, len, &pos,
		"Resolved peer for tunnel from %s to the MEP that contains ",
		sat);
	for (size_t i = 0; i < n; i++) {
		int gw = res->candidates[i].gateway;

		if (i > 0 && n == 2)
			buf_add(buf, len, &pos, " and ");
		else if (i > 0 && i + 1 == n)
			buf_add(buf, len, &pos, ", and ");
		else if (i > 0)
			buf_add(buf, len, &pos, ", ");
		buf_add(buf, len, &pos, "%s",
			gw_valid(cfg, gw) ? cfg->gateways[gw].name : "?");
	}
	if (res->status != MEP_RESOLVED || !gw_valid(cfg, res->gateway)) {
		buf_add(buf, len, &pos,
			", is: none (no Security Gateway responding).");
		return buf;
	}
	buf_add(buf, len, &pos, ", is: %s (%s Security Gateway, %s).",
		cfg->gateways[res->gateway].name, rank_word(res->rank),
		res->responding ? "responding" : "not responding");
	return buf;
}

bool mep_community_per_pair(const struct mep_config *cfg, size_t ci)
{
	const struct mep_community *c = &cfg->communities[ci];

	if (c->mep_enabled)
		return c->method == MEP_METHOD_RANDOM;
	return cfg->load_distribution && mep_community_overlap(cfg, ci, NULL,
							       NULL, NULL);
}

enum mep_steering mep_steering_default(const struct mep_config *cfg,
				       size_t ci)
{
	return mep_community_per_pair(cfg, ci) ? MEP_STEERING_ROUTE
					       : MEP_STEERING_CHILD_SA;
}
