/* libFuzzer target: the vty request and reply decoders on arbitrary bytes,
 * fed in two chunks split at the first input byte's value. */
#include <stddef.h>
#include <stdint.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	feed_requests(data, size);
	feed_replies(data, size);
	return 0;
}
