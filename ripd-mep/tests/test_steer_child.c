/* test_steer_child: unit tests of the child-sa steering core
 * (steer_child.c): names, start, make-before-break and break-before-make
 * moves, a flapping center (two moves racing, also with a terminate in
 * flight), failed initiates (backoff, give-up, hold), the install timeout,
 * charon restarting during a move, a destination no center serves, a
 * CHILD_SA to a center the method excludes, failed terminates, vpn-domain
 * (a center's failure moves only its children), outcomes of an old
 * configuration, and the IKE_SAs of permanent-tunnels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "mep.h"
#include "prefix.h"
#include "steer_child.h"
#include "steer_child_swanctl.h"
#include "strbuf.h"
#include "tunnels.h"
#include "config_fixture.h"

#define ACT_MAX 16

struct fx {
	struct mep_config cfg;
	struct tunnel_table t;
	struct steer_child *s;
	struct steer_child_action a[ACT_MAX];
	size_t n;
	double wake;
	int s1, m1, m2, m3;
};

/* S1 (local) satellite of STAR with centers M1 M2 M3, priority-list;
 * shared domain 10.1.0.0/16 (vpn_domain false), or M1 10.1.0.0/16 and M2
 * 10.2.0.0/16 and M3 both (vpn_domain true). */
static void make(struct fx *x, bool vpn_domain, bool mbb)
{
	struct steer_child_params p;
	struct mep_community *c;
	int ci;

	memset(x, 0, sizeof(*x));
	mep_config_init(&x->cfg);
	x->s1 = fixture_add_gateway(&x->cfg, "S1", "198.51.100.1",
				    "10.9.0.0/16");
	x->m1 = fixture_add_gateway(&x->cfg, "M1", "192.0.2.1",
				    vpn_domain ? "10.1.0.0/16" : "10.1.0.0/16");
	x->m2 = fixture_add_gateway(&x->cfg, "M2", "192.0.2.2",
				    vpn_domain ? "10.2.0.0/16" : "10.1.0.0/16");
	x->m3 = fixture_add_gateway(&x->cfg, "M3", "192.0.2.3",
				    vpn_domain ? "10.1.0.0/16 10.2.0.0/16"
					       : "10.1.0.0/16");
	snprintf(x->cfg.gateways[x->m1].ike_connection,
		 sizeof(x->cfg.gateways[x->m1].ike_connection), "m1");
	x->cfg.local_gateway = x->s1;
	ci = fixture_add_community(&x->cfg, "STAR", MEP_COMMUNITY_STAR);
	c = &x->cfg.communities[ci];
	fixture_list_push(&c->centers, x->m1);
	fixture_list_push(&c->centers, x->m2);
	fixture_list_push(&c->centers, x->m3);
	fixture_list_push(&c->satellites, x->s1);
	c->mep_enabled = true;
	c->permanent_tunnels = true;
	c->method = vpn_domain ? MEP_METHOD_VPN_DOMAIN
			       : MEP_METHOD_PRIORITY_LIST;
	c->steering = MEP_STEERING_CHILD_SA;
	tunnels_init(&x->t);
	steer_child_params_default(&p);
	p.make_before_break = mbb;
	p.ike_refresh = 30;
	p.overlap = 0;	/* test_move_overlap sets its own */
	x->s = steer_child_new(&p);
	assert_non_null(x->s);
	assert_int_equal(steer_child_configure(x->s, &x->cfg, 0), 0);
}

static void done(struct fx *x)
{
	steer_child_free(x->s);
	tunnels_free(&x->t);
	mep_config_free(&x->cfg);
}

/* A result choosing gw (-1: none responds); excluded: a center with rank
 * NONE (-1: none). */
static struct mep_result result(struct fx *x, int gw, int excluded)
{
	struct mep_result r;
	int centers[] = { x->m1, x->m2, x->m3 };

	memset(&r, 0, sizeof(r));
	r.status = gw >= 0 ? MEP_RESOLVED : MEP_NO_RESPONDER;
	r.kind = MEP_KIND_EXPLICIT;
	r.gateway = gw;
	r.rank = MEP_RANK_PRIMARY;
	for (size_t k = 0; k < 3; k++) {
		r.candidates[k].gateway = centers[k];
		r.candidates[k].rank = centers[k] == excluded
					       ? MEP_RANK_NONE
					       : MEP_RANK_SECONDARY;
	}
	r.n_candidates = 3;
	snprintf(r.reason, sizeof(r.reason),
		 gw >= 0 ? "chosen" : "no center responds");
	return r;
}

