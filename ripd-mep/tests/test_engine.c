/* test_engine: the IPsec engine and RIM as its subscriber (ipsec_engine,
 * ipsec_grace, rim_feed) against a fake charon on a unix socket: the
 * grace rule, events dispatched to several subscribers (and one leaving
 * from inside its callback), commands completing in order on their own
 * session while the event session's listing is still unanswered, command
 * failures (charon's errmsg, charon gone), and RIM holding routes at
 * start-up and through the grace, then withdrawing them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ev.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config_fixture.h"
#include "ipsec_engine.h"
#include "ipsec_grace.h"
#include "rim_feed.h"
#include "vici_codec.h"
#include "vici_fake.h"

/* ---- the grace rule (pure) */

static void test_grace_rule(void **state)
{
	struct ipsec_grace g;
	char buf[64];

	(void)state;
	ipsec_grace_init(&g);
	ipsec_grace_restart(&g);
	/* start-up: hold until listed */
	assert_true(ipsec_grace_holding(&g));
	assert_string_equal(ipsec_grace_status(&g, 7, buf, sizeof(buf)),
			    "connecting");
	/* lost before any listing: logged once, the start-up timer runs on */
	assert_int_equal(ipsec_grace_lost(&g, 100), IPSEC_GRACE_LOG);
	assert_int_equal(ipsec_grace_lost(&g, 101), 0);
	assert_true(ipsec_grace_holding(&g));
	assert_string_equal(ipsec_grace_status(&g, 7, buf, sizeof(buf)),
			    "lost, holding routes (grace 7 s)");
	ipsec_grace_synced(&g);
	assert_false(ipsec_grace_holding(&g));
	assert_string_equal(ipsec_grace_status(&g, 7, buf, sizeof(buf)),
			    "synced");
	/* lost after a listing: logged, timer armed, held */
	assert_int_equal(ipsec_grace_lost(&g, 200),
			 IPSEC_GRACE_LOG | IPSEC_GRACE_ARM);
	assert_true(ipsec_grace_holding(&g));
	/* re-listed in time: nothing to drop */
	ipsec_grace_synced(&g);
	assert_false(ipsec_grace_expire(&g));
	assert_false(ipsec_grace_holding(&g));
	/* lost, not re-listed in time: the table goes */
	assert_int_equal(ipsec_grace_lost(&g, 300),
			 IPSEC_GRACE_LOG | IPSEC_GRACE_ARM);
	assert_true(ipsec_grace_expire(&g));
	assert_false(ipsec_grace_holding(&g));
	assert_string_equal(ipsec_grace_status(&g, 7, buf, sizeof(buf)),
			    "lost");
	/* a new socket: held again */
	ipsec_grace_restart(&g);
	assert_true(ipsec_grace_holding(&g));
}

/* ---- a fake charon: any number of connections */

#define FAKE_CONNS 4

struct fake_conn {
	struct fake *f;
	int fd;
	ev_io io;
	struct vici_splitter in;
	bool events;		/* registered for SA events */
};

struct fake {
	struct ev_loop *loop;
	char dir[32];
	char path[64];
	int lfd;
	ev_io lio;
	struct fake_conn c[FAKE_CONNS];
	bool hold_listing;	/* leave the event session's list-sas open */
	int held_fd;		/* where it waits, -1: none */
	char log[1024];		/* commands seen on command sessions */
};

static void fake_send(int fd, enum vici_op op, const char *name,
		      const struct vici_builder *b)
{
	uint8_t *fr;
	size_t len;
	char err[VICI_ERR_MAX];

	if (vici_encode(op, name, b, &fr, &len, err) < 0)
		fail_msg("fake encode: %s", err);
	assert_int_equal(send(fd, fr, len, MSG_NOSIGNAL), (ssize_t)len);
	free(fr);
}

