/* test_merge: conf_merge's three-way merge of a configuration session onto
 * the running tree, its conflicts and their messages, the commit history
 * and the configuration's words for data paths. Trees come from the real
 * configuration parser and model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libyang/libyang.h>

#include "conf_merge.h"
#include "conf_parse.h"
#include "conf_render.h"
#include "strbuf.h"

static struct ly_ctx *ctx;

static int group_setup(void **state)
{
	(void)state;
	ly_log_options(LY_LOSTORE_LAST);
	if (ly_ctx_new(SRC_YANG_DIR, 0, &ctx) != LY_SUCCESS)
		return -1;
	return ly_ctx_load_module(ctx, "ripd-mep", NULL, NULL) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	ly_ctx_destroy(ctx);
	return 0;
}

static const char *const base_text =
	"mep\n"
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
	" exit\n"
	" gateway S2\n"
	"  address 198.51.100.2\n"
	" exit\n"
	" community C\n"
	"  type star\n"
	"  center M1\n"
	"  center M2\n"
	"  satellite S1\n"
	" exit\n"
	" rim\n"
	"  metric 10\n"
	" exit\n"
	"exit\n";

static struct lyd_node *parse(const char *text)
{
	struct lyd_node *tree = NULL;
	struct strbuf err = STRBUF_INIT;

	if (conf_parse_text(ctx, text, "t.conf", &tree, NULL, &err) < 0)
		print_error("parse: %s\n", strbuf_str(&err));
	assert_int_equal(err.len, 0);
	strbuf_free(&err);
	return tree;
}

/* base_text with lines edited: each edit is "OLD\0NEW" applied once. */
static struct lyd_node *edited(const char *text, const char *old,
			       const char *new_)
{
	const char *at = strstr(text, old);
	char buf[4096];

	assert_non_null(at);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - text), text, new_,
		 at + strlen(old));
	return parse(buf);
}

static char *render(const struct lyd_node *t)
{
	struct strbuf b = STRBUF_INIT;
	char *s;

	conf_render(t, &b);
	s = strdup(strbuf_str(&b));
	strbuf_free(&b);
	return s;
}

static void assert_has(const struct lyd_node *t, const char *needle,
		       bool want)
{
	char *s = render(t);

	if ((strstr(s, needle) != NULL) != want)
		print_error("%s '%s' in:\n%s", want ? "missing" : "unexpected",
			    needle, s);
	assert_int_equal(strstr(s, needle) != NULL, want);
	free(s);
}

/* History with one commit base -> other, made by source. */
static void commit(struct conf_history *h, const struct lyd_node *old,
		   const struct lyd_node *new_, const char *source)
{
	assert_int_equal(conf_history_record(h, old, new_, source, 0), 0);
}

/* A adds gateway M3 (base gen 0); B changed M2's address and committed
 * first (gen 1): A's commit keeps B's change. The reported bug. */
static void test_disjoint_edits_both_kept(void **state)
{
	struct conf_history h;
	struct lyd_node *base = parse(base_text);
	struct lyd_node *a = edited(base_text, " community C\n",
				    " gateway M3\n  address 192.0.2.3\n"
				    " exit\n community C\n");
	struct lyd_node *b = edited(base_text, "192.0.2.2", "192.0.2.22");
	struct lyd_node *merged = NULL;
	struct strbuf err = STRBUF_INIT;

	(void)state;
	conf_history_init(&h);
	commit(&h, base, b, "vty session 2");
	assert_int_equal(h.gen, 1);
	assert_int_equal(conf_merge(&h, 0, base, a, b, &merged, &err), 0);
	assert_int_equal(err.len, 0);
	assert_has(merged, "gateway M3", true);
	assert_has(merged, "address 192.0.2.22", true);
	assert_has(merged, "address 192.0.2.2\n", false);
	lyd_free_all(merged);

	/* the other order: B's commit on top of A's */
	conf_history_free(&h);
	commit(&h, base, a, "vty session 1");
	assert_int_equal(conf_merge(&h, 0, base, b, a, &merged, &err), 0);
	assert_has(merged, "gateway M3", true);
	assert_has(merged, "address 192.0.2.22", true);
	lyd_free_all(merged);
	conf_history_free(&h);
	lyd_free_all(a);
	lyd_free_all(b);
	lyd_free_all(base);
	strbuf_free(&err);
}

/* Both change the same leaf to different values: a conflict naming the
 * node and the other session; nothing merged. */
