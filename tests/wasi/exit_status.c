// Returning from main is proc_exit(status) in wasi-libc; atexit handlers run.
// EXIT: 3
#include "t.h"

static void bye(void) { printf("atexit ran\n"); }

int main(void) {
    atexit(bye);
    printf("returning 3\n");
    return 3;
}
