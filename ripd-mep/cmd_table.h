/* cmd_table: declarative command tables (in the manner of FRR's DEFUN)
 * with their matcher, completion and listing. Pure: no I/O.
 *
 * A command is a spec string and one help line per token:
 *   spec  "show mep resolve A.B.C.D|X:X::X:X$src A.B.C.D|X:X::X:X$dst
 *          [from NAME$sat] [json]"
 *   help  "Show running system information\nMEP state\n..." ('\n'
 *         separated: one line per token, per alternative of a|b).
 * Tokens are separated by blanks:
 *   keyword       lower-case word ("show"); "up|down" is one position
 *                 with alternative keywords (one help line each);
 *   placeholder   starts with an upper-case letter or '(':
 *                 A.B.C.D|X:X::X:X        an IPv4 or IPv6 address,
 *                 A.B.C.D/M|X:X::X:X/M    an IPv4 or IPv6 prefix,
 *                 (MIN-MAX)               a decimal number in the range,
 *                 NAME... (ends in "...") the rest of the line (last),
 *                 anything else, e.g. NAME  any one word;
 *   [ ... ]       an optional group of tokens (not nested);
 *   $name         suffix naming the token for cmd_arg().
 * The table expands every command into its variants (each optional group
 * present or not, each alternative) and matches a line against them word
 * by word, as FRR does: keywords may be abbreviated to a unique prefix; at
 * each word only the best kind of match survives (exact keyword, then
 * typed placeholder, then keyword prefix, then any word); two different
 * keywords matched by one prefix are ambiguous. A line is complete when a
 * variant ends with it; extra words are an unknown command. */
#ifndef RIPD_MEP_CMD_TABLE_H
#define RIPD_MEP_CMD_TABLE_H

#include <stdbool.h>

#include "cmd.h"
#include "strbuf.h"

struct cmd_args;

struct cmd_def {
	const char *spec;
	const char *help;
	/* NULL for a grammar that is only completed (configuration). */
	int (*fn)(void *ctx, const struct cmd_args *a, struct strbuf *out);
};

enum cmd_tok_kind {
	CMD_TOK_KEYWORD,
	CMD_TOK_WORD,
	CMD_TOK_ADDRESS,
	CMD_TOK_PREFIX,
	CMD_TOK_RANGE,
	CMD_TOK_LINE,
};

struct cmd_tok {
	enum cmd_tok_kind kind;
	char *text;	/* keyword, or placeholder as displayed */
	char *name;	/* $name, else text */
	char *help;
	long long min, max;	/* CMD_TOK_RANGE */
};

/* The result of a match: the command and, per input word, its token. */
struct cmd_args {
	const struct cmd_def *def;
	int argc;
	char *const *argv;
	const struct cmd_tok *tok[CMD_MAX_TOKENS];
	const char *line;	/* the line matched (for NAME...) */
	const char *base;	/* the cmd_tokens buffer argv points into */
};

struct cmd_table;

/* Build a table from n definitions (borrowed: they must outlive it).
 * Returns NULL with a message in err (a malformed spec, help lines not
 * matching the tokens). */
struct cmd_table *cmd_table_new(const struct cmd_def *defs, int n,
				struct strbuf *err);
void cmd_table_free(struct cmd_table *t);

/* Match the words in (tokenized from line) against the table. Returns
 * CMD_SUCCESS with *a filled, else CMD_ERR_NO_MATCH (unknown command or
 * extra words), CMD_ERR_AMBIGUOUS or CMD_ERR_INCOMPLETE; out (may be
 * NULL) then gets "% Unknown command: LINE" ("% Ambiguous command: ...",
 * "% Command incomplete: ...") and a newline. */
int cmd_table_match(const struct cmd_table *t, const struct cmd_tokens *in,
		    const char *line, struct cmd_args *a, struct strbuf *out);

/* The word matched by the token named name: a keyword's full text, a
 * placeholder's word, for NAME... the rest of the line as typed; NULL
 * when the variant matched has no such token. */
const char *cmd_arg(const struct cmd_args *a, const char *name);

/* The candidates for the word being typed at the end of line (after a
 * blank: the next word; else the word the line ends with): each as
 * "WORD\tHELP\n" into out, sorted, "<cr>" last when the line is already
 * a complete command. Returns CMD_SUCCESS (possibly with no candidates)
 * or the match error of the words before it (nothing written). */
int cmd_table_complete(const struct cmd_table *t, const char *line,
		       struct strbuf *out);

/* Every command's spec, one per line, in table order. */
void cmd_table_list(const struct cmd_table *t, struct strbuf *out);

/* The table as a JSON array: [{"command": SPEC, "tokens": [{"word": W,
 * "help": H}, ...]}, ...] (tokens as written in the spec, optional groups
 * flattened). */
void cmd_table_json(const struct cmd_table *t, struct strbuf *out);

/* Append s as a JSON string (quoted, escaped). */
void cmd_json_string(struct strbuf *out, const char *s);

/* Print candidates as cmd_table_complete() writes them the way vtysh
 * does: "  WORD   HELP" with the words in one column. */
void cmd_candidates_format(const char *cands, struct strbuf *out);

#endif
