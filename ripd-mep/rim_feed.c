/* rim_feed: engine events -> desired routes -> rim_sync. See rim_feed.h. */
#include "rim_feed.h"

#include <stdlib.h>

#include "log.h"
#include "rim.h"

struct rim_feed {
	struct ev_loop *loop;
	const struct mep_config *cfg;
	struct ipsec_engine *engine;
	struct rim_sync *rim;
	ev_timer update;	/* coalesces the events of one loop turn */
	ev_idle stream;		/* streams the routes of fresh tunnels once
				 * the events at hand are read */
	struct tunnels_id *fresh;	/* up since the last stream */
	size_t n_fresh, cap_fresh;
	uint8_t *links;		/* rim_link_table() of cfg, built on use */
	ev_tstamp update_cost;	/* how long the last computation took */
	ev_tstamp update_done;	/* when it ended (loop time) */
	/* Selectors already reported as ignored (to log each once). */
	struct rim_ignored_list reported;
	rim_feed_silence_fn silence_fill;
	void *silence_arg;
	struct rim_ignored_list silenced;	/* of the last computation */
};

/* The silent satellites now, one byte per gateway (NULL: none, or out of
 * memory: then nobody counts as silent). free() it. */
static uint8_t *silent_now(struct rim_feed *f)
{
	uint8_t *v;

	if (!f->silence_fill || !f->cfg->n_gateways)
		return NULL;
	v = calloc(f->cfg->n_gateways, 1);
	if (v)
		f->silence_fill(f->silence_arg, v, f->cfg->n_gateways);
	return v;
}

/* Keep the silenced selectors of ignored for show; the rest stays. */
static void keep_silenced(struct rim_feed *f,
			  const struct rim_ignored_list *ignored)
{
	f->silenced.n = 0;
	for (size_t i = 0; i < ignored->n; i++) {
		if (ignored->v[i].reason != RIM_IGNORE_SATELLITE_SILENT)
			continue;
		if (f->silenced.n == f->silenced.cap) {
			size_t cap = f->silenced.cap ? f->silenced.cap * 2 : 8;
			struct rim_ignored *v = realloc(f->silenced.v,
							cap * sizeof(*v));

			if (!v)
				return;
			f->silenced.v = v;
			f->silenced.cap = cap;
		}
		f->silenced.v[f->silenced.n++] = ignored->v[i];
	}
}

static void stream_fresh(struct rim_feed *f);

/* Log each ignored selector once per configuration. */
static void report_ignored(struct rim_feed *f,
			   const struct rim_ignored_list *ignored)
{
	for (size_t i = 0; i < ignored->n; i++) {
		const struct rim_ignored *g = &ignored->v[i];
		bool seen = g->reason == RIM_IGNORE_SATELLITE_SILENT;
		char pfx[MEP_PREFIX_STRLEN];

		for (size_t j = 0; j < f->reported.n && !seen; j++)
			seen = mep_prefix_equal(&f->reported.v[j].prefix,
						&g->prefix) &&
			       f->reported.v[j].gateway == g->gateway;
		if (seen)
			continue;
		log_warn("rim: ignoring remote selector %s of tunnel %u/%u "
			 "(peer %s): %s",
			 mep_prefix_str(&g->prefix, pfx, sizeof(pfx)),
			 g->ike_id, g->child_id,
			 g->gateway >= 0 ? f->cfg->gateways[g->gateway].name
					 : "unknown",
			 rim_ignore_reason_str(g->reason));
		if (f->reported.n == f->reported.cap) {
			size_t cap = f->reported.cap ? f->reported.cap * 2 : 8;
			struct rim_ignored *v = realloc(f->reported.v,
							cap * sizeof(*v));

			if (!v)
				break;
			f->reported.v = v;
			f->reported.cap = cap;
		}
		f->reported.v[f->reported.n++] = *g;
	}
}

