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

#include "config.h"
#include "prefix.h"
#include "ike_sas.h"
#include "tunnels.h"
#include "config_fixture.h"

/* ---- fixtures ---- */

static int add_gw(struct mep_config *cfg, const char *name,
		  const char *address, const char *ike)
{
	int i = fixture_add_gateway(cfg, name, address, NULL);

	snprintf(cfg->gateways[i].ike_connection,
		 sizeof(cfg->gateways[i].ike_connection), "%s", ike ? ike : "");
	return i;
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

/* The i-th entry in table order, or NULL. */
static const struct tunnels_entry *nth(const struct tunnel_table *t, size_t i)
{
	const struct tunnels_entry *e;
	size_t pos = 0;

	while ((e = tunnels_next(t, &pos)) != NULL)
		if (i-- == 0)
			return e;
	return NULL;
}

/* Upsert c into an empty table and return the matched gateway. */
static int match_one(const struct mep_config *cfg, const struct tunnel_child *c)
{
	struct tunnel_table t;
	int gw;

	tunnels_init(&t);
	assert_int_equal(tunnels_upsert(&t, cfg, c, 100), 0);
	assert_int_equal(tunnels_count(&t), 1);
	gw = nth(&t, 0)->gateway;
	tunnels_free(&t);
	return gw;
}

/* The entry by a linear walk (checks tunnels_find()'s index against the
 * table's contents). */
static const struct tunnels_entry *find(const struct tunnel_table *t,
					uint32_t ike, uint32_t id)
{
	const struct tunnels_entry *e, *hit = NULL;
	size_t pos = 0, n = 0;

	while ((e = tunnels_next(t, &pos)) != NULL) {
		n++;
		if (e->ike_id == ike && e->child_id == id) {
			assert_null(hit);
			hit = e;
		}
	}
	assert_int_equal(n, tunnels_count(t));
	assert_ptr_equal(tunnels_find(t, ike, id), hit);
	return hit;
}

/* The transfer struct an entry came from (for re-listing it). */
static struct tunnel_child to_child(const struct tunnels_entry *e)
{
	struct tunnel_child c;

	memset(&c, 0, sizeof(c));
	c.ike_id = e->ike_id;
	c.child_id = e->child_id;
	snprintf(c.remote_host, sizeof(c.remote_host), "%s",
		 tunnels_entry_remote_host(e));
	snprintf(c.remote_id, sizeof(c.remote_id), "%s",
		 tunnels_entry_remote_id(e));
	snprintf(c.ike_name, sizeof(c.ike_name), "%s",
		 tunnels_entry_ike_name(e));
	snprintf(c.child_name, sizeof(c.child_name), "%s",
		 tunnels_entry_child_name(e));
	snprintf(c.state, sizeof(c.state), "%s", tunnels_entry_state(e));
	c.n_local_ts = e->n_local_ts;
	memcpy(c.local_ts, tunnels_entry_local_ts(e),
	       e->n_local_ts * sizeof(*c.local_ts));
	c.n_remote_ts = e->n_remote_ts;
	memcpy(c.remote_ts, tunnels_entry_remote_ts(e),
	       e->n_remote_ts * sizeof(*c.remote_ts));
	return c;
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
		assert_int_equal(nth(&t, 0)->gateway, -1);
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
	assert_int_equal(tunnels_count(&t), 1);
	assert_int_equal(nth(&t, 0)->gateway, -1);
	assert_string_equal(tunnels_entry_remote_host(nth(&t, 0)), "203.0.113.5");
	assert_int_equal(nth(&t, 0)->n_remote_ts, 1);
	assert_true(nth(&t, 0)->up);
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
	assert_int_equal(nth(&t, 0)->since, 100);
	assert_false(nth(&t, 0)->up);
	c = child(1, 1, "192.0.2.11", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 105), 0);
	assert_int_equal(tunnels_count(&t), 1);
	assert_int_equal(nth(&t, 0)->since, 105);
	assert_true(nth(&t, 0)->up);
	/* same state again (resync, new selectors): since is kept */
	add_ts(&c, "10.11.0.0/16");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 150), 0);
	assert_int_equal(nth(&t, 0)->since, 105);
	assert_int_equal(nth(&t, 0)->n_remote_ts, 1);
	c = child(1, 1, "192.0.2.11", "", "REKEYED");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 160), 0);
	assert_int_equal(nth(&t, 0)->since, 160);
	assert_false(nth(&t, 0)->up);
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
	assert_int_equal(tunnels_count(&t), 4);
	tunnels_resync_begin(&t);
	for (size_t i = 0; i < tunnels_count(&t); i++)
		assert_false(nth(&t, i)->seen);
	/* the engine lists 2 and 4 (4 in a new state) and a new one, 5 */
	c = child(2, 20, "192.0.2.11", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 50), 0);
	c = child(4, 40, "192.0.2.11", "", "DELETING");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 50), 0);
	c = child(5, 50, "192.0.2.11", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 50), 0);
	assert_int_equal(tunnels_resync_end(&t), 2);
	assert_int_equal(tunnels_count(&t), 3);
	assert_null(find(&t, 1, 10));
	assert_null(find(&t, 3, 30));
	assert_non_null(find(&t, 2, 20));
	assert_int_equal(find(&t, 2, 20)->since, 2);
	assert_int_equal(find(&t, 4, 40)->since, 50);
	assert_int_equal(find(&t, 5, 50)->since, 50);
	/* a second sweep with everything listed removes nothing */
	tunnels_resync_begin(&t);
	for (size_t i = 0; i < 3; i++) {
		c = to_child(nth(&t, i));
		assert_int_equal(tunnels_upsert(&t, &cfg, &c, 60), 0);
	}
	assert_int_equal(tunnels_resync_end(&t), 0);
	assert_int_equal(tunnels_count(&t), 3);
	/* an empty listing removes everything */
	tunnels_resync_begin(&t);
	assert_int_equal(tunnels_resync_end(&t), 3);
	assert_int_equal(tunnels_count(&t), 0);
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
	assert_int_equal(tunnels_count(&t), 24);
	assert_int_equal(tunnels_remove_child(&t, 1, 2), 1);
	assert_int_equal(tunnels_remove_child(&t, 1, 2), 0);
	assert_int_equal(tunnels_remove_child(&t, 2, 1), 0);
	assert_int_equal(tunnels_count(&t), 23);
	/* order is kept */
	assert_int_equal(nth(&t, 0)->child_id, 1);
	assert_int_equal(nth(&t, 1)->child_id, 3);
	assert_int_equal(nth(&t, 2)->child_id, 4);
	assert_int_equal(tunnels_remove_ike(&t, 3), 20);
	assert_int_equal(tunnels_remove_ike(&t, 1), 2);
	assert_int_equal(tunnels_count(&t), 1);
	assert_int_equal(nth(&t, 0)->gateway, 2);
	assert_int_equal(tunnels_remove_ike(&t, 9), 0);
	tunnels_free(&t);
	assert_int_equal(tunnels_count(&t), 0);
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
	assert_int_equal(nth(&t, 0)->gateway, -1);
	snprintf(cfg.gateways[3].address, sizeof(cfg.gateways[3].address),
		 "203.0.113.5");
	tunnels_rematch(&t, &cfg);
	assert_int_equal(nth(&t, 0)->gateway, 3);
	cfg.gateways[3].address[0] = '\0';
	tunnels_rematch(&t, &cfg);
	assert_int_equal(nth(&t, 0)->gateway, -1);
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
	assert_int_equal(tunnels_count(&t), 0);
	/* an update with bad input leaves the entry as it was */
	c = child(1, 1, "192.0.2.11", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 1), 0);
	c.n_remote_ts = TUNNEL_MAX_TS + 1;
	snprintf(c.state, sizeof(c.state), "DELETING");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 2), -1);
	assert_string_equal(tunnels_entry_state(nth(&t, 0)), "INSTALLED");
	assert_int_equal(nth(&t, 0)->n_remote_ts, 0);
	/* unterminated strings are cut to their arrays */
	c = child(2, 2, "", "", "");
	memset(c.remote_host, 'a', sizeof(c.remote_host));
	memset(c.remote_id, 'b', sizeof(c.remote_id));
	memset(c.state, 'c', sizeof(c.state));
	memset(c.ike_name, 'd', sizeof(c.ike_name));
	memset(c.child_name, 'e', sizeof(c.child_name));
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 1), 0);
	assert_int_equal(strlen(tunnels_entry_remote_host(nth(&t, 1))), MEP_HOST_MAX - 1);
	assert_int_equal(strlen(tunnels_entry_remote_id(nth(&t, 1))), sizeof(c.remote_id) - 1);
	assert_int_equal(strlen(tunnels_entry_state(nth(&t, 1))), sizeof(c.state) - 1);
	assert_int_equal(nth(&t, 1)->gateway, -1);
	/* and an update compares the state as terminated */
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 9), 0);
	assert_int_equal(nth(&t, 1)->since, 1);
	tunnels_free(&t);
	mep_config_free(&cfg);
}

