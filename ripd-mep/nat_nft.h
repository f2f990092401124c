/* nat_nft: IP Pool NAT's nftables table on the kernel (adapter over
 * nft_run and the pure nat_rules). It owns the table inet ripd_mep_nat:
 *
 *  - first apply (and after an error): the table is listed; missing ->
 *    created; present with the comment "ripd-mep ip-pool-nat" -> adopted
 *    (its content rewritten in one transaction, its admission set kept,
 *    so live connections and admitted sources carry over a restart);
 *    present without it -> someone else's: refused, nothing touched,
 *    status "error: table inet ripd_mep_nat exists and is not ours";
 *  - each change: one transaction (nft_run_batch), none when nothing
 *    changed; the feature off: the table deleted;
 *  - freeing this module leaves the table as it is (the daemon's exit
 *    does not flush live NAT state).
 * Every state change is logged (created, adopted, updated, removed,
 * nftables unavailable, foreign table). */
#ifndef RIPD_MEP_NAT_NFT_H
#define RIPD_MEP_NAT_NFT_H

#include <stdbool.h>
#include <stdint.h>

#include "nat_rules.h"
#include "strbuf.h"

struct nat_nft;

/* NULL on allocation failure (libnftables context). */
struct nat_nft *nat_nft_new(void);
void nat_nft_free(struct nat_nft *n);
/* Make the table hold want. 0 (done, or nothing to do), or -1 with the
 * reason in nat_nft_status(). */
int nat_nft_apply(struct nat_nft *n, const struct nat_spec *want);
/* "active", "off" or "error: ..." (valid until the next call). */
const char *nat_nft_status(const struct nat_nft *n);
/* Is the table ours and applied as want (the accounting's input)? */
bool nat_nft_active(const struct nat_nft *n);
/* Take n sources out of the admission set (their last connection
 * ended). 0 or -1 (logged at debug level: a source already gone). Here
 * and in nat_nft_admit(), a table found gone (ENOENT) makes the state
 * unknown (nat_nft_active() false, status error) until the next
 * nat_nft_apply() re-creates it. */
int nat_nft_release(struct nat_nft *n, const struct mep_addr *src, size_t k);
/* Put n sources (back) into the admission set. 0 or -1 (the set full:
 * logged at debug level). */
int nat_nft_admit(struct nat_nft *n, const struct mep_addr *src, size_t k);
/* The admission set's elements, one fn(arg, address) each. 0 or -1. */
int nat_nft_admitted(struct nat_nft *n,
		     void (*fn)(void *arg, const struct mep_addr *a),
		     void *arg);
/* The refused counter's packets. 0 or -1. */
int nat_nft_refused(struct nat_nft *n, uint64_t *packets);

#endif
