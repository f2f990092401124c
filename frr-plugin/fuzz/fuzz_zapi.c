/* fuzz_zapi: libFuzzer target for zapi_codec: the splitter over arbitrary
 * bytes, then every decoder (notify, capabilities, error, hello, client
 * capabilities, redistributed route, route) over each frame body and over
 * the whole input, and the route decoder's output encoded again (it must
 * always encode). Seeds: fuzz/corpus/fuzz_zapi/. */
#include <stddef.h>
#include <stdint.h>

#include "zapi_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_zapi_body(const uint8_t *b, size_t n)
{
	struct zapi_notify no;
	struct zapi_capabilities caps;
	struct zapi_hello h;
	struct zapi_client_cap cc;
	struct zapi_redist_route rr;
	struct zapi_route r;
	struct zapi_ident id = { .type = ZAPI_ROUTE_NHRP };
	uint8_t out[ZAPI_ROUTE_MAX_FRAME];
	uint32_t e;
	uint16_t inst;
	uint8_t type;
	const char *err;

	(void)zapi_decode_notify(b, n, &no, &err);
	(void)zapi_decode_capabilities(b, n, &caps, &err);
	(void)zapi_decode_error(b, n, &e, &err);
	(void)zapi_decode_hello(b, n, &h, &err);
	(void)zapi_decode_client_cap(b, n, &cc, &err);
	(void)zapi_decode_redist_route(b, n, &rr, &err);
	if (zapi_decode_route(b, n, &type, &inst, &r, &err) == 0) {
		if (r.has_nexthop && r.nh.type != ZAPI_NH_BLACKHOLE &&
		    r.nh.type != ZAPI_NH_IFINDEX && r.nh.ifindex == 0 &&
		    (r.nh.type == ZAPI_NH_IPV4_IFINDEX ||
		     r.nh.type == ZAPI_NH_IPV6_IFINDEX))
			return;
		if (r.has_nexthop && r.nh.type == ZAPI_NH_IFINDEX &&
		    r.nh.ifindex == 0)
			return;
		if (zapi_encode_route(out, sizeof(out), &zapi_release_frr8,
				      ZAPI_CMD_ROUTE_ADD, &id, &r) < 0)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zapi_splitter s;
	struct zapi_frame f;
	const char *err;
	size_t half = size / 2;

	zapi_splitter_init(&s);
	/* in two pieces, so partial frames are exercised */
	if (zapi_splitter_feed(&s, data, half) == 0 &&
	    zapi_splitter_feed(&s, data + half, size - half) == 0) {
		while (zapi_splitter_next(&s, &f, &err) == 1)
			fuzz_zapi_body(f.body, f.body_len);
	}
	zapi_splitter_free(&s);
	fuzz_zapi_body(data, size);
	return 0;
}
