/* Unit tests of the prober (satellite side) and the responder (center
 * side) of the probe protocol, and of the relation between them:
 * - prober: schedule with jitter, up after up-count answers, down after
 *   dead-count losses (a loss per request, not per elapsed interval),
 *   RFC 6298 smoothed RTT and its reported value, reply for a probe never
 *   sent, duplicate and late replies (no RTT sample, the late floor; a
 *   path that slows to 9/10 of the interval is not declared dead), a
 *   clock that jumps forward or goes back, a stalled loop (no false down,
 *   RTT at most the timeout), the hastened last request and the
 *   detection bound (defaults within interval x dead-count of the last
 *   answer, also right after a recovery with late replies), interval /
 *   dead-count change and key change while probing with no false down,
 *   drain flag;
 * - responder: answers a known satellite with a reply of the same size,
 *   echoing sequence number and timestamp, drain flag; drops unknown
 *   senders, requests not addressed to us, replies, replays (duplicate,
 *   too old), wrong key, truncated, rate-limited, before any state
 *   changes; state carried over a reconfiguration;
 * - both together through the codec, and prober_relation(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config_fixture.h"
#include "prober.h"
#include "responder.h"

#define MS 1000ULL
#define SEC 1000000ULL
#define KEY "s3cr3t-probe-key"

static const struct prober_params def = { .interval_ms = 500,
					  .dead_count = 3,
					  .up_count = 2 };

static struct probe_packet reply_for(const struct prober_probe *pb)
{
	struct probe_packet r = { .type = PROBE_TYPE_REPLY,
				  .seq = pb->seq,
				  .timestamp_us = pb->timestamp_us,
				  .sender = "M1",
				  .target = "S1" };
	return r;
}

/* Tick at t; assert whether a request goes out; return the events. */
static unsigned tick(struct prober *pr, uint64_t t, struct prober_probe *pb)
{
	return prober_tick(pr, t, 0, pb);
}

/* One answered round at t with rtt: returns the reply's events. */
static unsigned round_ok(struct prober *pr, uint64_t t, uint64_t rtt)
{
	struct prober_probe pb;
	struct probe_packet r;
	unsigned ev = 0;

	assert_true(tick(pr, t, &pb) & PROBER_SEND);
	r = reply_for(&pb);
	assert_int_equal(prober_reply(pr, &r, t + rtt, &ev),
			 PROBE_CAUSE_COUNT);
	return ev;
}

/* A prober at time 0 made up by two answers (1 ms RTT) at 0 and 0.5 s;
 * returns the time of the last. */
static uint64_t prober_up(struct prober *pr)
{
	prober_init(pr, &def, 1, 0);
	round_ok(pr, 0, MS);
	round_ok(pr, 500 * MS, MS);
	assert_int_equal(pr->state, MEP_LIVE_UP);
	return 500 * MS;
}

static void test_up_after_up_count(void **state)
{
	struct prober pr;
	uint64_t t = 10 * SEC;

	(void)state;
	prober_init(&pr, &def, 5000, t);
	assert_int_equal(pr.state, MEP_LIVE_UNKNOWN);
	assert_true(prober_next_event(&pr) == t);
	assert_int_equal(round_ok(&pr, t, 2 * MS) & PROBER_CHANGED,
			 PROBER_CHANGED);	/* the RTT is reported */
	assert_int_equal(pr.state, MEP_LIVE_UNKNOWN);
	t += 500 * MS;
	assert_true(round_ok(&pr, t, 2 * MS) & PROBER_CHANGED);
	assert_int_equal(pr.state, MEP_LIVE_UP);
	assert_true(pr.last_change_us == t + 2 * MS);
	assert_true(pr.count.sent == 2 && pr.count.answered == 2);
	assert_true(pr.srtt_us == 2000 && pr.reported_rtt_us == 2000);
	/* up_count 1: up on the first answer */
	struct prober_params one = def;

	one.up_count = 1;
	prober_init(&pr, &one, 1, t);
	round_ok(&pr, t, MS);
	assert_int_equal(pr.state, MEP_LIVE_UP);
}

static void test_down_after_dead_count(void **state)
{
	struct prober pr;
	struct prober_probe pb;
	uint64_t t = 0;
	unsigned ev;

	(void)state;
	t = prober_up(&pr);
	/* the loss timeout: SRTT 1 ms + 4 RTTVAR is below the 100 ms floor */
	assert_true(prober_loss_timeout_us(&pr) == 100 * MS);
	/* the center dies: requests at 1.0 and 1.5 s go unanswered; each is
	 * lost 100 ms after it left; the timer follows */
	for (int i = 0; i < 2; i++) {
		t += 500 * MS;
		ev = tick(&pr, t, &pb);
		assert_int_equal(ev, PROBER_SEND);
		assert_true(prober_next_event(&pr) == t + 100 * MS);
		ev = tick(&pr, t + 100 * MS - 1, &pb);
		assert_int_equal(ev, 0);
		ev = tick(&pr, t + 100 * MS, &pb);
		assert_int_equal(ev, 0);
	}
	assert_true(pr.miss_run == 2);
	/* the third request, the one that can make the verdict down, is due
	 * so that its loss timeout ends 1.5 s (interval * dead-count) after
	 * the last answered one was sent (0.5 s): at 1.9 s, not 2.0 s */
	assert_true(prober_next_event(&pr) == 1900 * MS);
	assert_int_equal(tick(&pr, 1900 * MS - 1, &pb), 0);
	assert_int_equal(tick(&pr, 1900 * MS, &pb), PROBER_SEND);
	assert_int_equal(tick(&pr, 2000 * MS - 1, &pb), 0);
	ev = tick(&pr, 2000 * MS, &pb);
	/* the third loss at 2.0 s: down 1.5 s after the last answered
	 * request was sent */
	assert_int_equal(ev, PROBER_CHANGED);
	assert_int_equal(pr.state, MEP_LIVE_DOWN);
	assert_true(pr.last_change_us == 2000 * MS);
	assert_true(pr.count.lost == 3);
	/* down: back to the interval's schedule */
	assert_true(prober_next_event(&pr) == 2400 * MS);
	/* before any RTT sample the timeout is the interval; from unknown,
	 * dead-count losses give down too */
	prober_init(&pr, &def, 1, 0);
	assert_true(prober_loss_timeout_us(&pr) == 500 * MS);
	for (t = 0; pr.state == MEP_LIVE_UNKNOWN; t += 500 * MS)
		tick(&pr, t, &pb);
	assert_true(t == 2000 * MS);	/* the third loss, at 1.5 s */
	/* a single answer after down does not make it up (up-count 2) */
	round_ok(&pr, t, MS);
	assert_int_equal(pr.state, MEP_LIVE_DOWN);
	round_ok(&pr, t + 500 * MS, MS);
	assert_int_equal(pr.state, MEP_LIVE_UP);
}