static void test_match_lowest_index_wins(void **state)
{
	struct mep_config cfg;
	struct tunnel_child c;

	(void)state;
	make_cfg(&cfg);
	/* 5: same address as S2 in another form; 6: S3's name, other case;
	 * 7: address equal to S1's name; 8: same ike-connection as S4 */
	add_gw(&cfg, "S5", "2001:0db8::0:1", NULL);
	add_gw(&cfg, "S6", "S3.EXAMPLE.NET", NULL);
	add_gw(&cfg, "S7", "s1", "to-s4");
	c = child(1, 1, "2001:db8::1", "", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), 2);
	c = child(1, 1, "s3.EXAMPLE.net", "", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), 3);
	/* identity: the name "s1" of nobody, but the address of S7 */
	c = child(1, 1, "198.51.100.9", "s1", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), 7);
	/* S1 by name beats S7 by address (lower index) */
	c = child(1, 1, "198.51.100.9", "S1", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), 1);
	/* an address match of a lower index beats a name match */
	snprintf(cfg.gateways[1].address, sizeof(cfg.gateways[1].address),
		 "S7");
	c = child(1, 1, "198.51.100.9", "S7", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), 1);
	c = child(1, 1, "198.51.100.9", "", "INSTALLED");
	snprintf(c.ike_name, sizeof(c.ike_name), "to-s4");
	assert_int_equal(match_one(&cfg, &c), 4);
	/* the local gateway is skipped, the next one with its address
	 * found */
	add_gw(&cfg, "C1bis", "192.0.2.1", NULL);
	c = child(1, 1, "192.0.2.1", "", "INSTALLED");
	assert_int_equal(match_one(&cfg, &c), 8);
	mep_config_free(&cfg);
}

