/* test_zapi: unit tests of zapi_codec (exact bytes, round trips, every
 * truncation, frames captured from the real zebra 8.4.4 in a namespace
 * lab) and of zapi_session against a fake zebra on a unix socket driven
 * by the same libev loop (HELLO/GR seen, ROUTE_ADD bytes exact, notify,
 * unknown frames skipped, reconnect after close/ERROR/garbage, a 100k
 * route burst). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "zapi_codec.h"
#include "zapi_session.h"

/* ---- helpers ------------------------------------------------------- */

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h) / 2;

	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static struct mep_prefix pfx(const char *s)
{
	struct mep_prefix p;

	assert_int_equal(mep_prefix_parse(s, &p, NULL), 0);
	return p;
}

static struct mep_addr addr(const char *s)
{
	struct mep_addr a;

	assert_int_equal(mep_addr_parse(s, &a), 0);
	return a;
}

static const struct zapi_ident nhrp = { .type = ZAPI_ROUTE_NHRP };

/* Captured in a lab namespace (zebra 8.4.4, Debian 12): */
/* our ROUTE_ADD 10.9.0.0/16 via 10.0.0.2 ifindex 2, distance 20, metric
 * 10, tag 2600 (zebra installed it and answered with fx_notify) */
static const char fx_route_add[] =
	"0033fe060000000000080c0000000000000000000f0102100a09000100000000"
	"03000a00000200000002140000000a00000a28";
/* ROUTE_NOTIFY_OWNER body: INSTALLED 10.9.0.0/16 table 254 afi 1 safi 1
 * (the note is in host order: little-endian here) */
static const char fx_notify[] = "0200000002100a090000000000fe0101";
/* CAPABILITIES body right after HELLO (ecmp 256) */
static const char fx_caps[] = "00000000000000010000";
/* ERROR body after an unknown command 60000: invalid message type */
static const char fx_error[] = "02000000";
/* command 33 (VRF_ADD "default", 76-byte body) zebra sends after HELLO */
static const char fx_vrf_add[] =
	"0056fe06000000000021fe000000000000000000000000000000000000000000"
	"00000000000000000000000000000000000064656661756c7400000000000000"
	"00000000000000000000000000000000000000000000";

/* ---- codec --------------------------------------------------------- */

static void test_release_table(void **state)
{
	(void)state;
	assert_int_equal(zapi_release_lookup(&zapi_release_frr8, 8),
			 ZAPI_CMD_ROUTE_ADD);
	assert_int_equal(zapi_release_lookup(&zapi_release_frr8, 118),
			 ZAPI_CMD_ERROR);
	assert_int_equal(zapi_release_lookup(&zapi_release_frr8, 119),
			 ZAPI_CMD_CLIENT_CAPABILITIES);
	assert_int_equal(zapi_release_lookup(&zapi_release_frr8, 33),
			 ZAPI_CMD_UNKNOWN);
	assert_string_equal(zapi_cmd_name(ZAPI_CMD_UNKNOWN), "unknown");
	/* a different release is only a different table */
	struct zapi_release other = zapi_release_frr8;

	other.cmd[ZAPI_CMD_ROUTE_ADD] = 9;
	uint8_t buf[ZAPI_ROUTE_MAX_FRAME];
	struct zapi_route r = { .prefix = pfx("10.1.0.0/16") };
	struct zapi_header h;

	assert_true(zapi_encode_route(buf, sizeof(buf), &other,
				      ZAPI_CMD_ROUTE_ADD, &nhrp, &r) > 0);
	assert_int_equal(zapi_header_decode(buf, sizeof(buf), &h, NULL), 0);
	assert_int_equal(h.cmd, 9);
}

static void test_header(void **state)
{
	uint8_t b[16];
	struct zapi_header h;
	const char *err = NULL;

	(void)state;
	assert_int_equal(zapi_header_encode(b, sizeof(b), 300, 7, 119), 10);
	assert_int_equal(zapi_header_decode(b, 10, &h, &err), 0);
	assert_int_equal(h.len, 300);
	assert_int_equal(h.vrf, 7);
	assert_int_equal(h.cmd, 119);
	assert_int_equal(zapi_header_encode(b, 9, 10, 0, 1), -1);
	for (size_t n = 0; n < 10; n++)
		assert_int_equal(zapi_header_decode(b, n, &h, &err), -1);
	b[2] = 255;
	assert_int_equal(zapi_header_decode(b, 10, &h, &err), -1);
	assert_string_equal(err, "bad ZAPI marker");
	b[2] = 254;
	b[3] = 5;
	assert_int_equal(zapi_header_decode(b, 10, &h, &err), -1);
	b[3] = 6;
	b[0] = 0;
	b[1] = 9;
	assert_int_equal(zapi_header_decode(b, 10, &h, &err), -1);
}