static void test_loss_resets_runs(void **state)
{
	struct prober pr;
	struct prober_probe pb;
	uint64_t t = 0;

	(void)state;
	t = prober_up(&pr);
	/* lose two, answer one, again and again: never down */
	for (int k = 0; k < 3; k++) {
		tick(&pr, t += 500 * MS, &pb);
		tick(&pr, t += 500 * MS, &pb);	/* the first is lost */
		round_ok(&pr, t += 500 * MS, MS);	/* the second too */
		assert_true(pr.miss_run == 0);
		assert_int_equal(pr.state, MEP_LIVE_UP);
	}
	/* an up-count run is broken by a loss */
	prober_init(&pr, &def, 1, 0);
	t = 0;
	for (int i = 0; i < 4; i++)
		tick(&pr, t += 500 * MS, &pb);
	assert_int_equal(pr.state, MEP_LIVE_DOWN);
	round_ok(&pr, t += 500 * MS, MS);
	tick(&pr, t += 500 * MS, &pb);		/* unanswered */
	tick(&pr, t += 500 * MS, &pb);		/* now the loss counts */
	assert_true(pr.ok_run == 0);
	round_ok(&pr, t += 500 * MS, MS);
	assert_int_equal(pr.state, MEP_LIVE_DOWN);
}

static void test_jitter_schedule(void **state)
{
	struct prober pr;
	struct prober_probe pb;

	(void)state;
	prober_init(&pr, &def, 1, 0);
	assert_true(prober_tick(&pr, 0, 100, &pb) & PROBER_SEND);
	assert_true(pr.next_send_us == 550 * MS);	/* +10 % */
	/* not due yet: nothing to send; the deadline of the first comes
	 * first */
	assert_int_equal(prober_tick(&pr, 549 * MS, 0, &pb), PROBER_SEND & 0);
	assert_true(prober_next_event(&pr) == 550 * MS);
	assert_true(prober_tick(&pr, 550 * MS, -100, &pb) & PROBER_SEND);
	assert_true(pr.next_send_us == 550 * MS + 450 * MS);	/* -10 % */
	/* out-of-range jitter is clamped to +-10 % */
	assert_true(prober_tick(&pr, 1000 * MS, 5000, &pb) & PROBER_SEND);
	assert_true(pr.next_send_us == 1550 * MS);
	assert_int_equal(prober_jitter_clamp(-7000), -PROBER_JITTER_MAX);
}

static void test_rtt_smoothing(void **state)
{
	struct prober pr;
	uint64_t t = 0;
	unsigned ev;

	(void)state;
	prober_init(&pr, &def, 1, t);
	round_ok(&pr, t, 10 * MS);
	assert_true(pr.srtt_us == 10000 && pr.rttvar_us == 5000);
	/* R = 18 ms: RTTVAR = 3/4*5000 + 1/4*8000 = 5750;
	 * SRTT = 7/8*10000 + 1/8*18000 = 11000 */
	ev = round_ok(&pr, t += 500 * MS, 18 * MS);
	assert_true(pr.rttvar_us == 5750 && pr.srtt_us == 11000);
	assert_true(pr.last_rtt_us == 18000);
	/* 11000 is within 10 % of the reported 10000: not reported; the
	 * change event is the verdict's (up) */
	assert_true(pr.reported_rtt_us == 10000);
	assert_true(ev & PROBER_CHANGED);
	ev = round_ok(&pr, t += 500 * MS, 11 * MS);
	assert_int_equal(ev, 0);	/* nothing to tell the liveness table */
	/* a lasting change is reported once it passes the margin */
	for (int i = 0; i < 10 && pr.reported_rtt_us == 10000; i++)
		ev = round_ok(&pr, t += 500 * MS, 30 * MS);
	assert_true(ev & PROBER_CHANGED);
	assert_true(pr.reported_rtt_us == pr.srtt_us);
	assert_true(pr.srtt_us > 11000);
}

static void test_reply_never_sent_dup_late(void **state)
{
	struct prober pr;
	struct prober_probe pb, first;
	struct probe_packet r;
	uint64_t t = 0;
	unsigned ev;

	(void)state;
	prober_init(&pr, &def, 100, t);
	tick(&pr, t, &first);
	/* a sequence number never used */
	r = reply_for(&first);
	r.seq = 101;
	assert_int_equal(prober_reply(&pr, &r, t + MS, &ev),
			 PROBE_CAUSE_NEVER_SENT);
	r.seq = UINT64_MAX;
	assert_int_equal(prober_reply(&pr, &r, t + MS, &ev),
			 PROBE_CAUSE_NEVER_SENT);
	/* the right number with another timestamp */
	r = reply_for(&first);
	r.timestamp_us++;
	assert_int_equal(prober_reply(&pr, &r, t + MS, &ev),
			 PROBE_CAUSE_NEVER_SENT);
	/* a request is not a reply */
	r = reply_for(&first);
	r.type = PROBE_TYPE_REQUEST;
	assert_int_equal(prober_reply(&pr, &r, t + MS, &ev),
			 PROBE_CAUSE_NEVER_SENT);
	/* accepted once, then a duplicate */
	r = reply_for(&first);
	assert_int_equal(prober_reply(&pr, &r, t + MS, &ev), PROBE_CAUSE_COUNT);
	assert_int_equal(prober_reply(&pr, &r, t + 2 * MS, &ev),
			 PROBE_CAUSE_REPLAY);
	/* late: after its request was counted lost; then a duplicate */
	tick(&pr, t += 500 * MS, &pb);
	tick(&pr, t += 500 * MS, NULL);
	r = reply_for(&pb);
	assert_int_equal(prober_reply(&pr, &r, t + MS, &ev), PROBE_CAUSE_LATE);
	assert_int_equal(prober_reply(&pr, &r, t + MS, &ev),
			 PROBE_CAUSE_REPLAY);
	/* older than the ring: a replay of a reply long gone */
	for (int i = 0; i < PROBER_OUTSTANDING + 1; i++)
		tick(&pr, t += 500 * MS, NULL);
	r = reply_for(&first);
	assert_int_equal(prober_reply(&pr, &r, t, &ev), PROBE_CAUSE_REPLAY);
	assert_true(pr.count.rejected.n[PROBE_CAUSE_NEVER_SENT] == 4);
	assert_true(pr.count.rejected.n[PROBE_CAUSE_REPLAY] == 3);
	assert_true(pr.count.rejected.n[PROBE_CAUSE_LATE] == 1);
	assert_true(pr.count.answered == 1);
}

