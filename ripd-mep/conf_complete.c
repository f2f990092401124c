/* conf_complete: help and completion generated from the grammar's tables
 * (see conf_complete.h). */
#include "conf_complete.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_table.h"

/* The commands of every node, handled by the dispatcher or the shell. */
static const struct cmd_def common_defs[] = {
	{ "end", "Commit the changes and leave configuration mode", NULL },
	{ "exit", "Leave this node (at the top: commit, as end)", NULL },
	{ "abort", "Discard the changes and leave configuration mode", NULL },
	{ "do COMMAND...", "Run an exec command\nThe exec command", NULL },
	{ "list", "List the commands of this node", NULL },
};
#define N_COMMON ((int)(sizeof(common_defs) / sizeof(common_defs[0])))

/* Generated definitions and the strings they point to. */
struct defs {
	struct cmd_def *v;
	int n, cap;
	char **text;
	int n_text, cap_text;
};

struct conf_complete {
	const struct ly_ctx *ctx;
	struct defs defs[NODE_COUNT];
	struct cmd_table *table[NODE_COUNT];
};

static void defs_free(struct defs *d)
{
	for (int i = 0; i < d->n_text; i++)
		free(d->text[i]);
	free(d->text);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static const char *keep(struct defs *d, const struct strbuf *b)
{
	if (d->n_text == d->cap_text) {
		d->cap_text = d->cap_text ? 2 * d->cap_text : 32;
		d->text = conf_xrealloc(d->text,
					d->cap_text * sizeof(*d->text));
	}
	d->text[d->n_text] = conf_xstrdup(strbuf_str(b));
	return d->text[d->n_text++];
}

/* Add the command spec/help (copied). */
static void add(struct defs *d, const struct strbuf *spec,
		const struct strbuf *help)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 32;
		d->v = conf_xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	d->v[d->n].spec = keep(d, spec);
	d->v[d->n].help = keep(d, help);
	d->v[d->n].fn = NULL;
	d->n++;
}

static const char *data_of(const struct conf_cmd *cmd)
{
	return cmd->data ? cmd->data : cmd->kw;
}

/* The placeholder of cmd's argument; schema: path of its parent. */
static void placeholder(const struct conf_complete *c,
			const struct conf_cmd *cmd, const char *schema,
			struct strbuf *ph, struct strbuf *help)
{
	const struct lysc_node *s = NULL;
	char path[256];

	if (cmd->arg == ARG_NUMBER) {
		snprintf(path, sizeof(path), "%s/%s", schema, data_of(cmd));
		s = lys_find_path(c->ctx, NULL, path, 0);
	}
	conf_arg_placeholder(cmd->arg, s, cmd->values, cmd->value_help,
			     cmd->arg_help, ph, help);
}

/* "KW [OPT ARG]..." of an OPTIONS command: the options in typed (the
 * first ntyped of order) then in table order, optional from index req
 * on. */
static void options_spec(const struct conf_complete *c,
			 const struct conf_cmd *cmd, const char *schema,
			 const int *order, int n, int req,
			 struct strbuf *spec, struct strbuf *help)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", schema, data_of(cmd));
	strbuf_puts(spec, cmd->kw);
	strbuf_printf(help, "%s\n", cmd->help);
	for (int i = 0; i < n; i++) {
		const struct conf_cmd *o = &cmd->sub[order[i]];

		strbuf_printf(spec, " %s%s ", i >= req ? "[" : "", o->kw);
		strbuf_printf(help, "%s\n", o->help);
		placeholder(c, o, path, spec, help);
		if (i >= req)
			strbuf_puts(spec, "]");
	}
}

/* Add the command "[no ]PRE REST" with help "[Negate...\n]PREHELP
 * RESTHELP" (a trailing newline dropped). */
static void add_form(struct defs *d, bool no, const char *pre,
		     const char *rest, const char *prehelp,
		     const char *resthelp)
{
	struct strbuf spec = STRBUF_INIT, help = STRBUF_INIT;

	strbuf_printf(&spec, "%s%s%s", no ? "no " : "", pre, rest);
	strbuf_printf(&help, "%s%s%s", no ? "Negate a command\n" : "",
		      prehelp, resthelp);
	if (help.len && strbuf_str(&help)[help.len - 1] == '\n') {
		struct strbuf cut = STRBUF_INIT;

		strbuf_add(&cut, strbuf_str(&help), help.len - 1);
		strbuf_free(&help);
		help = cut;
	}
	add(d, &spec, &help);
	strbuf_free(&spec);
	strbuf_free(&help);
}

