/* steer_route: the desired route steering of a satellite and its diffs
 * (pure; see steer_route.h for the model). */
#include "steer_route.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool steer_route_applies(const struct mep_config *cfg, size_t ci)
{
	const struct mep_community *c;

	if (ci >= cfg->n_communities || cfg->local_gateway < 0)
		return false;
	c = &cfg->communities[ci];
	return c->type == MEP_COMMUNITY_STAR &&
	       c->steering == MEP_STEERING_ROUTE &&
	       mep_community_role(c, cfg->local_gateway) ==
		       MEP_ROLE_SATELLITE;
}

bool steer_route_any(const struct mep_config *cfg)
{
	for (size_t i = 0; i < cfg->n_communities; i++)
		if (steer_route_applies(cfg, i))
			return true;
	return false;
}

uint32_t steer_route_table_of(const struct mep_config *cfg, int gw)
{
	uint64_t t;

	if (gw < 0 || (size_t)gw >= cfg->n_gateways ||
	    !cfg->gateways[gw].if_id)
		return 0;
	t = (uint64_t)cfg->steering.table + cfg->gateways[gw].if_id;
	return t > UINT32_MAX ? 0 : (uint32_t)t;
}

int steer_route_bucket_owner(const struct mep_config *cfg, const int *cand,
			     size_t n, uint32_t b)
{
	uint8_t key[4] = { (uint8_t)(b >> 24), (uint8_t)(b >> 16),
			   (uint8_t)(b >> 8), (uint8_t)b };
	uint64_t best_score = 0;
	int best = -1;

	for (size_t i = 0; i < n; i++) {
		uint64_t s = mep_rendezvous_score(key, sizeof(key),
						  cfg->gateways[cand[i]].name);

		if (best < 0 || s > best_score) {
			best = cand[i];
			best_score = s;
		}
	}
	return best;
}

/* ---- orders ---- */

static int cmp_prefix(const struct mep_prefix *a, const struct mep_prefix *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, mep_family_bytes(a->family));
	if (c)
		return c;
	return a->len == b->len ? 0 : a->len < b->len ? -1 : 1;
}

int steer_route_cmp(const struct steer_route_route *a,
		    const struct steer_route_route *b)
{
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	return cmp_prefix(&a->prefix, &b->prefix);
}

int steer_route_rule_cmp(const struct steer_route_rule *a,
			 const struct steer_route_rule *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	if (a->mark != b->mark)
		return a->mark < b->mark ? -1 : 1;
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	return 0;
}

static int qcmp_route(const void *a, const void *b)
{
	return steer_route_cmp(a, b);
}

static int qcmp_rule(const void *a, const void *b)
{
	return steer_route_rule_cmp(a, b);
}

void steer_route_sort_routes(struct steer_route_route *r, size_t n)
{
	if (n > 1)
		qsort(r, n, sizeof(*r), qcmp_route);
}

void steer_route_sort_rules(struct steer_route_rule *r, size_t n)
{
	if (n > 1)
		qsort(r, n, sizeof(*r), qcmp_rule);
}

/* ---- desired ---- */

/* Growable arrays; a failed allocation sets oom and drops the entry. */
struct build {
	struct steer_route_desired *d;
	const bool *have_if;
	size_t cap_routes, cap_rules, cap_dst, cap_centers;
	bool oom;
};

static void *grow(void *v, size_t *cap, size_t n, size_t size, bool *oom)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return v;
	ncap = *cap ? *cap * 2 : 8;
	nv = realloc(v, ncap * size);
	if (!nv) {
		*oom = true;
		return NULL;
	}
	*cap = ncap;
	return nv;
}

static void add_route(struct build *b, uint32_t table,
		      const struct mep_prefix *p, const char *ifname, int gw)
{
	struct steer_route_desired *d = b->d;
	struct steer_route_route *r;
	struct steer_route_route *v;

	for (size_t i = 0; i < d->n_routes; i++)
		if (d->routes[i].table == table &&
		    mep_prefix_equal(&d->routes[i].prefix, p))
			return;	/* the first destination's wins */
	v = grow(d->routes, &b->cap_routes, d->n_routes, sizeof(*v), &b->oom);
	if (!v)
		return;
	d->routes = v;
	r = &d->routes[d->n_routes++];
	memset(r, 0, sizeof(*r));
	r->table = table;
	r->prefix = mep_prefix_masked(p);
	snprintf(r->ifname, sizeof(r->ifname), "%s", ifname);
	r->gateway = gw;
}

