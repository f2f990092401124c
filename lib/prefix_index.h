/* prefix_index: a hash index by prefix over an array the caller owns,
 * whose elements each begin with their struct mep_prefix (struct rim_route
 * does): O(1) lookups of an element's position without a second copy of
 * the keys. The caller passes the array (base, element size) to every call
 * that reads keys, so it may grow (move) the array between calls. Pure, no
 * I/O. Prefixes compare whole (family, length, the 16 address bytes): the
 * bytes past the family's address length must be zero, and the host bits
 * too for prefixes equal by rim_prefix_cmp() to compare equal here (RIM's
 * prefixes are masked, rim_mask()). */
#ifndef RIPD_MEP_PREFIX_INDEX_H
#define RIPD_MEP_PREFIX_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

struct prefix_index_slot {
	uint32_t pos;	/* position + 1; 0: empty */
	uint32_t tag;	/* high half of the key's hash: most probes past
			 * other keys do not read them (cache misses) */
};

struct prefix_index {
	struct prefix_index_slot *slots;	/* private */
	size_t hcap;				/* private: a power of two */
	size_t n;				/* positions indexed */
};

void prefix_index_init(struct prefix_index *x);
void prefix_index_free(struct prefix_index *x);
/* Forget every position (storage kept). */
void prefix_index_clear(struct prefix_index *x);
/* The position of the element whose prefix is p, or -1. */
long prefix_index_find(const struct prefix_index *x, const void *base,
		       size_t size, const struct mep_prefix *p);
/* Index element pos of base (elements of size bytes), whose prefix must
 * not be indexed yet. 0, or -1 on allocation failure (nothing changed). */
int prefix_index_add(struct prefix_index *x, const void *base, size_t size,
		     size_t pos);

#endif
