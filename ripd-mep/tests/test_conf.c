/* test_conf: configuration text <-> libyang tree (conf_parse, conf_render):
 * round trips of yang/examples, the bad examples, errors, modes, `no`
 * forms, abbreviations, node fallback and all-or-nothing lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conf_parse.h"
#include "conf_render.h"

static struct ly_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	if (ly_ctx_new(SRC_YANG_DIR, 0, &ctx) != LY_SUCCESS)
		return -1;
	if (!ly_ctx_load_module(ctx, "ripd-mep", NULL, NULL))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ly_ctx_destroy(ctx);
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static char *to_json(const struct lyd_node *tree)
{
	char *s = NULL;

	assert_int_equal(lyd_print_mem(&s, tree, LYD_JSON,
				       LYD_PRINT_WITHSIBLINGS),
			 LY_SUCCESS);
	return s ? s : strdup("");
}

static char *render(const struct lyd_node *tree)
{
	struct strbuf b = STRBUF_INIT;
	char *s;

	conf_render(tree, &b);
	s = strdup(strbuf_str(&b));
	strbuf_free(&b);
	return s;
}

/* Parse text (file mode); must succeed. */
static struct lyd_node *parse_ok(const char *text)
{
	struct lyd_node *tree = NULL;
	struct strbuf err = STRBUF_INIT;
	int rc = conf_parse_text(ctx, text, "t.conf", &tree, NULL, &err);

	if (rc != 0)
		print_error("unexpected error: %s\n", strbuf_str(&err));
	assert_int_equal(rc, 0);
	strbuf_free(&err);
	return tree;
}

/* Parse text (file mode); must fail with a message containing want. */
static void parse_fails(const char *text, const char *want)
{
	struct lyd_node *tree = (struct lyd_node *)&tree;
	struct strbuf err = STRBUF_INIT;
	struct conf_parser *p = (struct conf_parser *)&tree;

	assert_int_equal(conf_parse_text(ctx, text, "t.conf", &tree, &p, &err),
			 -1);
	assert_null(tree);
	assert_null(p);
	if (!strstr(strbuf_str(&err), want))
		print_error("got \"%s\", want \"%s\"\n", strbuf_str(&err),
			    want);
	assert_non_null(strstr(strbuf_str(&err), want));
	strbuf_free(&err);
}

/* Render of text parsed must equal want. */
static void assert_renders(const char *text, const char *want)
{
	struct lyd_node *tree = parse_ok(text);
	char *got = render(tree);

	assert_string_equal(got, want);
	free(got);
	lyd_free_all(tree);
}

/* An interactive session: apply lines, each with its expected status. */
struct session {
	struct lyd_node *tree;
	struct conf_parser *p;
	struct strbuf err;
	int lineno;
};

static void session_start(struct session *s, enum conf_parse_mode mode)
{
	memset(s, 0, sizeof(*s));
	s->p = conf_parser_new(ctx, &s->tree, mode, "vty");
	assert_non_null(s->p);
}

static void session_end(struct session *s)
{
	conf_parser_free(s->p);
	lyd_free_all(s->tree);
	strbuf_free(&s->err);
}

static int line(struct session *s, const char *l)
{
	strbuf_reset(&s->err);
	return conf_parser_line(s->p, l, ++s->lineno, &s->err);
}

static void line_ok(struct session *s, const char *l)
{
	int rc = line(s, l);

	if (rc != CMD_SUCCESS)
		print_error("line \"%s\": %s\n", l, strbuf_str(&s->err));
	assert_int_equal(rc, CMD_SUCCESS);
	assert_int_equal(s->err.len, 0);
}

/* The line fails with status and a message containing want, and leaves
 * the tree exactly as it was. */
static void line_fails(struct session *s, const char *l, int status,
		       const char *want)
{
	char *before = to_json(s->tree), *after;
	int rc = line(s, l);

	if (rc != status || !strstr(strbuf_str(&s->err), want))
		print_error(
			"line \"%.60s\": status %d \"%s\", want %d \"%s\"\n", l,
			rc, strbuf_str(&s->err), status, want);
	assert_int_equal(rc, status);
	assert_non_null(strstr(strbuf_str(&s->err), want));
	after = to_json(s->tree);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void assert_session_renders(struct session *s, const char *want)
{
	char *got = render(s->tree);

	assert_string_equal(got, want);
	free(got);
}

/* ---- examples ------------------------------------------------------- */

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a > b && strcmp(s + a - b, suffix) == 0;
}

