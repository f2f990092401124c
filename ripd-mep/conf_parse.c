/* conf_parse: the FRR-style configuration text -> the libyang data tree.
 *
 * Owns the command grammar of ripd-mep.conf (see conf_parse.h and
 * conf_render.c for the canonical layout), the node stack
 * (config -> mep -> gateway | community | rim | ipsec), a per-line undo log
 * that
 * makes every line all-or-nothing, and the data path -> line map that
 * puts line numbers on validation errors.
 *
 * The rim and ipsec blocks hold only leaves; their commands are described
 * by tables (rim_leaves, ipsec_leaves: keyword = leaf name, kind of
 * argument) and run by one pair of functions (leaf_lookup, leaf_apply):
 * "KEYWORD VALUE" sets the leaf, "no KEYWORD [VALUE]" deletes it. The
 * ipsec container is not a presence container (its defaults always
 * apply): `ipsec` enters it, `no ipsec` deletes all its settings, and it
 * disappears once its last explicit setting is deleted.
 *
 * Each line is tokenized (cmd.h), its first keyword is looked up in the
 * current node and, when it is not a command there, in the enclosing
 * nodes (FRR behaviour). Arguments are checked here first (names,
 * prefixes, numbers, keywords) so that messages are clear; libyang then
 * checks the value types when the node is created. Whole-tree rules
 * (references, must statements) are left to conf_parser_validate(). */
#include "conf_parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_table.h"
#include "prefix.h"

#define CONF_MODULE "ripd-mep"
#define CONF_NAME_MAX 63
/* Internal status: the line is not a command of this node, try the
 * enclosing one. */
#define RET_FALLBACK (-1)
/* Longest piece of user input quoted in a message. */
#define CONF_QUOTE_MAX 80

enum conf_node {
	NODE_CONFIG,
	NODE_MEP,
	NODE_GATEWAY,
	NODE_COMMUNITY,
	NODE_RIM,
	NODE_IPSEC,
};

struct line_ref {
	char *path;
	int line;
};

enum undo_kind {
	UNDO_CREATED,	/* rollback: free node */
	UNDO_CHANGED,	/* rollback: restore old value (text) */
	UNDO_UNLINKED,	/* rollback: insert node back into parent */
	UNDO_FREE,	/* commit: free node (still linked until then) */
};

struct undo {
	enum undo_kind kind;
	struct lyd_node *node;
	struct lyd_node *parent;
	char *text;	/* CHANGED: old value; UNLINKED/FREE: data path */
};

struct conf_parser {
	const struct ly_ctx *ctx;
	const struct lys_module *mod;
	struct lyd_node **tree;
	enum conf_parse_mode mode;
	char *file;

	enum conf_node node;
	char gw[CONF_NAME_MAX + 1];
	char comm[CONF_NAME_MAX + 1];
	bool ended;

	/* State of the line being applied. */
	int lineno;
	struct strbuf msg;
	enum conf_node next_node;
	char next_name[CONF_NAME_MAX + 1];
	bool next_ended;
	struct undo *undo;
	size_t n_undo, cap_undo;

	/* Data path -> line of every node the parser created. */
	struct line_ref *map;
	size_t n_map, cap_map;

	/* Completion grammar per node, built on first use. */
	struct cmd_table *grammar[NODE_IPSEC + 1];
	struct cmd_def *gdefs[NODE_IPSEC + 1];
	int n_gdefs[NODE_IPSEC + 1];
	char **gtext;	/* strings the generated definitions point to */
	size_t n_gtext;
};

/* ---- small helpers -------------------------------------------------- */

