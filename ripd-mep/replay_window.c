/* replay_window: sliding-bitmap anti-replay (pure; see replay_window.h). */
#include "replay_window.h"

#include <string.h>

void replay_window_init(struct replay_window *w)
{
	memset(w, 0, sizeof(*w));
}

enum replay_verdict replay_window_check(const struct replay_window *w,
					uint64_t seq)
{
	uint64_t back;

	if (!w->used || seq > w->top)
		return REPLAY_NEW;
	back = w->top - seq;
	if (back >= REPLAY_WINDOW_SIZE)
		return REPLAY_TOO_OLD;
	return (w->seen >> back) & 1 ? REPLAY_DUPLICATE : REPLAY_NEW;
}

void replay_window_accept(struct replay_window *w, uint64_t seq)
{
	uint64_t shift;

	if (!w->used) {
		w->used = true;
		w->top = seq;
		w->seen = 1;
		return;
	}
	if (seq > w->top) {
		shift = seq - w->top;
		w->seen = shift >= REPLAY_WINDOW_SIZE ? 0 : w->seen << shift;
		w->seen |= 1;
		w->top = seq;
		return;
	}
	if (w->top - seq < REPLAY_WINDOW_SIZE)
		w->seen |= 1ULL << (w->top - seq);
}

const char *replay_verdict_name(enum replay_verdict v)
{
	switch (v) {
	case REPLAY_NEW:
		return "new";
	case REPLAY_DUPLICATE:
		return "duplicate";
	case REPLAY_TOO_OLD:
		return "too old";
	}
	return "unknown";
}
