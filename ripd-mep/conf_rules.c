/* conf_rules: the SPEC.md configuration rules that the YANG model cannot
 * state, checked on a struct mep_config (pure, no I/O).
 *
 * Errors (the configuration is rejected): rule 3 (implicit load
 * distribution with RIM), rule 4 (IP pools), rule 5 (primary-backup
 * domains and addresses), rule 8 (explicit MEP satellites owning part of
 * the MEP domain), plus defensive re-checks of rules 1, 2 and 3 that the
 * model already enforces.  Warnings: rule 6, 7, 8 leftovers (unused
 * priority rules or tie-break, missing addresses or domains, a
 * local-gateway in no community) and rule 9 (implicit MEP across
 * communities). */
#include "conf_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "prefix.h"

#define RULES_ROOT "/ripd-mep:mep"

struct rules_ctx {
	const struct mep_config *cfg;
	struct conf_rule_violation *first;
	struct strbuf *warnings;
	int errors;
};

static void rules_error(struct rules_ctx *rc, int rule, const char *path,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void rules_warn(struct rules_ctx *rc, const char *object,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record an error; the message becomes "rule N: <text>". Only the first
 * error is kept, all are counted. */
static void rules_error(struct rules_ctx *rc, int rule, const char *path,
			const char *fmt, ...)
{
	struct conf_rule_violation *v = rc->first;
	va_list ap;
	int n;

	if (rc->errors++ > 0 || !v)
		return;
	v->rule = rule;
	snprintf(v->path, sizeof(v->path), "%s", path);
	n = snprintf(v->msg, sizeof(v->msg), "rule %d: ", rule);
	if (n < 0 || (size_t)n >= sizeof(v->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(v->msg + n, sizeof(v->msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

static void rules_warn(struct rules_ctx *rc, const char *object,
		       const char *fmt, ...)
{
	va_list ap;

	if (!rc->warnings)
		return;
	strbuf_printf(rc->warnings, "warning: %s: ", object);
	va_start(ap, fmt);
	strbuf_vprintf(rc->warnings, fmt, ap);
	va_end(ap);
	strbuf_puts(rc->warnings, "\n");
}

/* Names are restricted by the model to [A-Za-z0-9_.-]; quote defensively
 * anyway so that a path is never malformed. */
static char rules_quote(const char *name)
{
	return strchr(name, '\'') ? '"' : '\'';
}

static const char *rules_gw(const struct rules_ctx *rc, int gi)
{
	if (gi < 0 || (size_t)gi >= rc->cfg->n_gateways)
		return "?";
	return rc->cfg->gateways[gi].name;
}

/* "/ripd-mep:mep/gateway[name='M1']" + suffix */
static const char *rules_gw_path(const struct rules_ctx *rc, int gi,
				 const char *suffix, char *buf, size_t len)
{
	const char *name = rules_gw(rc, gi);
	char q = rules_quote(name);

	snprintf(buf, len, RULES_ROOT "/gateway[name=%c%s%c]%s", q, name, q,
		 suffix ? suffix : "");
	return buf;
}

/* "/ripd-mep:mep/community[name='C']" + "/leaf[.='VALUE']" when leaf */
static const char *rules_comm_path(const struct mep_community *c,
				   const char *leaf, const char *value,
				   char *buf, size_t len)
{
	char q = rules_quote(c->name);
	int n = snprintf(buf, len, RULES_ROOT "/community[name=%c%s%c]", q,
			 c->name, q);

	if (leaf && n >= 0 && (size_t)n < len) {
		if (value) {
			char vq = rules_quote(value);

			snprintf(buf + n, len - (size_t)n, "/%s[.=%c%s%c]",
				 leaf, vq, value, vq);
		} else {
			snprintf(buf + n, len - (size_t)n, "/%s", leaf);
		}
	}
	return buf;
}

static bool rules_gw_valid(const struct rules_ctx *rc, int gi)
{
	return gi >= 0 && (size_t)gi < rc->cfg->n_gateways;
}

/* Do the domains of a and b overlap? On true, *pa and *pb are the first
 * overlapping pair. */
static bool rules_domains_overlap(const struct mep_gateway *a,
				  const struct mep_gateway *b,
				  const struct mep_prefix **pa,
				  const struct mep_prefix **pb)
{
	for (size_t i = 0; i < a->n_domain; i++)
		for (size_t j = 0; j < b->n_domain; j++)
			if (mep_prefix_overlaps(&a->domain[i], &b->domain[j])) {
				*pa = &a->domain[i];
				*pb = &b->domain[j];
				return true;
			}
	return false;
}

/* The common part of two overlapping prefixes: the longer one. */
static const struct mep_prefix *rules_narrower(const struct mep_prefix *p,
					       const struct mep_prefix *q)
{
	return p->len >= q->len ? p : q;
}

/* Does s build tunnels to peer in community c? Star: satellites reach the
 * centers and centers the satellites; meshed: every member the others. */
static bool rules_reaches(const struct mep_community *c, int s, int peer)
{
	if (s == peer)
		return false;
	if (c->type == MEP_COMMUNITY_MESHED)
		return mep_gw_list_has(&c->members, s) &&
		       mep_gw_list_has(&c->members, peer);
	if (mep_gw_list_has(&c->satellites, s))
		return mep_gw_list_has(&c->centers, peer);
	if (mep_gw_list_has(&c->centers, s))
		return mep_gw_list_has(&c->satellites, peer);
	return false;
}

static bool rules_in_community(const struct mep_community *c, int g)
{
	return mep_gw_list_has(&c->centers, g) ||
	       mep_gw_list_has(&c->satellites, g) ||
	       mep_gw_list_has(&c->members, g);
}

/* The gateways that others reach for their domain: centers, or members. */
static const struct mep_gw_list *
rules_entry_gateways(const struct mep_community *c)
{
	return c->type == MEP_COMMUNITY_MESHED ? &c->members : &c->centers;
}

/* Implicit MEP inside community c: some gateway s of c reaches two
 * gateways a and b of c whose domains overlap (the centers of an explicit
 * MEP community are explicit MEP, not implicit). Fills *a, *b, *p. */
static bool rules_implicit_mep(const struct rules_ctx *rc,
			       const struct mep_community *c, int *a, int *b,
			       const struct mep_prefix **p)
{
	const struct mep_config *cfg = rc->cfg;
	int n = (int)cfg->n_gateways;

	for (int s = 0; s < n; s++) {
		if (!rules_in_community(c, s))
			continue;
		for (int i = 0; i < n; i++) {
			if (!rules_reaches(c, s, i))
				continue;
			for (int j = i + 1; j < n; j++) {
				const struct mep_prefix *pi, *pj;

				if (!rules_reaches(c, s, j))
					continue;
				if (c->mep_enabled &&
				    mep_gw_list_has(&c->centers, i) &&
				    mep_gw_list_has(&c->centers, j))
					continue;
				if (!rules_domains_overlap(&cfg->gateways[i],
							   &cfg->gateways[j],
							   &pi, &pj))
					continue;
				*a = i;
				*b = j;
				*p = rules_narrower(pi, pj);
				return true;
			}
		}
	}
	return false;
}

static bool rules_has_backups(const struct rules_ctx *rc,
			      const struct mep_community *c)
{
	const struct mep_gw_list *entry = rules_entry_gateways(c);

	for (size_t i = 0; i < entry->n; i++)
		if (rules_gw_valid(rc, entry->idx[i]) &&
		    rc->cfg->gateways[entry->idx[i]].backups.n)
			return true;
	return false;
}

static bool rules_list_valid(const struct rules_ctx *rc,
			     const struct mep_gw_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (!rules_gw_valid(rc, l->idx[i]))
			return false;
	return true;
}

static bool rules_rule_valid(const struct rules_ctx *rc,
			     const struct mep_priority_rule *r)
{
	if (!rules_list_valid(rc, &r->satellites))
		return false;
	for (int l = 0; l < MEP_LEVELS; l++)
		if (!rules_list_valid(rc, &r->level[l]))
			return false;
	return true;
}

/* Rule 6 on one priority rule: only centers, each at most once. */
static void rules_check_priority(struct rules_ctx *rc,
				 const struct mep_community *c,
				 const struct mep_priority_rule *r,
				 const char *which)
{
	char path[512];

	rules_comm_path(c, NULL, NULL, path, sizeof(path));
	for (int l = 0; l < MEP_LEVELS; l++) {
		for (size_t i = 0; i < r->level[l].n; i++) {
			int g = r->level[l].idx[i];

			if (!mep_gw_list_has(&c->centers, g))
				rules_error(rc, 6, path,
					    "community %s: %s names %s, which is not a center of this community",
					    c->name, which, rules_gw(rc, g));
			for (int m = l; m < MEP_LEVELS; m++)
				for (size_t j = m == l ? i + 1 : 0;
				     j < r->level[m].n; j++)
					if (r->level[m].idx[j] == g)
						rules_error(rc, 6, path,
							    "community %s: %s names center %s more than once",
							    c->name, which,
							    rules_gw(rc, g));
		}
	}
}

/* Structural re-checks of what the model enforces (rules 1, 2, 3, 6, 8),
 * so that a struct built by other means is never trusted blindly. */
static void rules_check_model(struct rules_ctx *rc,
			      const struct mep_community *c)
{
	char path[512];
	bool valid = rules_list_valid(rc, &c->centers) &&
		     rules_list_valid(rc, &c->satellites) &&
		     rules_list_valid(rc, &c->members) &&
		     rules_rule_valid(rc, &c->default_rule);

	for (size_t r = 0; valid && r < c->n_rules; r++)
		valid = rules_rule_valid(rc, &c->rules[r]);
	if (!valid) {
		rules_error(rc, 8, rules_comm_path(c, NULL, NULL, path,
						   sizeof(path)),
			    "community %s refers to a gateway that does not exist",
			    c->name);
		return;
	}
	if (c->default_rule.satellites.n)
		rules_error(rc, 6, rules_comm_path(c, "priority-default", NULL,
						   path, sizeof(path)),
			    "community %s: the default mep priority rule may not name satellites",
			    c->name);
	rules_check_priority(rc, c, &c->default_rule, "mep priority default");
	for (size_t r = 0; r < c->n_rules; r++) {
		rules_check_priority(rc, c, &c->rules[r],
				     "a mep priority rule");
		for (size_t i = 0; i < c->rules[r].satellites.n; i++) {
			int s = c->rules[r].satellites.idx[i];

			if (!mep_gw_list_has(&c->satellites, s))
				rules_error(rc, 6, rules_comm_path(c, NULL,
								   NULL, path,
								   sizeof(path)),
					    "community %s: mep priority rule names %s, which is not a satellite of this community",
					    c->name, rules_gw(rc, s));
			for (size_t q = r + 1; q < c->n_rules; q++)
				if (mep_gw_list_has(&c->rules[q].satellites,
						    s))
					rules_error(rc, 6,
						    rules_comm_path(c, NULL,
								    NULL, path,
								    sizeof(path)),
						    "community %s: satellite %s is in more than one mep priority exception rule",
						    c->name, rules_gw(rc, s));
		}
	}
	if (c->mep_enabled &&
	    (c->type != MEP_COMMUNITY_STAR || c->centers.n < 2))
		rules_error(rc, 1, rules_comm_path(c, "mep-enable", NULL, path,
						   sizeof(path)),
			    "community %s: explicit MEP (mep enable) needs a star community with at least two centers",
			    c->name);
	if (c->mep_enabled && c->return_path == MEP_RETURN_RIM &&
	    !c->permanent_tunnels)
		rules_error(rc, 2, rules_comm_path(c, NULL, NULL, path,
						   sizeof(path)),
			    "community %s: return-path rim with mep enable requires permanent-tunnels",
			    c->name);
	if (c->return_path == MEP_RETURN_RIM && !rc->cfg->rim.enabled)
		rules_error(rc, 2, rules_comm_path(c, "return-path", NULL,
						   path, sizeof(path)),
			    "community %s: return-path rim requires the rim block",
			    c->name);
	if (c->mep_enabled && c->method == MEP_METHOD_RANDOM &&
	    c->return_path == MEP_RETURN_RIM)
		rules_error(rc, 3, rules_comm_path(c, "entry-point", NULL,
						   path, sizeof(path)),
			    "community %s: mep entry-point random requires return-path ip-pool-nat (RIM cannot be used)",
			    c->name);
}

/* Rule 3: implicit load distribution with RIM. */
static void rules_check_load_distribution(struct rules_ctx *rc,
					  const struct mep_community *c)
{
	const struct mep_prefix *p;
	char path[512], buf[MEP_PREFIX_STRLEN];
	int a, b;

	if (!rc->cfg->load_distribution || c->return_path != MEP_RETURN_RIM)
		return;
	if (!rules_implicit_mep(rc, c, &a, &b, &p))
		return;
	rules_error(rc, 3, rules_comm_path(c, NULL, NULL, path, sizeof(path)),
		    "community %s: %s and %s both own %s (implicit MEP) and load-distribution is on: implicit load distribution needs return-path ip-pool-nat (RIM cannot be used)",
		    c->name, rules_gw(rc, a), rules_gw(rc, b),
		    mep_prefix_str(p, buf, sizeof(buf)));
}

/* Rule 4, per community: ip-pool-nat needs a pool on every center
 * (meshed: member). Applies when ip-pool-nat is configured, or when it is
 * the default (no rim block) of a community that has MEP. */
static void rules_check_pools_present(struct rules_ctx *rc,
				      const struct mep_community *c)
{
	const struct mep_gw_list *entry = rules_entry_gateways(c);
	const struct mep_prefix *p;
	char path[512];
	int a, b;

	if (c->return_path != MEP_RETURN_IP_POOL_NAT)
		return;
	if (!c->return_path_set && !c->mep_enabled &&
	    !rules_implicit_mep(rc, c, &a, &b, &p) &&
	    !rules_has_backups(rc, c))
		return;
	for (size_t i = 0; i < entry->n; i++) {
		int g = entry->idx[i];

		if (!rules_gw_valid(rc, g) || rc->cfg->gateways[g].has_pool)
			continue;
		rules_error(rc, 4, rules_gw_path(rc, g, "/ip-pool", path,
						 sizeof(path)),
			    "gateway %s has no ip-pool but is a %s of community %s, whose return path is ip-pool-nat%s",
			    rules_gw(rc, g),
			    c->type == MEP_COMMUNITY_MESHED ? "member"
							    : "center",
			    c->name,
			    c->return_path_set
				    ? ""
				    : " (the default without the rim block)");
	}
	/* Backups stand in for their primary: they translate too. */
	for (size_t i = 0; i < entry->n; i++) {
		const struct mep_gateway *pg;

		if (!rules_gw_valid(rc, entry->idx[i]))
			continue;
		pg = &rc->cfg->gateways[entry->idx[i]];
		for (size_t k = 0; k < pg->backups.n; k++) {
			int g = pg->backups.idx[k];

			if (!rules_gw_valid(rc, g) ||
			    rc->cfg->gateways[g].has_pool)
				continue;
			rules_error(rc, 4, rules_gw_path(rc, g, "/ip-pool", path,
							 sizeof(path)),
				    "gateway %s has no ip-pool but is a backup-gateway of %s in community %s, whose return path is ip-pool-nat%s",
				    rules_gw(rc, g), pg->name, c->name,
				    c->return_path_set
					    ? ""
					    : " (the default without the rim block)");
		}
	}
}

/* Rule 4, global: pools must not overlap other pools or any domain. */
static void rules_check_pool_overlaps(struct rules_ctx *rc)
{
	const struct mep_config *cfg = rc->cfg;
	char path[512], b1[MEP_PREFIX_STRLEN], b2[MEP_PREFIX_STRLEN];

	for (size_t i = 0; i < cfg->n_gateways; i++) {
		const struct mep_gateway *g = &cfg->gateways[i];

		if (!g->has_pool)
			continue;
		rules_gw_path(rc, (int)i, "/ip-pool", path, sizeof(path));
		for (size_t j = i + 1; j < cfg->n_gateways; j++) {
			const struct mep_gateway *h = &cfg->gateways[j];

			if (h->has_pool &&
			    mep_prefix_overlaps(&g->pool, &h->pool))
				rules_error(rc, 4, path,
					    "ip-pool %s of gateway %s overlaps ip-pool %s of gateway %s",
					    mep_prefix_str(&g->pool, b1,
							   sizeof(b1)),
					    g->name,
					    mep_prefix_str(&h->pool, b2,
							   sizeof(b2)),
					    h->name);
		}
		for (size_t j = 0; j < cfg->n_gateways; j++) {
			const struct mep_gateway *h = &cfg->gateways[j];

			for (size_t d = 0; d < h->n_domain; d++)
				if (mep_prefix_overlaps(&g->pool,
							&h->domain[d]))
					rules_error(rc, 4, path,
						    "ip-pool %s of gateway %s overlaps vpn-domain %s of gateway %s",
						    mep_prefix_str(&g->pool, b1,
								   sizeof(b1)),
						    g->name,
						    mep_prefix_str(&h->domain[d],
								   b2,
								   sizeof(b2)),
						    h->name);
		}
	}
}

/* Rule 5: primary-backup. */
static void rules_check_backups(struct rules_ctx *rc, int pi)
{
	const struct mep_gateway *p = &rc->cfg->gateways[pi];
	char path[512], suffix[MEP_NAME_MAX + 32];
	char b1[MEP_PREFIX_STRLEN], b2[MEP_PREFIX_STRLEN];
	const struct mep_prefix *x, *y;

	for (size_t i = 0; i < p->backups.n; i++) {
		int bi = p->backups.idx[i];
		const struct mep_gateway *b;
		struct mep_addr addr;

		if (!rules_gw_valid(rc, bi) || bi == pi) {
			rules_error(rc, 5, rules_gw_path(rc, pi,
							 "/backup-gateway",
							 path, sizeof(path)),
				    "gateway %s: invalid backup-gateway",
				    p->name);
			continue;
		}
		b = &rc->cfg->gateways[bi];
		snprintf(suffix, sizeof(suffix), "/backup-gateway[.=%c%s%c]",
			 rules_quote(b->name), b->name, rules_quote(b->name));
		rules_gw_path(rc, pi, suffix, path, sizeof(path));
		if (rules_domains_overlap(p, b, &x, &y))
			rules_error(rc, 5, path,
				    "gateway %s: the vpn-domain %s of backup-gateway %s overlaps the primary's vpn-domain %s (primary and backup domains must be disjoint)",
				    p->name, mep_prefix_str(y, b2, sizeof(b2)),
				    b->name, mep_prefix_str(x, b1, sizeof(b1)));
		if (mep_addr_parse(b->address, &addr) == 0)
			for (size_t d = 0; d < p->n_domain; d++)
				if (mep_prefix_contains(&p->domain[d], &addr)) {
					rules_error(rc, 5, path,
						    "gateway %s: the address %s of backup-gateway %s lies inside the primary's vpn-domain %s",
						    p->name, b->address,
						    b->name,
						    mep_prefix_str(&p->domain[d],
								   b1,
								   sizeof(b1)));
					break;
				}
		for (size_t j = i + 1; j < p->backups.n; j++) {
			int ci = p->backups.idx[j];

			if (!rules_gw_valid(rc, ci) || ci == bi)
				continue;
			if (rules_domains_overlap(b, &rc->cfg->gateways[ci],
						  &x, &y))
				rules_error(rc, 5, path,
					    "gateway %s: backup-gateways %s and %s have overlapping vpn-domains %s and %s (each backup needs its own domain)",
					    p->name, b->name,
					    rc->cfg->gateways[ci].name,
					    mep_prefix_str(x, b1, sizeof(b1)),
					    mep_prefix_str(y, b2, sizeof(b2)));
		}
	}
}

/* Rule 8 (explicit MEP): satellites must not own part of the MEP domain,
 * the union of the centers' domains. */
static void rules_check_explicit_domains(struct rules_ctx *rc,
					 const struct mep_community *c)
{
	char path[512], b1[MEP_PREFIX_STRLEN], b2[MEP_PREFIX_STRLEN];
	const struct mep_prefix *x, *y;

	if (!c->mep_enabled)
		return;
	for (size_t s = 0; s < c->satellites.n; s++) {
		int si = c->satellites.idx[s];

		if (!rules_gw_valid(rc, si))
			continue;
		for (size_t m = 0; m < c->centers.n; m++) {
			int mi = c->centers.idx[m];
			const struct mep_gateway *sg = &rc->cfg->gateways[si];

			if (!rules_gw_valid(rc, mi) ||
			    !rules_domains_overlap(sg, &rc->cfg->gateways[mi],
						   &x, &y))
				continue;
			rules_error(rc, 8,
				    rules_comm_path(c, "satellite", sg->name,
						    path, sizeof(path)),
				    "community %s: satellite %s owns %s, which overlaps %s of center %s: a satellite cannot own part of the MEP domain",
				    c->name, sg->name,
				    mep_prefix_str(x, b1, sizeof(b1)),
				    mep_prefix_str(y, b2, sizeof(b2)),
				    rules_gw(rc, mi));
			break;
		}
	}
}

/* Warnings for one community: rules 6, 7, 8 leftovers. */
static void rules_warn_community(struct rules_ctx *rc,
				 const struct mep_community *c)
{
	bool has_rules = c->has_default_rule || c->n_rules > 0;
	char object[MEP_NAME_MAX + 16];

	snprintf(object, sizeof(object), "community %s", c->name);
	if (has_rules && !c->mep_enabled)
		rules_warn(rc, object,
			   "mep priority is ignored without mep enable (rule 6)");
	else if (has_rules && c->method != MEP_METHOD_PRIORITY_LIST)
		rules_warn(rc, object,
			   "mep priority is ignored with mep entry-point %s (only priority-list uses it) (rule 6)",
			   mep_method_name(c->method));
	if (c->mep_enabled && c->method == MEP_METHOD_PRIORITY_LIST &&
	    !c->has_default_rule) {
		for (size_t s = 0; s < c->satellites.n; s++) {
			bool covered = false;

			for (size_t r = 0; r < c->n_rules && !covered; r++)
				covered = mep_gw_list_has(
					&c->rules[r].satellites,
					c->satellites.idx[s]);
			if (!covered) {
				rules_warn(rc, object,
					   "no mep priority default: satellite %s (and any other without an exception rule) treats every center as primary (rule 6)",
					   rules_gw(rc, c->satellites.idx[s]));
				break;
			}
		}
	}
	if (c->mep_enabled && c->tie_break == MEP_TIE_RANDOM &&
	    (c->method == MEP_METHOD_FIRST_TO_RESPOND ||
	     c->method == MEP_METHOD_RANDOM))
		rules_warn(rc, object,
			   "mep tie-break is only used by entry-point vpn-domain and priority-list (rule 7)");
	if (!c->mep_enabled)
		return;
	for (size_t m = 0; m < c->centers.n; m++) {
		int g = c->centers.idx[m];

		if (!rules_gw_valid(rc, g) || rc->cfg->gateways[g].n_domain)
			continue;
		if (c->method == MEP_METHOD_VPN_DOMAIN)
			rules_warn(rc, object,
				   "center %s has no vpn-domain: with entry-point vpn-domain it is never primary (rule 8)",
				   rules_gw(rc, g));
		else
			rules_warn(rc, object,
				   "center %s has no vpn-domain: it adds nothing to the MEP domain (rule 8)",
				   rules_gw(rc, g));
	}
}

/* Warnings per gateway: no address while in a community, local-gateway in
 * no community (rule 8). */
static void rules_warn_gateways(struct rules_ctx *rc)
{
	const struct mep_config *cfg = rc->cfg;
	char object[MEP_NAME_MAX + 16];

	for (size_t i = 0; i < cfg->n_gateways; i++) {
		const struct mep_gateway *g = &cfg->gateways[i];

		snprintf(object, sizeof(object), "gateway %s", g->name);
		for (size_t k = 0; k < cfg->n_communities; k++) {
			const struct mep_community *c = &cfg->communities[k];

			if (g->address[0] || !rules_in_community(c, (int)i))
				continue;
			if (mep_gw_list_has(&c->satellites, (int)i))
				rules_warn(rc, object,
					   "no address: the centers of community %s cannot initiate tunnels to it (a dynamic-IP satellite must initiate) (rule 8)",
					   c->name);
			else
				rules_warn(rc, object,
					   "no address: it cannot be probed or reached in community %s (rule 8)",
					   c->name);
			break;
		}
	}
	if (cfg->local_gateway >= 0 && rules_gw_valid(rc, cfg->local_gateway)) {
		bool found = false;

		for (size_t k = 0; k < cfg->n_communities && !found; k++)
			found = rules_in_community(&cfg->communities[k],
						   cfg->local_gateway);
		if (!found) {
			snprintf(object, sizeof(object), "gateway %s",
				 rules_gw(rc, cfg->local_gateway));
			rules_warn(rc, object,
				   "local-gateway is in no community: this node has nothing to do (rule 8)");
		}
	}
}

/* First community (config order) in which s reaches g, or -1. */
static int rules_first_community(const struct mep_config *cfg, int s, int g)
{
	for (size_t k = 0; k < cfg->n_communities; k++)
		if (rules_reaches(&cfg->communities[k], s, g))
			return (int)k;
	return -1;
}

static bool rules_shared_community(const struct mep_config *cfg, int s,
				   int a, int b)
{
	for (size_t k = 0; k < cfg->n_communities; k++)
		if (rules_reaches(&cfg->communities[k], s, a) &&
		    rules_reaches(&cfg->communities[k], s, b))
			return true;
	return false;
}

/* Rule 9: a satellite (any gateway) reaching two gateways with
 * overlapping domains only through different communities. One warning
 * per gateway pair; the gateway of the first community is used. */
static void rules_warn_across(struct rules_ctx *rc)
{
	const struct mep_config *cfg = rc->cfg;
	int n = (int)cfg->n_gateways;
	char object[MEP_NAME_MAX + 16], buf[MEP_PREFIX_STRLEN];

	for (int a = 0; a < n; a++) {
		for (int b = a + 1; b < n; b++) {
			const struct mep_prefix *pa, *pb;

			if (!rules_domains_overlap(&cfg->gateways[a],
						   &cfg->gateways[b], &pa, &pb))
				continue;
			for (int s = 0; s < n; s++) {
				int ka = rules_first_community(cfg, s, a);
				int kb = rules_first_community(cfg, s, b);
				int used, other, kused, kother;

				if (ka < 0 || kb < 0 ||
				    rules_shared_community(cfg, s, a, b))
					continue;
				if (ka <= kb) {
					used = a, other = b;
					kused = ka, kother = kb;
				} else {
					used = b, other = a;
					kused = kb, kother = ka;
				}
				snprintf(object, sizeof(object), "gateway %s",
					 cfg->gateways[other].name);
				rules_warn(rc, object,
					   "implicit MEP across communities is not supported: using only %s for %s (%s reaches %s through community %s and %s through community %s) (rule 9)",
					   cfg->gateways[used].name,
					   mep_prefix_str(rules_narrower(pa, pb),
							  buf, sizeof(buf)),
					   cfg->gateways[s].name,
					   cfg->gateways[used].name,
					   cfg->communities[kused].name,
					   cfg->gateways[other].name,
					   cfg->communities[kother].name);
				break;
			}
		}
	}
}

int conf_rules_check(const struct mep_config *cfg,
		     struct conf_rule_violation *first,
		     struct strbuf *warnings)
{
	struct rules_ctx rc = {
		.cfg = cfg, .first = first, .warnings = warnings, .errors = 0
	};
	char path[512];

	if (first)
		memset(first, 0, sizeof(*first));
	if (cfg->local_gateway >= (int)cfg->n_gateways)
		rules_error(&rc, 8, RULES_ROOT "/local-gateway",
			    "local-gateway refers to a gateway that does not exist");
	for (size_t i = 0; i < cfg->n_gateways; i++)
		for (size_t j = 0; j < cfg->gateways[i].backups.n; j++)
			if (!rules_gw_valid(&rc,
					    cfg->gateways[i].backups.idx[j]))
				rules_error(&rc, 8,
					    rules_gw_path(&rc, (int)i,
							  "/backup-gateway",
							  path, sizeof(path)),
					    "gateway %s: backup-gateway refers to a gateway that does not exist",
					    cfg->gateways[i].name);
	for (size_t k = 0; k < cfg->n_communities; k++)
		rules_check_model(&rc, &cfg->communities[k]);
	if (rc.errors)
		return rc.errors;	/* indices are unsafe: stop here */

	for (size_t k = 0; k < cfg->n_communities; k++) {
		const struct mep_community *c = &cfg->communities[k];

		rules_check_load_distribution(&rc, c);
		rules_check_pools_present(&rc, c);
		rules_check_explicit_domains(&rc, c);
	}
	rules_check_pool_overlaps(&rc);
	for (size_t i = 0; i < cfg->n_gateways; i++)
		rules_check_backups(&rc, (int)i);

	for (size_t k = 0; k < cfg->n_communities; k++)
		rules_warn_community(&rc, &cfg->communities[k]);
	rules_warn_gateways(&rc);
	rules_warn_across(&rc);
	return rc.errors;
}
