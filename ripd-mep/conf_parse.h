/* conf_parse: the FRR-style configuration text -> the libyang data tree.
 *
 * One struct conf_parser walks lines of text, keeping the node stack
 * (config -> mep -> gateway/community/rim) as FRR's vty does: a command not
 * valid in the current node is tried in the enclosing ones, `exit` leaves a
 * node, `end` leaves them all. Each line becomes lyd_new_path()/lyd_free
 * calls on *tree, so libyang checks types (prefixes, ranges) at once; the
 * whole-tree rules are left to conf_validate(). Every created node's data
 * path is remembered with its line so that validation errors can name the
 * line.
 *
 * In CONF_PARSE_FILE mode a second definition of the same object (a
 * gateway block twice, a leaf set twice, a duplicate vpn-domain) is an
 * error naming the first line; in CONF_PARSE_INTERACTIVE mode re-entering
 * a block and overwriting a leaf are normal edits. */
#ifndef RIPD_MEP_CONF_PARSE_H
#define RIPD_MEP_CONF_PARSE_H

#include <libyang/libyang.h>

#include "strbuf.h"

enum conf_parse_mode { CONF_PARSE_FILE, CONF_PARSE_INTERACTIVE };

struct conf_parser;

/* tree points at the caller's tree (may be *tree == NULL); the parser
 * edits it in place. file is used in messages ("-" or a vty name is fine).
 * Returns NULL on allocation failure. */
struct conf_parser *conf_parser_new(const struct ly_ctx *ctx,
				    struct lyd_node **tree,
				    enum conf_parse_mode mode,
				    const char *file);
void conf_parser_free(struct conf_parser *p);

/* Apply one line. Returns a cmd_status (cmd.h); on anything but
 * CMD_SUCCESS, err gets one line "FILE:LINE: message" and the tree is
 * unchanged by this line. */
int conf_parser_line(struct conf_parser *p, const char *line, int lineno,
		     struct strbuf *err);

/* Node name for the vty prompt: "config", "config-mep",
 * "config-mep-gateway", "config-mep-community", "config-mep-rim". */
const char *conf_parser_node(const struct conf_parser *p);
/* True once `end` (or `exit` at the top) left configuration mode. */
int conf_parser_ended(const struct conf_parser *p);

/* Validate the whole tree with libyang (LYD_VALIDATE_NO_STATE); on error
 * err gets "FILE:LINE: <object>: <message>" using the parser's line map
 * (line omitted when unknown). Returns 0 when valid. */
int conf_parser_validate(struct conf_parser *p, struct strbuf *err);

/* Line where the data node at path (or its closest recorded ancestor) was
 * defined, 0 if unknown. */
int conf_parser_line_of(const struct conf_parser *p, const char *path);

/* Parse a whole text (file mode) into a new tree and validate it. Returns
 * 0 and *tree on success; -1 with err set (and *tree NULL) otherwise.
 * If line_of_path is not NULL it receives the parser for the caller to
 * map later errors (free with conf_parser_free). */
int conf_parse_text(const struct ly_ctx *ctx, const char *text,
		    const char *file, struct lyd_node **tree,
		    struct conf_parser **parser_out, struct strbuf *err);

#endif
