/* state: build mep-state and resolve-output trees from the daemon. */
#include "state.h"
#include "steer_route_io.h"
#include "steer_child_io.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nat.h"
#include "nat_rules.h"
#include "probe_io.h"

/* Create path (absolute) with value under the tree rooted at *root;
 * output selects the rpc output nodes of the path's operation. */
static void vput(const struct ly_ctx *ctx, struct lyd_node **root,
		 const char *value, bool output, const char *fmt, va_list ap)
{
	char path[1024];
	struct lyd_node *node = NULL;

	vsnprintf(path, sizeof(path), fmt, ap);
	lyd_new_path(*root, ctx, path, value,
		     LYD_NEW_PATH_UPDATE | (output ? LYD_NEW_PATH_OUTPUT : 0),
		     &node);
	if (!*root && node) {
		while (lyd_parent(node))
			node = lyd_parent(node);
		*root = node;
	}
}

static void put(const struct ly_ctx *ctx, struct lyd_node **root,
		const char *value, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(const struct ly_ctx *ctx, struct lyd_node **root,
		const char *value, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput(ctx, root, value, false, fmt, ap);
	va_end(ap);
}

static void put_output(const struct ly_ctx *ctx, struct lyd_node **root,
		       const char *value, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put_output(const struct ly_ctx *ctx, struct lyd_node **root,
		       const char *value, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput(ctx, root, value, true, fmt, ap);
	va_end(ap);
}

static const char *iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!t) {
		snprintf(buf, len, "never");
		return buf;
	}
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm);
	return buf;
}

static const char *u32(uint32_t v, char *buf)
{
	snprintf(buf, 16, "%u", v);
	return buf;
}

static bool is_role(const struct mep_config *cfg, int gw, enum mep_role role)
{
	for (size_t i = 0; i < cfg->n_communities; i++)
		if (mep_community_role(&cfg->communities[i], gw) == role)
			return true;
	return false;
}

static void list_names(const struct ly_ctx *ctx, struct lyd_node **root,
		       const struct mep_config *cfg, const char *comm,
		       const char *leaf, const struct mep_gw_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		char path[512];

		snprintf(path, sizeof(path),
			 "/ripd-mep:mep-state/community[name='%s']/%s", comm,
			 leaf);
		lyd_new_path(*root, ctx, path, cfg->gateways[l->idx[i]].name,
			     0, NULL);
	}
}

static void build_summary(const struct daemon *d, struct lyd_node **root)
{
	const struct mep_config *cfg = &d->cfg;
	static const struct {
		enum mep_role role;
		const char *name;
	} roles[] = { { MEP_ROLE_CENTER, "center" },
		      { MEP_ROLE_SATELLITE, "satellite" },
		      { MEP_ROLE_MEMBER, "member" } };
	char t[64];

	put(d->ctx, root, NULL, "/ripd-mep:mep-state");
	if (cfg->local_gateway >= 0) {
		put(d->ctx, root, cfg->gateways[cfg->local_gateway].name,
		    "/ripd-mep:mep-state/local-gateway");
		for (size_t r = 0; r < sizeof(roles) / sizeof(*roles); r++)
			if (is_role(cfg, cfg->local_gateway, roles[r].role))
				lyd_new_path(*root, d->ctx,
					     "/ripd-mep:mep-state/role",
					     roles[r].name, 0, NULL);
	}
	put(d->ctx, root, d->config_path, "/ripd-mep:mep-state/config-file");
	put(d->ctx, root, iso_time(d->config_loaded, t, sizeof(t)),
	    "/ripd-mep:mep-state/config-loaded");
	if (d->ipsec) {
		char st[64];

		put(d->ctx, root, ipsec_engine_status(d->ipsec, st, sizeof(st)),
		    "/ripd-mep:mep-state/ipsec-engine");
		put(d->ctx, root, rim_sync_backend(rim_feed_sync(d->rim)),
		    "/ripd-mep:mep-state/rim-backend");
	}
	put(d->ctx, root, d->drain ? "true" : "false",
	    "/ripd-mep:mep-state/draining");
}