/* The commands of cmd (no: its no form) after the words prefix (with
 * their help lines prefix_help); schema: the schema path of the block. */
static void forms(struct conf_complete *c, struct defs *d,
		  const struct conf_cmd *cmd, bool no, const char *prefix,
		  const char *prefix_help, const char *schema)
{
	struct strbuf pre = STRBUF_INIT, prehelp = STRBUF_INIT;
	struct strbuf rest = STRBUF_INIT, resthelp = STRBUF_INIT;
	struct strbuf ph = STRBUF_INIT, phelp = STRBUF_INIT;

	strbuf_printf(&pre, "%s%s", prefix, cmd->kw);
	strbuf_printf(&prehelp, "%s%s\n", prefix_help,
		      no && cmd->no_help ? cmd->no_help : cmd->help);
	switch (cmd->kind) {
	case KIND_LEAF:
	case KIND_LEAFLIST:
	case KIND_ENTRY:
		placeholder(c, cmd, schema, &ph, &phelp);
		if (no && cmd->kind != KIND_ENTRY)
			strbuf_printf(&rest, " [%s]", strbuf_str(&ph));
		else
			strbuf_printf(&rest, " %s", strbuf_str(&ph));
		strbuf_puts(&resthelp, strbuf_str(&phelp));
		break;
	case KIND_FLAG:
	case KIND_BLOCK:
		break;
	case KIND_OPTIONS:
		if (no) {
			strbuf_puts(&rest, " [");
			for (int i = 0; cmd->sub[i].kw; i++) {
				strbuf_printf(&rest, "%s%s", i ? "|" : "",
					      cmd->sub[i].kw);
				strbuf_printf(&resthelp, "%s\n",
					      cmd->sub[i].help);
			}
			strbuf_puts(&rest, "]");
		} else {
			int order[CONF_CMDS_MAX], n = 0;

			while (cmd->sub[n].kw && n < CONF_CMDS_MAX) {
				order[n] = n;
				n++;
			}
			strbuf_reset(&pre);
			strbuf_reset(&prehelp);
			strbuf_puts(&pre, prefix);
			strbuf_puts(&prehelp, prefix_help);
			options_spec(c, cmd, schema, order, n, 0, &pre,
				     &prehelp);
		}
		break;
	case KIND_GROUP:
		strbuf_puts(&pre, " ");
		for (int i = 0; cmd->sub[i].kw; i++)
			forms(c, d, &cmd->sub[i], no, strbuf_str(&pre),
			      strbuf_str(&prehelp), schema);
		goto out;
	case KIND_CUSTOM:
		for (const char *const *s = no ? cmd->no_specs : cmd->specs;
		     s && *s; s += 2) {
			strbuf_reset(&rest);
			strbuf_printf(&rest, " %s", s[0]);
			add_form(d, no, strbuf_str(&pre), strbuf_str(&rest),
				 strbuf_str(&prehelp), s[1]);
		}
		goto out;
	}
	add_form(d, no, strbuf_str(&pre), strbuf_str(&rest),
		 strbuf_str(&prehelp), strbuf_str(&resthelp));
out:
	strbuf_free(&pre);
	strbuf_free(&prehelp);
	strbuf_free(&rest);
	strbuf_free(&resthelp);
	strbuf_free(&ph);
	strbuf_free(&phelp);
}

static struct cmd_table *table_new(const struct cmd_def *defs, int n)
{
	struct strbuf err = STRBUF_INIT;
	struct cmd_table *t = cmd_table_new(defs, n, &err);

	if (!t) {
		/* A bug in the grammar's tables; the unit tests build them
		 * all. */
		fprintf(stderr, "conf_complete: grammar: %s\n",
			strbuf_str(&err));
		abort();
	}
	strbuf_free(&err);
	return t;
}

/* The table of node n: its commands, their no forms, the common ones. */
static struct cmd_table *table_of(struct conf_complete *c, enum conf_node n)
{
	const struct conf_node_def *nd = &conf_nodes[n];
	struct defs *d = &c->defs[n];

	if (c->table[n])
		return c->table[n];
	for (int no = 0; no < 2; no++)
		for (const struct conf_cmd *cmd = nd->cmds; cmd->kw; cmd++)
			forms(c, d, cmd, no, "", "", nd->schema);
	for (int i = 0; i < N_COMMON; i++) {
		if (d->n == d->cap) {
			d->cap = d->cap ? 2 * d->cap : 32;
			d->v = conf_xrealloc(d->v, d->cap * sizeof(*d->v));
		}
		d->v[d->n++] = common_defs[i];
	}
	c->table[n] = table_new(d->v, d->n);
	return c->table[n];
}

