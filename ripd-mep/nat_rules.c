/* nat_rules: IP Pool NAT's desired nftables table, its transaction and
 * the parsers of nft's listings (pure; see nat_rules.h). */
#include "nat_rules.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rim.h"

void nat_spec_init(struct nat_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->gateway = -1;
}

void nat_spec_free(struct nat_spec *s)
{
	free(s->domains);
	nat_spec_init(s);
}

uint64_t nat_prefix_size(const struct mep_prefix *p)
{
	unsigned bits = (p->family == AF_INET ? 32u : 128u) - p->len;

	if (p->len > (p->family == AF_INET ? 32u : 128u))
		return 0;
	return bits >= 64 ? UINT64_MAX : (uint64_t)1 << bits;
}

static int domain_cmp(const void *a, const void *b)
{
	const struct nat_domain *x = a, *y = b;
	int r = rim_prefix_cmp(&x->prefix, &y->prefix);

	if (r)
		return r;
	return x->satellite < y->satellite ? -1 : x->satellite > y->satellite;
}

static int push_domain(struct nat_spec *s, size_t *cap,
		       const struct mep_prefix *p, int sat)
{
	if (s->n_domains == *cap) {
		size_t n = *cap ? 2 * *cap : 16;
		struct nat_domain *v = realloc(s->domains, n * sizeof(*v));

		if (!v)
			return -1;
		s->domains = v;
		*cap = n;
	}
	s->domains[s->n_domains].prefix = mep_prefix_masked(p);
	s->domains[s->n_domains].satellite = sat;
	s->n_domains++;
	return 0;
}

int nat_spec_build(const struct mep_config *cfg, int local,
		   struct nat_spec *s)
{
	size_t cap = 0, k, w;

	nat_spec_free(s);
	if (!mep_nat_pool(cfg, local, &s->pool))
		return 0;
	s->on = true;
	s->gateway = local;
	s->pool = mep_prefix_masked(&s->pool);
	s->size = nat_prefix_size(&s->pool);
	s->admit = s->size > NAT_ADMIT_MAX ? NAT_ADMIT_MAX : (uint32_t)s->size;
	s->xfrm = cfg->ipsec.datapath_xfrm;
	snprintf(s->iif, sizeof(s->iif), "%s", cfg->rim.interface);
	for (k = 0; k < cfg->n_communities; k++) {
		const struct mep_community *c = &cfg->communities[k];
		const struct mep_gw_list *peers;

		if (c->return_path != MEP_RETURN_IP_POOL_NAT ||
		    !mep_community_is_entry(c, local))
			continue;
		peers = mep_community_peers(c, local);
		for (size_t i = 0; peers && i < peers->n; i++) {
			int g = peers->idx[i];
			const struct mep_gateway *gw;

			if (g == local || g < 0 || (size_t)g >= cfg->n_gateways)
				continue;
			gw = &cfg->gateways[g];
			for (size_t d = 0; d < gw->n_domain; d++)
				if (mep_prefix_valid(&gw->domain[d]) &&
				    push_domain(s, &cap, &gw->domain[d], g) < 0)
					goto oom;
		}
	}
	if (s->n_domains)
		qsort(s->domains, s->n_domains, sizeof(*s->domains),
		      domain_cmp);
	/* one entry per prefix (the lowest satellite index) */
	for (k = 0, w = 0; k < s->n_domains; k++)
		if (w == 0 || !mep_prefix_equal(&s->domains[w - 1].prefix,
						&s->domains[k].prefix))
			s->domains[w++] = s->domains[k];
	s->n_domains = w;
	return 0;
oom:
	nat_spec_free(s);
	return -1;
}

bool nat_spec_same(const struct nat_spec *a, const struct nat_spec *b)
{
	if (a->on != b->on)
		return false;
	if (!a->on)
		return true;
	if (!mep_prefix_equal(&a->pool, &b->pool) || a->xfrm != b->xfrm ||
	    a->admit != b->admit || a->n_domains != b->n_domains ||
	    (!a->xfrm && strcmp(a->iif, b->iif)))
		return false;
	for (size_t i = 0; i < a->n_domains; i++)
		if (!mep_prefix_equal(&a->domains[i].prefix,
				      &b->domains[i].prefix))
			return false;
	return true;
}

