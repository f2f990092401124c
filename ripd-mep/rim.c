/* rim: desired RIM routes from configuration and tunnels, and the one
 * route diff (rim_diff_sorted) with the minimal reconciliation against the
 * installed routes built on it. Pure: no I/O (see rim.h). */
#include "rim.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- containers ---- */

/* Make room for one more element in *v (n used, *cap allocated). */
static int rim_grow(void **v, size_t n, size_t *cap, size_t elem)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap < *cap || ncap > SIZE_MAX / elem)
		return -1;
	nv = realloc(*v, ncap * elem);
	if (!nv)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

void rim_routes_init(struct rim_routes *r)
{
	memset(r, 0, sizeof(*r));
}

void rim_routes_free(struct rim_routes *r)
{
	free(r->v);
	rim_routes_init(r);
}

int rim_routes_add(struct rim_routes *r, const struct rim_route *route)
{
	if (rim_grow((void **)&r->v, r->n, &r->cap, sizeof(*r->v)) < 0)
		return -1;
	r->v[r->n++] = *route;
	return 0;
}

int rim_routes_lay_over(struct rim_routes *base, const struct rim_routes *over)
{
	size_t n = base->n + over->n, i = base->n, j = over->n, k = n;

	if (over->n == 0)
		return 0;
	if (n > base->cap) {
		struct rim_route *v = realloc(base->v, n * sizeof(*v));

		if (!v)
			return -1;
		base->v = v;
		base->cap = n;
	}
	/* merge from the back into the room after base's routes; a prefix
	 * in both takes over's route and leaves a gap, closed at the end */
	while (j > 0) {
		int c = i == 0 ? -1
			       : rim_prefix_cmp(&base->v[i - 1].prefix,
						&over->v[j - 1].prefix);

		if (c > 0) {
			base->v[--k] = base->v[--i];
		} else {
			if (c == 0)
				i--;
			base->v[--k] = over->v[--j];
		}
	}
	if (k > i)
		memmove(base->v + i, base->v + k, (n - k) * sizeof(*base->v));
	base->n = i + (n - k);
	return 0;
}

void rim_ignored_init(struct rim_ignored_list *l)
{
	memset(l, 0, sizeof(*l));
}

void rim_ignored_free(struct rim_ignored_list *l)
{
	free(l->v);
	rim_ignored_init(l);
}

static int rim_ignored_add(struct rim_ignored_list *l,
			   const struct rim_ignored *ig)
{
	if (rim_grow((void **)&l->v, l->n, &l->cap, sizeof(*l->v)) < 0)
		return -1;
	l->v[l->n++] = *ig;
	return 0;
}

const char *rim_ignore_reason_str(enum rim_ignore_reason r)
{
	switch (r) {
	case RIM_IGNORE_UNKNOWN_PEER:
		return "unknown peer";
	case RIM_IGNORE_OUTSIDE_DOMAIN:
		return "outside the peer's vpn-domain";
	case RIM_IGNORE_WIDER_THAN_DOMAIN:
		return "wider than the peer's vpn-domain";
	case RIM_IGNORE_INVALID:
		return "invalid selector";
	case RIM_IGNORE_SATELLITE_SILENT:
		return "satellite silent";
	}
	return "?";
}

void rim_changes_init(struct rim_changes *c)
{
	memset(c, 0, sizeof(*c));
}

void rim_changes_free(struct rim_changes *c)
{
	free(c->v);
	rim_changes_init(c);
}

static int rim_changes_add(struct rim_changes *c, enum rim_op op,
			   const struct rim_route *route,
			   const struct rim_route *old)
{
	struct rim_change *ch;

	if (rim_grow((void **)&c->v, c->n, &c->cap, sizeof(*c->v)) < 0)
		return -1;
	ch = &c->v[c->n++];
	memset(ch, 0, sizeof(*ch));
	ch->op = op;
	ch->route = *route;
	if (old)
		ch->old = *old;
	else
		ch->old.gateway = -1;
	return 0;
}

/* ---- prefixes ---- */

int rim_prefix_cmp(const struct mep_prefix *a, const struct mep_prefix *b)
{
	int r;

	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	r = memcmp(a->addr, b->addr, mep_family_bytes(a->family));
	if (r)
		return r < 0 ? -1 : 1;
	return a->len < b->len ? -1 : a->len > b->len;
}

long rim_route_search(const struct rim_route *v, size_t n,
		      const struct mep_prefix *p)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = rim_prefix_cmp(&v[mid].prefix, p);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int rim_route_cmp(const void *a, const void *b)
{
	const struct rim_route *x = a, *y = b;

	return rim_prefix_cmp(&x->prefix, &y->prefix);
}

