/* test_rim: unit tests of the RIM computations (rim.c): which tunnels
 * inject what (roles, communities, return paths), selectors limited to the
 * peer's vpn-domain, IPv6, duplicates and order, a rekey never losing a
 * prefix, the minimal reconciliation (exact sets, replace, duplicates,
 * large random sets). The engine-loss grace is tested with the engine
 * (test_engine.c). */
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
#include "prefix.h"
#include "rim.h"
#include "tunnels.h"
#include "config_fixture.h"

/* ---- building configurations and tunnels ---- */

static struct mep_prefix pfx(const char *s)
{
	return fixture_prefix(s);
}

/* Add a gateway with an address and space-separated domain prefixes. */
static int add_gw(struct mep_config *cfg, const char *name,
		  const char *address, const char *domains, const char *pool)
{
	int i = fixture_add_gateway(cfg, name, address, domains);

	if (pool) {
		cfg->gateways[i].has_pool = true;
		cfg->gateways[i].pool = pfx(pool);
	}
	return i;
}

static int add_comm(struct mep_config *cfg, const char *name,
		    enum mep_community_type type, enum mep_return_path rp)
{
	int c = fixture_add_community(cfg, name, type);

	cfg->communities[c].return_path = rp;
	return c;
}

enum { C1, C2, S1, S2, S3, M1, M2, X1, N_GW };

/* C1 (local) and C2 centers of STAR (rim) with satellites S1 (v4+v6) and
 * S2 (split domain); C1 center of POOL (ip-pool-nat) with S3, without an
 * ip-pool (test_ip_pool_nat gives it one); MESH
 * (rim) of C1, M1, M2; X1 in no community of C1. */
static void make_cfg(struct mep_config *cfg)
{
	int star, pool, mesh;

	mep_config_init(cfg);
	cfg->rim.enabled = true;
	cfg->rim.distance = 15;
	cfg->rim.metric = 7;
	cfg->rim.tag = 2600;
	assert_int_equal(add_gw(cfg, "C1", "192.0.2.1", "10.1.0.0/16", NULL),
			 C1);
	assert_int_equal(add_gw(cfg, "C2", "192.0.2.2", "10.2.0.0/16", NULL),
			 C2);
	assert_int_equal(add_gw(cfg, "S1", "192.0.2.11",
				"10.11.0.0/16 2001:db8:11::/48", NULL),
			 S1);
	assert_int_equal(add_gw(cfg, "S2", "2001:db8::12",
				"10.12.0.0/17 10.12.128.0/17", NULL),
			 S2);
	assert_int_equal(add_gw(cfg, "S3", "192.0.2.13", "10.13.0.0/16", NULL),
			 S3);
	assert_int_equal(add_gw(cfg, "M1", "192.0.2.21", "10.21.0.0/16", NULL),
			 M1);
	assert_int_equal(add_gw(cfg, "M2", "192.0.2.22",
				"10.22.0.0/16 10.23.0.0/16", NULL),
			 M2);
	assert_int_equal(add_gw(cfg, "X1", "192.0.2.31", "10.31.0.0/16", NULL),
			 X1);
	cfg->local_gateway = C1;
	star = add_comm(cfg, "STAR", MEP_COMMUNITY_STAR, MEP_RETURN_RIM);
	fixture_list_push(&cfg->communities[star].centers, C1);
	fixture_list_push(&cfg->communities[star].centers, C2);
	fixture_list_push(&cfg->communities[star].satellites, S1);
	fixture_list_push(&cfg->communities[star].satellites, S2);
	pool = add_comm(cfg, "POOL", MEP_COMMUNITY_STAR,
			MEP_RETURN_IP_POOL_NAT);
	fixture_list_push(&cfg->communities[pool].centers, C1);
	fixture_list_push(&cfg->communities[pool].satellites, S3);
	mesh = add_comm(cfg, "MESH", MEP_COMMUNITY_MESHED, MEP_RETURN_RIM);
	fixture_list_push(&cfg->communities[mesh].members, C1);
	fixture_list_push(&cfg->communities[mesh].members, M1);
	fixture_list_push(&cfg->communities[mesh].members, M2);
}

/* Insert an up CHILD_SA to gateway gw with space-separated remote
 * selectors; gw -1: an unknown host. */
static void tun(struct tunnel_table *t, const struct mep_config *cfg,
		uint32_t ike, uint32_t id, int gw, const char *ts,
		const char *state)
{
	struct tunnel_child c;
	char buf[512], *save = NULL, *tok;

	memset(&c, 0, sizeof(c));
	c.ike_id = ike;
	c.child_id = id;
	snprintf(c.remote_host, sizeof(c.remote_host), "%s",
		 gw >= 0 ? cfg->gateways[gw].address : "203.0.113.99");
	snprintf(c.state, sizeof(c.state), "%s", state);
	snprintf(buf, sizeof(buf), "%s", ts);
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		c.remote_ts[c.n_remote_ts++] = pfx(tok);
	assert_int_equal(tunnels_upsert(t, cfg, &c, 1000), 0);
	assert_non_null(tunnels_find(t, ike, id));
	assert_int_equal(tunnels_find(t, ike, id)->gateway, gw);
}

/* The desired routes as "prefix@gateway" words, space-separated. */
static const char *desired_str(const struct mep_config *cfg,
			       const struct tunnel_table *t,
			       struct rim_ignored_list *ign)
{
	static char out[4096];
	struct rim_routes r;
	size_t len = 0;

	rim_routes_init(&r);
	assert_int_equal(rim_desired(cfg, cfg->local_gateway, t, NULL, &r, ign), 0);
	out[0] = '\0';
	for (size_t i = 0; i < r.n; i++) {
		char p[MEP_PREFIX_STRLEN];

		assert_int_equal(r.v[i].distance, cfg->rim.distance);
		assert_int_equal(r.v[i].metric, cfg->rim.metric);
		assert_int_equal(r.v[i].tag, cfg->rim.tag);
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s@%s",
					i ? " " : "",
					mep_prefix_str(&r.v[i].prefix, p,
						       sizeof(p)),
					cfg->gateways[r.v[i].gateway].name);
		assert_true(len < sizeof(out));
	}
	rim_routes_free(&r);
	return out;
}

/* The ignored list as "prefix@gateway:reason-initial" words. */
static const char *ignored_str(const struct mep_config *cfg,
			       const struct rim_ignored_list *ign)
{
	static char out[4096];
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < ign->n; i++) {
		char p[MEP_PREFIX_STRLEN];
		static const char *const why_s[] = {
			[RIM_IGNORE_UNKNOWN_PEER] = "unknown",
			[RIM_IGNORE_OUTSIDE_DOMAIN] = "outside",
			[RIM_IGNORE_WIDER_THAN_DOMAIN] = "wider",
			[RIM_IGNORE_INVALID] = "invalid",
		};
		const char *why = why_s[ign->v[i].reason];

		len += (size_t)snprintf(
			out + len, sizeof(out) - len, "%s%s@%s:%s",
			i ? " " : "",
			mep_prefix_str(&ign->v[i].prefix, p, sizeof(p)),
			ign->v[i].gateway >= 0
				? cfg->gateways[ign->v[i].gateway].name
				: "?",
			why);
		assert_true(len < sizeof(out));
	}
	return out;
}

/* ---- desired routes ---- */

