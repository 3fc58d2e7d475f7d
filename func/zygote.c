/*
 * zygote: set-up in FAASM_ZYGOTE(), which the runtime runs once before it
 * snapshots the module; every call restored from the snapshot starts with
 * the table already built.
 *
 * Output: "zygote: table ready, sum 332833500"; returns 0 (1 if the zygote
 * did not run).
 */
#include <stdio.h>
#include <string.h>

#include "faasm/faasm.h"

#define N 1000
static int squares[N];
static int ready;

FAASM_ZYGOTE() {
    for (int i = 0; i < N; i++)
        squares[i] = i * i;
    ready = 1;
    return 0;
}

int main(int argc, char *argv[]) {
    char msg[64];
    if (!ready) {
        snprintf(msg, sizeof msg, "zygote: _faasm_zygote did not run");
        faasmSetOutput(msg, (long)strlen(msg));
        return 1;
    }
    long long sum = 0;
    for (int i = 0; i < N; i++)
        sum += squares[i];
    snprintf(msg, sizeof msg, "zygote: table ready, sum %lld", sum);
    faasmSetOutput(msg, (long)strlen(msg));
    return 0;
}
