/* ipsec_grace: the engine-loss grace rule. See ipsec_grace.h. */
#include "ipsec_grace.h"

#include <stdio.h>

void ipsec_grace_init(struct ipsec_grace *g)
{
	g->synced = false;
	g->over = false;
	g->lost_since = 0;
}

void ipsec_grace_restart(struct ipsec_grace *g)
{
	g->synced = false;
	g->over = false;
}

unsigned int ipsec_grace_lost(struct ipsec_grace *g, time_t now)
{
	unsigned int act = 0;

	if (g->synced || g->lost_since == 0)
		act |= IPSEC_GRACE_LOG;
	if (g->synced) {
		g->synced = false;
		g->over = false;
		g->lost_since = now;
		act |= IPSEC_GRACE_ARM;
	} else if (g->lost_since == 0) {
		/* lost before any listing: the start-up grace runs on */
		g->lost_since = now;
	}
	return act;
}

void ipsec_grace_synced(struct ipsec_grace *g)
{
	g->synced = true;
	g->lost_since = 0;
}

bool ipsec_grace_expire(struct ipsec_grace *g)
{
	g->over = true;
	return !g->synced;
}

bool ipsec_grace_holding(const struct ipsec_grace *g)
{
	return !g->synced && !g->over;
}

const char *ipsec_grace_status(const struct ipsec_grace *g, uint32_t grace_s,
			       char *buf, size_t len)
{
	if (g->synced)
		snprintf(buf, len, "synced");
	else if (g->lost_since && !g->over)
		snprintf(buf, len, "lost, holding routes (grace %u s)",
			 grace_s);
	else if (g->lost_since)
		snprintf(buf, len, "lost");
	else
		snprintf(buf, len, "connecting");
	return buf;
}
