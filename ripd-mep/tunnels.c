/* tunnels: the tunnel table (CHILD_SAs reported by the IPsec engine) and
 * the matching of each tunnel to a configured peer gateway. Pure: no I/O.
 *
 * Storage: a dense array of compact entries in insertion order (removal
 * marks an entry dead; dead entries are compacted away once they outnumber
 * the live ones, or at the end of a resync), two open-addressing hashes of
 * entry indexes (by (ike, child), and by ike to the first child of a chain
 * linking the children of one IKE_SA), and a sorted index of the peers. */
#include "tunnels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "hash_mix.h"

struct tunnels_addr_key {
	struct mep_addr a;	/* bytes beyond the family's length zeroed */
	uint32_t gw;
};

struct tunnels_str_key {
	const char *s;		/* in tunnels_peer_index.strs */
	uint32_t gw;
};

/* Entries are referenced as index + 1 in the hashes and chains, 0 for
 * none; the table never grows beyond this many slots. */
#define TUNNELS_MAX_SLOTS (UINT32_MAX / 4)
#define TUNNELS_MIN_HCAP 16

/* ---- peer index ---- */

static void tunnels_peers_free(struct tunnels_peer_index *p)
{
	free(p->addrs);
	free(p->hosts);
	free(p->names);
	free(p->ikes);
	free(p->strs);
	memset(p, 0, sizeof(*p));
}

/* Parse an IP literal into a key with the unused bytes zeroed. */
static bool tunnels_parse_addr(const char *s, struct mep_addr *a)
{
	struct mep_addr x;

	if (mep_addr_parse(s, &x) != 0)
		return false;
	memset(a, 0, sizeof(*a));
	a->family = x.family;
	memcpy(a->addr, x.addr, mep_family_bytes(x.family));
	return true;
}

