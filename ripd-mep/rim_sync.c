/* rim_sync: desired RIM routes -> the routing backend. */
#include "rim_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "rim_kernel.h"
#include "rim_zebra.h"

struct rim_sync {
	struct ev_loop *loop;
	ev_timer timer;
	bool armed;	/* a desired set was given: deletions allowed */
	struct mep_rim_config rim;	/* the rim block in force */
	struct rim_kernel *kernel;
	/* Our routes in the kernel table: read from the kernel when not
	 * valid (start, every repair period), else kept as we changed it,
	 * so an event does not cost a dump of the whole table. */
	struct rim_routes kcache;
	bool kcache_valid;
	struct rim_zebra *zebra;
	/* A session whose routes were just withdrawn: zebra drops what a
	 * client sent right before closing, so it lives on a little. */
	struct rim_zebra *retiring;
	ev_timer retire;
	char zserv[108];
	size_t n_installed;	/* routes in state installed */
	bool nhrpd_logged;	/* the nhrpd conflict was reported */
	bool all_reported;	/* "all installed" logged for this set */
	bool streamed_since_take;	/* rim_sync_stream() sent routes */
	struct rim_route *routes;	/* the desired set, sorted by prefix */
	struct rim_sync_state *st;	/* and the state of each */
	size_t n, cap;
};

static void rim_sync_run(struct rim_sync *s);
static void free_states(struct rim_sync_state *v, size_t n);
static struct rim_sync_state *find(struct rim_sync *s,
				   const struct mep_prefix *p);

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct rim_sync *s = w->data;

	(void)loop;
	(void)revents;
	/* Routes streamed since the last take are not in s->routes (a set
	 * now would withdraw them): repair by adds only, the take that
	 * follows does the rest. */
	if (s->rim.backend == MEP_RIM_ZEBRA && s->zebra &&
	    s->streamed_since_take) {
		if (s->armed && s->n)
			rim_zebra_stream(s->zebra, s->routes, s->n);
		return;
	}
	s->kcache_valid = false;	/* repair what the kernel lost */
	rim_sync_run(s);
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

/* Zebra has read the withdrawals by now: close the old session. */
static void on_retire(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct rim_sync *s = w->data;

	(void)loop;
	(void)revents;
	rim_zebra_free(s->retiring);
	s->retiring = NULL;
}

struct rim_sync *rim_sync_new(struct ev_loop *loop, const char *zserv)
{
	struct rim_sync *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->loop = loop;
	rim_routes_init(&s->kcache);
	snprintf(s->zserv, sizeof(s->zserv), "%s", zserv);
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
	rim_kernel_close(s->kernel);
	rim_zebra_free(s->zebra);
	rim_zebra_free(s->retiring);
	free_states(s->st, s->n);
	free(s->routes);
	rim_routes_free(&s->kcache);
	free(s);
}

/* Read the kernel's routes of our protocol and table into the cache. */
static int kernel_read(struct rim_sync *s)
{
	struct rim_kernel_route *kr = NULL;
	struct strbuf err = STRBUF_INIT;
	size_t n = 0;

	if (rim_kernel_list(s->kernel, &kr, &n, &err) < 0) {
		log_err("rim: cannot list kernel routes: %s", strbuf_str(&err));
		strbuf_free(&err);
		return -1;
	}
	strbuf_free(&err);
	s->kcache.n = 0;
	for (size_t i = 0; i < n; i++) {
		struct rim_route r = { .prefix = kr[i].prefix,
				       .gateway = -1,
				       .distance = kr[i].distance,
				       .metric = kr[i].metric };
		const struct rim_sync_state *d = find(s, &r.prefix);

		/* The kernel keeps no tag: compare on what it keeps. */
		if (d) {
			r.tag = s->routes[d - s->st].tag;
			r.gateway = s->routes[d - s->st].gateway;
		}
		if (rim_routes_add(&s->kcache, &r) < 0)
			abort();
	}
	free(kr);
	s->kcache_valid = true;
	return 0;
}

static void set_state(struct rim_sync_state *st, enum rim_route_state state,
		      const char *why)
{
	st->state = state;
	if (st->error && why && strcmp(st->error, why) == 0)
		return;
	free(st->error);
	st->error = why && *why ? strdup(why) : NULL;
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
			   s->rim.backend == MEP_RIM_ZEBRA ? "zebra" : "kernel");
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

