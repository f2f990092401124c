/* vici_session: the connection to charon's VICI socket on the libev loop.
 *
 * Owns the socket, the frame splitter, the command queue and the
 * reconnect timer. On every connect it registers for ike-updown,
 * child-updown, ike-rekey, child-rekey and list-sa, then resyncs with
 * `list-sas`: on_resync_begin when that command goes out, one on_upsert per
 * CHILD_SA listed, on_resync_end at its (empty) response. SA events are
 * translated by vici_sa and delivered as on_upsert / on_remove_child /
 * on_remove_ike / on_ike_up (an established IKE_SA); an ike-rekey triggers another resync (see vici_sa.h).
 * So does the end of a burst of child-rekey events (VICI_SESSION_REKEY_SETTLE
 * seconds after the last one): charon deletes the loser of a rekey
 * collision without any event (seen with 5.9.8: children #6 and #7 both
 * rekeyed #5, #7 vanished silently), and only a listing drops it.
 *
 * One command is in flight at a time; the others wait in a FIFO queue.
 * Events may arrive between a command and its reply. Any protocol error
 * (bad frame, EOF, socket error, CMD_UNKNOWN, EVENT_UNKNOWN, a reply
 * nobody asked for) logs one clear line, closes the socket, fails the
 * queued commands (their reply_cb gets NULL), calls on_disconnect and
 * reconnects after a backoff that doubles from 0.5 s up to 10 s and is
 * reset by a completed resync. A resync cut short gets no on_resync_end;
 * the next connection begins a new one.
 *
 * A session made for commands (vici_session_set_commands()) registers
 * only for the list-sa and list-conn events that stream the answers of
 * list-sas and list-conns, lists nothing by itself, hands every event to
 * on_event untranslated, and does not reconnect by itself: the next
 * vici_session_start() does (its owner calls it when a command comes).
 *
 * Callbacks must not free the session; they may queue commands. */
#ifndef RIPD_MEP_VICI_SESSION_H
#define RIPD_MEP_VICI_SESSION_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "tunnels.h"
#include "vici_codec.h"

#define VICI_SESSION_DEFAULT_PATH "/var/run/charon.vici"
#define VICI_SESSION_REKEY_SETTLE 2.0	/* seconds */

/* All optional (NULL: ignored); arg is the one given to _new(). */
struct vici_session_cbs {
	void (*on_connect)(void *arg);
	void (*on_disconnect)(void *arg, const char *reason);
	void (*on_upsert)(void *arg, const struct tunnel_child *c);
	void (*on_remove_child)(void *arg, uint32_t ike_id,
				uint32_t child_id);
	void (*on_remove_ike)(void *arg, uint32_t ike_id);
	/* An established IKE_SA (its IKE part in ike, see VICI_SA_IKE_UP). */
	void (*on_ike_up)(void *arg, const struct tunnel_child *ike);
	void (*on_resync_begin)(void *arg);
	void (*on_resync_end)(void *arg);
	/* A skipped selector, a shortened name... (default: logged). */
	void (*on_note)(void *arg, const char *line);
	/* Command sessions only: an event as received (list-sa, list-conn);
	 * m is only valid during the call. */
	void (*on_event)(void *arg, const struct vici_msg *m);
};

/* The reply to a command, or NULL when the connection was lost first.
 * reply is only valid during the call. */
typedef void (*vici_reply_cb)(void *arg, const struct vici_msg *reply);

struct vici_session;

/* A session for the socket at path (a copy is kept; NULL: the default).
 * Does not connect yet. NULL when path does not fit a unix socket address
 * or memory is short. */
struct vici_session *vici_session_new(struct ev_loop *loop, const char *path,
				      const struct vici_session_cbs *cbs,
				      void *arg);
/* Close and free; queued commands get reply_cb(NULL) first. */
void vici_session_free(struct vici_session *s);

/* Make s a command session (see above); before the first start. */
void vici_session_set_commands(struct vici_session *s);

/* Connect now (and keep reconnecting, unless a command session). */
void vici_session_start(struct vici_session *s);
/* Backoff limits in seconds (defaults 0.5 and 10; for tests). */
void vici_session_set_backoff(struct vici_session *s, double min, double max);

/* Delay of the resync after child rekeys (default 2 s; for tests). */
void vici_session_set_rekey_settle(struct vici_session *s, double secs);

/* Connected and registered (events flow). */
bool vici_session_up(const struct vici_session *s);
/* Connected (commands may be queued; registrations may still be
 * pending ahead of them). */
bool vici_session_connected(const struct vici_session *s);
/* Connections made so far (for tests and show output). */
unsigned int vici_session_connects(const struct vici_session *s);

/* Queue a command (name: "initiate", ...; body may be NULL) while
 * connected. Returns 0; -1 when not connected or the request cannot be
 * encoded (logged). cb (may be NULL) gets the CMD_RESPONSE. */
int vici_session_command(struct vici_session *s, const char *name,
			 const struct vici_builder *body, vici_reply_cb cb,
			 void *cb_arg);
/* Queue a `list-sas` resync unless one is already pending. 0 or -1. */
int vici_session_resync(struct vici_session *s);

#endif
