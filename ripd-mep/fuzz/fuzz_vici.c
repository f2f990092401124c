/* libFuzzer target: the VICI frame splitter, message parser, re-encoder
 * and SA translation on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vici_codec.h"
#include "vici_sa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parse one payload; whatever parses must re-encode to the same bytes
 * (when the builder accepts its names) and translate without crashing. */
static void fuzz_vici_payload(const uint8_t *p, size_t len)
{
	struct vici_sa_result r;
	struct vici_builder b;
	struct vici_msg *m;
	char err[VICI_ERR_MAX];
	uint8_t *f;
	size_t flen;

	if (vici_msg_parse(p, len, &m, err) < 0)
		return;
	vici_builder_init(&b);
	vici_builder_add_tree(&b, &m->root);
	if (!vici_builder_error(&b) &&
	    (m->name[0] || !vici_op_named(m->op)) &&
	    (b.len == 0 || m->op == VICI_CMD_REQUEST ||
	     m->op == VICI_CMD_RESPONSE || m->op == VICI_EVENT) &&
	    vici_encode(m->op, m->name, &b, &f, &flen, err) == 0) {
		if (flen != len + 4 || memcmp(f + 4, p, len) != 0)
			abort();
		free(f);
	}
	vici_builder_free(&b);
	if (m->op == VICI_EVENT && vici_sa_event_known(m->name)) {
		vici_sa_result_init(&r);
		vici_sa_translate(m->name, &m->root, &r, err);
		vici_sa_result_free(&r);
	}
	vici_msg_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vici_splitter s;
	const uint8_t *p;
	size_t len, half = size / 2;
	char err[VICI_ERR_MAX];

	/* the input as one payload */
	fuzz_vici_payload(data, size);
	/* the input as a stream, fed in two pieces */
	vici_splitter_init(&s);
	if (vici_splitter_feed(&s, data, half) == 0) {
		while (vici_splitter_next(&s, &p, &len, err) == 1)
			fuzz_vici_payload(p, len);
		if (vici_splitter_feed(&s, data + half, size - half) == 0)
			while (vici_splitter_next(&s, &p, &len, err) == 1)
				fuzz_vici_payload(p, len);
	}
	vici_splitter_free(&s);
	return 0;
}