static void build_tunnels(const struct daemon *d, struct lyd_node **root)
{
	const struct tunnel_table *t;
	const struct tunnels_entry *c;
	size_t pos = 0;

	if (!d->ipsec)
		return;
	t = ipsec_engine_tunnels(d->ipsec);
	while ((c = tunnels_next(t, &pos)) != NULL) {
		const struct mep_prefix *lts = tunnels_entry_local_ts(c);
		const struct mep_prefix *rts = tunnels_entry_remote_ts(c);
		char key[128], pfx[MEP_PREFIX_STRLEN], tm[64];

		snprintf(key, sizeof(key),
			 "/ripd-mep:mep-state/tunnel[ike-id='%u'][child-id='%u']",
			 c->ike_id, c->child_id);
		put(d->ctx, root,
		    c->gateway >= 0 && (size_t)c->gateway < d->cfg.n_gateways
			    ? d->cfg.gateways[c->gateway].name
			    : "(unknown)",
		    "%s/gateway", key);
		put(d->ctx, root, tunnels_entry_remote_host(c),
		    "%s/remote-address", key);
		put(d->ctx, root, tunnels_entry_state(c), "%s/state", key);
		for (size_t k = 0; k < c->n_local_ts; k++)
			put(d->ctx, root,
			    mep_prefix_str(&lts[k], pfx, sizeof(pfx)),
			    "%s/local-ts", key);
		for (size_t k = 0; k < c->n_remote_ts; k++)
			put(d->ctx, root,
			    mep_prefix_str(&rts[k], pfx, sizeof(pfx)),
			    "%s/remote-ts", key);
		put(d->ctx, root, iso_time(c->since, tm, sizeof(tm)),
		    "%s/since", key);
	}
}

/* The routes a silent satellite's tunnels would inject (state withdrawn)
 * and every rim peer's state. */
static void build_rim_peers(const struct daemon *d, struct lyd_node **root)
{
	static const char *const leaf[] = {
		[RIM_PEER_TUNNEL_UP] = "tunnel-up",
		[RIM_PEER_TUNNEL_DOWN] = "tunnel-down",
		[RIM_PEER_SILENT] = "satellite-silent",
	};
	const struct rim_ignored_list *sil = rim_feed_silenced(d->rim);
	const struct mep_config *cfg = &d->cfg;
	enum rim_peer_state *st;
	uint8_t *silent;

	for (size_t i = 0; i < sil->n; i++) {
		const struct rim_ignored *g = &sil->v[i];
		char key[128], pfx[MEP_PREFIX_STRLEN];

		snprintf(key, sizeof(key),
			 "/ripd-mep:mep-state/route[prefix='%s']",
			 mep_prefix_str(&g->prefix, pfx, sizeof(pfx)));
		/* injected for another peer: that route is shown */
		if (*root && lyd_find_path(*root, key, 0, NULL) == LY_SUCCESS)
			continue;
		if (g->gateway >= 0 && (size_t)g->gateway < cfg->n_gateways)
			put(d->ctx, root, cfg->gateways[g->gateway].name,
			    "%s/gateway", key);
		put(d->ctx, root, "withdrawn", "%s/state", key);
		put(d->ctx, root, rim_ignore_reason_str(g->reason),
		    "%s/reason", key);
	}
	if (!cfg->n_gateways)
		return;
	st = calloc(cfg->n_gateways, sizeof(*st));
	silent = calloc(cfg->n_gateways, 1);
	if (st && silent) {
		probe_io_fill_silent(d->probe, silent, cfg->n_gateways);
		if (rim_peer_states(cfg, cfg->local_gateway,
				    ipsec_engine_tunnels(d->ipsec), silent,
				    st) < 0)
			cfg = NULL;
	}
	for (size_t g = 0; st && silent && cfg && g < cfg->n_gateways; g++)
		if (st[g] != RIM_PEER_NONE)
			put(d->ctx, root, leaf[st[g]],
			    "/ripd-mep:mep-state/rim-peer[name='%s']/state",
			    cfg->gateways[g].name);
	free(st);
	free(silent);
}