static void kernel_apply(struct rim_sync *s, const struct rim_change *c)
{
	char pfx[MEP_PREFIX_STRLEN];
	struct strbuf err = STRBUF_INIT;
	struct rim_sync_state *st = find(s, &c->route.prefix);
	int rc;

	mep_prefix_str(&c->route.prefix, pfx, sizeof(pfx));
	if (c->op == RIM_OP_DELETE) {
		rc = rim_kernel_delete(s->kernel, &c->route.prefix, &err);
		if (rc < 0)
			log_err("rim: withdrawing %s: %s", pfx, strbuf_str(&err));
		else
			log_info("rim: withdrew %s", pfx);
	} else {
		struct rim_kernel_route kr, old;

		rim_kernel_route_from_config(&kr, &c->route.prefix,
					     c->route.distance,
					     c->route.metric, &s->rim);
		rim_kernel_route_from_config(&old, &c->old.prefix,
					     c->old.distance, c->old.metric,
					     &s->rim);
		/* The cache says what the table holds: no dump per route. */
		rc = rim_kernel_install(s->kernel, &kr,
					c->op == RIM_OP_REPLACE ? &old : NULL,
					&err);
		if (st)
			set_state(st,
				  rc == 0 ? RIM_ROUTE_INSTALLED
					  : RIM_ROUTE_FAILED,
				  rc == 0 ? "" : strbuf_str(&err));
		if (rc < 0)
			log_debug(LOG_DEBUG_CONFIG, "rim: installing %s: %s",
				  pfx, strbuf_str(&err));
		else
			log_info("rim: %s %s (distance %u, metric %u)",
				 c->op == RIM_OP_ADD ? "injected" : "updated",
				 pfx, c->route.distance, c->route.metric);
	}
	strbuf_free(&err);
}

static void zebra_open(struct rim_sync *s);

static void zebra_run(struct rim_sync *s)
{
	if (!s->zebra)
		zebra_open(s);
	if (!s->zebra || !rim_zebra_up(s->zebra)) {
		for (size_t i = 0; i < s->n; i++)
			set_state(&s->st[i], RIM_ROUTE_PENDING,
				  s->zebra ? "zebra not connected"
					   : "zebra backend not open");
		recount(s);
		return;
	}
	rim_zebra_set(s->zebra, s->routes, s->n);
	recount(s);
}

/* The route state of each zebra note. */
static const enum rim_route_state zebra_states[] = {
	[RIM_ZEBRA_SENT] = RIM_ROUTE_PENDING,
	[RIM_ZEBRA_INSTALLED] = RIM_ROUTE_INSTALLED,
	[RIM_ZEBRA_FAILED] = RIM_ROUTE_FAILED,
	[RIM_ZEBRA_BETTER_WON] = RIM_ROUTE_LOST,
	[RIM_ZEBRA_REMOVED] = RIM_ROUTE_REMOVED,
	[RIM_ZEBRA_UNSENDABLE] = RIM_ROUTE_FAILED,
	[RIM_ZEBRA_DOWN] = RIM_ROUTE_PENDING,
};

static void zebra_note(void *arg, const struct mep_prefix *p,
		       enum rim_zebra_note note, const char *why)
{
	struct rim_sync *s = arg;
	struct rim_sync_state *st = find(s, p);
	char pfx[MEP_PREFIX_STRLEN];
	bool was;

	/* Routes streamed ahead of the take are logged here too; their
	 * states are read back from the backend at the take. */
	if (note == RIM_ZEBRA_FAILED || note == RIM_ZEBRA_BETTER_WON ||
	    note == RIM_ZEBRA_REMOVED)
		log_warn("zebra: %s: %s",
			 mep_prefix_str(p, pfx, sizeof(pfx)), why);
	if (!st)
		return;
	was = st->state == RIM_ROUTE_INSTALLED;
	set_state(st, zebra_states[note], why);
	if (!was && st->state == RIM_ROUTE_INSTALLED)
		s->n_installed++;
	else if (was && st->state != RIM_ROUTE_INSTALLED)
		s->n_installed--;
	report_progress(s);
}

