/* test_steer_route: unit tests of the route steering core (steer_route.c):
 * the per-destination route and its move, the buckets of random entry
 * points (a failed center's buckets move and no other bucket does; they
 * come back; the spread is roughly uniform), failures, the route and rule
 * diffs, and the nftables text (table, destination sets, minimal map
 * updates, parsing a listing back). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "config.h"
#include "mep.h"
#include "steer_route.h"
#include "config_fixture.h"

/* S1 satellite of M1, M2, M3 (if-ids 1, 2, 3; M3 on interface "tun3"),
 * all three serving 10.1.0.0/16 and 2001:db8:1::/48. */
static void build(struct mep_config *cfg, enum mep_method method)
{
	int c;
	struct mep_community *cm;

	mep_config_init(cfg);
	fixture_add_gateway(cfg, "M1", "192.0.2.1",
			    "10.1.0.0/16 2001:db8:1::/48");
	fixture_add_gateway(cfg, "M2", "192.0.2.2",
			    "10.1.0.0/16 2001:db8:1::/48");
	fixture_add_gateway(cfg, "M3", "192.0.2.3",
			    "10.1.0.0/16 2001:db8:1::/48");
	fixture_add_gateway(cfg, "S1", "198.51.100.1", "10.11.0.0/16");
	cfg->gateways[0].if_id = 1;
	cfg->gateways[1].if_id = 2;
	cfg->gateways[2].if_id = 3;
	snprintf(cfg->gateways[2].interface, 16, "tun3");
	c = fixture_add_community(cfg, "C", MEP_COMMUNITY_STAR);
	cm = &cfg->communities[c];
	for (int i = 0; i < 3; i++)
		fixture_list_push(&cm->centers, i);
	fixture_list_push(&cm->satellites, 3);
	cm->mep_enabled = true;
	cm->method = method;
	cm->steering = MEP_STEERING_ROUTE;
	cm->return_path = MEP_RETURN_NONE;
	cfg->local_gateway = 3;
}

static void all_up(struct mep_liveness *live, size_t n)
{
	for (size_t i = 0; i < n; i++)
		live[i] = (struct mep_liveness){ .state = MEP_LIVE_UP,
						 .rtt_us = 1000 * (uint32_t)(i + 1),
						 .source = MEP_VERDICT_PROBE };
}

/* Resolve the destinations as the daemon does and compute the desired
 * state. */
struct world {
	struct mep_config cfg;
	struct mep_liveness live[4];
	struct mep_result res[2];
	struct steer_route_input in[2];
	struct steer_route_desired d;
	const bool *have_if;		/* NULL: every interface exists */
};

static void compute(struct world *w)
{
	static const char *const dst[2] = { "10.1.0.0", "2001:db8:1::" };
	static const char *const pfx[2] = { "10.1.0.0/16", "2001:db8:1::/48" };

	steer_route_desired_free(&w->d);
	for (int i = 0; i < 2; i++) {
		struct mep_query q = { .satellite = 3, .existing = -1 };

		assert_int_equal(mep_addr_parse(i ? "10.11.0.1" : "10.11.0.1",
						&q.src), 0);
		if (i)
			assert_int_equal(mep_addr_parse("2001:db8:11::1",
							&q.src), 0);
		assert_int_equal(mep_addr_parse(dst[i], &q.dst), 0);
		mep_resolve(NULL, &w->cfg, w->live, &q, &w->res[i]);
		w->in[i].community = 0;
		w->in[i].destination = fixture_prefix(pfx[i]);
		w->in[i].result = &w->res[i];
	}
	assert_int_equal(steer_route_desired(&w->cfg, w->live, w->have_if,
					     w->in, 2, &w->d), 0);
}

static void world_free(struct world *w)
{
	steer_route_desired_free(&w->d);
	mep_config_free(&w->cfg);
}

/* ---- one entry point per destination ---- */

