/* steer_child_io: the loop adapter of `steering child-sa` (see
 * steer_child_io.h). */
#include "steer_child_io.h"

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "ipsec_engine.h"
#include "log.h"
#include "steer_child_swanctl.h"
#include "strbuf.h"

#define ACTIONS_PER_STEP 32

/* A command in flight; io NULL once the adapter is gone. */
struct cmd_ctx {
	struct steer_child_io *io;
	struct cmd_ctx *next, *prev;
	enum steer_child_action_kind kind;
	unsigned gen;
	size_t dest;
	int gw;
	uint32_t ike_id, child_id;
	char conn[128];
	char child[STEER_CHILD_NAME_MAX];
	char gw_name[MEP_NAME_MAX];
	struct mep_prefix dst;
};

/* What was last logged of a destination. */
struct logged {
	bool valid;
	enum steer_child_state state;
	bool carried;
	uint32_t ike_id, child_id;
};

struct steer_child_io {
	struct daemon *d;
	struct steer_child *core;
	const struct mep_gateway *cfg_gw;	/* configuration identity */
	const struct mep_community *cfg_c;
	size_t cfg_n_gw, cfg_n_c;
	uint64_t cfg_gen;		/* d->history.gen */
	bool configured;
	ev_timer wake;
	ev_timer kick;
	struct cmd_ctx *pending;
	struct logged *logged;
	size_t n_logged;
};

static void step(struct steer_child_io *io);

static double now_of(const struct steer_child_io *io)
{
	return ev_now(io->d->loop);
}

static void kick(struct steer_child_io *io)
{
	if (!ev_is_active(&io->kick)) {
		ev_timer_set(&io->kick, 0., 0.);
		ev_timer_start(io->d->loop, &io->kick);
	}
}

/* Follow d->cfg when it was replaced (the entry-point events of a new
 * configuration come before daemon_apply_from() tells us). */
static void ensure_config(struct steer_child_io *io)
{
	const struct mep_config *cfg = &io->d->cfg;
	struct logged *l;
	size_t n;

	if (io->configured && io->cfg_gen == io->d->history.gen &&
	    io->cfg_gw == cfg->gateways &&
	    io->cfg_c == cfg->communities && io->cfg_n_gw == cfg->n_gateways &&
	    io->cfg_n_c == cfg->n_communities)
		return;
	io->configured = true;
	io->cfg_gen = io->d->history.gen;
	io->cfg_gw = cfg->gateways;
	io->cfg_c = cfg->communities;
	io->cfg_n_gw = cfg->n_gateways;
	io->cfg_n_c = cfg->n_communities;
	if (steer_child_configure(io->core, cfg, now_of(io)) < 0)
		log_err("steering: out of memory: no CHILD_SA steering until "
			"the next configuration change");
	n = steer_child_count(io->core);
	l = calloc(n ? n : 1, sizeof(*l));
	if (!l)
		n = 0;
	/* what a kept destination was is what was logged of it */
	for (size_t i = 0; i < n; i++) {
		struct steer_child_view v;

		steer_child_get(io->core, i, &v);
		l[i] = (struct logged){ .valid = true,
					.state = v.state,
					.carried = v.carried,
					.ike_id = v.ike_id,
					.child_id = v.child_id };
	}
	free(io->logged);
	io->logged = l;
	io->n_logged = n;
}

/* Set destination i's entry point from the daemon's resolution r of q;
 * centers the core gave up on for i count as not responding (i is
 * resolved again without them). */
static void set_target(struct steer_child_io *io, size_t i,
		       const struct mep_query *q, const struct mep_result *r)
{
	const struct mep_config *cfg = &io->d->cfg;
	double now = now_of(io);
	struct mep_liveness *live = NULL;
	struct mep_result again;
	bool any = false;

	for (size_t g = 0; g < cfg->n_gateways && !any; g++)
		any = steer_child_given_up(io->core, i, (int)g, now);
	if (!any) {
		steer_child_set_entry(io->core, i, r, now);
		return;
	}
	live = malloc(cfg->n_gateways * sizeof(*live));
	if (!live) {
		steer_child_set_entry(io->core, i, r, now);
		return;
	}
	memcpy(live, liveness_view(&io->d->live),
	       cfg->n_gateways * sizeof(*live));
	for (size_t g = 0; g < cfg->n_gateways; g++)
		if (steer_child_given_up(io->core, i, (int)g, now))
			live[g].state = MEP_LIVE_DOWN;
	mep_resolve(NULL, cfg, live, q, &again);
	free(live);
	steer_child_set_entry(io->core, i, &again, now);
}