static int tunnels_addr_cmp(const struct mep_addr *x, const struct mep_addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static int tunnels_gw_cmp(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int tunnels_addr_key_cmp(const void *pa, const void *pb)
{
	const struct tunnels_addr_key *a = pa, *b = pb;
	int c = tunnels_addr_cmp(&a->a, &b->a);

	return c ? c : tunnels_gw_cmp(a->gw, b->gw);
}

static int tunnels_str_key_cmp(const void *pa, const void *pb)
{
	const struct tunnels_str_key *a = pa, *b = pb;
	int c = strcmp(a->s, b->s);

	return c ? c : tunnels_gw_cmp(a->gw, b->gw);
}

static int tunnels_host_key_cmp(const void *pa, const void *pb)
{
	const struct tunnels_str_key *a = pa, *b = pb;
	int c = strcasecmp(a->s, b->s);

	return c ? c : tunnels_gw_cmp(a->gw, b->gw);
}

/* Copy s into the arena at *pos and return the copy. */
static const char *tunnels_arena_put(char *arena, size_t *pos, const char *s)
{
	size_t len = strlen(s) + 1;
	char *d = arena + *pos;

	memcpy(d, s, len);
	*pos += len;
	return d;
}

/* Build the index of cfg's gateways into p (empty for a NULL cfg).
 * Returns 0, or -1 on allocation failure with p untouched. */
static int tunnels_peers_build(struct tunnels_peer_index *p,
			       const struct mep_config *cfg)
{
	struct tunnels_peer_index n;
	size_t strs = 1, pos = 0, ng;

	memset(&n, 0, sizeof(n));
	n.cfg = cfg;
	if (cfg) {
		n.gateways = cfg->gateways;
		n.n_gateways = cfg->n_gateways;
		n.local_gateway = cfg->local_gateway;
	}
	ng = n.n_gateways;
	if (ng > TUNNELS_MAX_SLOTS)
		return -1;
	for (size_t i = 0; i < ng; i++) {
		const struct mep_gateway *g = &cfg->gateways[i];

		strs += strnlen(g->address, sizeof(g->address)) + 1;
		strs += strnlen(g->name, sizeof(g->name)) + 1;
		strs += strnlen(g->ike_connection,
				sizeof(g->ike_connection)) + 1;
	}
	if (ng) {
		n.addrs = malloc(ng * sizeof(*n.addrs));
		n.hosts = malloc(ng * sizeof(*n.hosts));
		n.names = malloc(ng * sizeof(*n.names));
		n.ikes = malloc(ng * sizeof(*n.ikes));
	}
	n.strs = malloc(strs);
	if (!n.strs || (ng && (!n.addrs || !n.hosts || !n.names ||
			       !n.ikes))) {
		tunnels_peers_free(&n);
		return -1;
	}
	for (size_t i = 0; i < ng; i++) {
		const struct mep_gateway *g = &cfg->gateways[i];
		char buf[MEP_HOST_MAX];

		if ((int)i == cfg->local_gateway)
			continue;
		/* configuration strings are terminated, but do not trust it */
		snprintf(buf, sizeof(buf), "%.*s", (int)sizeof(g->address) - 1,
			 g->address);
		if (buf[0] && tunnels_parse_addr(buf, &n.addrs[n.n_addrs].a))
			n.addrs[n.n_addrs++].gw = (uint32_t)i;
		else if (buf[0])
			n.hosts[n.n_hosts++] = (struct tunnels_str_key){
				tunnels_arena_put(n.strs, &pos, buf),
				(uint32_t)i
			};
		snprintf(buf, sizeof(buf), "%.*s", (int)sizeof(g->name) - 1,
			 g->name);
		if (buf[0])
			n.names[n.n_names++] = (struct tunnels_str_key){
				tunnels_arena_put(n.strs, &pos, buf),
				(uint32_t)i
			};
		snprintf(buf, sizeof(buf), "%.*s",
			 (int)sizeof(g->ike_connection) - 1, g->ike_connection);
		if (buf[0])
			n.ikes[n.n_ikes++] = (struct tunnels_str_key){
				tunnels_arena_put(n.strs, &pos, buf),
				(uint32_t)i
			};
	}
	if (n.n_addrs)
		qsort(n.addrs, n.n_addrs, sizeof(*n.addrs),
		      tunnels_addr_key_cmp);
	if (n.n_hosts)
		qsort(n.hosts, n.n_hosts, sizeof(*n.hosts),
		      tunnels_host_key_cmp);
	if (n.n_names)
		qsort(n.names, n.n_names, sizeof(*n.names),
		      tunnels_str_key_cmp);
	if (n.n_ikes)
		qsort(n.ikes, n.n_ikes, sizeof(*n.ikes), tunnels_str_key_cmp);
	tunnels_peers_free(p);
	*p = n;
	return 0;
}

static bool tunnels_peers_stale(const struct tunnels_peer_index *p,
				const struct mep_config *cfg)
{
	if (p->cfg != cfg)
		return true;
	return cfg && (p->gateways != cfg->gateways ||
		       p->n_gateways != cfg->n_gateways ||
		       p->local_gateway != cfg->local_gateway);
}

/* Lowest gateway whose address is a (zeroed-tail key), or -1. */
static int tunnels_find_addr(const struct tunnels_peer_index *p,
			     const struct mep_addr *a)
{
	size_t lo = 0, hi = p->n_addrs;

	while (lo < hi) {	/* first key >= a */
		size_t mid = lo + (hi - lo) / 2;

		if (tunnels_addr_cmp(&p->addrs[mid].a, a) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->n_addrs && tunnels_addr_cmp(&p->addrs[lo].a, a) == 0)
		return (int)p->addrs[lo].gw;
	return -1;
}

/* Lowest gateway of a sorted key array whose string equals s (by cmp), or
 * -1. */
static int tunnels_find_str(const struct tunnels_str_key *v, size_t n,
			    const char *s, int (*cmp)(const char *, const char *))
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp(v[mid].s, s) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && cmp(v[lo].s, s) == 0)
		return (int)v[lo].gw;
	return -1;
}

/* The gateway whose address names the host s (IP literals as addresses,
 * DNS names case-insensitively), or -1. */
static int tunnels_find_host(const struct tunnels_peer_index *p, const char *s)
{
	struct mep_addr a;

	if (!s[0])
		return -1;
	if (tunnels_parse_addr(s, &a))
		return tunnels_find_addr(p, &a);
	return tunnels_find_str(p->hosts, p->n_hosts, s, strcasecmp);
}

/* strongSwan prints some identities with a leading '@' (FQDN forced by
 * the configuration): compare without it. */
static const char *tunnels_strip_id(const char *id)
{
	return id[0] == '@' && id[1] != '#' ? id + 1 : id;
}

/* The configured gateway of a tunnel, or -1: the steps and order of
 * tunnels.h; the local gateway is not in the index. */
static int tunnels_match(const struct tunnels_peer_index *p,
			 const char *host, const char *rid, const char *ike)
{
	const char *id = tunnels_strip_id(rid);
	int gw = tunnels_find_host(p, host);

	if (gw >= 0)
		return gw;
	if (id[0]) {
		int by_name = tunnels_find_str(p->names, p->n_names, id,
					       strcmp);
		int by_addr = tunnels_find_host(p, id);

		if (by_name >= 0 && (by_addr < 0 || by_name < by_addr))
			return by_name;
		if (by_addr >= 0)
			return by_addr;
	}
	if (ike[0])
		return tunnels_find_str(p->ikes, p->n_ikes, ike, strcmp);
	return -1;
}

/* ---- entries ---- */

const struct mep_prefix *tunnels_entry_local_ts(const struct tunnels_entry *e)
{
	return e->ts;
}

const struct mep_prefix *
tunnels_entry_remote_ts(const struct tunnels_entry *e)
{
	return e->ts + e->n_local_ts;
}

const char *tunnels_entry_remote_host(const struct tunnels_entry *e)
{
	return (const char *)(e->ts + e->n_local_ts + e->n_remote_ts);
}

static const char *tunnels_after(const char *s)
{
	return s + strlen(s) + 1;
}

const char *tunnels_entry_remote_id(const struct tunnels_entry *e)
{
	const char *host = tunnels_entry_remote_host(e);

	return e->id_is_host ? host : tunnels_after(host);
}

const char *tunnels_entry_ike_name(const struct tunnels_entry *e)
{
	const char *host = tunnels_entry_remote_host(e);

	return tunnels_after(e->id_is_host ? host : tunnels_after(host));
}

const char *tunnels_entry_child_name(const struct tunnels_entry *e)
{
	return tunnels_after(tunnels_entry_ike_name(e));
}

/* CHILD_SA states of strongSwan, kept as a code instead of a string. */
static const char *const tunnels_states[] = {
	"CREATED",  "ROUTED",	"INSTALLING", "INSTALLED",
	"UPDATING", "REKEYING", "REKEYED",    "RETRYING",
	"DELETING", "DELETED",	"DESTROYING",
};

const char *tunnels_entry_state(const struct tunnels_entry *e)
{
	if (e->state_code)
		return tunnels_states[e->state_code - 1];
	return tunnels_after(tunnels_entry_child_name(e));
}

/* The code of state s (cut to len characters), 0 for others. */
static uint8_t tunnels_state_code(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(tunnels_states) / sizeof(*tunnels_states);
	     i++)
		if (strlen(tunnels_states[i]) == len &&
		    memcmp(tunnels_states[i], s, len) == 0)
			return (uint8_t)(i + 1);
	return 0;
}

