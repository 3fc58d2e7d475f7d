// The monotonic clock never goes back, and advances across a sleep.
#include "t.h"
#include <time.h>
#include <unistd.h>

int main(void) {
    __wasi_timestamp_t a, b, res;
    CHECK_EQ(__wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &res), 0);
    CHECK(res > 0);
    CHECK_EQ(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &a), 0);
    for (int i = 0; i < 1000; i++) {
        CHECK_EQ(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &b), 0);
        CHECK(b >= a);
        a = b;
    }
    usleep(10000);
    CHECK_EQ(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &b), 0);
    /* 2 ms of slack for node:wasi, whose timers fire up to ~1 ms early;
     * poll_clock_abs checks faaslet's exact answer. */
    CHECK(b - a >= 8000000ull);
    struct timespec ts;
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    printf("monotonic ok\n");
    return 0;
}