int nat_spec_copy(struct nat_spec *dst, const struct nat_spec *src)
{
	struct nat_domain *v = NULL;

	if (src->n_domains) {
		v = malloc(src->n_domains * sizeof(*v));
		if (!v)
			return -1;
		memcpy(v, src->domains, src->n_domains * sizeof(*v));
	}
	free(dst->domains);
	*dst = *src;
	dst->domains = v;
	return 0;
}

int nat_spec_satellite(const struct nat_spec *s, const struct mep_addr *a)
{
	int best = -1, best_len = -1;

	for (size_t i = 0; i < s->n_domains; i++)
		if (mep_prefix_contains(&s->domains[i].prefix, a) &&
		    s->domains[i].prefix.len > best_len) {
			best = s->domains[i].satellite;
			best_len = s->domains[i].prefix.len;
		}
	return best;
}

static char fam_digit(const struct mep_prefix *p)
{
	return p->family == AF_INET ? '4' : '6';
}

void nat_spec_set_names(const struct nat_spec *s, char domains[NAT_NAME_MAX],
			char admit[NAT_NAME_MAX])
{
	snprintf(domains, NAT_NAME_MAX, "domains%c", fam_digit(&s->pool));
	snprintf(admit, NAT_NAME_MAX, "admit%c_%u", fam_digit(&s->pool),
		 (unsigned)s->pool.len);
}

/* Is p covered by a kept domain before it (the list is sorted, so a
 * covering supernet comes first)? nft's interval sets refuse overlaps. */
static bool covered(const struct nat_spec *s, size_t upto,
		    const struct mep_prefix *p)
{
	for (size_t i = 0; i < upto; i++)
		if (s->domains[i].prefix.family == p->family &&
		    mep_prefix_covers(&s->domains[i].prefix, p))
			return true;
	return false;
}

void nat_rules_batch(const struct nat_spec *want, bool present,
		     const struct nat_spec *applied,
		     const char (*sets)[NAT_NAME_MAX], size_t n_sets,
		     struct strbuf *out)
{
	char dom[NAT_NAME_MAX], adm[NAT_NAME_MAX], buf[MEP_PREFIX_STRLEN];
	const char *ip = want->pool.family == AF_INET ? "ip" : "ip6";
	const char *type = want->pool.family == AF_INET ? "ipv4_addr"
							: "ipv6_addr";
	size_t n_elem = 0;

	if (!want->on) {
		if (present)
			strbuf_puts(out, "delete table " NAT_TABLE "\n");
		return;
	}
	if (present && applied && nat_spec_same(applied, want))
		return;
	nat_spec_set_names(want, dom, adm);
	strbuf_puts(out, "add table " NAT_TABLE " { comment \""
			 NAT_TABLE_COMMENT "\"; }\n"
			 "add counter " NAT_TABLE " refused\n");
	strbuf_printf(out,
		      "add chain " NAT_TABLE " postrouting { type nat hook "
		      "postrouting priority srcnat; policy accept; }\n"
		      "add chain " NAT_TABLE " pool\n"
		      "flush chain " NAT_TABLE " postrouting\n"
		      "flush chain " NAT_TABLE " pool\n");
	for (size_t i = 0; i < n_sets; i++)
		if (strcmp(sets[i], dom) && strcmp(sets[i], adm))
			strbuf_printf(out, "delete set " NAT_TABLE " %s\n",
				      sets[i]);
	strbuf_printf(out,
		      "add set " NAT_TABLE " %s { type %s; flags interval; }\n"
		      "flush set " NAT_TABLE " %s\n",
		      dom, type, dom);
	for (size_t i = 0; i < want->n_domains; i++) {
		const struct mep_prefix *p = &want->domains[i].prefix;

		if (p->family != want->pool.family || covered(want, i, p))
			continue;
		if (n_elem++)
			strbuf_puts(out, ", ");
		else
			strbuf_printf(out, "add element " NAT_TABLE " %s { ",
				      dom);
		strbuf_puts(out, mep_prefix_str(p, buf, sizeof(buf)));
	}
	if (n_elem)
		strbuf_puts(out, " }\n");
	strbuf_printf(out,
		      "add set " NAT_TABLE " %s { type %s; size %u; "
		      "flags dynamic; }\n",
		      adm, type, (unsigned)want->admit);
	if (want->xfrm)
		strbuf_printf(out,
			      "add rule " NAT_TABLE " postrouting meta ipsec "
			      "exists %s saddr @%s jump pool\n",
			      ip, dom);
	else
		strbuf_printf(out,
			      "add rule " NAT_TABLE " postrouting iifname "
			      "\"%s\" oifname != \"%s\" %s saddr @%s jump "
			      "pool\n",
			      want->iif, want->iif, ip, dom);
	strbuf_printf(out,
		      "add rule " NAT_TABLE " pool add @%s { %s saddr } "
		      "snat %s to %s persistent\n"
		      "add rule " NAT_TABLE " pool counter name \"refused\" "
		      "drop\n",
		      adm, ip, ip, mep_prefix_str(&want->pool, buf, sizeof(buf)));
}