static void build_routes(const struct daemon *d, struct lyd_node **root)
{
	const struct rim_sync *rs;

	if (!d->ipsec)
		return;
	rs = rim_feed_sync(d->rim);
	for (size_t i = 0; i < rim_sync_count(rs); i++) {
		const struct rim_sync_state *st;
		const struct rim_route *r = rim_sync_route_at(rs, i, &st);
		char key[128], pfx[MEP_PREFIX_STRLEN], num[16];

		snprintf(key, sizeof(key),
			 "/ripd-mep:mep-state/route[prefix='%s']",
			 mep_prefix_str(&r->prefix, pfx, sizeof(pfx)));
		if (r->gateway >= 0 && (size_t)r->gateway < d->cfg.n_gateways)
			put(d->ctx, root, d->cfg.gateways[r->gateway].name,
			    "%s/gateway", key);
		put(d->ctx, root, u32(r->distance, num), "%s/distance", key);
		put(d->ctx, root, u32(r->metric, num), "%s/metric", key);
		put(d->ctx, root, u32(r->tag, num), "%s/tag", key);
		put(d->ctx, root, rim_route_state_name(st->state), "%s/state",
		    key);
		if (st->error)
			put(d->ctx, root, st->error, "%s/error", key);
	}
	build_rim_peers(d, root);
}

/* The community's MEP as the model names it: primary-backup is implicit
 * MEP (SPEC.md), one definition with the rules and resolve. */
static const char *community_mep(const struct mep_config *cfg, size_t ci)
{
	switch (mep_community_kind(cfg, ci)) {
	case MEP_KIND_EXPLICIT:
		return "explicit";
	case MEP_KIND_IMPLICIT:
	case MEP_KIND_PRIMARY_BACKUP:
		return "implicit";
	case MEP_KIND_NONE:
		break;
	}
	return "none";
}

static void build_communities(const struct daemon *d, struct lyd_node **root)
{
	const struct mep_config *cfg = &d->cfg;

	for (size_t i = 0; i < cfg->n_communities; i++) {
		const struct mep_community *c = &cfg->communities[i];
		const char *base = "/ripd-mep:mep-state/community[name='%s']/%s";
		char p[512];

#define CPUT(leaf, val)                                                        \
	do {                                                                   \
		snprintf(p, sizeof(p), base, c->name, leaf);                   \
		put(d->ctx, root, val, "%s", p);                               \
	} while (0)
		CPUT("type", c->type == MEP_COMMUNITY_STAR ? "star" : "meshed");
		CPUT("mep", community_mep(cfg, i));
		if (c->mep_enabled) {
			CPUT("entry-point", mep_method_name(c->method));
			CPUT("tie-break", mep_tie_break_name(c->tie_break));
		}
		CPUT("return-path", mep_return_path_name(c->return_path));
		CPUT("return-path-source",
		     c->return_path_set		? "configured"
		     : c->return_path == MEP_RETURN_RIM ? "default-rim-block"
							: "default-no-rim-block");
		CPUT("steering", mep_steering_name(c->steering));
#undef CPUT
		list_names(d->ctx, root, cfg, c->name, "center", &c->centers);
		list_names(d->ctx, root, cfg, c->name, "satellite",
			   &c->satellites);
		list_names(d->ctx, root, cfg, c->name, "member", &c->members);
	}
}

static const char *u64(uint64_t v, char *buf)
{
	snprintf(buf, 24, "%llu", (unsigned long long)v);
	return buf;
}

/* What the prober of gateway n says (nothing when not probed). */
static void gateway_probe(const struct daemon *d, struct lyd_node **root,
			  const char *n)
{
	const struct probe_io_peer *pp = probe_io_peer_of(d->probe, n);
	char num[24];

	put(d->ctx, root, pp ? "true" : "false",
	    "/ripd-mep:mep-state/gateway[name='%s']/probed", n);
	if (!pp)
		return;
	if (pp->pr.has_rtt) {
		put(d->ctx, root, u32(pp->pr.srtt_us, num),
		    "/ripd-mep:mep-state/gateway[name='%s']/srtt-us", n);
		put(d->ctx, root, u32(pp->pr.rttvar_us, num),
		    "/ripd-mep:mep-state/gateway[name='%s']/rttvar-us", n);
	}
	put(d->ctx, root, u64(pp->pr.count.lost, num),
	    "/ripd-mep:mep-state/gateway[name='%s']/losses", n);
	put(d->ctx, root, u32(pp->pr.miss_run, num),
	    "/ripd-mep:mep-state/gateway[name='%s']/consecutive-losses", n);
}

