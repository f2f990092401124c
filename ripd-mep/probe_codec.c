/* probe_codec: encode, decode and verify probe packets (pure; see
 * probe_codec.h and docs/PROBE-PROTOCOL). Crypto is OpenSSL's HMAC and
 * CRYPTO_memcmp only. */
#include "probe_codec.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "wire.h"

/* Input of the key id derivation (fixed by the document). */
static const char probe_key_id_label[] = "ripd-mep probe key id";

const char *probe_error_name(enum probe_error e)
{
	switch (e) {
	case PROBE_OK:
		return "ok";
	case PROBE_ERR_TRUNCATED:
		return "truncated";
	case PROBE_ERR_OVERSIZED:
		return "oversized";
	case PROBE_ERR_MAGIC:
		return "bad magic";
	case PROBE_ERR_VERSION:
		return "bad version";
	case PROBE_ERR_KEY_ID:
		return "unknown key id";
	case PROBE_ERR_HMAC:
		return "bad HMAC";
	case PROBE_ERR_TYPE:
		return "unknown type";
	case PROBE_ERR_NAME:
		return "malformed name";
	}
	return "unknown";
}

enum probe_cause probe_cause_of(enum probe_error e)
{
	switch (e) {
	case PROBE_OK:
		break;
	case PROBE_ERR_TRUNCATED:
		return PROBE_CAUSE_TRUNCATED;
	case PROBE_ERR_OVERSIZED:
		return PROBE_CAUSE_OVERSIZED;
	case PROBE_ERR_MAGIC:
	case PROBE_ERR_VERSION:
	case PROBE_ERR_TYPE:
		return PROBE_CAUSE_VERSION;
	case PROBE_ERR_KEY_ID:
	case PROBE_ERR_HMAC:
		return PROBE_CAUSE_HMAC;
	case PROBE_ERR_NAME:
		return PROBE_CAUSE_UNKNOWN_SENDER;
	}
	return PROBE_CAUSE_COUNT;
}

static const char *const cause_names[PROBE_CAUSE_COUNT][2] = {
	[PROBE_CAUSE_TRUNCATED] = { "truncated", "truncated" },
	[PROBE_CAUSE_OVERSIZED] = { "oversized", "oversized" },
	[PROBE_CAUSE_VERSION] = { "version", "version" },
	[PROBE_CAUSE_HMAC] = { "HMAC", "hmac" },
	[PROBE_CAUSE_UNKNOWN_SENDER] = { "unknown sender", "unknownSender" },
	[PROBE_CAUSE_REPLAY] = { "replay", "replay" },
	[PROBE_CAUSE_RATE_LIMIT] = { "rate limit", "rateLimit" },
	[PROBE_CAUSE_NEVER_SENT] = { "reply for a probe never sent",
				     "neverSent" },
	[PROBE_CAUSE_LATE] = { "late reply", "late" },
};

const char *probe_cause_name(enum probe_cause c)
{
	return (unsigned)c < PROBE_CAUSE_COUNT ? cause_names[c][0] : "unknown";
}

const char *probe_cause_json(enum probe_cause c)
{
	return (unsigned)c < PROBE_CAUSE_COUNT ? cause_names[c][1] : "unknown";
}

/* HMAC-SHA256 of data with k into tag; false when libcrypto fails. */
static bool probe_hmac(const struct probe_key *k, const void *data,
		       size_t len, uint8_t tag[PROBE_HMAC_LEN])
{
	unsigned int tlen = 0;

	if (!HMAC(EVP_sha256(), k->secret, (int)k->len, data, len, tag,
		  &tlen))
		return false;
	return tlen == PROBE_HMAC_LEN;
}

int probe_key_init(struct probe_key *k, const char *secret)
{
	uint8_t tag[PROBE_HMAC_LEN];
	size_t len = secret ? strlen(secret) : 0;

	memset(k, 0, sizeof(*k));
	if (len == 0 || len > PROBE_KEY_MAX)
		return -1;
	memcpy(k->secret, secret, len);
	k->len = len;
	if (!probe_hmac(k, probe_key_id_label, strlen(probe_key_id_label),
			tag)) {
		memset(k, 0, sizeof(*k));
		return -1;
	}
	k->id = (uint32_t)tag[0] << 24 | (uint32_t)tag[1] << 16 |
		(uint32_t)tag[2] << 8 | tag[3];
	k->set = true;
	return 0;
}

void probe_keyring_init(struct probe_keyring *kr)
{
	memset(kr, 0, sizeof(*kr));
}

static bool key_same(const struct probe_key *a, const struct probe_key *b)
{
	return a->set == b->set && a->len == b->len &&
	       memcmp(a->secret, b->secret, a->len) == 0;
}

int probe_keyring_set(struct probe_keyring *kr, const char *secret,
		      uint64_t now_us)
{
	struct probe_key k;

	if (secret && secret[0]) {
		if (probe_key_init(&k, secret) < 0)
			return -1;
	} else {
		memset(&k, 0, sizeof(k));
	}
	if (key_same(&k, &kr->cur))
		return 0;
	if (kr->cur.set) {
		kr->prev = kr->cur;
		kr->prev_until_us = now_us + PROBE_KEY_GRACE_US;
	}
	kr->cur = k;
	return 0;
}

