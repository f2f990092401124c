/* conf_grammar: the command tables of the configuration nodes and what
 * each kind of command does to the tree (see conf_grammar.h). */
#include "conf_grammar.h"

#include <string.h>

#include "conf_priority.h"
#include "conf_tree.h"

/* ---- the tables ------------------------------------------------------ */

static const char *const type_kw[] = { "star", "meshed", NULL };
static const char *const type_help[] = { "Centers and satellites",
					  "Every member with every member" };
static const char *const return_kw[] = { "rim", "ip-pool-nat", "none",
					 NULL };
static const char *const return_help[] = {
	"Route injection", "IP pool NAT",
	"Neither: the operator's routing returns the replies"
};
static const char *const steering_kw[] = { "child-sa", "route", NULL };
static const char *const steering_help[] = {
	"Policy-based IPsec: the CHILD_SA is up to the entry point only",
	"Route-based IPsec: routes and marks over one interface per center"
};
static const char *const entry_kw[] = { "first-to-respond", "vpn-domain",
					"random", "priority-list", NULL };
static const char *const entry_help[] = {
	"The first center to answer the probes",
	"The center whose vpn-domain matches best", "Rendezvous hashing",
	"The mep priority rules"
};
static const char *const tie_kw[] = { "first-to-respond", "random", NULL };
static const char *const tie_help[] = { "The first to respond",
					"Rendezvous hashing" };
static const char *const tracking_kw[] = { "log", "none", NULL };
static const char *const tracking_help[] = { "Log them", "Do not log them" };
static const char *const backend_kw[] = { "zebra", "kernel", NULL };
static const char *const datapath_kw[] = { "libipsec", "xfrm", NULL };
/* The YANG enum of rim route-type (config.c's mep_rim_route_types). */
static const char *const route_type_kw[] = { "nhrp", "eigrp", "table",
					     "babel", NULL };

static const struct conf_cmd config_cmds[] = {
	{ .kw = "mep", .kind = KIND_BLOCK, .flags = CONF_TOP,
	  .enter = NODE_MEP,
	  .help = "Enter the mep block (MEP and RIM settings)",
	  .no_help = "Delete the whole mep block" },
	{ .kw = NULL },
};

/* The options of `probe`, in the order they are set and shown. */
static const struct conf_cmd probe_opts[] = {
	{ .kw = "interval", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "Interval between probes", .arg_help = "Milliseconds" },
	{ .kw = "dead-count", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "Unanswered probes before a gateway is down",
	  .arg_help = "Count" },
	{ .kw = "up-count", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "Answered probes before a gateway is up again",
	  .arg_help = "Count" },
	{ .kw = "port", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "UDP port of the probes", .arg_help = "Port number" },
	{ .kw = "key", .kind = KIND_LEAF, .arg = ARG_KEY,
	  .help = "Shared key of the probes" },
	{ .kw = NULL },
};

static const struct conf_cmd mep_cmds[] = {
	{ .kw = "local-gateway", .kind = KIND_LEAF, .arg = ARG_NAME,
	  .flags = CONF_NAMED, .help = "This machine's gateway" },
	{ .kw = "gateway", .kind = KIND_ENTRY, .arg = ARG_NAME,
	  .enter = NODE_GATEWAY,
	  .help = "Enter a gateway block (created if new)",
	  .no_help = "Delete a gateway" },
	{ .kw = "community", .kind = KIND_ENTRY, .arg = ARG_NAME,
	  .enter = NODE_COMMUNITY,
	  .help = "Enter a community block (created if new)",
	  .no_help = "Delete a community" },
	{ .kw = "probe", .kind = KIND_OPTIONS, .sub = probe_opts,
	  .help = "Liveness probes (options in any order)",
	  .no_help = "Probe settings (all, or one option)" },
	{ .kw = "load-distribution", .kind = KIND_FLAG,
	  .help = "Share satellites among centers" },
	{ .kw = "rim", .kind = KIND_BLOCK, .flags = CONF_ONCE,
	  .enter = NODE_RIM, .help = "Enter the rim block (route injection)",
	  .no_help = "Delete the rim block" },
	{ .kw = "ipsec", .kind = KIND_BLOCK, .flags = CONF_ONCE,
	  .enter = NODE_IPSEC,
	  .help = "Enter the ipsec block (strongSwan link)",
	  .no_help = "Delete the ipsec settings" },
	{ .kw = "steering", .kind = KIND_BLOCK, .flags = CONF_ONCE,
	  .enter = NODE_STEERING,
	  .help = "Enter the steering block (route steering tables)",
	  .no_help = "Delete the steering settings" },
	{ .kw = NULL },
};

