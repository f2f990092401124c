/* rim_zebra: desired RIM routes -> zebra over ZAPI. */
#include "rim_zebra.h"

#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "prefix_index.h"
#include "zapi_session.h"

struct rim_zebra {
	struct zapi_session *session;
	struct mep_rim_config rim;
	struct rim_zebra_cbs cbs;
	void *arg;
	bool replayed;		/* this session got the full set */
	bool resend;		/* next hop changed: send everything again */
	unsigned int ifindex;	/* of rim.interface, read once per update */
	unsigned int sent_ifindex;	/* the one the routes in zebra use */
	struct rim_routes sent;	/* what zebra holds from this session,
				 * as of the last rim_zebra_set() */
	/* Sent since by rim_zebra_stream(): one per prefix, the last, with
	 * the reason of its state (enum reason). */
	struct rim_routes streamed;
	uint8_t *streamed_reason;
	size_t reason_cap;
	struct prefix_index streamed_ix;	/* prefix -> position in streamed */
	/* Routes of our type and instance zebra held when we connected (an
	 * earlier run's), kept until the first set: those not desired then
	 * are withdrawn (zebra's own sweep spares the routes installed in
	 * the second the earlier session ended). */
	struct rim_routes left;
	/* Deletes sent whose REMOVED note (zebra confirms each) has not come
	 * back: .metric counts them per prefix. A REMOVED note of a route
	 * we hold is zebra's own doing only when none is outstanding (the
	 * prefix may have been deleted and sent again meanwhile). */
	struct rim_routes deleting;
	struct prefix_index deleting_ix;
	size_t deleting_left;		/* notes still expected, all prefixes */
	ev_tstamp deleting_since;	/* when the first of them was sent */
	/* Withdrawn after the first set (zebra's answer came late): counted
	 * and logged once a little later, not one line per route. */
	size_t late_withdrawn;
	ev_timer late_log;
	struct ev_loop *loop;
};

/* Why a route is in its state: the note and its text. Kept per streamed
 * route (one byte) for rim_zebra_streamed_state(). */
enum reason {
	REASON_NONE,	/* not sent by a stream: the caller knows */
	REASON_SENT,
	REASON_INSTALLED,
	REASON_FAIL_INSTALL,
	REASON_BETTER_WON,
	REASON_REMOVED,
	REASON_REMOVE_FAIL,
	REASON_NO_INTERFACE,
	REASON_OTHER_FAMILY,
	REASON_DOWN,
};

static const struct {
	enum rim_zebra_note note;
	const char *why;
} reasons[] = {
	[REASON_NONE] = { RIM_ZEBRA_SENT, "" },
	[REASON_SENT] = { RIM_ZEBRA_SENT, "" },
	[REASON_INSTALLED] = { RIM_ZEBRA_INSTALLED, "" },
	[REASON_FAIL_INSTALL] = { RIM_ZEBRA_FAILED,
				  "zebra failed to install it" },
	[REASON_BETTER_WON] = { RIM_ZEBRA_BETTER_WON,
				"a route of lower distance won in zebra" },
	[REASON_REMOVED] = { RIM_ZEBRA_REMOVED, "removed by zebra" },
	[REASON_REMOVE_FAIL] = { RIM_ZEBRA_FAILED,
				 "zebra failed to remove it" },
	[REASON_NO_INTERFACE] = { RIM_ZEBRA_UNSENDABLE,
				  "interface missing (is strongSwan "
				  "running?)" },
	[REASON_OTHER_FAMILY] = { RIM_ZEBRA_UNSENDABLE,
				  "next-hop is of the other address family" },
	[REASON_DOWN] = { RIM_ZEBRA_DOWN, "zebra not connected" },
};

/* Position of p's route in v, an array indexed by ix; -1 when absent. */
static long indexed_find(const struct prefix_index *ix,
			 const struct rim_routes *v, const struct mep_prefix *p)
{
	return prefix_index_find(ix, v->v, sizeof(*v->v), p);
}

/* Append r (its prefix absent) to v and index it; its position. */
static long indexed_add(struct prefix_index *ix, struct rim_routes *v,
			const struct rim_route *r)
{
	size_t pos = v->n;

	if (rim_routes_add(v, r) < 0 ||
	    prefix_index_add(ix, v->v, sizeof(*v->v), pos) < 0)
		abort();
	return (long)pos;
}