static void test_examples_round_trip(void **state)
{
	const char *dir = SRC_YANG_DIR "/examples";
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[1024], jpath[1024];
		char *text, *json, *got;
		struct lyd_node *tree, *jtree = NULL;

		if (!has_suffix(e->d_name, ".conf"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		snprintf(jpath, sizeof(jpath), "%.*s.json",
			 (int)(strlen(path) - 5), path);
		text = read_file(path);
		json = read_file(jpath);

		/* text -> tree -> text */
		tree = parse_ok(text);
		got = render(tree);
		if (strcmp(got, text) != 0)
			print_error("%s: render differs\n", path);
		assert_string_equal(got, text);
		free(got);

		/* text -> tree -> JSON */
		got = to_json(tree);
		if (strcmp(got, json) != 0)
			print_error("%s: JSON differs\n", jpath);
		assert_string_equal(got, json);
		free(got);

		/* JSON -> tree -> text */
		assert_int_equal(lyd_parse_data_mem(ctx, json, LYD_JSON,
						    LYD_PARSE_STRICT,
						    LYD_VALIDATE_NO_STATE,
						    &jtree),
				 LY_SUCCESS);
		got = render(jtree);
		assert_string_equal(got, text);
		free(got);

		lyd_free_all(jtree);
		lyd_free_all(tree);
		free(text);
		free(json);
		n++;
	}
	closedir(d);
	assert_true(n >= 7);
}

/* yang/examples/bad: "! expect: X" on line 1. Files marked
 * "! checked-by: conf_rules" violate a rule checked in code: the parser
 * and the model must accept them (the loader rejects them). */
static void test_bad_examples(void **state)
{
	const char *dir = SRC_YANG_DIR "/examples/bad";
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0, in_code = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[1024], *text, *want, *nl;

		if (!has_suffix(e->d_name, ".conf"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		text = read_file(path);
		assert_memory_equal(text, "! expect: ", 10);
		nl = strchr(text, '\n');
		assert_non_null(nl);
		want = strndup(text + 10, (size_t)(nl - text - 10));
		assert_true(strlen(want) > 0);
		if (strstr(text, "\n! checked-by: conf_rules\n")) {
			struct lyd_node *tree = parse_ok(text);

			lyd_free_all(tree);
			in_code++;
		} else {
			parse_fails(text, want);
		}
		free(want);
		free(text);
		n++;
	}
	closedir(d);
	assert_true(n >= 20);
	assert_true(in_code >= 4);
}

/* ---- errors --------------------------------------------------------- */

static const char *const two_gw =
	"mep\n"
	" gateway M1\n"
	"  address 192.0.2.1\n"
	"  vpn-domain 10.1.0.0/16\n"
	" exit\n"
	" gateway M2\n"
	"  address 192.0.2.2\n"
	"  vpn-domain 10.1.0.0/16\n"
	" exit\n";

static void test_unknown_command(void **state)
{
	struct session s;

	(void)state;
	parse_fails("mep\n frobnicate 1\n",
		    "t.conf:2: mep: unknown command \"frobnicate 1\"");
	parse_fails("hostname x\n", "t.conf:1: unknown command \"hostname x\"");
	parse_fails("mep\n community C\n  type star\n  mep foo\n",
		    "t.conf:4: community C: unknown command \"mep foo\"");
	/* extra words make a command unknown */
	parse_fails("mep\n gateway M1\n  third-party yes\n",
		    "t.conf:3: gateway M1: unknown command");
	session_start(&s, CONF_PARSE_INTERACTIVE);
	line_ok(&s, "mep");
	line_fails(&s, "bogus", CMD_ERR_NO_MATCH, "unknown command");
	/* control characters are not echoed raw */
	line_fails(&s, "bo\x01gus", CMD_ERR_NO_MATCH, "\"bo?gus\"");
	session_end(&s);
}

static void test_ambiguous_incomplete(void **state)
{
	struct session s;

	(void)state;
	session_start(&s, CONF_PARSE_FILE);
	line_ok(&s, "mep");
	/* local-gateway / load-distribution */
	line_fails(&s, "l M1", CMD_ERR_AMBIGUOUS, "ambiguous");
	/* exit / end */
	line_fails(&s, "e", CMD_ERR_AMBIGUOUS, "ambiguous");
	line_fails(&s, "gateway", CMD_ERR_INCOMPLETE, "name missing");
	line_ok(&s, "gateway M1");
	/* ip-pool / ike-connection */
	line_fails(&s, "i x", CMD_ERR_AMBIGUOUS, "ambiguous");
	line_fails(&s, "address", CMD_ERR_INCOMPLETE, "value missing");
	line_fails(&s, "vpn-domain", CMD_ERR_INCOMPLETE, "value missing");
	line_ok(&s, "community C");
	line_fails(&s, "mep", CMD_ERR_INCOMPLETE, "incomplete");
	line_fails(&s, "mep priority default", CMD_ERR_INCOMPLETE,
		   "levels missing");
	line_fails(&s, "mep priority satellite", CMD_ERR_INCOMPLETE,
		   "satellite");
	line_fails(&s, "mep priority default primary", CMD_ERR_INCOMPLETE,
		   "names no center");
	line_fails(&s, "type", CMD_ERR_INCOMPLETE, "value missing");
	/* tie-break / tracking */
	line_fails(&s, "mep t log", CMD_ERR_AMBIGUOUS, "ambiguous");
	line_ok(&s, "mep entry-point p");
	line_fails(&s, "mep entry-point fastest", CMD_ERR_NO_MATCH,
		   "expected first-to-respond|vpn-domain|random|priority-list");
	line_fails(&s, "probe", CMD_ERR_INCOMPLETE, "at least one");
	line_fails(&s, "probe interval", CMD_ERR_INCOMPLETE, "missing value");
	line_fails(&s, "no", CMD_ERR_INCOMPLETE, "incomplete");
	session_end(&s);
}

static void test_bad_values_messages(void **state)
{
	struct session s;

	(void)state;
	session_start(&s, CONF_PARSE_FILE);
	line_ok(&s, "mep");
	line_ok(&s, "gateway M1");
	line_fails(&s, "vpn-domain 10.1.0.300/16", CMD_WARNING_CONFIG_FAILED,
		   "vty:3: gateway M1: vpn-domain 10.1.0.300/16: malformed "
		   "prefix");
	line_fails(&s, "vpn-domain 10.1.0.1/16", CMD_WARNING_CONFIG_FAILED,
		   "10.1.0.1/16: host bits set past the prefix length");
	line_fails(&s, "vpn-domain 2001:db8::1/32", CMD_WARNING_CONFIG_FAILED,
		   "host bits set");
	line_fails(&s, "vpn-domain 10.0.0.0/33", CMD_WARNING_CONFIG_FAILED,
		   "prefix length out of range");
	line_fails(&s, "vpn-domain 10.0.0.0", CMD_WARNING_CONFIG_FAILED,
		   "malformed prefix");
	line_fails(&s, "ip-pool 172.16.1.1/24", CMD_WARNING_CONFIG_FAILED,
		   "ip-pool 172.16.1.1/24: host bits set");
	line_fails(&s, "address not_a_host!", CMD_WARNING_CONFIG_FAILED,
		   "not an IPv4/IPv6 address or a DNS name");
	line_fails(&s, "backup-gateway -B", CMD_WARNING_CONFIG_FAILED,
		   "invalid name");
	line_fails(&s,
		   "backup-gateway "
		   "A2345678901234567890123456789012345678901234567890123456789"
		   "01234",
		   CMD_WARNING_CONFIG_FAILED, "invalid name (1..63");
	line_ok(&s, "address gw1.example.net");
	line_ok(&s, "vpn-domain 2001:db8:1::/48");
	line_ok(&s, "rim");
	line_fails(&s, "distance 0", CMD_WARNING_CONFIG_FAILED,
		   "rim: distance 0: out of range (1..255)");
	line_fails(&s, "distance 256", CMD_WARNING_CONFIG_FAILED,
		   "out of range (1..255)");
	line_fails(&s, "distance -1", CMD_WARNING_CONFIG_FAILED,
		   "distance -1: not a number");
	line_fails(&s, "metric 4294967296", CMD_WARNING_CONFIG_FAILED,
		   "out of range (0..4294967295)");
	line_fails(&s, "kernel-table 253", CMD_WARNING_CONFIG_FAILED,
		   "out of range (1..252 | 256..4294967295)");
	line_fails(&s, "tag 99999999999999999999999", CMD_WARNING_CONFIG_FAILED,
		   "not a number");
	line_ok(&s, "kernel-table 256");
	line_fails(&s, "probe port 0", CMD_WARNING_CONFIG_FAILED,
		   "probe port 0: out of range (1..65535)");
	line_fails(&s, "probe key short", CMD_WARNING_CONFIG_FAILED,
		   "8..128 printable");
	line_fails(&s, "probe interval 100 interval 200",
		   CMD_WARNING_CONFIG_FAILED, "interval given twice");
	line_fails(&s, "probe speed 3", CMD_ERR_NO_MATCH,
		   "expected interval|dead-count|up-count|port|key");
	line_fails(&s, "probe up-count 0", CMD_WARNING_CONFIG_FAILED,
		   "probe up-count 0: out of range (1..10)");
	line_fails(&s, "probe up-count 11", CMD_WARNING_CONFIG_FAILED,
		   "probe up-count 11: out of range (1..10)");
	line_fails(&s, "probe up-count 2 up-count 3",
		   CMD_WARNING_CONFIG_FAILED, "up-count given twice");
	session_end(&s);
}

static void test_dangling_reference(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct lyd_node *tree = NULL;
	struct conf_parser *p;
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text),
		 "%s community C\n  type star\n  center M1\n  center M9\n"
		 " exit\n",
		 two_gw);
	parse_fails(text, "t.conf:13: community C: center M9: rule 8: no "
			  "gateway M9");
	parse_fails("mep\n local-gateway X\n",
		    "t.conf:2: mep: local-gateway X: rule 8");
	snprintf(text, sizeof(text), "%s gateway M3\n  backup-gateway M7\n",
		 two_gw);
	parse_fails(text, "t.conf:11: gateway M3: backup-gateway M7: rule 8");

	/* Validation of an interactive candidate maps lines too. */
	p = conf_parser_new(ctx, &tree, CONF_PARSE_INTERACTIVE, "vty");
	assert_int_equal(conf_parser_line(p, "mep", 1, &err), CMD_SUCCESS);
	assert_int_equal(conf_parser_line(p, "local-gateway Q", 2, &err),
			 CMD_SUCCESS);
	assert_int_equal(conf_parser_validate(p, &err), -1);
	assert_non_null(strstr(strbuf_str(&err), "vty:2: mep: local-gateway"));
	assert_int_equal(conf_parser_line_of(p, "/ripd-mep:mep/local-gateway"),
			 2);
	assert_int_equal(conf_parser_line_of(p, "/ripd-mep:mep/rim/x"), 1);
	assert_int_equal(conf_parser_line_of(p, "/other:x"), 0);
	conf_parser_free(p);
	lyd_free_all(tree);
	strbuf_free(&err);
}

