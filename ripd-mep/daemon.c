/* daemon: running configuration, liveness table and entry points; the
 * entry-point change events and their first subscriber, the tracking
 * log. */
#include "daemon.h"
#include "steer_route_io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_render.h"
#include "ike_liveness.h"
#include "log.h"
#include "nat.h"
#include "probe_io.h"
#include "steer_child_io.h"

static void track(void *arg, struct daemon *d,
		  const struct daemon_entry_change *ch);
static void entries_carry_over(struct daemon *d, const struct mep_config *cfg);

int daemon_init(struct daemon *d, struct ly_ctx *ctx, const char *config_path,
		const char *pathspace)
{
	memset(d, 0, sizeof(*d));
	d->ctx = ctx;
	snprintf(d->config_path, sizeof(d->config_path), "%s", config_path);
	d->pathspace = pathspace ? strdup(pathspace) : NULL;
	mep_config_init(&d->cfg);
	liveness_init(&d->live);
	d->engine = mep_engine_new();
	if (!d->engine || (pathspace && !d->pathspace))
		return -1;
	return daemon_entry_subscribe(d, track, NULL);
}

/* RIM asks which satellites are silent (probe_io's responder). */
static void rim_silence(void *arg, uint8_t *silent, size_t n)
{
	const struct daemon *d = arg;

	probe_io_fill_silent(d->probe, silent, n);
}

/* IP Pool NAT (its table, the conntrack accounting) for the running
 * configuration; a failure is logged and the daemon runs on. */
static void start_nat(struct daemon *d)
{
	if (!d->nat)
		d->nat = nat_new(d->loop);
	if (!d->nat) {
		log_err("ip-pool-nat: out of memory; not started");
		return;
	}
	nat_configure(d->nat, &d->cfg);
}

/* The engine lost and back: the probe replies' drain flag follows (see
 * engine_lost in daemon.h). */
static void on_engine(void *arg, const struct ipsec_event *ev)
{
	struct daemon *d = arg;
	bool lost;

	if (ev->kind == IPSEC_EV_LOST)
		lost = true;
	else if (ev->kind == IPSEC_EV_CONNECTED)
		lost = false;
	else
		return;
	if (lost == d->engine_lost)
		return;
	d->engine_lost = lost;
	if (!d->drain)
		log_notice("%s", lost ? "ipsec: strongSwan lost: probe replies "
					"carry the drain flag until it is back"
				      : "ipsec: strongSwan back: probe replies "
					"no longer carry the drain flag");
	if (d->probe)
		probe_io_set_drain(d->probe, daemon_draining(d));
}

/* The IPsec engine and RIM, its subscriber (then the engine connects). */
static int start_ipsec(struct daemon *d)
{
	d->ipsec = ipsec_engine_new(d->loop, &d->cfg);
	if (d->ipsec)
		d->rim = rim_feed_new(d->loop, d->ipsec, &d->cfg, d->zserv);
	if (!d->rim) {
		ipsec_engine_free(d->ipsec);
		d->ipsec = NULL;
		return -1;
	}
	rim_feed_set_silence(d->rim, rim_silence, d);
	ike_liveness_attach(d->ipsec, d);
	if (ipsec_engine_subscribe(d->ipsec, on_engine, d) < 0)
		log_err("out of memory: the drain flag does not follow the "
			"IPsec engine");
	d->steer = steer_child_io_new(d);
	if (!d->steer)
		log_err("out of memory: no CHILD_SA steering");
	ipsec_engine_start(d->ipsec);
	start_nat(d);
	return 0;
}

