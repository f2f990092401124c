/* conf_tree: read-only lookups in the configuration's data tree and data
 * paths (see conf_tree.h). */
#include "conf_tree.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"

bool conf_tree_is(const struct lyd_node *n, const char *name)
{
	return n->schema && strcmp(n->schema->name, name) == 0;
}

struct lyd_node *conf_tree_mep(struct lyd_node *tree,
			       const struct lys_module *mod)
{
	struct lyd_node *n = tree ? lyd_first_sibling(tree) : NULL;

	for (; n; n = n->next)
		if (n->schema && n->schema->module == mod &&
		    conf_tree_is(n, "mep"))
			return n;
	return NULL;
}

/* conf_tree_child() by a linear scan, for what the hashed lookup cannot
 * take. */
static struct lyd_node *child_scan(const struct lyd_node *parent,
				   const char *name, const char *key)
{
	for (struct lyd_node *n = lyd_child(parent); n; n = n->next) {
		const char *v;

		if (!conf_tree_is(n, name) || (n->flags & LYD_DEFAULT))
			continue;
		if (!key)
			return n;
		v = n->schema->nodetype == LYS_LIST
			    ? lyd_get_value(lyd_child(n))
			    : lyd_get_value(n);
		if (v && strcmp(v, key) == 0)
			return n;
	}
	return NULL;
}

/* Instances of one schema node are adjacent siblings in libyang's
 * trees: the hashed lookup finds the first, the loop skips defaults. */
struct lyd_node *conf_tree_child(const struct lyd_node *parent,
				 const char *name, const char *key)
{
	const struct lysc_node *s, *k;
	struct lyd_node *n = NULL;
	char pred[CMD_MAX_LINE + 128];
	const char *what = key;
	LY_ERR r;

	if (!parent)
		return NULL;
	s = lys_find_child(parent->schema, parent->schema->module, name, 0, 0,
			   0);
	if (!s)
		return NULL;
	if (key && s->nodetype == LYS_LIST) {
		k = lysc_node_child(s);
		if (!k || !(k->flags & LYS_KEY) ||
		    (k->next && (k->next->flags & LYS_KEY)) ||
		    (strchr(key, '\'') && strchr(key, '"')))
			return child_scan(parent, name, key);
		if (snprintf(pred, sizeof(pred), "[%s=%c%s%c]", k->name,
			     strchr(key, '\'') ? '"' : '\'', key,
			     strchr(key, '\'') ? '"' : '\'') >=
		    (int)sizeof(pred))
			return child_scan(parent, name, key);
		what = pred;
	} else if (key && s->nodetype != LYS_LEAFLIST) {
		return child_scan(parent, name, key);
	}
	r = lyd_find_sibling_val(lyd_child(parent), s, what, 0, &n);
	if (r == LY_ENOTFOUND)
		return NULL;
	if (r != LY_SUCCESS) {
		/* e.g. a value libyang cannot canonize: no hashed answer */
		ly_err_clean((struct ly_ctx *)LYD_CTX(parent), NULL);
		return child_scan(parent, name, key);
	}
	for (; n && n->schema == s; n = n->next) {
		const char *v;

		if (n->flags & LYD_DEFAULT)
			continue;
		if (!key)
			return n;
		v = s->nodetype == LYS_LIST ? lyd_get_value(lyd_child(n))
					    : lyd_get_value(n);
		/* exact text, as the scan compares */
		return v && strcmp(v, key) == 0 ? n : NULL;
	}
	return NULL;
}

struct lyd_node *conf_tree_default_child(const struct lyd_node *parent,
					 const char *name)
{
	for (struct lyd_node *n = lyd_child(parent); n; n = n->next)
		if (conf_tree_is(n, name) && (n->flags & LYD_DEFAULT))
			return n;
	return NULL;
}

size_t conf_tree_path_parent_len(const char *path, size_t len)
{
	size_t last = 0;
	int depth = 0;
	char quote = 0;

	for (size_t i = 0; i < len; i++) {
		char c = path[i];

		if (quote) {
			if (c == quote)
				quote = 0;
		} else if (c == '\'' || c == '"') {
			quote = c;
		} else if (c == '[') {
			depth++;
		} else if (c == ']') {
			depth--;
		} else if (c == '/' && depth == 0) {
			last = i;
		}
	}
	return last;
}
