/* conf_validate: libyang validation errors in the configuration's words
 * (see conf_validate.h). */
#include "conf_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_edit.h"
#include "conf_tree.h"

/* "gateway M1", "community C", "probe", "rim", "ipsec" or "mep" from a
 * data path. */
static void object_of(const char *path, struct strbuf *b)
{
	static const char *const lists[] = { "/gateway[name='",
					     "/community[name='" };
	static const char *const blocks[] = { "probe", "rim", "ipsec" };
	const char *best = NULL;
	int which = 0;
	char in[32];

	for (int i = 0; i < 2; i++) {
		const char *s = path ? strstr(path, lists[i]) : NULL;

		if (s && (!best || s > best)) {
			best = s;
			which = i;
		}
	}
	if (best) {
		const char *name = best + strlen(lists[which]);
		const char *end = strchr(name, '\'');

		strbuf_printf(b, "%s %.*s", which ? "community" : "gateway",
			      end ? (int)(end - name) : 0, name);
		return;
	}
	for (size_t i = 0; path && i < sizeof(blocks) / sizeof(blocks[0]);
	     i++) {
		snprintf(in, sizeof(in), ":mep/%s", blocks[i]);
		if (strstr(path, in)) {
			strbuf_puts(b, blocks[i]);
			return;
		}
	}
	strbuf_puts(b, "mep");
}

/* Name of the last node of a data path, without predicates. */
static void leaf_of(const char *path, struct strbuf *b)
{
	size_t len = strlen(path);
	size_t start = conf_tree_path_parent_len(path, len) + 1;
	const char *s = path + start, *e = s;

	while (*e && *e != '[')
		e++;
	if (strchr(s, ':') && strchr(s, ':') < e)
		s = strchr(s, ':') + 1;
	strbuf_add(b, s, (size_t)(e - s));
}

/* The data path of a libyang error: libyang 2.1 stores it as
 * 'Data location "/ripd-mep:mep/..".' (or a plain path). NULL for schema
 * locations. Free the result. */
static char *error_path(const char *s)
{
	const char *a, *b;
	char *r;

	if (!s)
		return NULL;
	if (s[0] == '/')
		return conf_xstrdup(s);
	if (strncmp(s, "Data location ", 14) != 0)
		return NULL;
	a = strchr(s, '"');
	b = strrchr(s, '"');
	if (!a || b <= a + 1)
		return NULL;
	r = conf_xrealloc(NULL, (size_t)(b - a));
	memcpy(r, a + 1, (size_t)(b - a - 1));
	r[b - a - 1] = '\0';
	return r;
}

/* First data node of schema s (depth first) that has no explicit child
 * called name. */
static const struct lyd_node *lacking(const struct lyd_node *first,
				      const struct lysc_node *s,
				      const char *name)
{
	for (const struct lyd_node *n = first; n; n = n->next) {
		const struct lyd_node *r;

		if (n->schema == s && !conf_tree_child(n, name, NULL))
			return n;
		r = lacking(lyd_child(n), s, name);
		if (r)
			return r;
	}
	return NULL;
}

/* libyang names only the schema node of a missing mandatory node: find
 * the data node that lacks it. Returns its data path (free it) or NULL;
 * *what gets the missing node's name (free it). */
static char *mandatory_path(const struct ly_ctx *ctx,
			    const struct lyd_node *tree, const char *epath,
			    const char *msg, char **what)
{
	const char *a, *b, *m = "Mandatory node \"";
	const struct lysc_node *s;
	const struct lyd_node *n;
	char *spath;
	size_t len;

	if (!epath || strncmp(epath, "Schema location \"", 17) != 0 ||
	    strncmp(msg, m, strlen(m)) != 0)
		return NULL;
	a = epath + 17;
	b = strrchr(a, '"');
	if (!b || b == a)
		return NULL;
	len = conf_tree_path_parent_len(a, (size_t)(b - a));
	if (len == 0)
		return NULL;
	spath = conf_xrealloc(NULL, len + 1);
	memcpy(spath, a, len);
	spath[len] = '\0';
	s = lys_find_path(ctx, NULL, spath, 0);
	free(spath);
	a = msg + strlen(m);
	b = strchr(a, '"');
	if (!s || !b)
		return NULL;
	*what = conf_xrealloc(NULL, (size_t)(b - a) + 1);
	memcpy(*what, a, (size_t)(b - a));
	(*what)[b - a] = '\0';
	n = lacking(tree ? lyd_first_sibling(tree) : NULL, s, *what);
	return n ? lyd_path(n, LYD_PATH_STD, NULL, 0) : NULL;
}