static void test_inject_peer_domain(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	struct rim_ignored_list ign;

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	rim_ignored_init(&ign);
	assert_string_equal(desired_str(&cfg, &t, &ign), "");
	tun(&t, &cfg, 1, 1, S1, "10.11.0.0/16", "INSTALLED");
	assert_string_equal(desired_str(&cfg, &t, &ign), "10.11.0.0/16@S1");
	assert_int_equal(ign.n, 0);
	/* meshed peer, several selectors */
	tun(&t, &cfg, 2, 2, M2, "10.23.0.0/16 10.22.0.0/16", "INSTALLED");
	assert_string_equal(desired_str(&cfg, &t, &ign),
			    "10.11.0.0/16@S1 10.22.0.0/16@M2 "
			    "10.23.0.0/16@M2");
	/* a CHILD_SA that is not INSTALLED injects nothing */
	tun(&t, &cfg, 3, 3, M1, "10.21.0.0/16", "INSTALLING");
	assert_string_equal(desired_str(&cfg, &t, &ign),
			    "10.11.0.0/16@S1 10.22.0.0/16@M2 "
			    "10.23.0.0/16@M2");
	tun(&t, &cfg, 3, 3, M1, "10.21.0.0/16", "INSTALLED");
	assert_string_equal(desired_str(&cfg, &t, &ign),
			    "10.11.0.0/16@S1 10.21.0.0/16@M1 "
			    "10.22.0.0/16@M2 10.23.0.0/16@M2");
	/* down: gone */
	assert_int_equal(tunnels_remove_ike(&t, 2), 1);
	assert_string_equal(desired_str(&cfg, &t, &ign),
			    "10.11.0.0/16@S1 10.21.0.0/16@M1");
	/* RIM off, no local gateway, no table: nothing */
	cfg.rim.enabled = false;
	assert_string_equal(desired_str(&cfg, &t, &ign), "");
	cfg.rim.enabled = true;
	cfg.local_gateway = -1;
	assert_string_equal(desired_str(&cfg, &t, &ign), "");
	cfg.local_gateway = 99;
	assert_string_equal(desired_str(&cfg, &t, &ign), "");
	cfg.local_gateway = C1;
	assert_string_equal(desired_str(&cfg, NULL, &ign), "");
	assert_int_equal(ign.n, 0);
	rim_ignored_free(&ign);
	tunnels_free(&t);
	mep_config_free(&cfg);
}

static void test_roles(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	/* center to center of a star: no tunnel relation, nothing */
	tun(&t, &cfg, 1, 1, C2, "10.2.0.0/16", "INSTALLED");
	/* a gateway in no common community: nothing */
	tun(&t, &cfg, 2, 2, X1, "10.31.0.0/16", "INSTALLED");
	assert_string_equal(desired_str(&cfg, &t, NULL), "");
	tunnels_free(&t);
	/* the satellite role: S1 injects the centers' domains */
	cfg.local_gateway = S1;
	tunnels_init(&t);
	tun(&t, &cfg, 1, 1, C1, "10.1.0.0/16", "INSTALLED");
	tun(&t, &cfg, 2, 2, C2, "10.2.0.0/16", "INSTALLED");
	/* satellite to satellite of a star: nothing */
	tun(&t, &cfg, 3, 3, S2, "10.12.0.0/16", "INSTALLED");
	assert_string_equal(desired_str(&cfg, &t, NULL),
			    "10.1.0.0/16@C1 10.2.0.0/16@C2");
	tunnels_free(&t);
	mep_config_free(&cfg);
}

static void test_selectors_limited_to_domain(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	struct rim_ignored_list ign;

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	rim_ignored_init(&ign);
	tun(&t, &cfg, 1, 1, S1,
	    "0.0.0.0/0 10.0.0.0/8 10.11.5.0/24 10.12.0.0/16 10.10.0.0/15 "
	    "10.11.7.1/32 192.168.0.0/16",
	    "INSTALLED");
	assert_string_equal(desired_str(&cfg, &t, &ign),
			    "10.11.5.0/24@S1 10.11.7.1/32@S1");
	assert_string_equal(ignored_str(&cfg, &ign),
			    "0.0.0.0/0@S1:wider 10.0.0.0/8@S1:wider "
			    "10.10.0.0/15@S1:wider 10.12.0.0/16@S1:outside "
			    "192.168.0.0/16@S1:outside");
	assert_int_equal(ign.v[0].ike_id, 1);
	assert_int_equal(ign.v[0].child_id, 1);
	/* a selector covering exactly the union of a split domain */
	tun(&t, &cfg, 2, 2, S2, "10.12.0.0/16", "INSTALLED");
	assert_string_equal(desired_str(&cfg, &t, &ign),
			    "10.11.5.0/24@S1 10.11.7.1/32@S1 "
			    "10.12.0.0/16@S2");
	/* but not one that covers more than the union */
	tun(&t, &cfg, 3, 3, S2, "10.12.0.0/15", "INSTALLED");
	assert_string_equal(desired_str(&cfg, &t, &ign),
			    "10.11.5.0/24@S1 10.11.7.1/32@S1 "
			    "10.12.0.0/16@S2");
	assert_non_null(strstr(ignored_str(&cfg, &ign),
			       "10.12.0.0/15@S2:wider"));
	/* a peer with no vpn-domain at all injects nothing */
	cfg.gateways[M1].n_domain = 0;
	tun(&t, &cfg, 4, 4, M1, "10.21.0.0/16", "INSTALLED");
	assert_null(strstr(desired_str(&cfg, &t, &ign), "@M1"));
	assert_non_null(strstr(ignored_str(&cfg, &ign),
			       "10.21.0.0/16@M1:outside"));
	/* an invalid selector (only reachable by bypassing the table's
	 * checks) is reported, not injected */
	{
		struct tunnels_entry *e =
			(struct tunnels_entry *)tunnels_find(&t, 1, 1);

		e->ts[e->n_local_ts].len = 200;
	}
	assert_non_null(strstr(desired_str(&cfg, &t, &ign), "10.11.5.0/24"));
	assert_int_equal(ign.v[0].reason, RIM_IGNORE_INVALID);
	assert_string_equal(rim_ignore_reason_str(RIM_IGNORE_INVALID),
			    "invalid selector");
	assert_string_equal(
		rim_ignore_reason_str(RIM_IGNORE_WIDER_THAN_DOMAIN),
		"wider than the peer's vpn-domain");
	rim_ignored_free(&ign);
	tunnels_free(&t);
	mep_config_free(&cfg);
}

static void test_ipv6(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	struct rim_ignored_list ign;

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	rim_ignored_init(&ign);
	tun(&t, &cfg, 1, 1, S1,
	    "::/0 2001:db8:11:5::/64 2001:db8::/32 2001:db8:12::/48 "
	    "10.11.0.0/16",
	    "INSTALLED");
	/* IPv6 peer address (S2), IPv4 selectors */
	tun(&t, &cfg, 2, 2, S2, "10.12.128.0/17 2001:db8:12::/48",
	    "INSTALLED");
	assert_string_equal(desired_str(&cfg, &t, &ign),
			    "10.11.0.0/16@S1 10.12.128.0/17@S2 "
			    "2001:db8:11:5::/64@S1");
	assert_string_equal(ignored_str(&cfg, &ign),
			    "::/0@S1:wider 2001:db8::/32@S1:wider "
			    "2001:db8:12::/48@S1:outside "
			    "2001:db8:12::/48@S2:outside");
	rim_ignored_free(&ign);
	tunnels_free(&t);
	mep_config_free(&cfg);
}

