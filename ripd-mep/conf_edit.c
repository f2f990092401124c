/* conf_edit: one line's changes to the configuration tree, all or
 * nothing, and the data path -> line map (see conf_edit.h). */
#include "conf_edit.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conf_tree.h"

struct conf_line_ref {
	char *path;
	int line;
};

enum undo_kind {
	UNDO_CREATED,	/* rollback: free node */
	UNDO_CHANGED,	/* rollback: restore old value (text) */
	UNDO_UNLINKED,	/* rollback: insert node back into parent */
	UNDO_FREE,	/* commit: free node (still linked until then) */
};

struct conf_undo {
	enum undo_kind kind;
	struct lyd_node *node;
	struct lyd_node *parent;
	char *text;	/* CHANGED: old value; UNLINKED/FREE: data path */
};

void *conf_xrealloc(void *ptr, size_t n)
{
	void *r = realloc(ptr, n);

	if (!r)
		abort();	/* as strbuf: nothing sensible to report */
	return r;
}

char *conf_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(conf_xrealloc(NULL, n), s, n);
}

void conf_edit_init(struct conf_edit *e, const struct ly_ctx *ctx,
		    const struct lys_module *mod, struct lyd_node **tree,
		    enum conf_parse_mode mode)
{
	memset(e, 0, sizeof(*e));
	e->ctx = ctx;
	e->mod = mod;
	e->tree = tree;
	e->mode = mode;
	e->msg = (struct strbuf)STRBUF_INIT;
}

void conf_edit_release(struct conf_edit *e)
{
	for (size_t i = 0; i < e->n_map; i++)
		free(e->map[i].path);
	free(e->map);
	free(e->undo);
	strbuf_free(&e->msg);
}

/* ---- the line's message ------------------------------------------ */

int conf_edit_fail(struct conf_edit *e, int status, const char *fmt, ...)
{
	va_list ap;

	strbuf_reset(&e->msg);
	va_start(ap, fmt);
	strbuf_vprintf(&e->msg, fmt, ap);
	va_end(ap);
	return status;
}

void conf_edit_quote(struct strbuf *b, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		char ch = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;

		strbuf_add(b, &ch, 1);
	}
	if (s[i])
		strbuf_puts(b, "...");
}

const char *conf_edit_what(struct strbuf *b, const char *what,
			   const char *value)
{
	strbuf_reset(b);
	strbuf_puts(b, what);
	if (value) {
		strbuf_puts(b, " ");
		conf_edit_quote(b, value, CONF_QUOTE_MAX);
	}
	return strbuf_str(b);
}

const char *conf_edit_ly_msg(const struct conf_edit *e)
{
	const struct ly_err_item *i = ly_err_last(e->ctx);

	return i && i->msg ? i->msg : "invalid value";
}

void conf_edit_ly_clear(const struct conf_edit *e)
{
	ly_err_clean((struct ly_ctx *)e->ctx, NULL);
}

int conf_edit_type_error(struct conf_edit *e, const char *what,
			 const char *value, const char *hint)
{
	struct strbuf b = STRBUF_INIT;

	conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED, "%s: %s",
		       conf_edit_what(&b, what, value),
		       hint ? hint : conf_edit_ly_msg(e));
	strbuf_free(&b);
	return CMD_WARNING_CONFIG_FAILED;
}

int conf_edit_dup(struct conf_edit *e, const struct lyd_node *old,
		  const char *what)
{
	char *path = lyd_path(old, LYD_PATH_STD, NULL, 0);
	int line = conf_edit_line_of(e, path);

	free(path);
	if (line > 0)
		return conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED,
				      "duplicate %s (first at line %d)", what,
				      line);
	return conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED,
			      "duplicate %s (already configured)", what);
}

/* ---- line map ------------------------------------------------------ */

static void map_add(struct conf_edit *e, const struct lyd_node *n, int line)
{
	char *path = lyd_path(n, LYD_PATH_STD, NULL, 0);

	if (!path)
		return;
	if (e->n_map == e->cap_map) {
		e->cap_map = e->cap_map ? 2 * e->cap_map : 32;
		e->map = conf_xrealloc(e->map, e->cap_map * sizeof(*e->map));
	}
	e->map[e->n_map].path = path;
	e->map[e->n_map].line = line;
	e->n_map++;
}

