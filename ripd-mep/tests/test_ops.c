/* Unit tests of the pure parts of operations support: the log rate
 * limiter (log_ratelimit_step/suffix), the log level names and the
 * systemd notification protocol (address, watchdog period, message). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "log.h"
#include "sd_notify.h"

static void test_ratelimit_window(void **state)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(60);
	struct log_ratelimit_verdict v;
	char sfx[96];

	(void)state;
	v = log_ratelimit_step(&rl, "connect: No such file", 0);
	assert_true(v.print);
	assert_int_equal(v.repeated, 0);
	log_ratelimit_suffix(&v, sfx, sizeof(sfx));
	assert_string_equal(sfx, "");
	/* a reconnect every 10 s: five repeats inside the window */
	for (int t = 10; t < 60; t += 10)
		assert_false(log_ratelimit_step(&rl, "connect: No such file",
						t)
				     .print);
	v = log_ratelimit_step(&rl, "connect: No such file", 60);
	assert_true(v.print);
	assert_true(v.same_key);
	assert_int_equal(v.repeated, 5);
	log_ratelimit_suffix(&v, sfx, sizeof(sfx));
	assert_string_equal(sfx, " (repeated 5 times in the last 60 s)");
	/* the window restarted at 60 */
	assert_false(log_ratelimit_step(&rl, "connect: No such file", 70)
			     .print);
}

static void test_ratelimit_new_key(void **state)
{
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(60);
	struct log_ratelimit_verdict v;
	char sfx[96];

	(void)state;
	assert_true(log_ratelimit_step(&rl, "a", 0).print);
	assert_false(log_ratelimit_step(&rl, "a", 1).print);
	/* another reason is logged at once, with the count of the old one */
	v = log_ratelimit_step(&rl, "b", 2);
	assert_true(v.print);
	assert_false(v.same_key);
	assert_int_equal(v.repeated, 1);
	log_ratelimit_suffix(&v, sfx, sizeof(sfx));
	assert_string_equal(sfx, " (repeated 1 time in the last 2 s)");
	v = log_ratelimit_step(&rl, "b", 3);
	assert_false(v.print);
	/* nothing suppressed: no suffix after the window */
	v = log_ratelimit_step(&rl, "b", 200);
	assert_true(v.print);
	assert_int_equal(v.repeated, 1);
	v = log_ratelimit_step(&rl, "b", 400);
	assert_true(v.print);
	assert_int_equal(v.repeated, 0);
}

static void test_level_names(void **state)
{
	(void)state;
	assert_int_equal(log_level_by_name("debugging"), LOG_DEBUG);
	assert_int_equal(log_level_by_name("errors"), LOG_ERR);
	assert_int_equal(log_level_by_name("emergencies"), LOG_EMERG);
	assert_int_equal(log_level_by_name("debug"), -1);
	assert_int_equal(log_level_by_name(""), -1);
	assert_string_equal(log_level_name(LOG_NOTICE), "notifications");
	assert_string_equal(log_level_name(99), "?");
}

static void test_notify_addr(void **state)
{
	struct sockaddr_un sa;
	socklen_t len;

	(void)state;
	assert_int_equal(sd_notify_parse_addr("/run/systemd/notify", &sa, &len),
			 0);
	assert_string_equal(sa.sun_path, "/run/systemd/notify");
	assert_int_equal(len, offsetof(struct sockaddr_un, sun_path) +
				      strlen("/run/systemd/notify") + 1);
	/* abstract: leading NUL, no trailing one counted */
	assert_int_equal(sd_notify_parse_addr("@ripd/notify", &sa, &len), 0);
	assert_int_equal(sa.sun_path[0], '\0');
	assert_memory_equal(sa.sun_path + 1, "ripd/notify", 11);
	assert_int_equal(len, offsetof(struct sockaddr_un, sun_path) + 12);
	assert_int_equal(sd_notify_parse_addr("relative", &sa, &len), -1);
	assert_int_equal(sd_notify_parse_addr("", &sa, &len), -1);
	assert_int_equal(sd_notify_parse_addr("@", &sa, &len), -1);
	assert_int_equal(sd_notify_parse_addr(NULL, &sa, &len), -1);
	char longname[200];

	memset(longname, 'x', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(sd_notify_parse_addr(longname, &sa, &len), -1);
	/* 107 bytes + NUL fit a path; 108 bytes fit an abstract name */
	longname[107] = '\0';
	assert_int_equal(sd_notify_parse_addr(longname, &sa, &len), 0);
	longname[0] = '@';
	longname[107] = 'x';
	longname[108] = '\0';
	assert_int_equal(sd_notify_parse_addr(longname, &sa, &len), 0);
}

static void test_watchdog_period(void **state)
{
	(void)state;
	assert_true(sd_notify_watchdog_period("20000000", NULL, 42) == 10.0);
	assert_true(sd_notify_watchdog_period("3000000", "42", 42) == 1.5);
	assert_true(sd_notify_watchdog_period("3000000", "", 42) == 1.5);
	assert_true(sd_notify_watchdog_period("3000000", "41", 42) == 0);
	assert_true(sd_notify_watchdog_period(NULL, NULL, 42) == 0);
	assert_true(sd_notify_watchdog_period("0", NULL, 42) == 0);
	assert_true(sd_notify_watchdog_period("-5", NULL, 42) == 0);
	assert_true(sd_notify_watchdog_period("10s", NULL, 42) == 0);
}

static void test_notify_format(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(sd_notify_format(buf, sizeof(buf), true, "running",
					  false),
			 23);
	assert_string_equal(buf, "READY=1\nSTATUS=running\n");
	sd_notify_format(buf, sizeof(buf), false, NULL, true);
	assert_string_equal(buf, "WATCHDOG=1\n");
	/* a status cannot smuggle in another field */
	sd_notify_format(buf, sizeof(buf), false, "bad\nREADY=1", false);
	assert_string_equal(buf, "STATUS=bad READY=1\n");
	assert_int_equal(sd_notify_format(buf, sizeof(buf), false, "", false),
			 8);
	assert_int_equal(sd_notify_format(buf, 10, true, "running", true), -1);
	assert_int_equal(sd_notify_format(buf, 0, true, NULL, false), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_window),
		cmocka_unit_test(test_ratelimit_new_key),
		cmocka_unit_test(test_level_names),
		cmocka_unit_test(test_notify_addr),
		cmocka_unit_test(test_watchdog_period),
		cmocka_unit_test(test_notify_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