static void test_hello_and_caps_bytes(void **state)
{
	uint8_t b[64], want[64];
	size_t wn;
	int n;
	struct zapi_hello h;
	struct zapi_client_cap c;

	(void)state;
	n = zapi_encode_hello(b, sizeof(b), &zapi_release_frr8, &nhrp, true,
			      false);
	wn = unhex("0013fe06000000000012" "0c" "0000" "00000000" "01" "00",
		   want, sizeof(want));
	assert_int_equal(n, (int)wn);
	assert_memory_equal(b, want, wn);
	assert_int_equal(zapi_decode_hello(b + 10, wn - 10, &h, NULL), 0);
	assert_int_equal(h.type, 12);
	assert_true(h.receive_notify);
	for (size_t k = 0; k < wn - 10; k++)
		assert_int_equal(zapi_decode_hello(b + 10, k, &h, NULL), -1);

	n = zapi_encode_gr(b, sizeof(b), &zapi_release_frr8, &nhrp, 90);
	wn = unhex("0016fe06000000000077" "00000001" "0000005a" "00000000",
		   want, sizeof(want));
	assert_int_equal(n, (int)wn);
	assert_memory_equal(b, want, wn);
	assert_int_equal(zapi_decode_client_cap(b + 10, wn - 10, &c, NULL), 0);
	assert_int_equal(c.cap, ZAPI_CAP_GR);
	assert_int_equal(c.stale_time, 90);

	n = zapi_encode_update_complete(b, sizeof(b), &zapi_release_frr8,
					&nhrp, ZAPI_AFI_IP6);
	wn = unhex("001afe06000000000077" "00000002" "00000002" "00000001"
		   "00000000", want, sizeof(want));
	assert_int_equal(n, (int)wn);
	assert_memory_equal(b, want, wn);
	assert_int_equal(zapi_decode_client_cap(b + 10, wn - 10, &c, NULL), 0);
	assert_int_equal(c.afi, 2);
	for (size_t k = 0; k < wn - 10; k++)
		assert_int_equal(
			zapi_decode_client_cap(b + 10, k, &c, NULL), -1);
	assert_int_equal(zapi_encode_update_complete(b, sizeof(b),
						     &zapi_release_frr8,
						     &nhrp, 3), -1);
	/* too small buffers never overflow */
	for (size_t k = 0; k < 26; k++)
		assert_int_equal(zapi_encode_update_complete(
					 b, k, &zapi_release_frr8, &nhrp,
					 ZAPI_AFI_IP), -1);
}

static void test_route_add_exact(void **state)
{
	uint8_t b[ZAPI_ROUTE_MAX_FRAME], want[ZAPI_ROUTE_MAX_FRAME];
	struct zapi_route r = {
		.prefix = pfx("10.9.0.0/16"),
		.has_nexthop = true,
		.nh = { .type = ZAPI_NH_IPV4_IFINDEX, .ifindex = 2,
			.gate = addr("10.0.0.2") },
		.has_distance = true, .distance = 20,
		.has_metric = true, .metric = 10,
		.has_tag = true, .tag = 2600,
	};
	size_t wn = unhex(fx_route_add, want, sizeof(want));
	int n;

	(void)state;
	n = zapi_encode_route(b, sizeof(b), &zapi_release_frr8,
			      ZAPI_CMD_ROUTE_ADD, &nhrp, &r);
	assert_int_equal(n, (int)wn);
	assert_memory_equal(b, want, wn);
	/* every short buffer is refused */
	for (size_t k = 0; k < wn; k++)
		assert_int_equal(zapi_encode_route(b, k, &zapi_release_frr8,
						   ZAPI_CMD_ROUTE_ADD, &nhrp,
						   &r), -1);
	/* delete: prefix only */
	struct zapi_route d = { .prefix = r.prefix };

	n = zapi_encode_route(b, sizeof(b), &zapi_release_frr8,
			      ZAPI_CMD_ROUTE_DELETE, &nhrp, &d);
	wn = unhex("001afe06000000000009" "0c" "0000" "00000000" "00000000"
		   "01" "02" "10" "0a09", want, sizeof(want));
	assert_int_equal(n, (int)wn);
	assert_memory_equal(b, want, wn);
	/* not a route command; bad prefix; nexthop without address */
	assert_int_equal(zapi_encode_route(b, sizeof(b), &zapi_release_frr8,
					   ZAPI_CMD_HELLO, &nhrp, &r), -1);
	d.prefix.len = 33;
	assert_int_equal(zapi_encode_route(b, sizeof(b), &zapi_release_frr8,
					   ZAPI_CMD_ROUTE_ADD, &nhrp, &d), -1);
	d.prefix = r.prefix;
	d.has_nexthop = true;
	d.nh.type = ZAPI_NH_IPV4;
	assert_int_equal(zapi_encode_route(b, sizeof(b), &zapi_release_frr8,
					   ZAPI_CMD_ROUTE_ADD, &nhrp, &d), -1);
	d.nh.type = ZAPI_NH_IFINDEX;
	assert_int_equal(zapi_encode_route(b, sizeof(b), &zapi_release_frr8,
					   ZAPI_CMD_ROUTE_ADD, &nhrp, &d), -1);
	d.nh.type = (enum zapi_nh_type)9;
	d.nh.ifindex = 3;
	assert_int_equal(zapi_encode_route(b, sizeof(b), &zapi_release_frr8,
					   ZAPI_CMD_ROUTE_ADD, &nhrp, &d), -1);
}

