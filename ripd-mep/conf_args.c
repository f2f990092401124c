/* conf_args: checks and placeholders of the configuration commands'
 * arguments (see conf_args.h). */
#include "conf_args.h"

#include <stdbool.h>
#include <string.h>

#include "cmd.h"
#include "prefix.h"

#define NAME_HELP "Name (1..63 characters of [A-Za-z0-9_.-])"

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CONF_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

/* Fail with "WHAT WORD: why". */
static int bad(struct conf_edit *e, const char *what, const char *word,
	       const char *why)
{
	struct strbuf b = STRBUF_INIT;

	conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED, "%s: %s",
		       conf_edit_what(&b, what, word), why);
	strbuf_free(&b);
	return CMD_WARNING_CONFIG_FAILED;
}

int conf_arg_name(struct conf_edit *e, const char *what, const char *name)
{
	if (name_ok(name))
		return CMD_SUCCESS;
	return bad(e, what, name,
		   "invalid name (1..63 characters: a letter or digit, then "
		   "letters, digits, '_', '.' or '-')");
}

int conf_arg_keyword(struct conf_edit *e, const char *what, const char *word,
		     const char *const *list, int *out)
{
	int k = cmd_keyword(word, list);
	struct strbuf b = STRBUF_INIT, alts = STRBUF_INIT;
	int rc;

	if (k >= 0) {
		*out = k;
		return CMD_SUCCESS;
	}
	for (int i = 0; list[i]; i++)
		strbuf_printf(&alts, "%s%s", i ? "|" : "", list[i]);
	if (k == CMD_KW_AMBIGUOUS)
		rc = conf_edit_fail(e, CMD_ERR_AMBIGUOUS,
				    "%s: ambiguous (one of %s)",
				    conf_edit_what(&b, what, word),
				    strbuf_str(&alts));
	else
		rc = conf_edit_fail(e, CMD_ERR_NO_MATCH, "%s: expected %s",
				    conf_edit_what(&b, what, word),
				    strbuf_str(&alts));
	strbuf_free(&b);
	strbuf_free(&alts);
	return rc;
}

/* The ranges of an unsigned integer leaf, e.g. "1..252 | 256..N". */
static void range_text(const struct lysc_node *s, struct strbuf *b)
{
	const struct lysc_type *ty = ((const struct lysc_node_leaf *)s)->type;
	const struct lysc_range *r = NULL;
	uint64_t max = UINT32_MAX;

	switch (ty->basetype) {
	case LY_TYPE_UINT8:
		max = UINT8_MAX;
		break;
	case LY_TYPE_UINT16:
		max = UINT16_MAX;
		break;
	case LY_TYPE_UINT64:
		max = UINT64_MAX;
		break;
	default:
		break;
	}
	if (ty->basetype >= LY_TYPE_UINT8 && ty->basetype <= LY_TYPE_UINT64)
		r = ((const struct lysc_type_num *)ty)->range;
	if (!r || !r->parts) {
		strbuf_printf(b, "0..%llu", (unsigned long long)max);
		return;
	}
	LY_ARRAY_COUNT_TYPE i;
	LY_ARRAY_FOR(r->parts, i)
	{
		strbuf_printf(b, "%s%llu..%llu", i ? " | " : "",
			      (unsigned long long)r->parts[i].min_u64,
			      (unsigned long long)r->parts[i].max_u64);
	}
}

static int check_number(struct conf_edit *e, const struct lysc_node *s,
			const char *what, const char *word)
{
	struct strbuf r = STRBUF_INIT, why = STRBUF_INIT;
	const char *q;
	int rc = CMD_SUCCESS;

	for (q = word; *q >= '0' && *q <= '9'; q++)
		;
	if (q == word || *q || q - word > 20) {
		rc = bad(e, what, word, "not a number");
	} else if (lyd_value_validate(NULL, s, word, strlen(word), NULL, NULL,
				      NULL) != LY_SUCCESS) {
		range_text(s, &r);
		strbuf_printf(&why, "out of range (%s)", strbuf_str(&r));
		rc = bad(e, what, word, strbuf_str(&why));
	}
	strbuf_free(&r);
	strbuf_free(&why);
	return rc;
}

static int check_prefix(struct conf_edit *e, const char *what,
			const char *word)
{
	struct mep_prefix pfx;
	const char *why = NULL;

	if (mep_prefix_parse(word, &pfx, &why) == 0)
		return CMD_SUCCESS;
	return bad(e, what, word, why ? why : "malformed prefix");
}