static void test_unknown_peer(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	struct rim_ignored_list ign;

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	rim_ignored_init(&ign);
	tun(&t, &cfg, 1, 1, -1, "10.11.0.0/16 10.99.0.0/16", "INSTALLED");
	tun(&t, &cfg, 2, 2, -1, "10.11.0.0/16", "INSTALLED");
	tun(&t, &cfg, 3, 3, -1, "10.98.0.0/16", "CREATED");
	assert_string_equal(desired_str(&cfg, &t, &ign), "");
	/* listed once per selector, down tunnels not at all */
	assert_string_equal(ignored_str(&cfg, &ign),
			    "10.11.0.0/16@?:unknown 10.99.0.0/16@?:unknown");
	assert_int_equal(ign.v[0].ike_id, 1);
	/* the caller may not want the list */
	assert_string_equal(desired_str(&cfg, &t, NULL), "");
	rim_ignored_free(&ign);
	tunnels_free(&t);
	mep_config_free(&cfg);
}

static void test_ip_pool_nat(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	/* no pool on the local gateway: nothing for POOL's tunnels */
	tun(&t, &cfg, 1, 1, S3, "10.13.0.0/16", "INSTALLED");
	assert_string_equal(desired_str(&cfg, &t, NULL), "");
	assert_false(mep_nat_pool(&cfg, C1, NULL));
	/* with a pool: the pool route, from the configuration alone (no
	 * tunnel up, or no tunnel table at all), never the peer's domain */
	cfg.gateways[C1].has_pool = true;
	cfg.gateways[C1].pool = pfx("172.16.1.0/24");
	assert_true(mep_nat_pool(&cfg, C1, NULL));
	assert_string_equal(desired_str(&cfg, &t, NULL), "172.16.1.0/24@C1");
	tun(&t, &cfg, 1, 1, S3, "10.13.0.0/16", "INSTALLING");
	assert_string_equal(desired_str(&cfg, &t, NULL), "172.16.1.0/24@C1");
	assert_string_equal(desired_str(&cfg, NULL, NULL), "172.16.1.0/24@C1");
	/* tunnels of the community: still one pool route */
	tun(&t, &cfg, 1, 1, S3, "10.13.0.0/16", "INSTALLED");
	tun(&t, &cfg, 2, 2, S3, "10.13.1.0/24", "INSTALLED");
	tun(&t, &cfg, 3, 3, S1, "10.11.0.0/16", "INSTALLED");
	assert_string_equal(desired_str(&cfg, &t, NULL),
			    "10.11.0.0/16@S1 172.16.1.0/24@C1");
	assert_int_equal(tunnels_remove_ike(&t, 1), 1);
	assert_int_equal(tunnels_remove_ike(&t, 2), 1);
	assert_string_equal(desired_str(&cfg, &t, NULL),
			    "10.11.0.0/16@S1 172.16.1.0/24@C1");
	/* the STAR community switched to ip-pool-nat: the pool instead */
	cfg.communities[0].return_path = MEP_RETURN_IP_POOL_NAT;
	assert_string_equal(desired_str(&cfg, &t, NULL), "172.16.1.0/24@C1");
	/* no community with ip-pool-nat any more: withdrawn */
	cfg.communities[0].return_path = MEP_RETURN_RIM;
	cfg.communities[1].return_path = MEP_RETURN_NONE;
	assert_false(mep_nat_pool(&cfg, C1, NULL));
	assert_string_equal(desired_str(&cfg, &t, NULL), "10.11.0.0/16@S1");
	/* a satellite of an ip-pool-nat community does no NAT */
	cfg.communities[1].return_path = MEP_RETURN_IP_POOL_NAT;
	cfg.gateways[S3].has_pool = true;
	cfg.gateways[S3].pool = pfx("172.16.3.0/24");
	assert_false(mep_nat_pool(&cfg, S3, NULL));
	/* no rim block: no route (the operator routes the pool) */
	cfg.rim.enabled = false;
	assert_string_equal(desired_str(&cfg, &t, NULL), "");
	tunnels_free(&t);
	mep_config_free(&cfg);
}

static void test_duplicates_and_order(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	struct rim_routes r;

	(void)state;
	make_cfg(&cfg);
	/* M2 also owns S1's prefix (overlapping domains, implicit MEP) */
	cfg.gateways[M2].domain[1] = pfx("10.11.0.0/16");
	tunnels_init(&t);
	tun(&t, &cfg, 1, 1, M2, "10.11.0.0/16 10.22.0.0/16", "INSTALLED");
	tun(&t, &cfg, 2, 2, S1, "2001:db8:11::/48 10.11.0.0/16",
	    "INSTALLED");
	tun(&t, &cfg, 3, 3, S1, "10.11.0.0/16 10.11.0.0/24", "INSTALLED");
	/* one route per prefix, lowest gateway index (S1 < M2), sorted:
	 * IPv4 first, supernet before its subnets */
	assert_string_equal(desired_str(&cfg, &t, NULL),
			    "10.11.0.0/16@S1 10.11.0.0/24@S1 "
			    "10.22.0.0/16@M2 2001:db8:11::/48@S1");
	rim_routes_init(&r);
	assert_int_equal(rim_desired(&cfg, C1, &t, NULL, &r, NULL), 0);
	for (size_t i = 1; i < r.n; i++)
		assert_true(rim_route_cmp(&r.v[i - 1], &r.v[i]) < 0);
	/* the result does not depend on the tunnel order */
	{
		struct tunnel_table t2;
		struct rim_routes r2;

		tunnels_init(&t2);
		tun(&t2, &cfg, 3, 3, S1, "10.11.0.0/16 10.11.0.0/24",
		    "INSTALLED");
		tun(&t2, &cfg, 2, 2, S1, "2001:db8:11::/48 10.11.0.0/16",
		    "INSTALLED");
		tun(&t2, &cfg, 1, 1, M2, "10.11.0.0/16 10.22.0.0/16",
		    "INSTALLED");
		assert_int_equal(tunnels_next(&t2, &(size_t){ 0 })->ike_id, 3);
		rim_routes_init(&r2);
		assert_int_equal(rim_desired(&cfg, C1, &t2, NULL, &r2, NULL), 0);
		assert_int_equal(r2.n, r.n);
		/* field by field: the struct's padding is not part of it */
		for (size_t i = 0; i < r.n; i++) {
			assert_int_equal(rim_route_cmp(&r2.v[i], &r.v[i]), 0);
			assert_true(rim_route_same_attrs(&r2.v[i], &r.v[i]));
			assert_int_equal(r2.v[i].gateway, r.v[i].gateway);
		}
		rim_routes_free(&r2);
		tunnels_free(&t2);
	}
	rim_routes_free(&r);
	tunnels_free(&t);
	mep_config_free(&cfg);
}

/* The desired routes as "prefix@gateway:metric" words. */
static const char *metrics_str(const struct mep_config *cfg, int local,
			       const struct tunnel_table *t)
{
	static char out[4096];
	struct rim_routes r;
	size_t len = 0;

	rim_routes_init(&r);
	assert_int_equal(rim_desired(cfg, local, t, NULL, &r, NULL), 0);
	out[0] = '\0';
	for (size_t i = 0; i < r.n; i++) {
		char p[MEP_PREFIX_STRLEN];

		assert_int_equal(r.v[i].distance, cfg->rim.distance);
		assert_int_equal(r.v[i].tag, cfg->rim.tag);
		len += (size_t)snprintf(out + len, sizeof(out) - len,
					"%s%s@%s:%u", i ? " " : "",
					mep_prefix_str(&r.v[i].prefix, p,
						       sizeof(p)),
					cfg->gateways[r.v[i].gateway].name,
					(unsigned)r.v[i].metric);
		assert_true(len < sizeof(out));
	}
	rim_routes_free(&r);
	return out;
}

/* vpn-domain MEP: the community's first center injects with metric, the
 * other centers with backup-metric; everything else with metric. */
