/* steer_child_io: `steering child-sa` on the loop, the adapter of the
 * steer_child core. A subscriber of the daemon's entry-point events
 * (the chosen center per MEP destination) and of ipsec_engine's events
 * (the tunnel table, engine lost and re-listed); it runs the core's
 * actions with ipsec_engine_initiate/terminate (VICI timeout -1: the loop
 * and the command session never wait for an exchange), feeds their
 * outcomes back, and wakes the core for its retries and timeouts. A
 * center the core gives up on for a destination is treated as not
 * responding for it: the destination is re-resolved without it.
 *
 * Log lines (notice unless said): "steering DST: up via CHILD_SA
 * CONN/CHILD #IKE/#CHILD", "steering DST: moving (...)", "steering DST:
 * failed: REASON" (warning), one per change; "steering: initiate CHILD
 * on CENTER (WHY)", "steering: terminate CHILD_SA CONN/CHILD #IKE/#CHILD
 * to CENTER: WHY"; an unknown child (swanctl.conf lacks it) is an error
 * naming the connection, the child and what `show mep swanctl` prints. */
#ifndef RIPD_MEP_STEER_CHILD_IO_H
#define RIPD_MEP_STEER_CHILD_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "steer_child.h"

struct daemon;
struct steer_child_io;

/* Subscribe to d's entry points and d->ipsec (which must exist), seed
 * from the entry points resolved so far. NULL out of memory. */
struct steer_child_io *steer_child_io_new(struct daemon *d);
/* After a configuration change (d->cfg replaced). */
void steer_child_io_configure(struct steer_child_io *io);
void steer_child_io_free(struct steer_child_io *io);

/* The steering of destination dst for show: false when it is not
 * steered (not a child-sa MEP destination). via: "CONN/CHILD #IKE/#CHILD"
 * when carried, else "". since: wall-clock seconds. */
struct steer_child_show {
	const char *state;	/* "up", "moving", "failed" */
	char state_text[320];	/* "up", "moving", "failed: REASON" */
	char via[200];
	double since;
};
bool steer_child_io_show(const struct steer_child_io *io,
			 const struct mep_prefix *dst,
			 struct steer_child_show *out);

#endif