static void test_single_route_moves(void **state)
{
	struct world w;

	(void)state;
	memset(&w, 0, sizeof(w));
	build(&w.cfg, MEP_METHOD_PRIORITY_LIST);
	fixture_list_push(&w.cfg.communities[0].default_rule.level[0], 0);
	fixture_list_push(&w.cfg.communities[0].default_rule.level[1], 1);
	fixture_list_push(&w.cfg.communities[0].default_rule.level[2], 2);
	w.cfg.communities[0].has_default_rule = true;
	all_up(w.live, 4);
	compute(&w);
	assert_true(steer_route_any(&w.cfg));
	assert_int_equal(w.d.n_routes, 2);
	assert_int_equal(w.d.routes[0].table, 210);
	assert_string_equal(w.d.routes[0].ifname, "xfrm-1");
	assert_int_equal(w.d.routes[1].prefix.family, AF_INET6);
	assert_int_equal(w.d.n_rules, 2);	/* one per family */
	assert_int_equal(w.d.rules[0].priority, STEER_ROUTE_PREF_TABLE);
	assert_int_equal(w.d.rules[0].mark, 0);
	assert_int_equal(w.d.rules[0].table, 210);
	assert_int_equal(w.d.n_pair_dst, 0);
	assert_null(w.d.bucket_mark);
	assert_false(w.d.dests[0].failed);
	assert_string_equal(w.d.dests[0].via,
			    "route 10.1.0.0/16 dev xfrm-1 table 210");

	/* M1 fails: M2's interface */
	w.live[0].state = MEP_LIVE_DOWN;
	compute(&w);
	assert_string_equal(w.d.routes[0].ifname, "xfrm-2");
	assert_string_equal(w.d.dests[0].via,
			    "route 10.1.0.0/16 dev xfrm-2 table 210");
	/* M1 and M2 fail: M3's configured interface */
	w.live[1].drain = true;
	compute(&w);
	assert_string_equal(w.d.routes[0].ifname, "tun3");
	/* none left: no route, the state says why */
	w.live[2].state = MEP_LIVE_DOWN;
	compute(&w);
	assert_int_equal(w.d.n_routes, 0);
	assert_int_equal(w.d.n_rules, 0);
	assert_true(w.d.dests[0].failed);
	assert_string_equal(w.d.dests[0].reason, "no center responds");
	world_free(&w);
}

static void test_not_steered(void **state)
{
	struct world w;

	(void)state;
	memset(&w, 0, sizeof(w));
	build(&w.cfg, MEP_METHOD_FIRST_TO_RESPOND);
	all_up(w.live, 4);
	/* child-sa steering: nothing to do here */
	w.cfg.communities[0].steering = MEP_STEERING_CHILD_SA;
	assert_false(steer_route_any(&w.cfg));
	compute(&w);
	assert_int_equal(w.d.n_dests, 0);
	assert_int_equal(w.d.n_routes, 0);
	/* a center is not steered, even with steering route */
	w.cfg.communities[0].steering = MEP_STEERING_ROUTE;
	w.cfg.local_gateway = 0;
	assert_false(steer_route_any(&w.cfg));
	w.cfg.local_gateway = 3;
	/* the chosen center has no if-id */
	w.cfg.gateways[0].if_id = 0;
	compute(&w);
	assert_true(w.d.dests[0].failed);
	assert_string_equal(w.d.dests[0].reason, "M1 has no if-id");
	assert_int_equal(steer_route_table_of(&w.cfg, 0), 0);
	assert_int_equal(steer_route_table_of(&w.cfg, 2), 213);
	world_free(&w);
}

/* ---- buckets (random) ---- */

static uint32_t count(const uint32_t *m, uint32_t n, uint32_t mark)
{
	uint32_t c = 0;

	for (uint32_t i = 0; i < n; i++)
		c += m[i] == mark;
	return c;
}

