/* test_nat_rules: the pure IP Pool NAT table (nat_rules.c): the spec from
 * a configuration (who is a NAT center, which domains, the pool's size),
 * the transaction for IPv4, IPv6 and the xfrm datapath, "no change -> no
 * batch", removal, stale sets, and the listing parsers (own vs foreign
 * table, set names, set elements). With NAT_RULES_PRINT set in the
 * environment the batches are printed (to feed `nft -c -f -`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config_fixture.h"
#include "nat_rules.h"
#include "nft_listing.h"

enum { M1, M2, S1, S2, S3 };

/* M1 and M2 centers of STAR (ip-pool-nat) with S1 (v4+v6) and S2; S3
 * satellite of OTHER (rim) with M1 only. */
static void make_cfg(struct mep_config *cfg, const char *pool)
{
	/* in the order of the enum above */
	static const struct {
		const char *name, *address, *domains;
	} gws[] = {
		{ "M1", "192.0.2.1", "10.1.0.0/16" },
		{ "M2", "192.0.2.2", "10.1.0.0/16" },
		{ "S1", "192.0.2.11",
		  "10.11.0.0/16 10.11.5.0/24 2001:db8:11::/48" },
		{ "S2", "192.0.2.12", "10.12.0.0/16" },
		{ "S3", "192.0.2.13", "10.13.0.0/16" },
	};
	int star, other;

	mep_config_init(cfg);
	cfg->rim.enabled = true;
	for (int i = M1; i <= S3; i++)
		assert_int_equal(fixture_add_gateway(cfg, gws[i].name,
						     gws[i].address,
						     gws[i].domains),
				 i);
	cfg->gateways[M1].has_pool = true;
	cfg->gateways[M1].pool = fixture_prefix(pool);
	cfg->gateways[M2].has_pool = true;
	cfg->gateways[M2].pool = fixture_prefix("172.16.2.0/24");
	cfg->local_gateway = M1;
	star = fixture_add_community(cfg, "STAR", MEP_COMMUNITY_STAR);
	fixture_list_push(&cfg->communities[star].centers, M1);
	fixture_list_push(&cfg->communities[star].centers, M2);
	fixture_list_push(&cfg->communities[star].satellites, S1);
	fixture_list_push(&cfg->communities[star].satellites, S2);
	cfg->communities[star].return_path = MEP_RETURN_IP_POOL_NAT;
	other = fixture_add_community(cfg, "OTHER", MEP_COMMUNITY_STAR);
	fixture_list_push(&cfg->communities[other].centers, M1);
	fixture_list_push(&cfg->communities[other].satellites, S3);
	cfg->communities[other].return_path = MEP_RETURN_RIM;
}

static const char *batch(const struct nat_spec *want, bool present,
			 const struct nat_spec *applied,
			 const char (*sets)[NAT_NAME_MAX], size_t n_sets)
{
	static char out[8192];
	struct strbuf b = STRBUF_INIT;

	nat_rules_batch(want, present, applied, sets, n_sets, &b);
	snprintf(out, sizeof(out), "%s", strbuf_str(&b));
	strbuf_free(&b);
	if (getenv("NAT_RULES_PRINT"))
		printf("---\n%s", out);
	return out;
}

