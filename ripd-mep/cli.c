/* cli: exec and configuration commands of the ripd-mep vty. */
#include "cli.h"

#include <libyang/libyang.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "cmd.h"
#include "conf_load.h"
#include "conf_merge.h"
#include "conf_parse.h"
#include "conf_render.h"
#include "log.h"
#include "state.h"

struct cli_session {
	struct daemon *d;
	unsigned id;			/* "vty session N" */
	struct conf_parser *parser;	/* non-NULL in configuration mode */
	struct lyd_node *candidate;	/* edited by parser */
	struct lyd_node *base;		/* running when the session entered
					 * configuration mode */
	uint64_t base_gen;		/* its generation */
	uint64_t seen_gen;		/* commits told about up to here */
	int lineno;			/* lines typed in configuration mode */
	long exec_timeout;		/* seconds; -1: the daemon's default */
};

struct cli_session *cli_session_new(struct daemon *d)
{
	struct cli_session *s = calloc(1, sizeof(*s));

	if (s) {
		s->d = d;
		s->id = ++d->next_session;
		s->exec_timeout = -1;
	}
	return s;
}

long cli_session_timeout(const struct cli_session *s)
{
	return s->exec_timeout;
}

static void leave_config(struct cli_session *s)
{
	conf_parser_free(s->parser);
	lyd_free_all(s->candidate);
	lyd_free_all(s->base);
	s->parser = NULL;
	s->candidate = NULL;
	s->base = NULL;
	if (s->d->config_lock == s->id)
		s->d->config_lock = 0;
}

void cli_session_free(struct cli_session *s)
{
	if (!s)
		return;
	leave_config(s);
	free(s);
}

/* Words of the command, with a keyword matcher that reports its own
 * errors. */
struct words {
	struct cmd_tokens *t;
	int status;		/* first error, CMD_SUCCESS otherwise */
	struct strbuf *out;
};

/* Is word i the keyword kw (or a unique abbreviation among alts)? */
static int kw(struct words *w, int i, const char *const *alts)
{
	int k;

	if (i >= w->t->n)
		return CMD_KW_NONE;
	k = cmd_keyword(w->t->v[i], alts);
	if (k == CMD_KW_AMBIGUOUS && w->status == CMD_SUCCESS) {
		strbuf_printf(w->out, "%% Ambiguous command: %s\n",
			      w->t->v[i]);
		w->status = CMD_ERR_AMBIGUOUS;
	}
	return k;
}

/* Does the command end with the word json (removed when so)? Only the
 * whole word: a gateway may be called "j". */
static bool take_json(struct words *w)
{
	if (w->t->n > 0 && strcmp(w->t->v[w->t->n - 1], "json") == 0) {
		w->t->n--;
		return true;
	}
	return false;
}

/* The line without its first word and the blanks around it. */
static const char *after_first_word(const char *line)
{
	line += strspn(line, " \t");
	line += strcspn(line, " \t");
	return line + strspn(line, " \t");
}

static int unknown(struct strbuf *out, const char *line)
{
	strbuf_printf(out, "%% Unknown command: %s\n", line);
	return CMD_ERR_NO_MATCH;
}

static int incomplete(struct strbuf *out, const char *line)
{
	strbuf_printf(out, "%% Command incomplete: %s\n", line);
	return CMD_ERR_INCOMPLETE;
}

/* ---- show ---------------------------------------------------------- */

static void show_running(struct cli_session *s, struct strbuf *out)
{
	strbuf_printf(out, "!\n! ripd-mep %s running configuration\n!\n",
		      PACKAGE_VERSION);
	conf_render(s->d->running, out);
	strbuf_puts(out, "end\n");
}

static void print_json_or(struct lyd_node *tree, bool json, struct strbuf *out,
			  void (*text)(const struct lyd_node *,
				       struct strbuf *))
{
	if (json)
		state_print_json(tree, out);
	else
		text(tree, out);
	lyd_free_all(tree);
}