static void zebra_connected(void *arg)
{
	struct rim_sync *s = arg;

	/* In the middle of a stream (routes sent since the last take, lost
	 * with the old session's record) the desired set is out of date:
	 * send it without ROUTE_UPDATE_COMPLETE, which the next take sends,
	 * so zebra sweeps nothing streamed before the reconnect. */
	if (s->streamed_since_take) {
		if (s->armed && s->n)
			rim_zebra_stream(s->zebra, s->routes, s->n);
		return;
	}
	rim_sync_run(s);
}

/* FRR's nhrpd owns the nhrp route type: refuse to share it (zebra would
 * accept both clients and mix their notifications up). */
static bool nhrpd_running(const struct rim_sync *s)
{
	char path[160], dir[108];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", s->zserv);
	slash = strrchr(dir, '/');
	if (!slash)
		return false;
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/nhrpd.vty", dir);
	return access(path, F_OK) == 0;
}

/* Open the zebra backend of s->rim; retried by every run while nhrpd
 * holds the nhrp type (logged once). */
static void zebra_open(struct rim_sync *s)
{
	static const struct rim_zebra_cbs cbs = {
		.on_note = zebra_note,
		.on_connect = zebra_connected,
	};

	if (s->rim.route_type == 12 && nhrpd_running(s)) {
		if (!s->nhrpd_logged)
			log_err("zebra: nhrpd is running and owns route type "
				"nhrp: choose another 'route-type' in the rim "
				"block (retrying)");
		s->nhrpd_logged = true;
		return;
	}
	s->nhrpd_logged = false;
	s->zebra = rim_zebra_new(s->loop, s->zserv, &s->rim, &cbs, s);
	if (!s->zebra)
		log_err("zebra: out of memory");
	else
		log_notice("rim: zebra backend at %s", s->zserv);
}

static void rim_sync_run(struct rim_sync *s)
{
	struct rim_routes desired;
	struct rim_changes changes;

	if (!s->rim.enabled || !s->armed)
		return;
	if (s->rim.backend == MEP_RIM_ZEBRA) {
		zebra_run(s);
		return;
	}
	if (!s->kernel) {
		for (size_t i = 0; i < s->n; i++)
			set_state(&s->st[i], RIM_ROUTE_FAILED,
				  "kernel backend not open");
		return;
	}
	rim_routes_init(&desired);
	rim_changes_init(&changes);
	if (!s->kcache_valid && kernel_read(s) < 0)
		goto out;
	for (size_t i = 0; i < s->n; i++) {
		struct rim_route r = s->routes[i];

		if (r.metric > RIM_KERNEL_METRIC_MAX)
			r.metric = RIM_KERNEL_METRIC_MAX;
		set_state(&s->st[i], RIM_ROUTE_PENDING, "");
		if (rim_routes_add(&desired, &r) < 0)
			abort();
	}
	/* What the kernel already holds as desired counts as installed. */
	for (size_t i = 0; i < s->kcache.n; i++) {
		struct rim_sync_state *st = find(s, &s->kcache.v[i].prefix);

		if (st)
			set_state(st, RIM_ROUTE_INSTALLED, "");
	}
	if (rim_reconcile(desired.v, desired.n, s->kcache.v, s->kcache.n,
			  &changes) < 0) {
		log_err("rim: out of memory reconciling routes");
		goto out;
	}
	for (size_t i = 0; i < changes.n; i++)
		kernel_apply(s, &changes.v[i]);
	/* The table now holds the desired routes that went in; a failed
	 * delete is found again by the next repair run. */
	s->kcache.n = 0;
	for (size_t i = 0; i < desired.n; i++)
		if (s->st[i].state == RIM_ROUTE_INSTALLED &&
		    rim_routes_add(&s->kcache, &desired.v[i]) < 0)
			abort();
	recount(s);
out:
	rim_changes_free(&changes);
	rim_routes_free(&desired);
}

/* Withdraw every route of ours from the open kernel table. */
static void kernel_flush(struct rim_sync *s)
{
	size_t saved = s->n;

	if (!s->armed)
		return;
	s->n = 0;
	rim_sync_run(s);
	s->n = saved;
}

/* The interface or next hop changed: move our routes in place (same
 * priority, NLM_F_REPLACE), never withdrawing them. */
