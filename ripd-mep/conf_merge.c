/* conf_merge: three-way merge of a configuration session onto the running
 * tree, and the commit history that names who changed what. */
#include "conf_merge.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- history ---------------------------------------------------------- */

void conf_history_init(struct conf_history *h)
{
	memset(h, 0, sizeof(*h));
}

static void commit_clear(struct conf_commit *c)
{
	conf_paths_free(c->paths, c->n_paths);
	memset(c, 0, sizeof(*c));
}

void conf_history_free(struct conf_history *h)
{
	for (size_t i = 0; i < CONF_HISTORY_MAX; i++)
		commit_clear(&h->rec[i]);
	conf_history_init(h);
}

int conf_history_record(struct conf_history *h, const struct lyd_node *old,
			const struct lyd_node *new_tree, const char *source,
			time_t when)
{
	struct conf_commit *c;
	int rc;

	h->gen++;
	c = &h->rec[h->gen % CONF_HISTORY_MAX];
	commit_clear(c);
	c->gen = h->gen;
	c->when = when;
	snprintf(c->source, sizeof(c->source), "%s", source ? source : "?");
	rc = conf_diff_paths(old, new_tree, &c->paths, &c->n_paths);
	c->unknown = rc < 0;
	if (h->n < CONF_HISTORY_MAX)
		h->n++;
	return rc;
}

void conf_history_since(const struct conf_history *h, uint64_t since,
			void (*cb)(void *arg, const struct conf_commit *c),
			void *arg)
{
	for (uint64_t g = since + 1; g <= h->gen; g++) {
		const struct conf_commit *c = &h->rec[g % CONF_HISTORY_MAX];

		if (c->gen == g)
			cb(arg, c);
	}
}

/* Is every commit after since still in the ring, with its paths? */
static bool history_covers(const struct conf_history *h, uint64_t since)
{
	if (h->gen - since > h->n)
		return false;
	for (uint64_t g = since + 1; g <= h->gen; g++)
		if (h->rec[g % CONF_HISTORY_MAX].unknown)
			return false;
	return true;
}

/* ---- diffs ------------------------------------------------------------ */

/* The operation of a diff node ("create", "delete", "replace", "none"). */
static const char *diff_op(const struct lyd_node *n)
{
	const struct lyd_meta *m = lyd_find_meta(n->meta, NULL,
						 "yang:operation");

	return m ? lyd_get_meta_value(m) : NULL;
}

/* Call cb for each outermost changed node of a diff. */
static int diff_walk(struct lyd_node *first,
		     int (*cb)(void *arg, struct lyd_node *n), void *arg)
{
	for (struct lyd_node *n = first, *next; n; n = next) {
		const char *op = diff_op(n);
		int rc;

		next = n->next;
		if (op && strcmp(op, "none") != 0)
			rc = cb(arg, n);
		else
			rc = diff_walk(lyd_child(n), cb, arg);
		if (rc)
			return rc;
	}
	return 0;
}

struct path_list {
	char **v;
	size_t n, cap;
};

static int path_list_add(struct path_list *l, char *path)
{
	if (!path)
		return -1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			free(path);
			return -1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = path;
	return 0;
}

static int collect_path(void *arg, struct lyd_node *n)
{
	return path_list_add(arg, lyd_path(n, LYD_PATH_STD, NULL, 0));
}

static int diff_trees(const struct lyd_node *a, const struct lyd_node *b,
		      struct lyd_node **diff)
{
	*diff = NULL;
	if (!a && !b)
		return 0;
	return lyd_diff_siblings(a ? lyd_first_sibling(a) : NULL,
				 b ? lyd_first_sibling(b) : NULL, 0,
				 diff) == LY_SUCCESS
		       ? 0
		       : -1;
}

int conf_diff_paths(const struct lyd_node *a, const struct lyd_node *b,
		    char ***paths, size_t *n)
{
	struct path_list l = { 0 };
	struct lyd_node *diff;
	int rc;

	*paths = NULL;
	*n = 0;
	if (diff_trees(a, b, &diff) < 0)
		return -1;
	rc = diff_walk(diff, collect_path, &l);
	lyd_free_all(diff);
	if (rc) {
		conf_paths_free(l.v, l.n);
		return -1;
	}
	*paths = l.v;
	*n = l.n;
	return 0;
}

