/*
 * state: the state API end to end on one key and one append-only key:
 * write, push, size, offset write, partial push, pull, read, offset read,
 * append, read appended, clear, and the read and write locks.
 *
 * Output: "state: all 7 checks passed"; returns 0.  Otherwise the output
 * names the first check that failed and main returns 1.
 */
#include <stdio.h>
#include <string.h>

#include "faasm/faasm.h"

#define KEY "state_demo"
#define APPEND_KEY "state_demo_log"

/* Sets the output to msg and returns rc. */
static int finish(int rc, const char *msg) {
    faasmSetOutput(msg, (long)strlen(msg));
    return rc;
}

int main(int argc, char *argv[]) {
    unsigned char buf[16];

    /* 1. A whole value, pushed to the global tier. */
    faasmWriteState(KEY, "0123456789", 10);
    faasmPushState(KEY);
    if (faasmReadStateSize(KEY) != 10)
        return finish(1, "state: size after write is not 10");

    /* 2. Two bytes at offset 2, then only the dirty chunk pushed. */
    faasmWriteStateOffset(KEY, 10, 2, "XY", 2);
    faasmFlagStateOffsetDirty(KEY, 10, 2, 2);
    faasmPushStatePartial(KEY);

    /* 3. Pull the global value back and read it whole. */
    faasmPullState(KEY, 10);
    memset(buf, 0, sizeof buf);
    faasmReadState(KEY, buf, 10);
    if (memcmp(buf, "01XY456789", 10))
        return finish(1, "state: whole read is not 01XY456789");

    /* 4. Three bytes from offset 4. */
    memset(buf, 0, sizeof buf);
    faasmReadStateOffset(KEY, 10, 4, buf, 3);
    if (memcmp(buf, "456", 3))
        return finish(1, "state: offset read is not 456");

    /* 5. Append-only state: three 4-byte elements. */
    faasmClearAppendedState(APPEND_KEY);
    faasmAppendState(APPEND_KEY, "aaaa", 4);
    faasmAppendState(APPEND_KEY, "bbbb", 4);
    faasmAppendState(APPEND_KEY, "cccc", 4);
    memset(buf, 0, sizeof buf);
    faasmReadAppendedState(APPEND_KEY, buf, 12, 3);
    if (memcmp(buf, "aaaabbbbcccc", 12))
        return finish(1, "state: appended elements are not aaaa bbbb cccc");

    /* 6. Cleared, nothing is left to read. */
    faasmClearAppendedState(APPEND_KEY);
    faasmAppendState(APPEND_KEY, "dddd", 4);
    memset(buf, 0, sizeof buf);
    faasmReadAppendedState(APPEND_KEY, buf, 4, 1);
    if (memcmp(buf, "dddd", 4))
        return finish(1, "state: append after clear is not dddd");

    /* 7. The locks: a write lock, then two read locks held together
     * (readers share).  A runtime that deadlocks here fails the call. */
    faasmLockStateWrite(KEY);
    faasmUnlockStateWrite(KEY);
    faasmLockStateRead(KEY);
    faasmLockStateRead(KEY);
    faasmUnlockStateRead(KEY);
    faasmUnlockStateRead(KEY);

    return finish(0, "state: all 7 checks passed");
}
