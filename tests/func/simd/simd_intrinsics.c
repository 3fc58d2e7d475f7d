/*
 * simd_intrinsics: wasm SIMD through <wasm_simd128.h>, one instruction per
 * line: its name (the instruction's own, so the test can find it in the
 * module) and its result, a v128 as 16 bytes in memory order or a scalar.
 *
 * Built for wasm (faaslet cc) each case runs its intrinsic; built natively
 * the same case runs the scalar reference written beside it, the spec's
 * semantics lane by lane.  tests/func/run.sh compares the two outputs, so a
 * lane in the wrong place, a wrong saturation or rounding shows as a line
 * that differs.  Inputs come through volatile memory: clang would
 * otherwise fold the intrinsics into constants.  Relaxed SIMD is given
 * inputs on which every allowed behaviour agrees (madd of exact products,
 * swizzle indices below 16, in-range truncations, all-0/all-1 masks).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

/* the references' a*b+c rounded twice, as relaxed madd runs (never fused) */
#pragma STDC FP_CONTRACT OFF

/* Every lane view of one v128. */
typedef union lanes {
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
} lanes;

static volatile const uint8_t in_bytes[][16] = {
    /* A */ {0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x10, 0x20, 0x30, 0x40, 0x55, 0xaa, 0x81, 0x7e, 0x05, 0xf0},
    /* B */ {0x01, 0xff, 0x01, 0x80, 0x01, 0x03, 0xf0, 0xe0, 0x7f, 0x7f, 0x02, 0x56, 0x80, 0x02, 0xfb, 0x20},
    /* X: swizzle indices, some out of range (lane 0) */
    {15, 14, 0, 1, 16, 255, 3, 3, 8, 9, 10, 11, 12, 13, 14, 0x80},
    /* S: 7-bit operands for relaxed dot */
    {0x00, 0x01, 0x7f, 0x40, 0x10, 0x3f, 0x02, 0x7e, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x05},
};
static volatile const float in_floats[][4] = {
    /* F */ {1.5f, -2.25f, 3.0f, 1e20f},
    /* G */ {2.0f, 0.5f, -1.5f, 1e20f},
    /* H: rounding, ties to even */ {2.5f, -2.5f, 0.49999997f, -0.0f},
    /* T: trunc_sat; lane 0 becomes a NaN below */ {0.0f, 3e9f, -3e9f, -7.9f},
    /* M, N: min and max of zeros of both signs */ {-0.0f, 0.0f, 1.0f, -3.0f},
    {0.0f, -0.0f, 2.0f, -4.0f},
    /* P, Q: pmin/pmax with NaNs (their bits are kept: a select) */ {0.0f, 1.0f, -0.0f, 2.0f},
    {1.0f, 0.0f, 0.0f, 3.0f},
    /* R: relaxed trunc, in range */ {-7.5f, 100.25f, -2147483520.0f, 0.0f},
};
static volatile const double in_doubles[][2] = {{0.1, -2.5}, {3.0, 0.5}};
static volatile const int32_t in_scalar = -0x12345679;
static volatile const uint8_t in_memory[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                               0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x80};

static lanes A, B, X, S, F, G, H, T, M, N, P, Q, R, D, E;
static uint8_t mem[16];
static int32_t K;

static void load_inputs(void) {
    lanes *b[] = {&A, &B, &X, &S};
    for (int v = 0; v < 4; v++)
        for (int i = 0; i < 16; i++)
            b[v]->u8[i] = in_bytes[v][i];
    lanes *f[] = {&F, &G, &H, &T, &M, &N, &P, &Q, &R};
    for (int v = 0; v < 9; v++)
        for (int i = 0; i < 4; i++)
            f[v]->f32[i] = in_floats[v][i];
    for (int i = 0; i < 2; i++) {
        D.f64[i] = in_doubles[0][i];
        E.f64[i] = in_doubles[1][i];
    }
    for (int i = 0; i < 16; i++)
        mem[i] = in_memory[i];
    K = in_scalar;
    T.u32[0] = 0x7fc00000;  /* NaN: trunc_sat gives 0 */
    P.u32[0] = 0x7fc01234;  /* pmin(P, Q) lane 0: P's NaN, bit for bit */
    Q.u32[1] = 0xffc00005;  /* lane 1: Q < P is false, so P's 1.0 */
}