/* Values the user never typed that a rule message may name: the note
 * says so (the must statements cannot). */
static const struct {
	const char *in_msg;	/* the message mentions this */
	const char *leaf;	/* leaf of the offending object, absent */
	const char *note;
} implied_defaults[] = {
	{ "return-path rim", "return-path",
	  " (return-path rim is the default when the rim block exists: it "
	  "was not configured; set return-path none or ip-pool-nat to "
	  "change it)" },
};

static void note_implied_default(const struct lyd_node *tree,
				 const char *path, const char *msg,
				 struct strbuf *err)
{
	struct lyd_node *obj = NULL;

	if (!tree || !path ||
	    lyd_find_path(tree, path, 0, &obj) != LY_SUCCESS)
		return;
	while (obj && obj->schema->nodetype != LYS_LIST)
		obj = lyd_parent(obj);
	for (size_t i = 0;
	     obj && i < sizeof(implied_defaults) / sizeof(implied_defaults[0]);
	     i++)
		if (strstr(msg, implied_defaults[i].in_msg) &&
		    !conf_tree_child(obj, implied_defaults[i].leaf, NULL))
			strbuf_puts(err, implied_defaults[i].note);
}

/* The message after "OBJECT: ". */
static void explain(const struct lyd_node *tree, const char *path,
		    const char *msg, const char *missing, struct strbuf *err)
{
	if (path && strncmp(msg, "Invalid leafref value \"", 23) == 0) {
		const char *v = msg + 23, *q = strchr(v, '"');
		struct strbuf leaf = STRBUF_INIT;

		leaf_of(path, &leaf);
		strbuf_printf(err,
			      "%s %.*s: rule 8: no gateway %.*s is configured",
			      strbuf_str(&leaf), q ? (int)(q - v) : 0, v,
			      q ? (int)(q - v) : 0, v);
		strbuf_free(&leaf);
	} else if (missing) {
		strbuf_printf(err, "%s is mandatory but missing", missing);
	} else {
		strbuf_puts(err, msg);
		note_implied_default(tree, path, msg, err);
	}
}

int conf_validate_tree(const struct ly_ctx *ctx, struct lyd_node **tree,
		       const char *file,
		       int (*line_of)(const void *arg, const char *path),
		       const void *arg, struct strbuf *err)
{
	char *missing = NULL;
	const struct ly_err_item *e;
	struct strbuf obj = STRBUF_INIT;
	const char *msg;
	char *path;
	int line = 0;

	if (!*tree)
		return 0;
	ly_err_clean((struct ly_ctx *)ctx, NULL);
	if (lyd_validate_all(tree, NULL, LYD_VALIDATE_NO_STATE, NULL) ==
	    LY_SUCCESS)
		return 0;
	e = ly_err_last(ctx);
	msg = e && e->msg ? e->msg : "invalid configuration";
	path = error_path(e ? e->path : NULL);
	if (!path && e)
		path = mandatory_path(ctx, *tree, e->path, msg, &missing);
	if (path && line_of)
		line = line_of(arg, path);
	object_of(path, &obj);
	if (err) {
		if (line > 0)
			strbuf_printf(err, "%s:%d: ", file, line);
		else
			strbuf_printf(err, "%s: ", file);
		strbuf_printf(err, "%s: ", strbuf_str(&obj));
		explain(*tree, path, msg, missing, err);
	}
	strbuf_free(&obj);
	free(path);
	free(missing);
	return -1;
}