static void entry(struct fx *x, size_t i, int gw, int excluded, double now)
{
	struct mep_result r = result(x, gw, excluded);

	steer_child_set_entry(x->s, i, &r, now);
}

static void child(struct fx *x, uint32_t ike, uint32_t id, int gw,
		  const char *name, const char *state, double now)
{
	struct tunnel_child c;

	memset(&c, 0, sizeof(c));
	c.ike_id = ike;
	c.child_id = id;
	snprintf(c.remote_host, sizeof(c.remote_host), "%s",
		 x->cfg.gateways[gw].address);
	snprintf(c.state, sizeof(c.state), "%s", state);
	snprintf(c.ike_name, sizeof(c.ike_name), "%s",
		 steer_child_conn(&x->cfg, gw));
	snprintf(c.child_name, sizeof(c.child_name), "%s", name);
	assert_int_equal(tunnels_upsert(&x->t, &x->cfg, &c, (time_t)now), 0);
}

static size_t step(struct fx *x, double now)
{
	x->n = steer_child_step(x->s, &x->t, now, x->a, ACT_MAX, &x->wake);
	return x->n;
}

/* Actions of kind other than INITIATE_IKE. */
static size_t moves(struct fx *x)
{
	size_t k = 0;

	for (size_t i = 0; i < x->n; i++)
		if (x->a[i].kind != STEER_CHILD_INITIATE_IKE)
			x->a[k++] = x->a[i];
	x->n = k;
	return k;
}

/* Steps at now: exactly one move (INITIATE_IKE aside), of kind; it is
 * x->a[0]. */
static void one_move(struct fx *x, double now,
		     enum steer_child_action_kind kind)
{
	step(x, now);
	assert_int_equal(moves(x), 1);
	assert_int_equal(x->a[0].kind, kind);
}

static void view(struct fx *x, size_t i, struct steer_child_view *v)
{
	steer_child_get(x->s, i, v);
}

/* Start with the child on M1 installed: returns after the step that
 * sees it (state up). */
static void start_on_m1(struct fx *x)
{
	struct steer_child_view v;

	entry(x, 0, x->m1, -1, 0);
	one_move(x, 0, STEER_CHILD_INITIATE);
	assert_string_equal(x->a[0].conn, "m1");
	assert_string_equal(x->a[0].child, "net-10-1-0-0_16");
	child(x, 1, 1, x->m1, "net-10-1-0-0_16", "INSTALLED", 0.1);
	step(x, 0.1);
	assert_int_equal(moves(x), 0);
	view(x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_UP);
	assert_true(v.carried);
	assert_int_equal(v.ike_id, 1);
	assert_int_equal(v.child_id, 1);
}

static void test_names(void **state)
{
	struct fx x;
	char buf[STEER_CHILD_NAME_MAX];
	struct mep_prefix p = fixture_prefix("2001:db8::/32");

	(void)state;
	assert_string_equal(steer_child_name(&p, buf, sizeof(buf)),
			    "net-2001-db8--_32");
	p = fixture_prefix("10.1.0.0/16");
	assert_string_equal(steer_child_name(&p, buf, sizeof(buf)),
			    "net-10-1-0-0_16");
	make(&x, false, true);
	assert_string_equal(steer_child_conn(&x.cfg, x.m1), "m1");
	assert_string_equal(steer_child_conn(&x.cfg, x.m2), "M2");
	assert_int_equal(steer_child_count(x.s), 1);
	assert_int_equal(steer_child_find(x.s, &p), 0);
	assert_true(steer_child_community(&x.cfg, 0));
	x.cfg.communities[0].steering = MEP_STEERING_ROUTE;
	assert_false(steer_child_community(&x.cfg, 0));
	done(&x);
}

