/* test_entry_points: the daemon's MEP glue without I/O (daemon_init and
 * daemon_apply, no daemon_start), through the vty commands:
 * - implicit MEP has one answer: `show mep` (state), the configuration
 *   rules (rule 3) and `show mep resolve` agree for the same community,
 *   including a center whose satellites' domains overlap (bug: state
 *   said "none") and a primary-backup group;
 * - entry-point change events reach subscribers with old, new and why;
 * - existing connections: primary-backup keeps the daemon's own pair on
 *   the backup after the primary returns, new pairs go to the primary;
 * - `no debug mep gateway` returns to the gateway's other source;
 * - probe verdicts (daemon_probe_report) move entry points, a draining
 *   center is chosen by no new resolution, `mep drain` is shown;
 * - a configuration change (probe interval) keeps first-to-respond
 *   choices (mep_engine_carry_over);
 * - third-party centers follow the IPsec engine (daemon_ike_report). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conf_load.h"
#include "conf_rules.h"
#include "daemon.h"
#include "ike_liveness.h"

struct fixture {
	struct ly_ctx *ctx;
	struct daemon d;
	struct cli_session *s;
	struct strbuf out;
};

static struct fixture *start(const char *text)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct conf_candidate cand;
	struct strbuf err = STRBUF_INIT;

	assert_non_null(f);
	assert_int_equal(ly_ctx_new(SRC_YANG_DIR, 0, &f->ctx), LY_SUCCESS);
	assert_non_null(ly_ctx_load_module(f->ctx, "ripd-mep", NULL, NULL));
	assert_int_equal(daemon_init(&f->d, f->ctx, "/nonexistent/r.conf",
				     NULL),
			 0);
	if (conf_load_text(f->ctx, text, "t.conf", &cand, &err) < 0)
		fail_msg("%s", strbuf_str(&err));
	strbuf_free(&err);
	daemon_apply(&f->d, &cand);
	f->s = cli_session_new(&f->d);
	assert_non_null(f->s);
	return f;
}

static void stop(struct fixture *f)
{
	cli_session_free(f->s);
	daemon_fini(&f->d);
	ly_ctx_destroy(f->ctx);
	strbuf_free(&f->out);
	free(f);
}

static const char *run(struct fixture *f, const char *line)
{
	strbuf_reset(&f->out);
	if (cli_exec(f->s, line, &f->out) != CMD_SUCCESS)
		fail_msg("%s: %s", line, strbuf_str(&f->out));
	return strbuf_str(&f->out);
}

static void assert_has(const char *text, const char *what)
{
	if (!strstr(text, what))
		fail_msg("\"%s\" not in:\n%s", what, text);
}

/* The community's MEP in `show mep communities json`. */
static bool state_says(struct fixture *f, const char *kind)
{
	char want[64];

	snprintf(want, sizeof(want), "\"mep\": \"%s\"", kind);
	return strstr(run(f, "show mep communities json"), want) != NULL;
}

/* Does rule 3 (implicit load distribution with RIM) fire once
 * load-distribution is on? It fires exactly on overlapping-domain
 * implicit MEP. */
static bool rules_say_implicit(struct fixture *f)
{
	struct conf_rule_violation v;
	int n;

	f->d.cfg.load_distribution = true;
	n = conf_rules_check(&f->d.cfg, &v, NULL);
	f->d.cfg.load_distribution = false;
	return n > 0 && v.rule == 3;
}

#define GW(name, addr, dom) \
	" gateway " name "\n  address " addr "\n  vpn-domain " dom "\n exit\n"

/* C1 is a center; its satellites S1 and S2 own overlapping domains. */
static const char center_view[] =
	"mep\n local-gateway C1\n"
	GW("C1", "192.0.2.1", "10.1.0.0/16")
	GW("S1", "198.51.100.1", "10.11.0.0/16")
	GW("S2", "198.51.100.2", "10.11.128.0/17")
	" community STAR-1\n  type star\n  center C1\n  satellite S1\n"
	"  satellite S2\n exit\n rim\n exit\nexit\n";