/* YANG leaves of the causes (probe-rejects), by enum probe_cause. */
static const char *const cause_leaf[PROBE_CAUSE_COUNT] = {
	[PROBE_CAUSE_TRUNCATED] = "truncated",
	[PROBE_CAUSE_OVERSIZED] = "oversized",
	[PROBE_CAUSE_VERSION] = "version",
	[PROBE_CAUSE_HMAC] = "hmac",
	[PROBE_CAUSE_UNKNOWN_SENDER] = "unknown-sender",
	[PROBE_CAUSE_REPLAY] = "replay",
	[PROBE_CAUSE_RATE_LIMIT] = "rate-limit",
	[PROBE_CAUSE_NEVER_SENT] = "never-sent",
	[PROBE_CAUSE_LATE] = "late",
};

static void put_rejects(const struct daemon *d, struct lyd_node **root,
			const char *where, const struct probe_rejects *r)
{
	char num[24];

	for (int c = 0; c < PROBE_CAUSE_COUNT; c++)
		put(d->ctx, root, u64(r->n[c], num), "%s/rejected/%s", where,
		    cause_leaf[c]);
}

static void build_probes(const struct daemon *d, struct lyd_node **root)
{
	const struct responder *r = probe_io_responder(d->probe);
	struct probe_rejects total = { { 0 } };
	uint64_t now = probe_io_now_us();
	char key[256], num[24];

	for (size_t i = 0; i < probe_io_n_peers(d->probe); i++) {
		const struct probe_io_peer *pp = probe_io_peer_at(d->probe, i);
		const struct mep_gateway *g;

		/* peers of an older configuration (a failed reconfigure)
		 * may name gateways that are gone */
		if (pp->gw < 0 || (size_t)pp->gw >= d->cfg.n_gateways)
			continue;
		g = &d->cfg.gateways[pp->gw];

		snprintf(key, sizeof(key),
			 "/ripd-mep:mep-state/probe-peer[name='%s']", pp->name);
		put(d->ctx, root, "center", "%s/role", key);
		put(d->ctx, root, g->address, "%s/address", key);
		put(d->ctx, root, u64(pp->pr.count.sent, num), "%s/sent", key);
		put(d->ctx, root, u64(pp->pr.count.answered, num),
		    "%s/answered", key);
		put(d->ctx, root, u64(pp->pr.count.lost, num), "%s/lost", key);
		put(d->ctx, root, mep_liveness_name(pp->pr.state),
		    "%s/liveness", key);
		put_rejects(d, root, key, &pp->pr.count.rejected);
		for (int c = 0; c < PROBE_CAUSE_COUNT; c++)
			total.n[c] += pp->pr.count.rejected.n[c];
	}
	for (size_t i = 0; r && i < r->n_peer; i++) {
		const struct responder_peer *sp = &r->peer[i];

		if (sp->gw < 0 || (size_t)sp->gw >= d->cfg.n_gateways)
			continue;

		snprintf(key, sizeof(key),
			 "/ripd-mep:mep-state/probe-peer[name='%s']", sp->name);
		put(d->ctx, root, "satellite", "%s/role", key);
		put(d->ctx, root, d->cfg.gateways[sp->gw].address,
		    "%s/address", key);
		put(d->ctx, root, u64(sp->answered, num), "%s/answered", key);
		if (sp->heard) {
			time_t ago_s = (time_t)((now - sp->last_heard_us) /
						1000000u);
			char t[64];

			put(d->ctx, root, iso_time(time(NULL) - ago_s, t,
						   sizeof(t)),
			    "%s/last-heard", key);
			put(d->ctx, root,
			    u64((now - sp->last_heard_us) / 1000u, num),
			    "%s/last-heard-ago-ms", key);
		} else {
			put(d->ctx, root, "never", "%s/last-heard", key);
		}
		put(d->ctx, root, sp->silent ? "true" : "false", "%s/silent",
		    key);
		put_rejects(d, root, key, &sp->rejected);
	}
	if (!r)
		return;
	for (int c = 0; c < PROBE_CAUSE_COUNT; c++)
		total.n[c] += r->count.rejected.n[c] +
			      probe_io_rejects(d->probe)->n[c];
	put(d->ctx, root, u64(r->count.received, num),
	    "/ripd-mep:mep-state/probe-totals/received");
	put(d->ctx, root, u64(r->count.answered, num),
	    "/ripd-mep:mep-state/probe-totals/answered");
	put_rejects(d, root, "/ripd-mep:mep-state/probe-totals", &total);
}