static void text_gateways(const struct lyd_node *st, struct strbuf *out)
{
	const struct lyd_node *n;
	int count = 0;

	strbuf_printf(out, "%-16s %-24s %-8s %9s  %-9s %s\n", "Gateway",
		      "Address", "Liveness", "RTT (ms)", "Source",
		      "Last change");
	LY_LIST_FOR(lyd_child(st), n)
	{
		char rtt[32] = "-";
		const char *us;

		if (strcmp(n->schema->name, "gateway") != 0)
			continue;
		count++;
		us = state_get(n, "rtt-us");
		if (*us)
			snprintf(rtt, sizeof(rtt), "%.3f", atof(us) / 1000.0);
		strbuf_printf(out, "%-16s %-24s %-8s %9s  %-9s %s%s%s\n",
			      state_get(n, "name"), state_get(n, "address"),
			      state_get(n, "liveness"), rtt,
			      state_get(n, "verdict-source"),
			      state_get(n, "last-change"),
			      strcmp(state_get(n, "local"), "true") == 0
				      ? "  (this gateway)"
				      : "",
			      strcmp(state_get(n, "override"), "true") == 0
				      ? "  [override]"
				      : "");
	}
	if (!count)
		strbuf_puts(out, "(no gateways configured)\n");
}

static void text_entry_points(const struct lyd_node *st, struct strbuf *out)
{
	const struct lyd_node *n;
	int count = 0;

	LY_LIST_FOR(lyd_child(st), n)
	{
		if (strcmp(n->schema->name, "entry-point") != 0)
			continue;
		if (!count++)
			strbuf_printf(out, "%-16s %-10s %-20s %-9s %-16s %-9s %s\n",
				      "Community", "Satellite", "Destination",
				      "MEP", "Method", "Entry", "Reason");
		strbuf_printf(out, "%-16s %-10s %-20s %-9s %-16s %-9s %s\n",
			      state_get(n, "community"),
			      state_get(n, "satellite"),
			      state_get(n, "destination"), state_get(n, "mep"),
			      state_get(n, "method"),
			      *state_get(n, "gateway") ? state_get(n, "gateway")
						       : "-",
			      state_get(n, "reason"));
	}
	if (!count)
		strbuf_puts(out, "(no entry points: this gateway is not a "
				 "satellite of a MEP group)\n");
}

static void text_tunnels(const struct lyd_node *st, struct strbuf *out)
{
	const struct lyd_node *n, *m;
	int count = 0;

	LY_LIST_FOR(lyd_child(st), n)
	{
		if (strcmp(n->schema->name, "tunnel") != 0)
			continue;
		if (!count++)
			strbuf_printf(out, "%-10s %-12s %-22s %-10s %-25s %s\n",
				      "IKE/CHILD", "Gateway", "Remote",
				      "State", "Since", "Remote selectors");
		{
			char id[32];

			snprintf(id, sizeof(id), "%s/%s",
				 state_get(n, "ike-id"),
				 state_get(n, "child-id"));
			strbuf_printf(out, "%-10s %-12s %-22s %-10s %-25s", id,
				      state_get(n, "gateway"),
				      state_get(n, "remote-address"),
				      state_get(n, "state"),
				      state_get(n, "since"));
		}
		LY_LIST_FOR(lyd_child(n), m)
			if (strcmp(m->schema->name, "remote-ts") == 0)
				strbuf_printf(out, " %s", lyd_get_value(m));
		strbuf_puts(out, "\n");
	}
	if (!count)
		strbuf_puts(out, "(no tunnels)\n");
}

static void text_routes(const struct lyd_node *st, struct strbuf *out)
{
	const struct lyd_node *n;
	int count = 0;

	strbuf_printf(out, "RIM backend: %s, strongSwan: %s\n",
		      *state_get(st, "rim-backend") ? state_get(st, "rim-backend")
						    : "none",
		      *state_get(st, "ipsec-engine")
			      ? state_get(st, "ipsec-engine")
			      : "not started");
	LY_LIST_FOR(lyd_child(st), n)
	{
		if (strcmp(n->schema->name, "route") != 0)
			continue;
		if (!count++)
			strbuf_printf(out, "%-24s %-12s %8s %10s %8s  %s\n",
				      "Prefix", "Gateway", "Distance",
				      "Metric", "Tag", "State");
		strbuf_printf(out, "%-24s %-12s %8s %10s %8s  %s%s%s\n",
			      state_get(n, "prefix"), state_get(n, "gateway"),
			      state_get(n, "distance"), state_get(n, "metric"),
			      state_get(n, "tag"), state_get(n, "state"),
			      *state_get(n, "error") ? ": " : "",
			      state_get(n, "error"));
	}
	if (!count)
		strbuf_puts(out, "(no routes injected)\n");
}

