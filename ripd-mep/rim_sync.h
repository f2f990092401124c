/* rim_sync: keeps the routes of the routing backend equal to the desired
 * RIM route set (I/O adapter around the pure rim_reconcile()).
 *
 * Every run reads what the backend really holds (the kernel may have
 * dropped routes behind our back: kernel-libipsec removes every route via
 * ipsec0 with the device and sends no delete), computes the minimal adds,
 * replaces and deletes, and applies them. The same path serves a single
 * tunnel event, a resync after reconnecting to the IPsec engine and a
 * daemon restart. A periodic run repairs what the kernel lost and retries
 * what failed (e.g. ipsec0 not there yet). Per-route state (installed,
 * failed + why) is kept for `show mep routes`.
 *
 * Backends: kernel (netlink, rim_kernel) and zebra (ZAPI, rim_zebra),
 * driven through their table of operations (rim_backend.h): nothing here
 * knows which one it holds. */
#ifndef RIPD_MEP_RIM_SYNC_H
#define RIPD_MEP_RIM_SYNC_H

#include <ev.h>
#include <stdbool.h>

#include "config.h"
#include "rim.h"
#include "rim_backend.h"

/* Seconds between repair runs. */
#define RIM_SYNC_PERIOD 2.0

/* "installed", "pending", "failed", "lost-to-better", "removed" */
const char *rim_route_state_name(enum rim_route_state s);

struct rim_sync;

/* zserv: path of zebra's socket, for the zebra backend. */
struct rim_sync *rim_sync_new(struct ev_loop *loop, const char *zserv);
/* Stop; routes stay in the backend (a restart takes them over). */
void rim_sync_free(struct rim_sync *s);

/* Follow a new configuration: (re)open the backend when its kind or
 * table changed (the routes of the old table are withdrawn). */
void rim_sync_configure(struct rim_sync *s, const struct mep_config *cfg);

/* Make the backend hold exactly the routes of desired, which is taken
 * over (left empty; no copy: 100k routes are a burst of memory). Until
 * the first call nothing is touched, so that a restarted daemon keeps its
 * routes until it knows the tunnels. */
void rim_sync_take(struct rim_sync *s, struct rim_routes *desired);

/* Whether rim_sync_stream() sends anything now (zebra backend, connected):
 * callers skip computing routes for it otherwise. */
bool rim_sync_streams(const struct rim_sync *s);
/* Send routes (of tunnels just up) at once, ahead of the next take, which
 * alone withdraws and decides the final attributes: adds only, so it is
 * safe before the first take and during a resync of thousands of tunnels,
 * zebra installing the first routes while the rest are still being read.
 * Their states are kept for the take. Zebra backend only (the kernel
 * backend ignores it). */
void rim_sync_stream(struct rim_sync *s, const struct rim_routes *routes);

/* The desired routes (sorted by prefix) and their states, for show. */
size_t rim_sync_count(const struct rim_sync *s);
const struct rim_route *rim_sync_route_at(const struct rim_sync *s, size_t i,
					  const struct rim_sync_state **st);
/* Name of the active backend ("kernel", "zebra", "none"). */
const char *rim_sync_backend(const struct rim_sync *s);

#endif
