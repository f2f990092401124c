/* liveness: per-source results of each gateway and the precedence rule
 * (override > probe for ripd-mep gateways, ike for third-party ones). */
#include "liveness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An empty view still needs a valid pointer for mep_resolve(). */
static struct mep_liveness liveness_none;

static struct mep_liveness verdict(const struct liveness_result *r,
				   enum mep_verdict_source source)
{
	struct mep_liveness l = { .state = r->state, .source = source };

	if (r->state == MEP_LIVE_UP)
		l.rtt_us = r->rtt_us;
	return l;
}

struct mep_liveness liveness_effective(const struct liveness_record *r)
{
	struct mep_liveness none = { .state = MEP_LIVE_UNKNOWN,
				     .source = MEP_VERDICT_NONE };
	struct mep_liveness l = none;

	if (r->override.set)
		return verdict(&r->override, MEP_VERDICT_OVERRIDE);
	if (r->third_party && r->ike.set)
		l = verdict(&r->ike, MEP_VERDICT_IKE);
	else if (!r->third_party && r->probe.set)
		l = verdict(&r->probe, MEP_VERDICT_PROBE);
	l.drain = r->drain;
	return l;
}

void liveness_init(struct liveness_table *t)
{
	memset(t, 0, sizeof(*t));
}

void liveness_free(struct liveness_table *t)
{
	free(t->rec);
	free(t->effective);
	liveness_init(t);
}

int liveness_configure(struct liveness_table *t, const struct mep_config *cfg)
{
	size_t n = cfg->n_gateways;
	struct liveness_record *rec = calloc(n ? n : 1, sizeof(*rec));
	struct mep_liveness *eff = calloc(n ? n : 1, sizeof(*eff));

	if (!rec || !eff) {
		free(rec);
		free(eff);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct mep_gateway *g = &cfg->gateways[i];

		for (size_t j = 0; j < t->n; j++)
			if (strcmp(t->rec[j].name, g->name) == 0) {
				rec[i] = t->rec[j];
				break;
			}
		snprintf(rec[i].name, sizeof(rec[i].name), "%s", g->name);
		rec[i].third_party = g->third_party;
		eff[i] = liveness_effective(&rec[i]);
	}
	free(t->rec);
	free(t->effective);
	t->rec = rec;
	t->effective = eff;
	t->n = n;
	return 0;
}

static bool in_range(const struct liveness_table *t, int gw)
{
	return gw >= 0 && (size_t)gw < t->n;
}

/* Store res as the result of one source of gw and recompute gw's verdict;
 * 1 when it changed. */
static int update(struct liveness_table *t, int gw,
		  struct liveness_result *slot,
		  const struct liveness_result *res, time_t now)
{
	struct mep_liveness before = t->effective[gw], after;

	if (slot->set != res->set || slot->state != res->state ||
	    slot->rtt_us != res->rtt_us) {
		*slot = *res;
		slot->last_change = now;
	} else {
		slot->losses = res->losses;
	}
	after = liveness_effective(&t->rec[gw]);
	t->effective[gw] = after;
	if (before.state == after.state && before.rtt_us == after.rtt_us &&
	    before.source == after.source && before.drain == after.drain)
		return 0;
	/* "last change" is the verdict's: an RTT change alone (which
	 * first-to-respond still gets reported) does not move it */
	if (before.state != after.state || before.source != after.source ||
	    before.drain != after.drain)
		t->rec[gw].last_change = now;
	return 1;
}

static struct liveness_result result(enum mep_liveness_state state,
				     uint32_t rtt_us, uint32_t losses)
{
	struct liveness_result r = { .set = true,
				     .state = state,
				     .rtt_us = state == MEP_LIVE_UP ? rtt_us
								    : 0,
				     .losses = losses };
	return r;
}

int liveness_set_probe(struct liveness_table *t, int gw,
		       enum mep_liveness_state state, uint32_t rtt_us,
		       uint32_t losses, time_t now)
{
	struct liveness_result r = result(state, rtt_us, losses);

	if (!in_range(t, gw))
		return -1;
	return update(t, gw, &t->rec[gw].probe, &r, now);
}

int liveness_set_ike(struct liveness_table *t, int gw,
		     enum mep_liveness_state state, time_t now)
{
	struct liveness_result r = result(state, 0, 0);

	if (!in_range(t, gw))
		return -1;
	return update(t, gw, &t->rec[gw].ike, &r, now);
}

int liveness_set_override(struct liveness_table *t, int gw,
			  enum mep_liveness_state state, uint32_t rtt_us,
			  time_t now)
{
	struct liveness_result r = result(state, rtt_us, 0);

	if (!in_range(t, gw))
		return -1;
	return update(t, gw, &t->rec[gw].override, &r, now);
}

int liveness_set_drain(struct liveness_table *t, int gw, bool drain,
		       time_t now)
{
	struct mep_liveness before;

	if (!in_range(t, gw))
		return -1;
	before = t->effective[gw];
	t->rec[gw].drain = drain;
	t->effective[gw] = liveness_effective(&t->rec[gw]);
	if (before.drain == t->effective[gw].drain)
		return 0;
	t->rec[gw].last_change = now;
	return 1;
}

int liveness_clear_override(struct liveness_table *t, int gw, time_t now)
{
	struct liveness_result r = { .set = false };

	if (!in_range(t, gw))
		return -1;
	return update(t, gw, &t->rec[gw].override, &r, now);
}

const struct liveness_record *liveness_get(const struct liveness_table *t,
					   int gw)
{
	return in_range(t, gw) ? &t->rec[gw] : NULL;
}

const struct mep_liveness *liveness_view(const struct liveness_table *t)
{
	return t->effective ? t->effective : &liveness_none;
}