/* How a return path the operator did not configure came about. */
static const char *return_path_note(const char *source)
{
	if (strcmp(source, "default-rim-block") == 0)
		return " (default: the rim block exists)";
	if (strcmp(source, "default-no-rim-block") == 0)
		return " (default: no rim block; replies follow the "
		       "operator's routing)";
	return "";
}

static void text_summary(const struct lyd_node *st, struct strbuf *out)
{
	const struct lyd_node *n;
	int up = 0, down = 0, unknown_ = 0;

	strbuf_printf(out, "ripd-mep %s\n", PACKAGE_VERSION);
	strbuf_printf(out, "Local gateway: %s",
		      *state_get(st, "local-gateway")
			      ? state_get(st, "local-gateway")
			      : "(not configured)");
	LY_LIST_FOR(lyd_child(st), n)
		if (strcmp(n->schema->name, "role") == 0)
			strbuf_printf(out, " %s", lyd_get_value(n));
	strbuf_printf(out, "\nConfiguration: %s (applied %s)\n",
		      state_get(st, "config-file"),
		      state_get(st, "config-loaded"));
	if (*state_get(st, "ipsec-engine"))
		strbuf_printf(out, "strongSwan: %s; RIM backend: %s\n",
			      state_get(st, "ipsec-engine"),
			      state_get(st, "rim-backend"));
	strbuf_puts(out, "Communities:\n");
	LY_LIST_FOR(lyd_child(st), n)
	{
		const struct lyd_node *m;

		if (strcmp(n->schema->name, "community") != 0)
			continue;
		strbuf_printf(out, "  %s: %s, MEP %s", state_get(n, "name"),
			      state_get(n, "type"), state_get(n, "mep"));
		if (*state_get(n, "entry-point"))
			strbuf_printf(out, ", entry point %s, tie-break %s",
				      state_get(n, "entry-point"),
				      state_get(n, "tie-break"));
		strbuf_printf(out, ", return path %s%s\n   ",
			      state_get(n, "return-path"),
			      return_path_note(state_get(n,
							 "return-path-source")));
		LY_LIST_FOR(lyd_child(n), m)
			if (strcmp(m->schema->name, "name") != 0 &&
			    m->schema->nodetype == LYS_LEAFLIST)
				strbuf_printf(out, " %s %s", m->schema->name,
					      lyd_get_value(m));
		strbuf_puts(out, "\n");
	}
	LY_LIST_FOR(lyd_child(st), n)
	{
		const char *l;

		if (strcmp(n->schema->name, "gateway") != 0)
			continue;
		l = state_get(n, "liveness");
		if (strcmp(l, "up") == 0)
			up++;
		else if (strcmp(l, "down") == 0)
			down++;
		else
			unknown_++;
	}
	strbuf_printf(out, "Gateways: %d up, %d down, %d unknown\n", up, down,
		      unknown_);
	text_entry_points(st, out);
}

static void text_resolve(const struct lyd_node *r, struct strbuf *out)
{
	const struct lyd_node *n;

	strbuf_printf(out, "%s: %s -> %s\n", state_get(r, "satellite"),
		      state_get(r, "source"), state_get(r, "destination"));
	if (*state_get(r, "community"))
		strbuf_printf(out, "  community %s, MEP %s, method %s\n",
			      state_get(r, "community"), state_get(r, "mep"),
			      state_get(r, "method"));
	if (*state_get(r, "entry-point"))
		strbuf_printf(out, "  entry point: %s (%s, %s)\n",
			      state_get(r, "entry-point"),
			      state_get(r, "rank"),
			      strcmp(state_get(r, "responding"), "true") == 0
				      ? "responding"
				      : "not responding");
	else
		strbuf_puts(out, "  entry point: none\n");
	strbuf_printf(out, "  reason: %s\n", state_get(r, "reason"));
	LY_LIST_FOR(lyd_child(r), n)
	{
		const char *us;

		if (strcmp(n->schema->name, "candidate") != 0)
			continue;
		us = state_get(n, "rtt-us");
		strbuf_printf(out, "  candidate %-12s %-9s %-7s", state_get(n, "name"),
			      state_get(n, "rank"), state_get(n, "liveness"));
		if (*us)
			strbuf_printf(out, " rtt %.3f ms", atof(us) / 1000.0);
		strbuf_puts(out, "\n");
	}
	if (*state_get(r, "tracking"))
		strbuf_printf(out, "  tracking: %s\n", state_get(r, "tracking"));
}