static void test_same_leaf_conflict(void **state)
{
	struct conf_history h;
	struct lyd_node *base = parse(base_text);
	struct lyd_node *a = edited(base_text, "192.0.2.2", "192.0.2.77");
	struct lyd_node *b = edited(base_text, "192.0.2.2", "192.0.2.22");
	struct lyd_node *merged = (struct lyd_node *)&h; /* must be reset */
	struct strbuf err = STRBUF_INIT;

	(void)state;
	conf_history_init(&h);
	commit(&h, base, b, "vty session 2");
	assert_int_equal(conf_merge(&h, 0, base, a, b, &merged, &err), 1);
	assert_null(merged);
	assert_non_null(strstr(strbuf_str(&err),
			       "conflict: gateway M2: address was changed by "
			       "vty session 2 at "));
	assert_non_null(strstr(strbuf_str(&err),
			       "since this session entered configuration "
			       "mode"));
	strbuf_free(&err);

	/* the same change on both sides is no conflict */
	lyd_free_all(a);
	a = edited(base_text, "192.0.2.2", "192.0.2.22");
	if (conf_merge(&h, 0, base, a, b, &merged, &err) != 0)
		print_error("merge: %s\n", strbuf_str(&err));
	assert_string_equal(strbuf_str(&err), "");
	assert_has(merged, "address 192.0.2.22", true);
	lyd_free_all(merged);
	conf_history_free(&h);
	lyd_free_all(a);
	lyd_free_all(b);
	lyd_free_all(base);
	strbuf_free(&err);
}

/* A deletes gateway M2's domain while a file reload changed M2's address:
 * different leaves of one gateway merge; A deleting the whole community
 * while the reload added a satellite to it conflicts. */
static void test_containing_nodes(void **state)
{
	struct conf_history h;
	struct lyd_node *base = parse(base_text);
	struct lyd_node *reload = edited(base_text, "  satellite S1\n",
					 "  satellite S1\n  satellite S2\n");
	struct lyd_node *a, *merged = NULL;
	struct strbuf err = STRBUF_INIT;

	(void)state;
	conf_history_init(&h);
	commit(&h, base, reload, "file reload");
	a = edited(base_text, "  vpn-domain 10.2.0.0/16\n", "");
	assert_int_equal(conf_merge(&h, 0, base, a, reload, &merged, &err), 0);
	assert_has(merged, "satellite S2", true);
	assert_has(merged, "10.2.0.0/16", false);
	lyd_free_all(merged);
	lyd_free_all(a);

	a = edited(base_text,
		   " community C\n  type star\n  center M1\n  center M2\n"
		   "  satellite S1\n exit\n",
		   "");
	assert_int_equal(conf_merge(&h, 0, base, a, reload, &merged, &err), 1);
	assert_non_null(strstr(strbuf_str(&err),
			       "conflict: your change to community C meets "
			       "community C: satellite S2, changed by file "
			       "reload at "));
	lyd_free_all(a);
	conf_history_free(&h);
	lyd_free_all(reload);
	lyd_free_all(base);
	strbuf_free(&err);
}

/* No commit since the base: the candidate as it is; no edits: running. */
static void test_no_other_commit(void **state)
{
	struct conf_history h;
	struct lyd_node *base = parse(base_text);
	struct lyd_node *a = edited(base_text, "metric 10", "metric 30");
	struct lyd_node *merged = NULL;
	struct strbuf err = STRBUF_INIT;

	(void)state;
	conf_history_init(&h);
	assert_int_equal(conf_merge(&h, 0, base, a, base, &merged, &err), 0);
	assert_has(merged, "metric 30", true);
	lyd_free_all(merged);
	/* from and to an empty configuration */
	assert_int_equal(conf_merge(&h, 0, NULL, a, NULL, &merged, &err), 0);
	assert_has(merged, "metric 30", true);
	lyd_free_all(merged);
	assert_int_equal(conf_merge(&h, 0, NULL, NULL, NULL, &merged, &err),
			 0);
	assert_null(merged);
	conf_history_free(&h);
	lyd_free_all(a);
	lyd_free_all(base);
	strbuf_free(&err);
}

/* More commits than the history holds: compared with running as a whole,
 * the conflict still found (named as another commit). */
static void test_history_overflow(void **state)
{
	struct conf_history h;
	struct lyd_node *base = parse(base_text);
	struct lyd_node *b = edited(base_text, "metric 10", "metric 20");
	struct lyd_node *a = edited(base_text, "metric 10", "metric 30");
	struct lyd_node *merged = NULL;
	struct strbuf err = STRBUF_INIT;

	(void)state;
	conf_history_init(&h);
	commit(&h, base, b, "vty session 2");
	for (int i = 0; i < CONF_HISTORY_MAX + 3; i++)
		commit(&h, b, b, "file reload");
	assert_int_equal(h.n, CONF_HISTORY_MAX);
	assert_int_equal(conf_merge(&h, 0, base, a, b, &merged, &err), 1);
	assert_non_null(strstr(strbuf_str(&err),
			       "conflict: rim: metric was changed by another "
			       "commit since"));
	conf_history_free(&h);
	lyd_free_all(a);
	lyd_free_all(b);
	lyd_free_all(base);
	strbuf_free(&err);
}

/* A commit whose paths could not be computed: the merge compares the
 * trees as a whole and still finds the conflict. */