static void route_round_trip(const struct zapi_route *r)
{
	uint8_t b[ZAPI_ROUTE_MAX_FRAME];
	struct zapi_route got;
	uint8_t type;
	uint16_t inst;
	const char *err = NULL;
	int n = zapi_encode_route(b, sizeof(b), &zapi_release_frr8,
				  ZAPI_CMD_ROUTE_ADD, &nhrp, r);

	assert_true(n > 10);
	assert_int_equal(zapi_decode_route(b + 10, (size_t)n - 10, &type,
					   &inst, &got, &err), 0);
	assert_int_equal(type, 12);
	assert_int_equal(inst, 0);
	assert_true(mep_prefix_equal(&got.prefix, &r->prefix));
	assert_int_equal(got.has_nexthop, r->has_nexthop);
	if (r->has_nexthop) {
		assert_int_equal(got.nh.type, r->nh.type);
		assert_int_equal(got.nh.ifindex, r->nh.ifindex);
		if (r->nh.type != ZAPI_NH_IFINDEX &&
		    r->nh.type != ZAPI_NH_BLACKHOLE)
			assert_memory_equal(got.nh.gate.addr, r->nh.gate.addr,
					    16);
	}
	assert_int_equal(got.has_distance, r->has_distance);
	assert_int_equal(got.distance, r->distance);
	assert_int_equal(got.has_metric, r->has_metric);
	assert_int_equal(got.metric, r->metric);
	assert_int_equal(got.has_tag, r->has_tag);
	assert_int_equal(got.tag, r->tag);
	/* every truncation fails cleanly */
	for (size_t k = 0; k < (size_t)n - 10; k++)
		assert_int_equal(zapi_decode_route(b + 10, k, &type, &inst,
						   &got, &err), -1);
}

static void test_route_round_trips(void **state)
{
	struct zapi_route r;
	static const char *const pfxs[] = {
		"10.1.0.0/16", "0.0.0.0/0", "192.0.2.1/32", "10.128.0.0/9",
		"2001:db8::/32", "::/0", "2001:db8:1:2::7/128", "fc00::/7",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(pfxs) / sizeof(pfxs[0]); i++) {
		for (int nh = 0; nh <= ZAPI_NH_BLACKHOLE; nh++) {
			bool v6 = strchr(pfxs[i], ':') != NULL;

			memset(&r, 0, sizeof(r));
			r.prefix = pfx(pfxs[i]);
			r.has_nexthop = nh != 0;
			r.nh.type = (enum zapi_nh_type)nh;
			switch (nh) {
			case ZAPI_NH_IFINDEX:
				r.nh.ifindex = 7;
				break;
			case ZAPI_NH_IPV4:
			case ZAPI_NH_IPV4_IFINDEX:
				if (v6)
					continue;
				r.nh.gate = addr("10.0.0.2");
				r.nh.ifindex = nh == ZAPI_NH_IPV4 ? 0 : 3;
				break;
			case ZAPI_NH_IPV6:
			case ZAPI_NH_IPV6_IFINDEX:
				r.nh.gate = addr("fe80::1");
				r.nh.ifindex = nh == ZAPI_NH_IPV6 ? 0 : 4;
				break;
			}
			r.has_distance = i % 2;
			r.distance = r.has_distance ? 20 : 0;
			r.has_metric = nh % 2;
			r.metric = r.has_metric ? 100 : 0;
			r.has_tag = i % 3 == 0;
			r.tag = r.has_tag ? 2600 : 0;
			route_round_trip(&r);
		}
	}
}