/* Report reason r for p to the caller; pos is p's streamed position when
 * known (-1: look it up), where r is kept. */
static void note(struct rim_zebra *z, const struct mep_prefix *p, long pos,
		 enum reason r)
{
	if (pos < 0 && z->streamed.n)
		pos = indexed_find(&z->streamed_ix, &z->streamed, p);
	if (pos >= 0)
		z->streamed_reason[pos] = (uint8_t)r;
	z->cbs.on_note(z->arg, p, reasons[r].note, reasons[r].why);
}

static void forget_deleting(struct rim_zebra *z)
{
	rim_routes_free(&z->deleting);
	prefix_index_free(&z->deleting_ix);
	z->deleting_left = 0;
}

static void forget_held(struct rim_zebra *z)
{
	z->sent.n = 0;
	z->streamed.n = 0;
	prefix_index_clear(&z->streamed_ix);
}

static void on_connect(void *arg)
{
	struct rim_zebra *z = arg;

	log_notice("zebra: connected (route type %s, instance %u, stale "
		   "time %u s)",
		   z->rim.route_type_name, z->rim.instance,
		   z->rim.stale_time_s);
	z->replayed = false;
	z->resend = false;	/* nothing held: the first set sends all */
	forget_held(z);
	forget_deleting(z);
	z->left.n = 0;
	/* What zebra holds of our type: one dump, before any route of ours
	 * (REDISTRIBUTE_ADD), and no updates after it (DELETE). */
	if (zapi_session_redistribute(z->session, true) < 0 ||
	    zapi_session_redistribute(z->session, false) < 0)
		log_warn("zebra: cannot ask for the routes an earlier run "
			 "left (zebra's graceful restart sweeps them)");
	z->cbs.on_connect(z->arg);
}

/* streamed_ix reads the prefix at the start of each route */
_Static_assert(offsetof(struct rim_route, prefix) == 0,
	       "struct rim_route must begin with its prefix");

/* A streamed slot for a prefix zebra got nothing for (a failed send). */
#define NOT_HELD INT_MIN

/* Is p held by this session (the last set, or streamed since)? */
static bool holds(const struct rim_zebra *z, const struct mep_prefix *p)
{
	long pos = indexed_find(&z->streamed_ix, &z->streamed, p);

	if (pos >= 0)
		return z->streamed.v[pos].gateway != NOT_HELD;
	return rim_route_search(z->sent.v, z->sent.n, p) >= 0;
}

/* Seconds to wait for zebra's REMOVED notes of our deletes. */
#define RIM_ZEBRA_ECHO_WAIT 30.0

/* Send a ROUTE_DELETE and expect zebra's REMOVED note for it. */
static void delete_route(struct rim_zebra *z, const struct mep_prefix *p)
{
	long pos;

	if (zapi_session_route_delete(z->session, p) < 0)
		return;
	/* zebra says nothing about a route it did not have: notes missing
	 * for long are given up rather than kept for ever */
	if (z->deleting_left &&
	    ev_now(z->loop) - z->deleting_since > RIM_ZEBRA_ECHO_WAIT)
		forget_deleting(z);
	if (!z->deleting_left)
		z->deleting_since = ev_now(z->loop);
	pos = indexed_find(&z->deleting_ix, &z->deleting, p);
	if (pos < 0) {
		struct rim_route r = { .prefix = *p };

		pos = indexed_add(&z->deleting_ix, &z->deleting, &r);
	}
	z->deleting.v[pos].metric++;
	z->deleting_left++;
}

/* A REMOVED note: the echo of one of our deletes? (consumed if so) */
static bool delete_echo(struct rim_zebra *z, const struct mep_prefix *p)
{
	long pos = indexed_find(&z->deleting_ix, &z->deleting, p);

	if (pos < 0 || z->deleting.v[pos].metric == 0)
		return false;
	z->deleting.v[pos].metric--;
	if (--z->deleting_left == 0) {
		/* all came back: start afresh (bounded by what is pending) */
		z->deleting.n = 0;
		prefix_index_clear(&z->deleting_ix);
	}
	return true;
}

/* Withdraw a route an earlier run left that this session does not hold. */
static bool withdraw_left(struct rim_zebra *z, const struct mep_prefix *p)
{
	if (holds(z, p))
		return false;
	delete_route(z, p);
	return true;
}

