/* Unit tests of the probe packet codec (probe_codec), the replay window
 * (replay_window) and the rate limiter (ratelimit):
 * - codec: every field at its offset, a round trip of each type, each
 *   decode error at its own cause (truncated, oversized, magic, version,
 *   key id, HMAC on a flipped bit anywhere, type and names only after the
 *   tag verifies), the keyring's grace for a previous key, and the worked
 *   examples of docs/PROBE-PROTOCOL compared byte for byte with the
 *   encoder's output (the document cannot drift);
 * - replay window: in order, reordered inside the window, duplicate, too
 *   old, huge jump, window edge;
 * - rate limiter: burst then refill per source, the class totals (a flood
 *   of unknown sources leaves known ones alone), bounded table with
 *   eviction preferring unknown entries, a clock that goes back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "probe_codec.h"
#include "ratelimit.h"
#include "replay_window.h"

#define KEY "s3cr3t-probe-key"
#define NOW 1000000ULL

static void keyring(struct probe_keyring *kr, const char *secret)
{
	probe_keyring_init(kr);
	assert_int_equal(probe_keyring_set(kr, secret, 0), 0);
}

/* The worked examples of the document. */
static struct probe_packet example_request(void)
{
	struct probe_packet p = {
		.type = PROBE_TYPE_REQUEST,
		.flags = 0,
		.seq = 0x000627e0b1c2d3e4ULL,
		.timestamp_us = 0x00000002540be400ULL,	/* 10000 s */
		.sender = "S1",
		.target = "M1",
	};
	return p;
}

static struct probe_packet example_reply(void)
{
	struct probe_packet p = example_request();

	p.type = PROBE_TYPE_REPLY;
	p.flags = PROBE_FLAG_DRAIN;
	snprintf(p.sender, sizeof(p.sender), "M1");
	snprintf(p.target, sizeof(p.target), "S1");
	return p;
}

static int encode(const struct probe_packet *p, const char *secret,
		  uint8_t *buf)
{
	struct probe_key k;

	assert_int_equal(probe_key_init(&k, secret), 0);
	return probe_encode(p, &k, buf, PROBE_PACKET_LEN);
}

static uint64_t be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void test_fields_at_offsets(void **state)
{
	struct probe_packet p = example_request();
	uint8_t buf[PROBE_PACKET_LEN + 8], zero[PROBE_NAME_LEN] = { 0 };
	struct probe_key k;

	(void)state;
	assert_int_equal(probe_key_init(&k, KEY), 0);
	p.flags = 0xa5a5;
	assert_int_equal(probe_encode(&p, &k, buf, sizeof(buf)),
			 PROBE_PACKET_LEN);
	assert_int_equal(PROBE_PACKET_LEN, 188);
	assert_memory_equal(buf + PROBE_OFF_MAGIC, "MEPP", 4);
	assert_int_equal(buf[PROBE_OFF_VERSION], 1);
	assert_int_equal(buf[PROBE_OFF_TYPE], 1);
	assert_int_equal(be(buf + PROBE_OFF_FLAGS, 2), 0xa5a5);
	assert_true(be(buf + PROBE_OFF_KEY_ID, 4) == k.id);
	assert_true(be(buf + PROBE_OFF_SEQ, 8) == p.seq);
	assert_true(be(buf + PROBE_OFF_TIMESTAMP, 8) == p.timestamp_us);
	assert_memory_equal(buf + PROBE_OFF_SENDER, "S1", 3);
	assert_memory_equal(buf + PROBE_OFF_SENDER + 2, zero, 62);
	assert_memory_equal(buf + PROBE_OFF_TARGET, "M1", 3);
	assert_memory_equal(buf + PROBE_OFF_TARGET + 2, zero, 62);
	/* the key id is the first 4 bytes of HMAC(key, label) */
	assert_int_equal(PROBE_OFF_TARGET + PROBE_NAME_LEN, PROBE_HMAC_OFF);
	assert_int_equal(PROBE_HMAC_OFF + PROBE_HMAC_LEN, PROBE_PACKET_LEN);
}

