/*
 * test_simd_ops.c: the lane semantics of wasm's SIMD (interp/simd.c), family
 * by family, on hand-computed values chosen at the edges: wrapping and
 * saturation, lane order of loads, extends and bitmasks, NaNs (a computed
 * NaN is quiet; pmin/pmax, abs/neg, splat and lanes move bits unchanged),
 * -0 and +0, rounding half to even, float-to-int saturation, u32-to-f32
 * rounding, shift counts past the lane width; relaxed SIMD in wasm 3.0's
 * deterministic profile (madd not fused, the dots' saturating i16 step).
 * Also: every instruction of simd_opcodes.def is handled by the function of
 * its shape, and a function given an op of another shape aborts.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/module.h"
#include "interp/simd.h"

/* 8-byte aligned, as frame slots are */
typedef union v128 {
    int8_t i8[16];
    uint8_t u8[16];
    int16_t i16[8];
    uint16_t u16[8];
    int32_t i32[4];
    uint32_t u32[4];
    int64_t i64[2];
    uint64_t u64[2];
    float f32[4];
    double f64[2];
} v128;

#define I8(...) ((v128){.i8 = {__VA_ARGS__}})
#define U8(...) ((v128){.u8 = {__VA_ARGS__}})
#define I16(...) ((v128){.i16 = {__VA_ARGS__}})
#define U16(...) ((v128){.u16 = {__VA_ARGS__}})
#define I32(...) ((v128){.i32 = {__VA_ARGS__}})
#define U32(...) ((v128){.u32 = {__VA_ARGS__}})
#define I64(...) ((v128){.i64 = {__VA_ARGS__}})
#define U64(...) ((v128){.u64 = {__VA_ARGS__}})
#define F32(...) ((v128){.f32 = {__VA_ARGS__}})
#define F64(...) ((v128){.f64 = {__VA_ARGS__}})

#define SNAN32 0x7fa00001u           /* signalling: quiet bit 0x00400000 clear */
#define SNAN64 0x7ff4000000000001ull /* quiet bit 0x0008000000000000 clear */

/* The result starts as garbage, so a lane the op forgets to write shows. */
static v128 garbage(void) {
    v128 r;
    memset(&r, 0xa5, sizeof r);
    return r;
}

static v128 un(uint32_t op, v128 a) {
    v128 r = garbage();
    fl_simd_v_v(op, &r, &a);
    return r;
}

static v128 bin(uint32_t op, v128 a, v128 b) {
    v128 r = garbage();
    fl_simd_vv_v(op, &r, &a, &b);
    return r;
}

static v128 tern(uint32_t op, v128 a, v128 b, v128 c) {
    v128 r = garbage();
    fl_simd_vvv_v(op, &r, &a, &b, &c);
    return r;
}

static v128 vx(uint32_t op, v128 a, uint64_t x, uint32_t lane) {
    v128 r = garbage();
    fl_simd_vx_v(op, &r, &a, x, lane);
    return r;
}

static v128 splat(uint32_t op, uint64_t x) {
    v128 r = garbage();
    fl_simd_splat(op, &r, x);
    return r;
}

static v128 load(uint32_t op, const uint8_t *src) {
    v128 r = garbage();
    fl_simd_load(op, &r, src);
    return r;
}

static void hex(v128 v, char out[33]) {
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", v.u8[i]);
}

/* Byte-for-byte equality, printed in memory order (lane 0 first). */
#define EXPECT(got, want) expect_eq((got), (want), #got, __LINE__)
static void expect_eq(v128 got, v128 want, const char *what, int line) {
    char g[33], w[33];
    if (memcmp(&got, &want, sizeof got) == 0)
        return;
    hex(got, g);
    hex(want, w);
    cr_assert_fail("line %d: %s\n  got  %s\n  want %s", line, what, g, w);
}

