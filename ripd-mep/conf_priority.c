/* conf_priority: the mep priority rules of a community (see
 * conf_priority.h). */
#include "conf_priority.h"

#include <stdlib.h>
#include <string.h>

#include "conf_tree.h"

static const char *const level_kw[] = { "primary", "secondary", "tertiary",
					NULL };
/* Words that can only mean a fourth (or later) level. */
static const char *const extra_level_kw[] = { "quaternary", "quinary",
					      "senary", "fourth", "fifth",
					      NULL };
static const char *const rule_kw[] = { "default", "satellite", NULL };

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

/* A center named twice in r? */
static bool named_twice(const struct prio_rule *r, const char *w)
{
	for (int l = 0; l < 3; l++)
		for (int j = 0; j < r->n[l]; j++)
			if (strcmp(r->name[l][j], w) == 0)
				return true;
	return false;
}

/* Parse "primary N... [secondary N...] [tertiary N...]" from word i. */
static int parse_levels(struct conf_edit *e, const struct cmd_tokens *t,
			int i, struct prio_rule *r)
{
	int cur = -1;

	if (i >= t->n)
		return conf_edit_fail(e, CMD_ERR_INCOMPLETE,
				      "mep priority: levels missing (primary "
				      "NAME...)");
	for (; i < t->n; i++) {
		const char *w = t->v[i];
		int l = level_of(w);

		if (l >= 0) {
			if (r->n[l] > 0 || cur == l)
				return conf_edit_fail(
					e, CMD_WARNING_CONFIG_FAILED,
					"rule 6: level %s given twice in one "
					"mep priority rule",
					level_kw[l]);
			if (cur >= 0 && r->n[cur] == 0)
				break;
			cur = l;
			continue;
		}
		if (is_extra_level(w))
			return conf_edit_fail(
				e, CMD_WARNING_CONFIG_FAILED,
				"rule 6: at most three levels: primary, "
				"secondary, tertiary (not \"%s\")",
				w);
		if (strcmp(w, "satellite") == 0)
			return conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED,
					      "rule 6: satellites must be "
					      "named before the levels");
		if (cur < 0) {
			struct strbuf b = STRBUF_INIT;

			conf_edit_quote(&b, w, CONF_QUOTE_MAX);
			conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED,
				       "mep priority: expected primary, "
				       "secondary or tertiary, not \"%s\"",
				       strbuf_str(&b));
			strbuf_free(&b);
			return CMD_WARNING_CONFIG_FAILED;
		}
		if (conf_arg_name(e, level_kw[cur], w) != CMD_SUCCESS)
			return CMD_WARNING_CONFIG_FAILED;
		if (named_twice(r, w))
			return conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED,
					      "rule 6: a center appears at "
					      "most once in a mep priority "
					      "rule (%s)",
					      w);
		r->name[cur][r->n[cur]++] = w;
	}
	if (cur >= 0 && r->n[cur] == 0)
		return conf_edit_fail(e, CMD_ERR_INCOMPLETE,
				      "mep priority: level %s names no center",
				      level_kw[cur]);
	if (r->n[0] == 0)
		return conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED,
				      "rule 6: a mep priority rule needs a "
				      "primary level");
	return CMD_SUCCESS;
}

/* Create the level leaf-lists of r under parent. */
static int add_levels(struct conf_edit *e, struct lyd_node *parent,
		      const struct prio_rule *r)
{
	for (int l = 0; l < 3; l++)
		for (int j = 0; j < r->n[l]; j++) {
			int rc = conf_edit_add_leaflist(e, parent, level_kw[l],
							r->name[l][j],
							level_kw[l], NULL);

			if (rc != CMD_SUCCESS)
				return rc;
		}
	return CMD_SUCCESS;
}

static bool rule_has_sat(const struct lyd_node *rule, const char *sat)
{
	return conf_tree_child(rule, "satellite", sat) != NULL;
}

static int count_sats(const struct lyd_node *rule)
{
	int n = 0;

	for (struct lyd_node *c = lyd_child(rule); c; c = c->next)
		if (conf_tree_is(c, "satellite"))
			n++;
	return n;
}