static void test_line_of_predicates(void **state)
{
	struct lyd_node *tree = NULL;
	struct conf_parser *p;
	struct strbuf err = STRBUF_INIT;

	(void)state;
	assert_int_equal(conf_parse_text(ctx,
					 "mep\n gateway M1\n\n"
					 "  vpn-domain 10.1.0.0/16\n"
					 "  vpn-domain 10.2.0.0/16\n",
					 "t.conf", &tree, &p, &err),
			 0);
	assert_non_null(p);
	assert_int_equal(
		conf_parser_line_of(p, "/ripd-mep:mep/gateway[name='M1']/"
				       "vpn-domain[.='10.2.0.0/16']"),
		5);
	assert_int_equal(
		conf_parser_line_of(p, "/ripd-mep:mep/gateway[name='M1']/"
				       "vpn-domain[.='10.9.0.0/16']"),
		2);
	assert_int_equal(
		conf_parser_line_of(p, "/ripd-mep:mep/gateway[name='M1']"), 2);
	assert_int_equal(conf_parser_line_of(p, NULL), 0);
	conf_parser_free(p);
	lyd_free_all(tree);
	strbuf_free(&err);
}

static void test_duplicates_by_mode(void **state)
{
	struct session s;
	char text[1024];

	(void)state;
	/* file mode: duplicates are errors naming the first line */
	snprintf(text, sizeof(text), "%s gateway M1\n", two_gw);
	parse_fails(text, "t.conf:10: mep: duplicate gateway M1 (first at "
			  "line 2)");
	parse_fails(
		"mep\n gateway M1\n  address 192.0.2.1\n"
		"  address 192.0.2.9\n",
		"t.conf:4: gateway M1: duplicate address (first at line 3)");
	parse_fails("mep\n gateway M1\n  vpn-domain 2001:db8::/32\n"
		    "  vpn-domain 2001:DB8::/32\n",
		    "duplicate vpn-domain 2001:DB8::/32 (first at line 3)");
	parse_fails("mep\n community C\n  type star\n exit\n community C\n",
		    "t.conf:5: mep: duplicate community C (first at line 2)");
	parse_fails("mep\n rim\n exit\n rim\n", "duplicate rim (first at "
						"line 2)");
	parse_fails(
		"mep\n probe interval 100\n probe interval 200\n",
		"t.conf:3: mep: duplicate probe interval (first at line 2)");
	parse_fails("mep\n community C\n  type star\n  type meshed\n",
		    "duplicate type (first at line 3)");

	/* interactive mode: re-entering edits, leaves are overwritten */
	session_start(&s, CONF_PARSE_INTERACTIVE);
	line_ok(&s, "mep");
	line_ok(&s, "gateway M1");
	line_ok(&s, "address 192.0.2.1");
	line_ok(&s, "vpn-domain 10.1.0.0/16");
	line_ok(&s, "exit");
	line_ok(&s, "gateway M1");
	line_ok(&s, "address 192.0.2.9");
	line_ok(&s, "vpn-domain 10.1.0.0/16");
	line_ok(&s, "third-party");
	line_ok(&s, "third-party");
	line_ok(&s, "probe interval 100");
	line_ok(&s, "probe interval 200 port 4000");
	line_ok(&s, "probe up-count 3");
	line_ok(&s, "rim");
	line_ok(&s, "exit");
	line_ok(&s, "rim");
	assert_session_renders(&s, "mep\n"
				   " gateway M1\n"
				   "  address 192.0.2.9\n"
				   "  vpn-domain 10.1.0.0/16\n"
				   "  third-party\n"
				   " exit\n"
				   " !\n"
				   " probe interval 200 up-count 3 port 4000\n"
				   " rim\n"
				   " exit\n"
				   " !\n"
				   "exit\n"
				   "!\n");
	session_end(&s);
}

/* A line that fails after part of it was applied leaves nothing behind. */
static void test_failed_line_leaves_tree_unchanged(void **state)
{
	struct session s;

	(void)state;
	session_start(&s, CONF_PARSE_FILE);
	line_ok(&s, "mep");
	line_ok(&s, "probe port 4000");
	/* interval is valid and would be set before port is found twice */
	line_fails(&s, "probe interval 700 port 5000",
		   CMD_WARNING_CONFIG_FAILED, "duplicate probe port");
	line_ok(&s, "gateway M1");
	line_ok(&s, "exit");
	line_ok(&s, "gateway M2");
	line_ok(&s, "exit");
	line_ok(&s, "community C");
	line_ok(&s, "type star");
	line_ok(&s, "center M1");
	line_ok(&s, "center M2");
	line_ok(&s, "satellite S1");
	line_ok(&s, "mep priority satellite S1 primary M1");
	/* a second rule for S1: rejected, nothing of it stays */
	line_fails(&s, "mep priority satellite S1 primary M2",
		   CMD_WARNING_CONFIG_FAILED, "duplicate mep priority");
	line_fails(&s, "mep priority satellite S1 S2 primary M2",
		   CMD_WARNING_CONFIG_FAILED,
		   "rule 6: satellite S1 is already in the mep priority rule "
		   "at line 13");
	line_fails(&s, "gateway M1", CMD_WARNING_CONFIG_FAILED, "duplicate");
	assert_string_equal(conf_parser_node(s.p), "config-mep-community");
	line_fails(&s, "vpn-domain 10.0.0.1/8", CMD_ERR_NO_MATCH,
		   "unknown command");
	session_end(&s);

	session_start(&s, CONF_PARSE_INTERACTIVE);
	line_ok(&s, "mep");
	line_ok(&s, "community C");
	line_ok(&s, "type star");
	line_ok(&s, "mep priority default primary M1 secondary M2");
	/* a bad replacement of the default rule keeps the old one */
	line_fails(&s, "mep priority default primary M3 secondary M3",
		   CMD_WARNING_CONFIG_FAILED, "at most once");
	line_fails(&s, "mep priority default primary M3 quaternary M4",
		   CMD_WARNING_CONFIG_FAILED, "at most three levels");
	line_fails(&s, "mep priority default satellite S1 primary M3",
		   CMD_WARNING_CONFIG_FAILED,
		   "rule 6: the default rule may not name satellites");
	line_fails(&s, "mep priority default secondary M2 tertiary M3",
		   CMD_WARNING_CONFIG_FAILED, "needs a primary");
	line_fails(&s, "mep priority default primary M1 primary M2",
		   CMD_WARNING_CONFIG_FAILED, "level primary given twice");
	line_fails(&s, "mep priority default M1", CMD_WARNING_CONFIG_FAILED,
		   "expected primary");
	line_fails(&s, "probe interval 100 port 70000",
		   CMD_WARNING_CONFIG_FAILED, "out of range");
	session_end(&s);
}

