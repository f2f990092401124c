/* conf_edit: the edit transaction of the configuration parser: one line's
 * changes to the libyang data tree, all or nothing, and the map from data
 * paths to the lines that created them.
 *
 * Every change a command makes goes through this module (or is recorded
 * with conf_edit_created / conf_edit_unlink / conf_edit_drop_later) so
 * that conf_edit_rollback() restores the tree exactly as it was before
 * the line, and conf_edit_commit() makes the changes final and records
 * the data path of every node created or changed with the line number.
 * conf_edit_delete() is the exception: it deletes at once and is meant as
 * a command's only change (nothing left to roll back after it).
 *
 * The line's error message is kept here too (conf_edit_fail): the
 * commands write "WHY", the dispatcher adds "FILE:LINE: WHERE: ". User
 * input in messages is quoted bounded and printable (conf_edit_quote).
 *
 * Mode: in CONF_PARSE_FILE a leaf set twice or a leaf-list value given
 * twice is a duplicate (an error naming the first line); in
 * CONF_PARSE_INTERACTIVE a leaf is overwritten and a value already there
 * is nothing to do. Allocation failure aborts, as strbuf. */
#ifndef RIPD_MEP_CONF_EDIT_H
#define RIPD_MEP_CONF_EDIT_H

#include <stddef.h>

#include <libyang/libyang.h>

#include "conf_parse.h"
#include "strbuf.h"

/* Longest piece of user input quoted in a message. */
#define CONF_QUOTE_MAX 80

struct conf_undo;
struct conf_line_ref;

struct conf_edit {
	const struct ly_ctx *ctx;
	const struct lys_module *mod;
	struct lyd_node **tree;	/* the caller's tree (first sibling) */
	enum conf_parse_mode mode;
	int lineno;		/* line being applied */
	struct strbuf msg;	/* why it failed */

	/* private */
	struct conf_undo *undo;
	size_t n_undo, cap_undo;
	struct conf_line_ref *map;
	size_t n_map, cap_map;
};

void conf_edit_init(struct conf_edit *e, const struct ly_ctx *ctx,
		    const struct lys_module *mod, struct lyd_node **tree,
		    enum conf_parse_mode mode);
void conf_edit_release(struct conf_edit *e);

void *conf_xrealloc(void *ptr, size_t n);
char *conf_xstrdup(const char *s);

/* ---- the line's message ---- */

/* Set the message; returns status. */
int conf_edit_fail(struct conf_edit *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append user input s to b: at most max bytes, non-printable as '?',
 * "..." when cut. */
void conf_edit_quote(struct strbuf *b, const char *s, size_t max);
/* b = "WHAT VALUE" (VALUE quoted; just WHAT when value is NULL); returns
 * its text. */
const char *conf_edit_what(struct strbuf *b, const char *what,
			   const char *value);
/* libyang's last message ("invalid value" when none), and clearing it. */
const char *conf_edit_ly_msg(const struct conf_edit *e);
void conf_edit_ly_clear(const struct conf_edit *e);
/* "WHAT VALUE: MESSAGE", MESSAGE being hint or else libyang's. */
int conf_edit_type_error(struct conf_edit *e, const char *what,
			 const char *value, const char *hint);
/* "duplicate WHAT (first at line N)" for the existing node old. */
int conf_edit_dup(struct conf_edit *e, const struct lyd_node *old,
		  const char *what);

/* ---- changes within the line ---- */

/* Set leaf name of parent (value "" for type empty), replacing an
 * implicit default; what/hint for messages. */
int conf_edit_set_leaf(struct conf_edit *e, struct lyd_node *parent,
		       const char *name, const char *value, const char *what,
		       const char *hint);
/* Add value to leaf-list name of parent. */
int conf_edit_add_leaflist(struct conf_edit *e, struct lyd_node *parent,
			   const char *name, const char *value,
			   const char *what, const char *hint);
/* Canonical form of value for leaf(-list) name under parent, NULL when
 * invalid; free() it. */
char *conf_edit_canonical(const struct conf_edit *e,
			  const struct lyd_node *parent, const char *name,
			  const char *value);
/* Record node n, just created by the caller, for rollback. */
void conf_edit_created(struct conf_edit *e, struct lyd_node *n);
/* Remove n (position given by the schema) within the line. */
void conf_edit_unlink(struct conf_edit *e, struct lyd_node *n);
/* Free n (still linked until then) when the line commits. */
void conf_edit_drop_later(struct conf_edit *e, struct lyd_node *n);
/* Delete n now, forgetting its lines (see the contract above). */
void conf_edit_delete(struct conf_edit *e, struct lyd_node *n);

/* ---- end of the line ---- */

void conf_edit_commit(struct conf_edit *e);
void conf_edit_rollback(struct conf_edit *e);

/* Line where the data node at path (or its closest recorded ancestor)
 * was created or last changed, 0 if unknown. */
int conf_edit_line_of(const struct conf_edit *e, const char *path);

#endif
