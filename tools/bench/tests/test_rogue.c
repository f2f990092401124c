/* Unit tests of rogue_packet (probe_rogue's packets): each kind is
 * rejected by the project's probe_decode with exactly its intended error
 * and counted by a responder under exactly its intended cause (the two
 * that decode, unknown-sender and replay, by the responder); the pool of
 * one kind holds different packets; bad parameters give -1, never a
 * packet; the capture filter takes probe requests out of IPv4/UDP and
 * refuses everything else (other port, replies, fragments, short or
 * lying lengths); the IPv4/UDP wrapper of spoofed floods reads back
 * through that filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config_fixture.h"
#include "responder.h"
#include "rogue_packet.h"
#include "wire.h"

#define KEY "s3cr3t-probe-key"
#define SEC 1000000ULL

static void params(struct rogue_params *p)
{
	rogue_params_init(p, 42);
	p->key = KEY;
	p->sender = "S1";
	p->target = "M1";
}

static void keyring(struct probe_keyring *kr)
{
	probe_keyring_init(kr);
	assert_int_equal(probe_keyring_set(kr, KEY, 0), 0);
}

/* M1 center of S1 (198.51.100.1), answering with KEY. */
struct center {
	struct mep_config cfg;
	struct responder r;
};

static void center_up(struct center *c)
{
	struct mep_addr s1;
	int k;

	mep_config_init(&c->cfg);
	fixture_add_gateway(&c->cfg, "M1", "192.0.2.1", "10.1.0.0/16");
	fixture_add_gateway(&c->cfg, "S1", "198.51.100.1", "10.11.0.0/16");
	k = fixture_add_community(&c->cfg, "STAR", MEP_COMMUNITY_STAR);
	fixture_list_push(&c->cfg.communities[k].centers, 0);
	fixture_list_push(&c->cfg.communities[k].satellites, 1);
	c->cfg.communities[k].mep_enabled = true;
	c->cfg.local_gateway = 0;
	assert_int_equal(mep_addr_parse("198.51.100.1", &s1), 0);
	assert_int_equal(responder_init(&c->r, 0), 0);
	assert_int_equal(responder_configure(&c->r, &c->cfg), 0);
	assert_int_equal(responder_set_key(&c->r, KEY, 0), 0);
	assert_int_equal(responder_set_address(&c->r, "S1", &s1), 0);
}

static void center_down(struct center *c)
{
	responder_free(&c->r);
	mep_config_free(&c->cfg);
}

/* Hand buf to the center from a stranger's address (a new one each time,
 * so that the per-source rate limit stays out of the way): 1 answered,
 * else 0 and *cause. */
static int center_handle(struct center *c, const uint8_t *buf, size_t len,
			 uint64_t t, enum probe_cause *cause)
{
	static unsigned int stranger;
	struct mep_addr src;
	uint8_t out[PROBE_PACKET_LEN];
	size_t n = 0;

	memset(&src, 0, sizeof(src));
	src.family = 2;		/* AF_INET */
	src.addr[0] = 203;
	src.addr[2] = (uint8_t)(++stranger >> 8);
	src.addr[3] = (uint8_t)stranger;
	*cause = PROBE_CAUSE_COUNT;
	return responder_handle(&c->r, &src, buf, len, t, out, sizeof(out),
				&n, cause);
}

static void test_names(void **state)
{
	int c;

	(void)state;
	for (c = 0; c < ROGUE_CAUSE_COUNT; c++)
		assert_int_equal(rogue_cause_parse(rogue_cause_name(c)), c);
	assert_int_equal(rogue_cause_parse("bogus"), ROGUE_CAUSE_COUNT);
	assert_int_equal(rogue_cause_parse(NULL), ROGUE_CAUSE_COUNT);
	assert_string_equal(rogue_cause_name(ROGUE_CAUSE_COUNT), "?");
}

/* Every built kind: probe_decode's error, and the cause counted by a
 * center, are the intended ones; nothing is answered. */
