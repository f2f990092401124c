/* cmd_table: build, match, complete and list declarative command tables
 * (see cmd_table.h for the spec syntax and the matching rules). */
#include "cmd_table.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEC_MAX_POS 32
#define SPEC_MAX_ALT 8

/* One position of a spec as written: alternatives, optional group. */
struct spec_pos {
	int nalt;
	struct cmd_tok *alt[SPEC_MAX_ALT];
	int group;	/* optional group number, 0 = mandatory */
};

struct cmd_variant {
	const struct cmd_def *def;
	int n;
	const struct cmd_tok *tok[SPEC_MAX_POS];
};

struct cmd_spec {
	const struct cmd_def *def;
	int npos;
	struct spec_pos pos[SPEC_MAX_POS];
};

struct cmd_table {
	int nspec;
	struct cmd_spec *spec;
	int nvar, capvar;
	struct cmd_variant *var;
};

enum rank {
	RANK_NONE,
	RANK_WORD,
	RANK_PARTIAL,
	RANK_TYPED,
	RANK_EXACT,
};

static char *dup_n(const char *s, size_t n)
{
	char *r = malloc(n + 1);

	if (!r)
		abort();
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

static void tok_free(struct cmd_tok *k)
{
	if (!k)
		return;
	free(k->text);
	free(k->name);
	free(k->help);
	free(k);
}

void cmd_table_free(struct cmd_table *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nspec; i++)
		for (int p = 0; p < t->spec[i].npos; p++)
			for (int a = 0; a < t->spec[i].pos[p].nalt; a++)
				tok_free(t->spec[i].pos[p].alt[a]);
	free(t->spec);
	free(t->var);
	free(t);
}

/* Kind of a placeholder from its text. */
static void placeholder_kind(struct cmd_tok *k)
{
	size_t n = strlen(k->text);
	long long lo, hi;
	char end;

	if (strcmp(k->text, "A.B.C.D|X:X::X:X") == 0)
		k->kind = CMD_TOK_ADDRESS;
	else if (strcmp(k->text, "A.B.C.D/M|X:X::X:X/M") == 0)
		k->kind = CMD_TOK_PREFIX;
	else if (n > 3 && strcmp(k->text + n - 3, "...") == 0)
		k->kind = CMD_TOK_LINE;
	else if (sscanf(k->text, "(%lld-%lld%c", &lo, &hi, &end) == 3 &&
		 end == ')' && lo <= hi) {
		k->kind = CMD_TOK_RANGE;
		k->min = lo;
		k->max = hi;
	} else
		k->kind = CMD_TOK_WORD;
}

/* Next help line of *help (advanced); NULL when there is none. */
static char *next_help(const char **help)
{
	const char *nl;
	char *r;

	if (!*help || !**help)
		return NULL;
	nl = strchr(*help, '\n');
	r = dup_n(*help, nl ? (size_t)(nl - *help) : strlen(*help));
	*help = nl ? nl + 1 : *help + strlen(*help);
	return r;
}

/* Parse one word of a spec (no brackets) into position pos. */
static int parse_word(const char *w, size_t len, struct spec_pos *pos,
		      const char **help, struct strbuf *err)
{
	const char *dollar = memchr(w, '$', len);
	size_t tlen = dollar ? (size_t)(dollar - w) : len;
	bool ph = isupper((unsigned char)w[0]) || w[0] == '(';
	size_t i = 0;

	if (tlen == 0) {
		strbuf_printf(err, "empty word");
		return -1;
	}
	while (i < tlen) {
		size_t j = i;
		struct cmd_tok *k;

		if (ph)
			j = tlen;
		else
			while (j < tlen && w[j] != '|')
				j++;
		if (j == i || pos->nalt == SPEC_MAX_ALT) {
			strbuf_printf(err, "bad word \"%.*s\"", (int)len, w);
			return -1;
		}
		k = calloc(1, sizeof(*k));
		if (!k)
			abort();
		pos->alt[pos->nalt++] = k;
		k->text = dup_n(w + i, j - i);
		k->name = dollar ? dup_n(dollar + 1, len - tlen - 1)
				 : dup_n(w + i, j - i);
		k->help = next_help(help);
		if (!k->help) {
			strbuf_printf(err, "no help for \"%s\"", k->text);
			return -1;
		}
		if (ph)
			placeholder_kind(k);
		else
			k->kind = CMD_TOK_KEYWORD;
		i = j + 1;
	}
	return 0;
}

