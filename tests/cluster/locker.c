/*
 * locker: holds the write lock of state key "lk".  Input "hold MS": takes
 * it, spins MS milliseconds, lets go, outputs "held".  Input "take": takes
 * it and outputs how many milliseconds that waited.  The cluster test runs
 * one on each of two hosts to see the lock hold across hosts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "faasm/faasm.h"

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char *argv[]) {
    char in[32] = "";
    long len = faasmGetInputSize();
    if (len > 0 && len < (long)sizeof in)
        faasmGetInput((unsigned char *)in, len);
    long long t0 = now_ms();
    faasmLockStateWrite("lk");
    long long waited = now_ms() - t0;
    if (!strncmp(in, "hold ", 5)) {
        long long end = now_ms() + atol(in + 5);
        while (now_ms() < end)
            ;
    }
    faasmUnlockStateWrite("lk");
    char out[32];
    if (!strncmp(in, "hold ", 5))
        snprintf(out, sizeof out, "held");
    else
        snprintf(out, sizeof out, "%lld", waited);
    faasmSetOutput(out, (long)strlen(out));
    return 0;
}