/* The index is rebuilt when the table is given another configuration, or
 * the same one after its gateways changed. */
static void test_config_change(void **state)
{
	struct mep_config a, b;
	struct tunnel_table t;
	struct tunnel_child c;

	(void)state;
	make_cfg(&a);
	make_cfg(&b);
	snprintf(b.gateways[1].address, sizeof(b.gateways[1].address),
		 "203.0.113.5");
	tunnels_init(&t);
	c = child(1, 1, "192.0.2.11", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &a, &c, 1), 0);
	assert_int_equal(find(&t, 1, 1)->gateway, 1);
	c = child(1, 2, "192.0.2.11", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &b, &c, 1), 0);
	assert_int_equal(find(&t, 1, 2)->gateway, -1);
	c = child(1, 3, "203.0.113.5", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &b, &c, 1), 0);
	assert_int_equal(find(&t, 1, 3)->gateway, 1);
	/* a new gateway appended to b (gateway array reallocated) */
	add_gw(&b, "S9", "198.51.100.77", NULL);
	c = child(1, 4, "198.51.100.77", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &b, &c, 1), 0);
	assert_int_equal(find(&t, 1, 4)->gateway, 5);
	/* the local gateway changes: C1 becomes a peer */
	b.local_gateway = 1;
	c = child(1, 5, "192.0.2.1", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &b, &c, 1), 0);
	assert_int_equal(find(&t, 1, 5)->gateway, 0);
	assert_int_equal(find(&t, 1, 3)->gateway, 1); /* not re-matched */
	assert_int_equal(tunnels_rematch(&t, &b), 0);
	assert_int_equal(find(&t, 1, 3)->gateway, -1); /* now local */
	assert_int_equal(find(&t, 1, 1)->gateway, -1);
	assert_int_equal(tunnels_rematch(&t, NULL), 0);
	assert_int_equal(find(&t, 1, 4)->gateway, -1);
	tunnels_free(&t);
	mep_config_free(&a);
	mep_config_free(&b);
}

