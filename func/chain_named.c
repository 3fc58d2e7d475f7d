/*
 * chain_named: chains another function of the same user by name: `echo`
 * (func/echo.c, uploaded as USER/echo) with a binary input, and checks
 * through faasmAwaitCallOutput that the echo came back unchanged.
 *
 * Output: "chain_named: echo returned 0 and echoed 10 bytes"; returns 0.
 * Otherwise the output says what differed and main returns 1.
 */
#include <stdio.h>
#include <string.h>

#include "faasm/faasm.h"

int main(int argc, char *argv[]) {
    static const unsigned char input[] = "echo\0me\0\xff\x01";
    const long len = sizeof input - 1;

    unsigned int id = faasmChainNamed("echo", input, len);
    char *out = NULL;
    int out_len = 0;
    unsigned int ret = faasmAwaitCallOutput(id, &out, &out_len);

    char msg[96];
    int ok = ret == 0 && out && out_len == len && !memcmp(out, input, (size_t)len);
    if (ok)
        snprintf(msg, sizeof msg, "chain_named: echo returned 0 and echoed %d bytes", out_len);
    else
        snprintf(msg, sizeof msg, "chain_named: echo returned %u with %d bytes, expected %ld",
                 ret, out_len, len);
    faasmSetOutput(msg, (long)strlen(msg));
    return ok ? 0 : 1;
}
