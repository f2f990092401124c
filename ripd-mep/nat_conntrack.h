/* nat_conntrack: the kernel's conntrack events on the libev loop (an
 * adapter: ctnetlink sockets opened through libnl-nf).
 *
 * One netlink socket subscribed to the NEW and DESTROY groups (no
 * polling), read 64 datagrams per system call (recvmmsg), each message
 * read by nat_ct_msg: each event of a source-NATed connection is handed over as
 * (kind, original source, reply destination = the address it was mapped
 * to). Reading is bounded per loop turn (at most NAT_CT_BATCH messages,
 * then the loop runs again) and the handler's batch_done runs after each
 * turn's events; after a read the socket rests 10 ms, so that a stream of
 * events costs one wake-up per 10 ms, not one per event (the 8 MiB
 * buffer holds ~30k events). When the kernel could not queue events (ENOBUFS: the
 * socket's 8 MiB buffer full during a storm), and for every event longer
 * than a read slot (1 KiB: truncated, MSG_TRUNC), lost() runs: the caller
 * counts it and resynchronises with a dump (nat_conntrack_dump()), which
 * reads the whole table on a second socket, synchronously. */
#ifndef RIPD_MEP_NAT_CONNTRACK_H
#define RIPD_MEP_NAT_CONNTRACK_H

#include <ev.h>

#include "nat_account.h"
#include "prefix.h"
#include "strbuf.h"

#define NAT_CT_BATCH 4096	/* messages read per loop turn at most */

struct nat_ct_handler {
	void (*event)(void *arg, enum nat_ct_kind kind,
		      const struct mep_addr *src, const struct mep_addr *mapped);
	void (*batch_done)(void *arg);
	void (*lost)(void *arg);
	void *arg;
};

struct nat_conntrack;

/* Open and subscribe; NULL with err set (e.g. no CAP_NET_ADMIN, no
 * conntrack in the kernel). */
struct nat_conntrack *nat_conntrack_new(struct ev_loop *loop,
					const struct nat_ct_handler *h,
					struct strbuf *err);
void nat_conntrack_free(struct nat_conntrack *c);
/* Read the whole conntrack table: h->event(NAT_CT_NEW, ...) for each
 * source-NATed entry. Events queued on the event socket before are
 * discarded first (the dump holds them). The events that arrived during
 * the dump are then read at once, each applied exactly once by the
 * connection's id (CTA_ID, nat_ct_ids): a NEW of a connection the dump
 * showed is skipped (counted already), a DESTROY of one neither the dump
 * nor a NEW since showed is skipped (never counted); lost() runs if that
 * reading lost events. 0, or -1 with err set. */
int nat_conntrack_dump(struct nat_conntrack *c, struct strbuf *err);

#endif