static void add_rule(struct build *b, uint32_t prio, uint32_t mark,
		     uint32_t table, uint8_t family)
{
	struct steer_route_desired *d = b->d;
	struct steer_route_rule r = { .priority = prio, .mark = mark,
				      .table = table, .family = family };
	struct steer_route_rule *v;

	for (size_t i = 0; i < d->n_rules; i++)
		if (steer_route_rule_cmp(&d->rules[i], &r) == 0)
			return;
	v = grow(d->rules, &b->cap_rules, d->n_rules, sizeof(*v), &b->oom);
	if (!v)
		return;
	d->rules = v;
	d->rules[d->n_rules++] = r;
}

static void add_pair_dst(struct build *b, const struct mep_prefix *p)
{
	struct steer_route_desired *d = b->d;
	struct mep_prefix *v;

	for (size_t i = 0; i < d->n_pair_dst; i++)
		if (mep_prefix_equal(&d->pair_dst[i], p))
			return;
	v = grow(d->pair_dst, &b->cap_dst, d->n_pair_dst, sizeof(*v),
		 &b->oom);
	if (!v)
		return;
	d->pair_dst = v;
	d->pair_dst[d->n_pair_dst++] = mep_prefix_masked(p);
}

static struct steer_route_center *find_center(struct steer_route_desired *d,
					      int gw)
{
	for (size_t i = 0; i < d->n_centers; i++)
		if (d->centers[i].gateway == gw)
			return &d->centers[i];
	return NULL;
}

static void add_center(struct build *b, const struct mep_config *cfg,
		       const struct mep_liveness *live, int gw)
{
	struct steer_route_desired *d = b->d;
	struct steer_route_center *v;
	size_t i;

	if (find_center(d, gw))
		return;
	v = grow(d->centers, &b->cap_centers, d->n_centers, sizeof(*v),
		 &b->oom);
	if (!v)
		return;
	d->centers = v;
	/* by gateway index: the same order whatever the input order */
	for (i = d->n_centers; i > 0 && d->centers[i - 1].gateway > gw; i--)
		d->centers[i] = d->centers[i - 1];
	d->centers[i] = (struct steer_route_center){
		.gateway = gw,
		.mark = steer_route_table_of(cfg, gw),
		.responding = live[gw].state == MEP_LIVE_UP &&
			      !live[gw].drain &&
			      (!b->have_if || b->have_if[gw]),
	};
	d->n_centers++;
}

static bool responds(const struct mep_liveness *live, int gw)
{
	return live[gw].state == MEP_LIVE_UP && !live[gw].drain;
}

/* A destination with one entry point. */
static void dest_single(struct build *b, const struct mep_config *cfg,
			const struct mep_liveness *live,
			const struct steer_route_input *in,
			struct steer_route_dest *ds)
{
	const struct mep_result *r = in->result;
	char ifname[16], pfx[MEP_PREFIX_STRLEN];
	int gw = r->gateway;

	if (r->status != MEP_RESOLVED || gw < 0 ||
	    (size_t)gw >= cfg->n_gateways) {
		ds->failed = true;
		snprintf(ds->reason, sizeof(ds->reason), "%s",
			 r->status == MEP_NO_RESPONDER
				 ? "no center responds"
				 : mep_status_name(r->status));
		return;
	}
	if (!responds(live, gw)) {
		ds->failed = true;
		snprintf(ds->reason, sizeof(ds->reason),
			 "%s does not respond", cfg->gateways[gw].name);
		return;
	}
	if (!cfg->gateways[gw].if_id) {
		ds->failed = true;
		snprintf(ds->reason, sizeof(ds->reason),
			 "%s has no if-id", cfg->gateways[gw].name);
		return;
	}
	mep_gateway_steer_ifname(&cfg->gateways[gw], ifname);
	if (b->have_if && !b->have_if[gw]) {
		b->d->missing_if = true;
		ds->failed = true;
		snprintf(ds->reason, sizeof(ds->reason),
			 "interface %s of %s does not exist", ifname,
			 cfg->gateways[gw].name);
		return;
	}
	ds->gateway = gw;
	add_route(b, cfg->steering.table, &in->destination, ifname, gw);
	add_rule(b, STEER_ROUTE_PREF_TABLE, 0, cfg->steering.table,
		 in->destination.family);
	snprintf(ds->via, sizeof(ds->via), "route %s dev %s table %" PRIu32,
		 mep_prefix_str(&in->destination, pfx, sizeof(pfx)), ifname,
		 cfg->steering.table);
}

