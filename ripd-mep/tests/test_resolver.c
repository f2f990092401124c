/* test_resolver: non-blocking name lookups: an IP literal at once, a name
 * (localhost, from /etc/hosts) pending, then answered after the change
 * callback ran on the loop; the port is applied; freeing with a lookup in
 * flight waits for it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>
#include <ev.h>

#include "resolver.h"

static int changes;

static void on_change(void *arg)
{
	struct ev_loop *loop = arg;

	changes++;
	ev_break(loop, EVBREAK_ALL);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static uint16_t port_of(const struct sockaddr_storage *sa)
{
	return ntohs(sa->ss_family == AF_INET6
			     ? ((const struct sockaddr_in6 *)sa)->sin6_port
			     : ((const struct sockaddr_in *)sa)->sin_port);
}

static void test_literal_and_name(void **state)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct resolver *r = resolver_new(loop, on_change, loop);
	struct sockaddr_storage sa;
	socklen_t len;
	ev_timer t;

	(void)state;
	assert_non_null(r);
	changes = 0;
	assert_int_equal(resolver_lookup(r, "192.0.2.7", 18259, &sa, &len),
			 RESOLVER_OK);
	assert_int_equal(sa.ss_family, AF_INET);
	assert_int_equal(port_of(&sa), 18259);
	assert_int_equal(resolver_lookup(r, "2001:db8::1", 7, &sa, &len),
			 RESOLVER_OK);
	assert_int_equal(sa.ss_family, AF_INET6);
	assert_int_equal(port_of(&sa), 7);
	assert_int_equal(changes, 0);

	assert_int_equal(resolver_lookup(r, "localhost", 99, &sa, &len),
			 RESOLVER_PENDING);
	ev_timer_init(&t, on_timeout, 10.0, 0.0);
	ev_timer_start(loop, &t);
	ev_run(loop, 0);
	ev_timer_stop(loop, &t);
	assert_int_equal(changes, 1);
	assert_int_equal(resolver_lookup(r, "localhost", 99, &sa, &len),
			 RESOLVER_OK);
	assert_true(sa.ss_family == AF_INET || sa.ss_family == AF_INET6);
	assert_int_equal(port_of(&sa), 99);
	/* the same name with another port: no new lookup */
	assert_int_equal(resolver_lookup(r, "localhost", 5, &sa, &len),
			 RESOLVER_OK);
	assert_int_equal(port_of(&sa), 5);

	/* bad input */
	assert_int_equal(resolver_lookup(r, "", 1, &sa, &len),
			 RESOLVER_FAILED);
	assert_int_equal(resolver_lookup(r, NULL, 1, &sa, &len),
			 RESOLVER_FAILED);
	resolver_free(r);
	ev_loop_destroy(loop);
}

static void test_free_in_flight(void **state)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct resolver *r = resolver_new(loop, on_change, loop);
	struct sockaddr_storage sa;
	socklen_t len;

	(void)state;
	assert_non_null(r);
	assert_int_equal(resolver_lookup(r, "localhost", 1, &sa, &len),
			 RESOLVER_PENDING);
	resolver_free(r);	/* waits for the worker */
	ev_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_and_name),
		cmocka_unit_test(test_free_in_flight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
