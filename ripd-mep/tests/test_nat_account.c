/* test_nat_account: IP Pool NAT's accounting core (nat_account.c): events
 * in, mappings and counters out; the 90 % warning and its re-arming at
 * 80 %; released sources; a resync from a dump with the kernel's
 * admission set; paging; an event storm of random sources stays within
 * the memory bound; a pool change forgets the old pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config_fixture.h"
#include "nat_account.h"

enum { M1, S1, S2 };

static void make_spec(struct nat_spec *s, const char *pool)
{
	struct mep_config cfg;
	int c;

	mep_config_init(&cfg);
	assert_int_equal(fixture_add_gateway(&cfg, "M1", "192.0.2.1",
					     "10.1.0.0/16"),
			 M1);
	assert_int_equal(fixture_add_gateway(&cfg, "S1", "192.0.2.11",
					     "10.11.0.0/16 2001:db8:11::/48"),
			 S1);
	assert_int_equal(fixture_add_gateway(&cfg, "S2", "192.0.2.12",
					     "10.12.0.0/16"),
			 S2);
	cfg.gateways[M1].has_pool = true;
	cfg.gateways[M1].pool = fixture_prefix(pool);
	c = fixture_add_community(&cfg, "STAR", MEP_COMMUNITY_STAR);
	fixture_list_push(&cfg.communities[c].centers, M1);
	fixture_list_push(&cfg.communities[c].satellites, S1);
	fixture_list_push(&cfg.communities[c].satellites, S2);
	cfg.communities[c].return_path = MEP_RETURN_IP_POOL_NAT;
	nat_spec_init(s);
	assert_int_equal(nat_spec_build(&cfg, M1, s), 0);
	assert_true(s->on);
	mep_config_free(&cfg);
}

static struct mep_addr A(const char *s)
{
	struct mep_addr a;

	assert_int_equal(mep_addr_parse(s, &a), 0);
	return a;
}

static enum nat_warn ev(struct nat_account *a, enum nat_ct_kind k,
			const char *src, const char *mapped)
{
	struct mep_addr x = A(src), y = A(mapped);

	return nat_account_event(a, k, &x, &y);
}

static void test_counts(void **state)
{
	struct nat_account a;
	struct nat_spec s;
	const struct nat_mapping *m;
	struct mep_addr x, rel[8];

	(void)state;
	make_spec(&s, "172.16.2.0/30");
	nat_account_init(&a);
	assert_int_equal(nat_account_configure(&a, &s), 0);
	assert_int_equal(a.size, 4);
	assert_int_equal(nat_account_free_count(&a), 4);
	/* two connections of one source, one of another on the same
	 * address (the kernel's hash), one on another address */
	assert_int_equal(ev(&a, NAT_CT_NEW, "10.11.0.2", "172.16.2.2"),
			 NAT_WARN_NONE);
	assert_int_equal(ev(&a, NAT_CT_NEW, "10.11.0.2", "172.16.2.2"),
			 NAT_WARN_NONE);
	assert_int_equal(ev(&a, NAT_CT_NEW, "10.12.0.3", "172.16.2.2"),
			 NAT_WARN_NONE);
	assert_int_equal(a.used, 2);
	assert_int_equal(a.addresses_in_use, 1);
	assert_int_equal(a.connections, 3);
	assert_int_equal(a.peak, 2);
	assert_int_equal(nat_account_free_count(&a), 2);
	x = A("10.11.0.2");
	m = nat_account_find(&a, &x);
	assert_non_null(m);
	assert_int_equal(m->connections, 2);
	assert_int_equal(m->satellite, S1);
	assert_true(mep_addr_equal(&m->pool_addr, &(struct mep_addr){ 0 }) ==
		    false);
	x = A("10.12.0.3");
	assert_int_equal(nat_account_find(&a, &x)->satellite, S2);
	/* not NATed into the pool: ignored */
	ev(&a, NAT_CT_NEW, "10.11.0.9", "10.1.0.5");
	ev(&a, NAT_CT_NEW, "2001:db8:11::1", "fd00::1");
	ev(&a, NAT_CT_NEW, "172.16.2.1", "172.16.2.1");
	assert_int_equal(a.connections, 3);
	/* destroys: the last connection of a source releases it */
	ev(&a, NAT_CT_DESTROY, "10.11.0.2", "172.16.2.2");
	assert_int_equal(a.used, 2);
	assert_int_equal(nat_account_take_released(&a, rel, 8), 0);
	ev(&a, NAT_CT_DESTROY, "10.11.0.2", "172.16.2.2");
	assert_int_equal(a.used, 1);
	assert_int_equal(a.addresses_in_use, 1);
	x = A("10.11.0.2");
	assert_null(nat_account_find(&a, &x));
	assert_int_equal(nat_account_take_released(&a, rel, 8), 1);
	assert_true(mep_addr_equal(&rel[0], &x));
	assert_int_equal(nat_account_take_released(&a, rel, 8), 0);
	/* released and back before the adapter took it: not released */
	ev(&a, NAT_CT_DESTROY, "10.12.0.3", "172.16.2.2");
	assert_int_equal(a.addresses_in_use, 0);
	ev(&a, NAT_CT_NEW, "10.12.0.3", "172.16.2.1");
	assert_int_equal(nat_account_take_released(&a, rel, 8), 0);
	x = A("10.12.0.3");
	assert_non_null(nat_account_find(&a, &x));
	/* more released than asked for: the rest wait for the next call */
	ev(&a, NAT_CT_NEW, "10.11.0.20", "172.16.2.1");
	ev(&a, NAT_CT_NEW, "10.11.0.21", "172.16.2.1");
	ev(&a, NAT_CT_DESTROY, "10.11.0.20", "172.16.2.1");
	ev(&a, NAT_CT_DESTROY, "10.11.0.21", "172.16.2.1");
	assert_int_equal(a.n_released, 2);
	assert_int_equal(nat_account_take_released(&a, rel, 1), 1);
	x = A("10.11.0.20");
	assert_true(mep_addr_equal(&rel[0], &x));
	assert_int_equal(a.n_released, 1);
	assert_int_equal(nat_account_take_released(&a, rel, 8), 1);
	x = A("10.11.0.21");
	assert_true(mep_addr_equal(&rel[0], &x));
	assert_int_equal(a.n_released, 0);
	/* a destroy of an unknown connection: counted, nothing changes */
	ev(&a, NAT_CT_DESTROY, "10.11.0.77", "172.16.2.3");
	assert_int_equal(a.unmatched, 1);
	assert_int_equal(a.used, 1);
	assert_int_equal(a.peak, 3);
	nat_account_free(&a);
	nat_spec_free(&s);
}