/* The destination dst steered for community ci, or -1: a prefix of
 * several communities (their centers' domains overlap; no rule forbids
 * it) is steered for the first child-sa one only, and the entry points of
 * the others (another child-sa community, route steering, random) must
 * not set its target. */
static int find_dest(const struct steer_child_io *io, int ci,
		     const struct mep_prefix *dst)
{
	struct steer_child_view v;
	int i = steer_child_find(io->core, dst);

	if (i < 0)
		return -1;
	steer_child_get(io->core, (size_t)i, &v);
	return v.community == ci ? i : -1;
}

/* Every destination's entry point from the daemon's table. */
static void reseed(struct steer_child_io *io)
{
	struct daemon *d = io->d;

	ensure_config(io);
	for (size_t k = 0; k < d->n_entry; k++) {
		int i = find_dest(io, d->entry[k].community,
				  &d->entry[k].destination);

		if (i >= 0)
			set_target(io, (size_t)i, &d->entry[k].query,
				   &d->entry[k].result);
	}
}

static void on_entry(void *arg, struct daemon *d,
		     const struct daemon_entry_change *ch)
{
	struct steer_child_io *io = arg;
	int i;

	(void)d;
	ensure_config(io);
	i = find_dest(io, ch->community, ch->destination);
	if (i < 0)
		return;
	set_target(io, (size_t)i, ch->query, ch->now);
	kick(io);
}

static void on_engine(void *arg, const struct ipsec_event *ev)
{
	struct steer_child_io *io = arg;

	switch (ev->kind) {
	case IPSEC_EV_LOST:
		steer_child_engine(io->core, false, now_of(io));
		break;
	case IPSEC_EV_RESYNCED:
		steer_child_engine(io->core, true, now_of(io));
		kick(io);
		break;
	case IPSEC_EV_TUNNEL_UP:
	case IPSEC_EV_TUNNEL_DOWN:
	case IPSEC_EV_IKE_DOWN:
	case IPSEC_EV_GRACE_OVER:
		if (!ev->in_resync)
			kick(io);
		break;
	case IPSEC_EV_CONNECTED:
	case IPSEC_EV_RESYNC_BEGIN:
	case IPSEC_EV_IKE_UP:	/* third-party liveness (ike_liveness) */
		break;
	}
}

static void unlink_ctx(struct cmd_ctx *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else if (c->io)
		c->io->pending = c->next;
	if (c->next)
		c->next->prev = c->prev;
}

static void on_done(void *arg, bool ok, const char *error)
{
	struct cmd_ctx *c = arg;
	struct steer_child_io *io = c->io;
	char pfx[MEP_PREFIX_STRLEN];

	if (!io) {
		free(c);
		return;
	}
	unlink_ctx(c);
	mep_prefix_str(&c->dst, pfx, sizeof(pfx));
	switch (c->kind) {
	case STEER_CHILD_INITIATE:
		if (!ok && error && strstr(error, "not found")) {
			struct strbuf want = STRBUF_INIT;

			if (c->gen == steer_child_generation(io->core))
				steer_child_swanctl_child_line(
					&io->d->cfg, c->gw, &c->dst, &want);
			log_err("steering %s: strongSwan has no child %s in "
				"connection %s (%s); show mep swanctl prints "
				"for it: %s",
				pfx, c->child, c->conn, error, strbuf_str(&want));
			strbuf_free(&want);
		} else if (!ok)
			log_warn("steering %s: initiate %s on %s failed: %s",
				 pfx, c->child, c->gw_name, error);
		steer_child_initiate_done(io->core, c->gen, c->dest, c->gw, ok,
					  error, now_of(io));
		break;
	case STEER_CHILD_TERMINATE:
		if (!ok)
			log_warn("steering %s: terminate CHILD_SA #%u/#%u to %s "
				 "failed: %s",
				 pfx, c->ike_id, c->child_id, c->gw_name, error);
		steer_child_terminate_done(io->core, c->ike_id, c->child_id, ok,
					   error, now_of(io));
		break;
	case STEER_CHILD_INITIATE_IKE:
		if (!ok)
			log_info("steering: IKE_SA to %s (connection %s): %s",
				 c->gw_name, c->conn, error);
		break;
	case STEER_CHILD_GIVE_UP:
		break;
	}
	free(c);
	kick(io);
}

