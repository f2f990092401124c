/* nat_account: IP Pool NAT's accounting as a pure core (no I/O, no
 * clock): conntrack events in (a connection NATed into the pool was
 * created or destroyed), counters and mappings out.
 *
 *  - A mapping is a source (the original direction's source address)
 *    holding a share of the pool: its pool address (the reply
 *    direction's destination), its satellite (whose domain holds the
 *    source) and its live connections. It exists while it has >= 1
 *    connection; when the last one ends the source is listed as
 *    released, so that the adapter takes it out of the kernel's
 *    admission set (nat_rules.h) and the share is free again.
 *  - Counters: size (pool addresses), admit (sources at a time), used
 *    (sources with >= 1 connection), free (admit - used), addresses in
 *    use (distinct pool addresses with >= 1 connection), peak (most used
 *    seen), connections, refused and events dropped (set by the adapter:
 *    they come from the kernel's counter and the event socket).
 *  - The 90 % warning: nat_account_event() says when used reaches 90 %
 *    of admit (once) and when it fell under 80 % again (re-armed).
 *  - A resync (after lost events, or at start): nat_account_begin_resync()
 *    forgets the mappings (keeps peak, refused, events dropped), the dump
 *    is fed as NEW events, nat_account_end_resync() lists the sources the
 *    dump did not show as released.
 *  - Bounded memory whatever the events: at most max_mappings sources are
 *    tracked (more are counted in untracked, not stored); a destroy of an
 *    unknown connection is ignored (counted); freed entries are reused
 *    and the arrays compacted, never grown past twice the bound.
 *
 * Events of connections not NATed into the pool (the reply's destination
 * outside it, or equal to the source) are ignored. */
#ifndef RIPD_MEP_NAT_ACCOUNT_H
#define RIPD_MEP_NAT_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nat_rules.h"
#include "prefix.h"
#include "prefix_index.h"

struct nat_mapping {
	struct mep_prefix key;		/* the source, as a host prefix */
	struct mep_addr pool_addr;
	int satellite;			/* -1: in no configured domain */
	uint32_t connections;		/* 0: a free entry */
	bool released;			/* listed in released already */
	bool in_set;			/* the last resync saw it admitted */
};

struct nat_addr_use {
	struct mep_prefix key;		/* the pool address */
	uint32_t connections;
};

struct nat_account {
	/* configuration (nat_account_configure) */
	bool on;
	struct mep_prefix pool;
	uint64_t size;
	uint32_t admit;
	size_t max_mappings;
	struct nat_spec spec;		/* a copy: satellites of sources */
	/* state */
	struct nat_mapping *map;
	size_t n_map, cap_map, dead_map;
	struct prefix_index map_index;
	struct nat_addr_use *addr;
	size_t n_addr, cap_addr, dead_addr;
	struct prefix_index addr_index;
	struct mep_addr *released;	/* sources whose last connection
					 * ended, for the adapter */
	size_t n_released, cap_released;
	/* counters */
	uint64_t used, addresses_in_use, peak, connections;
	uint64_t refused, events_dropped;	/* the adapter's */
	uint64_t untracked;	/* NEW events of sources over the bound */
	uint64_t unmatched;	/* DESTROY events of unknown connections */
	bool warned;		/* the 90 % warning is out */
	bool resync;		/* between begin and end of a resync */
};

enum nat_ct_kind { NAT_CT_NEW, NAT_CT_DESTROY };

/* What the event did to the 90 % warning. */
enum nat_warn {
	NAT_WARN_NONE,
	NAT_WARN_HIGH,		/* used reached 90 % of admit: log it */
	NAT_WARN_CLEARED,	/* used fell under 80 %: re-armed */
};

void nat_account_init(struct nat_account *a);
void nat_account_free(struct nat_account *a);
/* Follow spec: a change of pool (or the feature off) forgets the
 * mappings and counters (the old pool's connections are not this pool's);
 * otherwise only the satellites of sources are looked up again. The bound
 * is max_mappings = admit + 1024. 0, or -1 on allocation failure. */
int nat_account_configure(struct nat_account *a, const struct nat_spec *spec);
/* One conntrack event: src the original source, mapped the reply's
 * destination. */
enum nat_warn nat_account_event(struct nat_account *a, enum nat_ct_kind kind,
				const struct mep_addr *src,
				const struct mep_addr *mapped);
void nat_account_begin_resync(struct nat_account *a);
/* The sources the kernel's admission set holds (nat_listing_elements())
 * are passed to nat_account_admitted() between begin and end: those
 * without a connection in the dump are released at the end. */
void nat_account_admitted(struct nat_account *a, const struct mep_addr *src);
enum nat_warn nat_account_end_resync(struct nat_account *a);
/* After end_resync: the sources with connections the admission set did
 * not hold (so that the adapter puts them back), up to max into out;
 * returns how many. *cursor (0 for the first call) is where the next call
 * goes on: call until it returns 0. */
size_t nat_account_unadmitted(const struct nat_account *a, size_t *cursor,
			      struct mep_addr *out, size_t max);
/* Take released sources (those that got a connection again since are
 * left out): up to max into out, returns how many; the rest stay listed
 * for the next call (n_released says how many). */
size_t nat_account_take_released(struct nat_account *a, struct mep_addr *out,
				 size_t max);
/* The mapping of src, or NULL. */
const struct nat_mapping *nat_account_find(const struct nat_account *a,
					   const struct mep_addr *src);
/* The live mappings whose source is >= from (NULL: from the first) in
 * address order (IPv4 first), at most count of them, into out (the
 * caller's array of count). Returns how many; *more tells whether more
 * follow. */
size_t nat_account_page(const struct nat_account *a,
			const struct mep_addr *from, size_t count,
			struct nat_mapping *out, bool *more);
/* Per satellite (gateway index i < n): sources[i] with live connections
 * and their connections[i], over every live mapping (not a page);
 * sources of no satellite, or of an index >= n, are not counted. */
void nat_account_per_satellite(const struct nat_account *a, size_t n,
			       uint64_t *sources, uint64_t *connections);
/* free: admit - used. */
uint64_t nat_account_free_count(const struct nat_account *a);

#endif