static void test_unknown_commit(void **state)
{
	struct conf_history h;
	struct lyd_node *base = parse(base_text);
	struct lyd_node *b = edited(base_text, "metric 10", "metric 20");
	struct lyd_node *a = edited(base_text, "metric 10", "metric 30");
	struct lyd_node *merged = NULL;
	struct conf_commit *c;
	struct strbuf err = STRBUF_INIT;

	(void)state;
	conf_history_init(&h);
	commit(&h, base, b, "vty session 2");
	c = &h.rec[h.gen % CONF_HISTORY_MAX];
	conf_paths_free(c->paths, c->n_paths);
	c->paths = NULL;
	c->n_paths = 0;
	c->unknown = true;
	assert_int_equal(conf_merge(&h, 0, base, a, b, &merged, &err), 1);
	assert_null(merged);
	assert_non_null(strstr(strbuf_str(&err),
			       "conflict: rim: metric was changed by another "
			       "commit"));
	conf_history_free(&h);
	lyd_free_all(a);
	lyd_free_all(b);
	lyd_free_all(base);
	strbuf_free(&err);
}

static void test_history_paths(void **state)
{
	struct conf_history h;
	struct lyd_node *base = parse(base_text);
	struct lyd_node *b = edited(base_text, "  center M2\n", "");
	struct conf_commit c0;

	(void)state;
	conf_history_init(&h);
	commit(&h, base, b, "vty session 7");
	c0 = h.rec[1];
	assert_int_equal(c0.gen, 1);
	assert_string_equal(c0.source, "vty session 7");
	assert_int_equal(c0.n_paths, 1);
	assert_string_equal(c0.paths[0], "/ripd-mep:mep/community[name='C']"
					 "/center[.='M2']");
	commit(&h, NULL, NULL, "file reload");
	assert_int_equal(h.rec[2].n_paths, 0);
	conf_history_free(&h);
	lyd_free_all(b);
	lyd_free_all(base);
}

static void test_changes(void **state)
{
	struct lyd_node *base = parse(base_text);
	struct lyd_node *a = edited(base_text, " community C\n",
				    " gateway M3\n  address 192.0.2.3\n"
				    "  vpn-domain 10.3.0.0/16\n"
				    " exit\n community C\n");
	struct lyd_node *b = edited(base_text, "metric 10", "metric 30");
	struct lyd_node *c = edited(base_text, "  vpn-domain 10.2.0.0/16\n",
				    "");
	struct strbuf out = STRBUF_INIT;

	(void)state;
	assert_int_equal(conf_changes(base, base, &out), 0);
	assert_string_equal(strbuf_str(&out), "");
	assert_int_equal(conf_changes(base, a, &out), 2);
	assert_string_equal(strbuf_str(&out),
			    "+ gateway M3: address 192.0.2.3\n"
			    "+ gateway M3: vpn-domain 10.3.0.0/16\n");
	strbuf_reset(&out);
	assert_int_equal(conf_changes(base, b, &out), 1);
	assert_string_equal(strbuf_str(&out), "~ rim: metric 10 -> 30\n");
	strbuf_reset(&out);
	assert_int_equal(conf_changes(base, c, &out), 1);
	assert_string_equal(strbuf_str(&out),
			    "- gateway M2: vpn-domain 10.2.0.0/16\n");
	strbuf_free(&out);
	lyd_free_all(a);
	lyd_free_all(b);
	lyd_free_all(c);
	lyd_free_all(base);
}

static void words(const char *path, const char *want)
{
	struct strbuf b = STRBUF_INIT;

	conf_path_words(path, &b);
	assert_string_equal(strbuf_str(&b), want);
	strbuf_free(&b);
}

static void test_path_words(void **state)
{
	(void)state;
	words("/ripd-mep:mep", "mep");
	words("/ripd-mep:mep/local-gateway", "mep: local-gateway");
	words("/ripd-mep:mep/gateway[name='M1']", "gateway M1");
	words("/ripd-mep:mep/gateway[name='M1']/address", "gateway M1: address");
	words("/ripd-mep:mep/gateway[name='M1']/vpn-domain[.='10.1.0.0/16']",
	      "gateway M1: vpn-domain 10.1.0.0/16");
	words("/ripd-mep:mep/community[name='C']/mep-enable",
	      "community C: mep enable");
	words("/ripd-mep:mep/community[name='C']/priority-rule[id='2']",
	      "community C: mep priority satellite rule 2");
	words("/ripd-mep:mep/rim/metric", "rim: metric");
	words(NULL, "mep");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disjoint_edits_both_kept),
		cmocka_unit_test(test_same_leaf_conflict),
		cmocka_unit_test(test_containing_nodes),
		cmocka_unit_test(test_no_other_commit),
		cmocka_unit_test(test_history_overflow),
		cmocka_unit_test(test_history_paths),
		cmocka_unit_test(test_unknown_commit),
		cmocka_unit_test(test_path_words),
		cmocka_unit_test(test_changes),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