static void elements(const char *verb, const struct nat_spec *s,
		     const struct mep_addr *src, size_t n, struct strbuf *out)
{
	char dom[NAT_NAME_MAX], adm[NAT_NAME_MAX], buf[MEP_PREFIX_STRLEN];

	if (!s->on || n == 0)
		return;
	nat_spec_set_names(s, dom, adm);
	strbuf_printf(out, "%s element " NAT_TABLE " %s { ", verb, adm);
	for (size_t i = 0; i < n; i++)
		strbuf_printf(out, "%s%s", i ? ", " : "",
			      mep_addr_str(&src[i], buf, sizeof(buf)));
	strbuf_puts(out, " }\n");
}

void nat_rules_release(const struct nat_spec *s, const struct mep_addr *src,
		       size_t n, struct strbuf *out)
{
	elements("delete", s, src, n, out);
}

void nat_rules_admit(const struct nat_spec *s, const struct mep_addr *src,
		     size_t n, struct strbuf *out)
{
	elements("add", s, src, n, out);
}

/* ---- listings ---- */

/* The next line of *p (without its end), its length in *len; NULL at
 * the end. */
static const char *next_line(const char **p, size_t *len)
{
	const char *s = *p, *e;

	if (!*s)
		return NULL;
	e = strchr(s, '\n');
	*len = e ? (size_t)(e - s) : strlen(s);
	*p = e ? e + 1 : s + *len;
	return s;
}

void nat_listing_parse(const char *text, struct nat_listing *out)
{
	const char *p = text, *l;
	size_t len;
	int depth = 0;

	memset(out, 0, sizeof(*out));
	while ((l = next_line(&p, &len)) != NULL) {
		size_t i = 0;

		while (i < len && isspace((unsigned char)l[i]))
			i++;
		if (depth == 1) {
			static const char st[] = "set ";

			if (len - i > sizeof(st) - 1 &&
			    !memcmp(l + i, st, sizeof(st) - 1) &&
			    out->n_sets < sizeof(out->sets) /
						  sizeof(out->sets[0])) {
				size_t b = i + sizeof(st) - 1, e = b;

				while (e < len && !isspace((unsigned char)l[e]))
					e++;
				if (e > b && e - b < NAT_NAME_MAX) {
					memcpy(out->sets[out->n_sets], l + b,
					       e - b);
					out->sets[out->n_sets][e - b] = '\0';
					out->n_sets++;
				}
			}
		}
		for (size_t k = i; k < len; k++) {
			if (l[k] == '"') {	/* skip quoted text */
				for (k++; k < len && l[k] != '"'; k++)
					;
			} else if (l[k] == '{') {
				depth++;
			} else if (l[k] == '}') {
				depth--;
			}
		}
	}
}

size_t nat_listing_elements(const char *text,
			    void (*fn)(void *arg, const struct mep_addr *a),
			    void *arg)
{
	const char *p = strstr(text, "elements = {");
	size_t n = 0;

	if (!p)
		return 0;
	p += strlen("elements = {");
	while (*p && *p != '}') {
		char tok[MEP_PREFIX_STRLEN];
		size_t k = 0;
		struct mep_addr a;

		while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n')
			p++;
		while (*p && *p != ',' && *p != '}' && !isspace((unsigned char)*p)) {
			if (k + 1 < sizeof(tok))
				tok[k++] = *p;
			p++;
		}
		tok[k] = '\0';
		if (k && mep_addr_parse(tok, &a) == 0) {
			fn(arg, &a);
			n++;
		}
		/* anything after the element (e.g. "expires 3s") */
		while (*p && *p != ',' && *p != '}')
			p++;
	}
	return n;
}