static const struct conf_cmd gateway_cmds[] = {
	{ .kw = "address", .kind = KIND_LEAF, .arg = ARG_HOST,
	  .help = "Address of the gateway (IKE peer)" },
	{ .kw = "vpn-domain", .kind = KIND_LEAFLIST, .arg = ARG_PREFIX,
	  .help = "Add a prefix of the gateway's VPN domain",
	  .no_help = "VPN domain (all, or one prefix)" },
	{ .kw = "ip-pool", .kind = KIND_LEAF, .arg = ARG_PREFIX,
	  .help = "Address pool of the gateway (IP pool NAT)" },
	{ .kw = "ike-connection", .kind = KIND_LEAF, .arg = ARG_CONNECTION,
	  .help = "strongSwan connection name of the gateway" },
	{ .kw = "backup-gateway", .kind = KIND_LEAFLIST, .arg = ARG_NAME,
	  .help = "Add a backup gateway",
	  .no_help = "Backup gateway (all, or one)" },
	{ .kw = "third-party", .kind = KIND_FLAG,
	  .help = "The gateway is not a ripd-mep gateway" },
	{ .kw = "if-id", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "XFRM if_id of the route-based tunnel to this center",
	  .arg_help = "if_id (1..4294967294)" },
	{ .kw = "interface", .kind = KIND_LEAF, .arg = ARG_IFNAME,
	  .help = "The satellite's XFRM interface to this center" },
	{ .kw = NULL },
};

static const char *const priority_specs[] = {
	"default primary CENTER...",
	"The default rule\nFirst level\n"
	"Centers, then secondary NAME... tertiary NAME...",
	"satellite SATELLITE...",
	"The rule of some satellites\n"
	"Satellites, then primary NAME... [secondary NAME...] "
	"[tertiary NAME...]",
	NULL,
};
static const char *const priority_no_specs[] = {
	"default", "The default rule",
	"satellite NAME",
	"The rule naming a satellite\n"
	"Name (1..63 characters of [A-Za-z0-9_.-])",
	NULL,
};

/* "mep ..." in a community: the community's MEP settings. */
static const struct conf_cmd community_mep_cmds[] = {
	{ .kw = "enable", .kind = KIND_FLAG, .data = "mep-enable",
	  .help = "Enable MEP", .no_help = "MEP" },
	{ .kw = "entry-point", .kind = KIND_LEAF, .arg = ARG_KEYWORD,
	  .values = entry_kw, .value_help = entry_help,
	  .help = "How the entry point is chosen",
	  .no_help = "Entry point method" },
	{ .kw = "tie-break", .kind = KIND_LEAF, .arg = ARG_KEYWORD,
	  .values = tie_kw, .value_help = tie_help,
	  .help = "How equal candidates are ordered" },
	{ .kw = "priority", .kind = KIND_CUSTOM, .help = "Priority rule",
	  .run = conf_priority_run, .run_no = conf_priority_no,
	  .specs = priority_specs, .no_specs = priority_no_specs },
	{ .kw = "tracking", .kind = KIND_LEAF, .arg = ARG_KEYWORD,
	  .values = tracking_kw, .value_help = tracking_help,
	  .help = "Entry point changes" },
	{ .kw = NULL },
};

