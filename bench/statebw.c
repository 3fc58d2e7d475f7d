/* bench/statebw.c: global state bandwidth (make bench-cluster).  Input N:
 * writes a 1 MiB value and pushes it, then pulls it back, N times; outputs
 * the milliseconds that took. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "faasm/faasm.h"

#define SIZE (1 << 20)

static long long now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char *argv[]) {
    char in[16] = "";
    long len = faasmGetInputSize();
    if (len > 0 && len < (long)sizeof in)
        faasmGetInput((unsigned char *)in, len);
    int n = atoi(in);
    static unsigned char value[SIZE];
    long long t0 = now_us();
    for (int i = 0; i < n; i++) {
        memset(value, i, SIZE);
        faasmWriteState("bw", value, SIZE);
        faasmPushState("bw");
        faasmPullState("bw", SIZE);
    }
    char out[32];
    snprintf(out, sizeof out, "%.3f", (now_us() - t0) / 1000.0);
    faasmSetOutput(out, (long)strlen(out));
    return 0;
}
