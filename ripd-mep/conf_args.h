/* conf_args: the kinds of argument of the configuration commands; for
 * each, how a word is checked (with a clear message naming the argument)
 * and how it is shown in help and completion (its placeholder, e.g.
 * "A.B.C.D/M|X:X::X:X/M", and help line). The grammar (conf_grammar)
 * names a kind per command, so the parser and the help cannot disagree.
 *
 * Checks run before libyang sees the value, so that messages are clear;
 * libyang still checks the value's type when the node is created, and a
 * kind's hint replaces libyang's message then. Numbers are checked
 * against the ranges of the YANG leaf (and shown as "(MIN-MAX)"). All
 * checks set the line's message (conf_edit_fail) and return a cmd_status
 * (CMD_SUCCESS when the word is good). */
#ifndef RIPD_MEP_CONF_ARGS_H
#define RIPD_MEP_CONF_ARGS_H

#include <libyang/libyang.h>

#include "conf_edit.h"
#include "strbuf.h"

#define CONF_NAME_MAX 63

enum conf_arg {
	ARG_NONE,	/* no argument */
	ARG_NAME,	/* a gateway/community name (CONF_NAME_MAX) */
	ARG_NUMBER,	/* a decimal number in the leaf's range */
	ARG_KEYWORD,	/* one of a list, abbreviable */
	ARG_PREFIX,	/* an IPv4/IPv6 prefix, host bits clear */
	ARG_ADDRESS,	/* an IPv4/IPv6 address */
	ARG_HOST,	/* an address or a DNS name (checked by libyang) */
	ARG_CONNECTION,	/* a strongSwan connection name (libyang) */
	ARG_IFNAME,	/* a Linux interface name */
	ARG_PATH,	/* an absolute unix socket path */
	ARG_KEY,	/* a probe key (libyang) */
};

/* Check word as an argument of kind arg for the leaf s (ARG_NUMBER,
 * ARG_KEY: may be NULL otherwise), one of values (ARG_KEYWORD); what
 * names it in messages ("vpn-domain", "probe interval"). On success
 * *canon (if not NULL) gets the value to store: the full keyword for
 * ARG_KEYWORD, else word. */
int conf_arg_check(struct conf_edit *e, enum conf_arg arg,
		   const struct lysc_node *s, const char *what,
		   const char *word, const char *const *values,
		   const char **canon);

/* The message replacing libyang's when it refuses a value of kind arg
 * (NULL: libyang's own). */
const char *conf_arg_hint(enum conf_arg arg);

/* Append the placeholder of kind arg to spec and its help lines to help
 * (one per alternative, each ending in '\n'): values/value_help for
 * ARG_KEYWORD (value_help NULL: the words), the range of s for
 * ARG_NUMBER; arg_help (may be NULL) replaces the help of a
 * non-keyword placeholder. */
void conf_arg_placeholder(enum conf_arg arg, const struct lysc_node *s,
			  const char *const *values,
			  const char *const *value_help, const char *arg_help,
			  struct strbuf *spec, struct strbuf *help);

/* A name (check_name): 1..63 characters, a letter or digit then letters,
 * digits, '_', '.' or '-'. */
int conf_arg_name(struct conf_edit *e, const char *what, const char *name);

/* Keyword word from list: *out gets its index; else CMD_ERR_AMBIGUOUS
 * ("WHAT WORD: ambiguous (one of a|b)") or CMD_ERR_NO_MATCH ("WHAT WORD:
 * expected a|b"). */
int conf_arg_keyword(struct conf_edit *e, const char *what, const char *word,
		     const char *const *list, int *out);

#endif
