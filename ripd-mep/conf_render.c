/* conf_render: the libyang configuration tree -> canonical FRR-style text
 * (show running-config, write memory); the inverse of conf_parse.
 *
 * Canonical layout:
 *   - only nodes present in the tree and not implicit defaults
 *     (LYD_DEFAULT) are printed; an explicit value equal to the default
 *     is printed;
 *   - statements in the order of the YANG model, leaf-list values in
 *     their (user) order;
 *   - one space of indentation per level: "mep" at column 0, its
 *     statements at 1, block contents at 2;
 *   - every block (mep, gateway, community, rim, ipsec, steering) ends with "exit"
 *     at the block's own indentation, followed by a "!" line at the same
 *     indentation; single-line statements of mep (local-gateway, probe,
 *     load-distribution) have no "!"; the ipsec and steering blocks (not
 *     presence containers) are printed only when a setting is explicit;
 *   - probe options on one line in the order interval, dead-count,
 *     up-count, port, key; a probe with no explicit option is not
 *     printed;
 *   - mep priority rules as "mep priority default LEVELS" and
 *     "mep priority satellite S... LEVELS", LEVELS being
 *     "primary N... [secondary N...] [tertiary N...]"; rule ids are not
 *     printed;
 *   - an empty tree (no mep container) renders as "" (nothing).
 * Example:
 *   mep
 *    local-gateway M1
 *    gateway M1
 *     address 192.0.2.1
 *    exit
 *    !
 *    probe interval 500 dead-count 3
 *   exit
 *   !
 */
#include "conf_render.h"

#include <stdbool.h>
#include <string.h>

static bool explicit_node(const struct lyd_node *n)
{
	return n->schema && !(n->flags & LYD_DEFAULT);
}

static bool is_empty_type(const struct lysc_node *s)
{
	return (s->nodetype & (LYS_LEAF | LYS_LEAFLIST)) &&
	       ((const struct lysc_node_leaf *)s)->type->basetype ==
		       LY_TYPE_EMPTY;
}

/* Text keyword of a leaf of a community (mep-enable -> "mep enable"). */
static const char *keyword_of(const struct lysc_node *s)
{
	static const char *const map[][2] = {
		{ "mep-enable", "mep enable" },
		{ "entry-point", "mep entry-point" },
		{ "tie-break", "mep tie-break" },
		{ "tracking", "mep tracking" },
	};
	const struct lysc_node *parent = s->parent;

	if (parent && strcmp(parent->name, "community") == 0)
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strcmp(s->name, map[i][0]) == 0)
				return map[i][1];
	return s->name;
}

static void put_indent(struct strbuf *out, int depth)
{
	for (int i = 0; i < depth; i++)
		strbuf_puts(out, " ");
}

/* "primary A B secondary C ..." of a priority rule or the default rule. */
static void render_levels(const struct lyd_node *rule, struct strbuf *out)
{
	static const char *const levels[] = { "primary", "secondary",
					      "tertiary" };

	for (int l = 0; l < 3; l++) {
		bool first = true;

		for (const struct lyd_node *n = lyd_child(rule); n;
		     n = n->next) {
			if (!explicit_node(n) ||
			    strcmp(n->schema->name, levels[l]) != 0)
				continue;
			if (first)
				strbuf_printf(out, " %s", levels[l]);
			first = false;
			strbuf_printf(out, " %s", lyd_get_value(n));
		}
	}
}

static void render_priority(const struct lyd_node *n, int depth,
			    struct strbuf *out)
{
	put_indent(out, depth);
	if (strcmp(n->schema->name, "priority-default") == 0) {
		strbuf_puts(out, "mep priority default");
	} else {
		strbuf_puts(out, "mep priority satellite");
		for (const struct lyd_node *c = lyd_child(n); c; c = c->next)
			if (explicit_node(c) &&
			    strcmp(c->schema->name, "satellite") == 0)
				strbuf_printf(out, " %s", lyd_get_value(c));
	}
	render_levels(n, out);
	strbuf_puts(out, "\n");
}

static void render_probe(const struct lyd_node *probe, int depth,
			 struct strbuf *out)
{
	static const char *const opts[] = { "interval", "dead-count",
					    "up-count", "port", "key" };
	struct strbuf line = STRBUF_INIT;

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		for (const struct lyd_node *n = lyd_child(probe); n;
		     n = n->next)
			if (explicit_node(n) &&
			    strcmp(n->schema->name, opts[i]) == 0)
				strbuf_printf(&line, " %s %s", opts[i],
					      lyd_get_value(n));
	if (line.len) {
		put_indent(out, depth);
		strbuf_printf(out, "probe%s\n", strbuf_str(&line));
	}
	strbuf_free(&line);
}

static void render_block(const struct lyd_node *block, int depth,
			 struct strbuf *out);

/* Statements inside a block, in schema order. */
static void render_children(const struct lyd_node *block, int depth,
			    struct strbuf *out)
{
	const struct lysc_node *s = NULL;

	while ((s = lys_getnext(s, block->schema, NULL, 0))) {
		for (const struct lyd_node *n = lyd_child(block); n;
		     n = n->next) {
			if (n->schema != s || !explicit_node(n))
				continue;
			if (lysc_is_key(s))
				continue;
			if (s->nodetype & (LYS_LEAF | LYS_LEAFLIST)) {
				put_indent(out, depth);
				strbuf_puts(out, keyword_of(s));
				if (!is_empty_type(s))
					strbuf_printf(out, " %s",
						      lyd_get_value(n));
				strbuf_puts(out, "\n");
			} else if (strcmp(s->name, "probe") == 0) {
				render_probe(n, depth, out);
			} else if (strcmp(s->name, "priority-default") == 0 ||
				   strcmp(s->name, "priority-rule") == 0) {
				render_priority(n, depth, out);
			} else {
				render_block(n, depth, out);
			}
		}
	}
}

/* "gateway M1" ... "exit" "!" (mep's own "!" is at column 0). */
static void render_block(const struct lyd_node *block, int depth,
			 struct strbuf *out)
{
	put_indent(out, depth);
	strbuf_puts(out, block->schema->name);
	if (block->schema->nodetype == LYS_LIST)
		strbuf_printf(out, " %s", lyd_get_value(lyd_child(block)));
	strbuf_puts(out, "\n");
	render_children(block, depth + 1, out);
	put_indent(out, depth);
	strbuf_puts(out, "exit\n");
	put_indent(out, depth);
	strbuf_puts(out, "!\n");
}

void conf_render(const struct lyd_node *tree, struct strbuf *out)
{
	const struct lyd_node *n = tree ? lyd_first_sibling(tree) : NULL;

	for (; n; n = n->next)
		if (n->schema &&
		    strcmp(n->schema->module->name, "ripd-mep") == 0 &&
		    strcmp(n->schema->name, "mep") == 0)
			render_block(n, 0, out);
}
