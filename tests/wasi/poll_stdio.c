// poll_oneoff with write subscriptions on stdout and stderr (here files,
// as under wasi-testsuite's runner): both are ready at once, each event
// carries its subscription's userdata and type and no error; a clock
// that has also expired is reported with them, one that has not is not;
// nothing waits for the clock when an fd is ready.  An unknown event type
// is the call's EINVAL (wasmtime reads the subscription as an enum).
// NODE: skip uvwasi polls through libuv, which cannot poll regular files, and answers EPERM
#include "t.h"

static __wasi_timestamp_t now(void) {
    __wasi_timestamp_t t;
    CHECK_EQ(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t), 0);
    return t;
}

static void sub_write(__wasi_subscription_t *s, uint64_t ud, __wasi_fd_t fd) {
    s->userdata = ud;
    s->u.tag = __WASI_EVENTTYPE_FD_WRITE;
    s->u.u.fd_write.file_descriptor = fd;
}

static void sub_clock(__wasi_subscription_t *s, uint64_t ud, uint64_t ns) {
    s->userdata = ud;
    s->u.tag = __WASI_EVENTTYPE_CLOCK;
    s->u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    s->u.u.clock.timeout = ns;
}

int main(void) {
    __wasi_subscription_t s[4] = {0};
    __wasi_event_t ev[4];
    __wasi_size_t n = 99;
    sub_write(&s[0], 0x123456789ull, 1);
    sub_write(&s[1], 0x987654321ull, 2);
    sub_clock(&s[2], 7, 10000000000ull); /* 10 s: never waited for */
    __wasi_timestamp_t t0 = now();
    CHECK_EQ(__wasi_poll_oneoff(s, ev, 3, &n), 0);
    CHECK(now() - t0 < 2000000000ull);
    CHECK_EQ(n, 2);
    int seen = 0;
    for (__wasi_size_t i = 0; i < n; i++) {
        CHECK_EQ(ev[i].type, __WASI_EVENTTYPE_FD_WRITE);
        CHECK_EQ(ev[i].error, 0);
        if (ev[i].userdata == 0x123456789ull)
            seen |= 1;
        else if (ev[i].userdata == 0x987654321ull)
            seen |= 2;
        else
            CHECK(0);
    }
    CHECK_EQ(seen, 3);

    /* An expired clock comes with the ready fds. */
    sub_clock(&s[2], 8, 0);
    sub_clock(&s[3], 9, 10000000000ull);
    CHECK_EQ(__wasi_poll_oneoff(s, ev, 4, &n), 0);
    CHECK_EQ(n, 3);
    seen = 0;
    for (__wasi_size_t i = 0; i < n; i++) {
        CHECK_EQ(ev[i].error, 0);
        if (ev[i].userdata == 8) {
            CHECK_EQ(ev[i].type, __WASI_EVENTTYPE_CLOCK);
            seen |= 4;
        } else {
            CHECK_EQ(ev[i].type, __WASI_EVENTTYPE_FD_WRITE);
            seen |= ev[i].userdata == 0x123456789ull ? 1 : 2;
        }
    }
    CHECK_EQ(seen, 7);

    /* An unknown type: the call fails and reports nothing. */
    s[1].u.tag = 3;
    n = 99;
    CHECK_EQ(__wasi_poll_oneoff(s, ev, 2, &n), __WASI_ERRNO_INVAL);
    s[1].u.tag = 200;
    CHECK_EQ(__wasi_poll_oneoff(s, ev, 2, &n), __WASI_ERRNO_INVAL);
    printf("stdio writable\n");
    fflush(stdout);
    return 0;
}