/* The same with disjoint satellite domains: no MEP anywhere. */
static const char disjoint[] =
	"mep\n local-gateway C1\n"
	GW("C1", "192.0.2.1", "10.1.0.0/16")
	GW("S1", "198.51.100.1", "10.11.0.0/16")
	GW("S2", "198.51.100.2", "10.12.0.0/16")
	" community STAR-1\n  type star\n  center C1\n  satellite S1\n"
	"  satellite S2\n exit\n rim\n exit\nexit\n";

/* Primary-backup: M1 (backup M3) and M3 are centers of S1. */
static const char primary_backup[] =
	"mep\n local-gateway S1\n"
	" gateway M1\n  address 192.0.2.1\n  vpn-domain 10.1.0.0/16\n"
	"  backup-gateway M3\n exit\n"
	GW("M3", "192.0.2.3", "10.3.0.0/16")
	GW("S1", "198.51.100.1", "10.11.0.0/16")
	" community C\n  type star\n  center M1\n  center M3\n"
	"  satellite S1\n exit\nexit\n";

static void test_implicit_same_everywhere(void **state)
{
	struct fixture *f;
	const char *o;

	(void)state;
	f = start(center_view);
	assert_true(state_says(f, "implicit"));
	assert_true(rules_say_implicit(f));
	o = run(f, "show mep resolve 10.1.0.5 10.11.200.1 from C1 json");
	assert_has(o, "\"mep\": \"implicit\"");
	assert_has(o, "\"community\": \"STAR-1\"");
	/* and from the satellite's side, a single gateway */
	o = run(f, "show mep resolve 10.11.0.5 10.1.0.1 from S1 json");
	assert_has(o, "\"mep\": \"none\"");
	stop(f);

	f = start(disjoint);
	assert_true(state_says(f, "none"));
	assert_false(rules_say_implicit(f));
	o = run(f, "show mep resolve 10.1.0.5 10.11.200.1 from C1 json");
	assert_has(o, "\"mep\": \"none\"");
	stop(f);

	/* primary-backup is implicit MEP (SPEC.md), but not load
	 * distribution: rule 3 does not apply to it */
	f = start(primary_backup);
	assert_true(state_says(f, "implicit"));
	assert_false(rules_say_implicit(f));
	o = run(f, "show mep resolve 10.11.0.5 10.1.2.3 json");
	assert_has(o, "\"mep\": \"primary-backup\"");
	stop(f);
}

/* ---- entry-point events and existing connections ----------------- */

struct seen {
	size_t n;
	int old_gw[16], now_gw[16];
	char why[16][128];
};

static void record(void *arg, struct daemon *d,
		   const struct daemon_entry_change *ch)
{
	struct seen *s = arg;

	(void)d;
	if (s->n == 16)
		return;
	s->old_gw[s->n] = ch->old ? ch->old->gateway : -2;
	s->now_gw[s->n] = ch->now->gateway;
	snprintf(s->why[s->n], sizeof(s->why[s->n]), "%s", ch->why);
	s->n++;
}