/* One IKE_SA (id ike) to M1 with one INSTALLED CHILD_SA (id child). */
static void sa_body(struct vici_builder *b, unsigned ike, unsigned child)
{
	char id[16], name[32];

	snprintf(id, sizeof(id), "%u", ike);
	vici_builder_section_start(b, "mesh-M1");
	vici_builder_kv_str(b, "uniqueid", id);
	vici_builder_kv_str(b, "remote-host", "192.0.2.21");
	vici_builder_kv_str(b, "remote-id", "192.0.2.21");
	vici_builder_kv_str(b, "state", "ESTABLISHED");
	vici_builder_section_start(b, "child-sas");
	snprintf(id, sizeof(id), "%u", child);
	snprintf(name, sizeof(name), "c-%u", child);
	vici_builder_section_start(b, name);
	vici_builder_kv_str(b, "uniqueid", id);
	vici_builder_kv_str(b, "name", "c");
	vici_builder_kv_str(b, "state", "INSTALLED");
	vici_builder_list_start(b, "local-ts");
	vici_builder_list_item_str(b, "10.1.0.0/16");
	vici_builder_list_end(b);
	vici_builder_list_start(b, "remote-ts");
	vici_builder_list_item_str(b, "10.21.0.0/16");
	vici_builder_list_end(b);
	vici_builder_section_end(b);
	vici_builder_section_end(b);
	vici_builder_section_end(b);
}

static void fake_event_sa(int fd, const char *event, bool up, unsigned ike,
			  unsigned child)
{
	struct vici_builder b;

	vici_builder_init(&b);
	if (up)
		vici_builder_kv_str(&b, "up", "yes");
	sa_body(&b, ike, child);
	fake_send(fd, VICI_EVENT, event, &b);
	vici_builder_free(&b);
}

static void fake_result(int fd, bool ok, const char *errmsg)
{
	struct vici_builder b;

	vici_builder_init(&b);
	vici_builder_kv_str(&b, "success", ok ? "yes" : "no");
	if (errmsg)
		vici_builder_kv_str(&b, "errmsg", errmsg);
	fake_send(fd, VICI_CMD_RESPONSE, NULL, &b);
	vici_builder_free(&b);
}

static void fake_request(struct fake_conn *c, const struct vici_msg *m)
{
	struct fake *f = c->f;
	struct vici_builder b;
	size_t n = strlen(f->log);

	if (m->op == VICI_EVENT_REGISTER) {
		if (strcmp(m->name, "ike-updown") == 0)
			c->events = true;
		fake_send(c->fd, VICI_EVENT_CONFIRM, NULL, NULL);
		return;
	}
	assert_int_equal(m->op, VICI_CMD_REQUEST);
	if (c->events) {
		assert_string_equal(m->name, "list-sas");
		fake_event_sa(c->fd, "list-sa", false, 1, 1);
		if (f->hold_listing)
			f->held_fd = c->fd;
		else
			fake_send(c->fd, VICI_CMD_RESPONSE, NULL, NULL);
		return;
	}
	snprintf(f->log + n, sizeof(f->log) - n, "%s%s", n ? " " : "",
		 m->name);
	if (strcmp(m->name, "initiate") == 0) {
		const char *child = vici_get_str(&m->root, "child");

		if (child && strcmp(child, "bad") == 0)
			fake_result(c->fd, false, "no such child");
		else
			fake_result(c->fd, true, NULL);
	} else if (strcmp(m->name, "list-conns") == 0) {
		for (int i = 0; i < 2; i++) {
			vici_builder_init(&b);
			vici_builder_section_start(&b, i ? "b" : "a");
			vici_builder_section_end(&b);
			fake_send(c->fd, VICI_EVENT, "list-conn", &b);
			vici_builder_free(&b);
		}
		fake_send(c->fd, VICI_CMD_RESPONSE, NULL, NULL);
	} else {
		fake_result(c->fd, true, NULL);
	}
}

static void fake_close(struct fake_conn *c)
{
	if (c->fd < 0)
		return;
	ev_io_stop(c->f->loop, &c->io);
	close(c->fd);
	c->fd = -1;
	vici_splitter_free(&c->in);
}

static bool fake_on_msg(void *arg, const struct vici_msg *m)
{
	struct fake_conn *c = arg;

	fake_request(c, m);
	return c->fd >= 0;
}

static void fake_on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake_conn *c = w->data;

	(void)loop;
	(void)revents;
	if (vici_fake_read(c->fd, &c->in, fake_on_msg, c) < 0)
		fake_close(c);
}

static void fake_on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake *f = w->data;
	int fd = accept(f->lfd, NULL, NULL);
	size_t i;

	(void)revents;
	assert_true(fd >= 0);
	for (i = 0; i < FAKE_CONNS && f->c[i].fd >= 0; i++)
		;
	assert_true(i < FAKE_CONNS);
	f->c[i].fd = fd;
	f->c[i].events = false;
	vici_splitter_init(&f->c[i].in);
	ev_io_init(&f->c[i].io, fake_on_read, fd, EV_READ);
	f->c[i].io.data = &f->c[i];
	ev_io_start(loop, &f->c[i].io);
}