static int show_resolve(struct cli_session *s, struct words *w, int i,
			bool json, struct strbuf *out)
{
	static const char *const from[] = { "from", NULL };
	struct daemon *d = s->d;
	struct mep_query q = { .satellite = d->cfg.local_gateway,
			       .existing = -1 };
	struct mep_result res;
	struct lyd_node *tree;

	if (w->t->n < i + 2)
		return incomplete(out, "show mep resolve SRC DST [from SATELLITE] [json]");
	if (mep_addr_parse(w->t->v[i], &q.src) < 0 ||
	    mep_addr_parse(w->t->v[i + 1], &q.dst) < 0) {
		strbuf_printf(out, "%% Invalid address: %s\n",
			      mep_addr_parse(w->t->v[i], &q.src) < 0
				      ? w->t->v[i]
				      : w->t->v[i + 1]);
		return CMD_WARNING;
	}
	i += 2;
	if (i < w->t->n) {
		if (kw(w, i, from) != 0 || i + 2 != w->t->n)
			return w->status ? w->status
					 : unknown(out, w->t->v[i]);
		q.satellite = mep_config_gateway_index(&d->cfg, w->t->v[i + 1]);
		if (q.satellite < 0) {
			strbuf_printf(out, "%% Unknown gateway: %s\n",
				      w->t->v[i + 1]);
			return CMD_WARNING;
		}
	}
	if (q.satellite < 0) {
		strbuf_puts(out, "% No local-gateway configured: say which "
				 "satellite with 'from SATELLITE'\n");
		return CMD_WARNING;
	}
	if (q.src.family != q.dst.family) {
		strbuf_puts(out, "% Source and destination must be of the same "
				 "address family\n");
		return CMD_WARNING;
	}
	daemon_resolve(d, &q, &res);
	tree = state_resolve(d, &q, &res);
	print_json_or(tree, json, out, text_resolve);
	return CMD_SUCCESS;
}

static int show_mep(struct cli_session *s, struct words *w, bool json,
		    struct strbuf *out)
{
	static const char *const sub[] = { "gateways",	   "entry-points",
					   "resolve",	   "tunnels",
					   "routes",	   "nat",
					   "communities", NULL };
	struct daemon *d = s->d;
	int k;

	if (w->t->n == 2) {
		print_json_or(state_build(d, STATE_ALL), json, out,
			      text_summary);
		return CMD_SUCCESS;
	}
	k = kw(w, 2, sub);
	if (k == 2)
		return show_resolve(s, w, 3, json, out);
	if (w->t->n != 3 || k < 0)
		return w->status ? w->status : unknown(out, w->t->v[2]);
	switch (k) {
	case 0:
		print_json_or(state_build(d, STATE_GATEWAYS), json, out,
			      text_gateways);
		break;
	case 1:
		print_json_or(state_build(d, STATE_ENTRY_POINTS), json, out,
			      text_entry_points);
		break;
	case 6:
		print_json_or(state_build(d, STATE_COMMUNITIES), json, out,
			      text_summary);
		break;
	case 3:
		print_json_or(state_build(d, STATE_TUNNELS), json, out,
			      text_tunnels);
		break;
	case 4:
		print_json_or(state_build(d, STATE_SUMMARY | STATE_ROUTES),
			      json, out, text_routes);
		break;
	default:
		/* IP Pool NAT is not implemented yet. */
		if (json)
			state_print_json(NULL, out);
		else
			strbuf_printf(out, "(no %s: not available in this "
					   "version)\n", sub[k]);
		break;
	}
	return CMD_SUCCESS;
}

static int cmd_show(struct cli_session *s, struct words *w, const char *line,
		    struct strbuf *out)
{
	static const char *const what[] = { "running-config", "mep", "version",
					    "debugging", NULL };
	bool json = take_json(w);
	int k = kw(w, 1, what);

	if (w->t->n < 2)
		return incomplete(out, line);
	switch (k) {
	case 0:
		show_running(s, out);
		return CMD_SUCCESS;
	case 1:
		return show_mep(s, w, json, out);
	case 2:
		strbuf_printf(out, "ripd-mep %s\n", PACKAGE_VERSION);
		return CMD_SUCCESS;
	case 3:
		strbuf_puts(out, "ripd-mep debugging status:\n");
		for (unsigned a = 1; a <= LOG_DEBUG_VTY; a <<= 1)
			if (log_debug_on(a))
				strbuf_printf(out, "  debug mep %s\n",
					      log_debug_area_name(a));
		return CMD_SUCCESS;
	}
	return w->status ? w->status : unknown(out, line);
}