static void test_spec(void **state)
{
	struct mep_config cfg;
	struct nat_spec s;
	struct mep_addr a;

	(void)state;
	make_cfg(&cfg, "172.16.1.0/30");
	nat_spec_init(&s);
	assert_int_equal(nat_spec_build(&cfg, M1, &s), 0);
	assert_true(s.on);
	assert_int_equal(s.gateway, M1);
	assert_int_equal(s.size, 4);
	assert_int_equal(s.admit, 4);
	assert_false(s.xfrm);
	assert_string_equal(s.iif, "ipsec0");
	/* S1's and S2's domains, not S3's (a rim community) */
	assert_int_equal(s.n_domains, 4);
	assert_int_equal(mep_addr_parse("10.11.5.7", &a), 0);
	assert_int_equal(nat_spec_satellite(&s, &a), S1);
	assert_int_equal(mep_addr_parse("10.12.0.1", &a), 0);
	assert_int_equal(nat_spec_satellite(&s, &a), S2);
	assert_int_equal(mep_addr_parse("10.13.0.1", &a), 0);
	assert_int_equal(nat_spec_satellite(&s, &a), -1);
	assert_int_equal(mep_addr_parse("2001:db8:11::9", &a), 0);
	assert_int_equal(nat_spec_satellite(&s, &a), S1);
	/* a satellite does no NAT; nor a center without a pool */
	assert_int_equal(nat_spec_build(&cfg, S1, &s), 0);
	assert_false(s.on);
	cfg.gateways[M1].has_pool = false;
	assert_int_equal(nat_spec_build(&cfg, M1, &s), 0);
	assert_false(s.on);
	/* a pool of one address: one source at a time */
	cfg.gateways[M1].has_pool = true;
	cfg.gateways[M1].pool = fixture_prefix("172.16.1.9/32");
	assert_int_equal(nat_spec_build(&cfg, M1, &s), 0);
	assert_int_equal(s.size, 1);
	assert_int_equal(s.admit, 1);
	/* a large IPv6 pool: admission capped */
	cfg.gateways[M1].pool = fixture_prefix("fd00:1::/64");
	assert_int_equal(nat_spec_build(&cfg, M1, &s), 0);
	assert_int_equal(s.size, UINT64_MAX);
	assert_int_equal(s.admit, NAT_ADMIT_MAX);
	nat_spec_free(&s);
	mep_config_free(&cfg);
}

static void test_batch_ipv4(void **state)
{
	struct mep_config cfg;
	struct nat_spec s, t;
	static const char sets[3][NAT_NAME_MAX] = { "domains4", "admit4_30",
						    "admit4_24" };
	const char *b;

	(void)state;
	make_cfg(&cfg, "172.16.1.0/30");
	nat_spec_init(&s);
	nat_spec_init(&t);
	assert_int_equal(nat_spec_build(&cfg, M1, &s), 0);
	b = batch(&s, false, NULL, NULL, 0);
	assert_string_equal(
		b,
		"add table inet ripd_mep_nat { comment \"ripd-mep ip-pool-nat\"; }\n"
		"add counter inet ripd_mep_nat refused\n"
		"add chain inet ripd_mep_nat postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
		"add chain inet ripd_mep_nat pool\n"
		"flush chain inet ripd_mep_nat postrouting\n"
		"flush chain inet ripd_mep_nat pool\n"
		"add set inet ripd_mep_nat domains4 { type ipv4_addr; flags interval; }\n"
		"flush set inet ripd_mep_nat domains4\n"
		"add element inet ripd_mep_nat domains4 { 10.11.0.0/16, 10.12.0.0/16 }\n"
		"add set inet ripd_mep_nat admit4_30 { type ipv4_addr; size 4; flags dynamic; }\n"
		"add rule inet ripd_mep_nat postrouting iifname \"ipsec0\" oifname != \"ipsec0\" ip saddr @domains4 jump pool\n"
		"add rule inet ripd_mep_nat pool add @admit4_30 { ip saddr } snat ip to 172.16.1.0/30 persistent\n"
		"add rule inet ripd_mep_nat pool counter name \"refused\" drop\n");
	/* no change: no batch */
	assert_int_equal(nat_spec_copy(&t, &s), 0);
	assert_true(nat_spec_same(&s, &t));
	assert_string_equal(batch(&s, true, &t, NULL, 0), "");
	/* unknown content (adopted): the whole batch again, with the
	 * sets it does not use deleted; the admission set kept */
	b = batch(&s, true, NULL, sets, 3);
	assert_non_null(strstr(b, "delete set inet ripd_mep_nat admit4_24\n"));
	assert_null(strstr(b, "delete set inet ripd_mep_nat admit4_30"));
	assert_null(strstr(b, "delete set inet ripd_mep_nat domains4"));
	/* the delete comes after the flush of the chains that use it */
	assert_true(strstr(b, "delete set") > strstr(b, "flush chain inet ripd_mep_nat pool"));
	/* a domain change: a batch */
	cfg.gateways[S2].domain[0] = fixture_prefix("10.12.0.0/17");
	assert_int_equal(nat_spec_build(&cfg, M1, &s), 0);
	assert_false(nat_spec_same(&s, &t));
	assert_non_null(strstr(batch(&s, true, &t, NULL, 0),
			       "{ 10.11.0.0/16, 10.12.0.0/17 }"));
	/* another interface: a batch */
	assert_int_equal(nat_spec_build(&cfg, M1, &t), 0);
	snprintf(cfg.rim.interface, sizeof(cfg.rim.interface), "vpn1");
	assert_int_equal(nat_spec_build(&cfg, M1, &s), 0);
	assert_false(nat_spec_same(&s, &t));
	assert_non_null(strstr(batch(&s, true, &t, NULL, 0),
			       "iifname \"vpn1\" oifname != \"vpn1\""));
	/* the xfrm datapath */
	cfg.ipsec.datapath_xfrm = true;
	assert_int_equal(nat_spec_build(&cfg, M1, &s), 0);
	assert_non_null(strstr(batch(&s, true, &t, NULL, 0),
			       "postrouting meta ipsec exists ip saddr "
			       "@domains4 jump pool\n"));
	/* the feature off: the table deleted, when present */
	cfg.communities[0].return_path = MEP_RETURN_NONE;
	assert_int_equal(nat_spec_build(&cfg, M1, &s), 0);
	assert_false(s.on);
	assert_string_equal(batch(&s, true, &t, NULL, 0),
			    "delete table inet ripd_mep_nat\n");
	assert_string_equal(batch(&s, false, NULL, NULL, 0), "");
	nat_spec_free(&s);
	nat_spec_free(&t);
	mep_config_free(&cfg);
}

