/* test_mepsh_filter: mepsh's output filters (| include, exclude, begin,
 * count): splitting the line, errors, applying them, completion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cmd.h"
#include "mepsh_filter.h"

static const char text[] = "Gateway  Address\n"
			   "M1       192.0.2.1 up\n"
			   "M2       192.0.2.2 down\n"
			   "S1       198.51.100.1 up";

/* Parse line and apply its filter to text; returns the status, *cmd the
 * command part, out the result or the error. */
static int run(const char *line, char *cmd, struct strbuf *out)
{
	struct mepsh_filter f;
	size_t n;
	int rc;

	strbuf_reset(out);
	rc = mepsh_filter_parse(line, &n, &f, out);
	memcpy(cmd, line, n);
	cmd[n] = '\0';
	if (rc != CMD_SUCCESS)
		return rc;
	mepsh_filter_apply(&f, text, strlen(text), out);
	mepsh_filter_free(&f);
	return rc;
}

static void test_filters(void **state)
{
	struct strbuf o = STRBUF_INIT;
	char cmd[128];

	(void)state;
	assert_int_equal(run("show mep gateways", cmd, &o), CMD_SUCCESS);
	assert_string_equal(cmd, "show mep gateways");
	assert_string_equal(strbuf_str(&o), text);
	assert_int_equal(run("show mep gateways | include  up$", cmd, &o),
			 CMD_SUCCESS);
	assert_string_equal(cmd, "show mep gateways");
	assert_string_equal(strbuf_str(&o), "M1       192.0.2.1 up\n"
					    "S1       198.51.100.1 up\n");
	assert_int_equal(run("x|inc down|^Gate", cmd, &o), CMD_SUCCESS);
	assert_string_equal(cmd, "x");
	assert_string_equal(strbuf_str(&o), "Gateway  Address\n"
					    "M2       192.0.2.2 down\n");
	assert_int_equal(run("x | exclude 192\\.0\\.2", cmd, &o), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&o), "Gateway  Address\n"
					    "S1       198.51.100.1 up\n");
	assert_int_equal(run("x | begin ^M2", cmd, &o), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&o), "M2       192.0.2.2 down\n"
					    "S1       198.51.100.1 up\n");
	assert_int_equal(run("x | count", cmd, &o), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&o), "4\n");
	assert_int_equal(run("x | co", cmd, &o), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&o), "4\n");
	assert_int_equal(run("x | include nomatch", cmd, &o), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&o), "");
	strbuf_free(&o);
}

static void test_errors(void **state)
{
	struct strbuf o = STRBUF_INIT;
	char cmd[128];

	(void)state;
	assert_int_equal(run("x | include (", cmd, &o), CMD_ERR_NO_MATCH);
	assert_non_null(strstr(strbuf_str(&o), "% Bad regular expression"));
	assert_int_equal(run("x | include", cmd, &o), CMD_ERR_INCOMPLETE);
	assert_int_equal(run("x |", cmd, &o), CMD_ERR_INCOMPLETE);
	assert_int_equal(run("| count", cmd, &o), CMD_ERR_INCOMPLETE);
	assert_int_equal(run("x | grep y", cmd, &o), CMD_ERR_NO_MATCH);
	assert_non_null(strstr(strbuf_str(&o), "% Unknown filter: grep"));
	assert_int_equal(run("x | count 3", cmd, &o), CMD_ERR_NO_MATCH);
	assert_int_equal(run("x | ex", cmd, &o), CMD_ERR_INCOMPLETE);
	strbuf_free(&o);
}

static void test_complete(void **state)
{
	struct strbuf o = STRBUF_INIT;

	(void)state;
	assert_int_equal(mepsh_filter_complete(" ", &o), CMD_SUCCESS);
	assert_non_null(strstr(strbuf_str(&o), "include\t"));
	assert_non_null(strstr(strbuf_str(&o), "count\tCount the lines\n"));
	strbuf_reset(&o);
	assert_int_equal(mepsh_filter_complete(" e", &o), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&o),
			    "exclude\tOnly the lines not matching a regular "
			    "expression\n");
	strbuf_reset(&o);
	assert_int_equal(mepsh_filter_complete(" inc ", &o), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&o),
			    "REGEX\tPOSIX extended regular expression\n");
	strbuf_reset(&o);
	assert_int_equal(mepsh_filter_complete(" count ", &o), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&o), "<cr>\t\n");
	assert_int_equal(mepsh_filter_complete(" grep ", &o),
			 CMD_ERR_NO_MATCH);
	strbuf_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
