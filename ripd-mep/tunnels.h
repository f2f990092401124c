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
 * shrinks during a rekey. */
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
	/* Set by the table: */
	int gateway;			/* configured gateway, -1 unknown */
	time_t since;			/* first seen in this state */
	bool seen;			/* resync mark */
};

struct tunnel_table {
	struct tunnel_child *v;
	size_t n;
	size_t cap;
};

void tunnels_init(struct tunnel_table *t);
void tunnels_free(struct tunnel_table *t);

/* Insert or update the CHILD_SA c (copied; its strings are truncated to
 * their arrays) at time now, and match its peer against cfg (may be NULL:
 * unknown). The entry's since is kept while its state string is unchanged
 * and set to now when it changes or the entry is new; the entry is marked
 * seen. Peer matching, lowest gateway index first within each step, the
 * local gateway never being a peer:
 *   1. a gateway whose address equals remote_host (IP literals compared as
 *      addresses, so 2001:db8::1 == 2001:0db8::0001; DNS names without
 *      regard to case);
 *   2. a gateway whose name, or address, equals remote_id (a leading '@'
 *      of an FQDN identity is ignored);
 *   3. a gateway whose ike-connection equals ike_name.
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

/* Re-match every entry's gateway after a configuration change. */
void tunnels_rematch(struct tunnel_table *t, const struct mep_config *cfg);

/* True when the CHILD_SA is up (state INSTALLED). */
bool tunnels_child_up(const struct tunnel_child *c);

#endif
