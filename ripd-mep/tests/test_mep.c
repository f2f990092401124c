/* test_mep: unit tests of the entry-point engine (mep.c), built on
 * configurations assembled directly in C: every worked example of the
 * vendor manual, the statistics of random selection, stickiness,
 * primary-backup failback, rule 9, the tracking line and bad queries;
 * first-to-respond stickiness carried over a configuration change. */
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
#include "prefix.h"
#include "config_fixture.h"

/* ---- building configurations ---- */

/* Add a gateway with a space-separated list of domain prefixes. */
static int add_gw(struct mep_config *cfg, const char *name, const char *domains)
{
	return fixture_add_gateway(cfg, name, NULL, domains);
}

static int gw(const struct mep_config *cfg, const char *name)
{
	int i = mep_config_gateway_index(cfg, name);

	assert_true(i >= 0);
	return i;
}

static int add_comm(struct mep_config *cfg, const char *name,
		    enum mep_community_type type)
{
	return fixture_add_community(cfg, name, type);
}

/* Push every name of a space-separated list onto l. */
static void push_names(const struct mep_config *cfg, struct mep_gw_list *l,
		       const char *names)
{
	char buf[512], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", names);
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		fixture_list_push(l, gw(cfg, tok));
}

static struct mep_community *comm(struct mep_config *cfg, int c)
{
	return &cfg->communities[c];
}

/* Add an exception rule; levels are space-separated lists ("" = none). */
static void add_rule(struct mep_config *cfg, int c, const char *sats,
		     const char *l1, const char *l2, const char *l3)
{
	struct mep_community *co = comm(cfg, c);
	struct mep_priority_rule *r;

	co->rules = fixture_xrealloc(co->rules, (co->n_rules + 1) * sizeof(*r));
	r = &co->rules[co->n_rules++];
	memset(r, 0, sizeof(*r));
	push_names(cfg, &r->satellites, sats);
	push_names(cfg, &r->level[0], l1);
	push_names(cfg, &r->level[1], l2);
	push_names(cfg, &r->level[2], l3);
}

static void set_default_rule(struct mep_config *cfg, int c, const char *l1,
			     const char *l2, const char *l3)
{
	struct mep_community *co = comm(cfg, c);

	co->has_default_rule = true;
	push_names(cfg, &co->default_rule.level[0], l1);
	push_names(cfg, &co->default_rule.level[1], l2);
	push_names(cfg, &co->default_rule.level[2], l3);
}

/* ---- liveness and queries ---- */

#define MAXGW 256

static void all_up(struct mep_liveness *live, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* every field, drain included: the arrays are on the stack */
		memset(&live[i], 0, sizeof(live[i]));
		live[i].state = MEP_LIVE_UP;
		live[i].rtt_us = 10000;
		live[i].source = MEP_VERDICT_PROBE;
	}
}

static void set_live(struct mep_liveness *live, int g,
		     enum mep_liveness_state st, uint32_t rtt)
{
	live[g].state = st;
	live[g].rtt_us = rtt;
}

static struct mep_query query(const struct mep_config *cfg, const char *sat,
			      const char *src, const char *dst)
{
	struct mep_query q;

	memset(&q, 0, sizeof(q));
	q.satellite = gw(cfg, sat);
	assert_int_equal(mep_addr_parse(src, &q.src), 0);
	assert_int_equal(mep_addr_parse(dst, &q.dst), 0);
	q.existing = -1;
	return q;
}

static enum mep_rank rank_of(const struct mep_result *r, int g)
{
	for (size_t i = 0; i < r->n_candidates; i++)
		if (r->candidates[i].gateway == g)
			return r->candidates[i].rank;
	return (enum mep_rank) - 1;
}

/* Resolve and return the chosen gateway (-1 when none). */
static int pick(struct mep_engine *e, const struct mep_config *cfg,
		const struct mep_liveness *live, const struct mep_query *q,
		struct mep_result *r)
{
	mep_resolve(e, cfg, live, q, r);
	assert_true(strlen(r->reason) > 0);
	return r->gateway;
}

/* ---- the priority figure: M1 M2 M3 centers, S1..S4 satellites ---- */

static void build_priority(struct mep_config *cfg, enum mep_tie_break tb)
{
	int c;

	mep_config_init(cfg);
	add_gw(cfg, "M1", "10.1.0.0/16");
	add_gw(cfg, "M2", "10.2.0.0/16");
	add_gw(cfg, "M3", "10.3.0.0/16");
	add_gw(cfg, "S1", "192.168.1.0/24");
	add_gw(cfg, "S2", "192.168.2.0/24");
	add_gw(cfg, "S3", "192.168.3.0/24");
	add_gw(cfg, "S4", "192.168.4.0/24");
	c = add_comm(cfg, "STAR-1", MEP_COMMUNITY_STAR);
	push_names(cfg, &comm(cfg, c)->centers, "M1 M2 M3");
	push_names(cfg, &comm(cfg, c)->satellites, "S1 S2 S3 S4");
	comm(cfg, c)->mep_enabled = true;
	comm(cfg, c)->method = MEP_METHOD_PRIORITY_LIST;
	comm(cfg, c)->tie_break = tb;
	set_default_rule(cfg, c, "M1", "M2", "M3");
	add_rule(cfg, c, "S2 S3", "M2", "M3", "");
	add_rule(cfg, c, "S4", "M3 M1", "", "");
}

static void test_priority_default_rule(void **state)
{
	struct mep_config cfg;
	struct mep_liveness live[MAXGW];
	struct mep_result r;
	struct mep_engine *e = mep_engine_new();
	struct mep_query q;
	int m1, m2, m3;

	(void)state;
	build_priority(&cfg, MEP_TIE_FIRST_TO_RESPOND);
	m1 = gw(&cfg, "M1");
	m2 = gw(&cfg, "M2");
	m3 = gw(&cfg, "M3");
	all_up(live, cfg.n_gateways);
	q = query(&cfg, "S1", "192.168.1.10", "10.1.0.10");

	assert_int_equal(pick(e, &cfg, live, &q, &r), m1);
	assert_int_equal(r.status, MEP_RESOLVED);
	assert_int_equal(r.kind, MEP_KIND_EXPLICIT);
	assert_int_equal(r.method, MEP_METHOD_PRIORITY_LIST);
	assert_int_equal(r.community, 0);
	assert_int_equal(r.rank, MEP_RANK_PRIMARY);
	assert_true(r.responding);
	assert_int_equal(r.n_candidates, 3);
	assert_int_equal(r.candidates[0].gateway, m1);
	assert_int_equal(r.candidates[1].gateway, m2);
	assert_int_equal(r.candidates[2].gateway, m3);
	assert_int_equal(rank_of(&r, m1), MEP_RANK_PRIMARY);
	assert_int_equal(rank_of(&r, m2), MEP_RANK_SECONDARY);
	assert_int_equal(rank_of(&r, m3), MEP_RANK_TERTIARY);
	assert_non_null(strstr(r.reason, "M1"));

	/* The destination behind M3 still goes to M1: explicit MEP. */
	q = query(&cfg, "S1", "192.168.1.10", "10.3.0.10");
	assert_int_equal(pick(e, &cfg, live, &q, &r), m1);

	set_live(live, m1, MEP_LIVE_DOWN, 0);
	assert_int_equal(pick(e, &cfg, live, &q, &r), m2);
	assert_int_equal(r.rank, MEP_RANK_SECONDARY);

	set_live(live, m2, MEP_LIVE_DOWN, 0);
	assert_int_equal(pick(e, &cfg, live, &q, &r), m3);
	assert_int_equal(r.rank, MEP_RANK_TERTIARY);

	/* UNKNOWN is not responding. */
	set_live(live, m3, MEP_LIVE_UNKNOWN, 0);
	assert_int_equal(pick(e, &cfg, live, &q, &r), -1);
	assert_int_equal(r.status, MEP_NO_RESPONDER);
	set_live(live, m3, MEP_LIVE_DOWN, 0);
	assert_int_equal(pick(e, &cfg, live, &q, &r), -1);
	assert_int_equal(r.status, MEP_NO_RESPONDER);
	assert_int_equal(r.rank, MEP_RANK_NONE);
	assert_int_equal(r.n_candidates, 3);

	/* M1 returns: it is primary again. */
	set_live(live, m1, MEP_LIVE_UP, 1000);
	assert_int_equal(pick(e, &cfg, live, &q, &r), m1);

	mep_engine_free(e);
	mep_config_free(&cfg);
}