/* Linux interface name: 1..15 of [A-Za-z0-9_.-], not "." or "..". */
static int check_ifname(struct conf_edit *e, const char *what,
			const char *word)
{
	size_t n = strspn(word, "abcdefghijklmnopqrstuvwxyz"
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");

	if (n == strlen(word) && n >= 1 && n <= 15 &&
	    strcmp(word, ".") != 0 && strcmp(word, "..") != 0)
		return CMD_SUCCESS;
	return bad(e, what, word,
		   "invalid interface name (1..15 characters: letters, "
		   "digits, '_', '.' or '-'; not \".\" or \"..\")");
}

static int check_address(struct conf_edit *e, const char *what,
			 const char *word)
{
	struct mep_addr a;

	if (mep_addr_parse(word, &a) == 0)
		return CMD_SUCCESS;
	return bad(e, what, word, "not an IPv4 or IPv6 address");
}

/* Absolute path of a unix socket: '/' then printable characters, at most
 * 107 in all (sun_path). */
static int check_path(struct conf_edit *e, const char *what,
		      const char *word)
{
	size_t n = strlen(word);
	bool ok = n >= 1 && n <= 107 && word[0] == '/';

	for (size_t i = 0; ok && i < n; i++)
		ok = word[i] > ' ' && word[i] <= '~';
	if (ok)
		return CMD_SUCCESS;
	return bad(e, what, word,
		   "must be an absolute path of 1..107 printable characters "
		   "without spaces");
}

int conf_arg_check(struct conf_edit *e, enum conf_arg arg,
		   const struct lysc_node *s, const char *what,
		   const char *word, const char *const *values,
		   const char **canon)
{
	int k = 0, rc = CMD_SUCCESS;

	if (canon)
		*canon = word;
	switch (arg) {
	case ARG_NONE:
	case ARG_HOST:
	case ARG_CONNECTION:
		break;
	case ARG_NAME:
		rc = conf_arg_name(e, what, word);
		break;
	case ARG_NUMBER:
		rc = check_number(e, s, what, word);
		break;
	case ARG_KEYWORD:
		rc = conf_arg_keyword(e, what, word, values, &k);
		if (rc == CMD_SUCCESS && canon)
			*canon = values[k];
		break;
	case ARG_PREFIX:
		rc = check_prefix(e, what, word);
		break;
	case ARG_ADDRESS:
		rc = check_address(e, what, word);
		break;
	case ARG_IFNAME:
		rc = check_ifname(e, what, word);
		break;
	case ARG_PATH:
		rc = check_path(e, what, word);
		break;
	case ARG_KEY:
		if (lyd_value_validate(NULL, s, word, strlen(word), NULL, NULL,
				       NULL) != LY_SUCCESS)
			rc = conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED,
					    "%s: must be 8..128 printable "
					    "characters without spaces",
					    what);
		break;
	}
	return rc;
}

const char *conf_arg_hint(enum conf_arg arg)
{
	switch (arg) {
	case ARG_HOST:
		return "not an IPv4/IPv6 address or a DNS name";
	case ARG_CONNECTION:
		return "expected 1..127 characters of [A-Za-z0-9_.-]";
	default:
		return NULL;
	}
}

/* "(1-252|256-4294967295)" from the leaf's ranges. */
static void range_placeholder(const struct lysc_node *s, struct strbuf *spec)
{
	struct strbuf r = STRBUF_INIT;

	if (!s || !(s->nodetype & LYS_LEAF)) {
		strbuf_puts(spec, "NUMBER");
		return;
	}
	range_text(s, &r);
	strbuf_puts(spec, "(");
	for (const char *c = strbuf_str(&r); *c; c++) {
		if (*c == '.' && c[1] == '.') {
			strbuf_puts(spec, "-");
			c++;
		} else if (*c != ' ') {
			strbuf_add(spec, c, 1);
		}
	}
	strbuf_puts(spec, ")");
	strbuf_free(&r);
}

void conf_arg_placeholder(enum conf_arg arg, const struct lysc_node *s,
			  const char *const *values,
			  const char *const *value_help, const char *arg_help,
			  struct strbuf *spec, struct strbuf *help)
{
	static const struct {
		const char *spec, *help;
	} shown[] = {
		[ARG_NONE] = { "", "" },
		[ARG_NAME] = { "NAME", NAME_HELP },
		[ARG_NUMBER] = { NULL, "Number" },
		[ARG_KEYWORD] = { NULL, NULL },
		[ARG_PREFIX] = { "A.B.C.D/M|X:X::X:X/M", "IPv4 or IPv6 prefix" },
		[ARG_ADDRESS] = { "A.B.C.D|X:X::X:X", "IPv4 or IPv6 address" },
		[ARG_HOST] = { "A.B.C.D|X:X::X:X|HOSTNAME",
			       "Address or DNS name" },
		[ARG_CONNECTION] = { "NAME", "Connection name" },
		[ARG_IFNAME] = { "IFNAME", "Interface name" },
		[ARG_PATH] = { "PATH", "Absolute path" },
		[ARG_KEY] = { "KEY", "8..128 printable characters" },
	};

	if (arg == ARG_NONE)
		return;
	if (arg == ARG_KEYWORD) {
		for (int i = 0; values[i]; i++) {
			strbuf_printf(spec, "%s%s", i ? "|" : "", values[i]);
			strbuf_printf(help, "%s\n",
				      value_help ? value_help[i] : values[i]);
		}
		return;
	}
	if (arg == ARG_NUMBER)
		range_placeholder(s, spec);
	else
		strbuf_puts(spec, shown[arg].spec);
	strbuf_printf(help, "%s\n", arg_help ? arg_help : shown[arg].help);
}
