/* wire: bounds-checked big-endian (network order) reader and writer over a
 * caller's buffer, for the binary protocol codecs (ZAPI, VICI lengths, the
 * probe codec, the benchmark tools). Pure: no I/O, no allocation.
 *
 * A cursor never reads or writes outside [buf, buf + len/cap). An access
 * that does not fit sets the cursor's sticky `failed` flag, moves nothing
 * and, for a getter, yields zeroes; every later access on a failed cursor
 * does the same. A codec therefore reads or writes a whole record and
 * checks wire_reader_failed()/wire_writer_failed() once at the end.
 *
 * The fixed-width accessors are inline: the VICI parser and the ZAPI
 * encoder call them per field on the route injection path. */
#ifndef MEP_LIB_WIRE_H
#define MEP_LIB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wire_reader {
	const uint8_t *buf;
	size_t len;		/* bytes readable from buf */
	size_t off;		/* next byte to read */
	bool failed;
};

struct wire_writer {
	uint8_t *buf;
	size_t cap;		/* bytes writable at buf */
	size_t len;		/* bytes written */
	bool failed;
};

/* ---- reader */

/* A NULL buf reads as empty. */
void wire_reader_init(struct wire_reader *r, const void *buf, size_t len);

/* Take n bytes without copying: a pointer into buf, or NULL (failed). */
static inline const uint8_t *wire_get_ref(struct wire_reader *r, size_t n)
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

/* Copy n bytes to dst: true, or false (failed; dst zeroed). */
bool wire_get_bytes(struct wire_reader *r, void *dst, size_t n);

static inline uint8_t wire_get_u8(struct wire_reader *r)
{
	const uint8_t *p = wire_get_ref(r, 1);

	return p ? p[0] : 0;
}

static inline uint16_t wire_get_u16(struct wire_reader *r)
{
	const uint8_t *p = wire_get_ref(r, 2);

	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static inline uint32_t wire_get_u32(struct wire_reader *r)
{
	const uint8_t *p = wire_get_ref(r, 4);

	if (!p)
		return 0;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t wire_get_u64(struct wire_reader *r)
{
	const uint8_t *p = wire_get_ref(r, 8);
	uint64_t v = 0;

	if (!p)
		return 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Bytes left to read (0 once failed). */
static inline size_t wire_remaining(const struct wire_reader *r)
{
	return r->failed ? 0 : r->len - r->off;
}

static inline bool wire_reader_failed(const struct wire_reader *r)
{
	return r->failed;
}

/* ---- writer */

/* A NULL buf has no room. */
void wire_writer_init(struct wire_writer *w, void *buf, size_t cap);

/* Room for n more bytes at the end: a pointer to them, or NULL (failed).
 * For the putters below; a codec has no need of it. */
static inline uint8_t *wire_room(struct wire_writer *w, size_t n)
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

void wire_put_bytes(struct wire_writer *w, const void *src, size_t n);

static inline void wire_put_u8(struct wire_writer *w, uint8_t v)
{
	uint8_t *p = wire_room(w, 1);

	if (p)
		p[0] = v;
}

static inline void wire_put_u16(struct wire_writer *w, uint16_t v)
{
	uint8_t *p = wire_room(w, 2);

	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

static inline void wire_put_u32(struct wire_writer *w, uint32_t v)
{
	uint8_t *p = wire_room(w, 4);

	if (p) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

static inline void wire_put_u64(struct wire_writer *w, uint64_t v)
{
	uint8_t *p = wire_room(w, 8);

	if (p)
		for (int i = 7; i >= 0; i--, v >>= 8)
			p[i] = (uint8_t)v;
}

/* Overwrite bytes already written at off (a length known only at the
 * end); fails the writer when [off, off + 2/4) is not inside len. */
void wire_patch_u16(struct wire_writer *w, size_t off, uint16_t v);
void wire_patch_u32(struct wire_writer *w, size_t off, uint32_t v);

static inline bool wire_writer_failed(const struct wire_writer *w)
{
	return w->failed;
}

#endif