static void test_priority_exception_rule(void **state)
{
	struct mep_config cfg;
	struct mep_liveness live[MAXGW];
	struct mep_result r;
	struct mep_query q;
	int m1, m2, m3;

	(void)state;
	build_priority(&cfg, MEP_TIE_FIRST_TO_RESPOND);
	m1 = gw(&cfg, "M1");
	m2 = gw(&cfg, "M2");
	m3 = gw(&cfg, "M3");
	all_up(live, cfg.n_gateways);
	for (int s = 0; s < 2; s++) {
		q = query(&cfg, s ? "S3" : "S2", "192.168.2.10", "10.1.0.10");
		all_up(live, cfg.n_gateways);
		assert_int_equal(pick(NULL, &cfg, live, &q, &r), m2);
		assert_int_equal(r.rank, MEP_RANK_PRIMARY);
		assert_int_equal(rank_of(&r, m1), MEP_RANK_NONE);
		assert_int_equal(rank_of(&r, m2), MEP_RANK_PRIMARY);
		assert_int_equal(rank_of(&r, m3), MEP_RANK_SECONDARY);
		assert_int_equal(r.n_candidates, 3);

		set_live(live, m2, MEP_LIVE_DOWN, 0);
		assert_int_equal(pick(NULL, &cfg, live, &q, &r), m3);
		assert_int_equal(r.rank, MEP_RANK_SECONDARY);

		/* M1 is never tried, even when it is the only one up. */
		set_live(live, m3, MEP_LIVE_DOWN, 0);
		assert_int_equal(pick(NULL, &cfg, live, &q, &r), -1);
		assert_int_equal(r.status, MEP_NO_RESPONDER);
	}
	mep_config_free(&cfg);
}

static void test_priority_tie_first_to_respond(void **state)
{
	struct mep_config cfg;
	struct mep_liveness live[MAXGW];
	struct mep_result r;
	struct mep_engine *e = mep_engine_new();
	struct mep_query q;
	int m1, m2, m3;

	(void)state;
	build_priority(&cfg, MEP_TIE_FIRST_TO_RESPOND);
	m1 = gw(&cfg, "M1");
	m2 = gw(&cfg, "M2");
	m3 = gw(&cfg, "M3");
	all_up(live, cfg.n_gateways);
	set_live(live, m3, MEP_LIVE_UP, 5000);
	set_live(live, m1, MEP_LIVE_UP, 2000);
	set_live(live, m2, MEP_LIVE_UP, 100); /* not in S4's rule */
	q = query(&cfg, "S4", "192.168.4.10", "10.2.0.10");

	assert_int_equal(pick(e, &cfg, live, &q, &r), m1);
	assert_int_equal(r.rank, MEP_RANK_PRIMARY);
	assert_int_equal(rank_of(&r, m3), MEP_RANK_PRIMARY);
	assert_int_equal(rank_of(&r, m2), MEP_RANK_NONE);

	/* Sticky: M3 becomes slightly faster, M1 stays. */
	set_live(live, m3, MEP_LIVE_UP, 1900);
	assert_int_equal(pick(e, &cfg, live, &q, &r), m1);
	assert_non_null(strstr(r.reason, "sticky"));

	/* M1 stops responding: M3, never M2. */
	set_live(live, m1, MEP_LIVE_DOWN, 0);
	assert_int_equal(pick(e, &cfg, live, &q, &r), m3);
	set_live(live, m1, MEP_LIVE_UP, 500);
	assert_int_equal(pick(e, &cfg, live, &q, &r), m3);

	set_live(live, m1, MEP_LIVE_DOWN, 0);
	set_live(live, m3, MEP_LIVE_DOWN, 0);
	assert_int_equal(pick(e, &cfg, live, &q, &r), -1);
	assert_int_equal(r.status, MEP_NO_RESPONDER);

	/* Without an engine there is no stickiness: lowest RTT. */
	set_live(live, m1, MEP_LIVE_UP, 3000);
	set_live(live, m3, MEP_LIVE_UP, 2000);
	assert_int_equal(pick(NULL, &cfg, live, &q, &r), m3);

	mep_engine_free(e);
	mep_config_free(&cfg);
}

/* 200 satellites share the rule "primary M3 M1" with tie-break random. */
static void test_priority_tie_random(void **state)
{
	struct mep_config cfg;
	struct mep_liveness live[MAXGW];
	struct mep_result r;
	struct mep_query q;
	int m1, m2, m3, c, count_m1 = 0, count_m3 = 0;
	int first[200];
	char name[16], src[32];

	(void)state;
	mep_config_init(&cfg);
	m1 = add_gw(&cfg, "M1", "10.1.0.0/16");
	m2 = add_gw(&cfg, "M2", "10.2.0.0/16");
	m3 = add_gw(&cfg, "M3", "10.3.0.0/16");
	c = add_comm(&cfg, "STAR-R", MEP_COMMUNITY_STAR);
	push_names(&cfg, &comm(&cfg, c)->centers, "M1 M2 M3");
	comm(&cfg, c)->mep_enabled = true;
	comm(&cfg, c)->method = MEP_METHOD_PRIORITY_LIST;
	comm(&cfg, c)->tie_break = MEP_TIE_RANDOM;
	set_default_rule(&cfg, c, "M2", "", "");
	add_rule(&cfg, c, "", "M3 M1", "", "");
	for (int s = 0; s < 200; s++) {
		int g;

		snprintf(name, sizeof(name), "SAT%03d", s);
		snprintf(src, sizeof(src), "172.20.%d.0/24", s);
		g = add_gw(&cfg, name, src);
		fixture_list_push(&comm(&cfg, c)->satellites, g);
		fixture_list_push(&comm(&cfg, c)->rules[0].satellites, g);
	}
	all_up(live, cfg.n_gateways);
	set_live(live, m2, MEP_LIVE_UP, 1);

	for (int s = 0; s < 200; s++) {
		snprintf(name, sizeof(name), "SAT%03d", s);
		first[s] = -1;
		for (int p = 0; p < 20; p++) {
			char a[32], d[32];

			snprintf(a, sizeof(a), "172.20.%d.%d", s, p + 1);
			snprintf(d, sizeof(d), "10.%d.0.%d", 1 + p % 3, p + 7);
			q = query(&cfg, name, a, d);
			pick(NULL, &cfg, live, &q, &r);
			assert_int_equal(r.status, MEP_RESOLVED);
			assert_true(r.gateway == m1 || r.gateway == m3);
			assert_int_equal(r.rank, MEP_RANK_PRIMARY);
			if (first[s] < 0)
				first[s] = r.gateway;
			/* One center per satellite for all its pairs. */
			assert_int_equal(r.gateway, first[s]);
		}
		if (first[s] == m1)
			count_m1++;
		else
			count_m3++;
	}
	/* Binomial(200, 1/2): 60 is more than 5 standard deviations off. */
	assert_true(count_m1 >= 60);
	assert_true(count_m3 >= 60);

	/* A satellite whose center fails moves to the other one; the others
	 * stay where they are. */
	set_live(live, m3, MEP_LIVE_DOWN, 0);
	for (int s = 0; s < 200; s++) {
		snprintf(name, sizeof(name), "SAT%03d", s);
		q = query(&cfg, name, "172.20.0.1", "10.2.0.1");
		assert_int_equal(pick(NULL, &cfg, live, &q, &r), m1);
	}
	mep_config_free(&cfg);
}

