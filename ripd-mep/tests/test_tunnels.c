/* test_tunnels: unit tests of the tunnel table (tunnels.c): peer matching
 * by address (IPv4, IPv6 textual variants, DNS names), by identity and by
 * IKE connection, unknown peers, since, resync mark and sweep, removal,
 * re-matching and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "../config.h"
#include "../prefix.h"
#include "../tunnels.h"

/* ---- fixtures ---- */

static void *xrealloc(void *p, size_t n)
{
	void *r = realloc(p, n);

	assert_non_null(r);
	return r;
}

static int add_gw(struct mep_config *cfg, const char *name,
		  const char *address, const char *ike)
{
	struct mep_gateway *g;

	cfg->gateways =
		xrealloc(cfg->gateways, (cfg->n_gateways + 1) * sizeof(*g));
	g = &cfg->gateways[cfg->n_gateways];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	snprintf(g->address, sizeof(g->address), "%s", address ? address : "");
	snprintf(g->ike_connection, sizeof(g->ike_connection), "%s",
		 ike ? ike : "");
	return (int)cfg->n_gateways++;
}

/* Gateways: 0 C1 (local), 1 S1 v4, 2 S2 v6, 3 S3 DNS name, 4 S4 no
 * address but an ike-connection. */
static void make_cfg(struct mep_config *cfg)
{
	mep_config_init(cfg);
	add_gw(cfg, "C1", "192.0.2.1", "c1");
	add_gw(cfg, "S1", "192.0.2.11", NULL);
	add_gw(cfg, "S2", "2001:db8::1", NULL);
	add_gw(cfg, "S3", "s3.example.net", NULL);
	add_gw(cfg, "S4", NULL, "to-s4");
	cfg->local_gateway = 0;
}

static struct tunnel_child child(uint32_t ike, uint32_t id, const char *host,
				 const char *rid, const char *state)
{
	struct tunnel_child c;

	memset(&c, 0, sizeof(c));
	c.ike_id = ike;
	c.child_id = id;
	snprintf(c.remote_host, sizeof(c.remote_host), "%s", host);
	snprintf(c.remote_id, sizeof(c.remote_id), "%s", rid);
	snprintf(c.state, sizeof(c.state), "%s", state);
	snprintf(c.ike_name, sizeof(c.ike_name), "conn%u", ike);
	snprintf(c.child_name, sizeof(c.child_name), "net");
	return c;
}

static void add_ts(struct tunnel_child *c, const char *prefix)
{
	assert_true(c->n_remote_ts < TUNNEL_MAX_TS);
	assert_int_equal(mep_prefix_parse(prefix,
					  &c->remote_ts[c->n_remote_ts], NULL),
			 0);
	c->n_remote_ts++;
}

/* Upsert c into an empty table and return the matched gateway. */
static int match_one(const struct mep_config *cfg, const struct tunnel_child *c)
{
	struct tunnel_table t;
	int gw;

	tunnels_init(&t);
	assert_int_equal(tunnels_upsert(&t, cfg, c, 100), 0);
	assert_int_equal(t.n, 1);
	gw = t.v[0].gateway;
	tunnels_free(&t);
	return gw;
}

static struct tunnel_child *find(struct tunnel_table *t, uint32_t ike,
				 uint32_t id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].ike_id == ike && t->v[i].child_id == id)
			return &t->v[i];
	return NULL;
}

/* ---- tests ---- */

static void test_match_address_v4(void **state)
{
	struct mep_config cfg;
	struct tunnel_child c;

	(void)state;
	make_cfg(&cfg);
	c = child(1, 1, "192.0.2.11", "", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), 1);
	c = child(1, 1, "192.0.2.12", "", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), -1);
	/* a prefix of the text is not the address */
	c = child(1, 1, "192.0.2.1", "", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), -1); /* local gateway */
	mep_config_free(&cfg);
}

