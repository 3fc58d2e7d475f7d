/*
 * kernel.h: what every benchmark kernel shares.  Kernels are freestanding C
 * (no libc, no imports) so the same source runs natively and as a wasm
 * module on nothing but the engine.  Each defines
 *
 *     uint64_t run(uint32_t n);
 *
 * which rebuilds all of its state from n (so repeated calls in one instance
 * return the same value) and returns a checksum of its work.
 */
#ifndef BENCH_KERNEL_H
#define BENCH_KERNEL_H

#include <stdint.h>

uint64_t run(uint32_t n);

/* splitmix64: a small PRNG with a fixed seed, identical on every target. */
static inline uint64_t kernel_rand(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Folds a value into a running checksum. */
static inline uint64_t kernel_mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

/* The bits of a double: exact comparison of floating-point results. */
static inline uint64_t kernel_f64_bits(double d) {
    union { double d; uint64_t u; } v = { .d = d };
    return v.u;
}

/* A double in [0, 1) from the PRNG. */
static inline double kernel_rand_unit(uint64_t *state) {
    return (double)(kernel_rand(state) >> 11) * (1.0 / 9007199254740992.0);
}

#endif