static void test_notify_real(void **state)
{
	uint8_t b[64];
	size_t n = unhex(fx_notify, b, sizeof(b));
	struct zapi_notify no;
	const char *err = NULL;
	char s[MEP_PREFIX_STRLEN];
	uint32_t one = 1;

	(void)state;
	if (*(uint8_t *)&one != 1)
		skip(); /* captured on a little-endian host */
	assert_int_equal(zapi_decode_notify(b, n, &no, &err), 0);
	assert_int_equal(no.note, ZAPI_NOTE_INSTALLED);
	assert_string_equal(zapi_note_name(no.note), "installed");
	assert_string_equal(mep_prefix_str(&no.prefix, s, sizeof(s)),
			    "10.9.0.0/16");
	assert_int_equal(no.table, 254);
	assert_int_equal(no.afi, 1);
	assert_int_equal(no.safi, 1);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(zapi_decode_notify(b, k, &no, &err), -1);
	/* a bad family or length is refused */
	b[4] = 7;
	assert_int_equal(zapi_decode_notify(b, n, &no, &err), -1);
	b[4] = 2;
	b[5] = 33;
	assert_int_equal(zapi_decode_notify(b, n, &no, &err), -1);
	/* IPv6 notify (same layout, 16 address bytes) */
	n = unhex("03000000" "0a" "30" "20010db8000100000000000000000000"
		  "000000fe" "02" "01", b, sizeof(b));
	assert_int_equal(zapi_decode_notify(b, n, &no, &err), 0);
	assert_int_equal(no.note, ZAPI_NOTE_REMOVED);
	assert_string_equal(mep_prefix_str(&no.prefix, s, sizeof(s)),
			    "2001:db8:1::/48");
}

/* REDISTRIBUTE_ADD/DELETE of our own type (what an earlier run left) and
 * the start of the REDISTRIBUTE_ROUTE_ADD zebra answers with. */
static void test_redistribute(void **state)
{
	const struct zapi_ident self_id = { .type = ZAPI_ROUTE_NHRP };
	const struct zapi_ident inst = { .type = ZAPI_ROUTE_NHRP,
					 .instance = 3 };
	const struct zapi_ident none = { .type = 0 };
	const struct zapi_release *r = &zapi_release_frr8;
	uint8_t b[64], want[64];
	struct zapi_redist_route rr;
	const char *err = NULL;
	char s[MEP_PREFIX_STRLEN];
	size_t n;

	(void)state;
	n = unhex("000e" "fe06" "00000000" "000b" "01" "0c" "0000", want,
		  sizeof(want));
	assert_int_equal(zapi_encode_redistribute(b, sizeof(b), r,
						  ZAPI_CMD_REDISTRIBUTE_ADD,
						  &self_id, ZAPI_AFI_IP),
			 (int)n);
	assert_memory_equal(b, want, n);
	n = unhex("000e" "fe06" "00000000" "000c" "02" "0c" "0003", want,
		  sizeof(want));
	assert_int_equal(zapi_encode_redistribute(b, sizeof(b), r,
						  ZAPI_CMD_REDISTRIBUTE_DELETE,
						  &inst, ZAPI_AFI_IP6),
			 (int)n);
	assert_memory_equal(b, want, n);
	/* not a redistribute command, a bad afi or type, no room */
	assert_int_equal(zapi_encode_redistribute(b, sizeof(b), r,
						  ZAPI_CMD_ROUTE_ADD, &self_id,
						  ZAPI_AFI_IP),
			 -1);
	assert_int_equal(zapi_encode_redistribute(b, sizeof(b), r,
						  ZAPI_CMD_REDISTRIBUTE_ADD,
						  &self_id, 3),
			 -1);
	assert_int_equal(zapi_encode_redistribute(b, sizeof(b), r,
						  ZAPI_CMD_REDISTRIBUTE_ADD,
						  &none, ZAPI_AFI_IP),
			 -1);
	assert_int_equal(zapi_encode_redistribute(b, 13, r,
						  ZAPI_CMD_REDISTRIBUTE_ADD,
						  &self_id, ZAPI_AFI_IP),
			 -1);
	assert_int_equal(zapi_release_lookup(r, 30),
			 ZAPI_CMD_REDISTRIBUTE_ROUTE_ADD);
	assert_int_equal(zapi_release_lookup(r, 31),
			 ZAPI_CMD_REDISTRIBUTE_ROUTE_DEL);
	/* a route of ours zebra holds: type, instance, flags, message,
	 * safi, prefix (host bits cleared), then the rest (not read) */
	n = unhex("0c" "0000" "00000000" "0000000f" "01" "02" "18" "0a17ff"
		  "0001" "00000000" "01" "00" "00000002",
		  b, sizeof(b));
	assert_int_equal(zapi_decode_redist_route(b, n, &rr, &err), 0);
	assert_int_equal(rr.type, ZAPI_ROUTE_NHRP);
	assert_int_equal(rr.instance, 0);
	assert_string_equal(mep_prefix_str(&rr.prefix, s, sizeof(s)),
			    "10.23.255.0/24");
	for (size_t k = 0; k < 17; k++)
		assert_int_equal(zapi_decode_redist_route(b, k, &rr, &err), -1);
	b[12] = 9;	/* no such family */
	assert_int_equal(zapi_decode_redist_route(b, n, &rr, &err), -1);
	assert_non_null(err);
}

