// proc_raise: a Faaslet has no signals.  Preview1 leaves the call to the
// host; faaslet answers ENOSYS and the guest goes on.
// NODE: skip uvwasi raises the signal in the Node process itself and answers 0
#include "t.h"

int main(void) {
    CHECK_EQ(raw_proc_raise(10 /* SIGUSR1 */), __WASI_ERRNO_NOSYS);
    CHECK_EQ(raw_proc_raise(6 /* SIGABRT */), __WASI_ERRNO_NOSYS);
    printf("still here\n");
    return 0;
}