/* The path's RTT jumps from 1 ms to 200 ms: one late reply raises the
 * loss timeout, the next ones are answers; never down. The timeout never
 * exceeds the interval. */
static void test_path_slows(void **state)
{
	struct prober pr;
	struct prober_probe pb;
	struct probe_packet r;
	uint64_t t = 0;
	unsigned ev;

	(void)state;
	t = prober_up(&pr);
	tick(&pr, t += 500 * MS, &pb);
	tick(&pr, t + 100 * MS, NULL);			/* lost */
	r = reply_for(&pb);
	assert_int_equal(prober_reply(&pr, &r, t + 200 * MS, &ev),
			 PROBE_CAUSE_LATE);
	assert_true(prober_loss_timeout_us(&pr) > 200 * MS);
	for (int i = 0; i < 5; i++)
		round_ok(&pr, t += 500 * MS, 200 * MS);
	assert_int_equal(pr.state, MEP_LIVE_UP);
	assert_true(pr.count.lost == 1);
	assert_true(prober_loss_timeout_us(&pr) <= 500 * MS);
	/* 2 s RTT with a 500 ms interval: capped at the interval */
	for (int i = 0; i < 20; i++) {
		tick(&pr, t += 500 * MS, &pb);
		tick(&pr, t + 499 * MS, NULL);
		r = reply_for(&pb);
		prober_reply(&pr, &r, t + 2 * SEC, &ev);
	}
	assert_true(prober_loss_timeout_us(&pr) == 500 * MS);
}

/* The center dies at a random moment (just after an answer, the worst
 * case) under every jitter: down within interval * dead-count of the
 * sending of the last answered request, always after dead-count requests
 * really lost. Returns the time from that sending to down. */
static uint64_t die_after_answer(struct prober *pr, uint64_t t, int jitter)
{
	struct prober_probe pb;
	uint64_t heard = pr->heard_sent_us, lost0 = pr->count.lost;

	assert_true(pr->has_heard);
	while (pr->state != MEP_LIVE_DOWN && t < heard + 10 * SEC) {
		t = prober_next_event(pr);
		prober_tick(pr, t, jitter, &pb);
	}
	assert_int_equal(pr->state, MEP_LIVE_DOWN);
	assert_true(pr->count.lost - lost0 == pr->p.dead_count);
	return pr->last_change_us - heard;
}

/* Rounds answered with 1 ms RTT under jitter j from t until up; returns
 * the time of the last request. */
static uint64_t answer_until_up(struct prober *pr, uint64_t t, int j)
{
	struct prober_probe pb;
	struct probe_packet r;
	unsigned ev;

	for (int i = 0; i < 5 || pr->state != MEP_LIVE_UP; i++) {
		assert_true(i < 20);
		t = pr->next_send_us > t ? pr->next_send_us : t;
		assert_true(prober_tick(pr, t, j, &pb) & PROBER_SEND);
		r = reply_for(&pb);
		assert_int_equal(prober_reply(pr, &r, t + MS, &ev),
				 PROBE_CAUSE_COUNT);
	}
	return t;
}

static void test_detection_bound(void **state)
{
	struct prober pr;
	struct prober_params p = def;
	uint64_t t, d;
	int jit[] = { -100, 0, 100 };

	(void)state;
	/* the defaults, 500 ms x 3, +-10 % jitter: at most 1.5 s (was up to
	 * 1.75 s: 3 intervals of +10 % and the 100 ms timeout) */
	for (size_t k = 0; k < 3; k++) {
		prober_init(&pr, &def, 1, 0);
		t = answer_until_up(&pr, 0, jit[k]);
		d = die_after_answer(&pr, t, jit[k]);
		assert_true(d <= 1500 * MS);
		assert_true(d >= 1300 * MS);
	}
	/* 100 ms x 3 (the timeout is the whole interval there): within
	 * 3 intervals + 2 x 10 % jitter of the second loss */
	p.interval_ms = 100;
	for (size_t k = 0; k < 3; k++) {
		prober_init(&pr, &p, 1, 0);
		t = answer_until_up(&pr, 0, jit[k]);
		d = die_after_answer(&pr, t, jit[k]);
		assert_true(d <= 420 * MS);
	}
	/* dead-count 1: nothing to hasten (the first loss is the verdict) */
	p = def;
	p.dead_count = 1;
	prober_init(&pr, &p, 1, 0);
	t = answer_until_up(&pr, 0, 100);
	d = die_after_answer(&pr, t, 100);
	assert_true(d == 650 * MS);
}

/* A center comes back after an outage: a router held requests while the
 * link was down and delivers them with it, the replies come back late
 * with RTTs of 0.2-2 s. They are no RTT samples: the loss timeout stays
 * at its floor and the next link-down is detected within the bound. */