static void test_each_cause_decodes_as_intended(void **state)
{
	struct probe_keyring kr;
	struct probe_packet out;
	struct rogue_params p;
	struct center c;
	enum probe_cause cause;
	uint8_t buf[ROGUE_MAX_LEN];
	int k, i, n;

	(void)state;
	keyring(&kr);
	for (k = 0; k < ROGUE_CAUSE_COUNT; k++) {
		if (k == ROGUE_REPLAY)
			continue;
		params(&p);
		if (k == ROGUE_UNKNOWN_SENDER)
			p.sender = "ROGUE";
		center_up(&c);
		for (i = 0; i < 50; i++) {
			n = rogue_build(k, &p, buf, sizeof(buf));
			assert_true(n > 0);
			assert_int_equal(probe_decode(buf, (size_t)n, &kr,
						      SEC, &out),
					 rogue_expected_decode(k));
			assert_int_equal(center_handle(&c, buf, (size_t)n,
						       SEC + i, &cause), 0);
			assert_int_equal(cause, rogue_expected_cause(k));
		}
		assert_int_equal(c.r.count.rejected.n[rogue_expected_cause(k)],
				 50);
		assert_int_equal(c.r.count.answered, 0);
		center_down(&c);
	}
	assert_int_equal(rogue_expected_cause(ROGUE_GARBAGE),
			 PROBE_CAUSE_VERSION);
	assert_int_equal(rogue_expected_cause(ROGUE_FORGED), PROBE_CAUSE_HMAC);
	assert_int_equal(rogue_expected_cause(ROGUE_WRONG_KEY),
			 PROBE_CAUSE_HMAC);
	assert_int_equal(rogue_expected_cause(ROGUE_TRUNCATED),
			 PROBE_CAUSE_TRUNCATED);
	assert_int_equal(rogue_expected_cause(ROGUE_OVERSIZED),
			 PROBE_CAUSE_OVERSIZED);
	assert_int_equal(rogue_expected_cause(ROGUE_VERSION),
			 PROBE_CAUSE_VERSION);
}

/* The packets of the kinds: the right lengths and fields. */
static void test_shapes(void **state)
{
	struct rogue_params p;
	struct probe_key k;
	struct wire_reader r;
	uint8_t buf[ROGUE_MAX_LEN];

	(void)state;
	assert_int_equal(probe_key_init(&k, KEY), 0);
	params(&p);
	/* forged: the real key id in a well-formed header */
	assert_int_equal(rogue_build(ROGUE_FORGED, &p, buf, sizeof(buf)),
			 PROBE_PACKET_LEN);
	wire_reader_init(&r, buf, PROBE_PACKET_LEN);
	assert_int_equal(wire_get_u32(&r), PROBE_MAGIC);
	assert_int_equal(wire_get_u8(&r), PROBE_VERSION);
	assert_int_equal(wire_get_u8(&r), PROBE_TYPE_REQUEST);
	assert_int_equal(wire_get_u16(&r), 0);
	assert_int_equal(wire_get_u32(&r), k.id);
	assert_memory_equal(buf + PROBE_OFF_SENDER, "S1", 3);
	assert_memory_equal(buf + PROBE_OFF_TARGET, "M1", 3);
	/* wrong-key: another key's id */
	assert_int_equal(rogue_build(ROGUE_WRONG_KEY, &p, buf, sizeof(buf)),
			 PROBE_PACKET_LEN);
	wire_reader_init(&r, buf + PROBE_OFF_KEY_ID, 4);
	assert_int_not_equal(wire_get_u32(&r), k.id);
	/* lengths and version as asked */
	p.truncated_len = 0;
	assert_int_equal(rogue_build(ROGUE_TRUNCATED, &p, buf, sizeof(buf)),
			 0);
	p.truncated_len = PROBE_PACKET_LEN - 1;
	assert_int_equal(rogue_build(ROGUE_TRUNCATED, &p, buf, sizeof(buf)),
			 PROBE_PACKET_LEN - 1);
	p.oversized_len = ROGUE_MAX_LEN;
	assert_int_equal(rogue_build(ROGUE_OVERSIZED, &p, buf, sizeof(buf)),
			 ROGUE_MAX_LEN);
	p.version = 0;
	assert_int_equal(rogue_build(ROGUE_VERSION, &p, buf, sizeof(buf)),
			 PROBE_PACKET_LEN);
	assert_int_equal(buf[PROBE_OFF_VERSION], 0);
	/* garbage never starts with the magic */
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(rogue_build(ROGUE_GARBAGE, &p, buf,
					     sizeof(buf)), PROBE_PACKET_LEN);
		assert_int_not_equal(buf[0], 0x4d);
	}
}