static const struct conf_cmd community_cmds[] = {
	{ .kw = "type", .kind = KIND_LEAF, .arg = ARG_KEYWORD,
	  .values = type_kw, .value_help = type_help,
	  .help = "Community type" },
	{ .kw = "center", .kind = KIND_LEAFLIST, .arg = ARG_NAME,
	  .flags = CONF_NO_AS_TYPED, .help = "Add a center (star)",
	  .no_help = "Centers (all, or one)" },
	{ .kw = "satellite", .kind = KIND_LEAFLIST, .arg = ARG_NAME,
	  .flags = CONF_NO_AS_TYPED, .help = "Add a satellite (star)",
	  .no_help = "Satellites (all, or one)" },
	{ .kw = "member", .kind = KIND_LEAFLIST, .arg = ARG_NAME,
	  .flags = CONF_NO_AS_TYPED, .help = "Add a member (meshed)",
	  .no_help = "Members (all, or one)" },
	{ .kw = "permanent-tunnels", .kind = KIND_FLAG,
	  .help = "Keep the community's tunnels up" },
	{ .kw = "mep", .kind = KIND_GROUP, .sub = community_mep_cmds,
	  .help = "Multiple entry points" },
	{ .kw = "return-path", .kind = KIND_LEAF, .arg = ARG_KEYWORD,
	  .values = return_kw, .value_help = return_help,
	  .help = "How replies find the entry point" },
	{ .kw = "steering", .kind = KIND_LEAF, .arg = ARG_KEYWORD,
	  .values = steering_kw, .value_help = steering_help,
	  .help = "How a satellite's traffic follows its entry point" },
	{ .kw = NULL },
};

static const struct conf_cmd rim_cmds[] = {
	{ .kw = "distance", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "Administrative distance of the routes" },
	{ .kw = "metric", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "Metric of the routes" },
	{ .kw = "backup-metric", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "Metric of the routes of non-primary centers" },
	{ .kw = "tag", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "Route tag" },
	{ .kw = "backend", .kind = KIND_LEAF, .arg = ARG_KEYWORD,
	  .values = backend_kw,
	  .help = "Where routes are injected (zebra or the kernel)" },
	{ .kw = "route-type", .kind = KIND_LEAF, .arg = ARG_KEYWORD,
	  .values = route_type_kw, .help = "Route type announced to zebra" },
	{ .kw = "instance", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "Route instance announced to zebra" },
	{ .kw = "stale-time", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "Seconds zebra keeps the routes after the session ends" },
	{ .kw = "kernel-table", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "Kernel routing table (backend kernel)" },
	{ .kw = "interface", .kind = KIND_LEAF, .arg = ARG_IFNAME,
	  .help = "Outgoing interface of the routes" },
	{ .kw = "next-hop", .kind = KIND_LEAF, .arg = ARG_ADDRESS,
	  .help = "Next hop of the routes" },
	{ .kw = NULL },
};

static const struct conf_cmd ipsec_cmds[] = {
	{ .kw = "vici-socket", .kind = KIND_LEAF, .arg = ARG_PATH,
	  .help = "strongSwan's VICI socket" },
	{ .kw = "grace-period", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "Seconds routes are kept after the IPsec engine is lost" },
	{ .kw = "datapath", .kind = KIND_LEAF, .arg = ARG_KEYWORD,
	  .values = datapath_kw,
	  .help = "Where decrypted traffic enters (libipsec's TUN device or "
		  "the kernel's XFRM)" },
	{ .kw = NULL },
};

static const struct conf_cmd steering_cmds[] = {
	{ .kw = "table", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "Routing table of the steering routes (centers: + if-id)" },
	{ .kw = "protocol", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "Route protocol of the steering routes and rules" },
	{ .kw = "buckets", .kind = KIND_LEAF, .arg = ARG_NUMBER,
	  .help = "Hash buckets of (source, destination) pairs" },
	{ .kw = NULL },
};

