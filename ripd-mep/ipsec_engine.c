/* ipsec_engine: VICI sessions -> tunnel table -> subscribers; commands on
 * a session of their own. See ipsec_engine.h. */
#include "ipsec_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipsec_grace.h"
#include "log.h"
#include "vici_session.h"

struct ipsec_sub {
	ipsec_event_fn fn;	/* NULL: unregistered during a dispatch */
	void *arg;
};

/* A command sent on the command session, awaiting its reply. */
struct ipsec_cmd {
	struct ipsec_cmd *next;
	struct ipsec_engine *e;
	char name[32];
	ipsec_item_fn items;	/* list commands: the streamed items */
	ipsec_done_fn done;
	void *arg;
};

struct ipsec_engine {
	struct ev_loop *loop;
	const struct mep_config *cfg;
	char vici_path[108];
	struct vici_session *vici;	/* events and listings */
	struct vici_session *cmds;	/* commands; NULL until the first */
	struct tunnel_table tunnels;
	struct ike_sas ikes;		/* established, to third-party ones */
	char *third_party;		/* their names, for configure */
	struct ipsec_grace grace;
	ev_timer grace_timer;
	bool in_resync;
	struct ipsec_sub *subs;
	size_t n_subs, cap_subs;
	unsigned int dispatching;	/* nesting depth of publish() */
	bool subs_dirty;		/* unregistered ones to compact */
	struct ipsec_cmd *cmd_head, *cmd_tail;	/* in the order sent */
	bool stopping;		/* being freed */
	bool closing_cmds;	/* failing the queued commands */
};

/* ---- subscribers */

static void publish(struct ipsec_engine *e, struct ipsec_event *ev)
{
	size_t n = e->n_subs;	/* those registered from a callback wait */

	ev->in_resync = e->in_resync;
	e->dispatching++;
	for (size_t i = 0; i < n; i++)
		if (e->subs[i].fn)
			e->subs[i].fn(e->subs[i].arg, ev);
	if (--e->dispatching == 0 && e->subs_dirty) {
		size_t w = 0;

		for (size_t i = 0; i < e->n_subs; i++)
			if (e->subs[i].fn)
				e->subs[w++] = e->subs[i];
		e->n_subs = w;
		e->subs_dirty = false;
	}
}

int ipsec_engine_subscribe(struct ipsec_engine *e, ipsec_event_fn fn,
			   void *arg)
{
	for (size_t i = 0; i < e->n_subs; i++)
		if (e->subs[i].fn == fn && e->subs[i].arg == arg)
			return 0;
	if (e->n_subs == e->cap_subs) {
		size_t cap = e->cap_subs ? 2 * e->cap_subs : 4;
		struct ipsec_sub *v = realloc(e->subs, cap * sizeof(*v));

		if (!v)
			return -1;
		e->subs = v;
		e->cap_subs = cap;
	}
	e->subs[e->n_subs++] = (struct ipsec_sub){ fn, arg };
	return 0;
}

void ipsec_engine_unsubscribe(struct ipsec_engine *e, ipsec_event_fn fn,
			      void *arg)
{
	for (size_t i = 0; i < e->n_subs; i++) {
		if (e->subs[i].fn != fn || e->subs[i].arg != arg)
			continue;
		if (e->dispatching) {
			e->subs[i].fn = NULL;
			e->subs_dirty = true;
		} else {
			memmove(&e->subs[i], &e->subs[i + 1],
				(e->n_subs - i - 1) * sizeof(*e->subs));
			e->n_subs--;
		}
		return;
	}
}

/* ---- grace */

static void start_grace(struct ipsec_engine *e)
{
	ev_timer_stop(e->loop, &e->grace_timer);
	ev_timer_set(&e->grace_timer, e->cfg->ipsec.grace_s, 0.);
	ev_timer_start(e->loop, &e->grace_timer);
}

