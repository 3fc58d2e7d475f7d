/*
 * simd_auto: plain C loops that LLVM vectorises at -O3 with -msimd128 (the
 * test checks the module holds SIMD instructions), each printing a hash
 * of its results and a few of them.  The same file built natively must
 * print the same: vectorised or not, every loop here computes exactly
 * (integer arithmetic, lane-wise float arithmetic, integer reductions;
 * float reductions are left in order), so any difference is a wrong lane.
 * Lengths are odd so the scalar tail after the vector loop runs too.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

/* a*b+c rounded twice on both sides: x86 would fuse it, wasm cannot */
#pragma STDC FP_CONTRACT OFF

#define LEN 1003

static int32_t ia[LEN], ib[LEN], ic[LEN];
static int16_t sa[LEN], sb[LEN];
static uint8_t ua[LEN], ub[LEN], uc[LEN];
static uint16_t wa[LEN];
static int64_t la[LEN];
static float fa[LEN], fb[LEN], fc[LEN];
static double da[LEN];

/* FNV-1a over n bytes */
static uint64_t hash(const void *p, size_t n) {
    const uint8_t *b = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

#define SHOW(name, arr, fmt, sample)                                                          \
    printf("%-10s %016llx " fmt "\n", name, (unsigned long long)hash(arr, sizeof arr), sample)

static void fill(void) {
    uint32_t x = 12345;
    for (int i = 0; i < LEN; i++) {
        x = x * 1103515245u + 12345u; /* the C standard's example LCG */
        ia[i] = (int32_t)x;
        ib[i] = (int32_t)(x >> 7) - (1 << 23);
        sa[i] = (int16_t)(x >> 9);
        sb[i] = (int16_t)(x >> 3);
        ua[i] = (uint8_t)(x >> 16);
        ub[i] = (uint8_t)(x >> 24);
        fa[i] = (float)(int32_t)(x >> 12) / 1024.0f - 1000.0f;
        fb[i] = (float)(x & 0xffff) / 4096.0f;
        da[i] = (double)(int32_t)x / 65536.0;
    }
}

int main(void) {
    fill();

    /* i32 multiply, shift, xor (wrapping) */
    for (int i = 0; i < LEN; i++)
        ic[i] = (int32_t)((uint32_t)ia[i] * (uint32_t)ib[i] + (uint32_t)(ia[i] >> 3)) ^ ib[i];
    SHOW("i32", ic, "%d", ic[LEN - 1]);

    /* u8 saturating add and unsigned minimum */
    for (int i = 0; i < LEN; i++) {
        unsigned s = ua[i] + ub[i];
        uc[i] = (uint8_t)(s > 255 ? 255 : s);
        ua[i] = ua[i] < ub[i] ? ua[i] : ub[i];
    }
    SHOW("u8sat", uc, "%u", uc[LEN - 2]);
    SHOW("u8min", ua, "%u", ua[LEN - 3]);

    /* i16 clamp and absolute value */
    for (int i = 0; i < LEN; i++) {
        int v = sa[i] < -1000 ? -1000 : sa[i] > 1000 ? 1000 : sa[i];
        sb[i] = (int16_t)(v < 0 ? -v : v);
    }
    SHOW("i16", sb, "%d", sb[7]);

    /* u8 x u8 widened to u16 */
    for (int i = 0; i < LEN; i++)
        wa[i] = (uint16_t)(uc[i] * ub[i]);
    SHOW("u16mul", wa, "%u", wa[11]);

    /* i64 add of sign-extended i32 */
    for (int i = 0; i < LEN; i++)
        la[i] = (int64_t)ia[i] * 3 + ib[i];
    SHOW("i64", la, "%lld", (long long)la[5]);

    /* f32 saxpy, sqrt, select */
    for (int i = 0; i < LEN; i++) {
        fc[i] = 1.75f * fa[i] + fb[i];
        fb[i] = sqrtf(fb[i]) + (fa[i] > fc[i] ? fa[i] : fc[i]);
    }
    SHOW("f32", fc, "%a", fc[3]);
    SHOW("f32sqrt", fb, "%a", fb[4]);

    /* conversions: i32 to f32 and back (in range) */
    for (int i = 0; i < LEN; i++) {
        fa[i] = (float)ia[i] * 0.5f;
        ic[i] = (int32_t)(fb[i] * 100.0f);
    }
    SHOW("cvt_f32", fa, "%a", fa[9]);
    SHOW("cvt_i32", ic, "%d", ic[9]);

    /* f64 lane-wise */
    for (int i = 0; i < LEN; i++)
        da[i] = da[i] * 1.5 - 0.25;
    SHOW("f64", da, "%a", da[2]);

    /* integer reductions: a sum, a count, a maximum */
    uint32_t sum = 0, count = 0;
    uint8_t max = 0;
    for (int i = 0; i < LEN; i++) {
        sum += (uint32_t)ia[i];
        count += uc[i] == 255;
        max = uc[i] > max ? uc[i] : max;
    }
    printf("reduce     sum %u count %u max %u\n", sum, count, max);
    return 0;
}