#define MEP_PATH "/ripd-mep:mep"

const struct conf_node_def conf_nodes[NODE_COUNT] = {
	[NODE_CONFIG] = { .name = "config", .where = "",
			  .parent = NODE_CONFIG, .cmds = config_cmds,
			  .schema = "" },
	[NODE_MEP] = { .name = "config-mep", .where = "mep",
		       .parent = NODE_CONFIG, .data = "mep",
		       .gone = "the mep block no longer exists",
		       .cmds = mep_cmds, .schema = MEP_PATH },
	[NODE_GATEWAY] = { .name = "config-mep-gateway", .where = "gateway",
			   .parent = NODE_MEP, .data = "gateway",
			   .keyed = true,
			   .gone = "this gateway no longer exists",
			   .cmds = gateway_cmds,
			   .schema = MEP_PATH "/gateway" },
	[NODE_COMMUNITY] = { .name = "config-mep-community",
			     .where = "community", .parent = NODE_MEP,
			     .data = "community", .keyed = true,
			     .gone = "this community no longer exists",
			     .cmds = community_cmds,
			     .schema = MEP_PATH "/community" },
	[NODE_RIM] = { .name = "config-mep-rim", .where = "rim",
		       .parent = NODE_MEP, .data = "rim",
		       .gone = "the rim block no longer exists",
		       .cmds = rim_cmds, .schema = MEP_PATH "/rim" },
	/* not a presence container: its defaults always apply, `ipsec`
	 * enters it whether it exists or not, and it disappears once its
	 * last explicit setting is deleted */
	[NODE_IPSEC] = { .name = "config-mep-ipsec", .where = "ipsec",
			 .parent = NODE_MEP, .data = "ipsec", .tidy = true,
			 .cmds = ipsec_cmds, .schema = MEP_PATH "/ipsec" },
	[NODE_STEERING] = { .name = "config-mep-steering",
			    .where = "steering", .parent = NODE_MEP,
			    .data = "steering", .tidy = true,
			    .cmds = steering_cmds,
			    .schema = MEP_PATH "/steering" },
};

/* ---- lookups --------------------------------------------------------- */

int conf_grammar_keywords(const struct conf_cmd *cmds, const char **kw,
			  const char *extra)
{
	int n = 0;

	while (cmds[n].kw && n < CONF_CMDS_MAX) {
		kw[n] = cmds[n].kw;
		n++;
	}
	kw[n] = extra;
	kw[n + 1] = NULL;
	return n;
}

const struct conf_cmd *conf_grammar_find(struct conf_edit *e,
					 const struct conf_cmd *cmds,
					 const char *word, int *status)
{
	const char *kw[CONF_CMDS_MAX + 2];
	int k;

	conf_grammar_keywords(cmds, kw, NULL);
	k = cmd_keyword(word, kw);
	if (k >= 0)
		return &cmds[k];
	*status = CONF_FALLBACK;
	if (k == CMD_KW_AMBIGUOUS)
		*status = conf_edit_fail(e, CMD_ERR_AMBIGUOUS,
					 "ambiguous command");
	return NULL;
}

static const char *data_of(const struct conf_cmd *c)
{
	return c->data ? c->data : c->kw;
}

/* "KW", or "GROUP KW" inside a group, for messages. */
static const char *what_of(const struct conf_run *r,
			   const struct conf_cmd *c, struct strbuf *b)
{
	strbuf_reset(b);
	if (r->group)
		strbuf_printf(b, "%s ", r->group);
	strbuf_puts(b, c->kw);
	return strbuf_str(b);
}

static const struct lysc_node *schema_of(const struct conf_edit *e,
					 const struct lyd_node *parent,
					 const char *name)
{
	return lys_find_child(parent ? parent->schema : NULL, e->mod, name, 0,
			      0, 0);
}

/* The container name of parent (explicit, else implicit), created when
 * missing ("WHAT: why" on failure). */
