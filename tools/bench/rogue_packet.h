/* rogue_packet: the bad probe packets of probe_rogue (tools/bench), one
 * kind per rejection cause of docs/PROBE-PROTOCOL, and the capture filter
 * that picks probe requests out of IPv4 datagrams for replays. Pure: no
 * I/O, no clock; randomness from a caller-seeded generator, so a seed
 * gives the same packets (the unit test relies on it).
 *
 * Every packet is built with the project's codec (probe_encode) and then,
 * where the cause needs it, damaged in place; there is no second encoder.
 * Each kind is rejected by probe_decode() (or, for the two that pass the
 * codec, by the responder) with exactly one cause, rogue_expected():
 *
 *   garbage         random bytes of a packet's length     magic   (version)
 *   forged          right magic, version and key id,       HMAC    (HMAC)
 *                   random fields and tag
 *   wrong-key       a well-formed request signed with      key id  (HMAC)
 *                   another key
 *   truncated       a valid request cut short              truncated
 *   oversized       a valid request with bytes appended    oversized
 *   version         a valid request with another version   version
 *   unknown-sender  a valid request (the right key) from a OK; the responder:
 *                   gateway name the center does not know  unknown sender
 *   replay          captured requests re-sent (no          OK; the responder:
 *                   packet is built here)                  replay
 */
#ifndef MEP_TOOLS_ROGUE_PACKET_H
#define MEP_TOOLS_ROGUE_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe_codec.h"

enum rogue_cause {
	ROGUE_GARBAGE,
	ROGUE_FORGED,
	ROGUE_WRONG_KEY,
	ROGUE_TRUNCATED,
	ROGUE_OVERSIZED,
	ROGUE_VERSION,
	ROGUE_UNKNOWN_SENDER,
	ROGUE_REPLAY,
	ROGUE_CAUSE_COUNT
};

/* Largest datagram rogue_build writes (oversized). */
#define ROGUE_MAX_LEN 1400

struct rogue_params {
	const char *key;	/* the real probe key: key id, signatures */
	const char *other_key;	/* wrong-key: the key used instead */
	const char *sender;	/* name claimed as sender (a known satellite,
				 * or for unknown-sender an unknown one) */
	const char *target;	/* the center's name */
	size_t truncated_len;	/* truncated: 0..PROBE_PACKET_LEN - 1 */
	size_t oversized_len;	/* oversized: PROBE_PACKET_LEN + 1..MAX */
	uint8_t version;	/* version: anything but PROBE_VERSION */
	uint64_t seq;		/* sequence number of the next packet built */
	uint64_t rng;		/* generator state (any seed) */
};

/* Defaults for everything but key, sender and target (other_key
 * "not-the-probe-key", truncated 100 bytes, oversized 189, version 2,
 * seq 1, rng seed). */
void rogue_params_init(struct rogue_params *p, uint64_t seed);

/* The next number of p's generator (splitmix64; not for secrets). */
uint64_t rogue_random(struct rogue_params *p);

/* "forged", "wrong-key"...: the cause, or ROGUE_CAUSE_COUNT. */
enum rogue_cause rogue_cause_parse(const char *name);
const char *rogue_cause_name(enum rogue_cause c);

/* What probe_decode() says of a packet of cause c with the real key:
 * PROBE_OK for unknown-sender and replay (the responder rejects them). */
enum probe_error rogue_expected_decode(enum rogue_cause c);
/* The cause a center counts it as (`show mep probes`). */
enum probe_cause rogue_expected_cause(enum rogue_cause c);

/* Build the next packet of cause c into buf (cap >= ROGUE_MAX_LEN);
 * advances p->seq and p->rng. Returns its length, or -1 (replay: none
 * built; a key or name the codec refuses; cap too small). */
int rogue_build(enum rogue_cause c, struct rogue_params *p, uint8_t *buf,
		size_t cap);

/* The UDP payload of an IPv4 datagram (header first, as a packet socket
 * of SOCK_DGRAM type gives it) when it is UDP to daddr (host order; 0:
 * any) port dport and looks like a probe request (its length, magic,
 * version and type; the tag is not checked: the rogue has no say in it).
 * Sets *payload, *len and the source address and port (host order);
 * false otherwise. */
bool rogue_capture_match(const uint8_t *ip, size_t ip_len, uint32_t daddr,
			 uint16_t dport, const uint8_t **payload, size_t *len,
			 uint32_t *src_addr, uint16_t *src_port);

/* An IPv4/UDP datagram around payload (for a raw socket with a forged
 * source, IP_HDRINCL): 20-byte header without options, DF, TTL 64, IP
 * checksum and id 0 (the kernel fills them in), UDP checksum 0 (none,
 * allowed over IPv4); addresses and ports in host order. Returns its
 * length, or -1 (cap too small, datagram over 65535 bytes). */
int rogue_ipv4_udp(uint8_t *out, size_t cap, uint32_t src, uint32_t dst,
		   uint16_t sport, uint16_t dport, const uint8_t *payload,
		   size_t len);

#endif
