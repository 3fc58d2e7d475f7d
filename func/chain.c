/*
 * chain: chains two functions of this same module through function-table
 * pointers (Faasm's chain_ptr), each in its own Faaslet with its own input,
 * and awaits both.
 *
 * Each chained function checks the input it was given and returns 0 when it
 * is the expected one.  Output: "chain: both calls returned 0"; returns 0.
 * If a call fails the output names its return values and main returns 1.
 */
#include <stdio.h>
#include <string.h>

#include "faasm/faasm.h"

static const unsigned char input_a[] = {0, 1, 2, 3};
static const unsigned char input_b[] = {'b', 0, 'b'};

/* Returns 0 when this call's input is exactly want[0..len). */
static int input_is(const unsigned char *want, long len) {
    unsigned char got[16];
    if (faasmGetInputSize() != len)
        return 1;
    faasmGetInput(got, sizeof got);
    return memcmp(got, want, (size_t)len) ? 1 : 0;
}

int chained_a(void) {
    return input_is(input_a, sizeof input_a);
}

int chained_b(void) {
    return input_is(input_b, sizeof input_b);
}

int main(int argc, char *argv[]) {
    unsigned int id_a = faasmChain(chained_a, input_a, sizeof input_a);
    unsigned int id_b = faasmChain(chained_b, input_b, sizeof input_b);
    unsigned int ret_a = faasmAwaitCall(id_a);
    unsigned int ret_b = faasmAwaitCall(id_b);

    char out[80];
    if (ret_a == 0 && ret_b == 0)
        snprintf(out, sizeof out, "chain: both calls returned 0");
    else
        snprintf(out, sizeof out, "chain: calls returned %u and %u", ret_a, ret_b);
    faasmSetOutput(out, (long)strlen(out));
    return ret_a == 0 && ret_b == 0 ? 0 : 1;
}