static void test_batch_ipv6(void **state)
{
	struct mep_config cfg;
	struct nat_spec s;
	static const char sets[2][NAT_NAME_MAX] = { "domains4", "admit4_30" };
	const char *b;

	(void)state;
	make_cfg(&cfg, "fd00:16:1::/120");
	nat_spec_init(&s);
	assert_int_equal(nat_spec_build(&cfg, M1, &s), 0);
	assert_int_equal(s.size, 256);
	b = batch(&s, true, NULL, sets, 2);
	assert_non_null(strstr(b, "add set inet ripd_mep_nat domains6 { type ipv6_addr; flags interval; }\n"));
	assert_non_null(strstr(b, "add element inet ripd_mep_nat domains6 { 2001:db8:11::/48 }\n"));
	assert_non_null(strstr(b, "add set inet ripd_mep_nat admit6_120 { type ipv6_addr; size 256; flags dynamic; }\n"));
	assert_non_null(strstr(b, "ip6 saddr @domains6 jump pool\n"));
	assert_non_null(strstr(b, "pool add @admit6_120 { ip6 saddr } snat ip6 to fd00:16:1::/120 persistent\n"));
	/* the IPv4 sets of before are deleted */
	assert_non_null(strstr(b, "delete set inet ripd_mep_nat domains4\n"));
	assert_non_null(strstr(b, "delete set inet ripd_mep_nat admit4_30\n"));
	/* no IPv6 domain: no element line, the rule stays */
	cfg.gateways[S1].n_domain = 2;
	assert_int_equal(nat_spec_build(&cfg, M1, &s), 0);
	b = batch(&s, false, NULL, NULL, 0);
	assert_null(strstr(b, "add element"));
	assert_non_null(strstr(b, "@domains6 jump pool"));
	nat_spec_free(&s);
	mep_config_free(&cfg);
}

