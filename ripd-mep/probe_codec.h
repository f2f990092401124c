/* probe_codec: the probe packet of docs/PROBE-PROTOCOL (pure: no I/O, no
 * clock, no randomness; HMAC-SHA256 from OpenSSL's libcrypto).
 *
 * One fixed layout (PROBE_PACKET_LEN bytes) for requests and replies:
 *
 *   0  magic "MEPP"   4  version 1   5  type   6  flags   8  key id
 *   12 sequence (u64) 20 timestamp (u64, sender's monotonic clock, µs)
 *   28 sender name (64, NUL-padded)  92 target name (64, NUL-padded)
 *   156 HMAC-SHA256 over bytes 0..155 with the probe key (32)
 *
 * probe_encode() writes a packet and its tag; probe_decode() checks, in
 * this order, length (truncated / oversized), magic, version, key id
 * (against a keyring), the HMAC (CRYPTO_memcmp, constant time), and only
 * then the authenticated fields (type, names). No field but magic,
 * version and key id is looked at before the tag verifies, and nothing is
 * written to *out unless the whole packet is valid.
 *
 * The keyring holds the configured key and, for PROBE_KEY_GRACE_US after
 * a key change, the previous one, so that requests in flight and peers
 * not yet reconfigured cause no false down (see the document, "Keys"). */
#ifndef RIPD_MEP_PROBE_CODEC_H
#define RIPD_MEP_PROBE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_MAGIC 0x4d455050u	/* "MEPP" */
#define PROBE_VERSION 1
#define PROBE_DEFAULT_PORT 18259
#define PROBE_NAME_LEN 64	/* field size; names are 1..63 bytes */
#define PROBE_HMAC_LEN 32	/* full SHA-256 tag */
#define PROBE_KEY_MAX 128	/* the configuration's key limit */
#define PROBE_HMAC_OFF 156	/* the tag covers bytes [0, 156) */
#define PROBE_PACKET_LEN 188

/* Offsets of the fields (the document's table). */
#define PROBE_OFF_MAGIC 0
#define PROBE_OFF_VERSION 4
#define PROBE_OFF_TYPE 5
#define PROBE_OFF_FLAGS 6
#define PROBE_OFF_KEY_ID 8
#define PROBE_OFF_SEQ 12
#define PROBE_OFF_TIMESTAMP 20
#define PROBE_OFF_SENDER 28
#define PROBE_OFF_TARGET 92

enum probe_type {
	PROBE_TYPE_REQUEST = 1,
	PROBE_TYPE_REPLY = 2,
};

/* Flags (u16). Receivers ignore bits they do not know (they are covered
 * by the HMAC, so a later flag needs no new version). */
#define PROBE_FLAG_DRAIN 0x0001	/* reply: the sender is draining */

/* Previous key accepted this long after a key change (2 minutes: room to
 * reconfigure the centers, then the satellites; see the document). */
#define PROBE_KEY_GRACE_US (120ULL * 1000000ULL)

struct probe_key {
	bool set;
	uint32_t id;		/* HMAC-SHA256(key, "ripd-mep probe key id")[0..3] */
	uint8_t secret[PROBE_KEY_MAX];
	size_t len;
};

struct probe_keyring {
	struct probe_key cur;
	struct probe_key prev;
	uint64_t prev_until_us;	/* prev accepted while now < this */
};

/* A decoded (or to-be-encoded) packet. Names are NUL-terminated. */
struct probe_packet {
	enum probe_type type;
	uint16_t flags;
	uint32_t key_id;	/* decode: the key that verified; encode: ignored */
	uint64_t seq;		/* request: sender's; reply: the request's */
	uint64_t timestamp_us;	/* request: sender's clock; reply: echoed */
	char sender[PROBE_NAME_LEN];
	char target[PROBE_NAME_LEN];
};