static struct lyd_node *container_open(struct conf_edit *e,
				       struct lyd_node *parent,
				       const char *name, const char *what)
{
	struct lyd_node *n = conf_tree_child(parent, name, NULL);

	if (!n)
		n = conf_tree_default_child(parent, name);
	if (n)
		return n;
	conf_edit_ly_clear(e);
	if (lyd_new_inner(parent, NULL, name, 0, &n) != LY_SUCCESS) {
		conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED, "%s: %s", what,
			       conf_edit_ly_msg(e));
		return NULL;
	}
	conf_edit_created(e, n);
	return n;
}

void conf_grammar_tidy(struct conf_edit *e, struct lyd_node *parent,
		       const char *name)
{
	struct lyd_node *c = conf_tree_child(parent, name, NULL);

	if (!c)
		return;
	for (struct lyd_node *n = lyd_child(c); n; n = n->next)
		if (!(n->flags & LYD_DEFAULT))
			return;
	conf_edit_delete(e, c);
}

int conf_grammar_block(struct conf_run *r, enum conf_node n,
		       const char *name)
{
	const struct conf_node_def *d = &conf_nodes[n];
	struct lyd_node *mep, *b;

	r->block = NULL;
	if (n == NODE_CONFIG)
		return CMD_SUCCESS;
	mep = conf_tree_mep(*r->e->tree, r->e->mod);
	if (n == NODE_MEP)
		b = mep;
	else if (d->gone)
		b = conf_tree_child(mep, d->data, d->keyed ? name : NULL);
	else if (!mep)
		return conf_edit_fail(r->e, CMD_WARNING_CONFIG_FAILED, "%s",
				      conf_nodes[NODE_MEP].gone);
	else if (!(b = container_open(r->e, mep, d->data, d->data)))
		return CMD_WARNING_CONFIG_FAILED;
	if (!b)
		return conf_edit_fail(r->e, CMD_WARNING_CONFIG_FAILED, "%s",
				      d->gone);
	r->block = b;
	return CMD_SUCCESS;
}

/* ---- the kinds ------------------------------------------------------- */

/* Words after the command's keyword. */
static int args_of(const struct conf_run *r)
{
	return r->t->n - r->at - 1;
}

static int missing(struct conf_run *r, const struct conf_cmd *c,
		   const char *what)
{
	return conf_edit_fail(r->e, CMD_ERR_INCOMPLETE, "%s: %s missing",
			      what, c->flags & CONF_NAMED ? "name" : "value");
}

/* Check word for the leaf(-list) c under parent; *canon: what to store. */
static int check_value(struct conf_edit *e, const struct conf_cmd *c,
		       const struct lyd_node *parent, const char *what,
		       const char *word, const char **canon)
{
	const struct lysc_node *s = NULL;

	if (c->arg == ARG_NUMBER || c->arg == ARG_KEY) {
		s = schema_of(e, parent, data_of(c));
		if (!s)
			return conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED,
					      "%s: not in the model", what);
	}
	return conf_arg_check(e, c->arg, s, what, word, c->values, canon);
}

static int run_leaf(struct conf_run *r, const struct conf_cmd *c)
{
	struct strbuf w = STRBUF_INIT;
	const char *what = what_of(r, c, &w), *canon;
	struct lyd_node *n;
	int rc = CONF_FALLBACK;

	if (r->no) {
		if (args_of(r) <= 1) {
			while ((n = conf_tree_child(r->block, data_of(c),
						    NULL)))
				conf_edit_delete(r->e, n);
			rc = CMD_SUCCESS;
		}
	} else if (args_of(r) < 1) {
		rc = missing(r, c, what);
	} else if (args_of(r) == 1) {
		rc = check_value(r->e, c, r->block, what, r->t->v[r->at + 1],
				 &canon);
		if (rc == CMD_SUCCESS)
			rc = conf_edit_set_leaf(r->e, r->block, data_of(c),
						canon, what,
						conf_arg_hint(c->arg));
	}
	strbuf_free(&w);
	return rc;
}