const struct probe_key *probe_keyring_find(const struct probe_keyring *kr,
					   uint32_t id, uint64_t now_us)
{
	if (kr->cur.set && kr->cur.id == id)
		return &kr->cur;
	if (kr->prev.set && kr->prev.id == id && now_us < kr->prev_until_us)
		return &kr->prev;
	return NULL;
}

static bool name_char(char c, bool first)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return !first && (c == '_' || c == '.' || c == '-');
}

bool probe_name_valid(const char *name)
{
	size_t n = name ? strnlen(name, PROBE_NAME_LEN) : 0;

	if (n == 0 || n >= PROBE_NAME_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(name[i], i == 0))
			return false;
	return true;
}

/* A name field: a valid name, then NUL bytes to the end. */
static bool name_field_valid(const uint8_t *f, char out[PROBE_NAME_LEN])
{
	size_t n = strnlen((const char *)f, PROBE_NAME_LEN);

	if (n == 0 || n >= PROBE_NAME_LEN)
		return false;
	for (size_t i = n; i < PROBE_NAME_LEN; i++)
		if (f[i])
			return false;
	memcpy(out, f, n);
	out[n] = '\0';
	return probe_name_valid(out);
}

static void put_name(struct wire_writer *w, const char *name)
{
	uint8_t f[PROBE_NAME_LEN] = { 0 };

	memcpy(f, name, strlen(name));
	wire_put_bytes(w, f, sizeof(f));
}

int probe_encode(const struct probe_packet *p, const struct probe_key *k,
		 uint8_t *buf, size_t cap)
{
	struct wire_writer w;
	uint8_t tag[PROBE_HMAC_LEN];

	if (!p || !k || !k->set || !buf || cap < PROBE_PACKET_LEN ||
	    (p->type != PROBE_TYPE_REQUEST && p->type != PROBE_TYPE_REPLY) ||
	    !probe_name_valid(p->sender) || !probe_name_valid(p->target))
		return -1;
	wire_writer_init(&w, buf, cap);
	wire_put_u32(&w, PROBE_MAGIC);
	wire_put_u8(&w, PROBE_VERSION);
	wire_put_u8(&w, (uint8_t)p->type);
	wire_put_u16(&w, p->flags);
	wire_put_u32(&w, k->id);
	wire_put_u64(&w, p->seq);
	wire_put_u64(&w, p->timestamp_us);
	put_name(&w, p->sender);
	put_name(&w, p->target);
	if (wire_writer_failed(&w) || w.len != PROBE_HMAC_OFF ||
	    !probe_hmac(k, buf, PROBE_HMAC_OFF, tag))
		return -1;
	wire_put_bytes(&w, tag, sizeof(tag));
	if (wire_writer_failed(&w) || w.len != PROBE_PACKET_LEN)
		return -1;
	return PROBE_PACKET_LEN;
}

enum probe_error probe_decode(const uint8_t *buf, size_t len,
			      const struct probe_keyring *kr, uint64_t now_us,
			      struct probe_packet *out)
{
	struct probe_packet p;
	struct wire_reader r;
	const struct probe_key *k;
	const uint8_t *sender, *target, *tag;
	uint8_t want[PROBE_HMAC_LEN];
	uint8_t type;

	if (!buf || len < PROBE_PACKET_LEN)
		return PROBE_ERR_TRUNCATED;
	if (len > PROBE_PACKET_LEN)
		return PROBE_ERR_OVERSIZED;
	memset(&p, 0, sizeof(p));
	wire_reader_init(&r, buf, len);
	if (wire_get_u32(&r) != PROBE_MAGIC)
		return PROBE_ERR_MAGIC;
	if (wire_get_u8(&r) != PROBE_VERSION)
		return PROBE_ERR_VERSION;
	type = wire_get_u8(&r);
	p.flags = wire_get_u16(&r);
	p.key_id = wire_get_u32(&r);
	p.seq = wire_get_u64(&r);
	p.timestamp_us = wire_get_u64(&r);
	sender = wire_get_ref(&r, PROBE_NAME_LEN);
	target = wire_get_ref(&r, PROBE_NAME_LEN);
	tag = wire_get_ref(&r, PROBE_HMAC_LEN);
	if (wire_reader_failed(&r) || wire_remaining(&r) != 0)
		return PROBE_ERR_TRUNCATED;	/* cannot happen: length checked */
	k = kr ? probe_keyring_find(kr, p.key_id, now_us) : NULL;
	if (!k)
		return PROBE_ERR_KEY_ID;
	if (!probe_hmac(k, buf, PROBE_HMAC_OFF, want) ||
	    CRYPTO_memcmp(want, tag, PROBE_HMAC_LEN) != 0)
		return PROBE_ERR_HMAC;
	/* authenticated from here on */
	if (type != PROBE_TYPE_REQUEST && type != PROBE_TYPE_REPLY)
		return PROBE_ERR_TYPE;
	p.type = (enum probe_type)type;
	if (!name_field_valid(sender, p.sender) ||
	    !name_field_valid(target, p.target))
		return PROBE_ERR_NAME;
	*out = p;
	return PROBE_OK;
}