static void test_start_and_ike(void **state)
{
	struct fx x;
	bool m2 = false, m3 = false;

	(void)state;
	make(&x, false, true);
	/* no entry point yet: nothing but the permanent IKE_SAs */
	step(&x, 0);
	for (size_t i = 0; i < x.n; i++) {
		assert_int_equal(x.a[i].kind, STEER_CHILD_INITIATE_IKE);
		m2 |= x.a[i].gateway == x.m2;
		m3 |= x.a[i].gateway == x.m3;
	}
	assert_int_equal(x.n, 3);
	assert_true(m2 && m3);
	/* not again before the refresh */
	step(&x, 1);
	assert_int_equal(x.n, 0);
	start_on_m1(&x);
	/* the entry point's IKE_SA comes with its CHILD_SA: no IKE-only
	 * initiate raced beside it (start_on_m1 checked the actions) */
	/* M1 has a CHILD_SA (so an IKE_SA): only M2, M3 refreshed */
	step(&x, 31);
	assert_int_equal(x.n, 2);
	for (size_t i = 0; i < x.n; i++)
		assert_int_not_equal(x.a[i].gateway, x.m1);
	done(&x);
}

static void test_no_ike_race(void **state)
{
	struct fx x;

	(void)state;
	make(&x, false, true);
	entry(&x, 0, x.m1, -1, 0);
	step(&x, 0);
	assert_int_equal(x.n, 3);
	for (size_t i = 0; i < x.n; i++)
		if (x.a[i].kind == STEER_CHILD_INITIATE_IKE)
			assert_int_not_equal(x.a[i].gateway, x.m1);
		else
			assert_int_equal(x.a[i].gateway, x.m1);
	done(&x);
}

static void test_move_make_before_break(void **state)
{
	struct fx x;
	struct steer_child_view v;

	(void)state;
	make(&x, false, true);
	start_on_m1(&x);
	entry(&x, 0, x.m2, -1, 1);
	one_move(&x, 1, STEER_CHILD_INITIATE);
	assert_string_equal(x.a[0].conn, "M2");
	view(&x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_MOVING);
	assert_string_equal(v.reason, "initiating net-10-1-0-0_16 on M2");
	/* M2's child not yet installed: M1's stays */
	child(&x, 2, 2, x.m2, "net-10-1-0-0_16", "INSTALLING", 1.05);
	assert_int_equal(step(&x, 1.05), 0);
	child(&x, 2, 2, x.m2, "net-10-1-0-0_16", "INSTALLED", 1.1);
	one_move(&x, 1.1, STEER_CHILD_TERMINATE);
	assert_int_equal(x.a[0].ike_id, 1);
	assert_int_equal(x.a[0].child_id, 1);
	assert_string_equal(x.a[0].why,
			    "moved to M2 (CHILD_SA #2/#2 installed)");
	view(&x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_UP);
	assert_int_equal(v.ike_id, 2);
	assert_true(v.since == 1.1);
	/* asked once */
	step(&x, 1.2);
	assert_int_equal(moves(&x), 0);
	/* a rekey on M2: new CHILD_SA first, the old one goes; nothing
	 * terminated, since kept */
	child(&x, 2, 5, x.m2, "net-10-1-0-0_16", "INSTALLED", 1.25);
	step(&x, 1.25);
	assert_int_equal(moves(&x), 0);
	tunnels_remove_child(&x.t, 2, 2);
	step(&x, 1.26);
	assert_int_equal(moves(&x), 0);
	view(&x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_UP);
	assert_int_equal(v.child_id, 5);
	assert_true(v.since == 1.1);
	steer_child_terminate_done(x.s, 1, 1, true, NULL, 1.2);
	tunnels_remove_child(&x.t, 1, 1);
	step(&x, 1.3);
	assert_int_equal(moves(&x), 0);
	done(&x);
}

/* With an overlap the old CHILD_SA stays that long after the new one is
 * installed (both carry while the return path converges), then goes; the
 * core asks to be woken for it. */
