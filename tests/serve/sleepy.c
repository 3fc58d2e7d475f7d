/*
 * sleepy: spins for the number of milliseconds its input says (a decimal
 * number; default 0), then outputs "slept N".  The server tests use it for
 * calls that are in flight while something else happens.
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
    long ms = atol(in);
    long long end = now_ms() + ms;
    while (now_ms() < end)
        ;
    char out[48];
    snprintf(out, sizeof out, "slept %ld", ms);
    faasmSetOutput(out, (long)strlen(out));
    return 0;
}