static void build_gateways(const struct daemon *d, struct lyd_node **root)
{
	const struct mep_config *cfg = &d->cfg;

	for (size_t i = 0; i < cfg->n_gateways; i++) {
		const struct liveness_record *g = liveness_get(&d->live, (int)i);
		const struct mep_liveness *v = &liveness_view(&d->live)[i];
		const char *n = cfg->gateways[i].name;
		char t[64], num[16];

		put(d->ctx, root, cfg->gateways[i].address[0]
					  ? cfg->gateways[i].address
					  : "",
		    "/ripd-mep:mep-state/gateway[name='%s']/address", n);
		put(d->ctx, root,
		    (int)i == cfg->local_gateway ? "true" : "false",
		    "/ripd-mep:mep-state/gateway[name='%s']/local", n);
		put(d->ctx, root, mep_liveness_name(v->state),
		    "/ripd-mep:mep-state/gateway[name='%s']/liveness", n);
		if (v->state == MEP_LIVE_UP && v->rtt_us)
			put(d->ctx, root, u32(v->rtt_us, num),
			    "/ripd-mep:mep-state/gateway[name='%s']/rtt-us",
			    n);
		put(d->ctx, root, mep_verdict_source_name(v->source),
		    "/ripd-mep:mep-state/gateway[name='%s']/verdict-source",
		    n);
		put(d->ctx, root, g->override.set ? "true" : "false",
		    "/ripd-mep:mep-state/gateway[name='%s']/override", n);
		put(d->ctx, root, iso_time(g->last_change, t, sizeof(t)),
		    "/ripd-mep:mep-state/gateway[name='%s']/last-change", n);
		put(d->ctx, root,
		    ((int)i == cfg->local_gateway ? d->drain : g->drain)
			    ? "true"
			    : "false",
		    "/ripd-mep:mep-state/gateway[name='%s']/draining", n);
		gateway_probe(d, root, n);
	}
}

/* Route steering's leaves of an entry point (steer_route_io). */
static void steer_route_state_entry(const struct daemon *d,
				    struct lyd_node **root, const char *key,
				    const struct daemon_entry_point *e)
{
	const char *st, *via;
	time_t since;
	char t[64];

	if (!steer_route_io_show(d->steer_route, e->community,
				 &e->destination, &st, &via, &since))
		return;
	put(d->ctx, root, st, "%s/steering-state", key);
	if (via[0])
		put(d->ctx, root, via, "%s/steering-via", key);
	put(d->ctx, root, iso_time(since, t, sizeof(t)), "%s/steering-since",
	    key);
}

/* show mep steering: the tables, the centers of the buckets, the
 * routes. */
