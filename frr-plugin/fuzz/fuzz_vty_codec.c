/* libFuzzer target: the vty request and reply decoders on arbitrary bytes
 * (each fed until it stops consuming), and the reply encoder: the input
 * as reply text, with the first byte as status, must decode back to the
 * same text (without its NUL bytes) and status. Seeds:
 * fuzz/corpus/fuzz_vty_codec/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vty_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void feed_requests(const uint8_t *data, size_t size)
{
	struct vty_req r;
	size_t off = 0;

	vty_req_init(&r);
	while (off < size) {
		size_t used = 0;
		const char *line = NULL;
		int bad = 0;

		vty_req_feed(&r, data + off, size - off, &used, &line, &bad);
		if (used == 0)
			break;
		off += used;
	}
	vty_req_fini(&r);
}

static void feed_replies(const uint8_t *data, size_t size)
{
	struct vty_rep p;
	size_t off = 0;

	vty_rep_init(&p);
	while (off < size) {
		size_t used = 0;
		enum vty_rep_event ev =
			vty_rep_feed(&p, data + off, size - off, &used);

		off += used;
		if (ev == VTY_REP_NEED_MORE)
			break;
		vty_rep_reset(&p);
		if (ev == VTY_REP_ERROR && used == 0)
			break;
	}
	vty_rep_fini(&p);
}

static void reply_roundtrip(const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT;
	struct vty_rep p;
	int status = size ? data[0] : 0;
	size_t used = 0, n = 0;
	char *want = malloc(size + 1);

	if (!want)
		return;
	for (size_t i = 0; i < size; i++)
		if (data[i])
			want[n++] = (char)data[i];
	vty_reply_encode(&out, (const char *)data, size, status);
	vty_rep_init(&p);
	if (vty_rep_feed(&p, out.s, out.len, &used) != VTY_REP_DONE ||
	    used != out.len || p.status != status || p.text.len != n ||
	    (n && memcmp(p.text.s, want, n) != 0))
		abort();
	vty_rep_fini(&p);
	strbuf_free(&out);
	free(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	feed_requests(data, size);
	feed_replies(data, size);
	reply_roundtrip(data, size);
	return 0;
}
