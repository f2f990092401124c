/* test_nft_run: tests of the libnftables adapter (nft_run.c) against the
 * real kernel, in a private network namespace (unshare(CLONE_NEWNET)), so
 * the host's rules are never touched; without root the program exits 77
 * (skipped). A batch is all or nothing, listings come back as text and
 * JSON, and a missing table is told apart from other errors. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "netns_fixture.h"

#include "nft_run.h"
#include "strbuf.h"

static void test_batch_and_list(void **state)
{
	struct nft_run *n = nft_run_new();
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	(void)state;
	assert_non_null(n);
	assert_int_equal(nft_run_batch(n, "add table inet t1 { comment \"owned by test\"; }\n"
					  "add chain inet t1 c\n"
					  "add rule inet t1 c counter accept",
				       &err),
			 0);
	assert_int_equal(nft_run_list(n, "list table inet t1", false, &out,
				      &err),
			 0);
	assert_non_null(strstr(strbuf_str(&out), "comment \"owned by test\""));
	assert_non_null(strstr(strbuf_str(&out), "chain c"));
	strbuf_reset(&out);
	assert_int_equal(nft_run_list(n, "list table inet t1", true, &out,
				      &err),
			 0);
	assert_non_null(strstr(strbuf_str(&out), "\"nftables\""));
	assert_non_null(strstr(strbuf_str(&out), "\"name\": \"t1\""));
	/* the buffer does not keep the previous listing */
	strbuf_reset(&out);
	assert_int_equal(nft_run_list(n, "list chain inet t1 c", false, &out,
				      &err),
			 0);
	assert_null(strstr(strbuf_str(&out), "owned by test"));
	strbuf_free(&out);
	strbuf_free(&err);
	nft_run_free(n);
}

static void test_batch_all_or_nothing(void **state)
{
	struct nft_run *n = nft_run_new();
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	(void)state;
	assert_non_null(n);
	/* the third command is wrong: neither t2 nor its chain exist */
	assert_int_equal(nft_run_batch(n, "add table inet t2\n"
					  "add chain inet t2 c\n"
					  "add rule inet t2 c jump nosuchchain",
				       &err),
			 -1);
	assert_true(err.len > 0);
	assert_non_null(strstr(strbuf_str(&err), "nosuchchain"));
	assert_int_equal(nft_run_list(n, "list table inet t2", false, &out,
				      &err),
			 -1);
	assert_true(nft_run_missing(&err));
	/* a syntax error is an error too, and not "missing" */
	assert_int_equal(nft_run_batch(n, "add tabel inet t3", &err), -1);
	assert_false(nft_run_missing(&err));
	/* the context is usable after errors */
	assert_int_equal(nft_run_batch(n, "add table ip t4", &err), 0);
	assert_int_equal(nft_run_batch(n, "delete table ip t4", &err), 0);
	strbuf_free(&out);
	strbuf_free(&err);
	nft_run_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_and_list),
		cmocka_unit_test(test_batch_all_or_nothing),
	};

	int rc = netns_fixture_enter("nftables");

	if (rc)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
