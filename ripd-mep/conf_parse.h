/* conf_parse: the FRR-style configuration text -> the libyang data tree.
 *
 * One struct conf_parser walks lines of text, keeping the node stack
 * (config -> mep -> gateway/community/rim) as FRR's vty does: a command not
 * valid in the current node is tried in the enclosing ones, `exit` leaves a
 * node, `end` leaves them all (and `exit` at the top). Keywords may be
 * abbreviated to a unique prefix (cmd_keyword). Arguments are checked by
 * the parser (names, prefixes with mep_prefix_parse, numbers against the
 * model's ranges), then by libyang when the node is created; the
 * whole-tree rules (references, must "rule N" statements) are left to
 * conf_parser_validate(). Every node the parser creates is remembered
 * with its data path and line so that validation errors can name the line.
 * A line is all-or-nothing: when it fails, the tree is exactly as before.
 *
 * In CONF_PARSE_FILE mode a second definition of the same object (a
 * gateway/community/rim block twice, a leaf or probe option set twice, a
 * duplicate vpn-domain/center/..., the same mep priority rule twice) is an
 * error naming the first line; in CONF_PARSE_INTERACTIVE mode re-entering
 * a block and overwriting a leaf are normal edits, adding a value that is
 * already there does nothing, and `mep priority satellite` with the same
 * satellite set replaces that rule. Re-entering `mep` is fine in both.
 *
 * `no` forms delete what the command creates: `no mep`, `no gateway N`,
 * `no community N`, `no rim`, `no probe [OPTION]`, `no load-distribution`,
 * `no local-gateway`, and in blocks `no LEAF [VALUE]` (value ignored),
 * `no vpn-domain|backup-gateway|center|satellite|member [VALUE]` (one
 * value, or all without it), `no mep enable|entry-point|tie-break|
 * tracking`, `no mep priority default`, `no mep priority satellite SAT`
 * (the rule naming SAT). Deleting a named object that does not exist is
 * an error; deleting an unset leaf is not.
 *
 * Messages: "FILE:LINE: WHERE: WHY", WHERE being "mep", "gateway NAME",
 * "community NAME" or "rim" (nothing at the config node), e.g.
 * "ripd-mep.conf:12: gateway M1: vpn-domain 10.1.0.1/16: host bits set
 * past the prefix length". User input in messages is bounded and
 * non-printable bytes are shown as '?'.
 *
 * libyang: conf_parser_new() sets ly_log_options(LY_LOSTORE_LAST)
 * (process-wide): libyang no longer prints, errors are read with
 * ly_err_last(). Allocation failure inside the parser aborts, as strbuf. */
#ifndef RIPD_MEP_CONF_PARSE_H
#define RIPD_MEP_CONF_PARSE_H

#include <libyang/libyang.h>

#include "conf_validate.h"
#include "strbuf.h"

enum conf_parse_mode { CONF_PARSE_FILE, CONF_PARSE_INTERACTIVE };

struct conf_parser;

/* tree points at the caller's tree (may be *tree == NULL); the parser
 * edits it in place and keeps the pointer (the variable must outlive the
 * parser while lines are applied or conf_parser_validate() is called).
 * The tree stays the caller's. file is used in messages ("-" or a vty
 * name is fine) and copied. Returns NULL on allocation failure or when
 * ctx has no ripd-mep module. */
struct conf_parser *conf_parser_new(const struct ly_ctx *ctx,
				    struct lyd_node **tree,
				    enum conf_parse_mode mode,
				    const char *file);
void conf_parser_free(struct conf_parser *p);

/* Apply one line (NUL-terminated, at most CMD_MAX_LINE characters and
 * CMD_MAX_TOKENS words). Returns a cmd_status (cmd.h): CMD_ERR_NO_MATCH
 * for an unknown command (or a keyword argument not in its list),
 * CMD_ERR_AMBIGUOUS, CMD_ERR_INCOMPLETE, CMD_WARNING_CONFIG_FAILED for a
 * bad argument or a duplicate. On anything but CMD_SUCCESS, err (if not
 * NULL) gets "FILE:LINE: WHERE: message" appended (no newline) and the
 * tree is unchanged by this line. */
int conf_parser_line(struct conf_parser *p, const char *line, int lineno,
		     struct strbuf *err);

/* Node name for the vty prompt: "config", "config-mep",
 * "config-mep-gateway", "config-mep-community", "config-mep-rim". */
const char *conf_parser_node(const struct conf_parser *p);
/* Completion and help (`?`, TAB, `list`) from a grammar of each node
 * that describes the parser's commands (cmd_table specs; exit, end,
 * abort, do COMMAND... and list included):
 * conf_parser_complete() writes the candidates for the word being typed
 * at the end of line as "WORD\tHELP\n" (cmd_table_complete), trying the
 * enclosing nodes when the current one has none, as lines are; returns
 * CMD_SUCCESS, or CMD_ERR_NO_MATCH / CMD_ERR_AMBIGUOUS when no node knows
 * the words before it. conf_parser_list() lists the current node's
 * commands; conf_parser_grammar_json() writes {"NODE": [commands as
 * cmd_table_json], ...} for every node. */
int conf_parser_complete(struct conf_parser *p, const char *line,
			 struct strbuf *out);
void conf_parser_list(struct conf_parser *p, struct strbuf *out);
void conf_parser_grammar_json(struct conf_parser *p, struct strbuf *out);

/* True once `end` (or `exit` at the top) left configuration mode. */
int conf_parser_ended(const struct conf_parser *p);

/* Validate the whole tree with libyang (LYD_VALIDATE_NO_STATE; this adds
 * the implicit default nodes to the tree); on error err gets
 * "FILE:LINE: <object>: <message>" using the parser's line map (":LINE"
 * omitted when unknown). The model's "rule N: ..." error-messages are
 * kept; a dangling reference reads "center M9: rule 8: no gateway M9 is
 * configured". Returns 0 when valid (or the tree is empty). */
int conf_parser_validate(struct conf_parser *p, struct strbuf *err);

/* The same for any tree: conf_validate_tree() (conf_validate.h), with
 * the configuration's words ("FILE:LINE: object: message", never a raw
 * data path) and a line_of callback mapping a data path to a line. */

/* Line where the data node at path (or its closest recorded ancestor) was
 * defined, 0 if unknown (or p/path NULL). path is a libyang data path
 * ("/ripd-mep:mep/gateway[name='M1']/vpn-domain[.='10.1.0.0/16']").
 * Does not touch the tree. */
int conf_parser_line_of(const struct conf_parser *p, const char *path);

/* Parse a whole text (file mode; lines end with \n, \r\n is fine) into a
 * new tree and validate it. Returns 0 and *tree (NULL for an empty
 * configuration; the caller frees it with lyd_free_all) on success; -1
 * with err set, *tree NULL and *parser_out NULL otherwise. If parser_out
 * is not NULL it receives the parser for the caller to map later errors
 * with conf_parser_line_of (free with conf_parser_free); it still refers
 * to the variable tree, so use it for conf_parser_line_of only. */
int conf_parse_text(const struct ly_ctx *ctx, const char *text,
		    const char *file, struct lyd_node **tree,
		    struct conf_parser **parser_out, struct strbuf *err);

#endif
