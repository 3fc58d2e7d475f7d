// poll_oneoff on stdin with data waiting: ready to read, then read it.
// STDIN: ping\n
#include "t.h"
#include <unistd.h>

int main(void) {
    __wasi_subscription_t s[2] = {0};
    __wasi_event_t ev[2];
    __wasi_size_t n;
    s[0].userdata = 7;
    s[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    s[0].u.u.fd_read.file_descriptor = 0;
    s[1].userdata = 8;
    s[1].u.tag = __WASI_EVENTTYPE_CLOCK;
    s[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    s[1].u.u.clock.timeout = 10000000000ull;
    CHECK_EQ(__wasi_poll_oneoff(s, ev, 2, &n), 0);
    CHECK_EQ(n, 1);
    CHECK_EQ(ev[0].userdata, 7);
    CHECK_EQ(ev[0].error, 0);
    char buf[16];
    ssize_t r = read(0, buf, sizeof buf);
    CHECK_EQ(r, 5);
    printf("got %.4s\n", buf);
    return 0;
}