int daemon_start(struct daemon *d, struct ev_loop *loop, const char *zserv,
		 bool held, const char *why)
{
	d->loop = loop;
	snprintf(d->zserv, sizeof(d->zserv), "%s", zserv);
	if (held) {
		d->held = true;
		snprintf(d->held_reason, sizeof(d->held_reason), "%s",
			 why ? why : "invalid configuration");
		log_warn("no IPsec link and no routing backend until a valid "
			 "configuration is applied (configure terminal, or fix "
			 "%s and send SIGHUP): the routes of the last run stay "
			 "as they are",
			 d->config_path);
		return 0;
	}
	d->probe = probe_io_new(loop, d);
	if (!d->probe)
		log_err("out of memory: no probing");
	d->steer_route = steer_route_io_new(loop, d);
	return start_ipsec(d);
}

void daemon_fini(struct daemon *d)
{
	steer_route_io_free(d->steer_route);
	probe_io_free(d->probe);
	steer_child_io_free(d->steer);
	nat_free(d->nat);	/* the table and its connections stay */
	if (d->ipsec) {
		ike_liveness_detach(d->ipsec, d);
		ipsec_engine_unsubscribe(d->ipsec, on_engine, d);
	}
	rim_feed_free(d->rim);
	ipsec_engine_free(d->ipsec);
	conf_history_free(&d->history);
	lyd_free_all(d->running);
	mep_config_free(&d->cfg);
	mep_engine_free(d->engine);
	liveness_free(&d->live);
	free(d->entry);
	free(d->pathspace);
	memset(d, 0, sizeof(*d));
}

void daemon_apply(struct daemon *d, struct conf_candidate *cand)
{
	daemon_apply_from(d, cand, "start-up");
}

void daemon_apply_from(struct daemon *d, struct conf_candidate *cand,
		       const char *source)
{
	if (liveness_configure(&d->live, &cand->cfg) < 0)
		abort();
	entries_carry_over(d, &cand->cfg);
	if (cand->warnings.len) {
		char *save = NULL;
		char *w = strdup(strbuf_str(&cand->warnings));

		for (char *l = w ? strtok_r(w, "\n", &save) : NULL; l;
		     l = strtok_r(NULL, "\n", &save))
			log_warn("%s", l);
		free(w);
	}
	if (conf_history_record(&d->history, d->running, cand->tree, source,
				time(NULL)) < 0)
		log_warn("configuration history: cannot compare the trees; "
			 "concurrent sessions will be compared as a whole");
	mep_engine_carry_over(d->engine, &d->cfg, &cand->cfg);
	lyd_free_all(d->running);
	mep_config_free(&d->cfg);
	d->running = cand->tree;
	d->cfg = cand->cfg;
	d->config_loaded = time(NULL);
	strbuf_free(&cand->warnings);
	cand->tree = NULL;
	mep_config_init(&cand->cfg);
	daemon_update_entry_points(d, "configuration applied");
	if (d->probe)
		probe_io_configure(d->probe, &d->cfg);
	else if (d->loop && !d->held) {
		d->probe = probe_io_new(d->loop, d);
		if (!d->probe)
			log_err("out of memory: no probing");
	}
	if (d->ipsec) {
		ipsec_engine_configure(d->ipsec, &d->cfg);
		rim_feed_configure(d->rim, &d->cfg);
		steer_child_io_configure(d->steer);
		start_nat(d);
		/* a gateway may have become third-party: judge it now,
		 * once the engine has listed its tunnels */
		if (ipsec_engine_connected(d->ipsec) &&
		    !ipsec_engine_in_resync(d->ipsec))
			ike_liveness_refresh(d);
	} else if (d->held) {
		if (start_ipsec(d) < 0) {
			log_err("out of memory starting the IPsec engine link; "
				"apply the configuration again");
			return;
		}
		d->held = false;
		if (!d->probe)
			d->probe = probe_io_new(d->loop, d);
		if (!d->steer_route)
			d->steer_route = steer_route_io_new(d->loop, d);
		log_notice("valid configuration applied: starting the IPsec "
			   "link and the routing backend");
	}
}