static void test_buckets_only_failed_move(void **state)
{
	struct world w;
	uint32_t *before, n;

	(void)state;
	memset(&w, 0, sizeof(w));
	build(&w.cfg, MEP_METHOD_RANDOM);
	all_up(w.live, 4);
	compute(&w);
	n = w.d.n_buckets;
	assert_int_equal(n, 256);
	assert_non_null(w.d.bucket_mark);
	/* each candidate's table holds both destinations; marks -> tables */
	assert_int_equal(w.d.n_routes, 6);
	assert_int_equal(w.d.routes[0].table, 211);
	assert_string_equal(w.d.routes[4].ifname, "tun3");
	assert_int_equal(w.d.n_rules, 6);	/* 3 marks x 2 families */
	assert_int_equal(w.d.rules[0].priority, STEER_ROUTE_PREF_MARK);
	assert_int_equal(w.d.rules[0].mark, 211);
	assert_int_equal(w.d.rules[0].table, 211);
	assert_int_equal(w.d.n_pair_dst, 2);
	assert_int_equal(w.d.n_centers, 3);
	/* every bucket has a center; each gets a fair share */
	for (int c = 0; c < 3; c++) {
		uint32_t k = count(w.d.bucket_mark, n, 211 + (uint32_t)c);

		assert_int_equal(k, w.d.centers[c].buckets);
		assert_in_range(k, 256 / 3 - 30, 256 / 3 + 30);
	}
	assert_int_equal(count(w.d.bucket_mark, n, 0), 0);
	before = malloc(n * sizeof(*before));
	assert_non_null(before);
	memcpy(before, w.d.bucket_mark, n * sizeof(*before));

	/* M2 fails: exactly its buckets move, to M1 or M3 */
	w.live[1].state = MEP_LIVE_DOWN;
	compute(&w);
	for (uint32_t b = 0; b < n; b++) {
		if (before[b] == 212)
			assert_true(w.d.bucket_mark[b] == 211 ||
				    w.d.bucket_mark[b] == 213);
		else
			assert_int_equal(w.d.bucket_mark[b], before[b]);
	}
	assert_int_equal(w.d.centers[1].buckets, 0);
	assert_false(w.d.centers[1].responding);
	assert_non_null(strstr(w.d.dests[0].via,
			       "xfrm-1, M2 0 -> mark 0xd4 table 212 dev xfrm-2, "
			       "M3 "));
	/* routes and rules stay: a failover is a map change only */
	assert_int_equal(w.d.n_routes, 6);
	assert_int_equal(w.d.n_rules, 6);
	assert_false(w.d.dests[0].failed);

	/* M2 back: its buckets return, the others never moved */
	w.live[1].state = MEP_LIVE_UP;
	compute(&w);
	assert_memory_equal(w.d.bucket_mark, before, n * sizeof(*before));
	assert_string_equal(w.d.dests[0].via,
			    "256 buckets: M1 91 -> mark 0xd3 table 211 dev "
			    "xfrm-1, M2 84 -> mark 0xd4 table 212 dev xfrm-2, "
			    "M3 81 -> mark 0xd5 table 213 dev tun3");

	/* all down: no marks, failed */
	for (int i = 0; i < 3; i++)
		w.live[i].state = MEP_LIVE_DOWN;
	compute(&w);
	assert_int_equal(count(w.d.bucket_mark, n, 0), n);
	assert_true(w.d.dests[0].failed);
	assert_string_equal(w.d.dests[0].reason, "no center responds");
	free(before);
	world_free(&w);
}

/* A center whose interface does not exist: no bucket, and no route
 * through it for a destination it was chosen for. */
static void test_missing_interface(void **state)
{
	struct world w;
	bool have_if[4] = { true, false, true, false };

	(void)state;
	memset(&w, 0, sizeof(w));
	build(&w.cfg, MEP_METHOD_RANDOM);
	all_up(w.live, 4);
	w.have_if = have_if;
	compute(&w);
	assert_int_equal(w.d.centers[1].buckets, 0);
	assert_false(w.d.centers[1].responding);
	assert_int_equal(w.d.centers[0].buckets + w.d.centers[2].buckets, 256);
	assert_true(w.d.missing_if);
	/* no route into M2's table, no rule for its mark */
	for (size_t i = 0; i < w.d.n_routes; i++)
		assert_int_not_equal(w.d.routes[i].table, 212);
	assert_int_equal(w.d.n_rules, 4);
	world_free(&w);

	memset(&w, 0, sizeof(w));
	build(&w.cfg, MEP_METHOD_FIRST_TO_RESPOND);
	all_up(w.live, 4);
	have_if[0] = false;
	have_if[1] = true;
	w.have_if = have_if;
	compute(&w);	/* M1 answers first, but its tunnel is missing */
	assert_true(w.d.dests[0].failed);
	assert_string_equal(w.d.dests[0].reason,
			    "interface xfrm-1 of M1 does not exist");
	assert_int_equal(w.d.n_routes, 0);
	assert_true(w.d.missing_if);
	world_free(&w);
}

