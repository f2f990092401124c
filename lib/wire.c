/* wire: bounds-checked big-endian reader and writer (pure; see wire.h). */
#include "wire.h"

#include <string.h>

void wire_reader_init(struct wire_reader *r, const void *buf, size_t len)
{
	r->buf = buf;
	r->len = buf ? len : 0;
	r->off = 0;
	r->failed = false;
}

const uint8_t *wire_get_ref(struct wire_reader *r, size_t n)
{
	const uint8_t *p;

	if (r->failed || n > r->len - r->off) {
		r->failed = true;
		return NULL;
	}
	p = r->buf + r->off;
	r->off += n;
	return p;
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

uint8_t wire_get_u8(struct wire_reader *r)
{
	const uint8_t *p = wire_get_ref(r, 1);

	return p ? p[0] : 0;
}

uint16_t wire_get_u16(struct wire_reader *r)
{
	const uint8_t *p = wire_get_ref(r, 2);

	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t wire_get_u32(struct wire_reader *r)
{
	const uint8_t *p = wire_get_ref(r, 4);

	if (!p)
		return 0;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

size_t wire_remaining(const struct wire_reader *r)
{
	return r->failed ? 0 : r->len - r->off;
}

bool wire_reader_failed(const struct wire_reader *r)
{
	return r->failed;
}

void wire_writer_init(struct wire_writer *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf ? cap : 0;
	w->len = 0;
	w->failed = false;
}

/* Room for n more bytes at the end: a pointer to them, or NULL. */
static uint8_t *wire_room(struct wire_writer *w, size_t n)
{
	uint8_t *p;

	if (w->failed || n > w->cap - w->len) {
		w->failed = true;
		return NULL;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

static void wire_store16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wire_store32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void wire_put_bytes(struct wire_writer *w, const void *src, size_t n)
{
	uint8_t *p = wire_room(w, n);

	if (p && n)
		memcpy(p, src, n);
}

void wire_put_u8(struct wire_writer *w, uint8_t v)
{
	uint8_t *p = wire_room(w, 1);

	if (p)
		p[0] = v;
}

void wire_put_u16(struct wire_writer *w, uint16_t v)
{
	uint8_t *p = wire_room(w, 2);

	if (p)
		wire_store16(p, v);
}

void wire_put_u32(struct wire_writer *w, uint32_t v)
{
	uint8_t *p = wire_room(w, 4);

	if (p)
		wire_store32(p, v);
}

void wire_patch_u16(struct wire_writer *w, size_t off, uint16_t v)
{
	if (w->failed || off > w->len || w->len - off < 2) {
		w->failed = true;
		return;
	}
	wire_store16(w->buf + off, v);
}

void wire_patch_u32(struct wire_writer *w, size_t off, uint32_t v)
{
	if (w->failed || off > w->len || w->len - off < 4) {
		w->failed = true;
		return;
	}
	wire_store32(w->buf + off, v);
}

bool wire_writer_failed(const struct wire_writer *w)
{
	return w->failed;
}
