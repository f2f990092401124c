/* daemon: running configuration, liveness table and entry points. */
#include "daemon.h"

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
#include "log.h"

int daemon_init(struct daemon *d, struct ly_ctx *ctx, const char *config_path,
		const char *pathspace)
{
	memset(d, 0, sizeof(*d));
	d->ctx = ctx;
	snprintf(d->config_path, sizeof(d->config_path), "%s", config_path);
	d->pathspace = pathspace ? strdup(pathspace) : NULL;
	mep_config_init(&d->cfg);
	d->engine = mep_engine_new();
	if (!d->engine || (pathspace && !d->pathspace))
		return -1;
	return 0;
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
	ipsec_engine_start(d->ipsec);
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
	return start_ipsec(d);
}

void daemon_fini(struct daemon *d)
{
	rim_feed_free(d->rim);
	ipsec_engine_free(d->ipsec);
	conf_history_free(&d->history);
	lyd_free_all(d->running);
	mep_config_free(&d->cfg);
	mep_engine_free(d->engine);
	free(d->gw);
	free(d->live);
	free(d->entry);
	free(d->pathspace);
	memset(d, 0, sizeof(*d));
}

static void sync_live(struct daemon *d)
{
	for (size_t i = 0; i < d->cfg.n_gateways; i++)
		d->live[i] = d->gw[i].live;
}

void daemon_apply(struct daemon *d, struct conf_candidate *cand)
{
	daemon_apply_from(d, cand, "start-up");
}

void daemon_apply_from(struct daemon *d, struct conf_candidate *cand,
		       const char *source)
{
	size_t n = cand->cfg.n_gateways;
	struct daemon_gateway_state *gw = calloc(n ? n : 1, sizeof(*gw));
	struct mep_liveness *live = calloc(n ? n : 1, sizeof(*live));

	if (!gw || !live)
		abort();
	for (size_t i = 0; i < n; i++) {
		const char *name = cand->cfg.gateways[i].name;

		snprintf(gw[i].name, sizeof(gw[i].name), "%s", name);
		for (size_t j = 0; j < d->cfg.n_gateways; j++)
			if (strcmp(d->gw[j].name, name) == 0)
				gw[i] = d->gw[j];
	}
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
	lyd_free_all(d->running);
	mep_config_free(&d->cfg);
	free(d->gw);
	free(d->live);
	d->running = cand->tree;
	d->cfg = cand->cfg;
	d->gw = gw;
	d->live = live;
	d->config_loaded = time(NULL);
	strbuf_free(&cand->warnings);
	cand->tree = NULL;
	mep_config_init(&cand->cfg);
	sync_live(d);
	mep_engine_reset(d->engine);
	free(d->entry);
	d->entry = NULL;
	d->n_entry = 0;
	daemon_update_entry_points(d);
	if (d->ipsec) {
		ipsec_engine_configure(d->ipsec, &d->cfg);
		rim_feed_configure(d->rim, &d->cfg);
	} else if (d->held) {
		if (start_ipsec(d) < 0) {
			log_err("out of memory starting the IPsec engine link; "
				"apply the configuration again");
			return;
		}
		d->held = false;
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
	struct daemon_gateway_state *g;

	if (i < 0)
		return -1;
	g = &d->gw[i];
	if (clear) {
		g->override = false;
		g->live.state = MEP_LIVE_UNKNOWN;
		g->live.rtt_us = 0;
		g->live.source = MEP_VERDICT_NONE;
	} else {
		g->override = true;
		g->live.state = state;
		g->live.rtt_us = state == MEP_LIVE_UP ? rtt_us : 0;
		g->live.source = MEP_VERDICT_OVERRIDE;
	}
	g->last_change = time(NULL);
	log_notice("gateway %s: liveness %s by operator override", name,
		   clear ? "override removed" : mep_liveness_name(state));
	sync_live(d);
	daemon_update_entry_points(d);
	return 0;
}

enum mep_status daemon_resolve(struct daemon *d, const struct mep_query *q,
			       struct mep_result *res)
{
	return mep_resolve(d->engine, &d->cfg, d->live, q, res);
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

/* Peers of the local gateway in community c whose domains it may reach. */
static const struct mep_gw_list *peers_of(const struct mep_config *cfg,
					  const struct mep_community *c)
{
	int me = cfg->local_gateway;

	if (c->type == MEP_COMMUNITY_MESHED)
		return mep_gw_list_has(&c->members, me) ? &c->members : NULL;
	return mep_gw_list_has(&c->satellites, me) ? &c->centers : NULL;
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

static void track(struct daemon *d, const struct daemon_entry_point *old,
		  const struct daemon_entry_point *now, const struct mep_query *q)
{
	const struct mep_community *c;
	char line[1024], pfx[MEP_PREFIX_STRLEN];

	if (old && old->result.gateway == now->result.gateway &&
	    old->result.status == now->result.status)
		return;
	if (now->result.community < 0)
		return;
	c = &d->cfg.communities[now->result.community];
	mep_tracking_line(&d->cfg, q, &now->result, line, sizeof(line));
	if (c->tracking_log)
		log_notice("%s", line);
	log_debug(LOG_DEBUG_RESOLVE, "entry point for %s: %s",
		  mep_prefix_str(&now->destination, pfx, sizeof(pfx)), line);
}

void daemon_update_entry_points(struct daemon *d)
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
				struct mep_query q = { .satellite =
							       cfg->local_gateway,
						       .existing = -1 };
				struct mep_result r;

				if (peers->idx[pi] == cfg->local_gateway ||
				    entry_seen(next, n, p))
					continue;
				q.src = local_source(cfg, p->family);
				q.dst.family = p->family;
				memcpy(q.dst.addr, p->addr, sizeof(q.dst.addr));
				mep_resolve(d->engine, cfg, d->live, &q, &r);
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
				next[n].result = r;
				/* Random choices depend on the pair: no single
				 * entry point to track; and one line for a
				 * community whose domains share a choice. */
				if (r.method != MEP_METHOD_RANDOM &&
				    !same_in_round(next, n, &r))
					track(d, find_entry(d, p), &next[n], &q);
				n++;
			}
		}
	}
swap:
	free(d->entry);
	d->entry = next;
	d->n_entry = n;
}