static void test_round_trip(void **state)
{
	struct probe_packet in[2] = { example_request(), example_reply() }, out;
	struct probe_keyring kr;
	uint8_t buf[PROBE_PACKET_LEN];

	(void)state;
	keyring(&kr, KEY);
	in[0].seq = UINT64_MAX;
	in[0].timestamp_us = UINT64_MAX - 1;
	snprintf(in[1].sender, sizeof(in[1].sender), "%s",
		 "a23456789012345678901234567890123456789012345678901234567890123");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(encode(&in[i], KEY, buf), PROBE_PACKET_LEN);
		memset(&out, 0x55, sizeof(out));
		assert_int_equal(probe_decode(buf, sizeof(buf), &kr, NOW, &out),
				 PROBE_OK);
		assert_int_equal(out.type, in[i].type);
		assert_int_equal(out.flags, in[i].flags);
		assert_true(out.key_id == kr.cur.id);
		assert_true(out.seq == in[i].seq);
		assert_true(out.timestamp_us == in[i].timestamp_us);
		assert_string_equal(out.sender, in[i].sender);
		assert_string_equal(out.target, in[i].target);
	}
}

static void test_encode_refuses(void **state)
{
	struct probe_packet p = example_request();
	uint8_t buf[PROBE_PACKET_LEN];
	struct probe_key k, none;

	(void)state;
	assert_int_equal(probe_key_init(&k, KEY), 0);
	memset(&none, 0, sizeof(none));
	assert_int_equal(probe_encode(&p, &none, buf, sizeof(buf)), -1);
	assert_int_equal(probe_encode(&p, &k, buf, sizeof(buf) - 1), -1);
	p.type = 3;
	assert_int_equal(probe_encode(&p, &k, buf, sizeof(buf)), -1);
	p = example_request();
	p.sender[0] = '\0';
	assert_int_equal(probe_encode(&p, &k, buf, sizeof(buf)), -1);
	p = example_request();
	snprintf(p.target, sizeof(p.target), "-M1");
	assert_int_equal(probe_encode(&p, &k, buf, sizeof(buf)), -1);
	snprintf(p.target, sizeof(p.target), "M 1");
	assert_int_equal(probe_encode(&p, &k, buf, sizeof(buf)), -1);
	assert_int_equal(probe_key_init(&k, ""), -1);
	assert_false(k.set);
}

static void test_decode_errors(void **state)
{
	struct probe_packet p = example_request(), out, keep;
	struct probe_keyring kr, other;
	uint8_t buf[PROBE_PACKET_LEN + 1], bad[PROBE_PACKET_LEN];

	(void)state;
	keyring(&kr, KEY);
	assert_int_equal(encode(&p, KEY, buf), PROBE_PACKET_LEN);
	memset(&keep, 0x5a, sizeof(keep));
	out = keep;
	assert_int_equal(probe_decode(buf, 0, &kr, NOW, &out),
			 PROBE_ERR_TRUNCATED);
	assert_int_equal(probe_decode(NULL, 188, &kr, NOW, &out),
			 PROBE_ERR_TRUNCATED);
	assert_int_equal(probe_decode(buf, PROBE_PACKET_LEN - 1, &kr, NOW, &out),
			 PROBE_ERR_TRUNCATED);
	buf[PROBE_PACKET_LEN] = 0;
	assert_int_equal(probe_decode(buf, PROBE_PACKET_LEN + 1, &kr, NOW, &out),
			 PROBE_ERR_OVERSIZED);
	memcpy(bad, buf, sizeof(bad));
	bad[0] ^= 0x20;
	assert_int_equal(probe_decode(bad, sizeof(bad), &kr, NOW, &out),
			 PROBE_ERR_MAGIC);
	memcpy(bad, buf, sizeof(bad));
	bad[PROBE_OFF_VERSION] = 2;
	assert_int_equal(probe_decode(bad, sizeof(bad), &kr, NOW, &out),
			 PROBE_ERR_VERSION);
	/* wrong key: its id is unknown */
	keyring(&other, "another-probe-key");
	assert_int_equal(probe_decode(buf, PROBE_PACKET_LEN, &other, NOW, &out),
			 PROBE_ERR_KEY_ID);
	assert_int_equal(probe_decode(buf, PROBE_PACKET_LEN, NULL, NOW, &out),
			 PROBE_ERR_KEY_ID);
	/* any flipped bit after the key id breaks the tag */
	for (size_t i = PROBE_OFF_SEQ; i < PROBE_PACKET_LEN; i++) {
		memcpy(bad, buf, sizeof(bad));
		bad[i] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(probe_decode(bad, sizeof(bad), &kr, NOW, &out),
				 PROBE_ERR_HMAC);
	}
	/* type and flags are covered by the tag too */
	memcpy(bad, buf, sizeof(bad));
	bad[PROBE_OFF_TYPE] = 7;
	assert_int_equal(probe_decode(bad, sizeof(bad), &kr, NOW, &out),
			 PROBE_ERR_HMAC);
	memcpy(bad, buf, sizeof(bad));
	bad[PROBE_OFF_FLAGS + 1] ^= 1;
	assert_int_equal(probe_decode(bad, sizeof(bad), &kr, NOW, &out),
			 PROBE_ERR_HMAC);
	/* nothing was written on any error */
	assert_memory_equal(&out, &keep, sizeof(out));
	assert_int_equal(probe_decode(buf, PROBE_PACKET_LEN, &kr, NOW, &out),
			 PROBE_OK);
}