static bool quiet_nan32(uint32_t bits) {
    return (bits & 0x7fc00000u) == 0x7fc00000u;
}
static bool quiet_nan64(uint64_t bits) {
    return (bits & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
}

TestSuite(simd_ops);

/* ---- integer arithmetic ---- */

Test(simd_ops, integer_add_sub_mul_wrap) {
    EXPECT(bin(FL_SIMD_I8X16_ADD, I8(127, -128, 100, 1), I8(1, -1, 100, 2)), I8(-128, 127, -56, 3));
    EXPECT(bin(FL_SIMD_I8X16_SUB, I8(-128, 0, 5), I8(1, 1, 7)), I8(127, -1, -2));
    EXPECT(
        bin(FL_SIMD_I16X8_ADD, I16(32767, -32768, 0, 0, 0, 0, 0, 9), I16(1, -1, 0, 0, 0, 0, 0, 1)),
        I16(-32768, 32767, 0, 0, 0, 0, 0, 10));
    EXPECT(bin(FL_SIMD_I16X8_SUB, I16(-32768, 3), I16(1, 5)), I16(32767, -2));
    EXPECT(bin(FL_SIMD_I16X8_MUL, I16(0x4000, -1, 300, -300), I16(4, -1, 300, 300)),
           I16(0, 1, 24464, -24464));
    EXPECT(bin(FL_SIMD_I32X4_ADD, I32(INT32_MAX, -1, 5, 0), I32(1, 1, -7, 0)),
           I32(INT32_MIN, 0, -2, 0));
    EXPECT(bin(FL_SIMD_I32X4_SUB, I32(INT32_MIN, 0, 5, 0), I32(1, 1, 7, 0)),
           I32(INT32_MAX, -1, -2, 0));
    EXPECT(bin(FL_SIMD_I32X4_MUL, I32(0x10000, -3, INT32_MAX, INT32_MIN), I32(0x10000, 5, 2, -1)),
           I32(0, -15, -2, INT32_MIN));
    EXPECT(bin(FL_SIMD_I64X2_ADD, I64(INT64_MAX, -1), I64(1, -1)), I64(INT64_MIN, -2));
    EXPECT(bin(FL_SIMD_I64X2_SUB, I64(INT64_MIN, 0), I64(1, 1)), I64(INT64_MAX, -1));
    EXPECT(bin(FL_SIMD_I64X2_MUL, U64(0x123456789, INT64_MIN), U64(0x987654321, (uint64_t)-1)),
           U64(0xd77d742cce1833a9, (uint64_t)INT64_MIN));
}

Test(simd_ops, saturating_add_sub) {
    EXPECT(bin(FL_SIMD_I8X16_ADD_SAT_S, I8(127, -128, 100, -100, 5), I8(1, -1, 100, -100, -10)),
           I8(127, -128, 127, -128, -5));
    EXPECT(bin(FL_SIMD_I8X16_ADD_SAT_U, U8(250, 255, 1, 0x80), U8(10, 255, 2, 0x80)),
           U8(255, 255, 3, 255));
    EXPECT(bin(FL_SIMD_I8X16_SUB_SAT_S, I8(-128, 127, 0, -1), I8(1, -1, -128, 127)),
           I8(-128, 127, 127, -128));
    EXPECT(bin(FL_SIMD_I8X16_SUB_SAT_U, U8(5, 255, 0), U8(10, 1, 0)), U8(0, 254, 0));
    EXPECT(bin(FL_SIMD_I16X8_ADD_SAT_S, I16(32767, -32768, 1000), I16(1, -1, -2000)),
           I16(32767, -32768, -1000));
    EXPECT(bin(FL_SIMD_I16X8_ADD_SAT_U, U16(65535, 65000, 1), U16(1, 1000, 1)),
           U16(65535, 65535, 2));
    EXPECT(bin(FL_SIMD_I16X8_SUB_SAT_S, I16(-32768, 32767, 0), I16(1, -1, -32768)),
           I16(-32768, 32767, 32767));
    EXPECT(bin(FL_SIMD_I16X8_SUB_SAT_U, U16(0, 1000, 65535), U16(1, 999, 0)), U16(0, 1, 65535));
}

Test(simd_ops, min_max_avgr) {
    v128 a = I8(-128, 1, -1, 7), b = I8(1, -128, 0, 7);
    EXPECT(bin(FL_SIMD_I8X16_MIN_S, a, b), I8(-128, -128, -1, 7));
    EXPECT(bin(FL_SIMD_I8X16_MIN_U, a, b), I8(1, 1, 0, 7));
    EXPECT(bin(FL_SIMD_I8X16_MAX_S, a, b), I8(1, 1, 0, 7));
    EXPECT(bin(FL_SIMD_I8X16_MAX_U, a, b), I8(-128, -128, -1, 7));
    a = I16(-32768, 1, -1), b = I16(1, -32768, 0);
    EXPECT(bin(FL_SIMD_I16X8_MIN_S, a, b), I16(-32768, -32768, -1));
    EXPECT(bin(FL_SIMD_I16X8_MIN_U, a, b), I16(1, 1, 0));
    EXPECT(bin(FL_SIMD_I16X8_MAX_S, a, b), I16(1, 1, 0));
    EXPECT(bin(FL_SIMD_I16X8_MAX_U, a, b), I16(-32768, -32768, -1));
    a = I32(INT32_MIN, 1, -1, 3), b = I32(1, INT32_MIN, 0, 3);
    EXPECT(bin(FL_SIMD_I32X4_MIN_S, a, b), I32(INT32_MIN, INT32_MIN, -1, 3));
    EXPECT(bin(FL_SIMD_I32X4_MIN_U, a, b), I32(1, 1, 0, 3));
    EXPECT(bin(FL_SIMD_I32X4_MAX_S, a, b), I32(1, 1, 0, 3));
    EXPECT(bin(FL_SIMD_I32X4_MAX_U, a, b), I32(INT32_MIN, INT32_MIN, -1, 3));
    /* (a + b + 1) >> 1 in a wider type: no overflow, rounds up */
    EXPECT(bin(FL_SIMD_I8X16_AVGR_U, U8(255, 0, 1, 254, 0, 9), U8(255, 1, 2, 255, 255, 9)),
           U8(255, 1, 2, 255, 128, 9));
    EXPECT(bin(FL_SIMD_I16X8_AVGR_U, U16(65535, 0, 3, 65534), U16(65535, 65535, 4, 65535)),
           U16(65535, 32768, 4, 65535));
}

Test(simd_ops, abs_neg_popcnt) {
    /* abs(INT_MIN) and neg(INT_MIN) wrap to INT_MIN */
    EXPECT(un(FL_SIMD_I8X16_ABS, I8(-128, -1, 5, 0, 127)), I8(-128, 1, 5, 0, 127));
    EXPECT(un(FL_SIMD_I16X8_ABS, I16(-32768, -7, 7)), I16(-32768, 7, 7));
    EXPECT(un(FL_SIMD_I32X4_ABS, I32(INT32_MIN, -1, 2, INT32_MAX)),
           I32(INT32_MIN, 1, 2, INT32_MAX));
    EXPECT(un(FL_SIMD_I64X2_ABS, I64(INT64_MIN, -5)), I64(INT64_MIN, 5));
    EXPECT(un(FL_SIMD_I8X16_NEG, I8(-128, 1, 0, -5)), I8(-128, -1, 0, 5));
    EXPECT(un(FL_SIMD_I16X8_NEG, I16(-32768, 1)), I16(-32768, -1));
    EXPECT(un(FL_SIMD_I32X4_NEG, I32(INT32_MIN, 7)), I32(INT32_MIN, -7));
    EXPECT(un(FL_SIMD_I64X2_NEG, I64(INT64_MIN, 1)), I64(INT64_MIN, -1));
    EXPECT(un(FL_SIMD_I8X16_POPCNT, U8(0, 1, 0xff, 0x80, 0x55, 0x0f, 3)), U8(0, 1, 8, 1, 4, 4, 2));
}

Test(simd_ops, q15mulr_sat) {
    /* (a * b + 0x4000) >> 15, saturated: only -32768 * -32768 overflows */
    v128 a = I16(-32768, -32768, 32767, 16384, -32767, 1, -1, 0x4000);
    v128 b = I16(-32768, 32767, 32767, 16384, -32768, 16384, 16384, -1);
    v128 want = I16(32767, -32767, 32766, 8192, 32767, 1, 0, 0);
    EXPECT(bin(FL_SIMD_I16X8_Q15MULR_SAT_S, a, b), want);
    EXPECT(bin(FL_SIMD_I16X8_RELAXED_Q15MULR_S, a, b), want);
}

Test(simd_ops, narrow_saturates_signed_input) {
    v128 a = I16(300, -300, 127, -128, 128, -129, 0, -1);
    v128 b = I16(1, 2, 3, 4, 5, 6, 32767, -32768);
    EXPECT(bin(FL_SIMD_I8X16_NARROW_I16X8_S, a, b),
           I8(127, -128, 127, -128, 127, -128, 0, -1, 1, 2, 3, 4, 5, 6, 127, -128));
    EXPECT(bin(FL_SIMD_I8X16_NARROW_I16X8_U, a, b),
           U8(255, 0, 127, 0, 128, 0, 0, 0, 1, 2, 3, 4, 5, 6, 255, 0));
    a = I32(70000, -70000, 32767, -32768), b = I32(32768, -32769, 5, -1);
    EXPECT(bin(FL_SIMD_I16X8_NARROW_I32X4_S, a, b),
           I16(32767, -32768, 32767, -32768, 32767, -32768, 5, -1));
    EXPECT(bin(FL_SIMD_I16X8_NARROW_I32X4_U, a, b), U16(65535, 0, 32767, 0, 32768, 0, 5, 0));
}

Test(simd_ops, extend_lane_order) {
    v128 a = I8(-1, 2, -3, 4, 5, 6, 7, 8, -128, 127, 10, 11, 12, 13, 14, -2);
    EXPECT(un(FL_SIMD_I16X8_EXTEND_LOW_I8X16_S, a), I16(-1, 2, -3, 4, 5, 6, 7, 8));
    EXPECT(un(FL_SIMD_I16X8_EXTEND_HIGH_I8X16_S, a), I16(-128, 127, 10, 11, 12, 13, 14, -2));
    EXPECT(un(FL_SIMD_I16X8_EXTEND_LOW_I8X16_U, a), I16(255, 2, 253, 4, 5, 6, 7, 8));
    EXPECT(un(FL_SIMD_I16X8_EXTEND_HIGH_I8X16_U, a), I16(128, 127, 10, 11, 12, 13, 14, 254));
    a = I16(-1, 2, -32768, 4, 32767, -2, 7, 8);
    EXPECT(un(FL_SIMD_I32X4_EXTEND_LOW_I16X8_S, a), I32(-1, 2, -32768, 4));
    EXPECT(un(FL_SIMD_I32X4_EXTEND_HIGH_I16X8_S, a), I32(32767, -2, 7, 8));
    EXPECT(un(FL_SIMD_I32X4_EXTEND_LOW_I16X8_U, a), I32(65535, 2, 32768, 4));
    EXPECT(un(FL_SIMD_I32X4_EXTEND_HIGH_I16X8_U, a), I32(32767, 65534, 7, 8));
    a = I32(-1, 2, INT32_MIN, 4);
    EXPECT(un(FL_SIMD_I64X2_EXTEND_LOW_I32X4_S, a), I64(-1, 2));
    EXPECT(un(FL_SIMD_I64X2_EXTEND_HIGH_I32X4_S, a), I64(INT32_MIN, 4));
    EXPECT(un(FL_SIMD_I64X2_EXTEND_LOW_I32X4_U, a), I64(0xffffffff, 2));
    EXPECT(un(FL_SIMD_I64X2_EXTEND_HIGH_I32X4_U, a), I64(0x80000000, 4));
}

Test(simd_ops, extadd_pairwise) {
    v128 a = I8(-128, -128, 127, 127, -1, 1, 0, 5, 1, 2, 3, 4, 5, 6, -7, -8);
    EXPECT(un(FL_SIMD_I16X8_EXTADD_PAIRWISE_I8X16_S, a), I16(-256, 254, 0, 5, 3, 7, 11, -15));
    EXPECT(un(FL_SIMD_I16X8_EXTADD_PAIRWISE_I8X16_U, a), I16(256, 254, 256, 5, 3, 7, 11, 497));
    a = I16(-32768, -32768, 32767, 32767, -1, 1, 3, 4);
    EXPECT(un(FL_SIMD_I32X4_EXTADD_PAIRWISE_I16X8_S, a), I32(-65536, 65534, 0, 7));
    EXPECT(un(FL_SIMD_I32X4_EXTADD_PAIRWISE_I16X8_U, a), I32(65536, 65534, 65536, 7));
}

Test(simd_ops, extmul_low_high) {
    v128 a = I8(-128, 127, -1, 2, 0, 0, 0, 0, 5, -6, 7, -8, 0, 0, 0, -128);
    v128 b = I8(-128, -128, -1, 3, 0, 0, 0, 0, 2, 2, -2, -2, 0, 0, 0, -1);
    EXPECT(bin(FL_SIMD_I16X8_EXTMUL_LOW_I8X16_S, a, b), I16(16384, -16256, 1, 6));
    EXPECT(bin(FL_SIMD_I16X8_EXTMUL_HIGH_I8X16_S, a, b), I16(10, -12, -14, 16, 0, 0, 0, 128));
    EXPECT(bin(FL_SIMD_I16X8_EXTMUL_LOW_I8X16_U, a, b), U16(16384, 16256, 65025, 6));
    EXPECT(bin(FL_SIMD_I16X8_EXTMUL_HIGH_I8X16_U, a, b), U16(10, 500, 1778, 62992, 0, 0, 0, 32640));
    a = I16(-32768, 32767, -1, 2, 1000, -1000, 3, -32768);
    b = I16(-32768, -32768, -1, 3, 1000, 1000, -3, -1);
    EXPECT(bin(FL_SIMD_I32X4_EXTMUL_LOW_I16X8_S, a, b), I32(1073741824, -1073709056, 1, 6));
    EXPECT(bin(FL_SIMD_I32X4_EXTMUL_HIGH_I16X8_S, a, b), I32(1000000, -1000000, -9, 32768));
    EXPECT(bin(FL_SIMD_I32X4_EXTMUL_LOW_I16X8_U, a, b),
           U32(1073741824, 1073709056, 4294836225u, 6));
    EXPECT(bin(FL_SIMD_I32X4_EXTMUL_HIGH_I16X8_U, a, b),
           U32(1000000, 64536000, 196599, 2147450880));
    a = I32(INT32_MIN, -1, 7, INT32_MAX);
    b = I32(INT32_MIN, -1, -7, INT32_MAX);
    EXPECT(bin(FL_SIMD_I64X2_EXTMUL_LOW_I32X4_S, a, b), I64(4611686018427387904, 1));
    EXPECT(bin(FL_SIMD_I64X2_EXTMUL_HIGH_I32X4_S, a, b), I64(-49, 4611686014132420609));
    EXPECT(bin(FL_SIMD_I64X2_EXTMUL_LOW_I32X4_U, a, b),
           U64(4611686018427387904, 0xfffffffe00000001));
    EXPECT(bin(FL_SIMD_I64X2_EXTMUL_HIGH_I32X4_U, a, b), U64(30064771023, 4611686014132420609));
}

Test(simd_ops, dot_i16x8_pair_sum_wraps) {
    v128 a = I16(-32768, -32768, 1, 2, 32767, 32767, -5, 3);
    v128 b = I16(-32768, -32768, 3, 4, 32767, -32768, 2, 2);
    EXPECT(bin(FL_SIMD_I32X4_DOT_I16X8_S, a, b), I32(INT32_MIN, 11, -32767, -4));
}

/* ---- comparisons, bitwise, shifts ---- */

Test(simd_ops, integer_compare_signedness) {
    v128 a = I8(-1, 1, 5), b = I8(1, -1, 5); /* lanes 3.. equal (0) */
    EXPECT(bin(FL_SIMD_I8X16_EQ, a, b),
           I8(0, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    EXPECT(bin(FL_SIMD_I8X16_NE, a, b), I8(-1, -1, 0));
    EXPECT(bin(FL_SIMD_I8X16_LT_S, a, b), I8(-1, 0, 0));
    EXPECT(bin(FL_SIMD_I8X16_LT_U, a, b), I8(0, -1, 0));
    EXPECT(bin(FL_SIMD_I8X16_GT_S, a, b), I8(0, -1, 0));
    EXPECT(bin(FL_SIMD_I8X16_GT_U, a, b), I8(-1, 0, 0));
    EXPECT(bin(FL_SIMD_I8X16_LE_S, a, b),
           I8(-1, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    EXPECT(bin(FL_SIMD_I8X16_LE_U, a, b),
           I8(0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    EXPECT(bin(FL_SIMD_I8X16_GE_S, a, b),
           I8(0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    EXPECT(bin(FL_SIMD_I8X16_GE_U, a, b),
           I8(-1, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    a = I16(-1, 1, 5, 0, 0, 0, 0, 0), b = I16(1, -1, 5, 0, 0, 0, 0, 0);
    EXPECT(bin(FL_SIMD_I16X8_EQ, a, b), I16(0, 0, -1, -1, -1, -1, -1, -1));
    EXPECT(bin(FL_SIMD_I16X8_NE, a, b), I16(-1, -1, 0));
    EXPECT(bin(FL_SIMD_I16X8_LT_S, a, b), I16(-1, 0, 0));
    EXPECT(bin(FL_SIMD_I16X8_LT_U, a, b), I16(0, -1, 0));
    EXPECT(bin(FL_SIMD_I16X8_GT_S, a, b), I16(0, -1, 0));
    EXPECT(bin(FL_SIMD_I16X8_GT_U, a, b), I16(-1, 0, 0));
    EXPECT(bin(FL_SIMD_I16X8_LE_S, a, b), I16(-1, 0, -1, -1, -1, -1, -1, -1));
    EXPECT(bin(FL_SIMD_I16X8_LE_U, a, b), I16(0, -1, -1, -1, -1, -1, -1, -1));
    EXPECT(bin(FL_SIMD_I16X8_GE_S, a, b), I16(0, -1, -1, -1, -1, -1, -1, -1));
    EXPECT(bin(FL_SIMD_I16X8_GE_U, a, b), I16(-1, 0, -1, -1, -1, -1, -1, -1));
    a = I32(-1, 1, 5, 0), b = I32(1, -1, 5, 0);
    EXPECT(bin(FL_SIMD_I32X4_EQ, a, b), I32(0, 0, -1, -1));
    EXPECT(bin(FL_SIMD_I32X4_NE, a, b), I32(-1, -1, 0, 0));
    EXPECT(bin(FL_SIMD_I32X4_LT_S, a, b), I32(-1, 0, 0, 0));
    EXPECT(bin(FL_SIMD_I32X4_LT_U, a, b), I32(0, -1, 0, 0));
    EXPECT(bin(FL_SIMD_I32X4_GT_S, a, b), I32(0, -1, 0, 0));
    EXPECT(bin(FL_SIMD_I32X4_GT_U, a, b), I32(-1, 0, 0, 0));
    EXPECT(bin(FL_SIMD_I32X4_LE_S, a, b), I32(-1, 0, -1, -1));
    EXPECT(bin(FL_SIMD_I32X4_LE_U, a, b), I32(0, -1, -1, -1));
    EXPECT(bin(FL_SIMD_I32X4_GE_S, a, b), I32(0, -1, -1, -1));
    EXPECT(bin(FL_SIMD_I32X4_GE_U, a, b), I32(-1, 0, -1, -1));
    a = I64(-1, 5), b = I64(1, 5);
    EXPECT(bin(FL_SIMD_I64X2_EQ, a, b), I64(0, -1));
    EXPECT(bin(FL_SIMD_I64X2_NE, a, b), I64(-1, 0));
    EXPECT(bin(FL_SIMD_I64X2_LT_S, a, b), I64(-1, 0));
    EXPECT(bin(FL_SIMD_I64X2_GT_S, a, b), I64(0, 0));
    EXPECT(bin(FL_SIMD_I64X2_LE_S, a, b), I64(-1, -1));
    EXPECT(bin(FL_SIMD_I64X2_GE_S, a, b), I64(0, -1));
    EXPECT(bin(FL_SIMD_I64X2_GT_S, I64(INT64_MAX, 0), I64(INT64_MIN, -1)), I64(-1, -1));
}

Test(simd_ops, float_compare_nan_and_zero) {
    /* NaN compares false except ne; -0 == +0 */
    v128 a = F32(NAN, 1.0f, -0.0f, 1.0f), b = F32(1.0f, NAN, 0.0f, 2.0f);
    EXPECT(bin(FL_SIMD_F32X4_EQ, a, b), I32(0, 0, -1, 0));
    EXPECT(bin(FL_SIMD_F32X4_NE, a, b), I32(-1, -1, 0, -1));
    EXPECT(bin(FL_SIMD_F32X4_LT, a, b), I32(0, 0, 0, -1));
    EXPECT(bin(FL_SIMD_F32X4_GT, a, b), I32(0, 0, 0, 0));
    EXPECT(bin(FL_SIMD_F32X4_LE, a, b), I32(0, 0, -1, -1));
    EXPECT(bin(FL_SIMD_F32X4_GE, a, b), I32(0, 0, -1, 0));
    a = F64(NAN, -0.0), b = F64(NAN, 0.0);
    EXPECT(bin(FL_SIMD_F64X2_EQ, a, b), I64(0, -1));
    EXPECT(bin(FL_SIMD_F64X2_NE, a, b), I64(-1, 0));
    EXPECT(bin(FL_SIMD_F64X2_LT, a, b), I64(0, 0));
    EXPECT(bin(FL_SIMD_F64X2_GT, a, b), I64(0, 0));
    EXPECT(bin(FL_SIMD_F64X2_LE, a, b), I64(0, -1));
    EXPECT(bin(FL_SIMD_F64X2_GE, a, b), I64(0, -1));
    a = F64(1.0, 3.0), b = F64(2.0, -INFINITY);
    EXPECT(bin(FL_SIMD_F64X2_LT, a, b), I64(-1, 0));
    EXPECT(bin(FL_SIMD_F64X2_GT, a, b), I64(0, -1));
}

Test(simd_ops, bitwise) {
    v128 a = U64(0xff00ff00f0f0f0f0, 0x0123456789abcdef);
    v128 b = U64(0x0ff00ff000ff00ff, 0xffffffff00000000);
    v128 c = U64(0xffff0000ffff0000, 0x00ff00ff00ff00ff);
    EXPECT(un(FL_SIMD_V128_NOT, a), U64(0x00ff00ff0f0f0f0f, 0xfedcba9876543210));
    EXPECT(bin(FL_SIMD_V128_AND, a, b), U64(0x0f000f0000f000f0, 0x0123456700000000));
    EXPECT(bin(FL_SIMD_V128_ANDNOT, a, b), U64(0xf000f000f000f000, 0x0000000089abcdef));
    EXPECT(bin(FL_SIMD_V128_OR, a, b), U64(0xfff0fff0f0fff0ff, 0xffffffff89abcdef));
    EXPECT(bin(FL_SIMD_V128_XOR, a, b), U64(0xf0f0f0f0f00ff00f, 0xfedcba9889abcdef));
    /* bits of a where c is set, of b elsewhere */
    EXPECT(tern(FL_SIMD_V128_BITSELECT, a, b, c), U64(0xff000ff0f0f000ff, 0xff23ff6700ab00ef));
}

Test(simd_ops, shifts_take_count_modulo_width) {
    v128 a8 = I8(1, -1, 0x40, -128, 64);
    EXPECT(vx(FL_SIMD_I8X16_SHL, a8, 1, 0), I8(2, -2, -128, 0, -128));
    EXPECT(vx(FL_SIMD_I8X16_SHL, a8, 9, 0), I8(2, -2, -128, 0, -128));
    EXPECT(vx(FL_SIMD_I8X16_SHL, a8, 8, 0), a8);
    EXPECT(vx(FL_SIMD_I8X16_SHR_S, a8, 1, 0), I8(0, -1, 0x20, -64, 32));
    EXPECT(vx(FL_SIMD_I8X16_SHR_S, a8, 15, 0), I8(0, -1, 0, -1, 0));
    EXPECT(vx(FL_SIMD_I8X16_SHR_U, a8, 1, 0), I8(0, 0x7f, 0x20, 0x40, 32));
    EXPECT(vx(FL_SIMD_I8X16_SHR_U, a8, 0xfffffff8, 0), a8); /* the count as u32: 8 mod 8 */
    v128 a16 = I16(1, -32768, 0x4000, -1);
    EXPECT(vx(FL_SIMD_I16X8_SHL, a16, 17, 0), I16(2, 0, -32768, -2));
    EXPECT(vx(FL_SIMD_I16X8_SHR_S, a16, 15, 0), I16(0, -1, 0, -1));
    EXPECT(vx(FL_SIMD_I16X8_SHR_S, a16, 16, 0), a16);
    EXPECT(vx(FL_SIMD_I16X8_SHR_U, a16, 31, 0), I16(0, 1, 0, 1));
    v128 a32 = I32(1, INT32_MIN, -1, 0x40000000);
    EXPECT(vx(FL_SIMD_I32X4_SHL, a32, 32, 0), a32);
    EXPECT(vx(FL_SIMD_I32X4_SHL, a32, 33, 0), I32(2, 0, -2, INT32_MIN));
    EXPECT(vx(FL_SIMD_I32X4_SHR_S, a32, 0xffffffff, 0), I32(0, -1, -1, 0));
    EXPECT(vx(FL_SIMD_I32X4_SHR_U, a32, 31, 0), I32(0, 1, 1, 0));
    v128 a64 = I64(INT64_MIN, 3);
    EXPECT(vx(FL_SIMD_I64X2_SHL, a64, 64, 0), a64);
    EXPECT(vx(FL_SIMD_I64X2_SHL, a64, 65, 0), I64(0, 6));
    EXPECT(vx(FL_SIMD_I64X2_SHR_S, a64, 63, 0), I64(-1, 0));
    EXPECT(vx(FL_SIMD_I64X2_SHR_S, a64, 129, 0), I64(INT64_MIN / 2, 1));
    EXPECT(vx(FL_SIMD_I64X2_SHR_U, a64, 127, 0), I64(1, 0));
}

/* ---- lane moves ---- */

Test(simd_ops, swizzle_out_of_range_is_zero) {
    v128 a = U8(0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
                0x1e, 0x1f);
    v128 idx = U8(0, 15, 16, 255, 128, 1, 17, 31, 3, 3, 3, 3, 0x7f, 14, 2, 0);
    v128 want = U8(0x10, 0x1f, 0, 0, 0, 0x11, 0, 0, 0x13, 0x13, 0x13, 0x13, 0, 0x1e, 0x12, 0x10);
    EXPECT(bin(FL_SIMD_I8X16_SWIZZLE, a, idx), want);
    EXPECT(bin(FL_SIMD_I8X16_RELAXED_SWIZZLE, a, idx), want);
    /* the result may be written over the table it reads */
    v128 rev = U8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    fl_simd_vv_v(FL_SIMD_I8X16_SWIZZLE, &a, &a, &rev);
    EXPECT(a, U8(0x1f, 0x1e, 0x1d, 0x1c, 0x1b, 0x1a, 0x19, 0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12,
                 0x11, 0x10));
}

Test(simd_ops, shuffle_takes_lanes_of_both) {
    v128 a = U8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    v128 b = U8(16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
    const uint8_t lanes[16] = {31, 0, 16, 15, 1, 30, 2, 29, 8, 24, 9, 25, 14, 18, 7, 23};
    v128 r = garbage();
    fl_simd_shuffle(&r, &a, &b, lanes);
    EXPECT(r, U8(31, 0, 16, 15, 1, 30, 2, 29, 8, 24, 9, 25, 14, 18, 7, 23));
    const uint8_t rev[16] = {15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
    fl_simd_shuffle(&a, &a, &b, rev);
    EXPECT(a, U8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
}

Test(simd_ops, splat) {
    EXPECT(splat(FL_SIMD_I8X16_SPLAT, 0x1ff), U8(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    EXPECT(splat(FL_SIMD_I16X8_SPLAT, 0x12345),
           U16(0x2345, 0x2345, 0x2345, 0x2345, 0x2345, 0x2345, 0x2345, 0x2345));
    EXPECT(splat(FL_SIMD_I32X4_SPLAT, 0xdeadbeef),
           U32(0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef));
    EXPECT(splat(FL_SIMD_I64X2_SPLAT, 0x0123456789abcdef),
           U64(0x0123456789abcdef, 0x0123456789abcdef));
    /* a float's bits are copied, a signalling NaN included */
    EXPECT(splat(FL_SIMD_F32X4_SPLAT, SNAN32), U32(SNAN32, SNAN32, SNAN32, SNAN32));
    EXPECT(splat(FL_SIMD_F64X2_SPLAT, 0x8000000000000000), F64(-0.0, -0.0));
}

Test(simd_ops, extract_lane_extends_to_i32) {
    v128 a = I8(0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f);
    /* i32 results sit zero-extended in the 64-bit slot */
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I8X16_EXTRACT_LANE_S, &a, 5), 0xffffffffull);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I8X16_EXTRACT_LANE_U, &a, 5), 0xffull);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I8X16_EXTRACT_LANE_S, &a, 15), 0x7full);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I8X16_EXTRACT_LANE_U, &a, 0), 0ull);
    a = I16(1, 0, 0, 0, 0, 0, 0, -2);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I16X8_EXTRACT_LANE_S, &a, 7), 0xfffffffeull);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I16X8_EXTRACT_LANE_U, &a, 7), 0xfffeull);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I16X8_EXTRACT_LANE_S, &a, 0), 1ull);
    a = U32(1, 2, SNAN32, 0x80000000);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I32X4_EXTRACT_LANE, &a, 3), 0x80000000ull);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I32X4_EXTRACT_LANE, &a, 1), 2ull);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_F32X4_EXTRACT_LANE, &a, 2), SNAN32);
    a = U64(0x0123456789abcdef, SNAN64);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I64X2_EXTRACT_LANE, &a, 0), 0x0123456789abcdefull);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_F64X2_EXTRACT_LANE, &a, 1), SNAN64);
}