static bool tunnels_child_ok(const struct tunnel_child *c)
{
	if (c->n_local_ts > TUNNEL_MAX_TS || c->n_remote_ts > TUNNEL_MAX_TS)
		return false;
	for (size_t i = 0; i < c->n_local_ts; i++)
		if (!mep_prefix_valid(&c->local_ts[i]))
			return false;
	for (size_t i = 0; i < c->n_remote_ts; i++)
		if (!mep_prefix_valid(&c->remote_ts[i]))
			return false;
	return true;
}

/* Append s, cut to max - 1 characters, with its NUL to blob at *pos. */
static void tunnels_put(char *blob, size_t *pos, const char *s, size_t max)
{
	size_t len = strnlen(s, max - 1);

	memcpy(blob + *pos, s, len);
	blob[*pos + len] = '\0';
	*pos += len + 1;
}

/* Fill e's selectors and strings from c (cut to their arrays) into one
 * allocation sized exactly: the identity is left out when it equals the
 * host, the state when it is a known one. Returns 0, or -1 with e
 * untouched. */
static int tunnels_blob(const struct tunnel_child *c, struct tunnels_entry *e)
{
	size_t pos = (c->n_local_ts + c->n_remote_ts) *
		     sizeof(struct mep_prefix);
	size_t host = strnlen(c->remote_host, sizeof(c->remote_host) - 1);
	size_t id = strnlen(c->remote_id, sizeof(c->remote_id) - 1);
	size_t state = strnlen(c->state, sizeof(c->state) - 1);
	bool id_is_host = id == host && memcmp(c->remote_host, c->remote_id,
					       host) == 0;
	uint8_t code = tunnels_state_code(c->state, state);
	size_t size = pos + host + 1;
	char *blob;

	if (!id_is_host)
		size += id + 1;
	size += strnlen(c->ike_name, sizeof(c->ike_name) - 1) + 1;
	size += strnlen(c->child_name, sizeof(c->child_name) - 1) + 1;
	if (!code)
		size += state + 1;
	blob = malloc(size);
	if (!blob)
		return -1;
	memcpy(blob, c->local_ts, c->n_local_ts * sizeof(struct mep_prefix));
	memcpy(blob + c->n_local_ts * sizeof(struct mep_prefix), c->remote_ts,
	       c->n_remote_ts * sizeof(struct mep_prefix));
	tunnels_put(blob, &pos, c->remote_host, sizeof(c->remote_host));
	if (!id_is_host)
		tunnels_put(blob, &pos, c->remote_id, sizeof(c->remote_id));
	tunnels_put(blob, &pos, c->ike_name, sizeof(c->ike_name));
	tunnels_put(blob, &pos, c->child_name, sizeof(c->child_name));
	if (!code)
		tunnels_put(blob, &pos, c->state, sizeof(c->state));
	e->ts = (struct mep_prefix *)(void *)blob;
	e->n_local_ts = (uint8_t)c->n_local_ts;
	e->n_remote_ts = (uint8_t)c->n_remote_ts;
	e->id_is_host = id_is_host;
	e->state_code = code;
	return 0;
}