static void test_buckets_uniform(void **state)
{
	struct world w;

	(void)state;
	memset(&w, 0, sizeof(w));
	build(&w.cfg, MEP_METHOD_RANDOM);
	w.cfg.steering.buckets = 65536;
	all_up(w.live, 4);
	compute(&w);
	for (int c = 0; c < 3; c++)
		assert_in_range(w.d.centers[c].buckets, 65536 / 3 - 1000,
				65536 / 3 + 1000);
	/* owner of a bucket is a pure function of the names */
	{
		int cand[3] = { 2, 0, 1 }, cand2[3] = { 0, 1, 2 };

		for (uint32_t b = 0; b < 64; b++)
			assert_int_equal(
				steer_route_bucket_owner(&w.cfg, cand, 3, b),
				steer_route_bucket_owner(&w.cfg, cand2, 3, b));
		assert_int_equal(steer_route_bucket_owner(&w.cfg, cand, 0, 1),
				 -1);
	}
	world_free(&w);
}

/* ---- diffs ---- */

struct calls {
	char log[1024];
};

static void put_cb(void *arg, const struct steer_route_route *want,
		   const struct steer_route_route *old)
{
	struct calls *c = arg;
	char p[MEP_PREFIX_STRLEN];
	size_t n = strlen(c->log);

	snprintf(c->log + n, sizeof(c->log) - n, "put %u %s %s%s%s;",
		 want->table, mep_prefix_str(&want->prefix, p, sizeof(p)),
		 want->ifname, old ? " was " : "", old ? old->ifname : "");
}

static void del_cb(void *arg, const struct steer_route_route *old)
{
	struct calls *c = arg;
	char p[MEP_PREFIX_STRLEN];
	size_t n = strlen(c->log);

	snprintf(c->log + n, sizeof(c->log) - n, "del %u %s;", old->table,
		 mep_prefix_str(&old->prefix, p, sizeof(p)));
}

static struct steer_route_route rt(uint32_t t, const char *p, const char *i)
{
	struct steer_route_route r = { .table = t, .gateway = -1 };

	r.prefix = fixture_prefix(p);
	snprintf(r.ifname, sizeof(r.ifname), "%s", i);
	return r;
}

static void test_diff_routes(void **state)
{
	struct steer_route_route want[3] = {
		rt(210, "10.1.0.0/16", "xfrm-2"),
		rt(210, "10.3.0.0/16", "xfrm-1"),
		rt(211, "10.1.0.0/16", "xfrm-1"),
	};
	struct steer_route_route have[3] = {
		rt(211, "10.1.0.0/16", "xfrm-1"),
		rt(210, "10.2.0.0/16", "xfrm-1"),
		rt(210, "10.1.0.0/16", "xfrm-1"),
	};
	struct calls c = { "" };

	(void)state;
	steer_route_sort_routes(have, 3);
	steer_route_diff_routes(want, 3, have, 3, put_cb, del_cb, &c);
	assert_string_equal(c.log, "put 210 10.1.0.0/16 xfrm-2 was xfrm-1;"
				   "del 210 10.2.0.0/16;"
				   "put 210 10.3.0.0/16 xfrm-1;");
	c.log[0] = '\0';
	steer_route_diff_routes(want, 3, want, 3, put_cb, del_cb, &c);
	assert_string_equal(c.log, "");
}

static void rule_cb(void *arg, const struct steer_route_rule *r)
{
	struct calls *c = arg;
	size_t n = strlen(c->log);

	snprintf(c->log + n, sizeof(c->log) - n, "%u/%u/%u/%u;", r->family,
		 r->priority, r->mark, r->table);
}

static void rule_del_cb(void *arg, const struct steer_route_rule *r)
{
	struct calls *c = arg;
	size_t n = strlen(c->log);

	snprintf(c->log + n, sizeof(c->log) - n, "del ");
	rule_cb(arg, r);
	(void)n;
}

static void test_diff_rules(void **state)
{
	struct steer_route_rule want[2] = {
		{ .family = AF_INET, .priority = 1000, .mark = 211,
		  .table = 211 },
		{ .family = AF_INET, .priority = 1001, .table = 210 },
	};
	struct steer_route_rule have[2] = {
		{ .family = AF_INET, .priority = 1001, .table = 210 },
		{ .family = AF_INET, .priority = 1000, .mark = 212,
		  .table = 212 },
	};
	struct calls c = { "" };

	(void)state;
	steer_route_sort_rules(have, 2);
	steer_route_diff_rules(want, 2, have, 2, rule_cb, rule_del_cb, &c);
	assert_string_equal(c.log, "2/1000/211/211;del 2/1000/212/212;");
}

/* ---- nftables text ---- */