static int run_flag(struct conf_run *r, const struct conf_cmd *c)
{
	struct strbuf w = STRBUF_INIT;
	struct lyd_node *n;
	int rc = CONF_FALLBACK;

	if (args_of(r) == 0 && r->no) {
		n = conf_tree_child(r->block, data_of(c), NULL);
		if (n)
			conf_edit_delete(r->e, n);
		rc = CMD_SUCCESS;
	} else if (args_of(r) == 0) {
		rc = conf_edit_set_leaf(r->e, r->block, data_of(c), "",
					what_of(r, c, &w), NULL);
	}
	strbuf_free(&w);
	return rc;
}

/* no KW VALUE of a leaf-list. */
static int no_leaflist_value(struct conf_run *r, const struct conf_cmd *c,
			     const char *what, const char *v)
{
	struct lyd_node *n;
	struct strbuf b = STRBUF_INIT;
	const char *canon;
	char *cv;

	if (c->flags & CONF_NO_AS_TYPED) {
		n = conf_tree_child(r->block, data_of(c), v);
	} else {
		if (check_value(r->e, c, r->block, what, v, &canon) !=
		    CMD_SUCCESS)
			return CMD_WARNING_CONFIG_FAILED;
		cv = conf_edit_canonical(r->e, r->block, data_of(c), canon);
		n = cv ? conf_tree_child(r->block, data_of(c), cv) : NULL;
		free(cv);
	}
	if (n) {
		conf_edit_delete(r->e, n);
		return CMD_SUCCESS;
	}
	conf_edit_fail(r->e, CMD_WARNING_CONFIG_FAILED,
		       "no %s: not configured", conf_edit_what(&b, what, v));
	strbuf_free(&b);
	return CMD_WARNING_CONFIG_FAILED;
}

static int run_leaflist(struct conf_run *r, const struct conf_cmd *c)
{
	struct strbuf w = STRBUF_INIT;
	const char *what = what_of(r, c, &w), *canon;
	const char *v = args_of(r) >= 1 ? r->t->v[r->at + 1] : NULL;
	struct lyd_node *n;
	int rc = CONF_FALLBACK;

	if (r->no && args_of(r) == 1) {
		rc = no_leaflist_value(r, c, what, v);
	} else if (r->no && args_of(r) == 0) {
		while ((n = conf_tree_child(r->block, data_of(c), NULL)))
			conf_edit_delete(r->e, n);
		rc = CMD_SUCCESS;
	} else if (r->no) {
		rc = CONF_FALLBACK;
	} else if (!v) {
		rc = missing(r, c, what);
	} else if (args_of(r) == 1) {
		rc = check_value(r->e, c, r->block, what, v, &canon);
		if (rc == CMD_SUCCESS)
			rc = conf_edit_add_leaflist(r->e, r->block, data_of(c),
						    canon, what,
						    conf_arg_hint(c->arg));
	}
	strbuf_free(&w);
	return rc;
}

static int run_block(struct conf_run *r, const struct conf_cmd *c)
{
	struct conf_edit *e = r->e;
	struct lyd_node *n;

	if (args_of(r) != 0)
		return CONF_FALLBACK;
	if (c->flags & CONF_TOP)
		n = conf_tree_mep(*e->tree, e->mod);
	else
		n = conf_tree_child(r->block, data_of(c), NULL);
	if (r->no) {
		if (!n && !(c->flags & CONF_TOP))
			n = conf_tree_default_child(r->block, data_of(c));
		if (n)
			conf_edit_delete(e, n);
		return CMD_SUCCESS;
	}
	if (c->flags & CONF_TOP) {
		if (!n) {
			conf_edit_ly_clear(e);
			if (lyd_new_inner(NULL, e->mod, data_of(c), 0, &n) !=
			    LY_SUCCESS)
				return conf_edit_fail(
					e, CMD_WARNING_CONFIG_FAILED, "%s: %s",
					c->kw, conf_edit_ly_msg(e));
			if (*e->tree)
				lyd_insert_sibling(*e->tree, n, e->tree);
			else
				*e->tree = n;
			conf_edit_created(e, n);
		}
	} else {
		if (n && (c->flags & CONF_ONCE) &&
		    e->mode == CONF_PARSE_FILE)
			return conf_edit_dup(e, n, c->kw);
		if (!container_open(e, r->block, data_of(c), c->kw))
			return CMD_WARNING_CONFIG_FAILED;
	}
	r->next = c->enter;
	r->next_name = NULL;
	return CMD_SUCCESS;
}