/* A pool of one kind holds different packets (a flood is not one packet
 * repeated), and a seed gives the same ones again. */
static void test_packets_differ(void **state)
{
	struct rogue_params p, q;
	uint8_t a[ROGUE_MAX_LEN], b[ROGUE_MAX_LEN], c[ROGUE_MAX_LEN];
	int k;

	(void)state;
	for (k = 0; k < ROGUE_CAUSE_COUNT; k++) {
		if (k == ROGUE_REPLAY)
			continue;
		params(&p);
		params(&q);
		assert_true(rogue_build(k, &p, a, sizeof(a)) > 0);
		assert_true(rogue_build(k, &p, b, sizeof(b)) > 0);
		assert_true(rogue_build(k, &q, c, sizeof(c)) > 0);
		assert_memory_not_equal(a, b, 100);
		assert_memory_equal(a, c, 100);
	}
}

static void test_bad_parameters(void **state)
{
	struct rogue_params p;
	uint8_t buf[ROGUE_MAX_LEN];

	(void)state;
	params(&p);
	assert_int_equal(rogue_build(ROGUE_REPLAY, &p, buf, sizeof(buf)), -1);
	assert_int_equal(rogue_build(ROGUE_CAUSE_COUNT, &p, buf, sizeof(buf)),
			 -1);
	assert_int_equal(rogue_build(ROGUE_FORGED, &p, buf, 188), -1);
	p.truncated_len = PROBE_PACKET_LEN;
	assert_int_equal(rogue_build(ROGUE_TRUNCATED, &p, buf, sizeof(buf)),
			 -1);
	p.oversized_len = PROBE_PACKET_LEN;
	assert_int_equal(rogue_build(ROGUE_OVERSIZED, &p, buf, sizeof(buf)),
			 -1);
	p.oversized_len = ROGUE_MAX_LEN + 1;
	assert_int_equal(rogue_build(ROGUE_OVERSIZED, &p, buf, sizeof(buf)),
			 -1);
	p.version = PROBE_VERSION;
	assert_int_equal(rogue_build(ROGUE_VERSION, &p, buf, sizeof(buf)),
			 -1);
	params(&p);
	p.key = NULL;
	assert_int_equal(rogue_build(ROGUE_FORGED, &p, buf, sizeof(buf)), -1);
	params(&p);
	p.sender = "bad name!";
	assert_int_equal(rogue_build(ROGUE_UNKNOWN_SENDER, &p, buf,
				     sizeof(buf)), -1);
	p.sender = NULL;
	assert_int_equal(rogue_build(ROGUE_FORGED, &p, buf, sizeof(buf)), -1);
}

/* Replays: a request the center answered, re-sent unchanged, is counted
 * as "replay"; so is one below the window. */