static void update_routes(struct rim_feed *f)
{
	struct rim_routes desired;
	struct rim_ignored_list ignored;
	uint8_t *silent;

	if (!f->cfg->rim.enabled) {
		f->silenced.n = 0;
		return;
	}
	if (ipsec_engine_holding(f->engine))
		return;	/* hold what is installed */
	/* The fresh tunnels' routes go out first: then the backend holds
	 * every desired route already and keeps its set without a copy. */
	stream_fresh(f);
	silent = silent_now(f);
	rim_routes_init(&desired);
	rim_ignored_init(&ignored);
	if (rim_desired(f->cfg, f->cfg->local_gateway,
			ipsec_engine_tunnels(f->engine), silent, &desired,
			&ignored) < 0) {
		log_err("rim: out of memory computing routes");
		goto out;
	}
	report_ignored(f, &ignored);
	keep_silenced(f, &ignored);
	rim_sync_take(f->rim, &desired);
out:
	free(silent);
	rim_ignored_free(&ignored);
	rim_routes_free(&desired);
}

/* Tunnels reported up are streamed in batches of this many (or what one
 * loop turn read): zebra installs the first routes of a listing of
 * thousands while the rest is read. */
#define RIM_FEED_STREAM_BATCH 256

/* Send the routes of the fresh tunnels now (adds only); the next full
 * computation decides the rest. */
static void stream_fresh(struct rim_feed *f)
{
	struct rim_routes routes;
	uint8_t *silent;

	ev_idle_stop(f->loop, &f->stream);
	if (f->n_fresh == 0)
		return;
	if (!f->links)
		f->links = rim_link_table(f->cfg, f->cfg->local_gateway);
	silent = silent_now(f);
	rim_routes_init(&routes);
	if (f->links &&
	    rim_desired_of(f->cfg, f->cfg->local_gateway, f->links,
			   ipsec_engine_tunnels(f->engine), silent, f->fresh,
			   f->n_fresh, &routes) == 0)
		rim_sync_stream(f->rim, &routes);
	free(silent);
	rim_routes_free(&routes);
	f->n_fresh = 0;
}

static void schedule_update(struct rim_feed *f, double at_least);

static void on_stream(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct rim_feed *f = w->data;

	(void)loop;
	(void)revents;
	stream_fresh(f);
	/* The events at hand are read (the loop is idle): a computation put
	 * off to keep up with a stream of them waits no longer than the
	 * CPU share allows. */
	if (ev_is_active(&f->update))
		schedule_update(f, 0);
}

/* Remember an up CHILD_SA for streaming; false when not streaming. */
static bool note_fresh(struct rim_feed *f, const struct tunnel_child *c)
{
	if (!f->cfg->rim.enabled || !tunnels_child_up(c) ||
	    !rim_sync_streams(f->rim))
		return false;
	if (f->n_fresh == f->cap_fresh) {
		size_t cap = f->cap_fresh ? 2 * f->cap_fresh
					  : RIM_FEED_STREAM_BATCH;
		struct tunnels_id *v = realloc(f->fresh, cap * sizeof(*v));

		if (!v)
			return false;	/* the full computation sends it */
		f->fresh = v;
		f->cap_fresh = cap;
	}
	f->fresh[f->n_fresh++] = (struct tunnels_id){ c->ike_id, c->child_id };
	if (f->n_fresh >= RIM_FEED_STREAM_BATCH)
		stream_fresh(f);
	else if (!ev_is_active(&f->stream))
		ev_idle_start(f->loop, &f->stream);
	return true;
}

static void on_update(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct rim_feed *f = w->data;
	ev_tstamp t0 = ev_time();

	(void)revents;
	update_routes(f);
	f->update_cost = ev_time() - t0;
	f->update_done = ev_now(loop) + f->update_cost;
}

/* Recompute the routes once after the events already read: a burst of
 * tunnel events (or a list-sas of thousands) costs one computation. A
 * stream of events (thousands of tunnels coming up one by one) gets at
 * most one computation per computation time, so that reading events keeps
 * at least half of the time whatever the size of the route set. When the
 * routes of the new tunnels were streamed already, the computation only
 * confirms them (and withdraws nothing new): it waits at_least
 * RIM_FEED_CONFIRM_S seconds, or until the loop is idle (on_stream), so
 * that a burst of thousands costs one computation, not one per
 * computation time. A shorter wait asked for wins over a longer one. */