/* When line runs an OPTIONS command of node n (its keyword complete):
 * a table for it with the options typed so far in their order, then the
 * others optional (none typed: one command per option, so that <cr>
 * comes only after one). NULL otherwise. */
static struct cmd_table *options_table(struct conf_complete *c,
				       enum conf_node n, const char *line,
				       struct defs *d)
{
	const struct conf_node_def *nd = &conf_nodes[n];
	const char *kw[CONF_CMDS_MAX + 2], *okw[CONF_CMDS_MAX + 2];
	const struct conf_cmd *cmd;
	struct cmd_tokens *t;
	struct cmd_table *table = NULL;
	struct strbuf spec = STRBUF_INIT, help = STRBUF_INIT;
	int order[CONF_CMDS_MAX], typed = 0, full, k, nopt;
	bool used[CONF_CMDS_MAX] = { false };
	size_t len = strlen(line);
	const char *why;

	t = cmd_tokenize(line, &why);
	if (!t)
		return NULL;
	full = len && (line[len - 1] == ' ' || line[len - 1] == '\t')
		       ? t->n
		       : t->n - 1;
	conf_grammar_keywords(nd->cmds, kw, "no");
	k = full >= 1 ? cmd_keyword(t->v[0], kw) : -1;
	if (k < 0 || !nd->cmds[k].kw || nd->cmds[k].kind != KIND_OPTIONS)
		goto out;
	cmd = &nd->cmds[k];
	nopt = conf_grammar_keywords(cmd->sub, okw, NULL);
	for (int i = 1; i < full; i += 2) {
		int o = cmd_keyword(t->v[i], okw);

		if (o < 0 || used[o])
			goto out;	/* the parser will say why */
		used[o] = true;
		order[typed++] = o;
	}
	for (int first = 0; first < nopt; first++) {
		int m = typed;

		if (typed == 0) {
			/* one command per option given first */
			order[m++] = first;
		} else if (first > 0) {
			break;
		}
		for (int o = 0; o < nopt; o++)
			if (!used[o] && (typed > 0 || o != first))
				order[m++] = o;
		strbuf_reset(&spec);
		strbuf_reset(&help);
		options_spec(c, cmd, nd->schema, order, m,
			     typed ? typed : 1, &spec, &help);
		add_form(d, false, "", strbuf_str(&spec), "",
			 strbuf_str(&help));
	}
	table = table_new(d->v, d->n);
out:
	strbuf_free(&spec);
	strbuf_free(&help);
	free(t);
	return table;
}

int conf_complete_line(struct conf_complete *c, enum conf_node n,
		       const char *line, struct strbuf *out)
{
	int rc = CMD_ERR_NO_MATCH;

	for (;; n = conf_nodes[n].parent) {
		struct defs opt = { 0 };
		struct cmd_table *t = options_table(c, n, line, &opt);
		size_t len = out->len;

		rc = cmd_table_complete(t ? t : table_of(c, n), line, out);
		cmd_table_free(t);
		defs_free(&opt);
		if (rc == CMD_SUCCESS && out->len > len)
			return rc;
		if (n == NODE_CONFIG)
			break;
	}
	return rc == CMD_SUCCESS ? CMD_ERR_NO_MATCH : rc;
}

void conf_complete_list(struct conf_complete *c, enum conf_node n,
			struct strbuf *out)
{
	cmd_table_list(table_of(c, n), out);
}

void conf_complete_json(struct conf_complete *c, struct strbuf *out)
{
	strbuf_puts(out, "{");
	for (int n = NODE_CONFIG; n < NODE_COUNT; n++) {
		strbuf_printf(out, "%s\"%s\":", n ? "," : "",
			      conf_nodes[n].name);
		cmd_table_json(table_of(c, (enum conf_node)n), out);
	}
	strbuf_puts(out, "}");
}

struct conf_complete *conf_complete_new(const struct ly_ctx *ctx)
{
	struct conf_complete *c = calloc(1, sizeof(*c));

	if (c)
		c->ctx = ctx;
	return c;
}

void conf_complete_free(struct conf_complete *c)
{
	if (!c)
		return;
	for (int n = 0; n < NODE_COUNT; n++) {
		cmd_table_free(c->table[n]);
		defs_free(&c->defs[n]);
	}
	free(c);
}
