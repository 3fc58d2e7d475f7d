/*
 * test_reader.c: the bounds-checked reader of engine/reader.h: LEB128
 * integers of every width the binary format uses (u32, s32, s33, s64, u64),
 * with the spec's error words and offsets for malformed encodings.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "engine/reader.h"

/* A reader over bytes[skip..len), as if those were a module binary read
 * from offset `skip`, so offsets in errors are checked against the base. */
static fl_reader reader_at(const uint8_t *bytes, size_t len, size_t skip) {
    fl_reader r = {.pos = bytes + skip, .end = bytes + len, .base = bytes};
    return r;
}

#define READER(...)                                                                     \
    static const uint8_t bytes_[] = {__VA_ARGS__};                                       \
    fl_reader r = reader_at(bytes_, sizeof bytes_, 0);                                   \
    fl_error err;                                                                        \
    memset(&err, 0, sizeof err)

/* Expects the read to fail with `msg` at byte offset `at`. */
#define EXPECT_ERROR(call, msg, at)                                                   \
    do {                                                                                  \
        cr_assert_eq((call), -1);                                                         \
        cr_assert_str_eq(err.message, (msg));                                             \
        cr_assert_eq(err.offset, (size_t)(at));                                       \
    } while (0)

/* ---- unsigned 32 ---- */