static void on_grace(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ipsec_engine *e = w->data;
	struct ipsec_event ev = { .kind = IPSEC_EV_GRACE_OVER };

	(void)loop;
	(void)revents;
	if (ipsec_grace_expire(&e->grace)) {
		log_warn("ipsec: strongSwan not re-listed within %u s: "
			 "withdrawing the routes of its tunnels",
			 e->cfg->ipsec.grace_s);
		tunnels_free(&e->tunnels);
		tunnels_init(&e->tunnels);
		ike_sas_clear(&e->ikes);
		ev.dropped = true;
	}
	publish(e, &ev);
}

/* ---- the event session */

static void on_connect(void *arg)
{
	struct ipsec_engine *e = arg;
	struct ipsec_event ev = { .kind = IPSEC_EV_CONNECTED };

	log_notice("ipsec: connected to strongSwan at %s", e->vici_path);
	publish(e, &ev);
}

static void on_disconnect(void *arg, const char *reason)
{
	struct ipsec_engine *e = arg;
	struct ipsec_event ev = { .kind = IPSEC_EV_LOST, .reason = reason };
	unsigned int act = ipsec_grace_lost(&e->grace, time(NULL));

	if (act & IPSEC_GRACE_LOG)
		log_warn("ipsec: lost strongSwan at %s (%s): holding routes "
			 "for %u s",
			 e->vici_path, reason, e->cfg->ipsec.grace_s);
	if (act & IPSEC_GRACE_ARM)
		start_grace(e);
	e->in_resync = false;
	publish(e, &ev);
}

static void on_upsert(void *arg, const struct tunnel_child *c)
{
	struct ipsec_engine *e = arg;
	struct ipsec_event ev = { .kind = IPSEC_EV_TUNNEL_UP,
				  .child = c,
				  .recorded = true,
				  .ike_id = c->ike_id,
				  .child_id = c->child_id };

	if (tunnels_upsert(&e->tunnels, e->cfg, c, time(NULL)) < 0) {
		log_err("ipsec: out of memory recording tunnel %u/%u",
			c->ike_id, c->child_id);
		ev.recorded = false;
	}
	publish(e, &ev);
}

static void on_remove_child(void *arg, uint32_t ike_id, uint32_t child_id)
{
	struct ipsec_engine *e = arg;
	struct ipsec_event ev = { .kind = IPSEC_EV_TUNNEL_DOWN,
				  .ike_id = ike_id,
				  .child_id = child_id };

	tunnels_remove_child(&e->tunnels, ike_id, child_id);
	publish(e, &ev);
}

static void on_remove_ike(void *arg, uint32_t ike_id)
{
	struct ipsec_engine *e = arg;
	struct ipsec_event ev = { .kind = IPSEC_EV_IKE_DOWN,
				  .ike_id = ike_id };

	tunnels_remove_ike(&e->tunnels, ike_id);
	ike_sas_remove(&e->ikes, ike_id);
	publish(e, &ev);
}

static void on_ike_up(void *arg, const struct tunnel_child *ike)
{
	struct ipsec_engine *e = arg;
	struct ipsec_event ev = { .kind = IPSEC_EV_IKE_UP,
				  .ike_id = ike->ike_id };

	ev.gateway = tunnels_match_peer(&e->tunnels, e->cfg, ike);
	if (ev.gateway >= 0 && e->cfg->gateways[ev.gateway].third_party &&
	    ike_sas_up(&e->ikes, ike->ike_id,
		       e->cfg->gateways[ev.gateway].name) < 0)
		log_err("ipsec: out of memory recording IKE_SA %u",
			ike->ike_id);
	publish(e, &ev);
}

static void on_resync_begin(void *arg)
{
	struct ipsec_engine *e = arg;
	struct ipsec_event ev = { .kind = IPSEC_EV_RESYNC_BEGIN };

	e->in_resync = true;
	tunnels_resync_begin(&e->tunnels);
	ike_sas_resync_begin(&e->ikes);
	publish(e, &ev);
}