static void on_redist(void *arg, const struct zapi_redist_route *r)
{
	struct rim_zebra *z = arg;
	struct rim_route route = { .prefix = r->prefix };

	if (r->type != z->rim.route_type || r->instance != z->rim.instance)
		return;
	if (!z->replayed) {
		if (rim_routes_add(&z->left, &route) < 0)
			abort();
		return;
	}
	/* late: the first set went out already */
	if (!withdraw_left(z, &r->prefix))
		return;
	if (z->late_withdrawn++ == 0)
		ev_timer_start(z->loop, &z->late_log);
}

static void on_late_log(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct rim_zebra *z = w->data;

	(void)loop;
	(void)revents;
	log_notice("zebra: withdrew %zu route(s) an earlier run left",
		   z->late_withdrawn);
	z->late_withdrawn = 0;
}

static void on_disconnect(void *arg, const char *reason)
{
	struct rim_zebra *z = arg;

	log_warn("zebra: connection lost (%s); zebra keeps our routes for "
		 "%u s",
		 reason, z->rim.stale_time_s);
	for (size_t i = 0; i < z->sent.n; i++)
		note(z, &z->sent.v[i].prefix, -1, REASON_DOWN);
	for (size_t i = 0; i < z->streamed.n; i++)
		note(z, &z->streamed.v[i].prefix, (long)i, REASON_DOWN);
	z->replayed = false;
	forget_held(z);
}

static void on_notify(void *arg, const struct zapi_notify *n)
{
	static const enum reason map[] = {
		[ZAPI_NOTE_FAIL_INSTALL] = REASON_FAIL_INSTALL,
		[ZAPI_NOTE_BETTER_ADMIN_WON] = REASON_BETTER_WON,
		[ZAPI_NOTE_INSTALLED] = REASON_INSTALLED,
		[ZAPI_NOTE_REMOVED] = REASON_REMOVED,
		[ZAPI_NOTE_REMOVE_FAIL] = REASON_REMOVE_FAIL,
	};
	struct rim_zebra *z = arg;

	if (n->note >= sizeof(map) / sizeof(map[0]) || !map[n->note])
		return;
	if (n->note == ZAPI_NOTE_REMOVED) {
		/* zebra confirms each of our own deletes so: only a route we
		 * hold, and did not just delete, was dropped by zebra itself
		 * (send it again) */
		if (delete_echo(z, &n->prefix) || !holds(z, &n->prefix))
			return;
		z->resend = true;
	}
	note(z, &n->prefix, -1, map[n->note]);
}

struct rim_zebra *rim_zebra_new(struct ev_loop *loop, const char *zserv,
				const struct mep_rim_config *rim,
				const struct rim_zebra_cbs *cbs, void *arg)
{
	static const struct zapi_session_cbs zcbs = {
		.on_connect = on_connect,
		.on_disconnect = on_disconnect,
		.on_notify = on_notify,
		.on_redist = on_redist,
	};
	struct rim_zebra *z = calloc(1, sizeof(*z));
	struct zapi_session_cfg cfg;

	if (!z)
		return NULL;
	z->rim = *rim;
	z->cbs = *cbs;
	z->arg = arg;
	z->loop = loop;
	ev_timer_init(&z->late_log, on_late_log, 0.5, 0.);
	z->late_log.data = z;
	rim_routes_init(&z->sent);
	rim_routes_init(&z->left);
	rim_routes_init(&z->deleting);
	prefix_index_init(&z->deleting_ix);
	rim_routes_init(&z->streamed);
	prefix_index_init(&z->streamed_ix);
	zapi_session_cfg_init(&cfg);
	cfg.path = zserv;
	cfg.route_type = rim->route_type;
	cfg.instance = rim->instance;
	cfg.stale_time = rim->stale_time_s;
	z->session = zapi_session_new(loop, &cfg, &zcbs, z);
	if (!z->session) {
		free(z);
		return NULL;
	}
	zapi_session_start(z->session);
	return z;
}

void rim_zebra_free(struct rim_zebra *z)
{
	if (!z)
		return;
	if (ev_is_active(&z->late_log)) {
		ev_timer_stop(z->loop, &z->late_log);
		on_late_log(z->loop, &z->late_log, 0);
	}
	zapi_session_free(z->session);
	rim_routes_free(&z->sent);
	rim_routes_free(&z->left);
	forget_deleting(z);
	rim_routes_free(&z->streamed);
	free(z->streamed_reason);
	prefix_index_free(&z->streamed_ix);
	free(z);
}

