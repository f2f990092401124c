/* steer_child: `steering child-sa` on a satellite, the pure core (no I/O,
 * no clock: times are inputs in seconds of any monotonic origin).
 *
 * Desired: for each MEP destination of the local satellite (a domain of a
 * center of an explicit MEP community whose steering is child-sa), the
 * CHILD_SA that must be up: child steer_child_name(destination) of the
 * connection of the chosen entry point (steer_child_conn()). Actual: the
 * engine's tunnel table (CHILD_SAs matched by child name and peer
 * gateway) plus what this core has asked for and not yet seen happen
 * (initiates waiting for INSTALLED, terminates in flight). steer_child_step()
 * compares them and returns the actions to run, marking them in flight:
 *
 *   INITIATE      CHILD child on the chosen center (connection conn);
 *                 answered at once (VICI timeout -1), then the core waits
 *                 up to install_timeout for the CHILD_SA to be INSTALLED
 *   TERMINATE     a CHILD_SA (ike_id, child_id) of the destination that
 *                 must go: on a center other than the entry point, once the
 *                 entry point's CHILD_SA is INSTALLED (make-before-break;
 *                 overlap seconds later),
 *                 or at once in break-before-make mode, or at once when the
 *                 center is one the method excludes for this satellite
 *                 (priority-list: absent from its rule) or when no center
 *                 serves the destination (entry point none)
 *   INITIATE_IKE  the IKE_SA alone (no CHILD_SA) to a center of a
 *                 permanent-tunnels community, so that a move costs one
 *                 CREATE_CHILD_SA; repeated every ike_refresh at most
 *   GIVE_UP       the center did not install the child give_up_after times
 *                 in a row (refused it, or VICI failed): it is treated as
 *                 not responding for this destination until give_up_hold
 *                 has passed (the caller re-resolves the destination
 *                 without it, see steer_child_given_up())
 *
 * Failed initiates are retried with a doubling delay (retry_min ..
 * retry_max). While the engine is lost nothing is asked; when it is
 * re-listed the initiates in flight are forgotten (charon may have
 * restarted) and the table is the truth again. A destination's state:
 * UP (its CHILD_SA to the entry point is INSTALLED), MOVING (being brought
 * up or moved), FAILED (no center serves it, or the last initiate failed;
 * reason says which), each with the time it was entered. */
#ifndef RIPD_MEP_STEER_CHILD_H
#define RIPD_MEP_STEER_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "mep.h"
#include "prefix.h"
#include "tunnels.h"

#define STEER_CHILD_NAME_MAX 64

struct steer_child_params {
	double install_timeout;	/* initiate -> INSTALLED, default 10 s */
	double retry_min;	/* default 0.5 s */
	double retry_max;	/* default 8 s */
	unsigned give_up_after;	/* failures in a row, default 3 */
	double give_up_hold;	/* default 60 s */
	double terminate_retry;	/* a failed/unanswered terminate, 2 s */
	double ike_refresh;	/* INITIATE_IKE per center, default 60 s */
	bool make_before_break;	/* default true */
	/* make-before-break: the old CHILD_SA of a move stays this long
	 * after the new one is INSTALLED (both carry; the centers' RIM and
	 * the internal routers converge on the new center meanwhile), then
	 * goes; default 2 s (0: at once) */
	double overlap;
};

enum steer_child_state {
	STEER_CHILD_UP,
	STEER_CHILD_MOVING,
	STEER_CHILD_FAILED,
};

enum steer_child_action_kind {
	STEER_CHILD_INITIATE,
	STEER_CHILD_TERMINATE,
	STEER_CHILD_INITIATE_IKE,
	STEER_CHILD_GIVE_UP,
};

struct steer_child_action {
	enum steer_child_action_kind kind;
	size_t dest;			/* destination index (not IKE) */
	int gateway;			/* center concerned */
	char conn[128];			/* connection (INITIATE, _IKE) */
	char child[STEER_CHILD_NAME_MAX];	/* child (INITIATE) */
	uint32_t ike_id, child_id;	/* TERMINATE */
	char why[512];			/* for the log */
};

/* The carrier of a destination: its CHILD_SA to the entry point. */
struct steer_child_view {
	const struct mep_prefix *destination;
	int community;
	const char *child;
	int gateway;			/* entry point, -1 none */
	enum steer_child_state state;
	double since;
	const char *reason;		/* FAILED, MOVING: why/what; else "" */
	bool carried;			/* ike_id/child_id valid */
	uint32_t ike_id, child_id;
};

struct steer_child;

void steer_child_params_default(struct steer_child_params *p);
/* NULL on allocation failure. p NULL: defaults. */
struct steer_child *steer_child_new(const struct steer_child_params *p);
void steer_child_free(struct steer_child *s);

/* The child name of a destination: "net-" and the prefix with '.' and
 * ':' written '-' and the length after '_' ("net-10-1-0-0_16",
 * "net-2001-db8---_32"). */
const char *steer_child_name(const struct mep_prefix *dst, char *buf,
			     size_t len);
/* The connection name of center gw: its ike-connection, else its name. */
const char *steer_child_conn(const struct mep_config *cfg, int gw);
/* Is community ci steered by this core for the local gateway: explicit
 * MEP, local gateway a satellite of it, steering child-sa? */
bool steer_child_community(const struct mep_config *cfg, size_t ci);

/* Follow cfg (borrowed until the next call): the destinations are the
 * domains of the centers of every steered community (each prefix once,
 * in configuration order). A destination kept (same community name and
 * prefix) keeps its state; its entry point is reset (the caller sets it
 * again) and the commands in flight of the old configuration are
 * ignored when they complete. Returns 0, -1 out of memory (then it
 * steers nothing). */
int steer_child_configure(struct steer_child *s, const struct mep_config *cfg,
			  double now);

size_t steer_child_count(const struct steer_child *s);
/* Index of destination dst, or -1. */
int steer_child_find(const struct steer_child *s, const struct mep_prefix *dst);
void steer_child_get(const struct steer_child *s, size_t i,
		     struct steer_child_view *v);

/* The entry point of destination i: r's gateway when resolved (-1 else,
 * reason then says why), and the centers the method allows (candidates
 * with a rank; the others are never kept up). */
void steer_child_set_entry(struct steer_child *s, size_t i,
			   const struct mep_result *r, double now);
/* Has destination i given up on center gw (until the hold is over)? */
bool steer_child_given_up(const struct steer_child *s, size_t i, int gw,
			  double now);

/* The engine's link: down (lost) or up again after a complete listing
 * (resynced). */
void steer_child_engine(struct steer_child *s, bool up, double now);

/* Outcomes of the actions (generation: steer_child_generation() when the
 * action was returned; outcomes of an older generation are ignored). */
unsigned steer_child_generation(const struct steer_child *s);
void steer_child_initiate_done(struct steer_child *s, unsigned generation,
			       size_t i, int gw, bool ok, const char *error,
			       double now);
void steer_child_terminate_done(struct steer_child *s, uint32_t ike_id,
				uint32_t child_id, bool ok,
				const char *error, double now);

/* Compare and act: up to max actions into out; returns how many. The
 * returned actions are recorded as in flight. The earliest time a step
 * would act by the clock alone (retry, timeout) is set in *wake (a
 * negative value: none). */
size_t steer_child_step(struct steer_child *s, const struct tunnel_table *t,
			double now, struct steer_child_action *out, size_t max,
			double *wake);

const char *steer_child_state_name(enum steer_child_state st);

#endif
