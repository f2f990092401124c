/* ipsec_engine: the IPsec engine (strongSwan over VICI) as one module with
 * subscribers. It owns the VICI event session (vici_session), the tunnel
 * table (tunnels) and the engine-loss grace (ipsec_grace + its timer), and
 * publishes what happens to any number of subscribers, in the order it
 * happens, synchronously (a subscriber reads the tunnel table, already
 * updated, from inside its callback):
 *
 *   CONNECTED      the event session is up (a listing follows)
 *   LOST           the event session was lost (reason); the tunnels stay
 *                  for the grace period
 *   RESYNC_BEGIN   a listing (list-sas) starts: the TUNNEL_UPs up to
 *                  RESYNCED are part of it (ev->in_resync)
 *   RESYNCED       the listing is complete: the table equals the engine's
 *   TUNNEL_UP      a CHILD_SA was reported (up, rekeyed in, or another
 *                  state: tunnels_child_up(ev->child) tells) and recorded
 *                  (ev->recorded false: out of memory, not in the table)
 *   TUNNEL_DOWN    a CHILD_SA went away (ike_id, child_id)
 *   IKE_UP         an IKE_SA is established (ike_id; gateway: the
 *                  configured gateway it goes to, -1 unknown): charon's
 *                  ike-updown up=yes, or a listing or child-updown
 *                  showing it ESTABLISHED, also without any CHILD_SA
 *   IKE_DOWN       an IKE_SA went away with its CHILD_SAs (ike_id)
 *   GRACE_OVER     the grace period ended; when not re-listed in time the
 *                  table was emptied (ev->dropped)
 *
 * A CHILD_SA rekey is published as TUNNEL_UP of the new CHILD_SA followed
 * by TUNNEL_DOWN of the old one (make before break: the union of
 * selectors never shrinks); an IKE_SA coming up as the TUNNEL_UPs of its
 * CHILD_SAs followed by IKE_UP; an IKE_SA rekey as IKE_UP of the new
 * one and a listing (charon moves the CHILD_SAs
 * without telling, see vici_sa.h). Dispatch costs no allocation: the event
 * lives on the stack, the child is vici_session's own.
 *
 * Commands (initiate, terminate, load-conn, list-sas, list-conns) never
 * block the loop and never wait behind a listing: they go over a second
 * VICI session of their own, not the event session. VICI runs one command
 * at a time per connection and a list-sas of 25k SAs streams for seconds,
 * so a command queued on the event session would wait for the whole
 * resync (and an initiate, which charon answers when the IKE exchange is
 * over, would hold the next resync back in turn). Commands are queued on
 * the command session in the order given (one in flight at a time); it
 * is connected on the first command and again on the next command after
 * a loss (no log noise while none is asked for). Each command completes
 * exactly once through its done callback: ok, or an error message (charon's
 * errmsg, "strongSwan not connected", "connection to strongSwan lost" ...);
 * done may run before the call returns when the command cannot be sent.
 *
 * Subscribers may register and unregister at any time, also from inside a
 * callback (an unregistered one gets no further event); they must not free
 * the engine from a callback. */
#ifndef RIPD_MEP_IPSEC_ENGINE_H
#define RIPD_MEP_IPSEC_ENGINE_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ike_sas.h"
#include "tunnels.h"
#include "vici_codec.h"

enum ipsec_event_kind {
	IPSEC_EV_CONNECTED,
	IPSEC_EV_LOST,
	IPSEC_EV_RESYNC_BEGIN,
	IPSEC_EV_RESYNCED,
	IPSEC_EV_TUNNEL_UP,
	IPSEC_EV_TUNNEL_DOWN,
	IPSEC_EV_IKE_DOWN,
	IPSEC_EV_GRACE_OVER,
	IPSEC_EV_IKE_UP,
};

struct ipsec_event {
	enum ipsec_event_kind kind;
	bool in_resync;		/* part of a listing */
	/* TUNNEL_UP: the CHILD_SA as reported; recorded in the table? */
	const struct tunnel_child *child;
	bool recorded;
	uint32_t ike_id;	/* TUNNEL_UP, TUNNEL_DOWN, IKE_UP, IKE_DOWN */
	int gateway;		/* IKE_UP: configured gateway, -1 unknown */
	uint32_t child_id;	/* TUNNEL_UP, TUNNEL_DOWN */
	const char *reason;	/* LOST */
	size_t gone;		/* RESYNCED: entries not listed, dropped */
	bool dropped;		/* GRACE_OVER: the table was emptied */
};

