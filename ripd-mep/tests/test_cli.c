/* test_cli: the command tables and the vty commands (cmd_table, cli):
 * abbreviation, ambiguity, incomplete lines, extra words after every exec
 * command, completion candidates in exec mode and in each configuration
 * node, list/help from the table, the hidden queries, and the show
 * commands' text (show mep communities). A daemon without I/O
 * (daemon_init, no daemon_start) runs the commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "cmd_table.h"
#include "conf_load.h"
#include "daemon.h"

static const char conf_text[] =
	"mep\n"
	" local-gateway S1\n"
	" gateway M1\n"
	"  address 192.0.2.1\n"
	"  vpn-domain 10.1.0.0/16\n"
	" exit\n"
	" gateway M2\n"
	"  address 192.0.2.2\n"
	"  vpn-domain 10.2.0.0/16\n"
	" exit\n"
	" gateway S1\n"
	"  address 198.51.100.1\n"
	"  vpn-domain 10.11.0.0/16\n"
	" exit\n"
	" community STAR-1\n"
	"  type star\n"
	"  center M1\n"
	"  center M2\n"
	"  satellite S1\n"
	"  permanent-tunnels\n"
	"  mep enable\n"
	" exit\n"
	" rim\n"
	"  tag 7\n"
	" exit\n"
	"exit\n";

struct fixture {
	struct ly_ctx *ctx;
	struct daemon d;
	struct cli_session *s;
	struct strbuf out;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct conf_candidate cand;
	struct strbuf err = STRBUF_INIT;

	if (!f || ly_ctx_new(SRC_YANG_DIR, 0, &f->ctx) != LY_SUCCESS ||
	    !ly_ctx_load_module(f->ctx, "ripd-mep", NULL, NULL))
		return -1;
	if (daemon_init(&f->d, f->ctx, "/nonexistent/ripd-mep.conf", NULL) <
	    0)
		return -1;
	if (conf_load_text(f->ctx, conf_text, "t.conf", &cand, &err) < 0) {
		fprintf(stderr, "%s\n", strbuf_str(&err));
		return -1;
	}
	strbuf_free(&err);
	daemon_apply(&f->d, &cand);
	f->s = cli_session_new(&f->d);
	if (!f->s)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	cli_session_free(f->s);
	daemon_fini(&f->d);
	ly_ctx_destroy(f->ctx);
	strbuf_free(&f->out);
	free(f);
	return 0;
}

/* Run line; return its status, output in f->out. */
static int run(struct fixture *f, const char *line)
{
	strbuf_reset(&f->out);
	return cli_exec(f->s, line, &f->out);
}

static const char *out(struct fixture *f)
{
	return strbuf_str(&f->out);
}

static void assert_has(const char *text, const char *what)
{
	if (!strstr(text, what))
		fail_msg("\"%s\" not in:\n%s", what, text);
}

static void assert_lacks(const char *text, const char *what)
{
	if (strstr(text, what))
		fail_msg("\"%s\" unexpectedly in:\n%s", what, text);
}

/* ---- cmd_table alone ------------------------------------------------- */

static int fn_a(void *ctx, const struct cmd_args *a, struct strbuf *o)
{
	(void)ctx;
	(void)a;
	strbuf_puts(o, "a");
	return CMD_SUCCESS;
}

static const struct cmd_def toy[] = {
	{ "show mep [gateways|routes$what] [json]",
	  "Show\nMEP\nGateways\nRoutes\nJSON", fn_a },
	{ "show mep resolve A.B.C.D|X:X::X:X$src [from NAME$sat]",
	  "Show\nMEP\nResolve\nAddress\nFrom\nName", fn_a },
	{ "set (1-10)$n", "Set\nNumber", fn_a },
	{ "echo [TEXT...$text]", "Echo\nText", fn_a },
};

/* The args point into the table: it lives as long as the test. */
static struct cmd_table *toy_table;

