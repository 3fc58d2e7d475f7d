/*
 * pipe: writes to stdout until a write fails, for a reader that goes away
 * (tests/func/run.sh pipes it into `head -c 10`).  faaslet ignores SIGPIPE,
 * so the guest gets EPIPE instead of the process dying: it says so on
 * stderr and returns 7.  Any other ending returns 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
    static char block[65536];
    memset(block, 'x', sizeof block);
    for (int i = 0; i < 100000; i++) {
        if (write(1, block, sizeof block) < 0) {
            int e = errno;
            fprintf(stderr, "pipe: write failed: %s\n", e == EPIPE ? "EPIPE" : strerror(e));
            return e == EPIPE ? 7 : 1;
        }
    }
    fprintf(stderr, "pipe: never failed\n");
    return 1;
}
