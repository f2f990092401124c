/* responder: the center side of the probe protocol. Given a datagram, its
 * source address and the time, it decides whether to answer and with
 * which bytes, and keeps per known satellite the replay window and when
 * a valid probe was last heard. Pure: no I/O, no clock reads (the caller
 * passes its monotonic time in µs), no randomness.
 *
 * Order of checks (nothing is stored before the packet passes them all):
 *   1. rate limit (ratelimit.h): the source's bucket and its class's
 *      total; the class is "known" when the source address is one of the
 *      known satellites' addresses (responder_set_address);
 *   2. probe_decode(): length, magic, version, key id, HMAC, type, names;
 *   3. type request; target == the local gateway; sender is a known
 *      satellite (prober_relation(cfg, sender, local));
 *   4. the sender's replay window.
 * Then the window records the sequence number, last_heard_us is set, and
 * the reply is built: same length as the request (never more bytes than
 * received), the request's sequence number and timestamp echoed, the
 * DRAIN flag when draining, signed with the key that verified the
 * request (a key change answers in-flight requests).
 *
 * The I/O adapter: responder_configure() on every configuration (state is
 * carried over by satellite name), responder_set_address() with each
 * satellite's resolved address (a DNS name is resolved by the adapter),
 * responder_set_key() with the probe key, responder_handle() per
 * datagram (send the reply to the datagram's source when it returns 1),
 * responder_set_drain() from `mep drain`. `show mep probes` reads the
 * counters and the peers.
 *
 * Rejects are counted in total and, when the datagram's source address
 * is the resolved address of a known satellite, also for that satellite
 * (whatever the cause: rate limit, HMAC, replay, ...; the address alone
 * decides, a forged source is counted for the satellite it imitates).
 *
 * Silence (centers follow their satellites' probes, SPEC "Satellite
 * steering"): a satellite is silent when it was heard since start and no
 * valid probe came for the dead time (interval * dead-count) or longer:
 * responder_silent(). A satellite never heard in this run (no ripd-mep
 * there, or the center has just started) is not silent: its routes
 * follow its tunnel only. The adapter calls responder_silence_tick()
 * about once per interval, which updates each peer's silent flag and
 * reports the changes; a valid probe from a silent satellite clears its
 * flag at once in responder_handle() (r->woken names it). */
#ifndef RIPD_MEP_RESPONDER_H
#define RIPD_MEP_RESPONDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "prefix.h"
#include "probe_codec.h"
#include "ratelimit.h"
#include "replay_window.h"

struct responder_peer {
	char name[MEP_NAME_MAX];
	int gw;				/* index in the configuration */
	bool has_addr;
	struct mep_addr addr;		/* resolved address, for the class */
	struct replay_window window;
	bool heard;			/* a valid probe since start */
	uint64_t last_heard_us;
	uint64_t answered;
	bool silent;			/* the last silence verdict */
	struct probe_rejects rejected;	/* rejects from its address */
};

struct responder_counters {
	uint64_t received;		/* datagrams handed in */
	uint64_t answered;
	struct probe_rejects rejected;
};

struct responder {
	char local[MEP_NAME_MAX];	/* "" : not a gateway, answers none */
	struct responder_peer *peer;	/* known satellites */
	size_t n_peer;
	struct probe_keyring keys;
	struct ratelimit *rl;		/* owned */
	bool drain;
	struct responder_counters count;
	/* Set by responder_handle() when the request it accepted came from
	 * a silent satellite (now no longer silent); NULL otherwise. Valid
	 * until the next call on r. */
	const struct responder_peer *woken;
};

/* An empty responder (answers nothing). 0, or -1 (allocation). */
int responder_init(struct responder *r, uint64_t now_us);
void responder_free(struct responder *r);

/* Known satellites from cfg: every gateway that probes the local one
 * (prober_relation). Peers kept by name keep their window, address and
 * last-heard time. 0, or -1 (allocation; r unchanged). */
int responder_configure(struct responder *r, const struct mep_config *cfg);
/* Probe key (cfg->probe.key; "" removes it): see probe_keyring_set. */
int responder_set_key(struct responder *r, const char *key, uint64_t now_us);
/* The resolved address of a known satellite (NULL: unknown). -1 when
 * name is not a known satellite. */
int responder_set_address(struct responder *r, const char *name,
			  const struct mep_addr *addr);
void responder_set_drain(struct responder *r, bool drain);

/* The peer record of name, or NULL. */
const struct responder_peer *responder_peer(const struct responder *r,
					    const char *name);

/* Handle one datagram from src at now_us. Returns 1 with the reply in
 * out (*out_len bytes, never more than len) to send to src; 0 when it is
 * dropped (*cause set, counted); out_cap must be >= PROBE_PACKET_LEN. */
int responder_handle(struct responder *r, const struct mep_addr *src,
		     const uint8_t *buf, size_t len, uint64_t now_us,
		     uint8_t *out, size_t out_cap, size_t *out_len,
		     enum probe_cause *cause);

/* Silent at now_us: heard since start and not for dead_us or longer
 * (pure; dead_us 0: never silent). */
bool responder_silent(bool heard, uint64_t last_heard_us, uint64_t now_us,
		      uint64_t dead_us);

/* Update every peer's silent flag at now_us (responder_silent with
 * dead_us); fn(arg, peer) for each peer whose flag changed (fn may be
 * NULL). Returns the number of changes. */
size_t responder_silence_tick(struct responder *r, uint64_t now_us,
			      uint64_t dead_us,
			      void (*fn)(void *arg,
					 const struct responder_peer *peer),
			      void *arg);

#endif
