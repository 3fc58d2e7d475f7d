/* stack_overflow: unbounded recursion with 8 KiB frames overflows the
 * 4 MiB stack (faaslet cc puts it first): the call must fail saying so. */
#include <stdio.h>

static int depth(int n) {
    char frame[8192];
    snprintf(frame, sizeof frame, "%d", n);
    return depth(n + 1) + frame[n % 4];
}

int main(int argc, char *argv[]) {
    printf("%d\n", depth(argc));
    return 0;
}