void conf_paths_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

/* ---- words ------------------------------------------------------------ */

/* Schema names whose configuration keyword differs. */
static const struct {
	const char *node, *words;
} path_keywords[] = {
	{ "mep-enable", "mep enable" },
	{ "entry-point", "mep entry-point" },
	{ "tie-break", "mep tie-break" },
	{ "tracking", "mep tracking" },
	{ "priority-default", "mep priority default" },
	{ "priority-rule", "mep priority satellite rule" },
};

static void put_name(struct strbuf *out, const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(path_keywords) / sizeof(path_keywords[0]);
	     i++)
		if (strlen(path_keywords[i].node) == len &&
		    strncmp(path_keywords[i].node, name, len) == 0) {
			strbuf_puts(out, path_keywords[i].words);
			return;
		}
	strbuf_add(out, name, len);
}

/* One path segment "name[k='v']...": its name without a module prefix
 * and the values of its predicates. Returns the end of the segment. */
static const char *put_segment(const char *s, struct strbuf *out)
{
	const char *name = s, *colon = NULL;
	char quote = 0;

	while (*s && *s != '/' && *s != '[') {
		if (*s == ':')
			colon = s;
		s++;
	}
	if (colon)
		name = colon + 1;
	put_name(out, name, (size_t)(s - name));
	while (*s == '[') {
		const char *v = NULL;

		for (s++; *s && (quote || *s != ']'); s++) {
			if (quote && *s == quote) {
				strbuf_add(out, v, (size_t)(s - v));
				quote = 0;
			} else if (!quote && (*s == '\'' || *s == '"')) {
				quote = *s;
				v = s + 1;
				strbuf_puts(out, " ");
			}
		}
		if (*s == ']')
			s++;
	}
	return s;
}

void conf_path_words(const char *path, struct strbuf *out)
{
	struct strbuf w = STRBUF_INIT;
	const char *s = path;
	int seg = 0;

	/* the first segment is the mep container itself */
	if (s && *s == '/')
		for (s++; *s && *s != '/' && *s != '['; s++)
			;
	while (s && *s == '/') {
		s++;
		if (seg == 1)
			strbuf_puts(&w, ": ");
		else if (seg > 1)
			strbuf_puts(&w, " ");
		s = put_segment(s, &w);
		seg++;
	}
	if (seg == 0)
		strbuf_puts(out, "mep");
	else if (seg == 1 && !strchr(path, '['))
		strbuf_printf(out, "mep: %s", strbuf_str(&w)); /* mep's leaf */
	else
		strbuf_puts(out, strbuf_str(&w));
	strbuf_free(&w);
}

/* ---- changes ---------------------------------------------------------- */

struct changes {
	struct strbuf *out;
	int lines;
};

/* "+ words value" for each terminal node of a created subtree (keys are
 * in the words already). */
static void put_created(struct changes *c, const struct lyd_node *n)
{
	bool any = false;

	for (const struct lyd_node *k = lyd_child_no_keys(n); k; k = k->next) {
		put_created(c, k);
		any = true;
	}
	if (!any && !(n->schema->nodetype & LYD_NODE_TERM)) {
		char *path = lyd_path(n, LYD_PATH_STD, NULL, 0);

		strbuf_puts(c->out, "+ ");
		conf_path_words(path, c->out);
		strbuf_puts(c->out, "\n");
		c->lines++;
		free(path);
		return;
	}
	if (n->schema->nodetype & LYD_NODE_TERM) {
		char *path = lyd_path(n, LYD_PATH_STD, NULL, 0);

		strbuf_puts(c->out, "+ ");
		conf_path_words(path, c->out);
		if (n->schema->nodetype == LYS_LEAF &&
		    !(n->schema->flags & LYS_KEY) && *lyd_get_value(n))
			strbuf_printf(c->out, " %s", lyd_get_value(n));
		strbuf_puts(c->out, "\n");
		c->lines++;
		free(path);
	}
}

