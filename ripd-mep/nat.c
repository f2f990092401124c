/* nat: IP Pool NAT's glue: configuration -> table, conntrack events ->
 * accounting, released sources -> admission set (see nat.h). */
#include "nat.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "nat_conntrack.h"
#include "nat_nft.h"

#define NAT_RESYNC_MIN_S 1.0	/* resyncs after lost events: the first
				 * gap, doubled after each while losses
				 * persist, up to NAT_RESYNC_MAX_S; back to
				 * the first after NAT_RESYNC_QUIET_S with
				 * no loss */
#define NAT_RESYNC_MAX_S 30.0
#define NAT_RESYNC_QUIET_S 60.0
#define NAT_RELEASE_BATCH 512
#define NAT_RETRY_S 1.0		/* the table again while it is not active */

struct nat {
	struct ev_loop *loop;
	struct nat_nft *nft;
	struct nat_conntrack *ct;
	struct nat_account acct;
	struct nat_spec spec;
	ev_timer resync;
	ev_timer retry;		/* apply again: the feature on, the table
				 * not active (an error, or found gone) */
	ev_tstamp last_resync;
	ev_tstamp resync_gap;	/* between resyncs after lost events */
	ev_tstamp last_lost;
	char ct_error[256];
	char status[600];
};

static void on_event(void *arg, enum nat_ct_kind kind,
		     const struct mep_addr *src, const struct mep_addr *mapped)
{
	struct nat *n = arg;
	char pool[MEP_PREFIX_STRLEN];

	switch (nat_account_event(&n->acct, kind, src, mapped)) {
	case NAT_WARN_HIGH:
		log_warn("ip-pool-nat: pool %s is 90 %% used (%" PRIu64
			 " of %u sources; new sources are refused when it is "
			 "full)",
			 mep_prefix_str(&n->acct.pool, pool, sizeof(pool)),
			 n->acct.used, (unsigned)n->acct.admit);
		break;
	case NAT_WARN_CLEARED:
		log_notice("ip-pool-nat: pool %s is under 80 %% used again "
			   "(%" PRIu64 " of %u sources)",
			   mep_prefix_str(&n->acct.pool, pool, sizeof(pool)),
			   n->acct.used, (unsigned)n->acct.admit);
		break;
	case NAT_WARN_NONE:
		break;
	}
}

/* The sources whose last connection ended leave the admission set. */
static void on_batch_done(void *arg)
{
	struct nat *n = arg;
	struct mep_addr rel[NAT_RELEASE_BATCH];
	size_t k;

	while (n->acct.n_released) {
		k = nat_account_take_released(&n->acct, rel, NAT_RELEASE_BATCH);
		if (k)
			(void)nat_nft_release(n->nft, rel, k);
	}
	/* the table found gone: applied again from the loop (not from
	 * here, inside the conntrack reader that it may close) */
	if (!nat_nft_active(n->nft) && !ev_is_active(&n->retry)) {
		ev_timer_set(&n->retry, 0., 0.);
		ev_timer_start(n->loop, &n->retry);
	}
}

static void admitted(void *arg, const struct mep_addr *a)
{
	nat_account_admitted(arg, a);
}

static void resync_now(struct nat *n, const char *why)
{
	struct strbuf err = STRBUF_INIT;

	if (!n->ct || !nat_nft_active(n->nft))
		return;
	n->last_resync = ev_now(n->loop);
	nat_account_begin_resync(&n->acct);
	(void)nat_nft_admitted(n->nft, admitted, &n->acct);
	if (nat_conntrack_dump(n->ct, &err) < 0)
		log_err("ip-pool-nat: %s (%s)", strbuf_str(&err), why);
	if (nat_account_end_resync(&n->acct) == NAT_WARN_HIGH) {
		char pool[MEP_PREFIX_STRLEN];

		log_warn("ip-pool-nat: pool %s is 90 %% used (%" PRIu64
			 " of %u sources)",
			 mep_prefix_str(&n->acct.pool, pool, sizeof(pool)),
			 n->acct.used, (unsigned)n->acct.admit);
	}
	on_batch_done(n);
	{
		struct mep_addr add[NAT_RELEASE_BATCH];
		size_t k, cursor = 0;

		/* every one of them, NAT_RELEASE_BATCH per transaction */
		while (nat_nft_active(n->nft) &&
		       (k = nat_account_unadmitted(&n->acct, &cursor, add,
						   NAT_RELEASE_BATCH)))
			(void)nat_nft_admit(n->nft, add, k);
	}
	log_msg(LOG_INFO,
		"ip-pool-nat: accounting rebuilt from conntrack (%s): %" PRIu64
		" sources, %" PRIu64 " connections",
		why, n->acct.used, n->acct.connections);
	strbuf_free(&err);
}

static void on_resync(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct nat *n = w->data;

	(void)loop;
	(void)revents;
	resync_now(n, "events were lost");
	/* a resync blocks the loop: while losses go on, fewer of them */
	n->resync_gap = n->resync_gap * 2 > NAT_RESYNC_MAX_S
				? NAT_RESYNC_MAX_S
				: n->resync_gap * 2;
}