static void test_vpn_domain_metrics(void **state)
{
	struct mep_config cfg;
	struct mep_community *star;
	struct tunnel_table t;
	struct rim_routes before, after;
	struct rim_changes ch;
	int extra;

	(void)state;
	make_cfg(&cfg);
	cfg.rim.backup_metric = 300;
	star = &cfg.communities[0];
	star->mep_enabled = true;
	star->permanent_tunnels = true;
	star->method = MEP_METHOD_VPN_DOMAIN;
	tunnels_init(&t);
	tun(&t, &cfg, 1, 1, S1, "10.11.0.0/16 2001:db8:11::/48",
	    "INSTALLED");
	tun(&t, &cfg, 2, 2, S3, "10.13.0.0/16", "INSTALLED");
	tun(&t, &cfg, 3, 3, M1, "10.21.0.0/16", "INSTALLED");
	cfg.gateways[C1].has_pool = true;
	cfg.gateways[C1].pool = pfx("172.16.1.0/24");
	/* C1 is the first center: primary (its pool: metric) */
	assert_string_equal(metrics_str(&cfg, C1, &t),
			    "10.11.0.0/16@S1:7 10.21.0.0/16@M1:7 "
			    "172.16.1.0/24@C1:7 2001:db8:11::/48@S1:7");
	/* C2, the second center: backup for the satellites' prefixes */
	assert_string_equal(metrics_str(&cfg, C2, &t),
			    "10.11.0.0/16@S1:300 2001:db8:11::/48@S1:300");
	/* not vpn-domain, or MEP off: metric everywhere */
	star->method = MEP_METHOD_FIRST_TO_RESPOND;
	assert_string_equal(metrics_str(&cfg, C2, &t),
			    "10.11.0.0/16@S1:7 2001:db8:11::/48@S1:7");
	star->method = MEP_METHOD_PRIORITY_LIST;
	assert_string_equal(metrics_str(&cfg, C2, &t),
			    "10.11.0.0/16@S1:7 2001:db8:11::/48@S1:7");
	star->method = MEP_METHOD_VPN_DOMAIN;
	star->mep_enabled = false;
	assert_string_equal(metrics_str(&cfg, C2, &t),
			    "10.11.0.0/16@S1:7 2001:db8:11::/48@S1:7");
	star->mep_enabled = true;
	/* the satellite's routes to the centers' domains: metric */
	{
		struct tunnel_table ts;

		cfg.local_gateway = S1;
		tunnels_init(&ts);
		tun(&ts, &cfg, 1, 1, C1, "10.1.0.0/16", "INSTALLED");
		tun(&ts, &cfg, 2, 2, C2, "10.2.0.0/16", "INSTALLED");
		assert_string_equal(metrics_str(&cfg, S1, &ts),
				    "10.1.0.0/16@C1:7 10.2.0.0/16@C2:7");
		tunnels_free(&ts);
		cfg.local_gateway = C1;
	}

	/* configuration order decides: C2 first makes C1 the backup for
	 * the star's satellites; its pool and meshed routes keep metric */
	rim_routes_init(&before);
	rim_routes_init(&after);
	rim_changes_init(&ch);
	assert_int_equal(rim_desired(&cfg, C1, &t, NULL, &before, NULL), 0);
	star->centers.idx[0] = C2;
	star->centers.idx[1] = C1;
	assert_string_equal(metrics_str(&cfg, C1, &t),
			    "10.11.0.0/16@S1:300 10.21.0.0/16@M1:7 "
			    "172.16.1.0/24@C1:7 2001:db8:11::/48@S1:300");
	assert_string_equal(metrics_str(&cfg, C2, &t),
			    "10.11.0.0/16@S1:7 2001:db8:11::/48@S1:7");
	/* the switch is a replace of the two routes, nothing withdrawn */
	assert_int_equal(rim_desired(&cfg, C1, &t, NULL, &after, NULL), 0);
	assert_int_equal(rim_reconcile(after.v, after.n, before.v, before.n,
				       &ch),
			 0);
	assert_int_equal(ch.n, 2);
	for (size_t i = 0; i < ch.n; i++) {
		assert_int_equal(ch.v[i].op, RIM_OP_REPLACE);
		assert_int_equal(ch.v[i].old.metric, 7);
		assert_int_equal(ch.v[i].route.metric, 300);
	}
	rim_changes_free(&ch);
	rim_routes_free(&before);
	rim_routes_free(&after);

	/* a peer linked by a second, plain rim community: metric wins */
	extra = add_comm(&cfg, "PLAIN", MEP_COMMUNITY_STAR, MEP_RETURN_RIM);
	star = &cfg.communities[0];
	fixture_list_push(&cfg.communities[extra].centers, C1);
	fixture_list_push(&cfg.communities[extra].satellites, S1);
	assert_string_equal(metrics_str(&cfg, C1, &t),
			    "10.11.0.0/16@S1:7 10.21.0.0/16@M1:7 "
			    "172.16.1.0/24@C1:7 2001:db8:11::/48@S1:7");
	/* the same prefix from two peers: the lowest metric wins over the
	 * lowest gateway index (S1 backup 300, M2 meshed 7) */
	cfg.communities[extra].satellites.n = 0;
	cfg.gateways[M2].domain[1] = pfx("10.11.0.0/16");
	tun(&t, &cfg, 4, 4, M2, "10.11.0.0/16", "INSTALLED");
	assert_string_equal(metrics_str(&cfg, C1, &t),
			    "10.11.0.0/16@M2:7 10.21.0.0/16@M1:7 "
			    "172.16.1.0/24@C1:7 2001:db8:11::/48@S1:300");
	/* equal metrics: the lowest gateway index, as before */
	cfg.rim.backup_metric = 7;
	assert_string_equal(metrics_str(&cfg, C1, &t),
			    "10.11.0.0/16@S1:7 10.21.0.0/16@M1:7 "
			    "172.16.1.0/24@C1:7 2001:db8:11::/48@S1:7");
	tunnels_free(&t);
	mep_config_free(&cfg);
}

/* Compute desired and check it still holds every prefix of want. */
static void assert_keeps(const struct mep_config *cfg,
			 const struct tunnel_table *t, const char *want)
{
	assert_string_equal(desired_str(cfg, t, NULL), want);
}