/* A packet with arbitrary (authenticated) bytes: signed through the
 * codec's key with libcrypto's HMAC, as a buggy key holder would. */
static void sign_raw(uint8_t *buf, const char *secret)
{
	struct probe_key k;
	unsigned int n = 0;

	assert_int_equal(probe_key_init(&k, secret), 0);
	buf[PROBE_OFF_KEY_ID] = (uint8_t)(k.id >> 24);
	buf[PROBE_OFF_KEY_ID + 1] = (uint8_t)(k.id >> 16);
	buf[PROBE_OFF_KEY_ID + 2] = (uint8_t)(k.id >> 8);
	buf[PROBE_OFF_KEY_ID + 3] = (uint8_t)k.id;
	assert_non_null(HMAC(EVP_sha256(), k.secret, (int)k.len, buf,
			     PROBE_HMAC_OFF, buf + PROBE_HMAC_OFF, &n));
	assert_int_equal(n, PROBE_HMAC_LEN);
}

/* Decode a copy of pkt with n bytes at off replaced, signed again. */
static enum probe_error signed_with(const uint8_t *pkt, size_t off,
				    const void *bytes, size_t n,
				    struct probe_packet *out)
{
	struct probe_keyring kr;
	uint8_t bad[PROBE_PACKET_LEN];

	keyring(&kr, KEY);
	memcpy(bad, pkt, sizeof(bad));
	memcpy(bad + off, bytes, n);
	sign_raw(bad, KEY);
	return probe_decode(bad, sizeof(bad), &kr, NOW, out);
}

static void test_authenticated_field_errors(void **state)
{
	struct probe_packet p = example_request(), out;
	uint8_t buf[PROBE_PACKET_LEN], bad[PROBE_PACKET_LEN];

	(void)state;
	assert_int_equal(encode(&p, KEY, buf), PROBE_PACKET_LEN);
	memcpy(bad, buf, sizeof(bad));
	sign_raw(bad, KEY);
	assert_memory_equal(bad, buf, sizeof(buf));	/* same signer */
	assert_int_equal(signed_with(buf, PROBE_OFF_TYPE, "\0", 1, &out),
			 PROBE_ERR_TYPE);
	assert_int_equal(signed_with(buf, PROBE_OFF_TYPE, "\3", 1, &out),
			 PROBE_ERR_TYPE);
	/* empty sender */
	assert_int_equal(signed_with(buf, PROBE_OFF_SENDER, "\0\0", 2, &out),
			 PROBE_ERR_NAME);
	/* garbage after the NUL of the target */
	assert_int_equal(signed_with(buf, PROBE_OFF_TARGET + 10, "x", 1, &out),
			 PROBE_ERR_NAME);
	/* 64 bytes, no NUL */
	assert_int_equal(signed_with(buf, PROBE_OFF_SENDER,
				     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
				     PROBE_NAME_LEN, &out),
			 PROBE_ERR_NAME);
	/* a character outside the name pattern */
	assert_int_equal(signed_with(buf, PROBE_OFF_SENDER + 1, "/", 1, &out),
			 PROBE_ERR_NAME);
	/* unknown flag bits are accepted (authenticated) */
	assert_int_equal(signed_with(buf, PROBE_OFF_FLAGS, "\x80", 1, &out),
			 PROBE_OK);
	assert_int_equal(out.flags, 0x8000);
}

