/* tunnels: the table of IPsec tunnels (CHILD_SAs) as the IPsec engine
 * reports them (pure: no I/O). Keyed by (IKE unique id, CHILD unique id).
 * Each entry knows its peer gateway (matched against the configuration by
 * remote address or IKE identity; -1 for an unknown peer, which is listed
 * but injects nothing), its traffic selectors, its state and since when.
 *
 * Resync (after a reconnect to the engine): tunnels_resync_begin() marks
 * every entry unseen, each listed CHILD_SA is upserted (and so seen), and
 * tunnels_resync_end() drops what was not seen. Rekeys insert the new
 * CHILD_SA before the old one goes, so the union of selectors never
 * shrinks during a rekey.
 *
 * struct tunnel_child is the transfer struct the VICI adapter fills (fixed
 * arrays, about 1.9 kB); the table stores a compact copy of it (struct
 * tunnels_entry, about 40 bytes plus one exactly sized allocation) and
 * indexes entries and configured peers so that an upsert costs O(1) plus
 * O(log gateways), independent of the number of tunnels. */
#ifndef RIPD_MEP_TUNNELS_H
#define RIPD_MEP_TUNNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "prefix.h"

#define TUNNEL_MAX_TS 32	/* traffic selectors kept per direction */

/* One CHILD_SA as reported by the engine (filled by the VICI adapter). */
struct tunnel_child {
	uint32_t ike_id;
	uint32_t child_id;
	char ike_name[64];		/* connection name */
	char child_name[64];
	char remote_host[MEP_HOST_MAX];	/* IKE remote address */
	char remote_id[256];		/* IKE remote identity */
	char state[32];		/* CHILD_SA state: "INSTALLED"... */
	struct mep_prefix local_ts[TUNNEL_MAX_TS];
	size_t n_local_ts;
	struct mep_prefix remote_ts[TUNNEL_MAX_TS];
	size_t n_remote_ts;
	/* Not read by the table (it keeps its own in struct tunnels_entry): */
	int gateway;			/* configured gateway, -1 unknown */
	time_t since;			/* first seen in this state */
	bool seen;			/* resync mark */
};

struct tunnels_addr_key;
struct tunnels_str_key;

/* The key of a CHILD_SA in the table. */
struct tunnels_id {
	uint32_t ike_id;
	uint32_t child_id;
};

/* What the table keeps of one CHILD_SA: small fixed fields, and one
 * allocation (ts) sized exactly, holding the local then the remote
 * selectors followed by the strings remote_host, remote_id (left out when
 * equal to remote_host), ike_name, child_name and state (left out when it
 * is one of strongSwan's CHILD_SA states), each NUL-terminated. Read it
 * through the tunnels_entry_*() accessors; owned by the table, valid until
 * the next change to the table. */
struct tunnels_entry {
	uint32_t ike_id;
	uint32_t child_id;
	int32_t gateway;		/* configured gateway, -1 unknown */
	uint32_t ike_next;		/* private: next child of the IKE_SA */
	time_t since;			/* first seen in this state */
	struct mep_prefix *ts;		/* private: selectors, then strings */
	uint8_t n_local_ts;
	uint8_t n_remote_ts;
	bool up;			/* state is INSTALLED */
	bool seen;			/* resync mark */
	bool dead;			/* private: removed, awaiting compaction */
	bool id_is_host;		/* private: remote_id not stored */
	uint8_t state_code;		/* private: known state, 0: stored */
};

/* Private index of the configuration's gateways for peer matching (built
 * by tunnels_rematch(), or by tunnels_upsert() for a new cfg). */
struct tunnels_peer_index {
	const struct mep_config *cfg;	/* what it was built from */
	const struct mep_gateway *gateways;
	size_t n_gateways;
	int local_gateway;
	struct tunnels_addr_key *addrs;	/* IP addresses, sorted */
	size_t n_addrs;
	struct tunnels_str_key *hosts;	/* DNS names, case-folded order */
	size_t n_hosts;
	struct tunnels_str_key *names;	/* gateway names */
	size_t n_names;
	struct tunnels_str_key *ikes;	/* ike-connections */
	size_t n_ikes;
	char *strs;			/* copies of the strings above */
};

/* The table. Entries keep their insertion order; removed entries are
 * marked dead and compacted away later (amortised O(1) removal), so walk
 * the table with tunnels_next(), never through v directly. Lookup by
 * (ike_id, child_id) and by ike_id is O(1) through private open-addressing
 * hashes. */