Test(simd_ops, replace_lane) {
    v128 a = U8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    EXPECT(vx(FL_SIMD_I8X16_REPLACE_LANE, a, 0x1ab, 15),
           U8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xab));
    EXPECT(vx(FL_SIMD_I16X8_REPLACE_LANE, a, 0xffff1234, 0),
           U8(0x34, 0x12, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    EXPECT(vx(FL_SIMD_I32X4_REPLACE_LANE, a, 0x100000007, 2),
           U8(0, 1, 2, 3, 4, 5, 6, 7, 7, 0, 0, 0, 12, 13, 14, 15));
    EXPECT(vx(FL_SIMD_F32X4_REPLACE_LANE, a, SNAN32, 1),
           U8(0, 1, 2, 3, 0x01, 0x00, 0xa0, 0x7f, 8, 9, 10, 11, 12, 13, 14, 15));
    EXPECT(vx(FL_SIMD_I64X2_REPLACE_LANE, a, 0x1122334455667788, 1),
           U8(0, 1, 2, 3, 4, 5, 6, 7, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11));
    /* in place */
    fl_simd_vx_v(FL_SIMD_F64X2_REPLACE_LANE, &a, &a, SNAN64, 0);
    EXPECT(a, U64(SNAN64, 0x0f0e0d0c0b0a0908));
}

Test(simd_ops, any_all_true_bitmask) {
    v128 z = U64(0, 0);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_V128_ANY_TRUE, &z, 0), 0);
    v128 a = U8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_V128_ANY_TRUE, &a, 0), 1);
    a = U8(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I8X16_ALL_TRUE, &a, 0), 1);
    a.u8[15] = 0;
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I8X16_ALL_TRUE, &a, 0), 0);
    /* all_true looks at whole lanes: zero bytes in nonzero lanes do not count */
    a = U16(0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I16X8_ALL_TRUE, &a, 0), 1);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I8X16_ALL_TRUE, &a, 0), 0);
    a.u16[7] = 0;
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I16X8_ALL_TRUE, &a, 0), 0);
    a = U32(0x10000, 1, 0x80000000, 2);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I32X4_ALL_TRUE, &a, 0), 1);
    a.u32[3] = 0;
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I32X4_ALL_TRUE, &a, 0), 0);
    a = U64(0x100000000, 1);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I64X2_ALL_TRUE, &a, 0), 1);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I32X4_ALL_TRUE, &a, 0), 0);
    a.u64[1] = 0;
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I64X2_ALL_TRUE, &a, 0), 0);

    /* bit i is lane i's top bit */
    a = U8(0x80, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I8X16_BITMASK, &a, 0), 0x8003);
    a = U16(0x8000, 0, 0, 0x7fff, 0x0080, 0, 0, 0xffff);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I16X8_BITMASK, &a, 0), 0x81);
    a = U32(0x7fffffff, 0x80000000, 0x00800000, 0xffffffff);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I32X4_BITMASK, &a, 0), 0xa);
    a = U64(0x7fffffffffffffff, 0x8000000000000000);
    cr_assert_eq(fl_simd_v_x(FL_SIMD_I64X2_BITMASK, &a, 0), 2);
}