static void test_caps_error_real(void **state)
{
	uint8_t b[32];
	size_t n = unhex(fx_caps, b, sizeof(b));
	struct zapi_capabilities c;
	uint32_t e;
	const char *err = NULL;

	(void)state;
	assert_int_equal(zapi_decode_capabilities(b, n, &c, &err), 0);
	assert_int_equal(c.ecmp, 256);
	assert_false(c.mpls);
	assert_false(c.v6_with_v4_nexthop);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(zapi_decode_capabilities(b, k, &c, &err), -1);
	b[n] = 1;
	assert_int_equal(zapi_decode_capabilities(b, n + 1, &c, &err), 0);
	assert_true(c.v6_with_v4_nexthop);

	n = unhex(fx_error, b, sizeof(b));
	assert_int_equal(zapi_decode_error(b, n, &e, &err), 0);
	assert_int_equal(e, 2);
	assert_string_equal(zapi_error_name(e), "invalid message type");
	for (size_t k = 0; k < n; k++)
		assert_int_equal(zapi_decode_error(b, k, &e, &err), -1);
}

static void test_splitter(void **state)
{
	uint8_t stream[512];
	size_t n = 0, k;
	struct zapi_splitter s;
	struct zapi_frame f;
	const char *err = NULL;
	int got = 0;
	uint16_t cmds[4];

	(void)state;
	n += unhex(fx_route_add, stream + n, sizeof(stream) - n);
	n += unhex(fx_vrf_add, stream + n, sizeof(stream) - n);
	k = n;
	n += (size_t)zapi_header_encode(stream + n, 10, 10, 0, 60000);
	assert_int_equal(n - k, 10);
	zapi_splitter_init(&s);
	/* byte by byte */
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(zapi_splitter_feed(&s, stream + i, 1), 0);
		int rc;

		while ((rc = zapi_splitter_next(&s, &f, &err)) == 1) {
			assert_true(got < 4);
			cmds[got++] = f.hdr.cmd;
		}
		assert_int_equal(rc, 0);
	}
	assert_int_equal(got, 3);
	assert_int_equal(cmds[0], 8);
	assert_int_equal(cmds[1], 33);
	assert_int_equal(cmds[2], 60000);
	/* all at once */
	zapi_splitter_reset(&s);
	assert_int_equal(zapi_splitter_feed(&s, stream, n), 0);
	assert_int_equal(zapi_splitter_next(&s, &f, &err), 1);
	assert_int_equal(f.body_len, 41);
	assert_int_equal(zapi_splitter_next(&s, &f, &err), 1);
	assert_int_equal(f.body_len, 76);
	assert_int_equal(zapi_splitter_next(&s, &f, &err), 1);
	assert_int_equal(f.body_len, 0);
	assert_int_equal(zapi_splitter_next(&s, &f, &err), 0);
	/* garbage: bad marker, even before a whole header */
	zapi_splitter_reset(&s);
	assert_int_equal(zapi_splitter_feed(&s, (const uint8_t *)"GET", 3), 0);
	assert_int_equal(zapi_splitter_next(&s, &f, &err), -1);
	/* a length below the header size */
	zapi_splitter_reset(&s);
	stream[0] = 0;
	stream[1] = 4;
	assert_int_equal(zapi_splitter_feed(&s, stream, 10), 0);
	assert_int_equal(zapi_splitter_next(&s, &f, &err), -1);
	zapi_splitter_free(&s);
}

/* ---- fake zebra ---------------------------------------------------- */

struct fake {
	struct ev_loop *loop;
	char dir[64], path[108];
	int lfd, cfd;
	ev_io lio, cio;
	struct zapi_splitter sp;
	unsigned int accepts;
	unsigned int hellos, grs, completes, adds, deletes;
	struct zapi_hello hello;
	uint32_t stale;
	uint8_t first_add[ZAPI_ROUTE_MAX_FRAME];
	size_t first_add_len;
	struct zapi_route last_route;
};

struct client {
	struct zapi_session *s;
	unsigned int connects, disconnects, notifies;
	char reason[200];
	struct zapi_notify last;
	size_t burst;		/* routes to send on connect */
	struct zapi_route route;
};