int daemon_reload(struct daemon *d, struct strbuf *err)
{
	struct conf_candidate cand;

	if (d->config_lock) {
		strbuf_printf(err,
			      "the configuration is locked by vty session %u "
			      "(configure exclusive)",
			      d->config_lock);
		return -1;
	}
	if (conf_load_file(d->ctx, d->config_path, &cand, err) < 0)
		return -1;
	daemon_apply_from(d, &cand, "file reload");
	return 0;
}

int daemon_write_config(struct daemon *d, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	char tmp[4200], dir[4096];
	struct stat st;
	int fd, dfd;
	ssize_t w = 0;

	if (d->held) {
		strbuf_printf(err,
			      "%s was invalid at start and the running "
			      "configuration is empty: apply a valid one "
			      "first (configure terminal ... end) so that "
			      "writing does not replace the file with nothing",
			      d->config_path);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", d->config_path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		strbuf_printf(err, "%s: cannot create a temporary file: %s",
			      d->config_path, strerror(errno));
		return -1;
	}
	fchmod(fd, stat(d->config_path, &st) == 0 ? (st.st_mode & 07777)
						    : 0640);
	strbuf_puts(&text, "! ripd-mep configuration, written by ripd-mep\n!\n");
	conf_render(d->running, &text);
	for (size_t off = 0; off < text.len; off += (size_t)w) {
		w = write(fd, text.s + off, text.len - off);
		if (w < 0 && errno == EINTR) {
			w = 0;
			continue;
		}
		if (w < 0)
			break;
	}
	if (w < 0 || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, d->config_path) < 0) {
		strbuf_printf(err, "%s: cannot write: %s", d->config_path,
			      strerror(errno));
		unlink(tmp);
		strbuf_free(&text);
		return -1;
	}
	strbuf_free(&text);
	snprintf(dir, sizeof(dir), "%s", d->config_path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int daemon_set_override(struct daemon *d, const char *name,
			enum mep_liveness_state state, uint32_t rtt_us,
			bool clear)
{
	int i = mep_config_gateway_index(&d->cfg, name);
	char why[MEP_NAME_MAX + 64];

	if (i < 0)
		return -1;
	if (clear)
		liveness_clear_override(&d->live, i, time(NULL));
	else
		liveness_set_override(&d->live, i, state, rtt_us, time(NULL));
	log_notice("gateway %s: liveness %s by operator override", name,
		   clear ? "override removed" : mep_liveness_name(state));
	snprintf(why, sizeof(why), "gateway %s: %s by operator override",
		 name, clear ? "override removed" : mep_liveness_name(state));
	daemon_update_entry_points(d, why);
	return 0;
}

void daemon_probe_report(struct daemon *d, int gw,
			 enum mep_liveness_state state, uint32_t rtt_us,
			 uint32_t losses, bool drain)
{
	const struct liveness_record *before = liveness_get(&d->live, gw);
	bool was_drain, changed;
	enum mep_liveness_state was;
	char why[MEP_NAME_MAX + 96];
	const char *name;
	time_t now = time(NULL);

	if (!before)
		return;
	name = before->name;
	was = before->probe.set ? before->probe.state : MEP_LIVE_UNKNOWN;
	was_drain = before->drain;
	changed = liveness_set_probe(&d->live, gw, state, rtt_us, losses,
				     now) > 0;
	changed |= liveness_set_drain(&d->live, gw, drain, now) > 0;
	if (drain != was_drain) {
		snprintf(why, sizeof(why), "gateway %s: %s", name,
			 drain ? "draining" : "drain ended");
		log_notice("%s", why);
	} else if (state != was) {
		if (state == MEP_LIVE_DOWN)
			snprintf(why, sizeof(why),
				 "gateway %s: down by probe (%u probes lost)",
				 name, losses);
		else if (state == MEP_LIVE_UNKNOWN)
			snprintf(why, sizeof(why),
				 "gateway %s: not probed any more", name);
		else
			snprintf(why, sizeof(why), "gateway %s: %s by probe",
				 name, mep_liveness_name(state));
		log_notice("%s", why);
	} else {
		snprintf(why, sizeof(why), "gateway %s: RTT %u us by probe",
			 name, rtt_us);
	}
	if (changed)
		daemon_update_entry_points_of(d, gw, why);
}

void daemon_ike_report(struct daemon *d, int gw,
		       enum mep_liveness_state state)
{
	const struct liveness_record *r = liveness_get(&d->live, gw);
	char why[MEP_NAME_MAX + 64];

	if (!r || (r->ike.set && r->ike.state == state))
		return;
	snprintf(why, sizeof(why), "gateway %s: %s by IKE", r->name,
		 mep_liveness_name(state));
	log_notice("%s", why);
	if (liveness_set_ike(&d->live, gw, state, time(NULL)) > 0)
		daemon_update_entry_points_of(d, gw, why);
}

void daemon_set_drain(struct daemon *d, bool drain)
{
	if (d->drain != drain)
		log_notice("%s", drain ? "mep drain: probe replies carry the "
					 "drain flag; satellites choose other "
					 "centers"
				       : "no mep drain: this center may be "
					 "chosen again");
	d->drain = drain;
	if (d->probe)
		probe_io_set_drain(d->probe, daemon_draining(d));
}

bool daemon_draining(const struct daemon *d)
{
	return d->drain || d->engine_lost;
}

int daemon_existing_entry(const struct daemon *d, const struct mep_query *q)
{
	for (size_t i = 0; i < d->n_entry; i++) {
		const struct daemon_entry_point *e = &d->entry[i];

		if (e->query.satellite == q->satellite &&
		    mep_addr_equal(&e->query.src, &q->src) &&
		    mep_addr_equal(&e->query.dst, &q->dst))
			return e->result.status == MEP_RESOLVED
				       ? e->result.gateway
				       : -1;
	}
	return -1;
}

enum mep_status daemon_resolve(struct daemon *d, const struct mep_query *q,
			       struct mep_result *res)
{
	struct mep_query with = *q;

	if (with.existing < 0)
		with.existing = daemon_existing_entry(d, q);
	return mep_resolve(d->engine, &d->cfg, liveness_view(&d->live), &with,
			   res);
}

int daemon_entry_subscribe(struct daemon *d, daemon_entry_fn fn, void *arg)
{
	if (d->n_entry_sub == DAEMON_ENTRY_SUBSCRIBERS_MAX)
		return -1;
	d->entry_sub[d->n_entry_sub].fn = fn;
	d->entry_sub[d->n_entry_sub].arg = arg;
	d->n_entry_sub++;
	return 0;
}

void daemon_entry_unsubscribe(struct daemon *d, daemon_entry_fn fn, void *arg)
{
	for (size_t i = 0; i < d->n_entry_sub; i++)
		if (d->entry_sub[i].fn == fn && d->entry_sub[i].arg == arg) {
			memmove(&d->entry_sub[i], &d->entry_sub[i + 1],
				(d->n_entry_sub - i - 1) *
					sizeof(d->entry_sub[0]));
			d->n_entry_sub--;
			return;
		}
}

/* The entries of the running configuration carried to cfg (applied
 * next): community and gateways mapped by name, the others dropped; the
 * next re-resolution reports every destination as new. */
static void entries_carry_over(struct daemon *d, const struct mep_config *cfg)
{
	size_t n = 0;
	int local = cfg->local_gateway;

	for (size_t i = 0; i < d->n_entry; i++) {
		struct daemon_entry_point e = d->entry[i];
		int c = -1, gw = -1;

		for (size_t k = 0; k < cfg->n_communities; k++)
			if (strcmp(cfg->communities[k].name,
				   d->cfg.communities[e.community].name) == 0)
				c = (int)k;
		if (e.result.gateway >= 0)
			gw = mep_config_gateway_index(
				cfg, d->cfg.gateways[e.result.gateway].name);
		if (c < 0 || gw < 0 || local < 0 ||
		    strcmp(cfg->gateways[local].name,
			   d->cfg.gateways[e.query.satellite].name) != 0)
			continue;
		e.community = c;
		e.query.satellite = local;
		/* Only the gateway used and the status are read from a
		 * carried entry. */
		e.result.community = c;
		e.result.gateway = gw;
		e.result.n_candidates = 0;
		d->entry[n++] = e;
	}
	d->n_entry = n;
	d->entry_fresh = true;
}

/* A representative address of the local gateway's first domain of the
 * family, used as the source of entry-point queries. */
static struct mep_addr local_source(const struct mep_config *cfg,
				    uint8_t family)
{
	struct mep_addr a = { .family = family };
	const struct mep_gateway *g = &cfg->gateways[cfg->local_gateway];

	for (size_t i = 0; i < g->n_domain; i++)
		if (g->domain[i].family == family) {
			memcpy(a.addr, g->domain[i].addr, sizeof(a.addr));
			break;
		}
	return a;
}

/* The peers whose domains are entry-point destinations of the local
 * gateway in c: a satellite's centers, a meshed member's members (a
 * center resolves no entry points). */
static const struct mep_gw_list *peers_of(const struct mep_config *cfg,
					  const struct mep_community *c)
{
	if (mep_community_role(c, cfg->local_gateway) == MEP_ROLE_CENTER)
		return NULL;
	return mep_community_peers(c, cfg->local_gateway);
}

static bool entry_seen(const struct daemon_entry_point *e, size_t n,
		       const struct mep_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (mep_prefix_equal(&e[i].destination, p))
			return true;
	return false;
}

static const struct daemon_entry_point *
find_entry(const struct daemon *d, const struct mep_prefix *p)
{
	for (size_t k = 0; k < d->n_entry; k++)
		if (mep_prefix_equal(&d->entry[k].destination, p))
			return &d->entry[k];
	return NULL;
}

static bool same_in_round(const struct daemon_entry_point *e, size_t n,
			  const struct mep_result *r)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].result.community == r->community &&
		    e[i].result.gateway == r->gateway &&
		    e[i].result.rank == r->rank &&
		    e[i].result.status == r->status)
			return true;
	return false;
}

