/* nat_rules: IP Pool NAT's nftables table as pure computations (no I/O):
 *  - nat_spec_build(): what the table must hold, from the configuration
 *    (the local center's pool, its peers' domains, how tunnel traffic is
 *    recognised);
 *  - nat_rules_batch(): the one nft transaction that turns what the
 *    table holds into that (nothing when nothing changes, the table's
 *    deletion when the feature is off);
 *  - parsers of nft's text listings: the table's sets, the elements of a
 *    set (whose the table is: nft_listing_owned() with NAT_TABLE_COMMENT).
 *
 * The table (SPEC "IP Pool NAT"; README "IP Pool NAT"):
 *
 *   table inet ripd_mep_nat {
 *     comment "ripd-mep ip-pool-nat"      <- how ripd-mep knows it is its own
 *     counter refused                     <- new connections refused (packets)
 *     set domains4 { type ipv4_addr; flags interval; elements = {...} }
 *     set admit4_30 { type ipv4_addr; size 4; flags dynamic; }
 *     chain postrouting { type nat hook postrouting priority srcnat;
 *       iifname "ipsec0" oifname != "ipsec0" ip saddr @domains4 jump pool
 *                       (xfrm datapath: meta ipsec exists ip saddr ...) }
 *     chain pool {
 *       add @admit4_30 { ip saddr } snat ip to 172.16.2.0/30 persistent
 *       counter name "refused" drop }
 *   }
 *
 * The admission set holds the sources that hold a share of the pool; its
 * size is the pool's (capped at NAT_ADMIT_MAX), so a pool of N addresses
 * serves N sources at a time: the kernel refuses to add an (N+1)th, the
 * snat is not reached, the packet meets the refused counter and is
 * dropped (never mapped outside the pool, never silently). The daemon
 * removes a source from the set when its last connection ends
 * (conntrack's destroy event). `persistent`: a source keeps its pool
 * address for all its connections; which address is the kernel's hash of
 * the source (two sources may share one; their ports keep them apart). */
#ifndef RIPD_MEP_NAT_RULES_H
#define RIPD_MEP_NAT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "prefix.h"
#include "strbuf.h"

#define NAT_TABLE_FAMILY "inet"
#define NAT_TABLE_NAME "ripd_mep_nat"
#define NAT_TABLE "inet ripd_mep_nat"
#define NAT_TABLE_COMMENT "ripd-mep ip-pool-nat"
/* Sources admitted at a time at most (the admission set's size): bounds
 * the kernel's set and the accounting of an IPv6 pool. */
#define NAT_ADMIT_MAX 65536u
#define NAT_NAME_MAX 32		/* nft object names of the table */

/* One peer domain: its prefix and the satellite (gateway index). */
struct nat_domain {
	struct mep_prefix prefix;
	int satellite;
};

/* What the table must hold. */
struct nat_spec {
	bool on;			/* local does IP Pool NAT */
	int gateway;			/* the local gateway, -1 when off */
	struct mep_prefix pool;
	uint64_t size;			/* addresses of the pool (saturated) */
	uint32_t admit;			/* sources at a time */
	/* The peers' domains of both families, sorted (rim_prefix_cmp),
	 * without repeats (the rules use those of the pool's family). */
	struct nat_domain *domains;
	size_t n_domains;
	bool xfrm;			/* datapath xfrm, else libipsec */
	char iif[16];			/* libipsec's TUN device */
};

void nat_spec_init(struct nat_spec *s);
void nat_spec_free(struct nat_spec *s);
/* Fill s (emptied first) from cfg for gateway local: on when
 * mep_nat_pool() says so. 0, or -1 on allocation failure (s off). */
int nat_spec_build(const struct mep_config *cfg, int local,
		   struct nat_spec *s);
/* Would a and b give the same table? */
bool nat_spec_same(const struct nat_spec *a, const struct nat_spec *b);
/* A deep copy of src into dst (dst's storage reused). 0 or -1. */
int nat_spec_copy(struct nat_spec *dst, const struct nat_spec *src);
/* The number of addresses of a prefix, saturated at UINT64_MAX. */
uint64_t nat_prefix_size(const struct mep_prefix *p);
/* The satellite whose domain holds a (the longest such domain), or -1. */
int nat_spec_satellite(const struct nat_spec *s, const struct mep_addr *a);
/* The names of the sets s's table holds: domains4|domains6 and
 * admit4_LEN|admit6_LEN. */
void nat_spec_set_names(const struct nat_spec *s, char domains[NAT_NAME_MAX],
			char admit[NAT_NAME_MAX]);

/* The transaction from the table as it is to want, appended to out
 * (nothing appended: no change):
 *  - want off: "delete table" when present, else nothing;
 *  - want on: nothing when present and applied (what this process last
 *    applied; NULL when unknown, e.g. an adopted table) gives the same
 *    table; else the whole content in idempotent form: the table, its
 *    counter, chains and sets added if missing, the chains and the
 *    domain set flushed and filled again, the sets of sets[] (n_sets
 *    names the table holds now) that want does not use deleted. The
 *    admission set is kept (its sources stay admitted) unless the pool's
 *    size or family changed. Existing connections keep their mapping
 *    (conntrack), and the nat hook stays registered all along (the chain
 *    is flushed, never deleted), so the connections still allowed keep
 *    working. */
void nat_rules_batch(const struct nat_spec *want, bool present,
		     const struct nat_spec *applied,
		     const char (*sets)[NAT_NAME_MAX], size_t n_sets,
		     struct strbuf *out);
/* The admission set's "delete element" command for n sources. */
void nat_rules_release(const struct nat_spec *s, const struct mep_addr *src,
		       size_t n, struct strbuf *out);
/* The admission set's "add element" command for n sources (sources with
 * connections the set lost, e.g. a table deleted behind our back). */
void nat_rules_admit(const struct nat_spec *s, const struct mep_addr *src,
		     size_t n, struct strbuf *out);

/* A text listing of table inet ripd_mep_nat ("list table ..."). */
struct nat_listing {
	char sets[8][NAT_NAME_MAX];	/* its first 8 sets */
	size_t n_sets;
};
/* Parse a listing (nft's text form). */
void nat_listing_parse(const char *text, struct nat_listing *out);
/* The addresses in the "elements = { ... }" of a set's listing, one
 * fn(arg, address) each (elements that are not addresses, e.g. prefixes,
 * are skipped). Returns the number of addresses. */
size_t nat_listing_elements(const char *text,
			    void (*fn)(void *arg, const struct mep_addr *a),
			    void *arg);

#endif