static void test_warning(void **state)
{
	struct nat_account a;
	struct nat_spec s;
	char src[32];

	(void)state;
	make_spec(&s, "172.16.2.0/28");	/* 16: warn at 15, re-arm under 13 */
	nat_account_init(&a);
	assert_int_equal(nat_account_configure(&a, &s), 0);
	for (int i = 1; i <= 14; i++) {
		snprintf(src, sizeof(src), "10.11.0.%d", i);
		assert_int_equal(ev(&a, NAT_CT_NEW, src, "172.16.2.1"),
				 NAT_WARN_NONE);
	}
	assert_int_equal(ev(&a, NAT_CT_NEW, "10.11.0.15", "172.16.2.1"),
			 NAT_WARN_HIGH);
	/* once */
	assert_int_equal(ev(&a, NAT_CT_NEW, "10.11.0.16", "172.16.2.1"),
			 NAT_WARN_NONE);
	assert_int_equal(ev(&a, NAT_CT_DESTROY, "10.11.0.16", "172.16.2.1"),
			 NAT_WARN_NONE);
	assert_int_equal(ev(&a, NAT_CT_NEW, "10.11.0.16", "172.16.2.1"),
			 NAT_WARN_NONE);
	/* 16 -> 13: still >= 80 % */
	for (int i = 16; i >= 14; i--) {
		snprintf(src, sizeof(src), "10.11.0.%d", i);
		assert_int_equal(ev(&a, NAT_CT_DESTROY, src, "172.16.2.1"),
				 NAT_WARN_NONE);
	}
	assert_int_equal(ev(&a, NAT_CT_DESTROY, "10.11.0.13", "172.16.2.1"),
			 NAT_WARN_CLEARED);
	for (int i = 13; i <= 15; i++) {
		snprintf(src, sizeof(src), "10.11.0.%d", i);
		assert_int_equal(ev(&a, NAT_CT_NEW, src, "172.16.2.1"),
				 i == 15 ? NAT_WARN_HIGH : NAT_WARN_NONE);
	}
	nat_account_free(&a);
	nat_spec_free(&s);
}

