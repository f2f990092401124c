/* prober: schedule, outstanding requests, RTT and verdict of one
 * (satellite -> center) pair (pure; see prober.h for the rules). */
#include "prober.h"

#include <string.h>

int prober_jitter_clamp(int jitter_permille)
{
	if (jitter_permille > PROBER_JITTER_MAX)
		return PROBER_JITTER_MAX;
	if (jitter_permille < -PROBER_JITTER_MAX)
		return -PROBER_JITTER_MAX;
	return jitter_permille;
}

static void params_clamp(struct prober_params *dst,
			 const struct prober_params *src)
{
	*dst = *src;
	if (dst->interval_ms < 1)
		dst->interval_ms = 1;
	if (dst->dead_count < 1)
		dst->dead_count = 1;
	if (dst->up_count < 1)
		dst->up_count = 1;
}

static uint64_t interval_us(const struct prober *pr)
{
	return (uint64_t)pr->p.interval_ms * 1000;
}

/* How long a request may go unanswered: RFC 6298's RTO (SRTT + 4 RTTVAR)
 * with a floor of PROBER_LOSS_FLOOR_MS instead of 1 s, and of the late
 * reply floor while one is set, never more than the interval; the
 * interval until the first RTT sample. */
static uint64_t loss_timeout_us(const struct prober *pr)
{
	uint64_t rto, floor = (uint64_t)PROBER_LOSS_FLOOR_MS * 1000;

	if (!pr->has_rtt)
		return interval_us(pr);
	rto = (uint64_t)pr->srtt_us + 4 * (uint64_t)pr->rttvar_us;
	if (rto < floor)
		rto = floor;
	if (rto < pr->late_floor_us)
		rto = pr->late_floor_us;
	return rto < interval_us(pr) ? rto : interval_us(pr);
}

uint64_t prober_loss_timeout_us(const struct prober *pr)
{
	return loss_timeout_us(pr);
}

/* interval * (1000 + jitter) / 1000 */
static uint64_t jittered(const struct prober *pr, int jitter_permille)
{
	int j = prober_jitter_clamp(jitter_permille);

	return interval_us(pr) * (uint64_t)(1000 + j) / 1000;
}

void prober_init(struct prober *pr, const struct prober_params *p,
		 uint64_t first_seq, uint64_t now_us)
{
	memset(pr, 0, sizeof(*pr));
	params_clamp(&pr->p, p);
	pr->state = MEP_LIVE_UNKNOWN;
	pr->next_seq = first_seq;
	pr->next_send_us = now_us;
	pr->now_us = now_us;
}

/* The clock never goes back here. */
static uint64_t clock_seen(struct prober *pr, uint64_t now_us)
{
	if (now_us > pr->now_us)
		pr->now_us = now_us;
	return pr->now_us;
}

static unsigned set_state(struct prober *pr, enum mep_liveness_state s,
			  uint64_t now)
{
	if (pr->state == s)
		return 0;
	pr->state = s;
	pr->last_change_us = now;
	return PROBER_CHANGED;
}

/* One request counted lost. */
static unsigned lose(struct prober *pr, struct prober_slot *s, uint64_t now)
{
	s->state = PROBER_SLOT_LOST;
	pr->count.lost++;
	pr->ok_run = 0;
	pr->miss_run++;
	if (pr->miss_run >= pr->p.dead_count)
		return set_state(pr, MEP_LIVE_DOWN, now);
	return 0;
}

/* The request that can make the verdict down (the dead-count-th of a
 * run of losses) is due early enough that its loss timeout ends within
 * dead-count * interval of the sending of the last answered request, at
 * the earliest right away (after a stall: every down still takes
 * dead-count requests really lost). */
static void hasten_last(struct prober *pr, uint64_t now)
{
	uint64_t due, to;

	if (!pr->has_heard || pr->state == MEP_LIVE_DOWN ||
	    pr->p.dead_count < 2 || pr->miss_run + 1 != pr->p.dead_count)
		return;
	for (size_t i = 0; i < PROBER_OUTSTANDING; i++)
		if (pr->slot[i].state == PROBER_SLOT_PENDING)
			return;	/* the last one is already out */
	to = loss_timeout_us(pr);
	due = pr->heard_sent_us + (uint64_t)pr->p.dead_count * interval_us(pr);
	due = due > to ? due - to : 0;
	if (due < now)
		due = now;
	if (due < pr->next_send_us)
		pr->next_send_us = due;
}