bool rim_route_same_attrs(const struct rim_route *a, const struct rim_route *b)
{
	return a->distance == b->distance && a->metric == b->metric &&
	       a->tag == b->tag;
}

/* Is every address of s in the union of the domain prefixes? Splits s in
 * halves only where a domain prefix lies strictly inside it, so the work
 * is bounded by n * address bits. */
static bool rim_covered(const struct mep_prefix *s,
			const struct mep_prefix *dom, size_t n)
{
	struct mep_prefix lo, hi;
	bool overlap = false;

	for (size_t i = 0; i < n; i++) {
		if (mep_prefix_covers(&dom[i], s))
			return true;
		if (mep_prefix_overlaps(&dom[i], s))
			overlap = true;
	}
	if (!overlap || s->len >= mep_family_bytes(s->family) * 8)
		return false;
	lo = *s;
	lo.len++;
	hi = lo;
	hi.addr[s->len / 8] |= (uint8_t)(0x80 >> (s->len % 8));
	return rim_covered(&lo, dom, n) && rim_covered(&hi, dom, n);
}

/* ---- desired routes ---- */

/* Does local inject the routes of community c with backup-metric? Only a
 * center of a vpn-domain MEP community that is not its first center (the
 * primary center of every satellite prefix: the first in configuration
 * order, the same on every center). */
static bool rim_backup_center(const struct mep_community *c, int local)
{
	return c->type == MEP_COMMUNITY_STAR && c->mep_enabled &&
	       c->method == MEP_METHOD_VPN_DOMAIN && c->centers.n > 0 &&
	       c->centers.idx[0] != local &&
	       mep_gw_list_has(&c->centers, local);
}

enum { RIM_LINK_RIM = 1, RIM_LINK_PRIMARY = 2, RIM_LINK_POOL = 4 };

/* How local is linked to each gateway (it builds tunnels to it) by the
 * communities: RIM_LINK_* bits per gateway index, computed once per
 * call so that each tunnel costs O(1) (communities may list thousands of
 * satellites). NULL on allocation failure; free() it. */
static uint8_t *rim_links(const struct mep_config *cfg, int local)
{
	uint8_t *link = calloc(cfg->n_gateways ? cfg->n_gateways : 1, 1);

	if (!link)
		return NULL;
	for (size_t k = 0; k < cfg->n_communities; k++) {
		const struct mep_community *co = &cfg->communities[k];
		const struct mep_gw_list *peers = mep_community_peers(co, local);
		uint8_t flag;

		if (!peers)
			continue;
		if (co->return_path == MEP_RETURN_RIM)
			flag = RIM_LINK_RIM | (rim_backup_center(co, local)
						       ? 0
						       : RIM_LINK_PRIMARY);
		else
			flag = RIM_LINK_POOL;
		for (size_t p = 0; p < peers->n; p++) {
			int g = peers->idx[p];

			if (g != local && g >= 0 && (size_t)g < cfg->n_gateways)
				link[g] |= flag;
		}
	}
	return link;
}

/* Order of candidates: prefix, then metric, then gateway (the lowest
 * metric, then the lowest gateway wins). */
static int rim_candidate_cmp(const void *a, const void *b)
{
	const struct rim_route *x = a, *y = b;
	int r = rim_prefix_cmp(&x->prefix, &y->prefix);

	if (r)
		return r;
	if (x->metric != y->metric)
		return x->metric < y->metric ? -1 : 1;
	return x->gateway < y->gateway ? -1 : x->gateway > y->gateway;
}

static int rim_ignored_cmp(const void *a, const void *b)
{
	const struct rim_ignored *x = a, *y = b;
	int r = rim_prefix_cmp(&x->prefix, &y->prefix);

	if (r)
		return r;
	if (x->gateway != y->gateway)
		return x->gateway < y->gateway ? -1 : 1;
	if (x->reason != y->reason)
		return x->reason < y->reason ? -1 : 1;
	if (x->ike_id != y->ike_id)
		return x->ike_id < y->ike_id ? -1 : 1;
	return x->child_id < y->child_id ? -1 : x->child_id > y->child_id;
}

static int rim_push(struct rim_routes *routes, const struct mep_config *cfg,
		    const struct mep_prefix *p, int gateway, uint32_t metric)
{
	struct rim_route r = {
		.prefix = mep_prefix_masked(p),
		.gateway = gateway,
		.distance = cfg->rim.distance,
		.metric = metric,
		.tag = cfg->rim.tag,
	};

	return rim_routes_add(routes, &r);
}

