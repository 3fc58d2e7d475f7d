/*
 * reader.h: bounds-checked reading of the binary format (bytes, LEB128
 * integers, floats), shared by the decoder, the validator and the
 * interpreter's compiler.  Every read checks the end of its buffer; a
 * failure fills the error with the spec's wording and returns -1.
 */
#ifndef FL_ENGINE_READER_H
#define FL_ENGINE_READER_H

#include <stdint.h>
#include <string.h>

#include "engine/module.h"

typedef struct fl_reader {
    const uint8_t *pos;
    const uint8_t *end;
    const uint8_t *base; /* start of the module binary: offsets are pos - base */
} fl_reader;

static inline size_t fl_reader_offset(const fl_reader *r) {
    return (size_t)(r->pos - r->base);
}

static inline int fl_read_u8(fl_reader *r, uint8_t *out, fl_error *err) {
    if (r->pos >= r->end)
        return fl_error_set(err, fl_reader_offset(r), "unexpected end");
    *out = *r->pos++;
    return 0;
}

static inline int fl_read_bytes(fl_reader *r, void *out, size_t n, fl_error *err) {
    if ((size_t)(r->end - r->pos) < n)
        return fl_error_set(err, fl_reader_offset(r), "unexpected end");
    memcpy(out, r->pos, n);
    r->pos += n;
    return 0;
}

/* Unsigned LEB128 of at most `bits` bits (32 or 64). */
static inline int fl_read_uleb(fl_reader *r, unsigned bits, uint64_t *out, fl_error *err) {
    uint64_t result = 0;
    unsigned shift = 0;
    size_t start = fl_reader_offset(r);
    for (;;) {
        if (r->pos >= r->end)
            return fl_error_set(err, fl_reader_offset(r), "unexpected end");
        uint8_t byte = *r->pos++;
        if (shift + 7 >= bits) {
            /* last permitted byte: no continuation, unused bits zero */
            unsigned used = bits - shift;
            if (byte & 0x80)
                return fl_error_set(err, start, "integer representation too long");
            if (used < 7 && (byte >> used) != 0)
                return fl_error_set(err, start, "integer too large");
            result |= (uint64_t)byte << shift;
            break;
        }
        result |= (uint64_t)(byte & 0x7f) << shift;
        shift += 7;
        if (!(byte & 0x80))
            break;
    }
    *out = result;
    return 0;
}

/* Signed LEB128 of at most `bits` bits (32, 33 or 64), sign-extended. */
static inline int fl_read_sleb(fl_reader *r, unsigned bits, int64_t *out, fl_error *err) {
    uint64_t result = 0;
    unsigned shift = 0;
    size_t start = fl_reader_offset(r);
    uint8_t byte;
    for (;;) {
        if (r->pos >= r->end)
            return fl_error_set(err, fl_reader_offset(r), "unexpected end");
        byte = *r->pos++;
        if (shift + 7 >= bits) {
            /* last permitted byte: the unused bits must all equal the sign bit */
            unsigned used = bits - shift; /* value bits in this byte, 1..7 */
            if (byte & 0x80)
                return fl_error_set(err, start, "integer representation too long");
            int sign = (byte >> (used - 1)) & 1;
            uint8_t rest = (uint8_t)((byte & 0x7f) >> used);
            uint8_t want = sign ? (uint8_t)(0x7f >> used) : 0;
            if (rest != want)
                return fl_error_set(err, start, "integer too large");
            result |= (uint64_t)(byte & 0x7f) << shift;
            shift += 7;
            break;
        }
        result |= (uint64_t)(byte & 0x7f) << shift;
        shift += 7;
        if (!(byte & 0x80))
            break;
    }
    if (shift < 64 && (byte & 0x40))
        result |= ~(uint64_t)0 << shift;
    *out = (int64_t)result;
    return 0;
}

static inline int fl_read_u32(fl_reader *r, uint32_t *out, fl_error *err) {
    uint64_t v;
    if (fl_read_uleb(r, 32, &v, err) < 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static inline int fl_read_s32(fl_reader *r, int32_t *out, fl_error *err) {
    int64_t v;
    if (fl_read_sleb(r, 32, &v, err) < 0)
        return -1;
    *out = (int32_t)v;
    return 0;
}

static inline int fl_read_s64(fl_reader *r, int64_t *out, fl_error *err) {
    return fl_read_sleb(r, 64, out, err);
}

#endif
