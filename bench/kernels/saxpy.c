/* saxpy: n rounds of y = a*x + y over 4096 floats, BLAS's loop, which LLVM
 * vectorises.  Lane-wise, so a vectorised build rounds exactly as a scalar
 * one (no fused multiply-add on either side: -ffp-contract=off); the
 * checksum folds the result's bits.  a cycles through -3..3 thousandths,
 * summing to 0 every 7 rounds, so y stays near its start. */
#include "kernel.h"

#define LEN 4096

static float x[LEN], y[LEN];

static inline uint32_t f32_bits(float f) {
    union { float f; uint32_t u; } v = { .f = f };
    return v.u;
}

uint64_t run(uint32_t n) {
    uint64_t seed = 3;
    for (int i = 0; i < LEN; i++) {
        x[i] = (float)kernel_rand_unit(&seed) - 0.5f;
        y[i] = (float)kernel_rand_unit(&seed);
    }
    for (uint32_t r = 0; r < n; r++) {
        float a = 0.001f * (float)((int)(r % 7) - 3);
        for (int i = 0; i < LEN; i++)
            y[i] = a * x[i] + y[i];
    }
    uint64_t h = 0;
    for (int i = 0; i < LEN; i++)
        h = kernel_mix(h, f32_bits(y[i]));
    return h;
}