static void test_keyring_grace(void **state)
{
	struct probe_packet p = example_request(), out;
	struct probe_keyring kr;
	uint8_t old[PROBE_PACKET_LEN], cur[PROBE_PACKET_LEN];
	uint64_t t = 5000000;

	(void)state;
	keyring(&kr, KEY);
	assert_int_equal(encode(&p, KEY, old), PROBE_PACKET_LEN);
	assert_int_equal(encode(&p, "the-new-probe-key", cur),
			 PROBE_PACKET_LEN);
	assert_int_equal(probe_decode(cur, sizeof(cur), &kr, t, &out),
			 PROBE_ERR_KEY_ID);
	/* the same key again changes nothing */
	assert_int_equal(probe_keyring_set(&kr, KEY, t), 0);
	assert_false(kr.prev.set);
	assert_int_equal(probe_keyring_set(&kr, "the-new-probe-key", t), 0);
	assert_int_equal(probe_decode(cur, sizeof(cur), &kr, t, &out), PROBE_OK);
	assert_int_equal(probe_decode(old, sizeof(old), &kr, t, &out), PROBE_OK);
	assert_true(out.key_id == kr.prev.id);
	assert_int_equal(probe_decode(old, sizeof(old), &kr,
				      t + PROBE_KEY_GRACE_US - 1, &out),
			 PROBE_OK);
	assert_int_equal(probe_decode(old, sizeof(old), &kr,
				      t + PROBE_KEY_GRACE_US, &out),
			 PROBE_ERR_KEY_ID);
	/* removing the key: the last one stays for the grace */
	assert_int_equal(probe_keyring_set(&kr, "", t), 0);
	assert_false(kr.cur.set);
	assert_int_equal(probe_decode(cur, sizeof(cur), &kr, t + 1, &out),
			 PROBE_OK);
	/* too long a key leaves the keyring as it was */
	char longkey[PROBE_KEY_MAX + 2];

	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(probe_keyring_set(&kr, longkey, t), -1);
	assert_false(kr.cur.set);
}

static void test_causes(void **state)
{
	(void)state;
	assert_int_equal(probe_cause_of(PROBE_ERR_TRUNCATED),
			 PROBE_CAUSE_TRUNCATED);
	assert_int_equal(probe_cause_of(PROBE_ERR_OVERSIZED),
			 PROBE_CAUSE_OVERSIZED);
	assert_int_equal(probe_cause_of(PROBE_ERR_MAGIC), PROBE_CAUSE_VERSION);
	assert_int_equal(probe_cause_of(PROBE_ERR_VERSION), PROBE_CAUSE_VERSION);
	assert_int_equal(probe_cause_of(PROBE_ERR_TYPE), PROBE_CAUSE_VERSION);
	assert_int_equal(probe_cause_of(PROBE_ERR_KEY_ID), PROBE_CAUSE_HMAC);
	assert_int_equal(probe_cause_of(PROBE_ERR_HMAC), PROBE_CAUSE_HMAC);
	assert_int_equal(probe_cause_of(PROBE_ERR_NAME),
			 PROBE_CAUSE_UNKNOWN_SENDER);
	assert_int_equal(probe_cause_of(PROBE_OK), PROBE_CAUSE_COUNT);
	for (int c = 0; c < PROBE_CAUSE_COUNT; c++) {
		assert_string_not_equal(probe_cause_name(c), "unknown");
		assert_string_not_equal(probe_cause_json(c), "unknown");
	}
	assert_string_equal(probe_cause_json(PROBE_CAUSE_UNKNOWN_SENDER),
			    "unknownSender");
	assert_string_equal(probe_cause_name(PROBE_CAUSE_COUNT), "unknown");
	assert_string_equal(probe_error_name(PROBE_ERR_HMAC), "bad HMAC");
}