/* ---- hashes ---- */

static size_t tunnels_child_home(const struct tunnel_table *t, uint32_t ike,
				 uint32_t child)
{
	return (size_t)hash_mix64(((uint64_t)ike << 32) | child) & (t->hcap - 1);
}

static size_t tunnels_ike_home(const struct tunnel_table *t, uint32_t ike)
{
	return (size_t)hash_mix64((uint64_t)ike * 0x9e3779b97f4a7c15ULL + 1) &
	       (t->hcap - 1);
}

/* The slot of by_child holding (ike, child), or of the empty slot where it
 * would go. */
static size_t tunnels_child_slot(const struct tunnel_table *t, uint32_t ike,
				 uint32_t child)
{
	size_t mask = t->hcap - 1;

	for (size_t s = tunnels_child_home(t, ike, child);;
	     s = (s + 1) & mask) {
		uint32_t v = t->by_child[s];

		if (!v || (t->v[v - 1].ike_id == ike &&
			   t->v[v - 1].child_id == child))
			return s;
	}
}

static size_t tunnels_ike_slot(const struct tunnel_table *t, uint32_t ike)
{
	size_t mask = t->hcap - 1;

	for (size_t s = tunnels_ike_home(t, ike);; s = (s + 1) & mask) {
		uint32_t v = t->by_ike[s];

		if (!v || t->v[v - 1].ike_id == ike)
			return s;
	}
}