static void test_replay_counted(void **state)
{
	struct rogue_params p;
	struct center c;
	enum probe_cause cause;
	uint8_t first[ROGUE_MAX_LEN], buf[ROGUE_MAX_LEN];
	int i, n;

	(void)state;
	params(&p);
	center_up(&c);
	/* a legitimate request (the right key, a known sender) */
	n = rogue_build(ROGUE_UNKNOWN_SENDER, &p, first, sizeof(first));
	assert_int_equal(center_handle(&c, first, (size_t)n, SEC, &cause), 1);
	for (i = 0; i < 100; i++) {
		n = rogue_build(ROGUE_UNKNOWN_SENDER, &p, buf, sizeof(buf));
		assert_int_equal(center_handle(&c, buf, (size_t)n, SEC + i + 1,
					       &cause), 1);
		assert_int_equal(center_handle(&c, buf, (size_t)n,
					       SEC + i + 1, &cause), 0);
		assert_int_equal(cause, rogue_expected_cause(ROGUE_REPLAY));
	}
	/* the first, now below the 64-wide window */
	assert_int_equal(center_handle(&c, first, (size_t)n, 2 * SEC, &cause),
			 0);
	assert_int_equal(cause, PROBE_CAUSE_REPLAY);
	assert_int_equal(c.r.count.rejected.n[PROBE_CAUSE_REPLAY], 101);
	assert_int_equal(c.r.count.answered, 101);
	center_down(&c);
}

/* An IPv4/UDP datagram from 198.51.100.1:40000 to port dport. */
static size_t ipv4_udp(uint8_t *out, size_t cap, uint16_t dport,
		       const uint8_t *pl, size_t len, uint16_t frag)
{
	struct wire_writer w;

	wire_writer_init(&w, out, cap);
	wire_put_u8(&w, 0x45);
	wire_put_u8(&w, 0);
	wire_put_u16(&w, (uint16_t)(20 + 8 + len));
	wire_put_u16(&w, 1);
	wire_put_u16(&w, frag);
	wire_put_u8(&w, 64);
	wire_put_u8(&w, 17);
	wire_put_u16(&w, 0);
	wire_put_u32(&w, 0xc6336401);
	wire_put_u32(&w, 0xc0000201);
	wire_put_u16(&w, 40000);
	wire_put_u16(&w, dport);
	wire_put_u16(&w, (uint16_t)(8 + len));
	wire_put_u16(&w, 0);
	wire_put_bytes(&w, pl, len);
	assert_false(wire_writer_failed(&w));
	return w.len;
}