static struct cmd_ctx *ctx_new(struct steer_child_io *io,
			       const struct steer_child_action *a)
{
	struct cmd_ctx *c = calloc(1, sizeof(*c));
	struct steer_child_view v;

	if (!c)
		return NULL;
	c->io = io;
	c->kind = a->kind;
	c->gen = steer_child_generation(io->core);
	c->dest = a->dest;
	c->gw = a->gateway;
	c->ike_id = a->ike_id;
	c->child_id = a->child_id;
	snprintf(c->conn, sizeof(c->conn), "%s", a->conn);
	snprintf(c->child, sizeof(c->child), "%s", a->child);
	snprintf(c->gw_name, sizeof(c->gw_name), "%s",
		 io->d->cfg.gateways[a->gateway].name);
	if (a->kind != STEER_CHILD_INITIATE_IKE &&
	    a->dest < steer_child_count(io->core)) {
		steer_child_get(io->core, a->dest, &v);
		c->dst = *v.destination;
	}
	c->next = io->pending;
	if (io->pending)
		io->pending->prev = c;
	io->pending = c;
	return c;
}

static void run(struct steer_child_io *io, const struct steer_child_action *a,
		bool *reseed_after)
{
	struct ipsec_engine *e = io->d->ipsec;
	const char *gw = io->d->cfg.gateways[a->gateway].name;
	struct steer_child_view v;
	char pfx[MEP_PREFIX_STRLEN] = "";
	struct cmd_ctx *c;

	if (a->kind != STEER_CHILD_INITIATE_IKE) {
		steer_child_get(io->core, a->dest, &v);
		mep_prefix_str(v.destination, pfx, sizeof(pfx));
	}
	if (a->kind == STEER_CHILD_GIVE_UP) {
		log_warn("steering %s: %s treated as not responding for it: %s",
			 pfx, gw, a->why);
		*reseed_after = true;
		return;
	}
	c = ctx_new(io, a);
	if (!c) {
		log_err("steering: out of memory; retried later");
		return;
	}
	switch (a->kind) {
	case STEER_CHILD_INITIATE:
		log_notice("steering %s: initiate %s/%s on %s (%s)", pfx,
			   a->conn, a->child, gw, a->why);
		ipsec_engine_initiate(e, a->child, a->conn, on_done, c);
		break;
	case STEER_CHILD_TERMINATE:
		log_notice("steering %s: terminate CHILD_SA %s/%s #%u/#%u to "
			   "%s: %s",
			   pfx, a->conn, a->child, a->ike_id, a->child_id, gw,
			   a->why);
		ipsec_engine_terminate(e, a->ike_id, a->child_id, on_done, c);
		break;
	case STEER_CHILD_INITIATE_IKE:
		log_info("steering: IKE_SA to %s (connection %s): %s", gw,
			 a->conn, a->why);
		ipsec_engine_initiate(e, NULL, a->conn, on_done, c);
		break;
	case STEER_CHILD_GIVE_UP:
		break;
	}
}

static void log_states(struct steer_child_io *io)
{
	const struct mep_config *cfg = &io->d->cfg;

	for (size_t i = 0; i < io->n_logged; i++) {
		struct logged *l = &io->logged[i];
		struct steer_child_view v;
		char pfx[MEP_PREFIX_STRLEN];

		steer_child_get(io->core, i, &v);
		if (l->valid && l->state == v.state &&
		    l->carried == v.carried && l->ike_id == v.ike_id &&
		    l->child_id == v.child_id)
			continue;
		if (v.state == STEER_CHILD_MOVING &&
		    strcmp(v.reason, "no entry point yet") == 0)
			continue;
		*l = (struct logged){ .valid = true,
				      .state = v.state,
				      .carried = v.carried,
				      .ike_id = v.ike_id,
				      .child_id = v.child_id };
		mep_prefix_str(v.destination, pfx, sizeof(pfx));
		if (v.state == STEER_CHILD_UP)
			log_notice("steering %s: up via CHILD_SA %s/%s #%u/#%u "
				   "to %s",
				   pfx, steer_child_conn(cfg, v.gateway),
				   v.child, v.ike_id, v.child_id,
				   cfg->gateways[v.gateway].name);
		else if (v.state == STEER_CHILD_MOVING)
			log_notice("steering %s: moving: %s", pfx, v.reason);
		else
			log_warn("steering %s: failed: %s", pfx, v.reason);
	}
}