/* ---- floating point ---- */

Test(simd_ops, float_arith_nans_are_quiet) {
    v128 r =
        bin(FL_SIMD_F32X4_ADD, F32(1.5f, INFINITY, 3e38f, 1.0f), F32(2.25f, -INFINITY, 3e38f, 0));
    cr_assert_eq(r.f32[0], 3.75f);
    cr_assert(quiet_nan32(r.u32[1]), "inf + -inf: %08x", r.u32[1]);
    cr_assert_eq(r.f32[2], INFINITY);
    cr_assert_eq(r.f32[3], 1.0f);
    r = bin(FL_SIMD_F32X4_ADD, U32(SNAN32, 0x3f800000, 0, 0),
            U32(0x3f800000, SNAN32 | 0x80000000, 0, 0));
    cr_assert(quiet_nan32(r.u32[0]) && quiet_nan32(r.u32[1]), "%08x %08x", r.u32[0], r.u32[1]);
    r = bin(FL_SIMD_F32X4_SUB, F32(1.0f, INFINITY, -0.0f, 0.0f), F32(0.5f, INFINITY, 0.0f, 0.0f));
    cr_assert(r.f32[0] == 0.5f && quiet_nan32(r.u32[1]));
    cr_assert(r.u32[2] == 0x80000000 && r.u32[3] == 0); /* -0 - 0 = -0, 0 - 0 = +0 */
    v128 a = F32(0.0f, -2.0f, 1e30f, 0);
    a.u32[3] = SNAN32;
    r = bin(FL_SIMD_F32X4_MUL, a, F32(INFINITY, 3.0f, 1e30f, 2.0f));
    cr_assert(quiet_nan32(r.u32[0]) && r.f32[1] == -6.0f && r.f32[2] == INFINITY &&
              quiet_nan32(r.u32[3]));
    r = bin(FL_SIMD_F32X4_DIV, F32(1.0f, 0.0f, -1.0f, 6.0f), F32(0.0f, 0.0f, 0.0f, 4.0f));
    cr_assert(r.f32[0] == INFINITY && quiet_nan32(r.u32[1]) && r.f32[2] == -INFINITY &&
              r.f32[3] == 1.5f);

    r = bin(FL_SIMD_F64X2_ADD, U64(SNAN64, 0), F64(1.0, 0.0));
    cr_assert(quiet_nan64(r.u64[0]) && r.u64[1] == 0);
    r = bin(FL_SIMD_F64X2_SUB, F64(INFINITY, 0.1), F64(INFINITY, 0.3));
    cr_assert(quiet_nan64(r.u64[0]) && r.f64[1] == 0.1 - 0.3);
    r = bin(FL_SIMD_F64X2_MUL, F64(0.0, 1e300), F64(-INFINITY, 1e300));
    cr_assert(quiet_nan64(r.u64[0]) && r.f64[1] == INFINITY);
    r = bin(FL_SIMD_F64X2_DIV, F64(0.0, 1.0), F64(0.0, 3.0));
    cr_assert(quiet_nan64(r.u64[0]) && r.f64[1] == 1.0 / 3.0);
}