/* Backward-shift deletion of slot s of a linear-probing hash. */
static void tunnels_hash_del(struct tunnel_table *t, uint32_t *h, size_t s,
			     bool by_child)
{
	size_t mask = t->hcap - 1;

	for (size_t j = (s + 1) & mask; h[j]; j = (j + 1) & mask) {
		const struct tunnels_entry *e = &t->v[h[j] - 1];
		size_t k = by_child ? tunnels_child_home(t, e->ike_id,
							 e->child_id)
				    : tunnels_ike_home(t, e->ike_id);

		/* move h[j] to the hole when its home is not in (s, j] */
		if ((j > s && (k <= s || k > j)) ||
		    (j < s && k <= s && k > j)) {
			h[s] = h[j];
			s = j;
		}
	}
	h[s] = 0;
}

/* Index entry i (live) in both hashes and its IKE_SA's chain. */
static void tunnels_hash_add(struct tunnel_table *t, size_t i)
{
	struct tunnels_entry *e = &t->v[i];
	size_t s = tunnels_ike_slot(t, e->ike_id);

	t->by_child[tunnels_child_slot(t, e->ike_id, e->child_id)] =
		(uint32_t)i + 1;
	e->ike_next = t->by_ike[s];
	t->by_ike[s] = (uint32_t)i + 1;
}

/* Rebuild both hashes for the live entries, sized for live entries at a
 * load of at most one half. When new arrays cannot be had, keeps the old
 * ones if they have room for spare more than the live entries (slower,
 * still correct: a free slot always remains). Returns 0, or -1 when no
 * usable arrays exist. */
static int tunnels_rehash(struct tunnel_table *t, size_t live, size_t spare)
{
	size_t want = TUNNELS_MIN_HCAP;
	uint32_t *bc, *bi;

	while (want < 2 * live)
		want *= 2;
	if (want != t->hcap) {
		bc = calloc(want, sizeof(*bc));
		bi = calloc(want, sizeof(*bi));
		if (bc && bi) {
			free(t->by_child);
			free(t->by_ike);
			t->by_child = bc;
			t->by_ike = bi;
			t->hcap = want;
		} else {
			free(bc);
			free(bi);
			if (t->hcap < t->live + spare)
				return -1;
		}
	}
	memset(t->by_child, 0, t->hcap * sizeof(*t->by_child));
	memset(t->by_ike, 0, t->hcap * sizeof(*t->by_ike));
	for (size_t i = 0; i < t->n; i++)
		if (!t->v[i].dead)
			tunnels_hash_add(t, i);
	return 0;
}

/* Drop the dead entries (keeping the order) and rebuild the hashes. */
static void tunnels_compact(struct tunnel_table *t)
{
	size_t w = 0;

	for (size_t r = 0; r < t->n; r++)
		if (!t->v[r].dead)
			t->v[w++] = t->v[r];
	t->n = w;
	if (t->cap > 64 && t->n < t->cap / 4) {
		struct tunnels_entry *v =
			realloc(t->v, t->cap / 2 * sizeof(*v));

		if (v) {
			t->v = v;
			t->cap /= 2;
		}
	}
	/* cannot fail: the live count did not grow, so the old arrays still
	 * have a free slot to spare */
	(void)tunnels_rehash(t, t->live, 1);
}

/* ---- table ---- */

void tunnels_init(struct tunnel_table *t)
{
	memset(t, 0, sizeof(*t));
}

void tunnels_free(struct tunnel_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].ts);
	free(t->v);
	free(t->by_child);
	free(t->by_ike);
	tunnels_peers_free(&t->peers);
	tunnels_init(t);
}

