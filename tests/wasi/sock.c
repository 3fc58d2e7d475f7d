// The sock_* calls on fds that are not sockets: ENOTSOCK; on closed fds: EBADF.
// NODE: skip uvwasi answers ENOTCAPABLE (stdio lacks the sock rights) where faaslet says ENOTSOCK
#include "t.h"

int main(void) {
    __wasi_fd_t out;
    __wasi_size_t n;
    __wasi_roflags_t rof;
    uint8_t byte;
    __wasi_iovec_t iov = {&byte, 1};
    __wasi_ciovec_t ciov = {&byte, 1};
    CHECK_EQ(__wasi_sock_accept(1, 0, &out), __WASI_ERRNO_NOTSOCK);
    CHECK_EQ(__wasi_sock_recv(0, &iov, 1, 0, &n, &rof), __WASI_ERRNO_NOTSOCK);
    CHECK_EQ(__wasi_sock_send(1, &ciov, 1, 0, &n), __WASI_ERRNO_NOTSOCK);
    CHECK_EQ(__wasi_sock_shutdown(SB, __WASI_SDFLAGS_WR), __WASI_ERRNO_NOTSOCK);
    CHECK_EQ(__wasi_sock_accept(999, 0, &out), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_sock_shutdown(999, __WASI_SDFLAGS_RD), __WASI_ERRNO_BADF);
    printf("no sockets\n");
    return 0;
}