Test(simd_ops, min_max_nan_and_signed_zero) {
    uint32_t ops_min[] = {FL_SIMD_F32X4_MIN, FL_SIMD_F32X4_RELAXED_MIN};
    uint32_t ops_max[] = {FL_SIMD_F32X4_MAX, FL_SIMD_F32X4_RELAXED_MAX};
    v128 a = U32(0x00000000, 0x80000000, SNAN32, 0x3f800000); /* +0 -0 sNaN 1 */
    v128 b = U32(0x80000000, 0x00000000, 0x3f800000, SNAN32); /* -0 +0 1 sNaN */
    for (int i = 0; i < 2; i++) {
        v128 r = bin(ops_min[i], a, b);
        cr_assert(r.u32[0] == 0x80000000 && r.u32[1] == 0x80000000, "min of zeros: %08x %08x",
                  r.u32[0], r.u32[1]);
        cr_assert(quiet_nan32(r.u32[2]) && quiet_nan32(r.u32[3]), "%08x %08x", r.u32[2], r.u32[3]);
        r = bin(ops_max[i], a, b);
        cr_assert(r.u32[0] == 0 && r.u32[1] == 0, "max of zeros: %08x %08x", r.u32[0], r.u32[1]);
        cr_assert(quiet_nan32(r.u32[2]) && quiet_nan32(r.u32[3]), "%08x %08x", r.u32[2], r.u32[3]);
        EXPECT(bin(ops_min[i], F32(-INFINITY, 5, 2, 1), F32(3, -7, INFINITY, 1)),
               F32(-INFINITY, -7, 2, 1));
        EXPECT(bin(ops_max[i], F32(-INFINITY, 5, 2, 1), F32(3, -7, INFINITY, 1)),
               F32(3, 5, INFINITY, 1));
    }
    uint32_t ops64_min[] = {FL_SIMD_F64X2_MIN, FL_SIMD_F64X2_RELAXED_MIN};
    uint32_t ops64_max[] = {FL_SIMD_F64X2_MAX, FL_SIMD_F64X2_RELAXED_MAX};
    for (int i = 0; i < 2; i++) {
        EXPECT(bin(ops64_min[i], F64(0.0, -0.0), F64(-0.0, 0.0)), F64(-0.0, -0.0));
        EXPECT(bin(ops64_max[i], F64(0.0, -0.0), F64(-0.0, 0.0)), F64(0.0, 0.0));
        v128 r = bin(ops64_min[i], U64(SNAN64, 0), F64(-INFINITY, NAN));
        cr_assert(quiet_nan64(r.u64[0]) && quiet_nan64(r.u64[1]));
        r = bin(ops64_max[i], F64(1.0, NAN), U64(SNAN64, 0x3ff0000000000000));
        cr_assert(quiet_nan64(r.u64[0]) && quiet_nan64(r.u64[1]));
        EXPECT(bin(ops64_min[i], F64(1.0, -3.0), F64(2.0, -2.0)), F64(1.0, -3.0));
        EXPECT(bin(ops64_max[i], F64(1.0, -3.0), F64(2.0, -2.0)), F64(2.0, -2.0));
    }
}