/* ---- the document's worked examples */

/* The hex lines between "BEGIN name" and "END name" in the document. */
static size_t doc_hex(const char *name, uint8_t *out, size_t cap)
{
	FILE *f = fopen(PROBE_PROTOCOL_DOC, "r");
	char line[256], begin[64], end[64];
	bool in = false;
	size_t n = 0;

	assert_non_null(f);
	snprintf(begin, sizeof(begin), "BEGIN %s", name);
	snprintf(end, sizeof(end), "END %s", name);
	while (fgets(line, sizeof(line), f)) {
		char *p = line;
		unsigned v;
		int used;

		if (strstr(line, begin)) {
			in = true;
			continue;
		}
		if (strstr(line, end))
			break;
		if (!in)
			continue;
		/* "  0000  4d 45 50 50 ..." : skip the offset */
		if (sscanf(p, " %*x%n", &used) != 0 || used == 0)
			continue;
		p += used;
		while (sscanf(p, " %2x%n", &v, &used) == 1 && n < cap) {
			out[n++] = (uint8_t)v;
			p += used;
		}
	}
	fclose(f);
	return n;
}

static void print_hex(const char *name, const uint8_t *b, size_t n)
{
	printf("    BEGIN %s\n", name);
	for (size_t i = 0; i < n; i += 16) {
		printf("    %04zx ", i);
		for (size_t j = i; j < n && j < i + 16; j++)
			printf(" %02x", b[j]);
		printf("\n");
	}
	printf("    END %s\n", name);
}

static void check_example(const char *name, const struct probe_packet *p)
{
	uint8_t want[PROBE_PACKET_LEN], got[PROBE_PACKET_LEN + 16];
	size_t n;

	assert_int_equal(encode(p, KEY, want), PROBE_PACKET_LEN);
	n = doc_hex(name, got, sizeof(got));
	if (n != PROBE_PACKET_LEN || memcmp(got, want, n) != 0) {
		printf("docs/PROBE-PROTOCOL: example %s differs from the codec; "
		       "it should read:\n", name);
		print_hex(name, want, sizeof(want));
		fail();
	}
}

static void test_document_examples(void **state)
{
	struct probe_packet req = example_request(), rep = example_reply();

	(void)state;
	check_example("example-request", &req);
	check_example("example-reply", &rep);
}

/* ---- replay window */

static void test_replay_in_order(void **state)
{
	struct replay_window w;

	(void)state;
	replay_window_init(&w);
	assert_int_equal(replay_window_check(&w, 1000), REPLAY_NEW);
	for (uint64_t s = 1000; s < 1200; s++) {
		assert_int_equal(replay_window_check(&w, s), REPLAY_NEW);
		replay_window_accept(&w, s);
		assert_int_equal(replay_window_check(&w, s), REPLAY_DUPLICATE);
	}
	assert_true(w.top == 1199);
	assert_int_equal(replay_window_check(&w, 1199 - 63), REPLAY_DUPLICATE);
	assert_int_equal(replay_window_check(&w, 1199 - 64), REPLAY_TOO_OLD);
	assert_int_equal(replay_window_check(&w, 0), REPLAY_TOO_OLD);
	assert_string_equal(replay_verdict_name(REPLAY_TOO_OLD), "too old");
}