/* ---- debug --------------------------------------------------------- */

/* debug mep gateway NAME state up|down [rtt MS] | no debug mep gateway
 * NAME | [no] debug mep config|resolve|vty */
static int cmd_debug(struct cli_session *s, struct words *w, int i, bool no,
		     const char *line, struct strbuf *out)
{
	static const char *const mep[] = { "mep", NULL };
	static const char *const area[] = { "gateway", "config", "resolve",
					    "vty", NULL };
	static const char *const state_kw[] = { "state", NULL };
	static const char *const updown[] = { "up", "down", NULL };
	static const char *const rtt_kw[] = { "rtt", NULL };
	double rtt_ms = 0;
	int k;

	if (kw(w, i, mep) != 0)
		return w->status ? w->status
		       : w->t->n <= i ? incomplete(out, line)
				      : unknown(out, line);
	k = kw(w, i + 1, area);
	if (k < 0)
		return w->status ? w->status
		       : w->t->n <= i + 1 ? incomplete(out, line)
					  : unknown(out, line);
	if (k > 0) {
		if (w->t->n != i + 2)
			return unknown(out, line);
		log_debug_set(log_debug_area_by_name(area[k]), !no);
		return CMD_SUCCESS;
	}
	if (w->t->n < i + 3)
		return incomplete(out, line);
	if (no) {
		if (w->t->n != i + 3)
			return unknown(out, line);
		if (daemon_set_override(s->d, w->t->v[i + 2], MEP_LIVE_UNKNOWN,
					0, true) < 0)
			goto no_gateway;
		return CMD_SUCCESS;
	}
	if (w->t->n < i + 5)
		return incomplete(out, line);
	if (kw(w, i + 3, state_kw) != 0 || (k = kw(w, i + 4, updown)) < 0)
		return w->status ? w->status : unknown(out, line);
	if (w->t->n > i + 5) {
		char *end;

		if (kw(w, i + 5, rtt_kw) != 0)
			return w->status ? w->status : unknown(out, line);
		if (w->t->n != i + 7)
			return w->t->n < i + 7 ? incomplete(out, line)
					       : unknown(out, line);
		rtt_ms = strtod(w->t->v[i + 6], &end);
		if (*end || end == w->t->v[i + 6] || !(rtt_ms >= 0) ||
		    rtt_ms > 60000) {
			strbuf_printf(out, "%% Invalid rtt %s: milliseconds "
					   "from 0 to 60000\n",
				      w->t->v[i + 6]);
			return CMD_WARNING;
		}
	}
	if (daemon_set_override(s->d, w->t->v[i + 2],
				k == 0 ? MEP_LIVE_UP : MEP_LIVE_DOWN,
				(uint32_t)(rtt_ms * 1000.0 + 0.5), false) < 0)
		goto no_gateway;
	return CMD_SUCCESS;
no_gateway:
	strbuf_printf(out, "%% Unknown gateway: %s\n", w->t->v[i + 2]);
	return CMD_WARNING;
}

/* ---- configuration mode -------------------------------------------- */

/* "% ... locked by vty session N" when another session holds the lock. */
static bool locked_by_other(struct cli_session *s, struct strbuf *out)
{
	if (!s->d->config_lock || s->d->config_lock == s->id)
		return false;
	strbuf_printf(out,
		      "%% The configuration is locked by vty session %u "
		      "(configure exclusive)\n",
		      s->d->config_lock);
	return true;
}

static int enter_config(struct cli_session *s, bool exclusive,
			struct strbuf *out)
{
	if (s->parser) {
		strbuf_puts(out, "% Already in configuration mode\n");
		return CMD_WARNING;
	}
	if (locked_by_other(s, out))
		return CMD_WARNING;
	s->candidate = NULL;
	s->base = NULL;
	if (s->d->running &&
	    (lyd_dup_siblings(s->d->running, NULL, LYD_DUP_RECURSIVE,
			      &s->candidate) != LY_SUCCESS ||
	     lyd_dup_siblings(s->d->running, NULL, LYD_DUP_RECURSIVE,
			      &s->base) != LY_SUCCESS)) {
		leave_config(s);
		strbuf_puts(out, "% Out of memory\n");
		return CMD_WARNING;
	}
	s->base_gen = s->seen_gen = s->d->history.gen;
	if (exclusive)
		s->d->config_lock = s->id;
	s->parser = conf_parser_new(s->d->ctx, &s->candidate,
				    CONF_PARSE_INTERACTIVE, "vty");
	if (!s->parser) {
		leave_config(s);
		strbuf_puts(out, "% Out of memory\n");
		return CMD_WARNING;
	}
	s->lineno = 0;
	return CMD_SUCCESS;
}

