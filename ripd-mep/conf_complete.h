/* conf_complete: help, `list` and completion of the configuration
 * commands, generated from the grammar's tables (conf_grammar) as
 * cmd_table definitions, so that they describe exactly what the parser
 * accepts: per command "KW ARG" and its no form "no KW [ARG]", the
 * argument's placeholder and help from its kind (conf_args: a number's
 * range from the YANG model), a GROUP's sub-commands after its keyword,
 * OPTIONS completed in any order (each option once, <cr> once one is
 * given), and the commands every node has (end, exit, abort, do, list).
 * The tables are built on first use and kept. */
#ifndef RIPD_MEP_CONF_COMPLETE_H
#define RIPD_MEP_CONF_COMPLETE_H

#include <libyang/libyang.h>

#include "conf_grammar.h"
#include "strbuf.h"

struct conf_complete;

/* NULL on allocation failure. ctx: for the ranges of numbers. */
struct conf_complete *conf_complete_new(const struct ly_ctx *ctx);
void conf_complete_free(struct conf_complete *c);

/* Candidates for the word being typed at the end of line in node n
 * ("WORD\tHELP\n", cmd_table_complete), trying the enclosing nodes when
 * n has none, as lines are run. CMD_SUCCESS, or CMD_ERR_NO_MATCH /
 * CMD_ERR_AMBIGUOUS when no node knows the words before it. */
int conf_complete_line(struct conf_complete *c, enum conf_node n,
		       const char *line, struct strbuf *out);
/* The commands of node n, one per line. */
void conf_complete_list(struct conf_complete *c, enum conf_node n,
			struct strbuf *out);
/* {"NODE": [commands as cmd_table_json], ...} for every node. */
void conf_complete_json(struct conf_complete *c, struct strbuf *out);

#endif
