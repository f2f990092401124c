/* nft_run: nftables in-process through libnftables (no `nft` subprocess).
 * A batch of commands in nft's own syntax is applied as one kernel
 * transaction: every command or none ("add table ...; add chain ...;
 * flush set ..." in one call). A listing ("list table inet NAME") is read
 * back as text or as nft's JSON. Errors come back as nft's own message
 * (the offending command underlined), never printed to stderr.
 *
 * This module knows nothing of what the tables mean: the users (IP Pool
 * NAT on centers, route steering on satellites) own their tables, decide
 * what belongs in them and how they recognise a table as theirs (a
 * comment on the table). Calls are synchronous: one netlink round trip to
 * the kernel per batch, milliseconds; needs CAP_NET_ADMIN. */
#ifndef RIPD_MEP_NFT_RUN_H
#define RIPD_MEP_NFT_RUN_H

#include <stdbool.h>

#include "strbuf.h"

struct nft_run;

/* A libnftables context; NULL when out of memory. */
struct nft_run *nft_run_new(void);
void nft_run_free(struct nft_run *n);

/* Apply cmds (one or more commands, separated by newlines or ';'; no
 * newline inside a quoted string) as one transaction. 0, or -1 with err set to nft's message (nothing applied). */
int nft_run_batch(struct nft_run *n, const char *cmds, struct strbuf *err);

/* Run a listing command (cmd, e.g. "list table inet ripd_mep_nat") and
 * append its output, nft's JSON when json, else its text, to out. 0, or
 * -1 with err set (e.g. "No such file or directory" for a missing
 * table: nft_run_missing() tells). */
int nft_run_list(struct nft_run *n, const char *cmd, bool json,
		 struct strbuf *out, struct strbuf *err);

/* Does err (from nft_run_list) say that the listed object does not
 * exist? */
bool nft_run_missing(const struct strbuf *err);

/* Whose a table is: absent, ours (its table comment is the owner's, see
 * nft_listing.h), or someone else's (left alone by its users). */
enum nft_table_owner { NFT_TABLE_ABSENT, NFT_TABLE_OURS, NFT_TABLE_FOREIGN };

/* List table ("inet NAME") as text into out and tell its owner by
 * comment. 0 with *owner set, or -1 with err (nftables unavailable, ...). */
int nft_run_look_table(struct nft_run *n, const char *table,
		       const char *comment, struct strbuf *out,
		       enum nft_table_owner *owner, struct strbuf *err);

#endif