static int parser_line_of(const void *arg, const char *path)
{
	return conf_parser_line_of(arg, path);
}

/* Commit the session's edits onto the running configuration as it is
 * now (conf_merge: a colleague's commit or a file reload made meanwhile is
 * kept; an edit of a node they changed is a conflict) as one transaction;
 * stay in configuration mode when it fails. */
static int commit(struct cli_session *s, struct strbuf *out)
{
	struct lyd_node *copy = NULL;
	struct conf_candidate cand;
	struct strbuf err = STRBUF_INIT;
	char source[32];
	int rc;

	if (locked_by_other(s, out)) {
		strbuf_puts(out, "% Still in configuration mode: 'end' again "
				 "when the lock is released, or 'abort'.\n");
		return CMD_WARNING_CONFIG_FAILED;
	}
	rc = conf_merge(&s->d->history, s->base_gen, s->base, s->candidate,
			s->d->running, &copy, &err);
	if (rc != 0) {
		strbuf_printf(out,
			      "%% Configuration not applied: %s\n"
			      "%% Nothing was changed. Still in configuration "
			      "mode: 'show configuration changes' lists your "
			      "edits; redo them on the current configuration "
			      "('abort', then 'configure terminal'), or "
			      "'abort' to discard them.\n",
			      strbuf_str(&err));
		strbuf_free(&err);
		return CMD_WARNING_CONFIG_FAILED;
	}
	if (conf_load_tree(s->d->ctx, copy, "vty", parser_line_of, s->parser,
			   &cand, &err) < 0) {
		strbuf_printf(out,
			      "%% Configuration not applied: %s\n"
			      "%% Still in configuration mode: fix it, or "
			      "'abort' to discard the changes.\n",
			      strbuf_str(&err));
		strbuf_free(&err);
		return CMD_WARNING_CONFIG_FAILED;
	}
	strbuf_free(&err);
	if (cand.warnings.len)
		strbuf_puts(out, strbuf_str(&cand.warnings));
	snprintf(source, sizeof(source), "vty session %u", s->id);
	daemon_apply_from(s->d, &cand, source);
	log_info("configuration changed from the vty (%s)", source);
	leave_config(s);
	return CMD_SUCCESS;
}

/* show configuration candidate|changes|running (configuration mode). */
static int show_configuration(struct cli_session *s, struct words *w, int i,
			      struct strbuf *out)
{
	static const char *const what[] = { "candidate", "changes", "running",
					    NULL };
	int k = kw(w, i, what);

	if (k < 0 || w->t->n != i + 1) {
		if (w->status)
			return w->status;
		return w->t->n <= i
			       ? incomplete(out, "show configuration "
						 "candidate|changes|running")
			       : unknown(out, w->t->v[w->t->n - 1]);
	}
	if (k == 2) {
		show_running(s, out);
	} else if (k == 0) {
		strbuf_puts(out, "!\n! candidate configuration of this "
				 "session (not applied until 'end')\n!\n");
		conf_render(s->candidate, out);
		strbuf_puts(out, "end\n");
	} else {
		struct strbuf ch = STRBUF_INIT;
		int n = conf_changes(s->base, s->candidate, &ch);

		if (n < 0)
			strbuf_puts(out, "% Cannot compare the candidate\n");
		else if (n == 0)
			strbuf_puts(out, "(no pending changes)\n");
		else
			strbuf_puts(out, strbuf_str(&ch));
		strbuf_free(&ch);
	}
	return CMD_SUCCESS;
}

struct notice {
	struct strbuf *out;
	unsigned self;
};

