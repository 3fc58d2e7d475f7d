/*
 * state_persist_read: the reader half (see state_persist_write), run by a
 * later `faaslet run` process on the same store: what the writer pushed and
 * appended is there; what it never pushed is not.
 *
 * Output: "state_persist_read: WRITTEN by one process; one,two; 0";
 * returns 0 (the last figure is the size of the key never pushed).
 */
#include <stdio.h>
#include <string.h>

#include "faasm/faasm.h"

int main(int argc, char *argv[]) {
    char value[23] = {0}, list[8] = {0}, out[128];
    long n = faasmReadStateSize("persist_value");
    if (n != 22) {
        snprintf(out, sizeof out, "state_persist_read: size %ld, want 22", n);
        faasmSetOutput(out, (long)strlen(out));
        return 1;
    }
    faasmReadState("persist_value", (uint8_t *)value, 22);
    faasmReadAppendedState("persist_list", (uint8_t *)list, 7, 2);
    snprintf(out, sizeof out, "state_persist_read: %s; %s; %ld", value, list,
             (long)faasmReadStateSize("persist_unpushed"));
    faasmSetOutput(out, (long)strlen(out));
    return 0;
}
