// proc_exit ends the program at once with its status; output written
// before it is kept.
// EXIT: 42
#include "t.h"

int main(void) {
    printf("before exit\n");
    fflush(stdout);
    __wasi_proc_exit(42);
    printf("never\n");
    return 0;
}
