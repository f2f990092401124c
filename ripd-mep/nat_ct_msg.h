/* nat_ct_msg: the few fields IP Pool NAT's accounting needs from one
 * ctnetlink message (pure: bytes in, fields out; no allocation), read
 * where they are instead of through a general parser (libnl-nf's builds an
 * object with four address allocations per event: most of the daemon's
 * CPU time under a connection storm).
 *
 * A message is a struct nlmsghdr, a struct nfgenmsg and attributes
 * (4-byte aligned, host-order lengths, network-order values): the type
 * (NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_NEW or IPCTNL_MSG_CT_DELETE),
 * CTA_STATUS (IPS_SRC_NAT), CTA_TUPLE_ORIG/CTA_TUPLE_IP/CTA_IP_V*_SRC (the
 * original source) and CTA_TUPLE_REPLY/CTA_TUPLE_IP/CTA_IP_V*_DST (the
 * reply's destination: the address the source was mapped to). Every
 * length is checked against the buffer; malformed input is rejected,
 * never read past. Fuzzed: ripd-mep/fuzz/fuzz_ct.c. */
#ifndef RIPD_MEP_NAT_CT_MSG_H
#define RIPD_MEP_NAT_CT_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nat_account.h"
#include "prefix.h"

enum nat_ct_msg_result {
	NAT_CT_MSG_BAD = -1,	/* malformed */
	NAT_CT_MSG_SKIP = 0,	/* well-formed, not a source-NAT event */
	NAT_CT_MSG_EVENT = 1,	/* *kind, *src, *mapped are set */
};

/* Parse the one message at msg (len bytes available; the message's own
 * length must fit). dump: a dump's entry (IPCTNL_MSG_CT_NEW only, read
 * as NEW). */
enum nat_ct_msg_result nat_ct_msg_parse(const void *msg, size_t len,
					bool dump, enum nat_ct_kind *kind,
					struct mep_addr *src,
					struct mep_addr *mapped);
/* The connection's id (CTA_ID) of the one message at msg, checked as
 * nat_ct_msg_parse() checks: 1 found, 0 none, -1 malformed. */
int nat_ct_msg_id(const void *msg, size_t len, uint32_t *id);

#endif