static void on_resync_end(void *arg)
{
	struct ipsec_engine *e = arg;
	struct ipsec_event ev = { .kind = IPSEC_EV_RESYNCED };

	ev.gone = tunnels_resync_end(&e->tunnels);
	ike_sas_resync_end(&e->ikes);
	e->in_resync = false;
	ipsec_grace_synced(&e->grace);
	ev_timer_stop(e->loop, &e->grace_timer);
	log_notice("ipsec: strongSwan listed %zu tunnel(s)%s",
		   tunnels_count(&e->tunnels),
		   ev.gone ? ", dropped vanished ones" : "");
	publish(e, &ev);
}

static void on_note(void *arg, const char *line)
{
	(void)arg;
	log_info("ipsec: %s", line);
}

static const struct vici_session_cbs event_cbs = {
	.on_connect = on_connect,
	.on_disconnect = on_disconnect,
	.on_upsert = on_upsert,
	.on_remove_child = on_remove_child,
	.on_remove_ike = on_remove_ike,
	.on_ike_up = on_ike_up,
	.on_resync_begin = on_resync_begin,
	.on_resync_end = on_resync_end,
	.on_note = on_note,
};

/* ---- commands */

static void cmd_event(void *arg, const struct vici_msg *m)
{
	struct ipsec_engine *e = arg;
	struct ipsec_cmd *c = e->cmd_head;

	/* one command in flight: a listed item is the head's */
	if (c && c->items &&
	    ((strcmp(m->name, "list-sa") == 0 &&
	      strcmp(c->name, "list-sas") == 0) ||
	     (strcmp(m->name, "list-conn") == 0 &&
	      strcmp(c->name, "list-conns") == 0)))
		c->items(c->arg, m);
}

static const struct vici_session_cbs cmd_cbs = {
	.on_event = cmd_event,
};

/* Take c, the head, off the list of commands sent. */
static void cmd_pop(struct ipsec_engine *e, struct ipsec_cmd *c)
{
	if (e->cmd_head != c)
		abort();	/* vici_session answers in order */
	e->cmd_head = c->next;
	if (!e->cmd_head)
		e->cmd_tail = NULL;
}

static void cmd_reply(void *arg, const struct vici_msg *m)
{
	struct ipsec_cmd *c = arg;
	const char *ok, *msg;
	char why[256];

	cmd_pop(c->e, c);
	if (!m) {
		c->done(c->arg, false,
			c->e->stopping ? "ripd-mep is stopping"
				       : "connection to strongSwan lost");
	} else {
		ok = vici_get_str(&m->root, "success");
		msg = vici_get_str(&m->root, "errmsg");
		/* the list commands answer with an empty message */
		if (ok ? strcmp(ok, "yes") == 0 : c->items != NULL) {
			c->done(c->arg, true, NULL);
		} else {
			snprintf(why, sizeof(why), "%s failed: %s", c->name,
				 msg && *msg ? msg : "no reason given");
			c->done(c->arg, false, why);
		}
	}
	free(c);
}

/* Send command name with body; done gets the outcome exactly once. */
static void cmd_send(struct ipsec_engine *e, const char *name,
		     const struct vici_builder *body, ipsec_item_fn items,
		     ipsec_done_fn done, void *arg)
{
	struct ipsec_cmd *c;
	char why[128];

	if (body && vici_builder_error(body)) {
		snprintf(why, sizeof(why), "%s: bad request: %s", name,
			 vici_builder_error(body));
		done(arg, false, why);
		return;
	}
	/* a done callback of a command failed by ipsec_engine_free() or by
	 * closing the command session must not open a new session */
	if (e->stopping || e->closing_cmds) {
		done(arg, false, e->stopping ? "ripd-mep is stopping"
					     : "connection to strongSwan lost");
		return;
	}
	if (!e->cmds) {
		e->cmds = vici_session_new(e->loop, e->vici_path, &cmd_cbs, e);
		if (!e->cmds) {
			done(arg, false, "out of memory");
			return;
		}
		vici_session_set_commands(e->cmds);
	}
	if (!vici_session_connected(e->cmds))
		vici_session_start(e->cmds);	/* a unix connect: at once */
	if (!vici_session_connected(e->cmds)) {
		done(arg, false, "strongSwan not connected");
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		done(arg, false, "out of memory");
		return;
	}
	c->e = e;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->items = items;
	c->done = done;
	c->arg = arg;
	if (vici_session_command(e->cmds, name, body, cmd_reply, c) < 0) {
		free(c);	/* not queued (logged) */
		snprintf(why, sizeof(why), "%s: cannot send it to strongSwan",
			 name);
		done(arg, false, why);
		return;
	}
	/* the reply comes from the loop, never from the call above */
	if (e->cmd_tail)
		e->cmd_tail->next = c;
	else
		e->cmd_head = c;
	e->cmd_tail = c;
}