unsigned prober_tick(struct prober *pr, uint64_t now_us, int jitter_permille,
		     struct prober_probe *probe)
{
	uint64_t now = clock_seen(pr, now_us);
	struct prober_slot *s;
	unsigned ev = 0;

	/* expire in sending order, so the runs count in that order */
	for (;;) {
		struct prober_slot *first = NULL;

		for (size_t i = 0; i < PROBER_OUTSTANDING; i++) {
			s = &pr->slot[i];
			if (s->state == PROBER_SLOT_PENDING &&
			    s->deadline_us <= now &&
			    (!first || s->seq < first->seq))
				first = s;
		}
		if (!first)
			break;
		ev |= lose(pr, first, now);
	}
	hasten_last(pr, now);
	if (now < pr->next_send_us)
		return ev;
	s = &pr->slot[pr->next_seq % PROBER_OUTSTANDING];
	if (s->state == PROBER_SLOT_PENDING)	/* ring full: oldest is lost */
		ev |= lose(pr, s, now);
	s->state = PROBER_SLOT_PENDING;
	s->seq = pr->next_seq++;
	s->sent_us = now;
	s->deadline_us = now + loss_timeout_us(pr);
	pr->next_send_us = now + jittered(pr, jitter_permille);
	pr->count.sent++;
	if (probe) {
		probe->seq = s->seq;
		probe->timestamp_us = now;
	}
	return ev | PROBER_SEND;
}

uint64_t prober_next_event(const struct prober *pr)
{
	uint64_t t = pr->next_send_us;

	for (size_t i = 0; i < PROBER_OUTSTANDING; i++)
		if (pr->slot[i].state == PROBER_SLOT_PENDING &&
		    pr->slot[i].deadline_us < t)
			t = pr->slot[i].deadline_us;
	return t;
}

static uint32_t absdiff(uint32_t a, uint32_t b)
{
	return a > b ? a - b : b - a;
}

/* RFC 6298, section 2, in µs. */
static void rtt_sample(struct prober *pr, uint32_t r)
{
	pr->last_rtt_us = r;
	if (!pr->has_rtt) {
		pr->has_rtt = true;
		pr->srtt_us = r;
		pr->rttvar_us = r / 2;
		return;
	}
	pr->rttvar_us = (uint32_t)(((uint64_t)pr->rttvar_us * 3 +
				    absdiff(pr->srtt_us, r)) / 4);
	pr->srtt_us = (uint32_t)(((uint64_t)pr->srtt_us * 7 + r) / 8);
}

/* Move reported_rtt_us to SRTT when it is off by more than the margin. */
static unsigned rtt_report(struct prober *pr)
{
	uint32_t rep = pr->reported_rtt_us, d = absdiff(rep, pr->srtt_us);

	if (rep != 0 && (d <= 100 ||
			 (uint64_t)d * 100 <= (uint64_t)rep * PROBER_RTT_REPORT_PCT))
		return 0;
	if (rep == pr->srtt_us)
		return 0;
	pr->reported_rtt_us = pr->srtt_us;
	return PROBER_CHANGED;
}

static enum probe_cause reject(struct prober *pr, enum probe_cause c)
{
	pr->count.rejected.n[c]++;
	return c;
}