static void test_no_forms(void **state)
{
	struct session s;

	(void)state;
	session_start(&s, CONF_PARSE_INTERACTIVE);
	line_ok(&s, "mep");
	line_ok(&s, "local-gateway M1");
	line_ok(&s, "gateway M1");
	line_ok(&s, "address 192.0.2.1");
	line_ok(&s, "vpn-domain 10.1.0.0/16");
	line_ok(&s, "vpn-domain 10.2.0.0/16");
	line_ok(&s, "ip-pool 172.16.1.0/24");
	line_ok(&s, "backup-gateway M2");
	line_ok(&s, "backup-gateway M3");
	line_ok(&s, "third-party");
	line_ok(&s, "gateway M2");
	line_ok(&s, "community C");
	line_ok(&s, "type star");
	line_ok(&s, "center M1");
	line_ok(&s, "center M2");
	line_ok(&s, "satellite S1");
	line_ok(&s, "satellite S2");
	line_ok(&s, "mep enable");
	line_ok(&s, "mep entry-point priority-list");
	line_ok(&s, "mep priority default primary M1 secondary M2");
	line_ok(&s, "mep priority satellite S1 primary M2");
	line_ok(&s, "mep priority satellite S2 primary M1 M2");
	line_ok(&s, "mep tracking log");
	line_ok(&s, "community D");
	line_ok(&s, "type meshed");
	line_ok(&s, "probe interval 100 dead-count 5");
	line_ok(&s, "load-distribution");
	line_ok(&s, "rim");
	line_ok(&s, "distance 30");
	line_ok(&s, "tag 7");

	/* from rim, back into gateway M1 */
	line_ok(&s, "gateway M1");
	line_ok(&s, "no vpn-domain 10.1.0.0/16");
	line_fails(&s, "no vpn-domain 10.9.0.0/16", CMD_WARNING_CONFIG_FAILED,
		   "not configured");
	line_fails(&s, "no vpn-domain 10.2.0.1/16", CMD_WARNING_CONFIG_FAILED,
		   "host bits set");
	line_ok(&s, "no backup-gateway M2");
	line_ok(&s, "no ip-pool");
	line_ok(&s, "no third-party");
	line_ok(&s, "no address 192.0.2.1");
	line_ok(&s, "community C");
	line_ok(&s, "no mep priority satellite S2");
	line_fails(&s, "no mep priority satellite S2",
		   CMD_WARNING_CONFIG_FAILED, "no rule names it");
	line_ok(&s, "no mep priority default");
	line_ok(&s, "no mep tracking");
	line_ok(&s, "no satellite S2");
	line_fails(&s, "no center M7", CMD_WARNING_CONFIG_FAILED,
		   "not configured");
	line_ok(&s, "no mep entry-point");
	/* `no community` of another block falls back to the mep node */
	line_ok(&s, "no community D");
	assert_string_equal(conf_parser_node(s.p), "config-mep");
	line_fails(&s, "no community D", CMD_WARNING_CONFIG_FAILED,
		   "not configured");
	line_ok(&s, "no probe dead-count");
	line_ok(&s, "no load-distribution");
	line_ok(&s, "rim");
	line_ok(&s, "no tag");
	line_ok(&s, "exit");
	line_ok(&s, "no gateway M2");
	assert_session_renders(&s, "mep\n"
				   " local-gateway M1\n"
				   " gateway M1\n"
				   "  vpn-domain 10.2.0.0/16\n"
				   "  backup-gateway M3\n"
				   " exit\n"
				   " !\n"
				   " community C\n"
				   "  type star\n"
				   "  center M1\n"
				   "  center M2\n"
				   "  satellite S1\n"
				   "  mep enable\n"
				   "  mep priority satellite S1 primary M2\n"
				   " exit\n"
				   " !\n"
				   " probe interval 100\n"
				   " rim\n"
				   "  distance 30\n"
				   " exit\n"
				   " !\n"
				   "exit\n"
				   "!\n");
	line_ok(&s, "no probe interval");
	line_ok(&s, "no rim");
	line_ok(&s, "no local-gateway");
	line_ok(&s, "no gateway M1");
	assert_session_renders(&s, "mep\n"
				   " community C\n"
				   "  type star\n"
				   "  center M1\n"
				   "  center M2\n"
				   "  satellite S1\n"
				   "  mep enable\n"
				   "  mep priority satellite S1 primary M2\n"
				   " exit\n"
				   " !\n"
				   "exit\n"
				   "!\n");
	line_ok(&s, "community C");
	line_ok(&s, "no mep enable");
	line_ok(&s, "no center");
	line_ok(&s, "no type");
	/* "no mep ..." is a community command: incomplete there */
	line_fails(&s, "no mep", CMD_ERR_INCOMPLETE, "incomplete");
	line_ok(&s, "exit");
	line_ok(&s, "no mep");	/* falls back to the config node */
	assert_string_equal(conf_parser_node(s.p), "config");
	assert_null(s.tree);
	assert_session_renders(&s, "");
	session_end(&s);
}

static void test_abbreviations(void **state)
{
	(void)state;
	assert_renders("mep\n"
		       " loc M1\n"
		       " gat M1\n"
		       "  add 192.0.2.1\n"
		       "  vpn 10.0.0.0/8\n"
		       "  ip- 172.16.0.0/24\n"
		       "  ik m1\n"
		       "  th\n"
		       " gat M2\n"
		       " comm C\n"
		       "  ty st\n"
		       "  cen M1\n"
		       "  cen M2\n"
		       "  perm\n"
		       "  mep ena\n"
		       "  mep entry pri\n"
		       "  mep tie ran\n"
		       "  mep pri def primary M2 secondary M1\n"
		       "  mep tr l\n"
		       "  ret ip\n"
		       " pro int 200 dead 4\n"
		       " rim\n"
		       "  dis 40\n"
		       "  backu 300\n"
		       "  backe k\n"
		       " ex\n"
		       "en\n",
		       "mep\n"
		       " local-gateway M1\n"
		       " gateway M1\n"
		       "  address 192.0.2.1\n"
		       "  vpn-domain 10.0.0.0/8\n"
		       "  ip-pool 172.16.0.0/24\n"
		       "  ike-connection m1\n"
		       "  third-party\n"
		       " exit\n"
		       " !\n"
		       " gateway M2\n"
		       " exit\n"
		       " !\n"
		       " community C\n"
		       "  type star\n"
		       "  center M1\n"
		       "  center M2\n"
		       "  permanent-tunnels\n"
		       "  mep enable\n"
		       "  mep entry-point priority-list\n"
		       "  mep tie-break random\n"
		       "  mep priority default primary M2 secondary M1\n"
		       "  mep tracking log\n"
		       "  return-path ip-pool-nat\n"
		       " exit\n"
		       " !\n"
		       " probe interval 200 dead-count 4\n"
		       " rim\n"
		       "  distance 40\n"
		       "  backup-metric 300\n"
		       "  backend kernel\n"
		       " exit\n"
		       " !\n"
		       "exit\n"
		       "!\n");
}

