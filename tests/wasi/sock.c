// The sock_* calls (wasi-libc's imports: sock_accept(fd, flags, *fd),
// sock_recv(fd, iovs, n, riflags, *len, *roflags), sock_send(fd, iovs, n,
// siflags, *len), sock_shutdown(fd, how)): a Faaslet has no sockets, so on
// any open fd (stdio, a preopen, a file, a directory) they answer ENOTSOCK
// and on a closed or never-opened one EBADF, as wasmtime's preview1 does.
// NODE: skip uvwasi answers ENOTCAPABLE (stdio lacks the sock rights) where faaslet says ENOTSOCK
#include "t.h"

static void each(__wasi_fd_t fd, __wasi_errno_t want) {
    __wasi_fd_t out;
    __wasi_size_t n;
    __wasi_roflags_t rof;
    uint8_t byte;
    __wasi_iovec_t iov = {&byte, 1};
    __wasi_ciovec_t ciov = {&byte, 1};
    CHECK_EQ(__wasi_sock_accept(fd, 0, &out), want);
    CHECK_EQ(__wasi_sock_recv(fd, &iov, 1, 0, &n, &rof), want);
    CHECK_EQ(__wasi_sock_send(fd, &ciov, 1, 0, &n), want);
    CHECK_EQ(__wasi_sock_shutdown(fd, __WASI_SDFLAGS_WR), want);
}

int main(void) {
    __wasi_fd_t f, d;
    for (__wasi_fd_t fd = 0; fd <= RO; fd++)
        each(fd, __WASI_ERRNO_NOTSOCK);
    CHECK_EQ(open_at(SB, "hello.txt", 0, 0, &f), 0);
    each(f, __WASI_ERRNO_NOTSOCK);
    CHECK_EQ(open_dir(SB, "sub", &d), 0);
    each(d, __WASI_ERRNO_NOTSOCK);
    CHECK_EQ(__wasi_fd_close(f), 0);
    each(f, __WASI_ERRNO_BADF);
    each(999, __WASI_ERRNO_BADF);
    each(0xffffffffu, __WASI_ERRNO_BADF);
    printf("no sockets\n");
    return 0;
}