static int toy_match(const char *line, struct cmd_args *a,
		     struct cmd_tokens **tp)
{
	struct strbuf o = STRBUF_INIT;
	struct cmd_table *t = toy_table;
	const char *why = NULL;
	int rc;

	*tp = cmd_tokenize(line, &why);
	assert_non_null(*tp);
	rc = cmd_table_match(t, *tp, line, a, &o);
	if (rc != CMD_SUCCESS)
		assert_non_null(strstr(strbuf_str(&o), line));
	strbuf_free(&o);
	return rc;
}

static void test_table_match(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct cmd_tokens *t;
	struct cmd_args a;

	(void)state;
	toy_table = cmd_table_new(toy, 4, &err);
	assert_non_null(toy_table);
	assert_int_equal(toy_match("sh m g j", &a, &t), CMD_SUCCESS);
	assert_string_equal(cmd_arg(&a, "what"), "gateways");
	assert_non_null(cmd_arg(&a, "json"));
	free(t);
	assert_int_equal(toy_match("show mep", &a, &t), CMD_SUCCESS);
	assert_null(cmd_arg(&a, "what"));
	assert_null(cmd_arg(&a, "json"));
	free(t);
	/* r: resolve or routes */
	assert_int_equal(toy_match("show mep r", &a, &t), CMD_ERR_AMBIGUOUS);
	free(t);
	assert_int_equal(toy_match("show mep res", &a, &t),
			 CMD_ERR_INCOMPLETE);
	free(t);
	assert_int_equal(toy_match("show mep res 10.0.0.1 from X", &a, &t),
			 CMD_SUCCESS);
	assert_string_equal(cmd_arg(&a, "src"), "10.0.0.1");
	assert_string_equal(cmd_arg(&a, "sat"), "X");
	free(t);
	assert_int_equal(toy_match("show mep res 10.0.0.300", &a, &t),
			 CMD_ERR_NO_MATCH);
	free(t);
	assert_int_equal(toy_match("show mep res 2001:db8::1 from", &a, &t),
			 CMD_ERR_INCOMPLETE);
	free(t);
	assert_int_equal(toy_match("show mep json x", &a, &t),
			 CMD_ERR_NO_MATCH);
	free(t);
	assert_int_equal(toy_match("set 10", &a, &t), CMD_SUCCESS);
	free(t);
	assert_int_equal(toy_match("set 11", &a, &t), CMD_ERR_NO_MATCH);
	free(t);
	assert_int_equal(toy_match("echo  a  b ", &a, &t), CMD_SUCCESS);
	assert_string_equal(cmd_arg(&a, "text"), "a  b ");
	free(t);
	cmd_table_free(toy_table);
	strbuf_free(&err);
}

static void test_table_errors(void **state)
{
	static const struct cmd_def bad[][1] = {
		{ { "show x", "only one", NULL } },
		{ { "show", "one\ntwo", NULL } },
		{ { "show [x", "a\nb", NULL } },
		{ { "show [[x]]", "a\nb", NULL } },
		{ { "x A... y", "a\nb\nc", NULL } },
		{ { "x up|down$x", "a\nb\nc", NULL } },
	};
	struct strbuf err = STRBUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&err);
		assert_null(cmd_table_new(bad[i], 1, &err));
		assert_true(err.len > 0);
	}
	strbuf_free(&err);
}

