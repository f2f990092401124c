/* prober: the satellite side of the probe protocol for one (satellite ->
 * center) pair: when to send, which requests are outstanding, what a
 * reply means, the smoothed RTT, and the verdict (up after up-count
 * consecutive answers, down after dead-count consecutive losses). Pure:
 * no I/O, no clock reads, no randomness: the caller passes its monotonic
 * time in µs (CLOCK_MONOTONIC) and a jitter drawn uniformly from
 * [-PROBER_JITTER_MAX, PROBER_JITTER_MAX] per mille for each schedule.
 *
 * How the I/O adapter drives one prober:
 *   prober_init(pr, params, first_seq, now)   first_seq: see below
 *   timer at prober_next_event(pr):
 *     ev = prober_tick(pr, now, jitter, &probe);
 *     if (ev & PROBER_SEND) encode a request {seq, timestamp} and send it;
 *     if (ev & PROBER_CHANGED) liveness_set_probe(state, reported RTT...)
 *   reply datagram: probe_decode() it (keyring), check sender == this
 *     center and target == the local gateway (else the cause
 *     PROBE_CAUSE_UNKNOWN_SENDER), then prober_reply(); a return value
 *     other than PROBE_CAUSE_COUNT is a rejection (counted in pr);
 *     PROBER_CHANGED in *events as above. Read the socket dry before
 *     running due timers, so that a stalled loop does not turn queued
 *     replies into losses.
 *   configuration change: prober_set_params() (no false down).
 *
 * Rules (docs/PROBE-PROTOCOL, "Prober"):
 * - a request is lost when unanswered min(interval, max(SRTT + 4 RTTVAR,
 *   PROBER_LOSS_FLOOR_MS, late floor)) after it was sent (RFC 6298's RTO
 *   with a 100 ms floor, capped at the interval; the interval before the
 *   first RTT sample), so that a dead center is noticed soon after its
 *   last due answer, not an interval later; a loss is counted per request
 *   sent, never per elapsed interval, so a stalled loop or a clock jump
 *   costs at most the outstanding requests;
 * - down after dead-count consecutive losses, always requests really
 *   sent and lost; up after up-count consecutive answers;
 * - the next request goes out interval * (1 + jitter) after the last
 *   one, scheduled from the time it was actually sent (no catch-up burst),
 *   except the one that can make the verdict down: when dead-count - 1
 *   consecutive requests are lost (none in flight, an answer seen before),
 *   the next is due at the latest dead-count * interval - timeout after
 *   the sending of the newest answered request, and at the earliest right
 *   away; so the verdict comes within dead-count * interval of the last
 *   answered request's sending while the timeout is at most
 *   (dead-count * interval - (dead-count - 1) * interval * 1.1) / 2
 *   (defaults: 200 ms), and a stall never stands in for a loss;
 * - the clock never goes back here: an earlier `now` than one seen before
 *   is taken as the latest seen;
 * - a reply is accepted only for a pending request of ours with the same
 *   sequence number and echoed timestamp, once. Otherwise: sequence never
 *   used -> "never sent"; already answered or older than the outstanding
 *   ring -> "replay"; already counted lost -> "late": no verdict change
 *   and no RTT sample (Karn's rule in spirit: requests held while the
 *   path was down, e.g. in a router's ARP queue, are answered seconds
 *   later when it comes back, and would keep the timeout long after a
 *   recovery); instead, when its RTT is at most an interval, the late
 *   floor: the loss timeout is at least twice that RTT (at most the
 *   interval) until the next accepted answer, so that a path that became
 *   slower gets an answer sampled after one loss instead of being
 *   declared dead;
 * - RTT: RFC 6298 smoothing (SRTT += (R - SRTT) / 8, RTTVAR += (|SRTT - R|
 *   - RTTVAR) / 4, first sample: SRTT = R, RTTVAR = R / 2) of accepted
 *   answers, R at most the request's timeout (an answer read late by a
 *   stalled loop). The RTT handed to the liveness table (reported_rtt_us)
 *   follows SRTT only when it moves by more than PROBER_RTT_REPORT_PCT %
 *   (and 100 µs), so that entry points are not re-resolved on every probe;
 * - drain: the DRAIN flag of the latest accepted reply.
 *
 * first_seq: sequence numbers are 64-bit and never wrap; the adapter
 * starts each prober at the wall clock in µs at start-up
 * (CLOCK_REALTIME), so a restarted satellite continues above the numbers
 * it used before (it sends far fewer than 10^6 probes per second) and the
 * centers' replay windows accept it. */
#ifndef RIPD_MEP_PROBER_H
#define RIPD_MEP_PROBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "mep.h"
#include "probe_codec.h"