static void test_capture_match(void **state)
{
	struct rogue_params p;
	struct probe_packet rep = { .type = PROBE_TYPE_REPLY, .seq = 1,
				    .sender = "M1", .target = "S1" };
	struct probe_key k;
	uint8_t req[ROGUE_MAX_LEN], ip[2048];
	const uint8_t *pl;
	size_t len, n;
	uint32_t src;
	uint16_t sport;

	(void)state;
	params(&p);
	assert_int_equal(rogue_build(ROGUE_UNKNOWN_SENDER, &p, req,
				     sizeof(req)), PROBE_PACKET_LEN);
	n = ipv4_udp(ip, sizeof(ip), PROBE_DEFAULT_PORT, req,
		     PROBE_PACKET_LEN, 0x4000 /* DF */);
	assert_true(rogue_capture_match(ip, n, 0, PROBE_DEFAULT_PORT, &pl, &len,
					&src, &sport));
	assert_int_equal(len, PROBE_PACKET_LEN);
	assert_memory_equal(pl, req, PROBE_PACKET_LEN);
	assert_int_equal(src, 0xc6336401);
	assert_int_equal(sport, 40000);
	/* the right destination; another destination; another port */
	assert_true(rogue_capture_match(ip, n, 0xc0000201, PROBE_DEFAULT_PORT,
					&pl, &len, &src, &sport));
	assert_false(rogue_capture_match(ip, n, 0xc0000202,
					 PROBE_DEFAULT_PORT, &pl, &len, &src,
					 &sport));
	assert_false(rogue_capture_match(ip, n, 0, 9999, &pl, &len, &src,
					 &sport));
	/* cut anywhere */
	for (size_t cut = 0; cut < n; cut++)
		assert_false(rogue_capture_match(ip, cut, 0, PROBE_DEFAULT_PORT,
						 &pl, &len, &src, &sport));
	/* a fragment */
	n = ipv4_udp(ip, sizeof(ip), PROBE_DEFAULT_PORT, req,
		     PROBE_PACKET_LEN, 0x2000 /* MF */);
	assert_false(rogue_capture_match(ip, n, 0, PROBE_DEFAULT_PORT, &pl, &len,
					 &src, &sport));
	/* a reply is not captured */
	assert_int_equal(probe_key_init(&k, KEY), 0);
	assert_int_equal(probe_encode(&rep, &k, req, sizeof(req)),
			 PROBE_PACKET_LEN);
	n = ipv4_udp(ip, sizeof(ip), PROBE_DEFAULT_PORT, req,
		     PROBE_PACKET_LEN, 0);
	assert_false(rogue_capture_match(ip, n, 0, PROBE_DEFAULT_PORT, &pl, &len,
					 &src, &sport));
	/* another length */
	n = ipv4_udp(ip, sizeof(ip), PROBE_DEFAULT_PORT, req, 100, 0);
	assert_false(rogue_capture_match(ip, n, 0, PROBE_DEFAULT_PORT, &pl, &len,
					 &src, &sport));
	/* a UDP length beyond the IP datagram */
	assert_int_equal(rogue_build(ROGUE_UNKNOWN_SENDER, &p, req,
				     sizeof(req)), PROBE_PACKET_LEN);
	n = ipv4_udp(ip, sizeof(ip), PROBE_DEFAULT_PORT, req,
		     PROBE_PACKET_LEN, 0);
	ip[24] = 0x7f;
	assert_false(rogue_capture_match(ip, n, 0, PROBE_DEFAULT_PORT, &pl, &len,
					 &src, &sport));
	/* not IPv4, not UDP */
	ip[24] = 0;
	ip[25] = 8 + PROBE_PACKET_LEN;
	assert_true(rogue_capture_match(ip, n, 0, PROBE_DEFAULT_PORT, &pl, &len,
					&src, &sport));
	ip[9] = 6;
	assert_false(rogue_capture_match(ip, n, 0, PROBE_DEFAULT_PORT, &pl, &len,
					 &src, &sport));
	ip[9] = 17;
	ip[0] = 0x65;
	assert_false(rogue_capture_match(ip, n, 0, PROBE_DEFAULT_PORT, &pl, &len,
					 &src, &sport));
}

/* The spoofing wrapper: what it writes is what the capture filter reads
 * back, with the forged source; too small a buffer gives -1. */
static void test_ipv4_udp(void **state)
{
	struct rogue_params p;
	uint8_t req[ROGUE_MAX_LEN], ip[2048];
	const uint8_t *pl;
	size_t len;
	uint32_t src;
	uint16_t sport;
	int n;

	(void)state;
	params(&p);
	assert_int_equal(rogue_build(ROGUE_UNKNOWN_SENDER, &p, req,
				     sizeof(req)), PROBE_PACKET_LEN);
	n = rogue_ipv4_udp(ip, sizeof(ip), 0xc6120001, 0xc0000201, 4242,
			   PROBE_DEFAULT_PORT, req, PROBE_PACKET_LEN);
	assert_int_equal(n, 28 + PROBE_PACKET_LEN);
	assert_true(rogue_capture_match(ip, (size_t)n, 0xc0000201,
					PROBE_DEFAULT_PORT, &pl, &len, &src,
					&sport));
	assert_int_equal(src, 0xc6120001);
	assert_int_equal(sport, 4242);
	assert_memory_equal(pl, req, PROBE_PACKET_LEN);
	assert_int_equal(rogue_ipv4_udp(ip, 100, 1, 2, 3, 4, req,
					PROBE_PACKET_LEN), -1);
	assert_int_equal(rogue_ipv4_udp(ip, sizeof(ip), 1, 2, 3, 4, req,
					65535), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_each_cause_decodes_as_intended),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_packets_differ),
		cmocka_unit_test(test_bad_parameters),
		cmocka_unit_test(test_replay_counted),
		cmocka_unit_test(test_capture_match),
		cmocka_unit_test(test_ipv4_udp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