static void fake_on_client(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake *fk = w->data;
	uint8_t buf[65536];
	ssize_t n;

	(void)revents;
	n = read(fk->cfd, buf, sizeof(buf));
	if (n <= 0) {
		ev_io_stop(loop, &fk->cio);
		close(fk->cfd);
		fk->cfd = -1;
		return;
	}
	assert_int_equal(zapi_splitter_feed(&fk->sp, buf, (size_t)n), 0);
	struct zapi_frame f;
	const char *err = NULL;
	int rc;

	while ((rc = zapi_splitter_next(&fk->sp, &f, &err)) == 1) {
		enum zapi_cmd c = zapi_release_lookup(&zapi_release_frr8,
						      f.hdr.cmd);
		struct zapi_client_cap cc;
		uint8_t type;
		uint16_t inst;

		switch (c) {
		case ZAPI_CMD_HELLO:
			assert_int_equal(zapi_decode_hello(f.body, f.body_len,
							   &fk->hello, &err),
					 0);
			fk->hellos++;
			break;
		case ZAPI_CMD_CLIENT_CAPABILITIES:
			assert_int_equal(zapi_decode_client_cap(f.body,
								f.body_len,
								&cc, &err),
					 0);
			if (cc.cap == ZAPI_CAP_GR) {
				fk->grs++;
				fk->stale = cc.stale_time;
			} else if (cc.cap == ZAPI_CAP_ROUTE_UPDATE_COMPLETE) {
				fk->completes++;
			}
			break;
		case ZAPI_CMD_ROUTE_ADD:
		case ZAPI_CMD_ROUTE_DELETE:
			assert_int_equal(zapi_decode_route(f.body, f.body_len,
							   &type, &inst,
							   &fk->last_route,
							   &err),
					 0);
			if (c == ZAPI_CMD_ROUTE_DELETE) {
				fk->deletes++;
				break;
			}
			if (fk->adds++ == 0) {
				fk->first_add_len = f.hdr.len;
				memcpy(fk->first_add, f.body - 10, f.hdr.len);
			}
			break;
		default:
			fail_msg("unexpected command %u", f.hdr.cmd);
		}
	}
	assert_int_equal(rc, 0);
}

static void fake_on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fake *fk = w->data;
	int fd = accept(fk->lfd, NULL, NULL);

	(void)revents;
	if (fd < 0)
		return;
	if (fk->cfd >= 0) {
		ev_io_stop(loop, &fk->cio);
		close(fk->cfd);
	}
	fk->cfd = fd;
	fk->accepts++;
	zapi_splitter_reset(&fk->sp);
	ev_io_init(&fk->cio, fake_on_client, fd, EV_READ);
	fk->cio.data = fk;
	ev_io_start(loop, &fk->cio);
}

static void fake_listen(struct fake *fk)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fk->path);
	fk->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fk->lfd >= 0);
	assert_int_equal(bind(fk->lfd, (struct sockaddr *)&sa, sizeof(sa)),
			 0);
	assert_int_equal(listen(fk->lfd, 4), 0);
	ev_io_init(&fk->lio, fake_on_accept, fk->lfd, EV_READ);
	fk->lio.data = fk;
	ev_io_start(fk->loop, &fk->lio);
}

static void fake_start(struct fake *fk, struct ev_loop *loop)
{
	memset(fk, 0, sizeof(*fk));
	fk->loop = loop;
	fk->cfd = -1;
	snprintf(fk->dir, sizeof(fk->dir), "/tmp/test_zapi.XXXXXX");
	assert_non_null(mkdtemp(fk->dir));
	snprintf(fk->path, sizeof(fk->path), "%s/zserv.api", fk->dir);
	zapi_splitter_init(&fk->sp);
	fake_listen(fk);
}

static void fake_stop(struct fake *fk)
{
	ev_io_stop(fk->loop, &fk->lio);
	if (fk->cfd >= 0) {
		ev_io_stop(fk->loop, &fk->cio);
		close(fk->cfd);
	}
	close(fk->lfd);
	unlink(fk->path);
	rmdir(fk->dir);
	zapi_splitter_free(&fk->sp);
}

static void fake_send_hex(struct fake *fk, const char *hdr_cmd_hex,
			  const char *body_hex)
{
	uint8_t b[512];
	size_t n = unhex(body_hex, b + 10, sizeof(b) - 10);
	unsigned int cmd;

	assert_int_equal(sscanf(hdr_cmd_hex, "%u", &cmd), 1);
	zapi_header_encode(b, 10, (uint16_t)(n + 10), 0, (uint16_t)cmd);
	assert_int_equal(write(fk->cfd, b, n + 10), (ssize_t)(n + 10));
}