static void test_table_complete(void **state)
{
	struct strbuf err = STRBUF_INIT, o = STRBUF_INIT, fmt = STRBUF_INIT;
	struct cmd_table *t = cmd_table_new(toy, 4, &err);

	(void)state;
	assert_int_equal(cmd_table_complete(t, "show mep ", &o), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&o), "gateways\tGateways\n"
					    "json\tJSON\n"
					    "resolve\tResolve\n"
					    "routes\tRoutes\n"
					    "<cr>\t\n");
	strbuf_reset(&o);
	assert_int_equal(cmd_table_complete(t, "show mep r", &o), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&o), "resolve\tResolve\n"
					    "routes\tRoutes\n");
	strbuf_reset(&o);
	assert_int_equal(cmd_table_complete(t, "sh mep res ", &o),
			 CMD_SUCCESS);
	assert_string_equal(strbuf_str(&o), "A.B.C.D|X:X::X:X\tAddress\n");
	strbuf_reset(&o);
	assert_int_equal(cmd_table_complete(t, "show mep r x", &o),
			 CMD_ERR_AMBIGUOUS);
	assert_int_equal(cmd_table_complete(t, "nope ", &o),
			 CMD_ERR_NO_MATCH);
	assert_int_equal(o.len, 0);
	assert_int_equal(cmd_table_complete(t, "", &o), CMD_SUCCESS);
	assert_string_equal(strbuf_str(&o), "echo\tEcho\nset\tSet\n"
					    "show\tShow\n");
	cmd_candidates_format(strbuf_str(&o), &fmt);
	assert_string_equal(strbuf_str(&fmt), "  echo  Echo\n"
					      "  set   Set\n"
					      "  show  Show\n");
	cmd_table_free(t);
	strbuf_free(&err);
	strbuf_free(&o);
	strbuf_free(&fmt);
}

/* ---- the vty commands ------------------------------------------------ */

static void test_exec_extra_words(void **state)
{
	/* Every exec command, complete; with a word more it is unknown. */
	static const char *const ok[] = {
		"show running-config",
		"show mep",
		"show mep json",
		"show mep gateways",
		"show mep entry-points json",
		"show mep communities",
		"show mep tunnels",
		"show mep routes",
		"show mep nat",
		"show mep resolve 10.11.0.1 10.1.0.1",
		"show mep resolve 10.11.0.1 10.1.0.1 from S1 json",
		"show version",
		"show debugging",
		"echo hello",
		"list",
		"help",
		"exit",
		"quit",
		"end",
		"debug mep gateway M1 state up rtt 2",
		"no debug mep gateway M1",
		"debug mep vty",
		"no debug mep vty",
	};
	static const char *const extra[] = {
		"show running-config x",
		"show mep x",
		"show mep json x",
		"show mep gateways x",
		"show mep resolve 10.11.0.1 10.1.0.1 x",
		"show version x",
		"show debugging x",
		"configure terminal x",
		"write memory x",
		"write terminal x",
		"copy running-config startup-config x",
		"list x",
		"help x",
		"exit x",
		"end x",
		"debug mep gateway M1 state up rtt 2 x",
		"no debug mep gateway M1 x",
		"debug mep vty x",
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (run(f, ok[i]) != CMD_SUCCESS)
			fail_msg("%s: %s", ok[i], out(f));
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		if (run(f, extra[i]) != CMD_ERR_NO_MATCH)
			fail_msg("%s: not refused: %s", extra[i], out(f));
		assert_has(out(f), "% Unknown command: ");
	}
}

static void test_exec_errors(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, "sh m r"), CMD_ERR_AMBIGUOUS);
	assert_has(out(f), "% Ambiguous command: sh m r");
	assert_int_equal(run(f, "e"), CMD_ERR_AMBIGUOUS);
	assert_int_equal(run(f, "show"), CMD_ERR_INCOMPLETE);
	assert_has(out(f), "% Command incomplete: show");
	assert_int_equal(run(f, "debug mep gateway M1 state"),
			 CMD_ERR_INCOMPLETE);
	assert_int_equal(run(f, "frobnicate"), CMD_ERR_NO_MATCH);
	assert_int_equal(run(f, "sh ver"), CMD_SUCCESS);
	assert_has(out(f), "ripd-mep ");
	assert_int_equal(run(f, "debug mep gateway M1 state up rtt 2.5"),
			 CMD_SUCCESS);
	assert_int_equal(run(f, "show mep gateways"), CMD_SUCCESS);
	assert_has(out(f), "M1               192.0.2.1                up   "
			   "        2.500         -  override       - no");
	assert_int_equal(run(f, "debug mep gateway M1 state d"), CMD_SUCCESS);
	assert_int_equal(run(f, "show mep gateways"), CMD_SUCCESS);
	assert_has(out(f), "M1               192.0.2.1                down");
	assert_int_equal(run(f, "debug mep gateway M9 state up"), CMD_WARNING);
	assert_has(out(f), "% Unknown gateway: M9");
	assert_int_equal(run(f, "debug mep gateway M1 state up rtt -1"),
			 CMD_WARNING);
	assert_int_equal(run(f, "show mep resolve 10.11.0.1 2001:db8::1"),
			 CMD_WARNING);
	assert_int_equal(run(f, "echo  a b"), CMD_SUCCESS);
	assert_string_equal(out(f), "a b\n");
}