static void test_fallback_without_exit(void **state)
{
	(void)state;
	/* blocks follow each other without exit; comments and blank lines
	 * anywhere; indentation does not matter on input */
	assert_renders("! a comment\n"
		       "mep\n"
		       "gateway M1\n"
		       "address 192.0.2.1   # trailing comment\n"
		       "\n"
		       "   gateway M2\n"
		       "\taddress 192.0.2.2\r\n"
		       "community C\n"
		       "type star\n"
		       "center M1\n"
		       "center M2\n"
		       "rim\n"
		       "metric 5\n"
		       "local-gateway M2\n"
		       "probe key 0123456789abcdef\n"
		       "community C2\n"
		       "type meshed\n"
		       "member M1\n"
		       "end\n",
		       "mep\n"
		       " local-gateway M2\n"
		       " gateway M1\n"
		       "  address 192.0.2.1\n"
		       " exit\n"
		       " !\n"
		       " gateway M2\n"
		       "  address 192.0.2.2\n"
		       " exit\n"
		       " !\n"
		       " community C\n"
		       "  type star\n"
		       "  center M1\n"
		       "  center M2\n"
		       " exit\n"
		       " !\n"
		       " community C2\n"
		       "  type meshed\n"
		       "  member M1\n"
		       " exit\n"
		       " !\n"
		       " probe key 0123456789abcdef\n"
		       " rim\n"
		       "  metric 5\n"
		       " exit\n"
		       " !\n"
		       "exit\n"
		       "!\n");
	/* a command of a deeper node is not found from a shallower one */
	parse_fails("mep\n address 192.0.2.1\n",
		    "t.conf:2: mep: unknown command \"address 192.0.2.1\"");
	parse_fails("mep\n gateway M1\n exit\n type star\n",
		    "t.conf:4: mep: unknown command");
	/* lines after end */
	parse_fails("mep\nend\nmep\n", "t.conf:3: not in configuration mode");
}

static void test_node_names(void **state)
{
	struct session s;

	(void)state;
	session_start(&s, CONF_PARSE_INTERACTIVE);
	assert_string_equal(conf_parser_node(s.p), "config");
	line_ok(&s, "mep");
	assert_string_equal(conf_parser_node(s.p), "config-mep");
	line_ok(&s, "gateway M1");
	assert_string_equal(conf_parser_node(s.p), "config-mep-gateway");
	line_ok(&s, "community C");
	assert_string_equal(conf_parser_node(s.p), "config-mep-community");
	line_ok(&s, "rim");
	assert_string_equal(conf_parser_node(s.p), "config-mep-rim");
	line_ok(&s, "exit");
	assert_string_equal(conf_parser_node(s.p), "config-mep");
	line_ok(&s, "   ");
	line_ok(&s, "! nothing");
	assert_false(conf_parser_ended(s.p));
	line_ok(&s, "exit");
	assert_string_equal(conf_parser_node(s.p), "config");
	assert_false(conf_parser_ended(s.p));
	line_ok(&s, "exit");
	assert_true(conf_parser_ended(s.p));
	line_fails(&s, "mep", CMD_ERR_NO_MATCH, "not in configuration mode");
	session_end(&s);

	session_start(&s, CONF_PARSE_INTERACTIVE);
	line_ok(&s, "mep");
	line_ok(&s, "gateway M1");
	line_ok(&s, "end");
	assert_true(conf_parser_ended(s.p));
	session_end(&s);
}

static void test_limits(void **state)
{
	size_t n = CMD_MAX_LINE + 10;
	char *big = malloc(n + 16);
	struct strbuf words = STRBUF_INIT;
	struct session s;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	session_start(&s, CONF_PARSE_INTERACTIVE);
	line_ok(&s, "mep");
	line_fails(&s, big, CMD_WARNING_CONFIG_FAILED, "longer than");
	strbuf_puts(&words, "probe");
	for (int i = 0; i < CMD_MAX_TOKENS; i++)
		strbuf_puts(&words, " interval");
	line_fails(&s, strbuf_str(&words), CMD_WARNING_CONFIG_FAILED,
		   "too many words");
	/* a long but acceptable word is quoted in bounded form */
	memset(big, 'x', 5000);
	big[5000] = '\0';
	line_fails(&s, big, CMD_ERR_NO_MATCH, "...");
	assert_true(s.err.len < 400);
	session_end(&s);

	memcpy(big, "mep\n", 4);
	memset(big + 4, 'b', n - 4);
	big[n] = '\0';
	parse_fails(big, "t.conf:2: line longer than 65536");
	free(big);
	strbuf_free(&words);
}

static void test_priority_rules(void **state)
{
	struct session s;
	const struct lyd_node *mep, *c;
	int ids = 0;

	(void)state;
	session_start(&s, CONF_PARSE_INTERACTIVE);
	line_ok(&s, "mep");
	line_ok(&s, "community C");
	line_ok(&s, "type star");
	line_ok(&s, "mep priority satellite S1 primary M1");
	line_ok(&s, "mep priority satellite S2 S3 primary M2 secondary M3");
	line_ok(&s, "mep priority satellite S4 primary M3 M1");
	/* same satellite set: replaces the rule in place */
	line_ok(&s, "mep priority satellite S3 S2 primary M3");
	line_fails(&s, "mep priority satellite S2 primary M1",
		   CMD_WARNING_CONFIG_FAILED, "satellite S2 is already");
	line_fails(&s, "mep priority satellite S5 S5 primary M1",
		   CMD_WARNING_CONFIG_FAILED, "named twice");
	line_fails(&s, "mep priority satellite S5 primary M1 satellite S6",
		   CMD_WARNING_CONFIG_FAILED, "before the levels");
	line_ok(&s, "mep priority default primary M1 secondary M2 tertiary M3");
	line_ok(&s, "mep priority default primary M2");
	assert_session_renders(&s, "mep\n"
				   " community C\n"
				   "  type star\n"
				   "  mep priority default primary M2\n"
				   "  mep priority satellite S1 primary M1\n"
				   "  mep priority satellite S3 S2 primary M3\n"
				   "  mep priority satellite S4 primary M3 M1\n"
				   " exit\n"
				   " !\n"
				   "exit\n"
				   "!\n");
	/* ids: 1, 4 (replacement), 3 -- unique, never printed */
	mep = s.tree;
	c = lyd_child(mep);
	for (const struct lyd_node *n = lyd_child(c); n; n = n->next)
		if (!strcmp(n->schema->name, "priority-rule"))
			ids = ids * 10 + atoi(lyd_get_value(lyd_child(n)));
	assert_int_equal(ids, 143);
	session_end(&s);
}

