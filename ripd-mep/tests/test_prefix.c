/* Unit tests of prefix: parsing, printing, containment and overlap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/socket.h>

#include "prefix.h"

static struct mep_prefix P(const char *s)
{
	struct mep_prefix p;

	assert_int_equal(mep_prefix_parse(s, &p, NULL), 0);
	return p;
}

static struct mep_addr A(const char *s)
{
	struct mep_addr a;

	assert_int_equal(mep_addr_parse(s, &a), 0);
	return a;
}

static void test_parse_good(void **state)
{
	char buf[MEP_PREFIX_STRLEN];
	struct mep_prefix p = P("10.1.0.0/16");

	(void)state;
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.len, 16);
	assert_string_equal(mep_prefix_str(&p, buf, sizeof(buf)), "10.1.0.0/16");
	p = P("2001:db8::/32");
	assert_int_equal(p.family, AF_INET6);
	assert_string_equal(mep_prefix_str(&p, buf, sizeof(buf)),
			    "2001:db8::/32");
	p = P("0.0.0.0/0");
	assert_int_equal(p.len, 0);
	p = P("192.0.2.1/32");
	assert_int_equal(p.len, 32);
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"10.1.0.0",   "10.1.0.0/33", "10.1.0.0/",  "/8",
		"10.1.0.300/16", "10.1.0.1/16", "x/8",	      "10.1.0.0/1a",
		"2001:db8::/129", "2001:db8::1/64", "", "10.1.0.0/-1",
	};
	struct mep_prefix p;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(mep_prefix_parse(bad[i], &p, &why), -1);
		assert_non_null(why);
	}
	mep_prefix_parse("10.1.0.1/16", &p, &why);
	assert_non_null(strstr(why, "host bits"));
	mep_prefix_parse("10.1.0.0/40", &p, &why);
	assert_non_null(strstr(why, "length"));
}

static void test_contains_overlaps(void **state)
{
	struct mep_prefix a = P("10.1.0.0/16"), b = P("10.1.2.0/24"),
			  c = P("10.2.0.0/16"), v6 = P("2001:db8::/32");
	struct mep_addr x = A("10.1.200.7"), y = A("10.2.0.1"),
			z = A("2001:db8::1");

	(void)state;
	assert_true(mep_prefix_contains(&a, &x));
	assert_false(mep_prefix_contains(&a, &y));
	assert_false(mep_prefix_contains(&a, &z));
	assert_true(mep_prefix_contains(&v6, &z));
	assert_true(mep_prefix_overlaps(&a, &b));
	assert_true(mep_prefix_overlaps(&b, &a));
	assert_false(mep_prefix_overlaps(&a, &c));
	assert_false(mep_prefix_overlaps(&a, &v6));
	assert_true(mep_prefix_covers(&a, &b));
	assert_false(mep_prefix_covers(&b, &a));
	assert_true(mep_prefix_equal(&a, &a));
	assert_true(mep_addr_equal(&x, &x));
	assert_false(mep_addr_equal(&x, &y));
	assert_false(mep_addr_equal(&x, &z));
	assert_false(mep_prefix_equal(&a, &b));
	/* non-octet boundary */
	a = P("10.1.0.0/17");
	x = A("10.1.127.255");
	y = A("10.1.128.0");
	assert_true(mep_prefix_contains(&a, &x));
	assert_false(mep_prefix_contains(&a, &y));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_contains_overlaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