static int parse_spec(const struct cmd_def *def, struct cmd_spec *s,
		      struct strbuf *err)
{
	const char *p = def->spec, *help = def->help;
	int group = 0, ngroups = 0;

	s->def = def;
	for (;;) {
		size_t n;

		p += strspn(p, " ");
		if (!*p)
			break;
		if (*p == '[') {
			if (group) {
				strbuf_puts(err, "nested [");
				return -1;
			}
			group = ++ngroups;
			p++;
			continue;
		}
		if (*p == ']') {
			if (!group) {
				strbuf_puts(err, "unbalanced ]");
				return -1;
			}
			group = 0;
			p++;
			continue;
		}
		n = strcspn(p, " []");
		if (s->npos == SPEC_MAX_POS) {
			strbuf_puts(err, "too many words");
			return -1;
		}
		s->pos[s->npos].group = group;
		if (parse_word(p, n, &s->pos[s->npos++], &help, err) < 0)
			return -1;
		p += n;
	}
	if (group) {
		strbuf_puts(err, "unbalanced [");
		return -1;
	}
	if (help && *help) {
		strbuf_printf(err, "help line too many: \"%s\"", help);
		return -1;
	}
	/* cmd_arg() finds a token by name: names are unique. */
	for (int i = 0; i < s->npos; i++)
		for (int j = i + 1; j < s->npos; j++)
			for (int a = 0; a < s->pos[i].nalt; a++)
				for (int b = 0; b < s->pos[j].nalt; b++)
					if (strcmp(s->pos[i].alt[a]->name,
						   s->pos[j].alt[b]->name) ==
					    0) {
						strbuf_printf(err,
							      "name \"%s\" "
							      "used twice",
							      s->pos[j].alt[b]
								      ->name);
						return -1;
					}
	for (int i = 0; i + 1 < s->npos; i++)
		if (s->pos[i].alt[0]->kind == CMD_TOK_LINE) {
			strbuf_puts(err, "NAME... must be the last word");
			return -1;
		}
	return 0;
}

static void add_variant(struct cmd_table *t, const struct cmd_variant *v)
{
	if (t->nvar == t->capvar) {
		t->capvar = t->capvar ? 2 * t->capvar : 64;
		t->var = realloc(t->var, (size_t)t->capvar * sizeof(*t->var));
		if (!t->var)
			abort();
	}
	t->var[t->nvar++] = *v;
}

/* Every variant of s from position i, with the optional groups given by
 * the bit mask present. */
static void expand(struct cmd_table *t, const struct cmd_spec *s, int i,
		   unsigned present, struct cmd_variant *v)
{
	const struct spec_pos *p;

	if (i == s->npos) {
		add_variant(t, v);
		return;
	}
	p = &s->pos[i];
	if (p->group && !(present & (1u << p->group))) {
		expand(t, s, i + 1, present, v);
		return;
	}
	for (int a = 0; a < p->nalt; a++) {
		v->tok[v->n++] = p->alt[a];
		expand(t, s, i + 1, present, v);
		v->n--;
	}
}

struct cmd_table *cmd_table_new(const struct cmd_def *defs, int n,
				struct strbuf *err)
{
	struct cmd_table *t = calloc(1, sizeof(*t));