/* A destination chosen per pair: its candidates' tables and rules. */
static void dest_pair(struct build *b, const struct mep_config *cfg,
		      const struct mep_liveness *live,
		      const struct steer_route_input *in,
		      struct steer_route_dest *ds)
{
	const struct mep_result *r = in->result;
	char ifname[16];
	size_t n = 0;

	ds->per_pair = true;
	for (size_t i = 0; i < r->n_candidates; i++) {
		int gw = r->candidates[i].gateway;
		uint32_t t = steer_route_table_of(cfg, gw);

		if (r->candidates[i].rank == MEP_RANK_NONE || !t)
			continue;
		if (b->have_if && !b->have_if[gw]) {
			/* shown, holds no bucket, no route to a missing
			 * interface */
			add_center(b, cfg, live, gw);
			b->d->missing_if = true;
			continue;
		}
		mep_gateway_steer_ifname(&cfg->gateways[gw], ifname);
		add_route(b, t, &in->destination, ifname, gw);
		add_rule(b, STEER_ROUTE_PREF_MARK, t, t,
			 in->destination.family);
		add_center(b, cfg, live, gw);
		n++;
	}
	add_pair_dst(b, &in->destination);
	if (!n) {
		ds->failed = true;
		snprintf(ds->reason, sizeof(ds->reason),
			 "no candidate center has an if-id");
	}
}

/* "256 buckets: M1 86 (mark 0xd3 table 211 dev xfrm-1), ..." for a
 * per-pair destination, once the buckets are assigned. */
static void pair_via(const struct mep_config *cfg,
		     const struct steer_route_desired *d,
		     const struct steer_route_input *in,
		     struct steer_route_dest *ds)
{
	size_t len = 0, up = 0, shown = 0;
	char ifname[16];

	len += (size_t)snprintf(ds->via, sizeof(ds->via), "%" PRIu32
				" buckets:", d->n_buckets);
	for (size_t i = 0; i < in->result->n_candidates; i++) {
		int gw = in->result->candidates[i].gateway;
		const struct steer_route_center *c = NULL;

		for (size_t k = 0; k < d->n_centers; k++)
			if (d->centers[k].gateway == gw)
				c = &d->centers[k];
		if (!c || in->result->candidates[i].rank == MEP_RANK_NONE)
			continue;
		if (c->buckets)
			up++;
		if (len < sizeof(ds->via))
			len += (size_t)snprintf(
				ds->via + len, sizeof(ds->via) - len,
				"%s %s %" PRIu32 " -> mark 0x%" PRIx32
				" table %" PRIu32 " dev %s",
				shown++ ? "," : "",
				cfg->gateways[gw].name, c->buckets, c->mark,
				c->mark,
				mep_gateway_steer_ifname(&cfg->gateways[gw],
							 ifname));
	}
	if (!ds->failed && !up) {
		ds->failed = true;
		snprintf(ds->reason, sizeof(ds->reason),
			 "no center responds");
	}
}

int steer_route_desired(const struct mep_config *cfg,
			const struct mep_liveness *live, const bool *have_if,
			const struct steer_route_input *in, size_t n_in,
			struct steer_route_desired *out)
{
	struct build b = { .d = out, .have_if = have_if };
	int *cand = NULL;
	size_t nc = 0;