Test(reader_u32, one_byte) {
    READER(0x00, 0x7f);
    uint32_t v;
    cr_assert_eq(fl_read_u32(&r, &v, &err), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(fl_read_u32(&r, &v, &err), 0);
    cr_assert_eq(v, 127);
    cr_assert_eq(r.pos, r.end);
}

Test(reader_u32, multi_byte) {
    READER(0x80, 0x01, 0xe5, 0x8e, 0x26);
    uint32_t v;
    cr_assert_eq(fl_read_u32(&r, &v, &err), 0);
    cr_assert_eq(v, 128);
    cr_assert_eq(fl_reader_offset(&r), 2);
    cr_assert_eq(fl_read_u32(&r, &v, &err), 0);
    cr_assert_eq(v, 624485);
    cr_assert_eq(r.pos, r.end);
}

Test(reader_u32, max_and_padded) {
    READER(0xff, 0xff, 0xff, 0xff, 0x0f, 0x80, 0x80, 0x80, 0x80, 0x00, 0x83, 0x80, 0x00);
    uint32_t v;
    cr_assert_eq(fl_read_u32(&r, &v, &err), 0);
    cr_assert_eq(v, UINT32_MAX);
    /* non-minimal encodings are valid up to the width's byte count */
    cr_assert_eq(fl_read_u32(&r, &v, &err), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(fl_read_u32(&r, &v, &err), 0);
    cr_assert_eq(v, 3);
    cr_assert_eq(r.pos, r.end);
}

Test(reader_u32, too_long) {
    READER(0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    uint32_t v;
    cr_assert_eq(fl_read_u8(&r, &(uint8_t){0}, &err), 0);
    EXPECT_ERROR(fl_read_u32(&r, &v, &err), "integer representation too long", 1);
}

Test(reader_u32, too_large) {
    READER(0xff, 0xff, 0xff, 0xff, 0x1f);
    uint32_t v;
    EXPECT_ERROR(fl_read_u32(&r, &v, &err), "integer too large", 0);
}

Test(reader_u32, too_large_high_bit) {
    READER(0x80, 0x80, 0x80, 0x80, 0x70);
    uint32_t v;
    EXPECT_ERROR(fl_read_u32(&r, &v, &err), "integer too large", 0);
}

Test(reader_u32, unexpected_end) {
    static const uint8_t bytes[] = {0x00, 0x00, 0x80, 0x80};
    fl_reader r = reader_at(bytes, sizeof bytes, 2);
    fl_error err;
    uint32_t v;
    EXPECT_ERROR(fl_read_u32(&r, &v, &err), "unexpected end", 4);
}

Test(reader_u32, empty) {
    static const uint8_t bytes[] = {0x05};
    fl_reader r = reader_at(bytes, sizeof bytes, 1);
    fl_error err;
    uint32_t v;
    EXPECT_ERROR(fl_read_u32(&r, &v, &err), "unexpected end", 1);
}

/* ---- signed 32 ---- */

Test(reader_s32, small) {
    READER(0x00, 0x3f, 0x40, 0x7f, 0x80, 0x7f, 0xc0, 0xbb, 0x78);
    int32_t v;
    cr_assert_eq(fl_read_s32(&r, &v, &err), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(fl_read_s32(&r, &v, &err), 0);
    cr_assert_eq(v, 63);
    cr_assert_eq(fl_read_s32(&r, &v, &err), 0);
    cr_assert_eq(v, -64);
    cr_assert_eq(fl_read_s32(&r, &v, &err), 0);
    cr_assert_eq(v, -1);
    cr_assert_eq(fl_read_s32(&r, &v, &err), 0);
    cr_assert_eq(v, -128);
    cr_assert_eq(fl_read_s32(&r, &v, &err), 0);
    cr_assert_eq(v, -123456);
    cr_assert_eq(r.pos, r.end);
}

Test(reader_s32, extremes) {
    READER(0xff, 0xff, 0xff, 0xff, 0x07, 0x80, 0x80, 0x80, 0x80, 0x78, 0xff, 0xff, 0xff, 0xff,
           0x7f);
    int32_t v;
    cr_assert_eq(fl_read_s32(&r, &v, &err), 0);
    cr_assert_eq(v, INT32_MAX);
    cr_assert_eq(fl_read_s32(&r, &v, &err), 0);
    cr_assert_eq(v, INT32_MIN);
    /* -1 padded to five bytes */
    cr_assert_eq(fl_read_s32(&r, &v, &err), 0);
    cr_assert_eq(v, -1);
}

Test(reader_s32, too_long) {
    READER(0xff, 0xff, 0xff, 0xff, 0xff, 0x7f);
    int32_t v;
    EXPECT_ERROR(fl_read_s32(&r, &v, &err), "integer representation too long", 0);
}

/* The unused bits of the fifth byte must repeat the sign bit (spec's
 * binary-leb128.wast: 0x0f and 0x70 endings are malformed). */
Test(reader_s32, too_large_positive) {
    READER(0xff, 0xff, 0xff, 0xff, 0x0f);
    int32_t v;
    EXPECT_ERROR(fl_read_s32(&r, &v, &err), "integer too large", 0);
}

Test(reader_s32, too_large_negative) {
    READER(0x80, 0x80, 0x80, 0x80, 0x70);
    int32_t v;
    EXPECT_ERROR(fl_read_s32(&r, &v, &err), "integer too large", 0);
}

Test(reader_s32, unexpected_end) {
    READER(0xff, 0xff);
    int32_t v;
    EXPECT_ERROR(fl_read_s32(&r, &v, &err), "unexpected end", 2);
}

/* ---- signed 33 (block types) ---- */

Test(reader_s33, block_types) {
    READER(0x40, 0x7f, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x80, 0x80, 0x80, 0x80, 0x70);
    int64_t v;
    cr_assert_eq(fl_read_sleb(&r, 33, &v, &err), 0);
    cr_assert_eq(v, -64); /* empty block type */
    cr_assert_eq(fl_read_sleb(&r, 33, &v, &err), 0);
    cr_assert_eq(v, -1); /* i32 */
    cr_assert_eq(fl_read_sleb(&r, 33, &v, &err), 0);
    cr_assert_eq(v, 5); /* type index */
    cr_assert_eq(fl_read_sleb(&r, 33, &v, &err), 0);
    cr_assert_eq(v, (int64_t)UINT32_MAX);
    cr_assert_eq(fl_read_sleb(&r, 33, &v, &err), 0);
    cr_assert_eq(v, -((int64_t)1 << 32));
    cr_assert_eq(r.pos, r.end);
}

Test(reader_s33, too_large) {
    READER(0x80, 0x80, 0x80, 0x80, 0x10);
    int64_t v;
    EXPECT_ERROR(fl_read_sleb(&r, 33, &v, &err), "integer too large", 0);
}

Test(reader_s33, too_long) {
    READER(0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    int64_t v;
    EXPECT_ERROR(fl_read_sleb(&r, 33, &v, &err), "integer representation too long", 0);
}

/* ---- signed and unsigned 64 ---- */

Test(reader_s64, extremes) {
    READER(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00,  /* INT64_MAX */
           0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f,  /* INT64_MIN */
           0x7f,                                                        /* -1 */
           0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00); /* 0, padded */
    int64_t v;
    cr_assert_eq(fl_read_s64(&r, &v, &err), 0);
    cr_assert_eq(v, INT64_MAX);
    cr_assert_eq(fl_reader_offset(&r), 10);
    cr_assert_eq(fl_read_s64(&r, &v, &err), 0);
    cr_assert_eq(v, INT64_MIN);
    cr_assert_eq(fl_read_s64(&r, &v, &err), 0);
    cr_assert_eq(v, -1);
    cr_assert_eq(fl_read_s64(&r, &v, &err), 0);
    cr_assert_eq(v, 0);
    cr_assert_eq(r.pos, r.end);
}

Test(reader_s64, too_long) {
    READER(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    int64_t v;
    EXPECT_ERROR(fl_read_s64(&r, &v, &err), "integer representation too long", 0);
}

Test(reader_s64, too_large) {
    READER(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x80, 0x80, 0x80, 0x80,
           0x80, 0x80, 0x80, 0x80, 0x80, 0x7e);
    int64_t v;
    EXPECT_ERROR(fl_read_s64(&r, &v, &err), "integer too large", 0);
    r.pos = bytes_ + 10;
    EXPECT_ERROR(fl_read_s64(&r, &v, &err), "integer too large", 10);
}

Test(reader_s64, unexpected_end) {
    READER(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80);
    int64_t v;
    EXPECT_ERROR(fl_read_s64(&r, &v, &err), "unexpected end", 9);
}

Test(reader_u64, max_and_too_large) {
    READER(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0xff, 0xff, 0xff, 0xff,
           0xff, 0xff, 0xff, 0xff, 0xff, 0x02);
    uint64_t v;
    cr_assert_eq(fl_read_uleb(&r, 64, &v, &err), 0);
    cr_assert_eq(v, UINT64_MAX);
    EXPECT_ERROR(fl_read_uleb(&r, 64, &v, &err), "integer too large", 10);
}

/* ---- bytes ---- */

Test(reader_bytes, u8_and_bytes) {
    READER(0x01, 0x02, 0x03, 0x04);
    uint8_t b, out[3];
    cr_assert_eq(fl_read_u8(&r, &b, &err), 0);
    cr_assert_eq(b, 1);
    EXPECT_ERROR(fl_read_bytes(&r, out, 4, &err), "unexpected end", 1);
    cr_assert_eq(fl_reader_offset(&r), 1); /* a failed read consumes nothing */
    cr_assert_eq(fl_read_bytes(&r, out, 3, &err), 0);
    cr_assert_eq(out[0], 2);
    cr_assert_eq(out[2], 4);
    EXPECT_ERROR(fl_read_u8(&r, &b, &err), "unexpected end", 4);
}