	if (!t || !(t->spec = calloc((size_t)n + 1, sizeof(*t->spec))))
		abort();
	for (int i = 0; i < n; i++) {
		struct cmd_spec *s = &t->spec[t->nspec++];
		int groups = 0;

		if (parse_spec(&defs[i], s, err) < 0) {
			strbuf_printf(err, " in \"%s\"", defs[i].spec);
			cmd_table_free(t);
			return NULL;
		}
		for (int p = 0; p < s->npos; p++)
			if (s->pos[p].group > groups)
				groups = s->pos[p].group;
		if (groups > 8) {
			strbuf_printf(err, "too many [ ] in \"%s\"",
				      defs[i].spec);
			cmd_table_free(t);
			return NULL;
		}
		for (unsigned m = 0; m < (1u << groups); m++) {
			struct cmd_variant v = { .def = s->def };

			expand(t, s, 0, m << 1, &v);
		}
	}
	return t;
}

/* ---- matching -------------------------------------------------------- */

static bool is_number(const char *w, long long min, long long max)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)w[0]) && w[0] != '-')
		return false;
	errno = 0;
	v = strtoll(w, &end, 10);
	return !*end && !errno && v >= min && v <= max;
}

static bool is_address(const char *w)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, w, buf) == 1 ||
	       inet_pton(AF_INET6, w, buf) == 1;
}

static bool is_prefix(const char *w)
{
	const char *slash = strchr(w, '/');
	char a[64];
	size_t n;

	if (!slash || (n = (size_t)(slash - w)) >= sizeof(a))
		return false;
	memcpy(a, w, n);
	a[n] = '\0';
	if (!is_address(a))
		return false;
	return is_number(slash + 1, 0, strchr(a, ':') ? 128 : 32);
}

static enum rank rank_of(const struct cmd_tok *k, const char *w)
{
	switch (k->kind) {
	case CMD_TOK_KEYWORD:
		if (strcmp(k->text, w) == 0)
			return RANK_EXACT;
		return strncmp(k->text, w, strlen(w)) == 0 ? RANK_PARTIAL
							   : RANK_NONE;
	case CMD_TOK_ADDRESS:
		return is_address(w) ? RANK_TYPED : RANK_NONE;
	case CMD_TOK_PREFIX:
		return is_prefix(w) ? RANK_TYPED : RANK_NONE;
	case CMD_TOK_RANGE:
		return is_number(w, k->min, k->max) ? RANK_TYPED : RANK_NONE;
	case CMD_TOK_WORD:
	case CMD_TOK_LINE:
		return RANK_WORD;
	}
	return RANK_NONE;
}

/* Candidates still alive while matching: variant index and position. */
struct cand {
	int v;
	int pos;	/* next token */
	bool rest;	/* a NAME... token swallows the remaining words */
	enum rank r;	/* of the word being matched */
	const struct cmd_tok *tok[CMD_MAX_TOKENS];
};

struct matcher {
	struct cand *c;
	int n;
};

static int matcher_init(struct matcher *m, const struct cmd_table *t)
{
	m->c = calloc((size_t)t->nvar + 1, sizeof(*m->c));
	if (!m->c)
		abort();
	m->n = t->nvar;
	for (int i = 0; i < t->nvar; i++)
		m->c[i].v = i;
	return 0;
}

/* Filter the candidates by word i. Returns a cmd_status. */
static int matcher_step(struct matcher *m, const struct cmd_table *t,
			const char *w, int i)
{
	enum rank best = RANK_NONE;
	const char *kw = NULL;
	int keep = 0;

	for (int j = 0; j < m->n; j++) {
		struct cand *c = &m->c[j];
		const struct cmd_variant *v = &t->var[c->v];

		if (c->rest)
			c->r = RANK_WORD;
		else if (c->pos >= v->n)
			c->r = RANK_NONE;
		else
			c->r = rank_of(v->tok[c->pos], w);
		if (c->r > best)
			best = c->r;
	}
	if (best == RANK_NONE) {
		m->n = 0;
		return CMD_ERR_NO_MATCH;
	}
	for (int j = 0; j < m->n; j++) {
		struct cand *c = &m->c[j];
		const struct cmd_variant *v = &t->var[c->v];
		const struct cmd_tok *k;

		if (c->r != best)
			continue;
		k = c->rest ? c->tok[i - 1] : v->tok[c->pos];
		if (best == RANK_PARTIAL) {
			if (kw && strcmp(kw, k->text) != 0)
				return CMD_ERR_AMBIGUOUS;
			kw = k->text;
		}
		c->tok[i] = k;
		if (!c->rest) {
			c->pos++;
			c->rest = k->kind == CMD_TOK_LINE;
		}
		m->c[keep++] = *c;
	}
	m->n = keep;
	return CMD_SUCCESS;
}