/* The tracking log, the first subscriber of entry-point changes: one
 * line per community choice where the community has `mep tracking log`,
 * and a debug line per destination. */
static void track(void *arg, struct daemon *d,
		  const struct daemon_entry_change *ch)
{
	const struct mep_community *c;
	char line[1024], pfx[MEP_PREFIX_STRLEN];

	(void)arg;
	if (ch->repeat || ch->now->community < 0)
		return;
	c = &d->cfg.communities[ch->now->community];
	mep_tracking_line(&d->cfg, ch->query, ch->now, line, sizeof(line));
	/* A change (not a first resolution) says why it happened. */
	if (c->tracking_log && ch->old)
		log_notice("%s Reason: %s.", line, ch->why);
	else if (c->tracking_log)
		log_notice("%s", line);
	log_debug(LOG_DEBUG_RESOLVE, "entry point for %s: %s",
		  mep_prefix_str(ch->destination, pfx, sizeof(pfx)), line);
}

/* Publish the change of one destination to every subscriber, when its
 * gateway or status changed. */
static void publish(struct daemon *d, const struct daemon_entry_point *old,
		    const struct daemon_entry_point *now, bool repeat,
		    const char *why)
{
	struct daemon_entry_change ch = {
		.community = now->community,
		.satellite = now->query.satellite,
		.destination = &now->destination,
		.query = &now->query,
		.old = old ? &old->result : NULL,
		.now = &now->result,
		.why = why,
		.repeat = repeat,
	};

	if (old && old->result.gateway == now->result.gateway &&
	    old->result.status == now->result.status)
		return;
	for (size_t i = 0; i < d->n_entry_sub; i++)
		d->entry_sub[i].fn(d->entry_sub[i].arg, d, &ch);
}

