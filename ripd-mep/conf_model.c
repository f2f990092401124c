/* conf_model: walks a validated libyang configuration tree (/ripd-mep:mep)
 * and fills struct mep_config (config.h): gateways and communities in
 * configuration order, names resolved to gateway indices, prefixes and
 * addresses parsed, defaults of the model applied (those of config.c's
 * mep_config_init for nodes absent from the tree), effective return paths
 * computed.
 * It trusts nothing: every value is checked again (length, range, known
 * name), and any inconsistency leaves cfg empty with a message in err. */
#include "conf_model.h"
#include "mep.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_MODULE "ripd-mep"

static int model_fail(struct strbuf *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int model_fail(struct strbuf *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	strbuf_vprintf(err, fmt, ap);
	va_end(ap);
	return -1;
}

/* Schema name of a data node, "" for opaque nodes (no schema). */
static const char *model_name(const struct lyd_node *n)
{
	return n->schema ? n->schema->name : "";
}

static bool model_is(const struct lyd_node *n, const char *name)
{
	return n->schema && strcmp(n->schema->name, name) == 0;
}

/* Canonical value of a terminal node, never NULL. */
static const char *model_value(const struct lyd_node *n)
{
	const char *v = NULL;

	if (n->schema && (n->schema->nodetype & (LYS_LEAF | LYS_LEAFLIST)))
		v = lyd_get_value(n);
	return v ? v : "";
}

/* Copy a string value into a fixed buffer; too long is an error. */
static int model_copy(char *dst, size_t size, const char *src,
		      const char *what, struct strbuf *err)
{
	size_t len = strlen(src);

	if (len == 0 || len >= size)
		return model_fail(err, "%s \"%.64s\": length must be 1..%zu",
				  what, src, size - 1);
	memcpy(dst, src, len + 1);
	return 0;
}

/* Parse an unsigned decimal value within [min, max]. */
static int model_uint(const struct lyd_node *n, unsigned long long min,
		      unsigned long long max, unsigned long long *out,
		      const char *what, struct strbuf *err)
{
	const char *s = model_value(n);
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return model_fail(err, "%s: \"%.32s\" is not a number", what, s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return model_fail(err, "%s: \"%.32s\" out of range %llu..%llu",
				  what, s, min, max);
	*out = v;
	return 0;
}

static int model_prefix(const struct lyd_node *n, struct mep_prefix *out,
			const char *owner, struct strbuf *err)
{
	const char *why = NULL;
	const char *s = model_value(n);

	if (mep_prefix_parse(s, out, &why) < 0)
		return model_fail(err, "gateway %s: %s %.64s: %s", owner,
				  model_name(n), s, why ? why : "bad prefix");
	return 0;
}

/* Gateways in one list (centers, satellites, members, backups, a priority
 * rule): enough for the largest star communities in use. */
#define MODEL_LIST_MAX 65536

static int model_list_add(struct mep_gw_list *l, int idx, struct strbuf *err)
{
	int *p;

	if (l->n >= MODEL_LIST_MAX)
		return model_fail(err,
				  "too many gateways in one list (at most %d)",
				  MODEL_LIST_MAX);
	p = realloc(l->idx, (l->n + 1) * sizeof(*p));
	if (!p)
		return model_fail(err, "out of memory");
	l->idx = p;
	l->idx[l->n++] = idx;
	return 0;
}

/* Gateway names sorted (indices into cfg->gateways), built once per
 * conf_model_build so that resolving a reference is a binary search. Set
 * only during a build (the daemon builds in one thread). */
static struct {
	const struct mep_config *cfg;
	int *order;
	size_t n;
} model_names;

static const struct mep_config *model_sort_cfg;

static int model_name_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	int c = strcmp(model_sort_cfg->gateways[x].name,
		       model_sort_cfg->gateways[y].name);

	return c ? c : (x > y) - (x < y);
}

/* Index of gateway name, or -1. */
static int model_gw_index(const struct mep_config *cfg, const char *name)
{
	size_t lo = 0, hi = model_names.n;

	if (model_names.cfg != cfg)
		return mep_config_gateway_index(cfg, name);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int g = model_names.order[mid];
		int c = strcmp(cfg->gateways[g].name, name);

		if (c == 0)
			return g;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Resolve a gateway-ref leaf(-list) instance and append its index. */
static int model_ref(const struct mep_config *cfg, const struct lyd_node *n,
		     struct mep_gw_list *l, const char *owner,
		     struct strbuf *err)
{
	const char *name = model_value(n);
	int idx = model_gw_index(cfg, name);

	if (idx < 0)
		return model_fail(err, "%s: %s %.64s: no such gateway", owner,
				  model_name(n), name);
	if (mep_gw_list_has(l, idx))
		return model_fail(err, "%s: %s %s listed twice", owner,
				  model_name(n), name);
	return model_list_add(l, idx, err);
}

static size_t model_count(const struct lyd_node *first, const char *name)
{
	const struct lyd_node *n;
	size_t count = 0;

	LY_LIST_FOR(first, n)
		if (model_is(n, name))
			count++;
	return count;
}

/* First pass over a gateway: name only (references need all names). */
static int model_gateway_name(const struct lyd_node *list,
			      struct mep_gateway *gw, struct strbuf *err)
{
	const struct lyd_node *n;

	LY_LIST_FOR(lyd_child(list), n)
		if (model_is(n, "name"))
			return model_copy(gw->name, sizeof(gw->name),
					  model_value(n), "gateway name", err);
	return model_fail(err, "gateway without a name");
}

static int model_gateway(const struct mep_config *cfg,
			 const struct lyd_node *list, struct mep_gateway *gw,
			 struct strbuf *err)
{
	const struct lyd_node *first = lyd_child(list);
	const struct lyd_node *n;
	char owner[MEP_NAME_MAX + 8];
	size_t nd = model_count(first, "vpn-domain");

	snprintf(owner, sizeof(owner), "gateway %s", gw->name);
	if (nd) {
		gw->domain = calloc(nd, sizeof(*gw->domain));
		if (!gw->domain)
			return model_fail(err, "out of memory");
	}
	LY_LIST_FOR(first, n) {
		const char *v = model_value(n);

		if (model_is(n, "name")) {
			continue;
		} else if (model_is(n, "address")) {
			if (model_copy(gw->address, sizeof(gw->address), v,
				       "gateway address", err))
				return -1;
		} else if (model_is(n, "vpn-domain")) {
			if (gw->n_domain >= nd ||
			    model_prefix(n, &gw->domain[gw->n_domain],
					 gw->name, err))
				return -1;
			gw->n_domain++;
		} else if (model_is(n, "ip-pool")) {
			if (model_prefix(n, &gw->pool, gw->name, err))
				return -1;
			gw->has_pool = true;
		} else if (model_is(n, "ike-connection")) {
			if (model_copy(gw->ike_connection,
				       sizeof(gw->ike_connection), v,
				       "ike-connection", err))
				return -1;
		} else if (model_is(n, "backup-gateway")) {
			if (model_ref(cfg, n, &gw->backups, owner, err))
				return -1;
		} else if (model_is(n, "third-party")) {
			gw->third_party = true;
		} else if (model_is(n, "if-id")) {
			unsigned long long id = 0;

			if (model_uint(n, 1, 4294967294ULL, &id, "if-id", err))
				return -1;
			gw->if_id = (uint32_t)id;
		} else if (model_is(n, "interface")) {
			if (model_copy(gw->interface, sizeof(gw->interface), v,
				       "gateway interface", err))
				return -1;
		} else {
			return model_fail(err, "%s: unexpected node \"%s\"",
					  owner, model_name(n));
		}
	}
	return 0;
}

static const char *const model_level_names[MEP_LEVELS] = {
	"primary", "secondary", "tertiary"
};

/* primary/secondary/tertiary (and, for exception rules, satellite) of a
 * priority-default container or a priority-rule list entry. */
static int model_rule(const struct mep_config *cfg, const struct lyd_node *rn,
		      struct mep_priority_rule *rule, const char *owner,
		      struct strbuf *err)
{
	const struct lyd_node *n;

	LY_LIST_FOR(lyd_child(rn), n) {
		int l;

		if (model_is(n, "id"))
			continue;
		if (model_is(n, "satellite")) {
			if (model_ref(cfg, n, &rule->satellites, owner, err))
				return -1;
			continue;
		}
		for (l = 0; l < MEP_LEVELS; l++)
			if (model_is(n, model_level_names[l]))
				break;
		if (l == MEP_LEVELS)
			return model_fail(err, "%s: unexpected node \"%s\"",
					  owner, model_name(n));
		if (model_ref(cfg, n, &rule->level[l], owner, err))
			return -1;
	}
	return 0;
}

static bool model_rule_empty(const struct mep_priority_rule *r)
{
	for (int l = 0; l < MEP_LEVELS; l++)
		if (r->level[l].n)
			return false;
	return true;
}

struct model_enum {
	const char *name;
	int value;
};

static int model_enum(const struct lyd_node *n, const struct model_enum *tab,
		      int *out, const char *owner, struct strbuf *err)
{
	const char *v = model_value(n);

	for (; tab->name; tab++)
		if (strcmp(tab->name, v) == 0) {
			*out = tab->value;
			return 0;
		}
	return model_fail(err, "%s: %s: unknown value \"%.32s\"", owner,
			  model_name(n), v);
}

static const struct model_enum model_types[] = {
	{ "star", MEP_COMMUNITY_STAR },
	{ "meshed", MEP_COMMUNITY_MESHED },
	{ NULL, 0 },
};

static const struct model_enum model_methods[] = {
	{ "first-to-respond", MEP_METHOD_FIRST_TO_RESPOND },
	{ "vpn-domain", MEP_METHOD_VPN_DOMAIN },
	{ "random", MEP_METHOD_RANDOM },
	{ "priority-list", MEP_METHOD_PRIORITY_LIST },
	{ NULL, 0 },
};

static const struct model_enum model_ties[] = {
	{ "first-to-respond", MEP_TIE_FIRST_TO_RESPOND },
	{ "random", MEP_TIE_RANDOM },
	{ NULL, 0 },
};

static const struct model_enum model_tracking[] = {
	{ "log", 1 },
	{ "none", 0 },
	{ NULL, 0 },
};

static const struct model_enum model_return_paths[] = {
	{ "rim", MEP_RETURN_RIM },
	{ "ip-pool-nat", MEP_RETURN_IP_POOL_NAT },
	{ "none", MEP_RETURN_NONE },
	{ NULL, 0 },
};

static const struct model_enum model_steerings[] = {
	{ "child-sa", MEP_STEERING_CHILD_SA },
	{ "route", MEP_STEERING_ROUTE },
	{ NULL, 0 },
};

static const struct model_enum model_backends[] = {
	{ "zebra", MEP_RIM_ZEBRA },
	{ "kernel", MEP_RIM_KERNEL },
	{ NULL, 0 },
};

static int model_community(const struct mep_config *cfg,
			   const struct lyd_node *list,
			   struct mep_community *c, struct strbuf *err)
{
	const struct lyd_node *first = lyd_child(list);
	const struct lyd_node *n;
	char owner[MEP_NAME_MAX + 16];
	size_t nr = model_count(first, "priority-rule");
	bool has_type = false;
	int v = 0;

	LY_LIST_FOR(first, n)
		if (model_is(n, "name") &&
		    model_copy(c->name, sizeof(c->name), model_value(n),
			       "community name", err))
			return -1;
	if (!c->name[0])
		return model_fail(err, "community without a name");
	snprintf(owner, sizeof(owner), "community %s", c->name);
	if (nr) {
		c->rules = calloc(nr, sizeof(*c->rules));
		if (!c->rules)
			return model_fail(err, "out of memory");
	}
	LY_LIST_FOR(first, n) {
		int rc = 0;

		if (model_is(n, "name")) {
			continue;
		} else if (model_is(n, "type")) {
			rc = model_enum(n, model_types, &v, owner, err);
			c->type = (enum mep_community_type)v;
			has_type = true;
		} else if (model_is(n, "center")) {
			rc = model_ref(cfg, n, &c->centers, owner, err);
		} else if (model_is(n, "satellite")) {
			rc = model_ref(cfg, n, &c->satellites, owner, err);
		} else if (model_is(n, "member")) {
			rc = model_ref(cfg, n, &c->members, owner, err);
		} else if (model_is(n, "permanent-tunnels")) {
			c->permanent_tunnels = true;
		} else if (model_is(n, "mep-enable")) {
			c->mep_enabled = true;
		} else if (model_is(n, "entry-point")) {
			rc = model_enum(n, model_methods, &v, owner, err);
			c->method = (enum mep_method)v;
		} else if (model_is(n, "tie-break")) {
			rc = model_enum(n, model_ties, &v, owner, err);
			c->tie_break = (enum mep_tie_break)v;
		} else if (model_is(n, "tracking")) {
			rc = model_enum(n, model_tracking, &v, owner, err);
			c->tracking_log = v != 0;
		} else if (model_is(n, "return-path")) {
			rc = model_enum(n, model_return_paths, &v, owner, err);
			c->return_path = (enum mep_return_path)v;
			c->return_path_set = true;
		} else if (model_is(n, "steering")) {
			rc = model_enum(n, model_steerings, &v, owner, err);
			c->steering = (enum mep_steering)v;
			c->steering_set = true;
		} else if (model_is(n, "priority-default")) {
			rc = model_rule(cfg, n, &c->default_rule, owner, err);
			if (!rc && c->default_rule.satellites.n)
				rc = model_fail(err, "%s: the default mep priority rule may not name satellites",
						owner);
			c->has_default_rule = !model_rule_empty(&c->default_rule);
		} else if (model_is(n, "priority-rule")) {
			if (c->n_rules >= nr)
				return model_fail(err, "%s: too many rules",
						  owner);
			rc = model_rule(cfg, n, &c->rules[c->n_rules++], owner,
					err);
		} else {
			rc = model_fail(err, "%s: unexpected node \"%s\"",
					owner, model_name(n));
		}
		if (rc)
			return -1;
	}
	if (!has_type)
		return model_fail(err, "%s: no type", owner);
	return 0;
}

static int model_probe(const struct lyd_node *cont,
		       struct mep_probe_config *p, struct strbuf *err)
{
	const struct lyd_node *n;
	unsigned long long v = 0;

	LY_LIST_FOR(lyd_child(cont), n) {
		if (model_is(n, "interval")) {
			if (model_uint(n, 50, 60000, &v, "probe interval", err))
				return -1;
			p->interval_ms = (uint32_t)v;
		} else if (model_is(n, "dead-count")) {
			if (model_uint(n, 1, 100, &v, "probe dead-count", err))
				return -1;
			p->dead_count = (uint32_t)v;
		} else if (model_is(n, "up-count")) {
			if (model_uint(n, 1, 10, &v, "probe up-count", err))
				return -1;
			p->up_count = (uint32_t)v;
		} else if (model_is(n, "port")) {
			if (model_uint(n, 1, 65535, &v, "probe port", err))
				return -1;
			p->port = (uint16_t)v;
		} else if (model_is(n, "key")) {
			const char *k = model_value(n);

			if (strlen(k) < 8)
				return model_fail(err, "probe key: at least 8 characters");
			if (model_copy(p->key, sizeof(p->key), k, "probe key",
				       err))
				return -1;
		} else {
			return model_fail(err, "probe: unexpected node \"%s\"",
					  model_name(n));
		}
	}
	return 0;
}

/* Linux interface name: 1..15 of [A-Za-z0-9_.-], not "." or "..". */
static int model_ifname(const struct lyd_node *n, char *dst, size_t size,
			struct strbuf *err)
{
	const char *s = model_value(n);
	size_t len = strspn(s, "abcdefghijklmnopqrstuvwxyz"
			       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");

	if (s[len] || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return model_fail(err, "rim interface \"%.32s\": invalid interface name",
				  s);
	return model_copy(dst, size, s, "rim interface", err);
}

/* route-type KEYWORD -> zebra's type number and the keyword. */
static int model_route_type(const struct lyd_node *n,
			    struct mep_rim_config *r, struct strbuf *err)
{
	const struct mep_route_type *t =
		mep_rim_route_type_by_name(model_value(n));

	if (!t)
		return model_fail(err, "rim route-type \"%.32s\": not an allowed FRR route type",
				  model_value(n));
	r->route_type = t->zebra_type;
	snprintf(r->route_type_name, sizeof(r->route_type_name), "%s",
		 t->name);
	return 0;
}

static int model_rim(const struct lyd_node *cont, struct mep_rim_config *r,
		     struct strbuf *err)
{
	const struct lyd_node *n;
	unsigned long long v = 0;
	int e = 0;

	r->enabled = true;
	LY_LIST_FOR(lyd_child(cont), n) {
		int rc = 0;

		if (model_is(n, "distance")) {
			rc = model_uint(n, 1, 255, &v, "rim distance", err);
			r->distance = (uint8_t)v;
		} else if (model_is(n, "metric")) {
			rc = model_uint(n, 0, UINT32_MAX, &v, "rim metric", err);
			r->metric = (uint32_t)v;
		} else if (model_is(n, "backup-metric")) {
			rc = model_uint(n, 0, UINT32_MAX, &v,
					"rim backup-metric", err);
			r->backup_metric = (uint32_t)v;
		} else if (model_is(n, "tag")) {
			rc = model_uint(n, 0, UINT32_MAX, &v, "rim tag", err);
			r->tag = (uint32_t)v;
		} else if (model_is(n, "backend")) {
			rc = model_enum(n, model_backends, &e, "rim", err);
			r->backend = (enum mep_rim_backend)e;
		} else if (model_is(n, "route-type")) {
			rc = model_route_type(n, r, err);
		} else if (model_is(n, "instance")) {
			rc = model_uint(n, 0, UINT16_MAX, &v, "rim instance",
					err);
			r->instance = (uint16_t)v;
		} else if (model_is(n, "stale-time")) {
			rc = model_uint(n, 1, 3600, &v, "rim stale-time", err);
			r->stale_time_s = (uint32_t)v;
		} else if (model_is(n, "kernel-table")) {
			rc = model_uint(n, 1, UINT32_MAX, &v,
					"rim kernel-table", err);
			if (!rc && v >= 253 && v <= 255)
				rc = model_fail(err, "rim kernel-table %llu: reserved table (use 1..252 or 256..4294967295)",
						v);
			r->kernel_table = (uint32_t)v;
		} else if (model_is(n, "interface")) {
			rc = model_ifname(n, r->interface,
					  sizeof(r->interface), err);
		} else if (model_is(n, "next-hop")) {
			if (mep_addr_parse(model_value(n), &r->next_hop) < 0)
				rc = model_fail(err, "rim next-hop \"%.64s\": not an IPv4 or IPv6 address",
						model_value(n));
			r->has_next_hop = rc == 0;
		} else {
			rc = model_fail(err, "rim: unexpected node \"%s\"",
					model_name(n));
		}
		if (rc)
			return -1;
	}
	return 0;
}

static int model_ipsec(const struct lyd_node *cont,
		       struct mep_ipsec_config *c, struct strbuf *err)
{
	const struct lyd_node *n;
	unsigned long long v = 0;

	LY_LIST_FOR(lyd_child(cont), n) {
		if (model_is(n, "vici-socket")) {
			const char *s = model_value(n);

			if (s[0] != '/')
				return model_fail(err, "ipsec vici-socket \"%.64s\": not an absolute path",
						  s);
			if (model_copy(c->vici_socket,
				       sizeof(c->vici_socket), s,
				       "ipsec vici-socket", err))
				return -1;
		} else if (model_is(n, "grace-period")) {
			if (model_uint(n, 0, 3600, &v, "ipsec grace-period",
				       err))
				return -1;
			c->grace_s = (uint32_t)v;
		} else if (model_is(n, "datapath")) {
			c->datapath_xfrm = !strcmp(model_value(n), "xfrm");
		} else {
			return model_fail(err, "ipsec: unexpected node \"%s\"",
					  model_name(n));
		}
	}
	return 0;
}

static int model_steering(const struct lyd_node *cont,
			  struct mep_steering_config *c, struct strbuf *err)
{
	const struct lyd_node *n;
	unsigned long long v = 0;

	LY_LIST_FOR(lyd_child(cont), n) {
		if (model_is(n, "table")) {
			if (model_uint(n, 1, 4294967295ULL, &v,
				       "steering table", err))
				return -1;
			c->table = (uint32_t)v;
		} else if (model_is(n, "protocol")) {
			if (model_uint(n, 5, 255, &v, "steering protocol", err))
				return -1;
			c->protocol = (uint8_t)v;
		} else if (model_is(n, "buckets")) {
			if (model_uint(n, 256, 65536, &v, "steering buckets",
				       err))
				return -1;
			c->buckets = (uint32_t)v;
		} else {
			return model_fail(err,
					  "steering: unexpected node \"%s\"",
					  model_name(n));
		}
	}
	return 0;
}

/* Gateways first (all of them: references need every name), then the
 * rest in any order. */
static int model_walk(const struct lyd_node *mep, struct mep_config *cfg,
		      struct strbuf *err)
{
	const struct lyd_node *first = lyd_child(mep);
	const struct lyd_node *n;
	size_t ng = model_count(first, "gateway");
	size_t nc = model_count(first, "community");
	size_t i = 0;

	if (ng) {
		cfg->gateways = calloc(ng, sizeof(*cfg->gateways));
		if (!cfg->gateways)
			return model_fail(err, "out of memory");
	}
	if (nc) {
		cfg->communities = calloc(nc, sizeof(*cfg->communities));
		if (!cfg->communities)
			return model_fail(err, "out of memory");
	}
	LY_LIST_FOR(first, n) {
		if (!model_is(n, "gateway"))
			continue;
		if (model_gateway_name(n, &cfg->gateways[i], err))
			return -1;
		cfg->n_gateways = ++i;
	}
	/* Sorted names: a name twice is adjacent. */
	model_names.order = calloc(cfg->n_gateways + 1, sizeof(int));
	if (!model_names.order)
		return model_fail(err, "out of memory");
	for (i = 0; i < cfg->n_gateways; i++)
		model_names.order[i] = (int)i;
	model_sort_cfg = cfg;
	qsort(model_names.order, cfg->n_gateways, sizeof(int), model_name_cmp);
	model_names.n = cfg->n_gateways;
	model_names.cfg = cfg;
	for (i = 1; i < cfg->n_gateways; i++) {
		const char *name = cfg->gateways[model_names.order[i]].name;

		if (strcmp(cfg->gateways[model_names.order[i - 1]].name,
			   name) == 0)
			return model_fail(err, "gateway %s defined twice",
					  name);
	}
	i = 0;
	LY_LIST_FOR(first, n) {
		int rc = 0;

		if (model_is(n, "gateway")) {
			rc = model_gateway(cfg, n, &cfg->gateways[i++], err);
		} else if (model_is(n, "community")) {
			struct mep_community *c;

			c = &cfg->communities[cfg->n_communities++];
			rc = model_community(cfg, n, c, err);
			for (size_t k = 0; !rc && k + 1 < cfg->n_communities;
			     k++)
				if (strcmp(cfg->communities[k].name,
					   c->name) == 0)
					rc = model_fail(err, "community %s defined twice",
							c->name);
		} else if (model_is(n, "local-gateway")) {
			const char *name = model_value(n);

			cfg->local_gateway = model_gw_index(cfg, name);
			if (cfg->local_gateway < 0)
				rc = model_fail(err, "local-gateway %.64s: no such gateway",
						name);
		} else if (model_is(n, "probe")) {
			rc = model_probe(n, &cfg->probe, err);
		} else if (model_is(n, "load-distribution")) {
			cfg->load_distribution = true;
		} else if (model_is(n, "rim")) {
			rc = model_rim(n, &cfg->rim, err);
		} else if (model_is(n, "ipsec")) {
			rc = model_ipsec(n, &cfg->ipsec, err);
		} else if (model_is(n, "steering")) {
			rc = model_steering(n, &cfg->steering, err);
		} else {
			rc = model_fail(err, "mep: unexpected node \"%s\"",
					model_name(n));
		}
		if (rc)
			return -1;
	}
	for (i = 0; i < cfg->n_communities; i++) {
		struct mep_community *c = &cfg->communities[i];

		if (!c->return_path_set)
			c->return_path = cfg->rim.enabled
						 ? MEP_RETURN_RIM
						 : MEP_RETURN_NONE;
		if (!c->steering_set)
			c->steering = mep_steering_default(cfg, i);
	}
	return 0;
}

int conf_model_build(const struct lyd_node *tree, struct mep_config *cfg,
		     struct strbuf *err)
{
	const struct lyd_node *n, *mep = NULL;
	int rc;

	mep_config_free(cfg);
	if (!tree)
		return 0;
	LY_LIST_FOR(lyd_first_sibling(tree), n) {
		if (!model_is(n, "mep") ||
		    strcmp(n->schema->module->name, MODEL_MODULE) != 0)
			continue;
		if (mep)
			return model_fail(err, "two /ripd-mep:mep containers");
		mep = n;
	}
	if (!mep)
		return 0;
	rc = model_walk(mep, cfg, err);
	free(model_names.order);
	memset(&model_names, 0, sizeof(model_names));
	if (rc < 0) {
		mep_config_free(cfg);
		return -1;
	}
	return 0;
}