static void test_move_overlap(void **state)
{
	struct fx x;
	struct steer_child_view v;

	(void)state;
	make(&x, false, true);
	steer_child_free(x.s);
	{
		struct steer_child_params p;

		steer_child_params_default(&p);
		assert_true(p.overlap == 2);
		p.ike_refresh = 30;
		x.s = steer_child_new(&p);
		assert_non_null(x.s);
		assert_int_equal(steer_child_configure(x.s, &x.cfg, 0), 0);
	}
	start_on_m1(&x);
	entry(&x, 0, x.m2, -1, 1);
	one_move(&x, 1, STEER_CHILD_INITIATE);
	child(&x, 2, 2, x.m2, "net-10-1-0-0_16", "INSTALLED", 1.1);
	/* installed: up via M2 at once, M1's stays for the overlap */
	step(&x, 1.1);
	assert_int_equal(moves(&x), 0);
	assert_true(x.wake > 1.1 && x.wake <= 3.1);
	view(&x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_UP);
	assert_int_equal(v.ike_id, 2);
	assert_true(v.since == 1.1);
	step(&x, 3.0);
	assert_int_equal(moves(&x), 0);
	/* the overlap is over: M1's goes */
	one_move(&x, 3.1, STEER_CHILD_TERMINATE);
	assert_int_equal(x.a[0].ike_id, 1);
	assert_string_equal(x.a[0].why,
			    "moved to M2 (CHILD_SA #2/#2 installed)");
	/* back to M1 within an overlap (a flap): M2's new carrier is
	 * kept until M1's has been up for the overlap again */
	steer_child_terminate_done(x.s, 1, 1, true, NULL, 3.2);
	tunnels_remove_child(&x.t, 1, 1);
	entry(&x, 0, x.m1, -1, 4);
	one_move(&x, 4, STEER_CHILD_INITIATE);
	child(&x, 3, 3, x.m1, "net-10-1-0-0_16", "INSTALLED", 4.1);
	step(&x, 4.1);
	assert_int_equal(moves(&x), 0);
	entry(&x, 0, x.m2, -1, 4.2);
	step(&x, 4.2);
	/* M2's CHILD_SA is the carrier again (since 4.2): M1's waits */
	assert_int_equal(moves(&x), 0);
	one_move(&x, 6.2, STEER_CHILD_TERMINATE);
	assert_int_equal(x.a[0].ike_id, 3);
	done(&x);
}

static void test_move_break_before_make(void **state)
{
	struct fx x;

	(void)state;
	make(&x, false, false);
	start_on_m1(&x);
	entry(&x, 0, x.m2, -1, 1);
	step(&x, 1);
	assert_int_equal(moves(&x), 2);
	assert_int_equal(x.a[0].kind, STEER_CHILD_TERMINATE);
	assert_string_equal(x.a[0].why, "moving to M2 (break before make)");
	assert_int_equal(x.a[1].kind, STEER_CHILD_INITIATE);
	done(&x);
}

static void test_flap(void **state)
{
	struct fx x;
	struct steer_child_view v;

	(void)state;
	make(&x, false, true);
	start_on_m1(&x);
	/* M1 -> M2 -> M1 before M2 installs: M1's child never left */
	entry(&x, 0, x.m2, -1, 1);
	step(&x, 1);
	entry(&x, 0, x.m1, -1, 1.01);
	step(&x, 1.01);
	assert_int_equal(moves(&x), 0);
	view(&x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_UP);
	assert_int_equal(v.ike_id, 1);
	/* the late child on M2 goes */
	child(&x, 2, 2, x.m2, "net-10-1-0-0_16", "INSTALLED", 1.2);
	one_move(&x, 1.2, STEER_CHILD_TERMINATE);
	assert_int_equal(x.a[0].ike_id, 2);
	assert_string_equal(x.a[0].why,
			    "moved to M1 (CHILD_SA #1/#1 installed)");
	tunnels_remove_child(&x.t, 2, 2);
	step(&x, 1.3);
	assert_int_equal(moves(&x), 0);
	/* M2 again: its earlier initiate was answered (by the CHILD_SA
	 * just terminated): initiated again at once, state moving */
	entry(&x, 0, x.m2, -1, 1.4);
	one_move(&x, 1.4, STEER_CHILD_INITIATE);
	assert_string_equal(x.a[0].conn, "M2");
	view(&x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_MOVING);
	assert_false(v.carried);
	/* and while that one is pending, back and forth again: no second
	 * initiate on M2, state moving (not a stale up) */
	entry(&x, 0, x.m1, -1, 1.45);
	step(&x, 1.45);
	assert_int_equal(moves(&x), 0);
	entry(&x, 0, x.m2, -1, 1.5);
	step(&x, 1.5);
	assert_int_equal(moves(&x), 0);
	view(&x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_MOVING);
	assert_string_equal(v.reason, "waiting for net-10-1-0-0_16 on M2");
	done(&x);
}