static void test_rekey_never_loses_a_prefix(void **state)
{
	const char *want = "10.11.0.0/16@S1 2001:db8:11::/48@S1";
	struct mep_config cfg;
	struct tunnel_table t;
	struct tunnel_child c;
	struct rim_routes before, after;
	struct rim_changes ch;

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	rim_routes_init(&before);
	rim_routes_init(&after);
	rim_changes_init(&ch);
	tun(&t, &cfg, 1, 1, S1, "10.11.0.0/16 2001:db8:11::/48", "INSTALLED");
	assert_keeps(&cfg, &t, want);
	assert_int_equal(rim_desired(&cfg, C1, &t, NULL, &before, NULL), 0);

	/* CHILD_SA rekey, as child-rekey then child-updown report it: the
	 * new child first (INSTALLING, INSTALLED), the old one going
	 * (REKEYED, DELETING) then removed. */
	tun(&t, &cfg, 1, 2, S1, "10.11.0.0/16 2001:db8:11::/48", "INSTALLING");
	assert_keeps(&cfg, &t, want);
	tun(&t, &cfg, 1, 2, S1, "10.11.0.0/16 2001:db8:11::/48", "INSTALLED");
	assert_keeps(&cfg, &t, want);
	tun(&t, &cfg, 1, 1, S1, "10.11.0.0/16 2001:db8:11::/48", "REKEYED");
	assert_keeps(&cfg, &t, want);
	tun(&t, &cfg, 1, 1, S1, "10.11.0.0/16 2001:db8:11::/48", "DELETING");
	assert_keeps(&cfg, &t, want);
	assert_int_equal(tunnels_remove_child(&t, 1, 1), 1);
	assert_keeps(&cfg, &t, want);

	/* IKE_SA rekey: the children move to a new IKE_SA (new ids), the
	 * old IKE_SA is then deleted with all its children. */
	tun(&t, &cfg, 2, 3, S1, "10.11.0.0/16 2001:db8:11::/48", "INSTALLED");
	assert_keeps(&cfg, &t, want);
	assert_int_equal(tunnels_remove_ike(&t, 1), 1);
	assert_keeps(&cfg, &t, want);

	/* a resync in the middle lists only the new child */
	tunnels_resync_begin(&t);
	assert_keeps(&cfg, &t, want);
	tun(&t, &cfg, 2, 3, S1, "10.11.0.0/16 2001:db8:11::/48", "INSTALLED");
	assert_int_equal(tunnels_resync_end(&t), 0);
	assert_keeps(&cfg, &t, want);

	/* and the route set never changed: reconciling is a no-op */
	assert_int_equal(rim_desired(&cfg, C1, &t, NULL, &after, NULL), 0);
	assert_int_equal(rim_reconcile(after.v, after.n, before.v, before.n,
				       &ch),
			 0);
	assert_int_equal(ch.n, 0);
	rim_changes_free(&ch);
	rim_routes_free(&before);
	rim_routes_free(&after);
	(void)c;
	tunnels_free(&t);
	mep_config_free(&cfg);
}

/* ---- reconciliation ---- */

static struct rim_route route(const char *p, uint32_t metric)
{
	struct rim_route r = {
		.prefix = pfx(p),
		.gateway = -1,
		.distance = 20,
		.metric = metric,
		.tag = 0,
	};

	return r;
}

static void test_reconcile_noop(void **state)
{
	struct rim_route d[] = { route("10.1.0.0/16", 10),
				 route("2001:db8::/32", 10),
				 route("10.0.0.0/8", 10) };
	struct rim_route in[] = { route("2001:db8::/32", 10),
				  route("10.0.0.0/8", 10),
				  route("10.1.0.0/16", 10) };
	struct rim_changes ch;

	(void)state;
	rim_changes_init(&ch);
	assert_int_equal(rim_reconcile(d, 3, in, 3, &ch), 0);
	assert_int_equal(ch.n, 0);
	/* gateway is not compared */
	in[0].gateway = 5;
	assert_int_equal(rim_reconcile(d, 3, in, 3, &ch), 0);
	assert_int_equal(ch.n, 0);
	assert_int_equal(rim_reconcile(NULL, 0, NULL, 0, &ch), 0);
	assert_int_equal(ch.n, 0);
	rim_changes_free(&ch);
}

static void test_reconcile_replace(void **state)
{
	struct rim_route d[] = { route("10.1.0.0/16", 10),
				 route("10.2.0.0/16", 10),
				 route("10.3.0.0/16", 10) };
	struct rim_route in[] = { route("10.1.0.0/16", 10),
				  route("10.2.0.0/16", 99),
				  route("10.3.0.0/16", 10) };
	struct rim_changes ch;

	(void)state;
	rim_changes_init(&ch);
	assert_int_equal(rim_reconcile(d, 3, in, 3, &ch), 0);
	assert_int_equal(ch.n, 1);
	assert_int_equal(ch.v[0].op, RIM_OP_REPLACE);
	assert_true(mep_prefix_equal(&ch.v[0].route.prefix, &d[1].prefix));
	assert_int_equal(ch.v[0].route.metric, 10);
	assert_int_equal(ch.v[0].old.metric, 99);
	/* distance and tag count as attributes too */
	in[1].metric = 10;
	in[0].distance = 1;
	in[2].tag = 7;
	assert_int_equal(rim_reconcile(d, 3, in, 3, &ch), 0);
	assert_int_equal(ch.n, 2);
	assert_int_equal(ch.v[0].op, RIM_OP_REPLACE);
	assert_int_equal(ch.v[0].old.distance, 1);
	assert_int_equal(ch.v[1].op, RIM_OP_REPLACE);
	assert_int_equal(ch.v[1].old.tag, 7);
	assert_int_equal(ch.v[1].route.tag, 0);
	rim_changes_free(&ch);
}

static void test_reconcile_exact_sets(void **state)
{
	struct rim_route d[] = { route("10.5.0.0/16", 10),
				 route("10.1.0.0/16", 10),
				 route("2001:db8:1::/48", 10),
				 route("10.1.0.0/16", 30), /* repeat: first */
				 route("10.4.0.0/16", 10) };
	struct rim_route in[] = { route("10.9.0.0/16", 10),
				  route("10.1.0.0/16", 10),
				  route("2001:db8:2::/48", 10),
				  route("10.4.0.0/16", 50),
				  route("10.4.0.0/16", 10), /* kernel copy */
				  route("10.1.0.0/24", 10) };
	struct rim_changes ch;
	char p[MEP_PREFIX_STRLEN];

	(void)state;
	rim_changes_init(&ch);
	assert_int_equal(rim_reconcile(d, 5, in, 6, &ch), 0);
	/* adds first, then deletes, each by prefix */
	assert_int_equal(ch.n, 6);
	assert_int_equal(ch.v[0].op, RIM_OP_ADD);
	assert_string_equal(mep_prefix_str(&ch.v[0].route.prefix, p,
					   sizeof(p)),
			    "10.5.0.0/16");
	assert_int_equal(ch.v[1].op, RIM_OP_ADD);
	assert_string_equal(mep_prefix_str(&ch.v[1].route.prefix, p,
					   sizeof(p)),
			    "2001:db8:1::/48");
	assert_int_equal(ch.v[2].op, RIM_OP_DELETE);
	assert_string_equal(mep_prefix_str(&ch.v[2].route.prefix, p,
					   sizeof(p)),
			    "10.1.0.0/24");
	/* the extra copy of a desired prefix goes; the matching one stays */
	assert_int_equal(ch.v[3].op, RIM_OP_DELETE);
	assert_string_equal(mep_prefix_str(&ch.v[3].route.prefix, p,
					   sizeof(p)),
			    "10.4.0.0/16");
	assert_int_equal(ch.v[3].route.metric, 50);
	assert_int_equal(ch.v[4].op, RIM_OP_DELETE);
	assert_string_equal(mep_prefix_str(&ch.v[4].route.prefix, p,
					   sizeof(p)),
			    "10.9.0.0/16");
	assert_int_equal(ch.v[5].op, RIM_OP_DELETE);
	assert_string_equal(mep_prefix_str(&ch.v[5].route.prefix, p,
					   sizeof(p)),
			    "2001:db8:2::/48");
	/* everything from nothing, nothing from everything */
	assert_int_equal(rim_reconcile(d, 5, NULL, 0, &ch), 0);
	assert_int_equal(ch.n, 4);
	for (size_t i = 0; i < ch.n; i++)
		assert_int_equal(ch.v[i].op, RIM_OP_ADD);
	assert_int_equal(ch.v[0].route.metric, 10); /* first of the repeat */
	assert_int_equal(rim_reconcile(NULL, 0, in, 6, &ch), 0);
	assert_int_equal(ch.n, 6);
	for (size_t i = 0; i < ch.n; i++)
		assert_int_equal(ch.v[i].op, RIM_OP_DELETE);
	rim_changes_free(&ch);
}

