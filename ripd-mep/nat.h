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
 *  - lost events (ENOBUFS, truncated events): counted, and a resync
 *    (dump): 1 s after the last at the earliest, the gap doubling with
 *    each resync while losses go on (up to 30 s), back to 1 s after 60 s
 *    without a loss. A resync blocks the loop (and the probe responder)
 *    for the admission set's and conntrack's dumps, a time proportional
 *    to their size (sources admitted, connections), each read that gets
 *    no answer giving up after 1 s; a chunked, non-blocking dump is not
 *    done;
 *  - the feature on and the table not active (nftables not ready, a
 *    transient error, a foreign table of that name): applied again every
 *    second; a table found gone at a release or re-admission (ENOENT:
 *    deleted from outside) is re-created at once and the accounting
 *    rebuilt;
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