static void test_recovery_late_replies(void **state)
{
	struct prober pr;
	struct prober_probe held[6], pb;
	struct probe_packet r;
	uint64_t t, back, d;
	unsigned ev;
	uint32_t srtt, rttvar;

	(void)state;
	prober_init(&pr, &def, 1, 0);
	t = answer_until_up(&pr, 0, 100);
	srtt = pr.srtt_us;
	rttvar = pr.rttvar_us;
	assert_true(prober_loss_timeout_us(&pr) == 100 * MS);
	/* the link goes down: six requests unanswered, down */
	for (int i = 0; i < 6; i++) {
		t = prober_next_event(&pr);
		while (!(prober_tick(&pr, t, 100, &held[i]) & PROBER_SEND))
			t = prober_next_event(&pr);
	}
	assert_int_equal(pr.state, MEP_LIVE_DOWN);
	/* back 200 ms after the last one left: all six answered at once */
	back = t + 200 * MS;
	prober_tick(&pr, back, 0, &pb);	/* the last one is lost too */
	for (int i = 0; i < 6; i++) {
		r = reply_for(&held[i]);
		assert_int_equal(prober_reply(&pr, &r, back, &ev),
				 PROBE_CAUSE_LATE);
		assert_int_equal(ev, 0);
	}
	/* no sample: SRTT and RTTVAR as before */
	assert_true(pr.srtt_us == srtt && pr.rttvar_us == rttvar);
	/* the 200 ms one raises the timeout of the next request only */
	assert_true(prober_loss_timeout_us(&pr) == 400 * MS);
	t = answer_until_up(&pr, back, 100);
	assert_true(pr.late_floor_us == 0);
	assert_true(prober_loss_timeout_us(&pr) == 100 * MS);
	/* the next link-down, right after the recovery, with +10 % jitter */
	d = die_after_answer(&pr, t, 100);
	assert_true(d <= 1500 * MS);
}

/* The loop stalls (or the clock jumps) between requests: a stall is not
 * silence; a down still takes dead-count requests really lost, and
 * replies read after the stall (the adapter reads the socket before the
 * timers) are answers. */
static void test_stall_no_false_down(void **state)
{
	struct prober pr;
	struct prober_probe pb;
	struct probe_packet r;
	uint64_t t;
	unsigned ev;

	(void)state;
	t = prober_up(&pr);
	/* a request out, its reply queued, the loop stalls 10 s */
	tick(&pr, t += 500 * MS, &pb);
	r = reply_for(&pb);
	assert_int_equal(prober_reply(&pr, &r, t + 10 * SEC, &ev),
			 PROBE_CAUSE_COUNT);
	t += 10 * SEC;
	/* its RTT sample is at most the request's timeout, not the stall */
	assert_true(pr.last_rtt_us == 100 * MS);
	assert_true(tick(&pr, t, &pb) & PROBER_SEND);
	assert_true(pr.count.lost == 0 && pr.state == MEP_LIVE_UP);
	/* two requests lost after another stall of 10 s: far more than
	 * 1.5 s since the last answered one, yet not down; the third goes
	 * out at once (hastened) and is answered */
	r = reply_for(&pb);
	prober_reply(&pr, &r, t + MS, &ev);
	t += 10 * SEC;
	tick(&pr, t, &pb);
	tick(&pr, t += 500 * MS, &pb);		/* loss 1 */
	assert_true(pr.miss_run == 1);
	t = prober_next_event(&pr);
	assert_true(t < pr.next_send_us);
	ev = tick(&pr, t, &pb);			/* loss 2: the third out */
	assert_true(ev & PROBER_SEND);
	assert_true(pr.miss_run == 2 && pr.state == MEP_LIVE_UP);
	r = reply_for(&pb);
	assert_int_equal(prober_reply(&pr, &r, t + MS, &ev),
			 PROBE_CAUSE_COUNT);
	assert_true(pr.miss_run == 0 && pr.state == MEP_LIVE_UP);
	/* the hastened request is sent once: the schedule goes on from it */
	assert_true(pr.next_send_us == t + 500 * MS);
}

/* A path whose RTT jumps from 1 ms to 450 ms (9/10 of the interval):
 * the first request is lost, its late reply raises the next request's
 * timeout (no RTT sample), whose answer is sampled: never down. */
static void test_path_slows_to_interval(void **state)
{
	struct prober pr;
	struct prober_probe pb;
	struct probe_packet r;
	uint64_t t, at;
	unsigned ev;

	(void)state;
	t = prober_up(&pr);
	for (int i = 0; i < 40; i++) {
		t = prober_next_event(&pr);
		if (!(prober_tick(&pr, t, 0, &pb) & PROBER_SEND))
			continue;
		/* a tick at the loss deadline, if any, comes before the reply */
		at = t + 450 * MS;
		if (prober_next_event(&pr) < at)
			prober_tick(&pr, prober_next_event(&pr), 0, NULL);
		r = reply_for(&pb);
		prober_reply(&pr, &r, at, &ev);
		assert_int_equal(pr.state, MEP_LIVE_UP);
	}
	assert_true(pr.count.lost == 1);
	assert_true(pr.count.rejected.n[PROBE_CAUSE_LATE] == 1);
	assert_true(pr.srtt_us > 300 * MS);
}

static void test_clock_jumps(void **state)
{
	struct prober pr;
	struct prober_probe pb;
	uint64_t t = 0;
	unsigned ev;

	(void)state;
	t = prober_up(&pr);
	/* the loop stalls for 60 s with one request out: one loss, not 120 */
	tick(&pr, t += 500 * MS, &pb);
	ev = tick(&pr, t += 60 * SEC, &pb);
	assert_true(ev & PROBER_SEND);
	assert_true(pr.count.lost == 1);
	assert_int_equal(pr.state, MEP_LIVE_UP);
	/* no catch-up burst: the next one is an interval later */
	assert_int_equal(tick(&pr, t + 1, &pb) & PROBER_SEND, 0);
	/* the clock goes back: taken as the latest seen */
	struct probe_packet r = reply_for(&pb);

	assert_int_equal(prober_reply(&pr, &r, t - 10 * SEC, &ev),
			 PROBE_CAUSE_COUNT);
	assert_true(pr.last_rtt_us == 1);	/* never negative */
	assert_int_equal(tick(&pr, t - 20 * SEC, &pb), 0);
	assert_int_equal(pr.state, MEP_LIVE_UP);
}

