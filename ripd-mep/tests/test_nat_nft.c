/* test_nat_nft: IP Pool NAT's table on the real kernel (nat_nft.c over
 * nft_run), in a private network namespace (unshare(CLONE_NEWNET)), so
 * the host's rules are never touched; without root: skipped (77).
 * Created from a spec; IPv4 then IPv6; no change -> no transaction; a
 * free leaves the table; a new instance adopts it with its admitted
 * sources; released sources leave the admission set; the refused
 * counter is read; a foreign table of that name is refused and left
 * untouched; the feature off removes the table. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "netns_fixture.h"

#include "config_fixture.h"
#include "nat_nft.h"
#include "nft_run.h"

static void make_spec(struct nat_spec *s, const char *pool, bool on)
{
	struct mep_config cfg;
	int c;

	mep_config_init(&cfg);
	fixture_add_gateway(&cfg, "M1", "192.0.2.1", "10.1.0.0/16");
	fixture_add_gateway(&cfg, "S1", "192.0.2.11",
			    "10.11.0.0/16 2001:db8:11::/48");
	cfg.gateways[0].has_pool = true;
	cfg.gateways[0].pool = fixture_prefix(pool);
	c = fixture_add_community(&cfg, "STAR", MEP_COMMUNITY_STAR);
	fixture_list_push(&cfg.communities[c].centers, 0);
	fixture_list_push(&cfg.communities[c].satellites, 1);
	cfg.communities[c].return_path = on ? MEP_RETURN_IP_POOL_NAT
					    : MEP_RETURN_NONE;
	nat_spec_init(s);
	assert_int_equal(nat_spec_build(&cfg, 0, s), 0);
	assert_int_equal(s->on, on);
	mep_config_free(&cfg);
}

static const char *listing(const char *cmd)
{
	static char out[16384];
	struct nft_run *r = nft_run_new();
	struct strbuf o = STRBUF_INIT, e = STRBUF_INIT;

	assert_non_null(r);
	if (nft_run_list(r, cmd, false, &o, &e) < 0)
		snprintf(out, sizeof(out), "ERR %s", strbuf_str(&e));
	else
		snprintf(out, sizeof(out), "%s", strbuf_str(&o));
	strbuf_free(&o);
	strbuf_free(&e);
	nft_run_free(r);
	return out;
}

static void run(const char *cmds)
{
	struct nft_run *r = nft_run_new();
	struct strbuf e = STRBUF_INIT;

	assert_non_null(r);
	if (nft_run_batch(r, cmds, &e) < 0)
		fail_msg("%s: %s", cmds, strbuf_str(&e));
	strbuf_free(&e);
	nft_run_free(r);
}

static void count(void *arg, const struct mep_addr *a)
{
	(void)a;
	(*(int *)arg)++;
}

static void test_lifecycle(void **state)
{
	struct nat_nft *n = nat_nft_new();
	struct nat_spec s, off;
	struct mep_addr a;
	uint64_t refused = 9;
	int k = 0;

	(void)state;
	assert_non_null(n);
	make_spec(&s, "172.16.2.0/30", true);
	assert_string_equal(nat_nft_status(n), "off");
	/* a counter left by an earlier run: read back, kept */
	run("add table inet ripd_mep_nat { comment \"ripd-mep ip-pool-nat\"; }\n"
	    "add counter inet ripd_mep_nat refused { packets 7 bytes 420 }");
	assert_int_equal(nat_nft_apply(n, &s), 0);
	assert_int_equal(nat_nft_refused(n, &refused), 0);
	assert_int_equal(refused, 7);
	/* each read is the counter now (no reply left over for the next) */
	run("reset counter inet ripd_mep_nat refused");
	assert_int_equal(nat_nft_refused(n, &refused), 0);
	assert_int_equal(refused, 0);
	run("delete table inet ripd_mep_nat\n"
	    "add table inet ripd_mep_nat { comment \"ripd-mep ip-pool-nat\"; }\n"
	    "add counter inet ripd_mep_nat refused { packets 9 bytes 420 }");
	assert_int_equal(nat_nft_refused(n, &refused), 0);
	assert_int_equal(refused, 9);
	run("delete table inet ripd_mep_nat");
	nat_nft_free(n);
	n = nat_nft_new();
	assert_int_equal(nat_nft_apply(n, &s), 0);
	assert_string_equal(nat_nft_status(n), "active");
	assert_true(nat_nft_active(n));
	assert_non_null(strstr(listing("list table inet ripd_mep_nat"),
			       "snat ip to 172.16.2.0/30 persistent"));
	assert_int_equal(nat_nft_refused(n, &refused), 0);
	assert_int_equal(refused, 0);
	/* the same again: nothing to do */
	assert_int_equal(nat_nft_apply(n, &s), 0);
	/* sources admitted by the kernel (here by hand) */
	run("add element inet ripd_mep_nat admit4_30 { 10.11.0.2, 10.11.0.3 }");
	nat_nft_free(n);
	/* the table outlives the instance; the next one adopts it */
	assert_non_null(strstr(listing("list table inet ripd_mep_nat"),
			       "10.11.0.2"));
	n = nat_nft_new();
	assert_int_equal(nat_nft_apply(n, &s), 0);
	assert_string_equal(nat_nft_status(n), "active");
	assert_int_equal(nat_nft_admitted(n, count, &k), 0);
	assert_int_equal(k, 2);
	/* a released source leaves the set; an absent one is no harm */
	assert_int_equal(mep_addr_parse("10.11.0.2", &a), 0);
	assert_int_equal(nat_nft_release(n, &a, 1), 0);
	assert_null(strstr(listing("list set inet ripd_mep_nat admit4_30"),
			   "10.11.0.2"));
	assert_non_null(strstr(listing("list set inet ripd_mep_nat admit4_30"),
			       "10.11.0.3"));
	assert_int_equal(nat_nft_release(n, &a, 1), -1);
	/* an IPv6 pool in one transaction: the IPv4 sets are gone */
	nat_spec_free(&s);
	make_spec(&s, "fd00:16:2::/126", true);
	assert_int_equal(nat_nft_apply(n, &s), 0);
	assert_non_null(strstr(listing("list table inet ripd_mep_nat"),
			       "snat ip6 to fd00:16:2::/126 persistent"));
	assert_null(strstr(listing("list table inet ripd_mep_nat"),
			   "admit4_30"));
	/* the feature off: the table removed */
	make_spec(&off, "172.16.2.0/30", false);
	assert_int_equal(nat_nft_apply(n, &off), 0);
	assert_string_equal(nat_nft_status(n), "off");
	assert_non_null(strstr(listing("list table inet ripd_mep_nat"),
			       "ERR"));
	nat_nft_free(n);
	/* a restart with the feature off removes a table left behind */
	n = nat_nft_new();
	assert_int_equal(nat_nft_apply(n, &s), 0);
	nat_nft_free(n);
	n = nat_nft_new();
	assert_int_equal(nat_nft_apply(n, &off), 0);
	assert_non_null(strstr(listing("list table inet ripd_mep_nat"),
			       "ERR"));
	nat_nft_free(n);
	nat_spec_free(&s);
	nat_spec_free(&off);
}