static void cl_on_connect(void *arg)
{
	struct client *c = arg;

	c->connects++;
	for (size_t i = 0; i < c->burst; i++) {
		struct zapi_route r = c->route;
		uint32_t a = htonl(0x0a000000u + (uint32_t)i);

		r.prefix.family = AF_INET;
		r.prefix.len = 32;
		memcpy(r.prefix.addr, &a, 4);
		assert_int_equal(zapi_session_route_add(c->s, &r), 0);
	}
	if (!c->burst)
		assert_int_equal(zapi_session_route_add(c->s, &c->route), 0);
	assert_int_equal(zapi_session_update_complete(c->s), 0);
}

static void cl_on_disconnect(void *arg, const char *reason)
{
	struct client *c = arg;

	c->disconnects++;
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
}

static void cl_on_notify(void *arg, const struct zapi_notify *n)
{
	struct client *c = arg;

	c->notifies++;
	c->last = *n;
}

static void tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

/* Run the loop until *flag >= want or timeout; true when reached. */
static bool run_until(struct ev_loop *loop, const unsigned int *flag,
		      unsigned int want, double timeout)
{
	ev_timer t;
	double end = ev_time() + timeout;

	ev_timer_init(&t, tick, 0.005, 0.005);
	ev_timer_start(loop, &t);
	while (*flag < want && ev_time() < end)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &t);
	return *flag >= want;
}

static struct zapi_session *client_new(struct ev_loop *loop, struct fake *fk,
				       struct client *c)
{
	struct zapi_session_cfg cfg;
	struct zapi_session_cbs cbs = {
		.on_connect = cl_on_connect,
		.on_disconnect = cl_on_disconnect,
		.on_notify = cl_on_notify,
	};

	zapi_session_cfg_init(&cfg);
	cfg.path = fk->path;
	cfg.stale_time = 77;
	c->s = zapi_session_new(loop, &cfg, &cbs, c);
	assert_non_null(c->s);
	zapi_session_set_backoff(c->s, 0.01, 0.05);
	return c->s;
}

static void test_session_fake_zebra(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct fake fk;
	struct client c;
	uint8_t want[ZAPI_ROUTE_MAX_FRAME];
	size_t wn = unhex(fx_route_add, want, sizeof(want));

	(void)state;
	fake_start(&fk, loop);
	memset(&c, 0, sizeof(c));
	c.route = (struct zapi_route){
		.prefix = pfx("10.9.0.0/16"),
		.has_nexthop = true,
		.nh = { .type = ZAPI_NH_IPV4_IFINDEX, .ifindex = 2,
			.gate = addr("10.0.0.2") },
		.has_distance = true, .distance = 20,
		.has_metric = true, .metric = 10,
		.has_tag = true, .tag = 2600,
	};
	client_new(loop, &fk, &c);
	assert_false(zapi_session_up(c.s));
	assert_int_equal(zapi_session_route_add(c.s, &c.route), -1);
	zapi_session_start(c.s);
	assert_true(zapi_session_up(c.s));
	assert_true(run_until(loop, &fk.completes, 2, 5));
	assert_int_equal(fk.hellos, 1);
	assert_int_equal(fk.hello.type, ZAPI_ROUTE_NHRP);
	assert_int_equal(fk.hello.instance, 0);
	assert_true(fk.hello.receive_notify);
	assert_int_equal(fk.grs, 1);
	assert_int_equal(fk.stale, 77);
	assert_int_equal(fk.adds, 1);
	assert_int_equal(fk.first_add_len, wn);
	assert_memory_equal(fk.first_add, want, wn);

	/* capabilities, an unknown command, a notification: still up */
	fake_send_hex(&fk, "19", fx_caps);
	fake_send_hex(&fk, "33", "00");
	fake_send_hex(&fk, "10", fx_notify);
	assert_true(run_until(loop, &c.notifies, 1, 5));
	assert_int_equal(c.last.note, ZAPI_NOTE_INSTALLED);
	assert_true(mep_prefix_equal(&c.last.prefix, &c.route.prefix));
	assert_true(zapi_session_stats(c.s)->have_caps);
	assert_int_equal(zapi_session_stats(c.s)->caps.ecmp, 256);
	assert_int_equal(zapi_session_stats(c.s)->unknown, 1);
	assert_int_equal(c.disconnects, 0);

	/* delete goes out */
	assert_int_equal(zapi_session_route_delete(c.s, &c.route.prefix), 0);
	assert_true(run_until(loop, &fk.deletes, 1, 5));
	assert_true(mep_prefix_equal(&fk.last_route.prefix, &c.route.prefix));

	/* zebra closes: disconnect, reconnect, replay */
	ev_io_stop(loop, &fk.cio);
	close(fk.cfd);
	fk.cfd = -1;
	assert_true(run_until(loop, &c.connects, 2, 5));
	assert_int_equal(c.disconnects, 1);
	assert_non_null(strstr(c.reason, "closed"));
	assert_true(run_until(loop, &fk.hellos, 2, 5));
	assert_true(run_until(loop, &fk.adds, 2, 5));

	/* an ERROR: reconnect */
	fake_send_hex(&fk, "118", fx_error);
	assert_true(run_until(loop, &c.connects, 3, 5));
	assert_non_null(strstr(c.reason, "ERROR 2"));
	assert_int_equal(zapi_session_stats(c.s)->last_error, 2);

	/* a truncated notify: reconnect */
	assert_true(run_until(loop, &fk.hellos, 3, 5));
	fake_send_hex(&fk, "10", "0200000002");
	assert_true(run_until(loop, &c.connects, 4, 5));
	assert_non_null(strstr(c.reason, "ROUTE_NOTIFY_OWNER"));

	/* garbage: reconnect */
	assert_true(run_until(loop, &fk.hellos, 4, 5));
	assert_int_equal(write(fk.cfd, "HTTP/1.0 200 OK\r\n", 17), 17);
	assert_true(run_until(loop, &c.connects, 5, 5));
	assert_non_null(strstr(c.reason, "bad frame"));
	assert_int_equal(c.disconnects, 4);

	/* zebra gone: retries quietly, comes back */
	assert_true(run_until(loop, &fk.hellos, 5, 5));
	unsigned int accepts = fk.accepts;

	ev_io_stop(loop, &fk.lio);
	ev_io_stop(loop, &fk.cio);
	close(fk.cfd);
	fk.cfd = -1;
	close(fk.lfd);
	unlink(fk.path);
	unsigned int d = c.disconnects + 1;

	assert_true(run_until(loop, &c.disconnects, d, 5));
	assert_false(zapi_session_up(c.s));
	unsigned int dummy = 0;

	run_until(loop, &dummy, 1, 0.2);
	assert_false(zapi_session_up(c.s));
	unsigned int hellos = fk.hellos;

	fake_listen(&fk);
	assert_true(run_until(loop, &fk.hellos, hellos + 1, 5));
	assert_true(zapi_session_up(c.s));
	assert_true(accepts > 0);

	zapi_session_free(c.s);
	fake_stop(&fk);
	ev_loop_destroy(loop);
}