static int put_change(void *arg, struct lyd_node *n)
{
	struct changes *c = arg;
	const char *op = diff_op(n);
	char *path = lyd_path(n, LYD_PATH_STD, NULL, 0);

	if (!path)
		return -1;
	if (strcmp(op, "create") == 0) {
		put_created(c, n);
	} else if (strcmp(op, "delete") == 0) {
		strbuf_puts(c->out, "- ");
		conf_path_words(path, c->out);
		strbuf_puts(c->out, "\n");
		c->lines++;
	} else {
		const struct lyd_meta *orig =
			lyd_find_meta(n->meta, NULL, "yang:orig-value");

		strbuf_puts(c->out, "~ ");
		conf_path_words(path, c->out);
		if (n->schema->nodetype == LYS_LEAF && orig)
			strbuf_printf(c->out, " %s -> %s",
				      lyd_get_meta_value(orig),
				      lyd_get_value(n));
		else if (n->schema->nodetype == LYS_LEAF)
			strbuf_printf(c->out, " %s", lyd_get_value(n));
		else
			strbuf_puts(c->out, " (moved)");
		strbuf_puts(c->out, "\n");
		c->lines++;
	}
	free(path);
	return 0;
}

int conf_changes(const struct lyd_node *base, const struct lyd_node *mine,
		 struct strbuf *out)
{
	struct changes c = { .out = out };
	struct lyd_node *diff;
	int rc;

	if (diff_trees(base, mine, &diff) < 0)
		return -1;
	rc = diff_walk(diff, put_change, &c);
	lyd_free_all(diff);
	return rc ? -1 : c.lines;
}

/* ---- merge ------------------------------------------------------------ */

/* a contains b (or is b): b starts with a, then ends or goes on at '/'. */
static bool path_contains(const char *a, const char *b)
{
	size_t la = strlen(a);

	return strncmp(a, b, la) == 0 && (b[la] == '\0' || b[la] == '/');
}

static bool paths_related(const char *a, const char *b)
{
	return path_contains(a, b) || path_contains(b, a);
}

static const struct lyd_node *find(const struct lyd_node *tree,
				   const char *path)
{
	struct lyd_node *n = NULL;

	if (!tree || lyd_find_path(tree, path, 0, &n) != LY_SUCCESS)
		return NULL;
	return n;
}

/* Do the two trees hold the same thing at path (both nothing counts)? */
static bool same_at(const struct lyd_node *a, const struct lyd_node *b,
		    const char *path)
{
	const struct lyd_node *x = find(a, path), *y = find(b, path);

	if (!x || !y)
		return !x && !y;
	return lyd_compare_single(x, y, LYD_COMPARE_FULL_RECURSION) ==
	       LY_SUCCESS;
}

struct merge {
	const struct conf_history *h;
	uint64_t base_gen;
	const struct lyd_node *mine, *running;
	/* other commits' paths when the history does not reach back */
	char **others;
	size_t n_others;
	/* my changed diff nodes that end where running already is */
	struct lyd_node **drop;
	size_t n_drop, cap_drop;
	struct strbuf *err;
	int conflicts;
	int failed;
};

struct conflict_scan {
	const char *mine;		/* my changed path */
	const char *other;		/* first related path found */
	const struct conf_commit *by;	/* its commit (NULL: unknown) */
};

static void scan_commit(void *arg, const struct conf_commit *c)
{
	struct conflict_scan *cs = arg;

	for (size_t i = 0; i < c->n_paths; i++)
		if (paths_related(cs->mine, c->paths[i])) {
			/* the latest commit names the change */
			cs->other = c->paths[i];
			cs->by = c;
		}
}

static void describe_conflict(struct merge *m, const struct conflict_scan *cs)
{
	struct strbuf mine = STRBUF_INIT, other = STRBUF_INIT;
	char when[16] = "";

	conf_path_words(cs->mine, &mine);
	conf_path_words(cs->other, &other);
	if (cs->by) {
		struct tm tm;

		localtime_r(&cs->by->when, &tm);
		strftime(when, sizeof(when), " at %H:%M:%S", &tm);
	}
	if (m->conflicts++)
		strbuf_puts(m->err, "\n");
	if (strcmp(cs->mine, cs->other) == 0)
		strbuf_printf(m->err, "conflict: %s was changed by",
			      strbuf_str(&mine));
	else
		strbuf_printf(m->err,
			      "conflict: your change to %s meets %s, changed "
			      "by",
			      strbuf_str(&mine), strbuf_str(&other));
	strbuf_printf(m->err,
		      " %s%s since this session entered configuration mode",
		      cs->by ? cs->by->source : "another commit", when);
	strbuf_free(&mine);
	strbuf_free(&other);
}

