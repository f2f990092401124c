/* ipsec_link: VICI events -> tunnel table -> desired routes -> backend. */
#include "ipsec_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rim.h"
#include "vici_session.h"

struct ipsec_link {
	struct ev_loop *loop;
	const struct mep_config *cfg;
	struct vici_session *vici;
	char vici_path[108];
	struct tunnel_table tunnels;
	struct rim_sync *rim;
	ev_timer grace;
	ev_timer update;	/* coalesces the events of one loop turn */
	ev_idle stream;		/* streams the routes of fresh tunnels once
				 * the events at hand are read */
	struct tunnels_id *fresh;	/* up since the last stream */
	size_t n_fresh, cap_fresh;
	uint8_t *links;		/* rim_link_table() of cfg, built on use */
	ev_tstamp update_cost;	/* how long the last computation took */
	ev_tstamp update_done;	/* when it ended (loop time) */
	bool synced;		/* a list-sas resync finished on this link */
	bool in_resync;
	bool grace_over;	/* held routes may be withdrawn */
	time_t lost_since;	/* 0 while connected or before the first link */
	/* Selectors already reported as ignored (to log each once). */
	struct rim_ignored_list reported;
};

static void stream_fresh(struct ipsec_link *e);

static void update_routes(struct ipsec_link *e)
{
	struct rim_routes desired;
	struct rim_ignored_list ignored;

	if (!e->cfg->rim.enabled)
		return;
	if (!e->synced && !e->grace_over)
		return;	/* hold what is installed */
	/* The fresh tunnels' routes go out first: then the backend holds
	 * every desired route already and keeps its set without a copy. */
	stream_fresh(e);
	rim_routes_init(&desired);
	rim_ignored_init(&ignored);
	if (rim_desired(e->cfg, e->cfg->local_gateway, &e->tunnels, &desired,
			&ignored) < 0) {
		log_err("rim: out of memory computing routes");
		goto out;
	}
	for (size_t i = 0; i < ignored.n; i++) {
		const struct rim_ignored *g = &ignored.v[i];
		bool seen = false;
		char pfx[MEP_PREFIX_STRLEN];

		for (size_t j = 0; j < e->reported.n && !seen; j++)
			seen = mep_prefix_equal(&e->reported.v[j].prefix,
						&g->prefix) &&
			       e->reported.v[j].gateway == g->gateway;
		if (seen)
			continue;
		log_warn("rim: ignoring remote selector %s of tunnel %u/%u "
			 "(peer %s): %s",
			 mep_prefix_str(&g->prefix, pfx, sizeof(pfx)),
			 g->ike_id, g->child_id,
			 g->gateway >= 0 ? e->cfg->gateways[g->gateway].name
					 : "unknown",
			 rim_ignore_reason_str(g->reason));
		if (e->reported.n == e->reported.cap) {
			size_t cap = e->reported.cap ? e->reported.cap * 2 : 8;
			struct rim_ignored *v = realloc(e->reported.v,
							cap * sizeof(*v));
			if (!v)
				break;
			e->reported.v = v;
			e->reported.cap = cap;
		}
		e->reported.v[e->reported.n++] = *g;
	}
	rim_sync_take(e->rim, &desired);
out:
	rim_ignored_free(&ignored);
	rim_routes_free(&desired);
}

/* Tunnels reported up are streamed in batches of this many (or what one
 * loop turn read): zebra installs the first routes of a listing of
 * thousands while the rest is read. */
#define IPSEC_LINK_STREAM_BATCH 256

/* Send the routes of the fresh tunnels now (adds only); the next full
 * computation decides the rest. */
static void stream_fresh(struct ipsec_link *e)
{
	struct rim_routes routes;

	ev_idle_stop(e->loop, &e->stream);
	if (e->n_fresh == 0)
		return;
	if (!e->links)
		e->links = rim_link_table(e->cfg, e->cfg->local_gateway);
	rim_routes_init(&routes);
	if (e->links &&
	    rim_desired_of(e->cfg, e->cfg->local_gateway, e->links,
			   &e->tunnels, e->fresh, e->n_fresh, &routes) == 0)
		rim_sync_stream(e->rim, &routes);
	rim_routes_free(&routes);
	e->n_fresh = 0;
}

static void schedule_update(struct ipsec_link *e, double at_least);

static void on_stream(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct ipsec_link *e = w->data;

	(void)loop;
	(void)revents;
	stream_fresh(e);
	/* The events at hand are read (the loop is idle): a computation put
	 * off to keep up with a stream of them waits no longer than the
	 * CPU share allows. */
	if (ev_is_active(&e->update))
		schedule_update(e, 0);
}