static void show(const char *name, const lanes *r) {
    printf("%-36s", name);
    for (int i = 0; i < 16; i++)
        printf("%s%02x", i % 4 ? "" : " ", r->u8[i]);
    putchar('\n');
}

/* Not inlined: a lane passed as an argument must be extracted, where one
 * given to printf could be stored to its varargs from the vector. */
__attribute__((noinline)) static void show_scalar(const char *name, int64_t v) {
    printf("%-36s %lld\n", name, (long long)v);
}

/* (an i32 argument: an i8 or i16 lane widened to 64 bits would be read
 * unsigned and sign-extended apart) */
__attribute__((noinline)) static void show_i32(const char *name, int32_t v) {
    printf("%-36s %d\n", name, v);
}

/* V(name, intrinsic, reference): a v128 result.  On wasm `intrinsic` is an
 * expression of v128_t built from the inputs' a, b... (loaded from the
 * lanes above); natively `reference` is statements that fill `r`. */
#ifdef __wasm_simd128__
#define LOAD_INPUTS                                                                             \
    v128_t a = wasm_v128_load(&A), b = wasm_v128_load(&B), x = wasm_v128_load(&X),              \
           s = wasm_v128_load(&S), f = wasm_v128_load(&F), g = wasm_v128_load(&G),              \
           h = wasm_v128_load(&H), t = wasm_v128_load(&T), m = wasm_v128_load(&M),              \
           n = wasm_v128_load(&N), p = wasm_v128_load(&P), q = wasm_v128_load(&Q),              \
           rr = wasm_v128_load(&R), d = wasm_v128_load(&D), e = wasm_v128_load(&E);             \
    (void)a, (void)b, (void)x, (void)s, (void)f, (void)g, (void)h, (void)t, (void)m, (void)n,   \
        (void)p, (void)q, (void)rr, (void)d, (void)e
#define V(name, intrinsic, reference)                                                           \
    do {                                                                                        \
        lanes r;                                                                                \
        wasm_v128_store(&r, (intrinsic));                                                       \
        show(name, &r);                                                                         \
    } while (0)
#define SCALAR(name, intrinsic, reference) show_scalar(name, (int64_t)(intrinsic))
#define SCALAR32(name, intrinsic, reference) show_i32(name, (intrinsic))
#else
#define LOAD_INPUTS (void)0
#define V(name, intrinsic, reference)                                                           \
    do {                                                                                        \
        lanes r;                                                                                \
        memset(&r, 0, sizeof r);                                                                \
        reference;                                                                              \
        show(name, &r);                                                                         \
    } while (0)
#define SCALAR(name, intrinsic, reference) show_scalar(name, (int64_t)(reference))
#define SCALAR32(name, intrinsic, reference) show_i32(name, (reference))
#endif
#define EACH(k, n) for (int k = 0; k < (n); k++)

#ifndef __wasm_simd128__ /* the scalar reference's helpers */
static int8_t sat8(int v) { return (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v); }
static uint8_t satu8(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }
static int16_t sat16(int32_t v) { return (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v); }
static uint16_t satu16(int32_t v) { return (uint16_t)(v < 0 ? 0 : v > 65535 ? 65535 : v); }

static int32_t trunc_sat_s(float v) {
    if (isnan(v))
        return 0;
    if (v >= 2147483648.0f)
        return INT32_MAX;
    if (v < -2147483648.0f)
        return INT32_MIN;
    return (int32_t)v;
}

static uint32_t trunc_sat_u(float v) {
    if (isnan(v) || v <= -1.0f)
        return 0;
    if (v >= 4294967296.0f)
        return UINT32_MAX;
    return (uint32_t)v;
}

/* wasm's fmin/fmax without NaNs: -0 below +0 */
static float fmin_w(float a, float b) {
    if (a == b)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}

