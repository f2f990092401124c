/* zapi_session: the connection to zebra's zserv.api socket on the libev
 * loop (the `rim backend zebra` transport).
 *
 * Owns the socket, the input splitter, the output queue and the reconnect
 * timer. On every connect it queues HELLO (route type, instance,
 * receive_notify on) and, with graceful restart, CLIENT_CAPABILITIES GR
 * with the stale time, then calls on_connect: the caller replays all its
 * routes with zapi_session_route_add() and ends with
 * zapi_session_update_complete(), which lets zebra sweep the stale routes
 * of the previous connection that were not sent again.
 *
 * Writes are non-blocking and batched: route messages are encoded straight
 * into one output buffer that is written when the socket is writable (one
 * write() for many routes). Nothing is sent while disconnected: routes
 * queued then are dropped (the caller replays on on_connect).
 *
 * Any protocol problem (EOF, socket error, a bad header, a truncated known
 * message, an ERROR from zebra) logs one clear line (log_msg), closes the
 * socket, drops the output queue, calls on_disconnect and reconnects after
 * a backoff that doubles from 0.2 s up to 5 s, reset once zebra has sent
 * a valid message. Unknown commands are skipped by their length.
 *
 * Route type collisions: zebra 8.4.4 accepts a second client with the
 * same route type and instance without any ERROR, and then sends the
 * notifications for both clients' routes to the first one. Pick a type no
 * other running daemon uses (nhrpd: not NHRP); a notification for a prefix
 * the caller never sent is the symptom of a collision.
 *
 * Callbacks must not free the session; they may queue routes. */
#ifndef FRR_PLUGIN_ZAPI_SESSION_H
#define FRR_PLUGIN_ZAPI_SESSION_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zapi_codec.h"

#define ZAPI_SESSION_DEFAULT_PATH "/var/run/frr/zserv.api"
/* Queue limit: route_add fails beyond it (about a million routes). */
#define ZAPI_SESSION_MAX_QUEUE (64u << 20)

struct zapi_session_cfg {
	const char *path;	/* NULL: ZAPI_SESSION_DEFAULT_PATH (copied) */
	uint8_t route_type;	/* ZAPI_ROUTE_NHRP (zapi_session_cfg_init) */
	uint16_t instance;	/* 0 */
	uint32_t vrf;		/* 0 */
	bool gr;		/* send CLIENT_CAPABILITIES GR (true) */
	uint32_t stale_time;	/* seconds zebra keeps our routes (120) */
	const struct zapi_release *release; /* NULL: zapi_release_frr8 */
};

/* Defaults: NHRP, instance 0, vrf 0, GR on, stale time 120 s. */
void zapi_session_cfg_init(struct zapi_session_cfg *cfg);

/* All optional (NULL: ignored); arg is the one given to _new(). */
struct zapi_session_cbs {
	void (*on_connect)(void *arg);
	void (*on_disconnect)(void *arg, const char *reason);
	/* A ROUTE_NOTIFY_OWNER for one of our routes (n->note is an enum
	 * zapi_note); n is only valid during the call. */
	void (*on_notify)(void *arg, const struct zapi_notify *n);
	/* A REDISTRIBUTE_ROUTE_ADD (zapi_session_redistribute()); r is only
	 * valid during the call. */
	void (*on_redist)(void *arg, const struct zapi_redist_route *r);
};

struct zapi_session;

/* A session (does not connect yet). NULL when the path does not fit a
 * unix socket address, the route type is out of range or memory is
 * short. */
struct zapi_session *zapi_session_new(struct ev_loop *loop,
				      const struct zapi_session_cfg *cfg,
				      const struct zapi_session_cbs *cbs,
				      void *arg);
/* Close (no callbacks) and free. Queued bytes are lost. */
void zapi_session_free(struct zapi_session *s);

/* Connect now (and keep reconnecting). */
void zapi_session_start(struct zapi_session *s);
/* Backoff limits in seconds (defaults 0.2 and 5; for tests). */
void zapi_session_set_backoff(struct zapi_session *s, double min, double max);

/* Connected (HELLO queued; routes may be sent). */
bool zapi_session_up(const struct zapi_session *s);

/* Queue a ROUTE_ADD (also replaces our route for that prefix) or a
 * ROUTE_DELETE of our route for p. 0, or -1 when not connected, the
 * route cannot be encoded, or the queue is full (logged). */
int zapi_session_route_add(struct zapi_session *s, const struct zapi_route *r);
int zapi_session_route_delete(struct zapi_session *s,
			      const struct mep_prefix *p);
/* Queue ROUTE_UPDATE_COMPLETE for IPv4 and IPv6 unicast. 0 or -1. */
int zapi_session_update_complete(struct zapi_session *s);
/* Queue REDISTRIBUTE_ADD (add) or _DELETE of our own route type and
 * instance, for IPv4 and IPv6. 0 or -1. */
int zapi_session_redistribute(struct zapi_session *s, bool add);

/* Bytes waiting to be written. */
size_t zapi_session_queued(const struct zapi_session *s);

struct zapi_session_stats {
	unsigned int connects;
	unsigned int disconnects;
	uint64_t routes_added, routes_deleted;	/* queued */
	uint64_t notifies;
	uint64_t unknown;		/* frames skipped */
	uint32_t last_error;		/* last ERROR code from zebra */
	struct zapi_capabilities caps;	/* last CAPABILITIES */
	bool have_caps;
};
const struct zapi_session_stats *zapi_session_stats(
	const struct zapi_session *s);

#endif
