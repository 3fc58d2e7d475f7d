// fd_seek with each whence, fd_tell, seeking past the end, and the errors.
#include "t.h"

int main(void) {
    __wasi_fd_t fd;
    CHECK_EQ(open_at(SB, "seek.bin", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0, &fd), 0);
    __wasi_ciovec_t iov = {(const uint8_t *)"0123456789", 10};
    __wasi_size_t n;
    __wasi_filesize_t pos;
    CHECK_EQ(__wasi_fd_write(fd, &iov, 1, &n), 0);
    CHECK_EQ(__wasi_fd_tell(fd, &pos), 0);
    CHECK_EQ(pos, 10);
    CHECK_EQ(__wasi_fd_seek(fd, 3, __WASI_WHENCE_SET, &pos), 0);
    CHECK_EQ(pos, 3);
    CHECK_EQ(__wasi_fd_seek(fd, 2, __WASI_WHENCE_CUR, &pos), 0);
    CHECK_EQ(pos, 5);
    CHECK_EQ(__wasi_fd_seek(fd, -1, __WASI_WHENCE_END, &pos), 0);
    CHECK_EQ(pos, 9);
    uint8_t c;
    __wasi_iovec_t r = {&c, 1};
    CHECK_EQ(__wasi_fd_read(fd, &r, 1, &n), 0);
    CHECK_EQ(c, '9');
    CHECK_EQ(__wasi_fd_seek(fd, -100, __WASI_WHENCE_CUR, &pos), __WASI_ERRNO_INVAL);
    CHECK_EQ(__wasi_fd_seek(fd, 0, 3, &pos), __WASI_ERRNO_INVAL);
    CHECK_EQ(__wasi_fd_seek(fd, 20, __WASI_WHENCE_SET, &pos), 0);
    CHECK_EQ(__wasi_fd_write(fd, &iov, 1, &n), 0); /* leaves a hole of zeros */
    CHECK_EQ(__wasi_fd_seek(fd, 0, __WASI_WHENCE_END, &pos), 0);
    CHECK_EQ(pos, 30);
    CHECK_EQ(__wasi_fd_seek(99, 0, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_close(fd), 0);
    printf("seek ok\n");
    return 0;
}