	memset(out, 0, sizeof(*out));
	out->n_buckets = cfg->steering.buckets;
	if (n_in) {
		out->dests = calloc(n_in, sizeof(*out->dests));
		if (!out->dests)
			goto oom;
	}
	for (size_t i = 0; i < n_in; i++) {
		struct steer_route_dest *ds = &out->dests[out->n_dests];

		if (in[i].community < 0 || !in[i].result ||
		    !steer_route_applies(cfg, (size_t)in[i].community))
			continue;
		ds->community = in[i].community;
		ds->destination = in[i].destination;
		ds->gateway = -1;
		if (mep_community_per_pair(cfg, (size_t)in[i].community))
			dest_pair(&b, cfg, live, &in[i], ds);
		else
			dest_single(&b, cfg, live, &in[i], ds);
		out->n_dests++;
	}
	if (b.oom)
		goto oom;
	if (out->n_pair_dst) {
		out->bucket_mark = calloc(out->n_buckets, sizeof(uint32_t));
		cand = calloc(out->n_centers + 1, sizeof(int));
		if (!out->bucket_mark || !cand)
			goto oom;
		for (size_t k = 0; k < out->n_centers; k++)
			if (out->centers[k].responding)
				cand[nc++] = out->centers[k].gateway;
		for (uint32_t bk = 0; bk < out->n_buckets; bk++) {
			int gw = steer_route_bucket_owner(cfg, cand, nc, bk);
			struct steer_route_center *c =
				gw < 0 ? NULL : find_center(out, gw);

			if (!c)
				continue;
			out->bucket_mark[bk] = c->mark;
			c->buckets++;
		}
		free(cand);
		for (size_t i = 0, k = 0; i < n_in && k < out->n_dests; i++) {
			if (in[i].community != out->dests[k].community ||
			    !mep_prefix_equal(&in[i].destination,
					      &out->dests[k].destination))
				continue;
			if (out->dests[k].per_pair)
				pair_via(cfg, out, &in[i], &out->dests[k]);
			k++;
		}
	}
	steer_route_sort_routes(out->routes, out->n_routes);
	steer_route_sort_rules(out->rules, out->n_rules);
	return 0;
oom:
	free(cand);
	steer_route_desired_free(out);
	return -1;
}

void steer_route_desired_free(struct steer_route_desired *d)
{
	free(d->routes);
	free(d->rules);
	free(d->bucket_mark);
	free(d->pair_dst);
	free(d->centers);
	free(d->dests);
	memset(d, 0, sizeof(*d));
}

/* ---- diffs ---- */

void steer_route_diff_routes(const struct steer_route_route *want, size_t nw,
			     const struct steer_route_route *have, size_t nh,
			     steer_route_put_fn put, steer_route_del_fn del,
			     void *arg)
{
	size_t i = 0, j = 0;

	while (i < nw || j < nh) {
		int c = i == nw	  ? 1
			: j == nh ? -1
				  : steer_route_cmp(&want[i], &have[j]);

		if (c < 0) {
			put(arg, &want[i++], NULL);
		} else if (c > 0) {
			del(arg, &have[j++]);
		} else {
			if (strcmp(want[i].ifname, have[j].ifname) != 0)
				put(arg, &want[i], &have[j]);
			i++;
			j++;
		}
	}
}

void steer_route_diff_rules(const struct steer_route_rule *want, size_t nw,
			    const struct steer_route_rule *have, size_t nh,
			    steer_route_rule_fn add, steer_route_rule_fn del,
			    void *arg)
{
	size_t i = 0, j = 0;

	while (i < nw || j < nh) {
		int c = i == nw	  ? 1
			: j == nh ? -1
				  : steer_route_rule_cmp(&want[i], &have[j]);

		if (c < 0)
			add(arg, &want[i++]);
		else if (c > 0)
			del(arg, &have[j++]);
		else
			i++, j++;
	}
}

/* ---- nftables text ---- */

#define T "inet " STEER_ROUTE_NFT_TABLE