/* Can a liveness change of gateway gw change the entry point old (of
 * community ci)? gw < 0: every entry point can change. */
static bool may_change(const struct daemon *d, int gw, size_t ci,
		       const struct daemon_entry_point *old)
{
	const struct mep_config *cfg = &d->cfg;

	if (gw < 0 || !old || d->entry_fresh)
		return true;
	if (mep_community_is_entry(&cfg->communities[ci], gw) ||
	    old->result.gateway == gw)
		return true;
	if (old->community >= 0 && (size_t)old->community < cfg->n_communities &&
	    mep_community_is_entry(&cfg->communities[old->community], gw))
		return true;
	for (size_t i = 0; i < old->result.n_candidates; i++)
		if (old->result.candidates[i].gateway == gw)
			return true;
	/* primary-backup: gw may be a backup of the gateway used */
	for (size_t i = 0; i < cfg->n_gateways; i++)
		if (mep_gw_list_has(&cfg->gateways[i].backups, gw))
			return true;
	return false;
}

static void update_entry_points(struct daemon *d, int only, const char *why);

void daemon_update_entry_points(struct daemon *d, const char *why)
{
	update_entry_points(d, -1, why);
}

void daemon_update_entry_points_of(struct daemon *d, int gw, const char *why)
{
	update_entry_points(d, gw, why);
}