static void test_release(void **state)
{
	struct mep_config cfg;
	struct nat_spec s;
	struct strbuf b = STRBUF_INIT;
	struct mep_addr a[2];

	(void)state;
	make_cfg(&cfg, "172.16.1.0/30");
	nat_spec_init(&s);
	assert_int_equal(nat_spec_build(&cfg, M1, &s), 0);
	assert_int_equal(mep_addr_parse("10.11.0.2", &a[0]), 0);
	assert_int_equal(mep_addr_parse("10.12.0.3", &a[1]), 0);
	nat_rules_release(&s, a, 2, &b);
	assert_string_equal(strbuf_str(&b),
			    "delete element inet ripd_mep_nat admit4_30 { "
			    "10.11.0.2, 10.12.0.3 }\n");
	strbuf_reset(&b);
	nat_rules_admit(&s, a, 1, &b);
	assert_string_equal(strbuf_str(&b),
			    "add element inet ripd_mep_nat admit4_30 { "
			    "10.11.0.2 }\n");
	strbuf_reset(&b);
	nat_rules_release(&s, a, 0, &b);
	assert_string_equal(strbuf_str(&b), "");
	strbuf_free(&b);
	nat_spec_free(&s);
	mep_config_free(&cfg);
}

static void count_addr(void *arg, const struct mep_addr *a)
{
	char buf[MEP_PREFIX_STRLEN];
	struct strbuf *b = arg;

	strbuf_printf(b, "%s;", mep_addr_str(a, buf, sizeof(buf)));
}

static void test_listing(void **state)
{
	struct nat_listing l;
	struct strbuf b = STRBUF_INIT;
	static const char listing[] =
		"table inet ripd_mep_nat {\n"
		"\tcomment \"ripd-mep ip-pool-nat\"\n"
		"\tcounter refused {\n\t\tpackets 2 bytes 168\n\t}\n\n"
		"\tset domains4 {\n\t\ttype ipv4_addr\n"
		"\t\tflags interval\n"
		"\t\telements = { 10.13.0.0/16 }\n\t}\n\n"
		"\tset admit4_30 {\n\t\ttype ipv4_addr\n\t}\n"
		"\tchain pool {\n\t\tcounter name \"refused\" drop\n"
		"\t}\n}\n";

	(void)state;
	nat_listing_parse(listing, &l);
	assert_true(nft_listing_owned(listing, NAT_TABLE_COMMENT));
	assert_int_equal(l.n_sets, 2);
	assert_string_equal(l.sets[0], "domains4");
	assert_string_equal(l.sets[1], "admit4_30");
	/* someone else's table of that name */
	assert_false(nft_listing_owned("table inet ripd_mep_nat {\n"
				       "\tchain c {\n\t\tcomment "
				       "\"ripd-mep ip-pool-nat\"\n"
				       "\t}\n}\n",
				       NAT_TABLE_COMMENT));
	assert_false(nft_listing_owned("table inet ripd_mep_nat {\n"
				       "\tcomment \"another one\"\n}\n",
				       NAT_TABLE_COMMENT));
	/* a comment that only begins like ours */
	assert_false(nft_listing_owned("table inet ripd_mep_nat {\n"
				       "\tcomment \"ripd-mep ip-pool-nat2\"\n}\n",
				       NAT_TABLE_COMMENT));
	assert_false(nft_listing_owned("", NAT_TABLE_COMMENT));
	nat_listing_parse("", &l);
	assert_int_equal(l.n_sets, 0);
	/* elements */
	assert_int_equal(nat_listing_elements(
				 "table inet ripd_mep_nat {\n\tset admit4_30 {\n"
				 "\t\telements = { 10.13.0.2, 10.13.0.3,\n"
				 "\t\t\t     10.13.0.4 expires 3s, 10.0.0.0/8,"
				 " fd00::1 }\n\t}\n}\n",
				 count_addr, &b),
			 4);
	assert_string_equal(strbuf_str(&b),
			    "10.13.0.2;10.13.0.3;10.13.0.4;fd00::1;");
	assert_int_equal(nat_listing_elements("set x {\n}\n", count_addr, &b),
			 0);
	strbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_batch_ipv4),
		cmocka_unit_test(test_batch_ipv6),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_listing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
