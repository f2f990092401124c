/* nat_account: IP Pool NAT's accounting from conntrack events (pure; see
 * nat_account.h). Mappings and pool addresses are arrays indexed by
 * prefix_index (host prefixes as keys); an entry whose last connection
 * ended stays as a free entry (revived when its key comes back) until
 * free entries outnumber the live ones, then the array is compacted. */
#include "nat_account.h"

#include <stdlib.h>
#include <string.h>

#include "rim.h"

#define NAT_ACCOUNT_SLACK 1024	/* tracked sources beyond admit */

void nat_account_init(struct nat_account *a)
{
	memset(a, 0, sizeof(*a));
	nat_spec_init(&a->spec);
	prefix_index_init(&a->map_index);
	prefix_index_init(&a->addr_index);
}

void nat_account_free(struct nat_account *a)
{
	nat_spec_free(&a->spec);
	prefix_index_free(&a->map_index);
	prefix_index_free(&a->addr_index);
	free(a->map);
	free(a->addr);
	free(a->released);
	nat_account_init(a);
}

static struct mep_prefix host_key(const struct mep_addr *x)
{
	struct mep_prefix p;

	memset(&p, 0, sizeof(p));
	p.family = x->family;
	p.len = x->family == AF_INET ? 32 : 128;
	memcpy(p.addr, x->addr, mep_family_bytes(x->family));
	return p;
}

static struct mep_addr key_addr(const struct mep_prefix *p)
{
	struct mep_addr x;

	memset(&x, 0, sizeof(x));
	x.family = p->family;
	memcpy(x.addr, p->addr, mep_family_bytes(p->family));
	return x;
}

/* Forget every mapping and address (storage kept). */
static void forget(struct nat_account *a)
{
	a->n_map = a->dead_map = 0;
	a->n_addr = a->dead_addr = 0;
	prefix_index_clear(&a->map_index);
	prefix_index_clear(&a->addr_index);
	a->used = a->addresses_in_use = a->connections = 0;
}

int nat_account_configure(struct nat_account *a, const struct nat_spec *spec)
{
	bool same_pool = a->on && spec->on &&
			 mep_prefix_equal(&a->pool, &spec->pool);

	if (nat_spec_copy(&a->spec, spec) < 0)
		return -1;
	if (!same_pool) {
		forget(a);
		a->n_released = 0;
		a->peak = a->refused = a->events_dropped = 0;
		a->untracked = a->unmatched = 0;
		a->warned = false;
	}
	a->on = spec->on;
	a->pool = spec->pool;
	a->size = spec->size;
	a->admit = spec->admit;
	a->max_mappings = (size_t)spec->admit + NAT_ACCOUNT_SLACK;
	for (size_t i = 0; i < a->n_map; i++) {
		struct mep_addr s = key_addr(&a->map[i].key);

		a->map[i].satellite = nat_spec_satellite(&a->spec, &s);
	}
	return 0;
}

static enum nat_warn judge(struct nat_account *a)
{
	if (a->resync || a->admit == 0)
		return NAT_WARN_NONE;
	if (!a->warned && a->used * 10 >= (uint64_t)a->admit * 9) {
		a->warned = true;
		return NAT_WARN_HIGH;
	}
	if (a->warned && a->used * 10 < (uint64_t)a->admit * 8) {
		a->warned = false;
		return NAT_WARN_CLEARED;
	}
	return NAT_WARN_NONE;
}

/* Rebuild an array without its free entries (connections 0) and its
 * index. Element type T with a key and connections; an entry the index
 * cannot take (allocation failure) is dropped, and drop(a, entry) takes
 * its share out of the counters first. */
#define COMPACT(a, arr, n, dead, index, drop)                               \
	do {                                                                   \
		size_t w_ = 0;                                                 \
		for (size_t i_ = 0; i_ < (n); i_++)                            \
			if ((arr)[i_].connections)                             \
				(arr)[w_++] = (arr)[i_];                       \
		(n) = w_;                                                      \
		(dead) = 0;                                                    \
		prefix_index_clear(&(index));                                  \
		for (size_t i_ = 0; i_ < (n); i_++)                            \
			if (prefix_index_add(&(index), (arr), sizeof(*(arr)),  \
					     i_) < 0) {                        \
				drop((a), &(arr)[i_]); /* untracked */         \
				(arr)[i_].connections = 0;                     \
			}                                                      \
	} while (0)

static bool compact_due(size_t n, size_t dead)
{
	return dead > NAT_ACCOUNT_SLACK && dead > n / 2;
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? 2 * *cap : 64;
	p = realloc(*v, c * size);
	if (!p)
		return -1;
	*v = p;
	*cap = c;
	return 0;
}