static int rim_ignore(struct rim_ignored_list *ignored,
		      const struct tunnels_entry *c, const struct mep_prefix *p,
		      enum rim_ignore_reason reason)
{
	struct rim_ignored ig = {
		.prefix = mep_prefix_valid(p) ? mep_prefix_masked(p) : *p,
		.gateway = c->gateway,
		.ike_id = c->ike_id,
		.child_id = c->child_id,
		.reason = reason,
	};

	if (!ignored)
		return 0;
	return rim_ignored_add(ignored, &ig);
}

/* The remote selectors of an up tunnel to peer c->gateway, community with
 * return path rim; injected with metric, or listed in ignored when the
 * peer is silent. */
static int rim_selectors(const struct mep_config *cfg,
			 const struct tunnels_entry *c, uint32_t metric,
			 bool silent, struct rim_routes *routes,
			 struct rim_ignored_list *ignored)
{
	const struct mep_gateway *g = &cfg->gateways[c->gateway];
	const struct mep_prefix *ts = tunnels_entry_remote_ts(c);

	for (size_t i = 0; i < c->n_remote_ts; i++) {
		const struct mep_prefix *s = &ts[i];
		struct mep_prefix m;
		enum rim_ignore_reason why = RIM_IGNORE_OUTSIDE_DOMAIN;
		int rc;

		if (!mep_prefix_valid(s)) {
			if (rim_ignore(ignored, c, s, RIM_IGNORE_INVALID) < 0)
				return -1;
			continue;
		}
		m = mep_prefix_masked(s);
		if (rim_covered(&m, g->domain, g->n_domain)) {
			rc = silent ? rim_ignore(ignored, c, &m,
						 RIM_IGNORE_SATELLITE_SILENT)
				    : rim_push(routes, cfg, &m, c->gateway,
					       metric);
		} else {
			for (size_t d = 0; d < g->n_domain; d++)
				if (mep_prefix_overlaps(&g->domain[d], &m))
					why = RIM_IGNORE_WIDER_THAN_DOMAIN;
			rc = rim_ignore(ignored, c, &m, why);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Sort routes by prefix and keep, for each prefix, the lowest metric and
 * then the lowest gateway. */
static void rim_routes_unique(struct rim_routes *routes)
{
	size_t w = 0;

	if (routes->n == 0)
		return;
	qsort(routes->v, routes->n, sizeof(*routes->v), rim_candidate_cmp);
	for (size_t r = 1; r < routes->n; r++)
		if (rim_prefix_cmp(&routes->v[w].prefix,
				   &routes->v[r].prefix) != 0)
			routes->v[++w] = routes->v[r];
	routes->n = w + 1;
}

/* Sort and drop repeats of (prefix, gateway, reason), keeping the first
 * tunnel ids. */
static void rim_ignored_unique(struct rim_ignored_list *l)
{
	size_t w = 0;

	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(*l->v), rim_ignored_cmp);
	for (size_t r = 1; r < l->n; r++) {
		const struct rim_ignored *a = &l->v[w], *b = &l->v[r];

		if (rim_prefix_cmp(&a->prefix, &b->prefix) != 0 ||
		    a->gateway != b->gateway || a->reason != b->reason)
			l->v[++w] = l->v[r];
	}
	l->n = w + 1;
}

uint8_t *rim_link_table(const struct mep_config *cfg, int local)
{
	if (!cfg || local < 0 || (size_t)local >= cfg->n_gateways)
		return NULL;
	return rim_links(cfg, local);
}

/* The routes of one tunnel entry (nothing when it is down or not linked
 * by a rim community). */
static int rim_entry(const struct mep_config *cfg, const uint8_t *link,
		     const uint8_t *silent, const struct tunnels_entry *c,
		     struct rim_routes *routes,
		     struct rim_ignored_list *ignored)
{
	if (!c->up)
		return 0;
	if (c->gateway < 0 || (size_t)c->gateway >= cfg->n_gateways) {
		const struct mep_prefix *ts = tunnels_entry_remote_ts(c);

		for (size_t s = 0; s < c->n_remote_ts; s++)
			if (rim_ignore(ignored, c, &ts[s],
				       RIM_IGNORE_UNKNOWN_PEER) < 0)
				return -1;
		return 0;
	}
	if (!(link[c->gateway] & RIM_LINK_RIM))
		return 0;
	return rim_selectors(cfg, c,
			     link[c->gateway] & RIM_LINK_PRIMARY
				     ? cfg->rim.metric
				     : cfg->rim.backup_metric,
			     silent && silent[c->gateway], routes, ignored);
}

/* The local ip-pool prefix when local does IP Pool NAT (pool != NULL);
 * then sort and drop repeats. */
static int rim_finish(const struct mep_config *cfg, int local,
		      const struct mep_prefix *pool, struct rim_routes *routes,
		      struct rim_ignored_list *ignored)
{
	if (pool && mep_prefix_valid(pool) &&
	    rim_push(routes, cfg, pool, local, cfg->rim.metric) < 0)
		return -1;
	rim_routes_unique(routes);
	if (ignored)
		rim_ignored_unique(ignored);
	return 0;
}

int rim_desired(const struct mep_config *cfg, int local,
		const struct tunnel_table *t, const uint8_t *silent,
		struct rim_routes *routes, struct rim_ignored_list *ignored)
{
	const struct tunnels_entry *c;
	struct mep_prefix pool;
	size_t pos = 0;
	uint8_t *link;
	int rc = 0;

	routes->n = 0;
	if (ignored)
		ignored->n = 0;
	if (!cfg || !cfg->rim.enabled || local < 0 ||
	    (size_t)local >= cfg->n_gateways)
		return 0;
	if (t) {
		link = rim_links(cfg, local);
		if (!link)
			return -1;
		while (rc == 0 && (c = tunnels_next(t, &pos)) != NULL)
			rc = rim_entry(cfg, link, silent, c, routes,
				       ignored);
		free(link);
		if (rc < 0)
			return -1;
	}
	return rim_finish(cfg, local,
			  mep_nat_pool(cfg, local, &pool) ? &pool : NULL,
			  routes, ignored);
}

int rim_desired_of(const struct mep_config *cfg, int local,
		   const uint8_t *links, const struct tunnel_table *t,
		   const uint8_t *silent, const struct tunnels_id *ids, size_t n,
		   struct rim_routes *routes)
{
	routes->n = 0;
	if (!cfg || !cfg->rim.enabled || !t || !links || local < 0 ||
	    (size_t)local >= cfg->n_gateways)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct tunnels_entry *c =
			tunnels_find(t, ids[i].ike_id, ids[i].child_id);

		if (c && rim_entry(cfg, links, silent, c, routes, NULL) < 0)
			return -1;
	}
	return rim_finish(cfg, local, NULL, routes, NULL);
}

const char *rim_peer_state_str(enum rim_peer_state s)
{
	switch (s) {
	case RIM_PEER_NONE:
		return "none";
	case RIM_PEER_TUNNEL_UP:
		return "tunnel up";
	case RIM_PEER_TUNNEL_DOWN:
		return "tunnel down";
	case RIM_PEER_SILENT:
		return "satellite silent";
	}
	return "?";
}

int rim_peer_states(const struct mep_config *cfg, int local,
		    const struct tunnel_table *t, const uint8_t *silent,
		    enum rim_peer_state *out)
{
	const struct tunnels_entry *c;
	size_t pos = 0;
	uint8_t *link;

