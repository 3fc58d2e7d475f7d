// sched_yield succeeds.
#include "t.h"
#include <sched.h>

int main(void) {
    for (int i = 0; i < 100; i++)
        CHECK_EQ(__wasi_sched_yield(), 0);
    CHECK_EQ(sched_yield(), 0);
    printf("yielded\n");
    return 0;
}