/* only: -1 every entry point, else the gateway whose liveness
 * changed. */
static void update_entry_points(struct daemon *d, int only, const char *why)
{
	const struct mep_config *cfg = &d->cfg;
	struct daemon_entry_point *next = NULL;
	size_t n = 0, cap = 0;

	if (cfg->local_gateway < 0)
		goto swap;
	for (size_t ci = 0; ci < cfg->n_communities; ci++) {
		const struct mep_gw_list *peers =
			peers_of(cfg, &cfg->communities[ci]);

		for (size_t pi = 0; peers && pi < peers->n; pi++) {
			const struct mep_gateway *g =
				&cfg->gateways[peers->idx[pi]];

			for (size_t di = 0; di < g->n_domain; di++) {
				const struct mep_prefix *p = &g->domain[di];
				const struct daemon_entry_point *old;
				struct mep_query q = { .satellite =
							       cfg->local_gateway,
						       .existing = -1 };
				struct mep_result r;

				if (peers->idx[pi] == cfg->local_gateway ||
				    entry_seen(next, n, p))
					continue;
				old = d->entry_fresh ? NULL : find_entry(d, p);
				if (old && !may_change(d, only, ci, old)) {
					/* kept as it is: nothing published */
					if (n == cap) {
						cap = cap ? cap * 2 : 8;
						next = realloc(next,
							       cap * sizeof(*next));
						if (!next)
							abort();
					}
					next[n++] = *old;
					continue;
				}
				q.src = local_source(cfg, p->family);
				q.dst.family = p->family;
				memcpy(q.dst.addr, p->addr, sizeof(q.dst.addr));
				q.existing = daemon_existing_entry(d, &q);
				mep_resolve(d->engine, cfg,
					    liveness_view(&d->live), &q, &r);
				if (r.kind == MEP_KIND_NONE)
					continue;
				if (n == cap) {
					cap = cap ? cap * 2 : 8;
					next = realloc(next, cap * sizeof(*next));
					if (!next)
						abort();
				}
				next[n].community = r.community;
				next[n].destination = *p;
				q.existing = -1;
				next[n].query = q;
				next[n].result = r;
				/* Random choices depend on the pair: no single
				 * entry point to publish. */
				if (r.method != MEP_METHOD_RANDOM)
					publish(d, old, &next[n],
						same_in_round(next, n, &r),
						why);
				n++;
			}
		}
	}
swap:
	free(d->entry);
	d->entry = next;
	d->n_entry = n;
	d->entry_fresh = false;
	if (d->resolved_fn)
		d->resolved_fn(d->resolved_arg, d);
}