Test(simd_ops, pmin_pmax_pass_bits_through) {
    /* pmin = b < a ? b : a, pmax = a < b ? b : a: false on NaN and on zeros, so a */
    v128 a = U32(0x00000000, 0x80000000, SNAN32, 0x3f800000); /* +0 -0 sNaN 1 */
    v128 b = U32(0x80000000, 0x00000000, 0x3f800000, SNAN32);
    EXPECT(bin(FL_SIMD_F32X4_PMIN, a, b), a);
    EXPECT(bin(FL_SIMD_F32X4_PMAX, a, b), a);
    EXPECT(bin(FL_SIMD_F32X4_PMIN, F32(2, -1, INFINITY, 3), F32(1, -2, 5, 4)), F32(1, -2, 5, 3));
    EXPECT(bin(FL_SIMD_F32X4_PMAX, F32(2, -1, INFINITY, 3), F32(1, -2, 5, 4)),
           F32(2, -1, INFINITY, 4));
    a = U64(SNAN64, 0x8000000000000000), b = F64(1.0, 0.0);
    EXPECT(bin(FL_SIMD_F64X2_PMIN, a, b), a);
    EXPECT(bin(FL_SIMD_F64X2_PMAX, a, b), a);
    EXPECT(bin(FL_SIMD_F64X2_PMIN, F64(1.0, NAN), U64(SNAN64, 0)), F64(1.0, NAN));
    EXPECT(bin(FL_SIMD_F64X2_PMIN, F64(2.0, 1.0), F64(1.0, 2.0)), F64(1.0, 1.0));
    EXPECT(bin(FL_SIMD_F64X2_PMAX, F64(2.0, 1.0), F64(1.0, 2.0)), F64(2.0, 2.0));
}

Test(simd_ops, abs_neg_touch_the_sign_bit_only) {
    v128 a = U32(0x80000000, SNAN32 | 0x80000000, 0xbf800000, 0x7f800000);
    EXPECT(un(FL_SIMD_F32X4_ABS, a), U32(0, SNAN32, 0x3f800000, 0x7f800000));
    EXPECT(un(FL_SIMD_F32X4_NEG, a), U32(0, SNAN32, 0x3f800000, 0xff800000));
    a = U64(SNAN64 | 0x8000000000000000, 0);
    EXPECT(un(FL_SIMD_F64X2_ABS, a), U64(SNAN64, 0));
    EXPECT(un(FL_SIMD_F64X2_NEG, a), U64(SNAN64, 0x8000000000000000));
}

Test(simd_ops, rounding_half_to_even_keeps_negative_zero) {
    v128 a = F32(-0.5f, 2.5f, -1.5f, 3.5f);
    EXPECT(un(FL_SIMD_F32X4_CEIL, a), F32(-0.0f, 3, -1, 4));
    EXPECT(un(FL_SIMD_F32X4_FLOOR, a), F32(-1, 2, -2, 3));
    EXPECT(un(FL_SIMD_F32X4_TRUNC, a), F32(-0.0f, 2, -1, 3));
    EXPECT(un(FL_SIMD_F32X4_NEAREST, a), F32(-0.0f, 2, -2, 4));
    EXPECT(un(FL_SIMD_F32X4_NEAREST, F32(4194302.5f, 4194303.5f, -4194302.5f, 0.5f)),
           F32(4194302, 4194304, -4194302, 0.0f));
    EXPECT(un(FL_SIMD_F32X4_CEIL, F32(0.5f, 8388609.0f, -INFINITY, -0.0f)),
           F32(1, 8388609.0f, -INFINITY, -0.0f));
    uint32_t ops32[] = {FL_SIMD_F32X4_CEIL, FL_SIMD_F32X4_FLOOR, FL_SIMD_F32X4_TRUNC,
                        FL_SIMD_F32X4_NEAREST, FL_SIMD_F32X4_SQRT};
    for (int i = 0; i < 5; i++) {
        v128 r = un(ops32[i], U32(SNAN32, 0x7fc00000, SNAN32 | 0x80000000, 0));
        cr_assert(quiet_nan32(r.u32[0]) && quiet_nan32(r.u32[1]) && quiet_nan32(r.u32[2]),
                  "op %#x: %08x %08x %08x", ops32[i], r.u32[0], r.u32[1], r.u32[2]);
    }

    a = F64(-0.5, 2.5);
    EXPECT(un(FL_SIMD_F64X2_CEIL, a), F64(-0.0, 3));
    EXPECT(un(FL_SIMD_F64X2_FLOOR, a), F64(-1, 2));
    EXPECT(un(FL_SIMD_F64X2_TRUNC, a), F64(-0.0, 2));
    EXPECT(un(FL_SIMD_F64X2_NEAREST, a), F64(-0.0, 2));
    EXPECT(un(FL_SIMD_F64X2_NEAREST, F64(0.5, -1.5)), F64(0.0, -2));
    EXPECT(un(FL_SIMD_F64X2_NEAREST, F64(4503599627370497.0, -4503599627370497.0)),
           F64(4503599627370497.0, -4503599627370497.0));
    uint32_t ops64[] = {FL_SIMD_F64X2_CEIL, FL_SIMD_F64X2_FLOOR, FL_SIMD_F64X2_TRUNC,
                        FL_SIMD_F64X2_NEAREST, FL_SIMD_F64X2_SQRT};
    for (int i = 0; i < 5; i++) {
        v128 r = un(ops64[i], U64(SNAN64, SNAN64 | 0x8000000000000000));
        cr_assert(quiet_nan64(r.u64[0]) && quiet_nan64(r.u64[1]), "op %#x", ops64[i]);
    }

    v128 r = un(FL_SIMD_F32X4_SQRT, F32(4, -1, -0.0f, INFINITY));
    cr_assert(r.f32[0] == 2 && quiet_nan32(r.u32[1]) && r.u32[2] == 0x80000000 &&
              r.f32[3] == INFINITY);
    EXPECT(un(FL_SIMD_F64X2_SQRT, F64(2.25, 0.0)), F64(1.5, 0.0));
}

Test(simd_ops, trunc_sat_nan_inf_out_of_range) {
    /* each relaxed truncation runs as its trunc_sat */
    uint32_t s32[] = {FL_SIMD_I32X4_TRUNC_SAT_F32X4_S, FL_SIMD_I32X4_RELAXED_TRUNC_F32X4_S};
    uint32_t u32[] = {FL_SIMD_I32X4_TRUNC_SAT_F32X4_U, FL_SIMD_I32X4_RELAXED_TRUNC_F32X4_U};
    uint32_t s64[] = {FL_SIMD_I32X4_TRUNC_SAT_F64X2_S_ZERO,
                      FL_SIMD_I32X4_RELAXED_TRUNC_F64X2_S_ZERO};
    uint32_t u64[] = {FL_SIMD_I32X4_TRUNC_SAT_F64X2_U_ZERO,
                      FL_SIMD_I32X4_RELAXED_TRUNC_F64X2_U_ZERO};
    for (int i = 0; i < 2; i++) {
        EXPECT(un(s32[i], F32(NAN, INFINITY, -INFINITY, -1.9f)), I32(0, INT32_MAX, INT32_MIN, -1));
        EXPECT(un(s32[i], F32(2147483520.0f, 2147483648.0f, -2147483648.0f, -2147483904.0f)),
               I32(2147483520, INT32_MAX, INT32_MIN, INT32_MIN));
        EXPECT(un(s32[i], U32(SNAN32 | 0x80000000, 0, 0x80000000, 0x3fffffff)), I32(0, 0, 0, 1));
        EXPECT(un(u32[i], F32(NAN, -0.9f, -1.0f, 4294967040.0f)), U32(0, 0, 0, 4294967040u));
        EXPECT(un(u32[i], F32(4294967296.0f, INFINITY, -INFINITY, 1.9f)),
               U32(UINT32_MAX, UINT32_MAX, 0, 1));
        /* the upper two lanes are zero */
        EXPECT(un(s64[i], F64(2147483647.9, -2147483648.9)), I32(INT32_MAX, INT32_MIN, 0, 0));
        EXPECT(un(s64[i], F64(2147483648.0, -2147483649.0)), I32(INT32_MAX, INT32_MIN, 0, 0));
        EXPECT(un(s64[i], F64(NAN, -1.5)), I32(0, -1, 0, 0));
        EXPECT(un(u64[i], F64(4294967295.9, -0.9)), U32(UINT32_MAX, 0, 0, 0));
        EXPECT(un(u64[i], F64(4294967296.0, NAN)), U32(UINT32_MAX, 0, 0, 0));
        EXPECT(un(u64[i], F64(-1.0, INFINITY)), U32(0, UINT32_MAX, 0, 0));
    }
}