static void test_replay_reordered(void **state)
{
	struct replay_window w;

	(void)state;
	replay_window_init(&w);
	replay_window_accept(&w, 100);
	replay_window_accept(&w, 105);
	/* 101..104 arrive late, out of order, inside the window */
	static const uint64_t late[] = { 103, 101, 104, 102 };
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(replay_window_check(&w, late[i]), REPLAY_NEW);
		replay_window_accept(&w, late[i]);
	}
	for (uint64_t s = 100; s <= 105; s++)
		assert_int_equal(replay_window_check(&w, s), REPLAY_DUPLICATE);
	assert_int_equal(replay_window_check(&w, 99), REPLAY_NEW);
	assert_int_equal(replay_window_check(&w, 106), REPLAY_NEW);
	/* the window's last slot: top - 63 is new once, then a duplicate */
	assert_int_equal(replay_window_check(&w, 105 - 63), REPLAY_NEW);
	replay_window_accept(&w, 105 - 63);
	assert_int_equal(replay_window_check(&w, 105 - 63), REPLAY_DUPLICATE);
	/* recording something too old changes nothing */
	struct replay_window before = w;

	replay_window_accept(&w, 1);
	assert_memory_equal(&w, &before, sizeof(w));
}

static void test_replay_jumps(void **state)
{
	struct replay_window w;

	(void)state;
	replay_window_init(&w);
	replay_window_accept(&w, 10);
	replay_window_accept(&w, 12);
	/* a jump of exactly the window: only the new top is seen */
	replay_window_accept(&w, 12 + REPLAY_WINDOW_SIZE);
	assert_int_equal(replay_window_check(&w, 12), REPLAY_TOO_OLD);
	assert_int_equal(replay_window_check(&w, 13), REPLAY_NEW);
	/* a huge jump (restart from the wall clock): accepted, old is old */
	replay_window_accept(&w, UINT64_MAX - 5);
	assert_int_equal(replay_window_check(&w, UINT64_MAX - 5),
			 REPLAY_DUPLICATE);
	assert_int_equal(replay_window_check(&w, 12 + REPLAY_WINDOW_SIZE),
			 REPLAY_TOO_OLD);
	assert_int_equal(replay_window_check(&w, UINT64_MAX), REPLAY_NEW);
	replay_window_accept(&w, UINT64_MAX);
	assert_int_equal(replay_window_check(&w, UINT64_MAX - 5),
			 REPLAY_DUPLICATE);
	assert_int_equal(replay_window_check(&w, UINT64_MAX - 4), REPLAY_NEW);
	/* a window that saw 0 first */
	replay_window_init(&w);
	replay_window_accept(&w, 0);
	assert_int_equal(replay_window_check(&w, 0), REPLAY_DUPLICATE);
	assert_int_equal(replay_window_check(&w, 1), REPLAY_NEW);
}

/* ---- rate limiter */

static struct mep_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct mep_addr x;

	memset(&x, 0, sizeof(x));
	x.family = 2;
	x.addr[0] = a;
	x.addr[1] = b;
	x.addr[2] = c;
	x.addr[3] = d;
	return x;
}

static void test_ratelimit_source(void **state)
{
	struct ratelimit *rl = malloc(sizeof(*rl));
	struct mep_addr a = v4(192, 0, 2, 1), b = v4(192, 0, 2, 2);
	uint64_t t = 1000000;

	(void)state;
	assert_non_null(rl);
	ratelimit_init(rl, NULL, t);
	for (int i = 0; i < RATELIMIT_SOURCE_BURST; i++)
		assert_int_equal(ratelimit_admit(rl, &a, true, t),
				 RATELIMIT_PASS);
	assert_int_equal(ratelimit_admit(rl, &a, true, t),
			 RATELIMIT_DROP_SOURCE);
	/* another source is not affected */
	assert_int_equal(ratelimit_admit(rl, &b, true, t), RATELIMIT_PASS);
	/* 1/50 s later one more token */
	t += 1000000 / RATELIMIT_SOURCE_RATE - 1;
	assert_int_equal(ratelimit_admit(rl, &a, true, t),
			 RATELIMIT_DROP_SOURCE);
	t += 1;
	assert_int_equal(ratelimit_admit(rl, &a, true, t), RATELIMIT_PASS);
	assert_int_equal(ratelimit_admit(rl, &a, true, t),
			 RATELIMIT_DROP_SOURCE);
	/* a clock that goes back refills nothing */
	assert_int_equal(ratelimit_admit(rl, &a, true, t - 500000),
			 RATELIMIT_DROP_SOURCE);
	/* an hour later: full, never more than the burst */
	t += 3600ULL * 1000000;
	for (int i = 0; i < RATELIMIT_SOURCE_BURST; i++)
		assert_int_equal(ratelimit_admit(rl, &a, true, t),
				 RATELIMIT_PASS);
	assert_int_equal(ratelimit_admit(rl, &a, true, t),
			 RATELIMIT_DROP_SOURCE);
	assert_true(rl->count.passed == 2 * RATELIMIT_SOURCE_BURST + 2);
	assert_true(rl->count.dropped_source == 5);
	free(rl);
}