static void release(struct nat_account *a, struct nat_mapping *m)
{
	struct mep_addr s = key_addr(&m->key);

	if (m->released)
		return;
	/* bounded: the adapter takes the list after every batch of events;
	 * beyond the bound the resync that follows finds the rest */
	if (a->n_released >= a->max_mappings ||
	    grow((void **)&a->released, &a->cap_released, a->n_released,
		 sizeof(*a->released)) < 0)
		return;
	a->released[a->n_released++] = s;
	m->released = true;
}

static void addr_new(struct nat_account *a, const struct mep_addr *mapped)
{
	struct mep_prefix k = host_key(mapped);
	long pos = prefix_index_find(&a->addr_index, a->addr, sizeof(*a->addr),
				     &k);

	if (pos < 0) {
		if (a->n_addr >= 2 * a->max_mappings ||
		    grow((void **)&a->addr, &a->cap_addr, a->n_addr,
			 sizeof(*a->addr)) < 0)
			return;
		a->addr[a->n_addr].key = k;
		a->addr[a->n_addr].connections = 0;
		if (prefix_index_add(&a->addr_index, a->addr, sizeof(*a->addr),
				     a->n_addr) < 0)
			return;
		pos = (long)a->n_addr++;
	} else if (a->addr[pos].connections == 0) {
		a->dead_addr--;
	}
	if (a->addr[pos].connections++ == 0)
		a->addresses_in_use++;
}

/* A pool address entry dropped by COMPACT: no longer in use. */
static void drop_addr(struct nat_account *a, const struct nat_addr_use *u)
{
	(void)u;
	a->addresses_in_use--;
}

static void addr_destroy(struct nat_account *a, const struct mep_addr *mapped)
{
	struct mep_prefix k = host_key(mapped);
	long pos = prefix_index_find(&a->addr_index, a->addr, sizeof(*a->addr),
				     &k);

	if (pos < 0 || a->addr[pos].connections == 0)
		return;
	if (--a->addr[pos].connections == 0) {
		a->addresses_in_use--;
		a->dead_addr++;
		if (compact_due(a->n_addr, a->dead_addr))
			COMPACT(a, a->addr, a->n_addr, a->dead_addr,
				a->addr_index, drop_addr);
	}
}

/* A mapping dropped by COMPACT: its source, its connections and their
 * share of its pool address are no longer counted. */
static void drop_map(struct nat_account *a, const struct nat_mapping *m)
{
	struct mep_prefix k = host_key(&m->pool_addr);
	long pos = prefix_index_find(&a->addr_index, a->addr, sizeof(*a->addr),
				     &k);

	a->used--;
	a->connections -= m->connections;
	if (pos < 0 || a->addr[pos].connections == 0)
		return;
	if (a->addr[pos].connections <= m->connections) {
		a->addr[pos].connections = 1;
		addr_destroy(a, &m->pool_addr);
	} else {
		a->addr[pos].connections -= m->connections;
	}
}

/* The position of src's mapping in a->map, or < 0 when it has none. */
static long map_pos(const struct nat_account *a, const struct mep_addr *src)
{
	struct mep_prefix k = host_key(src);

	return prefix_index_find(&a->map_index, a->map, sizeof(*a->map), &k);
}

/* Whether the mapping at pos (from map_pos) exists and holds a
 * connection. */
static bool map_live(const struct nat_account *a, long pos)
{
	return pos >= 0 && a->map[pos].connections;
}

static enum nat_warn on_new(struct nat_account *a, const struct mep_addr *src,
			    const struct mep_addr *mapped)
{
	long pos = map_pos(a, src);
	struct nat_mapping *m;

	if (!map_live(a, pos)) {
		if (a->used >= a->max_mappings) {
			a->untracked++;
			return NAT_WARN_NONE;
		}
	}
	if (pos < 0) {
		if (grow((void **)&a->map, &a->cap_map, a->n_map,
			 sizeof(*a->map)) < 0) {
			a->untracked++;
			return NAT_WARN_NONE;
		}
		m = &a->map[a->n_map];
		memset(m, 0, sizeof(*m));
		m->key = host_key(src);
		if (prefix_index_add(&a->map_index, a->map, sizeof(*a->map),
				     a->n_map) < 0) {
			a->untracked++;
			return NAT_WARN_NONE;
		}
		a->n_map++;
		m->satellite = nat_spec_satellite(&a->spec, src);
	} else {
		m = &a->map[pos];
		if (m->connections == 0)
			a->dead_map--;
	}
	m->pool_addr = *mapped;
	a->connections++;
	addr_new(a, mapped);
	if (m->connections++ == 0) {
		a->used++;
		if (a->used > a->peak)
			a->peak = a->used;
	}
	return judge(a);
}

static enum nat_warn on_destroy(struct nat_account *a,
				const struct mep_addr *src,
				const struct mep_addr *mapped)
{
	long pos = map_pos(a, src);
	struct nat_mapping *m;

	if (!map_live(a, pos)) {
		a->unmatched++;
		return NAT_WARN_NONE;
	}
	m = &a->map[pos];
	a->connections--;
	addr_destroy(a, mapped);
	if (--m->connections == 0) {
		a->used--;
		a->dead_map++;
		release(a, m);
		if (compact_due(a->n_map, a->dead_map))
			COMPACT(a, a->map, a->n_map, a->dead_map,
				a->map_index, drop_map);
	}
	return judge(a);
}

