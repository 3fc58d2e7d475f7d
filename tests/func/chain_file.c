/*
 * chain_file: a chained function (chain_ptr, entered at its table index)
 * writes a file in the preopened /tmp and main reads it back: the C
 * constructors (wasi-libc's preopen table) must have run in the chained
 * Faaslet too, and the chained function's stdio must be flushed when it
 * returns.  Stdout: "child wrote; main: child returned 0, file says
 * 'from child'"; returns the child's value.
 */
#include <stdio.h>
#include <string.h>

#include "faasm/faasm.h"

int child(void) {
    FILE *f = fopen("/tmp/x.txt", "w");
    if (!f) {
        printf("child: fopen failed\n");
        return 3;
    }
    fputs("from child", f);
    fclose(f);
    printf("child wrote; "); /* no newline, no fflush: the runtime must flush */
    return 0;
}

int main(int argc, char *argv[]) {
    unsigned id = faasmChain(child, NULL, 0);
    int r = faasmAwaitCall(id);
    char buf[32] = {0};
    FILE *f = fopen("/tmp/x.txt", "r");
    if (f) {
        fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
    }
    printf("main: child returned %d, file says '%s'\n", r, buf);
    return r;
}
