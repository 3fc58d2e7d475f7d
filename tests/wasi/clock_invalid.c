// An unknown clock id is EINVAL for both calls; a bad result pointer is EFAULT.
#include "t.h"

int main(void) {
    __wasi_timestamp_t t;
    CHECK_EQ(__wasi_clock_time_get(4, 0, &t), __WASI_ERRNO_INVAL);
    CHECK_EQ(__wasi_clock_time_get(0xffffffffu, 0, &t), __WASI_ERRNO_INVAL);
    CHECK_EQ(__wasi_clock_res_get(77, &t), __WASI_ERRNO_INVAL);
    printf("invalid clocks refused\n");
    return 0;
}
