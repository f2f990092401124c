/* rogue_packet: bad probe packets per rejection cause and the replay
 * capture filter (see rogue_packet.h). Pure; packets come from
 * probe_encode, fields are read with lib/wire. */
#include <string.h>

#include "rogue_packet.h"
#include "wire.h"

static const char *const rogue_names[ROGUE_CAUSE_COUNT] = {
	[ROGUE_GARBAGE] = "garbage",
	[ROGUE_FORGED] = "forged",
	[ROGUE_WRONG_KEY] = "wrong-key",
	[ROGUE_TRUNCATED] = "truncated",
	[ROGUE_OVERSIZED] = "oversized",
	[ROGUE_VERSION] = "version",
	[ROGUE_UNKNOWN_SENDER] = "unknown-sender",
	[ROGUE_REPLAY] = "replay",
};

void rogue_params_init(struct rogue_params *p, uint64_t seed)
{
	memset(p, 0, sizeof(*p));
	p->other_key = "not-the-probe-key";
	p->truncated_len = 100;
	p->oversized_len = PROBE_PACKET_LEN + 1;
	p->version = PROBE_VERSION + 1;
	p->seq = 1;
	p->rng = seed;
}

enum rogue_cause rogue_cause_parse(const char *name)
{
	int c;

	for (c = 0; c < ROGUE_CAUSE_COUNT; c++)
		if (name && strcmp(name, rogue_names[c]) == 0)
			return (enum rogue_cause)c;
	return ROGUE_CAUSE_COUNT;
}

const char *rogue_cause_name(enum rogue_cause c)
{
	return c < ROGUE_CAUSE_COUNT ? rogue_names[c] : "?";
}

enum probe_error rogue_expected_decode(enum rogue_cause c)
{
	switch (c) {
	case ROGUE_GARBAGE:
		return PROBE_ERR_MAGIC;
	case ROGUE_FORGED:
		return PROBE_ERR_HMAC;
	case ROGUE_WRONG_KEY:
		return PROBE_ERR_KEY_ID;
	case ROGUE_TRUNCATED:
		return PROBE_ERR_TRUNCATED;
	case ROGUE_OVERSIZED:
		return PROBE_ERR_OVERSIZED;
	case ROGUE_VERSION:
		return PROBE_ERR_VERSION;
	case ROGUE_UNKNOWN_SENDER:
	case ROGUE_REPLAY:
	case ROGUE_CAUSE_COUNT:
		break;
	}
	return PROBE_OK;
}

enum probe_cause rogue_expected_cause(enum rogue_cause c)
{
	switch (c) {
	case ROGUE_UNKNOWN_SENDER:
		return PROBE_CAUSE_UNKNOWN_SENDER;
	case ROGUE_REPLAY:
		return PROBE_CAUSE_REPLAY;
	default:
		return probe_cause_of(rogue_expected_decode(c));
	}
}

/* splitmix64: a fast generator; no cryptographic quality is needed to
 * make packets nobody can verify. */