void rim_zebra_configure(struct rim_zebra *z, const struct mep_rim_config *rim)
{
	if (!mep_rim_same_next_hop(&z->rim, rim))
		z->resend = true;
	z->rim = *rim;
}

bool rim_zebra_up(const struct rim_zebra *z)
{
	return zapi_session_up(z->session);
}

/* The ZAPI form of r: next hop from the rim block. Returns the reason
 * when it has none (interface missing, family mismatch), else
 * REASON_NONE. */
static enum reason to_zapi(const struct rim_zebra *z, const struct rim_route *r,
			   struct zapi_route *out)
{
	unsigned int ifindex = z->ifindex;

	memset(out, 0, sizeof(*out));
	out->prefix = r->prefix;
	out->has_nexthop = true;
	if (z->rim.has_next_hop) {
		if (z->rim.next_hop.family != r->prefix.family)
			return REASON_OTHER_FAMILY;
		out->nh.gate = z->rim.next_hop;
		out->nh.ifindex = ifindex;
		if (r->prefix.family == AF_INET)
			out->nh.type = ifindex ? ZAPI_NH_IPV4_IFINDEX
					       : ZAPI_NH_IPV4;
		else
			out->nh.type = ifindex ? ZAPI_NH_IPV6_IFINDEX
					       : ZAPI_NH_IPV6;
	} else {
		if (!ifindex)
			return REASON_NO_INTERFACE;
		out->nh.type = ZAPI_NH_IFINDEX;
		out->nh.ifindex = ifindex;
	}
	out->has_distance = out->has_metric = true;
	out->distance = r->distance;
	out->metric = r->metric;
	out->has_tag = r->tag != 0;
	out->tag = r->tag;
	return REASON_NONE;
}

/* Send r; on success it joins now (unless NULL). pos is its streamed
 * position (-1: none). Returns false when it could not be sent (the
 * caller decides what zebra still holds). */
static bool send_add(struct rim_zebra *z, const struct rim_route *r,
		     struct rim_routes *now, long pos)
{
	struct zapi_route zr;
	enum reason why = to_zapi(z, r, &zr);

	if (why != REASON_NONE) {
		note(z, &r->prefix, pos, why);
		return false;
	}
	if (zapi_session_route_add(z->session, &zr) < 0) {
		note(z, &r->prefix, pos, REASON_DOWN);
		return false;
	}
	note(z, &r->prefix, pos, REASON_SENT);
	if (now && rim_routes_add(now, r) < 0)
		abort();
	return true;
}

/* What zebra holds from this session: the last set with what was streamed
 * since laid over it (sorted by prefix). Both are taken over. */
static void take_held(struct rim_zebra *z, struct rim_routes *held)
{
	size_t w = 0;

	prefix_index_free(&z->streamed_ix);	/* its memory, before now's */
	for (size_t r = 0; r < z->streamed.n; r++)
		if (z->streamed.v[r].gateway != NOT_HELD)
			z->streamed.v[w++] = z->streamed.v[r];
	z->streamed.n = w;
	if (z->streamed.n)
		qsort(z->streamed.v, z->streamed.n, sizeof(*z->streamed.v),
		      rim_route_cmp);
	if (z->streamed.n == 0 || z->sent.n == 0) {
		*held = z->streamed.n ? z->streamed : z->sent;
		if (z->streamed.n)
			rim_routes_init(&z->streamed);
		else
			rim_routes_init(&z->sent);
		return;
	}
	if (rim_routes_lay_over(&z->sent, &z->streamed) < 0)
		abort();
	*held = z->sent;
	rim_routes_init(&z->sent);
	z->streamed.n = 0;
}

/* The route of the last set for p, or NULL. */
static const struct rim_route *sent_route(const struct rim_zebra *z,
					  const struct mep_prefix *p)
{
	long i = rim_route_search(z->sent.v, z->sent.n, p);

	return i < 0 ? NULL : &z->sent.v[i];
}