static void test_show_communities(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, "show mep communities"), CMD_SUCCESS);
	assert_has(out(f), "Communities:\n  STAR-1: star, MEP ");
	assert_has(out(f), "center M1");
	assert_lacks(out(f), "Local gateway");
	assert_lacks(out(f), "Configuration:");
	assert_lacks(out(f), "Gateways:");
	assert_int_equal(run(f, "show mep"), CMD_SUCCESS);
	assert_has(out(f), "Local gateway: S1");
	assert_has(out(f), "STAR-1: star");
}

/* show mep nat on a gateway that is no NAT center (the fixture's S1):
 * says so; json: an empty mep-state; a bad address is refused. */
static void test_show_nat(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, "show mep nat"), CMD_SUCCESS);
	assert_has(out(f), "IP Pool NAT: not a NAT center");
	assert_lacks(out(f), "not available");
	assert_int_equal(run(f, "show mep nat json"), CMD_SUCCESS);
	assert_lacks(out(f), "nat-pool");
	assert_int_equal(run(f, "show mep nat from 10.0.0.1 count 5 json"),
			 CMD_SUCCESS);
	assert_int_equal(run(f, "show mep nat from fd00::1 count 5"),
			 CMD_SUCCESS);
	assert_has(out(f), "not a NAT center");
	assert_int_not_equal(run(f, "show mep nat from 10.0.0.300"),
			     CMD_SUCCESS);
	assert_int_not_equal(run(f, "show mep nat count 0"), CMD_SUCCESS);
}

/* A spec without its $name suffixes, as list and help print it (static
 * buffer: one at a time). */
static const char *displayed(const char *spec)
{
	static char buf[512];
	size_t n = 0;

	for (const char *p = spec; *p && n + 1 < sizeof(buf);) {
		if (*p == '$') {
			p += strcspn(p, " ]");
			continue;
		}
		buf[n++] = *p++;
	}
	buf[n] = '\0';
	return buf;
}

static void test_list_help(void **state)
{
	struct fixture *f = *state;
	int n;
	const struct cmd_def *defs = cli_exec_commands(&n);

	assert_int_equal(run(f, "list"), CMD_SUCCESS);
	for (int i = 0; i < n; i++)
		assert_has(out(f), displayed(defs[i].spec));
	assert_lacks(out(f), "$");
	assert_int_equal(run(f, "help"), CMD_SUCCESS);
	for (int i = 0; i < n; i++)
		assert_has(out(f), displayed(defs[i].spec));
	assert_lacks(out(f), "_complete");
	assert_lacks(out(f), "$");
}

static void test_complete_exec(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, "_complete "), CMD_SUCCESS);
	assert_has(out(f), "show\tShow running system information\n");
	assert_has(out(f), "configure\t");
	assert_lacks(out(f), "_node");
	assert_int_equal(run(f, "_complete show mep "), CMD_SUCCESS);
	assert_has(out(f), "communities\tCommunities\n");
	assert_has(out(f), "resolve\t");
	assert_has(out(f), "<cr>\t\n");
	assert_int_equal(run(f, "_complete show mep resolve "), CMD_SUCCESS);
	assert_string_equal(out(f), "A.B.C.D|X:X::X:X\tSource address\n");
	assert_int_equal(run(f, "_complete sh ver"), CMD_SUCCESS);
	assert_string_equal(out(f), "version\tripd-mep's version\n");
	assert_int_equal(run(f, "_complete show version "), CMD_SUCCESS);
	assert_string_equal(out(f), "<cr>\t\n");
	assert_int_equal(run(f, "_complete show foo "), CMD_ERR_NO_MATCH);
	assert_has(out(f), "% There is no matched command.");
	assert_int_equal(run(f, "_complete debug mep gateway M1 state "),
			 CMD_SUCCESS);
	assert_string_equal(out(f), "down\tDown\nup\tUp\n");
}

