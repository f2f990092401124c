/* Unit tests of prefix (parsing, printing, containment and overlap) and
 * prefix_index (hashed positions by prefix). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/socket.h>

#include <stdlib.h>

#include "prefix.h"
#include "prefix_index.h"

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

/* An element of a caller's array: the prefix first, then anything. */
struct elem {
	struct mep_prefix p;
	unsigned int payload;
};

/* The k-th distinct prefix (k < 196608): for j = k / 3, 10.j.0/24, the
 * same as /25, and 0a00:j::/48, so that the family and the length must
 * be compared too. */
static struct mep_prefix nth(unsigned int k)
{
	static const uint8_t fam[] = { AF_INET, AF_INET, AF_INET6 };
	static const uint8_t len[] = { 24, 25, 48 };
	struct mep_prefix p;
	unsigned int j = k / 3;

	memset(&p, 0, sizeof(p));
	p.family = fam[k % 3];
	p.len = len[k % 3];
	p.addr[0] = 10;
	p.addr[1] = (uint8_t)(j >> 8);
	p.addr[2] = (uint8_t)j;
	return p;
}

static void test_valid_mask(void **state)
{
	struct mep_prefix p = { .family = AF_INET, .len = 20 }, m;

	(void)state;
	assert_int_equal(mep_family_bytes(AF_INET), 4);
	assert_int_equal(mep_family_bytes(AF_INET6), 16);
	assert_int_equal(mep_family_bytes(0), 0);
	memset(p.addr, 0xff, sizeof(p.addr));
	assert_true(mep_prefix_valid(&p));
	m = mep_prefix_masked(&p);
	/* 255.255.240.0, and nothing past the IPv4 address */
	assert_int_equal(m.addr[0], 0xff);
	assert_int_equal(m.addr[1], 0xff);
	assert_int_equal(m.addr[2], 0xf0);
	assert_int_equal(m.addr[3], 0);
	for (size_t i = 4; i < sizeof(m.addr); i++)
		assert_int_equal(m.addr[i], 0);
	/* masking twice changes nothing; the original is untouched */
	mep_prefix_mask(&m);
	assert_int_equal(m.addr[2], 0xf0);
	assert_int_equal(p.addr[2], 0xff);
	p.len = 33;
	assert_false(mep_prefix_valid(&p));
	p.family = AF_INET6;
	p.len = 128;
	assert_true(mep_prefix_valid(&p));
	m = mep_prefix_masked(&p);
	assert_int_equal(m.addr[15], 0xff);
	p.len = 129;
	assert_false(mep_prefix_valid(&p));
	p.family = 99;
	p.len = 0;
	assert_false(mep_prefix_valid(&p));
	p.len = 8;
	p.family = AF_INET6;
	m = mep_prefix_masked(&p);
	assert_int_equal(m.addr[0], 0xff);
	assert_int_equal(m.addr[1], 0);
	/* a parsed prefix is valid and already masked */
	m = P("2001:db8::/32");
	assert_true(mep_prefix_valid(&m));
	p = mep_prefix_masked(&m);
	assert_true(mep_prefix_equal(&p, &m));
}

static void test_prefix_index(void **state)
{
	enum { N = 30000 };
	static bool member[2 * N];
	struct prefix_index x;
	struct elem *v = NULL;
	size_t n = 0, cap = 0;
	unsigned int seed = 3;
	struct mep_prefix none;

	(void)state;
	memset(&none, 0, sizeof(none));
	prefix_index_init(&x);
	assert_int_equal(prefix_index_find(&x, v, sizeof(*v), &none), -1);
	/* positions follow the array as it grows (and moves) */
	for (unsigned int i = 0; i < N; i++) {
		unsigned int k = (unsigned int)rand_r(&seed) % (2 * N);
		struct mep_prefix p = nth(k);

		if (prefix_index_find(&x, v, sizeof(*v), &p) >= 0) {
			assert_true(member[k]);
			continue;
		}
		assert_false(member[k]);
		if (n == cap) {
			cap = cap ? 2 * cap : 4;
			v = realloc(v, cap * sizeof(*v));
			assert_non_null(v);
		}
		v[n] = (struct elem){ .p = p, .payload = k };
		assert_int_equal(prefix_index_add(&x, v, sizeof(*v), n), 0);
		member[k] = true;
		n++;
	}
	assert_int_equal(x.n, n);
	assert_true(n > N / 2);
	/* every member found at its position; the others not found */
	for (unsigned int k = 0; k < 2 * N; k++) {
		struct mep_prefix p = nth(k);
		long pos = prefix_index_find(&x, v, sizeof(*v), &p);

		if (!member[k]) {
			assert_int_equal(pos, -1);
			continue;
		}
		assert_true(pos >= 0 && (size_t)pos < n);
		assert_int_equal(v[pos].payload, k);
		assert_memory_equal(&v[pos].p, &p, sizeof(p));
	}
	/* cleared: nothing found, and it fills again */
	prefix_index_clear(&x);
	assert_int_equal(prefix_index_find(&x, v, sizeof(*v), &v[0].p), -1);
	assert_int_equal(prefix_index_add(&x, v, sizeof(*v), 1), 0);
	assert_int_equal(prefix_index_find(&x, v, sizeof(*v), &v[1].p), 1);
	assert_int_equal(prefix_index_find(&x, v, sizeof(*v), &v[0].p), -1);
	prefix_index_free(&x);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_contains_overlaps),
		cmocka_unit_test(test_valid_mask),
		cmocka_unit_test(test_prefix_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