static void fake_start(struct fake *f, struct ev_loop *loop)
{
	struct sockaddr_un sa;

	memset(f, 0, sizeof(*f));
	f->loop = loop;
	f->held_fd = -1;
	for (size_t i = 0; i < FAKE_CONNS; i++) {
		f->c[i].f = f;
		f->c[i].fd = -1;
	}
	strcpy(f->dir, "engine-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/charon.vici", f->dir);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, f->path);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	ev_io_init(&f->lio, fake_on_accept, f->lfd, EV_READ);
	f->lio.data = f;
	ev_io_start(loop, &f->lio);
}

/* charon goes away: every connection closed, the socket gone. */
static void fake_stop(struct fake *f)
{
	for (size_t i = 0; i < FAKE_CONNS; i++)
		fake_close(&f->c[i]);
	if (f->lfd >= 0) {
		ev_io_stop(f->loop, &f->lio);
		close(f->lfd);
		f->lfd = -1;
	}
	unlink(f->path);
	rmdir(f->dir);
}

static int fake_event_fd(const struct fake *f)
{
	for (size_t i = 0; i < FAKE_CONNS; i++)
		if (f->c[i].fd >= 0 && f->c[i].events)
			return f->c[i].fd;
	return -1;
}

/* ---- running the loop until a condition holds */

struct waiter {
	bool (*cond)(void *arg);
	void *arg;
};

static void on_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct waiter *wt = w->data;

	(void)revents;
	if (wt->cond(wt->arg))
		ev_break(loop, EVBREAK_ONE);
}

static void on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ONE);
}

static void run_until(struct ev_loop *loop, bool (*cond)(void *), void *arg,
		      double timeout)
{
	struct waiter wt = { cond, arg };
	ev_timer poll, deadline;

	if (cond(arg))
		return;
	ev_timer_init(&poll, on_poll, 0.005, 0.005);
	poll.data = &wt;
	ev_timer_init(&deadline, on_deadline, timeout, 0.);
	ev_timer_start(loop, &poll);
	ev_timer_start(loop, &deadline);
	ev_run(loop, 0);
	ev_timer_stop(loop, &poll);
	ev_timer_stop(loop, &deadline);
	if (!cond(arg))
		fail_msg("condition not met within %g s", timeout);
}

/* ---- subscribers that record what they see */

struct sub {
	struct ipsec_engine *e;
	char log[1024];
	bool leave_on_up;	/* unsubscribe at the first non-listed UP */
	int resynced;
};

static const char *const kind_names[] = {
	[IPSEC_EV_CONNECTED] = "connected",
	[IPSEC_EV_LOST] = "lost",
	[IPSEC_EV_RESYNC_BEGIN] = "begin",
	[IPSEC_EV_RESYNCED] = "resynced",
	[IPSEC_EV_TUNNEL_UP] = "up",
	[IPSEC_EV_TUNNEL_DOWN] = "down",
	[IPSEC_EV_IKE_DOWN] = "ike-down",
	[IPSEC_EV_GRACE_OVER] = "grace-over",
	[IPSEC_EV_IKE_UP] = "ike-up",
};

static void sub_event(void *arg, const struct ipsec_event *ev)
{
	struct sub *s = arg;
	size_t n = strlen(s->log);

	snprintf(s->log + n, sizeof(s->log) - n, "%s%s", n ? " " : "",
		 kind_names[ev->kind]);
	if (ev->kind == IPSEC_EV_TUNNEL_UP) {
		n = strlen(s->log);
		snprintf(s->log + n, sizeof(s->log) - n, "(%u/%u%s%s)",
			 ev->ike_id, ev->child_id,
			 ev->in_resync ? ",listed" : "",
			 tunnels_child_up(ev->child) ? ",installed" : "");
		/* the table is updated before the event */
		assert_non_null(tunnels_find(ipsec_engine_tunnels(s->e),
					     ev->ike_id, ev->child_id));
		if (s->leave_on_up && !ev->in_resync)
			ipsec_engine_unsubscribe(s->e, sub_event, s);
	}
	if (ev->kind == IPSEC_EV_RESYNCED)
		s->resynced++;
}