uint64_t rogue_random(struct rogue_params *p)
{
	uint64_t z = (p->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rogue_fill(struct rogue_params *p, uint8_t *buf, size_t n)
{
	size_t i;
	uint64_t v = 0;

	for (i = 0; i < n; i++) {
		if (i % 8 == 0)
			v = rogue_random(p);
		buf[i] = (uint8_t)(v >> (8 * (i % 8)));
	}
}

/* A well-formed request from p->sender to p->target signed with key. */
static int rogue_request(struct rogue_params *p, const char *key,
			 const char *sender, uint8_t *buf, size_t cap)
{
	struct probe_packet pk = { .type = PROBE_TYPE_REQUEST };
	struct probe_key k;

	if (!sender || !p->target || strlen(sender) >= PROBE_NAME_LEN ||
	    strlen(p->target) >= PROBE_NAME_LEN ||
	    probe_key_init(&k, key ? key : "") < 0)
		return -1;
	pk.seq = p->seq++;
	pk.timestamp_us = rogue_random(p) >> 1;
	memcpy(pk.sender, sender, strlen(sender) + 1);
	memcpy(pk.target, p->target, strlen(p->target) + 1);
	return probe_encode(&pk, &k, buf, cap);
}

int rogue_build(enum rogue_cause c, struct rogue_params *p, uint8_t *buf,
		size_t cap)
{
	int n;

	if (cap < ROGUE_MAX_LEN)
		return -1;
	switch (c) {
	case ROGUE_GARBAGE:
		rogue_fill(p, buf, PROBE_PACKET_LEN);
		if (buf[0] == 0x4d)	/* never the magic's first byte */
			buf[0] ^= 0xff;
		return PROBE_PACKET_LEN;
	case ROGUE_FORGED:
		/* what an attacker who saw a packet can write: the real key
		 * id in a well-formed header, anything else at random */
		n = rogue_request(p, p->key, p->sender, buf, cap);
		if (n < 0)
			return -1;
		rogue_fill(p, buf + PROBE_OFF_SEQ, 16);
		rogue_fill(p, buf + PROBE_HMAC_OFF, PROBE_HMAC_LEN);
		return n;
	case ROGUE_WRONG_KEY:
		return rogue_request(p, p->other_key, p->sender, buf, cap);
	case ROGUE_TRUNCATED:
		if (p->truncated_len >= PROBE_PACKET_LEN)
			return -1;
		n = rogue_request(p, p->key, p->sender, buf, cap);
		return n < 0 ? -1 : (int)p->truncated_len;
	case ROGUE_OVERSIZED:
		if (p->oversized_len <= PROBE_PACKET_LEN ||
		    p->oversized_len > ROGUE_MAX_LEN)
			return -1;
		n = rogue_request(p, p->key, p->sender, buf, cap);
		if (n < 0)
			return -1;
		rogue_fill(p, buf + n, p->oversized_len - (size_t)n);
		return (int)p->oversized_len;
	case ROGUE_VERSION:
		if (p->version == PROBE_VERSION)
			return -1;
		n = rogue_request(p, p->key, p->sender, buf, cap);
		if (n < 0)
			return -1;
		buf[PROBE_OFF_VERSION] = p->version;
		return n;
	case ROGUE_UNKNOWN_SENDER:
		return rogue_request(p, p->key, p->sender, buf, cap);
	case ROGUE_REPLAY:
	case ROGUE_CAUSE_COUNT:
		break;
	}
	return -1;
}

bool rogue_capture_match(const uint8_t *ip, size_t ip_len, uint32_t daddr,
			 uint16_t dport, const uint8_t **payload, size_t *len,
			 uint32_t *src_addr, uint16_t *src_port)
{
	struct wire_reader r;
	uint8_t vihl, proto;
	uint16_t total, frag, sport, uport, ulen;
	uint32_t src, dst;
	size_t ihl;
	const uint8_t *pl;

	wire_reader_init(&r, ip, ip_len);
	vihl = wire_get_u8(&r);
	if (wire_reader_failed(&r) || vihl >> 4 != 4)
		return false;
	ihl = (size_t)(vihl & 0x0f) * 4;
	(void)wire_get_u8(&r);			/* TOS */
	total = wire_get_u16(&r);
	(void)wire_get_u16(&r);			/* id */
	frag = wire_get_u16(&r);
	(void)wire_get_u8(&r);			/* TTL */
	proto = wire_get_u8(&r);
	(void)wire_get_u16(&r);			/* checksum */
	src = wire_get_u32(&r);
	dst = wire_get_u32(&r);
	if (wire_reader_failed(&r) || ihl < 20 || total > ip_len ||
	    total < ihl + 8 || proto != 17 || (frag & 0x3fff) != 0 ||
	    (daddr && dst != daddr))
		return false;
	/* the UDP header, inside the datagram's own length */
	wire_reader_init(&r, ip + ihl, total - ihl);
	sport = wire_get_u16(&r);
	uport = wire_get_u16(&r);
	ulen = wire_get_u16(&r);
	(void)wire_get_u16(&r);			/* checksum */
	if (wire_reader_failed(&r) || uport != dport || ulen < 8 ||
	    ulen > total - ihl)
		return false;
	pl = wire_get_ref(&r, (size_t)ulen - 8);
	if (!pl || ulen - 8 != PROBE_PACKET_LEN)
		return false;
	/* looks like a request: magic, version, type */
	wire_reader_init(&r, pl, PROBE_PACKET_LEN);
	if (wire_get_u32(&r) != PROBE_MAGIC ||
	    wire_get_u8(&r) != PROBE_VERSION ||
	    wire_get_u8(&r) != PROBE_TYPE_REQUEST)
		return false;
	*payload = pl;
	*len = PROBE_PACKET_LEN;
	*src_addr = src;
	*src_port = sport;
	return true;
}

int rogue_ipv4_udp(uint8_t *out, size_t cap, uint32_t src, uint32_t dst,
		   uint16_t sport, uint16_t dport, const uint8_t *payload,
		   size_t len)
{
	struct wire_writer w;

	if (len > 65535 - 28)
		return -1;
	wire_writer_init(&w, out, cap);
	wire_put_u8(&w, 0x45);			/* version 4, IHL 5 */
	wire_put_u8(&w, 0);			/* TOS */
	wire_put_u16(&w, (uint16_t)(28 + len));
	wire_put_u16(&w, 0);			/* id: the kernel's */
	wire_put_u16(&w, 0x4000);		/* DF */
	wire_put_u8(&w, 64);			/* TTL */
	wire_put_u8(&w, 17);			/* UDP */
	wire_put_u16(&w, 0);			/* checksum: the kernel's */
	wire_put_u32(&w, src);
	wire_put_u32(&w, dst);
	wire_put_u16(&w, sport);
	wire_put_u16(&w, dport);
	wire_put_u16(&w, (uint16_t)(8 + len));
	wire_put_u16(&w, 0);			/* no UDP checksum */
	wire_put_bytes(&w, payload, len);
	return wire_writer_failed(&w) ? -1 : (int)w.len;
}