	for (size_t g = 0; cfg && g < cfg->n_gateways; g++)
		out[g] = RIM_PEER_NONE;
	if (!cfg || !cfg->rim.enabled || local < 0 ||
	    (size_t)local >= cfg->n_gateways)
		return 0;
	link = rim_links(cfg, local);
	if (!link)
		return -1;
	for (size_t g = 0; g < cfg->n_gateways; g++)
		if (link[g] & RIM_LINK_RIM)
			out[g] = RIM_PEER_TUNNEL_DOWN;
	while (t && (c = tunnels_next(t, &pos)) != NULL)
		if (c->up && c->gateway >= 0 &&
		    (size_t)c->gateway < cfg->n_gateways &&
		    (link[c->gateway] & RIM_LINK_RIM))
			out[c->gateway] = silent && silent[c->gateway]
						  ? RIM_PEER_SILENT
						  : RIM_PEER_TUNNEL_UP;
	free(link);
	return 0;
}

/* ---- reconciliation ---- */

/* A route with its position in the caller's array (to keep "first"
 * meaning first in the caller's order after sorting). */
struct rim_indexed {
	struct rim_route r;
	size_t idx;
};

static int rim_indexed_cmp(const void *a, const void *b)
{
	const struct rim_indexed *x = a, *y = b;
	int r = rim_prefix_cmp(&x->r.prefix, &y->r.prefix);

	if (r)
		return r;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static struct rim_indexed *rim_sorted(const struct rim_route *v, size_t n)
{
	struct rim_indexed *s;

	if (n > SIZE_MAX / sizeof(*s))
		return NULL;
	s = malloc((n ? n : 1) * sizeof(*s));
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		s[i].r = v[i];
		s[i].idx = i;
	}
	if (n)
		qsort(s, n, sizeof(*s), rim_indexed_cmp);
	return s;
}

/* The route at position i of an array of elements of size stride, each
 * beginning with a struct rim_route. */
static const struct rim_route *rim_at(const void *v, size_t stride, size_t i)
{
	return (const struct rim_route *)((const char *)v + i * stride);
}

int rim_diff_sorted(const void *desired, size_t n_desired,
		    const void *installed, size_t n_installed, size_t stride,
		    rim_diff_fn fn, void *arg)
{
	size_t a = 0, b = 0;
	int rc = 0;

	while (rc == 0 && (a < n_desired || b < n_installed)) {
		const struct rim_route *d = NULL, *p;
		size_t k = 0, keep;

		if (a < n_desired &&
		    (b >= n_installed ||
		     rim_prefix_cmp(&rim_at(desired, stride, a)->prefix,
				    &rim_at(installed, stride, b)->prefix) <= 0))
			p = rim_at(desired, stride, a);
		else
			p = rim_at(installed, stride, b);
		if (a < n_desired &&
		    rim_prefix_cmp(&rim_at(desired, stride, a)->prefix,
				   &p->prefix) == 0) {
			d = rim_at(desired, stride, a);
			while (a < n_desired &&
			       rim_prefix_cmp(&rim_at(desired, stride, a)->prefix,
					      &p->prefix) == 0)
				a++;
		}
		while (b + k < n_installed &&
		       rim_prefix_cmp(&rim_at(installed, stride, b + k)->prefix,
				      &p->prefix) == 0)
			k++;
		/* The installed group of this prefix: [b, b + k). */
		keep = k;
		if (d) {
			for (size_t i = 0; i < k && keep == k; i++)
				if (rim_route_same_attrs(
					    d, rim_at(installed, stride, b + i)))
					keep = i;
			if (keep < k)
				rc = fn(arg, RIM_DIFF_KEEP, d,
					rim_at(installed, stride, b + keep),
					b + keep);
			else if (k > 0)
				rc = fn(arg, RIM_DIFF_REPLACE, d,
					rim_at(installed, stride, b), b);
			else
				rc = fn(arg, RIM_DIFF_ADD, d, NULL, 0);
			if (keep == k && k > 0)
				keep = 0;
		}
		for (size_t i = 0; rc == 0 && i < k; i++)
			if (i != keep)
				rc = fn(arg, RIM_DIFF_DELETE, NULL,
					rim_at(installed, stride, b + i),
					b + i);
		b += k;
	}
	return rc;
}

/* rim_reconcile()'s use of the walk: changes and deletions apart. */
struct rim_reconcile_out {
	struct rim_changes *out;
	struct rim_changes dels;
};

static int rim_reconcile_step(void *arg, enum rim_diff_kind kind,
			      const struct rim_route *want,
			      const struct rim_route *have, size_t have_pos)
{
	struct rim_reconcile_out *o = arg;

	(void)have_pos;
	switch (kind) {
	case RIM_DIFF_KEEP:
		return 0;
	case RIM_DIFF_ADD:
		return rim_changes_add(o->out, RIM_OP_ADD, want, NULL);
	case RIM_DIFF_REPLACE:
		return rim_changes_add(o->out, RIM_OP_REPLACE, want, have);
	case RIM_DIFF_DELETE:
		return rim_changes_add(&o->dels, RIM_OP_DELETE, have, NULL);
	}
	return 0;
}

int rim_reconcile(const struct rim_route *desired, size_t n_desired,
		  const struct rim_route *installed, size_t n_installed,
		  struct rim_changes *out)
{
	struct rim_reconcile_out o = { .out = out };
	struct rim_indexed *ds, *is;
	int rc = 0;

	out->n = 0;
	rim_changes_init(&o.dels);
	ds = rim_sorted(desired, n_desired);
	is = rim_sorted(installed, n_installed);
	if (!ds || !is) {
		rc = -1;
		goto done;
	}
	_Static_assert(offsetof(struct rim_indexed, r) == 0,
		       "struct rim_indexed must begin with its route");
	rc = rim_diff_sorted(ds, n_desired, is, n_installed, sizeof(*ds),
			     rim_reconcile_step, &o);
	for (size_t i = 0; rc == 0 && i < o.dels.n; i++)
		rc = rim_changes_add(out, RIM_OP_DELETE, &o.dels.v[i].route,
				     NULL);
done:
	if (rc < 0)
		out->n = 0;
	rim_changes_free(&o.dels);
	free(ds);
	free(is);
	return rc;
}