/* ---- by VPN domain ---- */

static void build_vpn_domain(struct mep_config *cfg, const char *m1dom,
			     const char *m2dom, enum mep_tie_break tb)
{
	int c;

	mep_config_init(cfg);
	add_gw(cfg, "M1", m1dom);
	add_gw(cfg, "M2", m2dom);
	add_gw(cfg, "S1", "192.168.1.0/24");
	c = add_comm(cfg, "STAR-VD", MEP_COMMUNITY_STAR);
	push_names(cfg, &comm(cfg, c)->centers, "M1 M2");
	push_names(cfg, &comm(cfg, c)->satellites, "S1");
	comm(cfg, c)->mep_enabled = true;
	comm(cfg, c)->method = MEP_METHOD_VPN_DOMAIN;
	comm(cfg, c)->tie_break = tb;
}

static void test_vpn_domain(void **state)
{
	struct mep_config cfg;
	struct mep_liveness live[MAXGW];
	struct mep_result r;
	struct mep_engine *e = mep_engine_new();
	struct mep_query q;
	int m1, m2;

	(void)state;
	build_vpn_domain(&cfg, "10.1.0.0/16", "10.2.0.0/16",
			 MEP_TIE_FIRST_TO_RESPOND);
	m1 = gw(&cfg, "M1");
	m2 = gw(&cfg, "M2");
	all_up(live, cfg.n_gateways);
	set_live(live, m1, MEP_LIVE_UP, 100); /* faster, but not owner */

	/* Host-1 is in M2's domain. */
	q = query(&cfg, "S1", "192.168.1.2", "10.2.0.10");
	assert_int_equal(pick(e, &cfg, live, &q, &r), m2);
	assert_int_equal(r.kind, MEP_KIND_EXPLICIT);
	assert_int_equal(r.method, MEP_METHOD_VPN_DOMAIN);
	assert_int_equal(r.rank, MEP_RANK_PRIMARY);
	assert_int_equal(rank_of(&r, m2), MEP_RANK_PRIMARY);
	assert_int_equal(rank_of(&r, m1), MEP_RANK_BACKUP);
	assert_non_null(strstr(r.reason, "M2 owns 10.2.0.0/16"));
	assert_non_null(strstr(r.reason, "10.2.0.10"));

	/* Host-3 is in M1's domain. */
	q = query(&cfg, "S1", "192.168.1.2", "10.1.0.30");
	assert_int_equal(pick(e, &cfg, live, &q, &r), m1);
	assert_int_equal(r.rank, MEP_RANK_PRIMARY);

	/* M2 down: Host-1 through backup M1. */
	q = query(&cfg, "S1", "192.168.1.2", "10.2.0.10");
	set_live(live, m2, MEP_LIVE_DOWN, 0);
	assert_int_equal(pick(e, &cfg, live, &q, &r), m1);
	assert_int_equal(r.rank, MEP_RANK_BACKUP);
	set_live(live, m1, MEP_LIVE_DOWN, 0);
	assert_int_equal(pick(e, &cfg, live, &q, &r), -1);
	assert_int_equal(r.status, MEP_NO_RESPONDER);

	/* Outside the union: no explicit MEP, no domain. */
	all_up(live, cfg.n_gateways);
	q = query(&cfg, "S1", "192.168.1.2", "10.9.0.1");
	pick(e, &cfg, live, &q, &r);
	assert_int_equal(r.status, MEP_NO_DOMAIN);
	assert_int_equal(r.gateway, -1);
	mep_config_free(&cfg);

	/* The most specific domain wins: M1 10/8, M2 10.2/16. */
	build_vpn_domain(&cfg, "10.0.0.0/8", "10.2.0.0/16",
			 MEP_TIE_FIRST_TO_RESPOND);
	all_up(live, cfg.n_gateways);
	q = query(&cfg, "S1", "192.168.1.2", "10.2.0.10");
	assert_int_equal(pick(e, &cfg, live, &q, &r), m2);
	assert_int_equal(rank_of(&r, m1), MEP_RANK_BACKUP);
	q = query(&cfg, "S1", "192.168.1.2", "10.3.0.10");
	assert_int_equal(pick(e, &cfg, live, &q, &r), m1);
	assert_int_equal(rank_of(&r, m2), MEP_RANK_BACKUP);
	mep_config_free(&cfg);
	mep_engine_free(e);
}

static void test_vpn_domain_overlap_tie(void **state)
{
	struct mep_config cfg;
	struct mep_liveness live[MAXGW];
	struct mep_result r;
	struct mep_engine *e = mep_engine_new();
	struct mep_query q;
	int m1, m2, chosen;

	(void)state;
	/* Equal domains: both primary, tie-break first-to-respond. */
	build_vpn_domain(&cfg, "10.2.0.0/16", "10.2.0.0/16",
			 MEP_TIE_FIRST_TO_RESPOND);
	m1 = gw(&cfg, "M1");
	m2 = gw(&cfg, "M2");
	all_up(live, cfg.n_gateways);
	set_live(live, m1, MEP_LIVE_UP, 9000);
	set_live(live, m2, MEP_LIVE_UP, 3000);
	q = query(&cfg, "S1", "192.168.1.2", "10.2.0.10");
	assert_int_equal(pick(e, &cfg, live, &q, &r), m2);
	assert_int_equal(rank_of(&r, m1), MEP_RANK_PRIMARY);
	assert_int_equal(rank_of(&r, m2), MEP_RANK_PRIMARY);
	assert_non_null(strstr(r.reason, "tie-break first-to-respond"));
	set_live(live, m1, MEP_LIVE_UP, 2500); /* sticky */
	assert_int_equal(pick(e, &cfg, live, &q, &r), m2);
	mep_engine_reset(e); /* forget: lowest RTT */
	assert_int_equal(pick(e, &cfg, live, &q, &r), m1);
	mep_config_free(&cfg);

	/* Tie-break random: the same center for every pair of S1. */
	build_vpn_domain(&cfg, "10.2.0.0/16", "10.2.0.0/16", MEP_TIE_RANDOM);
	all_up(live, cfg.n_gateways);
	q = query(&cfg, "S1", "192.168.1.2", "10.2.0.10");
	chosen = pick(e, &cfg, live, &q, &r);
	assert_true(chosen == m1 || chosen == m2);
	assert_non_null(strstr(r.reason, "tie-break random"));
	for (int i = 0; i < 50; i++) {
		char a[32], d[32];

		snprintf(a, sizeof(a), "192.168.1.%d", i + 1);
		snprintf(d, sizeof(d), "10.2.%d.%d", i, 255 - i);
		q = query(&cfg, "S1", a, d);
		assert_int_equal(pick(e, &cfg, live, &q, &r), chosen);
	}
	/* The chosen one fails: the other one. */
	set_live(live, chosen, MEP_LIVE_DOWN, 0);
	assert_int_equal(pick(e, &cfg, live, &q, &r), chosen == m1 ? m2 : m1);
	mep_config_free(&cfg);
	mep_engine_free(e);
}

/* ---- London / New York, first to respond ---- */

static void build_london(struct mep_config *cfg, bool explicit_mep)
{
	int c;

	mep_config_init(cfg);
	add_gw(cfg, "London", "10.50.0.0/16");
	add_gw(cfg, "NewYork", "10.50.0.0/16");
	add_gw(cfg, "UK-1", "192.168.10.0/24");
	add_gw(cfg, "UK-2", "192.168.11.0/24");
	c = add_comm(cfg, "WORLD", MEP_COMMUNITY_STAR);
	push_names(cfg, &comm(cfg, c)->centers, "London NewYork");
	push_names(cfg, &comm(cfg, c)->satellites, "UK-1 UK-2");
	comm(cfg, c)->mep_enabled = explicit_mep;
	comm(cfg, c)->method = MEP_METHOD_FIRST_TO_RESPOND;
}

