/* nat: IP Pool NAT on a center, the feature's glue on the libev loop.
 * From the running configuration it computes the table (nat_rules),
 * keeps the kernel's table equal to it (nat_nft) and accounts the pool
 * from conntrack events (nat_conntrack -> nat_account):
 *
 *  - configure: one nftables transaction when the table must change; the
 *    feature on: the conntrack event socket opened and the accounting
 *    rebuilt from a dump (at start and on a pool change: a restart shows
 *    the same mappings); off: the table removed, the socket closed;
 *  - events: counters and mappings follow; a source's last connection
 *    ending takes it out of the admission set (after each batch of
 *    events); the 90 % warning is logged once, and re-armed under 80 %;
 *  - lost events (ENOBUFS): counted, and a resync (dump) at most once a
 *    second;
 *  - freeing it leaves the table and its connections as they are.
 * The pool route is RIM's (rim_desired()). */
#ifndef RIPD_MEP_NAT_H
#define RIPD_MEP_NAT_H

#include <ev.h>
#include <stdbool.h>

#include "config.h"
#include "nat_account.h"

struct nat;

/* NULL on allocation failure. */
struct nat *nat_new(struct ev_loop *loop);
void nat_free(struct nat *n);
/* Follow cfg (borrowed only for the call). */
void nat_configure(struct nat *n, const struct mep_config *cfg);
/* Is the local gateway a NAT center (the feature configured)? */
bool nat_on(const struct nat *n);
/* "active", "off", or "error: ..." (nftables or conntrack). */
const char *nat_status(const struct nat *n);
/* The accounting; refused read from the kernel's counter first. */
const struct nat_account *nat_accounting(struct nat *n);

#endif