static void build_steering(const struct daemon *d, struct lyd_node **root)
{
	const struct mep_config *cfg = &d->cfg;
	const struct steer_route_desired *w =
		steer_route_io_desired(d->steer_route);
	const char *s = "/ripd-mep:mep-state/steering";
	char num[16], ifname[16], pfx[MEP_PREFIX_STRLEN];

	if (!steer_route_any(cfg))
		return;
	put(d->ctx, root, u32(cfg->steering.table, num), "%s/table", s);
	put(d->ctx, root, u32(cfg->steering.protocol, num), "%s/protocol", s);
	put(d->ctx, root, u32(cfg->steering.buckets, num), "%s/buckets", s);
	put(d->ctx, root, steer_route_io_nft_status(d->steer_route),
	    "%s/nft-table", s);
	if (steer_route_io_error(d->steer_route)[0])
		put(d->ctx, root, steer_route_io_error(d->steer_route),
		    "%s/error", s);
	for (size_t i = 0; w && i < w->n_centers; i++) {
		const struct steer_route_center *c = &w->centers[i];
		const char *n = cfg->gateways[c->gateway].name;

		put(d->ctx, root,
		    mep_gateway_steer_ifname(&cfg->gateways[c->gateway],
					     ifname),
		    "%s/center[name='%s']/interface", s, n);
		put(d->ctx, root, u32(c->mark, num), "%s/center[name='%s']/mark",
		    s, n);
		put(d->ctx, root, u32(c->mark, num),
		    "%s/center[name='%s']/table", s, n);
		put(d->ctx, root, c->responding ? "true" : "false",
		    "%s/center[name='%s']/responding", s, n);
		put(d->ctx, root, u32(c->buckets, num),
		    "%s/center[name='%s']/buckets", s, n);
	}
	for (size_t i = 0; w && i < w->n_routes; i++) {
		const struct steer_route_route *r = &w->routes[i];
		char key[256];

		snprintf(key, sizeof(key),
			 "%s/route[table='%u'][destination='%s']", s, r->table,
			 mep_prefix_str(&r->prefix, pfx, sizeof(pfx)));
		put(d->ctx, root, r->ifname, "%s/interface", key);
		if (r->gateway >= 0)
			put(d->ctx, root, cfg->gateways[r->gateway].name,
			    "%s/gateway", key);
	}
}

/* The steering leaves of an entry point (steering child-sa). */
static void steer_child_state_entry(const struct daemon *d, struct lyd_node **root,
		     const char *key, const struct mep_prefix *dst)
{
	struct steer_child_show sh;
	char t[64];

	if (!steer_child_io_show(d->steer, dst, &sh))
		return;
	put(d->ctx, root, sh.state_text, "%s/steering-state", key);
	if (sh.via[0])
		put(d->ctx, root, sh.via, "%s/steering-via", key);
	put(d->ctx, root, iso_time((time_t)sh.since, t, sizeof(t)),
	    "%s/steering-since", key);
}

static void build_entry_points(const struct daemon *d, struct lyd_node **root)
{
	const struct mep_config *cfg = &d->cfg;

	for (size_t i = 0; i < d->n_entry; i++) {
		const struct daemon_entry_point *e = &d->entry[i];
		const struct mep_result *r = &e->result;
		char pfx[MEP_PREFIX_STRLEN], key[512];
		bool per_pair = r->method == MEP_METHOD_RANDOM;

		snprintf(key, sizeof(key),
			 "/ripd-mep:mep-state/entry-point[community='%s']"
			 "[satellite='%s'][destination='%s']",
			 cfg->communities[e->community].name,
			 cfg->gateways[cfg->local_gateway].name,
			 mep_prefix_str(&e->destination, pfx, sizeof(pfx)));
		put(d->ctx, root, mep_kind_name(r->kind), "%s/mep", key);
		put(d->ctx, root, mep_result_method_name(r), "%s/method", key);
		if (per_pair) {
			put(d->ctx, root,
			    "chosen per source/destination pair (show mep "
			    "resolve)",
			    "%s/reason", key);
			steer_route_state_entry(d, root, key, e);
			continue;
		}
		steer_route_state_entry(d, root, key, e);
		if (r->gateway >= 0) {
			put(d->ctx, root, cfg->gateways[r->gateway].name,
			    "%s/gateway", key);
			put(d->ctx, root, mep_rank_name(r->rank), "%s/rank",
			    key);
		}
		put(d->ctx, root, r->reason, "%s/reason", key);
		steer_child_state_entry(d, root, key, &e->destination);
	}
}

struct lyd_node *state_build(const struct daemon *d, unsigned parts)
{
	struct lyd_node *root = NULL;

	put(d->ctx, &root, NULL, "/ripd-mep:mep-state");
	if (parts & STATE_SUMMARY)
		build_summary(d, &root);
	if (parts & STATE_COMMUNITIES)
		build_communities(d, &root);
	if (parts & STATE_GATEWAYS)
		build_gateways(d, &root);
	if (parts & STATE_ENTRY_POINTS)
		build_entry_points(d, &root);
	if (parts & STATE_TUNNELS)
		build_tunnels(d, &root);
	if (parts & STATE_ROUTES)
		build_routes(d, &root);
	if (parts & STATE_PROBES)
		build_probes(d, &root);
	if (parts & STATE_STEERING)
		build_steering(d, &root);
	return root;
}