static void test_first_to_respond(void **state)
{
	struct mep_config cfg;
	struct mep_liveness live[MAXGW];
	struct mep_result r;
	struct mep_query q, q2;
	int lon, ny;

	(void)state;
	for (int explicit_mep = 1; explicit_mep >= 0; explicit_mep--) {
		struct mep_engine *e = mep_engine_new();

		assert_non_null(e);
		build_london(&cfg, explicit_mep);
		lon = gw(&cfg, "London");
		ny = gw(&cfg, "NewYork");
		all_up(live, cfg.n_gateways);
		set_live(live, lon, MEP_LIVE_UP, 8000);
		set_live(live, ny, MEP_LIVE_UP, 75000);
		q = query(&cfg, "UK-1", "192.168.10.5", "10.50.1.1");

		assert_int_equal(pick(e, &cfg, live, &q, &r), lon);
		assert_int_equal(r.kind, explicit_mep ? MEP_KIND_EXPLICIT
						      : MEP_KIND_IMPLICIT);
		assert_int_equal(r.method, MEP_METHOD_FIRST_TO_RESPOND);
		assert_int_equal(r.rank, MEP_RANK_EQUAL);
		assert_int_equal(rank_of(&r, ny), MEP_RANK_EQUAL);
		assert_non_null(strstr(r.reason, "8.0 ms"));

		/* All subsequent connections: London. */
		q2 = query(&cfg, "UK-1", "192.168.10.6", "10.50.9.9");
		assert_int_equal(pick(e, &cfg, live, &q2, &r), lon);

		/* RTTs swap slightly: no flapping. */
		set_live(live, lon, MEP_LIVE_UP, 9000);
		set_live(live, ny, MEP_LIVE_UP, 8500);
		assert_int_equal(pick(e, &cfg, live, &q, &r), lon);
		assert_non_null(strstr(r.reason, "sticky"));

		/* London stops responding: New York. */
		set_live(live, lon, MEP_LIVE_DOWN, 0);
		assert_int_equal(pick(e, &cfg, live, &q, &r), ny);
		/* London returns, faster: no flap back. */
		set_live(live, lon, MEP_LIVE_UP, 4000);
		assert_int_equal(pick(e, &cfg, live, &q, &r), ny);
		assert_int_equal(pick(e, &cfg, live, &q2, &r), ny);

		/* Another satellite has its own choice. */
		q2 = query(&cfg, "UK-2", "192.168.11.6", "10.50.9.9");
		assert_int_equal(pick(e, &cfg, live, &q2, &r), lon);

		/* Nobody responds. */
		set_live(live, lon, MEP_LIVE_DOWN, 0);
		set_live(live, ny, MEP_LIVE_UNKNOWN, 0);
		assert_int_equal(pick(e, &cfg, live, &q, &r), -1);
		assert_int_equal(r.status, MEP_NO_RESPONDER);

		mep_engine_free(e);
		mep_config_free(&cfg);
	}
}

/* ---- random selection ---- */

static void build_random(struct mep_config *cfg)
{
	int c;

	mep_config_init(cfg);
	add_gw(cfg, "M1", "10.0.0.0/8 2001:db8:1::/48");
	add_gw(cfg, "M2", "10.0.0.0/8 2001:db8:1::/48");
	add_gw(cfg, "M3", "10.0.0.0/8 2001:db8:1::/48");
	add_gw(cfg, "S1", "192.168.0.0/16 2001:db8:2::/48");
	c = add_comm(cfg, "STAR-LB", MEP_COMMUNITY_STAR);
	push_names(cfg, &comm(cfg, c)->centers, "M1 M2 M3");
	push_names(cfg, &comm(cfg, c)->satellites, "S1");
	comm(cfg, c)->mep_enabled = true;
	comm(cfg, c)->method = MEP_METHOD_RANDOM;
	comm(cfg, c)->return_path = MEP_RETURN_IP_POOL_NAT;
}

#define NPAIRS 100000

static struct mep_query pair_query(const struct mep_config *cfg, int i)
{
	char a[32], d[32];

	/* 1000 sources x 100 destinations, all distinct pairs. */
	snprintf(a, sizeof(a), "192.168.%d.%d", (i % 1000) / 250,
		 (i % 1000) % 250 + 1);
	snprintf(d, sizeof(d), "10.%d.%d.%d", 1 + (i / 1000) % 7,
		 (i / 1000) / 7, 10 + (i / 1000) % 13);
	return query(cfg, "S1", a, d);
}

static double chi2(const long *obs, int k, long total)
{
	double exp = (double)total / k, x = 0;

	for (int i = 0; i < k; i++)
		x += ((double)obs[i] - exp) * ((double)obs[i] - exp) / exp;
	return x;
}

static void test_random(void **state)
{
	struct mep_config cfg;
	struct mep_liveness live[MAXGW];
	struct mep_result r;
	struct mep_query q;
	signed char *choice = malloc(NPAIRS);
	long count[3] = { 0, 0, 0 }, moved[3] = { 0, 0, 0 };
	int m[3];

	(void)state;
	assert_non_null(choice);
	build_random(&cfg);
	m[0] = gw(&cfg, "M1");
	m[1] = gw(&cfg, "M2");
	m[2] = gw(&cfg, "M3");
	all_up(live, cfg.n_gateways);

	for (int i = 0; i < NPAIRS; i++) {
		q = pair_query(&cfg, i);
		mep_resolve(NULL, &cfg, live, &q, &r);
		assert_int_equal(r.status, MEP_RESOLVED);
		assert_int_equal(r.rank, MEP_RANK_EQUAL);
		assert_true(r.gateway >= m[0] && r.gateway <= m[2]);
		choice[i] = (signed char)(r.gateway - m[0]);
		count[choice[i]]++;
	}
	/* Uniform: chi-square with 2 degrees of freedom, p = 0.001. */
	print_message("random: %ld %ld %ld chi2 %.2f\n", count[0], count[1],
		      count[2], chi2(count, 3, NPAIRS));
	assert_true(chi2(count, 3, NPAIRS) < 13.8);
	assert_non_null(strstr(r.reason, "rendezvous"));

	/* Stable: the same answers on repeat, with or without an engine. */
	{
		struct mep_engine *e = mep_engine_new();

		for (int i = 0; i < NPAIRS; i += 7) {
			q = pair_query(&cfg, i);
			mep_resolve(e, &cfg, live, &q, &r);
			assert_int_equal(r.gateway - m[0], choice[i]);
		}
		mep_engine_free(e);
	}

	/* M2 fails: exactly its pairs move, spread over M1 and M3. */
	set_live(live, m[1], MEP_LIVE_DOWN, 0);
	for (int i = 0; i < NPAIRS; i++) {
		int now;

		q = pair_query(&cfg, i);
		mep_resolve(NULL, &cfg, live, &q, &r);
		assert_int_equal(r.status, MEP_RESOLVED);
		now = r.gateway - m[0];
		if (choice[i] == 1) {
			assert_true(now == 0 || now == 2);
			moved[now]++;
		} else {
			assert_int_equal(now, choice[i]);
		}
	}
	{
		long two[2] = { moved[0], moved[2] };

		print_message("random: M2's %ld pairs -> M1 %ld, M3 %ld\n",
			      count[1], moved[0], moved[2]);
		assert_int_equal(moved[0] + moved[2], count[1]);
		/* 1 degree of freedom, p = 0.001. */
		assert_true(chi2(two, 2, count[1]) < 10.83);
	}

	/* M2 returns: its pairs come back. */
	set_live(live, m[1], MEP_LIVE_UP, 1);
	for (int i = 0; i < NPAIRS; i += 3) {
		q = pair_query(&cfg, i);
		mep_resolve(NULL, &cfg, live, &q, &r);
		assert_int_equal(r.gateway - m[0], choice[i]);
	}

	/* IPv6 pairs are spread too. */
	{
		long c6[3] = { 0, 0, 0 };

		for (int i = 0; i < 3000; i++) {
			char a[64], d[64];

			snprintf(a, sizeof(a), "2001:db8:2::%x", i + 1);
			snprintf(d, sizeof(d), "2001:db8:1::%x:1", i % 50);
			q = query(&cfg, "S1", a, d);
			mep_resolve(NULL, &cfg, live, &q, &r);
			assert_int_equal(r.status, MEP_RESOLVED);
			c6[r.gateway - m[0]]++;
		}
		assert_true(chi2(c6, 3, 3000) < 13.8);
	}

	/* All down. */
	for (int i = 0; i < 3; i++)
		set_live(live, m[i], MEP_LIVE_DOWN, 0);
	q = pair_query(&cfg, 0);
	mep_resolve(NULL, &cfg, live, &q, &r);
	assert_int_equal(r.status, MEP_NO_RESPONDER);
	assert_int_equal(r.gateway, -1);

	free(choice);
	mep_config_free(&cfg);
}