static void test_foreign_table(void **state)
{
	struct nat_nft *n = nat_nft_new();
	struct nat_spec s, off;

	(void)state;
	/* known absent (ours removed), then someone else's appears */
	make_spec(&off, "172.16.2.0/30", false);
	assert_int_equal(nat_nft_apply(n, &off), 0);
	run("add table inet ripd_mep_nat\n"
	    "add chain inet ripd_mep_nat theirs");
	make_spec(&s, "172.16.2.0/30", true);
	nat_spec_free(&off);
	make_spec(&off, "172.16.2.0/30", false);
	assert_int_equal(nat_nft_apply(n, &s), -1);
	assert_string_equal(nat_nft_status(n),
			    "error: table inet ripd_mep_nat exists and is not "
			    "ours (no comment \"ripd-mep ip-pool-nat\"): left "
			    "alone, IP Pool NAT off");
	assert_false(nat_nft_active(n));
	/* not even removed by the feature off */
	assert_int_equal(nat_nft_apply(n, &off), -1);
	assert_non_null(strstr(listing("list table inet ripd_mep_nat"),
			       "chain theirs"));
	assert_null(strstr(listing("list table inet ripd_mep_nat"), "snat"));
	/* once it is gone, the next apply creates ours */
	run("delete table inet ripd_mep_nat");
	assert_int_equal(nat_nft_apply(n, &s), 0);
	assert_string_equal(nat_nft_status(n), "active");
	run("delete table inet ripd_mep_nat");
	nat_nft_free(n);
	nat_spec_free(&s);
	nat_spec_free(&off);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_foreign_table),
	};

	int rc = netns_fixture_enter("nftables");

	if (rc)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
