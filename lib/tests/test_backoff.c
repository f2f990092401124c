/* Unit tests of backoff: doubling, cap, reset, refused bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "backoff.h"

static void test_doubles_to_cap(void **state)
{
	struct backoff b = { 0 };

	(void)state;
	backoff_set(&b, 0.5, 3.0);
	assert_true(backoff_next(&b) == 0.5);
	assert_true(backoff_next(&b) == 1.0);
	assert_true(backoff_next(&b) == 2.0);
	assert_true(backoff_next(&b) == 3.0);
	assert_true(backoff_next(&b) == 3.0);
	backoff_reset(&b);
	assert_true(backoff_next(&b) == 0.5);
}

static void test_bad_bounds_ignored(void **state)
{
	struct backoff b = { 0 };

	(void)state;
	backoff_set(&b, 0.2, 5.0);
	backoff_set(&b, 0, 1.0);
	backoff_set(&b, 2.0, 1.0);
	backoff_set(&b, -1.0, 1.0);
	assert_true(backoff_next(&b) == 0.2);
	assert_true(b.max == 5.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubles_to_cap),
		cmocka_unit_test(test_bad_bounds_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