/* A small universe so that random sets share many prefixes. */
static struct rim_route random_route(unsigned *seed)
{
	struct rim_route r;
	unsigned v = (unsigned)rand_r(seed);

	memset(&r, 0, sizeof(r));
	r.gateway = -1;
	if (v & 1) {
		r.prefix.family = AF_INET;
		r.prefix.addr[0] = 10;
		r.prefix.addr[1] = (uint8_t)((v >> 1) % 24);
		r.prefix.len = 16;
	} else {
		r.prefix.family = AF_INET6;
		r.prefix.addr[0] = 0x20;
		r.prefix.addr[1] = 0x01;
		r.prefix.addr[5] = (uint8_t)((v >> 1) % 24);
		r.prefix.len = 48;
	}
	r.metric = (v >> 8) % 3;
	r.distance = (uint8_t)(20 + (v >> 10) % 2);
	r.tag = (v >> 12) % 2;
	return r;
}

static bool route_equal(const struct rim_route *a, const struct rim_route *b)
{
	return mep_prefix_equal(&a->prefix, &b->prefix) &&
	       rim_route_same_attrs(a, b);
}

/* Index of a route exactly equal to r in v, or -1. */
static long find_exact(const struct rim_route *v, size_t n,
		       const struct rim_route *r)
{
	for (size_t i = 0; i < n; i++)
		if (route_equal(&v[i], r))
			return (long)i;
	return -1;
}

static bool has_prefix(const struct rim_route *v, size_t n,
		       const struct mep_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (mep_prefix_equal(&v[i].prefix, p))
			return true;
	return false;
}

static void test_reconcile_random(void **state)
{
	unsigned seed = 20240601;

	(void)state;
	for (int round = 0; round < 300; round++) {
		struct rim_route d[64], in[64], sim[128], want[64];
		size_t nd = (size_t)rand_r(&seed) % 64;
		size_t ni = (size_t)rand_r(&seed) % 64;
		size_t ns, nw = 0, expect = 0;
		struct rim_changes ch;

		for (size_t i = 0; i < nd; i++)
			d[i] = random_route(&seed);
		for (size_t i = 0; i < ni; i++)
			in[i] = random_route(&seed);
		/* desired as a set: the first of each prefix */
		for (size_t i = 0; i < nd; i++)
			if (!has_prefix(want, nw, &d[i].prefix))
				want[nw++] = d[i];
		/* the fewest changes possible: every installed route that is
		 * not an exact desired one goes or is replaced (one change),
		 * every desired prefix with no exact copy needs one change,
		 * shared when a same-prefix route is replaced */
		{
			bool used[64] = { false };

			for (size_t w = 0; w < nw; w++) {
				long k = -1;

				for (size_t i = 0; i < ni && k < 0; i++)
					if (!used[i] && route_equal(&in[i],
								    &want[w]))
						k = (long)i;
				if (k >= 0)
					used[k] = true;
				else
					expect++;
				if (k < 0) {
					for (size_t i = 0; i < ni; i++)
						if (!used[i] &&
						    mep_prefix_equal(
							    &in[i].prefix,
							    &want[w].prefix)) {
							used[i] = true;
							break;
						}
				}
			}
			for (size_t i = 0; i < ni; i++)
				if (!used[i])
					expect++;
		}
		rim_changes_init(&ch);
		assert_int_equal(rim_reconcile(d, nd, in, ni, &ch), 0);
		assert_int_equal(ch.n, expect);
		/* apply the changes to a copy of installed */
		memcpy(sim, in, ni * sizeof(*in));
		ns = ni;
		for (size_t c = 0; c < ch.n; c++) {
			const struct rim_change *x = &ch.v[c];
			long k;

			switch (x->op) {
			case RIM_OP_ADD:
				assert_false(has_prefix(sim, ns,
							&x->route.prefix));
				sim[ns++] = x->route;
				break;
			case RIM_OP_REPLACE:
				assert_true(mep_prefix_equal(&x->old.prefix,
							     &x->route.prefix));
				k = find_exact(sim, ns, &x->old);
				assert_true(k >= 0);
				assert_int_equal(find_exact(sim, ns,
							    &x->route),
						 -1);
				sim[k] = x->route;
				break;
			case RIM_OP_DELETE:
				/* deletes come after every add/replace */
				for (size_t e = c; e < ch.n; e++)
					assert_int_equal(ch.v[e].op,
							 RIM_OP_DELETE);
				k = find_exact(sim, ns, &x->route);
				assert_true(k >= 0);
				sim[k] = sim[--ns];
				/* never the last copy of a desired prefix */
				if (has_prefix(want, nw, &x->route.prefix))
					assert_true(has_prefix(
						sim, ns, &x->route.prefix));
				break;
			}
		}
		/* the result is exactly desired */
		assert_int_equal(ns, nw);
		for (size_t w = 0; w < nw; w++)
			assert_true(find_exact(sim, ns, &want[w]) >= 0);
		/* and reconciling again is a no-op */
		assert_int_equal(rim_reconcile(d, nd, sim, ns, &ch), 0);
		assert_int_equal(ch.n, 0);
		rim_changes_free(&ch);
	}
}

static void mask_v4(struct mep_prefix *p)
{
	uint32_t a = (uint32_t)p->addr[0] << 24 | (uint32_t)p->addr[1] << 16 |
		     (uint32_t)p->addr[2] << 8 | p->addr[3];

	a &= p->len ? ~(uint32_t)0 << (32 - p->len) : 0;
	for (int i = 0; i < 4; i++)
		p->addr[i] = (uint8_t)(a >> (24 - 8 * i));
}

/* Is the first (or last) IPv4 address of p in one of g's prefixes? */
static bool in_domain(const struct mep_gateway *g, const struct mep_prefix *p,
		      bool last)
{
	struct mep_addr x = { .family = AF_INET };
	uint32_t a = (uint32_t)p->addr[0] << 24 | (uint32_t)p->addr[1] << 16 |
		     (uint32_t)p->addr[2] << 8 | p->addr[3];

	if (last)
		a |= p->len ? ~(~(uint32_t)0 << (32 - p->len)) : ~(uint32_t)0;
	for (int i = 0; i < 4; i++)
		x.addr[i] = (uint8_t)(a >> (24 - 8 * i));
	for (size_t k = 0; k < g->n_domain; k++)
		if (mep_prefix_contains(&g->domain[k], &x))
			return true;
	return false;
}