/* Why a datagram is not a valid packet (decode order). */
enum probe_error {
	PROBE_OK = 0,
	PROBE_ERR_TRUNCATED,	/* shorter than PROBE_PACKET_LEN */
	PROBE_ERR_OVERSIZED,	/* longer than PROBE_PACKET_LEN */
	PROBE_ERR_MAGIC,	/* not "MEPP": not a probe at all */
	PROBE_ERR_VERSION,	/* a version this build does not speak */
	PROBE_ERR_KEY_ID,	/* no key with that id (wrong or old key) */
	PROBE_ERR_HMAC,		/* the tag does not verify */
	PROBE_ERR_TYPE,		/* authenticated, unknown type */
	PROBE_ERR_NAME,		/* authenticated, malformed name field */
};

const char *probe_error_name(enum probe_error e);

/* Why a received datagram was dropped, as counted and shown (`show mep
 * probes`: "rejected by cause"). Decode errors map onto them with
 * probe_cause_of(); the others are found by the responder, the prober and
 * the rate limiter. */
enum probe_cause {
	PROBE_CAUSE_TRUNCATED,		/* shorter than a packet */
	PROBE_CAUSE_OVERSIZED,		/* longer than a packet */
	PROBE_CAUSE_VERSION,		/* magic, version or type */
	PROBE_CAUSE_HMAC,		/* unknown key id or bad tag */
	PROBE_CAUSE_UNKNOWN_SENDER,	/* not a peer of ours, not for us */
	PROBE_CAUSE_REPLAY,		/* duplicate or too old */
	PROBE_CAUSE_RATE_LIMIT,		/* a token bucket was empty */
	PROBE_CAUSE_NEVER_SENT,		/* a reply to no request of ours */
	PROBE_CAUSE_LATE,		/* a reply after its probe was lost */
	PROBE_CAUSE_COUNT
};

struct probe_rejects {
	uint64_t n[PROBE_CAUSE_COUNT];
};

/* The cause a decode error is counted as (PROBE_OK: none, returns
 * PROBE_CAUSE_COUNT). */
enum probe_cause probe_cause_of(enum probe_error e);
/* Words for show output: "truncated", "unknown sender"... */
const char *probe_cause_name(enum probe_cause c);
/* JSON keys: "truncated", "unknownSender"... */
const char *probe_cause_json(enum probe_cause c);

/* Derive a key from the configured text: its id and bytes. An empty or
 * too long secret gives an unset key (-1). */
int probe_key_init(struct probe_key *k, const char *secret);

/* An empty keyring: every packet fails with PROBE_ERR_KEY_ID. */
void probe_keyring_init(struct probe_keyring *kr);
/* Install secret (NULL or "" to remove the key) as the current key at
 * now_us. A different key than the current one moves the current to prev
 * for PROBE_KEY_GRACE_US; the same key changes nothing. 0, or -1 (secret
 * too long: keyring unchanged). */
int probe_keyring_set(struct probe_keyring *kr, const char *secret,
		      uint64_t now_us);
/* The key to verify key id id at now_us, or NULL. */
const struct probe_key *probe_keyring_find(const struct probe_keyring *kr,
					   uint32_t id, uint64_t now_us);

/* Is name a valid gateway name on the wire (1..63 bytes of
 * [A-Za-z0-9][A-Za-z0-9_.-]*)? */
bool probe_name_valid(const char *name);

/* Encode p (type, flags, seq, timestamp, names) signed with k into buf.
 * Returns PROBE_PACKET_LEN, or -1 (cap too small, key unset, bad type or
 * name); buf is then unspecified. */
int probe_encode(const struct probe_packet *p, const struct probe_key *k,
		 uint8_t *buf, size_t cap);

/* Decode and verify a datagram (see the order above). On PROBE_OK *out
 * holds the packet and out->key_id the verifying key's id; on any error
 * *out is untouched. */
enum probe_error probe_decode(const uint8_t *buf, size_t len,
			      const struct probe_keyring *kr, uint64_t now_us,
			      struct probe_packet *out);

#endif