/* The must rules of the model name their rule and the right line. */
static void test_yang_rules(void **state)
{
	char text[2048];

	(void)state;
	snprintf(text, sizeof(text),
		 "%s community C\n  type star\n  center M1\n  mep enable\n",
		 two_gw);
	parse_fails(text, "t.conf:13: community C: rule 1: explicit MEP");
	snprintf(text, sizeof(text),
		 "%s community C\n  type star\n  center M1\n  center M2\n"
		 "  mep enable\n rim\n",
		 two_gw);
	parse_fails(text, "t.conf:10: community C: rule 2: return-path rim "
			  "with mep enable requires permanent-tunnels");
	/* the return path was never typed: the message says it is the
	 * default */
	parse_fails(text, "permanent-tunnels (return-path rim is the default "
			  "when the rim block exists: it was not configured");
	snprintf(text, sizeof(text),
		 "%s community C\n  type star\n  center M1\n  center M2\n"
		 "  permanent-tunnels\n  mep enable\n  mep entry-point random\n"
		 " rim\n",
		 two_gw);
	parse_fails(text, "t.conf:10: community C: rule 3: mep entry-point "
			  "random requires return-path ip-pool-nat");
	snprintf(text, sizeof(text),
		 "%s community C\n  type star\n  center M1\n  center M2\n"
		 "  mep enable\n  mep entry-point priority-list\n"
		 "  mep priority default primary M1\n"
		 "  mep priority satellite M2 primary M1\n",
		 two_gw);
	parse_fails(text, "t.conf:17: community C: rule 6: a mep priority rule "
			  "may only name satellites");
	snprintf(text, sizeof(text),
		 "%s community C\n  type star\n  center M1\n"
		 "  mep priority default primary M1 secondary M2\n",
		 two_gw);
	parse_fails(text, "t.conf:13: community C: rule 6: mep priority may "
			  "only name centers");
	parse_fails("mep\n community C\n  type star\n"
		    "  mep priority default satellite S1 primary M1\n",
		    "t.conf:4: community C: rule 6: the default rule may not "
		    "name satellites");
	parse_fails("mep\n community C\n  type star\n"
		    "  mep priority default primary M1 secondary M2 tertiary M3"
		    " quaternary M4\n",
		    "t.conf:4: community C: rule 6: at most three levels: "
		    "primary, secondary, tertiary");
	parse_fails("mep\n community C\n  type meshed\n  mep tracking log\n",
		    "t.conf:4: community C: rule 1: mep tracking requires mep "
		    "enable");
}

/* Validation adds default nodes; editing them afterwards works and the
 * defaults are never rendered. */
static void test_defaults(void **state)
{
	struct session s;

	(void)state;
	session_start(&s, CONF_PARSE_INTERACTIVE);
	line_ok(&s, "mep");
	line_ok(&s, "rim");
	assert_int_equal(conf_parser_validate(s.p, &s.err), 0);
	assert_session_renders(&s, "mep\n rim\n exit\n !\nexit\n!\n");
	line_ok(&s, "distance 20");	/* equal to the default: explicit */
	line_ok(&s, "probe interval 500");
	line_ok(&s, "no probe dead-count");
	assert_int_equal(conf_parser_validate(s.p, &s.err), 0);
	assert_session_renders(&s, "mep\n probe interval 500\n rim\n"
				   "  distance 20\n exit\n !\nexit\n!\n");
	line_ok(&s, "no probe interval");
	line_ok(&s, "rim");
	line_ok(&s, "no distance");
	assert_int_equal(conf_parser_validate(s.p, &s.err), 0);
	assert_session_renders(&s, "mep\n rim\n exit\n !\nexit\n!\n");
	session_end(&s);

}

/* rim route-type, instance, stale-time: round trip in YANG order,
 * keywords, ranges, no forms, abbreviations, duplicates. */
static void test_rim_zebra_statements(void **state)
{
	static const char *const canon =
		"mep\n"
		" rim\n"
		"  tag 2600\n"
		"  backend zebra\n"
		"  route-type babel\n"
		"  instance 7\n"
		"  stale-time 300\n"
		"  kernel-table 300\n"
		" exit\n"
		" !\n"
		"exit\n"
		"!\n";
	struct session s;

	(void)state;
	assert_renders("mep\n rim\n  stale-time 300\n  kernel-table 300\n"
		       "  instance 7\n  route-type babel\n  backend zebra\n"
		       "  tag 2600\n",
		       canon);
	assert_renders(canon, canon);
	parse_fails("mep\n rim\n  route-type nhrp\n  route-type table\n",
		    "t.conf:4: rim: duplicate route-type (first at line 3)");
	parse_fails("mep\n rim\n  stale-time 0\n",
		    "t.conf:3: rim: stale-time 0: out of range (1..3600)");

	session_start(&s, CONF_PARSE_INTERACTIVE);
	line_ok(&s, "mep");
	line_ok(&s, "rim");
	line_fails(&s, "route-type static", CMD_ERR_NO_MATCH,
		   "expected nhrp|eigrp|table|babel");
	line_fails(&s, "route-type bgp", CMD_ERR_NO_MATCH,
		   "nhrp|eigrp|table|babel");
	line_fails(&s, "route-type sharp", CMD_ERR_NO_MATCH,
		   "nhrp|eigrp|table|babel");
	line_fails(&s, "route-type", CMD_ERR_INCOMPLETE, "value missing");
	line_fails(&s, "instance 65536", CMD_WARNING_CONFIG_FAILED,
		   "rim: instance 65536: out of range (0..65535)");
	line_fails(&s, "instance x", CMD_WARNING_CONFIG_FAILED,
		   "not a number");
	line_fails(&s, "stale-time 3601", CMD_WARNING_CONFIG_FAILED,
		   "out of range (1..3600)");
	line_fails(&s, "stale-time 0", CMD_WARNING_CONFIG_FAILED,
		   "out of range (1..3600)");
	line_fails(&s, "in 5", CMD_ERR_AMBIGUOUS, "ambiguous");
	line_ok(&s, "ro ta");			/* abbreviations */
	line_ok(&s, "ins 65535");
	line_ok(&s, "st 1");
	assert_int_equal(conf_parser_validate(s.p, &s.err), 0);
	assert_session_renders(&s, "mep\n rim\n  route-type table\n"
				   "  instance 65535\n  stale-time 1\n"
				   " exit\n !\nexit\n!\n");
	line_ok(&s, "route-type eigrp");	/* overwrite */
	line_ok(&s, "stale-time 3600");
	line_ok(&s, "no instance");
	assert_session_renders(&s, "mep\n rim\n  route-type eigrp\n"
				   "  stale-time 3600\n"
				   " exit\n !\nexit\n!\n");
	line_ok(&s, "no route-type nhrp");	/* the value is not checked */
	line_ok(&s, "no stale-time");
	line_ok(&s, "no stale-time");		/* unset: not an error */
	assert_int_equal(conf_parser_validate(s.p, &s.err), 0);
	assert_session_renders(&s, "mep\n rim\n exit\n !\nexit\n!\n");
	session_end(&s);
}

/* ipsec block, rim interface and next-hop: round trip in YANG order,
 * ranges and bad values, no forms, node name, duplicates. */