/* Forget path and everything below it. */
static void map_purge(struct conf_edit *e, const char *path)
{
	size_t len = strlen(path), j = 0;

	for (size_t i = 0; i < e->n_map; i++) {
		const char *s = e->map[i].path;

		if (strncmp(s, path, len) == 0 &&
		    (s[len] == '\0' || s[len] == '/')) {
			free(e->map[i].path);
			continue;
		}
		e->map[j++] = e->map[i];
	}
	e->n_map = j;
}

int conf_edit_line_of(const struct conf_edit *e, const char *path)
{
	size_t len = strlen(path);

	while (len > 0) {
		for (size_t i = e->n_map; i-- > 0;) {
			const char *s = e->map[i].path;

			if (strlen(s) == len && strncmp(s, path, len) == 0)
				return e->map[i].line;
		}
		len = conf_tree_path_parent_len(path, len);
	}
	return 0;
}

/* ---- undo log ------------------------------------------------------ */

static void undo_push(struct conf_edit *e, enum undo_kind kind,
		      struct lyd_node *node, struct lyd_node *parent,
		      char *text)
{
	if (e->n_undo == e->cap_undo) {
		e->cap_undo = e->cap_undo ? 2 * e->cap_undo : 16;
		e->undo = conf_xrealloc(e->undo,
					e->cap_undo * sizeof(*e->undo));
	}
	e->undo[e->n_undo++] = (struct conf_undo){ kind, node, parent, text };
}

/* Free n; if it is the first top-level node, move *tree on. */
static void free_node(struct conf_edit *e, struct lyd_node *n)
{
	if (*e->tree == n || (!lyd_parent(n) && *e->tree &&
			      lyd_first_sibling(*e->tree) == n)) {
		struct lyd_node *first = lyd_first_sibling(n);

		*e->tree = first == n ? n->next : first;
	}
	lyd_free_tree(n);
}

void conf_edit_created(struct conf_edit *e, struct lyd_node *n)
{
	undo_push(e, UNDO_CREATED, n, NULL, NULL);
}

void conf_edit_unlink(struct conf_edit *e, struct lyd_node *n)
{
	struct lyd_node *parent = lyd_parent(n);

	undo_push(e, UNDO_UNLINKED, n, parent,
		  lyd_path(n, LYD_PATH_STD, NULL, 0));
	lyd_unlink_tree(n);
}

void conf_edit_drop_later(struct conf_edit *e, struct lyd_node *n)
{
	undo_push(e, UNDO_FREE, n, NULL, lyd_path(n, LYD_PATH_STD, NULL, 0));
}

void conf_edit_delete(struct conf_edit *e, struct lyd_node *n)
{
	char *path = lyd_path(n, LYD_PATH_STD, NULL, 0);

	if (path) {
		map_purge(e, path);
		free(path);
	}
	free_node(e, n);
}

void conf_edit_rollback(struct conf_edit *e)
{
	while (e->n_undo > 0) {
		struct conf_undo *u = &e->undo[--e->n_undo];

		switch (u->kind) {
		case UNDO_CREATED:
			free_node(e, u->node);
			break;
		case UNDO_CHANGED:
			lyd_change_term(u->node, u->text);
			break;
		case UNDO_UNLINKED:
			if (lyd_insert_child(u->parent, u->node) != LY_SUCCESS)
				lyd_free_tree(u->node);
			break;
		case UNDO_FREE:
			break;
		}
		free(u->text);
	}
}

void conf_edit_commit(struct conf_edit *e)
{
	/* Removals first: a replacement may reuse the removed node's path. */
	for (size_t i = 0; i < e->n_undo; i++) {
		struct conf_undo *u = &e->undo[i];

		if (u->kind != UNDO_UNLINKED && u->kind != UNDO_FREE)
			continue;
		if (u->text)
			map_purge(e, u->text);
		free_node(e, u->node);
	}
	for (size_t i = 0; i < e->n_undo; i++) {
		struct conf_undo *u = &e->undo[i];

		if (u->kind == UNDO_CREATED || u->kind == UNDO_CHANGED)
			map_add(e, u->node, e->lineno);
		free(u->text);
	}
	e->n_undo = 0;
}