static void test_nft_text(void **state)
{
	struct strbuf b = STRBUF_INIT;
	struct mep_prefix dst[3] = { fixture_prefix("10.1.0.0/16"),
				     fixture_prefix("2001:db8:1::/48"),
				     fixture_prefix("10.2.0.0/16") };
	uint32_t want[4] = { 211, 212, 0, 213 };
	uint32_t have[4] = { 211, 213, 212, 0 };

	(void)state;
	steer_route_nft_table(&b, 256);
	assert_non_null(strstr(strbuf_str(&b),
			       "add table inet ripd_mep_steer { comment "
			       "\"ripd-mep steering\"; }\n"));
	assert_non_null(strstr(strbuf_str(&b),
			       "add rule inet ripd_mep_steer prerouting ip "
			       "daddr @dst4 meta mark set jhash ip saddr . ip "
			       "daddr mod 256 seed 0x52ad map @buckets\n"));
	assert_non_null(strstr(strbuf_str(&b),
			       "add chain inet ripd_mep_steer output { type "
			       "route hook output priority mangle; policy "
			       "accept; }\n"));
	strbuf_reset(&b);
	steer_route_nft_dst(&b, dst, 3);
	assert_string_equal(strbuf_str(&b),
			    "flush set inet ripd_mep_steer dst4\n"
			    "add element inet ripd_mep_steer dst4 { "
			    "10.1.0.0/16, 10.2.0.0/16 }\n"
			    "flush set inet ripd_mep_steer dst6\n"
			    "add element inet ripd_mep_steer dst6 { "
			    "2001:db8:1::/48 }\n");
	strbuf_reset(&b);
	/* only changed buckets; a bucket without mark is only deleted */
	assert_int_equal(steer_route_nft_buckets(&b, want, have, 4), 3);
	assert_string_equal(strbuf_str(&b),
			    "delete element inet ripd_mep_steer buckets { 1, 2 }\n"
			    "add element inet ripd_mep_steer buckets { "
			    "1 : 0xd4, 3 : 0xd5 }\n");
	strbuf_reset(&b);
	assert_int_equal(steer_route_nft_buckets(&b, want, want, 4), 0);
	assert_string_equal(strbuf_str(&b), "");
	/* unknown map: flushed and filled in the same transaction */
	assert_int_equal(steer_route_nft_buckets(&b, want, NULL, 4), 4);
	assert_string_equal(strbuf_str(&b),
			    "flush map inet ripd_mep_steer buckets\n"
			    "add element inet ripd_mep_steer buckets { "
			    "0 : 0xd3, 1 : 0xd4, 3 : 0xd5 }\n");
	strbuf_free(&b);
}

static void test_parse_buckets(void **state)
{
	uint32_t m[4];

	(void)state;
	assert_int_equal(steer_route_parse_buckets(
				 "table inet ripd_mep_steer {\n"
				 "\tmap buckets {\n"
				 "\t\ttypeof numgen inc mod 4 : meta mark\n"
				 "\t\telements = { 0 : 0x000000d3, 1 : 0x000000d4,\n"
				 "\t\t\t     3 : 0x000000d5 }\n"
				 "\t}\n}\n",
				 m, 4),
			 0);
	assert_int_equal(m[0], 211);
	assert_int_equal(m[1], 212);
	assert_int_equal(m[2], 0);
	assert_int_equal(m[3], 213);
	/* empty map */
	assert_int_equal(steer_route_parse_buckets(
				 "\tmap buckets {\n\t\ttypeof numgen inc mod 4 "
				 ": meta mark\n\t}\n",
				 m, 4),
			 0);
	assert_int_equal(m[3], 0);
	/* a bucket out of range (another bucket count), garbage */
	assert_int_equal(steer_route_parse_buckets(
				 "map buckets { elements = { 7 : 0x1 } }", m,
				 4),
			 -1);
	assert_int_equal(steer_route_parse_buckets(
				 "map buckets { elements = { x } }", m, 4),
			 -1);
	assert_int_equal(steer_route_parse_buckets("nothing", m, 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_route_moves),
		cmocka_unit_test(test_not_steered),
		cmocka_unit_test(test_buckets_only_failed_move),
		cmocka_unit_test(test_missing_interface),
		cmocka_unit_test(test_buckets_uniform),
		cmocka_unit_test(test_diff_routes),
		cmocka_unit_test(test_diff_rules),
		cmocka_unit_test(test_nft_text),
		cmocka_unit_test(test_parse_buckets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