static int rule_line(const struct conf_edit *e, const struct lyd_node *rule)
{
	char *path = lyd_path(rule, LYD_PATH_STD, NULL, 0);
	int line = path ? conf_edit_line_of(e, path) : 0;

	free(path);
	return line;
}

/* Satellites from word i on, until the first level. */
static int parse_satellites(struct conf_edit *e, const struct cmd_tokens *t,
			    int *i, struct prio_rule *r)
{
	for (; *i < t->n && level_of(t->v[*i]) < 0 &&
	       !is_extra_level(t->v[*i]);
	     (*i)++) {
		if (conf_arg_name(e, "satellite", t->v[*i]) != CMD_SUCCESS)
			return CMD_WARNING_CONFIG_FAILED;
		for (int j = 0; j < r->nsat; j++)
			if (strcmp(r->sat[j], t->v[*i]) == 0)
				return conf_edit_fail(
					e, CMD_WARNING_CONFIG_FAILED,
					"rule 6: satellite %s named twice in "
					"one mep priority rule",
					t->v[*i]);
		r->sat[r->nsat++] = t->v[*i];
	}
	if (r->nsat == 0)
		return conf_edit_fail(e, *i < t->n ? CMD_WARNING_CONFIG_FAILED
						   : CMD_ERR_INCOMPLETE,
				      "mep priority satellite: name at least "
				      "one satellite");
	return CMD_SUCCESS;
}

/* The rule of comm with exactly r's satellites (*same), and the highest
 * id (*max); an error when another rule shares one of them. */
static int find_same(struct conf_edit *e, struct lyd_node *comm,
		     const struct prio_rule *r, struct lyd_node **same,
		     unsigned *max)
{
	for (struct lyd_node *n = lyd_child(comm); n; n = n->next) {
		unsigned id;
		int shared = 0, line;

		if (!conf_tree_is(n, "priority-rule"))
			continue;
		id = (unsigned)strtoul(lyd_get_value(lyd_child(n)), NULL, 10);
		if (id > *max)
			*max = id;
		for (int j = 0; j < r->nsat; j++)
			shared += rule_has_sat(n, r->sat[j]);
		if (shared == 0)
			continue;
		if (shared == r->nsat && count_sats(n) == r->nsat) {
			*same = n;
			continue;
		}
		for (int j = 0; j < r->nsat; j++) {
			if (!rule_has_sat(n, r->sat[j]))
				continue;
			line = rule_line(e, n);
			if (line > 0)
				return conf_edit_fail(
					e, CMD_WARNING_CONFIG_FAILED,
					"rule 6: satellite %s is already in "
					"the mep priority rule at line %d",
					r->sat[j], line);
			return conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED,
					      "rule 6: satellite %s is "
					      "already in another mep "
					      "priority rule",
					      r->sat[j]);
		}
	}
	return CMD_SUCCESS;
}

static int run_satellite(struct conf_edit *e, struct lyd_node *comm,
			 const struct cmd_tokens *t, int i)
{
	struct prio_rule r;
	struct lyd_node *same = NULL, *rule;
	unsigned max = 0, id;
	char ids[8];
	int rc;

	memset(&r, 0, sizeof(r));
	rc = parse_satellites(e, t, &i, &r);
	if (rc == CMD_SUCCESS)
		rc = parse_levels(e, t, i, &r);
	if (rc == CMD_SUCCESS)
		rc = find_same(e, comm, &r, &same, &max);
	if (rc != CMD_SUCCESS)
		return rc;
	if (same && e->mode == CONF_PARSE_FILE)
		return conf_edit_dup(e, same, "mep priority satellite rule");

	/* Ids 1, 2, ... in order; the lowest free one after 255. */
	id = max + 1;
	if (id > 255) {
		for (id = 1; id <= 255; id++) {
			snprintf(ids, sizeof(ids), "%u", id);
			if (!conf_tree_child(comm, "priority-rule", ids))
				break;
		}
		if (id > 255)
			return conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED,
					      "too many mep priority rules "
					      "(255)");
	}
	snprintf(ids, sizeof(ids), "%u", id);
	conf_edit_ly_clear(e);
	if (lyd_new_list(comm, NULL, "priority-rule", 0, &rule, ids) !=
	    LY_SUCCESS)
		return conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED,
				      "mep priority: %s", conf_edit_ly_msg(e));
	conf_edit_created(e, rule);
	if (same) {
		if (lyd_insert_before(same, rule) != LY_SUCCESS)
			return conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED,
					      "mep priority: %s",
					      conf_edit_ly_msg(e));
		conf_edit_drop_later(e, same);
	}
	for (int j = 0; j < r.nsat; j++) {
		rc = conf_edit_add_leaflist(e, rule, "satellite", r.sat[j],
					    "satellite", NULL);
		if (rc != CMD_SUCCESS)
			return rc;
	}
	return add_levels(e, rule, &r);
}