Test(simd_ops, convert_rounds_to_nearest_even) {
    /* u32 -> f32 with one rounding: 0x80000081 is above the halfway point,
     * 0x80000080 and 0x80000180 are exactly on it (to even) */
    EXPECT(un(FL_SIMD_F32X4_CONVERT_I32X4_U, U32(0xffffffff, 0x80000081, 0x80000080, 16777217)),
           F32(4294967296.0f, 2147483904.0f, 2147483648.0f, 16777216.0f));
    EXPECT(un(FL_SIMD_F32X4_CONVERT_I32X4_U, U32(0x80000180, 0xfffffe80, 1, 0)),
           F32(2147484160.0f, 4294966784.0f, 1.0f, 0.0f));
    EXPECT(un(FL_SIMD_F32X4_CONVERT_I32X4_S, I32(INT32_MIN, INT32_MAX, 16777217, -16777219)),
           F32(-2147483648.0f, 2147483648.0f, 16777216.0f, -16777220.0f));
    EXPECT(un(FL_SIMD_F64X2_CONVERT_LOW_I32X4_S, I32(-1, INT32_MIN, 5, 6)),
           F64(-1.0, -2147483648.0));
    EXPECT(un(FL_SIMD_F64X2_CONVERT_LOW_I32X4_U, I32(-1, INT32_MIN, 5, 6)),
           F64(4294967295.0, 2147483648.0));
}

Test(simd_ops, demote_promote) {
    EXPECT(un(FL_SIMD_F32X4_DEMOTE_F64X2_ZERO, F64(1e300, -1e-300)), F32(INFINITY, -0.0f, 0, 0));
    /* 1 + 2^-24 is halfway between floats: to even; a bit above rounds up */
    EXPECT(un(FL_SIMD_F32X4_DEMOTE_F64X2_ZERO, F64(1.0 + 0x1p-24, 1.0 + 0x1p-24 + 0x1p-40)),
           F32(1.0f, 1.0f + 0x1p-23f, 0, 0));
    v128 r = un(FL_SIMD_F32X4_DEMOTE_F64X2_ZERO, U64(SNAN64, 0));
    cr_assert(quiet_nan32(r.u32[0]) && r.u32[1] == 0 && r.u32[2] == 0 && r.u32[3] == 0);
    EXPECT(un(FL_SIMD_F64X2_PROMOTE_LOW_F32X4, F32(1.5f, 0x1p-149f, 7, 8)), F64(1.5, 0x1p-149));
    r = un(FL_SIMD_F64X2_PROMOTE_LOW_F32X4, U32(SNAN32, 0x80000000, 0, 0));
    cr_assert(quiet_nan64(r.u64[0]) && r.u64[1] == 0x8000000000000000);
}

/* ---- relaxed SIMD, deterministic profile ---- */

Test(simd_ops, relaxed_madd_is_not_fused) {
    /* Lanes where fma(a, b, c) differs from a * b rounded, then + c:
     * 0x1p-37 vs 0, FLT_MAX vs inf, 0x1p-25 vs 0 (from the spec's tests). */
    v128 a = F32(0x1.000004p+0f, FLT_MAX, 0x1.001p+0f, 2.0f);
    v128 b = F32(0x1.0002p+0f, 2.0f, 0x1.0008p+0f, 3.0f);
    v128 c = F32(-0x1.000204p+0f, -FLT_MAX, -0x1.0018p+0f, 1.0f);
    v128 want = F32(0.0f, INFINITY, 0.0f, 7.0f);
    for (int i = 0; i < 3; i++)
        cr_assert_neq(fmaf(a.f32[i], b.f32[i], c.f32[i]), want.f32[i], "lane %d", i);
    EXPECT(tern(FL_SIMD_F32X4_RELAXED_MADD, a, b, c), want);
    /* nmadd = -(a * b) + c */
    a = F32(-0x1.000004p+0f, -FLT_MAX, 1.5f, 2.0f);
    b = F32(0x1.0002p+0f, 2.0f, 2.0f, 3.0f);
    c = F32(-0x1.000204p+0f, -FLT_MAX, 1.0f, 1.0f);
    EXPECT(tern(FL_SIMD_F32X4_RELAXED_NMADD, a, b, c), F32(0.0f, INFINITY, -2.0f, -5.0f));

    a = F64(0x1.00000004p+0, DBL_MAX), b = F64(0x1.000002p+0, 2.0),
    c = F64(-0x1.00000204p+0, -DBL_MAX);
    cr_assert_neq(fma(a.f64[0], b.f64[0], c.f64[0]), 0.0);
    EXPECT(tern(FL_SIMD_F64X2_RELAXED_MADD, a, b, c), F64(0.0, INFINITY));
    a = F64(-0x1.00000004p+0, 0.5), b = F64(0x1.000002p+0, 4.0), c = F64(-0x1.00000204p+0, 3.0);
    EXPECT(tern(FL_SIMD_F64X2_RELAXED_NMADD, a, b, c), F64(0.0, 1.0));

    v128 r =
        tern(FL_SIMD_F32X4_RELAXED_MADD, U32(SNAN32, 0, 0, 0), F32(1, 1, 1, 1), F32(0, 0, 0, 0));
    cr_assert(quiet_nan32(r.u32[0]));
    r = tern(FL_SIMD_F64X2_RELAXED_NMADD, F64(INFINITY, 1), F64(0, 1), U64(0, SNAN64));
    cr_assert(quiet_nan64(r.u64[0]) && quiet_nan64(r.u64[1]));
}

Test(simd_ops, relaxed_laneselect_is_bitselect) {
    /* the mask is not lane-uniform: every bit selects on its own */
    v128 a = U8(0, 1, 0x12, 0x12, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    v128 b = U8(16, 17, 0x34, 0x34, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
    v128 m = U8(0xff, 0, 0xf0, 0x0f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10);
    v128 want = U8(0, 17, 0x14, 0x32, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 0x0f);
    uint32_t ops[] = {FL_SIMD_I8X16_RELAXED_LANESELECT, FL_SIMD_I16X8_RELAXED_LANESELECT,
                      FL_SIMD_I32X4_RELAXED_LANESELECT, FL_SIMD_I64X2_RELAXED_LANESELECT};
    for (int i = 0; i < 4; i++)
        EXPECT(tern(ops[i], a, b, m), want);
}

Test(simd_ops, relaxed_dot_products) {
    v128 a = I8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    EXPECT(bin(FL_SIMD_I16X8_RELAXED_DOT_I8X16_I7X16_S, a, a),
           I16(1, 13, 41, 85, 145, 221, 313, 421));
    EXPECT(tern(FL_SIMD_I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S, a, a, I32(0, 1, 2, 3)),
           I32(14, 127, 368, 737));
    /* both bytes signed; a pair sum of 32768 (only -128*-128 twice) saturates */
    a = I8(-128, -128, 127, 127, -128, -128, -128, -128, -128, 127, 1, -1, 0, 0, -1, -1);
    v128 b = I8(127, 127, 127, 127, -127, -127, -128, -128, -128, -128, -1, 1, 5, 5, -1, -1);
    EXPECT(bin(FL_SIMD_I16X8_RELAXED_DOT_I8X16_I7X16_S, a, b),
           I16(-32512, 32258, 32512, 32767, 128, -2, 0, 2));
    /* the i16 pair sums, extended and added pairwise, plus c (wrapping) */
    a = I8(-128, -128, -128, -128, 127, 127, 127, 127, -128, -128, -128, -128, -128, -128, -128,
           -128);
    b = I8(127, 127, 127, 127, 127, 127, 127, 127, -128, -128, -128, -128, -127, -127, -127, -127);
    EXPECT(tern(FL_SIMD_I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S, a, b, I32(1, 2, INT32_MAX, 4)),
           I32(-65023, 64518, -2147418115, 65028));
}

/* ---- memory ---- */

static const uint8_t mem[24] = {0xee, 0x80, 0x01, 0xff, 0x7f, 0x00, 0xfe, 0x02, 0x81,
                                0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99};

Test(simd_ops, loads_lane_order_and_zeroing) {
    const uint8_t *src = mem + 1; /* unaligned */
    v128 whole;
    memcpy(&whole, src, 16);
    EXPECT(load(FL_SIMD_V128_LOAD, src), whole);
    EXPECT(load(FL_SIMD_V128_LOAD8X8_S, src), I16(-128, 1, -1, 127, 0, -2, 2, -127));
    EXPECT(load(FL_SIMD_V128_LOAD8X8_U, src), I16(128, 1, 255, 127, 0, 254, 2, 129));
    EXPECT(load(FL_SIMD_V128_LOAD16X4_S, src), I32(384, 32767, -512, -32510));
    EXPECT(load(FL_SIMD_V128_LOAD16X4_U, src), I32(384, 32767, 65024, 33026));
    EXPECT(load(FL_SIMD_V128_LOAD32X2_S, src), I64(2147418496, -2130510336));
    EXPECT(load(FL_SIMD_V128_LOAD32X2_U, src), I64(2147418496, 2164456960));
    EXPECT(load(FL_SIMD_V128_LOAD8_SPLAT, src), U8(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                                   0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80));
    EXPECT(load(FL_SIMD_V128_LOAD16_SPLAT, src),
           U16(0x0180, 0x0180, 0x0180, 0x0180, 0x0180, 0x0180, 0x0180, 0x0180));
    EXPECT(load(FL_SIMD_V128_LOAD32_SPLAT, src),
           U32(0x7fff0180, 0x7fff0180, 0x7fff0180, 0x7fff0180));
    EXPECT(load(FL_SIMD_V128_LOAD64_SPLAT, src), U64(0x8102fe007fff0180, 0x8102fe007fff0180));
    EXPECT(load(FL_SIMD_V128_LOAD32_ZERO, src), U32(0x7fff0180, 0, 0, 0));
    EXPECT(load(FL_SIMD_V128_LOAD64_ZERO, src), U64(0x8102fe007fff0180, 0));
}

Test(simd_ops, load_lane_replaces_one_lane) {
    const uint8_t *src = mem + 1;
    v128 v = U8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), r = garbage();
    fl_simd_load_lane(FL_SIMD_V128_LOAD8_LANE, &r, &v, src, 15);
    EXPECT(r, U8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0x80));
    fl_simd_load_lane(FL_SIMD_V128_LOAD16_LANE, &r, &v, src, 7);
    EXPECT(r, U8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0x80, 0x01));
    fl_simd_load_lane(FL_SIMD_V128_LOAD32_LANE, &r, &v, src, 1);
    EXPECT(r, U8(0, 1, 2, 3, 0x80, 0x01, 0xff, 0x7f, 8, 9, 10, 11, 12, 13, 14, 15));
    fl_simd_load_lane(FL_SIMD_V128_LOAD64_LANE, &v, &v, src, 1); /* in place */
    EXPECT(v, U8(0, 1, 2, 3, 4, 5, 6, 7, 0x80, 0x01, 0xff, 0x7f, 0x00, 0xfe, 0x02, 0x81));
}