static bool resynced(void *arg)
{
	return ((struct sub *)arg)->resynced > 0;
}

static bool has_ups(void *arg)
{
	return strstr(((struct sub *)arg)->log, "up(2/2") != NULL;
}

static void make_cfg(struct mep_config *cfg, const struct fake *f,
		     uint32_t grace_s)
{
	int m1, c1, mesh;

	mep_config_init(cfg);
	snprintf(cfg->ipsec.vici_socket, sizeof(cfg->ipsec.vici_socket), "%s",
		 f->path);
	cfg->ipsec.grace_s = grace_s;
	c1 = fixture_add_gateway(cfg, "C1", "192.0.2.1", "10.1.0.0/16");
	m1 = fixture_add_gateway(cfg, "M1", "192.0.2.21", "10.21.0.0/16");
	cfg->local_gateway = c1;
	mesh = fixture_add_community(cfg, "MESH", MEP_COMMUNITY_MESHED);
	cfg->communities[mesh].return_path = MEP_RETURN_RIM;
	fixture_list_push(&cfg->communities[mesh].members, c1);
	fixture_list_push(&cfg->communities[mesh].members, m1);
}

static void test_dispatch(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct mep_config cfg;
	struct fake f;
	struct sub a = { 0 }, b = { 0 };
	struct ipsec_engine *e;
	char st[64];

	(void)state;
	fake_start(&f, loop);
	make_cfg(&cfg, &f, 5);
	e = ipsec_engine_new(loop, &cfg);
	assert_non_null(e);
	a.e = b.e = e;
	b.leave_on_up = true;
	assert_int_equal(ipsec_engine_subscribe(e, sub_event, &a), 0);
	assert_int_equal(ipsec_engine_subscribe(e, sub_event, &b), 0);
	assert_int_equal(ipsec_engine_subscribe(e, sub_event, &b), 0);
	assert_true(ipsec_engine_holding(e));
	ipsec_engine_start(e);
	run_until(loop, resynced, &a, 5);
	/* the fake lists its IKE_SA ESTABLISHED: ike-up after its child */
	assert_string_equal(a.log,
			    "connected begin up(1/1,listed,installed) ike-up "
			    "resynced");
	assert_string_equal(b.log, a.log);	/* once, though twice */
	assert_false(ipsec_engine_holding(e));
	assert_true(ipsec_engine_connected(e));
	assert_string_equal(ipsec_engine_status(e, st, sizeof(st)), "synced");
	/* b leaves from inside its callback: a still gets the rest */
	fake_event_sa(fake_event_fd(&f), "child-updown", true, 2, 2);
	fake_event_sa(fake_event_fd(&f), "child-updown", false, 1, 1);
	run_until(loop, has_ups, &a, 5);
	ev_run(loop, EVRUN_NOWAIT);
	assert_string_equal(a.log,
			    "connected begin up(1/1,listed,installed) ike-up "
			    "resynced up(2/2,installed) ike-up down");
	assert_string_equal(b.log,
			    "connected begin up(1/1,listed,installed) ike-up "
			    "resynced up(2/2,installed)");
	assert_int_equal(tunnels_count(ipsec_engine_tunnels(e)), 1);
	ipsec_engine_free(e);
	fake_stop(&f);
	mep_config_free(&cfg);
	ev_loop_destroy(loop);
}

static bool has_ike_down(void *arg)
{
	return strstr(((struct sub *)arg)->log, "ike-down") != NULL;
}

static bool has_two_ike_ups(void *arg)
{
	const char *p = strstr(((struct sub *)arg)->log, "ike-up");

	return p && strstr(p + 1, "ike-up") != NULL;
}

static bool has_two_resyncs(void *arg)
{
	return ((struct sub *)arg)->resynced > 1;
}

/* The IKE_SAs of third-party gateways: recorded from a listing (its
 * IKE_SA ESTABLISHED) and ike-updown up=yes, removed by ike-updown down;
 * a gateway that stops being third-party: cleared and re-listed. */
