// poll_oneoff: no subscriptions is EINVAL; a closed fd is reported as an
// event carrying EBADF, not as the call's error.
// NODE: skip uvwasi drops the subscription's userdata from the EBADF event (reports 0)
#include "t.h"

int main(void) {
    __wasi_subscription_t s[2] = {0};
    __wasi_event_t ev[2];
    __wasi_size_t n = 77;
    CHECK_EQ(__wasi_poll_oneoff(s, ev, 0, &n), __WASI_ERRNO_INVAL);
    s[0].userdata = 5;
    s[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    s[0].u.u.fd_read.file_descriptor = 1234;
    CHECK_EQ(__wasi_poll_oneoff(s, ev, 1, &n), 0);
    CHECK_EQ(n, 1);
    CHECK_EQ(ev[0].userdata, 5);
    CHECK_EQ(ev[0].error, __WASI_ERRNO_BADF);
    CHECK_EQ(ev[0].type, __WASI_EVENTTYPE_FD_READ);
    printf("poll errors ok\n");
    return 0;
}
