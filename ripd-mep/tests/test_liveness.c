/* Unit tests of liveness: the precedence rule (override > probe for
 * ripd-mep gateways, ike for third-party ones), change reporting, the
 * return to the other sources when an override is removed, and records
 * carried over by name across configurations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "config_fixture.h"
#include "liveness.h"

static void two_gateways(struct mep_config *cfg)
{
	mep_config_init(cfg);
	fixture_add_gateway(cfg, "M1", "192.0.2.1", "10.1.0.0/16");
	fixture_add_gateway(cfg, "TP", "192.0.2.9", "10.9.0.0/16");
	cfg->gateways[1].third_party = true;
}

static void test_empty(void **state)
{
	struct liveness_table t;
	struct mep_config cfg;

	(void)state;
	liveness_init(&t);
	assert_non_null(liveness_view(&t));
	assert_null(liveness_get(&t, 0));
	assert_int_equal(liveness_set_probe(&t, 0, MEP_LIVE_UP, 1, 0, 1), -1);
	assert_int_equal(liveness_clear_override(&t, -1, 1), -1);
	mep_config_init(&cfg);
	assert_int_equal(liveness_configure(&t, &cfg), 0);
	assert_int_equal(t.n, 0);
	assert_non_null(liveness_view(&t));
	liveness_free(&t);
}

static void test_precedence(void **state)
{
	struct liveness_table t;
	struct mep_config cfg;
	const struct mep_liveness *v;

	(void)state;
	two_gateways(&cfg);
	liveness_init(&t);
	assert_int_equal(liveness_configure(&t, &cfg), 0);
	v = liveness_view(&t);
	/* nothing reported: unknown, source none */
	assert_int_equal(v[0].state, MEP_LIVE_UNKNOWN);
	assert_int_equal(v[0].source, MEP_VERDICT_NONE);
	assert_false(liveness_get(&t, 1)->override.set);

	/* a ripd-mep gateway: the probe counts, IKE does not */
	assert_int_equal(liveness_set_ike(&t, 0, MEP_LIVE_DOWN, 10), 0);
	assert_int_equal(v[0].source, MEP_VERDICT_NONE);
	assert_int_equal(liveness_set_probe(&t, 0, MEP_LIVE_UP, 1500, 0, 11),
			 1);
	assert_int_equal(v[0].state, MEP_LIVE_UP);
	assert_int_equal(v[0].rtt_us, 1500);
	assert_int_equal(v[0].source, MEP_VERDICT_PROBE);
	assert_int_equal(liveness_get(&t, 0)->last_change, 11);
	/* the same result again: no change, losses still recorded */
	assert_int_equal(liveness_set_probe(&t, 0, MEP_LIVE_UP, 1500, 2, 12),
			 0);
	assert_int_equal(liveness_get(&t, 0)->probe.losses, 2);
	assert_int_equal(liveness_get(&t, 0)->last_change, 11);

	/* a third-party gateway: IKE counts, the probe does not */
	assert_int_equal(liveness_set_probe(&t, 1, MEP_LIVE_UP, 900, 0, 13),
			 0);
	assert_int_equal(v[1].source, MEP_VERDICT_NONE);
	assert_int_equal(liveness_set_ike(&t, 1, MEP_LIVE_UP, 14), 1);
	assert_int_equal(v[1].state, MEP_LIVE_UP);
	assert_int_equal(v[1].rtt_us, 0);
	assert_int_equal(v[1].source, MEP_VERDICT_IKE);

	/* the override wins over both */
	assert_int_equal(liveness_set_override(&t, 0, MEP_LIVE_DOWN, 7, 20), 1);
	assert_int_equal(v[0].state, MEP_LIVE_DOWN);
	assert_int_equal(v[0].rtt_us, 0);
	assert_int_equal(v[0].source, MEP_VERDICT_OVERRIDE);
	assert_int_equal(liveness_set_override(&t, 1, MEP_LIVE_UP, 3000, 21),
			 1);
	assert_int_equal(v[1].rtt_us, 3000);
	assert_int_equal(v[1].source, MEP_VERDICT_OVERRIDE);
	/* a probe result under an override is kept but does not apply */
	assert_int_equal(liveness_set_probe(&t, 0, MEP_LIVE_UP, 2500, 0, 22),
			 0);
	assert_int_equal(v[0].state, MEP_LIVE_DOWN);

	/* removing the override returns to the other source */
	assert_int_equal(liveness_clear_override(&t, 0, 30), 1);
	assert_int_equal(v[0].state, MEP_LIVE_UP);
	assert_int_equal(v[0].rtt_us, 2500);
	assert_int_equal(v[0].source, MEP_VERDICT_PROBE);
	assert_int_equal(liveness_get(&t, 0)->last_change, 30);
	assert_int_equal(liveness_clear_override(&t, 1, 31), 1);
	assert_int_equal(v[1].source, MEP_VERDICT_IKE);
	/* removing it twice changes nothing */
	assert_int_equal(liveness_clear_override(&t, 1, 32), 0);
	/* and without another source the gateway is unknown again */
	assert_int_equal(liveness_set_ike(&t, 1, MEP_LIVE_DOWN, 33), 1);
	assert_int_equal(v[1].state, MEP_LIVE_DOWN);

	liveness_free(&t);
	mep_config_free(&cfg);
}