static void test_rendezvous_score(void **state)
{
	const char k1[] = "key-1", k2[] = "key-2";

	(void)state;
	assert_true(mep_rendezvous_score(k1, sizeof(k1), "M1") ==
		    mep_rendezvous_score(k1, sizeof(k1), "M1"));
	assert_true(mep_rendezvous_score(k1, sizeof(k1), "M1") !=
		    mep_rendezvous_score(k1, sizeof(k1), "M2"));
	assert_true(mep_rendezvous_score(k1, sizeof(k1), "M1") !=
		    mep_rendezvous_score(k2, sizeof(k2), "M1"));
	/* NULL inputs do not crash. */
	(void)mep_rendezvous_score(NULL, 5, NULL);

	/* Each output bit is set about half of the time. */
	{
		int bits[64] = { 0 };

		for (uint32_t i = 0; i < 4096; i++) {
			uint64_t s = mep_rendezvous_score(&i, sizeof(i), "M1");

			for (int b = 0; b < 64; b++)
				bits[b] += (int)((s >> b) & 1);
		}
		for (int b = 0; b < 64; b++)
			assert_true(bits[b] > 1800 && bits[b] < 2296);
	}
}

/* Implicit load distribution: random per pair inside one community. */
static void test_implicit_load_distribution(void **state)
{
	struct mep_config cfg;
	struct mep_liveness live[MAXGW];
	struct mep_result r;
	struct mep_query q;
	long count[2] = { 0, 0 };
	int lon, ny;

	(void)state;
	build_london(&cfg, false);
	cfg.load_distribution = true;
	lon = gw(&cfg, "London");
	ny = gw(&cfg, "NewYork");
	all_up(live, cfg.n_gateways);
	for (int i = 0; i < 2000; i++) {
		char d[32];

		snprintf(d, sizeof(d), "10.50.%d.%d", i / 200, i % 200 + 1);
		q = query(&cfg, "UK-1", "192.168.10.5", d);
		mep_resolve(NULL, &cfg, live, &q, &r);
		assert_int_equal(r.kind, MEP_KIND_IMPLICIT);
		assert_int_equal(r.method, MEP_METHOD_RANDOM);
		assert_string_equal(mep_result_method_name(&r), "random");
		assert_true(r.gateway == lon || r.gateway == ny);
		count[r.gateway == lon ? 0 : 1]++;
	}
	assert_true(chi2(count, 2, 2000) < 10.83);
	mep_config_free(&cfg);
}

/* ---- primary-backup ---- */

static void build_pb(struct mep_config *cfg)
{
	int c;

	mep_config_init(cfg);
	add_gw(cfg, "P", "10.5.0.0/16");
	add_gw(cfg, "B1", "10.6.0.0/16");
	add_gw(cfg, "B2", "");
	add_gw(cfg, "S1", "192.168.1.0/24");
	push_names(cfg, &cfg->gateways[gw(cfg, "P")].backups, "B1 B2");
	c = add_comm(cfg, "PB", MEP_COMMUNITY_STAR);
	push_names(cfg, &comm(cfg, c)->centers, "P B1 B2");
	push_names(cfg, &comm(cfg, c)->satellites, "S1");
}

static void test_primary_backup(void **state)
{
	struct mep_config cfg;
	struct mep_liveness live[MAXGW];
	struct mep_result r;
	struct mep_query q;
	int p, b1, b2;

	(void)state;
	build_pb(&cfg);
	p = gw(&cfg, "P");
	b1 = gw(&cfg, "B1");
	b2 = gw(&cfg, "B2");
	all_up(live, cfg.n_gateways);
	set_live(live, b2, MEP_LIVE_UP, 10); /* faster: irrelevant */
	q = query(&cfg, "S1", "192.168.1.5", "10.5.3.3");

	assert_int_equal(pick(NULL, &cfg, live, &q, &r), p);
	assert_int_equal(r.kind, MEP_KIND_PRIMARY_BACKUP);
	assert_string_equal(mep_result_method_name(&r), "primary-backup");
	assert_int_equal(r.rank, MEP_RANK_PRIMARY);
	assert_int_equal(r.n_candidates, 3);
	assert_int_equal(r.candidates[0].gateway, p);
	assert_int_equal(r.candidates[1].gateway, b1);
	assert_int_equal(r.candidates[2].gateway, b2);
	assert_int_equal(r.candidates[1].rank, MEP_RANK_BACKUP);
	assert_int_equal(r.candidates[2].rank, MEP_RANK_BACKUP);

	/* Primary down: first backup in order. */
	set_live(live, p, MEP_LIVE_DOWN, 0);
	assert_int_equal(pick(NULL, &cfg, live, &q, &r), b1);
	assert_int_equal(r.rank, MEP_RANK_BACKUP);
	set_live(live, b1, MEP_LIVE_DOWN, 0);
	assert_int_equal(pick(NULL, &cfg, live, &q, &r), b2);
	set_live(live, b1, MEP_LIVE_UP, 500);

	/* Primary back: new connections to it, existing stay on B1. */
	set_live(live, p, MEP_LIVE_UP, 900);
	assert_int_equal(pick(NULL, &cfg, live, &q, &r), p);
	q.existing = b1;
	assert_int_equal(pick(NULL, &cfg, live, &q, &r), b1);
	assert_int_equal(r.rank, MEP_RANK_BACKUP);
	assert_non_null(strstr(r.reason, "existing"));
	/* ...until B1 stops responding. */
	set_live(live, b1, MEP_LIVE_DOWN, 0);
	assert_int_equal(pick(NULL, &cfg, live, &q, &r), p);
	/* A bogus existing gateway is ignored. */
	q.existing = 999;
	assert_int_equal(pick(NULL, &cfg, live, &q, &r), p);
	q.existing = gw(&cfg, "S1");
	assert_int_equal(pick(NULL, &cfg, live, &q, &r), p);

	/* Nobody. */
	set_live(live, p, MEP_LIVE_DOWN, 0);
	set_live(live, b2, MEP_LIVE_DOWN, 0);
	q.existing = -1;
	assert_int_equal(pick(NULL, &cfg, live, &q, &r), -1);
	assert_int_equal(r.status, MEP_NO_RESPONDER);

	/* B1's own domain: B1 alone (not a primary-backup group). */
	all_up(live, cfg.n_gateways);
	q = query(&cfg, "S1", "192.168.1.5", "10.6.0.1");
	assert_int_equal(pick(NULL, &cfg, live, &q, &r), b1);
	assert_int_equal(r.kind, MEP_KIND_NONE);
	assert_int_equal(r.n_candidates, 1);
	mep_config_free(&cfg);

	/* A satellite that only knows backup B1 still finds P's group. */
	build_pb(&cfg);
	free(comm(&cfg, 0)->centers.idx);
	memset(&comm(&cfg, 0)->centers, 0, sizeof(struct mep_gw_list));
	push_names(&cfg, &comm(&cfg, 0)->centers, "B1");
	all_up(live, cfg.n_gateways);
	q = query(&cfg, "S1", "192.168.1.5", "10.5.3.3");
	assert_int_equal(pick(NULL, &cfg, live, &q, &r), gw(&cfg, "P"));
	assert_int_equal(r.kind, MEP_KIND_PRIMARY_BACKUP);
	mep_config_free(&cfg);
}

