/* ratelimit: token buckets in front of the probe responder (and of the
 * prober's socket): one bucket per source address and one total bucket
 * per class of source, so that a flood costs bounded CPU and cannot
 * starve the configured peers. Pure: no I/O, no clock (the caller passes
 * its monotonic time in µs), no allocation (a fixed table).
 *
 * Classes: "known" sources are the addresses of configured peers (the
 * caller decides); all other sources are "unknown". Each class has its
 * own total bucket, so a flood from many unknown (e.g. spoofed random)
 * addresses empties only the unknown bucket: probes from the peers'
 * addresses still pass. A flood spoofing a peer's own address empties
 * that address's bucket: nothing on this side can tell those packets
 * apart before verifying them, which is exactly the work being bounded
 * (docs/PROBE-PROTOCOL, "Rate limits").
 *
 * Per-source buckets live in a fixed table of RATELIMIT_SOURCES entries,
 * RATELIMIT_WAYS-way set associative by a hash of the address. A new
 * address takes a free way of its set, else evicts the least recently
 * seen unknown-class entry of the set, else the least recently seen
 * entry. Memory is bounded whatever the traffic; an evicted source comes
 * back with a full bucket, which the class total still bounds. */
#ifndef RIPD_MEP_RATELIMIT_H
#define RIPD_MEP_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "prefix.h"

#define RATELIMIT_SOURCES 1024
#define RATELIMIT_WAYS 4

/* Defaults (packets per second, burst in packets); see the document. */
#define RATELIMIT_SOURCE_RATE 50
#define RATELIMIT_SOURCE_BURST 100
#define RATELIMIT_KNOWN_RATE 10000
#define RATELIMIT_KNOWN_BURST 10000
#define RATELIMIT_UNKNOWN_RATE 500
#define RATELIMIT_UNKNOWN_BURST 1000

struct ratelimit_params {
	uint32_t source_rate, source_burst;
	uint32_t known_rate, known_burst;
	uint32_t unknown_rate, unknown_burst;
};

/* A bucket: tokens in millionths of a packet. */
struct ratelimit_bucket {
	uint64_t tokens;
	uint64_t last_us;
};

struct ratelimit_source {
	bool used;
	bool known;
	struct mep_addr addr;
	struct ratelimit_bucket b;
	uint64_t seen_us;
};

enum ratelimit_verdict {
	RATELIMIT_PASS,
	RATELIMIT_DROP_SOURCE,	/* this address's bucket is empty */
	RATELIMIT_DROP_TOTAL,	/* the class's total bucket is empty */
};

struct ratelimit_counters {
	uint64_t passed;
	uint64_t dropped_source;
	uint64_t dropped_total;
	uint64_t evictions;
};

struct ratelimit {
	struct ratelimit_params p;
	struct ratelimit_bucket known, unknown;
	struct ratelimit_source src[RATELIMIT_SOURCES];
	struct ratelimit_counters count;
};

/* Defaults for p == NULL. Buckets start full at now_us. */
void ratelimit_init(struct ratelimit *rl, const struct ratelimit_params *p,
		    uint64_t now_us);
/* One packet from src at now_us: take a token from src's bucket and from
 * its class's total bucket, or drop it (no token is taken then). */
enum ratelimit_verdict ratelimit_admit(struct ratelimit *rl,
				       const struct mep_addr *src, bool known,
				       uint64_t now_us);
const char *ratelimit_verdict_name(enum ratelimit_verdict v);

#endif