static void test_flap_while_terminating(void **state)
{
	struct fx x;
	struct steer_child_view v;

	(void)state;
	make(&x, false, true);
	start_on_m1(&x);
	entry(&x, 0, x.m2, -1, 1);
	step(&x, 1);
	child(&x, 2, 2, x.m2, "net-10-1-0-0_16", "INSTALLED", 1.1);
	step(&x, 1.1);	/* terminate M1's #1 */
	/* back to M1 while #1 is still listed: it is dying, not a
	 * carrier; a new one is initiated, M2's stays meanwhile */
	entry(&x, 0, x.m1, -1, 1.15);
	one_move(&x, 1.15, STEER_CHILD_INITIATE);
	assert_string_equal(x.a[0].conn, "m1");
	view(&x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_MOVING);
	tunnels_remove_child(&x.t, 1, 1);
	child(&x, 1, 3, x.m1, "net-10-1-0-0_16", "INSTALLED", 1.3);
	one_move(&x, 1.3, STEER_CHILD_TERMINATE);
	assert_int_equal(x.a[0].ike_id, 2);
	view(&x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_UP);
	assert_int_equal(v.child_id, 3);
	done(&x);
}

static void test_initiate_fails_backoff_give_up(void **state)
{
	struct fx x;
	struct steer_child_view v;
	unsigned gen;

	(void)state;
	make(&x, false, true);
	start_on_m1(&x);
	entry(&x, 0, x.m2, -1, 1);
	gen = steer_child_generation(x.s);
	step(&x, 1);
	assert_int_equal(moves(&x), 1);
	steer_child_initiate_done(x.s, gen, 0, x.m2, false,
				  "CHILD_SA config 'net-10-1-0-0_16' not found",
				  1.01);
	step(&x, 1.01);
	assert_int_equal(moves(&x), 0);
	view(&x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_FAILED);
	assert_string_equal(v.reason,
			    "initiate on M2 failed: CHILD_SA config "
			    "'net-10-1-0-0_16' not found (retry in 0.5 s)");
	assert_true(x.wake == 1.51);
	step(&x, 1.4);
	assert_int_equal(moves(&x), 0);
	one_move(&x, 1.51, STEER_CHILD_INITIATE);
	steer_child_initiate_done(x.s, gen, 0, x.m2, false, "refused", 1.52);
	step(&x, 1.6);
	assert_int_equal(moves(&x), 0);
	assert_true(x.wake == 2.52);	/* doubled */
	step(&x, 2.52);
	assert_int_equal(moves(&x), 1);
	assert_false(steer_child_given_up(x.s, 0, x.m2, 2.6));
	steer_child_initiate_done(x.s, gen, 0, x.m2, false, "refused", 2.6);
	assert_true(steer_child_given_up(x.s, 0, x.m2, 2.6));
	one_move(&x, 2.6, STEER_CHILD_GIVE_UP);
	assert_int_equal(x.a[0].gateway, x.m2);
	assert_string_equal(x.a[0].why,
			    "M2 did not install net-10-1-0-0_16: refused");
	view(&x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_FAILED);
	/* M1's child kept meanwhile (make-before-break) */
	assert_non_null(tunnels_find(&x.t, 1, 1));
	/* reported once; the hold ends after 60 s */
	step(&x, 3);
	assert_int_equal(moves(&x), 0);
	assert_true(steer_child_given_up(x.s, 0, x.m2, 62));
	assert_false(steer_child_given_up(x.s, 0, x.m2, 62.7));
	one_move(&x, 62.7, STEER_CHILD_INITIATE);
	done(&x);
}

static void test_install_timeout(void **state)
{
	struct fx x;
	struct steer_child_view v;

	(void)state;
	make(&x, false, true);
	entry(&x, 0, x.m1, -1, 0);
	step(&x, 0);
	assert_int_equal(moves(&x), 1);
	assert_true(x.wake == 10);
	step(&x, 9.9);
	assert_int_equal(moves(&x), 0);
	step(&x, 10);
	assert_int_equal(moves(&x), 0);
	view(&x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_FAILED);
	assert_string_equal(v.reason, "initiate on M1 failed: not installed "
				      "within 10 s (retry in 0.5 s)");
	step(&x, 10.5);
	assert_int_equal(moves(&x), 1);
	done(&x);
}