Test(simd_ops, stores_write_exactly_their_bytes) {
    v128 v = U8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    struct {
        uint32_t op, lane, size;
        uint8_t first; /* v's byte that lands at dst[0] */
    } cases[] = {
        {FL_SIMD_V128_STORE, 0, 16, 0},        {FL_SIMD_V128_STORE8_LANE, 15, 1, 15},
        {FL_SIMD_V128_STORE16_LANE, 7, 2, 14}, {FL_SIMD_V128_STORE32_LANE, 1, 4, 4},
        {FL_SIMD_V128_STORE64_LANE, 1, 8, 8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[20];
        memset(buf, 0xcc, sizeof buf);
        fl_simd_store(cases[i].op, buf + 1, &v, cases[i].lane);
        cr_assert_eq(buf[0], 0xcc);
        for (uint32_t j = 0; j < cases[i].size; j++)
            cr_assert_eq(buf[1 + j], cases[i].first + j, "op %#x byte %u", cases[i].op, j);
        for (uint32_t j = 1 + cases[i].size; j < sizeof buf; j++)
            cr_assert_eq(buf[j], 0xcc, "op %#x wrote byte %u", cases[i].op, j);
        cr_assert_eq(fl_simd_access_size(cases[i].op), cases[i].size);
    }
}

Test(simd_ops, access_sizes) {
    struct {
        uint32_t op, size;
    } cases[] = {
        {FL_SIMD_V128_LOAD, 16},        {FL_SIMD_V128_LOAD8X8_S, 8},
        {FL_SIMD_V128_LOAD8X8_U, 8},    {FL_SIMD_V128_LOAD16X4_S, 8},
        {FL_SIMD_V128_LOAD16X4_U, 8},   {FL_SIMD_V128_LOAD32X2_S, 8},
        {FL_SIMD_V128_LOAD32X2_U, 8},   {FL_SIMD_V128_LOAD8_SPLAT, 1},
        {FL_SIMD_V128_LOAD16_SPLAT, 2}, {FL_SIMD_V128_LOAD32_SPLAT, 4},
        {FL_SIMD_V128_LOAD64_SPLAT, 8}, {FL_SIMD_V128_LOAD32_ZERO, 4},
        {FL_SIMD_V128_LOAD64_ZERO, 8},  {FL_SIMD_V128_LOAD8_LANE, 1},
        {FL_SIMD_V128_LOAD16_LANE, 2},  {FL_SIMD_V128_LOAD32_LANE, 4},
        {FL_SIMD_V128_LOAD64_LANE, 8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_eq(fl_simd_access_size(cases[i].op), cases[i].size, "op %#x", cases[i].op);
}

/* ---- every op handled by the function of its shape ---- */

/* Runs op on zero operands through the function its signature and
 * immediate name; a missing case aborts the test. */
static void run_any(uint32_t op, const fl_simd_opinfo *info) {
    v128 a = U64(0, 0), r;
    uint8_t buf[16] = {0};
    const uint8_t lanes[16] = {0};
    const char *sig = info->sig;

    if (info->imm == IMM_MEMARG || info->imm == IMM_MEMARG_LANE) {
        if (strcmp(sig, "iV:") == 0)
            fl_simd_store(op, buf, &a, 0);
        else if (info->imm == IMM_MEMARG_LANE)
            fl_simd_load_lane(op, &r, &a, buf, 0);
        else
            fl_simd_load(op, &r, buf);
    } else if (info->imm == IMM_SHUFFLE) {
        fl_simd_shuffle(&r, &a, &a, lanes);
    } else if (strcmp(sig, "V:V") == 0) {
        fl_simd_v_v(op, &r, &a);
    } else if (strcmp(sig, "VV:V") == 0) {
        fl_simd_vv_v(op, &r, &a, &a);
    } else if (strcmp(sig, "VVV:V") == 0) {
        fl_simd_vvv_v(op, &r, &a, &a, &a);
    } else if (sig[0] == 'V' && sig[1] == ':') {
        fl_simd_v_x(op, &a, 0);
    } else if (sig[0] == 'V' && strcmp(sig + 2, ":V") == 0) {
        fl_simd_vx_v(op, &r, &a, 0, 0);
    } else {
        cr_assert_eq(strcmp(sig + 1, ":V"), 0, "%s: unexpected signature %s", info->name, sig);
        fl_simd_splat(op, &r, 0);
    }
}

Test(simd_ops, every_op_is_handled) {
    int n = 0;
    for (uint32_t op = 0; op < FL_SIMD_COUNT; op++) {
        const fl_simd_opinfo *info = &fl_simd_opinfo_table[op];
        if (!info->name || info->imm == IMM_V128) /* v128.const is the interpreter's */
            continue;
        run_any(op, info);
        n++;
    }
    cr_assert_eq(n, 236 - 1 + 20);
}

/* An op of another shape is a bug in the caller: abort, never a wrong result. */
Test(simd_ops, v_v_refuses_binary_op, .signal = SIGABRT) {
    un(FL_SIMD_I8X16_ADD, U64(0, 0));
}
Test(simd_ops, vv_v_refuses_unary_op, .signal = SIGABRT) {
    bin(FL_SIMD_I8X16_ABS, U64(0, 0), U64(0, 0));
}
Test(simd_ops, vvv_v_refuses_binary_op, .signal = SIGABRT) {
    tern(FL_SIMD_V128_AND, U64(0, 0), U64(0, 0), U64(0, 0));
}
Test(simd_ops, v_x_refuses_vector_result, .signal = SIGABRT) {
    v128 a = U64(0, 0);
    fl_simd_v_x(FL_SIMD_I8X16_NEG, &a, 0);
}
Test(simd_ops, vx_v_refuses_binary_op, .signal = SIGABRT) {
    vx(FL_SIMD_I8X16_ADD, U64(0, 0), 0, 0);
}
Test(simd_ops, splat_refuses_load_splat, .signal = SIGABRT) {
    splat(FL_SIMD_V128_LOAD8_SPLAT, 0);
}
Test(simd_ops, load_refuses_store, .signal = SIGABRT) {
    load(FL_SIMD_V128_STORE, mem);
}
Test(simd_ops, load_lane_refuses_whole_load, .signal = SIGABRT) {
    v128 v = U64(0, 0);
    fl_simd_load_lane(FL_SIMD_V128_LOAD, &v, &v, mem, 0);
}
Test(simd_ops, store_refuses_load_lane, .signal = SIGABRT) {
    v128 v = U64(0, 0);
    uint8_t buf[16];
    fl_simd_store(FL_SIMD_V128_LOAD8_LANE, buf, &v, 0);
}
Test(simd_ops, access_size_refuses_non_memory_op, .signal = SIGABRT) {
    fl_simd_access_size(FL_SIMD_I8X16_ADD);
}
Test(simd_ops, access_size_refuses_unknown_op, .signal = SIGABRT) {
    fl_simd_access_size(FL_SIMD_COUNT);
}
