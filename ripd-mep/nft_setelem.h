/* nft_setelem: the elements of one nftables set and one named counter
 * over raw netlink (nf_tables messages built with libnl), for the paths
 * that run per event or per show: libnftables fetches every element of
 * the table into its cache before each command (tens of thousands in IP
 * Pool NAT's admission set: megabytes, and a release of 512 sources
 * costing as much as listing the whole set).
 *
 *  - nft_setelem_change(): add or delete n address elements (a key of 4 or
 *    16 bytes, no data) as one nf_tables transaction (batch begin, one
 *    NEWSETELEM / DELSETELEM, batch end): all or nothing; the kernel's
 *    error comes back as -errno (-ENOENT: an element to delete is not
 *    there; -ENFILE: the set is full);
 *  - nft_setelem_dump(): every element of a set whose key is an address;
 *  - nft_counter_packets(): a named counter's packets.
 * Synchronous, one netlink round trip each; needs CAP_NET_ADMIN. */
#ifndef RIPD_MEP_NFT_SETELEM_H
#define RIPD_MEP_NFT_SETELEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

struct nft_setelem;

/* A netlink socket for family (NFPROTO_INET 1, ...); NULL on failure. */
struct nft_setelem *nft_setelem_new(uint8_t family);
void nft_setelem_free(struct nft_setelem *s);
/* Add (add true) or delete the n addresses in set of table: 0 or
 * -errno. */
int nft_setelem_change(struct nft_setelem *s, const char *table,
		       const char *set, bool add, const struct mep_addr *a,
		       size_t n);
/* fn(arg, address) for each element of set (keys of 4 or 16 bytes). The
 * number of elements, or -errno. */
long nft_setelem_dump(struct nft_setelem *s, const char *table,
		      const char *set,
		      void (*fn)(void *arg, const struct mep_addr *a),
		      void *arg);
/* The packets of the named counter name of table: 0 or -errno. */
int nft_counter_packets(struct nft_setelem *s, const char *table,
			const char *name, uint64_t *packets);

#endif
