/* dot16: n passes of a quantised layer, a 256x256 matrix of 16-bit weights
 * times a 16-bit vector, 32-bit sums requantised (shifted and clamped to
 * 8 bits) into the next pass's vector: the integer dot products of
 * quantised inference, which wasm SIMD widens and multiplies in lanes. */
#include "kernel.h"

#define DIM 256

static int16_t w[DIM][DIM], v[DIM];
static int32_t o[DIM];

uint64_t run(uint32_t n) {
    uint64_t seed = 7;
    for (int i = 0; i < DIM; i++) {
        for (int j = 0; j < DIM; j++)
            w[i][j] = (int16_t)((int)(kernel_rand(&seed) & 127) - 64);
        v[i] = (int16_t)((int)(kernel_rand(&seed) & 255) - 128);
    }
    uint64_t h = 0;
    for (uint32_t r = 0; r < n; r++) {
        /* |sum| <= 256 * 64 * 128: no overflow */
        for (int i = 0; i < DIM; i++) {
            int32_t acc = 0;
            for (int j = 0; j < DIM; j++)
                acc += w[i][j] * v[j];
            o[i] = acc;
        }
        /* a small round-dependent offset keeps the vector from settling */
        uint32_t sum = 0;
        for (int i = 0; i < DIM; i++) {
            int32_t q = (o[i] >> 9) + (int32_t)((i ^ r) & 15) - 8;
            q = q < -128 ? -128 : q > 127 ? 127 : q;
            v[i] = (int16_t)q;
            sum += (uint32_t)q;
        }
        h = kernel_mix(h, sum);
    }
    return h;
}
