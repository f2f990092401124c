/* Unit tests of wire: every getter and putter in network byte order, an
 * overrun at each width (nothing moves, getters yield zero), the sticky
 * failure, zero-length accesses, patches inside and outside the written
 * bytes, a writer/reader round trip, and the 64-bit accessors (order,
 * high bits, overrun by one byte). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wire.h"

static const uint8_t sample[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
				  0x07, 0x08, 0x09, 0x0a, 0x0b };

static void test_get_each_width(void **state)
{
	struct wire_reader r;
	uint8_t b[2];

	(void)state;
	wire_reader_init(&r, sample, sizeof(sample));
	assert_int_equal(wire_remaining(&r), 11);
	assert_int_equal(wire_get_u8(&r), 0x01);
	assert_int_equal(wire_get_u16(&r), 0x0203);
	assert_true(wire_get_u32(&r) == 0x04050607u);
	assert_true(wire_get_bytes(&r, b, 2));
	assert_int_equal(b[0], 0x08);
	assert_int_equal(b[1], 0x09);
	const uint8_t *p = wire_get_ref(&r, 2);

	assert_ptr_equal(p, sample + 9);
	assert_int_equal(wire_remaining(&r), 0);
	assert_false(wire_reader_failed(&r));
	/* zero bytes at the very end are fine */
	assert_non_null(wire_get_ref(&r, 0));
	assert_true(wire_get_bytes(&r, b, 0));
	assert_false(wire_reader_failed(&r));
}

static void test_get_high_bits(void **state)
{
	static const uint8_t ff[] = { 0xff, 0xfe, 0x80, 0x00, 0x00, 0x01,
				      0x81 };
	struct wire_reader r;

	(void)state;
	wire_reader_init(&r, ff, sizeof(ff));
	assert_int_equal(wire_get_u16(&r), 0xfffe);
	assert_true(wire_get_u32(&r) == 0x80000001u);
	assert_int_equal(wire_get_u8(&r), 0x81);
	assert_false(wire_reader_failed(&r));
}

/* Read `before` bytes, then a value of width bytes from a buffer that has
 * one byte too few: zero, the offset unchanged, failed. */
static void overrun_get(size_t width)
{
	struct wire_reader r;
	uint8_t b[4] = { 0xaa, 0xaa, 0xaa, 0xaa };
	uint32_t v = 0;

	wire_reader_init(&r, sample, 1 + width - 1);
	(void)wire_get_u8(&r);
	switch (width) {
	case 1:
		v = wire_get_u8(&r);
		break;
	case 2:
		v = wire_get_u16(&r);
		break;
	case 4:
		v = wire_get_u32(&r);
		break;
	default:
		assert_false(wire_get_bytes(&r, b, width));
		for (size_t i = 0; i < width; i++)
			assert_int_equal(b[i], 0);
	}
	assert_true(v == 0);
	assert_true(wire_reader_failed(&r));
	assert_int_equal(r.off, 1);
	assert_int_equal(wire_remaining(&r), 0);
}

static void test_get_overrun(void **state)
{
	(void)state;
	overrun_get(1);
	overrun_get(2);
	overrun_get(4);
	overrun_get(3);		/* bytes */
}

static void test_get_ref_overrun(void **state)
{
	struct wire_reader r;

	(void)state;
	wire_reader_init(&r, sample, 4);
	assert_null(wire_get_ref(&r, 5));
	assert_true(wire_reader_failed(&r));
	/* a huge length does not wrap the bound */
	wire_reader_init(&r, sample, 4);
	(void)wire_get_u8(&r);
	assert_null(wire_get_ref(&r, SIZE_MAX));
	assert_int_equal(r.off, 1);
}

static void test_get_sticky(void **state)
{
	struct wire_reader r;
	uint8_t b[1] = { 0x55 };

	(void)state;
	wire_reader_init(&r, sample, 3);
	assert_true(wire_get_u32(&r) == 0);
	assert_true(wire_reader_failed(&r));
	/* these would fit, but the cursor has failed */
	assert_int_equal(wire_get_u8(&r), 0);
	assert_int_equal(wire_get_u16(&r), 0);
	assert_false(wire_get_bytes(&r, b, 1));
	assert_int_equal(b[0], 0);
	assert_null(wire_get_ref(&r, 0));
	assert_int_equal(r.off, 0);
	assert_true(wire_reader_failed(&r));
}