static void test_override_alone(void **state)
{
	struct liveness_table t;
	struct mep_config cfg;

	(void)state;
	two_gateways(&cfg);
	liveness_init(&t);
	assert_int_equal(liveness_configure(&t, &cfg), 0);
	assert_int_equal(liveness_set_override(&t, 0, MEP_LIVE_UP, 0, 5), 1);
	assert_int_equal(liveness_view(&t)[0].source, MEP_VERDICT_OVERRIDE);
	assert_int_equal(liveness_clear_override(&t, 0, 6), 1);
	assert_int_equal(liveness_view(&t)[0].state, MEP_LIVE_UNKNOWN);
	assert_int_equal(liveness_view(&t)[0].source, MEP_VERDICT_NONE);
	liveness_free(&t);
	mep_config_free(&cfg);
}

static void test_carry_over(void **state)
{
	struct liveness_table t;
	struct mep_config a, b;
	const struct liveness_record *r;

	(void)state;
	two_gateways(&a);
	liveness_init(&t);
	assert_int_equal(liveness_configure(&t, &a), 0);
	liveness_set_probe(&t, 0, MEP_LIVE_UP, 1200, 0, 40);
	liveness_set_override(&t, 1, MEP_LIVE_DOWN, 0, 41);

	/* new order, a new gateway, TP no longer third-party */
	mep_config_init(&b);
	fixture_add_gateway(&b, "NEW", NULL, NULL);
	fixture_add_gateway(&b, "TP", "192.0.2.9", "10.9.0.0/16");
	fixture_add_gateway(&b, "M1", "192.0.2.1", "10.1.0.0/16");
	assert_int_equal(liveness_configure(&t, &b), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(liveness_get(&t, 0)->name, "NEW");
	assert_int_equal(liveness_view(&t)[0].source, MEP_VERDICT_NONE);
	r = liveness_get(&t, 2);
	assert_string_equal(r->name, "M1");
	assert_int_equal(r->last_change, 40);
	assert_int_equal(liveness_view(&t)[2].state, MEP_LIVE_UP);
	assert_int_equal(liveness_view(&t)[2].rtt_us, 1200);
	r = liveness_get(&t, 1);
	assert_false(r->third_party);
	assert_true(r->override.set);
	assert_int_equal(liveness_view(&t)[1].source, MEP_VERDICT_OVERRIDE);
	/* M1 removed: its record goes with it */
	mep_config_free(&a);
	two_gateways(&a);
	mep_config_free(&b);
	mep_config_init(&b);
	fixture_add_gateway(&b, "TP", NULL, NULL);
	assert_int_equal(liveness_configure(&t, &b), 0);
	assert_int_equal(liveness_configure(&t, &a), 0);
	assert_int_equal(liveness_view(&t)[0].source, MEP_VERDICT_NONE);
	assert_true(liveness_get(&t, 1)->third_party);
	assert_true(liveness_get(&t, 1)->override.set);
	liveness_free(&t);
	mep_config_free(&a);
	mep_config_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_override_alone),
		cmocka_unit_test(test_carry_over),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
