/*
 * fanout: main chains 100 calls of node() (this module, chain_ptr), each
 * with input "4"; node(n) chains node(n-1) and awaits it until n is 0, so
 * every branch is 5 calls deep (601 calls in all).  Each node returns its
 * depth below it plus one, so every branch returns 5.
 *
 * Output: "fanout: 100 calls, depth 5, sum 500"; returns 0 (1 otherwise).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faasm/faasm.h"

#define FANOUT 100

static int my_level(void) {
    char buf[16] = {0};
    long n = faasmGetInputSize();
    if (n <= 0 || n >= (long)sizeof buf)
        return -1;
    faasmGetInput((unsigned char *)buf, n);
    return atoi(buf);
}

int node(void) {
    int level = my_level();
    if (level < 0)
        return 100; /* bad input: shows in the sum */
    if (level == 0)
        return 1;
    char in[16];
    int n = snprintf(in, sizeof in, "%d", level - 1);
    unsigned id = faasmChain(node, (const unsigned char *)in, n);
    return faasmAwaitCall(id) + 1;
}

int main(int argc, char *argv[]) {
    unsigned ids[FANOUT];
    for (int i = 0; i < FANOUT; i++)
        ids[i] = faasmChain(node, (const unsigned char *)"4", 1);
    int sum = 0;
    for (int i = 0; i < FANOUT; i++)
        sum += faasmAwaitCall(ids[i]);
    char out[80];
    snprintf(out, sizeof out, "fanout: %d calls, depth 5, sum %d", FANOUT, sum);
    faasmSetOutput(out, (long)strlen(out));
    return sum == FANOUT * 5 ? 0 : 1;
}
