/* Chained inputs are copies the host holds until each chained call ends:
 * 64 MiB each, never awaited, must meet the call tree's memory cap. */
#include <faasm/faasm.h>
#include <stdio.h>
#include <stdlib.h>
static int child(void) { return 0; }
int main(void) {
    size_t len = 64 << 20;
    char *in = calloc(1, len);
    if (!in)
        return 9;
    for (int i = 0; i < 64; i++) {
        faasmChain(child, in, (long)len);
        printf("chained %d\n", i);
        fflush(stdout);
    }
    return 0;
}