static void on_lost(void *arg)
{
	struct nat *n = arg;
	double wait;

	n->acct.events_dropped++;
	if (ev_now(n->loop) - n->last_lost > NAT_RESYNC_QUIET_S)
		n->resync_gap = NAT_RESYNC_MIN_S;
	n->last_lost = ev_now(n->loop);
	if (ev_is_active(&n->resync))
		return;
	wait = n->last_resync + n->resync_gap - ev_now(n->loop);
	ev_timer_set(&n->resync, wait > 0 ? wait : 0., 0.);
	ev_timer_start(n->loop, &n->resync);
}

static void follow(struct nat *n, bool new_pool);

/* The feature on, the table not active: apply it again. */
static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct nat *n = w->data;

	(void)loop;
	(void)revents;
	if (!n->spec.on)
		return;
	(void)nat_nft_apply(n->nft, &n->spec);
	follow(n, true);
}

struct nat *nat_new(struct ev_loop *loop)
{
	struct nat *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->loop = loop;
	n->nft = nat_nft_new();
	if (!n->nft) {
		free(n);
		return NULL;
	}
	nat_account_init(&n->acct);
	nat_spec_init(&n->spec);
	ev_timer_init(&n->resync, on_resync, 0., 0.);
	n->resync.data = n;
	ev_timer_init(&n->retry, on_retry, 0., 0.);
	n->retry.data = n;
	n->last_resync = -NAT_RESYNC_MIN_S;
	n->resync_gap = NAT_RESYNC_MIN_S;
	n->last_lost = -2 * NAT_RESYNC_QUIET_S;
	return n;
}

void nat_free(struct nat *n)
{
	if (!n)
		return;
	ev_timer_stop(n->loop, &n->resync);
	ev_timer_stop(n->loop, &n->retry);
	nat_conntrack_free(n->ct);
	nat_nft_free(n->nft);	/* the table stays */
	nat_account_free(&n->acct);
	nat_spec_free(&n->spec);
	free(n);
}

static void close_ct(struct nat *n)
{
	ev_timer_stop(n->loop, &n->resync);
	nat_conntrack_free(n->ct);
	n->ct = NULL;
}

void nat_configure(struct nat *n, const struct mep_config *cfg)
{
	struct nat_spec want;
	bool new_pool;

	nat_spec_init(&want);
	if (nat_spec_build(cfg, cfg->local_gateway, &want) < 0) {
		log_err("ip-pool-nat: out of memory computing the table; "
			"left as it is");
		return;
	}
	new_pool = want.on && (!n->spec.on ||
			       !mep_prefix_equal(&n->spec.pool, &want.pool));
	(void)nat_nft_apply(n->nft, &want);
	if (nat_spec_copy(&n->spec, &want) < 0)
		n->spec.on = false;
	nat_spec_free(&want);
	follow(n, new_pool);
}

/* After an apply: accounting on (and the table retried) or off. */
static void follow(struct nat *n, bool new_pool)
{
	struct nat_spec want;

	n->ct_error[0] = '\0';
	ev_timer_stop(n->loop, &n->retry);
	if (!n->spec.on || !nat_nft_active(n->nft)) {
		close_ct(n);
		nat_spec_init(&want);
		(void)nat_account_configure(&n->acct, &want);
		if (n->spec.on) {
			ev_timer_set(&n->retry, NAT_RETRY_S, 0.);
			ev_timer_start(n->loop, &n->retry);
		}
		return;
	}
	if (nat_account_configure(&n->acct, &n->spec) < 0)
		log_err("ip-pool-nat: out of memory for the accounting");
	if (!n->ct) {
		struct nat_ct_handler h = {
			.event = on_event,
			.batch_done = on_batch_done,
			.lost = on_lost,
			.arg = n,
		};
		struct strbuf err = STRBUF_INIT;

		n->ct = nat_conntrack_new(n->loop, &h, &err);
		if (!n->ct) {
			snprintf(n->ct_error, sizeof(n->ct_error), "%s",
				 strbuf_str(&err));
			log_err("ip-pool-nat: no accounting: %s",
				strbuf_str(&err));
			strbuf_free(&err);
			return;
		}
		strbuf_free(&err);
		new_pool = true;
	}
	if (new_pool)
		resync_now(n, "start");
}

bool nat_on(const struct nat *n)
{
	return n && n->spec.on;
}

const char *nat_status(const struct nat *n)
{
	struct nat *m = (struct nat *)n;

	if (n->ct_error[0] && nat_nft_active(n->nft)) {
		snprintf(m->status, sizeof(m->status), "error: %s",
			 n->ct_error);
		return n->status;
	}
	return nat_nft_status(n->nft);
}

const struct nat_account *nat_accounting(struct nat *n)
{
	uint64_t refused;

	if (nat_nft_refused(n->nft, &refused) == 0)
		n->acct.refused = refused;
	return &n->acct;
}