static void test_session_burst(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct fake fk;
	struct client c;

	(void)state;
	fake_start(&fk, loop);
	memset(&c, 0, sizeof(c));
	c.burst = 100000;
	c.route = (struct zapi_route){
		.has_nexthop = true,
		.nh = { .type = ZAPI_NH_IFINDEX, .ifindex = 5 },
		.has_distance = true, .distance = 20,
		.has_metric = true, .metric = 10,
	};
	client_new(loop, &fk, &c);
	double t0 = ev_time();

	zapi_session_start(c.s);
	assert_true(run_until(loop, &fk.completes, 2, 30));
	assert_int_equal(fk.adds, 100000);
	print_message("100k ROUTE_ADD through the session in %.3f s\n",
		      ev_time() - t0);
	uint32_t a = htonl(0x0a000000u + 99999);

	assert_memory_equal(fk.last_route.prefix.addr, &a, 4);
	assert_int_equal(zapi_session_queued(c.s), 0);
	assert_int_equal(zapi_session_stats(c.s)->routes_added, 100000);
	zapi_session_free(c.s);
	fake_stop(&fk);
	ev_loop_destroy(loop);
}

static void test_session_bad_config(void **state)
{
	struct zapi_session_cfg cfg;
	char longpath[200];

	(void)state;
	zapi_session_cfg_init(&cfg);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	cfg.path = longpath;
	assert_null(zapi_session_new(EV_DEFAULT, &cfg, NULL, NULL));
	cfg.path = "";
	assert_null(zapi_session_new(EV_DEFAULT, &cfg, NULL, NULL));
	cfg.path = NULL;
	cfg.route_type = ZAPI_ROUTE_MAX;
	assert_null(zapi_session_new(EV_DEFAULT, &cfg, NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_table),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_hello_and_caps_bytes),
		cmocka_unit_test(test_route_add_exact),
		cmocka_unit_test(test_route_round_trips),
		cmocka_unit_test(test_notify_real),
		cmocka_unit_test(test_redistribute),
		cmocka_unit_test(test_caps_error_real),
		cmocka_unit_test(test_splitter),
		cmocka_unit_test(test_session_fake_zebra),
		cmocka_unit_test(test_session_burst),
		cmocka_unit_test(test_session_bad_config),
	};

	log_open("test_zapi", true, false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