void ipsec_engine_initiate(struct ipsec_engine *e, const char *child,
			   const char *ike, ipsec_done_fn done, void *arg)
{
	struct vici_builder b;

	vici_builder_init(&b);
	/* no child: the IKE_SA alone (childless, RFC 6023) */
	if (child)
		vici_builder_kv_str(&b, "child", child);
	if (ike)
		vici_builder_kv_str(&b, "ike", ike);
	/* answered at once (queued, or why not): the exchange's outcome
	 * is seen in the events, and the command session never waits for
	 * a silent peer's retransmissions */
	vici_builder_kv_str(&b, "timeout", "-1");
	vici_builder_kv_str(&b, "init-limits", "yes");
	cmd_send(e, "initiate", &b, NULL, done, arg);
	vici_builder_free(&b);
}

void ipsec_engine_terminate(struct ipsec_engine *e, uint32_t ike_id,
			    uint32_t child_id, ipsec_done_fn done, void *arg)
{
	struct vici_builder b;
	char id[16];

	vici_builder_init(&b);
	snprintf(id, sizeof(id), "%u", child_id ? child_id : ike_id);
	vici_builder_kv_str(&b, child_id ? "child-id" : "ike-id", id);
	/* answered at once, as initiate */
	vici_builder_kv_str(&b, "timeout", "-1");
	cmd_send(e, "terminate", &b, NULL, done, arg);
	vici_builder_free(&b);
}

void ipsec_engine_load_conn(struct ipsec_engine *e,
			    const struct vici_builder *conn,
			    ipsec_done_fn done, void *arg)
{
	cmd_send(e, "load-conn", conn, NULL, done, arg);
}

void ipsec_engine_list_sas(struct ipsec_engine *e, ipsec_item_fn items,
			   ipsec_done_fn done, void *arg)
{
	cmd_send(e, "list-sas", NULL, items, done, arg);
}

void ipsec_engine_list_conns(struct ipsec_engine *e, ipsec_item_fn items,
			     ipsec_done_fn done, void *arg)
{
	cmd_send(e, "list-conns", NULL, items, done, arg);
}

/* ---- life */

static int open_vici(struct ipsec_engine *e)
{
	snprintf(e->vici_path, sizeof(e->vici_path), "%s",
		 e->cfg->ipsec.vici_socket);
	e->vici = vici_session_new(e->loop, e->vici_path, &event_cbs, e);
	return e->vici ? 0 : -1;
}

/* Close the command session: its commands fail (reply NULL). */
static void close_cmds(struct ipsec_engine *e)
{
	struct vici_session *s = e->cmds;

	e->cmds = NULL;
	e->closing_cmds = true;
	vici_session_free(s);	/* fails the queued commands */
	e->closing_cmds = false;
}

/* The names of cfg's third-party gateways, one per line (malloc'd; NULL
 * when memory is short). */