#define PROBER_OUTSTANDING 8	/* requests remembered (ring) */
#define PROBER_JITTER_MAX 100	/* per mille: +-10 % */
#define PROBER_RTT_REPORT_PCT 10
#define PROBER_LOSS_FLOOR_MS 100	/* least loss timeout */

struct prober_params {
	uint32_t interval_ms;
	uint32_t dead_count;
	uint32_t up_count;
};

enum prober_slot_state {
	PROBER_SLOT_FREE,
	PROBER_SLOT_PENDING,
	PROBER_SLOT_ANSWERED,
	PROBER_SLOT_LOST,
};

struct prober_slot {
	enum prober_slot_state state;
	uint64_t seq;
	uint64_t sent_us;
	uint64_t deadline_us;
};

struct prober_counters {
	uint64_t sent;
	uint64_t answered;
	uint64_t lost;
	struct probe_rejects rejected;	/* never sent, late, replay */
};

struct prober {
	struct prober_params p;
	enum mep_liveness_state state;	/* UNKNOWN until the first verdict */
	uint64_t next_seq;
	uint64_t next_send_us;
	uint64_t now_us;		/* latest time seen */
	struct prober_slot slot[PROBER_OUTSTANDING];	/* by seq % N */
	uint32_t ok_run;		/* consecutive answers */
	uint32_t miss_run;		/* consecutive losses */
	bool has_rtt;
	uint32_t srtt_us, rttvar_us, last_rtt_us;
	uint32_t late_floor_us;		/* least loss timeout; 0: none */
	bool has_heard;			/* some request was answered */
	uint64_t heard_sent_us;		/* sending of the newest answered */
	uint32_t reported_rtt_us;	/* for the liveness table */
	bool drain;
	uint64_t last_change_us;	/* of state or drain; 0: never */
	struct prober_counters count;
};

/* A request to send. */
struct prober_probe {
	uint64_t seq;
	uint64_t timestamp_us;
};

/* prober_tick() / prober_reply() events. */
#define PROBER_SEND 0x1		/* send *probe now */
#define PROBER_CHANGED 0x2	/* state, drain or reported RTT changed */

/* Clamp a caller's jitter into range. */
int prober_jitter_clamp(int jitter_permille);

/* Start probing: the first request is due at now_us. Params are clamped
 * into the configuration's ranges (interval >= 1 ms, counts >= 1). */
void prober_init(struct prober *pr, const struct prober_params *p,
		 uint64_t first_seq, uint64_t now_us);

/* Expire requests due by now_us (losses, maybe down) and, when a request
 * is due, allocate it into *probe (PROBER_SEND). Returns the events. */
unsigned prober_tick(struct prober *pr, uint64_t now_us, int jitter_permille,
		     struct prober_probe *probe);

/* The loss timeout the next request gets (µs). */
uint64_t prober_loss_timeout_us(const struct prober *pr);

/* When prober_tick() has something to do next (µs, monotonic). */
uint64_t prober_next_event(const struct prober *pr);

/* A verified reply from this prober's center (the caller checked sender
 * and target). Returns PROBE_CAUSE_COUNT when accepted, else the
 * rejection cause (counted). *events gets PROBER_CHANGED when the verdict,
 * drain flag or reported RTT changed. */
enum probe_cause prober_reply(struct prober *pr, const struct probe_packet *r,
			      uint64_t now_us, unsigned *events);

/* New interval / dead-count / up-count while probing: keeps the verdict,
 * the run counts and the outstanding requests (their deadlines stand);
 * the next request is due no later than the new interval from now. A
 * lowered dead-count takes effect at the next loss, never on the change
 * itself. A key change needs nothing here (probe_keyring: the previous
 * key stays valid for PROBE_KEY_GRACE_US). */
void prober_set_params(struct prober *pr, const struct prober_params *p,
		       uint64_t now_us, int jitter_permille);

/* The prober relation (who probes whom), the one rule for both sides:
 * gateway `from` probes gateway `to` when some community with MEP
 * (mep_community_kind() != NONE) has `to` as an entry (center or
 * meshed member) among from's peers, and `to` is not third-party (those
 * are judged by IKE). The responder of `to` answers exactly those. */
bool prober_relation(const struct mep_config *cfg, int from, int to);

/* The gateways local probes, in configuration order, into out (at most
 * max); returns how many there are (may exceed max). */
size_t prober_targets(const struct mep_config *cfg, int local, int *out,
		      size_t max);

/* probers[g] = prober_relation(cfg, g, local) for every gateway g (the
 * array has cfg->n_gateways entries), in one pass over the communities:
 * a center with thousands of satellites configures in linear time. */
void prober_probers_of(const struct mep_config *cfg, int local, bool *probers);

#endif
