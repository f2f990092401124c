/* vici_sa: translate strongSwan VICI SA messages into tunnel table
 * operations (pure, no I/O).
 *
 * Input is the body of a `list-sa`, `ike-updown`, `child-updown`,
 * `ike-rekey` or `child-rekey` event: a section per IKE_SA named after its
 * connection (keys uniqueid, remote-host, remote-id, state, ...) holding a
 * "child-sas" section with a section per CHILD_SA ("<child>-<uniqueid>":
 * uniqueid, name, state, local-ts and remote-ts lists). Rekey events hold
 * "old" and "new" sections instead (IKE level for ike-rekey, CHILD level
 * for child-rekey). Behaviour checked against charon 5.9.8:
 *
 *   list-sa               upsert every CHILD_SA listed, then ike_up
 *                         when the IKE_SA is ESTABLISHED (or REKEYING)
 *   ike-updown  up=yes    upsert the CHILD_SAs listed (usually none),
 *                         then ike_up (charon sends it once the IKE_SA is
 *                         established, with or without CHILD_SAs)
 *   ike-updown  down      remove_ike for each IKE_SA
 *   child-updown up=yes   upsert each CHILD_SA, then ike_up when the
 *                         IKE_SA is ESTABLISHED (or REKEYING)
 *   child-updown down     remove_child for each CHILD_SA
 *   child-rekey           upsert the new CHILD_SA when INSTALLED, then
 *                         remove_child of the old one (charon raises no
 *                         child-updown for the old SA)
 *   ike-rekey             upsert the INSTALLED CHILD_SAs of "new" if any,
 *                         ike_up of "new" when ESTABLISHED, then RESYNC: charon moves the CHILD_SAs to the
 *                         new IKE_SA (new IKE unique id) without listing
 *                         them, so the caller re-lists (list-sas); its
 *                         resync drops the entries of the old IKE_SA only
 *                         after the moved ones were upserted.
 *
 * Traffic selectors are kept in prefix form: a "[proto/port]" suffix is
 * dropped, address ranges and anything else that is no prefix is skipped
 * and reported in notes, as are selectors beyond TUNNEL_MAX_TS and
 * truncated names. */
#ifndef RIPD_MEP_VICI_SA_H
#define RIPD_MEP_VICI_SA_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"
#include "tunnels.h"
#include "vici_codec.h"

enum vici_sa_kind {
	VICI_SA_UPSERT,		/* child */
	VICI_SA_REMOVE_CHILD,	/* ike_id, child_id */
	VICI_SA_REMOVE_IKE,	/* ike_id */
	VICI_SA_RESYNC,		/* re-list all SAs (list-sas) */
	VICI_SA_IKE_UP,		/* ike_id: an established IKE_SA; child
				 * holds its IKE part (ike_name,
				 * remote_host, remote_id; state: the
				 * IKE_SA's state), no CHILD_SA */
};

struct vici_sa_action {
	enum vici_sa_kind kind;
	uint32_t ike_id;
	uint32_t child_id;
	struct tunnel_child child;	/* UPSERT; gateway -1, since 0 */
};

/* Actions in the order to apply them; notes: one line per skipped or
 * shortened item ("" when none). Owned by the caller: init, translate
 * (any number of times: appends), free. */
struct vici_sa_result {
	struct vici_sa_action *v;
	size_t n;
	size_t cap;
	struct strbuf notes;
};

void vici_sa_result_init(struct vici_sa_result *r);
void vici_sa_result_free(struct vici_sa_result *r);
/* Drop the actions and notes, keep the memory. */
void vici_sa_result_reset(struct vici_sa_result *r);

/* True for the event names this module translates. */
bool vici_sa_event_known(const char *event);

/* Translate one event body. Returns 0; -1 with err (VICI_ERR_MAX bytes)
 * for an unknown event or a malformed body (a section without a valid
 * uniqueid, ...); on error r is left as it was before the call. */
int vici_sa_translate(const char *event, const struct vici_elem *body,
		      struct vici_sa_result *r, char *err);

/* Parse one selector string ("10.1.0.0/16", "fec1::/16[tcp/80]",
 * "10.0.0.1"): 0 with *out set, -1 when it is no prefix (a range, ...). */
int vici_sa_parse_ts(const char *s, struct mep_prefix *out);

#endif
