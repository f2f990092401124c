/* ipsec_grace: the engine-loss grace rule (pure state, no I/O, no clock).
 *
 * The tunnels last listed by the IPsec engine still count (their routes
 * stand) while the engine is away, for the grace period:
 *
 *  - start-up, or a new VICI socket: nothing listed yet on this link; the
 *    routes a previous run left are held until the first listing or the
 *    end of the grace period, whichever comes first;
 *  - a listing (list-sas) finished: synced; the tunnel table is the truth;
 *  - the link is lost after a listing: held for the grace period; a new
 *    listing in time decides (nothing flaps), else the grace ends and the
 *    table is emptied (every route withdrawn);
 *  - lost again before any listing: still the grace period that runs.
 *
 * The caller owns the timer (a monotonic libev timer: a wall clock that
 * jumps does not end the grace early or late) and calls
 * ipsec_grace_expire() when it fires. */
#ifndef RIPD_MEP_IPSEC_GRACE_H
#define RIPD_MEP_IPSEC_GRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct ipsec_grace {
	bool synced;		/* a listing finished on this link */
	bool over;		/* the grace ended: held routes may go */
	time_t lost_since;	/* 0 while connected or before the first link */
};

/* What the caller does after ipsec_grace_lost(). */
enum ipsec_grace_action {
	IPSEC_GRACE_LOG = 1,	/* log the loss ("holding routes") */
	IPSEC_GRACE_ARM = 2,	/* (re)arm the grace timer */
};

void ipsec_grace_init(struct ipsec_grace *g);
/* Start-up or a new socket: hold until listed; arm the timer. */
void ipsec_grace_restart(struct ipsec_grace *g);
/* The link was lost at now: a mask of enum ipsec_grace_action. */
unsigned int ipsec_grace_lost(struct ipsec_grace *g, time_t now);
/* A listing finished: synced (the caller stops the timer). */
void ipsec_grace_synced(struct ipsec_grace *g);
/* The timer fired: the grace is over. True when the tunnel table must be
 * emptied (not re-listed in time). */
bool ipsec_grace_expire(struct ipsec_grace *g);
/* Hold what is installed: neither synced nor past the grace. */
bool ipsec_grace_holding(const struct ipsec_grace *g);
/* "synced", "connecting", "lost, holding routes (grace 7 s)", "lost" */
const char *ipsec_grace_status(const struct ipsec_grace *g, uint32_t grace_s,
			       char *buf, size_t len);

#endif