/* ---- implicit MEP across communities (rule 9) ---- */

static void test_implicit_across_communities(void **state)
{
	struct mep_config cfg;
	struct mep_liveness live[MAXGW];
	struct mep_result r;
	struct mep_query q;
	char line[512];
	int a, b, c1, c2;

	(void)state;
	for (int order = 0; order < 2; order++) {
		mep_config_init(&cfg);
		a = add_gw(&cfg, "A", "10.7.0.0/16");
		b = add_gw(&cfg, "B", "10.7.0.0/16");
		add_gw(&cfg, "S1", "192.168.1.0/24");
		c1 = add_comm(&cfg, order ? "C-B" : "C-A", MEP_COMMUNITY_STAR);
		c2 = add_comm(&cfg, order ? "C-A" : "C-B",
			      MEP_COMMUNITY_MESHED);
		push_names(&cfg, &comm(&cfg, c1)->centers, order ? "B" : "A");
		push_names(&cfg, &comm(&cfg, c1)->satellites, "S1");
		push_names(&cfg, &comm(&cfg, c2)->members,
			   order ? "S1 A" : "B S1");
		all_up(live, cfg.n_gateways);
		q = query(&cfg, "S1", "192.168.1.1", "10.7.0.1");

		assert_int_equal(pick(NULL, &cfg, live, &q, &r), order ? b : a);
		assert_int_equal(r.kind, MEP_KIND_NONE);
		assert_int_equal(r.community, c1);
		assert_int_equal(r.n_candidates, 1);
		assert_int_equal(r.rank, MEP_RANK_PRIMARY);
		assert_non_null(strstr(r.reason, "not supported"));

		/* Not responding: still that gateway, and it says so. */
		set_live(live, order ? b : a, MEP_LIVE_DOWN, 0);
		assert_int_equal(pick(NULL, &cfg, live, &q, &r), order ? b : a);
		assert_int_equal(r.status, MEP_RESOLVED);
		assert_false(r.responding);
		mep_tracking_line(&cfg, &q, &r, line, sizeof(line));
		assert_string_equal(
			line,
			order ? "Resolved peer for tunnel from S1 to the MEP that contains B, is: B (Primary Security Gateway, not responding)."
			      : "Resolved peer for tunnel from S1 to the MEP that contains A, is: A (Primary Security Gateway, not responding).");
		mep_config_free(&cfg);
	}
}

/* Peers seen from a center and from a meshed member. */
static void test_peer_roles(void **state)
{
	struct mep_config cfg;
	struct mep_liveness live[MAXGW];
	struct mep_result r;
	struct mep_query q;
	int c;

	(void)state;
	mep_config_init(&cfg);
	add_gw(&cfg, "M1", "10.1.0.0/16");
	add_gw(&cfg, "S1", "192.168.1.0/24");
	add_gw(&cfg, "S2", "192.168.1.0/24");
	add_gw(&cfg, "X", "172.30.0.0/16");
	c = add_comm(&cfg, "STAR", MEP_COMMUNITY_STAR);
	push_names(&cfg, &comm(&cfg, c)->centers, "M1");
	push_names(&cfg, &comm(&cfg, c)->satellites, "S1 S2");
	c = add_comm(&cfg, "MESH", MEP_COMMUNITY_MESHED);
	push_names(&cfg, &comm(&cfg, c)->members, "M1 X");
	all_up(live, cfg.n_gateways);

	/* The center sees both satellites with overlapping domains:
	 * implicit first-to-respond. */
	set_live(live, gw(&cfg, "S2"), MEP_LIVE_UP, 100);
	q = query(&cfg, "M1", "10.1.0.1", "192.168.1.1");
	assert_int_equal(pick(NULL, &cfg, live, &q, &r), gw(&cfg, "S2"));
	assert_int_equal(r.kind, MEP_KIND_IMPLICIT);
	assert_int_equal(r.community, 0);
	assert_int_equal(r.n_candidates, 2);

	/* Meshed member. */
	q = query(&cfg, "M1", "10.1.0.1", "172.30.1.1");
	assert_int_equal(pick(NULL, &cfg, live, &q, &r), gw(&cfg, "X"));
	assert_int_equal(r.kind, MEP_KIND_NONE);
	assert_int_equal(r.community, 1);
	assert_string_equal(mep_result_method_name(&r), "single-gateway");

	/* A satellite never resolves to itself or to its own domain. */
	q = query(&cfg, "S1", "192.168.1.1", "192.168.1.2");
	pick(NULL, &cfg, live, &q, &r);
	assert_int_equal(r.status, MEP_NO_DOMAIN);
	/* X is not a peer of S1. */
	q = query(&cfg, "S1", "192.168.1.1", "172.30.1.1");
	pick(NULL, &cfg, live, &q, &r);
	assert_int_equal(r.status, MEP_NO_DOMAIN);
	mep_config_free(&cfg);
}

/* ---- tracking line ---- */

