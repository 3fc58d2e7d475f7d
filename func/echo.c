/*
 * echo: the output is the input, byte for byte (binary-safe: NUL bytes and
 * all).  With no input the output is "Nothing to echo", as in Faasm.
 * Returns 0 (1 if out of memory).
 */
#include <stdlib.h>
#include <string.h>

#include "faasm/faasm.h"

int main(int argc, char *argv[]) {
    long len = faasmGetInputSize();
    if (len <= 0) {
        const char *none = "Nothing to echo";
        faasmSetOutput(none, (long)strlen(none));
        return 0;
    }
    unsigned char *buf = malloc((size_t)len);
    if (!buf)
        return 1;
    long got = faasmGetInput(buf, len);
    faasmSetOutput(buf, got);
    free(buf);
    return 0;
}
