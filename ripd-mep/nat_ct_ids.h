/* nat_ct_ids: a set of conntrack ids (CTA_ID, 32 bits), pure (no I/O):
 * what a resync needs to apply the events that arrived during its dump
 * exactly once (nat_conntrack.c): the dump's connections are added; a
 * NEW event of an id already there was counted by the dump, a DESTROY of
 * an id not there is of a connection the accounting never counted.
 * Open addressing, grown to keep it at most half full; any id (0 too). */
#ifndef RIPD_MEP_NAT_CT_IDS_H
#define RIPD_MEP_NAT_CT_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nat_ct_ids {
	uint32_t *slot;		/* 0: empty */
	size_t cap, n;		/* cap: a power of two, or 0 */
	bool has_zero;
};

void nat_ct_ids_init(struct nat_ct_ids *s);
/* Frees the storage; the set is empty (and usable) again. */
void nat_ct_ids_free(struct nat_ct_ids *s);
/* 1 added, 0 was there, -1 allocation failure (the set unchanged). */
int nat_ct_ids_add(struct nat_ct_ids *s, uint32_t id);
bool nat_ct_ids_has(const struct nat_ct_ids *s, uint32_t id);

#endif