static void step(struct steer_child_io *io)
{
	struct steer_child_action a[ACTIONS_PER_STEP];
	const struct tunnel_table *t;
	bool again = false;
	double wake;
	size_t n;

	ensure_config(io);
	if (!io->d->ipsec || ipsec_engine_in_resync(io->d->ipsec))
		return;
	t = ipsec_engine_tunnels(io->d->ipsec);
	n = steer_child_step(io->core, t, now_of(io), a, ACTIONS_PER_STEP,
			     &wake);
	for (size_t k = 0; k < n; k++)
		run(io, &a[k], &again);
	log_states(io);
	if (again) {
		reseed(io);
		kick(io);
	}
	if (n == ACTIONS_PER_STEP)
		kick(io);
	ev_timer_stop(io->d->loop, &io->wake);
	if (wake >= 0) {
		double in = wake - now_of(io);

		ev_timer_set(&io->wake, in > 0.001 ? in : 0.001, 0.);
		ev_timer_start(io->d->loop, &io->wake);
	}
}

static void on_kick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	step(w->data);
}

static void on_wake(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	/* a hold may be over: resolve again first */
	reseed(w->data);
	step(w->data);
}

struct steer_child_io *steer_child_io_new(struct daemon *d)
{
	struct steer_child_io *io = calloc(1, sizeof(*io));

	if (!io)
		return NULL;
	io->d = d;
	io->core = steer_child_new(NULL);
	if (!io->core)
		goto fail;
	ev_timer_init(&io->wake, on_wake, 1., 0.);
	io->wake.data = io;
	ev_timer_init(&io->kick, on_kick, 0., 0.);
	io->kick.data = io;
	if (ipsec_engine_subscribe(d->ipsec, on_engine, io) < 0)
		goto fail;
	if (daemon_entry_subscribe(d, on_entry, io) < 0) {
		ipsec_engine_unsubscribe(d->ipsec, on_engine, io);
		goto fail;
	}
	/* nothing is asked before the engine's first listing */
	steer_child_engine(io->core, ipsec_engine_connected(d->ipsec) &&
					     !ipsec_engine_holding(d->ipsec),
			   ev_now(d->loop));
	reseed(io);
	kick(io);
	return io;
fail:
	steer_child_free(io->core);
	free(io);
	return NULL;
}

void steer_child_io_configure(struct steer_child_io *io)
{
	if (!io)
		return;
	reseed(io);
	kick(io);
}

void steer_child_io_free(struct steer_child_io *io)
{
	if (!io)
		return;
	daemon_entry_unsubscribe(io->d, on_entry, io);
	ipsec_engine_unsubscribe(io->d->ipsec, on_engine, io);
	ev_timer_stop(io->d->loop, &io->wake);
	ev_timer_stop(io->d->loop, &io->kick);
	/* commands in flight complete later: their context is orphaned */
	for (struct cmd_ctx *c = io->pending; c; c = c->next)
		c->io = NULL;
	steer_child_free(io->core);
	free(io->logged);
	free(io);
}

bool steer_child_io_show(const struct steer_child_io *io,
			 const struct mep_prefix *dst,
			 struct steer_child_show *out)
{
	const struct mep_config *cfg;
	struct steer_child_view v;
	int i;

	if (!io || !io->configured)
		return false;
	i = steer_child_find(io->core, dst);
	if (i < 0)
		return false;
	cfg = &io->d->cfg;
	steer_child_get(io->core, (size_t)i, &v);
	memset(out, 0, sizeof(*out));
	out->state = steer_child_state_name(v.state);
	if (v.state == STEER_CHILD_FAILED)
		snprintf(out->state_text, sizeof(out->state_text),
			 "failed: %s", v.reason);
	else
		snprintf(out->state_text, sizeof(out->state_text), "%s",
			 out->state);
	if (v.carried && v.gateway >= 0)
		snprintf(out->via, sizeof(out->via), "CHILD_SA %s/%s #%u/#%u",
			 steer_child_conn(cfg, v.gateway), v.child, v.ike_id,
			 v.child_id);
	out->since = v.since;
	return true;
}
