/* nft_run: nftables through libnftables. See nft_run.h. */
#include "nft_run.h"

#include "nft_listing.h"

#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nft_run {
	struct nft_ctx *ctx;
};

struct nft_run *nft_run_new(void)
{
	struct nft_run *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!n->ctx || nft_ctx_buffer_output(n->ctx) ||
	    nft_ctx_buffer_error(n->ctx)) {
		nft_run_free(n);
		return NULL;
	}
	return n;
}

void nft_run_free(struct nft_run *n)
{
	if (!n)
		return;
	if (n->ctx)
		nft_ctx_free(n->ctx);
	free(n);
}

/* nft's error buffer, trimmed, into err (a generic text when empty). */
static void nft_run_error(struct nft_run *n, struct strbuf *err)
{
	const char *msg = nft_ctx_get_error_buffer(n->ctx);
	size_t len = msg ? strlen(msg) : 0;

	while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	strbuf_reset(err);
	if (len)
		strbuf_printf(err, "%.*s", (int)len, msg);
	else
		strbuf_puts(err, "nftables refused the command");
}

static int nft_run_cmd(struct nft_run *n, const char *cmds, bool json,
		       struct strbuf *out, struct strbuf *err)
{
	unsigned int flags = nft_ctx_output_get_flags(n->ctx);
	int rc;

	if (json)
		flags |= NFT_CTX_OUTPUT_JSON;
	else
		flags &= ~(unsigned int)NFT_CTX_OUTPUT_JSON;
	nft_ctx_output_set_flags(n->ctx, flags);
	rc = nft_run_cmd_from_buffer(n->ctx, cmds);
	/* reading the buffers also resets them for the next command */
	if (rc) {
		nft_run_error(n, err);
		(void)nft_ctx_get_output_buffer(n->ctx);
		return -1;
	}
	if (out)
		strbuf_puts(out, nft_ctx_get_output_buffer(n->ctx));
	else
		(void)nft_ctx_get_output_buffer(n->ctx);
	(void)nft_ctx_get_error_buffer(n->ctx);
	return 0;
}

/* libnftables places an error of a multi-line buffer on its first line
 * (the wrong command underlined); in nft's grammar ';' separates like a
 * newline, so the batch is run as one line and the message is right. */
int nft_run_batch(struct nft_run *n, const char *cmds, struct strbuf *err)
{
	size_t len = strlen(cmds);
	char *line = malloc(len + 1);
	int rc;

	if (!line) {
		strbuf_reset(err);
		strbuf_puts(err, "out of memory");
		return -1;
	}
	for (size_t i = 0; i <= len; i++)
		line[i] = cmds[i] == '\n' ? ';' : cmds[i];
	rc = nft_run_cmd(n, line, false, NULL, err);
	free(line);
	return rc;
}

int nft_run_list(struct nft_run *n, const char *cmd, bool json,
		 struct strbuf *out, struct strbuf *err)
{
	return nft_run_cmd(n, cmd, json, out, err);
}

bool nft_run_missing(const struct strbuf *err)
{
	return err->len && strstr(strbuf_str(err), "No such file or directory");
}

int nft_run_look_table(struct nft_run *n, const char *table,
		       const char *comment, struct strbuf *out,
		       enum nft_table_owner *owner, struct strbuf *err)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "list table %s", table);
	if (nft_run_list(n, cmd, false, out, err) < 0) {
		if (!nft_run_missing(err))
			return -1;
		*owner = NFT_TABLE_ABSENT;
		return 0;
	}
	*owner = nft_listing_owned(strbuf_str(out), comment)
			 ? NFT_TABLE_OURS
			 : NFT_TABLE_FOREIGN;
	return 0;
}