/* show mep nat: each satellite's share of the pool. */
static void state_nat_satellites(const struct daemon *d,
				 const struct nat_account *a,
				 struct lyd_node **root)
{
	size_t n = d->cfg.n_gateways;
	uint64_t *src = calloc(n ? n : 1, sizeof(*src));
	uint64_t *conn = calloc(n ? n : 1, sizeof(*conn));
	char num[24];

	if (src && conn) {
		nat_account_per_satellite(a, n, src, conn);
		for (size_t i = 0; i < n; i++) {
			if (!src[i])
				continue;
			put(d->ctx, root, u64(src[i], num),
			    "/ripd-mep:mep-state/nat-satellite[name='%s']/sources",
			    d->cfg.gateways[i].name);
			put(d->ctx, root, u64(conn[i], num),
			    "/ripd-mep:mep-state/nat-satellite[name='%s']/connections",
			    d->cfg.gateways[i].name);
		}
	}
	free(src);
	free(conn);
}

struct lyd_node *state_nat(const struct daemon *d, const struct mep_addr *from,
			   size_t count)
{
	struct lyd_node *root = NULL;
	const struct nat_account *a;
	struct nat_mapping *page;
	const char *gw;
	char key[256], num[24], buf[MEP_PREFIX_STRLEN];
	size_t n;
	bool more;

	put(d->ctx, &root, NULL, "/ripd-mep:mep-state");
	if (!nat_on(d->nat))
		return root;
	gw = d->cfg.gateways[d->cfg.local_gateway].name;
	a = nat_accounting(d->nat);
	snprintf(key, sizeof(key), "/ripd-mep:mep-state/nat-pool[gateway='%s']",
		 gw);
	put(d->ctx, &root,
	    mep_prefix_str(&d->cfg.gateways[d->cfg.local_gateway].pool, buf,
			   sizeof(buf)),
	    "%s/prefix", key);
	put(d->ctx, &root, NAT_TABLE, "%s/table", key);
	put(d->ctx, &root, nat_status(d->nat), "%s/status", key);
	put(d->ctx, &root, u64(a->size, num), "%s/size", key);
	put(d->ctx, &root, u64(a->used, num), "%s/used", key);
	put(d->ctx, &root, u64(nat_account_free_count(a), num), "%s/free", key);
	put(d->ctx, &root, u64(a->peak, num), "%s/peak", key);
	put(d->ctx, &root, u64(a->addresses_in_use, num),
	    "%s/addresses-in-use", key);
	put(d->ctx, &root, u64(a->connections, num), "%s/connections", key);
	put(d->ctx, &root, u64(a->refused, num), "%s/refused", key);
	put(d->ctx, &root, u64(a->events_dropped, num), "%s/events-dropped",
	    key);
	state_nat_satellites(d, a, &root);
	page = count ? calloc(count, sizeof(*page)) : NULL;
	n = page ? nat_account_page(a, from, count, page, &more) : 0;
	put(d->ctx, &root, u64(n, num), "%s/mappings-shown", key);
	if (n && more) {
		struct mep_addr next = { .family = page[n - 1].key.family };

		/* the address after the last one shown */
		memcpy(next.addr, page[n - 1].key.addr, sizeof(next.addr));
		for (int i = (int)mep_family_bytes(next.family) - 1; i >= 0;
		     i--)
			if (++next.addr[i] != 0)
				break;
		put(d->ctx, &root, mep_addr_str(&next, buf, sizeof(buf)),
		    "%s/next-from", key);
	}
	for (size_t i = 0; i < n; i++) {
		const struct nat_mapping *m = &page[i];
		struct mep_addr src = { .family = m->key.family };
		char k2[256];

		memcpy(src.addr, m->key.addr, sizeof(src.addr));
		snprintf(k2, sizeof(k2),
			 "/ripd-mep:mep-state/nat-mapping[original-source='%s']",
			 mep_addr_str(&src, buf, sizeof(buf)));
		put(d->ctx, &root, mep_addr_str(&m->pool_addr, buf, sizeof(buf)),
		    "%s/pool-address", k2);
		put(d->ctx, &root,
		    m->satellite >= 0 &&
				    (size_t)m->satellite < d->cfg.n_gateways
			    ? d->cfg.gateways[m->satellite].name
			    : "",
		    "%s/satellite", k2);
		put(d->ctx, &root, u64(m->connections, num), "%s/connections",
		    k2);
	}
	free(page);
	return root;
}