static void test_ike_sas(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct mep_config cfg;
	struct fake f;
	struct sub a = { 0 };
	struct ipsec_engine *e;
	const struct ike_sas *ikes;
	int m1;

	(void)state;
	fake_start(&f, loop);
	make_cfg(&cfg, &f, 5);
	m1 = mep_config_gateway_index(&cfg, "M1");
	cfg.gateways[m1].third_party = true;
	e = ipsec_engine_new(loop, &cfg);
	assert_non_null(e);
	a.e = e;
	assert_int_equal(ipsec_engine_subscribe(e, sub_event, &a), 0);
	ipsec_engine_start(e);
	run_until(loop, resynced, &a, 5);
	ikes = ipsec_engine_ike_sas(e);
	assert_int_equal(ikes->n, 1);
	assert_int_equal(ikes->v[0].ike_id, 1);
	assert_true(ike_sas_has_gateway(ikes, "M1"));
	/* ike-updown down: gone */
	fake_event_sa(fake_event_fd(&f), "ike-updown", false, 1, 1);
	run_until(loop, has_ike_down, &a, 5);
	assert_false(ike_sas_has_gateway(ikes, "M1"));
	/* ike-updown up=yes: recorded */
	fake_event_sa(fake_event_fd(&f), "ike-updown", true, 3, 3);
	run_until(loop, has_two_ike_ups, &a, 5);
	assert_true(ike_sas_has_gateway(ikes, "M1"));
	/* M1 no longer third-party: cleared, and a listing asked for */
	cfg.gateways[m1].third_party = false;
	ipsec_engine_configure(e, &cfg);
	assert_int_equal(ikes->n, 0);
	run_until(loop, has_two_resyncs, &a, 5);
	assert_int_equal(ikes->n, 0);
	ipsec_engine_free(e);
	fake_stop(&f);
	mep_config_free(&cfg);
	ev_loop_destroy(loop);
}

/* ---- commands */

struct cmd_log {
	char log[1024];
	int done;
	int items;
};

static void cmd_done(void *arg, bool ok, const char *error)
{
	struct cmd_log *l = arg;
	size_t n = strlen(l->log);

	snprintf(l->log + n, sizeof(l->log) - n, "%s%s", n ? "; " : "",
		 ok ? "ok" : error);
	l->done++;
}

static void cmd_item(void *arg, const struct vici_msg *m)
{
	struct cmd_log *l = arg;

	assert_string_equal(m->name, "list-conn");
	l->items++;
}

static bool five_done(void *arg)
{
	return ((struct cmd_log *)arg)->done == 5;
}

static bool in_resync(void *arg)
{
	return ipsec_engine_in_resync(arg);
}

static bool disconnected(void *arg)
{
	return !ipsec_engine_connected(arg);
}

static void test_commands(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct mep_config cfg;
	struct fake f;
	struct cmd_log l = { 0 };
	struct ipsec_engine *e;
	struct vici_builder conn;

	(void)state;
	fake_start(&f, loop);
	f.hold_listing = true;	/* a listing of thousands, still reading */
	make_cfg(&cfg, &f, 5);
	e = ipsec_engine_new(loop, &cfg);
	assert_non_null(e);
	ipsec_engine_start(e);
	run_until(loop, in_resync, e, 5);
	vici_builder_init(&conn);
	vici_builder_section_start(&conn, "mesh-M1");
	vici_builder_section_end(&conn);
	ipsec_engine_initiate(e, "c", "mesh-M1", cmd_done, &l);
	ipsec_engine_initiate(e, "bad", NULL, cmd_done, &l);
	ipsec_engine_list_conns(e, cmd_item, cmd_done, &l);
	ipsec_engine_load_conn(e, &conn, cmd_done, &l);
	ipsec_engine_terminate(e, 1, 0, cmd_done, &l);
	vici_builder_free(&conn);
	assert_int_equal(l.done, 0);	/* nothing completes in the call */
	run_until(loop, five_done, &l, 5);
	/* all answered in order while the listing is still open */
	assert_true(ipsec_engine_in_resync(e));
	assert_string_equal(l.log, "ok; initiate failed: no such child; ok; "
				   "ok; ok");
	assert_string_equal(f.log,
			    "initiate initiate list-conns load-conn terminate");
	assert_int_equal(l.items, 2);
	/* charon gone: once the engine knows, a command fails at once */
	fake_stop(&f);
	run_until(loop, disconnected, e, 5);
	ev_run(loop, EVRUN_NOWAIT);	/* the command session's EOF too */
	memset(&l, 0, sizeof(l));
	ipsec_engine_initiate(e, "c", NULL, cmd_done, &l);
	assert_int_equal(l.done, 1);
	assert_string_equal(l.log, "strongSwan not connected");
	ipsec_engine_free(e);
	mep_config_free(&cfg);
	ev_loop_destroy(loop);
}