struct tunnel_table {
	struct tunnels_entry *v;	/* private */
	size_t n;			/* private: slots used, dead included */
	size_t cap;			/* private */
	size_t live;			/* private: use tunnels_count() */
	uint32_t *by_child;		/* private: hash of (ike, child) */
	uint32_t *by_ike;		/* private: hash of ike -> first child */
	size_t hcap;			/* private: size of both hashes */
	struct tunnels_peer_index peers;	/* private */
};

void tunnels_init(struct tunnel_table *t);
void tunnels_free(struct tunnel_table *t);

/* Insert or update the CHILD_SA c (copied into a compact entry; its
 * strings are cut to their arrays) at time now, and match its peer against
 * cfg (may be NULL: unknown). The entry's since is kept while its state
 * string is unchanged and set to now when it changes or the entry is new;
 * the entry is marked seen. Peer matching, lowest gateway index first
 * within each step, the local gateway never being a peer:
 *   1. a gateway whose address equals remote_host (IP literals compared as
 *      addresses, so 2001:db8::1 == 2001:0db8::0001; DNS names without
 *      regard to case);
 *   2. a gateway whose name, or address, equals remote_id (a leading '@'
 *      of an FQDN identity is ignored);
 *   3. a gateway whose ike-connection equals ike_name.
 * Matching uses an index of cfg's gateways built once: it is rebuilt when
 * cfg, its gateway array, its gateway count or its local gateway differ
 * from the last ones seen. After changing a configuration in place, call
 * tunnels_rematch(). O(1) for the entry, O(log gateways) for the match.
 * Returns 0; -1 on allocation failure or invalid input (more than
 * TUNNEL_MAX_TS selectors, a selector with a bad family or length), the
 * table then being unchanged. */
int tunnels_upsert(struct tunnel_table *t, const struct mep_config *cfg,
		   const struct tunnel_child *c, time_t now);
/* Remove one CHILD_SA; all CHILD_SAs of an IKE_SA. Return how many. */
size_t tunnels_remove_child(struct tunnel_table *t, uint32_t ike_id,
			    uint32_t child_id);
size_t tunnels_remove_ike(struct tunnel_table *t, uint32_t ike_id);

void tunnels_resync_begin(struct tunnel_table *t);
/* Drop the entries not seen since resync_begin; returns how many. */
size_t tunnels_resync_end(struct tunnel_table *t);

/* Rebuild the peer index from cfg (may be NULL) and re-match every
 * entry's gateway: call after a configuration change. On allocation
 * failure every entry becomes unknown (-1) and -1 is returned; else 0. */
int tunnels_rematch(struct tunnel_table *t, const struct mep_config *cfg);

/* The configured gateway of an IKE_SA (c's remote_host, remote_id and
 * ike_name; its CHILD_SA fields are not read), matched as for
 * tunnels_upsert() with the table's index of cfg (rebuilt when stale);
 * -1 for an unknown peer or on allocation failure. */
int tunnels_match_peer(struct tunnel_table *t, const struct mep_config *cfg,
		       const struct tunnel_child *c);
/* Number of CHILD_SAs in the table. */
size_t tunnels_count(const struct tunnel_table *t);
/* Walk the table in insertion order: start with *pos = 0; returns the next
 * entry, or NULL at the end. */
const struct tunnels_entry *tunnels_next(const struct tunnel_table *t,
					 size_t *pos);
/* The entry of (ike_id, child_id), or NULL. */
const struct tunnels_entry *tunnels_find(const struct tunnel_table *t,
					 uint32_t ike_id, uint32_t child_id);

/* Parts of an entry kept in its allocation (never NULL). */
const struct mep_prefix *tunnels_entry_local_ts(const struct tunnels_entry *e);
const struct mep_prefix *
tunnels_entry_remote_ts(const struct tunnels_entry *e);
const char *tunnels_entry_remote_host(const struct tunnels_entry *e);
const char *tunnels_entry_remote_id(const struct tunnels_entry *e);
const char *tunnels_entry_ike_name(const struct tunnels_entry *e);
const char *tunnels_entry_child_name(const struct tunnels_entry *e);
const char *tunnels_entry_state(const struct tunnels_entry *e);

/* True when the CHILD_SA is up (state INSTALLED). */
bool tunnels_child_up(const struct tunnel_child *c);

#endif
