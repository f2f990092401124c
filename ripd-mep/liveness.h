/* liveness: the liveness table, one record per configured gateway holding
 * what each source says about it, and the one precedence rule that turns
 * them into the verdict mep_resolve() uses (pure: no I/O, no clock; the
 * caller passes the time).
 *
 * Sources: "probe" (ripd-mep's own probe, for gateways that run
 * ripd-mep), "ike" (the IKE engine's view, for `third-party` gateways)
 * and "override" (the operator's `debug mep gateway`). Precedence: an
 * override wins; otherwise the probe for a ripd-mep gateway, the IKE
 * state for a third-party one; a source that has not reported gives no
 * verdict, and with no verdict the gateway is "unknown" (source "none").
 * Removing an override returns to the other source's last result.
 *
 * Drain: a center's probe replies say whether it is draining (`mep
 * drain`); the record keeps the flag and the verdict carries it (a
 * draining center counts as not responding in mep_resolve), except
 * under an override, which wins whole.
 *
 * Records are carried over by gateway name across configuration changes
 * (liveness_configure). The table also keeps the effective verdicts as
 * an array indexed like cfg->gateways (liveness_view), always in step
 * with the records, for mep_resolve(). */
#ifndef RIPD_MEP_LIVENESS_H
#define RIPD_MEP_LIVENESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "mep.h"

/* The last result of one source. */
struct liveness_result {
	bool set;			/* false: never reported (or cleared) */
	enum mep_liveness_state state;
	uint32_t rtt_us;		/* probe, override; 0 if unknown */
	uint32_t losses;		/* probe: consecutive probes lost */
	time_t last_change;		/* 0: never */
};

struct liveness_record {
	char name[MEP_NAME_MAX];
	bool third_party;		/* IKE, not the probe, is its source */
	struct liveness_result probe, ike, override;
	bool drain;			/* the center said it is draining */
	time_t last_change;		/* of the effective verdict; 0: never */
};

struct liveness_table {
	struct liveness_record *rec;	/* n records, like cfg->gateways */
	struct mep_liveness *effective;	/* n verdicts, for mep_resolve */
	size_t n;
};

/* The winning verdict of one record (the precedence rule). */
struct mep_liveness liveness_effective(const struct liveness_record *r);

/* An empty table (no gateways). */
void liveness_init(struct liveness_table *t);
void liveness_free(struct liveness_table *t);

/* One record per gateway of cfg, in its order: the record of the same
 * name is carried over with every source's result, a new gateway starts
 * with none. Returns 0, or -1 on allocation failure (t unchanged). */
int liveness_configure(struct liveness_table *t, const struct mep_config *cfg);

/* Reports of the sources about gateway gw (index in the table). Each
 * returns 1 when the effective verdict (state, RTT or source) changed,
 * 0 when not, -1 when gw is out of range. rtt_us is kept only with
 * MEP_LIVE_UP. */
int liveness_set_probe(struct liveness_table *t, int gw,
		       enum mep_liveness_state state, uint32_t rtt_us,
		       uint32_t losses, time_t now);
int liveness_set_ike(struct liveness_table *t, int gw,
		     enum mep_liveness_state state, time_t now);
int liveness_set_override(struct liveness_table *t, int gw,
			  enum mep_liveness_state state, uint32_t rtt_us,
			  time_t now);
/* The center's drain flag (from its probe replies). 1 when the
 * effective verdict changed, 0 when not, -1 when gw is out of range. */
int liveness_set_drain(struct liveness_table *t, int gw, bool drain,
		       time_t now);
/* Remove the override: the other source's result applies again. */
int liveness_clear_override(struct liveness_table *t, int gw, time_t now);

/* Record of gateway gw, or NULL when out of range. */
const struct liveness_record *liveness_get(const struct liveness_table *t,
					   int gw);
/* The effective verdicts, t->n entries (never NULL). */
const struct mep_liveness *liveness_view(const struct liveness_table *t);

#endif