static void test_tracking_line(void **state)
{
	struct mep_config cfg;
	struct mep_liveness live[MAXGW];
	struct mep_result r;
	struct mep_query q;
	char line[512], small[24];

	(void)state;
	/* Three members: the seed's example. */
	build_priority(&cfg, MEP_TIE_FIRST_TO_RESPOND);
	all_up(live, cfg.n_gateways);
	q = query(&cfg, "S1", "192.168.1.10", "10.2.0.10");
	mep_resolve(NULL, &cfg, live, &q, &r);
	assert_string_equal(
		mep_tracking_line(&cfg, &q, &r, line, sizeof(line)),
		"Resolved peer for tunnel from S1 to the MEP that contains M1, M2, and M3, is: M1 (Primary Security Gateway, responding).");
	set_live(live, gw(&cfg, "M1"), MEP_LIVE_DOWN, 0);
	mep_resolve(NULL, &cfg, live, &q, &r);
	assert_string_equal(
		mep_tracking_line(&cfg, &q, &r, line, sizeof(line)),
		"Resolved peer for tunnel from S1 to the MEP that contains M1, M2, and M3, is: M2 (Secondary Security Gateway, responding).");
	set_live(live, gw(&cfg, "M2"), MEP_LIVE_DOWN, 0);
	mep_resolve(NULL, &cfg, live, &q, &r);
	assert_string_equal(
		mep_tracking_line(&cfg, &q, &r, line, sizeof(line)),
		"Resolved peer for tunnel from S1 to the MEP that contains M1, M2, and M3, is: M3 (Tertiary Security Gateway, responding).");
	set_live(live, gw(&cfg, "M3"), MEP_LIVE_DOWN, 0);
	mep_resolve(NULL, &cfg, live, &q, &r);
	assert_string_equal(
		mep_tracking_line(&cfg, &q, &r, line, sizeof(line)),
		"Resolved peer for tunnel from S1 to the MEP that contains M1, M2, and M3, is: none (no Security Gateway responding).");

	/* Truncation is safe and terminated. */
	mep_tracking_line(&cfg, &q, &r, small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_null(mep_tracking_line(&cfg, &q, &r, NULL, 0));
	mep_config_free(&cfg);

	/* Two members: by VPN domain, then backup. */
	build_vpn_domain(&cfg, "10.1.0.0/16", "10.2.0.0/16",
			 MEP_TIE_FIRST_TO_RESPOND);
	all_up(live, cfg.n_gateways);
	q = query(&cfg, "S1", "192.168.1.2", "10.2.0.10");
	mep_resolve(NULL, &cfg, live, &q, &r);
	assert_string_equal(
		mep_tracking_line(&cfg, &q, &r, line, sizeof(line)),
		"Resolved peer for tunnel from S1 to the MEP that contains M1 and M2, is: M2 (Primary Security Gateway, responding).");
	set_live(live, gw(&cfg, "M2"), MEP_LIVE_DOWN, 0);
	mep_resolve(NULL, &cfg, live, &q, &r);
	assert_string_equal(
		mep_tracking_line(&cfg, &q, &r, line, sizeof(line)),
		"Resolved peer for tunnel from S1 to the MEP that contains M1 and M2, is: M1 (Backup Security Gateway, responding).");
	mep_config_free(&cfg);

	/* Equal priority (first-to-respond). */
	build_london(&cfg, true);
	all_up(live, cfg.n_gateways);
	set_live(live, gw(&cfg, "NewYork"), MEP_LIVE_UP, 70000);
	q = query(&cfg, "UK-1", "192.168.10.1", "10.50.0.1");
	mep_resolve(NULL, &cfg, live, &q, &r);
	assert_string_equal(
		mep_tracking_line(&cfg, &q, &r, line, sizeof(line)),
		"Resolved peer for tunnel from UK-1 to the MEP that contains London and NewYork, is: London (Equal Priority Security Gateway, responding).");

	/* One member. */
	q = query(&cfg, "London", "10.50.0.1", "192.168.10.1");
	mep_resolve(NULL, &cfg, live, &q, &r);
	assert_int_equal(r.kind, MEP_KIND_NONE);
	assert_string_equal(
		mep_tracking_line(&cfg, &q, &r, line, sizeof(line)),
		"Resolved peer for tunnel from London to the MEP that contains UK-1, is: UK-1 (Primary Security Gateway, responding).");

	/* No domain and bad queries still give a terminated sentence. */
	q = query(&cfg, "UK-1", "192.168.10.1", "10.99.0.1");
	mep_resolve(NULL, &cfg, live, &q, &r);
	mep_tracking_line(&cfg, &q, &r, line, sizeof(line));
	assert_non_null(strstr(line, "none"));
	q.satellite = 77;
	mep_resolve(NULL, &cfg, live, &q, &r);
	mep_tracking_line(&cfg, &q, &r, line, sizeof(line));
	assert_non_null(strstr(line, "bad query"));
	mep_config_free(&cfg);
}

/* ---- bad queries ---- */

static void test_bad_queries(void **state)
{
	struct mep_config cfg;
	struct mep_liveness live[MAXGW];
	struct mep_result r;
	struct mep_engine *e = mep_engine_new();
	struct mep_query q;

	(void)state;
	build_priority(&cfg, MEP_TIE_FIRST_TO_RESPOND);
	all_up(live, cfg.n_gateways);

	q = query(&cfg, "S1", "192.168.1.10", "10.1.0.10");
	q.satellite = -1;
	assert_int_equal(mep_resolve(e, &cfg, live, &q, &r), MEP_BAD_QUERY);
	assert_int_equal(r.gateway, -1);
	assert_int_equal(r.n_candidates, 0);
	assert_true(strlen(r.reason) > 0);
	q.satellite = (int)cfg.n_gateways;
	assert_int_equal(mep_resolve(e, &cfg, live, &q, &r), MEP_BAD_QUERY);
	q.satellite = 1 << 30;
	assert_int_equal(mep_resolve(e, &cfg, live, &q, &r), MEP_BAD_QUERY);

	/* Mixed families. */
	q = query(&cfg, "S1", "2001:db8::1", "10.1.0.10");
	assert_int_equal(mep_resolve(e, &cfg, live, &q, &r), MEP_BAD_QUERY);
	assert_non_null(strstr(r.reason, "famil"));
	q = query(&cfg, "S1", "192.168.1.10", "2001:db8::1");
	assert_int_equal(mep_resolve(e, &cfg, live, &q, &r), MEP_BAD_QUERY);
	q.src.family = 0;
	q.dst.family = 0;
	assert_int_equal(mep_resolve(e, &cfg, live, &q, &r), MEP_BAD_QUERY);

	/* NULL arguments. */
	q = query(&cfg, "S1", "192.168.1.10", "10.1.0.10");
	assert_int_equal(mep_resolve(e, NULL, live, &q, &r), MEP_BAD_QUERY);
	assert_int_equal(mep_resolve(e, &cfg, NULL, &q, &r), MEP_BAD_QUERY);
	assert_int_equal(mep_resolve(e, &cfg, live, NULL, &r), MEP_BAD_QUERY);
	assert_int_equal(mep_resolve(e, &cfg, live, &q, NULL), MEP_BAD_QUERY);

	/* IPv6 destination in no domain; satellite in no community. */
	q = query(&cfg, "S1", "2001:db8::1", "2001:db8::2");
	assert_int_equal(mep_resolve(e, &cfg, live, &q, &r), MEP_NO_DOMAIN);
	add_gw(&cfg, "LONELY", "192.168.99.0/24");
	all_up(live, cfg.n_gateways);
	q = query(&cfg, "LONELY", "192.168.99.1", "10.1.0.1");
	assert_int_equal(mep_resolve(e, &cfg, live, &q, &r), MEP_NO_DOMAIN);

	/* A corrupt gateway index inside the config is skipped. */
	fixture_list_push(&comm(&cfg, 0)->centers, 4242);
	q = query(&cfg, "S1", "192.168.1.10", "10.1.0.10");
	assert_int_equal(mep_resolve(e, &cfg, live, &q, &r), MEP_RESOLVED);
	assert_int_equal(r.n_candidates, 3);

	mep_engine_free(e);
	mep_engine_free(NULL);
	mep_engine_reset(NULL);
	mep_config_free(&cfg);
}

static void test_names(void **state)
{
	struct mep_result r;

	(void)state;
	assert_string_equal(mep_rank_name(MEP_RANK_PRIMARY), "primary");
	assert_string_equal(mep_rank_name(MEP_RANK_SECONDARY), "secondary");
	assert_string_equal(mep_rank_name(MEP_RANK_TERTIARY), "tertiary");
	assert_string_equal(mep_rank_name(MEP_RANK_BACKUP), "backup");
	assert_string_equal(mep_rank_name(MEP_RANK_EQUAL), "equal");
	assert_string_equal(mep_rank_name(MEP_RANK_NONE), "none");
	assert_string_equal(mep_method_name(MEP_METHOD_FIRST_TO_RESPOND),
			    "first-to-respond");
	assert_string_equal(mep_method_name(MEP_METHOD_VPN_DOMAIN),
			    "vpn-domain");
	assert_string_equal(mep_method_name(MEP_METHOD_RANDOM), "random");
	assert_string_equal(mep_method_name(MEP_METHOD_PRIORITY_LIST),
			    "priority-list");
	assert_string_equal(mep_method_name((enum mep_method)99), "unknown");
	assert_string_equal(mep_kind_name(MEP_KIND_EXPLICIT), "explicit");
	assert_string_equal(mep_kind_name(MEP_KIND_IMPLICIT), "implicit");
	assert_string_equal(mep_kind_name(MEP_KIND_PRIMARY_BACKUP),
			    "primary-backup");
	assert_string_equal(mep_kind_name(MEP_KIND_NONE), "none");
	assert_string_equal(mep_liveness_name(MEP_LIVE_UP), "up");
	assert_string_equal(mep_liveness_name(MEP_LIVE_DOWN), "down");
	assert_string_equal(mep_liveness_name(MEP_LIVE_UNKNOWN), "unknown");
	assert_string_equal(mep_verdict_source_name(MEP_VERDICT_PROBE),
			    "probe");
	assert_string_equal(mep_verdict_source_name(MEP_VERDICT_IKE), "ike");
	assert_string_equal(mep_verdict_source_name(MEP_VERDICT_OVERRIDE),
			    "override");
	assert_string_equal(mep_verdict_source_name(MEP_VERDICT_NONE), "none");
	assert_string_equal(mep_status_name(MEP_NO_RESPONDER), "no-responder");
	assert_string_equal(mep_tie_break_name(MEP_TIE_RANDOM), "random");
	memset(&r, 0, sizeof(r));
	r.kind = MEP_KIND_EXPLICIT;
	r.method = MEP_METHOD_VPN_DOMAIN;
	assert_string_equal(mep_result_method_name(&r), "vpn-domain");
}

/* A first-to-respond star: optional gateway `first` before the centers,
 * centers c1 c2, satellite S1, domains shared (explicit MEP). */
static void build_ftr(struct mep_config *cfg, const char *first,
		      const char *c1, const char *c2)
{
	int c;

	mep_config_init(cfg);
	if (first)
		add_gw(cfg, first, "10.9.0.0/16");
	add_gw(cfg, c1, "10.1.0.0/16");
	add_gw(cfg, c2, "10.2.0.0/16");
	add_gw(cfg, "S1", "192.168.1.0/24");
	if (first) {
		c = add_comm(cfg, "OTHER", MEP_COMMUNITY_MESHED);
		push_names(cfg, &comm(cfg, c)->members, first);
	}
	c = add_comm(cfg, "STAR", MEP_COMMUNITY_STAR);
	push_names(cfg, &comm(cfg, c)->satellites, "S1");
	fixture_list_push(&comm(cfg, c)->centers, gw(cfg, c1));
	fixture_list_push(&comm(cfg, c)->centers, gw(cfg, c2));
	comm(cfg, c)->mep_enabled = true;
}

static void test_sticky_carry_over(void **state)
{
	struct mep_config a, b, c;
	struct mep_liveness live[MAXGW];
	struct mep_result r;
	struct mep_engine *e = mep_engine_new();
	struct mep_query q;

	(void)state;
	build_ftr(&a, NULL, "M1", "M2");
	build_ftr(&b, "A0", "M1", "M2");	/* indices shift by one */
	build_ftr(&c, NULL, "M1", "M3");	/* M2 gone */
	all_up(live, a.n_gateways);
	set_live(live, gw(&a, "M1"), MEP_LIVE_UP, 5000);
	set_live(live, gw(&a, "M2"), MEP_LIVE_UP, 2000);
	q = query(&a, "S1", "192.168.1.1", "10.1.0.1");
	assert_int_equal(pick(e, &a, live, &q, &r), gw(&a, "M2"));
	/* M1 becomes faster: sticky */
	set_live(live, gw(&a, "M1"), MEP_LIVE_UP, 1000);
	assert_int_equal(pick(e, &a, live, &q, &r), gw(&a, "M2"));

	/* the configuration changes around the group: still M2 */
	mep_engine_carry_over(e, &a, &b);
	all_up(live, b.n_gateways);
	set_live(live, gw(&b, "M1"), MEP_LIVE_UP, 1000);
	set_live(live, gw(&b, "M2"), MEP_LIVE_UP, 2000);
	q = query(&b, "S1", "192.168.1.1", "10.1.0.1");
	assert_int_equal(pick(e, &b, live, &q, &r), gw(&b, "M2"));
	assert_non_null(strstr(r.reason, "sticky"));
	/* a reset would have moved it (the test can fail) */
	{
		struct mep_engine *fresh = mep_engine_new();

		assert_int_equal(pick(fresh, &b, live, &q, &r), gw(&b, "M1"));
		mep_engine_free(fresh);
	}

	/* M2 leaves the configuration: the choice is forgotten */
	mep_engine_carry_over(e, &b, &c);
	all_up(live, c.n_gateways);
	set_live(live, gw(&c, "M1"), MEP_LIVE_UP, 1000);
	set_live(live, gw(&c, "M3"), MEP_LIVE_UP, 500);
	q = query(&c, "S1", "192.168.1.1", "10.1.0.1");
	assert_int_equal(pick(e, &c, live, &q, &r), gw(&c, "M3"));
	/* NULL configurations: a reset; NULL engine: nothing */
	set_live(live, gw(&c, "M3"), MEP_LIVE_UP, 1500);
	assert_int_equal(pick(e, &c, live, &q, &r), gw(&c, "M3"));
	mep_engine_carry_over(e, &c, NULL);
	assert_int_equal(pick(e, &c, live, &q, &r), gw(&c, "M1"));
	mep_engine_carry_over(NULL, &a, &b);

	mep_engine_free(e);
	mep_config_free(&a);
	mep_config_free(&b);
	mep_config_free(&c);
}

/* mep_community_kind's sorted sweep answers as the pairwise search of
 * mep_community_overlap() on random domains (star: satellites reached by
 * a center; meshed: members), including a gateway's own overlapping
 * domains (not implicit MEP) and IPv6. */
static void test_kind_sweep_matches_pairs(void **state)
{
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 400; round++) {
		struct mep_config cfg;
		int n = 2 + (int)(seed % 9), c;
		bool meshed = round % 3 == 2;

		mep_config_init(&cfg);
		c = fixture_add_community(&cfg, "C",
					  meshed ? MEP_COMMUNITY_MESHED
						 : MEP_COMMUNITY_STAR);
		for (int g = 0; g < n; g++) {
			char name[16], doms[128] = "";
			int nd = 1 + (int)((seed >> 3) % 3);

			for (int k = 0; k < nd; k++) {
				char d[48];
				unsigned len;

				seed = seed * 1103515245u + 12345u;
				len = 8 + (seed >> 16) % 9;	/* /8../16 */
				if ((seed >> 8) % 5 == 0)
					snprintf(d, sizeof(d), "fd%02x::/16 ",
						 (seed >> 20) % 4);
				else	/* 10.X.0.0/len, no host bits */
					snprintf(d, sizeof(d),
						 "10.%u.0.0/%u ",
						 ((seed >> 24) % 16) &
							 (0xffu << (16 - len)) &
							 0xffu,
						 len);
				strcat(doms, d);
			}
			doms[strlen(doms) - 1] = '\0';
			snprintf(name, sizeof(name), "G%d", g);
			fixture_add_gateway(&cfg, name, NULL, doms);
			if (meshed)
				fixture_list_push(&cfg.communities[c].members,
						  g);
			else if (g == 0)
				fixture_list_push(&cfg.communities[c].centers,
						  g);
			else
				fixture_list_push(
					&cfg.communities[c].satellites, g);
		}
		assert_int_equal(
			mep_community_kind(&cfg, (size_t)c) == MEP_KIND_IMPLICIT,
			mep_community_overlap(&cfg, (size_t)c, NULL, NULL,
					      NULL));
		mep_config_free(&cfg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_sweep_matches_pairs),
		cmocka_unit_test(test_sticky_carry_over),
		cmocka_unit_test(test_priority_default_rule),
		cmocka_unit_test(test_priority_exception_rule),
		cmocka_unit_test(test_priority_tie_first_to_respond),
		cmocka_unit_test(test_priority_tie_random),
		cmocka_unit_test(test_vpn_domain),
		cmocka_unit_test(test_vpn_domain_overlap_tie),
		cmocka_unit_test(test_first_to_respond),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_rendezvous_score),
		cmocka_unit_test(test_implicit_load_distribution),
		cmocka_unit_test(test_primary_backup),
		cmocka_unit_test(test_implicit_across_communities),
		cmocka_unit_test(test_peer_roles),
		cmocka_unit_test(test_tracking_line),
		cmocka_unit_test(test_bad_queries),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