static void test_desired_random(void **state)
{
	unsigned seed = 7;
	struct mep_config cfg;
	struct rim_ignored_list ign;
	struct rim_routes r;

	(void)state;
	make_cfg(&cfg);
	rim_ignored_init(&ign);
	rim_routes_init(&r);
	for (int round = 0; round < 200; round++) {
		struct tunnel_table t;
		const struct tunnels_entry *e;
		const int peers[] = { S1, S2, M1, M2, -1 };

		tunnels_init(&t);
		for (uint32_t i = 0; i < 6; i++) {
			struct tunnel_child c;
			int gw = peers[rand_r(&seed) % 5];

			memset(&c, 0, sizeof(c));
			c.ike_id = i;
			c.child_id = i;
			snprintf(c.remote_host, sizeof(c.remote_host), "%s",
				 gw >= 0 ? cfg.gateways[gw].address
					 : "203.0.113.1");
			snprintf(c.state, sizeof(c.state), "INSTALLED");
			c.n_remote_ts = (size_t)rand_r(&seed) % 5;
			for (size_t s = 0; s < c.n_remote_ts; s++) {
				struct mep_prefix *p = &c.remote_ts[s];

				p->family = AF_INET;
				p->len = (uint8_t)(rand_r(&seed) % 25);
				p->addr[0] = 10;
				p->addr[1] = (uint8_t)(rand_r(&seed) % 32);
				p->addr[2] = (uint8_t)rand_r(&seed);
				p->addr[3] = 0;
				mask_v4(p);
			}
			assert_int_equal(tunnels_upsert(&t, &cfg, &c, 1), 0);
		}
		assert_int_equal(rim_desired(&cfg, C1, &t, NULL, &r, &ign), 0);
		/* every route lies within its gateway's domain */
		for (size_t i = 0; i < r.n; i++) {
			const struct mep_gateway *g;

			assert_true(r.v[i].gateway >= 0);
			g = &cfg.gateways[r.v[i].gateway];
			/* each test domain is one contiguous block, so the
			 * first and the last address suffice */
			assert_true(in_domain(g, &r.v[i].prefix, false));
			assert_true(in_domain(g, &r.v[i].prefix, true));
		}
		/* every selector of every tunnel is routed or ignored */
		for (size_t pos = 0, s = 0;
		     (e = tunnels_next(&t, &pos)) != NULL;)
			for (s = 0; s < e->n_remote_ts; s++) {
				const struct mep_prefix *p =
					&tunnels_entry_remote_ts(e)[s];
				bool found = false;

				for (size_t k = 0; k < r.n && !found; k++)
					found = mep_prefix_equal(
						&r.v[k].prefix, p);
				for (size_t k = 0; k < ign.n && !found; k++)
					found = mep_prefix_equal(
						&ign.v[k].prefix, p);
				assert_true(found);
			}
		tunnels_free(&t);
	}
	rim_routes_free(&r);
	rim_ignored_free(&ign);
	mep_config_free(&cfg);
}

/* rim_desired_of() over tunnels ids gives what rim_desired() would for a
 * table of those tunnels alone; over all of them, exactly rim_desired(). */
static void test_desired_of(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	struct rim_routes all, some;
	uint8_t *links;
	const struct tunnels_id ids[] = { { 1, 1 }, { 2, 2 }, { 3, 3 },
					  { 4, 4 }, { 5, 5 }, { 6, 6 },
					  { 99, 99 } };
	char p[MEP_PREFIX_STRLEN];

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	rim_routes_init(&all);
	rim_routes_init(&some);
	tun(&t, &cfg, 1, 1, S1, "10.11.1.0/24 10.11.2.0/24", "INSTALLED");
	tun(&t, &cfg, 2, 2, S2, "10.12.0.0/16 0.0.0.0/0", "INSTALLED");
	tun(&t, &cfg, 3, 3, S3, "10.13.0.0/16", "INSTALLED");
	tun(&t, &cfg, 4, 4, M1, "10.21.5.0/24", "REKEYING");
	tun(&t, &cfg, 5, 5, M2, "10.22.0.0/16", "INSTALLED");
	tun(&t, &cfg, 6, 6, -1, "10.99.0.0/16", "INSTALLED");
	links = rim_link_table(&cfg, C1);
	assert_non_null(links);
	assert_null(rim_link_table(&cfg, -1));
	/* one tunnel: its selectors within the domain, 0.0.0.0/0 dropped */
	assert_int_equal(rim_desired_of(&cfg, C1, links, &t, NULL, &ids[1], 1,
					&some),
			 0);
	assert_int_equal(some.n, 1);
	assert_string_equal(mep_prefix_str(&some.v[0].prefix, p, sizeof(p)),
			    "10.12.0.0/16");
	assert_int_equal(some.v[0].metric, cfg.rim.metric);
	assert_int_equal(some.v[0].distance, cfg.rim.distance);
	assert_int_equal(some.v[0].tag, cfg.rim.tag);
	/* ip-pool-nat (the pool route is rim_desired()'s alone), a tunnel
	 * not up, an unknown peer or an id not in the table: nothing */
	assert_int_equal(rim_desired_of(&cfg, C1, links, &t, NULL, &ids[2], 1,
					&some),
			 0);
	assert_int_equal(some.n, 0);
	assert_int_equal(rim_desired_of(&cfg, C1, links, &t, NULL, &ids[3], 1,
					&some),
			 0);
	assert_int_equal(some.n, 0);
	assert_int_equal(rim_desired_of(&cfg, C1, links, &t, NULL, &ids[5], 2,
					&some),
			 0);
	assert_int_equal(some.n, 0);
	/* every id: the same routes as rim_desired(), field by field */
	assert_int_equal(rim_desired(&cfg, C1, &t, NULL, &all, NULL), 0);
	assert_int_equal(rim_desired_of(&cfg, C1, links, &t, NULL, ids,
					sizeof(ids) / sizeof(ids[0]), &some),
			 0);
	assert_int_equal(some.n, all.n);
	assert_int_equal(all.n, 4);
	for (size_t i = 0; i < all.n; i++) {
		assert_true(mep_prefix_equal(&some.v[i].prefix,
					     &all.v[i].prefix));
		assert_int_equal(some.v[i].gateway, all.v[i].gateway);
		assert_int_equal(some.v[i].metric, all.v[i].metric);
	}
	/* RIM off: nothing */
	cfg.rim.enabled = false;
	assert_int_equal(rim_desired_of(&cfg, C1, links, &t, NULL, ids, 3, &some),
			 0);
	assert_int_equal(some.n, 0);
	free(links);
	rim_routes_free(&all);
	rim_routes_free(&some);
	tunnels_free(&t);
	mep_config_free(&cfg);
}

/* rim_routes_lay_over(): base with over laid on it, in place, sorted;
 * and rim_route_search() in it. */
static void build(struct rim_routes *r, const char *const *s, size_t n,
		  uint32_t metric)
{
	r->n = 0;
	for (size_t i = 0; i < n; i++) {
		struct rim_route x = { .prefix = pfx(s[i]), .metric = metric };

		assert_int_equal(rim_routes_add(r, &x), 0);
	}
}