static void test_match_address_v6_variants(void **state)
{
	const char *same[] = { "2001:db8::1", "2001:0db8::0001",
			       "2001:db8:0:0:0:0:0:1", "2001:DB8::1" };
	const char *other[] = { "2001:db8::2", "2001:db8:1::1", "::1",
				"192.0.2.1" };
	struct mep_config cfg;
	struct tunnel_child c;

	(void)state;
	make_cfg(&cfg);
	for (size_t i = 0; i < sizeof(same) / sizeof(*same); i++) {
		c = child(1, 1, same[i], "", "INSTALLED");
		assert_int_equal(match_one(&cfg, &c), 2);
	}
	for (size_t i = 0; i < sizeof(other) / sizeof(*other); i++) {
		c = child(1, 1, other[i], "", "INSTALLED");
		assert_int_equal(match_one(&cfg, &c), -1);
	}
	/* the configured text may be the long form too */
	snprintf(cfg.gateways[2].address, sizeof(cfg.gateways[2].address),
		 "2001:0DB8:0000::0001");
	c = child(1, 1, "2001:db8::1", "", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), 2);
	mep_config_free(&cfg);
}

static void test_match_identity(void **state)
{
	struct mep_config cfg;
	struct tunnel_child c;

	(void)state;
	make_cfg(&cfg);
	/* behind NAT: the host is not configured, the identity is a name */
	c = child(1, 1, "198.51.100.9", "S1", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), 1);
	/* identity equal to a DNS-name address, case-insensitively */
	c = child(1, 1, "198.51.100.9", "S3.Example.NET", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), 3);
	c = child(1, 1, "198.51.100.9", "@s3.example.net", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), 3);
	/* identity that is an IP literal, another textual form */
	c = child(1, 1, "198.51.100.9", "2001:db8:0::1", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), 2);
	/* names are case-sensitive (gateway names are identifiers) */
	c = child(1, 1, "198.51.100.9", "s1", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), -1);
	/* the DNS name compared with the remote host as well */
	c = child(1, 1, "S3.example.net", "", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), 3);
	/* the local gateway's name is never a peer */
	c = child(1, 1, "198.51.100.9", "C1", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), -1);
	mep_config_free(&cfg);
}

static void test_match_ike_connection_and_order(void **state)
{
	struct mep_config cfg;
	struct tunnel_child c;

	(void)state;
	make_cfg(&cfg);
	c = child(1, 1, "198.51.100.9", "unknown.example", "INSTALLED");
	snprintf(c.ike_name, sizeof(c.ike_name), "to-s4");
	assert_int_equal(match_one(&cfg, &c), 4);
	/* the address wins over the identity and the connection name */
	c = child(1, 1, "192.0.2.11", "S3", "INSTALLED");
	snprintf(c.ike_name, sizeof(c.ike_name), "to-s4");
	assert_int_equal(match_one(&cfg, &c), 1);
	/* the identity wins over the connection name */
	c = child(1, 1, "198.51.100.9", "S3", "INSTALLED");
	snprintf(c.ike_name, sizeof(c.ike_name), "to-s4");
	assert_int_equal(match_one(&cfg, &c), 3);
	/* empty strings never match an unset address/connection */
	c = child(1, 1, "", "", "INSTALLED");
	c.ike_name[0] = '\0';
	assert_int_equal(match_one(&cfg, &c), -1);
	/* no configuration: unknown */
	c = child(1, 1, "192.0.2.11", "", "INSTALLED");
	{
		struct tunnel_table t;

		tunnels_init(&t);
		assert_int_equal(tunnels_upsert(&t, NULL, &c, 1), 0);
		assert_int_equal(t.v[0].gateway, -1);
		tunnels_free(&t);
	}
	mep_config_free(&cfg);
}

