/* cli: exec and configuration commands of the ripd-mep vty. */
#include "cli.h"

#include <libyang/libyang.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cmd_table.h"
#include "conf_load.h"
#include "conf_merge.h"
#include "conf_parse.h"
#include "conf_render.h"
#include "log.h"
#include "state.h"
#include "steer_child_swanctl.h"

struct cli_session {
	struct daemon *d;
	unsigned id;			/* "vty session N" */
	struct cmd_table *exec;		/* exec_cmds */
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
	struct strbuf err = STRBUF_INIT;
	const struct cmd_def *defs;
	int n;

	if (!s)
		return NULL;
	s->d = d;
	s->id = ++d->next_session;
	s->exec_timeout = -1;
	defs = cli_exec_commands(&n);
	s->exec = cmd_table_new(defs, n, &err);
	if (!s->exec) {
		log_err("cli: %s", strbuf_str(&err));
		free(s);
		s = NULL;
	}
	strbuf_free(&err);
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
	cmd_table_free(s->exec);
	free(s);
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

	strbuf_printf(out, "%-16s %-24s %-8s %9s %9s  %-9s %6s %-5s %s\n",
		      "Gateway", "Address", "Liveness", "RTT (ms)",
		      "SRTT (ms)", "Source", "Losses", "Drain", "Last change");
	LY_LIST_FOR(lyd_child(st), n)
	{
		char rtt[32] = "-", srtt[32] = "-";
		const char *us;

		if (strcmp(n->schema->name, "gateway") != 0)
			continue;
		count++;
		us = state_get(n, "rtt-us");
		if (*us)
			snprintf(rtt, sizeof(rtt), "%.3f", atof(us) / 1000.0);
		us = state_get(n, "srtt-us");
		if (*us)
			snprintf(srtt, sizeof(srtt), "%.3f",
				 atof(us) / 1000.0);
		strbuf_printf(out,
			      "%-16s %-24s %-8s %9s %9s  %-9s %6s %-5s %s%s%s\n",
			      state_get(n, "name"), state_get(n, "address"),
			      state_get(n, "liveness"), rtt, srtt,
			      state_get(n, "verdict-source"),
			      *state_get(n, "losses") ? state_get(n, "losses")
						      : "-",
			      strcmp(state_get(n, "draining"), "true") == 0
				      ? "yes"
				      : "no",
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

static const char *const reject_leaf[] = {
	"truncated", "oversized", "version", "hmac", "unknown-sender",
	"replay", "rate-limit", "never-sent", "late",
};
static const char *const reject_words[] = {
	"truncated", "oversized", "version", "HMAC", "unknown sender",
	"replay", "rate limit", "reply never sent", "late",
};

/* "version 2, HMAC 5" (causes with a count), or "none". */
static void text_rejects(const struct lyd_node *n, struct strbuf *out)
{
	const struct lyd_node *r = NULL;
	bool any = false;

	lyd_find_path(n, "rejected", 0, (struct lyd_node **)&r);
	for (size_t i = 0; r && i < sizeof(reject_leaf) / sizeof(*reject_leaf);
	     i++) {
		const char *v = state_get(r, reject_leaf[i]);

		if (!*v || strcmp(v, "0") == 0)
			continue;
		strbuf_printf(out, "%s%s %s", any ? ", " : "", reject_words[i],
			      v);
		any = true;
	}
	if (!any)
		strbuf_puts(out, "none");
}

static void text_probes(const struct lyd_node *st, struct strbuf *out)
{
	const struct lyd_node *n;
	int count = 0;

	LY_LIST_FOR(lyd_child(st), n)
	{
		if (strcmp(n->schema->name, "probe-peer") != 0)
			continue;
		if (!count++)
			strbuf_printf(out, "%-16s %-9s %-24s %8s %8s %6s  %s\n",
				      "Peer", "Role", "Address", "Sent",
				      "Answered", "Lost",
				      "Rejected / last heard");
		if (strcmp(state_get(n, "role"), "center") == 0) {
			strbuf_printf(out, "%-16s %-9s %-24s %8s %8s %6s  ",
				      state_get(n, "name"), "center",
				      state_get(n, "address"),
				      state_get(n, "sent"),
				      state_get(n, "answered"),
				      state_get(n, "lost"));
			text_rejects(n, out);
		} else {
			strbuf_printf(out,
				      "%-16s %-9s %-24s %8s %8s %6s  heard %s",
				      state_get(n, "name"), "satellite",
				      state_get(n, "address"), "-",
				      state_get(n, "answered"), "-",
				      state_get(n, "last-heard"));
			if (*state_get(n, "last-heard-ago-ms"))
				strbuf_printf(out, " (%s ms ago)",
					      state_get(n,
							"last-heard-ago-ms"));
			if (strcmp(state_get(n, "silent"), "true") == 0)
				strbuf_puts(out, ", SILENT: RIM routes "
						 "withdrawn");
			strbuf_puts(out, "; rejected ");
			text_rejects(n, out);
		}
		strbuf_puts(out, "\n");
	}
	if (!count)
		strbuf_puts(out, "(no probe peers: this gateway probes no "
				 "center and no satellite probes it)\n");
	LY_LIST_FOR(lyd_child(st), n)
	{
		if (strcmp(n->schema->name, "probe-totals") != 0)
			continue;
		strbuf_printf(out, "Requests received %s, answered %s; "
				   "rejected: ",
			      state_get(n, "received"),
			      state_get(n, "answered"));
		text_rejects(n, out);
		strbuf_puts(out, "\n");
	}
}

/* show mep steering: route steering's tables, bucket centers, routes. */
static void text_steering(const struct lyd_node *st, struct strbuf *out)
{
	const struct lyd_node *sn = NULL, *n;
	int count = 0;

	LY_LIST_FOR(lyd_child(st), n)
		if (strcmp(n->schema->name, "steering") == 0)
			sn = n;
	if (!sn) {
		strbuf_puts(out, "(no route steering: no community with "
				 "steering route has this gateway as a "
				 "satellite)\n");
		return;
	}
	strbuf_printf(out, "Route steering: table %s, protocol %s, %s "
			   "buckets, nftables table inet ripd_mep_steer: %s\n",
		      state_get(sn, "table"), state_get(sn, "protocol"),
		      state_get(sn, "buckets"), state_get(sn, "nft-table"));
	if (*state_get(sn, "error"))
		strbuf_printf(out, "Error: %s\n", state_get(sn, "error"));
	LY_LIST_FOR(lyd_child(sn), n)
	{
		if (strcmp(n->schema->name, "center") != 0)
			continue;
		if (!count++)
			strbuf_printf(out, "%-12s %-15s %-10s %-10s %-10s %s\n",
				      "Center", "Interface", "Mark", "Table",
				      "Responding", "Buckets");
		strbuf_printf(out, "%-12s %-15s 0x%-8lx %-10s %-10s %s\n",
			      state_get(n, "name"), state_get(n, "interface"),
			      strtoul(state_get(n, "mark"), NULL, 10),
			      state_get(n, "table"),
			      strcmp(state_get(n, "responding"), "true") == 0
				      ? "yes"
				      : "no",
			      state_get(n, "buckets"));
	}
	count = 0;
	LY_LIST_FOR(lyd_child(sn), n)
	{
		if (strcmp(n->schema->name, "route") != 0)
			continue;
		if (!count++)
			strbuf_printf(out, "%-10s %-22s %-15s %s\n", "Table",
				      "Destination", "Interface", "Center");
		strbuf_printf(out, "%-10s %-22s %-15s %s\n",
			      state_get(n, "table"),
			      state_get(n, "destination"),
			      state_get(n, "interface"),
			      state_get(n, "gateway"));
	}
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
		if (*state_get(n, "steering-state"))
			strbuf_printf(out, "%-16s steering: %s%s%s, since %s\n",
				      "", state_get(n, "steering-state"),
				      *state_get(n, "steering-via") ? " via "
								    : "",
				      state_get(n, "steering-via"),
				      state_get(n, "steering-since"));
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
		strbuf_printf(out, "%-24s %-12s %8s %10s %8s  %s%s%s%s%s\n",
			      state_get(n, "prefix"), state_get(n, "gateway"),
			      *state_get(n, "distance") ? state_get(n, "distance")
							: "-",
			      *state_get(n, "metric") ? state_get(n, "metric")
						      : "-",
			      *state_get(n, "tag") ? state_get(n, "tag") : "-",
			      state_get(n, "state"),
			      *state_get(n, "error") ? ": " : "",
			      state_get(n, "error"),
			      *state_get(n, "reason") ? ": " : "",
			      state_get(n, "reason"));
	}
	if (!count)
		strbuf_puts(out, "(no routes injected)\n");
	/* the peers whose routes are not injected, and why */
	LY_LIST_FOR(lyd_child(st), n)
	{
		const char *why = state_get(n, "state");

		if (strcmp(n->schema->name, "rim-peer") != 0 ||
		    strcmp(why, "tunnel-up") == 0)
			continue;
		strbuf_printf(out, "Peer %s: no routes, %s\n",
			      state_get(n, "name"),
			      strcmp(why, "satellite-silent") == 0
				      ? "satellite silent (tunnel up, probes "
					"stopped)"
				      : "tunnel down");
	}
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

static void text_communities(const struct lyd_node *st, struct strbuf *out)
{
	const struct lyd_node *n;
	int count = 0;

	LY_LIST_FOR(lyd_child(st), n)
	{
		const struct lyd_node *m;

		if (strcmp(n->schema->name, "community") != 0)
			continue;
		if (!count++)
			strbuf_puts(out, "Communities:\n");
		strbuf_printf(out, "  %s: %s, MEP %s", state_get(n, "name"),
			      state_get(n, "type"), state_get(n, "mep"));
		if (*state_get(n, "entry-point"))
			strbuf_printf(out, ", entry point %s, tie-break %s",
				      state_get(n, "entry-point"),
				      state_get(n, "tie-break"));
		strbuf_printf(out, ", return path %s%s, steering %s\n   ",
			      state_get(n, "return-path"),
			      return_path_note(state_get(n,
							 "return-path-source")),
			      state_get(n, "steering"));
		LY_LIST_FOR(lyd_child(n), m)
			if (strcmp(m->schema->name, "name") != 0 &&
			    m->schema->nodetype == LYS_LEAFLIST)
				strbuf_printf(out, " %s %s", m->schema->name,
					      lyd_get_value(m));
		strbuf_puts(out, "\n");
	}
	if (!count)
		strbuf_puts(out, "(no communities configured)\n");
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
	if (strcmp(state_get(st, "draining"), "true") == 0)
		strbuf_puts(out, "Draining: yes (mep drain): satellites "
				 "choose other centers\n");
	text_communities(st, out);
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

static int show_resolve(struct cli_session *s, const struct cmd_args *a,
			struct strbuf *out)
{
	struct daemon *d = s->d;
	struct mep_query q = { .satellite = d->cfg.local_gateway,
			       .existing = -1 };
	const char *src = cmd_arg(a, "src"), *dst = cmd_arg(a, "dst");
	const char *sat = cmd_arg(a, "sat");
	struct mep_result res;
	struct lyd_node *tree;

	if (mep_addr_parse(src, &q.src) < 0 || mep_addr_parse(dst, &q.dst) < 0) {
		strbuf_printf(out, "%% Invalid address: %s\n",
			      mep_addr_parse(src, &q.src) < 0 ? src : dst);
		return CMD_WARNING;
	}
	if (sat) {
		q.satellite = mep_config_gateway_index(&d->cfg, sat);
		if (q.satellite < 0) {
			strbuf_printf(out, "%% Unknown gateway: %s\n", sat);
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
	print_json_or(tree, cmd_arg(a, "json") != NULL, out, text_resolve);
	return CMD_SUCCESS;
}

static void text_nat(const struct lyd_node *st, struct strbuf *out)
{
	const struct lyd_node *n;
	int pools = 0, maps = 0;

	LY_LIST_FOR(lyd_child(st), n)
	{
		if (strcmp(n->schema->name, "nat-pool") == 0) {
			pools++;
			strbuf_printf(out,
				      "IP Pool NAT on %s: pool %s, table %s: %s\n"
				      "  sources: size %s, used %s, free %s, "
				      "peak %s\n"
				      "  addresses in use %s, connections %s, "
				      "refused %s, events dropped %s\n",
				      state_get(n, "gateway"),
				      state_get(n, "prefix"),
				      state_get(n, "table"),
				      state_get(n, "status"),
				      state_get(n, "size"), state_get(n, "used"),
				      state_get(n, "free"), state_get(n, "peak"),
				      state_get(n, "addresses-in-use"),
				      state_get(n, "connections"),
				      state_get(n, "refused"),
				      state_get(n, "events-dropped"));
			continue;
		}
		if (strcmp(n->schema->name, "nat-satellite") == 0) {
			strbuf_printf(out, "  satellite %s: %s source(s), %s "
					   "connection(s)\n",
				      state_get(n, "name"),
				      state_get(n, "sources"),
				      state_get(n, "connections"));
			continue;
		}
		if (strcmp(n->schema->name, "nat-mapping") != 0)
			continue;
		if (!maps++)
			strbuf_printf(out, "%-40s %-40s %-16s %s\n",
				      "Original source", "Pool address",
				      "Satellite", "Connections");
		strbuf_printf(out, "%-40s %-40s %-16s %s\n",
			      state_get(n, "original-source"),
			      state_get(n, "pool-address"),
			      state_get(n, "satellite"),
			      state_get(n, "connections"));
	}
	if (!pools) {
		strbuf_puts(out, "IP Pool NAT: not a NAT center (no community "
				 "with return-path ip-pool-nat has this "
				 "gateway as a center with an ip-pool)\n");
		return;
	}
	if (!maps)
		strbuf_puts(out, "(no mappings)\n");
	LY_LIST_FOR(lyd_child(st), n)
		if (strcmp(n->schema->name, "nat-pool") == 0 &&
		    *state_get(n, "next-from"))
			strbuf_printf(out, "(more: show mep nat from %s)\n",
				      state_get(n, "next-from"));
}

/* show mep nat [from ADDRESS] [count N] [json]: one page of mappings
 * (default 1000) in address order, from ADDRESS on. */
#define NAT_PAGE_DEFAULT 1000

static int show_nat_cmd(void *ctx, const struct cmd_args *a,
			struct strbuf *out)
{
	struct cli_session *s = ctx;
	const char *from = cmd_arg(a, "start");
	const char *count = cmd_arg(a, "n");
	struct mep_addr start;
	size_t n = NAT_PAGE_DEFAULT;

	if (from && mep_addr_parse(from, &start) < 0) {
		strbuf_printf(out, "%% Invalid address: %s\n", from);
		return CMD_WARNING;
	}
	if (count)
		n = strtoul(count, NULL, 10);
	print_json_or(state_nat(s->d, from ? &start : NULL, n),
		      cmd_arg(a, "json") != NULL, out, text_nat);
	return CMD_SUCCESS;
}

/* show mep [WHAT] [json]: the state part and its text form per WHAT. */
static int show_mep(struct cli_session *s, const struct cmd_args *a,
		    struct strbuf *out)
{
	static const struct {
		const char *what;
		unsigned parts;
		void (*text)(const struct lyd_node *, struct strbuf *);
	} views[] = {
		{ NULL, STATE_OVERVIEW, text_summary },
		{ "gateways", STATE_GATEWAYS, text_gateways },
		{ "entry-points", STATE_ENTRY_POINTS, text_entry_points },
		{ "communities", STATE_COMMUNITIES, text_communities },
		{ "tunnels", STATE_TUNNELS, text_tunnels },
		{ "routes", STATE_SUMMARY | STATE_ROUTES, text_routes },
		{ "probes", STATE_PROBES, text_probes },
		{ "steering", STATE_STEERING, text_steering },
	};
	const char *what = cmd_arg(a, "what");
	bool json = cmd_arg(a, "json") != NULL;

	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		if (views[i].what ? !what || strcmp(what, views[i].what) != 0
				  : what != NULL)
			continue;
		print_json_or(state_build(s->d, views[i].parts), json, out,
			      views[i].text);
		return CMD_SUCCESS;
	}
	return CMD_SUCCESS;
}

static int show_running_cmd(void *ctx, const struct cmd_args *a,
			    struct strbuf *out)
{
	(void)a;
	show_running(ctx, out);
	return CMD_SUCCESS;
}

static int show_version(void *ctx, const struct cmd_args *a,
			struct strbuf *out)
{
	(void)ctx;
	(void)a;
	strbuf_printf(out, "ripd-mep %s\n", PACKAGE_VERSION);
	return CMD_SUCCESS;
}

/* show mep swanctl: the swanctl.conf connections of this satellite
 * (steer_child_swanctl). */
static int show_swanctl_cmd(void *ctx, const struct cmd_args *a,
			    struct strbuf *out)
{
	struct cli_session *s = ctx;

	(void)a;
	steer_child_swanctl(&s->d->cfg, out);
	return CMD_SUCCESS;
}

static int show_debugging(void *ctx, const struct cmd_args *a,
			  struct strbuf *out)
{
	(void)ctx;
	(void)a;
	strbuf_puts(out, "ripd-mep debugging status:\n");
	for (unsigned area = 1; area <= LOG_DEBUG_VTY; area <<= 1)
		if (log_debug_on(area))
			strbuf_printf(out, "  debug mep %s\n",
				      log_debug_area_name(area));
	return CMD_SUCCESS;
}

static int show_mep_cmd(void *ctx, const struct cmd_args *a,
			struct strbuf *out)
{
	return show_mep(ctx, a, out);
}

static int show_resolve_cmd(void *ctx, const struct cmd_args *a,
			    struct strbuf *out)
{
	return show_resolve(ctx, a, out);
}

/* ---- debug --------------------------------------------------------- */

static int debug_area(void *ctx, const struct cmd_args *a,
		      struct strbuf *out)
{
	(void)ctx;
	(void)out;
	log_debug_set(log_debug_area_by_name(cmd_arg(a, "area")),
		      cmd_arg(a, "no") == NULL);
	return CMD_SUCCESS;
}

static bool is_center(const struct mep_config *cfg)
{
	for (size_t i = 0; i < cfg->n_communities; i++)
		if (mep_community_is_entry(&cfg->communities[i],
					   cfg->local_gateway))
			return true;
	return false;
}

static int drain_cmd(void *ctx, const struct cmd_args *a, struct strbuf *out)
{
	struct cli_session *s = ctx;
	bool on = cmd_arg(a, "no") == NULL;

	daemon_set_drain(s->d, on);
	if (on && !is_center(&s->d->cfg))
		strbuf_puts(out, "% Note: this gateway is not a center of any "
				 "community: nobody probes it\n");
	return CMD_SUCCESS;
}

static int debug_gateway(void *ctx, const struct cmd_args *a,
			 struct strbuf *out)
{
	struct cli_session *s = ctx;
	const char *gw = cmd_arg(a, "gw"), *ms = cmd_arg(a, "ms");
	const char *live = cmd_arg(a, "live");
	double rtt_ms = 0;
	int rc;

	if (ms) {
		char *end;

		rtt_ms = strtod(ms, &end);
		if (*end || end == ms || !(rtt_ms >= 0) || rtt_ms > 60000) {
			strbuf_printf(out, "%% Invalid rtt %s: milliseconds "
					   "from 0 to 60000\n",
				      ms);
			return CMD_WARNING;
		}
	}
	if (cmd_arg(a, "no"))
		rc = daemon_set_override(s->d, gw, MEP_LIVE_UNKNOWN, 0, true);
	else
		rc = daemon_set_override(s->d, gw,
					 strcmp(live, "up") == 0
						 ? MEP_LIVE_UP
						 : MEP_LIVE_DOWN,
					 (uint32_t)(rtt_ms * 1000.0 + 0.5),
					 false);
	if (rc < 0) {
		strbuf_printf(out, "%% Unknown gateway: %s\n", gw);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
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

/* show configuration candidate|changes|running: this session's pending
 * configuration (configuration mode), or the running one. */
static int show_configuration(void *ctx, const struct cmd_args *a,
			      struct strbuf *out)
{
	struct cli_session *s = ctx;
	const char *what = cmd_arg(a, "what");

	if (strcmp(what, "running") == 0) {
		show_running(s, out);
		return CMD_SUCCESS;
	}
	if (!s->parser) {
		strbuf_printf(out, "%% Not in configuration mode: no %s\n",
			      what);
		return CMD_WARNING;
	}
	if (strcmp(what, "candidate") == 0) {
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

static int write_memory(struct cli_session *s, struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT;
	int rc = CMD_SUCCESS;

	strbuf_puts(out, "Building Configuration...\n");
	if (daemon_write_config(s->d, &err) < 0) {
		strbuf_printf(out, "%% %s\n", strbuf_str(&err));
		rc = CMD_WARNING;
	} else {
		strbuf_printf(out, "Configuration saved to %s\n[OK]\n",
			      s->d->config_path);
	}
	strbuf_free(&err);
	return rc;
}

/* ---- exec commands ------------------------------------------------- */

static int configure_cmd(void *ctx, const struct cmd_args *a,
			 struct strbuf *out)
{
	const char *how = cmd_arg(a, "how");

	return enter_config(ctx, how && strcmp(how, "exclusive") == 0, out);
}

/* exec-timeout MIN [SEC] (FRR's ranges; 0 0: none) | no exec-timeout */
static int exec_timeout_cmd(void *ctx, const struct cmd_args *a,
			    struct strbuf *out)
{
	struct cli_session *s = ctx;
	const char *min = cmd_arg(a, "min"), *sec = cmd_arg(a, "sec");

	(void)out;
	if (!min)
		s->exec_timeout = -1;
	else
		s->exec_timeout = atol(min) * 60 + (sec ? atol(sec) : 0);
	return CMD_SUCCESS;
}

static int write_cmd(void *ctx, const struct cmd_args *a, struct strbuf *out)
{
	(void)a;
	return write_memory(ctx, out);
}

static int echo_cmd(void *ctx, const struct cmd_args *a, struct strbuf *out)
{
	const char *text = cmd_arg(a, "text");

	(void)ctx;
	strbuf_printf(out, "%s\n", text ? text : "");
	return CMD_SUCCESS;
}

/* exit, quit, end: nothing to do in exec mode (the shell closes). */
static int nothing_cmd(void *ctx, const struct cmd_args *a,
		       struct strbuf *out)
{
	(void)ctx;
	(void)a;
	(void)out;
	return CMD_SUCCESS;
}

static int list_cmd(void *ctx, const struct cmd_args *a, struct strbuf *out)
{
	struct cli_session *s = ctx;

	(void)a;
	cmd_table_list(s->exec, out);
	return CMD_SUCCESS;
}

static int help_cmd(void *ctx, const struct cmd_args *a, struct strbuf *out)
{
	strbuf_puts(out,
		    "Commands of exec mode (words may be abbreviated to a "
		    "unique prefix;\n"
		    "[x] is optional, a|b one of them):\n");
	list_cmd(ctx, a, out);
	strbuf_puts(out,
		    "In mepsh: '?' lists the possible next words with their "
		    "help, TAB completes,\n"
		    "'list' lists the commands of the current mode, and "
		    "CMD | include|exclude|begin REGEX\n"
		    "or CMD | count filters the output.\n");
	return CMD_SUCCESS;
}

#define SHOW_H "Show running system information\n"
#define MEP_H "Multiple entry points and route injection\n"
#define JSON_H "JavaScript Object Notation\n"
#define DEBUG_H "Debugging functions\nripd-mep\n"

/* The exec commands: their syntax, help and handler in one place, so
 * that `help`, `list`, `?` and TAB cannot miss one. */
static const struct cmd_def exec_cmds[] = {
	{ "show running-config",
	  SHOW_H "Current operating configuration", show_running_cmd },
	{ "show mep [gateways|entry-points|communities|tunnels|routes|probes|steering$what] "
	  "[json]",
	  SHOW_H MEP_H "Gateways and their liveness\n"
	  "Entry points of this satellite\nCommunities\nIPsec tunnels\n"
	  "Injected routes\nProbe counters per peer\n"
	  "Route steering (tables, buckets per center, routes)\n" JSON_H,
	  show_mep_cmd },
	{ "show mep nat [from A.B.C.D|X:X::X:X$start] [count (1-100000)$n] "
	  "[json]",
	  SHOW_H MEP_H "IP Pool NAT: the pool, its table and mappings\n"
	  "Mappings from this source on\nSource address\n"
	  "Mappings shown at most (default 1000)\n"
	  "Number of mappings\n" JSON_H,
	  show_nat_cmd },
	{ "show mep resolve A.B.C.D|X:X::X:X$src A.B.C.D|X:X::X:X$dst "
	  "[from NAME$sat] [json]",
	  SHOW_H MEP_H "The entry point of a connection\nSource address\n"
	  "Destination address\nAs seen by another satellite\n"
	  "Satellite (gateway name)\n" JSON_H,
	  show_resolve_cmd },
	{ "show mep swanctl",
	  SHOW_H MEP_H "The swanctl.conf connections this satellite's MEP "
	  "configuration needs",
	  show_swanctl_cmd },
	{ "show version", SHOW_H "ripd-mep's version", show_version },
	{ "show debugging", SHOW_H "Debugging switched on", show_debugging },
	{ "configure [terminal|exclusive$how]",
	  "Configuration mode\nConfiguration from the terminal\n"
	  "Lock the configuration: other sessions and file reloads wait",
	  configure_cmd },
	{ "show configuration candidate|changes|running$what",
	  SHOW_H "Configuration of this session\n"
	  "The candidate (configuration mode)\n"
	  "Pending changes of this session (configuration mode)\n"
	  "The running configuration",
	  show_configuration },
	{ "exec-timeout (0-35791)$min [(0-2147483)$sec]",
	  "Idle timeout of this session (0 0: none)\nMinutes\nSeconds",
	  exec_timeout_cmd },
	{ "no exec-timeout",
	  "Negate a command\nBack to the daemon's idle timeout",
	  exec_timeout_cmd },
	{ "write [memory|file]",
	  "Write the running configuration\nTo the configuration file\n"
	  "To the configuration file",
	  write_cmd },
	{ "write terminal",
	  "Write the running configuration\nTo the terminal",
	  show_running_cmd },
	{ "copy running-config startup-config",
	  "Copy a configuration\nThe running configuration\n"
	  "The configuration file",
	  write_cmd },
	{ "debug mep gateway NAME$gw state up|down$live [rtt MS$ms]",
	  DEBUG_H "Override a gateway's liveness\nGateway name\n"
	  "Liveness\nUp\nDown\nRound-trip time\nMilliseconds (0-60000)",
	  debug_gateway },
	{ "no debug mep gateway NAME$gw",
	  "Negate a command\n" DEBUG_H
	  "Remove the liveness override\nGateway name",
	  debug_gateway },
	{ "[no] mep drain",
	  "Negate a command\n" MEP_H
	  "Drain this center: probe replies say so, satellites choose "
	  "other centers",
	  drain_cmd },
	{ "[no] debug mep config|resolve|vty$area",
	  "Negate a command\n" DEBUG_H "Configuration changes\n"
	  "Entry point resolution\nvty commands",
	  debug_area },
	{ "echo [TEXT...$text]", "Print a line\nThe text", echo_cmd },
	{ "list", "List the commands of this mode", list_cmd },
	{ "help", "Describe the commands", help_cmd },
	{ "exit", "Leave the shell", nothing_cmd },
	{ "quit", "Leave the shell", nothing_cmd },
	{ "end", "Leave configuration mode (nothing in exec mode)",
	  nothing_cmd },
};

const struct cmd_def *cli_exec_commands(int *n)
{
	*n = (int)(sizeof(exec_cmds) / sizeof(exec_cmds[0]));
	return exec_cmds;
}

static int exec_line(struct cli_session *s, const char *line,
		     struct strbuf *out)
{
	const char *why = NULL;
	struct cmd_tokens *t = cmd_tokenize(line, &why);
	struct cmd_args a;
	int rc;

	if (!t) {
		strbuf_printf(out, "%% %s\n", why);
		return CMD_WARNING;
	}
	if (t->n == 0) {
		free(t);
		return CMD_SUCCESS;
	}
	rc = cmd_table_match(s->exec, t, line, &a, out);
	if (rc == CMD_SUCCESS)
		rc = a.def->fn(s, &a, out);
	free(t);
	return rc;
}

/* ---- configuration mode -------------------------------------------- */

enum config_meta { META_END, META_EXIT, META_ABORT, META_DO, META_LIST };

/* Is word one of the words cli.c handles in configuration mode (the
 * whole word, or a prefix that the node's grammar completes to it
 * alone)? Returns an enum config_meta or -1. */
static int config_meta(struct cli_session *s, const char *word)
{
	static const char *const meta[] = { "end", "exit", "abort", "do",
					    "list", NULL };
	struct strbuf c = STRBUF_INIT;
	int k = -1;

	for (int i = 0; meta[i]; i++)
		if (strcmp(word, meta[i]) == 0)
			return i;
	if (conf_parser_complete(s->parser, word, &c) == CMD_SUCCESS &&
	    strchr(c.s, '\n') == c.s + c.len - 1) {
		for (int i = 0; meta[i]; i++)
			if (strncmp(c.s, meta[i], strlen(meta[i])) == 0 &&
			    c.s[strlen(meta[i])] == '\t')
				k = i;
	}
	strbuf_free(&c);
	return k;
}

static int config_line(struct cli_session *s, const struct cmd_tokens *t,
		       const char *line, struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT;
	int rc;

	/* show configuration ... (and the other show commands) work in
	 * configuration mode too, like do show */
	if (strcmp(t->v[0], "show") == 0)
		return exec_line(s, line, out);
	switch (config_meta(s, t->v[0])) {
	case META_END:
		if (t->n != 1)
			return unknown(out, line);
		return commit(s, out);
	case META_EXIT:
		if (t->n == 1 &&
		    strcmp(conf_parser_node(s->parser), "config") == 0)
			return commit(s, out);
		break;	/* the parser leaves the node */
	case META_ABORT:
		if (t->n != 1)
			return unknown(out, line);
		leave_config(s);
		strbuf_puts(out, "% Changes discarded\n");
		return CMD_SUCCESS;
	case META_DO:
		if (t->n == 1)
			return incomplete(out, line);
		return exec_line(s, after_first_word(line), out);
	case META_LIST:
		if (t->n != 1)
			return unknown(out, line);
		conf_parser_list(s->parser, out);
		return CMD_SUCCESS;
	default:
		break;
	}
	rc = conf_parser_line(s->parser, line, ++s->lineno, &err);
	if (rc != CMD_SUCCESS)
		strbuf_printf(out, "%% %s\n", strbuf_str(&err));
	strbuf_free(&err);
	return rc;
}

/* ---- hidden queries of mepsh --------------------------------------- */

/* _complete LINE: the candidates for the end of LINE in the session's
 * mode and node. */
static int complete_line(struct cli_session *s, const char *line,
			 struct strbuf *out)
{
	const char *why = NULL;
	struct cmd_tokens *t = cmd_tokenize(line, &why);
	int rc;

	if (!t) {
		strbuf_printf(out, "%% %s\n", why);
		return CMD_WARNING;
	}
	if (!s->parser)
		rc = cmd_table_complete(s->exec, line, out);
	else if (t->n > 1 || (t->n == 1 && strchr(" \t", line[strlen(line) - 1])))
		rc = config_meta(s, t->v[0]) == META_DO
			     ? cmd_table_complete(s->exec,
						  after_first_word(line), out)
			     : conf_parser_complete(s->parser, line, out);
	else
		rc = conf_parser_complete(s->parser, line, out);
	free(t);
	if (rc == CMD_ERR_AMBIGUOUS)
		strbuf_puts(out, "% Ambiguous command.\n");
	else if (rc != CMD_SUCCESS)
		strbuf_puts(out, "% There is no matched command.\n");
	return rc;
}

/* _commands json: every command of exec mode and of each configuration
 * node, with the help of each word. */
static int commands_json(struct cli_session *s, struct strbuf *out)
{
	struct lyd_node *tree = NULL;
	struct conf_parser *p = s->parser;

	if (!p)
		p = conf_parser_new(s->d->ctx, &tree, CONF_PARSE_INTERACTIVE,
				    "vty");
	if (!p) {
		strbuf_puts(out, "% Out of memory\n");
		return CMD_WARNING;
	}
	strbuf_puts(out, "{\"exec\":");
	cmd_table_json(s->exec, out);
	strbuf_puts(out, ",\"config\":");
	conf_parser_grammar_json(p, out);
	strbuf_puts(out, "}\n");
	if (p != s->parser)
		conf_parser_free(p);
	return CMD_SUCCESS;
}

int cli_exec(struct cli_session *s, const char *line, struct strbuf *out)
{
	const char *why = NULL;
	struct cmd_tokens *t = cmd_tokenize(line, &why);
	int rc = CMD_SUCCESS;

	if (!t) {
		strbuf_printf(out, "%% %s\n", why);
		return CMD_WARNING;
	}
	log_debug(LOG_DEBUG_VTY, "vty: %s", line);
	if (t->n == 1 && strcmp(t->v[0], "_node") == 0)
		/* The prompt query of mepsh works in every mode. */
		strbuf_printf(out, "%s\n",
			      s->parser ? conf_parser_node(s->parser) : "exec");
	else if (t->n >= 1 && strcmp(t->v[0], CLI_COMPLETE_CMD) == 0) {
		const char *rest = line + strspn(line, " \t") +
				   strlen(CLI_COMPLETE_CMD);

		rc = complete_line(s, *rest ? rest + 1 : rest, out);
	} else if (t->n == 2 && strcmp(t->v[0], CLI_COMMANDS_CMD) == 0 &&
		   strcmp(t->v[1], "json") == 0)
		rc = commands_json(s, out);
	else if (s->parser && t->n > 0) {
		tell_new_commits(s, out);
		rc = config_line(s, t, line, out);
	} else
		rc = exec_line(s, line, out);
	free(t);
	return rc;
}