static void test_routes_lay_over(void **state)
{
	static const char *const base_s[] = { "10.1.0.0/24", "10.2.0.0/24",
					      "10.4.0.0/24", "2001:db8::/48" };
	static const char *const over_s[] = { "10.0.0.0/24", "10.2.0.0/24",
					      "10.5.0.0/24" };
	static const char *const want[] = { "10.0.0.0/24", "10.1.0.0/24",
					    "10.2.0.0/24", "10.4.0.0/24",
					    "10.5.0.0/24", "2001:db8::/48" };
	static const char *const all_s[] = { "10.1.0.0/24", "10.2.0.0/24" };
	struct rim_routes base, over;
	char p[MEP_PREFIX_STRLEN];
	unsigned int seed = 11;

	(void)state;
	rim_routes_init(&base);
	rim_routes_init(&over);
	build(&base, base_s, 4, 1);
	build(&over, over_s, 3, 2);
	assert_int_equal(rim_routes_lay_over(&base, &over), 0);
	assert_int_equal(base.n, 6);
	for (size_t i = 0; i < base.n; i++) {
		bool from_over = i == 0 || i == 2 || i == 4;

		assert_string_equal(mep_prefix_str(&base.v[i].prefix, p,
						   sizeof(p)),
				    want[i]);
		assert_int_equal(base.v[i].metric, from_over ? 2 : 1);
	}
	/* and each found where it is; a prefix not there, or of another
	 * length, not found */
	for (size_t i = 0; i < base.n; i++)
		assert_int_equal(rim_route_search(base.v, base.n,
						  &base.v[i].prefix),
				 (long)i);
	{
		struct mep_prefix miss = pfx("10.3.0.0/24");
		struct mep_prefix longer = pfx("10.2.0.0/25");

		assert_int_equal(rim_route_search(base.v, base.n, &miss), -1);
		assert_int_equal(rim_route_search(base.v, base.n, &longer),
				 -1);
		assert_int_equal(rim_route_search(base.v, 0, &miss), -1);
	}
	/* either side empty; over equal to base (every prefix a gap) */
	base.n = 0;
	assert_int_equal(rim_routes_lay_over(&base, &over), 0);
	assert_int_equal(base.n, 3);
	over.n = 0;
	assert_int_equal(rim_routes_lay_over(&base, &over), 0);
	assert_int_equal(base.n, 3);
	build(&base, all_s, 2, 1);
	build(&over, all_s, 2, 2);
	assert_int_equal(rim_routes_lay_over(&base, &over), 0);
	assert_int_equal(base.n, 2);
	assert_int_equal(base.v[0].metric, 2);
	assert_int_equal(base.v[1].metric, 2);
	/* random sets against a plain count: sorted, no repeats, over wins */
	for (int round = 0; round < 200; round++) {
		bool in_base[64] = { false }, in_over[64] = { false };
		size_t want_n = 0;

		base.n = over.n = 0;
		for (unsigned int k = 0; k < 64; k++) {
			struct rim_route x = { .prefix = pfx("10.0.0.0/24") };

			x.prefix.addr[1] = (uint8_t)k;
			in_base[k] = rand_r(&seed) % 3 == 0;
			in_over[k] = rand_r(&seed) % 3 == 0;
			x.metric = 1;
			if (in_base[k])
				assert_int_equal(rim_routes_add(&base, &x), 0);
			x.metric = 2;
			if (in_over[k])
				assert_int_equal(rim_routes_add(&over, &x), 0);
			want_n += in_base[k] || in_over[k];
		}
		assert_int_equal(rim_routes_lay_over(&base, &over), 0);
		assert_int_equal(base.n, want_n);
		for (size_t i = 0; i < base.n; i++) {
			unsigned int k = base.v[i].prefix.addr[1];

			if (i)
				assert_true(rim_prefix_cmp(&base.v[i - 1].prefix,
							   &base.v[i].prefix) <
					    0);
			assert_int_equal(base.v[i].metric,
					 in_over[k] ? 2 : 1);
		}
	}
	rim_routes_free(&base);
	rim_routes_free(&over);
}

/* A silent satellite's selectors are not injected but listed in ignored
 * with the reason "satellite silent" (by rim_desired_of too); a selector
 * ignored for another reason keeps it; other peers are untouched. */
static void test_desired_silent(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	struct rim_routes r;
	struct rim_ignored_list ign;
	uint8_t *links, *silent;
	const struct tunnels_id ids[] = { { 1, 1 }, { 2, 2 }, { 3, 3 } };
	char p[MEP_PREFIX_STRLEN];
	size_t n_silent = 0;

	(void)state;
	make_cfg(&cfg);
	/* C1's pool: its route (IP Pool NAT) never depends on silence */
	cfg.gateways[C1].has_pool = true;
	cfg.gateways[C1].pool = pfx("172.16.1.0/24");
	tunnels_init(&t);
	rim_routes_init(&r);
	rim_ignored_init(&ign);
	tun(&t, &cfg, 1, 1, S1, "10.11.1.0/24 10.11.2.0/24", "INSTALLED");
	tun(&t, &cfg, 2, 2, S2, "10.12.0.0/16 0.0.0.0/0", "INSTALLED");
	tun(&t, &cfg, 3, 3, S3, "10.13.0.0/16", "INSTALLED");
	silent = calloc(cfg.n_gateways, 1);
	assert_non_null(silent);
	/* nobody silent: the same as NULL */
	assert_int_equal(rim_desired(&cfg, C1, &t, silent, &r, &ign), 0);
	assert_int_equal(r.n, 4);
	silent[S1] = 1;
	silent[S2] = 1;
	assert_int_equal(rim_desired(&cfg, C1, &t, silent, &r, &ign), 0);
	/* S3's route and the pool of the ip-pool-nat link stay */
	for (size_t i = 0; i < r.n; i++)
		assert_true(r.v[i].gateway != S1 && r.v[i].gateway != S2);
	for (size_t i = 0; i < ign.n; i++) {
		mep_prefix_str(&ign.v[i].prefix, p, sizeof(p));
		if (ign.v[i].reason == RIM_IGNORE_SATELLITE_SILENT) {
			n_silent++;
			assert_true(ign.v[i].gateway == S1 ||
				    ign.v[i].gateway == S2);
			assert_string_not_equal(p, "0.0.0.0/0");
		}
		if (strcmp(p, "0.0.0.0/0") == 0)
			assert_int_equal(ign.v[i].reason,
					 RIM_IGNORE_WIDER_THAN_DOMAIN);
	}
	assert_int_equal(n_silent, 3);
	assert_string_equal(rim_ignore_reason_str(RIM_IGNORE_SATELLITE_SILENT),
			    "satellite silent");
	/* per peer: S1, S2 silent; S3 is no rim peer (ip-pool-nat); M1's
	 * tunnel is not up (none in this table) */
	{
		enum rim_peer_state st[16];

		assert_true(cfg.n_gateways <= 16);
		assert_int_equal(rim_peer_states(&cfg, C1, &t, silent, st), 0);
		assert_int_equal(st[S1], RIM_PEER_SILENT);
		assert_int_equal(st[S2], RIM_PEER_SILENT);
		assert_int_equal(st[S3], RIM_PEER_NONE);
		assert_int_equal(st[M1], RIM_PEER_TUNNEL_DOWN);
		assert_int_equal(st[C1], RIM_PEER_NONE);
		assert_string_equal(rim_peer_state_str(st[M1]), "tunnel down");
		assert_int_equal(rim_peer_states(&cfg, C1, &t, NULL, st), 0);
		assert_int_equal(st[S1], RIM_PEER_TUNNEL_UP);
		assert_int_equal(rim_peer_states(&cfg, -1, &t, NULL, st), 0);
		assert_int_equal(st[S1], RIM_PEER_NONE);
	}
	/* the streamed form agrees */
	links = rim_link_table(&cfg, C1);
	assert_non_null(links);
	assert_int_equal(rim_desired_of(&cfg, C1, links, &t, silent, ids, 1,
					&r),
			 0);
	assert_int_equal(r.n, 0);
	silent[S1] = 0;
	assert_int_equal(rim_desired_of(&cfg, C1, links, &t, silent, ids, 1,
					&r),
			 0);
	assert_int_equal(r.n, 2);
	free(links);
	free(silent);
	rim_ignored_free(&ign);
	rim_routes_free(&r);
	tunnels_free(&t);
	mep_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inject_peer_domain),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_selectors_limited_to_domain),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_unknown_peer),
		cmocka_unit_test(test_ip_pool_nat),
		cmocka_unit_test(test_duplicates_and_order),
		cmocka_unit_test(test_vpn_domain_metrics),
		cmocka_unit_test(test_rekey_never_loses_a_prefix),
		cmocka_unit_test(test_reconcile_noop),
		cmocka_unit_test(test_reconcile_replace),
		cmocka_unit_test(test_reconcile_exact_sets),
		cmocka_unit_test(test_reconcile_random),
		cmocka_unit_test(test_desired_random),
		cmocka_unit_test(test_desired_of),
		cmocka_unit_test(test_desired_silent),
		cmocka_unit_test(test_routes_lay_over),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