static void test_events_and_existing(void **state)
{
	struct fixture *f = start(primary_backup);
	struct seen s = { 0 };
	int m1 = mep_config_gateway_index(&f->d.cfg, "M1");
	int m3 = mep_config_gateway_index(&f->d.cfg, "M3");
	const char *o;

	(void)state;
	assert_int_equal(daemon_entry_subscribe(&f->d, record, &s), 0);
	run(f, "debug mep gateway M1 state up rtt 5");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.old_gw[0], -1);	/* no responder before */
	assert_int_equal(s.now_gw[0], m1);
	assert_has(s.why[0], "gateway M1: up by operator override");
	run(f, "debug mep gateway M3 state up rtt 3");
	assert_int_equal(s.n, 1);		/* still M1 */
	/* M1 fails: the connection moves to the backup */
	run(f, "debug mep gateway M1 state down");
	assert_int_equal(s.n, 2);
	assert_int_equal(s.old_gw[1], m1);
	assert_int_equal(s.now_gw[1], m3);
	assert_has(s.why[1], "gateway M1: down by operator override");
	/* M1 returns: the daemon's existing connection stays on M3 */
	run(f, "debug mep gateway M1 state up rtt 5");
	assert_int_equal(s.n, 2);
	o = run(f, "show mep entry-points json");
	assert_has(o, "\"gateway\": \"M3\"");
	assert_has(o, "existing connection stays on backup M3");
	/* the same pair asked by hand is that existing connection; any
	 * other pair is new and goes to the primary */
	o = run(f, "show mep resolve 10.11.0.0 10.1.0.0 json");
	assert_has(o, "\"entry-point\": \"M3\"");
	o = run(f, "show mep resolve 10.11.0.5 10.1.2.3 json");
	assert_has(o, "\"entry-point\": \"M1\"");
	/* the backup fails: back to the primary, an event */
	run(f, "debug mep gateway M3 state down");
	assert_int_equal(s.n, 3);
	assert_int_equal(s.old_gw[2], m3);
	assert_int_equal(s.now_gw[2], m1);
	run(f, "debug mep gateway M3 state up rtt 3");
	run(f, "debug mep gateway M1 state down");
	run(f, "debug mep gateway M1 state up rtt 5");
	assert_int_equal(s.n, 4);	/* M1 -> M3 only */
	assert_int_equal(s.now_gw[3], m3);
	/* a configuration change keeps the existing connection (by name)
	 * and reports every destination again (no old entry point) */
	{
		struct conf_candidate cand;
		struct strbuf err = STRBUF_INIT;

		assert_int_equal(conf_load_text(f->ctx, primary_backup,
						"t.conf", &cand, &err),
				 0);
		strbuf_free(&err);
		daemon_apply(&f->d, &cand);
	}
	assert_int_equal(s.n, 5);
	assert_int_equal(s.old_gw[4], -2);
	assert_int_equal(s.now_gw[4], m3);
	assert_has(s.why[4], "configuration applied");
	daemon_entry_unsubscribe(&f->d, record, &s);
	run(f, "debug mep gateway M3 state down");
	assert_int_equal(s.n, 5);
	stop(f);
}

static void test_override_returns_to_probe(void **state)
{
	struct fixture *f = start(primary_backup);
	int m1 = mep_config_gateway_index(&f->d.cfg, "M1");
	const char *o;

	(void)state;
	/* a probe result (the probe itself comes with the next issue) */
	assert_int_equal(liveness_set_probe(&f->d.live, m1, MEP_LIVE_UP, 4000,
					    0, 100),
			 1);
	run(f, "debug mep gateway M1 state down");
	o = run(f, "show mep gateways json");
	assert_has(o, "\"verdict-source\": \"override\"");
	assert_has(o, "\"override\": true");
	run(f, "no debug mep gateway M1");
	o = run(f, "show mep gateways json");
	assert_has(o, "\"verdict-source\": \"probe\"");
	assert_has(o, "\"rtt-us\": 4000");
	/* without another source: unknown, as before */
	run(f, "debug mep gateway M3 state up");
	run(f, "no debug mep gateway M3");
	o = run(f, "show mep gateways json");
	assert_has(o, "\"verdict-source\": \"none\"");
	stop(f);
}

/* ---- probing ------------------------------------------------------ */

/* One event per community choice (the tracking log's view). */
static void record_choice(void *arg, struct daemon *d,
			  const struct daemon_entry_change *ch)
{
	if (!ch->repeat)
		record(arg, d, ch);
}