static int run_entry(struct conf_run *r, const struct conf_cmd *c)
{
	struct conf_edit *e = r->e;
	const char *kw = c->kw, *name;
	struct lyd_node *n;
	struct strbuf b = STRBUF_INIT;

	if (args_of(r) < 1)
		return conf_edit_fail(e, CMD_ERR_INCOMPLETE,
				      "%s%s: name missing", r->no ? "no " : "",
				      kw);
	if (args_of(r) > 1)
		return CONF_FALLBACK;
	name = r->t->v[r->at + 1];
	if (conf_arg_name(e, kw, name) != CMD_SUCCESS)
		return CMD_WARNING_CONFIG_FAILED;
	n = conf_tree_child(r->block, data_of(c), name);
	if (r->no) {
		if (!n)
			return conf_edit_fail(e, CMD_WARNING_CONFIG_FAILED,
					      "no %s %s: not configured", kw,
					      name);
		conf_edit_delete(e, n);
		return CMD_SUCCESS;
	}
	if (n && e->mode == CONF_PARSE_FILE) {
		conf_edit_dup(e, n, conf_edit_what(&b, kw, name));
		strbuf_free(&b);
		return CMD_WARNING_CONFIG_FAILED;
	}
	if (!n) {
		conf_edit_ly_clear(e);
		if (lyd_new_list(r->block, NULL, data_of(c), 0, &n, name) !=
		    LY_SUCCESS)
			return conf_edit_type_error(e, kw, name, NULL);
		conf_edit_created(e, n);
	}
	r->next = c->enter;
	r->next_name = name;
	return CMD_SUCCESS;
}

static int no_options(struct conf_run *r, const struct conf_cmd *c)
{
	const char *kw[CONF_CMDS_MAX + 2];
	struct strbuf w = STRBUF_INIT;
	struct lyd_node *n;
	int o, rc;

	if (args_of(r) > 2)
		return CONF_FALLBACK;
	if (args_of(r) == 0) {
		n = conf_tree_child(r->block, data_of(c), NULL);
		if (n)
			conf_edit_delete(r->e, n);
		return CMD_SUCCESS;
	}
	conf_grammar_keywords(c->sub, kw, NULL);
	strbuf_printf(&w, "no %s", c->kw);
	rc = conf_arg_keyword(r->e, strbuf_str(&w), r->t->v[r->at + 1], kw,
			      &o);
	strbuf_free(&w);
	if (rc != CMD_SUCCESS)
		return rc;
	n = conf_tree_child(conf_tree_child(r->block, data_of(c), NULL),
			    data_of(&c->sub[o]), NULL);
	if (n)
		conf_edit_delete(r->e, n);
	conf_grammar_tidy(r->e, r->block, data_of(c));
	return CMD_SUCCESS;
}

