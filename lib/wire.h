/* wire: bounds-checked big-endian (network order) reader and writer over a
 * caller's buffer, for the binary protocol codecs (ZAPI, VICI lengths, the
 * probe codec, the benchmark tools). Pure: no I/O, no allocation.
 *
 * A cursor never reads or writes outside [buf, buf + len/cap). An access
 * that does not fit sets the cursor's sticky `failed` flag, moves nothing
 * and, for a getter, yields zeroes; every later access on a failed cursor
 * does the same. A codec therefore reads or writes a whole record and
 * checks wire_reader_failed()/wire_writer_failed() once at the end. */
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

void wire_reader_init(struct wire_reader *r, const void *buf, size_t len);
uint8_t wire_get_u8(struct wire_reader *r);
uint16_t wire_get_u16(struct wire_reader *r);
uint32_t wire_get_u32(struct wire_reader *r);
/* Copy n bytes to dst: true, or false (failed; dst zeroed). */
bool wire_get_bytes(struct wire_reader *r, void *dst, size_t n);
/* Take n bytes without copying: a pointer into buf, or NULL (failed). */
const uint8_t *wire_get_ref(struct wire_reader *r, size_t n);
/* Bytes left to read (0 once failed). */
size_t wire_remaining(const struct wire_reader *r);
bool wire_reader_failed(const struct wire_reader *r);

struct wire_writer {
	uint8_t *buf;
	size_t cap;		/* bytes writable at buf */
	size_t len;		/* bytes written */
	bool failed;
};

void wire_writer_init(struct wire_writer *w, void *buf, size_t cap);
void wire_put_u8(struct wire_writer *w, uint8_t v);
void wire_put_u16(struct wire_writer *w, uint16_t v);
void wire_put_u32(struct wire_writer *w, uint32_t v);
void wire_put_bytes(struct wire_writer *w, const void *src, size_t n);
/* Overwrite bytes already written at off (a length known only at the
 * end); fails the writer when [off, off + 2/4) is not inside len. */
void wire_patch_u16(struct wire_writer *w, size_t off, uint16_t v);
void wire_patch_u32(struct wire_writer *w, size_t off, uint32_t v);
bool wire_writer_failed(const struct wire_writer *w);

#endif
