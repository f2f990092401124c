/* conf_rules: the SPEC.md configuration rules that the YANG model cannot
 * state, checked on a struct mep_config (pure, no I/O).
 *
 * Errors (the configuration is rejected): rule 3 (implicit load
 * distribution with RIM), rule 4 (IP pools), rule 5 (primary-backup
 * domains and addresses), rule 8 (explicit MEP satellites owning part of
 * the MEP domain; route steering's tables, protocol and interfaces), plus defensive re-checks of rules 1, 2 and 3 that the
 * model already enforces.  Warnings: rule 6, 7, 8 leftovers (unused
 * priority rules or tie-break, missing addresses or domains, a
 * local-gateway in no community) and rule 9 (implicit MEP across
 * communities). */
#include "conf_rules.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mep.h"
#include "prefix.h"

#define RULES_ROOT "/ripd-mep:mep"

/* A gateway list sorted and without duplicates (binary search). */
struct rules_sorted {
	int *idx;
	size_t n;
};

struct rules_comm_index {
	struct rules_sorted centers, satellites, members;
};

/* One vpn-domain or pool in the prefix index. */
struct rules_entry {
	struct mep_prefix key;	/* host bits cleared */
	int gw;
	bool pool;
	size_t d;		/* index in the gateway's domain list */
	ptrdiff_t parent;	/* closest covering entry, -1 for none */
	size_t end;		/* entries (this, end) are covered by this */
};

struct rules_ctx {
	const struct mep_config *cfg;
	struct conf_rule_violation *first;
	struct strbuf *warnings;
	int errors;
	/* Indexes (rules_index_build), so that no check is quadratic in
	 * the number of gateways for a sane configuration. */
	struct rules_comm_index *comm;	/* per community */
	int *gw_comm;			/* communities of gateway g: */
	size_t *gw_comm_start;		/* gw_comm[start[g] .. + n[g]), */
	size_t *gw_comm_n;		/* in configuration order */
	struct rules_entry *entries;	/* all domains and pools, sorted */
	size_t n_entries;
	size_t *pool_entry;		/* entry of gateway g's pool */
	size_t *first_entry;		/* first domain entry of g, or */
	size_t *next_entry;		/* SIZE_MAX; chained by next_entry */
};