static void test_complete_config(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, "configure terminal"), CMD_SUCCESS);
	assert_int_equal(run(f, "_complete "), CMD_SUCCESS);
	assert_has(out(f), "mep\t");
	assert_has(out(f), "end\t");
	assert_has(out(f), "abort\t");
	assert_lacks(out(f), "show\t");
	assert_int_equal(run(f, "_complete do show v"), CMD_SUCCESS);
	assert_string_equal(out(f), "version\tripd-mep's version\n");
	assert_int_equal(run(f, "mep"), CMD_SUCCESS);
	assert_int_equal(run(f, "_complete "), CMD_SUCCESS);
	assert_has(out(f), "gateway\tEnter a gateway block");
	assert_has(out(f), "rim\t");
	assert_int_equal(run(f, "_complete gateway "), CMD_SUCCESS);
	assert_has(out(f), "NAME\tName");
	assert_int_equal(run(f, "gateway M1"), CMD_SUCCESS);
	assert_int_equal(run(f, "_complete vpn-domain "), CMD_SUCCESS);
	assert_string_equal(out(f), "A.B.C.D/M|X:X::X:X/M\tIPv4 or IPv6 "
				    "prefix\n");
	assert_int_equal(run(f, "_complete vpn-domain 10.9.0.0/16 "),
			 CMD_SUCCESS);
	assert_string_equal(out(f), "<cr>\t\n");
	/* Not in the gateway node: the enclosing mep node has it. */
	assert_int_equal(run(f, "_complete commun"), CMD_SUCCESS);
	assert_string_equal(out(f), "community\tEnter a community block "
				    "(created if new)\n");
	assert_int_equal(run(f, "exit"), CMD_SUCCESS);
	assert_int_equal(run(f, "rim"), CMD_SUCCESS);
	assert_int_equal(run(f, "_complete distance "), CMD_SUCCESS);
	assert_string_equal(out(f), "(1-255)\tNumber\n");
	assert_int_equal(run(f, "_complete backend "), CMD_SUCCESS);
	assert_string_equal(out(f), "kernel\tkernel\nzebra\tzebra\n");
	assert_int_equal(run(f, "list"), CMD_SUCCESS);
	assert_has(out(f), "kernel-table (1-252|256-4294967295)");
	assert_has(out(f), "no next-hop [A.B.C.D|X:X::X:X]");
	assert_int_equal(run(f, "end x"), CMD_ERR_NO_MATCH);
	assert_int_equal(run(f, "_node"), CMD_SUCCESS);
	assert_string_equal(out(f), "config-mep-rim\n");
	assert_int_equal(run(f, "abort"), CMD_SUCCESS);
	assert_int_equal(run(f, "_node"), CMD_SUCCESS);
	assert_string_equal(out(f), "exec\n");
}

static void test_commands_json(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run(f, "_commands json"), CMD_SUCCESS);
	assert_has(out(f), "{\"exec\":[{\"command\":\"show running-config\"");
	assert_has(out(f), "\"config-mep-community\":[");
	assert_has(out(f), "\"config-mep-ipsec\":[");
	assert_int_equal(run(f, "_commands json x"), CMD_ERR_NO_MATCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_match),
		cmocka_unit_test(test_table_errors),
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test_setup_teardown(test_exec_extra_words, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_exec_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_show_nat, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_show_communities, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_list_help, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_complete_exec, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_complete_config, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_commands_json, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
