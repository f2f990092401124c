/* wire: bounds-checked big-endian reader and writer (pure; see wire.h). */
#include "wire.h"

#include <string.h>

/* What a NULL buffer becomes: empty, but never NULL + offset. */
static uint8_t wire_nothing[1];

void wire_reader_init(struct wire_reader *r, const void *buf, size_t len)
{
	r->buf = buf ? buf : wire_nothing;
	r->len = buf ? len : 0;
	r->off = 0;
	r->failed = false;
}

bool wire_get_bytes(struct wire_reader *r, void *dst, size_t n)
{
	const uint8_t *p = wire_get_ref(r, n);

	if (!p) {
		memset(dst, 0, n);
		return false;
	}
	if (n)
		memcpy(dst, p, n);
	return true;
}

void wire_writer_init(struct wire_writer *w, void *buf, size_t cap)
{
	w->buf = buf ? buf : wire_nothing;
	w->cap = buf ? cap : 0;
	w->len = 0;
	w->failed = false;
}

void wire_put_bytes(struct wire_writer *w, const void *src, size_t n)
{
	uint8_t *p = wire_room(w, n);

	if (p && n)
		memcpy(p, src, n);
}

/* Rewrite n bytes at off with a writer over just them. */
static void wire_patch(struct wire_writer *w, size_t off, size_t n,
		       uint32_t v)
{
	struct wire_writer at;

	if (w->failed || off > w->len || w->len - off < n) {
		w->failed = true;
		return;
	}
	wire_writer_init(&at, w->buf + off, n);
	if (n == 2)
		wire_put_u16(&at, (uint16_t)v);
	else
		wire_put_u32(&at, v);
}

void wire_patch_u16(struct wire_writer *w, size_t off, uint16_t v)
{
	wire_patch(w, off, 2, v);
}

void wire_patch_u32(struct wire_writer *w, size_t off, uint32_t v)
{
	wire_patch(w, off, 4, v);
}