static void test_resync(void **state)
{
	size_t cursor;
	struct nat_account a;
	struct nat_spec s;
	struct mep_addr x, rel[8];

	(void)state;
	make_spec(&s, "172.16.2.0/30");
	nat_account_init(&a);
	assert_int_equal(nat_account_configure(&a, &s), 0);
	ev(&a, NAT_CT_NEW, "10.11.0.2", "172.16.2.2");
	ev(&a, NAT_CT_NEW, "10.11.0.3", "172.16.2.3");
	a.refused = 5;
	a.events_dropped = 2;
	/* lost events: the dump shows .3 and .4; the set holds .2 .3 .5 */
	nat_account_begin_resync(&a);
	x = A("10.11.0.2");
	nat_account_admitted(&a, &x);
	x = A("10.11.0.3");
	nat_account_admitted(&a, &x);
	x = A("10.11.0.5");
	nat_account_admitted(&a, &x);
	ev(&a, NAT_CT_NEW, "10.11.0.3", "172.16.2.3");
	ev(&a, NAT_CT_NEW, "10.11.0.4", "172.16.2.0");
	assert_int_equal(nat_account_end_resync(&a), NAT_WARN_NONE);
	assert_int_equal(a.used, 2);
	assert_int_equal(a.connections, 2);
	assert_int_equal(a.peak, 2);
	assert_int_equal(a.refused, 5);
	assert_int_equal(a.events_dropped, 2);
	assert_int_equal(nat_account_take_released(&a, rel, 8), 2);
	assert_true(mep_addr_equal(&rel[0], &(struct mep_addr){ 0 }) == false);
	x = A("10.11.0.2");
	assert_true(mep_addr_equal(&rel[0], &x));
	x = A("10.11.0.5");
	assert_true(mep_addr_equal(&rel[1], &x));
	/* .4 has a connection the set did not hold: to be put back */
	cursor = 0;
	assert_int_equal(nat_account_unadmitted(&a, &cursor, rel, 8), 1);
	x = A("10.11.0.4");
	assert_true(mep_addr_equal(&rel[0], &x));
	/* the same pool again keeps the state; another pool forgets it */
	assert_int_equal(nat_account_configure(&a, &s), 0);
	assert_int_equal(a.used, 2);
	nat_spec_free(&s);
	make_spec(&s, "172.16.3.0/30");
	assert_int_equal(nat_account_configure(&a, &s), 0);
	assert_int_equal(a.used, 0);
	assert_int_equal(a.peak, 0);
	nat_account_free(&a);
	nat_spec_free(&s);
}

/* More sources to put back into the admission set than one call takes
 * (the adapter's batch is 512): the cursor goes on until every one was
 * listed, each once. */
static void test_unadmitted_many(void **state)
{
	struct nat_account a;
	struct nat_spec s;
	struct mep_addr out[512];
	size_t cursor = 0, k, total = 0, calls = 0;
	char src[32];

	(void)state;
	make_spec(&s, "172.16.0.0/20");
	nat_account_init(&a);
	assert_int_equal(nat_account_configure(&a, &s), 0);
	nat_account_begin_resync(&a);
	for (int i = 0; i < 1100; i++) {
		snprintf(src, sizeof(src), "10.11.%d.%d", i / 250, i % 250 + 1);
		ev(&a, NAT_CT_NEW, src, "172.16.0.1");
	}
	assert_int_equal(nat_account_end_resync(&a), NAT_WARN_NONE);
	assert_int_equal(a.used, 1100);
	while ((k = nat_account_unadmitted(&a, &cursor, out, 512))) {
		total += k;
		calls++;
	}
	assert_int_equal(total, 1100);
	assert_int_equal(calls, 3);
	/* and again: nothing more */
	assert_int_equal(nat_account_unadmitted(&a, &cursor, out, 512), 0);
	nat_account_free(&a);
	nat_spec_free(&s);
}

