/* replay_window: the per-peer anti-replay window of the probe protocol, a
 * sliding bitmap over 64-bit sequence numbers in the manner of ESP's
 * (RFC 4303 section 3.4.3). Pure: no I/O, no clock.
 *
 * The window remembers the highest sequence accepted (top) and which of
 * the REPLAY_WINDOW_SIZE numbers ending at top were seen. A number above
 * top is new (however far: the packet is authenticated, so a jump is the
 * peer's own doing, e.g. a restart); one inside the window is new unless
 * its bit is set (duplicate); one below the window is too old. An empty
 * window accepts any number.
 *
 * Checking and recording are separate: the caller checks, runs every other
 * check of the packet, and records only a packet it accepts, so a packet
 * dropped for another reason leaves no trace. */
#ifndef RIPD_MEP_REPLAY_WINDOW_H
#define RIPD_MEP_REPLAY_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#define REPLAY_WINDOW_SIZE 64

enum replay_verdict {
	REPLAY_NEW,		/* never seen: acceptable */
	REPLAY_DUPLICATE,	/* inside the window, already seen */
	REPLAY_TOO_OLD,		/* below the window */
};

struct replay_window {
	bool used;		/* false: nothing accepted yet */
	uint64_t top;		/* highest accepted sequence number */
	uint64_t seen;		/* bit i: top - i was accepted */
};

void replay_window_init(struct replay_window *w);
enum replay_verdict replay_window_check(const struct replay_window *w,
					uint64_t seq);
/* Record seq as accepted (call only after replay_window_check() said
 * REPLAY_NEW and the packet passed every other check). */
void replay_window_accept(struct replay_window *w, uint64_t seq);
const char *replay_verdict_name(enum replay_verdict v);

#endif