static void test_unknown_peer_listed(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	struct tunnel_child c;

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	c = child(7, 9, "203.0.113.5", "stranger", "INSTALLED");
	add_ts(&c, "10.99.0.0/16");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 5), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.v[0].gateway, -1);
	assert_string_equal(t.v[0].remote_host, "203.0.113.5");
	assert_int_equal(t.v[0].n_remote_ts, 1);
	assert_true(tunnels_child_up(&t.v[0]));
	tunnels_free(&t);
	mep_config_free(&cfg);
}

static void test_since(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	struct tunnel_child c;

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	c = child(1, 1, "192.0.2.11", "", "INSTALLING");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 100), 0);
	assert_int_equal(t.v[0].since, 100);
	assert_false(tunnels_child_up(&t.v[0]));
	c = child(1, 1, "192.0.2.11", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 105), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.v[0].since, 105);
	assert_true(tunnels_child_up(&t.v[0]));
	/* same state again (resync, new selectors): since is kept */
	add_ts(&c, "10.11.0.0/16");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 150), 0);
	assert_int_equal(t.v[0].since, 105);
	assert_int_equal(t.v[0].n_remote_ts, 1);
	c = child(1, 1, "192.0.2.11", "", "REKEYED");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 160), 0);
	assert_int_equal(t.v[0].since, 160);
	assert_false(tunnels_child_up(&t.v[0]));
	tunnels_free(&t);
	mep_config_free(&cfg);
}

static void test_resync_mark_sweep(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	struct tunnel_child c;

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	for (uint32_t i = 1; i <= 4; i++) {
		c = child(i, i * 10, "192.0.2.11", "", "INSTALLED");
		assert_int_equal(tunnels_upsert(&t, &cfg, &c, i), 0);
	}
	assert_int_equal(t.n, 4);
	tunnels_resync_begin(&t);
	for (size_t i = 0; i < t.n; i++)
		assert_false(t.v[i].seen);
	/* the engine lists 2 and 4 (4 in a new state) and a new one, 5 */
	c = child(2, 20, "192.0.2.11", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 50), 0);
	c = child(4, 40, "192.0.2.11", "", "DELETING");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 50), 0);
	c = child(5, 50, "192.0.2.11", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 50), 0);
	assert_int_equal(tunnels_resync_end(&t), 2);
	assert_int_equal(t.n, 3);
	assert_null(find(&t, 1, 10));
	assert_null(find(&t, 3, 30));
	assert_non_null(find(&t, 2, 20));
	assert_int_equal(find(&t, 2, 20)->since, 2);
	assert_int_equal(find(&t, 4, 40)->since, 50);
	assert_int_equal(find(&t, 5, 50)->since, 50);
	/* a second sweep with everything listed removes nothing */
	tunnels_resync_begin(&t);
	for (size_t i = 0; i < 3; i++) {
		c = t.v[i];
		assert_int_equal(tunnels_upsert(&t, &cfg, &c, 60), 0);
	}
	assert_int_equal(tunnels_resync_end(&t), 0);
	assert_int_equal(t.n, 3);
	/* an empty listing removes everything */
	tunnels_resync_begin(&t);
	assert_int_equal(tunnels_resync_end(&t), 3);
	assert_int_equal(t.n, 0);
	tunnels_free(&t);
	mep_config_free(&cfg);
}