static struct tunnels_entry *tunnels_lookup(const struct tunnel_table *t,
					    uint32_t ike_id, uint32_t child_id)
{
	uint32_t v;

	if (!t->hcap)
		return NULL;
	v = t->by_child[tunnels_child_slot(t, ike_id, child_id)];
	return v ? &t->v[v - 1] : NULL;
}

const struct tunnels_entry *tunnels_find(const struct tunnel_table *t,
					 uint32_t ike_id, uint32_t child_id)
{
	return tunnels_lookup(t, ike_id, child_id);
}

size_t tunnels_count(const struct tunnel_table *t)
{
	return t->live;
}

const struct tunnels_entry *tunnels_next(const struct tunnel_table *t,
					 size_t *pos)
{
	while (*pos < t->n) {
		const struct tunnels_entry *e = &t->v[(*pos)++];

		if (!e->dead)
			return e;
	}
	return NULL;
}

/* Make room for one more entry at v[n] and in the hashes. */
static int tunnels_reserve(struct tunnel_table *t)
{
	if (t->n == t->cap && t->n - t->live >= t->n / 4 && t->n)
		tunnels_compact(t);
	if (t->n >= TUNNELS_MAX_SLOTS)
		return -1;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap + t->cap / 2 : 8;
		struct tunnels_entry *v;

		if (cap > TUNNELS_MAX_SLOTS)
			cap = TUNNELS_MAX_SLOTS;
		v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	if (t->hcap < 2 * (t->live + 1))
		return tunnels_rehash(t, t->live + 1, 2);
	return 0;
}

int tunnels_upsert(struct tunnel_table *t, const struct mep_config *cfg,
		   const struct tunnel_child *c, time_t now)
{
	struct tunnels_entry *e;
	struct tunnels_entry tmp;
	time_t since = now;

	if (!tunnels_child_ok(c))
		return -1;
	if (tunnels_peers_stale(&t->peers, cfg) &&
	    tunnels_peers_build(&t->peers, cfg) < 0)
		return -1;
	memset(&tmp, 0, sizeof(tmp));
	if (tunnels_blob(c, &tmp) < 0)
		return -1;
	e = tunnels_lookup(t, c->ike_id, c->child_id);
	if (e) {
		if (strcmp(tunnels_entry_state(e), tunnels_entry_state(&tmp)) ==
		    0)
			since = e->since;
		free(e->ts);
	} else {
		if (tunnels_reserve(t) < 0) {
			free(tmp.ts);
			return -1;
		}
		e = &t->v[t->n++];
		memset(e, 0, sizeof(*e));
		e->ike_id = c->ike_id;
		e->child_id = c->child_id;
		t->live++;
		tunnels_hash_add(t, (size_t)(e - t->v));
	}
	e->ts = tmp.ts;
	e->n_local_ts = tmp.n_local_ts;
	e->n_remote_ts = tmp.n_remote_ts;
	e->id_is_host = tmp.id_is_host;
	e->state_code = tmp.state_code;
	e->up = strcmp(tunnels_entry_state(e), "INSTALLED") == 0;
	e->gateway = tunnels_match(&t->peers, tunnels_entry_remote_host(e),
				   tunnels_entry_remote_id(e),
				   tunnels_entry_ike_name(e));
	e->since = since;
	e->seen = true;
	return 0;
}

/* Unlink live entry i from the hashes and its chain; mark it dead. */
static void tunnels_kill(struct tunnel_table *t, size_t i)
{
	struct tunnels_entry *e = &t->v[i];
	size_t s = tunnels_ike_slot(t, e->ike_id);
	uint32_t *link = &t->by_ike[s];

	while (*link && *link != i + 1)
		link = &t->v[*link - 1].ike_next;
	if (*link)
		*link = e->ike_next;
	if (!t->by_ike[s])
		tunnels_hash_del(t, t->by_ike, s, false);
	tunnels_hash_del(t, t->by_child,
			 tunnels_child_slot(t, e->ike_id, e->child_id), true);
	free(e->ts);
	e->ts = NULL;
	e->dead = true;
	t->live--;
}