static int run_default(struct conf_edit *e, struct lyd_node *comm,
		       const struct cmd_tokens *t, int i)
{
	struct prio_rule r;
	struct lyd_node *old, *c;
	int rc;

	for (int j = i; j < t->n; j++)
		if (strcmp(t->v[j], "satellite") == 0)
			return conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED,
					      "rule 6: the default rule may "
					      "not name satellites");
	memset(&r, 0, sizeof(r));
	rc = parse_levels(e, t, i, &r);
	if (rc != CMD_SUCCESS)
		return rc;
	old = conf_tree_child(comm, "priority-default", NULL);
	if (old && e->mode == CONF_PARSE_FILE)
		return conf_edit_dup(e, old, "mep priority default");
	if (old)
		conf_edit_unlink(e, old);
	conf_edit_ly_clear(e);
	if (lyd_new_inner(comm, NULL, "priority-default", 0, &c) !=
	    LY_SUCCESS)
		return conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED,
				      "mep priority: %s", conf_edit_ly_msg(e));
	conf_edit_created(e, c);
	return add_levels(e, c, &r);
}

int conf_priority_run(struct conf_run *r)
{
	const struct cmd_tokens *t = r->t;
	int i = r->at + 1, k, rc;

	if (i >= t->n)
		return conf_edit_fail(r->e, CMD_ERR_INCOMPLETE,
				      "mep priority: default or satellite "
				      "missing");
	rc = conf_arg_keyword(r->e, "mep priority", t->v[i], rule_kw, &k);
	if (rc != CMD_SUCCESS)
		return rc;
	if (k == 1)
		return run_satellite(r->e, r->block, t, i + 1);
	return run_default(r->e, r->block, t, i + 1);
}

int conf_priority_no(struct conf_run *r)
{
	const struct cmd_tokens *t = r->t;
	int i = r->at + 1, k, rc;
	struct lyd_node *n;
	struct strbuf b = STRBUF_INIT;

	if (i >= t->n)
		return conf_edit_fail(r->e, CMD_ERR_INCOMPLETE,
				      "no mep priority: default or satellite "
				      "missing");
	rc = conf_arg_keyword(r->e, "no mep priority", t->v[i], rule_kw, &k);
	if (rc != CMD_SUCCESS)
		return rc;
	if (k == 0) {
		n = conf_tree_child(r->block, "priority-default", NULL);
		if (n)
			conf_edit_delete(r->e, n);
		return CMD_SUCCESS;
	}
	if (i + 1 >= t->n)
		return conf_edit_fail(r->e, CMD_ERR_INCOMPLETE,
				      "no mep priority satellite: name a "
				      "satellite");
	for (n = lyd_child(r->block); n; n = n->next)
		if (conf_tree_is(n, "priority-rule") &&
		    rule_has_sat(n, t->v[i + 1]))
			break;
	if (n) {
		conf_edit_delete(r->e, n);
		return CMD_SUCCESS;
	}
	conf_edit_quote(&b, t->v[i + 1], CONF_QUOTE_MAX);
	conf_edit_fail(r->e, CMD_WARNING_CONFIG_FAILED,
		       "no mep priority satellite %s: no rule names it",
		       strbuf_str(&b));
	strbuf_free(&b);
	return CMD_WARNING_CONFIG_FAILED;
}
