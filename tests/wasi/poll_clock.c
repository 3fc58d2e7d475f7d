// poll_oneoff with clock subscriptions: a relative timeout sleeps at least
// that long; of two clocks the earlier fires.  usleep and nanosleep go
// through it too.  Node's libuv timers count whole milliseconds from a
// cached loop time and may fire up to ~1 ms early, so the durations here
// allow 2 ms; poll_clock_abs checks faaslet's exact answer.
#include "t.h"
#include <time.h>
#include <unistd.h>

static __wasi_timestamp_t now(void) {
    __wasi_timestamp_t t;
    CHECK_EQ(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t), 0);
    return t;
}

int main(void) {
    __wasi_subscription_t s[2] = {0};
    __wasi_event_t ev[2];
    __wasi_size_t n;
    s[0].userdata = 11;
    s[0].u.tag = __WASI_EVENTTYPE_CLOCK;
    s[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    s[0].u.u.clock.timeout = 30000000; /* 30 ms */
    s[1] = s[0];
    s[1].userdata = 22;
    s[1].u.u.clock.timeout = 5000000000ull; /* 5 s: must not be waited for */
    __wasi_timestamp_t t0 = now();
    CHECK_EQ(__wasi_poll_oneoff(s, ev, 2, &n), 0);
    __wasi_timestamp_t dt = now() - t0;
    CHECK_EQ(n, 1);
    CHECK_EQ(ev[0].userdata, 11);
    CHECK_EQ(ev[0].error, 0);
    CHECK_EQ(ev[0].type, __WASI_EVENTTYPE_CLOCK);
    CHECK(dt >= 28000000 && dt < 3000000000ull);

    t0 = now();
    usleep(20000);
    struct timespec ts = {0, 20000000};
    CHECK(nanosleep(&ts, NULL) == 0);
    CHECK(now() - t0 >= 36000000);
    printf("clocks fired\n");
    return 0;
}