static void test_params_change_no_false_down(void **state)
{
	struct prober pr;
	struct prober_probe pb, a, b;
	struct prober_params p = def;
	struct probe_packet r;
	uint64_t t = 0;
	unsigned ev;

	(void)state;
	t = prober_up(&pr);
	/* two losses so far, then the interval goes 500 -> 5000 ms */
	tick(&pr, t += 500 * MS, &pb);
	tick(&pr, t += 500 * MS, &a);
	assert_true(pr.miss_run == 1);
	p.interval_ms = 5000;
	prober_set_params(&pr, &p, t + 100 * MS, 0);
	/* the next request is still due at the old time */
	assert_true(pr.next_send_us == t + 500 * MS);
	assert_true(pr.miss_run == 1 && pr.state == MEP_LIVE_UP);
	/* the reply to the one in flight arrives late in the old terms but
	 * before its deadline: accepted */
	r = reply_for(&a);
	assert_int_equal(prober_reply(&pr, &r, t + 400 * MS, &ev),
			 PROBE_CAUSE_COUNT);
	assert_true(pr.miss_run == 0);
	tick(&pr, t += 500 * MS, &b);
	assert_true(pr.next_send_us == t + 5000 * MS);
	/* interval shortened 5000 -> 100 ms: due within 100 ms of the change */
	p.interval_ms = 100;
	prober_set_params(&pr, &p, t + 10 * MS, 0);
	assert_true(pr.next_send_us == t + 110 * MS);
	/* the request sent under the 5 s interval keeps its 5 s deadline */
	assert_true(prober_next_event(&pr) == t + 110 * MS);
	r = reply_for(&b);
	assert_int_equal(prober_reply(&pr, &r, t + 3 * SEC, &ev),
			 PROBE_CAUSE_COUNT);
	/* dead-count lowered to 1 while one loss is counted: not down on the
	 * change, down at the next loss */
	t = prober_up(&pr);
	tick(&pr, t += 500 * MS, &pb);
	tick(&pr, t += 500 * MS, &pb);	/* loss 1 */
	p = def;
	p.dead_count = 1;
	prober_set_params(&pr, &p, t, 0);
	assert_int_equal(pr.state, MEP_LIVE_UP);
	tick(&pr, t += 500 * MS, &pb);	/* loss 2 */
	assert_int_equal(pr.state, MEP_LIVE_DOWN);
}

/* ---- responder */

/* S1, S2 satellites of STAR (centers M1, M2, mep enable); X in none;
 * T a third-party center. */
static void star(struct mep_config *cfg, const char *local)
{
	int c;

	mep_config_init(cfg);
	fixture_add_gateway(cfg, "M1", "192.0.2.1", "10.1.0.0/16");
	fixture_add_gateway(cfg, "M2", "192.0.2.2", "10.2.0.0/16");
	fixture_add_gateway(cfg, "S1", "198.51.100.1", "10.11.0.0/16");
	fixture_add_gateway(cfg, "S2", "198.51.100.2", "10.12.0.0/16");
	fixture_add_gateway(cfg, "X", "203.0.113.9", "10.99.0.0/16");
	fixture_add_gateway(cfg, "T", "192.0.2.3", "10.3.0.0/16");
	cfg->gateways[5].third_party = true;
	c = fixture_add_community(cfg, "STAR", MEP_COMMUNITY_STAR);
	fixture_list_push(&cfg->communities[c].centers, 0);
	fixture_list_push(&cfg->communities[c].centers, 1);
	fixture_list_push(&cfg->communities[c].centers, 5);
	fixture_list_push(&cfg->communities[c].satellites, 2);
	fixture_list_push(&cfg->communities[c].satellites, 3);
	cfg->communities[c].mep_enabled = true;
	cfg->local_gateway = mep_config_gateway_index(cfg, local);
}

static struct mep_addr addr4(uint8_t last)
{
	struct mep_addr a;

	memset(&a, 0, sizeof(a));
	a.family = 2;
	a.addr[0] = 198;
	a.addr[1] = 51;
	a.addr[2] = 100;
	a.addr[3] = last;
	return a;
}

static size_t request(uint8_t *buf, const char *from, const char *to,
		      uint64_t seq, uint64_t ts, const char *key)
{
	struct probe_packet p = { .type = PROBE_TYPE_REQUEST, .seq = seq,
				  .timestamp_us = ts };
	struct probe_key k;

	snprintf(p.sender, sizeof(p.sender), "%s", from);
	snprintf(p.target, sizeof(p.target), "%s", to);
	assert_int_equal(probe_key_init(&k, key), 0);
	assert_int_equal(probe_encode(&p, &k, buf, PROBE_PACKET_LEN),
			 PROBE_PACKET_LEN);
	return PROBE_PACKET_LEN;
}

struct center {
	struct mep_config cfg;
	struct responder r;
};

static void center_up(struct center *c, const char *local)
{
	struct mep_addr s1 = addr4(1), s2 = addr4(2);

	star(&c->cfg, local);
	assert_int_equal(responder_init(&c->r, 0), 0);
	assert_int_equal(responder_configure(&c->r, &c->cfg), 0);
	assert_int_equal(responder_set_key(&c->r, KEY, 0), 0);
	assert_int_equal(responder_set_address(&c->r, "S1", &s1), 0);
	assert_int_equal(responder_set_address(&c->r, "S2", &s2), 0);
}

static void center_down(struct center *c)
{
	responder_free(&c->r);
	mep_config_free(&c->cfg);
}

