/* rim_backend: the interface of a RIM routing backend, a table of
 * operations (struct rim_backend_ops) that rim_sync drives without knowing
 * which backend it holds. Implemented by the kernel backend (rim_kernel.c,
 * rim_kernel_backend) and the zebra backend (rim_zebra.c,
 * rim_zebra_backend).
 *
 * rim_sync owns the desired set (sorted by prefix) and the state of each
 * route (struct rim_backend_set); a backend makes the routing system hold
 * exactly that set and writes the states as it knows them: at once (the
 * kernel answers every request) or later through the host's note callback
 * (zebra's notifications). A backend that reconnects asks for the set
 * again through the host's ready callback.
 *
 * A backend object exists from open to free whether or not its routing
 * system is reachable (it retries on its own or at the next apply); open
 * fails on allocation failure only. */
#ifndef RIPD_MEP_RIM_BACKEND_H
#define RIPD_MEP_RIM_BACKEND_H

#include <ev.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "rim.h"

enum rim_route_state {
	RIM_ROUTE_PENDING,	/* not confirmed yet */
	RIM_ROUTE_INSTALLED,
	RIM_ROUTE_FAILED,	/* error says why */
	RIM_ROUTE_LOST,		/* a better route won (zebra) */
	RIM_ROUTE_REMOVED,	/* the backend removed it */
};

/* The state of one desired route. */
struct rim_sync_state {
	enum rim_route_state state;
	char *error;		/* why, when not installed; NULL if none */
};

/* Set st to state, why ("" or NULL: no error text). */
static inline void rim_state_set(struct rim_sync_state *st,
				 enum rim_route_state state, const char *why)
{
	st->state = state;
	if (st->error && why && strcmp(st->error, why) == 0)
		return;
	free(st->error);
	st->error = why && *why ? strdup(why) : NULL;
}

/* The desired routes, sorted by prefix, and the state of each (same
 * index); owned by rim_sync. */
struct rim_backend_set {
	const struct rim_route *v;
	struct rim_sync_state *st;
	size_t n;
};

/* What rim_sync gives a backend. */
struct rim_backend_host {
	struct ev_loop *loop;
	const char *zserv;	/* zebra's socket */
	void *arg;
	/* Later news of one route (a prefix of the set or not). */
	void (*note)(void *arg, const struct mep_prefix *p,
		     enum rim_route_state state, const char *why);
	/* (Re)connected: wants the desired set (apply, or stream). */
	void (*ready)(void *arg);
};

struct rim_backend;

struct rim_backend_ops {
	const char *name;		/* "kernel", "zebra" */
	enum mep_rim_backend kind;	/* the configuration's choice */
	/* Seconds a closed backend lives on after withdraw (its last
	 * requests must reach the routing system first); 0: freed at once. */
	double linger;
	/* For the rim block; NULL on allocation failure only. */
	struct rim_backend *(*open)(const struct rim_backend_host *host,
				    const struct mep_rim_config *rim);
	/* Must a backend of old be reopened to follow now (same kind)? */
	bool (*must_reopen)(const struct mep_rim_config *old,
			    const struct mep_rim_config *now);
	/* Follow a changed rim block that needs no reopening (next hop,
	 * interface); set is the current desired set. */
	void (*configure)(struct rim_backend *b,
			  const struct mep_rim_config *rim,
			  struct rim_backend_set *set);
	/* Make the routing system hold exactly set; update its states.
	 * repair: the periodic run (re-read what the system really holds). */
	void (*apply)(struct rim_backend *b, struct rim_backend_set *set,
		      bool repair);
	/* Before closing: withdraw our routes (armed: a set was applied;
	 * n: routes of the last set, for the log). */
	void (*withdraw)(struct rim_backend *b, bool armed, size_t n);
	void (*free)(struct rim_backend *b);
	/* Streaming of routes ahead of the next apply (adds only); NULL for
	 * a backend that does not stream. */
	bool (*streams)(const struct rim_backend *b);
	void (*stream)(struct rim_backend *b, const struct rim_route *r,
		       size_t n);
	/* The state of a route streamed since the last apply when known. */
	bool (*streamed_state)(const struct rim_backend *b,
			       const struct rim_route *r,
			       enum rim_route_state *state, const char **why);
};

#endif
