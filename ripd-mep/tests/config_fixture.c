/* config_fixture: configurations built by hand for the unit tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_fixture.h"

void *fixture_xrealloc(void *p, size_t n)
{
	void *r = realloc(p, n);

	assert_non_null(r);
	return r;
}

void fixture_list_push(struct mep_gw_list *l, int gw)
{
	l->idx = fixture_xrealloc(l->idx, (l->n + 1) * sizeof(*l->idx));
	l->idx[l->n++] = gw;
}

struct mep_prefix fixture_prefix(const char *s)
{
	struct mep_prefix p;

	assert_int_equal(mep_prefix_parse(s, &p, NULL), 0);
	return p;
}

int fixture_add_gateway(struct mep_config *cfg, const char *name,
			const char *address, const char *domains)
{
	struct mep_gateway *g;
	char buf[512], *save = NULL, *tok;

	cfg->gateways = fixture_xrealloc(cfg->gateways,
					 (cfg->n_gateways + 1) * sizeof(*g));
	g = &cfg->gateways[cfg->n_gateways];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	snprintf(g->address, sizeof(g->address), "%s", address ? address : "");
	snprintf(buf, sizeof(buf), "%s", domains ? domains : "");
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		g->domain = fixture_xrealloc(
			g->domain, (g->n_domain + 1) * sizeof(*g->domain));
		g->domain[g->n_domain++] = fixture_prefix(tok);
	}
	return (int)cfg->n_gateways++;
}

int fixture_add_community(struct mep_config *cfg, const char *name,
			  enum mep_community_type type)
{
	struct mep_community *c;

	cfg->communities = fixture_xrealloc(
		cfg->communities, (cfg->n_communities + 1) * sizeof(*c));
	c = &cfg->communities[cfg->n_communities];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->type = type;
	return (int)cfg->n_communities++;
}