#define RIM_FEED_CONFIRM_S 1.0

static void schedule_update(struct rim_feed *f, double at_least)
{
	double wait = f->update_done + f->update_cost - ev_now(f->loop);

	if (wait < at_least)
		wait = at_least;
	if (ev_is_active(&f->update)) {
		if (ev_timer_remaining(f->loop, &f->update) <= wait)
			return;
		ev_timer_stop(f->loop, &f->update);
	}
	ev_timer_set(&f->update, wait > 0 ? wait : 0., 0.);
	ev_timer_start(f->loop, &f->update);
}

void rim_feed_on_event(void *arg, const struct ipsec_event *ev)
{
	struct rim_feed *f = arg;
	bool streamed;

	switch (ev->kind) {
	case IPSEC_EV_TUNNEL_UP:
		streamed = ev->recorded && note_fresh(f, ev->child);
		if (!ev->in_resync)
			schedule_update(f, streamed ? RIM_FEED_CONFIRM_S : 0);
		break;
	case IPSEC_EV_TUNNEL_DOWN:
	case IPSEC_EV_IKE_DOWN:
		if (!ev->in_resync)
			schedule_update(f, 0);
		break;
	case IPSEC_EV_RESYNCED:
	case IPSEC_EV_GRACE_OVER:
		update_routes(f);
		break;
	case IPSEC_EV_CONNECTED:
	case IPSEC_EV_LOST:
	case IPSEC_EV_RESYNC_BEGIN:
	case IPSEC_EV_IKE_UP:	/* no CHILD_SA: no route */
		break;
	}
}

struct rim_feed *rim_feed_new(struct ev_loop *loop,
			      struct ipsec_engine *engine,
			      const struct mep_config *cfg, const char *zserv)
{
	struct rim_feed *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->loop = loop;
	f->cfg = cfg;
	f->engine = engine;
	rim_ignored_init(&f->reported);
	rim_ignored_init(&f->silenced);
	ev_timer_init(&f->update, on_update, 0., 0.);
	f->update.data = f;
	ev_idle_init(&f->stream, on_stream);
	f->stream.data = f;
	f->rim = rim_sync_new(loop, zserv);
	if (!f->rim || ipsec_engine_subscribe(engine, rim_feed_on_event, f)) {
		rim_sync_free(f->rim);
		free(f);
		return NULL;
	}
	rim_sync_configure(f->rim, cfg);
	return f;
}

void rim_feed_free(struct rim_feed *f)
{
	if (!f)
		return;
	ipsec_engine_unsubscribe(f->engine, rim_feed_on_event, f);
	ev_timer_stop(f->loop, &f->update);
	ev_idle_stop(f->loop, &f->stream);
	free(f->fresh);
	free(f->links);
	rim_sync_free(f->rim);
	rim_ignored_free(&f->reported);
	rim_ignored_free(&f->silenced);
	free(f);
}

void rim_feed_configure(struct rim_feed *f, const struct mep_config *cfg)
{
	f->cfg = cfg;
	free(f->links);
	f->links = NULL;
	rim_sync_configure(f->rim, cfg);
	f->reported.n = 0;
	update_routes(f);
}

const struct rim_sync *rim_feed_sync(const struct rim_feed *f)
{
	return f->rim;
}

void rim_feed_set_silence(struct rim_feed *f, rim_feed_silence_fn fill,
			  void *arg)
{
	f->silence_fill = fill;
	f->silence_arg = arg;
}

void rim_feed_silence_changed(struct rim_feed *f)
{
	if (f && f->cfg->rim.enabled)
		schedule_update(f, 0);
}

const struct rim_ignored_list *rim_feed_silenced(const struct rim_feed *f)
{
	return &f->silenced;
}