static void test_ipsec_rim_statements(void **state)
{
	static const char *const canon =
		"mep\n"
		" rim\n"
		"  distance 30\n"
		"  interface tun0\n"
		"  next-hop 2001:db8::1\n"
		" exit\n"
		" !\n"
		" ipsec\n"
		"  vici-socket /run/ns1/charon.vici\n"
		"  grace-period 0\n"
		" exit\n"
		" !\n"
		"exit\n"
		"!\n";
	struct session s;

	(void)state;
	/* statements out of order render in the model's order */
	assert_renders("mep\n ipsec\n  grace-period 0\n"
		       "  vici-socket /run/ns1/charon.vici\n exit\n"
		       " rim\n  next-hop 2001:DB8:0::1\n  interface tun0\n"
		       "  distance 30\n exit\n",
		       canon);
	assert_renders(canon, canon);
	/* an ipsec block with nothing explicit is not printed */
	assert_renders("mep\n ipsec\n exit\n", "mep\nexit\n!\n");
	/* an explicit default is printed */
	assert_renders("mep\n ipsec\n  grace-period 10\n",
		       "mep\n ipsec\n  grace-period 10\n exit\n !\n"
		       "exit\n!\n");

	/* file mode: a second ipsec block or setting is a duplicate */
	parse_fails("mep\n ipsec\n  grace-period 5\n exit\n ipsec\n",
		    "t.conf:5: mep: duplicate ipsec (first at line 2)");
	parse_fails("mep\n ipsec\n  grace-period 5\n  grace-period 6\n",
		    "t.conf:4: ipsec: duplicate grace-period (first at line 3)");
	parse_fails("mep\n rim\n  interface a\n  interface b\n",
		    "t.conf:4: rim: duplicate interface (first at line 3)");

	session_start(&s, CONF_PARSE_INTERACTIVE);
	line_ok(&s, "mep");
	line_ok(&s, "ipsec");
	assert_string_equal(conf_parser_node(s.p), "config-mep-ipsec");
	/* ranges and bad values */
	line_fails(&s, "grace-period 3601", CMD_WARNING_CONFIG_FAILED,
		   "ipsec: grace-period 3601: out of range (0..3600)");
	line_fails(&s, "grace-period -1", CMD_WARNING_CONFIG_FAILED,
		   "not a number");
	line_fails(&s, "grace-period", CMD_ERR_INCOMPLETE, "value missing");
	line_fails(&s, "grace-period 1 2", CMD_ERR_NO_MATCH,
		   "unknown command");
	line_fails(&s, "vici-socket charon.vici", CMD_WARNING_CONFIG_FAILED,
		   "vici-socket charon.vici: must be an absolute path");
	line_fails(&s,
		   "vici-socket /"
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		   "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		   "ccccccc",
		   CMD_WARNING_CONFIG_FAILED, "1..107");
	line_fails(&s, "vici-socket /run/\x01", CMD_WARNING_CONFIG_FAILED,
		   "/run/?");
	line_ok(&s, "grace-period 3600");
	line_ok(&s, "vici-socket /"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		    "cccccc");
	line_ok(&s, "vici-socket /run/charon.vici");	/* overwrite */
	line_ok(&s, "rim");
	assert_string_equal(conf_parser_node(s.p), "config-mep-rim");
	line_fails(&s, "interface abcdefghijklmnop", CMD_WARNING_CONFIG_FAILED,
		   "invalid interface name");
	line_fails(&s, "interface eth/0", CMD_WARNING_CONFIG_FAILED,
		   "rim: interface eth/0: invalid interface name");
	line_fails(&s, "interface ..", CMD_WARNING_CONFIG_FAILED,
		   "invalid interface name");
	line_fails(&s, "next-hop 10.0.0.0/8", CMD_WARNING_CONFIG_FAILED,
		   "rim: next-hop 10.0.0.0/8: not an IPv4 or IPv6 address");
	line_fails(&s, "next-hop fe80::1%eth0", CMD_WARNING_CONFIG_FAILED,
		   "not an IPv4 or IPv6 address");
	line_fails(&s, "next-hop", CMD_ERR_INCOMPLETE, "value missing");
	line_fails(&s, "n 1.2.3.4", CMD_ERR_AMBIGUOUS, "ambiguous");
	line_ok(&s, "interface abcdefghijklmno");
	line_ok(&s, "ne 192.0.2.254");		/* abbreviation */
	line_ok(&s, "next-hop 192.0.2.253");	/* overwrite */
	/* from rim, straight back into ipsec (fallback to mep) */
	line_ok(&s, "ipsec");
	line_ok(&s, "gr 7");
	assert_int_equal(conf_parser_validate(s.p, &s.err), 0);
	assert_session_renders(&s, "mep\n rim\n  interface abcdefghijklmno\n"
				   "  next-hop 192.0.2.253\n exit\n !\n"
				   " ipsec\n"
				   "  vici-socket /run/charon.vici\n"
				   "  grace-period 7\n exit\n !\n"
				   "exit\n!\n");
	/* no forms */
	line_ok(&s, "no vici-socket /anything");
	line_ok(&s, "no vici-socket");		/* unset: not an error */
	assert_session_renders(&s, "mep\n rim\n  interface abcdefghijklmno\n"
				   "  next-hop 192.0.2.253\n exit\n !\n"
				   " ipsec\n  grace-period 7\n exit\n !\n"
				   "exit\n!\n");
	line_ok(&s, "no grace-period");		/* last one: block goes */
	assert_session_renders(&s, "mep\n rim\n  interface abcdefghijklmno\n"
				   "  next-hop 192.0.2.253\n exit\n !\n"
				   "exit\n!\n");
	line_ok(&s, "grace-period 20");		/* still in the ipsec node */
	assert_string_equal(conf_parser_node(s.p), "config-mep-ipsec");
	line_ok(&s, "exit");
	line_ok(&s, "no ipsec");
	line_ok(&s, "no ipsec");
	line_ok(&s, "rim");
	line_ok(&s, "no next-hop");
	line_ok(&s, "no interface x");
	assert_int_equal(conf_parser_validate(s.p, &s.err), 0);
	assert_session_renders(&s, "mep\n rim\n exit\n !\nexit\n!\n");
	/* after validation the implicit ipsec container is edited in place */
	line_ok(&s, "ipsec");
	line_ok(&s, "vici-socket /var/run/charon.vici");
	assert_int_equal(conf_parser_validate(s.p, &s.err), 0);
	assert_session_renders(&s, "mep\n rim\n exit\n !\n ipsec\n"
				   "  vici-socket /var/run/charon.vici\n"
				   " exit\n !\nexit\n!\n");
	session_end(&s);
}

static void test_render_empty(void **state)
{
	struct lyd_node *tree;
	char *s;

	(void)state;
	s = render(NULL);
	assert_string_equal(s, "");
	free(s);
	tree = parse_ok("");
	assert_null(tree);
	tree = parse_ok("! only comments\n\n");
	assert_null(tree);
	assert_renders("mep\n", "mep\nexit\n!\n");
}

/* Random lines built from the grammar's words never crash or leak, and
 * every failed line leaves the tree unchanged. */
