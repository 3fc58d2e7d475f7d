// poll_oneoff with fd subscriptions: a regular file is ready to read (with
// the bytes left) and to write, at once, even with a clock alongside.
// NODE: skip uvwasi polls through libuv, which cannot poll regular files, and answers EPERM
#include "t.h"

int main(void) {
    __wasi_fd_t fd;
    CHECK_EQ(open_at(SB, "hello.txt", 0, 0, &fd), 0);
    __wasi_subscription_t s[3] = {0};
    __wasi_event_t ev[3];
    __wasi_size_t n;
    s[0].userdata = 1;
    s[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    s[0].u.u.fd_read.file_descriptor = fd;
    s[1].userdata = 2;
    s[1].u.tag = __WASI_EVENTTYPE_FD_WRITE;
    s[1].u.u.fd_write.file_descriptor = fd;
    s[2].userdata = 3;
    s[2].u.tag = __WASI_EVENTTYPE_CLOCK;
    s[2].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    s[2].u.u.clock.timeout = 10000000000ull;
    CHECK_EQ(__wasi_poll_oneoff(s, ev, 3, &n), 0);
    CHECK_EQ(n, 2);
    int seen = 0;
    for (__wasi_size_t i = 0; i < n; i++) {
        CHECK_EQ(ev[i].error, 0);
        if (ev[i].userdata == 1) {
            CHECK_EQ(ev[i].type, __WASI_EVENTTYPE_FD_READ);
            CHECK_EQ(ev[i].fd_readwrite.nbytes, 12);
        } else {
            CHECK_EQ(ev[i].userdata, 2);
            CHECK_EQ(ev[i].type, __WASI_EVENTTYPE_FD_WRITE);
        }
        seen |= 1 << ev[i].userdata;
    }
    CHECK_EQ(seen, 6);
    printf("fds ready\n");
    return 0;
}
