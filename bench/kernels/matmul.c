/* matmul: n products of two 128x128 double matrices, each product feeding
 * back into the left operand so no iteration can be skipped. */
#include "kernel.h"

#define DIM 128

static double a[DIM][DIM], b[DIM][DIM], c[DIM][DIM];

uint64_t run(uint32_t n) {
    uint64_t seed = 1;
    for (int i = 0; i < DIM; i++)
        for (int j = 0; j < DIM; j++) {
            a[i][j] = kernel_rand_unit(&seed) - 0.5;
            b[i][j] = (kernel_rand_unit(&seed) - 0.5) * (2.0 / DIM);
        }
    uint64_t h = 0;
    for (uint32_t r = 0; r < n; r++) {
        for (int i = 0; i < DIM; i++) {
            for (int j = 0; j < DIM; j++)
                c[i][j] = 0.0;
            for (int k = 0; k < DIM; k++) {
                double aik = a[i][k];
                for (int j = 0; j < DIM; j++)
                    c[i][j] += aik * b[k][j];
            }
        }
        /* feed back, renormalised so values stay well inside range */
        double norm = 0.0;
        for (int i = 0; i < DIM; i++)
            for (int j = 0; j < DIM; j++) {
                double v = c[i][j];
                norm += v < 0 ? -v : v;
            }
        double scale = (DIM * DIM) / (norm + 1.0);
        for (int i = 0; i < DIM; i++)
            for (int j = 0; j < DIM; j++)
                a[i][j] = c[i][j] * scale + 0.001 * (double)((i + j + r) & 7);
        h = kernel_mix(h, kernel_f64_bits(norm));
    }
    for (int i = 0; i < DIM; i++)
        h = kernel_mix(h, kernel_f64_bits(c[i][(i * 7) % DIM]));
    return h;
}