#define STAR(method, extra)                                                  \
	"mep\n local-gateway S2\n"                                           \
	GW("M1", "192.0.2.1", "10.1.0.0/16")                                 \
	GW("M2", "192.0.2.2", "10.2.0.0/16")                                 \
	GW("M3", "192.0.2.3", "10.3.0.0/16")                                 \
	GW("S1", "198.51.100.1", "10.11.0.0/16")                             \
	GW("S2", "198.51.100.2", "10.12.0.0/16")                             \
	" community STAR-1\n  type star\n  center M1\n  center M2\n"        \
	"  center M3\n  satellite S1\n  satellite S2\n  mep enable\n"       \
	"  mep entry-point " method "\n" extra "  mep tracking log\n"        \
	" exit\n"

static const char priority[] =
	STAR("priority-list",
	     "  mep priority default primary M1 secondary M2 tertiary M3\n"
	     "  mep priority satellite S2 primary M2 secondary M3\n")
	" probe interval 100 dead-count 3 key 0123456789abcdef\nexit\n";

static void test_probe_verdicts_and_drain(void **state)
{
	struct fixture *f = start(priority);
	struct seen s = { 0 };
	int m1 = mep_config_gateway_index(&f->d.cfg, "M1");
	int m2 = mep_config_gateway_index(&f->d.cfg, "M2");
	int m3 = mep_config_gateway_index(&f->d.cfg, "M3");
	const char *o;

	(void)state;
	assert_int_equal(daemon_entry_subscribe(&f->d, record_choice, &s), 0);
	daemon_probe_report(&f->d, m3, MEP_LIVE_UP, 3000, 0, false);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.now_gw[0], m3);
	assert_has(s.why[0], "gateway M3: up by probe");
	daemon_probe_report(&f->d, m2, MEP_LIVE_UP, 2000, 0, false);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.old_gw[1], m3);
	assert_int_equal(s.now_gw[1], m2);
	/* M1 is in no rule of S2: its verdict moves nothing */
	daemon_probe_report(&f->d, m1, MEP_LIVE_UP, 1000, 0, false);
	daemon_probe_report(&f->d, m1, MEP_LIVE_DOWN, 0, 3, false);
	assert_int_equal(s.n, 2);
	/* an RTT change alone moves nothing either */
	daemon_probe_report(&f->d, m2, MEP_LIVE_UP, 2600, 0, false);
	assert_int_equal(s.n, 2);
	o = run(f, "show mep gateways json");
	assert_has(o, "\"verdict-source\": \"probe\"");
	/* M2 drains: S2 moves to M3, with the reason */
	daemon_probe_report(&f->d, m2, MEP_LIVE_UP, 2600, 0, true);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.old_gw[2], m2);
	assert_int_equal(s.now_gw[2], m3);
	assert_string_equal(s.why[2], "gateway M2: draining");
	o = run(f, "show mep gateways json");
	assert_has(o, "\"draining\": true");
	o = run(f, "show mep resolve 10.12.0.1 10.2.0.1 json");
	assert_has(o, "\"entry-point\": \"M3\"");
	/* an override wins whole, drain included */
	run(f, "debug mep gateway M2 state up");
	assert_int_equal(s.n, 4);
	assert_int_equal(s.now_gw[3], m2);
	run(f, "no debug mep gateway M2");
	assert_int_equal(s.n, 5);
	assert_int_equal(s.now_gw[4], m3);
	/* drain over: back to the primary */
	daemon_probe_report(&f->d, m2, MEP_LIVE_UP, 2600, 0, false);
	assert_int_equal(s.n, 6);
	assert_int_equal(s.now_gw[5], m2);
	assert_string_equal(s.why[5], "gateway M2: drain ended");
	/* down by probe, with the losses */
	daemon_probe_report(&f->d, m2, MEP_LIVE_DOWN, 0, 3, false);
	assert_int_equal(s.n, 7);
	assert_int_equal(s.now_gw[6], m3);
	assert_string_equal(s.why[6], "gateway M2: down by probe (3 probes lost)");
	/* a center no longer probed (configuration): its verdict is
	 * withdrawn, not left up */
	daemon_probe_report(&f->d, m3, MEP_LIVE_UNKNOWN, 0, 0, false);
	assert_int_equal(s.n, 8);
	assert_int_equal(s.now_gw[7], -1);
	assert_string_equal(s.why[7], "gateway M3: not probed any more");
	daemon_entry_unsubscribe(&f->d, record_choice, &s);
	stop(f);
}

