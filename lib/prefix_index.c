/* prefix_index: prefix -> position in the caller's array (linear
 * probing, at most half full). */
#include "prefix_index.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hash_mix.h"

void prefix_index_init(struct prefix_index *x)
{
	memset(x, 0, sizeof(*x));
}

void prefix_index_free(struct prefix_index *x)
{
	free(x->slots);
	prefix_index_init(x);
}

void prefix_index_clear(struct prefix_index *x)
{
	x->n = 0;
	if (x->slots)
		memset(x->slots, 0, x->hcap * sizeof(*x->slots));
}

static const struct mep_prefix *key(const void *base, size_t size,
				    size_t pos)
{
	return (const struct mep_prefix *)((const char *)base + pos * size);
}

static bool same(const struct mep_prefix *a, const struct mep_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static uint64_t hash(const struct mep_prefix *p)
{
	uint64_t lo, hi;

	memcpy(&lo, p->addr, sizeof(lo));
	memcpy(&hi, p->addr + 8, sizeof(hi));
	return hash_mix64(lo ^ hash_mix64(hi ^ ((uint64_t)p->family << 8 | p->len)));
}

/* The slot of p, or the empty slot where it would go. */
static size_t probe(const struct prefix_index *x, const void *base,
		    size_t size, const struct mep_prefix *p, uint64_t h)
{
	uint32_t tag = (uint32_t)(h >> 32);
	size_t i = (size_t)h & (x->hcap - 1);

	while (x->slots[i].pos &&
	       (x->slots[i].tag != tag ||
		!same(key(base, size, x->slots[i].pos - 1), p)))
		i = (i + 1) & (x->hcap - 1);
	return i;
}

long prefix_index_find(const struct prefix_index *x, const void *base,
		       size_t size, const struct mep_prefix *p)
{
	size_t i;

	if (!x->n)
		return -1;
	i = probe(x, base, size, p, hash(p));
	return x->slots[i].pos ? (long)x->slots[i].pos - 1 : -1;
}

/* Put slot value v (of a key not in the table) where it belongs. */
static void place(struct prefix_index *x, const void *base, size_t size,
		  struct prefix_index_slot v)
{
	size_t i = (size_t)hash(key(base, size, v.pos - 1)) & (x->hcap - 1);

	while (x->slots[i].pos)
		i = (i + 1) & (x->hcap - 1);
	x->slots[i] = v;
}

int prefix_index_add(struct prefix_index *x, const void *base, size_t size,
		     size_t pos)
{
	uint64_t h = hash(key(base, size, pos));

	if (pos >= UINT32_MAX)
		return -1;
	if ((x->n + 1) * 2 > x->hcap) {
		size_t old_cap = x->hcap, hcap = old_cap ? 2 * old_cap : 128;
		struct prefix_index_slot *old = x->slots;

		x->slots = calloc(hcap, sizeof(*x->slots));
		if (!x->slots) {
			x->slots = old;
			return -1;
		}
		x->hcap = hcap;
		for (size_t i = 0; i < old_cap; i++)
			if (old[i].pos)
				place(x, base, size, old[i]);
		free(old);
	}
	place(x, base, size,
	      (struct prefix_index_slot){ .pos = (uint32_t)pos + 1,
					  .tag = (uint32_t)(h >> 32) });
	x->n++;
	return 0;
}
