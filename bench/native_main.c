/*
 * native_main.c: the native side of the benchmark.  Linked with one kernel
 * (bench/kernels/NAME.c), it calls run(n) `reps` times and prints
 *
 *     checksum=<u64> best=<seconds>
 *
 * with the best wall-clock time, so bench/run.sh can compare it with the
 * interpreter's figures from bench_driver.
 *
 * usage: NAME-native N [REPS]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

uint64_t run(uint32_t n);

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s N [REPS]\n", argv[0]);
        return 2;
    }
    uint32_t n = (uint32_t)strtoul(argv[1], NULL, 0);
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    double best = 0;
    uint64_t sum = 0;
    for (int i = 0; i < reps; i++) {
        double t0 = now();
        uint64_t s = run(n);
        double t = now() - t0;
        if (i > 0 && s != sum) {
            fprintf(stderr, "checksum changed between runs: %" PRIu64 " then %" PRIu64 "\n", sum, s);
            return 1;
        }
        sum = s;
        if (i == 0 || t < best)
            best = t;
    }
    printf("checksum=%" PRIu64 " best=%.6f\n", sum, best);
    return 0;
}