void rim_zebra_stream(struct rim_zebra *z, const struct rim_route *r,
		      size_t n)
{
	bool any_held = z->sent.n || z->streamed.n;

	if (!zapi_session_up(z->session) || n == 0)
		return;
	z->ifindex = if_nametoindex(z->rim.interface);
	if (z->resend || (any_held && z->ifindex != z->sent_ifindex))
		return;	/* the next set sends everything again */
	z->sent_ifindex = z->ifindex;
	for (size_t i = 0; i < n; i++) {
		long pos = indexed_find(&z->streamed_ix, &z->streamed,
					&r[i].prefix);
		struct rim_route *h;

		if (pos < 0) {
			struct rim_route none = { .prefix = r[i].prefix,
						  .gateway = NOT_HELD };

			if (sent_route(z, &r[i].prefix))
				continue;	/* held: the set's to change */
			pos = indexed_add(&z->streamed_ix, &z->streamed, &none);
			if (z->streamed.cap > z->reason_cap) {
				uint8_t *v = realloc(z->streamed_reason,
						     z->streamed.cap);

				if (!v)
					abort();
				z->streamed_reason = v;
				z->reason_cap = z->streamed.cap;
			}
			z->streamed_reason[pos] = REASON_NONE;
		}
		h = &z->streamed.v[pos];
		if (h->gateway != NOT_HELD)
			continue;	/* held: a change is the set's to make */
		if (send_add(z, &r[i], NULL, pos))
			*h = r[i];
	}
}

bool rim_zebra_streamed_state(const struct rim_zebra *z,
			      const struct rim_route *r,
			      enum rim_zebra_note *note, const char **why)
{
	long pos = indexed_find(&z->streamed_ix, &z->streamed, &r->prefix);

	if (pos < 0 || z->streamed_reason[pos] == REASON_NONE ||
	    z->streamed.v[pos].gateway == NOT_HELD ||
	    !rim_route_same_attrs(&z->streamed.v[pos], r))
		return false;
	*note = reasons[z->streamed_reason[pos]].note;
	*why = reasons[z->streamed_reason[pos]].why;
	return true;
}

/* Before the first set's merge: z->left without repeats and without the
 * prefixes held (the merge keeps or deletes those itself). */
static void keep_left_unhandled(struct rim_zebra *z,
				const struct rim_routes *held)
{
	size_t w = 0;

	if (z->left.n == 0)
		return;
	qsort(z->left.v, z->left.n, sizeof(*z->left.v), rim_route_cmp);
	for (size_t r = 0; r < z->left.n; r++) {
		const struct mep_prefix *p = &z->left.v[r].prefix;

		if ((w && rim_prefix_cmp(&z->left.v[w - 1].prefix, p) == 0) ||
		    rim_route_search(held->v, held->n, p) >= 0)
			continue;
		z->left.v[w++] = z->left.v[r];
	}
	z->left.n = w;
}

/* The set zebra will hold, built while merging: while it equals a prefix
 * of held (the usual case once the routes were streamed) it stays that
 * prefix of held, no copy; the first difference copies it out. */
struct next_set {
	struct rim_routes *held;
	size_t kept;		/* held.v[0..kept) so far, while shared */
	bool shared;
	struct rim_routes own;
};

/* held.v[b], unchanged, stays. */
static void next_keep(struct next_set *x, size_t b)
{
	if (x->shared && x->kept == b) {
		x->kept++;
		return;
	}
	if (x->shared) {
		/* held.v[kept..b) were dropped: copy out what is kept */
		x->shared = false;
		for (size_t i = 0; i < x->kept; i++)
			if (rim_routes_add(&x->own, &x->held->v[i]) < 0)
				abort();
	}
	if (rim_routes_add(&x->own, &x->held->v[b]) < 0)
		abort();
}

/* Somewhere to add a route that differs from held. */
static struct rim_routes *next_own(struct next_set *x)
{
	if (x->shared) {
		x->shared = false;
		for (size_t i = 0; i < x->kept; i++)
			if (rim_routes_add(&x->own, &x->held->v[i]) < 0)
				abort();
	}
	return &x->own;
}

/* One step of the diff of desired against held (rim_diff_sorted): send
 * what is new or changed (ROUTE_ADD replaces), delete what is gone. */
struct set_walk {
	struct rim_zebra *z;
	struct next_set *next;
};