static bool cand_complete(const struct cand *c, const struct cmd_table *t)
{
	return c->rest || c->pos == t->var[c->v].n;
}

static int report(struct strbuf *out, int rc, const char *line)
{
	if (!out)
		return rc;
	line += strspn(line, " \t");
	switch (rc) {
	case CMD_ERR_AMBIGUOUS:
		strbuf_printf(out, "%% Ambiguous command: %s\n", line);
		break;
	case CMD_ERR_INCOMPLETE:
		strbuf_printf(out, "%% Command incomplete: %s\n", line);
		break;
	default:
		strbuf_printf(out, "%% Unknown command: %s\n", line);
		break;
	}
	return rc;
}

int cmd_table_match(const struct cmd_table *t, const struct cmd_tokens *in,
		    const char *line, struct cmd_args *a, struct strbuf *out)
{
	struct matcher m;
	int rc = CMD_SUCCESS;

	if (in->n == 0)
		return report(out, CMD_ERR_INCOMPLETE, line);
	matcher_init(&m, t);
	for (int i = 0; i < in->n && rc == CMD_SUCCESS; i++)
		rc = matcher_step(&m, t, in->v[i], i);
	if (rc == CMD_SUCCESS) {
		rc = CMD_ERR_INCOMPLETE;
		for (int j = 0; j < m.n; j++) {
			if (!cand_complete(&m.c[j], t))
				continue;
			memset(a, 0, sizeof(*a));
			a->def = t->var[m.c[j].v].def;
			a->argc = in->n;
			a->argv = in->v;
			memcpy(a->tok, m.c[j].tok, sizeof(a->tok));
			a->line = line;
			a->base = in->buf;
			rc = CMD_SUCCESS;
			break;
		}
	}
	free(m.c);
	return rc == CMD_SUCCESS ? rc : report(out, rc, line);
}

const char *cmd_arg(const struct cmd_args *a, const char *name)
{
	for (int i = 0; i < a->argc; i++) {
		const struct cmd_tok *k = a->tok[i];

		if (!k || strcmp(k->name, name) != 0)
			continue;
		if (k->kind == CMD_TOK_KEYWORD)
			return k->text;
		if (k->kind == CMD_TOK_LINE)
			return a->line + (a->argv[i] - a->base);
		return a->argv[i];
	}
	return NULL;
}

/* ---- completion ------------------------------------------------------ */

struct item {
	const char *word;
	const char *help;
};

static int item_cmp(const void *x, const void *y)
{
	const struct item *a = x, *b = y;
	bool pa = a->word[0] == '<', pb = b->word[0] == '<';

	if (pa != pb)
		return pa ? 1 : -1;
	return strcmp(a->word, b->word);
}

static void add_item(struct item *items, int *n, const char *word,
		     const char *help)
{
	for (int i = 0; i < *n; i++)
		if (strcmp(items[i].word, word) == 0)
			return;
	items[*n].word = word;
	items[(*n)++].help = help;
}

int cmd_table_complete(const struct cmd_table *t, const char *line,
		       struct strbuf *out)
{
	const char *why = NULL;
	struct cmd_tokens *in = cmd_tokenize(line, &why);
	size_t len = strlen(line);
	bool partial;
	struct matcher m;
	struct item *items;
	int nitems = 0, full, rc = CMD_SUCCESS;

