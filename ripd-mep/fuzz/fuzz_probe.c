/* libFuzzer target: the probe codec, the responder and the prober on
 * arbitrary datagrams. Each input is decoded as it is (random bytes never
 * carry a valid tag) and, when it has a packet's length, once more after
 * signing it with the test key the way a key holder would (key id and
 * tag fixed up), so that the checks behind the HMAC are reached too.
 * Whatever decodes must re-encode to the same bytes; the responder's
 * reply is never longer than the datagram. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "probe_codec.h"
#include "prober.h"
#include "responder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_KEY "s3cr3t-probe-key"

static struct responder resp;
static struct mep_config cfg;
static struct probe_keyring kr;
static bool ready;

static void add_gateway(const char *name)
{
	struct mep_gateway *g;

	cfg.gateways = realloc(cfg.gateways,
			       (cfg.n_gateways + 1) * sizeof(*g));
	if (!cfg.gateways)
		abort();
	g = &cfg.gateways[cfg.n_gateways++];
	memset(g, 0, sizeof(*g));
	strcpy(g->name, name);
}

static int *one(int v)
{
	int *p = malloc(sizeof(int));

	if (!p)
		abort();
	*p = v;
	return p;
}

/* M1 (local), M2 centers and S1 a satellite of one explicit MEP star. */
static void setup(void)
{
	struct mep_community *c;

	mep_config_init(&cfg);
	add_gateway("M1");
	add_gateway("M2");
	add_gateway("S1");
	cfg.communities = calloc(1, sizeof(*c));
	if (!cfg.communities)
		abort();
	cfg.n_communities = 1;
	c = &cfg.communities[0];
	strcpy(c->name, "STAR");
	c->type = MEP_COMMUNITY_STAR;
	c->centers.idx = malloc(2 * sizeof(int));
	if (!c->centers.idx)
		abort();
	c->centers.idx[0] = 0;
	c->centers.idx[1] = 1;
	c->centers.n = 2;
	c->satellites.idx = one(2);
	c->satellites.n = 1;
	c->mep_enabled = true;
	cfg.local_gateway = 0;
	if (responder_init(&resp, 0) < 0 ||
	    responder_configure(&resp, &cfg) < 0 ||
	    responder_set_key(&resp, FUZZ_KEY, 0) < 0)
		abort();
	probe_keyring_init(&kr);
	probe_keyring_set(&kr, FUZZ_KEY, 0);
	ready = true;
}

static void sign(uint8_t *buf)
{
	unsigned int n = 0;

	buf[PROBE_OFF_KEY_ID] = (uint8_t)(kr.cur.id >> 24);
	buf[PROBE_OFF_KEY_ID + 1] = (uint8_t)(kr.cur.id >> 16);
	buf[PROBE_OFF_KEY_ID + 2] = (uint8_t)(kr.cur.id >> 8);
	buf[PROBE_OFF_KEY_ID + 3] = (uint8_t)kr.cur.id;
	if (!HMAC(EVP_sha256(), kr.cur.secret, (int)kr.cur.len, buf,
		  PROBE_HMAC_OFF, buf + PROBE_HMAC_OFF, &n))
		abort();
}

static void one_datagram(const uint8_t *buf, size_t len, uint64_t now)
{
	static struct prober pr;
	static const struct prober_params pp = { 100, 3, 2 };
	struct probe_packet p;
	struct mep_addr src = { .family = 2, .addr = { 198, 51, 100, 1 } };
	uint8_t out[PROBE_PACKET_LEN], again[PROBE_PACKET_LEN];
	enum probe_cause cause;
	size_t n = 0;
	unsigned ev;

	if (probe_decode(buf, len, &kr, now, &p) == PROBE_OK) {
		if (len != PROBE_PACKET_LEN ||
		    probe_encode(&p, &kr.cur, again, sizeof(again)) !=
			    PROBE_PACKET_LEN ||
		    memcmp(again, buf, len) != 0)
			abort();
		/* a prober that has sent up to this sequence number */
		prober_init(&pr, &pp, p.seq > 3 ? p.seq - 3 : 0, now);
		for (int i = 0; i < 4; i++)
			prober_tick(&pr, now + i * 100000ULL, 0, NULL);
		prober_reply(&pr, &p, now + 400000ULL, &ev);
	}
	if (responder_handle(&resp, &src, buf, len, now, out, sizeof(out), &n,
			     &cause) == 1 &&
	    (n > len || probe_decode(out, n, &kr, now, &p) != PROBE_OK))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t now = 1;
	uint8_t buf[PROBE_PACKET_LEN];

	if (!ready)
		setup();
	now += 1000000;	/* a second per input: the rate limiter refills */
	one_datagram(data, size, now);
	if (size == PROBE_PACKET_LEN) {
		memcpy(buf, data, size);
		sign(buf);
		one_datagram(buf, size, now);
	}
	return 0;
}