static int handle(struct center *c, const uint8_t *buf, size_t len,
		  uint64_t t, struct probe_packet *rep, enum probe_cause *cause)
{
	struct mep_addr src = addr4(1);
	struct probe_keyring kr;
	uint8_t out[PROBE_PACKET_LEN];
	size_t n = 0;
	int rc;

	rc = responder_handle(&c->r, &src, buf, len, t, out, sizeof(out), &n,
			      cause);
	if (rc == 1) {
		assert_true(n <= len);
		probe_keyring_init(&kr);
		probe_keyring_set(&kr, KEY, 0);
		assert_int_equal(probe_decode(out, n, &kr, t, rep), PROBE_OK);
	}
	return rc;
}

static void test_responder_answers(void **state)
{
	struct center c;
	struct probe_packet rep;
	enum probe_cause cause;
	uint8_t buf[PROBE_PACKET_LEN];
	const struct responder_peer *p;

	(void)state;
	center_up(&c, "M1");
	assert_int_equal(c.r.n_peer, 2);
	assert_null(responder_peer(&c.r, "X"));
	p = responder_peer(&c.r, "S1");
	assert_non_null(p);
	assert_false(p->heard);
	request(buf, "S1", "M1", 77, 123456, KEY);
	assert_int_equal(handle(&c, buf, sizeof(buf), 5 * SEC, &rep, &cause),
			 1);
	assert_int_equal(rep.type, PROBE_TYPE_REPLY);
	assert_int_equal(rep.flags, 0);
	assert_true(rep.seq == 77 && rep.timestamp_us == 123456);
	assert_string_equal(rep.sender, "M1");
	assert_string_equal(rep.target, "S1");
	assert_true(p->heard && p->last_heard_us == 5 * SEC);
	/* drain */
	responder_set_drain(&c.r, true);
	request(buf, "S1", "M1", 78, 123457, KEY);
	assert_int_equal(handle(&c, buf, sizeof(buf), 6 * SEC, &rep, &cause),
			 1);
	assert_int_equal(rep.flags, PROBE_FLAG_DRAIN);
	assert_true(c.r.count.answered == 2);
	center_down(&c);
}

static void test_responder_drops(void **state)
{
	struct center c;
	struct probe_packet rep;
	enum probe_cause cause;
	uint8_t buf[PROBE_PACKET_LEN + 1];
	const struct responder_peer *p;
	struct probe_packet pk = { .type = PROBE_TYPE_REPLY, .seq = 5,
				   .sender = "S1", .target = "M1" };
	struct probe_key k;

	(void)state;
	center_up(&c, "M1");
	p = responder_peer(&c.r, "S1");
#define DROP(why)                                                          \
	do {                                                               \
		assert_int_equal(handle(&c, buf, len, SEC, &rep, &cause), 0); \
		assert_int_equal(cause, why);                              \
		assert_false(p->heard);                                    \
	} while (0)
	size_t len = request(buf, "X", "M1", 1, 1, KEY);

	DROP(PROBE_CAUSE_UNKNOWN_SENDER);	/* not a satellite of ours */
	len = request(buf, "M2", "M1", 1, 1, KEY);
	DROP(PROBE_CAUSE_UNKNOWN_SENDER);	/* a center, not a satellite */
	len = request(buf, "S1", "M2", 1, 1, KEY);
	DROP(PROBE_CAUSE_UNKNOWN_SENDER);	/* addressed to M2 */
	len = request(buf, "S1", "M1", 1, 1, "a-wrong-probe-key");
	DROP(PROBE_CAUSE_HMAC);
	len = request(buf, "S1", "M1", 1, 1, KEY);
	buf[100] ^= 1;
	DROP(PROBE_CAUSE_HMAC);
	len = request(buf, "S1", "M1", 1, 1, KEY) - 1;
	DROP(PROBE_CAUSE_TRUNCATED);
	len = PROBE_PACKET_LEN + 1;
	DROP(PROBE_CAUSE_OVERSIZED);
	len = request(buf, "S1", "M1", 1, 1, KEY);
	buf[PROBE_OFF_VERSION] = 9;
	DROP(PROBE_CAUSE_VERSION);
	/* a reply sent to a responder */
	assert_int_equal(probe_key_init(&k, KEY), 0);
	assert_int_equal(probe_encode(&pk, &k, buf, PROBE_PACKET_LEN),
			 PROBE_PACKET_LEN);
	len = PROBE_PACKET_LEN;
	DROP(PROBE_CAUSE_UNKNOWN_SENDER);
#undef DROP
	/* replays: the same packet twice, then one below the window */
	len = request(buf, "S1", "M1", 1000, 1, KEY);
	assert_int_equal(handle(&c, buf, len, SEC, &rep, &cause), 1);
	assert_int_equal(handle(&c, buf, len, 2 * SEC, &rep, &cause), 0);
	assert_int_equal(cause, PROBE_CAUSE_REPLAY);
	assert_true(p->last_heard_us == SEC);	/* the replay changed nothing */
	len = request(buf, "S1", "M1", 1000 - REPLAY_WINDOW_SIZE, 1, KEY);
	assert_int_equal(handle(&c, buf, len, 2 * SEC, &rep, &cause), 0);
	assert_int_equal(cause, PROBE_CAUSE_REPLAY);
	/* reordered inside the window: fine */
	len = request(buf, "S1", "M1", 990, 1, KEY);
	assert_int_equal(handle(&c, buf, len, 2 * SEC, &rep, &cause), 1);
	assert_true(c.r.count.rejected.n[PROBE_CAUSE_REPLAY] == 2);
	assert_true(c.r.count.rejected.n[PROBE_CAUSE_UNKNOWN_SENDER] == 4);
	assert_true(c.r.count.rejected.n[PROBE_CAUSE_HMAC] == 2);
	assert_true(c.r.count.answered == 2);
	/* every datagram came from S1's address: its rejects are S1's,
	 * whatever the sender name says; S2 has none */
	for (int q = 0; q < PROBE_CAUSE_COUNT; q++) {
		assert_true(p->rejected.n[q] == c.r.count.rejected.n[q]);
		assert_true(responder_peer(&c.r, "S2")->rejected.n[q] == 0);
	}
	/* key removed: the last one verifies for the grace, then nothing */
	responder_set_key(&c.r, "", 3 * SEC);
	len = request(buf, "S1", "M1", 2000, 1, KEY);
	assert_int_equal(handle(&c, buf, len, 3 * SEC + PROBE_KEY_GRACE_US,
				&rep, &cause),
			 0);
	assert_int_equal(cause, PROBE_CAUSE_HMAC);
	center_down(&c);
}

