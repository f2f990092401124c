/* test_nat_ct_ids: the conntrack id set (nat_ct_ids.c): empty, add and
 * has, duplicates, id 0, growth over many ids (colliding homes too), and
 * freeing leaves an empty usable set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "nat_ct_ids.h"

static void test_basic(void **state)
{
	struct nat_ct_ids s;

	(void)state;
	nat_ct_ids_init(&s);
	assert_false(nat_ct_ids_has(&s, 7));
	assert_false(nat_ct_ids_has(&s, 0));
	assert_int_equal(nat_ct_ids_add(&s, 7), 1);
	assert_int_equal(nat_ct_ids_add(&s, 7), 0);
	assert_int_equal(nat_ct_ids_add(&s, 0), 1);
	assert_int_equal(nat_ct_ids_add(&s, 0), 0);
	assert_true(nat_ct_ids_has(&s, 7));
	assert_true(nat_ct_ids_has(&s, 0));
	assert_false(nat_ct_ids_has(&s, 8));
	assert_int_equal(s.n, 1);
	nat_ct_ids_free(&s);
	assert_false(nat_ct_ids_has(&s, 7));
	assert_false(nat_ct_ids_has(&s, 0));
	assert_int_equal(nat_ct_ids_add(&s, 7), 1);
	nat_ct_ids_free(&s);
}

/* distinct for i < 2^30 (an odd factor), low bits 01 */
static uint32_t spread(uint32_t i)
{
	return (i * 2654435761u) << 2 | 1u;
}

static void test_many(void **state)
{
	struct nat_ct_ids s;
	const uint32_t n = 100000;

	(void)state;
	nat_ct_ids_init(&s);
	/* multiples of 1024 (homes collide) and spread odd values; none
	 * is of the other family nor of the form 1024 i + 3 */
	for (uint32_t i = 1; i <= n; i++) {
		assert_int_equal(nat_ct_ids_add(&s, i * 1024u), 1);
		assert_int_equal(nat_ct_ids_add(&s, spread(i)), 1);
	}
	assert_int_equal(s.n, 2 * n);
	assert_true(2 * s.n <= s.cap);
	for (uint32_t i = 1; i <= n; i++) {
		assert_true(nat_ct_ids_has(&s, i * 1024u));
		assert_true(nat_ct_ids_has(&s, spread(i)));
		assert_false(nat_ct_ids_has(&s, i * 1024u + 3));
	}
	nat_ct_ids_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
