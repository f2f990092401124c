/* conf_parse: the parser object and dispatch, from a line of
 * configuration text to the grammar's command that runs it.
 *
 * The parts (each with its contract in its header):
 *   conf_grammar   what each node accepts: one table of commands per
 *                  node, and what each kind of command does;
 *   conf_priority  the mep priority rules (a command of its own);
 *   conf_args      the kinds of argument: checks, placeholders;
 *   conf_edit      the line's transaction (all or nothing), its message,
 *                  the data path -> line map;
 *   conf_validate  whole-tree validation, errors in the configuration's
 *                  words;
 *   conf_complete  help, list and completion from the same tables;
 *   conf_tree      lookups in the data tree.
 *
 * Dispatch: a line is tokenized (cmd.h); its first keyword is looked up
 * in the current node's table (with no, exit and end: ambiguity is judged
 * over the node's whole vocabulary, as FRR does); `no KW` looks KW up in
 * the same table and runs the command's no form. A line that is not a
 * command of the node (unknown keyword, wrong number of words) is tried
 * in the enclosing nodes. The node's block is found (or created, ipsec)
 * once the command is known. On success the transaction commits and the
 * node changes as the command said; otherwise it rolls back and the
 * message gets "FILE:LINE: WHERE: " in front, WHERE being the node that
 * judged the line. */
#include "conf_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conf_complete.h"
#include "conf_edit.h"
#include "conf_grammar.h"
#include "conf_tree.h"

#define CONF_MODULE "ripd-mep"

struct conf_parser {
	struct conf_edit e;
	char *file;

	enum conf_node node;
	char name[CONF_NAME_MAX + 1];	/* of the gateway/community node */
	bool ended;

	/* State of the line being applied. */
	enum conf_node next_node;
	char next_name[CONF_NAME_MAX + 1];
	bool next_ended;

	struct conf_complete *complete;	/* built on first use */
};

static void put_words(struct strbuf *b, const struct cmd_tokens *t)
{
	struct strbuf all = STRBUF_INIT;

	for (int i = 0; i < t->n; i++) {
		if (i > 0)
			strbuf_puts(&all, " ");
		strbuf_puts(&all, t->v[i]);
		if (all.len > 2 * CONF_QUOTE_MAX)
			break;
	}
	conf_edit_quote(b, strbuf_str(&all), 2 * CONF_QUOTE_MAX);
	strbuf_free(&all);
}

static void enter(struct conf_parser *p, enum conf_node node,
		  const char *name)
{
	p->next_node = node;
	snprintf(p->next_name, sizeof(p->next_name), "%s", name ? name : "");
}

/* exit / end, valid in every node. */
static int run_exit(struct conf_parser *p, enum conf_node n,
		    const struct cmd_tokens *t)
{
	bool end = t->v[0][1] == 'n';	/* matched "end", not "exit" */

	if (t->n != 1)
		return CONF_FALLBACK;
	if (end || n == NODE_CONFIG) {
		p->next_ended = true;
		enter(p, NODE_CONFIG, NULL);
	} else {
		enter(p, conf_nodes[n].parent, NULL);
	}
	return CMD_SUCCESS;
}

/* Run the line as a command of node n. */
static int run_node(struct conf_parser *p, enum conf_node n,
		    const struct cmd_tokens *t)
{
	const struct conf_node_def *d = &conf_nodes[n];
	const char *kw[CONF_CMDS_MAX + 4];
	struct conf_run r = { .e = &p->e, .t = t, .next = n };
	const struct conf_cmd *cmd;
	int ncmd = conf_grammar_keywords(d->cmds, kw, "no"), k, rc;

	kw[ncmd + 1] = "exit";
	kw[ncmd + 2] = "end";
	kw[ncmd + 3] = NULL;
	k = cmd_keyword(t->v[0], kw);
	if (k == CMD_KW_AMBIGUOUS)
		return conf_edit_fail(&p->e, CMD_ERR_AMBIGUOUS,
				      "ambiguous command \"%s\"", t->v[0]);
	if (k < 0)
		return CONF_FALLBACK;
	if (k > ncmd)
		return run_exit(p, n, t);
	cmd = &d->cmds[k];
	if (k == ncmd) {
		/* no KW ... */
		if (t->n < 2)
			return conf_edit_fail(&p->e, CMD_ERR_INCOMPLETE,
					      "incomplete command");
		cmd = conf_grammar_find(&p->e, d->cmds, t->v[1], &rc);
		if (!cmd)
			return rc;
		r.no = true;
		r.at = 1;
	}
	rc = conf_grammar_block(&r, n, p->name);
	if (rc != CMD_SUCCESS)
		return rc;
	r.next_name = d->keyed ? p->name : NULL;
	rc = conf_grammar_run(&r, cmd);
	if (rc == CMD_SUCCESS && r.no && d->tidy)
		conf_grammar_tidy(&p->e, conf_tree_mep(*p->e.tree, p->e.mod),
				  d->data);
	if (rc == CMD_SUCCESS)
		enter(p, r.next, r.next_name);
	return rc;
}

