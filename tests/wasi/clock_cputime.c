// Process and thread CPU-time clocks exist, have a resolution, and move
// while the guest computes.
#include "t.h"

static volatile uint64_t sink;

int main(void) {
    __wasi_clockid_t ids[2] = {__WASI_CLOCKID_PROCESS_CPUTIME_ID, __WASI_CLOCKID_THREAD_CPUTIME_ID};
    for (int k = 0; k < 2; k++) {
        __wasi_timestamp_t a, b, res;
        CHECK_EQ(__wasi_clock_res_get(ids[k], &res), 0);
        CHECK(res > 0);
        CHECK_EQ(__wasi_clock_time_get(ids[k], 0, &a), 0);
        for (uint64_t i = 0; i < 3000000; i++)
            sink += i * i;
        CHECK_EQ(__wasi_clock_time_get(ids[k], 0, &b), 0);
        CHECK(b > a);
    }
    printf("cputime ok\n");
    return 0;
}