static int set_step(void *arg, enum rim_diff_kind kind,
		    const struct rim_route *want, const struct rim_route *have,
		    size_t have_pos)
{
	struct set_walk *w = arg;
	struct rim_zebra *z = w->z;

	switch (kind) {
	case RIM_DIFF_ADD:
		send_add(z, want, next_own(w->next), -1);
		break;
	case RIM_DIFF_KEEP:
	case RIM_DIFF_REPLACE:
		/* unchanged is sent again only when the next hop changed */
		if (kind == RIM_DIFF_KEEP && !z->resend)
			next_keep(w->next, have_pos);
		else if (!send_add(z, want, next_own(w->next), -1))
			/* not re-sent: zebra still holds the old one */
			next_keep(w->next, have_pos);
		break;
	case RIM_DIFF_DELETE:
		delete_route(z, &have->prefix);
		break;
	}
	return 0;
}

void rim_zebra_set(struct rim_zebra *z, const struct rim_route *desired,
		   size_t n)
{
	struct rim_routes held;
	struct next_set next = { .held = &held, .shared = true };
	struct set_walk walk = { .z = z, .next = &next };

	if (!zapi_session_up(z->session))
		return;
	/* One lookup per update, not per route (it is a system call). A new
	 * index (charon recreated ipsec0) means every route points at a
	 * dead interface: send them all again. */
	z->ifindex = if_nametoindex(z->rim.interface);
	take_held(z, &held);
	if (held.n && z->ifindex != z->sent_ifindex)
		z->resend = true;
	rim_routes_init(&next.own);
	if (!z->replayed)
		keep_left_unhandled(z, &held);
	/* Both sets are sorted by prefix: one walk of the common route diff
	 * (no copy while nothing changes). After a connect, held is what
	 * was streamed since (often nothing: then everything is sent). */
	rim_diff_sorted(desired, n, held.v, held.n, sizeof(*desired),
			set_step, &walk);
	rim_routes_free(&z->sent);
	if (next.shared) {
		held.n = next.kept;
		z->sent = held;
	} else {
		rim_routes_free(&held);
		z->sent = next.own;
	}
	if (!z->replayed) {
		const struct zapi_session_stats *st =
			zapi_session_stats(z->session);
		size_t gone = 0;

		for (size_t i = 0; i < z->left.n; i++)
			gone += withdraw_left(z, &z->left.v[i].prefix);
		if (gone)
			log_notice("zebra: withdrew %zu route(s) an earlier "
				   "run left",
				   gone);
		rim_routes_free(&z->left);
		/* zebra sweeps the stale routes of an earlier run now */
		zapi_session_update_complete(z->session);
		z->replayed = true;
		log_info("zebra: %zu route(s) in zebra, update-complete sent "
			 "(this session: %ju add(s), %ju delete(s))",
			 z->sent.n, (uintmax_t)st->routes_added,
			 (uintmax_t)st->routes_deleted);
	}
	z->resend = false;
	z->sent_ifindex = z->ifindex;
}

/* ---- the zebra backend of RIM (rim_backend.h) */

struct zebra_backend {
	const struct rim_backend_host *host;
	struct mep_rim_config rim;	/* the rim block in force */
	struct rim_zebra *z;		/* NULL: not open (nhrpd) */
	bool nhrpd_logged;		/* the nhrpd conflict was reported */
};

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

static void zb_note(void *arg, const struct mep_prefix *p,
		    enum rim_zebra_note n, const char *why)
{
	struct zebra_backend *b = arg;
	char pfx[MEP_PREFIX_STRLEN];

	/* Routes streamed ahead of the take are logged here too; their
	 * states are read back from the backend at the take. */
	if (n == RIM_ZEBRA_FAILED || n == RIM_ZEBRA_BETTER_WON ||
	    n == RIM_ZEBRA_REMOVED)
		log_warn("zebra: %s: %s", mep_prefix_str(p, pfx, sizeof(pfx)),
			 why);
	b->host->note(b->host->arg, p, zebra_states[n], why);
}

static void zb_connected(void *arg)
{
	struct zebra_backend *b = arg;

	b->host->ready(b->host->arg);
}

/* FRR's nhrpd owns the nhrp route type: refuse to share it (zebra would
 * accept both clients and mix their notifications up). */
static bool nhrpd_running(const char *zserv)
{
	char path[160], dir[108];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", zserv);
	slash = strrchr(dir, '/');
	if (!slash)
		return false;
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/nhrpd.vty", dir);
	return access(path, F_OK) == 0;
}

/* Open the session of b->rim; retried by every apply while nhrpd holds
 * the nhrp type (logged once). */