/* ---- setting values ------------------------------------------------ */

int conf_edit_set_leaf(struct conf_edit *e, struct lyd_node *parent,
		       const char *name, const char *value, const char *what,
		       const char *hint)
{
	struct lyd_node *old = conf_tree_child(parent, name, NULL), *n, *def;
	const char *shown = *value ? value : NULL;
	LY_ERR rc;

	conf_edit_ly_clear(e);
	if (old && e->mode == CONF_PARSE_FILE)
		return conf_edit_dup(e, old, what);
	if (old) {
		char *prev = conf_xstrdup(lyd_get_value(old)
						  ? lyd_get_value(old)
						  : "");

		rc = lyd_change_term(old, value);
		if (rc == LY_SUCCESS || rc == LY_EEXIST) {
			undo_push(e, UNDO_CHANGED, old, NULL, prev);
			return CMD_SUCCESS;
		}
		free(prev);
		if (rc == LY_ENOT)
			return CMD_SUCCESS;
		return conf_edit_type_error(e, what, shown, hint);
	}
	def = conf_tree_default_child(parent, name);
	if (def) {
		/* Validate first: the implicit node must stay if we fail. */
		rc = lyd_value_validate(e->ctx, def->schema, value,
					strlen(value), NULL, NULL, NULL);
		if (rc != LY_SUCCESS && rc != LY_EINCOMPLETE)
			return conf_edit_type_error(e, what, shown, hint);
		lyd_free_tree(def);
	}
	if (lyd_new_term(parent, NULL, name, value, 0, &n) != LY_SUCCESS)
		return conf_edit_type_error(e, what, shown, hint);
	undo_push(e, UNDO_CREATED, n, NULL, NULL);
	return CMD_SUCCESS;
}

int conf_edit_add_leaflist(struct conf_edit *e, struct lyd_node *parent,
			   const char *name, const char *value,
			   const char *what, const char *hint)
{
	struct lyd_node *n, *s = NULL;

	conf_edit_ly_clear(e);
	if (lyd_new_term(parent, NULL, name, value, 0, &n) != LY_SUCCESS)
		return conf_edit_type_error(e, what, value, hint);
	/* Look for the canonical value among the others (hashed). */
	lyd_unlink_tree(n);
	if (lyd_find_sibling_val(lyd_child(parent), n->schema,
				 lyd_get_value(n), 0, &s) != LY_SUCCESS)
		s = NULL;
	if (!s && lyd_insert_child(parent, n) != LY_SUCCESS) {
		lyd_free_tree(n);
		return conf_edit_type_error(e, what, value, hint);
	}
	if (s) {
		lyd_free_tree(n);
		if (e->mode == CONF_PARSE_FILE) {
			struct strbuf b = STRBUF_INIT;

			conf_edit_dup(e, s, conf_edit_what(&b, what, value));
			strbuf_free(&b);
			return CMD_WARNING_CONFIG_FAILED;
		}
		return CMD_SUCCESS;
	}
	undo_push(e, UNDO_CREATED, n, NULL, NULL);
	return CMD_SUCCESS;
}

char *conf_edit_canonical(const struct conf_edit *e,
			  const struct lyd_node *parent, const char *name,
			  const char *value)
{
	const struct lysc_node *s = lys_find_child(
		parent ? parent->schema : NULL, e->mod, name, 0, 0, 0);
	const char *c = NULL;
	char *r = NULL;
	LY_ERR rc;

	if (!s)
		return NULL;
	rc = lyd_value_validate(NULL, s, value, strlen(value), NULL, NULL, &c);
	if ((rc == LY_SUCCESS || rc == LY_EINCOMPLETE) && c)
		r = conf_xstrdup(c);
	if (c)
		lydict_remove(e->ctx, c);
	return r;
}
