/* blend: n alpha blends of two 256x256 8-bit greyscale images, the first
 * replaced by the blend each round, (a*alpha + b*(255-alpha) + 127) / 255
 * per pixel and the pixels summed: byte lanes widened, multiplied,
 * divided by a constant and narrowed, as image code does.  Integer only,
 * so any build gives the same bits. */
#include "kernel.h"

#define PIX (256 * 256)

static uint8_t img_a[PIX], img_b[PIX];

uint64_t run(uint32_t n) {
    uint64_t seed = 5;
    for (int i = 0; i < PIX; i++) {
        img_a[i] = (uint8_t)kernel_rand(&seed);
        img_b[i] = (uint8_t)kernel_rand(&seed);
    }
    uint64_t h = 0;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t alpha = (r * 37u + 11u) & 255u, sum = 0;
        for (int i = 0; i < PIX; i++) {
            uint32_t v = (img_a[i] * alpha + img_b[i] * (255u - alpha) + 127u) / 255u;
            img_a[i] = (uint8_t)v;
            sum += v;
        }
        h = kernel_mix(h, sum);
    }
    return h;
}