static char *third_party_names(const struct mep_config *cfg)
{
	size_t len = 1, at = 0;
	char *s;

	for (size_t i = 0; i < cfg->n_gateways; i++)
		if (cfg->gateways[i].third_party)
			len += strlen(cfg->gateways[i].name) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	for (size_t i = 0; i < cfg->n_gateways; i++)
		if (cfg->gateways[i].third_party)
			at += (size_t)snprintf(s + at, len - at, "%s\n",
					       cfg->gateways[i].name);
	s[at] = '\0';
	return s;
}

struct ipsec_engine *ipsec_engine_new(struct ev_loop *loop,
				      const struct mep_config *cfg)
{
	struct ipsec_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->loop = loop;
	e->cfg = cfg;
	tunnels_init(&e->tunnels);
	ike_sas_init(&e->ikes);
	e->third_party = third_party_names(cfg);
	ipsec_grace_init(&e->grace);
	ev_timer_init(&e->grace_timer, on_grace, 0., 0.);
	e->grace_timer.data = e;
	if (open_vici(e) < 0) {
		ipsec_engine_free(e);
		return NULL;
	}
	/* Start-up: hold the routes a previous run left until the first
	 * listing, at most the grace period. */
	ipsec_grace_restart(&e->grace);
	start_grace(e);
	return e;
}

void ipsec_engine_start(struct ipsec_engine *e)
{
	if (e->vici)
		vici_session_start(e->vici);
}

void ipsec_engine_free(struct ipsec_engine *e)
{
	if (!e)
		return;
	ev_timer_stop(e->loop, &e->grace_timer);
	e->stopping = true;
	close_cmds(e);
	vici_session_free(e->vici);
	tunnels_free(&e->tunnels);
	ike_sas_free(&e->ikes);
	free(e->third_party);
	free(e->subs);
	free(e);
}

void ipsec_engine_configure(struct ipsec_engine *e,
			    const struct mep_config *cfg)
{
	char *tp = third_party_names(cfg);

	e->cfg = cfg;
	if (tunnels_rematch(&e->tunnels, cfg) < 0)
		log_err("ipsec: out of memory indexing the gateways: "
			"tunnels left without a peer");
	/* other third-party gateways: the IKE_SAs to follow are others,
	 * a listing finds them (also those without a CHILD_SA) */
	if (!tp || !e->third_party || strcmp(tp, e->third_party) != 0) {
		ike_sas_clear(&e->ikes);
		if (e->vici && vici_session_up(e->vici))
			vici_session_resync(e->vici);
	}
	free(e->third_party);
	e->third_party = tp;
	if (strcmp(e->vici_path, cfg->ipsec.vici_socket) == 0)
		return;
	log_notice("ipsec: VICI socket is now %s", cfg->ipsec.vici_socket);
	vici_session_free(e->vici);
	e->vici = NULL;
	close_cmds(e);
	e->in_resync = false;
	ipsec_grace_restart(&e->grace);
	start_grace(e);
	if (open_vici(e) < 0)
		log_err("ipsec: out of memory opening VICI");
	else
		vici_session_start(e->vici);
}

const struct ike_sas *ipsec_engine_ike_sas(const struct ipsec_engine *e)
{
	return &e->ikes;
}

const struct tunnel_table *ipsec_engine_tunnels(const struct ipsec_engine *e)
{
	return &e->tunnels;
}

bool ipsec_engine_connected(const struct ipsec_engine *e)
{
	return e->vici && vici_session_up(e->vici);
}

bool ipsec_engine_holding(const struct ipsec_engine *e)
{
	return ipsec_grace_holding(&e->grace);
}

bool ipsec_engine_in_resync(const struct ipsec_engine *e)
{
	return e->in_resync;
}

const char *ipsec_engine_status(const struct ipsec_engine *e, char *buf,
				size_t len)
{
	return ipsec_grace_status(&e->grace, e->cfg->ipsec.grace_s, buf, len);
}

void ipsec_engine_set_backoff(struct ipsec_engine *e, double min, double max)
{
	if (e->vici)
		vici_session_set_backoff(e->vici, min, max);
}