/* The compact entry holds exactly what was given. */
static void test_entry_contents(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	struct tunnel_child c, back;
	const struct tunnels_entry *e;

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	c = child(3, 4, "2001:db8::1", "@peer.example", "INSTALLED");
	snprintf(c.child_name, sizeof(c.child_name), "child-x");
	assert_int_equal(mep_prefix_parse("10.0.0.0/24", &c.local_ts[0],
					  NULL), 0);
	assert_int_equal(mep_prefix_parse("2001:db8:1::/48", &c.local_ts[1],
					  NULL), 0);
	c.n_local_ts = 2;
	add_ts(&c, "10.1.0.0/16");
	add_ts(&c, "10.2.0.0/16");
	add_ts(&c, "2001:db8:2::/48");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 7), 0);
	e = find(&t, 3, 4);
	assert_non_null(e);
	assert_int_equal(e->gateway, 2);
	assert_int_equal(e->n_local_ts, 2);
	assert_int_equal(e->n_remote_ts, 3);
	assert_string_equal(tunnels_entry_remote_id(e), "@peer.example");
	assert_string_equal(tunnels_entry_ike_name(e), "conn3");
	assert_string_equal(tunnels_entry_child_name(e), "child-x");
	back = to_child(e);
	assert_memory_equal(&back.local_ts, &c.local_ts,
			    2 * sizeof(c.local_ts[0]));
	assert_memory_equal(&back.remote_ts, &c.remote_ts,
			    3 * sizeof(c.remote_ts[0]));
	assert_string_equal(back.remote_host, c.remote_host);
	/* fewer selectors and other strings on update */
	c = child(3, 4, "h", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 8), 0);
	e = find(&t, 3, 4);
	assert_int_equal(e->n_local_ts + e->n_remote_ts, 0);
	assert_string_equal(tunnels_entry_remote_host(e), "h");
	assert_string_equal(tunnels_entry_remote_id(e), "");
	assert_string_equal(tunnels_entry_state(e), "INSTALLED");
	assert_int_equal(e->since, 7);
	assert_int_equal(tunnels_count(&t), 1);
	/* identity equal to the host, a state strongSwan does not have */
	c = child(3, 4, "2001:db8::1", "2001:db8::1", "ODD-STATE");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 9), 0);
	e = find(&t, 3, 4);
	assert_string_equal(tunnels_entry_remote_id(e), "2001:db8::1");
	assert_string_equal(tunnels_entry_ike_name(e), "conn3");
	assert_string_equal(tunnels_entry_child_name(e), "net");
	assert_string_equal(tunnels_entry_state(e), "ODD-STATE");
	assert_false(e->up);
	assert_int_equal(e->since, 9);
	c = child(3, 4, "2001:db8::1", "2001:db8::1", "ODD-STATE");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 10), 0);
	assert_int_equal(find(&t, 3, 4)->since, 9);
	c = child(3, 4, "2001:db8::1", "2001:db8::1", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 11), 0);
	e = find(&t, 3, 4);
	assert_true(e->up);
	assert_int_equal(e->since, 11);
	assert_string_equal(tunnels_entry_state(e), "INSTALLED");
	/* a known state's prefix is not the state */
	snprintf(c.state, sizeof(c.state), "INSTALL");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 12), 0);
	e = find(&t, 3, 4);
	assert_false(e->up);
	assert_string_equal(tunnels_entry_state(e), "INSTALL");
	tunnels_free(&t);
	mep_config_free(&cfg);
}

/* Rekey: the new CHILD_SA is in before the old goes; a removed key may
 * come back (as a new entry, at the end). */
static void test_rekey_and_reinsert(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	struct tunnel_child c;

	(void)state;
	make_cfg(&cfg);
	tunnels_init(&t);
	for (uint32_t i = 1; i <= 40; i++) {
		c = child(i, 1, "192.0.2.11", "", "INSTALLED");
		assert_int_equal(tunnels_upsert(&t, &cfg, &c, 1), 0);
	}
	for (uint32_t i = 1; i <= 40; i++) {
		c = child(i, 2, "192.0.2.11", "", "INSTALLED");
		assert_int_equal(tunnels_upsert(&t, &cfg, &c, 2), 0);
		assert_int_equal(tunnels_count(&t), 41);
		assert_int_equal(tunnels_remove_child(&t, i, 1), 1);
		assert_null(find(&t, i, 1));
		assert_non_null(find(&t, i, 2));
		assert_int_equal(tunnels_count(&t), 40);
	}
	/* order: insertion order of the live entries */
	for (uint32_t i = 1; i <= 40; i++) {
		assert_int_equal(nth(&t, i - 1)->ike_id, i);
		assert_int_equal(nth(&t, i - 1)->child_id, 2);
	}
	assert_int_equal(tunnels_remove_ike(&t, 1), 1);
	c = child(1, 2, "192.0.2.11", "", "INSTALLED");
	assert_int_equal(tunnels_upsert(&t, &cfg, &c, 3), 0);
	assert_int_equal(nth(&t, 39)->ike_id, 1);
	assert_int_equal(nth(&t, 39)->since, 3);
	assert_int_equal(tunnels_count(&t), 40);
	tunnels_free(&t);
	mep_config_free(&cfg);
}