/* Remember an up CHILD_SA for streaming; false when not streaming. */
static bool note_fresh(struct ipsec_link *e, const struct tunnel_child *c)
{
	if (!e->cfg->rim.enabled || !tunnels_child_up(c) ||
	    !rim_sync_streams(e->rim))
		return false;
	if (e->n_fresh == e->cap_fresh) {
		size_t cap = e->cap_fresh ? 2 * e->cap_fresh
					  : IPSEC_LINK_STREAM_BATCH;
		struct tunnels_id *v = realloc(e->fresh, cap * sizeof(*v));

		if (!v)
			return false;	/* the full computation sends it */
		e->fresh = v;
		e->cap_fresh = cap;
	}
	e->fresh[e->n_fresh++] = (struct tunnels_id){ c->ike_id, c->child_id };
	if (e->n_fresh >= IPSEC_LINK_STREAM_BATCH)
		stream_fresh(e);
	else if (!ev_is_active(&e->stream))
		ev_idle_start(e->loop, &e->stream);
	return true;
}

static void on_update(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ipsec_link *e = w->data;
	ev_tstamp t0 = ev_time();

	(void)revents;
	update_routes(e);
	e->update_cost = ev_time() - t0;
	e->update_done = ev_now(loop) + e->update_cost;
}

/* Recompute the routes once after the events already read: a burst of
 * tunnel events (or a list-sas of thousands) costs one computation. A
 * stream of events (thousands of tunnels coming up one by one) gets at
 * most one computation per computation time, so that reading events keeps
 * at least half of the time whatever the size of the route set. When the
 * routes of the new tunnels were streamed already, the computation only
 * confirms them (and withdraws nothing new): it waits at_least
 * IPSEC_LINK_CONFIRM_S seconds, or until the loop is idle (on_stream), so
 * that a burst of thousands costs one computation, not one per
 * computation time. A shorter wait asked for wins over a longer one. */
#define IPSEC_LINK_CONFIRM_S 1.0

static void schedule_update(struct ipsec_link *e, double at_least)
{
	double wait = e->update_done + e->update_cost - ev_now(e->loop);

	if (wait < at_least)
		wait = at_least;
	if (ev_is_active(&e->update)) {
		if (ev_timer_remaining(e->loop, &e->update) <= wait)
			return;
		ev_timer_stop(e->loop, &e->update);
	}
	ev_timer_set(&e->update, wait > 0 ? wait : 0., 0.);
	ev_timer_start(e->loop, &e->update);
}

static void on_grace(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ipsec_link *e = w->data;

	(void)loop;
	(void)revents;
	e->grace_over = true;
	if (!e->synced) {
		log_warn("ipsec: strongSwan not re-listed within %u s: "
			 "withdrawing the routes of its tunnels",
			 e->cfg->ipsec.grace_s);
		tunnels_free(&e->tunnels);
		tunnels_init(&e->tunnels);
	}
	update_routes(e);
}

static void start_grace(struct ipsec_link *e)
{
	ev_timer_stop(e->loop, &e->grace);
	ev_timer_set(&e->grace, e->cfg->ipsec.grace_s, 0.);
	ev_timer_start(e->loop, &e->grace);
}

static void on_connect(void *arg)
{
	struct ipsec_link *e = arg;

	log_notice("ipsec: connected to strongSwan at %s", e->vici_path);
}

static void on_disconnect(void *arg, const char *reason)
{
	struct ipsec_link *e = arg;

	if (e->synced || e->lost_since == 0)
		log_warn("ipsec: lost strongSwan at %s (%s): holding routes "
			 "for %u s",
			 e->vici_path, reason, e->cfg->ipsec.grace_s);
	if (e->synced) {
		e->synced = false;
		e->grace_over = false;
		e->lost_since = time(NULL);
		start_grace(e);
	} else if (e->lost_since == 0) {
		e->lost_since = time(NULL);
	}
	e->in_resync = false;
}

static void on_upsert(void *arg, const struct tunnel_child *c)
{
	struct ipsec_link *e = arg;
	bool streamed = false;

	if (tunnels_upsert(&e->tunnels, e->cfg, c, time(NULL)) < 0)
		log_err("ipsec: out of memory recording tunnel %u/%u",
			c->ike_id, c->child_id);
	else
		streamed = note_fresh(e, c);
	if (!e->in_resync)
		schedule_update(e, streamed ? IPSEC_LINK_CONFIRM_S : 0);
}

static void on_remove_child(void *arg, uint32_t ike_id, uint32_t child_id)
{
	struct ipsec_link *e = arg;

	tunnels_remove_child(&e->tunnels, ike_id, child_id);
	if (!e->in_resync)
		schedule_update(e, 0);
}