static void test_responder_rate_limit(void **state)
{
	struct center c;
	struct probe_packet rep;
	enum probe_cause cause;
	uint8_t buf[PROBE_PACKET_LEN], out[PROBE_PACKET_LEN];
	struct mep_addr rogue;
	size_t n;
	int ok = 0;

	(void)state;
	center_up(&c, "M1");
	/* a forged flood from many unknown addresses in one second */
	memset(buf, 0xee, sizeof(buf));
	for (uint32_t i = 0; i < 50000; i++) {
		memset(&rogue, 0, sizeof(rogue));
		rogue.family = 2;
		rogue.addr[0] = 10;
		rogue.addr[1] = (uint8_t)(i >> 16);
		rogue.addr[2] = (uint8_t)(i >> 8);
		rogue.addr[3] = (uint8_t)i;
		responder_handle(&c.r, &rogue, buf, sizeof(buf), i * 20ULL, out,
				 sizeof(out), &n, &cause);
		/* S1 probes every 100 ms (known address): always answered */
		if (i % 5000 == 0) {
			request(buf, "S1", "M1", 100 + i, i, KEY);
			ok += handle(&c, buf, sizeof(buf), i * 20ULL, &rep,
				     &cause);
			memset(buf, 0xee, sizeof(buf));
		}
	}
	assert_int_equal(ok, 10);
	assert_true(c.r.count.rejected.n[PROBE_CAUSE_RATE_LIMIT] >
		    50000 - RATELIMIT_UNKNOWN_BURST - RATELIMIT_UNKNOWN_RATE);
	/* what passed the limiter failed the magic check */
	assert_true(c.r.count.rejected.n[PROBE_CAUSE_VERSION] <=
		    RATELIMIT_UNKNOWN_BURST + RATELIMIT_UNKNOWN_RATE);
	/* the flood came from no satellite's address: nothing is S1's */
	for (int k = 0; k < PROBE_CAUSE_COUNT; k++)
		assert_true(responder_peer(&c.r, "S1")->rejected.n[k] == 0);
	center_down(&c);
}

static void count_change(void *arg, const struct responder_peer *peer)
{
	int *n = arg;

	(void)peer;
	(*n)++;
}

/* Silence: never heard is never silent (a satellite without ripd-mep, or
 * a center just started); heard, then no valid probe for the dead time:
 * silent at the first tick after it; a valid probe ends it at once
 * (r.woken), a rejected one does not; dead time 0: nobody silent. */
static void test_responder_silence(void **state)
{
	const uint64_t dead = 3 * SEC;
	struct center c;
	struct probe_packet rep;
	enum probe_cause cause;
	uint8_t buf[PROBE_PACKET_LEN];
	const struct responder_peer *s1, *s2;
	size_t len;
	int changes = 0;

	(void)state;
	assert_false(responder_silent(false, 0, 100 * SEC, dead));
	assert_false(responder_silent(true, SEC, SEC + dead - 1, dead));
	assert_true(responder_silent(true, SEC, SEC + dead, dead));
	assert_false(responder_silent(true, SEC, 100 * SEC, 0));
	assert_false(responder_silent(true, 5 * SEC, SEC, dead)); /* clock */
	center_up(&c, "M1");
	s1 = responder_peer(&c.r, "S1");
	s2 = responder_peer(&c.r, "S2");
	/* a restart: nobody heard yet, nobody silent however long */
	assert_int_equal(responder_silence_tick(&c.r, 60 * SEC, dead,
						count_change, &changes),
			 0);
	len = request(buf, "S1", "M1", 1, 1, KEY);
	assert_int_equal(handle(&c, buf, len, 61 * SEC, &rep, &cause), 1);
	assert_null(c.r.woken);	/* was not silent */
	assert_int_equal(responder_silence_tick(&c.r, 63 * SEC, dead,
						count_change, &changes),
			 0);
	assert_false(s1->silent);
	/* dead time reached: S1 silent, S2 (never heard) not */
	assert_int_equal(responder_silence_tick(&c.r, 64 * SEC, dead,
						count_change, &changes),
			 1);
	assert_int_equal(changes, 1);
	assert_true(s1->silent);
	assert_false(s2->silent);
	/* a later tick changes nothing */
	assert_int_equal(responder_silence_tick(&c.r, 65 * SEC, dead, NULL,
						NULL),
			 0);
	/* a replayed (rejected) probe does not end the silence */
	assert_int_equal(handle(&c, buf, len, 65 * SEC, &rep, &cause), 0);
	assert_null(c.r.woken);
	assert_true(s1->silent);
	/* a valid one does, at once */
	len = request(buf, "S1", "M1", 2, 2, KEY);
	assert_int_equal(handle(&c, buf, len, 66 * SEC, &rep, &cause), 1);
	assert_ptr_equal(c.r.woken, s1);
	assert_false(s1->silent);
	/* the silence carries over a reconfiguration by name */
	assert_int_equal(responder_silence_tick(&c.r, 70 * SEC, dead, NULL,
						NULL),
			 1);
	assert_int_equal(responder_configure(&c.r, &c.cfg), 0);
	assert_null(c.r.woken);
	assert_true(responder_peer(&c.r, "S1")->silent);
	/* dead time 0 (probing off): nobody silent */
	assert_int_equal(responder_silence_tick(&c.r, 70 * SEC, 0, NULL, NULL),
			 1);
	assert_false(responder_peer(&c.r, "S1")->silent);
	center_down(&c);
}

