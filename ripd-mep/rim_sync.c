/* rim_sync: desired RIM routes -> the routing backend (through its
 * operations, rim_backend.h). */
#include "rim_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rim_kernel.h"
#include "rim_zebra.h"

/* The backends, by the configuration's choice. */
static const struct rim_backend_ops *const backends[] = {
	&rim_kernel_backend,
	&rim_zebra_backend,
};

struct rim_sync {
	struct ev_loop *loop;
	ev_timer timer;
	bool armed;	/* a desired set was given: deletions allowed */
	struct mep_rim_config rim;	/* the rim block in force */
	struct rim_backend_host host;
	const struct rim_backend_ops *ops;	/* of b */
	struct rim_backend *b;	/* the backend open, or NULL */
	/* A backend whose routes were just withdrawn lives on for its
	 * linger time (zebra drops what a client sent right before
	 * closing). */
	const struct rim_backend_ops *retiring_ops;
	struct rim_backend *retiring;
	ev_timer retire;
	char zserv[108];
	size_t n_installed;	/* routes in state installed */
	bool all_reported;	/* "all installed" logged for this set */
	bool streamed_since_take;	/* rim_sync_stream() sent routes */
	struct rim_route *routes;	/* the desired set, sorted by prefix */
	struct rim_sync_state *st;	/* and the state of each */
	size_t n, cap;
};

static void rim_sync_run(struct rim_sync *s, bool repair);
static void free_states(struct rim_sync_state *v, size_t n);

static const struct rim_backend_ops *ops_of(enum mep_rim_backend kind)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (backends[i]->kind == kind)
			return backends[i];
	return NULL;
}

static struct rim_backend_set set_of(struct rim_sync *s)
{
	return (struct rim_backend_set){ s->routes, s->st, s->n };
}

/* Send the whole desired set ahead of the next take (adds only). */
static void stream_all(struct rim_sync *s)
{
	if (s->armed && s->n && s->b && s->ops->stream)
		s->ops->stream(s->b, s->routes, s->n);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct rim_sync *s = w->data;

	(void)loop;
	(void)revents;
	/* Routes streamed since the last take are not in s->routes (a set
	 * now would withdraw them): repair by adds only, the take that
	 * follows does the rest. */
	if (s->streamed_since_take && s->b && s->ops->stream) {
		stream_all(s);
		return;
	}
	rim_sync_run(s, true);	/* repair what the system lost */
}

const char *rim_route_state_name(enum rim_route_state st)
{
	switch (st) {
	case RIM_ROUTE_PENDING:
		return "pending";
	case RIM_ROUTE_INSTALLED:
		return "installed";
	case RIM_ROUTE_FAILED:
		return "failed";
	case RIM_ROUTE_LOST:
		return "lost-to-better";
	case RIM_ROUTE_REMOVED:
		return "removed";
	}
	return "pending";
}

/* The retired backend has sent its last requests: free it. */
static void on_retire(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct rim_sync *s = w->data;

	(void)loop;
	(void)revents;
	if (s->retiring)
		s->retiring_ops->free(s->retiring);
	s->retiring = NULL;
}

/* Log once when every desired route is in the backend: the moment the
 * routing system has converged (also what the inject benchmark waits for). */
static void report_progress(struct rim_sync *s)
{
	if (s->n_installed < s->n || s->n == 0) {
		s->all_reported = false;
		return;
	}
	if (!s->all_reported)
		log_notice("rim: all %zu route(s) installed (%s backend)", s->n,
			   rim_sync_backend(s));
	s->all_reported = true;
}

static void count_installed(struct rim_sync *s)
{
	s->n_installed = 0;
	for (size_t i = 0; i < s->n; i++)
		s->n_installed += s->st[i].state == RIM_ROUTE_INSTALLED;
}

static void recount(struct rim_sync *s)
{
	count_installed(s);
	report_progress(s);
}

static void free_states(struct rim_sync_state *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].error);
	free(v);
}

/* The state of the desired route for p (routes are sorted by prefix). */
static struct rim_sync_state *find(struct rim_sync *s,
				   const struct mep_prefix *p)
{
	long i = rim_route_search(s->routes, s->n, p);

	return i < 0 ? NULL : &s->st[i];
}

/* The backend's later news of one route. */
static void host_note(void *arg, const struct mep_prefix *p,
		      enum rim_route_state state, const char *why)
{
	struct rim_sync *s = arg;
	struct rim_sync_state *st = find(s, p);
	bool was;

	if (!st)
		return;
	was = st->state == RIM_ROUTE_INSTALLED;
	rim_state_set(st, state, why);
	if (!was && st->state == RIM_ROUTE_INSTALLED)
		s->n_installed++;
	else if (was && st->state != RIM_ROUTE_INSTALLED)
		s->n_installed--;
	report_progress(s);
}

static void host_ready(void *arg)
{
	struct rim_sync *s = arg;

	/* In the middle of a stream (routes sent since the last take, lost
	 * with the old session's record) the desired set is out of date:
	 * send it without completing the set (zebra: no
	 * ROUTE_UPDATE_COMPLETE, which the next take sends), so nothing
	 * streamed before the reconnect is swept. */
	if (s->streamed_since_take) {
		stream_all(s);
		return;
	}
	rim_sync_run(s, false);
}