static float fmax_w(float a, float b) {
    if (a == b)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

static int popcount8(uint8_t v) {
    int c = 0;
    for (; v; v &= (uint8_t)(v - 1))
        c++;
    return c;
}
#endif

int main(void) {
    load_inputs();
    LOAD_INPUTS;
    /* the reference's copy of the shuffle's immediates */
    static const uint8_t shuf[16] = {0, 17, 2, 19, 4, 21, 6, 23, 31, 30, 29, 28, 8, 9, 10, 11};
    (void)shuf;

    /* integer arithmetic, wrapping */
    V("i32x4.add", wasm_i32x4_add(a, b), EACH(i, 4) r.u32[i] = A.u32[i] + B.u32[i]);
    V("i32x4.sub", wasm_i32x4_sub(a, b), EACH(i, 4) r.u32[i] = A.u32[i] - B.u32[i]);
    V("i32x4.mul", wasm_i32x4_mul(a, b), EACH(i, 4) r.u32[i] = A.u32[i] * B.u32[i]);
    V("i64x2.mul", wasm_i64x2_mul(a, b), EACH(i, 2) r.u64[i] = A.u64[i] * B.u64[i]);
    V("i64x2.neg", wasm_i64x2_neg(a), EACH(i, 2) r.u64[i] = 0 - A.u64[i]);
    V("i8x16.abs", wasm_i8x16_abs(a), EACH(i, 16) r.u8[i] = (uint8_t)(A.i8[i] < 0 ? -A.i8[i] : A.i8[i]));
    V("i8x16.popcnt", wasm_i8x16_popcnt(a), EACH(i, 16) r.u8[i] = (uint8_t)popcount8(A.u8[i]));
    V("i8x16.avgr_u", wasm_u8x16_avgr(a, b), EACH(i, 16) r.u8[i] = (uint8_t)((A.u8[i] + B.u8[i] + 1) >> 1));
    /* of a computed scalar: one in memory would be v128.load32_splat */
    V("i32x4.splat", wasm_i32x4_splat(K * K), EACH(i, 4) r.u32[i] = (uint32_t)K * (uint32_t)K);

    /* saturating */
    V("i8x16.add_sat_s", wasm_i8x16_add_sat(a, b), EACH(i, 16) r.i8[i] = sat8(A.i8[i] + B.i8[i]));
    V("i8x16.add_sat_u", wasm_u8x16_add_sat(a, b), EACH(i, 16) r.u8[i] = satu8(A.u8[i] + B.u8[i]));
    V("i16x8.sub_sat_s", wasm_i16x8_sub_sat(a, b), EACH(i, 8) r.i16[i] = sat16(A.i16[i] - B.i16[i]));
    V("i16x8.sub_sat_u", wasm_u16x8_sub_sat(a, b), EACH(i, 8) r.u16[i] = satu16(A.u16[i] - B.u16[i]));
    V("i16x8.q15mulr_sat_s", wasm_i16x8_q15mulr_sat(a, b),
      EACH(i, 8) r.i16[i] = sat16((A.i16[i] * B.i16[i] + 0x4000) >> 15));

    /* lanes moved */
    V("i8x16.shuffle",
      wasm_i8x16_shuffle(a, b, 0, 17, 2, 19, 4, 21, 6, 23, 31, 30, 29, 28, 8, 9, 10, 11),
      EACH(i, 16) r.u8[i] = shuf[i] < 16 ? A.u8[shuf[i]] : B.u8[shuf[i] - 16]);
    V("i8x16.swizzle", wasm_i8x16_swizzle(a, x), EACH(i, 16) r.u8[i] = X.u8[i] < 16 ? A.u8[X.u8[i]] : 0);
    /* fed to another operation: stored at once, it would be a plain store */
    V("i16x8.replace_lane", wasm_i16x8_add(wasm_i16x8_replace_lane(a, 6, (int16_t)(K * K)), b),
      r = A; r.i16[6] = (int16_t)((uint32_t)K * (uint32_t)K); EACH(i, 8) r.u16[i] += B.u16[i]);
    V("i8x16.narrow_i16x8_u", wasm_u8x16_narrow_i16x8(a, b),
      EACH(i, 8) { r.u8[i] = satu8(A.i16[i]); r.u8[i + 8] = satu8(B.i16[i]); });
    V("i16x8.narrow_i32x4_s", wasm_i16x8_narrow_i32x4(a, b),
      EACH(i, 4) { r.i16[i] = sat16(A.i32[i]); r.i16[i + 4] = sat16(B.i32[i]); });
    V("i32x4.extend_high_i16x8_s", wasm_i32x4_extend_high_i16x8(a), EACH(i, 4) r.i32[i] = A.i16[4 + i]);
    V("i16x8.extmul_low_i8x16_u", wasm_u16x8_extmul_low_u8x16(a, b),
      EACH(i, 8) r.u16[i] = (uint16_t)(A.u8[i] * B.u8[i]));
    V("i16x8.extadd_pairwise_i8x16_u", wasm_u16x8_extadd_pairwise_u8x16(a),
      EACH(i, 8) r.u16[i] = (uint16_t)(A.u8[2 * i] + A.u8[2 * i + 1]));
    V("i32x4.dot_i16x8_s", wasm_i32x4_dot_i16x8(a, b),
      EACH(i, 4) r.u32[i] = (uint32_t)((int64_t)A.i16[2 * i] * B.i16[2 * i] +
                                       (int64_t)A.i16[2 * i + 1] * B.i16[2 * i + 1]));

    /* one lane out, and masks */
    SCALAR32("i8x16.extract_lane_s", wasm_i8x16_extract_lane(a, 3), A.i8[3]);
    SCALAR("i8x16.extract_lane_u", wasm_u8x16_extract_lane(a, 3), A.u8[3]);
    SCALAR32("i16x8.extract_lane_s", wasm_i16x8_extract_lane(a, 5), A.i16[5]);
    SCALAR("i32x4.extract_lane", wasm_i32x4_extract_lane(a, 2), A.i32[2]);
    /* of a computed vector: a loaded one's lane would be read from memory */
    SCALAR("i64x2.extract_lane", wasm_i64x2_extract_lane(wasm_i8x16_swizzle(b, x), 1), ({
               lanes w;
               EACH(i, 16) w.u8[i] = X.u8[i] < 16 ? B.u8[X.u8[i]] : 0;
               w.i64[1];
           }));
    SCALAR("f32x4.extract_lane", wasm_f32x4_extract_lane(f, 1) * 4.0f, F.f32[1] * 4.0f);
    SCALAR("i8x16.bitmask", wasm_i8x16_bitmask(a), ({
               int v = 0;
               EACH(i, 16) v |= (A.u8[i] >> 7) << i;
               v;
           }));
    SCALAR("i16x8.bitmask", wasm_i16x8_bitmask(b), ({
               int v = 0;
               EACH(i, 8) v |= (B.i16[i] < 0) << i;
               v;
           }));
    SCALAR("i32x4.bitmask", wasm_i32x4_bitmask(a), ({
               int v = 0;
               EACH(i, 4) v |= (A.i32[i] < 0) << i;
               v;
           }));
    SCALAR("i64x2.bitmask", wasm_i64x2_bitmask(b), (B.i64[0] < 0) | (B.i64[1] < 0) << 1);
    SCALAR("v128.any_true", wasm_v128_any_true(a), 1);
    SCALAR("i8x16.all_true", wasm_i8x16_all_true(a), ({
               int v = 1;
               EACH(i, 16) v &= A.u8[i] != 0;
               v;
           }));
    SCALAR("i16x8.all_true", wasm_i16x8_all_true(b), ({
               int v = 1;
               EACH(i, 8) v &= B.u16[i] != 0;
               v;
           }));

    /* comparisons, shifts (the count taken modulo the lane width), bits */
    V("i32x4.gt_s", wasm_i32x4_gt(a, b), EACH(i, 4) r.i32[i] = -(A.i32[i] > B.i32[i]));
    V("i8x16.lt_u", wasm_u8x16_lt(a, b), EACH(i, 16) r.i8[i] = (int8_t)-(A.u8[i] < B.u8[i]));
    V("f32x4.lt", wasm_f32x4_lt(f, g), EACH(i, 4) r.i32[i] = -(F.f32[i] < G.f32[i]));
    V("i32x4.shr_s", wasm_i32x4_shr(a, (uint32_t)B.u8[5] * 11u), EACH(i, 4) r.i32[i] = A.i32[i] >> 1);
    V("i8x16.shr_u", wasm_u8x16_shr(a, 3), EACH(i, 16) r.u8[i] = A.u8[i] >> 3);
    V("i16x8.shl", wasm_i16x8_shl(a, (uint32_t)B.u8[6] - 223u),
      EACH(i, 8) r.u16[i] = (uint16_t)(A.u16[i] << 1));
    V("v128.bitselect", wasm_v128_bitselect(a, b, x),
      EACH(i, 16) r.u8[i] = (uint8_t)((A.u8[i] & X.u8[i]) | (B.u8[i] & ~X.u8[i])));
    V("v128.andnot", wasm_v128_andnot(a, b), EACH(i, 16) r.u8[i] = A.u8[i] & (uint8_t)~B.u8[i]);

    /* float arithmetic, rounding, conversions */
    V("f32x4.mul", wasm_f32x4_mul(f, g), EACH(i, 4) r.f32[i] = F.f32[i] * G.f32[i]);
    V("f32x4.add", wasm_f32x4_add(f, g), EACH(i, 4) r.f32[i] = F.f32[i] + G.f32[i]);
    V("f32x4.div", wasm_f32x4_div(f, g), EACH(i, 4) r.f32[i] = F.f32[i] / G.f32[i]);
    V("f32x4.sqrt", wasm_f32x4_sqrt(wasm_f32x4_abs(f)), EACH(i, 4) r.f32[i] = sqrtf(fabsf(F.f32[i])));
    V("f32x4.min", wasm_f32x4_min(m, n), EACH(i, 4) r.f32[i] = fmin_w(M.f32[i], N.f32[i]));
    V("f32x4.max", wasm_f32x4_max(m, n), EACH(i, 4) r.f32[i] = fmax_w(M.f32[i], N.f32[i]));
    V("f32x4.pmin", wasm_f32x4_pmin(p, q), EACH(i, 4) r.f32[i] = Q.f32[i] < P.f32[i] ? Q.f32[i] : P.f32[i]);
    V("f32x4.pmax", wasm_f32x4_pmax(p, q), EACH(i, 4) r.f32[i] = P.f32[i] < Q.f32[i] ? Q.f32[i] : P.f32[i]);
    V("f32x4.nearest", wasm_f32x4_nearest(h), EACH(i, 4) r.f32[i] = nearbyintf(H.f32[i]));
    V("f32x4.ceil", wasm_f32x4_ceil(h), EACH(i, 4) r.f32[i] = ceilf(H.f32[i]));
    V("f32x4.floor", wasm_f32x4_floor(h), EACH(i, 4) r.f32[i] = floorf(H.f32[i]));
    V("f32x4.trunc", wasm_f32x4_trunc(h), EACH(i, 4) r.f32[i] = truncf(H.f32[i]));
    V("f32x4.convert_i32x4_s", wasm_f32x4_convert_i32x4(a), EACH(i, 4) r.f32[i] = (float)A.i32[i]);
    V("f32x4.convert_i32x4_u", wasm_f32x4_convert_u32x4(a), EACH(i, 4) r.f32[i] = (float)A.u32[i]);
    V("i32x4.trunc_sat_f32x4_s", wasm_i32x4_trunc_sat_f32x4(t), EACH(i, 4) r.i32[i] = trunc_sat_s(T.f32[i]));
    V("i32x4.trunc_sat_f32x4_u", wasm_u32x4_trunc_sat_f32x4(t), EACH(i, 4) r.u32[i] = trunc_sat_u(T.f32[i]));
    V("f64x2.add", wasm_f64x2_add(d, e), EACH(i, 2) r.f64[i] = D.f64[i] + E.f64[i]);
    V("f64x2.div", wasm_f64x2_div(d, e), EACH(i, 2) r.f64[i] = D.f64[i] / E.f64[i]);
    V("f64x2.promote_low_f32x4", wasm_f64x2_promote_low_f32x4(f), EACH(i, 2) r.f64[i] = F.f32[i]);
    V("f32x4.demote_f64x2_zero", wasm_f32x4_demote_f64x2_zero(d), EACH(i, 2) r.f32[i] = (float)D.f64[i]);

    /* memory: unaligned loads, lanes, splats, zero-extended */
    V("v128.load32_splat", wasm_v128_load32_splat(&mem[1]), EACH(i, 4) memcpy(&r.u32[i], &mem[1], 4));
    V("v128.load8_lane", wasm_v128_load8_lane(&mem[5], a, 9), r = A; r.u8[9] = mem[5]);
    V("v128.load64_zero", wasm_v128_load64_zero(&mem[3]), memcpy(&r, &mem[3], 8));
    V("v128.load8x8_s", wasm_i16x8_load8x8(&mem[7]), EACH(i, 8) r.i16[i] = (int8_t)mem[7 + i]);
    V("v128.store16_lane", ({
          lanes o;
          memcpy(&o, (const void *)in_memory, 16);
          wasm_v128_store16_lane(&o.u8[3], a, 5);
          wasm_v128_load(&o);
      }),
      memcpy(&r, (const void *)in_memory, 16);
      memcpy(&r.u8[3], &A.u16[5], 2));

    /* relaxed SIMD, on inputs where all its allowed results agree */
#if defined(__wasm_relaxed_simd__) || !defined(__wasm_simd128__)
    V("f32x4.relaxed_madd", wasm_f32x4_relaxed_madd(f, g, h),
      EACH(i, 4) r.f32[i] = F.f32[i] * G.f32[i] + H.f32[i]);
    V("f32x4.relaxed_nmadd", wasm_f32x4_relaxed_nmadd(f, g, h),
      EACH(i, 4) r.f32[i] = -(F.f32[i] * G.f32[i]) + H.f32[i]);
    V("i8x16.relaxed_swizzle", wasm_i8x16_relaxed_swizzle(a, wasm_v128_and(x, wasm_i8x16_splat(15))),
      EACH(i, 16) r.u8[i] = A.u8[X.u8[i] & 15]);
    V("i32x4.relaxed_trunc_f32x4_s", wasm_i32x4_relaxed_trunc_f32x4(rr), EACH(i, 4) r.i32[i] = (int32_t)R.f32[i]);
    V("i32x4.relaxed_laneselect", wasm_i32x4_relaxed_laneselect(a, b, wasm_i32x4_gt(a, b)),
      EACH(i, 4) r.i32[i] = A.i32[i] > B.i32[i] ? A.i32[i] : B.i32[i]);
    V("f32x4.relaxed_min", wasm_f32x4_relaxed_min(f, g), EACH(i, 4) r.f32[i] = fmin_w(F.f32[i], G.f32[i]));
    V("i16x8.relaxed_dot_i8x16_i7x16_s", wasm_i16x8_relaxed_dot_i8x16_i7x16(a, s),
      EACH(i, 8) r.i16[i] = (int16_t)(A.i8[2 * i] * S.i8[2 * i] + A.i8[2 * i + 1] * S.i8[2 * i + 1]));
    V("i32x4.relaxed_dot_i8x16_i7x16_add_s", wasm_i32x4_relaxed_dot_i8x16_i7x16_add(a, s, b),
      EACH(i, 4) {
          int32_t v = 0;
          EACH(k, 4) v += A.i8[4 * i + k] * S.i8[4 * i + k];
          r.u32[i] = B.u32[i] + (uint32_t)v;
      });
#endif
    return 0;
}