static void zb_open_session(struct zebra_backend *b)
{
	static const struct rim_zebra_cbs cbs = {
		.on_note = zb_note,
		.on_connect = zb_connected,
	};

	if (b->rim.route_type == 12 && nhrpd_running(b->host->zserv)) {
		if (!b->nhrpd_logged)
			log_err("zebra: nhrpd is running and owns route type "
				"nhrp: choose another 'route-type' in the rim "
				"block (retrying)");
		b->nhrpd_logged = true;
		return;
	}
	b->nhrpd_logged = false;
	b->z = rim_zebra_new(b->host->loop, b->host->zserv, &b->rim, &cbs, b);
	if (!b->z)
		log_err("zebra: out of memory");
	else
		log_notice("rim: zebra backend at %s", b->host->zserv);
}

static struct rim_backend *zb_open(const struct rim_backend_host *host,
				   const struct mep_rim_config *rim)
{
	struct zebra_backend *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->host = host;
	b->rim = *rim;
	zb_open_session(b);
	return (struct rim_backend *)b;
}

static void zb_free(struct rim_backend *rb)
{
	struct zebra_backend *b = (struct zebra_backend *)rb;

	rim_zebra_free(b->z);
	free(b);
}

static bool zb_must_reopen(const struct mep_rim_config *old,
			   const struct mep_rim_config *now)
{
	return now->route_type != old->route_type ||
	       now->instance != old->instance ||
	       now->stale_time_s != old->stale_time_s;
}

static void zb_configure(struct rim_backend *rb,
			 const struct mep_rim_config *rim,
			 struct rim_backend_set *set)
{
	struct zebra_backend *b = (struct zebra_backend *)rb;

	(void)set;
	b->rim = *rim;
	if (b->z)
		rim_zebra_configure(b->z, rim);
	else
		zb_open_session(b);
}

static void zb_apply(struct rim_backend *rb, struct rim_backend_set *set,
		     bool repair)
{
	struct zebra_backend *b = (struct zebra_backend *)rb;

	(void)repair;	/* zebra tells what it lost (REMOVED notes) */
	if (!b->z)
		zb_open_session(b);
	if (!b->z || !rim_zebra_up(b->z)) {
		for (size_t i = 0; i < set->n; i++)
			rim_state_set(&set->st[i], RIM_ROUTE_PENDING,
				      b->z ? "zebra not connected"
					   : "zebra backend not open");
		return;
	}
	rim_zebra_set(b->z, set->v, set->n);
}

/* RIM off, another backend, type or instance: withdraw what this session
 * put in zebra (freeing it alone would leave the routes for the stale
 * time); the session lingers (ops.linger) so that zebra reads it. */
static void zb_withdraw(struct rim_backend *rb, bool armed, size_t n)
{
	struct zebra_backend *b = (struct zebra_backend *)rb;

	(void)armed;
	if (!b->z)
		return;
	log_notice("rim: withdrawing %zu route(s) from zebra", n);
	rim_zebra_set(b->z, NULL, 0);
}

static bool zb_streams(const struct rim_backend *rb)
{
	const struct zebra_backend *b = (const struct zebra_backend *)rb;

	return b->z && rim_zebra_up(b->z);
}

static void zb_stream(struct rim_backend *rb, const struct rim_route *r,
		      size_t n)
{
	struct zebra_backend *b = (struct zebra_backend *)rb;

	if (b->z)
		rim_zebra_stream(b->z, r, n);
}

static bool zb_streamed_state(const struct rim_backend *rb,
			      const struct rim_route *r,
			      enum rim_route_state *state, const char **why)
{
	const struct zebra_backend *b = (const struct zebra_backend *)rb;
	enum rim_zebra_note n;

	if (!b->z || !rim_zebra_streamed_state(b->z, r, &n, why))
		return false;
	*state = zebra_states[n];
	return true;
}

const struct rim_backend_ops rim_zebra_backend = {
	.name = "zebra",
	.kind = MEP_RIM_ZEBRA,
	.linger = 1.0,
	.open = zb_open,
	.must_reopen = zb_must_reopen,
	.configure = zb_configure,
	.apply = zb_apply,
	.withdraw = zb_withdraw,
	.free = zb_free,
	.streams = zb_streams,
	.stream = zb_stream,
	.streamed_state = zb_streamed_state,
};