typedef void (*ipsec_event_fn)(void *arg, const struct ipsec_event *ev);

/* A command's outcome: ok, else error says why (never NULL then). */
typedef void (*ipsec_done_fn)(void *arg, bool ok, const char *error);
/* One item of a list-sas (a "list-sa" event: one IKE_SA) or list-conns
 * ("list-conn": one connection); m is valid during the call only. */
typedef void (*ipsec_item_fn)(void *arg, const struct vici_msg *m);

struct ipsec_engine;

/* An engine for cfg (borrowed: valid until the next _configure() or
 * _free()); it arms the start-up grace but connects only at _start(), so
 * that subscribers see everything. NULL when the socket path is unusable
 * or memory is short. */
struct ipsec_engine *ipsec_engine_new(struct ev_loop *loop,
				      const struct mep_config *cfg);
/* Connect (and keep reconnecting). */
void ipsec_engine_start(struct ipsec_engine *e);
/* Pending commands fail ("ripd-mep is stopping") first. */
void ipsec_engine_free(struct ipsec_engine *e);

/* Follow a new configuration: re-match the tunnels' peers; a new VICI
 * socket path reconnects both sessions and restarts the grace. */
void ipsec_engine_configure(struct ipsec_engine *e,
			    const struct mep_config *cfg);

/* 0, -1 when out of memory. The same (fn, arg) twice is one subscriber. */
int ipsec_engine_subscribe(struct ipsec_engine *e, ipsec_event_fn fn,
			   void *arg);
void ipsec_engine_unsubscribe(struct ipsec_engine *e, ipsec_event_fn fn,
			      void *arg);

const struct tunnel_table *ipsec_engine_tunnels(const struct ipsec_engine *e);
/* The established IKE_SAs to `third-party` gateways (ike_sas.h): kept
 * from IKE_UP, IKE_DOWN and listings; emptied with the tunnels when the
 * grace ends, and re-listed when the set of third-party gateways
 * changes. */
const struct ike_sas *ipsec_engine_ike_sas(const struct ipsec_engine *e);
/* The event session is connected and registered. */
bool ipsec_engine_connected(const struct ipsec_engine *e);
/* Hold what is installed: not listed yet on this link, grace not over. */
bool ipsec_engine_holding(const struct ipsec_engine *e);
/* A listing is being read. */
bool ipsec_engine_in_resync(const struct ipsec_engine *e);
/* "synced", "connecting", "lost, holding routes (grace 7 s)", "lost" */
const char *ipsec_engine_status(const struct ipsec_engine *e, char *buf,
				size_t len);

/* Commands (see above). initiate: CHILD child, of IKE connection ike
 * (NULL: charon finds it); child NULL: the IKE_SA of ike alone (RFC 6023
 * childless). terminate: the CHILD_SA child_id, or the IKE_SA ike_id when
 * child_id is 0. Both are sent with VICI's timeout -1: charon answers at
 * once (queued, or an error such as an unknown child), and the outcome
 * of the exchange shows in the events (TUNNEL_UP/DOWN). load-conn: conn holds one section per connection, as
 * swanctl.conf's "connections". list: items gets each listed item. */
void ipsec_engine_initiate(struct ipsec_engine *e, const char *child,
			   const char *ike, ipsec_done_fn done, void *arg);
void ipsec_engine_terminate(struct ipsec_engine *e, uint32_t ike_id,
			    uint32_t child_id, ipsec_done_fn done, void *arg);
void ipsec_engine_load_conn(struct ipsec_engine *e,
			    const struct vici_builder *conn,
			    ipsec_done_fn done, void *arg);
void ipsec_engine_list_sas(struct ipsec_engine *e, ipsec_item_fn items,
			   ipsec_done_fn done, void *arg);
void ipsec_engine_list_conns(struct ipsec_engine *e, ipsec_item_fn items,
			     ipsec_done_fn done, void *arg);

/* Tests: reconnect backoff of both sessions (default 0.5 .. 10 s). */
void ipsec_engine_set_backoff(struct ipsec_engine *e, double min, double max);

#endif
