/* rim_zebra: the zebra backend of RIM (I/O adapter over frr-plugin's ZAPI
 * session). It sends the desired routes to zebra as routes of the
 * configured type (default nhrp, instance 0) with distance, metric and
 * tag, and reports zebra's notifications per route.
 *
 * Per session it remembers what it sent; a new desired set sends only the
 * difference (ROUTE_ADD replaces a route in zebra, so a changed metric
 * never withdraws). Routes may also be streamed ahead of the set (adds
 * only). On every (re)connect, once the caller has a desired set, all of
 * it that was not streamed since the connect is sent, followed by
 * ROUTE_UPDATE_COMPLETE, so zebra sweeps what an earlier run left and
 * nothing else. Graceful restart (stale time) keeps our routes in zebra
 * while ripd-mep is gone; freeing the backend therefore withdraws
 * nothing.
 *
 * rim_zebra_backend is RIM's zebra backend over it (rim_backend.h): it
 * opens the session (refusing the nhrp route type while FRR's nhrpd runs,
 * retried at every apply), maps zebra's notes onto route states (logging
 * failures, lost-to-better and removals), streams, and on withdraw sends
 * the empty set, then lingers 1 s so zebra reads it before the close. */
#ifndef RIPD_MEP_RIM_ZEBRA_H
#define RIPD_MEP_RIM_ZEBRA_H

#include <ev.h>
#include <stdbool.h>

#include "config.h"
#include "rim.h"
#include "rim_backend.h"

enum rim_zebra_note {
	RIM_ZEBRA_SENT,		/* sent, no answer yet */
	RIM_ZEBRA_INSTALLED,
	RIM_ZEBRA_FAILED,	/* zebra could not install it */
	RIM_ZEBRA_BETTER_WON,	/* a route of lower distance won */
	RIM_ZEBRA_REMOVED,	/* zebra removed it */
	RIM_ZEBRA_UNSENDABLE,	/* no next hop: interface missing... */
	RIM_ZEBRA_DOWN,		/* no session to zebra */
};

struct rim_zebra_cbs {
	/* One route's state changed; why is a short text. */
	void (*on_note)(void *arg, const struct mep_prefix *p,
			enum rim_zebra_note note, const char *why);
	/* The session is up and wants the desired set (rim_zebra_set). */
	void (*on_connect)(void *arg);
};

struct rim_zebra;

/* zserv is the path of zebra's socket. NULL on allocation failure. */
struct rim_zebra *rim_zebra_new(struct ev_loop *loop, const char *zserv,
				const struct mep_rim_config *rim,
				const struct rim_zebra_cbs *cbs, void *arg);
void rim_zebra_free(struct rim_zebra *z);

/* Send what differs between desired (sorted by prefix, rim_prefix_cmp)
 * and what this session holds (the last set with what was streamed since
 * laid over it): adds, changes, deletions; the first time after a connect
 * then ROUTE_UPDATE_COMPLETE. */
void rim_zebra_set(struct rim_zebra *z, const struct rim_route *desired,
		   size_t n);
/* Send the routes r (sorted or not) whose prefixes this session holds
 * nothing for, at once, ahead of the next rim_zebra_set(): only
 * ROUTE_ADDs, never a deletion, a change nor ROUTE_UPDATE_COMPLETE, so it
 * may run before the first set after a connect (routes of tunnels being
 * listed) without zebra sweeping what an earlier run left, and a route
 * held already is left to the set (which tunnel wins a prefix several
 * carry is the set's decision). The next set counts them as held: it
 * withdraws those no longer desired and does not send again those
 * unchanged. */
void rim_zebra_stream(struct rim_zebra *z, const struct rim_route *r,
		      size_t n);
/* The last note about r's prefix when this session streamed exactly r
 * since the last set and zebra has said something since (false
 * otherwise: the caller's own record holds). */
bool rim_zebra_streamed_state(const struct rim_zebra *z,
			      const struct rim_route *r,
			      enum rim_zebra_note *note, const char **why);
bool rim_zebra_up(const struct rim_zebra *z);
/* Follow a changed rim block of the same route type and instance (the
 * interface or next hop: routes are sent again at the next update). */
void rim_zebra_configure(struct rim_zebra *z, const struct mep_rim_config *rim);

extern const struct rim_backend_ops rim_zebra_backend;

#endif