static void kernel_repoint(struct rim_sync *s)
{
	struct strbuf err = STRBUF_INIT;
	char pfx[MEP_PREFIX_STRLEN];

	for (size_t i = 0; i < s->kcache.n; i++) {
		const struct rim_route *r = &s->kcache.v[i];
		struct rim_kernel_route kr;

		rim_kernel_route_from_config(&kr, &r->prefix, r->distance,
					     r->metric, &s->rim);
		strbuf_reset(&err);
		if (rim_kernel_install(s->kernel, &kr, &kr, &err) < 0)
			log_err("rim: moving %s to the new next hop: %s",
				mep_prefix_str(&r->prefix, pfx, sizeof(pfx)),
				strbuf_str(&err));
	}
	strbuf_free(&err);
}

void rim_sync_configure(struct rim_sync *s, const struct mep_config *cfg)
{
	const struct mep_rim_config *old = &s->rim, *now = &cfg->rim;
	bool kernel_reopen = !now->enabled ||
			     now->backend != MEP_RIM_KERNEL ||
			     now->kernel_table != old->kernel_table;
	bool zebra_reopen = !now->enabled || now->backend != MEP_RIM_ZEBRA ||
			    now->route_type != old->route_type ||
			    now->instance != old->instance ||
			    now->stale_time_s != old->stale_time_s;
	bool repoint = !mep_rim_same_next_hop(old, now);
	struct strbuf err = STRBUF_INIT;

	if (s->kernel && kernel_reopen) {
		kernel_flush(s);
		rim_kernel_close(s->kernel);
		s->kernel = NULL;
		s->kcache_valid = false;
	}
	if (s->zebra && zebra_reopen) {
		/* RIM off, another backend, type or instance: withdraw what
		 * this session put in zebra (freeing it alone would leave
		 * the routes for the stale time). */
		log_notice("rim: withdrawing %zu route(s) from zebra", s->n);
		rim_zebra_set(s->zebra, NULL, 0);
		ev_timer_stop(s->loop, &s->retire);
		rim_zebra_free(s->retiring);
		s->retiring = s->zebra;
		ev_timer_start(s->loop, &s->retire);
		s->zebra = NULL;
	} else if (s->zebra) {
		rim_zebra_configure(s->zebra, now);
	}
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
	if (now->enabled && now->backend == MEP_RIM_KERNEL && !s->kernel) {
		if (rim_kernel_open(&s->kernel, now->kernel_table,
				    RIM_KERNEL_PROTO, &err) < 0)
			log_err("rim: cannot open the kernel backend (table "
				"%u): %s",
				now->kernel_table, strbuf_str(&err));
		else
			log_notice("rim: kernel backend, table %u, protocol %u, "
				   "interface %s",
				   now->kernel_table, RIM_KERNEL_PROTO,
				   now->interface);
	} else if (s->kernel && repoint &&
		   (s->kcache_valid || kernel_read(s) == 0)) {
		kernel_repoint(s);
	}
	if (now->enabled && now->backend == MEP_RIM_ZEBRA && !s->zebra)
		zebra_open(s);
	strbuf_free(&err);
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
	 * A route streamed since the last take has the state of what zebra
	 * got last: should that differ from desired, the backend sends it
	 * again (pending). */
	for (size_t i = 0; i < n; i++) {
		const struct rim_route *r = &desired->v[i];
		struct rim_sync_state *old;
		enum rim_zebra_note note;
		const char *why;

		if (s->zebra &&
		    rim_zebra_streamed_state(s->zebra, r, &note, &why)) {
			st[i].state = zebra_states[note];
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
	rim_sync_run(s);
	report_progress(s);
}

bool rim_sync_streams(const struct rim_sync *s)
{
	return s->rim.enabled && s->rim.backend == MEP_RIM_ZEBRA && s->zebra &&
	       rim_zebra_up(s->zebra);
}

void rim_sync_stream(struct rim_sync *s, const struct rim_routes *routes)
{
	if (!rim_sync_streams(s) || routes->n == 0)
		return;
	s->streamed_since_take = true;
	rim_zebra_stream(s->zebra, routes->v, routes->n);
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
	if (!s->rim.enabled)
		return "none";
	return s->rim.backend == MEP_RIM_KERNEL ? "kernel" : "zebra";
}