#define BIG 25000

/* 25k gateways, 25k tunnels (4 remote and 1 local selectors each) matched
 * by address, identity and connection name; removals of children and IKE
 * SAs, re-insertion and a resync, checked against a model. */
static void test_large(void **state)
{
	struct mep_config cfg;
	struct tunnel_table t;
	static uint8_t alive[BIG + 1][2];	/* ike i: children 1, 2 */
	static int want_gw[BIG + 1];
	size_t live = 0;

	(void)state;
	mep_config_init(&cfg);
	cfg.gateways = calloc(BIG + 1, sizeof(*cfg.gateways));
	assert_non_null(cfg.gateways);
	cfg.n_gateways = BIG + 1;
	cfg.local_gateway = 0;
	snprintf(cfg.gateways[0].name, sizeof(cfg.gateways[0].name), "C");
	snprintf(cfg.gateways[0].address, sizeof(cfg.gateways[0].address),
		 "100.64.0.0");
	for (size_t i = 1; i <= BIG; i++) {
		struct mep_gateway *g = &cfg.gateways[i];

		snprintf(g->name, sizeof(g->name), "S%zu", i);
		if (i % 3 == 0)
			snprintf(g->address, sizeof(g->address),
				 "2001:db8::%zx", i);
		else if (i % 3 == 1)
			snprintf(g->address, sizeof(g->address),
				 "100.64.%zu.%zu", i / 256, i % 256);
		else
			snprintf(g->address, sizeof(g->address),
				 "gw%zu.example.net", i);
		snprintf(g->ike_connection, sizeof(g->ike_connection),
			 "conn-%zu", i);
	}
	tunnels_init(&t);
	for (uint32_t i = 1; i <= BIG; i++) {
		struct tunnel_child c;
		char host[MEP_HOST_MAX], id[64], ike[32];

		snprintf(host, sizeof(host), "%s", cfg.gateways[i].address);
		snprintf(id, sizeof(id), "%s", "");
		snprintf(ike, sizeof(ike), "conn%u", i);
		if (i % 7 == 0) {	/* behind NAT: by identity */
			snprintf(host, sizeof(host), "198.51.100.1");
			snprintf(id, sizeof(id), "S%u", i);
		} else if (i % 11 == 0) { /* by connection name */
			snprintf(host, sizeof(host), "198.51.100.2");
			snprintf(ike, sizeof(ike), "conn-%u", i);
		} else if (i % 13 == 0) { /* unknown */
			snprintf(host, sizeof(host), "203.0.113.1");
		}
		want_gw[i] = i % 7 && i % 11 && i % 13 == 0 ? -1 : (int)i;
		for (uint32_t k = 1; k <= (i % 2 ? 1u : 2u); k++) {
			c = child(i, k, host, id, "INSTALLED");
			snprintf(c.ike_name, sizeof(c.ike_name), "%s", ike);
			while (c.n_remote_ts < 4) {
				struct mep_prefix *p =
					&c.remote_ts[c.n_remote_ts++];

				p->family = AF_INET;
				p->len = 24;
				p->addr[0] = 10;
				p->addr[1] = (uint8_t)(i >> 8);
				p->addr[2] = (uint8_t)i;
			}
			c.local_ts[0].family = AF_INET;
			c.n_local_ts = 1;
			assert_int_equal(tunnels_upsert(&t, &cfg, &c, i), 0);
			alive[i][k - 1] = 1;
			live++;
		}
	}
	assert_int_equal(tunnels_count(&t), live);
	/* removals: child 1 of every 3rd IKE_SA, every 5th IKE_SA whole */
	for (uint32_t i = 3; i <= BIG; i += 3) {
		assert_int_equal(tunnels_remove_child(&t, i, 1), 1);
		alive[i][0] = 0;
		live--;
	}
	for (uint32_t i = 5; i <= BIG; i += 5) {
		size_t n = alive[i][0] + alive[i][1];

		assert_int_equal(tunnels_remove_ike(&t, i), n);
		alive[i][0] = alive[i][1] = 0;
		live -= n;
	}
	assert_int_equal(tunnels_count(&t), live);
	/* every key: present exactly when alive, with its gateway */
	for (uint32_t i = 1; i <= BIG; i++)
		for (uint32_t k = 1; k <= 2; k++) {
			const struct tunnels_entry *e =
				tunnels_find(&t, i, k);

			if (!alive[i][k - 1]) {
				assert_null(e);
				continue;
			}
			assert_non_null(e);
			assert_int_equal(e->ike_id, i);
			assert_int_equal(e->child_id, k);
			assert_int_equal(e->gateway, want_gw[i]);
			assert_int_equal(e->n_remote_ts, 4);
			assert_int_equal(tunnels_entry_remote_ts(e)[3].addr[2],
					 (uint8_t)i);
			assert_int_equal(e->since, i);
		}
	/* the walk sees the live entries once each, in insertion order */
	{
		const struct tunnels_entry *e;
		size_t pos = 0, n = 0;
		uint64_t last = 0;

		while ((e = tunnels_next(&t, &pos)) != NULL) {
			uint64_t key = ((uint64_t)e->ike_id << 32) | e->child_id;

			assert_true(key > last);
			last = key;
			n++;
		}
		assert_int_equal(n, live);
	}
	/* resync: the engine lists the even IKE_SAs only */
	tunnels_resync_begin(&t);
	for (uint32_t i = 2; i <= BIG; i += 2)
		for (uint32_t k = 1; k <= 2; k++) {
			struct tunnel_child c;

			if (!alive[i][k - 1])
				continue;
			c = to_child(tunnels_find(&t, i, k));
			assert_int_equal(tunnels_upsert(&t, &cfg, &c, 99), 0);
		}
	{
		size_t odd = 0;

		for (uint32_t i = 1; i <= BIG; i += 2)
			odd += alive[i][0] + alive[i][1];
		assert_int_equal(tunnels_resync_end(&t), odd);
		live -= odd;
	}
	assert_int_equal(tunnels_count(&t), live);
	for (uint32_t i = 1; i <= BIG; i++)
		for (uint32_t k = 1; k <= 2; k++) {
			const struct tunnels_entry *e =
				tunnels_find(&t, i, k);

			assert_true((e != NULL) == (i % 2 == 0 &&
						    alive[i][k - 1]));
			if (e)
				assert_int_equal(e->since, i); /* kept */
		}
	/* everything goes, IKE_SA by IKE_SA */
	for (uint32_t i = 1; i <= BIG; i++)
		live -= tunnels_remove_ike(&t, i);
	assert_int_equal(live, 0);
	assert_int_equal(tunnels_count(&t), 0);
	assert_null(tunnels_find(&t, 2, 2));
	tunnels_free(&t);
	mep_config_free(&cfg);
}

