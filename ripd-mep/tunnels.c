/* tunnels: the tunnel table (CHILD_SAs reported by the IPsec engine) and
 * the matching of each tunnel to a configured peer gateway. Pure: no I/O. */
#include "tunnels.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

void tunnels_init(struct tunnel_table *t)
{
	memset(t, 0, sizeof(*t));
}

void tunnels_free(struct tunnel_table *t)
{
	free(t->v);
	tunnels_init(t);
}

/* ---- peer matching ---- */

/* Do two host strings name the same host? IP literals are compared as
 * addresses (2001:db8::1 == 2001:0db8::0001); anything else (DNS names)
 * case-insensitively. Empty strings never match. */
static bool tunnels_same_host(const char *a, const char *b)
{
	struct mep_addr x, y;
	bool xa, ya;

	if (!a[0] || !b[0])
		return false;
	xa = mep_addr_parse(a, &x) == 0;
	ya = mep_addr_parse(b, &y) == 0;
	if (xa && ya)
		return x.family == y.family &&
		       memcmp(x.addr, y.addr,
			      x.family == AF_INET ? 4 : 16) == 0;
	if (xa != ya)
		return false;
	return strcasecmp(a, b) == 0;
}

/* strongSwan prints some identities with a leading '@' (FQDN forced by
 * the configuration): compare without it. */
static const char *tunnels_strip_id(const char *id)
{
	return id[0] == '@' && id[1] != '#' ? id + 1 : id;
}

/* The configured gateway c belongs to, or -1. Order of the tests: remote
 * address against the gateways' addresses, then remote identity against
 * their names or addresses, then the IKE connection name; the lowest
 * index wins within a test. The local gateway is never a peer. */
static int tunnels_match(const struct mep_config *cfg,
			 const struct tunnel_child *c)
{
	const char *id = tunnels_strip_id(c->remote_id);

	if (!cfg)
		return -1;
	for (size_t i = 0; i < cfg->n_gateways; i++) {
		if ((int)i == cfg->local_gateway)
			continue;
		if (tunnels_same_host(cfg->gateways[i].address,
				      c->remote_host))
			return (int)i;
	}
	for (size_t i = 0; id[0] && i < cfg->n_gateways; i++) {
		const struct mep_gateway *g = &cfg->gateways[i];

		if ((int)i == cfg->local_gateway)
			continue;
		if (strcmp(g->name, id) == 0 ||
		    tunnels_same_host(g->address, id))
			return (int)i;
	}
	for (size_t i = 0; c->ike_name[0] && i < cfg->n_gateways; i++) {
		const struct mep_gateway *g = &cfg->gateways[i];

		if ((int)i == cfg->local_gateway)
			continue;
		if (strcmp(g->ike_connection, c->ike_name) == 0)
			return (int)i;
	}
	return -1;
}

/* ---- table ---- */

static struct tunnel_child *tunnels_find(struct tunnel_table *t,
					 uint32_t ike_id, uint32_t child_id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].ike_id == ike_id && t->v[i].child_id == child_id)
			return &t->v[i];
	return NULL;
}

static bool tunnels_prefix_ok(const struct mep_prefix *p)
{
	return (p->family == AF_INET && p->len <= 32) ||
	       (p->family == AF_INET6 && p->len <= 128);
}

static bool tunnels_child_ok(const struct tunnel_child *c)
{
	if (c->n_local_ts > TUNNEL_MAX_TS || c->n_remote_ts > TUNNEL_MAX_TS)
		return false;
	for (size_t i = 0; i < c->n_local_ts; i++)
		if (!tunnels_prefix_ok(&c->local_ts[i]))
			return false;
	for (size_t i = 0; i < c->n_remote_ts; i++)
		if (!tunnels_prefix_ok(&c->remote_ts[i]))
			return false;
	return true;
}

/* Force every string of a copied entry to be terminated. */
static void tunnels_terminate(struct tunnel_child *c)
{
	c->ike_name[sizeof(c->ike_name) - 1] = '\0';
	c->child_name[sizeof(c->child_name) - 1] = '\0';
	c->remote_host[sizeof(c->remote_host) - 1] = '\0';
	c->remote_id[sizeof(c->remote_id) - 1] = '\0';
	c->state[sizeof(c->state) - 1] = '\0';
}

int tunnels_upsert(struct tunnel_table *t, const struct mep_config *cfg,
		   const struct tunnel_child *c, time_t now)
{
	struct tunnel_child *e;
	time_t since = now;

	if (!tunnels_child_ok(c))
		return -1;
	e = tunnels_find(t, c->ike_id, c->child_id);
	if (e) {
		char state[sizeof(e->state)];

		memcpy(state, c->state, sizeof(state));
		state[sizeof(state) - 1] = '\0';
		if (strcmp(e->state, state) == 0)
			since = e->since;
	} else {
		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 8;
			struct tunnel_child *v;

			if (cap > SIZE_MAX / sizeof(*v))
				return -1;
			v = realloc(t->v, cap * sizeof(*v));
			if (!v)
				return -1;
			t->v = v;
			t->cap = cap;
		}
		e = &t->v[t->n++];
	}
	*e = *c;
	tunnels_terminate(e);
	e->gateway = tunnels_match(cfg, e);
	e->since = since;
	e->seen = true;
	return 0;
}

/* Remove the entries for which drop() is true, keeping the order. */
static size_t tunnels_remove_if(struct tunnel_table *t,
				bool (*drop)(const struct tunnel_child *,
					     uint32_t, uint32_t),
				uint32_t ike_id, uint32_t child_id)
{
	size_t w = 0, removed;

	for (size_t r = 0; r < t->n; r++) {
		if (drop(&t->v[r], ike_id, child_id))
			continue;
		if (w != r)
			t->v[w] = t->v[r];
		w++;
	}
	removed = t->n - w;
	t->n = w;
	return removed;
}

static bool tunnels_is_child(const struct tunnel_child *c, uint32_t ike_id,
			     uint32_t child_id)
{
	return c->ike_id == ike_id && c->child_id == child_id;
}

static bool tunnels_is_ike(const struct tunnel_child *c, uint32_t ike_id,
			   uint32_t child_id)
{
	(void)child_id;
	return c->ike_id == ike_id;
}

static bool tunnels_is_unseen(const struct tunnel_child *c, uint32_t ike_id,
			      uint32_t child_id)
{
	(void)ike_id;
	(void)child_id;
	return !c->seen;
}

size_t tunnels_remove_child(struct tunnel_table *t, uint32_t ike_id,
			    uint32_t child_id)
{
	return tunnels_remove_if(t, tunnels_is_child, ike_id, child_id);
}

size_t tunnels_remove_ike(struct tunnel_table *t, uint32_t ike_id)
{
	return tunnels_remove_if(t, tunnels_is_ike, ike_id, 0);
}

void tunnels_resync_begin(struct tunnel_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		t->v[i].seen = false;
}

size_t tunnels_resync_end(struct tunnel_table *t)
{
	return tunnels_remove_if(t, tunnels_is_unseen, 0, 0);
}

void tunnels_rematch(struct tunnel_table *t, const struct mep_config *cfg)
{
	for (size_t i = 0; i < t->n; i++)
		t->v[i].gateway = tunnels_match(cfg, &t->v[i]);
}

bool tunnels_child_up(const struct tunnel_child *c)
{
	return strcmp(c->state, "INSTALLED") == 0;
}
