/*
 * numeric.h: the numeric semantics of wasm that C does not give directly:
 * NaN-propagating min/max with -0 < +0, sign operations on bits, trapping
 * and saturating float-to-int truncation, and shift/rotate/count helpers.
 * Internal to src/interp.
 */
#ifndef FL_INTERP_NUMERIC_H
#define FL_INTERP_NUMERIC_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t fl_f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static inline float fl_bits_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline uint64_t fl_f64_bits(double f) {
    uint64_t u;
    memcpy(&u, &f, 8);
    return u;
}

static inline double fl_bits_f64(uint64_t u) {
    double f;
    memcpy(&f, &u, 8);
    return f;
}

/* min/max: any NaN operand gives a NaN (a + b quiets it); -0 < +0. */
static inline float fl_f32_min(float a, float b) {
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return fl_bits_f32(fl_f32_bits(a) | fl_f32_bits(b));
    return a < b ? a : b;
}

static inline float fl_f32_max(float a, float b) {
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return fl_bits_f32(fl_f32_bits(a) & fl_f32_bits(b));
    return a > b ? a : b;
}

static inline double fl_f64_min(double a, double b) {
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return fl_bits_f64(fl_f64_bits(a) | fl_f64_bits(b));
    return a < b ? a : b;
}

static inline double fl_f64_max(double a, double b) {
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return fl_bits_f64(fl_f64_bits(a) & fl_f64_bits(b));
    return a > b ? a : b;
}

/* Sign operations touch only the sign bit, NaN payloads included. */
static inline float fl_f32_abs(float a) { return fl_bits_f32(fl_f32_bits(a) & 0x7fffffffu); }
static inline float fl_f32_neg(float a) { return fl_bits_f32(fl_f32_bits(a) ^ 0x80000000u); }
static inline float fl_f32_copysign(float a, float b) {
    return fl_bits_f32((fl_f32_bits(a) & 0x7fffffffu) | (fl_f32_bits(b) & 0x80000000u));
}
static inline double fl_f64_abs(double a) {
    return fl_bits_f64(fl_f64_bits(a) & 0x7fffffffffffffffull);
}
static inline double fl_f64_neg(double a) {
    return fl_bits_f64(fl_f64_bits(a) ^ 0x8000000000000000ull);
}
static inline double fl_f64_copysign(double a, double b) {
    return fl_bits_f64((fl_f64_bits(a) & 0x7fffffffffffffffull) |
                       (fl_f64_bits(b) & 0x8000000000000000ull));
}

/* Round half to even: rint in the default rounding mode. */
static inline float fl_f32_nearest(float a) { return rintf(a); }
static inline double fl_f64_nearest(double a) { return rint(a); }

static inline uint32_t fl_rotl32(uint32_t x, uint32_t n) {
    n &= 31;
    return (x << n) | (x >> ((32 - n) & 31));
}
static inline uint32_t fl_rotr32(uint32_t x, uint32_t n) {
    n &= 31;
    return (x >> n) | (x << ((32 - n) & 31));
}
static inline uint64_t fl_rotl64(uint64_t x, uint64_t n) {
    n &= 63;
    return (x << n) | (x >> ((64 - n) & 63));
}
static inline uint64_t fl_rotr64(uint64_t x, uint64_t n) {
    n &= 63;
    return (x >> n) | (x << ((64 - n) & 63));
}

static inline uint32_t fl_clz32(uint32_t x) { return x ? (uint32_t)__builtin_clz(x) : 32; }
static inline uint32_t fl_ctz32(uint32_t x) { return x ? (uint32_t)__builtin_ctz(x) : 32; }
static inline uint64_t fl_clz64(uint64_t x) { return x ? (uint64_t)__builtin_clzll(x) : 64; }
static inline uint64_t fl_ctz64(uint64_t x) { return x ? (uint64_t)__builtin_ctzll(x) : 64; }

/*
 * Trapping truncation: 0 on success with *out set, 1 for NaN ("invalid
 * conversion to integer"), 2 when the truncated value does not fit
 * ("integer overflow").  Bounds are the first values out of range, exact in
 * the source type.
 */
#define FL_TRUNC_FN(name, FT, IT, lo_excl, hi_excl)                                        \
    static inline int name(FT x, IT *out) {                                                \
        if (x != x)                                                                        \
            return 1;                                                                      \
        if (!(x > (lo_excl) && x < (hi_excl)))                                             \
            return 2;                                                                      \
        *out = (IT)x;                                                                      \
        return 0;                                                                          \
    }

FL_TRUNC_FN(fl_trunc_f32_i32, float, int32_t, -2147483904.0f, 2147483648.0f)
FL_TRUNC_FN(fl_trunc_f32_u32, float, uint32_t, -1.0f, 4294967296.0f)
FL_TRUNC_FN(fl_trunc_f64_i32, double, int32_t, -2147483649.0, 2147483648.0)
FL_TRUNC_FN(fl_trunc_f64_u32, double, uint32_t, -1.0, 4294967296.0)
FL_TRUNC_FN(fl_trunc_f32_i64, float, int64_t, -9223373136366403584.0f, 9223372036854775808.0f)
FL_TRUNC_FN(fl_trunc_f32_u64, float, uint64_t, -1.0f, 18446744073709551616.0f)
FL_TRUNC_FN(fl_trunc_f64_i64, double, int64_t, -9223372036854777856.0, 9223372036854775808.0)
FL_TRUNC_FN(fl_trunc_f64_u64, double, uint64_t, -1.0, 18446744073709551616.0)

/* Saturating truncation: NaN -> 0, out of range -> the nearest bound. */
#define FL_TRUNC_SAT_FN(name, FT, IT, lo_excl, hi_excl, minv, maxv)                        \
    static inline IT name(FT x) {                                                          \
        if (x != x)                                                                        \
            return 0;                                                                      \
        if (!(x > (lo_excl)))                                                              \
            return (minv);                                                                 \
        if (!(x < (hi_excl)))                                                              \
            return (maxv);                                                                 \
        return (IT)x;                                                                      \
    }

FL_TRUNC_SAT_FN(fl_trunc_sat_f32_i32, float, int32_t, -2147483904.0f, 2147483648.0f,
                INT32_MIN, INT32_MAX)
FL_TRUNC_SAT_FN(fl_trunc_sat_f32_u32, float, uint32_t, -1.0f, 4294967296.0f, 0, UINT32_MAX)
FL_TRUNC_SAT_FN(fl_trunc_sat_f64_i32, double, int32_t, -2147483649.0, 2147483648.0,
                INT32_MIN, INT32_MAX)
FL_TRUNC_SAT_FN(fl_trunc_sat_f64_u32, double, uint32_t, -1.0, 4294967296.0, 0, UINT32_MAX)
FL_TRUNC_SAT_FN(fl_trunc_sat_f32_i64, float, int64_t, -9223373136366403584.0f,
                9223372036854775808.0f, INT64_MIN, INT64_MAX)
FL_TRUNC_SAT_FN(fl_trunc_sat_f32_u64, float, uint64_t, -1.0f, 18446744073709551616.0f, 0,
                UINT64_MAX)
FL_TRUNC_SAT_FN(fl_trunc_sat_f64_i64, double, int64_t, -9223372036854777856.0,
                9223372036854775808.0, INT64_MIN, INT64_MAX)
FL_TRUNC_SAT_FN(fl_trunc_sat_f64_u64, double, uint64_t, -1.0, 18446744073709551616.0, 0,
                UINT64_MAX)

#endif