struct rim_sync *rim_sync_new(struct ev_loop *loop, const char *zserv)
{
	struct rim_sync *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->loop = loop;
	snprintf(s->zserv, sizeof(s->zserv), "%s", zserv);
	s->host = (struct rim_backend_host){ .loop = loop,
					     .zserv = s->zserv,
					     .arg = s,
					     .note = host_note,
					     .ready = host_ready };
	ev_timer_init(&s->timer, on_timer, RIM_SYNC_PERIOD, RIM_SYNC_PERIOD);
	s->timer.data = s;
	ev_timer_start(loop, &s->timer);
	ev_timer_init(&s->retire, on_retire, 1.0, 0.);
	s->retire.data = s;
	return s;
}

void rim_sync_free(struct rim_sync *s)
{
	if (!s)
		return;
	ev_timer_stop(s->loop, &s->timer);
	ev_timer_stop(s->loop, &s->retire);
	if (s->b)
		s->ops->free(s->b);
	on_retire(s->loop, &s->retire, 0);
	free_states(s->st, s->n);
	free(s->routes);
	free(s);
}

static void rim_sync_run(struct rim_sync *s, bool repair)
{
	struct rim_backend_set set = set_of(s);

	if (!s->rim.enabled || !s->armed || !s->b)
		return;
	s->ops->apply(s->b, &set, repair);
	recount(s);
}

/* Withdraw the routes of the open backend and close it. */
static void close_backend(struct rim_sync *s)
{
	s->ops->withdraw(s->b, s->armed, s->n);
	if (s->ops->linger > 0) {
		ev_timer_stop(s->loop, &s->retire);
		on_retire(s->loop, &s->retire, 0);
		s->retiring = s->b;
		s->retiring_ops = s->ops;
		ev_timer_set(&s->retire, s->ops->linger, 0.);
		ev_timer_start(s->loop, &s->retire);
	} else {
		s->ops->free(s->b);
	}
	s->b = NULL;
	s->ops = NULL;
}

void rim_sync_configure(struct rim_sync *s, const struct mep_config *cfg)
{
	const struct mep_rim_config *now = &cfg->rim;
	struct rim_backend_set set = set_of(s);

	if (s->b && (!now->enabled || now->backend != s->ops->kind ||
		     s->ops->must_reopen(&s->rim, now)))
		close_backend(s);
	else if (s->b)
		s->ops->configure(s->b, now, &set);
	s->rim = *now;
	if (!now->enabled) {
		/* Nothing desired any more, nothing to show. */
		free_states(s->st, s->n);
		free(s->routes);
		s->routes = NULL;
		s->st = NULL;
		s->n = 0;
		s->armed = false;
		recount(s);
	}
	if (now->enabled && !s->b && (s->ops = ops_of(now->backend))) {
		s->b = s->ops->open(&s->host, now);
		if (!s->b) {
			log_err("rim: out of memory opening the %s backend",
				s->ops->name);
			s->ops = NULL;
		}
	}
}

void rim_sync_take(struct rim_sync *s, struct rim_routes *desired)
{
	size_t n = desired->n;
	struct rim_sync_state *st = calloc(n ? n : 1, sizeof(*st));
	bool sorted = true, changed = n != s->n;

	if (!st)
		abort();
	for (size_t i = 1; i < n && sorted; i++)
		sorted = rim_prefix_cmp(&desired->v[i - 1].prefix,
					&desired->v[i].prefix) < 0;
	if (!sorted)
		qsort(desired->v, n, sizeof(*desired->v), rim_route_cmp);
	/* Unchanged routes keep their state (zebra reports only changes).
	 * A route streamed since the last take has the state of what the
	 * backend got last: should that differ from desired, the backend
	 * sends it again (pending). */
	for (size_t i = 0; i < n; i++) {
		const struct rim_route *r = &desired->v[i];
		struct rim_sync_state *old;
		enum rim_route_state state;
		const char *why;

		if (s->b && s->ops->streamed_state &&
		    s->ops->streamed_state(s->b, r, &state, &why)) {
			st[i].state = state;
			st[i].error = *why ? strdup(why) : NULL;
			changed = true;
			continue;
		}
		old = find(s, &r->prefix);
		if (old && rim_route_same_attrs(&s->routes[old - s->st], r)) {
			st[i] = *old;	/* takes the error string over */
			old->error = NULL;
		} else {
			changed = true;
		}
	}
	/* A new set: "all installed" is news again (its routes may all be
	 * in already, streamed). */
	if (changed)
		s->all_reported = false;
	free_states(s->st, s->n);
	free(s->routes);
	s->routes = desired->v;
	s->n = n;
	s->cap = desired->cap;
	s->st = st;
	rim_routes_init(desired);
	s->armed = true;
	s->streamed_since_take = false;
	/* Count first (notes adjust the count), report after the run: a
	 * copied state of a route the run sends again must not count. */
	count_installed(s);
	rim_sync_run(s, false);
	report_progress(s);
}

bool rim_sync_streams(const struct rim_sync *s)
{
	return s->rim.enabled && s->b && s->ops->streams &&
	       s->ops->streams(s->b);
}

void rim_sync_stream(struct rim_sync *s, const struct rim_routes *routes)
{
	if (!rim_sync_streams(s) || routes->n == 0)
		return;
	s->streamed_since_take = true;
	s->ops->stream(s->b, routes->v, routes->n);
}

size_t rim_sync_count(const struct rim_sync *s)
{
	return s->n;
}

const struct rim_route *rim_sync_route_at(const struct rim_sync *s, size_t i,
					  const struct rim_sync_state **st)
{
	*st = &s->st[i];
	return &s->routes[i];
}

const char *rim_sync_backend(const struct rim_sync *s)
{
	const struct rim_backend_ops *ops;

	if (!s->rim.enabled)
		return "none";
	ops = ops_of(s->rim.backend);
	return ops ? ops->name : "none";
}
