/* nat_ct_ids: a set of conntrack ids, linear probing (see nat_ct_ids.h). */
#include "nat_ct_ids.h"

#include <stdlib.h>

void nat_ct_ids_init(struct nat_ct_ids *s)
{
	s->slot = NULL;
	s->cap = s->n = 0;
	s->has_zero = false;
}

void nat_ct_ids_free(struct nat_ct_ids *s)
{
	free(s->slot);
	nat_ct_ids_init(s);
}

static size_t home(uint32_t id, size_t cap)
{
	return (size_t)(id * 2654435761u) & (cap - 1);
}

/* Put id (not 0, not there) into slot of cap (free slots remain). */
static void put(uint32_t *slot, size_t cap, uint32_t id)
{
	size_t i = home(id, cap);

	while (slot[i])
		i = (i + 1) & (cap - 1);
	slot[i] = id;
}

static int grow(struct nat_ct_ids *s)
{
	size_t cap = s->cap ? 2 * s->cap : 1024;
	uint32_t *v;

	if (cap < s->cap || cap > SIZE_MAX / sizeof(*v))
		return -1;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -1;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i])
			put(v, cap, s->slot[i]);
	free(s->slot);
	s->slot = v;
	s->cap = cap;
	return 0;
}

bool nat_ct_ids_has(const struct nat_ct_ids *s, uint32_t id)
{
	size_t i;

	if (id == 0)
		return s->has_zero;
	if (!s->cap)
		return false;
	for (i = home(id, s->cap); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == id)
			return true;
	return false;
}

int nat_ct_ids_add(struct nat_ct_ids *s, uint32_t id)
{
	if (id == 0) {
		if (s->has_zero)
			return 0;
		s->has_zero = true;
		return 1;
	}
	if (nat_ct_ids_has(s, id))
		return 0;
	if (2 * (s->n + 1) > s->cap && grow(s) < 0)
		return -1;
	put(s->slot, s->cap, id);
	s->n++;
	return 1;
}