/* Compact once dead entries outnumber live ones (amortised O(1)). */
static void tunnels_maybe_compact(struct tunnel_table *t)
{
	if (t->n > 16 && t->n - t->live > t->live)
		tunnels_compact(t);
}

size_t tunnels_remove_child(struct tunnel_table *t, uint32_t ike_id,
			    uint32_t child_id)
{
	struct tunnels_entry *e = tunnels_lookup(t, ike_id, child_id);

	if (!e)
		return 0;
	tunnels_kill(t, (size_t)(e - t->v));
	tunnels_maybe_compact(t);
	return 1;
}

size_t tunnels_remove_ike(struct tunnel_table *t, uint32_t ike_id)
{
	size_t removed = 0;
	uint32_t v;

	if (!t->hcap)
		return 0;
	while ((v = t->by_ike[tunnels_ike_slot(t, ike_id)]) != 0) {
		tunnels_kill(t, v - 1);
		removed++;
	}
	tunnels_maybe_compact(t);
	return removed;
}

void tunnels_resync_begin(struct tunnel_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		t->v[i].seen = false;
}

size_t tunnels_resync_end(struct tunnel_table *t)
{
	size_t removed = 0;

	for (size_t i = 0; i < t->n; i++) {
		struct tunnels_entry *e = &t->v[i];

		if (e->dead || e->seen)
			continue;
		free(e->ts);
		e->ts = NULL;
		e->dead = true;
		t->live--;
		removed++;
	}
	if (removed || t->n != t->live)
		tunnels_compact(t);
	/* a listing is done: give back the growth slack of the array */
	if (t->n && t->cap > t->n + t->n / 16 + 8) {
		struct tunnels_entry *v = realloc(t->v, t->n * sizeof(*v));

		if (v) {
			t->v = v;
			t->cap = t->n;
		}
	}
	return removed;
}

int tunnels_match_peer(struct tunnel_table *t, const struct mep_config *cfg,
		       const struct tunnel_child *c)
{
	char host[sizeof(c->remote_host)], id[sizeof(c->remote_id)],
		ike[sizeof(c->ike_name)];

	if (tunnels_peers_stale(&t->peers, cfg) &&
	    tunnels_peers_build(&t->peers, cfg) < 0)
		return -1;
	/* the transfer struct's strings may fill their arrays */
	snprintf(host, sizeof(host), "%.*s", (int)sizeof(host) - 1,
		 c->remote_host);
	snprintf(id, sizeof(id), "%.*s", (int)sizeof(id) - 1, c->remote_id);
	snprintf(ike, sizeof(ike), "%.*s", (int)sizeof(ike) - 1, c->ike_name);
	return tunnels_match(&t->peers, host, id, ike);
}

int tunnels_rematch(struct tunnel_table *t, const struct mep_config *cfg)
{
	int rc = tunnels_peers_build(&t->peers, cfg);

	if (rc < 0) {
		/* keep nothing that may point into an old configuration */
		tunnels_peers_free(&t->peers);
		t->peers.cfg = NULL;
	}
	for (size_t i = 0; i < t->n; i++) {
		struct tunnels_entry *e = &t->v[i];

		if (e->dead)
			continue;
		e->gateway = rc < 0 ? -1
				    : tunnels_match(&t->peers,
						    tunnels_entry_remote_host(e),
						    tunnels_entry_remote_id(e),
						    tunnels_entry_ike_name(e));
	}
	return rc;
}

bool tunnels_child_up(const struct tunnel_child *c)
{
	return strnlen(c->state, sizeof(c->state)) < sizeof(c->state) &&
	       strcmp(c->state, "INSTALLED") == 0;
}
