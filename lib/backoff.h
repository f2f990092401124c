/* backoff: the reconnect delay of a client session (VICI, ZAPI): starts
 * at min, doubles after every failed attempt up to max, back to min once
 * a connection has proven good. Pure. */
#ifndef RIPD_MEP_BACKOFF_H
#define RIPD_MEP_BACKOFF_H

struct backoff {
	double cur, min, max;
};

/* Set the bounds (seconds); ignored unless 0 < min <= max. */
void backoff_set(struct backoff *b, double min, double max);
/* The delay to wait now; the next one doubles (capped at max). */
double backoff_next(struct backoff *b);
void backoff_reset(struct backoff *b);

#endif