static void test_charon_restart_during_move(void **state)
{
	struct fx x;
	unsigned gen;

	(void)state;
	make(&x, false, true);
	start_on_m1(&x);
	entry(&x, 0, x.m2, -1, 1);
	gen = steer_child_generation(x.s);
	step(&x, 1);
	assert_int_equal(moves(&x), 1);
	/* charon goes: nothing asked while lost */
	steer_child_engine(x.s, false, 1.1);
	assert_int_equal(step(&x, 1.2), 0);
	/* the command's loss arrives; back with an empty listing */
	steer_child_initiate_done(x.s, gen, 0, x.m2, false,
				  "connection to strongSwan lost", 1.2);
	tunnels_remove_ike(&x.t, 1);
	steer_child_engine(x.s, true, 2);
	one_move(&x, 2, STEER_CHILD_INITIATE);
	assert_string_equal(x.a[0].conn, "M2");
	child(&x, 7, 1, x.m2, "net-10-1-0-0_16", "INSTALLED", 2.1);
	step(&x, 2.1);
	assert_int_equal(moves(&x), 0);
	done(&x);
}

static void test_no_center_serves(void **state)
{
	struct fx x;
	struct steer_child_view v;

	(void)state;
	make(&x, false, true);
	start_on_m1(&x);
	entry(&x, 0, -1, -1, 5);
	one_move(&x, 5, STEER_CHILD_TERMINATE);
	assert_string_equal(x.a[0].why, "no center serves net-10-1-0-0_16");
	view(&x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_FAILED);
	assert_int_equal(v.gateway, -1);
	assert_string_equal(v.reason,
			    "no center serves it: no center responds");
	assert_false(v.carried);
	done(&x);
}

static void test_excluded_center(void **state)
{
	struct fx x;

	(void)state;
	make(&x, false, true);
	/* M3 is not in S1's rule; a listing shows a child to M3 */
	entry(&x, 0, x.m1, x.m3, 0);
	child(&x, 9, 9, x.m3, "net-10-1-0-0_16", "INSTALLED", 0);
	step(&x, 0);
	/* terminated at once, before M1's child is up */
	assert_int_equal(moves(&x), 2);
	assert_int_equal(x.a[0].kind, STEER_CHILD_TERMINATE);
	assert_int_equal(x.a[0].ike_id, 9);
	assert_string_equal(x.a[0].why,
			    "M3 is not a center S1 may use for "
			    "net-10-1-0-0_16");
	assert_int_equal(x.a[1].kind, STEER_CHILD_INITIATE);
	done(&x);
}

static void test_terminate_fails(void **state)
{
	struct fx x;

	(void)state;
	make(&x, false, true);
	start_on_m1(&x);
	entry(&x, 0, -1, -1, 5);
	step(&x, 5);
	assert_int_equal(moves(&x), 1);
	steer_child_terminate_done(x.s, 1, 1, false, "timeout", 5.1);
	step(&x, 6);
	assert_int_equal(moves(&x), 0);
	one_move(&x, 7.1, STEER_CHILD_TERMINATE);
	/* answered ok but still listed: asked again after 5 x 2 s */
	steer_child_terminate_done(x.s, 1, 1, true, NULL, 7.2);
	step(&x, 10);
	assert_int_equal(moves(&x), 0);
	step(&x, 17.1);
	assert_int_equal(moves(&x), 1);
	done(&x);
}

/* A step with no room for actions (max reached) while a terminate record
 * exists and is due again: the records of the other CHILD_SAs stay (an
 * earlier version dropped the last record instead of none). */
static void test_terminate_no_room_keeps_records(void **state)
{
	struct fx x;

	(void)state;
	make(&x, false, true);
	start_on_m1(&x);
	child(&x, 1, 2, x.m1, "net-10-1-0-0_16", "INSTALLED", 0.2);
	entry(&x, 0, -1, -1, 5);
	step(&x, 5);
	assert_int_equal(moves(&x), 2);
	steer_child_terminate_done(x.s, 1, 1, false, "timeout", 5.1);
	/* due again at 7.1, but no room */
	assert_int_equal(steer_child_step(x.s, &x.t, 7.1, x.a, 0, &x.wake), 0);
	/* only #1/#1 is asked again: #1/#2's terminate (sent at 5) is not
	 * due before 15 */
	step(&x, 7.2);
	assert_int_equal(moves(&x), 1);
	assert_int_equal(x.a[0].kind, STEER_CHILD_TERMINATE);
	assert_int_equal(x.a[0].child_id, 1);
	done(&x);
}