/* The re-resolution hook runs after every round, also when nothing
 * changed and for random entry points (which publish no event). */
static void count_round(void *arg, struct daemon *d)
{
	(void)d;
	(*(int *)arg)++;
}

static void test_resolved_hook(void **state)
{
	struct fixture *f = start(priority);
	int m1 = mep_config_gateway_index(&f->d.cfg, "M1");
	int rounds = 0;

	(void)state;
	f->d.resolved_fn = count_round;
	f->d.resolved_arg = &rounds;
	daemon_update_entry_points(&f->d, "test");
	assert_int_equal(rounds, 1);
	/* M1 is in no rule of S2: nothing changes, the round still runs */
	daemon_probe_report(&f->d, m1, MEP_LIVE_UP, 1000, 0, false);
	assert_int_equal(rounds, 2);
	f->d.resolved_fn = NULL;
	stop(f);
}

static void test_local_drain(void **state)
{
	struct fixture *f = start(priority);
	const char *o;

	(void)state;
	o = run(f, "show mep json");
	assert_has(o, "\"draining\": false");
	run(f, "mep drain");
	assert_true(f->d.drain);
	o = run(f, "show mep json");
	assert_has(o, "\"draining\": true");
	o = run(f, "show mep");
	assert_has(o, "Draining: yes");
	/* run-time state: a configuration change keeps it */
	{
		struct conf_candidate cand;
		struct strbuf err = STRBUF_INIT;

		assert_int_equal(conf_load_text(f->ctx, priority, "t.conf",
						&cand, &err),
				 0);
		strbuf_free(&err);
		daemon_apply(&f->d, &cand);
	}
	assert_true(f->d.drain);
	run(f, "no mep drain");
	assert_false(f->d.drain);
	/* no probe_io without daemon_start: an empty state, no crash */
	o = run(f, "show mep probes");
	assert_has(o, "no probe peers");
	stop(f);
}

static const char ftr_100[] =
	STAR("first-to-respond", "")
	" probe interval 100 key 0123456789abcdef\nexit\n";
static const char ftr_200[] =
	STAR("first-to-respond", "")
	" probe interval 200 key 0123456789abcdef\nexit\n";

/* A probe interval change keeps the first-to-respond choice, though
 * another center has the lower RTT by then. */
static void test_config_change_keeps_choice(void **state)
{
	struct fixture *f = start(ftr_100);
	int m1 = mep_config_gateway_index(&f->d.cfg, "M1");
	int m2 = mep_config_gateway_index(&f->d.cfg, "M2");
	struct conf_candidate cand;
	struct strbuf err = STRBUF_INIT;
	const char *o;

	(void)state;
	daemon_probe_report(&f->d, m1, MEP_LIVE_UP, 5000, 0, false);
	o = run(f, "show mep entry-points json");
	assert_has(o, "\"gateway\": \"M1\"");
	daemon_probe_report(&f->d, m2, MEP_LIVE_UP, 1000, 0, false);
	o = run(f, "show mep entry-points json");
	assert_has(o, "\"gateway\": \"M1\"");	/* sticky */
	assert_int_equal(conf_load_text(f->ctx, ftr_200, "t.conf", &cand,
					&err),
			 0);
	strbuf_free(&err);
	daemon_apply(&f->d, &cand);
	assert_int_equal(f->d.cfg.probe.interval_ms, 200);
	o = run(f, "show mep entry-points json");
	assert_has(o, "\"gateway\": \"M1\"");	/* still */
	stop(f);
}