static void test_get_empty(void **state)
{
	struct wire_reader r;

	(void)state;
	wire_reader_init(&r, NULL, 10);	/* no buffer: nothing to read */
	assert_int_equal(wire_remaining(&r), 0);
	assert_non_null(wire_get_ref(&r, 0));	/* empty, not NULL + 0 */
	assert_int_equal(wire_get_u8(&r), 0);
	assert_true(wire_reader_failed(&r));
}

static void test_put_each_width(void **state)
{
	static const uint8_t want[] = { 0x01, 0x02, 0x03, 0x04, 0x05,
					0x06, 0x07, 0x08, 0x09 };
	struct wire_writer w;
	uint8_t buf[9];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	wire_writer_init(&w, buf, sizeof(buf));
	wire_put_u8(&w, 0x01);
	wire_put_u16(&w, 0x0203);
	wire_put_u32(&w, 0x04050607u);
	wire_put_bytes(&w, "\x08\x09", 2);
	wire_put_bytes(&w, NULL, 0);
	assert_false(wire_writer_failed(&w));
	assert_int_equal(w.len, 9);
	assert_memory_equal(buf, want, sizeof(want));
}

/* A putter of width bytes into a buffer one byte short after one u8:
 * nothing written past the u8, length unchanged, failed. */
static void overrun_put(size_t width)
{
	struct wire_writer w;
	uint8_t buf[8];

	memset(buf, 0xee, sizeof(buf));
	wire_writer_init(&w, buf, 1 + width - 1);
	wire_put_u8(&w, 0x11);
	switch (width) {
	case 1:
		wire_put_u8(&w, 0x22);
		break;
	case 2:
		wire_put_u16(&w, 0x2233);
		break;
	case 4:
		wire_put_u32(&w, 0x22334455u);
		break;
	default:
		wire_put_bytes(&w, "\x22\x33\x44\x55\x66", width);
	}
	assert_true(wire_writer_failed(&w));
	assert_int_equal(w.len, 1);
	assert_int_equal(buf[0], 0x11);
	for (size_t i = 1; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
}

static void test_put_overrun(void **state)
{
	struct wire_writer w;
	uint8_t buf[2];

	(void)state;
	overrun_put(1);
	overrun_put(2);
	overrun_put(4);
	overrun_put(5);		/* bytes */
	/* a huge length does not wrap the bound */
	wire_writer_init(&w, buf, sizeof(buf));
	wire_put_u8(&w, 1);
	wire_put_bytes(&w, buf, SIZE_MAX);
	assert_true(wire_writer_failed(&w));
	assert_int_equal(w.len, 1);
	/* no buffer: nothing fits */
	wire_writer_init(&w, NULL, 100);
	wire_put_bytes(&w, NULL, 0);
	assert_false(wire_writer_failed(&w));
	wire_put_u8(&w, 1);
	assert_true(wire_writer_failed(&w));
}

static void test_put_sticky(void **state)
{
	struct wire_writer w;
	uint8_t buf[4] = { 0 };

	(void)state;
	wire_writer_init(&w, buf, sizeof(buf));
	wire_put_u16(&w, 0x0102);
	wire_put_u32(&w, 0x03040506u);	/* does not fit */
	wire_put_u8(&w, 0x07);		/* would fit: refused */
	wire_put_u16(&w, 0x0809);
	wire_put_bytes(&w, "x", 1);
	wire_patch_u16(&w, 0, 0xffff);
	assert_true(wire_writer_failed(&w));
	assert_int_equal(w.len, 2);
	assert_int_equal(buf[0], 0x01);
	assert_int_equal(buf[1], 0x02);
	assert_int_equal(buf[2], 0);
}

static void test_patch(void **state)
{
	static const uint8_t want[] = { 0x00, 0x07, 0xde, 0xad, 0xbe, 0xef,
					0xaa };
	struct wire_writer w;
	uint8_t buf[16];

	(void)state;
	wire_writer_init(&w, buf, sizeof(buf));
	wire_put_u16(&w, 0);
	wire_put_u32(&w, 0);
	wire_put_u8(&w, 0xaa);
	wire_patch_u16(&w, 0, (uint16_t)w.len);
	wire_patch_u32(&w, 2, 0xdeadbeefu);
	assert_false(wire_writer_failed(&w));
	assert_int_equal(w.len, 7);
	assert_memory_equal(buf, want, sizeof(want));

	/* inside cap but past what was written: refused, bytes unchanged */
	wire_writer_init(&w, buf, sizeof(buf));
	wire_put_u8(&w, 0x01);
	wire_patch_u16(&w, 0, 0x1234);
	assert_true(wire_writer_failed(&w));
	assert_int_equal(buf[0], 0x01);
	assert_int_equal(buf[1], 0x07);

	wire_writer_init(&w, buf, sizeof(buf));
	wire_put_u32(&w, 0);
	wire_patch_u32(&w, 1, 1);
	assert_true(wire_writer_failed(&w));

	wire_writer_init(&w, buf, sizeof(buf));
	wire_put_u32(&w, 0);
	wire_patch_u16(&w, SIZE_MAX, 1);
	assert_true(wire_writer_failed(&w));
}

static void test_round_trip(void **state)
{
	struct wire_writer w;
	struct wire_reader r;
	uint8_t buf[32], name[5];

	(void)state;
	wire_writer_init(&w, buf, sizeof(buf));
	for (uint32_t v = 0; v < 3; v++) {
		wire_put_u8(&w, (uint8_t)(0xf0 + v));
		wire_put_u16(&w, (uint16_t)(0xfff0 + v));
		wire_put_u32(&w, 0xfffffff0u + v);
	}
	wire_put_bytes(&w, "probe", 5);
	assert_false(wire_writer_failed(&w));

	wire_reader_init(&r, buf, w.len);
	for (uint32_t v = 0; v < 3; v++) {
		assert_int_equal(wire_get_u8(&r), 0xf0 + v);
		assert_int_equal(wire_get_u16(&r), 0xfff0 + v);
		assert_true(wire_get_u32(&r) == 0xfffffff0u + v);
	}
	assert_true(wire_get_bytes(&r, name, 5));
	assert_memory_equal(name, "probe", 5);
	assert_int_equal(wire_remaining(&r), 0);
	assert_false(wire_reader_failed(&r));
	assert_int_equal(wire_get_u8(&r), 0);
	assert_true(wire_reader_failed(&r));
}

static void test_u64(void **state)
{
	static const uint8_t be[] = { 0x80, 0x01, 0x02, 0x03,
				      0x04, 0x05, 0x06, 0xff };
	uint8_t out[9];
	struct wire_writer w;
	struct wire_reader r;

	(void)state;
	wire_reader_init(&r, be, sizeof(be));
	assert_true(wire_get_u64(&r) == 0x80010203040506ffULL);
	assert_false(wire_reader_failed(&r));
	/* one byte short: zero, nothing moves, failed */
	wire_reader_init(&r, be, 7);
	assert_true(wire_get_u64(&r) == 0);
	assert_true(wire_reader_failed(&r));
	assert_int_equal(r.off, 0);

	memset(out, 0xaa, sizeof(out));
	wire_writer_init(&w, out, sizeof(out));
	wire_put_u64(&w, 0x80010203040506ffULL);
	assert_int_equal(w.len, 8);
	assert_memory_equal(out, be, 8);
	assert_int_equal(out[8], 0xaa);
	/* one byte of room left: nothing written, failed */
	wire_put_u64(&w, 1);
	assert_true(wire_writer_failed(&w));
	assert_int_equal(w.len, 8);
	assert_int_equal(out[8], 0xaa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_each_width),
		cmocka_unit_test(test_get_high_bits),
		cmocka_unit_test(test_get_overrun),
		cmocka_unit_test(test_get_ref_overrun),
		cmocka_unit_test(test_get_sticky),
		cmocka_unit_test(test_get_empty),
		cmocka_unit_test(test_put_each_width),
		cmocka_unit_test(test_put_overrun),
		cmocka_unit_test(test_put_sticky),
		cmocka_unit_test(test_patch),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_u64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