static void test_vpn_domain(void **state)
{
	struct fx x;
	struct steer_child_view v;
	struct mep_prefix p1 = fixture_prefix("10.1.0.0/16");
	struct mep_prefix p2 = fixture_prefix("10.2.0.0/16");
	int i1, i2;

	(void)state;
	make(&x, true, true);
	assert_int_equal(steer_child_count(x.s), 2);
	i1 = steer_child_find(x.s, &p1);
	i2 = steer_child_find(x.s, &p2);
	assert_true(i1 >= 0 && i2 >= 0);
	entry(&x, (size_t)i1, x.m1, -1, 0);
	entry(&x, (size_t)i2, x.m2, -1, 0);
	step(&x, 0);
	assert_int_equal(moves(&x), 2);
	child(&x, 1, 1, x.m1, "net-10-1-0-0_16", "INSTALLED", 0.1);
	child(&x, 2, 2, x.m2, "net-10-2-0-0_16", "INSTALLED", 0.1);
	step(&x, 0.1);
	assert_int_equal(moves(&x), 0);
	/* M2 fails: only 10.2/16 moves to M3 */
	entry(&x, (size_t)i2, x.m3, -1, 1);
	one_move(&x, 1, STEER_CHILD_INITIATE);
	assert_int_equal(x.a[0].dest, (size_t)i2);
	assert_string_equal(x.a[0].child, "net-10-2-0-0_16");
	child(&x, 3, 3, x.m3, "net-10-2-0-0_16", "INSTALLED", 1.1);
	step(&x, 1.1);
	assert_int_equal(moves(&x), 1);
	assert_int_equal(x.a[0].ike_id, 2);
	view(&x, (size_t)i1, &v);
	assert_int_equal(v.state, STEER_CHILD_UP);
	assert_int_equal(v.ike_id, 1);
	view(&x, (size_t)i2, &v);
	assert_int_equal(v.state, STEER_CHILD_UP);
	assert_int_equal(v.ike_id, 3);
	done(&x);
}

static void test_reconfigure(void **state)
{
	struct fx x;
	struct steer_child_view v;
	unsigned gen;

	(void)state;
	/* the same configuration again: state, carrier and since kept */
	make(&x, false, true);
	start_on_m1(&x);
	assert_int_equal(steer_child_configure(x.s, &x.cfg, 5), 0);
	entry(&x, 0, x.m1, -1, 5);
	step(&x, 5);
	assert_int_equal(moves(&x), 0);
	view(&x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_UP);
	assert_true(v.since == 0.1);
	assert_int_equal(v.child_id, 1);
	done(&x);

	make(&x, false, true);
	entry(&x, 0, x.m1, -1, 0);
	gen = steer_child_generation(x.s);
	step(&x, 0);
	assert_int_equal(steer_child_configure(x.s, &x.cfg, 1), 0);
	/* an outcome of the old configuration is ignored */
	steer_child_initiate_done(x.s, gen, 0, x.m1, false, "late", 1);
	entry(&x, 0, x.m1, -1, 1);
	one_move(&x, 1, STEER_CHILD_INITIATE);
	view(&x, 0, &v);
	assert_int_equal(v.state, STEER_CHILD_MOVING);
	/* a route-steered community: nothing to steer */
	x.cfg.communities[0].steering = MEP_STEERING_ROUTE;
	assert_int_equal(steer_child_configure(x.s, &x.cfg, 2), 0);
	assert_int_equal(steer_child_count(x.s), 0);
	assert_int_equal(step(&x, 2), 0);
	done(&x);
}