	if (!in)
		return CMD_WARNING;
	partial = in->n > 0 && len > 0 && !strchr(" \t", line[len - 1]);
	full = in->n - (partial ? 1 : 0);
	matcher_init(&m, t);
	for (int i = 0; i < full && rc == CMD_SUCCESS; i++)
		rc = matcher_step(&m, t, in->v[i], i);
	items = calloc((size_t)m.n + 2, sizeof(*items));
	if (!items)
		abort();
	for (int j = 0; j < m.n && rc == CMD_SUCCESS; j++) {
		const struct cand *c = &m.c[j];
		const struct cmd_variant *v = &t->var[c->v];
		const struct cmd_tok *k;
		const char *w = partial ? in->v[full] : NULL;

		if (c->rest) {
			k = c->tok[full - 1];
			add_item(items, &nitems, k->text, k->help);
			if (!partial)
				add_item(items, &nitems, "<cr>", "");
			continue;
		}
		if (c->pos == v->n) {
			if (!partial)
				add_item(items, &nitems, "<cr>", "");
			continue;
		}
		k = v->tok[c->pos];
		if (w && rank_of(k, w) == RANK_NONE)
			continue;
		add_item(items, &nitems, k->text, k->help);
	}
	if (rc == CMD_SUCCESS) {
		qsort(items, (size_t)nitems, sizeof(*items), item_cmp);
		for (int i = 0; i < nitems; i++)
			strbuf_printf(out, "%s\t%s\n", items[i].word,
				      items[i].help);
	}
	free(items);
	free(m.c);
	free(in);
	return rc;
}

void cmd_candidates_format(const char *cands, struct strbuf *out)
{
	size_t width = 0;
	const char *p, *tab, *nl;

	for (p = cands; (tab = strchr(p, '\t')); p = nl + 1) {
		if ((size_t)(tab - p) > width)
			width = (size_t)(tab - p);
		nl = strchr(tab, '\n');
		if (!nl)
			break;
	}
	for (p = cands; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p) - 1;
		tab = memchr(p, '\t', (size_t)(nl - p));
		if (!tab)
			strbuf_printf(out, "  %.*s\n", (int)(nl - p), p);
		else
			strbuf_printf(out, "  %-*.*s  %.*s\n", (int)width,
				      (int)(tab - p), p,
				      (int)(nl - tab - 1), tab + 1);
		if (!*nl)
			break;
	}
}

/* ---- listing --------------------------------------------------------- */

/* A spec as users read it: without the $name suffixes of its tokens. */
static void put_spec_display(struct strbuf *out, const char *spec)
{
	for (const char *p = spec; *p;) {
		if (*p == '$') {
			p += strcspn(p, " ]");
			continue;
		}
		strbuf_add(out, p, 1);
		p++;
	}
}

void cmd_table_list(const struct cmd_table *t, struct strbuf *out)
{
	for (int i = 0; i < t->nspec; i++) {
		strbuf_puts(out, "  ");
		put_spec_display(out, t->spec[i].def->spec);
		strbuf_puts(out, "\n");
	}
}

void cmd_json_string(struct strbuf *out, const char *s)
{
	strbuf_puts(out, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			strbuf_printf(out, "\\%c", c);
		else if (c < 0x20)
			strbuf_printf(out, "\\u%04x", c);
		else
			strbuf_add(out, s, 1);
	}
	strbuf_puts(out, "\"");
}

void cmd_table_json(const struct cmd_table *t, struct strbuf *out)
{
	strbuf_puts(out, "[");
	for (int i = 0; i < t->nspec; i++) {
		const struct cmd_spec *s = &t->spec[i];
		bool first = true;

		strbuf_puts(out, i ? ",{\"command\":" : "{\"command\":");
		cmd_json_string(out, s->def->spec);
		strbuf_puts(out, ",\"tokens\":[");
		for (int p = 0; p < s->npos; p++)
			for (int a = 0; a < s->pos[p].nalt; a++) {
				const struct cmd_tok *k = s->pos[p].alt[a];

				strbuf_puts(out, first ? "{\"word\":"
						       : ",{\"word\":");
				first = false;
				cmd_json_string(out, k->text);
				strbuf_puts(out, ",\"help\":");
				cmd_json_string(out, k->help);
				if (s->pos[p].group)
					strbuf_puts(out, ",\"optional\":true");
				strbuf_puts(out, "}");
			}
		strbuf_puts(out, "]}");
	}
	strbuf_puts(out, "]");
}