void steer_route_nft_table(struct strbuf *out, uint32_t n)
{
	static const char *const chains[2][2] = {
		{ "prerouting", "type filter hook prerouting priority mangle" },
		{ "output", "type route hook output priority mangle" },
	};

	strbuf_puts(out, "add table " T " { comment \"" STEER_ROUTE_NFT_COMMENT
			 "\"; }\n");
	strbuf_puts(out, "add set " T " dst4 { type ipv4_addr; "
			 "flags interval; auto-merge; }\n");
	strbuf_puts(out, "add set " T " dst6 { type ipv6_addr; "
			 "flags interval; auto-merge; }\n");
	/* numgen's typeof gives the map the integer key of jhash's result
	 * (nft 1.0.6 cannot list a map typed by jhash itself). */
	strbuf_printf(out, "add map " T " buckets { typeof numgen inc mod %"
			   PRIu32 " : meta mark; }\n", n);
	for (int c = 0; c < 2; c++) {
		strbuf_printf(out, "add chain " T " %s { %s; policy accept; }\n",
			      chains[c][0], chains[c][1]);
		strbuf_printf(out, "flush chain " T " %s\n", chains[c][0]);
		strbuf_printf(out, "add rule " T " %s ip daddr @dst4 meta mark set "
				   "jhash ip saddr . ip daddr mod %" PRIu32
				   " seed 0x%x map @buckets\n",
			      chains[c][0], n, STEER_ROUTE_NFT_SEED);
		strbuf_printf(out, "add rule " T " %s ip6 daddr @dst6 meta mark set "
				   "jhash ip6 saddr . ip6 daddr mod %" PRIu32
				   " seed 0x%x map @buckets\n",
			      chains[c][0], n, STEER_ROUTE_NFT_SEED);
	}
}

void steer_route_nft_dst(struct strbuf *out, const struct mep_prefix *dst,
			 size_t n)
{
	char pfx[MEP_PREFIX_STRLEN];

	for (int f = 0; f < 2; f++) {
		uint8_t family = f ? AF_INET6 : AF_INET;
		const char *set = f ? "dst6" : "dst4";
		bool any = false;

		strbuf_printf(out, "flush set " T " %s\n", set);
		for (size_t i = 0; i < n; i++) {
			if (dst[i].family != family)
				continue;
			if (!any)
				strbuf_printf(out, "add element " T " %s { ", set);
			else
				strbuf_puts(out, ", ");
			strbuf_puts(out, mep_prefix_str(&dst[i], pfx,
							sizeof(pfx)));
			any = true;
		}
		if (any)
			strbuf_puts(out, " }\n");
	}
}

uint32_t steer_route_nft_buckets(struct strbuf *out, const uint32_t *want,
				 const uint32_t *have, uint32_t n)
{
	uint32_t changed = 0, k;
	bool first;

	if (!have) {
		strbuf_puts(out, "flush map " T " buckets\n");
		first = true;
		for (k = 0; k < n; k++) {
			if (!want[k])
				continue;
			strbuf_printf(out, "%s%" PRIu32 " : 0x%" PRIx32,
				      first ? "add element " T " buckets { "
					    : ", ",
				      k, want[k]);
			first = false;
		}
		if (!first)
			strbuf_puts(out, " }\n");
		return n;
	}
	first = true;
	for (k = 0; k < n; k++) {
		if (want[k] == have[k] || !have[k])
			continue;
		strbuf_printf(out, "%s%" PRIu32,
			      first ? "delete element " T " buckets { " : ", ",
			      k);
		first = false;
	}
	if (!first)
		strbuf_puts(out, " }\n");
	first = true;
	for (k = 0; k < n; k++) {
		if (want[k] == have[k])
			continue;
		changed++;
		if (!want[k])
			continue;
		strbuf_printf(out, "%s%" PRIu32 " : 0x%" PRIx32,
			      first ? "add element " T " buckets { " : ", ", k,
			      want[k]);
		first = false;
	}
	if (!first)
		strbuf_puts(out, " }\n");
	return changed;
}

int steer_route_parse_buckets(const char *listing, uint32_t *marks,
			      uint32_t n)
{
	const char *p = strstr(listing, "map buckets");
	const char *end;

	memset(marks, 0, n * sizeof(*marks));
	if (!p)
		return -1;
	p = strstr(p, "elements = {");
	if (!p)
		return 0;	/* an empty map lists no elements */
	p += strlen("elements = {");
	end = strchr(p, '}');
	if (!end)
		return -1;
	while (p < end) {
		char *q;
		unsigned long long k, m;

		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
				   *p == ','))
			p++;
		if (p >= end)
			break;
		k = strtoull(p, &q, 0);
		if (q == p)
			return -1;
		p = q;
		while (p < end && *p == ' ')
			p++;
		if (p >= end || *p != ':')
			return -1;
		p++;
		m = strtoull(p, &q, 0);
		if (q == p || k >= n || m > UINT32_MAX)
			return -1;
		marks[k] = (uint32_t)m;
		p = q;
	}
	return 0;
}
