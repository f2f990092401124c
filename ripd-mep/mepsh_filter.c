/* mepsh_filter: parse and apply mepsh's output filters. */
#include "mepsh_filter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char *const filter_kw[] = { "include", "exclude", "begin",
					 "count", NULL };
static const char *const filter_help[] = {
	"Only the lines matching a regular expression",
	"Only the lines not matching a regular expression",
	"From the first line matching a regular expression on",
	"Count the lines",
};

static const char *skip_blanks(const char *s)
{
	return s + strspn(s, " \t");
}

int mepsh_filter_parse(const char *line, size_t *cmd_len,
		       struct mepsh_filter *f, struct strbuf *err)
{
	const char *bar = strchr(line, '|'), *p, *rx;
	char word[16];
	size_t n;
	int k, rc;

	memset(f, 0, sizeof(*f));
	*cmd_len = strlen(line);
	if (!bar)
		return CMD_SUCCESS;
	n = (size_t)(bar - line);
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	*cmd_len = n;
	if (*skip_blanks(line) == '|') {
		strbuf_puts(err, "% Command incomplete: no command before '|'\n");
		return CMD_ERR_INCOMPLETE;
	}
	p = skip_blanks(bar + 1);
	n = strcspn(p, " \t");
	if (n == 0) {
		strbuf_puts(err, "% Command incomplete: filter missing after "
				 "'|' (include, exclude, begin, count)\n");
		return CMD_ERR_INCOMPLETE;
	}
	snprintf(word, sizeof(word), "%.*s", (int)n, p);
	k = n < sizeof(word) ? cmd_keyword(word, filter_kw) : CMD_KW_NONE;
	if (k < 0) {
		strbuf_printf(err, "%% %s filter: %.*s (include, exclude, "
				   "begin or count)\n",
			      k == CMD_KW_AMBIGUOUS ? "Ambiguous" : "Unknown",
			      (int)n, p);
		return k == CMD_KW_AMBIGUOUS ? CMD_ERR_AMBIGUOUS
					     : CMD_ERR_NO_MATCH;
	}
	rx = skip_blanks(p + n);
	f->kind = (enum mepsh_filter_kind)(k + 1);
	if (f->kind == MEPSH_FILTER_COUNT) {
		if (*rx) {
			strbuf_printf(err, "%% Unknown command: | count %s\n",
				      rx);
			return CMD_ERR_NO_MATCH;
		}
		return CMD_SUCCESS;
	}
	if (!*rx) {
		strbuf_printf(err, "%% Command incomplete: | %s needs a "
				   "regular expression\n",
			      filter_kw[k]);
		return CMD_ERR_INCOMPLETE;
	}
	rc = regcomp(&f->re, rx, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char why[128];

		regerror(rc, &f->re, why, sizeof(why));
		strbuf_printf(err, "%% Bad regular expression \"%s\": %s\n", rx,
			      why);
		return CMD_ERR_NO_MATCH;
	}
	f->has_re = true;
	return CMD_SUCCESS;
}

void mepsh_filter_free(struct mepsh_filter *f)
{
	if (f->has_re)
		regfree(&f->re);
	f->has_re = false;
}

void mepsh_filter_apply(const struct mepsh_filter *f, const char *text,
			size_t len, struct strbuf *out)
{
	const char *p = text, *end = text + len;
	bool begun = false;
	unsigned long count = 0;

	if (f->kind == MEPSH_FILTER_NONE) {
		strbuf_add(out, text, len);
		return;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		bool match = false;

		count++;
		if (f->has_re) {
			char *line = strndup(p, n);

			match = line && regexec(&f->re, line, 0, NULL, 0) == 0;
			free(line);
		}
		if (f->kind == MEPSH_FILTER_BEGIN && match)
			begun = true;
		if ((f->kind == MEPSH_FILTER_INCLUDE && match) ||
		    (f->kind == MEPSH_FILTER_EXCLUDE && !match) ||
		    (f->kind == MEPSH_FILTER_BEGIN && begun)) {
			strbuf_add(out, p, n);
			strbuf_puts(out, "\n");
		}
		p += n + (nl ? 1 : 0);
	}
	if (f->kind == MEPSH_FILTER_COUNT)
		strbuf_printf(out, "%lu\n", count);
}

int mepsh_filter_complete(const char *after, struct strbuf *out)
{
	const char *p = skip_blanks(after);
	size_t n = strcspn(p, " \t");
	char word[16];
	int k;

	if (!p[n]) {
		/* Typing the keyword (or nothing yet). */
		for (int i = 0; filter_kw[i]; i++)
			if (strncmp(filter_kw[i], p, n) == 0)
				strbuf_printf(out, "%s\t%s\n", filter_kw[i],
					      filter_help[i]);
		return CMD_SUCCESS;
	}
	snprintf(word, sizeof(word), "%.*s", (int)n, p);
	k = n < sizeof(word) ? cmd_keyword(word, filter_kw) : CMD_KW_NONE;
	if (k == CMD_KW_AMBIGUOUS)
		return CMD_ERR_AMBIGUOUS;
	if (k < 0)
		return CMD_ERR_NO_MATCH;
	if (k == 3) {
		if (*skip_blanks(p + n))
			return CMD_ERR_NO_MATCH;
		strbuf_puts(out, "<cr>\t\n");
	} else {
		strbuf_puts(out, "REGEX\tPOSIX extended regular expression\n");
	}
	return CMD_SUCCESS;
}
