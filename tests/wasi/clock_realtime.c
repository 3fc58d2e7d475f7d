// clock_time_get / clock_res_get on the realtime clock, and time().
#include "t.h"
#include <time.h>

int main(void) {
    __wasi_timestamp_t t, res;
    CHECK_EQ(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t), 0);
    CHECK(t > 1600000000ull * 1000000000ull);           /* after 2020 */
    CHECK(t < 4102444800ull * 1000000000ull);           /* before 2100 */
    CHECK_EQ(__wasi_clock_res_get(__WASI_CLOCKID_REALTIME, &res), 0);
    CHECK(res > 0 && res <= 1000000000ull);
    time_t now = time(NULL);
    CHECK(now >= (time_t)(t / 1000000000ull) && now <= (time_t)(t / 1000000000ull) + 5);
    printf("realtime ok\n");
    return 0;
}