enum nat_warn nat_account_event(struct nat_account *a, enum nat_ct_kind kind,
				const struct mep_addr *src,
				const struct mep_addr *mapped)
{
	/* not NATed into the pool; a pool address is no source */
	if (!a->on || src->family != a->pool.family ||
	    mapped->family != a->pool.family ||
	    !mep_prefix_contains(&a->pool, mapped) ||
	    mep_prefix_contains(&a->pool, src))
		return NAT_WARN_NONE;
	return kind == NAT_CT_NEW ? on_new(a, src, mapped)
				  : on_destroy(a, src, mapped);
}

void nat_account_begin_resync(struct nat_account *a)
{
	forget(a);
	a->n_released = 0;
	a->resync = true;
}

void nat_account_admitted(struct nat_account *a, const struct mep_addr *src)
{
	if (!a->resync || a->n_released >= a->max_mappings ||
	    grow((void **)&a->released, &a->cap_released, a->n_released,
		 sizeof(*a->released)) < 0)
		return;
	a->released[a->n_released++] = *src;
}

enum nat_warn nat_account_end_resync(struct nat_account *a)
{
	size_t w = 0;

	a->resync = false;
	/* the admitted sources without a connection are released */
	for (size_t i = 0; i < a->n_released; i++) {
		struct nat_mapping *m =
			(struct nat_mapping *)nat_account_find(a,
							       &a->released[i]);

		if (!m)
			a->released[w++] = a->released[i];
		else
			m->in_set = true;
	}
	a->n_released = w;
	return judge(a);
}

size_t nat_account_take_released(struct nat_account *a, struct mep_addr *out,
				 size_t max)
{
	size_t n = 0, i;

	for (i = 0; i < a->n_released && n < max; i++) {
		long pos = map_pos(a, &a->released[i]);

		if (pos >= 0) {
			a->map[pos].released = false;
			if (a->map[pos].connections)
				continue;	/* came back */
		}
		out[n++] = a->released[i];
	}
	/* what did not fit waits for the next call */
	if (i && i < a->n_released)
		memmove(a->released, a->released + i,
			(a->n_released - i) * sizeof(*a->released));
	a->n_released -= i;
	return n;
}

const struct nat_mapping *nat_account_find(const struct nat_account *a,
					   const struct mep_addr *src)
{
	long pos = map_pos(a, src);

	return map_live(a, pos) ? &a->map[pos] : NULL;
}

static int mapping_ptr_cmp(const void *x, const void *y)
{
	const struct nat_mapping *const *p = x, *const *q = y;

	return rim_prefix_cmp(&(*p)->key, &(*q)->key);
}

size_t nat_account_page(const struct nat_account *a,
			const struct mep_addr *from, size_t count,
			struct nat_mapping *out, bool *more)
{
	const struct nat_mapping **v;
	struct mep_prefix k;
	size_t n = 0, got = 0;

	*more = false;
	if (a->used == 0 || count == 0)
		return 0;
	v = malloc(a->n_map * sizeof(*v));
	if (!v)
		return 0;
	if (from)
		k = host_key(from);
	for (size_t i = 0; i < a->n_map; i++)
		if (a->map[i].connections &&
		    (!from || rim_prefix_cmp(&a->map[i].key, &k) >= 0))
			v[n++] = &a->map[i];
	qsort(v, n, sizeof(*v), mapping_ptr_cmp);
	for (; got < n && got < count; got++)
		out[got] = *v[got];
	*more = n > got;
	free(v);
	return got;
}

void nat_account_per_satellite(const struct nat_account *a, size_t n,
			       uint64_t *sources, uint64_t *connections)
{
	memset(sources, 0, n * sizeof(*sources));
	memset(connections, 0, n * sizeof(*connections));
	for (size_t i = 0; i < a->n_map; i++) {
		const struct nat_mapping *m = &a->map[i];

		if (!m->connections || m->satellite < 0 ||
		    (size_t)m->satellite >= n)
			continue;
		sources[m->satellite]++;
		connections[m->satellite] += m->connections;
	}
}

uint64_t nat_account_free_count(const struct nat_account *a)
{
	return a->used >= a->admit ? 0 : a->admit - a->used;
}

size_t nat_account_unadmitted(const struct nat_account *a, size_t *cursor,
			      struct mep_addr *out, size_t max)
{
	size_t n = 0, i;

	for (i = *cursor; i < a->n_map && n < max; i++)
		if (a->map[i].connections && !a->map[i].in_set)
			out[n++] = key_addr(&a->map[i].key);
	*cursor = i;
	return n;
}
