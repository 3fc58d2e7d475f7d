/*
 * state_missing: every way of reading a key nobody wrote gives zeros of the
 * size asked for, never what the buffer held: faasmReadState,
 * faasmReadStateOffset, faasmReadStatePtr, faasmReadStateOffsetPtr, and a
 * pull of a key written here but never pushed.
 *
 * Output: "state_missing: 5 reads gave zeros"; returns 0.  Otherwise the
 * output names the read that did not, and main returns 1.
 */
#include <stdio.h>
#include <string.h>

#include "faasm/faasm.h"

#define LEN 64

static int finish(int rc, const char *msg) {
    faasmSetOutput(msg, (long)strlen(msg));
    return rc;
}

/* Whether buf[0..len) is all zero. */
static int zeros(const uint8_t *buf, long len) {
    for (long i = 0; i < len; i++)
        if (buf[i])
            return 0;
    return 1;
}

int main(int argc, char *argv[]) {
    uint8_t buf[LEN];

    memset(buf, 0xAA, sizeof buf);
    faasmReadState("missing_whole", buf, LEN);
    if (!zeros(buf, LEN))
        return finish(1, "state_missing: faasmReadState left old bytes");

    memset(buf, 0xAA, sizeof buf);
    faasmReadStateOffset("missing_offset", 128, 32, buf, LEN);
    if (!zeros(buf, LEN))
        return finish(1, "state_missing: faasmReadStateOffset left old bytes");

    uint8_t *p = faasmReadStatePtr("missing_ptr", LEN);
    if (!p || !zeros(p, LEN))
        return finish(1, "state_missing: faasmReadStatePtr is not zeros");

    p = faasmReadStateOffsetPtr("missing_offset_ptr", 4096, 100, LEN);
    if (!p || !zeros(p, LEN))
        return finish(1, "state_missing: faasmReadStateOffsetPtr is not zeros");

    /* written here, never pushed: a pull takes the global tier's (no) value */
    faasmWriteState("missing_pulled", (const uint8_t *)"local bytes", 11);
    faasmPullState("missing_pulled", LEN);
    memset(buf, 0xAA, sizeof buf);
    faasmReadState("missing_pulled", buf, LEN);
    if (!zeros(buf, LEN))
        return finish(1, "state_missing: a pull kept bytes nobody pushed");

    return finish(0, "state_missing: 5 reads gave zeros");
}