int conf_parser_line(struct conf_parser *p, const char *line, int lineno,
		     struct strbuf *err)
{
	const char *why = "invalid line";
	struct cmd_tokens *t;
	enum conf_node n, where_node;
	int rc = CONF_FALLBACK;

	p->e.lineno = lineno;
	strbuf_reset(&p->e.msg);
	t = line ? cmd_tokenize(line, &why) : NULL;
	if (!t) {
		rc = conf_edit_fail(&p->e, CMD_WARNING_CONFIG_FAILED, "%s",
				    why);
		where_node = p->node;
		goto error;
	}
	if (t->n == 0) {
		free(t);
		return CMD_SUCCESS;
	}
	if (p->ended) {
		rc = conf_edit_fail(&p->e, CMD_ERR_NO_MATCH,
				    "not in configuration mode (line after "
				    "end)");
		where_node = NODE_CONFIG;
		goto error;
	}
	p->next_ended = false;
	for (n = p->node;; n = conf_nodes[n].parent) {
		where_node = n;
		rc = run_node(p, n, t);
		if (rc != CONF_FALLBACK || n == NODE_CONFIG)
			break;
	}
	if (rc == CMD_SUCCESS) {
		conf_edit_commit(&p->e);
		p->node = p->next_node;
		p->ended = p->next_ended;
		memcpy(p->name, p->next_name, sizeof(p->name));
		free(t);
		return CMD_SUCCESS;
	}
	conf_edit_rollback(&p->e);
	if (rc == CONF_FALLBACK) {
		struct strbuf b = STRBUF_INIT;

		put_words(&b, t);
		rc = conf_edit_fail(&p->e, CMD_ERR_NO_MATCH,
				    "unknown command \"%s\"", strbuf_str(&b));
		strbuf_free(&b);
		where_node = p->node;
	}
error:
	if (err) {
		const struct conf_node_def *d = &conf_nodes[where_node];

		strbuf_printf(err, "%s:%d: ", p->file, lineno);
		if (d->keyed)
			strbuf_printf(err, "%s %s: ", d->where, p->name);
		else if (*d->where)
			strbuf_printf(err, "%s: ", d->where);
		strbuf_puts(err, strbuf_str(&p->e.msg));
	}
	free(t);
	return rc;
}

/* ---- parser object --------------------------------------------------- */

struct conf_parser *conf_parser_new(const struct ly_ctx *ctx,
				    struct lyd_node **tree,
				    enum conf_parse_mode mode,
				    const char *file)
{
	const struct lys_module *mod;
	struct conf_parser *p;

	if (!ctx || !tree)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	mod = ly_ctx_get_module_implemented(ctx, CONF_MODULE);
	p->file = strdup(file ? file : "-");
	if (!mod || !p->file) {
		free(p->file);
		free(p);
		return NULL;
	}
	/* Errors are read from ly_err_last(), not printed by libyang. */
	ly_log_options(LY_LOSTORE_LAST);
	if (*tree)
		*tree = lyd_first_sibling(*tree);
	conf_edit_init(&p->e, ctx, mod, tree, mode);
	p->node = NODE_CONFIG;
	return p;
}

void conf_parser_free(struct conf_parser *p)
{
	if (!p)
		return;
	conf_edit_release(&p->e);
	conf_complete_free(p->complete);
	free(p->file);
	free(p);
}

const char *conf_parser_node(const struct conf_parser *p)
{
	return conf_nodes[p->node].name;
}

int conf_parser_ended(const struct conf_parser *p)
{
	return p->ended;
}

int conf_parser_line_of(const struct conf_parser *p, const char *path)
{
	if (!p || !path)
		return 0;
	return conf_edit_line_of(&p->e, path);
}

/* ---- validation ------------------------------------------------------ */

static int parser_line_of(const void *arg, const char *path)
{
	return conf_parser_line_of(arg, path);
}

int conf_parser_validate(struct conf_parser *p, struct strbuf *err)
{
	conf_edit_ly_clear(&p->e);
	return conf_validate_tree(p->e.ctx, p->e.tree, p->file,
				  parser_line_of, p, err);
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
			buf = conf_xrealloc(buf, cap);
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

/* ---- help and completion --------------------------------------------- */

static struct conf_complete *complete_of(struct conf_parser *p)
{
	if (!p->complete)
		p->complete = conf_complete_new(p->e.ctx);
	if (!p->complete)
		abort();	/* as strbuf */
	return p->complete;
}

int conf_parser_complete(struct conf_parser *p, const char *line,
			 struct strbuf *out)
{
	return conf_complete_line(complete_of(p), p->node, line, out);
}

void conf_parser_list(struct conf_parser *p, struct strbuf *out)
{
	conf_complete_list(complete_of(p), p->node, out);
}

void conf_parser_grammar_json(struct conf_parser *p, struct strbuf *out)
{
	conf_complete_json(complete_of(p), out);
}