static void tell_commit(void *arg, const struct conf_commit *c)
{
	struct notice *n = arg;
	char own[32], when[16];
	struct tm tm;

	snprintf(own, sizeof(own), "vty session %u", n->self);
	if (strcmp(c->source, own) == 0 || c->n_paths == 0)
		return;
	localtime_r(&c->when, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	strbuf_printf(n->out,
		      "%% Note: the running configuration was changed by %s "
		      "at %s (%zu node%s) since you entered configuration "
		      "mode; your edits will be merged onto it at 'end'\n",
		      c->source, when, c->n_paths,
		      c->n_paths == 1 ? "" : "s");
}

/* Tell a session in configuration mode about commits made by others (a
 * file reload, another vty session) since it last heard. */
static void tell_new_commits(struct cli_session *s, struct strbuf *out)
{
	struct notice n = { out, s->id };

	if (!s->parser || s->seen_gen >= s->d->history.gen)
		return;
	conf_history_since(&s->d->history, s->seen_gen, tell_commit, &n);
	s->seen_gen = s->d->history.gen;
}

static int exec_line(struct cli_session *s, const char *line,
		     struct strbuf *out);

static int config_line(struct cli_session *s, struct words *w,
		       const char *line, struct strbuf *out)
{
	static const char *const first[] = { "end", "do", "abort", "exit",
					     NULL };
	struct strbuf err = STRBUF_INIT;
	int k = w->t->n ? cmd_keyword(w->t->v[0], first) : CMD_KW_NONE;
	int rc;

	if (k == 0 && w->t->n == 1)
		return commit(s, out);
	if (k == 1 && w->t->n > 1)
		return exec_line(s, after_first_word(line), out);
	if (k == 2 && w->t->n == 1) {
		leave_config(s);
		strbuf_puts(out, "% Changes discarded\n");
		return CMD_SUCCESS;
	}
	if (k == 3 && w->t->n == 1 &&
	    strcmp(conf_parser_node(s->parser), "config") == 0)
		return commit(s, out);
	{
		/* [do] show configuration ...: this session's candidate */
		static const char *const show_kw[] = { "show", NULL };
		static const char *const conf_kw[] = { "configuration", NULL };
		int i = k == 1 ? 1 : 0;

		if (w->t->n > i + 1 && cmd_keyword(w->t->v[i], show_kw) == 0 &&
		    cmd_keyword(w->t->v[i + 1], conf_kw) == 0)
			return show_configuration(s, w, i + 2, out);
	}
	rc = conf_parser_line(s->parser, line, ++s->lineno, &err);
	if (rc != CMD_SUCCESS)
		strbuf_printf(out, "%% %s\n", strbuf_str(&err));
	strbuf_free(&err);
	return rc;
}

/* A decimal number in [0, max]; -1 otherwise. */
static long cli_number(const char *word, long max)
{
	char *end;
	long v;

	if (!*word || strspn(word, "0123456789") != strlen(word) ||
	    strlen(word) > 10)
		return -1;
	v = strtol(word, &end, 10);
	return v <= max ? v : -1;
}

/* exec-timeout MIN [SEC] (FRR's ranges; 0 0: none) | no exec-timeout */
static int cmd_exec_timeout(struct cli_session *s, struct words *w, bool no,
			    const char *line, struct strbuf *out)
{
	long min, sec = 0;

	if (no) {
		if (w->t->n != 2)
			return unknown(out, line);
		s->exec_timeout = -1;
		return CMD_SUCCESS;
	}
	if (w->t->n < 2 || w->t->n > 3) {
		strbuf_puts(out, "% Usage: exec-timeout MINUTES [SECONDS] "
				 "(0 0: no timeout)\n");
		return CMD_WARNING;
	}
	min = cli_number(w->t->v[1], 35791);
	if (w->t->n == 3)
		sec = cli_number(w->t->v[2], 2147483);
	if (min < 0 || sec < 0) {
		strbuf_puts(out, "% exec-timeout: MINUTES 0-35791, SECONDS "
				 "0-2147483\n");
		return CMD_WARNING;
	}
	s->exec_timeout = min * 60 + sec;
	return CMD_SUCCESS;
}

/* ---- dispatch ------------------------------------------------------ */

static int exec_line(struct cli_session *s, const char *line,
		     struct strbuf *out)
{
	static const char *const first[] = {
		"show", "configure", "write", "copy", "debug", "no",
		"echo", "exit", "quit", "end", "help", "exec-timeout", NULL
	};
	static const char *const terminal[] = { "terminal", "exclusive",
						NULL };
	static const char *const wr[] = { "memory", "file", "terminal", NULL };
	static const char *const debug[] = { "debug", "exec-timeout", NULL };
	const char *why = NULL;
	struct words w = { .t = cmd_tokenize(line, &why), .out = out };
	int k, rc = CMD_SUCCESS;

	if (!w.t) {
		strbuf_printf(out, "%% %s\n", why);
		return CMD_WARNING;
	}
	if (w.t->n == 0)
		goto done;
	k = kw(&w, 0, first);
	switch (k) {
	case 0:
		rc = cmd_show(s, &w, line, out);
		break;
	case 1:
		k = w.t->n == 2 ? kw(&w, 1, terminal) : 0;
		if (w.t->n > 2 || k < 0)
			rc = w.status ? w.status : unknown(out, line);
		else
			rc = enter_config(s, k == 1, out);
		break;
	case 2:
		k = w.t->n == 1 ? 0 : kw(&w, 1, wr);
		if (k < 0 || w.t->n > 2) {
			rc = w.status ? w.status : unknown(out, line);
		} else if (k == 2) {
			show_running(s, out);
		} else {
			struct strbuf err = STRBUF_INIT;

			strbuf_puts(out, "Building Configuration...\n");
			if (daemon_write_config(s->d, &err) < 0) {
				strbuf_printf(out, "%% %s\n", strbuf_str(&err));
				rc = CMD_WARNING;
			} else {
				strbuf_printf(out,
					      "Configuration saved to %s\n[OK]\n",
					      s->d->config_path);
			}
			strbuf_free(&err);
		}
		break;
	case 3: {
		static const char *const rs[] = { "running-config",
						  "startup-config", NULL };

		if (w.t->n != 3 || kw(&w, 1, rs) != 0 || kw(&w, 2, rs) != 1) {
			rc = w.status ? w.status : unknown(out, line);
			break;
		}
		rc = exec_line(s, "write memory", out);
		break;
	}
	case 4:
		rc = cmd_debug(s, &w, 1, false, line, out);
		break;
	case 5:
		k = kw(&w, 1, debug);
		if (k == 1)
			rc = cmd_exec_timeout(s, &w, true, line, out);
		else if (k != 0)
			rc = w.status ? w.status : unknown(out, line);
		else
			rc = cmd_debug(s, &w, 2, true, line, out);
		break;
	case 6:
		strbuf_printf(out, "%s\n", after_first_word(line));
		break;
	case 7:
	case 8:
	case 9:
		break;		/* exec mode: the shell closes the session */
	case 10:
		strbuf_puts(out,
			    "show running-config\n"
			    "show mep [json]\n"
			    "show mep gateways [json]\n"
			    "show mep entry-points [json]\n"
			    "show mep tunnels [json]\n"
			    "show mep routes [json]\n"
			    "show mep resolve SRC DST [from SATELLITE] [json]\n"
			    "show version\n"
			    "show debugging\n"
			    "configure terminal | configure exclusive\n"
			    "show configuration candidate|changes|running "
			    "(configuration mode)\n"
			    "write memory | write terminal\n"
			    "[no] debug mep gateway NAME state up|down "
			    "[rtt MS]\n"
			    "[no] debug mep config|resolve|vty\n"
			    "echo TEXT\n"
			    "[no] exec-timeout MINUTES [SECONDS]\n");
		break;
	case 11:
		rc = cmd_exec_timeout(s, &w, false, line, out);
		break;
	default:
		rc = w.status ? w.status : unknown(out, line);
	}
done:
	free(w.t);
	return rc;
}

int cli_exec(struct cli_session *s, const char *line, struct strbuf *out)
{
	const char *why = NULL;
	struct words w = { .t = cmd_tokenize(line, &why), .out = out };
	int rc = CMD_SUCCESS;

	if (!w.t) {
		strbuf_printf(out, "%% %s\n", why);
		return CMD_WARNING;
	}
	log_debug(LOG_DEBUG_VTY, "vty: %s", line);
	/* The prompt query of mepsh works in every mode. */
	if (w.t->n == 1 && strcmp(w.t->v[0], "_node") == 0)
		strbuf_printf(out, "%s\n",
			      s->parser ? conf_parser_node(s->parser) : "exec");
	else if (s->parser && w.t->n > 0) {
		tell_new_commits(s, out);
		rc = config_line(s, &w, line, out);
	} else
		rc = exec_line(s, line, out);
	free(w.t);
	return rc;
}
