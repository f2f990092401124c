/* mepsh_filter: the output filters of mepsh, as vtysh's:
 *   CMD | include REGEX   only the lines matching REGEX
 *   CMD | exclude REGEX   only the lines not matching REGEX
 *   CMD | begin REGEX     from the first line matching REGEX on
 *   CMD | count           the number of lines (alone on a line)
 * REGEX is a POSIX extended regular expression: the rest of the line
 * after the keyword and one blank run (it may hold blanks and '|').
 * The filter starts at the first '|' of the line, so a command cannot
 * contain '|' itself (no ripd-mep command takes one). Keywords may be
 * abbreviated (cmd_keyword). Pure: no I/O. */
#ifndef RIPD_MEP_MEPSH_FILTER_H
#define RIPD_MEP_MEPSH_FILTER_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

enum mepsh_filter_kind {
	MEPSH_FILTER_NONE,
	MEPSH_FILTER_INCLUDE,
	MEPSH_FILTER_EXCLUDE,
	MEPSH_FILTER_BEGIN,
	MEPSH_FILTER_COUNT,
};

struct mepsh_filter {
	enum mepsh_filter_kind kind;
	bool has_re;
	regex_t re;
};

/* Split line into its command (the first *cmd_len bytes, blanks before
 * the '|' excluded) and its filter. Returns a cmd_status: CMD_SUCCESS
 * (kind NONE without '|'), CMD_ERR_NO_MATCH for an unknown filter or a
 * bad regex, CMD_ERR_AMBIGUOUS, CMD_ERR_INCOMPLETE for a missing regex
 * or command; err then gets a "% ..." line. Free f with
 * mepsh_filter_free() after a success. */
int mepsh_filter_parse(const char *line, size_t *cmd_len,
		       struct mepsh_filter *f, struct strbuf *err);
void mepsh_filter_free(struct mepsh_filter *f);

/* Filter text (len bytes; a last line without '\n' counts) into out. */
void mepsh_filter_apply(const struct mepsh_filter *f, const char *text,
			size_t len, struct strbuf *out);

/* Candidates for what follows the '|' (after: the text after it), as
 * cmd_table_complete() writes them ("WORD\tHELP\n"). Returns a
 * cmd_status as mepsh_filter_parse() for the words before. */
int mepsh_filter_complete(const char *after, struct strbuf *out);

#endif