static void *xrealloc(void *ptr, size_t n)
{
	void *r = realloc(ptr, n);

	if (!r)
		abort();	/* as strbuf: nothing sensible to report */
	return r;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

/* Append user input s, printable and bounded, to b. */
static void put_text(struct strbuf *b, const char *s, size_t max)
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

static void put_words(struct strbuf *b, const struct cmd_tokens *t, int from)
{
	struct strbuf all = STRBUF_INIT;

	for (int i = from; i < t->n; i++) {
		if (i > from)
			strbuf_puts(&all, " ");
		strbuf_puts(&all, t->v[i]);
		if (all.len > 2 * CONF_QUOTE_MAX)
			break;
	}
	put_text(b, strbuf_str(&all), 2 * CONF_QUOTE_MAX);
	strbuf_free(&all);
}

/* Set the message of the current line; returns status. */
static int fail(struct conf_parser *p, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct conf_parser *p, int status, const char *fmt, ...)
{
	va_list ap;

	strbuf_reset(&p->msg);
	va_start(ap, fmt);
	strbuf_vprintf(&p->msg, fmt, ap);
	va_end(ap);
	return status;
}

/* "WHAT VALUE" of an argument, quoted safely, for messages. */
static const char *arg_text(struct strbuf *b, const char *what,
			    const char *value)
{
	strbuf_reset(b);
	strbuf_puts(b, what);
	if (value) {
		strbuf_puts(b, " ");
		put_text(b, value, CONF_QUOTE_MAX);
	}
	return strbuf_str(b);
}

static const char *ly_last_msg(const struct conf_parser *p)
{
	const struct ly_err_item *e = ly_err_last(p->ctx);

	return e && e->msg ? e->msg : "invalid value";
}

static void ly_clear(const struct conf_parser *p)
{
	ly_err_clean((struct ly_ctx *)p->ctx, NULL);
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CONF_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

static int check_name(struct conf_parser *p, const char *what,
		      const char *name)
{
	struct strbuf b = STRBUF_INIT;

	if (name_ok(name))
		return CMD_SUCCESS;
	fail(p, CMD_WARNING_CONFIG_FAILED,
	     "%s: invalid name (1..63 characters: a letter or digit, then "
	     "letters, digits, '_', '.' or '-')",
	     arg_text(&b, what, name));
	strbuf_free(&b);
	return CMD_WARNING_CONFIG_FAILED;
}

/* ---- line map ------------------------------------------------------- */

static void map_add(struct conf_parser *p, const char *path, int line)
{
	if (p->n_map == p->cap_map) {
		p->cap_map = p->cap_map ? 2 * p->cap_map : 32;
		p->map = xrealloc(p->map, p->cap_map * sizeof(*p->map));
	}
	p->map[p->n_map].path = xstrdup(path);
	p->map[p->n_map].line = line;
	p->n_map++;
}

static void map_add_node(struct conf_parser *p, const struct lyd_node *n,
			 int line)
{
	char *path = lyd_path(n, LYD_PATH_STD, NULL, 0);

	if (!path)
		return;
	map_add(p, path, line);
	free(path);
}

/* Forget path and everything below it. */
static void map_purge(struct conf_parser *p, const char *path)
{
	size_t len = strlen(path), j = 0;

	for (size_t i = 0; i < p->n_map; i++) {
		const char *s = p->map[i].path;

		if (strncmp(s, path, len) == 0 &&
		    (s[len] == '\0' || s[len] == '/')) {
			free(p->map[i].path);
			continue;
		}
		p->map[j++] = p->map[i];
	}
	p->n_map = j;
}

/* Length of path without its last component (0 when none is left).
 * Slashes inside predicates ("[.='10.0.0.0/8']") do not count. */
static size_t path_parent_len(const char *path, size_t len)
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

int conf_parser_line_of(const struct conf_parser *p, const char *path)
{
	size_t len;

	if (!p || !path)
		return 0;
	len = strlen(path);
	while (len > 0) {
		for (size_t i = p->n_map; i-- > 0;) {
			const char *s = p->map[i].path;

			if (strlen(s) == len && strncmp(s, path, len) == 0)
				return p->map[i].line;
		}
		len = path_parent_len(path, len);
	}
	return 0;
}

/* ---- data tree helpers ---------------------------------------------- */

static bool is_named(const struct lyd_node *n, const char *name)
{
	return n->schema && strcmp(n->schema->name, name) == 0;
}

static struct lyd_node *mep_root(const struct conf_parser *p)
{
	struct lyd_node *n = *p->tree ? lyd_first_sibling(*p->tree) : NULL;

	for (; n; n = n->next)
		if (n->schema && n->schema->module == p->mod &&
		    is_named(n, "mep"))
			return n;
	return NULL;
}

/* Explicit (not default) child called name; for a list, its first key
 * equals key; for a term, its value equals key (NULL: any). Linear scan,
 * for what the hashed lookup below cannot take. */
static struct lyd_node *find_child_scan(const struct lyd_node *parent,
					const char *name, const char *key)
{
	for (struct lyd_node *n = lyd_child(parent); n; n = n->next) {
		const char *v;

		if (!is_named(n, name) || (n->flags & LYD_DEFAULT))
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

/* The same with libyang's hashed sibling lookup, so that finding one of
 * tens of thousands of gateways does not scan them all. Instances of one
 * schema node are adjacent siblings in libyang's trees. */
static struct lyd_node *find_child(const struct lyd_node *parent,
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
			return find_child_scan(parent, name, key);
		if (snprintf(pred, sizeof(pred), "[%s=%c%s%c]", k->name,
			     strchr(key, '\'') ? '"' : '\'', key,
			     strchr(key, '\'') ? '"' : '\'') >=
		    (int)sizeof(pred))
			return find_child_scan(parent, name, key);
		what = pred;
	} else if (key && s->nodetype != LYS_LEAFLIST) {
		return find_child_scan(parent, name, key);
	}
	r = lyd_find_sibling_val(lyd_child(parent), s, what, 0, &n);
	if (r == LY_ENOTFOUND)
		return NULL;
	if (r != LY_SUCCESS) {
		/* e.g. a value libyang cannot canonize: no hashed answer */
		ly_err_clean((struct ly_ctx *)LYD_CTX(parent), NULL);
		return find_child_scan(parent, name, key);
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

static struct lyd_node *find_default_child(const struct lyd_node *parent,
					   const char *name)
{
	for (struct lyd_node *n = lyd_child(parent); n; n = n->next)
		if (is_named(n, name) && (n->flags & LYD_DEFAULT))
			return n;
	return NULL;
}

static const struct lysc_node *schema_child(const struct conf_parser *p,
					    const struct lyd_node *parent,
					    const char *name)
{
	return lys_find_child(parent ? parent->schema : NULL, p->mod, name, 0,
			      0, 0);
}

/* Free n; if it is the first top-level node, move *tree on. */
static void free_node(struct conf_parser *p, struct lyd_node *n)
{
	if (*p->tree == n || (!lyd_parent(n) && *p->tree &&
			      lyd_first_sibling(*p->tree) == n)) {
		struct lyd_node *first = lyd_first_sibling(n);

		*p->tree = first == n ? n->next : first;
	}
	lyd_free_tree(n);
}

/* Delete n now (a single-step change: nothing to roll back after it). */
static void delete_node(struct conf_parser *p, struct lyd_node *n)
{
	char *path = lyd_path(n, LYD_PATH_STD, NULL, 0);

	if (path) {
		map_purge(p, path);
		free(path);
	}
	free_node(p, n);
}

/* ---- undo log ------------------------------------------------------- */

static void undo_push(struct conf_parser *p, enum undo_kind kind,
		      struct lyd_node *node, struct lyd_node *parent,
		      char *text)
{
	if (p->n_undo == p->cap_undo) {
		p->cap_undo = p->cap_undo ? 2 * p->cap_undo : 16;
		p->undo = xrealloc(p->undo, p->cap_undo * sizeof(*p->undo));
	}
	p->undo[p->n_undo++] = (struct undo){ kind, node, parent, text };
}

static void undo_rollback(struct conf_parser *p)
{
	while (p->n_undo > 0) {
		struct undo *u = &p->undo[--p->n_undo];

		switch (u->kind) {
		case UNDO_CREATED:
			free_node(p, u->node);
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

static void undo_commit(struct conf_parser *p)
{
	/* Removals first: a replacement may reuse the removed node's path. */
	for (size_t i = 0; i < p->n_undo; i++) {
		struct undo *u = &p->undo[i];

		if (u->kind != UNDO_UNLINKED && u->kind != UNDO_FREE)
			continue;
		if (u->text)
			map_purge(p, u->text);
		free_node(p, u->node);
	}
	for (size_t i = 0; i < p->n_undo; i++) {
		struct undo *u = &p->undo[i];

		if (u->kind == UNDO_CREATED || u->kind == UNDO_CHANGED)
			map_add_node(p, u->node, p->lineno);
		free(u->text);
	}
	p->n_undo = 0;
}

/* Remove n within the current line (undone if the line fails). Only for
 * nodes whose position is given by the schema (not user-ordered). */
static void tx_unlink(struct conf_parser *p, struct lyd_node *n)
{
	struct lyd_node *parent = lyd_parent(n);

	undo_push(p, UNDO_UNLINKED, n, parent,
		  lyd_path(n, LYD_PATH_STD, NULL, 0));
	lyd_unlink_tree(n);
}

/* ---- setting values -------------------------------------------------- */

/* Line where the existing node was defined, for duplicate messages. */
static int dup_error(struct conf_parser *p, const struct lyd_node *old,
		     const char *what)
{
	char *path = lyd_path(old, LYD_PATH_STD, NULL, 0);
	int line = conf_parser_line_of(p, path);

	free(path);
	if (line > 0)
		return fail(p, CMD_WARNING_CONFIG_FAILED,
			    "duplicate %s (first at line %d)", what, line);
	return fail(p, CMD_WARNING_CONFIG_FAILED,
		    "duplicate %s (already configured)", what);
}

/* Format the ranges of an unsigned integer leaf, e.g. "1..252 | 256..N". */
static void range_text(const struct lysc_node *s, struct strbuf *b)
{
	const struct lysc_type *ty = ((const struct lysc_node_leaf *)s)->type;
	const struct lysc_range *r = NULL;
	uint64_t max = UINT32_MAX;

	switch (ty->basetype) {
	case LY_TYPE_UINT8:
		max = UINT8_MAX;
		break;
	case LY_TYPE_UINT16:
		max = UINT16_MAX;
		break;
	case LY_TYPE_UINT64:
		max = UINT64_MAX;
		break;
	default:
		break;
	}
	if (ty->basetype >= LY_TYPE_UINT8 && ty->basetype <= LY_TYPE_UINT64)
		r = ((const struct lysc_type_num *)ty)->range;
	if (!r || !r->parts) {
		strbuf_printf(b, "0..%llu", (unsigned long long)max);
		return;
	}
	LY_ARRAY_COUNT_TYPE i;
	LY_ARRAY_FOR(r->parts, i)
	{
		strbuf_printf(b, "%s%llu..%llu", i ? " | " : "",
			      (unsigned long long)r->parts[i].min_u64,
			      (unsigned long long)r->parts[i].max_u64);
	}
}

/* Check a decimal number for the unsigned leaf s. */
static int check_number(struct conf_parser *p, const struct lysc_node *s,
			const char *what, const char *word)
{
	struct strbuf b = STRBUF_INIT, r = STRBUF_INIT;
	const char *q;
	int rc = CMD_SUCCESS;

	for (q = word; *q >= '0' && *q <= '9'; q++)
		;
	if (q == word || *q || q - word > 20) {
		rc = fail(p, CMD_WARNING_CONFIG_FAILED, "%s: not a number",
			  arg_text(&b, what, word));
	} else if (lyd_value_validate(NULL, s, word, strlen(word), NULL, NULL,
				      NULL) != LY_SUCCESS) {
		range_text(s, &r);
		rc = fail(p, CMD_WARNING_CONFIG_FAILED,
			  "%s: out of range (%s)", arg_text(&b, what, word),
			  strbuf_str(&r));
	}
	strbuf_free(&b);
	strbuf_free(&r);
	return rc;
}

static int type_error(struct conf_parser *p, const char *what,
		      const char *value, const char *hint)
{
	struct strbuf b = STRBUF_INIT;

	fail(p, CMD_WARNING_CONFIG_FAILED, "%s: %s",
	     arg_text(&b, what, value), hint ? hint : ly_last_msg(p));
	strbuf_free(&b);
	return CMD_WARNING_CONFIG_FAILED;
}

/* Set leaf name of parent (value "" for type empty). FILE mode: a leaf
 * set twice is an error; INTERACTIVE: overwritten. what/hint: for
 * messages (hint replaces libyang's message on a type error). */
static int set_leaf(struct conf_parser *p, struct lyd_node *parent,
		    const char *name, const char *value, const char *what,
		    const char *hint)
{
	struct lyd_node *old = find_child(parent, name, NULL), *n, *def;
	const char *shown = *value ? value : NULL;
	LY_ERR rc;

	ly_clear(p);
	if (old && p->mode == CONF_PARSE_FILE)
		return dup_error(p, old, what);
	if (old) {
		char *prev = xstrdup(lyd_get_value(old) ? lyd_get_value(old)
							: "");

		rc = lyd_change_term(old, value);
		if (rc == LY_SUCCESS || rc == LY_EEXIST) {
			undo_push(p, UNDO_CHANGED, old, NULL, prev);
			return CMD_SUCCESS;
		}
		free(prev);
		if (rc == LY_ENOT)
			return CMD_SUCCESS;
		return type_error(p, what, shown, hint);
	}
	def = find_default_child(parent, name);
	if (def) {
		/* Validate first: the implicit node must stay if we fail. */
		const struct lysc_node *s = def->schema;

		rc = lyd_value_validate(p->ctx, s, value, strlen(value), NULL,
					NULL, NULL);
		if (rc != LY_SUCCESS && rc != LY_EINCOMPLETE)
			return type_error(p, what, shown, hint);
		lyd_free_tree(def);
	}
	if (lyd_new_term(parent, NULL, name, value, 0, &n) != LY_SUCCESS)
		return type_error(p, what, shown, hint);
	undo_push(p, UNDO_CREATED, n, NULL, NULL);
	return CMD_SUCCESS;
}

/* Add value to leaf-list name of parent. A value already there: error in
 * FILE mode, nothing to do in INTERACTIVE mode. */
static int add_leaflist(struct conf_parser *p, struct lyd_node *parent,
			const char *name, const char *value, const char *what,
			const char *hint)
{
	struct lyd_node *n, *s = NULL;

	ly_clear(p);
	if (lyd_new_term(parent, NULL, name, value, 0, &n) != LY_SUCCESS)
		return type_error(p, what, value, hint);
	/* Look for the canonical value among the others (hashed). */
	lyd_unlink_tree(n);
	if (lyd_find_sibling_val(lyd_child(parent), n->schema,
				 lyd_get_value(n), 0, &s) != LY_SUCCESS)
		s = NULL;
	if (!s && lyd_insert_child(parent, n) != LY_SUCCESS) {
		lyd_free_tree(n);
		return type_error(p, what, value, hint);
	}
	if (s) {
		lyd_free_tree(n);
		if (p->mode == CONF_PARSE_FILE) {
			struct strbuf b = STRBUF_INIT;

			dup_error(p, s, arg_text(&b, what, value));
			strbuf_free(&b);
			return CMD_WARNING_CONFIG_FAILED;
		}
		return CMD_SUCCESS;
	}
	undo_push(p, UNDO_CREATED, n, NULL, NULL);
	return CMD_SUCCESS;
}

/* Canonical form of value for leaf name under parent (NULL: invalid).
 * Free the result with free(). */
static char *canonical(struct conf_parser *p, const struct lyd_node *parent,
		       const char *name, const char *value)
{
	const struct lysc_node *s = schema_child(p, parent, name);
	const char *c = NULL;
	char *r = NULL;
	LY_ERR rc;

	if (!s)
		return NULL;
	rc = lyd_value_validate(NULL, s, value, strlen(value), NULL, NULL, &c);
	if ((rc == LY_SUCCESS || rc == LY_EINCOMPLETE) && c)
		r = xstrdup(c);
	if (c)
		lydict_remove(p->ctx, c);
	return r;
}

/* ---- argument checks ------------------------------------------------ */

static int check_prefix(struct conf_parser *p, const char *what,
			const char *word)
{
	struct mep_prefix pfx;
	const char *why = NULL;
	struct strbuf b = STRBUF_INIT;

	if (mep_prefix_parse(word, &pfx, &why) == 0)
		return CMD_SUCCESS;
	fail(p, CMD_WARNING_CONFIG_FAILED, "%s: %s", arg_text(&b, what, word),
	     why ? why : "malformed prefix");
	strbuf_free(&b);
	return CMD_WARNING_CONFIG_FAILED;
}

/* Keyword argument from list: its index, or a failed status (< -1 is
 * never returned; the message is set). */
static int keyword_arg(struct conf_parser *p, const char *what,
		       const char *word, const char *const *list, int *out)
{
	int k = cmd_keyword(word, list);
	struct strbuf b = STRBUF_INIT, alts = STRBUF_INIT;
	int rc;

	if (k >= 0) {
		*out = k;
		return CMD_SUCCESS;
	}
	for (int i = 0; list[i]; i++)
		strbuf_printf(&alts, "%s%s", i ? "|" : "", list[i]);
	if (k == CMD_KW_AMBIGUOUS)
		rc = fail(p, CMD_ERR_AMBIGUOUS, "%s: ambiguous (one of %s)",
			  arg_text(&b, what, word), strbuf_str(&alts));
	else
		rc = fail(p, CMD_ERR_NO_MATCH, "%s: expected %s",
			  arg_text(&b, what, word), strbuf_str(&alts));
	strbuf_free(&b);
	strbuf_free(&alts);
	return rc;
}

/* A keyword leaf: "WHAT VALUE" where VALUE is one of list (abbreviable). */
static int set_keyword_leaf(struct conf_parser *p, struct lyd_node *parent,
			    const char *name, const char *what,
			    const char *word, const char *const *list)
{
	int k, rc = keyword_arg(p, what, word, list, &k);

	if (rc != CMD_SUCCESS)
		return rc;
	return set_leaf(p, parent, name, list[k], what, NULL);
}

static int set_number_leaf(struct conf_parser *p, struct lyd_node *parent,
			   const char *name, const char *what,
			   const char *word)
{
	const struct lysc_node *s = schema_child(p, parent, name);
	int rc;

	if (!s)
		return fail(p, CMD_WARNING_CONFIG_FAILED,
			    "%s: not in the model", name);
	rc = check_number(p, s, what, word);
	if (rc != CMD_SUCCESS)
		return rc;
	return set_leaf(p, parent, name, word, what, NULL);
}

/* Linux interface name: 1..15 of [A-Za-z0-9_.-], not "." or "..". */
static int check_ifname(struct conf_parser *p, const char *what,
			const char *word)
{
	struct strbuf b = STRBUF_INIT;
	size_t n = strspn(word, "abcdefghijklmnopqrstuvwxyz"
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");

	if (n == strlen(word) && n >= 1 && n <= 15 &&
	    strcmp(word, ".") != 0 && strcmp(word, "..") != 0)
		return CMD_SUCCESS;
	fail(p, CMD_WARNING_CONFIG_FAILED,
	     "%s: invalid interface name (1..15 characters: letters, digits, "
	     "'_', '.' or '-'; not \".\" or \"..\")",
	     arg_text(&b, what, word));
	strbuf_free(&b);
	return CMD_WARNING_CONFIG_FAILED;
}

static int check_address(struct conf_parser *p, const char *what,
			 const char *word)
{
	struct mep_addr a;
	struct strbuf b = STRBUF_INIT;

	if (mep_addr_parse(word, &a) == 0)
		return CMD_SUCCESS;
	fail(p, CMD_WARNING_CONFIG_FAILED,
	     "%s: not an IPv4 or IPv6 address", arg_text(&b, what, word));
	strbuf_free(&b);
	return CMD_WARNING_CONFIG_FAILED;
}

/* Absolute path of a unix socket: '/' then printable characters, at most
 * 107 in all (sun_path). */
static int check_path(struct conf_parser *p, const char *what,
		      const char *word)
{
	struct strbuf b = STRBUF_INIT;
	size_t n = strlen(word);
	bool ok = n >= 1 && n <= 107 && word[0] == '/';

	for (size_t i = 0; ok && i < n; i++)
		ok = word[i] > ' ' && word[i] <= '~';
	if (ok)
		return CMD_SUCCESS;
	fail(p, CMD_WARNING_CONFIG_FAILED,
	     "%s: must be an absolute path of 1..107 printable characters "
	     "without spaces", arg_text(&b, what, word));
	strbuf_free(&b);
	return CMD_WARNING_CONFIG_FAILED;
}

/* ---- leaf-only blocks (rim, ipsec) ------------------------------------ */

enum leaf_arg { ARG_NUMBER, ARG_KEYWORD, ARG_IFNAME, ARG_ADDRESS, ARG_PATH };

struct block_leaf {
	const char *kw;			/* keyword and leaf name */
	enum leaf_arg arg;
	const char *const *values;	/* ARG_KEYWORD */
	const char *help;		/* of the keyword (completion) */
};

#define LEAF_TABLE_MAX 12

static const char *const backend_kw[] = { "zebra", "kernel", NULL };
/* The YANG enum of rim route-type (config.c's mep_rim_route_types). */
static const char *const route_type_kw[] = { "nhrp", "eigrp", "table",
					     "babel", NULL };

static const struct block_leaf rim_leaves[] = {
	{ "distance", ARG_NUMBER, NULL, "Administrative distance of the routes" },
	{ "metric", ARG_NUMBER, NULL, "Metric of the routes" },
	{ "backup-metric", ARG_NUMBER, NULL,
	  "Metric of the routes of non-primary centers" },
	{ "tag", ARG_NUMBER, NULL, "Route tag" },
	{ "backend", ARG_KEYWORD, backend_kw,
	  "Where routes are injected (zebra or the kernel)" },
	{ "route-type", ARG_KEYWORD, route_type_kw,
	  "Route type announced to zebra" },
	{ "instance", ARG_NUMBER, NULL, "Route instance announced to zebra" },
	{ "stale-time", ARG_NUMBER, NULL,
	  "Seconds zebra keeps the routes after the session ends" },
	{ "kernel-table", ARG_NUMBER, NULL, "Kernel routing table (backend kernel)" },
	{ "interface", ARG_IFNAME, NULL, "Outgoing interface of the routes" },
	{ "next-hop", ARG_ADDRESS, NULL, "Next hop of the routes" },
	{ NULL, ARG_NUMBER, NULL, NULL },
};

static const struct block_leaf ipsec_leaves[] = {
	{ "vici-socket", ARG_PATH, NULL, "strongSwan's VICI socket" },
	{ "grace-period", ARG_NUMBER, NULL,
	  "Seconds routes are kept after the IPsec engine is lost" },
	{ NULL, ARG_NUMBER, NULL, NULL },
};

/* Find the command of a leaf block: *k is the index in tab, *no whether
 * it is the `no` form. CMD_SUCCESS, RET_FALLBACK (not a command of this
 * block) or an error status with the message set. */
static int leaf_lookup(struct conf_parser *p, const struct cmd_tokens *t,
		       const struct block_leaf *tab, int *k, bool *no)
{
	const char *kw[LEAF_TABLE_MAX + 2];
	int n = 0, i;

	while (tab[n].kw && n < LEAF_TABLE_MAX) {
		kw[n] = tab[n].kw;
		n++;
	}
	kw[n] = "no";
	kw[n + 1] = NULL;
	i = cmd_keyword(t->v[0], kw);
	*no = i == n;
	if (*no) {
		if (t->n < 2)
			return fail(p, CMD_ERR_INCOMPLETE,
				    "incomplete command");
		kw[n] = NULL;
		i = cmd_keyword(t->v[1], kw);
	}
	if (i == CMD_KW_AMBIGUOUS)
		return fail(p, CMD_ERR_AMBIGUOUS, "ambiguous command");
	if (i < 0 || t->n > (*no ? 3 : 2))
		return RET_FALLBACK;
	if (!*no && t->n < 2)
		return fail(p, CMD_ERR_INCOMPLETE, "%s: value missing",
			    tab[i].kw);
	*k = i;
	return CMD_SUCCESS;
}

/* Run the command of leaf (found by leaf_lookup) on block. */
static int leaf_apply(struct conf_parser *p, struct lyd_node *block,
		      const struct cmd_tokens *t,
		      const struct block_leaf *leaf, bool no)
{
	const char *word = no ? NULL : t->v[1];
	int rc = CMD_SUCCESS;

	if (no) {
		struct lyd_node *n = find_child(block, leaf->kw, NULL);

		if (n)
			delete_node(p, n);
		return CMD_SUCCESS;
	}
	switch (leaf->arg) {
	case ARG_NUMBER:
		return set_number_leaf(p, block, leaf->kw, leaf->kw, word);
	case ARG_KEYWORD:
		return set_keyword_leaf(p, block, leaf->kw, leaf->kw, word,
					leaf->values);
	case ARG_IFNAME:
		rc = check_ifname(p, leaf->kw, word);
		break;
	case ARG_ADDRESS:
		rc = check_address(p, leaf->kw, word);
		break;
	case ARG_PATH:
		rc = check_path(p, leaf->kw, word);
		break;
	}
	if (rc != CMD_SUCCESS)
		return rc;
	return set_leaf(p, block, leaf->kw, word, leaf->kw, NULL);
}

/* ---- blocks ------------------------------------------------------------ */

static void enter(struct conf_parser *p, enum conf_node node,
		  const char *name)
{
	p->next_node = node;
	snprintf(p->next_name, sizeof(p->next_name), "%s", name ? name : "");
}

/* `gateway NAME` / `community NAME` under mep. */
static int enter_entry(struct conf_parser *p, struct lyd_node *mep,
		       const char *list, const char *name,
		       enum conf_node node)
{
	struct lyd_node *n = find_child(mep, list, name);
	int rc = check_name(p, list, name);

	if (rc != CMD_SUCCESS)
		return rc;
	if (n && p->mode == CONF_PARSE_FILE) {
		struct strbuf b = STRBUF_INIT;

		dup_error(p, n, arg_text(&b, list, name));
		strbuf_free(&b);
		return CMD_WARNING_CONFIG_FAILED;
	}
	if (!n) {
		ly_clear(p);
		if (lyd_new_list(mep, NULL, list, 0, &n, name) != LY_SUCCESS)
			return type_error(p, list, name, NULL);
		undo_push(p, UNDO_CREATED, n, NULL, NULL);
	}
	enter(p, node, name);
	return CMD_SUCCESS;
}

/* ---- node: config ---------------------------------------------------- */

static int run_config(struct conf_parser *p, struct cmd_tokens *t)
{
	static const char *const kw[] = { "mep", "no", NULL };
	static const char *const no_kw[] = { "mep", NULL };
	struct lyd_node *mep = mep_root(p), *n;
	int k = cmd_keyword(t->v[0], kw);

	if (k == CMD_KW_AMBIGUOUS)
		return fail(p, CMD_ERR_AMBIGUOUS, "ambiguous command");
	if (k == 0) {
		if (t->n != 1)
			return RET_FALLBACK;
		if (!mep) {
			ly_clear(p);
			if (lyd_new_inner(NULL, p->mod, "mep", 0, &n) !=
			    LY_SUCCESS)
				return fail(p, CMD_WARNING_CONFIG_FAILED,
					    "mep: %s", ly_last_msg(p));
			if (*p->tree)
				lyd_insert_sibling(*p->tree, n, p->tree);
			else
				*p->tree = n;
			undo_push(p, UNDO_CREATED, n, NULL, NULL);
		}
		enter(p, NODE_MEP, NULL);
		return CMD_SUCCESS;
	}
	if (k == 1) {
		if (t->n < 2)
			return fail(p, CMD_ERR_INCOMPLETE,
				    "incomplete command");
		k = cmd_keyword(t->v[1], no_kw);
		if (k == CMD_KW_AMBIGUOUS)
			return fail(p, CMD_ERR_AMBIGUOUS, "ambiguous command");
		if (k != 0 || t->n != 2)
			return RET_FALLBACK;
		if (mep)
			delete_node(p, mep);
		return CMD_SUCCESS;
	}
	return RET_FALLBACK;
}

/* ---- node: mep ------------------------------------------------------- */

static const char *const probe_kw[] = { "interval", "dead-count", "port",
					"key", NULL };

static int cmd_probe(struct conf_parser *p, struct lyd_node *mep,
		     struct cmd_tokens *t)
{
	const char *val[4] = { NULL, NULL, NULL, NULL };
	struct lyd_node *probe;
	const struct lysc_node *ps = schema_child(p, mep, "probe");
	struct strbuf w = STRBUF_INIT;
	int rc = CMD_SUCCESS;

	if (t->n < 2)
		return fail(p, CMD_ERR_INCOMPLETE,
			    "probe: give at least one of interval, dead-count, "
			    "port, key");
	for (int i = 1; i < t->n; i += 2) {
		int k;

		rc = keyword_arg(p, "probe", t->v[i], probe_kw, &k);
		if (rc != CMD_SUCCESS)
			return rc;
		if (val[k])
			return fail(p, CMD_WARNING_CONFIG_FAILED,
				    "probe: %s given twice", probe_kw[k]);
		if (i + 1 >= t->n)
			return fail(p, CMD_ERR_INCOMPLETE,
				    "probe %s: missing value", probe_kw[k]);
		val[k] = t->v[i + 1];
	}
	/* Check every value before changing anything. */
	for (int k = 0; k < 4 && rc == CMD_SUCCESS; k++) {
		const struct lysc_node *s;

		if (!val[k])
			continue;
		s = lys_find_child(ps, p->mod, probe_kw[k], 0, 0, 0);
		arg_text(&w, "probe", probe_kw[k]);
		if (!s)
			rc = fail(p, CMD_WARNING_CONFIG_FAILED,
				  "%s: not in the model", strbuf_str(&w));
		else if (k < 3)
			rc = check_number(p, s, strbuf_str(&w), val[k]);
		else if (lyd_value_validate(NULL, s, val[k], strlen(val[k]),
					    NULL, NULL, NULL) != LY_SUCCESS)
			rc = fail(p, CMD_WARNING_CONFIG_FAILED,
				  "probe key: must be 8..128 printable "
				  "characters without spaces");
	}
	if (rc != CMD_SUCCESS)
		goto out;
	probe = find_child(mep, "probe", NULL);
	if (!probe)
		probe = find_default_child(mep, "probe");
	if (!probe) {
		ly_clear(p);
		if (lyd_new_inner(mep, NULL, "probe", 0, &probe) !=
		    LY_SUCCESS) {
			rc = fail(p, CMD_WARNING_CONFIG_FAILED, "probe: %s",
				  ly_last_msg(p));
			goto out;
		}
		undo_push(p, UNDO_CREATED, probe, NULL, NULL);
	}
	for (int k = 0; k < 4 && rc == CMD_SUCCESS; k++) {
		if (!val[k])
			continue;
		arg_text(&w, "probe", probe_kw[k]);
		rc = set_leaf(p, probe, probe_kw[k], val[k], strbuf_str(&w),
			      NULL);
	}
out:
	strbuf_free(&w);
	return rc;
}

/* Delete the (non-presence) container name of mep when no explicit
 * setting is left in it. */
static void container_tidy(struct conf_parser *p, struct lyd_node *mep,
			   const char *name)
{
	struct lyd_node *c = find_child(mep, name, NULL);

	if (!c)
		return;
	for (struct lyd_node *n = lyd_child(c); n; n = n->next)
		if (!(n->flags & LYD_DEFAULT))
			return;
	delete_node(p, c);
}

static int no_mep(struct conf_parser *p, struct lyd_node *mep,
		  struct cmd_tokens *t)
{
	static const char *const kw[] = { "local-gateway", "gateway",
					  "community", "probe",
					  "load-distribution", "rim", "ipsec",
					  NULL };
	struct lyd_node *n;
	int k = cmd_keyword(t->v[1], kw);

	if (k == CMD_KW_AMBIGUOUS)
		return fail(p, CMD_ERR_AMBIGUOUS, "ambiguous command");
	if (k < 0)
		return RET_FALLBACK;
	switch (k) {
	case 1:
	case 2:
		if (t->n < 3)
			return fail(p, CMD_ERR_INCOMPLETE,
				    "no %s: name missing", kw[k]);
		if (t->n > 3)
			return RET_FALLBACK;
		if (check_name(p, kw[k], t->v[2]) != CMD_SUCCESS)
			return CMD_WARNING_CONFIG_FAILED;
		n = find_child(mep, kw[k], t->v[2]);
		if (!n)
			return fail(p, CMD_WARNING_CONFIG_FAILED,
				    "no %s %s: not configured", kw[k],
				    t->v[2]);
		delete_node(p, n);
		return CMD_SUCCESS;
	case 3:
		if (t->n > 4)
			return RET_FALLBACK;
		if (t->n == 2) {
			n = find_child(mep, "probe", NULL);
			if (n)
				delete_node(p, n);
			return CMD_SUCCESS;
		}
		{
			int o, rc = keyword_arg(p, "no probe", t->v[2],
						probe_kw, &o);

			if (rc != CMD_SUCCESS)
				return rc;
			n = find_child(find_child(mep, "probe", NULL),
				       probe_kw[o], NULL);
			if (n)
				delete_node(p, n);
			container_tidy(p, mep, "probe");
		}
		return CMD_SUCCESS;
	default:
		/* local-gateway [NAME], load-distribution, rim, ipsec */
		if (t->n > (k == 0 ? 3 : 2))
			return RET_FALLBACK;
		n = find_child(mep, kw[k], NULL);
		if (!n && k == 6)
			n = find_default_child(mep, kw[k]);
		if (n)
			delete_node(p, n);
		return CMD_SUCCESS;
	}
}

/* The ipsec container (explicit, else implicit), created when missing:
 * the block always exists as far as the user is concerned. */
static struct lyd_node *ipsec_block(struct conf_parser *p,
				    struct lyd_node *mep)
{
	struct lyd_node *n = find_child(mep, "ipsec", NULL);

	if (!n)
		n = find_default_child(mep, "ipsec");
	if (n)
		return n;
	ly_clear(p);
	if (lyd_new_inner(mep, NULL, "ipsec", 0, &n) != LY_SUCCESS) {
		fail(p, CMD_WARNING_CONFIG_FAILED, "ipsec: %s",
		     ly_last_msg(p));
		return NULL;
	}
	undo_push(p, UNDO_CREATED, n, NULL, NULL);
	return n;
}

static int run_mep(struct conf_parser *p, struct cmd_tokens *t)
{
	static const char *const kw[] = { "local-gateway", "gateway",
					  "community", "probe",
					  "load-distribution", "rim",
					  "no", "ipsec", NULL };
	struct lyd_node *mep = mep_root(p), *n;
	int k = cmd_keyword(t->v[0], kw), rc;

	if (k == CMD_KW_AMBIGUOUS)
		return fail(p, CMD_ERR_AMBIGUOUS, "ambiguous command");
	if (k < 0)
		return RET_FALLBACK;
	if (!mep)
		return fail(p, CMD_WARNING_CONFIG_FAILED,
			    "the mep block no longer exists");
	if (k == 6) {
		if (t->n < 2)
			return fail(p, CMD_ERR_INCOMPLETE,
				    "incomplete command");
		return no_mep(p, mep, t);
	}
	if (k == 3)
		return cmd_probe(p, mep, t);
	if (k == 7) {
		if (t->n != 1)
			return RET_FALLBACK;
		n = find_child(mep, "ipsec", NULL);
		if (n && p->mode == CONF_PARSE_FILE)
			return dup_error(p, n, "ipsec");
		if (!ipsec_block(p, mep))
			return CMD_WARNING_CONFIG_FAILED;
		enter(p, NODE_IPSEC, NULL);
		return CMD_SUCCESS;
	}
	if (k == 4 || k == 5) {
		if (t->n != 1)
			return RET_FALLBACK;
		if (k == 4)
			return set_leaf(p, mep, kw[k], "", kw[k], NULL);
		n = find_child(mep, "rim", NULL);
		if (n && p->mode == CONF_PARSE_FILE)
			return dup_error(p, n, "rim");
		if (!n) {
			ly_clear(p);
			if (lyd_new_inner(mep, NULL, "rim", 0, &n) !=
			    LY_SUCCESS)
				return fail(p, CMD_WARNING_CONFIG_FAILED,
					    "rim: %s", ly_last_msg(p));
			undo_push(p, UNDO_CREATED, n, NULL, NULL);
		}
		enter(p, NODE_RIM, NULL);
		return CMD_SUCCESS;
	}
	/* local-gateway, gateway, community: one NAME */
	if (t->n < 2)
		return fail(p, CMD_ERR_INCOMPLETE, "%s: name missing", kw[k]);
	if (t->n > 2)
		return RET_FALLBACK;
	if (k == 0) {
		rc = check_name(p, kw[k], t->v[1]);
		if (rc != CMD_SUCCESS)
			return rc;
		return set_leaf(p, mep, kw[k], t->v[1], kw[k], NULL);
	}
	return enter_entry(p, mep, kw[k], t->v[1],
			   k == 1 ? NODE_GATEWAY : NODE_COMMUNITY);
}

/* ---- node: gateway --------------------------------------------------- */

static const char *const gw_kw[] = { "address", "vpn-domain", "ip-pool",
				     "ike-connection", "backup-gateway",
				     "third-party", "no", NULL };

static int no_gateway(struct conf_parser *p, struct lyd_node *gw,
		      struct cmd_tokens *t)
{
	int k = cmd_keyword(t->v[1], gw_kw);
	struct lyd_node *n;
	char *c;

	if (k == CMD_KW_AMBIGUOUS)
		return fail(p, CMD_ERR_AMBIGUOUS, "ambiguous command");
	if (k < 0 || k == 6)
		return RET_FALLBACK;
	if (t->n > (k == 5 ? 2 : 3))
		return RET_FALLBACK;
	if ((k == 1 || k == 4) && t->n == 3) {
		/* one value of a leaf-list */
		if (k == 1 && check_prefix(p, gw_kw[k], t->v[2]) != CMD_SUCCESS)
			return CMD_WARNING_CONFIG_FAILED;
		if (k == 4 && check_name(p, gw_kw[k], t->v[2]) != CMD_SUCCESS)
			return CMD_WARNING_CONFIG_FAILED;
		c = canonical(p, gw, gw_kw[k], t->v[2]);
		n = c ? find_child(gw, gw_kw[k], c) : NULL;
		free(c);
		if (!n) {
			struct strbuf b = STRBUF_INIT;

			fail(p, CMD_WARNING_CONFIG_FAILED,
			     "no %s: not configured",
			     arg_text(&b, gw_kw[k], t->v[2]));
			strbuf_free(&b);
			return CMD_WARNING_CONFIG_FAILED;
		}
		delete_node(p, n);
		return CMD_SUCCESS;
	}
	/* a leaf, or every value of a leaf-list */
	while ((n = find_child(gw, gw_kw[k], NULL)))
		delete_node(p, n);
	return CMD_SUCCESS;
}

static int run_gateway(struct conf_parser *p, struct cmd_tokens *t)
{
	struct lyd_node *gw = find_child(mep_root(p), "gateway", p->gw);
	int k = cmd_keyword(t->v[0], gw_kw), rc;
	const char *v = t->n > 1 ? t->v[1] : NULL;

	if (k == CMD_KW_AMBIGUOUS)
		return fail(p, CMD_ERR_AMBIGUOUS, "ambiguous command");
	if (k < 0)
		return RET_FALLBACK;
	if (!gw)
		return fail(p, CMD_WARNING_CONFIG_FAILED,
			    "this gateway no longer exists");
	if (k == 6) {
		if (t->n < 2)
			return fail(p, CMD_ERR_INCOMPLETE,
				    "incomplete command");
		return no_gateway(p, gw, t);
	}
	if (k == 5) {
		if (t->n != 1)
			return RET_FALLBACK;
		return set_leaf(p, gw, gw_kw[k], "", gw_kw[k], NULL);
	}
	if (!v)
		return fail(p, CMD_ERR_INCOMPLETE, "%s: value missing",
			    gw_kw[k]);
	if (t->n > 2)
		return RET_FALLBACK;
	switch (k) {
	case 0:
		return set_leaf(p, gw, gw_kw[k], v, gw_kw[k],
				"not an IPv4/IPv6 address or a DNS name");
	case 1:
	case 2:
		rc = check_prefix(p, gw_kw[k], v);
		if (rc != CMD_SUCCESS)
			return rc;
		if (k == 1)
			return add_leaflist(p, gw, gw_kw[k], v, gw_kw[k], NULL);
		return set_leaf(p, gw, gw_kw[k], v, gw_kw[k], NULL);
	case 3:
		return set_leaf(p, gw, gw_kw[k], v, gw_kw[k],
				"expected 1..127 characters of "
				"[A-Za-z0-9_.-]");
	default:
		rc = check_name(p, gw_kw[k], v);
		if (rc != CMD_SUCCESS)
			return rc;
		return add_leaflist(p, gw, gw_kw[k], v, gw_kw[k], NULL);
	}
}

/* ---- node: community ----------------------------------------------- */

static const char *const comm_kw[] = { "type", "center", "satellite",
				       "member", "permanent-tunnels", "mep",
				       "return-path", "no", NULL };
static const char *const mep_sub_kw[] = { "enable", "entry-point",
					  "tie-break", "priority", "tracking",
					  NULL };
/* Leaf of each mep_sub_kw. */
static const char *const mep_sub_leaf[] = { "mep-enable", "entry-point",
					    "tie-break", NULL, "tracking" };
static const char *const type_kw[] = { "star", "meshed", NULL };
static const char *const entry_kw[] = { "first-to-respond", "vpn-domain",
					"random", "priority-list", NULL };
static const char *const tie_kw[] = { "first-to-respond", "random", NULL };
static const char *const tracking_kw[] = { "log", "none", NULL };
static const char *const return_kw[] = { "rim", "ip-pool-nat", NULL };
static const char *const level_kw[] = { "primary", "secondary", "tertiary",
					NULL };
/* Words that can only mean a fourth (or later) level. */
static const char *const extra_level_kw[] = { "quaternary", "quinary",
					      "senary", "fourth", "fifth",
					      NULL };

#define PRIO_MAX_NAMES CMD_MAX_TOKENS

struct prio_rule {
	int nsat;
	const char *sat[PRIO_MAX_NAMES];
	int n[3];
	const char *name[3][PRIO_MAX_NAMES];
};

static int level_of(const char *w)
{
	for (int i = 0; level_kw[i]; i++)
		if (strcmp(w, level_kw[i]) == 0)
			return i;
	return -1;
}

static bool is_extra_level(const char *w)
{
	for (int i = 0; extra_level_kw[i]; i++)
		if (strcmp(w, extra_level_kw[i]) == 0)
			return true;
	return false;
}

/* Parse "primary N... [secondary N...] [tertiary N...]" from word i. */
static int parse_levels(struct conf_parser *p, struct cmd_tokens *t, int i,
			struct prio_rule *r)
{
	int cur = -1;

	if (i >= t->n)
		return fail(p, CMD_ERR_INCOMPLETE,
			    "mep priority: levels missing (primary NAME...)");
	for (; i < t->n; i++) {
		const char *w = t->v[i];
		int l = level_of(w);

		if (l >= 0) {
			if (r->n[l] > 0 || cur == l)
				return fail(p, CMD_WARNING_CONFIG_FAILED,
					    "rule 6: level %s given twice in "
					    "one mep priority rule",
					    level_kw[l]);
			if (cur >= 0 && r->n[cur] == 0)
				break;
			cur = l;
			continue;
		}
		if (is_extra_level(w))
			return fail(p, CMD_WARNING_CONFIG_FAILED,
				    "rule 6: at most three levels: primary, "
				    "secondary, tertiary (not \"%s\")",
				    w);
		if (strcmp(w, "satellite") == 0)
			return fail(p, CMD_WARNING_CONFIG_FAILED,
				    "rule 6: satellites must be named before "
				    "the levels");
		if (cur < 0) {
			struct strbuf b = STRBUF_INIT;

			put_text(&b, w, CONF_QUOTE_MAX);
			fail(p, CMD_WARNING_CONFIG_FAILED,
			     "mep priority: expected primary, secondary or "
			     "tertiary, not \"%s\"",
			     strbuf_str(&b));
			strbuf_free(&b);
			return CMD_WARNING_CONFIG_FAILED;
		}
		if (check_name(p, level_kw[cur], w) != CMD_SUCCESS)
			return CMD_WARNING_CONFIG_FAILED;
		for (int l2 = 0; l2 < 3; l2++)
			for (int j = 0; j < r->n[l2]; j++)
				if (strcmp(r->name[l2][j], w) == 0)
					return fail(p,
						    CMD_WARNING_CONFIG_FAILED,
						    "rule 6: a center appears "
						    "at most once in a mep "
						    "priority rule (%s)",
						    w);
		r->name[cur][r->n[cur]++] = w;
	}
	if (cur >= 0 && r->n[cur] == 0)
		return fail(p, CMD_ERR_INCOMPLETE,
			    "mep priority: level %s names no center",
			    level_kw[cur]);
	if (r->n[0] == 0)
		return fail(p, CMD_WARNING_CONFIG_FAILED,
			    "rule 6: a mep priority rule needs a primary "
			    "level");
	return CMD_SUCCESS;
}

/* Create the level leaf-lists of r under parent. */
static int add_levels(struct conf_parser *p, struct lyd_node *parent,
		      const struct prio_rule *r)
{
	for (int l = 0; l < 3; l++)
		for (int j = 0; j < r->n[l]; j++) {
			int rc = add_leaflist(p, parent, level_kw[l],
					      r->name[l][j], level_kw[l], NULL);

			if (rc != CMD_SUCCESS)
				return rc;
		}
	return CMD_SUCCESS;
}

static bool rule_has_sat(const struct lyd_node *rule, const char *sat)
{
	return find_child(rule, "satellite", sat) != NULL;
}

static int count_sats(const struct lyd_node *rule)
{
	int n = 0;

	for (struct lyd_node *c = lyd_child(rule); c; c = c->next)
		if (is_named(c, "satellite"))
			n++;
	return n;
}

static int rule_line(struct conf_parser *p, const struct lyd_node *rule)
{
	char *path = lyd_path(rule, LYD_PATH_STD, NULL, 0);
	int line = conf_parser_line_of(p, path);

	free(path);
	return line;
}

static int cmd_priority_satellite(struct conf_parser *p,
				  struct lyd_node *comm, struct cmd_tokens *t,
				  int i)
{
	struct prio_rule r;
	struct lyd_node *same = NULL, *rule;
	unsigned max = 0, id;
	char ids[8];
	int rc;

	memset(&r, 0, sizeof(r));
	for (; i < t->n && level_of(t->v[i]) < 0 && !is_extra_level(t->v[i]);
	     i++) {
		if (check_name(p, "satellite", t->v[i]) != CMD_SUCCESS)
			return CMD_WARNING_CONFIG_FAILED;
		for (int j = 0; j < r.nsat; j++)
			if (strcmp(r.sat[j], t->v[i]) == 0)
				return fail(p, CMD_WARNING_CONFIG_FAILED,
					    "rule 6: satellite %s named twice "
					    "in one mep priority rule",
					    t->v[i]);
		r.sat[r.nsat++] = t->v[i];
	}
	if (r.nsat == 0)
		return fail(p, i < t->n ? CMD_WARNING_CONFIG_FAILED
					: CMD_ERR_INCOMPLETE,
			    "mep priority satellite: name at least one "
			    "satellite");
	rc = parse_levels(p, t, i, &r);
	if (rc != CMD_SUCCESS)
		return rc;

	/* An existing rule for the same satellites, or sharing one. */
	for (struct lyd_node *n = lyd_child(comm); n; n = n->next) {
		int shared = 0;

		if (!is_named(n, "priority-rule"))
			continue;
		id = (unsigned)strtoul(lyd_get_value(lyd_child(n)), NULL, 10);
		if (id > max)
			max = id;
		for (int j = 0; j < r.nsat; j++)
			shared += rule_has_sat(n, r.sat[j]);
		if (shared == 0)
			continue;
		if (shared == r.nsat && count_sats(n) == r.nsat) {
			same = n;
			continue;
		}
		for (int j = 0; j < r.nsat; j++) {
			int line;

			if (!rule_has_sat(n, r.sat[j]))
				continue;
			line = rule_line(p, n);
			if (line > 0)
				return fail(p, CMD_WARNING_CONFIG_FAILED,
					    "rule 6: satellite %s is already "
					    "in the mep priority rule at "
					    "line %d",
					    r.sat[j], line);
			return fail(p, CMD_WARNING_CONFIG_FAILED,
				    "rule 6: satellite %s is already in "
				    "another mep priority rule",
				    r.sat[j]);
		}
	}
	if (same && p->mode == CONF_PARSE_FILE)
		return dup_error(p, same, "mep priority satellite rule");

	/* Ids 1, 2, ... in order; the lowest free one after 255. */
	id = max + 1;
	if (id > 255) {
		for (id = 1; id <= 255; id++) {
			snprintf(ids, sizeof(ids), "%u", id);
			if (!find_child(comm, "priority-rule", ids))
				break;
		}
		if (id > 255)
			return fail(p, CMD_WARNING_CONFIG_FAILED,
				    "too many mep priority rules (255)");
	}
	snprintf(ids, sizeof(ids), "%u", id);
	ly_clear(p);
	if (lyd_new_list(comm, NULL, "priority-rule", 0, &rule, ids) !=
	    LY_SUCCESS)
		return fail(p, CMD_WARNING_CONFIG_FAILED, "mep priority: %s",
			    ly_last_msg(p));
	undo_push(p, UNDO_CREATED, rule, NULL, NULL);
	if (same) {
		if (lyd_insert_before(same, rule) != LY_SUCCESS)
			return fail(p, CMD_WARNING_CONFIG_FAILED,
				    "mep priority: %s", ly_last_msg(p));
		undo_push(p, UNDO_FREE, same, NULL,
			  lyd_path(same, LYD_PATH_STD, NULL, 0));
	}
	for (int j = 0; j < r.nsat; j++) {
		rc = add_leaflist(p, rule, "satellite", r.sat[j], "satellite",
				  NULL);
		if (rc != CMD_SUCCESS)
			return rc;
	}
	return add_levels(p, rule, &r);
}

static int cmd_priority(struct conf_parser *p, struct lyd_node *comm,
			struct cmd_tokens *t, int i)
{
	static const char *const kw[] = { "default", "satellite", NULL };
	struct prio_rule r;
	struct lyd_node *old, *c;
	int k, rc;

	if (i >= t->n)
		return fail(p, CMD_ERR_INCOMPLETE,
			    "mep priority: default or satellite missing");
	rc = keyword_arg(p, "mep priority", t->v[i], kw, &k);
	if (rc != CMD_SUCCESS)
		return rc;
	if (k == 1)
		return cmd_priority_satellite(p, comm, t, i + 1);

	for (int j = i + 1; j < t->n; j++)
		if (strcmp(t->v[j], "satellite") == 0)
			return fail(p, CMD_WARNING_CONFIG_FAILED,
				    "rule 6: the default rule may not name "
				    "satellites");
	memset(&r, 0, sizeof(r));
	rc = parse_levels(p, t, i + 1, &r);
	if (rc != CMD_SUCCESS)
		return rc;
	old = find_child(comm, "priority-default", NULL);
	if (old && p->mode == CONF_PARSE_FILE)
		return dup_error(p, old, "mep priority default");
	if (old)
		tx_unlink(p, old);
	ly_clear(p);
	if (lyd_new_inner(comm, NULL, "priority-default", 0, &c) !=
	    LY_SUCCESS)
		return fail(p, CMD_WARNING_CONFIG_FAILED, "mep priority: %s",
			    ly_last_msg(p));
	undo_push(p, UNDO_CREATED, c, NULL, NULL);
	return add_levels(p, c, &r);
}

static int cmd_community_mep(struct conf_parser *p, struct lyd_node *comm,
			     struct cmd_tokens *t)
{
	static const char *const *const args[] = { NULL, entry_kw, tie_kw,
						   NULL, tracking_kw };
	struct strbuf w = STRBUF_INIT;
	int k, rc;

	if (t->n < 2)
		return fail(p, CMD_ERR_INCOMPLETE, "mep: incomplete command");
	k = cmd_keyword(t->v[1], mep_sub_kw);
	if (k == CMD_KW_AMBIGUOUS)
		return fail(p, CMD_ERR_AMBIGUOUS, "ambiguous command");
	if (k < 0)
		return RET_FALLBACK;
	if (k == 3)
		return cmd_priority(p, comm, t, 2);
	if (k == 0) {
		if (t->n != 2)
			return RET_FALLBACK;
		return set_leaf(p, comm, mep_sub_leaf[k], "", "mep enable",
				NULL);
	}
	if (t->n < 3)
		return fail(p, CMD_ERR_INCOMPLETE, "mep %s: value missing",
			    mep_sub_kw[k]);
	if (t->n > 3)
		return RET_FALLBACK;
	strbuf_printf(&w, "mep %s", mep_sub_kw[k]);
	rc = set_keyword_leaf(p, comm, mep_sub_leaf[k], strbuf_str(&w),
			      t->v[2], args[k]);
	strbuf_free(&w);
	return rc;
}

static int no_community_mep(struct conf_parser *p, struct lyd_node *comm,
			    struct cmd_tokens *t)
{
	static const char *const prio_kw[] = { "default", "satellite", NULL };
	struct lyd_node *n;
	int k, pk;

	if (t->n < 3)
		return fail(p, CMD_ERR_INCOMPLETE,
			    "no mep: incomplete command");
	k = cmd_keyword(t->v[2], mep_sub_kw);
	if (k == CMD_KW_AMBIGUOUS)
		return fail(p, CMD_ERR_AMBIGUOUS, "ambiguous command");
	if (k < 0)
		return RET_FALLBACK;
	if (k != 3) {
		/* no mep enable | entry-point [X] | tie-break [X] | ... */
		if (t->n > (k == 0 ? 3 : 4))
			return RET_FALLBACK;
		n = find_child(comm, mep_sub_leaf[k], NULL);
		if (n)
			delete_node(p, n);
		return CMD_SUCCESS;
	}
	if (t->n < 4)
		return fail(p, CMD_ERR_INCOMPLETE,
			    "no mep priority: default or satellite missing");
	k = keyword_arg(p, "no mep priority", t->v[3], prio_kw, &pk);
	if (k != CMD_SUCCESS)
		return k;
	if (pk == 0) {
		n = find_child(comm, "priority-default", NULL);
		if (n)
			delete_node(p, n);
		return CMD_SUCCESS;
	}
	if (t->n < 5)
		return fail(p, CMD_ERR_INCOMPLETE,
			    "no mep priority satellite: name a satellite");
	for (n = lyd_child(comm); n; n = n->next)
		if (is_named(n, "priority-rule") && rule_has_sat(n, t->v[4]))
			break;
	if (!n) {
		struct strbuf b = STRBUF_INIT;

		put_text(&b, t->v[4], CONF_QUOTE_MAX);
		fail(p, CMD_WARNING_CONFIG_FAILED,
		     "no mep priority satellite %s: no rule names it",
		     strbuf_str(&b));
		strbuf_free(&b);
		return CMD_WARNING_CONFIG_FAILED;
	}
	delete_node(p, n);
	return CMD_SUCCESS;
}

static int no_community(struct conf_parser *p, struct lyd_node *comm,
			struct cmd_tokens *t)
{
	int k = cmd_keyword(t->v[1], comm_kw);
	struct lyd_node *n;

	if (k == CMD_KW_AMBIGUOUS)
		return fail(p, CMD_ERR_AMBIGUOUS, "ambiguous command");
	if (k < 0 || k == 7)
		return RET_FALLBACK;
	if (k == 5)
		return no_community_mep(p, comm, t);
	if (k >= 1 && k <= 3) {
		/* center / satellite / member: NAME, or all without it */
		if (t->n > 3)
			return RET_FALLBACK;
		if (t->n == 3) {
			n = find_child(comm, comm_kw[k], t->v[2]);
			if (!n) {
				struct strbuf b = STRBUF_INIT;

				fail(p, CMD_WARNING_CONFIG_FAILED,
				     "no %s: not configured",
				     arg_text(&b, comm_kw[k], t->v[2]));
				strbuf_free(&b);
				return CMD_WARNING_CONFIG_FAILED;
			}
			delete_node(p, n);
			return CMD_SUCCESS;
		}
	} else if (t->n > (k == 4 ? 2 : 3)) {
		return RET_FALLBACK;
	}
	while ((n = find_child(comm, comm_kw[k], NULL)))
		delete_node(p, n);
	return CMD_SUCCESS;
}

static int run_community(struct conf_parser *p, struct cmd_tokens *t)
{
	struct lyd_node *comm = find_child(mep_root(p), "community", p->comm);
	int k = cmd_keyword(t->v[0], comm_kw), rc;

	if (k == CMD_KW_AMBIGUOUS)
		return fail(p, CMD_ERR_AMBIGUOUS, "ambiguous command");
	if (k < 0)
		return RET_FALLBACK;
	if (!comm)
		return fail(p, CMD_WARNING_CONFIG_FAILED,
			    "this community no longer exists");
	switch (k) {
	case 7:
		if (t->n < 2)
			return fail(p, CMD_ERR_INCOMPLETE,
				    "incomplete command");
		return no_community(p, comm, t);
	case 5:
		return cmd_community_mep(p, comm, t);
	case 4:
		if (t->n != 1)
			return RET_FALLBACK;
		return set_leaf(p, comm, comm_kw[k], "", comm_kw[k], NULL);
	default:
		break;
	}
	if (t->n < 2)
		return fail(p, CMD_ERR_INCOMPLETE, "%s: value missing",
			    comm_kw[k]);
	if (t->n > 2)
		return RET_FALLBACK;
	if (k == 0)
		return set_keyword_leaf(p, comm, "type", "type", t->v[1],
					type_kw);
	if (k == 6)
		return set_keyword_leaf(p, comm, "return-path", "return-path",
					t->v[1], return_kw);
	rc = check_name(p, comm_kw[k], t->v[1]);
	if (rc != CMD_SUCCESS)
		return rc;
	return add_leaflist(p, comm, comm_kw[k], t->v[1], comm_kw[k], NULL);
}

/* ---- node: rim ------------------------------------------------------- */

static int run_rim(struct conf_parser *p, struct cmd_tokens *t)
{
	struct lyd_node *rim;
	bool no;
	int k, rc = leaf_lookup(p, t, rim_leaves, &k, &no);

	if (rc != CMD_SUCCESS)
		return rc;
	rim = find_child(mep_root(p), "rim", NULL);
	if (!rim)
		return fail(p, CMD_WARNING_CONFIG_FAILED,
			    "the rim block no longer exists");
	return leaf_apply(p, rim, t, &rim_leaves[k], no);
}

/* ---- node: ipsec ----------------------------------------------------- */

static int run_ipsec(struct conf_parser *p, struct cmd_tokens *t)
{
	struct lyd_node *mep = mep_root(p), *ipsec;
	bool no;
	int k, rc = leaf_lookup(p, t, ipsec_leaves, &k, &no);

	if (rc != CMD_SUCCESS)
		return rc;
	if (!mep)
		return fail(p, CMD_WARNING_CONFIG_FAILED,
			    "the mep block no longer exists");
	ipsec = ipsec_block(p, mep);
	if (!ipsec)
		return CMD_WARNING_CONFIG_FAILED;
	rc = leaf_apply(p, ipsec, t, &ipsec_leaves[k], no);
	if (rc == CMD_SUCCESS && no)
		container_tidy(p, mep, "ipsec");
	return rc;
}

/* ---- dispatch -------------------------------------------------------- */

static enum conf_node node_parent(enum conf_node n)
{
	return n == NODE_MEP || n == NODE_CONFIG ? NODE_CONFIG : NODE_MEP;
}

static void where_of(const struct conf_parser *p, enum conf_node n,
		     struct strbuf *b)
{
	switch (n) {
	case NODE_CONFIG:
		break;
	case NODE_MEP:
		strbuf_puts(b, "mep");
		break;
	case NODE_GATEWAY:
		strbuf_printf(b, "gateway %s", p->gw);
		break;
	case NODE_COMMUNITY:
		strbuf_printf(b, "community %s", p->comm);
		break;
	case NODE_RIM:
		strbuf_puts(b, "rim");
		break;
	case NODE_IPSEC:
		strbuf_puts(b, "ipsec");
		break;
	}
}

/* exit / end, valid in every node. */
static int run_exit(struct conf_parser *p, enum conf_node n,
		    struct cmd_tokens *t)
{
	bool end = t->v[0][1] == 'n';	/* matched "end", not "exit" */

	if (t->n != 1)
		return RET_FALLBACK;
	if (end || n == NODE_CONFIG) {
		p->next_ended = true;
		enter(p, NODE_CONFIG, NULL);
	} else {
		enter(p, node_parent(n), NULL);
	}
	return CMD_SUCCESS;
}

static int run_node(struct conf_parser *p, enum conf_node n,
		    struct cmd_tokens *t)
{
	static const char *const all_kw[][16] = {
		[NODE_CONFIG] = { "mep", "no", "exit", "end", NULL },
		[NODE_MEP] = { "local-gateway", "gateway", "community",
			       "probe", "load-distribution", "rim", "no",
			       "ipsec", "exit", "end", NULL },
		[NODE_GATEWAY] = { "address", "vpn-domain", "ip-pool",
				   "ike-connection", "backup-gateway",
				   "third-party", "no", "exit", "end", NULL },
		[NODE_COMMUNITY] = { "type", "center", "satellite", "member",
				     "permanent-tunnels", "mep",
				     "return-path", "no", "exit", "end",
				     NULL },
		[NODE_RIM] = { "distance", "metric", "backup-metric", "tag",
			       "backend", "route-type", "instance",
			       "stale-time", "kernel-table", "interface",
			       "next-hop", "no", "exit", "end", NULL },
		[NODE_IPSEC] = { "vici-socket", "grace-period", "no", "exit",
				 "end", NULL },
	};
	int k = cmd_keyword(t->v[0], all_kw[n]);

	/* Ambiguity is judged over the node's whole vocabulary, exit and
	 * end included, as FRR does. */
	if (k == CMD_KW_AMBIGUOUS)
		return fail(p, CMD_ERR_AMBIGUOUS, "ambiguous command \"%s\"",
			    t->v[0]);
	if (k < 0)
		return RET_FALLBACK;
	if (strcmp(all_kw[n][k], "exit") == 0 ||
	    strcmp(all_kw[n][k], "end") == 0)
		return run_exit(p, n, t);
	enter(p, n, NULL);
	if (n == NODE_GATEWAY)
		snprintf(p->next_name, sizeof(p->next_name), "%s", p->gw);
	else if (n == NODE_COMMUNITY)
		snprintf(p->next_name, sizeof(p->next_name), "%s", p->comm);
	switch (n) {
	case NODE_CONFIG:
		return run_config(p, t);
	case NODE_MEP:
		return run_mep(p, t);
	case NODE_GATEWAY:
		return run_gateway(p, t);
	case NODE_COMMUNITY:
		return run_community(p, t);
	case NODE_RIM:
		return run_rim(p, t);
	case NODE_IPSEC:
		return run_ipsec(p, t);
	}
	return RET_FALLBACK;
}

int conf_parser_line(struct conf_parser *p, const char *line, int lineno,
		     struct strbuf *err)
{
	const char *why = "invalid line";
	struct cmd_tokens *t;
	enum conf_node n, where_node;
	struct strbuf where = STRBUF_INIT;
	int rc = RET_FALLBACK;

	p->lineno = lineno;
	strbuf_reset(&p->msg);
	t = line ? cmd_tokenize(line, &why) : NULL;
	if (!t) {
		rc = fail(p, CMD_WARNING_CONFIG_FAILED, "%s", why);
		where_node = p->node;
		goto error;
	}
	if (t->n == 0) {
		free(t);
		return CMD_SUCCESS;
	}
	if (p->ended) {
		rc = fail(p, CMD_ERR_NO_MATCH,
			  "not in configuration mode (line after end)");
		where_node = NODE_CONFIG;
		goto error;
	}
	p->next_ended = false;
	for (n = p->node;; n = node_parent(n)) {
		where_node = n;
		rc = run_node(p, n, t);
		if (rc != RET_FALLBACK || n == NODE_CONFIG)
			break;
	}
	if (rc == CMD_SUCCESS) {
		undo_commit(p);
		p->node = p->next_node;
		p->ended = p->next_ended;
		if (p->node == NODE_GATEWAY)
			memcpy(p->gw, p->next_name, sizeof(p->gw));
		else if (p->node == NODE_COMMUNITY)
			memcpy(p->comm, p->next_name, sizeof(p->comm));
		free(t);
		return CMD_SUCCESS;
	}
	undo_rollback(p);
	if (rc == RET_FALLBACK) {
		struct strbuf b = STRBUF_INIT;

		put_words(&b, t, 0);
		rc = fail(p, CMD_ERR_NO_MATCH, "unknown command \"%s\"",
			  strbuf_str(&b));
		strbuf_free(&b);
		where_node = p->node;
	}
error:
	where_of(p, where_node, &where);
	if (err) {
		strbuf_printf(err, "%s:%d: ", p->file, lineno);
		if (where.len)
			strbuf_printf(err, "%s: ", strbuf_str(&where));
		strbuf_puts(err, strbuf_str(&p->msg));
	}
	strbuf_free(&where);
	free(t);
	return rc;
}

/* ---- parser object --------------------------------------------------- */

struct conf_parser *conf_parser_new(const struct ly_ctx *ctx,
				    struct lyd_node **tree,
				    enum conf_parse_mode mode,
				    const char *file)
{
	struct conf_parser *p;

	if (!ctx || !tree)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->mod = ly_ctx_get_module_implemented(ctx, CONF_MODULE);
	p->file = strdup(file ? file : "-");
	if (!p->mod || !p->file) {
		free(p->file);
		free(p);
		return NULL;
	}
	/* Errors are read from ly_err_last(), not printed by libyang. */
	ly_log_options(LY_LOSTORE_LAST);
	p->ctx = ctx;
	p->tree = tree;
	if (*tree)
		*tree = lyd_first_sibling(*tree);
	p->mode = mode;
	p->node = NODE_CONFIG;
	return p;
}

void conf_parser_free(struct conf_parser *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_map; i++)
		free(p->map[i].path);
	free(p->map);
	free(p->undo);
	for (int i = 0; i <= NODE_IPSEC; i++) {
		cmd_table_free(p->grammar[i]);
		free(p->gdefs[i]);
	}
	for (size_t i = 0; i < p->n_gtext; i++)
		free(p->gtext[i]);
	free(p->gtext);
	strbuf_free(&p->msg);
	free(p->file);
	free(p);
}

static const char *const node_names[] = {
	[NODE_CONFIG] = "config",
	[NODE_MEP] = "config-mep",
	[NODE_GATEWAY] = "config-mep-gateway",
	[NODE_COMMUNITY] = "config-mep-community",
	[NODE_RIM] = "config-mep-rim",
	[NODE_IPSEC] = "config-mep-ipsec",
};

const char *conf_parser_node(const struct conf_parser *p)
{
	return node_names[p->node];
}

int conf_parser_ended(const struct conf_parser *p)
{
	return p->ended;
}

/* ---- validation ------------------------------------------------------ */

/* "gateway M1", "community C", "probe", "rim", "ipsec" or "mep" from a
 * data path. */
static void object_of(const char *path, struct strbuf *b)
{
	static const char *const lists[] = { "/gateway[name='",
					     "/community[name='" };
	const char *best = NULL;
	int which = 0;

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
	} else if (path && strstr(path, ":mep/probe")) {
		strbuf_puts(b, "probe");
	} else if (path && strstr(path, ":mep/rim")) {
		strbuf_puts(b, "rim");
	} else if (path && strstr(path, ":mep/ipsec")) {
		strbuf_puts(b, "ipsec");
	} else {
		strbuf_puts(b, "mep");
	}
}

/* Name of the last node of a data path, without predicates. */
static void leaf_of(const char *path, struct strbuf *b)
{
	size_t len = strlen(path), start = path_parent_len(path, len) + 1;
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
		return xstrdup(s);
	if (strncmp(s, "Data location ", 14) != 0)
		return NULL;
	a = strchr(s, '"');
	b = strrchr(s, '"');
	if (!a || b <= a + 1)
		return NULL;
	r = xrealloc(NULL, (size_t)(b - a));
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

		if (n->schema == s && !find_child(n, name, NULL))
			return n;
		r = lacking(lyd_child(n), s, name);
		if (r)
			return r;
	}
	return NULL;
}

/* libyang names only the schema node of a missing mandatory node: find
 * the data node that lacks it. Returns its data path (free it) or NULL. */
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
	len = path_parent_len(a, (size_t)(b - a));
	if (len == 0)
		return NULL;
	spath = xrealloc(NULL, len + 1);
	memcpy(spath, a, len);
	spath[len] = '\0';
	s = lys_find_path(ctx, NULL, spath, 0);
	free(spath);
	a = msg + strlen(m);
	b = strchr(a, '"');
	if (!s || !b)
		return NULL;
	*what = xrealloc(NULL, (size_t)(b - a) + 1);
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
		    !find_child(obj, implied_defaults[i].leaf, NULL))
			strbuf_puts(err, implied_defaults[i].note);
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
		if (path && strncmp(msg, "Invalid leafref value \"", 23) == 0) {
			const char *v = msg + 23, *q = strchr(v, '"');
			struct strbuf leaf = STRBUF_INIT;

			leaf_of(path, &leaf);
			strbuf_printf(err,
				      "%s %.*s: rule 8: no gateway %.*s is "
				      "configured",
				      strbuf_str(&leaf), q ? (int)(q - v) : 0,
				      v, q ? (int)(q - v) : 0, v);
			strbuf_free(&leaf);
		} else if (missing) {
			strbuf_printf(err, "%s is mandatory but missing",
				      missing);
		} else {
			strbuf_puts(err, msg);
			note_implied_default(*tree, path, msg, err);
		}
	}
	strbuf_free(&obj);
	free(path);
	free(missing);
	return -1;
}

static int parser_line_of(const void *arg, const char *path)
{
	return conf_parser_line_of(arg, path);
}

int conf_parser_validate(struct conf_parser *p, struct strbuf *err)
{
	ly_clear(p);
	return conf_validate_tree(p->ctx, p->tree, p->file, parser_line_of, p,
				  err);
}

int conf_parse_text(const struct ly_ctx *ctx, const char *text,
		    const char *file, struct lyd_node **tree,
		    struct conf_parser **parser_out, struct strbuf *err)
{
	struct conf_parser *p;
	char *buf = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;

	if (parser_out)
		*parser_out = NULL;
	*tree = NULL;
	p = conf_parser_new(ctx, tree, CONF_PARSE_FILE, file);
	if (!p) {
		if (err)
			strbuf_printf(err, "%s: cannot start the parser",
				      file ? file : "-");
		return -1;
	}
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);

		lineno++;
		if (len > CMD_MAX_LINE) {
			if (err)
				strbuf_printf(err,
					      "%s:%d: line longer than %d "
					      "characters",
					      p->file, lineno, CMD_MAX_LINE);
			rc = -1;
			break;
		}
		if (len + 1 > cap) {
			cap = len + 1;
			buf = xrealloc(buf, cap);
		}
		memcpy(buf, text, len);
		buf[len] = '\0';
		if (conf_parser_line(p, buf, lineno, err) != CMD_SUCCESS) {
			rc = -1;
			break;
		}
		text += len + (nl ? 1 : 0);
	}
	free(buf);
	if (rc == 0)
		rc = conf_parser_validate(p, err);
	if (rc < 0) {
		lyd_free_all(*tree);
		*tree = NULL;
		conf_parser_free(p);
		return -1;
	}
	if (parser_out)
		*parser_out = p;
	else
		conf_parser_free(p);
	return 0;
}

/* ---- completion grammar ---------------------------------------------- */

/* The commands of each node for `?`, TAB and `list` (cmd_table specs).
 * The parser above stays the judge of what a line means: this grammar
 * only describes it (mep probe options are listed in one order; the
 * parser takes them in any order). */

#define NAME_H "Name (1..63 characters of [A-Za-z0-9_.-])\n"

static const struct cmd_def common_grammar[] = {
	{ "end", "Commit the changes and leave configuration mode", NULL },
	{ "exit", "Leave this node (at the top: commit, as end)", NULL },
	{ "abort", "Discard the changes and leave configuration mode", NULL },
	{ "do COMMAND...", "Run an exec command\nThe exec command", NULL },
	{ "list", "List the commands of this node", NULL },
};

static const struct cmd_def config_grammar[] = {
	{ "mep", "Enter the mep block (MEP and RIM settings)", NULL },
	{ "no mep", "Negate a command\nDelete the whole mep block", NULL },
};

static const struct cmd_def mep_grammar[] = {
	{ "local-gateway NAME", "This machine's gateway\n" NAME_H, NULL },
	{ "gateway NAME", "Enter a gateway block (created if new)\n" NAME_H,
	  NULL },
	{ "community NAME",
	  "Enter a community block (created if new)\n" NAME_H, NULL },
	{ "probe [interval MS] [dead-count COUNT] [port PORT] [key KEY]",
	  "Liveness probes (options in any order)\n"
	  "Interval between probes\nMilliseconds\n"
	  "Unanswered probes before a gateway is down\nCount\n"
	  "UDP port of the probes\nPort number\n"
	  "Shared key of the probes\n8..128 printable characters", NULL },
	{ "load-distribution", "Share satellites among centers", NULL },
	{ "rim", "Enter the rim block (route injection)", NULL },
	{ "ipsec", "Enter the ipsec block (strongSwan link)", NULL },
	{ "no local-gateway [NAME]", "Negate a command\nThis machine's gateway\n"
	  NAME_H, NULL },
	{ "no gateway NAME", "Negate a command\nDelete a gateway\n" NAME_H,
	  NULL },
	{ "no community NAME", "Negate a command\nDelete a community\n" NAME_H,
	  NULL },
	{ "no probe [interval|dead-count|port|key]",
	  "Negate a command\nProbe settings (all, or one option)\n"
	  "Interval\nDead count\nPort\nKey", NULL },
	{ "no load-distribution|rim|ipsec",
	  "Negate a command\nLoad distribution\nThe rim block\n"
	  "The ipsec block", NULL },
};

#define PREFIX_H "IPv4 or IPv6 prefix\n"

static const struct cmd_def gateway_grammar[] = {
	{ "address A.B.C.D|X:X::X:X|HOSTNAME",
	  "Address of the gateway (IKE peer)\nAddress or DNS name", NULL },
	{ "vpn-domain A.B.C.D/M|X:X::X:X/M",
	  "Add a prefix of the gateway's VPN domain\n" PREFIX_H, NULL },
	{ "ip-pool A.B.C.D/M|X:X::X:X/M",
	  "Address pool of the gateway (IP pool NAT)\n" PREFIX_H, NULL },
	{ "ike-connection NAME",
	  "strongSwan connection name of the gateway\nConnection name", NULL },
	{ "backup-gateway NAME", "Add a backup gateway\n" NAME_H, NULL },
	{ "third-party", "The gateway is not a ripd-mep gateway", NULL },
	{ "no address|ip-pool|ike-connection [VALUE]",
	  "Negate a command\nAddress\nIP pool\nIKE connection\nIgnored",
	  NULL },
	{ "no third-party", "Negate a command\nThird party", NULL },
	{ "no vpn-domain [A.B.C.D/M|X:X::X:X/M]",
	  "Negate a command\nVPN domain (all, or one prefix)\n" PREFIX_H, NULL },
	{ "no backup-gateway [NAME]",
	  "Negate a command\nBackup gateway (all, or one)\n" NAME_H, NULL },
};

static const struct cmd_def community_grammar[] = {
	{ "type star|meshed", "Community type\nCenters and satellites\n"
	  "Every member with every member", NULL },
	{ "center NAME", "Add a center (star)\n" NAME_H, NULL },
	{ "satellite NAME", "Add a satellite (star)\n" NAME_H, NULL },
	{ "member NAME", "Add a member (meshed)\n" NAME_H, NULL },
	{ "permanent-tunnels", "Keep the community's tunnels up", NULL },
	{ "return-path rim|ip-pool-nat", "How replies find the entry point\n"
	  "Route injection\nIP pool NAT", NULL },
	{ "mep enable", "Multiple entry points\nEnable MEP", NULL },
	{ "mep entry-point first-to-respond|vpn-domain|random|priority-list",
	  "Multiple entry points\nHow the entry point is chosen\n"
	  "The first center to answer the probes\n"
	  "The center whose vpn-domain matches best\nRendezvous hashing\n"
	  "The mep priority rules", NULL },
	{ "mep tie-break first-to-respond|random",
	  "Multiple entry points\nHow equal candidates are ordered\n"
	  "The first to respond\nRendezvous hashing", NULL },
	{ "mep tracking log|none", "Multiple entry points\n"
	  "Entry point changes\nLog them\nDo not log them", NULL },
	{ "mep priority default primary CENTER...",
	  "Multiple entry points\nPriority rule\nThe default rule\n"
	  "First level\nCenters, then secondary NAME... tertiary NAME...",
	  NULL },
	{ "mep priority satellite SATELLITE...",
	  "Multiple entry points\nPriority rule\nThe rule of some satellites\n"
	  "Satellites, then primary NAME... [secondary NAME...] "
	  "[tertiary NAME...]", NULL },
	{ "no type|return-path [VALUE]",
	  "Negate a command\nCommunity type\nReturn path\nIgnored", NULL },
	{ "no permanent-tunnels", "Negate a command\nPermanent tunnels", NULL },
	{ "no center|satellite|member [NAME]",
	  "Negate a command\nCenters\nSatellites\nMembers\n"
	  "One of them (all without it)", NULL },
	{ "no mep enable|entry-point|tie-break|tracking [VALUE]",
	  "Negate a command\nMultiple entry points\nMEP\nEntry point method\n"
	  "Tie-break\nTracking\nIgnored", NULL },
	{ "no mep priority default",
	  "Negate a command\nMultiple entry points\nPriority rule\n"
	  "The default rule", NULL },
	{ "no mep priority satellite NAME",
	  "Negate a command\nMultiple entry points\nPriority rule\n"
	  "The rule naming a satellite\n" NAME_H, NULL },
};

static const char *keep_text(struct conf_parser *p, struct strbuf *b)
{
	char *s = xstrdup(strbuf_str(b));

	p->gtext = xrealloc(p->gtext, (p->n_gtext + 1) * sizeof(*p->gtext));
	p->gtext[p->n_gtext++] = s;
	strbuf_reset(b);
	return s;
}

/* The placeholder of a leaf block's argument and its help. */
static void leaf_placeholder(struct conf_parser *p, const char *block,
			     const struct block_leaf *l, struct strbuf *spec,
			     struct strbuf *help)
{
	const struct lysc_node *s;
	struct strbuf r = STRBUF_INIT;
	char path[128];

	switch (l->arg) {
	case ARG_KEYWORD:
		for (int i = 0; l->values[i]; i++) {
			strbuf_printf(spec, "%s%s", i ? "|" : "",
				      l->values[i]);
			strbuf_printf(help, "%s\n", l->values[i]);
		}
		return;
	case ARG_IFNAME:
		strbuf_puts(spec, "IFNAME");
		strbuf_puts(help, "Interface name\n");
		return;
	case ARG_ADDRESS:
		strbuf_puts(spec, "A.B.C.D|X:X::X:X");
		strbuf_puts(help, "IPv4 or IPv6 address\n");
		return;
	case ARG_PATH:
		strbuf_puts(spec, "PATH");
		strbuf_puts(help, "Absolute path\n");
		return;
	case ARG_NUMBER:
		break;
	}
	snprintf(path, sizeof(path), "/%s:mep/%s/%s", CONF_MODULE, block,
		 l->kw);
	s = lys_find_path(p->ctx, NULL, path, 0);
	if (s && (s->nodetype & LYS_LEAF)) {
		range_text(s, &r);
		strbuf_puts(spec, "(");
		for (const char *c = strbuf_str(&r); *c; c++) {
			if (*c == '.' && c[1] == '.') {
				strbuf_puts(spec, "-");
				c++;
			} else if (*c != ' ')
				strbuf_add(spec, c, 1);
		}
		strbuf_puts(spec, ")");
	} else {
		strbuf_puts(spec, "NUMBER");
	}
	strbuf_free(&r);
	strbuf_puts(help, "Number\n");
}

/* "KW ARG" and "no KW [ARG]" of every leaf of a leaf block. */
static int leaf_grammar(struct conf_parser *p, const char *block,
			const struct block_leaf *tab, struct cmd_def *defs)
{
	struct strbuf spec = STRBUF_INIT, help = STRBUF_INIT;
	struct strbuf ph = STRBUF_INIT, phelp = STRBUF_INIT;
	int n = 0;

	for (; tab->kw; tab++) {
		leaf_placeholder(p, block, tab, &ph, &phelp);
		strbuf_printf(&spec, "%s %s", tab->kw, strbuf_str(&ph));
		strbuf_printf(&help, "%s\n%s", tab->help, strbuf_str(&phelp));
		defs[n].spec = keep_text(p, &spec);
		defs[n++].help = keep_text(p, &help);
		strbuf_printf(&spec, "no %s [%s]", tab->kw, strbuf_str(&ph));
		strbuf_printf(&help, "Negate a command\n%s\n%s", tab->help,
			      strbuf_str(&phelp));
		defs[n].spec = keep_text(p, &spec);
		defs[n++].help = keep_text(p, &help);
		strbuf_reset(&ph);
		strbuf_reset(&phelp);
	}
	strbuf_free(&spec);
	strbuf_free(&help);
	strbuf_free(&ph);
	strbuf_free(&phelp);
	return n;
}

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static struct cmd_table *grammar_of(struct conf_parser *p, enum conf_node n)
{
	static const struct {
		const struct cmd_def *defs;
		int n;
	} fixed[] = {
		[NODE_CONFIG] = { config_grammar, COUNT(config_grammar) },
		[NODE_MEP] = { mep_grammar, COUNT(mep_grammar) },
		[NODE_GATEWAY] = { gateway_grammar, COUNT(gateway_grammar) },
		[NODE_COMMUNITY] = { community_grammar,
				     COUNT(community_grammar) },
		[NODE_RIM] = { NULL, 0 },
		[NODE_IPSEC] = { NULL, 0 },
	};
	struct strbuf err = STRBUF_INIT;
	struct cmd_def *defs;
	int k = 0;

	if (p->grammar[n])
		return p->grammar[n];
	defs = calloc(2 * LEAF_TABLE_MAX + COUNT(common_grammar) +
			      COUNT(community_grammar) + 1,
		      sizeof(*defs));
	if (!defs)
		abort();
	for (int i = 0; i < fixed[n].n; i++)
		defs[k++] = fixed[n].defs[i];
	if (n == NODE_RIM)
		k += leaf_grammar(p, "rim", rim_leaves, defs + k);
	else if (n == NODE_IPSEC)
		k += leaf_grammar(p, "ipsec", ipsec_leaves, defs + k);
	for (int i = 0; i < COUNT(common_grammar); i++)
		defs[k++] = common_grammar[i];
	p->gdefs[n] = defs;
	p->n_gdefs[n] = k;
	p->grammar[n] = cmd_table_new(defs, k, &err);
	if (!p->grammar[n]) {
		/* A bug in the tables above; the unit tests build them all. */
		fprintf(stderr, "conf_parse: grammar: %s\n", strbuf_str(&err));
		abort();
	}
	strbuf_free(&err);
	return p->grammar[n];
}

int conf_parser_complete(struct conf_parser *p, const char *line,
			 struct strbuf *out)
{
	int rc = CMD_ERR_NO_MATCH;

	/* As lines are, a line is tried in the enclosing nodes when the
	 * current one has nothing for it. */
	for (enum conf_node n = p->node;; n = node_parent(n)) {
		size_t len = out->len;

		rc = cmd_table_complete(grammar_of(p, n), line, out);
		if (rc == CMD_SUCCESS && out->len > len)
			return rc;
		if (n == NODE_CONFIG)
			break;
	}
	return rc == CMD_SUCCESS ? CMD_ERR_NO_MATCH : rc;
}

void conf_parser_list(struct conf_parser *p, struct strbuf *out)
{
	cmd_table_list(grammar_of(p, p->node), out);
}

void conf_parser_grammar_json(struct conf_parser *p, struct strbuf *out)
{
	strbuf_puts(out, "{");
	for (int n = NODE_CONFIG; n <= NODE_IPSEC; n++) {
		strbuf_printf(out, "%s\"%s\":", n ? "," : "", node_names[n]);
		cmd_table_json(grammar_of(p, (enum conf_node)n), out);
	}
	strbuf_puts(out, "}");
}