static void test_remove(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	struct tunnel_child c;

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	/* IKE 1 with children 1..3, IKE 2 with child 4, growing past 8 */
	for (uint32_t i = 1; i <= 3; i++) {
		c = child(1, i, "192.0.2.11", "", "INSTALLED");
		assert_int_equal(tunnels_upsert(&t, &cfg, &c, 1), 0);
	}
	c = child(2, 4, "2001:db8::1", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 1), 0);
	for (uint32_t i = 10; i < 30; i++) {
		c = child(3, i, "192.0.2.11", "", "INSTALLED");
		assert_int_equal(tunnels_upsert(&t, &cfg, &c, 1), 0);
	}
	assert_int_equal(t.n, 24);
	assert_int_equal(tunnels_remove_child(&t, 1, 2), 1);
	assert_int_equal(tunnels_remove_child(&t, 1, 2), 0);
	assert_int_equal(tunnels_remove_child(&t, 2, 1), 0);
	assert_int_equal(t.n, 23);
	/* order is kept */
	assert_int_equal(t.v[0].child_id, 1);
	assert_int_equal(t.v[1].child_id, 3);
	assert_int_equal(t.v[2].child_id, 4);
	assert_int_equal(tunnels_remove_ike(&t, 3), 20);
	assert_int_equal(tunnels_remove_ike(&t, 1), 2);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.v[0].gateway, 2);
	assert_int_equal(tunnels_remove_ike(&t, 9), 0);
	tunnels_free(&t);
	assert_int_equal(t.n, 0);
	assert_null(t.v);
	mep_config_free(&cfg);
}

static void test_rematch(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	struct tunnel_child c;

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	c = child(1, 1, "203.0.113.5", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 1), 0);
	assert_int_equal(t.v[0].gateway, -1);
	snprintf(cfg.gateways[3].address, sizeof(cfg.gateways[3].address),
		 "203.0.113.5");
	tunnels_rematch(&t, &cfg);
	assert_int_equal(t.v[0].gateway, 3);
	cfg.gateways[3].address[0] = '\0';
	tunnels_rematch(&t, &cfg);
	assert_int_equal(t.v[0].gateway, -1);
	tunnels_free(&t);
	mep_config_free(&cfg);
}

static void test_bad_input(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	struct tunnel_child c;

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	c = child(1, 1, "192.0.2.11", "", "INSTALLED");
	c.n_remote_ts = TUNNEL_MAX_TS + 1;
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 1), -1);
	c = child(1, 1, "192.0.2.11", "", "INSTALLED");
	c.n_local_ts = SIZE_MAX;
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 1), -1);
	c = child(1, 1, "192.0.2.11", "", "INSTALLED");
	add_ts(&c, "10.0.0.0/8");
	c.remote_ts[0].len = 33;
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 1), -1);
	c.remote_ts[0].len = 8;
	c.remote_ts[0].family = 99;
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 1), -1);
	assert_int_equal(t.n, 0);
	/* an update with bad input leaves the entry as it was */
	c = child(1, 1, "192.0.2.11", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 1), 0);
	c.n_remote_ts = TUNNEL_MAX_TS + 1;
	snprintf(c.state, sizeof(c.state), "DELETING");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 2), -1);
	assert_string_equal(t.v[0].state, "INSTALLED");
	assert_int_equal(t.v[0].n_remote_ts, 0);
	/* unterminated strings are cut to their arrays */
	c = child(2, 2, "", "", "");
	memset(c.remote_host, 'a', sizeof(c.remote_host));
	memset(c.remote_id, 'b', sizeof(c.remote_id));
	memset(c.state, 'c', sizeof(c.state));
	memset(c.ike_name, 'd', sizeof(c.ike_name));
	memset(c.child_name, 'e', sizeof(c.child_name));
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 1), 0);
	assert_int_equal(strlen(t.v[1].remote_host), MEP_HOST_MAX - 1);
	assert_int_equal(strlen(t.v[1].remote_id), sizeof(c.remote_id) - 1);
	assert_int_equal(strlen(t.v[1].state), sizeof(c.state) - 1);
	assert_int_equal(t.v[1].gateway, -1);
	/* and an update compares the state as terminated */
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 9), 0);
	assert_int_equal(t.v[1].since, 1);
	tunnels_free(&t);
	mep_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_address_v4),
		cmocka_unit_test(test_match_address_v6_variants),
		cmocka_unit_test(test_match_identity),
		cmocka_unit_test(test_match_ike_connection_and_order),
		cmocka_unit_test(test_unknown_peer_listed),
		cmocka_unit_test(test_since),
		cmocka_unit_test(test_resync_mark_sweep),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_rematch),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