static void test_swanctl(void **state)
{
	struct fx x;
	struct strbuf b = STRBUF_INIT;
	struct mep_prefix p = fixture_prefix("10.2.0.0/16");
	const char *want =
		"# swanctl.conf connections of satellite S1 (ripd-mep: show "
		"mep swanctl).\n"
		"# ripd-mep initiates and terminates the children; keep the "
		"names.\n"
		"connections {\n"
		"\tm1 {\n"
		"\t\t# center M1 of STAR\n"
		"\t\tversion = 2\n"
		"\t\tlocal_addrs = 198.51.100.1\n"
		"\t\tremote_addrs = 192.0.2.1\n"
		"\t\tencap = yes\n"
		"\t\t# 10 x the probe dead time (500 ms x 3): DPD is the "
		"fallback behind the probes\n"
		"\t\tdpd_delay = 15s\n"
		"\t\t# authentication: psk with the gateways' names as "
		"identities (add the secret),\n"
		"\t\t# or auth = pubkey with certs = ... in both sections; "
		"keep the ids\n"
		"\t\tlocal {\n\t\t\tauth = psk\n\t\t\tid = S1\n\t\t}\n"
		"\t\tremote {\n\t\t\tauth = psk\n\t\t\tid = M1\n\t\t}\n"
		"\t\tchildren {\n"
		"\t\t\tnet-10-1-0-0_16 {\n"
		"\t\t\t\tlocal_ts = 10.9.0.0/16\n"
		"\t\t\t\tremote_ts = 10.1.0.0/16\n"
		"\t\t\t\tstart_action = none\n"
		"\t\t\t\tdpd_action = clear\n"
		"\t\t\t\tclose_action = none\n"
		"\t\t\t}\n"
		"\t\t\tnet-10-2-0-0_16 {\n"
		"\t\t\t\tlocal_ts = 10.9.0.0/16\n"
		"\t\t\t\tremote_ts = 10.2.0.0/16\n"
		"\t\t\t\tstart_action = none\n"
		"\t\t\t\tdpd_action = clear\n"
		"\t\t\t\tclose_action = none\n"
		"\t\t\t}\n"
		"\t\t}\n"
		"\t}\n";

	(void)state;
	make(&x, true, true);
	x.cfg.probe.interval_ms = 500;
	x.cfg.probe.dead_count = 3;
	assert_int_equal(steer_child_swanctl(&x.cfg, &b), 3);
	/* the first connection, each destination once (M3 has both) */
	assert_int_equal(strncmp(strbuf_str(&b), want, strlen(want)), 0);
	assert_non_null(strstr(strbuf_str(&b), "\tM3 {\n"));
	assert_non_null(strstr(strbuf_str(&b), "\tM2 {\n"));
	assert_int_equal(steer_child_swanctl_dpd_s(&x.cfg), 15);
	x.cfg.probe.interval_ms = 100;
	assert_int_equal(steer_child_swanctl_dpd_s(&x.cfg), 3);
	strbuf_reset(&b);
	steer_child_swanctl_child_line(&x.cfg, x.m1, &p, &b);
	assert_string_equal(strbuf_str(&b),
			    "connections { m1 { children { net-10-2-0-0_16 { "
			    "local_ts = 10.9.0.0/16 remote_ts = 10.2.0.0/16 "
			    "start_action = none } } } }");
	/* route steering: charon keeps every center's children up, each
	 * with the if_id of the center's XFRM interface */
	x.cfg.communities[0].steering = MEP_STEERING_ROUTE;
	x.cfg.gateways[x.m1].if_id = 7;
	strbuf_reset(&b);
	assert_int_equal(steer_child_swanctl(&x.cfg, &b), 3);
	assert_non_null(strstr(strbuf_str(&b),
			       "\t\t\t\tstart_action = start\n"
			       "\t\t\t\tdpd_action = restart\n"
			       "\t\t\t\tclose_action = start\n"
			       "\t\t\t\tif_id_in = 7\n"
			       "\t\t\t\tif_id_out = 7\n"));
	assert_null(strstr(strbuf_str(&b), "start_action = none"));
	assert_non_null(strstr(strbuf_str(&b),
			       "# no if-id configured for this center"));
	x.cfg.communities[0].steering = MEP_STEERING_CHILD_SA;
	/* not a satellite of a MEP community */
	x.cfg.communities[0].mep_enabled = false;
	strbuf_reset(&b);
	assert_int_equal(steer_child_swanctl(&x.cfg, &b), 0);
	assert_string_equal(strbuf_str(&b),
			    "# S1 is a satellite of no explicit MEP "
			    "community: nothing to print\n");
	strbuf_free(&b);
	done(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_start_and_ike),
		cmocka_unit_test(test_no_ike_race),
		cmocka_unit_test(test_move_make_before_break),
		cmocka_unit_test(test_move_overlap),
		cmocka_unit_test(test_move_break_before_make),
		cmocka_unit_test(test_flap),
		cmocka_unit_test(test_flap_while_terminating),
		cmocka_unit_test(test_initiate_fails_backoff_give_up),
		cmocka_unit_test(test_install_timeout),
		cmocka_unit_test(test_charon_restart_during_move),
		cmocka_unit_test(test_no_center_serves),
		cmocka_unit_test(test_excluded_center),
		cmocka_unit_test(test_terminate_fails),
		cmocka_unit_test(test_terminate_no_room_keeps_records),
		cmocka_unit_test(test_vpn_domain),
		cmocka_unit_test(test_reconfigure),
		cmocka_unit_test(test_swanctl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