static void test_responder_reconfigure(void **state)
{
	struct center c;
	struct probe_packet rep;
	enum probe_cause cause;
	uint8_t buf[PROBE_PACKET_LEN];

	(void)state;
	center_up(&c, "M1");
	request(buf, "S1", "M1", 500, 1, KEY);
	assert_int_equal(handle(&c, buf, sizeof(buf), SEC, &rep, &cause), 1);
	/* same configuration again: window and last-heard carried over */
	assert_int_equal(responder_configure(&c.r, &c.cfg), 0);
	assert_true(responder_peer(&c.r, "S1")->last_heard_us == SEC);
	assert_int_equal(handle(&c, buf, sizeof(buf), 2 * SEC, &rep, &cause),
			 0);
	assert_int_equal(cause, PROBE_CAUSE_REPLAY);
	/* key change: a request signed with the old key in flight is still
	 * answered, with the old key */
	assert_int_equal(responder_set_key(&c.r, "the-new-probe-key", 2 * SEC),
			 0);
	request(buf, "S1", "M1", 501, 1, KEY);
	assert_int_equal(handle(&c, buf, sizeof(buf), 3 * SEC, &rep, &cause),
			 1);
	/* a configuration with no local gateway answers nothing */
	c.cfg.local_gateway = -1;
	assert_int_equal(responder_configure(&c.r, &c.cfg), 0);
	assert_int_equal(c.r.n_peer, 0);
	request(buf, "S1", "M1", 502, 1, KEY);
	assert_int_equal(handle(&c, buf, sizeof(buf), 3 * SEC, &rep, &cause),
			 0);
	assert_int_equal(responder_set_address(&c.r, "S1", NULL), -1);
	center_down(&c);
}

/* Satellite and center through the codec: request, reply, verdict. */
static void test_end_to_end(void **state)
{
	struct center c;
	struct prober pr;
	struct prober_probe pb;
	struct probe_keyring kr;
	struct probe_packet req, rep;
	struct mep_addr src = addr4(1);
	uint8_t buf[PROBE_PACKET_LEN], out[PROBE_PACKET_LEN];
	enum probe_cause cause;
	uint64_t t = 7 * SEC;
	unsigned ev;
	size_t n;

	(void)state;
	center_up(&c, "M1");
	probe_keyring_init(&kr);
	probe_keyring_set(&kr, KEY, 0);
	prober_init(&pr, &def, 1733490000000000ULL, t);
	for (int i = 0; i < 2; i++, t += 500 * MS) {
		assert_true(prober_tick(&pr, t, 0, &pb) & PROBER_SEND);
		req = (struct probe_packet){ .type = PROBE_TYPE_REQUEST,
					     .seq = pb.seq,
					     .timestamp_us = pb.timestamp_us,
					     .sender = "S1",
					     .target = "M1" };
		assert_int_equal(probe_encode(&req, &kr.cur, buf, sizeof(buf)),
				 PROBE_PACKET_LEN);
		assert_int_equal(responder_handle(&c.r, &src, buf, sizeof(buf),
						  t + 400, out, sizeof(out), &n,
						  &cause),
				 1);
		assert_int_equal(probe_decode(out, n, &kr, t + 800, &rep),
				 PROBE_OK);
		assert_int_equal(prober_reply(&pr, &rep, t + 800, &ev),
				 PROBE_CAUSE_COUNT);
		/* the same reply replayed */
		assert_int_equal(prober_reply(&pr, &rep, t + 900, &ev),
				 PROBE_CAUSE_REPLAY);
	}
	assert_int_equal(pr.state, MEP_LIVE_UP);
	assert_true(pr.srtt_us == 800);
	center_down(&c);
}

/* prober_probers_of(), the one-pass form the responder uses, answers as
 * prober_relation() for every pair. */
static void probers_of_matches_relation(const struct mep_config *cfg)
{
	bool probers[16];

	assert_true(cfg->n_gateways <= 16);
	for (size_t to = 0; to < cfg->n_gateways; to++) {
		prober_probers_of(cfg, (int)to, probers);
		for (size_t from = 0; from < cfg->n_gateways; from++)
			assert_int_equal(probers[from],
					 prober_relation(cfg, (int)from,
							 (int)to));
	}
}

static void test_relation(void **state)
{
	struct mep_config cfg;
	int out[8];

	(void)state;
	star(&cfg, "S1");
	/* S1 probes M1 and M2, not the third-party T, not S2, not X */
	assert_int_equal(prober_targets(&cfg, 2, out, 8), 2);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 1);
	assert_true(prober_relation(&cfg, 3, 1));
	assert_false(prober_relation(&cfg, 0, 2));	/* center -> sat */
	assert_false(prober_relation(&cfg, 2, 5));	/* third party */
	assert_false(prober_relation(&cfg, 4, 0));	/* not a member */
	assert_false(prober_relation(&cfg, 2, 2));
	assert_false(prober_relation(&cfg, -1, 0));
	assert_false(prober_relation(NULL, 2, 0));
	probers_of_matches_relation(&cfg);
	/* without MEP (one center, no overlap): nobody probes */
	cfg.communities[0].mep_enabled = false;
	assert_int_equal(prober_targets(&cfg, 2, out, 8), 0);
	probers_of_matches_relation(&cfg);
	mep_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_up_after_up_count),
		cmocka_unit_test(test_down_after_dead_count),
		cmocka_unit_test(test_loss_resets_runs),
		cmocka_unit_test(test_jitter_schedule),
		cmocka_unit_test(test_rtt_smoothing),
		cmocka_unit_test(test_reply_never_sent_dup_late),
		cmocka_unit_test(test_path_slows),
		cmocka_unit_test(test_path_slows_to_interval),
		cmocka_unit_test(test_detection_bound),
		cmocka_unit_test(test_recovery_late_replies),
		cmocka_unit_test(test_stall_no_false_down),
		cmocka_unit_test(test_clock_jumps),
		cmocka_unit_test(test_params_change_no_false_down),
		cmocka_unit_test(test_responder_answers),
		cmocka_unit_test(test_responder_drops),
		cmocka_unit_test(test_responder_rate_limit),
		cmocka_unit_test(test_responder_reconfigure),
		cmocka_unit_test(test_responder_silence),
		cmocka_unit_test(test_end_to_end),
		cmocka_unit_test(test_relation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