static const char third_party[] =
	"mep\n local-gateway S2\n"
	GW("M1", "192.0.2.1", "10.1.0.0/16")
	" gateway M2\n  address 192.0.2.2\n  vpn-domain 10.2.0.0/16\n"
	"  third-party\n exit\n"
	GW("S2", "198.51.100.2", "10.12.0.0/16")
	" community STAR-1\n  type star\n  center M1\n  center M2\n"
	"  satellite S2\n  mep enable\n  mep entry-point priority-list\n"
	"  mep priority default primary M2 secondary M1\n exit\n"
	" probe key 0123456789abcdef\nexit\n";

static void test_third_party_from_ike(void **state)
{
	struct fixture *f = start(third_party);
	int m1 = mep_config_gateway_index(&f->d.cfg, "M1");
	int m2 = mep_config_gateway_index(&f->d.cfg, "M2");
	const char *o;

	(void)state;
	daemon_probe_report(&f->d, m1, MEP_LIVE_UP, 1000, 0, false);
	daemon_ike_report(&f->d, m2, MEP_LIVE_UP);
	o = run(f, "show mep entry-points json");
	assert_has(o, "\"gateway\": \"M2\"");
	o = run(f, "show mep gateways json");
	assert_has(o, "\"verdict-source\": \"ike\"");
	daemon_ike_report(&f->d, m2, MEP_LIVE_DOWN);
	o = run(f, "show mep entry-points json");
	assert_has(o, "\"gateway\": \"M1\"");
	stop(f);
}

/* The tunnel table's view: an installed CHILD_SA to M2 means up; one
 * not installed, or none, down; the engine's IKE_SAs: an established
 * IKE_SA to M2 is up without any CHILD_SA. */
static void test_ike_derive(void **state)
{
	struct fixture *f = start(third_party);
	struct tunnel_table t;
	struct tunnel_child c;
	int m2 = mep_config_gateway_index(&f->d.cfg, "M2");
	bool up[8];

	(void)state;
	tunnels_init(&t);
	memset(&c, 0, sizeof(c));
	c.ike_id = 1;
	c.child_id = 1;
	snprintf(c.remote_host, sizeof(c.remote_host), "192.0.2.2");
	snprintf(c.state, sizeof(c.state), "REKEYING");
	assert_int_equal(tunnels_upsert(&t, &f->d.cfg, &c, 1), 0);
	ike_liveness_derive(&t, NULL, &f->d.cfg, up);
	assert_false(up[m2]);
	snprintf(c.state, sizeof(c.state), "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &f->d.cfg, &c, 2), 0);
	ike_liveness_derive(&t, NULL, &f->d.cfg, up);
	assert_true(up[m2]);
	tunnels_remove_ike(&t, 1);
	ike_liveness_derive(&t, NULL, &f->d.cfg, up);
	assert_false(up[m2]);
	/* an established IKE_SA without any CHILD_SA: up; gone: down */
	{
		struct ike_sas ikes;

		ike_sas_init(&ikes);
		assert_int_equal(ike_sas_up(&ikes, 7, "M2"), 0);
		ike_liveness_derive(&t, &ikes, &f->d.cfg, up);
		assert_true(up[m2]);
		assert_true(ike_sas_remove(&ikes, 7));
		ike_liveness_derive(&t, &ikes, &f->d.cfg, up);
		assert_false(up[m2]);
		ike_sas_free(&ikes);
	}
	tunnels_free(&t);
	stop(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_implicit_same_everywhere),
		cmocka_unit_test(test_events_and_existing),
		cmocka_unit_test(test_override_returns_to_probe),
		cmocka_unit_test(test_probe_verdicts_and_drain),
		cmocka_unit_test(test_resolved_hook),
		cmocka_unit_test(test_local_drain),
		cmocka_unit_test(test_config_change_keeps_choice),
		cmocka_unit_test(test_third_party_from_ike),
		cmocka_unit_test(test_ike_derive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
