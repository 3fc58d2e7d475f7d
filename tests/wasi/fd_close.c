// fd_close frees the fd: using or closing it again is EBADF, and the next
// open may reuse it.
#include "t.h"
#include <fcntl.h>
#include <unistd.h>

int main(void) {
    int fd = open("/sb/hello.txt", O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(__wasi_fd_close(fd), 0);
    CHECK_EQ(__wasi_fd_close(fd), __WASI_ERRNO_BADF);
    char c;
    __wasi_iovec_t iov = {(uint8_t *)&c, 1};
    __wasi_size_t n;
    CHECK_EQ(__wasi_fd_read(fd, &iov, 1, &n), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_close(12345), __WASI_ERRNO_BADF);
    CHECK(close(fd) == -1 && errno == EBADF);
    int again = open("/sb/hello.txt", O_RDONLY);
    CHECK(again >= 0);
    CHECK(read(again, &c, 1) == 1 && c == 'h');
    close(again);
    printf("close ok\n");
    return 0;
}