static void test_random_lines(void **state)
{
	static const char *const words[] = {
		"mep", "gateway", "community", "rim", "probe", "no", "exit",
		"end", "M1", "M2", "S1", "type", "star", "meshed", "center",
		"satellite", "member", "priority", "default", "primary",
		"secondary", "tertiary", "quaternary", "interval", "port",
		"key", "10.0.0.0/8", "10.0.0.1/8", "192.0.2.1",
		"2001:db8::/32", "0", "70000", "x", "enable", "entry-point",
		"random", "address", "vpn-domain", "backup-gateway",
		"local-gateway", "tag", "!", "load-distribution",
		"return-path", "ip-pool-nat", "distance", "\xff\x01",
		"permanent-tunnels", "tracking", "log", "3",
		"ipsec", "vici-socket", "grace-period", "/run/x.vici",
		"interface", "next-hop", "ipsec0", "2001:db8::1",
	};
	static const char *const first[] = {
		"mep", "gateway", "community", "rim", "probe", "no", "exit",
		"type", "center", "satellite", "address", "vpn-domain",
		"distance", "local-gateway", "backup-gateway", "return-path",
		"member", "ip-pool", "ipsec", "vici-socket", "grace-period",
		"interface", "next-hop",
	};
	const size_t nw = sizeof(words) / sizeof(words[0]);
	const size_t nf = sizeof(first) / sizeof(first[0]);
	uint32_t seed = 12345;
	int applied = 0;

	(void)state;
	for (int round = 0; round < 2; round++) {
		struct session s;

		session_start(&s, round ? CONF_PARSE_FILE
					: CONF_PARSE_INTERACTIVE);
		for (int i = 0; i < 3000; i++) {
			struct strbuf l = STRBUF_INIT;
			char *before = to_json(s.tree), *after;
			int nwords, rc;

			seed = seed * 1103515245u + 12345u;
			nwords = (int)((seed >> 16) % 6);
			if (i % 50 == 0)
				strbuf_puts(&l, "mep ");
			else
				strbuf_printf(&l, "%s ",
					      first[(seed >> 8) % nf]);
			for (int w = 0; w < nwords; w++) {
				seed = seed * 1103515245u + 12345u;
				strbuf_printf(&l, "%s ",
					      words[(seed >> 16) % nw]);
			}
			rc = line(&s, strbuf_str(&l));
			after = to_json(s.tree);
			if (rc != CMD_SUCCESS) {
				assert_string_equal(before, after);
				assert_true(s.err.len > 0);
			} else if (strcmp(before, after) != 0) {
				applied++;
			}
			if (conf_parser_ended(s.p)) {
				conf_parser_free(s.p);
				s.p = conf_parser_new(
					ctx, &s.tree,
					s.lineno % 2 ? CONF_PARSE_FILE
						     : CONF_PARSE_INTERACTIVE,
					"vty");
				assert_non_null(s.p);
			}
			free(before);
			free(after);
			strbuf_free(&l);
		}
		/* whatever came out validates or explains why */
		strbuf_reset(&s.err);
		if (conf_parser_validate(s.p, &s.err) != 0)
			assert_true(s.err.len > 0);
		session_end(&s);
	}
	/* the generator really changes trees */
	assert_true(applied > 100);
}

/* Completion comes from the parser's tables: probe options in any order,
 * each once, <cr> once one is given; no forms as the parser takes them. */
static void complete_is(struct session *s, const char *l, const char *want)
{
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(conf_parser_complete(s->p, l, &out), CMD_SUCCESS);
	if (strcmp(strbuf_str(&out), want) != 0)
		print_error("complete \"%s\": got\n%s", l, strbuf_str(&out));
	assert_string_equal(strbuf_str(&out), want);
	strbuf_free(&out);
}

static void test_complete_from_tables(void **state)
{
	struct session s;

	(void)state;
	session_start(&s, CONF_PARSE_INTERACTIVE);
	line_ok(&s, "mep");
	complete_is(&s, "probe ",
		    "dead-count\tUnanswered probes before a gateway is down\n"
		    "interval\tInterval between probes\n"
		    "key\tShared key of the probes\n"
		    "port\tUDP port of the probes\n"
		    "up-count\tAnswered probes before a gateway is up again\n");
	complete_is(&s, "probe port 4500 ",
		    "dead-count\tUnanswered probes before a gateway is down\n"
		    "interval\tInterval between probes\n"
		    "key\tShared key of the probes\n"
		    "up-count\tAnswered probes before a gateway is up again\n"
		    "<cr>\t\n");
	complete_is(&s, "pro key secretkey1 int 100 ",
		    "dead-count\tUnanswered probes before a gateway is down\n"
		    "port\tUDP port of the probes\n"
		    "up-count\tAnswered probes before a gateway is up again\n"
		    "<cr>\t\n");
	complete_is(&s, "probe up-count ", "(1-10)\tCount\n");
	complete_is(&s, "probe dead-count ", "(1-100)\tCount\n");
	line_ok(&s, "probe key secretkey1 dead-count 3 interval 100");
	line_ok(&s, "community C1");
	/* from the community node, the mep node's probe */
	complete_is(&s, "probe interval 100 dead-count 3 port 1 ",
		    "key\tShared key of the probes\n"
		    "up-count\tAnswered probes before a gateway is up again\n"
		    "<cr>\t\n");
	complete_is(&s, "probe up-count 3 interval 100 dead-count 3 port 1 ",
		    "key\tShared key of the probes\n<cr>\t\n");
	complete_is(&s, "no mep enable ", "<cr>\t\n");
	assert_int_equal(line(&s, "no mep enable x"), CMD_ERR_NO_MATCH);
	complete_is(&s, "mep tie-break ",
		    "first-to-respond\tThe first to respond\n"
		    "random\tRendezvous hashing\n");
	session_end(&s);
}

/* Every command the help lists in a node is one the parser knows there
 * (abort, do and list belong to the shell). */
static void test_listed_commands_parse(void **state)
{
	static const char *const enter[] = { NULL, "mep", "gateway M1",
					     "community C1", "rim", "ipsec" };
	(void)state;
	for (size_t i = 0; i < sizeof(enter) / sizeof(enter[0]); i++) {
		struct session s;
		struct strbuf out = STRBUF_INIT;
		char *save = NULL;

		session_start(&s, CONF_PARSE_INTERACTIVE);
		if (i > 0)
			line_ok(&s, "mep");
		if (i > 1)
			line_ok(&s, enter[i]);
		conf_parser_list(s.p, &out);
		assert_true(out.len > 0);
		for (char *l = strtok_r((char *)strbuf_str(&out), "\n", &save);
		     l; l = strtok_r(NULL, "\n", &save)) {
			char word[64];

			assert_int_equal(sscanf(l, " %63s", word), 1);
			if (!strcmp(word, "abort") || !strcmp(word, "do") ||
			    !strcmp(word, "list") || !strcmp(word, "exit") ||
			    !strcmp(word, "end"))
				continue;
			line(&s, word);
			if (strstr(strbuf_str(&s.err), "unknown command"))
				print_error("node %zu: \"%s\" listed, %s\n", i,
					    l, strbuf_str(&s.err));
			assert_null(strstr(strbuf_str(&s.err),
					   "unknown command"));
			/* back to the node under test */
			if (strcmp(word, "mep") == 0 && i == 0)
				line_ok(&s, "exit");
			if (i > 1 && (!strcmp(word, "rim") ||
				      !strcmp(word, "ipsec") ||
				      !strcmp(word, "gateway") ||
				      !strcmp(word, "community")))
				line(&s, enter[i]);
		}
		strbuf_free(&out);
		session_end(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples_round_trip),
		cmocka_unit_test(test_bad_examples),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_ambiguous_incomplete),
		cmocka_unit_test(test_bad_values_messages),
		cmocka_unit_test(test_dangling_reference),
		cmocka_unit_test(test_line_of_predicates),
		cmocka_unit_test(test_duplicates_by_mode),
		cmocka_unit_test(test_failed_line_leaves_tree_unchanged),
		cmocka_unit_test(test_no_forms),
		cmocka_unit_test(test_abbreviations),
		cmocka_unit_test(test_fallback_without_exit),
		cmocka_unit_test(test_node_names),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_priority_rules),
		cmocka_unit_test(test_yang_rules),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_ipsec_rim_statements),
		cmocka_unit_test(test_rim_zebra_statements),
		cmocka_unit_test(test_render_empty),
		cmocka_unit_test(test_random_lines),
		cmocka_unit_test(test_complete_from_tables),
		cmocka_unit_test(test_listed_commands_parse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