static void test_ratelimit_classes(void **state)
{
	struct ratelimit *rl = malloc(sizeof(*rl));
	struct ratelimit_params p = {
		.source_rate = 50, .source_burst = 100,
		.known_rate = 1000, .known_burst = 1000,
		.unknown_rate = 100, .unknown_burst = 200,
	};
	struct mep_addr peer = v4(198, 51, 100, 7);
	uint64_t t = 0, pass = 0;

	(void)state;
	assert_non_null(rl);
	ratelimit_init(rl, &p, t);
	/* a flood from 100k different unknown sources in one second */
	for (uint32_t i = 0; i < 100000; i++) {
		struct mep_addr a = v4(10, (uint8_t)(i >> 16),
				       (uint8_t)(i >> 8), (uint8_t)i);

		t = i * 10ULL;	/* 100k packets/s */
		if (ratelimit_admit(rl, &a, false, t) == RATELIMIT_PASS)
			pass++;
		/* the peer probes every 50 ms meanwhile: always passes */
		if (i % 5000 == 0)
			assert_int_equal(ratelimit_admit(rl, &peer, true, t),
					 RATELIMIT_PASS);
	}
	/* burst 200 + 1 s at 100/s */
	assert_true(pass >= 200 && pass <= 301);
	assert_true(rl->count.dropped_total >= 100000 - 301);
	/* bounded table: many evictions, never more entries than slots */
	assert_true(rl->count.evictions > 90000);
	free(rl);
}

static void test_ratelimit_eviction_prefers_unknown(void **state)
{
	struct ratelimit *rl = malloc(sizeof(*rl));
	struct mep_addr peer = v4(198, 51, 100, 7);
	uint64_t t = 1;

	(void)state;
	assert_non_null(rl);
	ratelimit_init(rl, NULL, t);
	/* the peer empties its bucket */
	for (int i = 0; i < RATELIMIT_SOURCE_BURST; i++)
		ratelimit_admit(rl, &peer, true, t);
	assert_int_equal(ratelimit_admit(rl, &peer, true, t),
			 RATELIMIT_DROP_SOURCE);
	/* many unknown sources later (same instant: no refill), the peer's
	 * entry is still there: still empty, not a fresh full bucket */
	for (uint32_t i = 0; i < 20000; i++) {
		struct mep_addr a = v4(10, 1, (uint8_t)(i >> 8), (uint8_t)i);

		a.addr[4] = (uint8_t)(i >> 16);
		ratelimit_admit(rl, &a, false, t + 1);
	}
	assert_int_equal(ratelimit_admit(rl, &peer, true, t + 1),
			 RATELIMIT_DROP_SOURCE);
	assert_string_equal(ratelimit_verdict_name(RATELIMIT_DROP_TOTAL),
			    "total limit");
	free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_at_offsets),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_authenticated_field_errors),
		cmocka_unit_test(test_keyring_grace),
		cmocka_unit_test(test_causes),
		cmocka_unit_test(test_document_examples),
		cmocka_unit_test(test_replay_in_order),
		cmocka_unit_test(test_replay_reordered),
		cmocka_unit_test(test_replay_jumps),
		cmocka_unit_test(test_ratelimit_source),
		cmocka_unit_test(test_ratelimit_classes),
		cmocka_unit_test(test_ratelimit_eviction_prefers_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