enum probe_cause prober_reply(struct prober *pr, const struct probe_packet *r,
			      uint64_t now_us, unsigned *events)
{
	uint64_t now = clock_seen(pr, now_us), rtt;
	struct prober_slot *s;
	unsigned ev = 0;
	bool drain;

	if (events)
		*events = 0;
	if (r->type != PROBE_TYPE_REPLY || r->seq >= pr->next_seq)
		return reject(pr, PROBE_CAUSE_NEVER_SENT);
	s = &pr->slot[r->seq % PROBER_OUTSTANDING];
	if (s->state == PROBER_SLOT_FREE || s->seq != r->seq ||
	    s->state == PROBER_SLOT_ANSWERED)
		return reject(pr, PROBE_CAUSE_REPLAY);
	if (s->sent_us != r->timestamp_us)
		return reject(pr, PROBE_CAUSE_NEVER_SENT);
	if (s->state == PROBER_SLOT_LOST) {
		/* not an answer and no RTT sample (Karn's rule in spirit:
		 * a request held while the path was down, e.g. in a router's
		 * ARP queue, is answered seconds later when it comes back,
		 * and would keep the loss timeout long after a recovery);
		 * but a path that became slower must not be declared dead:
		 * the loss timeout is at least twice this RTT (at most the
		 * interval) until the next answer, whose RTT is sampled */
		s->state = PROBER_SLOT_ANSWERED;	/* a second copy: replay */
		rtt = now > s->sent_us ? now - s->sent_us : 1;
		if (rtt <= interval_us(pr) &&
		    2 * rtt > pr->late_floor_us)
			pr->late_floor_us = 2 * rtt > interval_us(pr)
						    ? (uint32_t)interval_us(pr)
						    : (uint32_t)(2 * rtt);
		return reject(pr, PROBE_CAUSE_LATE);
	}
	/* accepted */
	s->state = PROBER_SLOT_ANSWERED;
	pr->count.answered++;
	if (!pr->has_heard || s->sent_us > pr->heard_sent_us)
		pr->heard_sent_us = s->sent_us;
	pr->has_heard = true;
	pr->late_floor_us = 0;
	rtt = now > s->sent_us ? now - s->sent_us : 1;
	/* read after its deadline by a loop that was late: the path's
	 * RTT was no more than the timeout */
	if (rtt > s->deadline_us - s->sent_us)
		rtt = s->deadline_us - s->sent_us;
	rtt_sample(pr, rtt > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt);
	pr->miss_run = 0;
	pr->ok_run++;
	if (pr->ok_run >= pr->p.up_count)
		ev |= set_state(pr, MEP_LIVE_UP, now);
	drain = (r->flags & PROBE_FLAG_DRAIN) != 0;
	if (drain != pr->drain) {
		pr->drain = drain;
		pr->last_change_us = now;
		ev |= PROBER_CHANGED;
	}
	ev |= rtt_report(pr);
	if (events)
		*events = ev;
	return PROBE_CAUSE_COUNT;
}

void prober_set_params(struct prober *pr, const struct prober_params *p,
		       uint64_t now_us, int jitter_permille)
{
	uint64_t now = clock_seen(pr, now_us), due;

	params_clamp(&pr->p, p);
	due = now + jittered(pr, jitter_permille);
	if (due < pr->next_send_us)
		pr->next_send_us = due;
}

bool prober_relation(const struct mep_config *cfg, int from, int to)
{
	if (!cfg || from < 0 || to < 0 || from == to ||
	    (size_t)from >= cfg->n_gateways || (size_t)to >= cfg->n_gateways ||
	    cfg->gateways[to].third_party)
		return false;
	for (size_t ci = 0; ci < cfg->n_communities; ci++) {
		const struct mep_community *c = &cfg->communities[ci];
		const struct mep_gw_list *peers = mep_community_peers(c, from);

		if (!peers || !mep_gw_list_has(peers, to) ||
		    !mep_community_is_entry(c, to))
			continue;
		if (mep_community_kind(cfg, ci) != MEP_KIND_NONE)
			return true;
	}
	return false;
}

size_t prober_targets(const struct mep_config *cfg, int local, int *out,
		      size_t max)
{
	size_t n = 0;

	for (size_t g = 0; cfg && g < cfg->n_gateways; g++) {
		if (!prober_relation(cfg, local, (int)g))
			continue;
		if (out && n < max)
			out[n] = (int)g;
		n++;
	}
	return n;
}

/* prober_relation(cfg, g, local) for all g at once: g probes local when a
 * community with MEP has local as an entry among g's peers, i.e. g is
 * among the gateways local reaches there (its satellites, or the other
 * members), and local is not third-party. */
void prober_probers_of(const struct mep_config *cfg, int local, bool *probers)
{
	if (!cfg)
		return;
	memset(probers, 0, cfg->n_gateways * sizeof(*probers));
	if (local < 0 || (size_t)local >= cfg->n_gateways ||
	    cfg->gateways[local].third_party)
		return;
	for (size_t ci = 0; ci < cfg->n_communities; ci++) {
		const struct mep_community *c = &cfg->communities[ci];
		const struct mep_gw_list *reach;

		if (!mep_community_is_entry(c, local))
			continue;
		reach = mep_community_peers(c, local);
		if (!reach || !reach->idx ||
		    mep_community_kind(cfg, ci) == MEP_KIND_NONE)
			continue;
		for (size_t i = 0; i < reach->n; i++) {
			int g = reach->idx[i];

			if (g >= 0 && (size_t)g < cfg->n_gateways && g != local)
				probers[g] = true;
		}
	}
}