static void test_page(void **state)
{
	struct nat_account a;
	struct nat_spec s;
	struct nat_mapping out[3];
	struct mep_addr from;
	char src[32], buf[MEP_PREFIX_STRLEN];
	bool more;

	(void)state;
	make_spec(&s, "172.16.0.0/16");
	nat_account_init(&a);
	assert_int_equal(nat_account_configure(&a, &s), 0);
	/* inserted out of order */
	for (int i = 9; i >= 1; i--) {
		snprintf(src, sizeof(src), "10.11.0.%d", i * 10);
		ev(&a, NAT_CT_NEW, src, "172.16.0.1");
	}
	assert_int_equal(nat_account_page(&a, NULL, 3, out, &more), 3);
	assert_true(more);
	assert_string_equal(mep_prefix_str(&out[0].key, buf, sizeof(buf)),
			    "10.11.0.10/32");
	assert_string_equal(mep_prefix_str(&out[2].key, buf, sizeof(buf)),
			    "10.11.0.30/32");
	from = A("10.11.0.31");
	assert_int_equal(nat_account_page(&a, &from, 3, out, &more), 3);
	assert_string_equal(mep_prefix_str(&out[0].key, buf, sizeof(buf)),
			    "10.11.0.40/32");
	assert_true(more);
	from = A("10.11.0.70");
	assert_int_equal(nat_account_page(&a, &from, 3, out, &more), 3);
	assert_false(more);
	assert_int_equal(nat_account_page(&a, NULL, 0, out, &more), 0);
	nat_account_free(&a);
	nat_spec_free(&s);
}

/* Per satellite: sources with live connections and their connections,
 * over every mapping; an ended source no longer counts. */
static void test_per_satellite(void **state)
{
	struct nat_account a;
	struct nat_spec s;
	uint64_t src[3], conn[3];

	(void)state;
	make_spec(&s, "172.16.2.0/24");
	nat_account_init(&a);
	assert_int_equal(nat_account_configure(&a, &s), 0);
	ev(&a, NAT_CT_NEW, "10.11.0.2", "172.16.2.2");
	ev(&a, NAT_CT_NEW, "10.11.0.2", "172.16.2.2");
	ev(&a, NAT_CT_NEW, "10.11.0.3", "172.16.2.3");
	ev(&a, NAT_CT_NEW, "10.12.0.9", "172.16.2.9");
	ev(&a, NAT_CT_NEW, "10.12.0.10", "172.16.2.10");
	ev(&a, NAT_CT_DESTROY, "10.12.0.10", "172.16.2.10");
	nat_account_per_satellite(&a, 3, src, conn);
	assert_int_equal(src[M1], 0);
	assert_int_equal(conn[M1], 0);
	assert_int_equal(src[S1], 2);
	assert_int_equal(conn[S1], 3);
	assert_int_equal(src[S2], 1);
	assert_int_equal(conn[S2], 1);
	/* an index beyond n is not counted (nor written) */
	src[S2] = conn[S2] = 77;
	nat_account_per_satellite(&a, 2, src, conn);
	assert_int_equal(src[S1], 2);
	assert_int_equal(src[S2], 77);
	nat_account_free(&a);
	nat_spec_free(&s);
}

/* A storm of random events: counters stay consistent, memory within the
 * bound (admit + 1024 sources tracked, arrays at most twice that). */
static void test_storm(void **state)
{
	struct nat_account a;
	struct nat_spec s;
	struct mep_addr rel[64];
	unsigned seed = 12345;
	uint64_t open = 0;

	(void)state;
	make_spec(&s, "172.16.0.0/22");	/* 1024 */
	nat_account_init(&a);
	assert_int_equal(nat_account_configure(&a, &s), 0);
	for (int i = 0; i < 400000; i++) {
		struct mep_addr x, y;
		unsigned r = (unsigned)rand_r(&seed);

		x.family = AF_INET;
		memset(x.addr, 0, sizeof(x.addr));
		x.addr[0] = 10;
		x.addr[1] = 11;
		x.addr[2] = (uint8_t)(r >> 8);
		x.addr[3] = (uint8_t)r;
		y = A("172.16.1.7");
		if (r & 0x10000) {
			nat_account_event(&a, NAT_CT_NEW, &x, &y);
		} else {
			nat_account_event(&a, NAT_CT_DESTROY, &x, &y);
		}
		if ((i & 63) == 0)
			nat_account_take_released(&a, rel, 64);
		assert_true(a.used <= a.max_mappings);
		assert_true(a.n_map <= 2 * a.max_mappings + 1024);
		assert_true(a.n_released <= a.max_mappings);
	}
	assert_int_equal(a.max_mappings, 1024 + 1024);
	assert_true(a.untracked > 0);
	assert_true(a.unmatched > 0);
	assert_true(a.peak <= a.max_mappings);
	/* connections add up over the mappings */
	for (size_t i = 0; i < a.n_map; i++)
		open += a.map[i].connections;
	assert_int_equal(open, a.connections);
	nat_account_free(&a);
	nat_spec_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_warning),
		cmocka_unit_test(test_resync),
		cmocka_unit_test(test_unadmitted_many),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_per_satellite),
		cmocka_unit_test(test_storm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