static int check_change(void *arg, struct lyd_node *n)
{
	struct merge *m = arg;
	struct conflict_scan cs = { 0 };
	char *path = lyd_path(n, LYD_PATH_STD, NULL, 0);

	if (!path) {
		m->failed = 1;
		return 1;
	}
	cs.mine = path;
	if (m->others) {
		for (size_t i = 0; i < m->n_others && !cs.other; i++)
			if (paths_related(path, m->others[i]))
				cs.other = m->others[i];
	} else {
		conf_history_since(m->h, m->base_gen, scan_commit, &cs);
	}
	if (cs.other) {
		if (same_at(m->mine, m->running, path) &&
		    same_at(m->mine, m->running, cs.other)) {
			/* both ended in the same place: nothing to merge */
			if (m->n_drop == m->cap_drop) {
				size_t cap = m->cap_drop ? 2 * m->cap_drop : 8;
				struct lyd_node **v = realloc(
					m->drop, cap * sizeof(*v));

				if (!v) {
					free(path);
					m->failed = 1;
					return 1;
				}
				m->drop = v;
				m->cap_drop = cap;
			}
			m->drop[m->n_drop++] = n;
		} else {
			describe_conflict(m, &cs);
		}
	}
	free(path);
	return 0;
}

/* Remove a changed node from the diff, and the "none" ancestors it
 * leaves without children (libyang refuses those). */
static void diff_drop(struct lyd_node **diff, struct lyd_node *n)
{
	while (n) {
		struct lyd_node *parent = lyd_parent(n);

		if (n == *diff)
			*diff = n->next;
		lyd_free_tree(n);
		if (!parent || lyd_child_no_keys(parent))
			break;
		n = parent;
	}
}

static int dup_tree(const struct lyd_node *t, struct lyd_node **out)
{
	*out = NULL;
	if (!t)
		return 0;
	return lyd_dup_siblings(lyd_first_sibling(t), NULL, LYD_DUP_RECURSIVE,
				out) == LY_SUCCESS
		       ? 0
		       : -1;
}

int conf_merge(const struct conf_history *h, uint64_t base_gen,
	       const struct lyd_node *base, const struct lyd_node *mine,
	       const struct lyd_node *running, struct lyd_node **merged,
	       struct strbuf *err)
{
	struct merge m = { .h = h, .base_gen = base_gen, .mine = mine,
			   .running = running, .err = err };
	struct lyd_node *diff = NULL;
	int rc = -1;

	*merged = NULL;
	if (diff_trees(base, mine, &diff) < 0) {
		strbuf_puts(err, "cannot compare the candidate with its base");
		return -1;
	}
	if (h->gen != base_gen && diff) {
		if (!history_covers(h, base_gen) &&
		    conf_diff_paths(base, running, &m.others, &m.n_others) <
			    0) {
			strbuf_puts(err, "cannot compare the running "
					 "configuration with the session's "
					 "base");
			goto out;
		}
		diff_walk(diff, check_change, &m);
		if (m.failed) {
			strbuf_puts(err, "out of memory");
			goto out;
		}
		if (m.conflicts) {
			rc = 1;
			goto out;
		}
		for (size_t i = 0; i < m.n_drop; i++)
			diff_drop(&diff, m.drop[i]);
	}
	if (dup_tree(running, merged) < 0) {
		strbuf_puts(err, "out of memory");
		goto out;
	}
	if (diff && lyd_diff_apply_all(merged, diff) != LY_SUCCESS) {
		const struct ly_err_item *e =
			ly_err_last(LYD_CTX(diff));

		strbuf_printf(err,
			      "your changes cannot be merged onto the running "
			      "configuration: %s",
			      e && e->msg ? e->msg : "libyang error");
		lyd_free_all(*merged);
		*merged = NULL;
		goto out;
	}
	rc = 0;
out:
	lyd_free_all(diff);
	conf_paths_free(m.others, m.n_others);
	free(m.drop);
	return rc;
}
