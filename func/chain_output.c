/*
 * chain_output: two chained functions of this module set different
 * outputs; main collects both with faasmAwaitCallOutput (Faasm's demo of
 * the same name).
 *
 * Output: "Chained outputs as expected"; returns 0.  On a mismatch the
 * output shows what arrived and main returns 1.
 */
#include <stdio.h>
#include <string.h>

#include "faasm/faasm.h"

static const char expect_a[] = "expected A";
static const char expect_b[] = "longer expected B";

int other_a(void) {
    faasmSetOutput(expect_a, (long)strlen(expect_a));
    return 0;
}

int other_b(void) {
    faasmSetOutput(expect_b, (long)strlen(expect_b));
    return 0;
}

/* True when a call returned 0 with exactly `want` as its output. */
static int got(unsigned int ret, const char *out, int len, const char *want) {
    return ret == 0 && out && len == (int)strlen(want) && !memcmp(out, want, (size_t)len);
}

int main(int argc, char *argv[]) {
    unsigned int id_a = faasmChain(other_a, NULL, 0);
    unsigned int id_b = faasmChain(other_b, NULL, 0);

    char *out_a = NULL, *out_b = NULL;
    int len_a = 0, len_b = 0;
    unsigned int ret_a = faasmAwaitCallOutput(id_a, &out_a, &len_a);
    unsigned int ret_b = faasmAwaitCallOutput(id_b, &out_b, &len_b);

    char msg[160];
    int ok = got(ret_a, out_a, len_a, expect_a) && got(ret_b, out_b, len_b, expect_b);
    if (ok)
        snprintf(msg, sizeof msg, "Chained outputs as expected");
    else
        snprintf(msg, sizeof msg, "Output mismatch: %u \"%.*s\", %u \"%.*s\"", ret_a,
                 out_a ? len_a : 0, out_a ? out_a : "", ret_b, out_b ? len_b : 0,
                 out_b ? out_b : "");
    faasmSetOutput(msg, (long)strlen(msg));
    return ok ? 0 : 1;
}