/* A command still waiting when the engine goes: it fails, once. */
static void test_command_pending_at_free(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct mep_config cfg;
	struct fake f;
	struct cmd_log l = { 0 };
	struct ipsec_engine *e;

	(void)state;
	fake_start(&f, loop);
	make_cfg(&cfg, &f, 5);
	e = ipsec_engine_new(loop, &cfg);
	ipsec_engine_start(e);
	ipsec_engine_initiate(e, "c", NULL, cmd_done, &l);
	ipsec_engine_free(e);
	assert_int_equal(l.done, 1);
	assert_string_equal(l.log, "ripd-mep is stopping");
	fake_stop(&f);
	mep_config_free(&cfg);
	ev_loop_destroy(loop);
}

/* ---- RIM as a subscriber: held at start-up, through the grace, then
 * withdrawn */

struct feed_env {
	struct ipsec_engine *e;
	struct rim_feed *feed;
	struct sub s;
};

static bool routes_one(void *arg)
{
	struct feed_env *x = arg;

	return rim_sync_count(rim_feed_sync(x->feed)) == 1;
}

static bool routes_none(void *arg)
{
	struct feed_env *x = arg;

	return rim_sync_count(rim_feed_sync(x->feed)) == 0;
}

static bool lost(void *arg)
{
	return strstr(((struct sub *)arg)->log, "lost") != NULL;
}

static void test_feed_grace(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct mep_config cfg;
	struct fake f;
	struct feed_env x = { 0 };
	const struct rim_sync_state *st;
	const struct rim_route *r;
	char buf[64], pfx[MEP_PREFIX_STRLEN], zserv[96];

	(void)state;
	fake_start(&f, loop);
	make_cfg(&cfg, &f, 1);
	cfg.rim.enabled = true;
	cfg.rim.backend = MEP_RIM_ZEBRA;	/* no zebra: routes pending */
	snprintf(zserv, sizeof(zserv), "%s/zserv.api", f.dir);
	x.e = ipsec_engine_new(loop, &cfg);
	assert_non_null(x.e);
	x.s.e = x.e;
	x.feed = rim_feed_new(loop, x.e, &cfg, zserv);
	assert_non_null(x.feed);
	assert_int_equal(ipsec_engine_subscribe(x.e, sub_event, &x.s), 0);
	assert_string_equal(rim_sync_backend(rim_feed_sync(x.feed)), "zebra");
	/* held until the first listing: nothing taken yet */
	assert_int_equal(rim_sync_count(rim_feed_sync(x.feed)), 0);
	ipsec_engine_start(x.e);
	run_until(loop, routes_one, &x, 5);
	r = rim_sync_route_at(rim_feed_sync(x.feed), 0, &st);
	assert_string_equal(mep_prefix_str(&r->prefix, pfx, sizeof(pfx)),
			    "10.21.0.0/16");
	assert_int_equal(st->state, RIM_ROUTE_PENDING);
	assert_string_equal(st->error, "zebra not connected");
	/* charon goes: the route is held for the grace (1 s) */
	ipsec_engine_set_backoff(x.e, 30, 30);
	fake_stop(&f);
	run_until(loop, lost, &x.s, 5);
	assert_string_equal(ipsec_engine_status(x.e, buf, sizeof(buf)),
			    "lost, holding routes (grace 1 s)");
	assert_true(ipsec_engine_holding(x.e));
	assert_int_equal(rim_sync_count(rim_feed_sync(x.feed)), 1);
	/* not re-listed in time: withdrawn */
	run_until(loop, routes_none, &x, 5);
	assert_non_null(strstr(x.s.log, "lost grace-over"));
	assert_string_equal(ipsec_engine_status(x.e, buf, sizeof(buf)),
			    "lost");
	assert_int_equal(tunnels_count(ipsec_engine_tunnels(x.e)), 0);
	rim_feed_free(x.feed);
	ipsec_engine_free(x.e);
	mep_config_free(&cfg);
	ev_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grace_rule),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_ike_sas),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_command_pending_at_free),
		cmocka_unit_test(test_feed_grace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