static void rules_error(struct rules_ctx *rc, int rule, const char *path,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void rules_warn(struct rules_ctx *rc, const char *object,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record an error; the message becomes "rule N: <text>". Only the first
 * error is kept, all are counted. */
static void rules_error(struct rules_ctx *rc, int rule, const char *path,
			const char *fmt, ...)
{
	struct conf_rule_violation *v = rc->first;
	va_list ap;
	int n;

	if (rc->errors++ > 0 || !v)
		return;
	v->rule = rule;
	snprintf(v->path, sizeof(v->path), "%s", path);
	n = snprintf(v->msg, sizeof(v->msg), "rule %d: ", rule);
	if (n < 0 || (size_t)n >= sizeof(v->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(v->msg + n, sizeof(v->msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

static void rules_warn(struct rules_ctx *rc, const char *object,
		       const char *fmt, ...)
{
	va_list ap;

	if (!rc->warnings)
		return;
	strbuf_printf(rc->warnings, "warning: %s: ", object);
	va_start(ap, fmt);
	strbuf_vprintf(rc->warnings, fmt, ap);
	va_end(ap);
	strbuf_puts(rc->warnings, "\n");
}

/* Names are restricted by the model to [A-Za-z0-9_.-]; quote defensively
 * anyway so that a path is never malformed. */
static char rules_quote(const char *name)
{
	return strchr(name, '\'') ? '"' : '\'';
}

static const char *rules_gw(const struct rules_ctx *rc, int gi)
{
	if (gi < 0 || (size_t)gi >= rc->cfg->n_gateways)
		return "?";
	return rc->cfg->gateways[gi].name;
}

/* "/ripd-mep:mep/gateway[name='M1']" + suffix */
static const char *rules_gw_path(const struct rules_ctx *rc, int gi,
				 const char *suffix, char *buf, size_t len)
{
	const char *name = rules_gw(rc, gi);
	char q = rules_quote(name);

	snprintf(buf, len, RULES_ROOT "/gateway[name=%c%s%c]%s", q, name, q,
		 suffix ? suffix : "");
	return buf;
}

/* "/ripd-mep:mep/community[name='C']" + "/leaf[.='VALUE']" when leaf */
static const char *rules_comm_path(const struct mep_community *c,
				   const char *leaf, const char *value,
				   char *buf, size_t len)
{
	char q = rules_quote(c->name);
	int n = snprintf(buf, len, RULES_ROOT "/community[name=%c%s%c]", q,
			 c->name, q);

	if (leaf && n >= 0 && (size_t)n < len) {
		if (value) {
			char vq = rules_quote(value);

			snprintf(buf + n, len - (size_t)n, "/%s[.=%c%s%c]",
				 leaf, vq, value, vq);
		} else {
			snprintf(buf + n, len - (size_t)n, "/%s", leaf);
		}
	}
	return buf;
}

static bool rules_gw_valid(const struct rules_ctx *rc, int gi)
{
	return gi >= 0 && (size_t)gi < rc->cfg->n_gateways;
}

/* Scaling helpers: membership of gateways in communities by binary search
 * (sorted copies of the lists) and an index of all prefixes (vpn-domains
 * and pools) sorted by address, so that the overlaps of one prefix are
 * found without comparing it with every other one. */

static void *rules_alloc(size_t n, size_t size)
{
	/* At least one element: never a NULL base for pointer arithmetic. */
	void *p = calloc(n ? n : 1, size);

	if (!p)
		abort();	/* as strbuf: nothing to report without memory */
	return p;
}

static int rules_int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Sorted, deduplicated copy of l. */
static void rules_sorted_list(struct rules_sorted *out,
			      const struct mep_gw_list *l)
{
	size_t n = 0;

	out->idx = rules_alloc(l->n, sizeof(int));
	if (l->n)
		memcpy(out->idx, l->idx, l->n * sizeof(int));
	if (l->n > 1)
		qsort(out->idx, l->n, sizeof(int), rules_int_cmp);
	for (size_t i = 0; i < l->n; i++)
		if (n == 0 || out->idx[n - 1] != out->idx[i])
			out->idx[n++] = out->idx[i];
	out->n = n;
}

static bool rules_sorted_has(const struct rules_sorted *s, int g)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->idx[mid] == g)
			return true;
		if (s->idx[mid] < g)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Order: family, address, length (shorter first), gateway, kind, index.
 * A prefix then comes after every prefix that covers it, and the
 * prefixes it covers directly follow it. */
static int rules_entry_cmp(const void *a, const void *b)
{
	const struct rules_entry *x = a, *y = b;
	int c;

	if (x->key.family != y->key.family)
		return x->key.family < y->key.family ? -1 : 1;
	c = memcmp(x->key.addr, y->key.addr, sizeof(x->key.addr));
	if (c)
		return c;
	if (x->key.len != y->key.len)
		return x->key.len < y->key.len ? -1 : 1;
	if (x->gw != y->gw)
		return x->gw < y->gw ? -1 : 1;
	if (x->pool != y->pool)
		return x->pool ? 1 : -1;
	return (x->d > y->d) - (x->d < y->d);
}

/* Sort e[0..n) and link each entry to its closest covering entry
 * (parent, -1 for none) and to the end of the run of entries it covers
 * (end: those are e[i + 1 .. end)). */
static void rules_sweep(struct rules_entry *e, size_t n)
{
	size_t *stack, top = 0;

	if (n == 0)
		return;
	qsort(e, n, sizeof(*e), rules_entry_cmp);
	stack = rules_alloc(n, sizeof(*stack));
	for (size_t i = 0; i < n; i++) {
		while (top > 0 &&
		       !mep_prefix_covers(&e[stack[top - 1]].key, &e[i].key))
			e[stack[--top]].end = i;
		e[i].parent = top > 0 ? (ptrdiff_t)stack[top - 1] : -1;
		stack[top++] = i;
	}
	while (top > 0)
		e[stack[--top]].end = n;
	free(stack);
}

static void rules_index_build(struct rules_ctx *rc)
{
	const struct mep_config *cfg = rc->cfg;
	size_t n = 0, total = 0, *count;

	rc->comm = rules_alloc(cfg->n_communities, sizeof(*rc->comm));
	for (size_t k = 0; k < cfg->n_communities; k++) {
		const struct mep_community *c = &cfg->communities[k];

		rules_sorted_list(&rc->comm[k].centers, &c->centers);
		rules_sorted_list(&rc->comm[k].satellites, &c->satellites);
		rules_sorted_list(&rc->comm[k].members, &c->members);
	}

	/* Communities of each gateway, in configuration order (CSR). */
	count = rules_alloc(cfg->n_gateways + 1, sizeof(*count));
	rc->gw_comm_n = NULL;
	rc->gw_comm_start = rules_alloc(cfg->n_gateways + 1, sizeof(size_t));
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < cfg->n_communities; k++) {
			const struct rules_sorted *l[3] = {
				&rc->comm[k].centers, &rc->comm[k].satellites,
				&rc->comm[k].members
			};

			for (int w = 0; w < 3; w++) {
				for (size_t i = 0; i < l[w]->n; i++) {
					int g = l[w]->idx[i];
					size_t at;

					if (!rules_gw_valid(rc, g))
						continue;
					if (pass == 0) {
						count[g]++;
						continue;
					}
					at = rc->gw_comm_start[g] + count[g];
					if (count[g] > 0 &&
					    rc->gw_comm[at - 1] == (int)k)
						continue;
					rc->gw_comm[at] = (int)k;
					count[g]++;
				}
			}
		}
		if (pass == 1)
			break;
		for (size_t g = 0; g < cfg->n_gateways; g++) {
			rc->gw_comm_start[g + 1] = rc->gw_comm_start[g] +
						   count[g];
			total += count[g];
			count[g] = 0;
		}
		rc->gw_comm = rules_alloc(total, sizeof(int));
	}
	rc->gw_comm_n = count;	/* after pass 1: deduplicated counts */

	/* Every vpn-domain and pool. */
	for (size_t g = 0; g < cfg->n_gateways; g++)
		n += cfg->gateways[g].n_domain + cfg->gateways[g].has_pool;
	rc->entries = rules_alloc(n, sizeof(*rc->entries));
	rc->n_entries = 0;
	for (size_t g = 0; g < cfg->n_gateways; g++) {
		const struct mep_gateway *gw = &cfg->gateways[g];

		for (size_t d = 0; d <= gw->n_domain; d++) {
			struct rules_entry *e = &rc->entries[rc->n_entries];

			if (d == gw->n_domain && !gw->has_pool)
				break;
			e->key = d < gw->n_domain ? gw->domain[d] : gw->pool;
			mep_prefix_mask(&e->key);
			e->gw = (int)g;
			e->pool = d == gw->n_domain;
			e->d = d;
			rc->n_entries++;
		}
	}
	rules_sweep(rc->entries, rc->n_entries);
	rc->pool_entry = rules_alloc(cfg->n_gateways, sizeof(size_t));
	rc->first_entry = rules_alloc(cfg->n_gateways, sizeof(size_t));
	for (size_t g = 0; g < cfg->n_gateways; g++)
		rc->first_entry[g] = SIZE_MAX;
	rc->next_entry = rules_alloc(rc->n_entries, sizeof(size_t));
	for (size_t i = rc->n_entries; i-- > 0;) {
		const struct rules_entry *e = &rc->entries[i];

		if (e->pool) {
			rc->pool_entry[e->gw] = i;
			continue;
		}
		rc->next_entry[i] = rc->first_entry[e->gw];
		rc->first_entry[e->gw] = i;
	}
}

static void rules_index_free(struct rules_ctx *rc)
{
	for (size_t k = 0; rc->comm && k < rc->cfg->n_communities; k++) {
		free(rc->comm[k].centers.idx);
		free(rc->comm[k].satellites.idx);
		free(rc->comm[k].members.idx);
	}
	free(rc->comm);
	free(rc->gw_comm);
	free(rc->gw_comm_start);
	free(rc->gw_comm_n);
	free(rc->entries);
	free(rc->pool_entry);
	free(rc->first_entry);
	free(rc->next_entry);
}

/* Call fn for every index entry that overlaps entry i (not i itself):
 * the entries covering it (its parent chain) and the entries it covers
 * (the run after it). */
static void rules_overlapping(const struct rules_ctx *rc, size_t i,
			      void (*fn)(void *arg, size_t j), void *arg)
{
	const struct rules_entry *e = rc->entries;

	for (ptrdiff_t p = e[i].parent; p >= 0; p = e[p].parent)
		fn(arg, (size_t)p);
	for (size_t j = i + 1; j < e[i].end; j++)
		fn(arg, j);
}

/* Do the domains of a and b overlap? On true, *pa and *pb are the first
 * overlapping pair. */
static bool rules_domains_overlap(const struct mep_gateway *a,
				  const struct mep_gateway *b,
				  const struct mep_prefix **pa,
				  const struct mep_prefix **pb)
{
	for (size_t i = 0; i < a->n_domain; i++)
		for (size_t j = 0; j < b->n_domain; j++)
			if (mep_prefix_overlaps(&a->domain[i], &b->domain[j])) {
				*pa = &a->domain[i];
				*pb = &b->domain[j];
				return true;
			}
	return false;
}

/* The common part of two overlapping prefixes: the longer one. */
static const struct mep_prefix *rules_narrower(const struct mep_prefix *p,
					       const struct mep_prefix *q)
{
	return p->len >= q->len ? p : q;
}

/* The gateways that others reach for their domain: centers, or members. */
static const struct mep_gw_list *
rules_entry_gateways(const struct mep_community *c)
{
	return c->type == MEP_COMMUNITY_MESHED ? &c->members : &c->centers;
}

/* The sorted copy of c's gateways of role r (NULL for none). */
static const struct rules_sorted *rules_role_list(const struct rules_ctx *rc,
						  size_t k, enum mep_role r)
{
	const struct rules_comm_index *ci = &rc->comm[k];

	switch (r) {
	case MEP_ROLE_CENTER:
		return &ci->centers;
	case MEP_ROLE_SATELLITE:
		return &ci->satellites;
	case MEP_ROLE_MEMBER:
		return &ci->members;
	case MEP_ROLE_NONE:
		break;
	}
	return NULL;
}

/* mep_community_role() on the sorted index (no linear search). */
static enum mep_role rules_role(const struct rules_ctx *rc, size_t k, int s)
{
	static const enum mep_role order[] = { MEP_ROLE_MEMBER,
					       MEP_ROLE_SATELLITE,
					       MEP_ROLE_CENTER };
	const struct mep_community *c = &rc->cfg->communities[k];

	for (size_t i = 0; i < sizeof(order) / sizeof(*order); i++) {
		if ((c->type == MEP_COMMUNITY_MESHED) !=
		    (order[i] == MEP_ROLE_MEMBER))
			continue;
		if (rules_sorted_has(rules_role_list(rc, k, order[i]), s))
			return order[i];
	}
	return MEP_ROLE_NONE;
}

/* Does s build tunnels to peer in community k (mep_community_peers, on
 * the sorted index)? */
static bool rules_reaches(const struct rules_ctx *rc, size_t k, int s,
			  int peer)
{
	const struct rules_sorted *l =
		rules_role_list(rc, k, mep_role_peers(rules_role(rc, k, s)));

	return s != peer && l && rules_sorted_has(l, peer);
}

static size_t rules_comm_of(const struct rules_ctx *rc,
			    const struct mep_community *c)
{
	return (size_t)(c - rc->cfg->communities);
}

/* First pair (*a < *b, in gateway order) of gateways of r, both other
 * than skip, whose domains overlap (pairs of centers excluded when
 * explicit MEP is on). A sweep over the domains of r first keeps only
 * the gateways that overlap something, so that the pairwise search is
 * over those alone. */
static bool rules_first_pair(const struct rules_ctx *rc, size_t k,
			     const struct rules_sorted *r, int skip, int *a,
			     int *b, const struct mep_prefix **p)
{
	const struct mep_config *cfg = rc->cfg;
	const struct mep_community *c = &cfg->communities[k];
	struct rules_entry *e;
	size_t n = 0, m = 0;
	int *cand;
	bool found = false;

	for (size_t i = 0; i < r->n; i++)
		if (r->idx[i] != skip && rules_gw_valid(rc, r->idx[i]))
			n += cfg->gateways[r->idx[i]].n_domain;
	if (n < 2)
		return false;
	e = rules_alloc(n, sizeof(*e));
	n = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct mep_gateway *g;

		if (r->idx[i] == skip || !rules_gw_valid(rc, r->idx[i]))
			continue;
		g = &cfg->gateways[r->idx[i]];
		for (size_t d = 0; d < g->n_domain; d++) {
			e[n].key = g->domain[d];
			mep_prefix_mask(&e[n].key);
			e[n].gw = r->idx[i];
			e[n].d = d;
			n++;
		}
	}
	rules_sweep(e, n);
	/* Gateways with an entry covering or covered by another entry:
	 * every covering entry is the parent of some covered one. */
	cand = rules_alloc(2 * n, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		if (e[i].parent < 0)
			continue;
		cand[m++] = e[i].gw;
		cand[m++] = e[e[i].parent].gw;
	}
	if (m > 1)
		qsort(cand, m, sizeof(int), rules_int_cmp);
	n = 0;
	for (size_t i = 0; i < m; i++)
		if (n == 0 || cand[n - 1] != cand[i])
			cand[n++] = cand[i];
	for (size_t i = 0; i < n && !found; i++) {
		for (size_t j = i + 1; j < n; j++) {
			if (!mep_implicit_pair(cfg, c, cand[i], cand[j], p))
				continue;
			*a = cand[i];
			*b = cand[j];
			found = true;
			break;
		}
	}
	free(cand);
	free(e);
	return found;
}

/* Implicit MEP inside community c: some gateway s of c reaches two
 * gateways a and b of c whose domains overlap (the centers of an explicit
 * MEP community are explicit MEP, not implicit). Fills *a, *b, *p with
 * the first such pair of the first such s (gateway order). What s reaches
 * is a whole list but s: the centers (s a satellite), the satellites (s a
 * center only) or the members (meshed); the first pair of a list is that
 * of every s outside it, so at most two more searches per list. */
static bool rules_implicit_mep(const struct rules_ctx *rc,
			       const struct mep_community *c, int *a, int *b,
			       const struct mep_prefix **p)
{
	size_t k = rules_comm_of(rc, c);
	/* Indexed by role - MEP_ROLE_CENTER. */
	const struct rules_sorted *lists[3] = {
		rules_role_list(rc, k, MEP_ROLE_CENTER),
		rules_role_list(rc, k, MEP_ROLE_SATELLITE),
		rules_role_list(rc, k, MEP_ROLE_MEMBER),
	};
	const struct mep_prefix *pp[3];
	int pa[3], pb[3], state[3] = { -1, -1, -1 };
	size_t pos[3] = { 0, 0, 0 };

	/* Walk the gateways of c in order: merge of the three lists. */
	for (;;) {
		int s = -1, w;

		for (int l = 0; l < 3; l++)
			if (pos[l] < lists[l]->n &&
			    (s < 0 || lists[l]->idx[pos[l]] < s))
				s = lists[l]->idx[pos[l]];
		if (s < 0)
			return false;
		for (int l = 0; l < 3; l++)
			if (pos[l] < lists[l]->n && lists[l]->idx[pos[l]] == s)
				pos[l]++;
		/* The list s reaches (index into lists), if any. */
		w = (int)mep_role_peers(rules_role(rc, k, s)) -
		    (int)MEP_ROLE_CENTER;
		if (w < 0)
			continue;
		if (state[w] < 0)
			state[w] = rules_first_pair(rc, k, lists[w], -1,
						    &pa[w], &pb[w], &pp[w]);
		if (!state[w])
			continue;
		if (pa[w] != s && pb[w] != s) {
			*a = pa[w], *b = pb[w], *p = pp[w];
			return true;
		}
		if (rules_first_pair(rc, k, lists[w], s, a, b, p))
			return true;
	}
}

static bool rules_list_valid(const struct rules_ctx *rc,
			     const struct mep_gw_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (!rules_gw_valid(rc, l->idx[i]))
			return false;
	return true;
}

static bool rules_rule_valid(const struct rules_ctx *rc,
			     const struct mep_priority_rule *r)
{
	if (!rules_list_valid(rc, &r->satellites))
		return false;
	for (int l = 0; l < MEP_LEVELS; l++)
		if (!rules_list_valid(rc, &r->level[l]))
			return false;
	return true;
}

/* Rule 6 on one priority rule: only centers, each at most once. */
static void rules_check_priority(struct rules_ctx *rc,
				 const struct mep_community *c,
				 const struct mep_priority_rule *r,
				 const char *which)
{
	char path[512];

	rules_comm_path(c, NULL, NULL, path, sizeof(path));
	for (int l = 0; l < MEP_LEVELS; l++) {
		for (size_t i = 0; i < r->level[l].n; i++) {
			int g = r->level[l].idx[i];

			if (!mep_gw_list_has(&c->centers, g))
				rules_error(rc, 6, path,
					    "community %s: %s names %s, which is not a center of this community",
					    c->name, which, rules_gw(rc, g));
			for (int m = l; m < MEP_LEVELS; m++)
				for (size_t j = m == l ? i + 1 : 0;
				     j < r->level[m].n; j++)
					if (r->level[m].idx[j] == g)
						rules_error(rc, 6, path,
							    "community %s: %s names center %s more than once",
							    c->name, which,
							    rules_gw(rc, g));
		}
	}
}

/* Structural re-checks of what the model enforces (rules 1, 2, 3, 6, 8),
 * so that a struct built by other means is never trusted blindly. */
static void rules_check_model(struct rules_ctx *rc,
			      const struct mep_community *c)
{
	char path[512];
	bool valid = rules_list_valid(rc, &c->centers) &&
		     rules_list_valid(rc, &c->satellites) &&
		     rules_list_valid(rc, &c->members) &&
		     rules_rule_valid(rc, &c->default_rule);

	for (size_t r = 0; valid && r < c->n_rules; r++)
		valid = rules_rule_valid(rc, &c->rules[r]);
	if (!valid) {
		rules_error(rc, 8, rules_comm_path(c, NULL, NULL, path,
						   sizeof(path)),
			    "community %s refers to a gateway that does not exist",
			    c->name);
		return;
	}
	if (c->default_rule.satellites.n)
		rules_error(rc, 6, rules_comm_path(c, "priority-default", NULL,
						   path, sizeof(path)),
			    "community %s: the default mep priority rule may not name satellites",
			    c->name);
	rules_check_priority(rc, c, &c->default_rule, "mep priority default");
	for (size_t r = 0; r < c->n_rules; r++) {
		rules_check_priority(rc, c, &c->rules[r],
				     "a mep priority rule");
		for (size_t i = 0; i < c->rules[r].satellites.n; i++) {
			int s = c->rules[r].satellites.idx[i];

			if (!mep_gw_list_has(&c->satellites, s))
				rules_error(rc, 6, rules_comm_path(c, NULL,
								   NULL, path,
								   sizeof(path)),
					    "community %s: mep priority rule names %s, which is not a satellite of this community",
					    c->name, rules_gw(rc, s));
			for (size_t q = r + 1; q < c->n_rules; q++)
				if (mep_gw_list_has(&c->rules[q].satellites,
						    s))
					rules_error(rc, 6,
						    rules_comm_path(c, NULL,
								    NULL, path,
								    sizeof(path)),
						    "community %s: satellite %s is in more than one mep priority exception rule",
						    c->name, rules_gw(rc, s));
		}
	}
	if (c->mep_enabled &&
	    (c->type != MEP_COMMUNITY_STAR || c->centers.n < 2))
		rules_error(rc, 1, rules_comm_path(c, "mep-enable", NULL, path,
						   sizeof(path)),
			    "community %s: explicit MEP (mep enable) needs a star community with at least two centers",
			    c->name);
	if (c->mep_enabled && c->return_path == MEP_RETURN_RIM &&
	    !c->permanent_tunnels)
		rules_error(rc, 2, rules_comm_path(c, NULL, NULL, path,
						   sizeof(path)),
			    "community %s: return-path rim with mep enable requires permanent-tunnels%s",
			    c->name,
			    c->return_path_set
				    ? ""
				    : " (return-path rim is the default when the rim block exists: it was not configured)");
	/* Rule 10: only the node that injects (a center, a meshed member)
	 * needs the rim block; a satellite's copy of the community does not.
	 * Without the block the default is none, so this is configured rim. */
	if (c->return_path == MEP_RETURN_RIM && !rc->cfg->rim.enabled &&
	    mep_community_is_entry(c, rc->cfg->local_gateway))
		rules_error(rc, 10, rules_comm_path(c, "return-path", NULL,
						    path, sizeof(path)),
			    "community %s: return-path rim on a center of the community requires the rim block",
			    c->name);
	if (c->mep_enabled && c->method == MEP_METHOD_RANDOM &&
	    c->return_path != MEP_RETURN_IP_POOL_NAT)
		rules_error(rc, 3, rules_comm_path(c, "entry-point", NULL,
						   path, sizeof(path)),
			    "community %s: mep entry-point random requires return-path ip-pool-nat (RIM cannot be used)",
			    c->name);
}

/* Rule 3: implicit load distribution with RIM. */
static void rules_check_load_distribution(struct rules_ctx *rc,
					  const struct mep_community *c)
{
	const struct mep_prefix *p;
	char path[512], buf[MEP_PREFIX_STRLEN];
	int a, b;

	if (!rc->cfg->load_distribution || c->return_path != MEP_RETURN_RIM)
		return;
	if (!rules_implicit_mep(rc, c, &a, &b, &p))
		return;
	rules_error(rc, 3, rules_comm_path(c, NULL, NULL, path, sizeof(path)),
		    "community %s: %s and %s both own %s (implicit MEP) and load-distribution is on: implicit load distribution needs return-path ip-pool-nat (RIM cannot be used)",
		    c->name, rules_gw(rc, a), rules_gw(rc, b),
		    mep_prefix_str(p, buf, sizeof(buf)));
}

/* Rule 11: per-pair entry points (random, implicit load distribution)
 * cannot be steered by CHILD_SAs, whose selectors would be identical. */
static void rules_check_steering(struct rules_ctx *rc, size_t ci)
{
	const struct mep_community *c = &rc->cfg->communities[ci];
	char path[512];

	if (!c->steering_set || c->steering != MEP_STEERING_CHILD_SA ||
	    !mep_community_per_pair(rc->cfg, ci))
		return;
	rules_error(rc, 11, rules_comm_path(c, "steering", NULL, path,
					    sizeof(path)),
		    "community %s: steering child-sa cannot steer %s per source/destination pair (the CHILD_SAs' selectors would be identical): use steering route",
		    c->name,
		    c->mep_enabled ? "mep entry-point random"
				   : "implicit load distribution");
}

/* Rule 8 for route steering (numbers in range, references that can be
 * used): the steering protocol is not RIM's (250), the kernel's or FRR's;
 * every center's table (steering table + if-id) is a usable table other
 * than the steering table and the rim kernel-table; two gateways never
 * share an interface. Warning: a center of a route-steered community
 * without if-id (satellites cannot steer to it). */
static void rules_check_route_steering(struct rules_ctx *rc)
{
	const struct mep_config *cfg = rc->cfg;
	const struct mep_steering_config *st = &cfg->steering;
	char path[512], a[16], b[16];
	uint8_t p = st->protocol;

	if (p <= 4 || p == 11 || p == 42 || (p >= 186 && p <= 198) ||
	    p == 250)
		rules_error(rc, 8, RULES_ROOT "/steering/protocol",
			    "steering protocol %u belongs to the kernel, FRR or RIM (250)",
			    p);
	if (cfg->rim.enabled && cfg->rim.backend == MEP_RIM_KERNEL &&
	    cfg->rim.kernel_table == st->table)
		rules_error(rc, 8, RULES_ROOT "/steering/table",
			    "steering table %u is the rim kernel-table",
			    st->table);
	for (size_t i = 0; i < cfg->n_gateways; i++) {
		const struct mep_gateway *g = &cfg->gateways[i];
		uint64_t t = (uint64_t)st->table + g->if_id;

		if (!g->if_id)
			continue;
		if (t > UINT32_MAX || (t >= 253 && t <= 255) ||
		    (cfg->rim.enabled && cfg->rim.backend == MEP_RIM_KERNEL &&
		     t == cfg->rim.kernel_table))
			rules_error(rc, 8,
				    rules_gw_path(rc, (int)i, "/if-id", path,
						  sizeof(path)),
				    "gateway %s: steering table %u + if-id %u = %llu is not a usable routing table (1..252, 256..4294967295, not the rim kernel-table)",
				    g->name, st->table, g->if_id,
				    (unsigned long long)t);
		mep_gateway_steer_ifname(g, a);
		for (size_t j = 0; j < i; j++) {
			if (!cfg->gateways[j].if_id)
				continue;
			if (strcmp(a, mep_gateway_steer_ifname(
					      &cfg->gateways[j], b)) == 0)
				rules_error(rc, 8,
					    rules_gw_path(rc, (int)i,
							  "/interface", path,
							  sizeof(path)),
					    "gateway %s: interface %s is already gateway %s's",
					    g->name, a, cfg->gateways[j].name);
		}
	}
	for (size_t k = 0; k < cfg->n_communities; k++) {
		const struct mep_community *c = &cfg->communities[k];

		if (c->steering != MEP_STEERING_ROUTE ||
		    c->type != MEP_COMMUNITY_STAR)
			continue;
		for (size_t j = 0; j < c->centers.n; j++) {
			int gi = c->centers.idx[j];

			if (rules_gw_valid(rc, gi) &&
			    !cfg->gateways[gi].if_id)
				rules_warn(rc, c->name,
					   "steering route: center %s has no if-id (satellites cannot steer to it)",
					   cfg->gateways[gi].name);
		}
	}
}

/* Rule 4, per community: ip-pool-nat (configured: it is never a
 * default) needs a pool on every center (meshed: member). */
static void rules_check_pools_present(struct rules_ctx *rc,
				      const struct mep_community *c)
{
	const struct mep_gw_list *entry = rules_entry_gateways(c);
	char path[512];

	/* ip-pool-nat is never implied: it is configured here. */
	if (c->return_path != MEP_RETURN_IP_POOL_NAT)
		return;
	for (size_t i = 0; i < entry->n; i++) {
		int g = entry->idx[i];

		if (!rules_gw_valid(rc, g) || rc->cfg->gateways[g].has_pool)
			continue;
		rules_error(rc, 4, rules_gw_path(rc, g, "/ip-pool", path,
						 sizeof(path)),
			    "gateway %s has no ip-pool but is a %s of community %s, whose return path is ip-pool-nat",
			    rules_gw(rc, g),
			    c->type == MEP_COMMUNITY_MESHED ? "member"
							    : "center",
			    c->name);
	}
	/* Backups stand in for their primary: they translate too. */
	for (size_t i = 0; i < entry->n; i++) {
		const struct mep_gateway *pg;

		if (!rules_gw_valid(rc, entry->idx[i]))
			continue;
		pg = &rc->cfg->gateways[entry->idx[i]];
		for (size_t k = 0; k < pg->backups.n; k++) {
			int g = pg->backups.idx[k];

			if (!rules_gw_valid(rc, g) ||
			    rc->cfg->gateways[g].has_pool)
				continue;
			rules_error(rc, 4, rules_gw_path(rc, g, "/ip-pool", path,
							 sizeof(path)),
				    "gateway %s has no ip-pool but is a backup-gateway of %s in community %s, whose return path is ip-pool-nat",
				    rules_gw(rc, g), pg->name, c->name);
		}
	}
}

/* Collect the gateways (and domain indices) of entries overlapping one. */
struct rules_hits {
	const struct rules_ctx *rc;
	int above;		/* only gateways > above */
	bool pool;		/* pools, else domains */
	size_t *hit;		/* entry indices */
	size_t n, cap;
};

static void rules_hit(void *arg, size_t j)
{
	struct rules_hits *h = arg;
	const struct rules_entry *e = &h->rc->entries[j];

	if (e->pool != h->pool || e->gw <= h->above)
		return;
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 16;
		size_t *p = realloc(h->hit, cap * sizeof(*p));

		if (!p)
			abort();
		h->hit = p;
		h->cap = cap;
	}
	h->hit[h->n++] = j;
}

static const struct rules_entry *rules_sort_entries;

/* Gateway order, then domain order (the order of the plain loops). */
static int rules_hit_cmp(const void *a, const void *b)
{
	const struct rules_entry *x = &rules_sort_entries[*(const size_t *)a];
	const struct rules_entry *y = &rules_sort_entries[*(const size_t *)b];

	if (x->gw != y->gw)
		return x->gw < y->gw ? -1 : 1;
	return (x->d > y->d) - (x->d < y->d);
}

static void rules_hits_sort(const struct rules_ctx *rc, struct rules_hits *h)
{
	rules_sort_entries = rc->entries;
	if (h->n > 1)
		qsort(h->hit, h->n, sizeof(*h->hit), rules_hit_cmp);
}

/* Rule 4, global: pools must not overlap other pools or any domain. */
static void rules_check_pool_overlaps(struct rules_ctx *rc)
{
	const struct mep_config *cfg = rc->cfg;
	char path[512], b1[MEP_PREFIX_STRLEN], b2[MEP_PREFIX_STRLEN];
	struct rules_hits h = { .rc = rc };

	for (size_t i = 0; i < cfg->n_gateways; i++) {
		const struct mep_gateway *g = &cfg->gateways[i];

		if (!g->has_pool)
			continue;
		rules_gw_path(rc, (int)i, "/ip-pool", path, sizeof(path));
		h.n = 0;
		h.above = (int)i;
		h.pool = true;
		rules_overlapping(rc, rc->pool_entry[i], rules_hit, &h);
		rules_hits_sort(rc, &h);
		for (size_t x = 0; x < h.n; x++) {
			const struct mep_gateway *o =
				&cfg->gateways[rc->entries[h.hit[x]].gw];

			rules_error(rc, 4, path,
				    "ip-pool %s of gateway %s overlaps ip-pool %s of gateway %s",
				    mep_prefix_str(&g->pool, b1, sizeof(b1)),
				    g->name,
				    mep_prefix_str(&o->pool, b2, sizeof(b2)),
				    o->name);
		}
		h.n = 0;
		h.above = -1;
		h.pool = false;
		rules_overlapping(rc, rc->pool_entry[i], rules_hit, &h);
		rules_hits_sort(rc, &h);
		for (size_t x = 0; x < h.n; x++) {
			const struct rules_entry *e = &rc->entries[h.hit[x]];
			const struct mep_gateway *o = &cfg->gateways[e->gw];

			rules_error(rc, 4, path,
				    "ip-pool %s of gateway %s overlaps vpn-domain %s of gateway %s",
				    mep_prefix_str(&g->pool, b1, sizeof(b1)),
				    g->name,
				    mep_prefix_str(&o->domain[e->d], b2,
						   sizeof(b2)),
				    o->name);
		}
	}
	free(h.hit);
}

/* Rule 5: primary-backup. */
static void rules_check_backups(struct rules_ctx *rc, int pi)
{
	const struct mep_gateway *p = &rc->cfg->gateways[pi];
	char path[512], suffix[MEP_NAME_MAX + 32];
	char b1[MEP_PREFIX_STRLEN], b2[MEP_PREFIX_STRLEN];
	const struct mep_prefix *x, *y;

	for (size_t i = 0; i < p->backups.n; i++) {
		int bi = p->backups.idx[i];
		const struct mep_gateway *b;
		struct mep_addr addr;

		if (!rules_gw_valid(rc, bi) || bi == pi) {
			rules_error(rc, 5, rules_gw_path(rc, pi,
							 "/backup-gateway",
							 path, sizeof(path)),
				    "gateway %s: invalid backup-gateway",
				    p->name);
			continue;
		}
		b = &rc->cfg->gateways[bi];
		snprintf(suffix, sizeof(suffix), "/backup-gateway[.=%c%s%c]",
			 rules_quote(b->name), b->name, rules_quote(b->name));
		rules_gw_path(rc, pi, suffix, path, sizeof(path));
		if (rules_domains_overlap(p, b, &x, &y))
			rules_error(rc, 5, path,
				    "gateway %s: the vpn-domain %s of backup-gateway %s overlaps the primary's vpn-domain %s (primary and backup domains must be disjoint)",
				    p->name, mep_prefix_str(y, b2, sizeof(b2)),
				    b->name, mep_prefix_str(x, b1, sizeof(b1)));
		if (mep_addr_parse(b->address, &addr) == 0)
			for (size_t d = 0; d < p->n_domain; d++)
				if (mep_prefix_contains(&p->domain[d], &addr)) {
					rules_error(rc, 5, path,
						    "gateway %s: the address %s of backup-gateway %s lies inside the primary's vpn-domain %s",
						    p->name, b->address,
						    b->name,
						    mep_prefix_str(&p->domain[d],
								   b1,
								   sizeof(b1)));
					break;
				}
		for (size_t j = i + 1; j < p->backups.n; j++) {
			int ci = p->backups.idx[j];

			if (!rules_gw_valid(rc, ci) || ci == bi)
				continue;
			if (rules_domains_overlap(b, &rc->cfg->gateways[ci],
						  &x, &y))
				rules_error(rc, 5, path,
					    "gateway %s: backup-gateways %s and %s have overlapping vpn-domains %s and %s (each backup needs its own domain)",
					    p->name, b->name,
					    rc->cfg->gateways[ci].name,
					    mep_prefix_str(x, b1, sizeof(b1)),
					    mep_prefix_str(y, b2, sizeof(b2)));
		}
	}
}

/* Rule 8 (explicit MEP): satellites must not own part of the MEP domain,
 * the union of the centers' domains. */
static void rules_check_explicit_domains(struct rules_ctx *rc,
					 const struct mep_community *c)
{
	char path[512], b1[MEP_PREFIX_STRLEN], b2[MEP_PREFIX_STRLEN];
	const struct mep_prefix *x, *y;

	if (!c->mep_enabled)
		return;
	for (size_t s = 0; s < c->satellites.n; s++) {
		int si = c->satellites.idx[s];

		if (!rules_gw_valid(rc, si))
			continue;
		for (size_t m = 0; m < c->centers.n; m++) {
			int mi = c->centers.idx[m];
			const struct mep_gateway *sg = &rc->cfg->gateways[si];

			if (!rules_gw_valid(rc, mi) ||
			    !rules_domains_overlap(sg, &rc->cfg->gateways[mi],
						   &x, &y))
				continue;
			rules_error(rc, 8,
				    rules_comm_path(c, "satellite", sg->name,
						    path, sizeof(path)),
				    "community %s: satellite %s owns %s, which overlaps %s of center %s: a satellite cannot own part of the MEP domain",
				    c->name, sg->name,
				    mep_prefix_str(x, b1, sizeof(b1)),
				    mep_prefix_str(y, b2, sizeof(b2)),
				    rules_gw(rc, mi));
			break;
		}
	}
}

/* Warnings for one community: rules 6, 7, 8 leftovers. */
static void rules_warn_community(struct rules_ctx *rc,
				 const struct mep_community *c)
{
	bool has_rules = c->has_default_rule || c->n_rules > 0;
	char object[MEP_NAME_MAX + 16];

	snprintf(object, sizeof(object), "community %s", c->name);
	if (has_rules && !c->mep_enabled)
		rules_warn(rc, object,
			   "mep priority is ignored without mep enable (rule 6)");
	else if (has_rules && c->method != MEP_METHOD_PRIORITY_LIST)
		rules_warn(rc, object,
			   "mep priority is ignored with mep entry-point %s (only priority-list uses it) (rule 6)",
			   mep_method_name(c->method));
	if (c->mep_enabled && c->method == MEP_METHOD_PRIORITY_LIST &&
	    !c->has_default_rule) {
		for (size_t s = 0; s < c->satellites.n; s++) {
			bool covered = false;

			for (size_t r = 0; r < c->n_rules && !covered; r++)
				covered = mep_gw_list_has(
					&c->rules[r].satellites,
					c->satellites.idx[s]);
			if (!covered) {
				rules_warn(rc, object,
					   "no mep priority default: satellite %s (and any other without an exception rule) treats every center as primary (rule 6)",
					   rules_gw(rc, c->satellites.idx[s]));
				break;
			}
		}
	}
	if (c->mep_enabled && c->tie_break == MEP_TIE_RANDOM &&
	    (c->method == MEP_METHOD_FIRST_TO_RESPOND ||
	     c->method == MEP_METHOD_RANDOM))
		rules_warn(rc, object,
			   "mep tie-break is only used by entry-point vpn-domain and priority-list (rule 7)");
	if (!c->mep_enabled)
		return;
	for (size_t m = 0; m < c->centers.n; m++) {
		int g = c->centers.idx[m];

		if (!rules_gw_valid(rc, g) || rc->cfg->gateways[g].n_domain)
			continue;
		if (c->method == MEP_METHOD_VPN_DOMAIN)
			rules_warn(rc, object,
				   "center %s has no vpn-domain: with entry-point vpn-domain it is never primary (rule 8)",
				   rules_gw(rc, g));
		else
			rules_warn(rc, object,
				   "center %s has no vpn-domain: it adds nothing to the MEP domain (rule 8)",
				   rules_gw(rc, g));
	}
}

/* Warnings per gateway: no address while in a community, local-gateway in
 * no community (rule 8). */
static void rules_warn_gateways(struct rules_ctx *rc)
{
	const struct mep_config *cfg = rc->cfg;
	char object[MEP_NAME_MAX + 16];

	for (size_t i = 0; i < cfg->n_gateways; i++) {
		const struct mep_gateway *g = &cfg->gateways[i];

		if (g->address[0])
			continue;
		snprintf(object, sizeof(object), "gateway %s", g->name);
		/* The first community (configuration order) it is in. */
		for (size_t x = 0; x < rc->gw_comm_n[i]; x++) {
			size_t k = (size_t)rc->gw_comm[rc->gw_comm_start[i] + x];
			const struct mep_community *c = &cfg->communities[k];

			if (rules_sorted_has(&rc->comm[k].satellites, (int)i))
				rules_warn(rc, object,
					   "no address: the centers of community %s cannot initiate tunnels to it (a dynamic-IP satellite must initiate) (rule 8)",
					   c->name);
			else
				rules_warn(rc, object,
					   "no address: it cannot be probed or reached in community %s (rule 8)",
					   c->name);
			break;
		}
	}
	if (cfg->local_gateway >= 0 && rules_gw_valid(rc, cfg->local_gateway)) {
		if (rc->gw_comm_n[cfg->local_gateway] == 0) {
			snprintf(object, sizeof(object), "gateway %s",
				 rules_gw(rc, cfg->local_gateway));
			rules_warn(rc, object,
				   "local-gateway is in no community: this node has nothing to do (rule 8)");
		}
	}
}

/* First community (config order) in which s reaches g, or -1. Only the
 * communities s is in can make it reach anything. */
static int rules_first_community(const struct rules_ctx *rc, int s, int g)
{
	const int *k = rc->gw_comm + rc->gw_comm_start[s];

	for (size_t i = 0; i < rc->gw_comm_n[s]; i++)
		if (rules_reaches(rc, (size_t)k[i], s, g))
			return k[i];
	return -1;
}

static bool rules_shared_community(const struct rules_ctx *rc, int s, int a,
				   int b)
{
	const int *k = rc->gw_comm + rc->gw_comm_start[s];

	for (size_t i = 0; i < rc->gw_comm_n[s]; i++)
		if (rules_reaches(rc, (size_t)k[i], s, a) &&
		    rules_reaches(rc, (size_t)k[i], s, b))
			return true;
	return false;
}

/* Rule 9: a satellite (any gateway) reaching two gateways with
 * overlapping domains only through different communities. One warning
 * per gateway pair; the gateway of the first community is used. The
 * pairs with overlapping domains come from the prefix index. */
static void rules_warn_across(struct rules_ctx *rc)
{
	const struct mep_config *cfg = rc->cfg;
	int n = (int)cfg->n_gateways;
	char object[MEP_NAME_MAX + 16], buf[MEP_PREFIX_STRLEN];
	struct rules_hits h = { .rc = rc, .pool = false };

	for (int a = 0; a < n; a++) {
		h.n = 0;
		h.above = a;
		for (size_t i = rc->first_entry[a]; i != SIZE_MAX;
		     i = rc->next_entry[i])
			rules_overlapping(rc, i, rules_hit, &h);
		rules_hits_sort(rc, &h);
		for (size_t x = 0; x < h.n; x++) {
			int b = rc->entries[h.hit[x]].gw;
			const struct mep_prefix *pa, *pb;

			if (x > 0 && rc->entries[h.hit[x - 1]].gw == b)
				continue;
			if (!rules_domains_overlap(&cfg->gateways[a],
						   &cfg->gateways[b], &pa, &pb))
				continue;
			for (int s = 0; s < n; s++) {
				int ka, kb, used, other, kused, kother;

				if (rc->gw_comm_n[s] == 0)
					continue;
				ka = rules_first_community(rc, s, a);
				kb = rules_first_community(rc, s, b);
				if (ka < 0 || kb < 0 ||
				    rules_shared_community(rc, s, a, b))
					continue;
				if (ka <= kb) {
					used = a, other = b;
					kused = ka, kother = kb;
				} else {
					used = b, other = a;
					kused = kb, kother = ka;
				}
				snprintf(object, sizeof(object), "gateway %s",
					 cfg->gateways[other].name);
				rules_warn(rc, object,
					   "implicit MEP across communities is not supported: using only %s for %s (%s reaches %s through community %s and %s through community %s) (rule 9)",
					   cfg->gateways[used].name,
					   mep_prefix_str(rules_narrower(pa, pb),
							  buf, sizeof(buf)),
					   cfg->gateways[s].name,
					   cfg->gateways[used].name,
					   cfg->communities[kused].name,
					   cfg->gateways[other].name,
					   cfg->communities[kother].name);
				break;
			}
		}
	}
	free(h.hit);
}

int conf_rules_check(const struct mep_config *cfg,
		     struct conf_rule_violation *first,
		     struct strbuf *warnings)
{
	struct rules_ctx rc = {
		.cfg = cfg, .first = first, .warnings = warnings, .errors = 0
	};
	char path[512];

	if (first)
		memset(first, 0, sizeof(*first));
	if (cfg->local_gateway >= (int)cfg->n_gateways)
		rules_error(&rc, 8, RULES_ROOT "/local-gateway",
			    "local-gateway refers to a gateway that does not exist");
	for (size_t i = 0; i < cfg->n_gateways; i++)
		for (size_t j = 0; j < cfg->gateways[i].backups.n; j++)
			if (!rules_gw_valid(&rc,
					    cfg->gateways[i].backups.idx[j]))
				rules_error(&rc, 8,
					    rules_gw_path(&rc, (int)i,
							  "/backup-gateway",
							  path, sizeof(path)),
					    "gateway %s: backup-gateway refers to a gateway that does not exist",
					    cfg->gateways[i].name);
	for (size_t k = 0; k < cfg->n_communities; k++)
		rules_check_model(&rc, &cfg->communities[k]);
	if (rc.errors)
		return rc.errors;	/* indices are unsafe: stop here */

	rules_index_build(&rc);

	for (size_t k = 0; k < cfg->n_communities; k++) {
		const struct mep_community *c = &cfg->communities[k];

		rules_check_load_distribution(&rc, c);
		rules_check_steering(&rc, k);
		rules_check_pools_present(&rc, c);
		rules_check_explicit_domains(&rc, c);
	}
	rules_check_pool_overlaps(&rc);
	rules_check_route_steering(&rc);
	for (size_t i = 0; i < cfg->n_gateways; i++)
		rules_check_backups(&rc, (int)i);

	for (size_t k = 0; k < cfg->n_communities; k++)
		rules_warn_community(&rc, &cfg->communities[k]);
	rules_warn_gateways(&rc);
	rules_warn_across(&rc);
	rules_index_free(&rc);
	return rc.errors;
}