/* KW OPT VALUE...: every value is checked before anything changes. */
static int run_options(struct conf_run *r, const struct conf_cmd *c)
{
	const char *kw[CONF_CMDS_MAX + 2], *val[CONF_CMDS_MAX + 1] = { NULL };
	const struct cmd_tokens *t = r->t;
	struct strbuf w = STRBUF_INIT;
	struct lyd_node *box;
	int n = conf_grammar_keywords(c->sub, kw, NULL), rc = CMD_SUCCESS;

	if (r->no)
		return no_options(r, c);
	if (args_of(r) < 1) {
		strbuf_printf(&w, "%s: give at least one of ", c->kw);
		for (int k = 0; k < n; k++)
			strbuf_printf(&w, "%s%s", k ? ", " : "", kw[k]);
		rc = conf_edit_fail(r->e, CMD_ERR_INCOMPLETE, "%s",
				    strbuf_str(&w));
		strbuf_free(&w);
		return rc;
	}
	for (int i = r->at + 1; i < t->n; i += 2) {
		int k;

		rc = conf_arg_keyword(r->e, c->kw, t->v[i], kw, &k);
		if (rc != CMD_SUCCESS)
			return rc;
		if (val[k])
			return conf_edit_fail(r->e, CMD_WARNING_CONFIG_FAILED,
					      "%s: %s given twice", c->kw,
					      kw[k]);
		if (i + 1 >= t->n)
			return conf_edit_fail(r->e, CMD_ERR_INCOMPLETE,
					      "%s %s: missing value", c->kw,
					      kw[k]);
		val[k] = t->v[i + 1];
	}
	/* the options' schema nodes are looked up under the container's */
	{
		const struct lysc_node *cs =
			schema_of(r->e, r->block, data_of(c));

		for (int k = 0; k < n && rc == CMD_SUCCESS; k++) {
			const struct lysc_node *s;

			if (!val[k])
				continue;
			s = lys_find_child(cs, r->e->mod, data_of(&c->sub[k]),
					   0, 0, 0);
			conf_edit_what(&w, c->kw, kw[k]);
			if (!s)
				rc = conf_edit_fail(r->e,
						    CMD_WARNING_CONFIG_FAILED,
						    "%s: not in the model",
						    strbuf_str(&w));
			else
				rc = conf_arg_check(r->e, c->sub[k].arg, s,
						    strbuf_str(&w), val[k],
						    c->sub[k].values, &val[k]);
		}
	}
	if (rc != CMD_SUCCESS)
		goto out;
	box = container_open(r->e, r->block, data_of(c), c->kw);
	if (!box) {
		rc = CMD_WARNING_CONFIG_FAILED;
		goto out;
	}
	for (int k = 0; k < n && rc == CMD_SUCCESS; k++) {
		if (!val[k])
			continue;
		conf_edit_what(&w, c->kw, kw[k]);
		rc = conf_edit_set_leaf(r->e, box, data_of(&c->sub[k]), val[k],
					strbuf_str(&w), NULL);
	}
out:
	strbuf_free(&w);
	return rc;
}

static int run_group(struct conf_run *r, const struct conf_cmd *c)
{
	const struct conf_cmd *sub;
	const char *group = r->group;
	int rc;

	if (args_of(r) < 1)
		return conf_edit_fail(r->e, CMD_ERR_INCOMPLETE,
				      "%s%s: incomplete command",
				      r->no ? "no " : "", c->kw);
	sub = conf_grammar_find(r->e, c->sub, r->t->v[r->at + 1], &rc);
	if (!sub)
		return rc;
	r->at++;
	r->group = c->kw;
	rc = conf_grammar_run(r, sub);
	r->group = group;
	r->at--;
	return rc;
}

int conf_grammar_run(struct conf_run *r, const struct conf_cmd *c)
{
	switch (c->kind) {
	case KIND_LEAF:
		return run_leaf(r, c);
	case KIND_FLAG:
		return run_flag(r, c);
	case KIND_LEAFLIST:
		return run_leaflist(r, c);
	case KIND_BLOCK:
		return run_block(r, c);
	case KIND_ENTRY:
		return run_entry(r, c);
	case KIND_OPTIONS:
		return run_options(r, c);
	case KIND_GROUP:
		return run_group(r, c);
	case KIND_CUSTOM:
		return r->no ? c->run_no(r) : c->run(r);
	}
	return CONF_FALLBACK;
}
