// poll_oneoff with absolute clock subscriptions: one in the past fires at
// once, one 30 ms ahead fires after it (and not before), on the monotonic
// and on the realtime clock; relative timeouts never fire early.
// NODE: skip uvwasi never returns from poll_oneoff on an absolute monotonic deadline in the past
#include "t.h"

static __wasi_timestamp_t now(__wasi_clockid_t id) {
    __wasi_timestamp_t t;
    CHECK_EQ(__wasi_clock_time_get(id, 1, &t), 0);
    return t;
}

int main(void) {
    __wasi_clockid_t ids[2] = {__WASI_CLOCKID_MONOTONIC, __WASI_CLOCKID_REALTIME};
    for (int k = 0; k < 2; k++) {
        __wasi_subscription_t s = {0};
        __wasi_event_t ev;
        __wasi_size_t n;
        s.userdata = 100 + k;
        s.u.tag = __WASI_EVENTTYPE_CLOCK;
        s.u.u.clock.id = ids[k];
        s.u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
        s.u.u.clock.timeout = now(ids[k]) - 1000;
        CHECK_EQ(__wasi_poll_oneoff(&s, &ev, 1, &n), 0);
        CHECK_EQ(n, 1);
        CHECK_EQ(ev.userdata, 100 + k);
        __wasi_timestamp_t deadline = now(ids[k]) + 30000000;
        s.u.u.clock.timeout = deadline;
        CHECK_EQ(__wasi_poll_oneoff(&s, &ev, 1, &n), 0);
        CHECK_EQ(n, 1);
        CHECK_EQ(ev.error, 0);
        CHECK(now(ids[k]) >= deadline);
    }
    /* A relative timeout never fires early, not even by a microsecond. */
    for (int i = 0; i < 20; i++) {
        __wasi_subscription_t s = {0};
        __wasi_event_t ev;
        __wasi_size_t n;
        s.u.tag = __WASI_EVENTTYPE_CLOCK;
        s.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
        s.u.u.clock.timeout = 1500000 + 100000 * i;
        __wasi_timestamp_t t0 = now(__WASI_CLOCKID_MONOTONIC);
        CHECK_EQ(__wasi_poll_oneoff(&s, &ev, 1, &n), 0);
        CHECK(now(__WASI_CLOCKID_MONOTONIC) - t0 >= s.u.u.clock.timeout);
    }
    printf("absolute clocks fired\n");
    return 0;
}