static void on_remove_ike(void *arg, uint32_t ike_id)
{
	struct ipsec_link *e = arg;

	tunnels_remove_ike(&e->tunnels, ike_id);
	if (!e->in_resync)
		schedule_update(e, 0);
}

static void on_resync_begin(void *arg)
{
	struct ipsec_link *e = arg;

	e->in_resync = true;
	tunnels_resync_begin(&e->tunnels);
}

static void on_resync_end(void *arg)
{
	struct ipsec_link *e = arg;
	size_t gone = tunnels_resync_end(&e->tunnels);

	e->in_resync = false;
	e->synced = true;
	e->lost_since = 0;
	ev_timer_stop(e->loop, &e->grace);
	log_notice("ipsec: strongSwan listed %zu tunnel(s)%s",
		   tunnels_count(&e->tunnels),
		   gone ? ", dropped vanished ones" : "");
	update_routes(e);
}

static void on_note(void *arg, const char *line)
{
	(void)arg;
	log_info("ipsec: %s", line);
}

static const struct vici_session_cbs link_cbs = {
	.on_connect = on_connect,
	.on_disconnect = on_disconnect,
	.on_upsert = on_upsert,
	.on_remove_child = on_remove_child,
	.on_remove_ike = on_remove_ike,
	.on_resync_begin = on_resync_begin,
	.on_resync_end = on_resync_end,
	.on_note = on_note,
};

static int open_vici(struct ipsec_link *e)
{
	snprintf(e->vici_path, sizeof(e->vici_path), "%s",
		 e->cfg->ipsec.vici_socket);
	e->vici = vici_session_new(e->loop, e->vici_path, &link_cbs, e);
	if (!e->vici)
		return -1;
	vici_session_start(e->vici);
	return 0;
}

struct ipsec_link *ipsec_link_new(struct ev_loop *loop,
				  const struct mep_config *cfg, const char *zserv)
{
	struct ipsec_link *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->loop = loop;
	e->cfg = cfg;
	tunnels_init(&e->tunnels);
	rim_ignored_init(&e->reported);
	ev_timer_init(&e->grace, on_grace, 0., 0.);
	e->grace.data = e;
	ev_timer_init(&e->update, on_update, 0., 0.);
	e->update.data = e;
	ev_idle_init(&e->stream, on_stream);
	e->stream.data = e;
	e->rim = rim_sync_new(loop, zserv);
	if (!e->rim || open_vici(e) < 0) {
		ipsec_link_free(e);
		return NULL;
	}
	rim_sync_configure(e->rim, cfg);
	/* Start-up: hold the routes a previous run left until the first
	 * resync, at most the grace period. */
	start_grace(e);
	return e;
}

void ipsec_link_free(struct ipsec_link *e)
{
	if (!e)
		return;
	ev_timer_stop(e->loop, &e->grace);
	ev_timer_stop(e->loop, &e->update);
	ev_idle_stop(e->loop, &e->stream);
	free(e->fresh);
	free(e->links);
	vici_session_free(e->vici);
	rim_sync_free(e->rim);
	tunnels_free(&e->tunnels);
	rim_ignored_free(&e->reported);
	free(e);
}

void ipsec_link_configure(struct ipsec_link *e, const struct mep_config *cfg)
{
	e->cfg = cfg;
	free(e->links);
	e->links = NULL;
	if (tunnels_rematch(&e->tunnels, cfg) < 0)
		log_err("ipsec: out of memory indexing the gateways: "
			"tunnels left without a peer");
	rim_sync_configure(e->rim, cfg);
	e->reported.n = 0;
	if (strcmp(e->vici_path, cfg->ipsec.vici_socket) != 0) {
		log_notice("ipsec: VICI socket is now %s",
			   cfg->ipsec.vici_socket);
		vici_session_free(e->vici);
		e->vici = NULL;
		e->synced = false;
		e->grace_over = false;
		start_grace(e);
		if (open_vici(e) < 0)
			log_err("ipsec: out of memory opening VICI");
	}
	update_routes(e);
}

const struct tunnel_table *ipsec_link_tunnels(const struct ipsec_link *e)
{
	return &e->tunnels;
}

const struct rim_sync *ipsec_link_rim(const struct ipsec_link *e)
{
	return e->rim;
}

bool ipsec_link_connected(const struct ipsec_link *e)
{
	return e->vici && vici_session_up(e->vici);
}

const char *ipsec_link_status(const struct ipsec_link *e, char *buf, size_t len)
{
	if (e->synced)
		snprintf(buf, len, "synced");
	else if (e->lost_since && !e->grace_over)
		snprintf(buf, len, "lost, holding routes (grace %u s)",
			 e->cfg->ipsec.grace_s);
	else if (e->lost_since)
		snprintf(buf, len, "lost");
	else
		snprintf(buf, len, "connecting");
	return buf;
}
