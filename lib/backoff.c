/* backoff: doubling reconnect delay. */
#include "backoff.h"

void backoff_set(struct backoff *b, double min, double max)
{
	if (min <= 0 || max < min)
		return;
	b->cur = b->min = min;
	b->max = max;
}

double backoff_next(struct backoff *b)
{
	double now = b->cur;

	b->cur *= 2;
	if (b->cur > b->max)
		b->cur = b->max;
	return now;
}

void backoff_reset(struct backoff *b)
{
	b->cur = b->min;
}