/* ike_sas: record, update, remove, resync (unseen dropped), by name. */
static void test_ike_sas(void **state)
{
	struct ike_sas s;

	(void)state;
	ike_sas_init(&s);
	assert_false(ike_sas_has_gateway(&s, "T1"));
	assert_int_equal(ike_sas_up(&s, 1, "T1"), 0);
	assert_int_equal(ike_sas_up(&s, 2, "T2"), 0);
	assert_int_equal(ike_sas_up(&s, 2, "T2"), 0);	/* once */
	assert_int_equal(s.n, 2);
	assert_true(ike_sas_has_gateway(&s, "T1"));
	assert_true(ike_sas_remove(&s, 1));
	assert_false(ike_sas_remove(&s, 1));
	assert_false(ike_sas_has_gateway(&s, "T1"));
	/* a listing that finds IKE_SA 3 but not 2 */
	ike_sas_resync_begin(&s);
	assert_int_equal(ike_sas_up(&s, 3, "T1"), 0);
	assert_int_equal(ike_sas_resync_end(&s), 1);
	assert_true(ike_sas_has_gateway(&s, "T1"));
	assert_false(ike_sas_has_gateway(&s, "T2"));
	for (uint32_t i = 10; i < 40; i++)
		assert_int_equal(ike_sas_up(&s, i, "T3"), 0);
	assert_int_equal(s.n, 31);
	ike_sas_clear(&s);
	assert_false(ike_sas_has_gateway(&s, "T1"));
	ike_sas_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ike_sas),
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
		cmocka_unit_test(test_match_lowest_index_wins),
		cmocka_unit_test(test_config_change),
		cmocka_unit_test(test_entry_contents),
		cmocka_unit_test(test_rekey_and_reinsert),
		cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
