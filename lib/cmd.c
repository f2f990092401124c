/* cmd: tokenizer and keyword matcher. */
#include "cmd.h"

#include <stdlib.h>
#include <string.h>

struct cmd_tokens *cmd_tokenize(const char *line, const char **why)
{
	size_t len = strlen(line);
	struct cmd_tokens *t;
	char *p;

	if (len > CMD_MAX_LINE) {
		*why = "line longer than 65536 characters";
		return NULL;
	}
	t = calloc(1, sizeof(*t) + len + 1);
	if (!t) {
		*why = "out of memory";
		return NULL;
	}
	memcpy(t->buf, line, len + 1);
	p = t->buf;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0' || *p == '!' || *p == '#')
			break;
		if (t->n == CMD_MAX_TOKENS) {
			*why = "too many words on one line";
			free(t);
			return NULL;
		}
		t->v[t->n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return t;
}

int cmd_keyword(const char *word, const char *const *keywords)
{
	size_t wl = strlen(word);
	int found = CMD_KW_NONE;

	if (wl == 0)
		return CMD_KW_NONE;
	for (int i = 0; keywords[i]; i++) {
		if (strcmp(word, keywords[i]) == 0)
			return i;
		if (strncmp(word, keywords[i], wl) == 0)
			found = found == CMD_KW_NONE ? i : CMD_KW_AMBIGUOUS;
	}
	return found;
}
