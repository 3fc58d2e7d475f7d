/*
 * spread: main chains N calls of leaf() (this module, by function
 * pointer; input "N [D]", default 1000 and 0) and awaits every one; each
 * leaf spins 2 ms, chains a leaf of its own and awaits it while D > 0 (a
 * branch D calls deeper), and writes its number back.  On a cluster whose
 * host is full the leaves are handed to other hosts; the output shows each
 * came back.  With D > 0 the tree is N * (D + 1) + 1 calls, made on many
 * hosts: the tree's limits must hold across them.
 *
 * Output: "spread: N chained, N answered, N outputs right"; returns 0
 * when all were, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "faasm/faasm.h"

#define MAX_CALLS 5000

static long long now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* This call's input "I D" (D may be missing: 0).  0 or -1. */
static int read_args(int *i, int *d) {
    char in[32] = "";
    long len = faasmGetInputSize();
    if (len <= 0 || len >= (long)sizeof in)
        return -1;
    faasmGetInput((unsigned char *)in, len);
    *d = 0;
    return sscanf(in, "%d %d", i, d) >= 1 ? 0 : -1;
}

int leaf(void) {
    int i, d;
    if (read_args(&i, &d) < 0)
        return 1;
    long long end = now_us() + 2000;
    while (now_us() < end)
        ;
    int ret = 0;
    if (d > 0) {
        char arg[32];
        int k = snprintf(arg, sizeof arg, "%d %d", i, d - 1);
        ret = faasmAwaitCall(faasmChain(leaf, (const unsigned char *)arg, k));
    }
    char out[16];
    int k = snprintf(out, sizeof out, "%d", i);
    faasmSetOutput(out, k);
    return ret;
}

int main(int argc, char *argv[]) {
    static unsigned ids[MAX_CALLS];
    int n = 1000, depth = 0;
    if (read_args(&n, &depth) < 0 || n < 1 || n > MAX_CALLS)
        n = 1000;
    for (int i = 0; i < n; i++) {
        char arg[32];
        int k = snprintf(arg, sizeof arg, "%d %d", i, depth);
        ids[i] = faasmChain(leaf, (const unsigned char *)arg, k);
    }
    int answered = 0, right = 0;
    for (int i = 0; i < n; i++) {
        char *out = NULL, want[16];
        int out_len = 0;
        if (faasmAwaitCallOutput(ids[i], &out, &out_len) == 0)
            answered++;
        int k = snprintf(want, sizeof want, "%d", i);
        if (out && out_len == k && !memcmp(out, want, (size_t)k))
            right++;
        free(out);
    }
    char msg[96];
    snprintf(msg, sizeof msg, "spread: %d chained, %d answered, %d outputs right", n, answered,
             right);
    faasmSetOutput(msg, (long)strlen(msg));
    return answered == n && right == n ? 0 : 1;
}