struct lyd_node *state_resolve(const struct daemon *d,
			       const struct mep_query *q,
			       const struct mep_result *res)
{
	const struct mep_config *cfg = &d->cfg;
	struct lyd_node *root = NULL;
	char a[MEP_PREFIX_STRLEN], line[1024], num[16];
	const char *o = "/ripd-mep:resolve";

	put_output(d->ctx, &root, mep_addr_str(&q->src, a, sizeof(a)),
		   "%s/source", o);
	put_output(d->ctx, &root, mep_addr_str(&q->dst, a, sizeof(a)),
		   "%s/destination", o);
	if (q->satellite >= 0 && (size_t)q->satellite < cfg->n_gateways)
		put_output(d->ctx, &root, cfg->gateways[q->satellite].name,
			   "%s/satellite", o);
	if (res->community >= 0)
		put_output(d->ctx, &root, cfg->communities[res->community].name,
			   "%s/community", o);
	put_output(d->ctx, &root,
		   res->kind == MEP_KIND_PRIMARY_BACKUP ? "primary-backup"
							: mep_kind_name(res->kind),
		   "%s/mep", o);
	if (res->status != MEP_NO_DOMAIN && res->status != MEP_BAD_QUERY)
		put_output(d->ctx, &root, mep_result_method_name(res),
			   "%s/method", o);
	if (res->gateway >= 0) {
		put_output(d->ctx, &root, cfg->gateways[res->gateway].name,
			   "%s/entry-point", o);
		put_output(d->ctx, &root, mep_rank_name(res->rank), "%s/rank",
			   o);
		put_output(d->ctx, &root, res->responding ? "true" : "false",
			   "%s/responding", o);
	}
	put_output(d->ctx, &root, res->reason, "%s/reason", o);
	if (res->status == MEP_RESOLVED || res->status == MEP_NO_RESPONDER) {
		mep_tracking_line(cfg, q, res, line, sizeof(line));
		put_output(d->ctx, &root, line, "%s/tracking", o);
	}
	for (size_t i = 0; i < res->n_candidates; i++) {
		int g = res->candidates[i].gateway;
		const char *n = cfg->gateways[g].name;

		/* The model has no rank "none": a center the rule excludes
		 * is listed without one. */
		if (res->candidates[i].rank != MEP_RANK_NONE)
			put_output(d->ctx, &root,
				   mep_rank_name(res->candidates[i].rank),
				   "%s/candidate[name='%s']/rank", o, n);
		const struct mep_liveness *v = &liveness_view(&d->live)[g];

		put_output(d->ctx, &root, mep_liveness_name(v->state),
			   "%s/candidate[name='%s']/liveness", o, n);
		if (v->state == MEP_LIVE_UP && v->rtt_us)
			put_output(d->ctx, &root, u32(v->rtt_us, num),
				   "%s/candidate[name='%s']/rtt-us", o, n);
	}
	return root;
}

void state_print_json(const struct lyd_node *tree, struct strbuf *out)
{
	char *s = NULL;

	if (tree && lyd_print_mem(&s, tree, LYD_JSON,
				  LYD_PRINT_WITHSIBLINGS) == LY_SUCCESS &&
	    s) {
		strbuf_puts(out, s);
	} else {
		strbuf_puts(out, "{}\n");
	}
	free(s);
}

const char *state_get(const struct lyd_node *node, const char *path)
{
	struct lyd_node *found = NULL;

	/* Try as data, then as rpc output (the resolve answer). */
	if (!node || ((lyd_find_path(node, path, 0, &found) != LY_SUCCESS ||
		       !found) &&
		      (lyd_find_path(node, path, 1, &found) != LY_SUCCESS ||
		       !found)))
		return "";
	return lyd_get_value(found) ? lyd_get_value(found) : "";
}
