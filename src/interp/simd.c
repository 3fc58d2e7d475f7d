/*
 * simd.c: the lane semantics of wasm's 128-bit SIMD (simd.h).
 *
 * Written with clang's vector extensions: on a little-endian host element i
 * of a 16-byte vector sits at byte i * size, which is wasm's lane order, so
 * most instructions are one vector expression that the compiler lowers to
 * SSE.  Lane loops remain where the rule is scalar: NaN-aware min/max,
 * saturating conversions, rounding, narrowing.
 *
 * Arithmetic that may wrap is done on unsigned lanes, whose overflow C
 * defines; float results come from hardware arithmetic, which returns every
 * NaN quiet.
 */
#include "interp/simd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/module.h"
#include "interp/numeric.h"

/* relaxed_madd/nmadd must round the product before the add, as wasm 3.0's
 * deterministic profile does: no fused multiply-add in this file. */
#pragma STDC FP_CONTRACT OFF

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "wasm lane i is vector element i only on a little-endian host");

typedef int8_t i8x16 __attribute__((vector_size(16)));
typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef int16_t i16x8 __attribute__((vector_size(16)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef int32_t i32x4 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef int64_t i64x2 __attribute__((vector_size(16)));
typedef uint64_t u64x2 __attribute__((vector_size(16)));
typedef float f32x4 __attribute__((vector_size(16)));
typedef double f64x2 __attribute__((vector_size(16)));

typedef union v128 {
    i8x16 i8;
    u8x16 u8;
    i16x8 i16;
    u16x8 u16;
    i32x4 i32;
    u32x4 u32;
    i64x2 i64;
    u64x2 u64;
    f32x4 f32;
    f64x2 f64;
} v128;

/* The 8 bytes a widening load reads */
typedef union half {
    int8_t i8 __attribute__((vector_size(8)));
    uint8_t u8 __attribute__((vector_size(8)));
    int16_t i16 __attribute__((vector_size(8)));
    uint16_t u16 __attribute__((vector_size(8)));
    int32_t i32 __attribute__((vector_size(8)));
    uint32_t u32 __attribute__((vector_size(8)));
} half;

/* Operands are 8-byte aligned and may be the destination: read them whole
 * into locals first, write the result last. */
static inline v128 get(const void *p) {
    v128 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void put(void *p, v128 v) { memcpy(p, &v, sizeof v); }

/* Lane selections for the widening operations (low/high half, even/odd lanes) */
#define LO16(v) __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7)
#define HI16(v) __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15)
#define EVEN16(v) __builtin_shufflevector(v, v, 0, 2, 4, 6, 8, 10, 12, 14)
#define ODD16(v) __builtin_shufflevector(v, v, 1, 3, 5, 7, 9, 11, 13, 15)
#define LO8(v) __builtin_shufflevector(v, v, 0, 1, 2, 3)
#define HI8(v) __builtin_shufflevector(v, v, 4, 5, 6, 7)
#define EVEN8(v) __builtin_shufflevector(v, v, 0, 2, 4, 6)
#define ODD8(v) __builtin_shufflevector(v, v, 1, 3, 5, 7)
#define LO4(v) __builtin_shufflevector(v, v, 0, 1)
#define HI4(v) __builtin_shufflevector(v, v, 2, 3)
#define WIDEN(v, T) __builtin_convertvector(v, T)

static inline int32_t clamp(int32_t x, int32_t lo, int32_t hi) {
    return x < lo ? lo : x > hi ? hi : x;
}

/* libm need not quiet a signalling NaN (musl's ceilf returns it as is). */
#define ROUND_LANES(r, a, field, n, fn)                                                    \
    for (int i = 0; i < (n); i++)                                                          \
        (r).field[i] = (a).field[i] != (a).field[i] ? (a).field[i] + (a).field[i]         \
                                                    : fn((a).field[i])

/* Every lane of `size` bytes set to the low bytes of x. */
static v128 splat(uint32_t size, uint64_t x) {
    v128 r;
    switch (size) {
    case 1:
        for (int i = 0; i < 16; i++)
            r.u8[i] = (uint8_t)x;
        break;
    case 2:
        for (int i = 0; i < 8; i++)
            r.u16[i] = (uint16_t)x;
        break;
    case 4:
        for (int i = 0; i < 4; i++)
            r.u32[i] = (uint32_t)x;
        break;
    default: r.u64[0] = r.u64[1] = x; break;
    }
    return r;
}

/* i16x8.relaxed_dot_i8x16_i7x16_s as wasm 3.0 defines it (ivdot_sat), in
 * the deterministic profile (b signed): each pair of byte products added
 * with signed saturation; only -128*-128 + -128*-128 saturates. */
static i16x8 relaxed_dot(v128 a, v128 b) {
    i16x8 even = WIDEN(EVEN16(a.i8), i16x8) * WIDEN(EVEN16(b.i8), i16x8);
    i16x8 odd = WIDEN(ODD16(a.i8), i16x8) * WIDEN(ODD16(b.i8), i16x8);
    return __builtin_elementwise_add_sat(even, odd);
}

void fl_simd_v_v(uint32_t op, void *d, const void *va) {
    v128 a = get(va), r = {0}; /* demote and the _zero truncations leave lanes 2-3 at 0 */
    u8x16 m8;
    u16x8 m16;
    u32x4 m32;
    u64x2 m64;

    switch (op) {
    case FL_SIMD_V128_NOT: r.u64 = ~a.u64; break;

    /* abs as (x ^ m) - m with m all ones for a negative lane: INT_MIN stays */
    case FL_SIMD_I8X16_ABS:
        m8 = (u8x16)(a.i8 < 0);
        r.u8 = (a.u8 ^ m8) - m8;
        break;
    case FL_SIMD_I16X8_ABS:
        m16 = (u16x8)(a.i16 < 0);
        r.u16 = (a.u16 ^ m16) - m16;
        break;
    case FL_SIMD_I32X4_ABS:
        m32 = (u32x4)(a.i32 < 0);
        r.u32 = (a.u32 ^ m32) - m32;
        break;
    case FL_SIMD_I64X2_ABS:
        m64 = (u64x2)(a.i64 < 0);
        r.u64 = (a.u64 ^ m64) - m64;
        break;
    case FL_SIMD_I8X16_NEG: r.u8 = -a.u8; break;
    case FL_SIMD_I16X8_NEG: r.u16 = -a.u16; break;
    case FL_SIMD_I32X4_NEG: r.u32 = -a.u32; break;
    case FL_SIMD_I64X2_NEG: r.u64 = -a.u64; break;
    case FL_SIMD_I8X16_POPCNT:
        for (int i = 0; i < 16; i++)
            r.u8[i] = (uint8_t)__builtin_popcount(a.u8[i]);
        break;

    case FL_SIMD_I16X8_EXTEND_LOW_I8X16_S: r.i16 = WIDEN(LO16(a.i8), i16x8); break;
    case FL_SIMD_I16X8_EXTEND_HIGH_I8X16_S: r.i16 = WIDEN(HI16(a.i8), i16x8); break;
    case FL_SIMD_I16X8_EXTEND_LOW_I8X16_U: r.u16 = WIDEN(LO16(a.u8), u16x8); break;
    case FL_SIMD_I16X8_EXTEND_HIGH_I8X16_U: r.u16 = WIDEN(HI16(a.u8), u16x8); break;
    case FL_SIMD_I32X4_EXTEND_LOW_I16X8_S: r.i32 = WIDEN(LO8(a.i16), i32x4); break;
    case FL_SIMD_I32X4_EXTEND_HIGH_I16X8_S: r.i32 = WIDEN(HI8(a.i16), i32x4); break;
    case FL_SIMD_I32X4_EXTEND_LOW_I16X8_U: r.u32 = WIDEN(LO8(a.u16), u32x4); break;
    case FL_SIMD_I32X4_EXTEND_HIGH_I16X8_U: r.u32 = WIDEN(HI8(a.u16), u32x4); break;
    case FL_SIMD_I64X2_EXTEND_LOW_I32X4_S: r.i64 = WIDEN(LO4(a.i32), i64x2); break;
    case FL_SIMD_I64X2_EXTEND_HIGH_I32X4_S: r.i64 = WIDEN(HI4(a.i32), i64x2); break;
    case FL_SIMD_I64X2_EXTEND_LOW_I32X4_U: r.u64 = WIDEN(LO4(a.u32), u64x2); break;
    case FL_SIMD_I64X2_EXTEND_HIGH_I32X4_U: r.u64 = WIDEN(HI4(a.u32), u64x2); break;

    /* pair sums fit the wider lane */
    case FL_SIMD_I16X8_EXTADD_PAIRWISE_I8X16_S:
        r.i16 = WIDEN(EVEN16(a.i8), i16x8) + WIDEN(ODD16(a.i8), i16x8);
        break;
    case FL_SIMD_I16X8_EXTADD_PAIRWISE_I8X16_U:
        r.u16 = WIDEN(EVEN16(a.u8), u16x8) + WIDEN(ODD16(a.u8), u16x8);
        break;
    case FL_SIMD_I32X4_EXTADD_PAIRWISE_I16X8_S:
        r.i32 = WIDEN(EVEN8(a.i16), i32x4) + WIDEN(ODD8(a.i16), i32x4);
        break;
    case FL_SIMD_I32X4_EXTADD_PAIRWISE_I16X8_U:
        r.u32 = WIDEN(EVEN8(a.u16), u32x4) + WIDEN(ODD8(a.u16), u32x4);
        break;

    /* abs and neg touch the sign bit only, NaN payloads included */
    case FL_SIMD_F32X4_ABS: r.u32 = a.u32 & 0x7fffffffu; break;
    case FL_SIMD_F32X4_NEG: r.u32 = a.u32 ^ 0x80000000u; break;
    case FL_SIMD_F64X2_ABS: r.u64 = a.u64 & 0x7fffffffffffffffull; break;
    case FL_SIMD_F64X2_NEG: r.u64 = a.u64 ^ 0x8000000000000000ull; break;
    case FL_SIMD_F32X4_SQRT:
        for (int i = 0; i < 4; i++)
            r.f32[i] = sqrtf(a.f32[i]);
        break;
    case FL_SIMD_F64X2_SQRT:
        for (int i = 0; i < 2; i++)
            r.f64[i] = sqrt(a.f64[i]);
        break;
    case FL_SIMD_F32X4_CEIL: ROUND_LANES(r, a, f32, 4, ceilf); break;
    case FL_SIMD_F32X4_FLOOR: ROUND_LANES(r, a, f32, 4, floorf); break;
    case FL_SIMD_F32X4_TRUNC: ROUND_LANES(r, a, f32, 4, truncf); break;
    case FL_SIMD_F32X4_NEAREST: ROUND_LANES(r, a, f32, 4, fl_f32_nearest); break;
    case FL_SIMD_F64X2_CEIL: ROUND_LANES(r, a, f64, 2, ceil); break;
    case FL_SIMD_F64X2_FLOOR: ROUND_LANES(r, a, f64, 2, floor); break;
    case FL_SIMD_F64X2_TRUNC: ROUND_LANES(r, a, f64, 2, trunc); break;
    case FL_SIMD_F64X2_NEAREST: ROUND_LANES(r, a, f64, 2, fl_f64_nearest); break;

    case FL_SIMD_F32X4_DEMOTE_F64X2_ZERO:
        r.f32[0] = (float)a.f64[0];
        r.f32[1] = (float)a.f64[1];
        break;
    case FL_SIMD_F64X2_PROMOTE_LOW_F32X4:
        r.f64[0] = a.f32[0];
        r.f64[1] = a.f32[1];
        break;
    /* round to nearest even, u32 included (one rounding, not two) */
    case FL_SIMD_F32X4_CONVERT_I32X4_S: r.f32 = WIDEN(a.i32, f32x4); break;
    case FL_SIMD_F32X4_CONVERT_I32X4_U: r.f32 = WIDEN(a.u32, f32x4); break;
    case FL_SIMD_F64X2_CONVERT_LOW_I32X4_S: r.f64 = WIDEN(LO4(a.i32), f64x2); break;
    case FL_SIMD_F64X2_CONVERT_LOW_I32X4_U: r.f64 = WIDEN(LO4(a.u32), f64x2); break;

    /* The relaxed truncations are trunc_sat in the deterministic profile. */
    case FL_SIMD_I32X4_TRUNC_SAT_F32X4_S:
    case FL_SIMD_I32X4_RELAXED_TRUNC_F32X4_S:
        for (int i = 0; i < 4; i++)
            r.i32[i] = fl_trunc_sat_f32_i32(a.f32[i]);
        break;
    case FL_SIMD_I32X4_TRUNC_SAT_F32X4_U:
    case FL_SIMD_I32X4_RELAXED_TRUNC_F32X4_U:
        for (int i = 0; i < 4; i++)
            r.u32[i] = fl_trunc_sat_f32_u32(a.f32[i]);
        break;
    case FL_SIMD_I32X4_TRUNC_SAT_F64X2_S_ZERO:
    case FL_SIMD_I32X4_RELAXED_TRUNC_F64X2_S_ZERO:
        r.i32[0] = fl_trunc_sat_f64_i32(a.f64[0]);
        r.i32[1] = fl_trunc_sat_f64_i32(a.f64[1]);
        break;
    case FL_SIMD_I32X4_TRUNC_SAT_F64X2_U_ZERO:
    case FL_SIMD_I32X4_RELAXED_TRUNC_F64X2_U_ZERO:
        r.u32[0] = fl_trunc_sat_f64_u32(a.f64[0]);
        r.u32[1] = fl_trunc_sat_f64_u32(a.f64[1]);
        break;
    default: abort();
    }
    put(d, r);
}

void fl_simd_vv_v(uint32_t op, void *d, const void *va, const void *vb) {
    v128 a = get(va), b = get(vb), r;
    i32x4 m32;
    i64x2 m64;

    switch (op) {
    case FL_SIMD_I8X16_SWIZZLE:
    case FL_SIMD_I8X16_RELAXED_SWIZZLE: /* out of range gives 0 in both */
        for (int i = 0; i < 16; i++)
            r.u8[i] = b.u8[i] < 16 ? a.u8[b.u8[i]] : 0;
        break;

    /* comparisons: all ones where true */
    case FL_SIMD_I8X16_EQ: r.i8 = (i8x16)(a.i8 == b.i8); break;
    case FL_SIMD_I8X16_NE: r.i8 = (i8x16)(a.i8 != b.i8); break;
    case FL_SIMD_I8X16_LT_S: r.i8 = (i8x16)(a.i8 < b.i8); break;
    case FL_SIMD_I8X16_LT_U: r.i8 = (i8x16)(a.u8 < b.u8); break;
    case FL_SIMD_I8X16_GT_S: r.i8 = (i8x16)(a.i8 > b.i8); break;
    case FL_SIMD_I8X16_GT_U: r.i8 = (i8x16)(a.u8 > b.u8); break;
    case FL_SIMD_I8X16_LE_S: r.i8 = (i8x16)(a.i8 <= b.i8); break;
    case FL_SIMD_I8X16_LE_U: r.i8 = (i8x16)(a.u8 <= b.u8); break;
    case FL_SIMD_I8X16_GE_S: r.i8 = (i8x16)(a.i8 >= b.i8); break;
    case FL_SIMD_I8X16_GE_U: r.i8 = (i8x16)(a.u8 >= b.u8); break;
    case FL_SIMD_I16X8_EQ: r.i16 = (i16x8)(a.i16 == b.i16); break;
    case FL_SIMD_I16X8_NE: r.i16 = (i16x8)(a.i16 != b.i16); break;
    case FL_SIMD_I16X8_LT_S: r.i16 = (i16x8)(a.i16 < b.i16); break;
    case FL_SIMD_I16X8_LT_U: r.i16 = (i16x8)(a.u16 < b.u16); break;
    case FL_SIMD_I16X8_GT_S: r.i16 = (i16x8)(a.i16 > b.i16); break;
    case FL_SIMD_I16X8_GT_U: r.i16 = (i16x8)(a.u16 > b.u16); break;
    case FL_SIMD_I16X8_LE_S: r.i16 = (i16x8)(a.i16 <= b.i16); break;
    case FL_SIMD_I16X8_LE_U: r.i16 = (i16x8)(a.u16 <= b.u16); break;
    case FL_SIMD_I16X8_GE_S: r.i16 = (i16x8)(a.i16 >= b.i16); break;
    case FL_SIMD_I16X8_GE_U: r.i16 = (i16x8)(a.u16 >= b.u16); break;
    case FL_SIMD_I32X4_EQ: r.i32 = (i32x4)(a.i32 == b.i32); break;
    case FL_SIMD_I32X4_NE: r.i32 = (i32x4)(a.i32 != b.i32); break;
    case FL_SIMD_I32X4_LT_S: r.i32 = (i32x4)(a.i32 < b.i32); break;
    case FL_SIMD_I32X4_LT_U: r.i32 = (i32x4)(a.u32 < b.u32); break;
    case FL_SIMD_I32X4_GT_S: r.i32 = (i32x4)(a.i32 > b.i32); break;
    case FL_SIMD_I32X4_GT_U: r.i32 = (i32x4)(a.u32 > b.u32); break;
    case FL_SIMD_I32X4_LE_S: r.i32 = (i32x4)(a.i32 <= b.i32); break;
    case FL_SIMD_I32X4_LE_U: r.i32 = (i32x4)(a.u32 <= b.u32); break;
    case FL_SIMD_I32X4_GE_S: r.i32 = (i32x4)(a.i32 >= b.i32); break;
    case FL_SIMD_I32X4_GE_U: r.i32 = (i32x4)(a.u32 >= b.u32); break;
    case FL_SIMD_I64X2_EQ: r.i64 = (i64x2)(a.i64 == b.i64); break;
    case FL_SIMD_I64X2_NE: r.i64 = (i64x2)(a.i64 != b.i64); break;
    case FL_SIMD_I64X2_LT_S: r.i64 = (i64x2)(a.i64 < b.i64); break;
    case FL_SIMD_I64X2_GT_S: r.i64 = (i64x2)(a.i64 > b.i64); break;
    case FL_SIMD_I64X2_LE_S: r.i64 = (i64x2)(a.i64 <= b.i64); break;
    case FL_SIMD_I64X2_GE_S: r.i64 = (i64x2)(a.i64 >= b.i64); break;
    /* C's float comparisons are wasm's: false with a NaN, but ne true */
    case FL_SIMD_F32X4_EQ: r.i32 = (i32x4)(a.f32 == b.f32); break;
    case FL_SIMD_F32X4_NE: r.i32 = (i32x4)(a.f32 != b.f32); break;
    case FL_SIMD_F32X4_LT: r.i32 = (i32x4)(a.f32 < b.f32); break;
    case FL_SIMD_F32X4_GT: r.i32 = (i32x4)(a.f32 > b.f32); break;
    case FL_SIMD_F32X4_LE: r.i32 = (i32x4)(a.f32 <= b.f32); break;
    case FL_SIMD_F32X4_GE: r.i32 = (i32x4)(a.f32 >= b.f32); break;
    case FL_SIMD_F64X2_EQ: r.i64 = (i64x2)(a.f64 == b.f64); break;
    case FL_SIMD_F64X2_NE: r.i64 = (i64x2)(a.f64 != b.f64); break;
    case FL_SIMD_F64X2_LT: r.i64 = (i64x2)(a.f64 < b.f64); break;
    case FL_SIMD_F64X2_GT: r.i64 = (i64x2)(a.f64 > b.f64); break;
    case FL_SIMD_F64X2_LE: r.i64 = (i64x2)(a.f64 <= b.f64); break;
    case FL_SIMD_F64X2_GE: r.i64 = (i64x2)(a.f64 >= b.f64); break;

    case FL_SIMD_V128_AND: r.u64 = a.u64 & b.u64; break;
    case FL_SIMD_V128_ANDNOT: r.u64 = a.u64 & ~b.u64; break;
    case FL_SIMD_V128_OR: r.u64 = a.u64 | b.u64; break;
    case FL_SIMD_V128_XOR: r.u64 = a.u64 ^ b.u64; break;

    /* a's lanes then b's, each saturated from signed to the narrow range */
    case FL_SIMD_I8X16_NARROW_I16X8_S:
        for (int i = 0; i < 8; i++) {
            r.i8[i] = (int8_t)clamp(a.i16[i], INT8_MIN, INT8_MAX);
            r.i8[i + 8] = (int8_t)clamp(b.i16[i], INT8_MIN, INT8_MAX);
        }
        break;
    case FL_SIMD_I8X16_NARROW_I16X8_U:
        for (int i = 0; i < 8; i++) {
            r.u8[i] = (uint8_t)clamp(a.i16[i], 0, UINT8_MAX);
            r.u8[i + 8] = (uint8_t)clamp(b.i16[i], 0, UINT8_MAX);
        }
        break;
    case FL_SIMD_I16X8_NARROW_I32X4_S:
        for (int i = 0; i < 4; i++) {
            r.i16[i] = (int16_t)clamp(a.i32[i], INT16_MIN, INT16_MAX);
            r.i16[i + 4] = (int16_t)clamp(b.i32[i], INT16_MIN, INT16_MAX);
        }
        break;
    case FL_SIMD_I16X8_NARROW_I32X4_U:
        for (int i = 0; i < 4; i++) {
            r.u16[i] = (uint16_t)clamp(a.i32[i], 0, UINT16_MAX);
            r.u16[i + 4] = (uint16_t)clamp(b.i32[i], 0, UINT16_MAX);
        }
        break;

    case FL_SIMD_I8X16_ADD: r.u8 = a.u8 + b.u8; break;
    case FL_SIMD_I8X16_ADD_SAT_S: r.i8 = __builtin_elementwise_add_sat(a.i8, b.i8); break;
    case FL_SIMD_I8X16_ADD_SAT_U: r.u8 = __builtin_elementwise_add_sat(a.u8, b.u8); break;
    case FL_SIMD_I8X16_SUB: r.u8 = a.u8 - b.u8; break;
    case FL_SIMD_I8X16_SUB_SAT_S: r.i8 = __builtin_elementwise_sub_sat(a.i8, b.i8); break;
    case FL_SIMD_I8X16_SUB_SAT_U: r.u8 = __builtin_elementwise_sub_sat(a.u8, b.u8); break;
    case FL_SIMD_I8X16_MIN_S: r.i8 = __builtin_elementwise_min(a.i8, b.i8); break;
    case FL_SIMD_I8X16_MIN_U: r.u8 = __builtin_elementwise_min(a.u8, b.u8); break;
    case FL_SIMD_I8X16_MAX_S: r.i8 = __builtin_elementwise_max(a.i8, b.i8); break;
    case FL_SIMD_I8X16_MAX_U: r.u8 = __builtin_elementwise_max(a.u8, b.u8); break;
    /* (a + b + 1) >> 1 without a wider lane */
    case FL_SIMD_I8X16_AVGR_U: r.u8 = (a.u8 | b.u8) - ((a.u8 ^ b.u8) >> 1); break;
    case FL_SIMD_I16X8_ADD: r.u16 = a.u16 + b.u16; break;
    case FL_SIMD_I16X8_ADD_SAT_S: r.i16 = __builtin_elementwise_add_sat(a.i16, b.i16); break;
    case FL_SIMD_I16X8_ADD_SAT_U: r.u16 = __builtin_elementwise_add_sat(a.u16, b.u16); break;
    case FL_SIMD_I16X8_SUB: r.u16 = a.u16 - b.u16; break;
    case FL_SIMD_I16X8_SUB_SAT_S: r.i16 = __builtin_elementwise_sub_sat(a.i16, b.i16); break;
    case FL_SIMD_I16X8_SUB_SAT_U: r.u16 = __builtin_elementwise_sub_sat(a.u16, b.u16); break;
    case FL_SIMD_I16X8_MUL: r.u16 = a.u16 * b.u16; break;
    case FL_SIMD_I16X8_MIN_S: r.i16 = __builtin_elementwise_min(a.i16, b.i16); break;
    case FL_SIMD_I16X8_MIN_U: r.u16 = __builtin_elementwise_min(a.u16, b.u16); break;
    case FL_SIMD_I16X8_MAX_S: r.i16 = __builtin_elementwise_max(a.i16, b.i16); break;
    case FL_SIMD_I16X8_MAX_U: r.u16 = __builtin_elementwise_max(a.u16, b.u16); break;
    case FL_SIMD_I16X8_AVGR_U: r.u16 = (a.u16 | b.u16) - ((a.u16 ^ b.u16) >> 1); break;
    case FL_SIMD_I16X8_Q15MULR_SAT_S:
    case FL_SIMD_I16X8_RELAXED_Q15MULR_S:
        for (int i = 0; i < 8; i++) {
            int32_t q = ((int32_t)a.i16[i] * b.i16[i] + 0x4000) >> 15;
            r.i16[i] = (int16_t)(q > INT16_MAX ? INT16_MAX : q); /* -32768 * -32768 */
        }
        break;
    case FL_SIMD_I32X4_ADD: r.u32 = a.u32 + b.u32; break;
    case FL_SIMD_I32X4_SUB: r.u32 = a.u32 - b.u32; break;
    case FL_SIMD_I32X4_MUL: r.u32 = a.u32 * b.u32; break;
    case FL_SIMD_I32X4_MIN_S: r.i32 = __builtin_elementwise_min(a.i32, b.i32); break;
    case FL_SIMD_I32X4_MIN_U: r.u32 = __builtin_elementwise_min(a.u32, b.u32); break;
    case FL_SIMD_I32X4_MAX_S: r.i32 = __builtin_elementwise_max(a.i32, b.i32); break;
    case FL_SIMD_I32X4_MAX_U: r.u32 = __builtin_elementwise_max(a.u32, b.u32); break;
    case FL_SIMD_I64X2_ADD: r.u64 = a.u64 + b.u64; break;
    case FL_SIMD_I64X2_SUB: r.u64 = a.u64 - b.u64; break;
    case FL_SIMD_I64X2_MUL: r.u64 = a.u64 * b.u64; break;

    /* Each product fits the wider lane; only dot's pair sum can wrap. */
    case FL_SIMD_I32X4_DOT_I16X8_S:
        r.u32 = (u32x4)(WIDEN(EVEN8(a.i16), i32x4) * WIDEN(EVEN8(b.i16), i32x4)) +
                (u32x4)(WIDEN(ODD8(a.i16), i32x4) * WIDEN(ODD8(b.i16), i32x4));
        break;
    case FL_SIMD_I16X8_RELAXED_DOT_I8X16_I7X16_S: r.i16 = relaxed_dot(a, b); break;
    case FL_SIMD_I16X8_EXTMUL_LOW_I8X16_S:
        r.i16 = WIDEN(LO16(a.i8), i16x8) * WIDEN(LO16(b.i8), i16x8);
        break;
    case FL_SIMD_I16X8_EXTMUL_HIGH_I8X16_S:
        r.i16 = WIDEN(HI16(a.i8), i16x8) * WIDEN(HI16(b.i8), i16x8);
        break;
    case FL_SIMD_I16X8_EXTMUL_LOW_I8X16_U:
        r.u16 = WIDEN(LO16(a.u8), u16x8) * WIDEN(LO16(b.u8), u16x8);
        break;
    case FL_SIMD_I16X8_EXTMUL_HIGH_I8X16_U:
        r.u16 = WIDEN(HI16(a.u8), u16x8) * WIDEN(HI16(b.u8), u16x8);
        break;
    case FL_SIMD_I32X4_EXTMUL_LOW_I16X8_S:
        r.i32 = WIDEN(LO8(a.i16), i32x4) * WIDEN(LO8(b.i16), i32x4);
        break;
    case FL_SIMD_I32X4_EXTMUL_HIGH_I16X8_S:
        r.i32 = WIDEN(HI8(a.i16), i32x4) * WIDEN(HI8(b.i16), i32x4);
        break;
    case FL_SIMD_I32X4_EXTMUL_LOW_I16X8_U:
        r.u32 = WIDEN(LO8(a.u16), u32x4) * WIDEN(LO8(b.u16), u32x4);
        break;
    case FL_SIMD_I32X4_EXTMUL_HIGH_I16X8_U:
        r.u32 = WIDEN(HI8(a.u16), u32x4) * WIDEN(HI8(b.u16), u32x4);
        break;
    case FL_SIMD_I64X2_EXTMUL_LOW_I32X4_S:
        r.i64 = WIDEN(LO4(a.i32), i64x2) * WIDEN(LO4(b.i32), i64x2);
        break;
    case FL_SIMD_I64X2_EXTMUL_HIGH_I32X4_S:
        r.i64 = WIDEN(HI4(a.i32), i64x2) * WIDEN(HI4(b.i32), i64x2);
        break;
    case FL_SIMD_I64X2_EXTMUL_LOW_I32X4_U:
        r.u64 = WIDEN(LO4(a.u32), u64x2) * WIDEN(LO4(b.u32), u64x2);
        break;
    case FL_SIMD_I64X2_EXTMUL_HIGH_I32X4_U:
        r.u64 = WIDEN(HI4(a.u32), u64x2) * WIDEN(HI4(b.u32), u64x2);
        break;

    case FL_SIMD_F32X4_ADD: r.f32 = a.f32 + b.f32; break;
    case FL_SIMD_F32X4_SUB: r.f32 = a.f32 - b.f32; break;
    case FL_SIMD_F32X4_MUL: r.f32 = a.f32 * b.f32; break;
    case FL_SIMD_F32X4_DIV: r.f32 = a.f32 / b.f32; break;
    case FL_SIMD_F64X2_ADD: r.f64 = a.f64 + b.f64; break;
    case FL_SIMD_F64X2_SUB: r.f64 = a.f64 - b.f64; break;
    case FL_SIMD_F64X2_MUL: r.f64 = a.f64 * b.f64; break;
    case FL_SIMD_F64X2_DIV: r.f64 = a.f64 / b.f64; break;
    case FL_SIMD_F32X4_MIN:
    case FL_SIMD_F32X4_RELAXED_MIN:
        for (int i = 0; i < 4; i++)
            r.f32[i] = fl_f32_min(a.f32[i], b.f32[i]);
        break;
    case FL_SIMD_F32X4_MAX:
    case FL_SIMD_F32X4_RELAXED_MAX:
        for (int i = 0; i < 4; i++)
            r.f32[i] = fl_f32_max(a.f32[i], b.f32[i]);
        break;
    case FL_SIMD_F64X2_MIN:
    case FL_SIMD_F64X2_RELAXED_MIN:
        for (int i = 0; i < 2; i++)
            r.f64[i] = fl_f64_min(a.f64[i], b.f64[i]);
        break;
    case FL_SIMD_F64X2_MAX:
    case FL_SIMD_F64X2_RELAXED_MAX:
        for (int i = 0; i < 2; i++)
            r.f64[i] = fl_f64_max(a.f64[i], b.f64[i]);
        break;
    /* pmin/pmax select an operand's bits unchanged (a NaN is not quieted) */
    case FL_SIMD_F32X4_PMIN:
        m32 = (i32x4)(b.f32 < a.f32);
        r.i32 = (b.i32 & m32) | (a.i32 & ~m32);
        break;
    case FL_SIMD_F32X4_PMAX:
        m32 = (i32x4)(a.f32 < b.f32);
        r.i32 = (b.i32 & m32) | (a.i32 & ~m32);
        break;
    case FL_SIMD_F64X2_PMIN:
        m64 = (i64x2)(b.f64 < a.f64);
        r.i64 = (b.i64 & m64) | (a.i64 & ~m64);
        break;
    case FL_SIMD_F64X2_PMAX:
        m64 = (i64x2)(a.f64 < b.f64);
        r.i64 = (b.i64 & m64) | (a.i64 & ~m64);
        break;
    default: abort();
    }
    put(d, r);
}

void fl_simd_vvv_v(uint32_t op, void *d, const void *va, const void *vb, const void *vc) {
    v128 a = get(va), b = get(vb), c = get(vc), r;
    /* the products are rounded before the add even where the build fuses
     * across statements (-ffp-contract=fast ignores FP_CONTRACT) */
    volatile f32x4 p32;
    volatile f64x2 p64;
    i16x8 dot;

    switch (op) {
    /* laneselect is bitselect in the deterministic profile */
    case FL_SIMD_V128_BITSELECT:
    case FL_SIMD_I8X16_RELAXED_LANESELECT:
    case FL_SIMD_I16X8_RELAXED_LANESELECT:
    case FL_SIMD_I32X4_RELAXED_LANESELECT:
    case FL_SIMD_I64X2_RELAXED_LANESELECT: r.u64 = (a.u64 & c.u64) | (b.u64 & ~c.u64); break;
    case FL_SIMD_F32X4_RELAXED_MADD:
        p32 = a.f32 * b.f32;
        r.f32 = p32 + c.f32;
        break;
    case FL_SIMD_F32X4_RELAXED_NMADD:
        p32 = a.f32 * b.f32;
        r.f32 = -p32 + c.f32;
        break;
    case FL_SIMD_F64X2_RELAXED_MADD:
        p64 = a.f64 * b.f64;
        r.f64 = p64 + c.f64;
        break;
    case FL_SIMD_F64X2_RELAXED_NMADD:
        p64 = a.f64 * b.f64;
        r.f64 = -p64 + c.f64;
        break;
    /* wasm 3.0: extadd_pairwise_s of relaxed_dot's saturated i16 lanes, plus c */
    case FL_SIMD_I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S:
        dot = relaxed_dot(a, b);
        r.u32 = (u32x4)(WIDEN(EVEN8(dot), i32x4) + WIDEN(ODD8(dot), i32x4)) + c.u32;
        break;
    default: abort();
    }
    put(d, r);
}

uint64_t fl_simd_v_x(uint32_t op, const void *va, uint32_t lane) {
    v128 a = get(va);
    uint32_t mask = 0;

    switch (op) {
    case FL_SIMD_V128_ANY_TRUE: return (a.u64[0] | a.u64[1]) != 0;
    case FL_SIMD_I8X16_ALL_TRUE:
        for (int i = 0; i < 16; i++)
            if (!a.u8[i])
                return 0;
        return 1;
    case FL_SIMD_I16X8_ALL_TRUE:
        for (int i = 0; i < 8; i++)
            if (!a.u16[i])
                return 0;
        return 1;
    case FL_SIMD_I32X4_ALL_TRUE:
        for (int i = 0; i < 4; i++)
            if (!a.u32[i])
                return 0;
        return 1;
    case FL_SIMD_I64X2_ALL_TRUE: return a.u64[0] && a.u64[1];
    /* bit i is lane i's sign bit */
    case FL_SIMD_I8X16_BITMASK:
        for (int i = 0; i < 16; i++)
            mask |= (uint32_t)(a.u8[i] >> 7) << i;
        return mask;
    case FL_SIMD_I16X8_BITMASK:
        for (int i = 0; i < 8; i++)
            mask |= (uint32_t)(a.u16[i] >> 15) << i;
        return mask;
    case FL_SIMD_I32X4_BITMASK:
        for (int i = 0; i < 4; i++)
            mask |= (a.u32[i] >> 31) << i;
        return mask;
    case FL_SIMD_I64X2_BITMASK: return (a.u64[0] >> 63) | (a.u64[1] >> 63) << 1;

    case FL_SIMD_I8X16_EXTRACT_LANE_S: return (uint32_t)(int32_t)a.i8[lane];
    case FL_SIMD_I8X16_EXTRACT_LANE_U: return a.u8[lane];
    case FL_SIMD_I16X8_EXTRACT_LANE_S: return (uint32_t)(int32_t)a.i16[lane];
    case FL_SIMD_I16X8_EXTRACT_LANE_U: return a.u16[lane];
    case FL_SIMD_I32X4_EXTRACT_LANE:
    case FL_SIMD_F32X4_EXTRACT_LANE: return a.u32[lane];
    case FL_SIMD_I64X2_EXTRACT_LANE:
    case FL_SIMD_F64X2_EXTRACT_LANE: return a.u64[lane];
    default: abort();
    }
}

void fl_simd_vx_v(uint32_t op, void *d, const void *va, uint64_t x, uint32_t lane) {
    v128 a = get(va), r = a;
    uint32_t n = (uint32_t)x; /* a shift count is an i32 */

    switch (op) {
    case FL_SIMD_I8X16_SHL: r.u8 = a.u8 << (n & 7); break;
    case FL_SIMD_I8X16_SHR_S: r.i8 = a.i8 >> (n & 7); break;
    case FL_SIMD_I8X16_SHR_U: r.u8 = a.u8 >> (n & 7); break;
    case FL_SIMD_I16X8_SHL: r.u16 = a.u16 << (n & 15); break;
    case FL_SIMD_I16X8_SHR_S: r.i16 = a.i16 >> (n & 15); break;
    case FL_SIMD_I16X8_SHR_U: r.u16 = a.u16 >> (n & 15); break;
    case FL_SIMD_I32X4_SHL: r.u32 = a.u32 << (n & 31); break;
    case FL_SIMD_I32X4_SHR_S: r.i32 = a.i32 >> (n & 31); break;
    case FL_SIMD_I32X4_SHR_U: r.u32 = a.u32 >> (n & 31); break;
    case FL_SIMD_I64X2_SHL: r.u64 = a.u64 << (n & 63); break;
    case FL_SIMD_I64X2_SHR_S: r.i64 = a.i64 >> (n & 63); break;
    case FL_SIMD_I64X2_SHR_U: r.u64 = a.u64 >> (n & 63); break;

    case FL_SIMD_I8X16_REPLACE_LANE: r.u8[lane] = (uint8_t)x; break;
    case FL_SIMD_I16X8_REPLACE_LANE: r.u16[lane] = (uint16_t)x; break;
    case FL_SIMD_I32X4_REPLACE_LANE:
    case FL_SIMD_F32X4_REPLACE_LANE: r.u32[lane] = (uint32_t)x; break;
    case FL_SIMD_I64X2_REPLACE_LANE:
    case FL_SIMD_F64X2_REPLACE_LANE: r.u64[lane] = x; break;
    default: abort();
    }
    put(d, r);
}

void fl_simd_splat(uint32_t op, void *d, uint64_t x) {
    switch (op) {
    case FL_SIMD_I8X16_SPLAT: put(d, splat(1, x)); break;
    case FL_SIMD_I16X8_SPLAT: put(d, splat(2, x)); break;
    case FL_SIMD_I32X4_SPLAT:
    case FL_SIMD_F32X4_SPLAT: put(d, splat(4, x)); break;
    case FL_SIMD_I64X2_SPLAT:
    case FL_SIMD_F64X2_SPLAT: put(d, splat(8, x)); break;
    default: abort();
    }
}

void fl_simd_shuffle(void *d, const void *a, const void *b, const uint8_t lanes[16]) {
    uint8_t ab[32];
    v128 r;

    memcpy(ab, a, 16);
    memcpy(ab + 16, b, 16);
    for (int i = 0; i < 16; i++)
        r.u8[i] = ab[lanes[i]]; /* validated: < 32 */
    put(d, r);
}

/* simd_opcodes.def's ARG is log2 of a memory instruction's access size. */
uint32_t fl_simd_access_size(uint32_t op) {
    if (op >= FL_SIMD_COUNT || (fl_simd_opinfo_table[op].imm != IMM_MEMARG &&
                                fl_simd_opinfo_table[op].imm != IMM_MEMARG_LANE))
        abort();
    return 1u << fl_simd_opinfo_table[op].arg;
}

void fl_simd_load(uint32_t op, void *d, const uint8_t *src) {
    v128 r = {0};
    half h;
    uint64_t x = 0;

    switch (op) {
    case FL_SIMD_V128_LOAD: memcpy(&r, src, 16); break;
    case FL_SIMD_V128_LOAD8X8_S:
        memcpy(&h, src, 8);
        r.i16 = WIDEN(h.i8, i16x8);
        break;
    case FL_SIMD_V128_LOAD8X8_U:
        memcpy(&h, src, 8);
        r.u16 = WIDEN(h.u8, u16x8);
        break;
    case FL_SIMD_V128_LOAD16X4_S:
        memcpy(&h, src, 8);
        r.i32 = WIDEN(h.i16, i32x4);
        break;
    case FL_SIMD_V128_LOAD16X4_U:
        memcpy(&h, src, 8);
        r.u32 = WIDEN(h.u16, u32x4);
        break;
    case FL_SIMD_V128_LOAD32X2_S:
        memcpy(&h, src, 8);
        r.i64 = WIDEN(h.i32, i64x2);
        break;
    case FL_SIMD_V128_LOAD32X2_U:
        memcpy(&h, src, 8);
        r.u64 = WIDEN(h.u32, u64x2);
        break;
    case FL_SIMD_V128_LOAD8_SPLAT:
    case FL_SIMD_V128_LOAD16_SPLAT:
    case FL_SIMD_V128_LOAD32_SPLAT:
    case FL_SIMD_V128_LOAD64_SPLAT: {
        uint32_t n = fl_simd_access_size(op);
        memcpy(&x, src, n); /* little-endian: the low n bytes of x */
        r = splat(n, x);
        break;
    }
    case FL_SIMD_V128_LOAD32_ZERO: memcpy(&r, src, 4); break;
    case FL_SIMD_V128_LOAD64_ZERO: memcpy(&r, src, 8); break;
    default: abort();
    }
    put(d, r);
}

void fl_simd_load_lane(uint32_t op, void *d, const void *v, const uint8_t *src, uint32_t lane) {
    v128 r = get(v);

    switch (op) {
    case FL_SIMD_V128_LOAD8_LANE:
    case FL_SIMD_V128_LOAD16_LANE:
    case FL_SIMD_V128_LOAD32_LANE:
    case FL_SIMD_V128_LOAD64_LANE: {
        uint32_t n = fl_simd_access_size(op);
        memcpy((uint8_t *)&r + lane * n, src, n);
        break;
    }
    default: abort();
    }
    put(d, r);
}

void fl_simd_store(uint32_t op, uint8_t *dst, const void *v, uint32_t lane) {
    switch (op) {
    case FL_SIMD_V128_STORE: memcpy(dst, v, 16); break;
    case FL_SIMD_V128_STORE8_LANE:
    case FL_SIMD_V128_STORE16_LANE:
    case FL_SIMD_V128_STORE32_LANE:
    case FL_SIMD_V128_STORE64_LANE: {
        uint32_t n = fl_simd_access_size(op);
        memcpy(dst, (const uint8_t *)v + lane * n, n);
        break;
    }
    default: abort();
    }
}
