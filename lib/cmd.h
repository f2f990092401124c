/* cmd: tokens and keyword matching shared by the configuration parser and
 * the exec commands, with FRR's command status codes. Keywords may be
 * abbreviated to any unique prefix ("sh run"), as in FRR. */
#ifndef RIPD_MEP_CMD_H
#define RIPD_MEP_CMD_H

#include <stddef.h>

/* FRR's command status codes (lib/command.h), sent on the vty socket. */
enum cmd_status {
	CMD_SUCCESS = 0,
	CMD_WARNING = 1,
	CMD_ERR_NO_MATCH = 2,
	CMD_ERR_AMBIGUOUS = 3,
	CMD_ERR_INCOMPLETE = 4,
	CMD_WARNING_CONFIG_FAILED = 13,
};

#define CMD_MAX_TOKENS 64
#define CMD_MAX_LINE (64 * 1024)

struct cmd_tokens {
	int n;
	char *v[CMD_MAX_TOKENS];
	char buf[];	/* storage for v[] (flexible) */
};

/* Split line at blanks; a '!' or '#' that starts a word starts a comment
 * that runs to the end of the line. Returns a new struct (free() it) or
 * NULL when the line is longer than CMD_MAX_LINE or has more than
 * CMD_MAX_TOKENS words; *why then says which. */
struct cmd_tokens *cmd_tokenize(const char *line, const char **why);

#define CMD_KW_NONE (-1)
#define CMD_KW_AMBIGUOUS (-2)

/* Index of word in the NULL-terminated keyword list: an exact match, else
 * the single keyword word is a prefix of; CMD_KW_NONE or
 * CMD_KW_AMBIGUOUS otherwise. */
int cmd_keyword(const char *word, const char *const *keywords);

#endif
