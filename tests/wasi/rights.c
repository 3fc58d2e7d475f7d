// Rights: fd_fdstat_set_rights only takes rights away; a call without its
// right is ENOTCAPABLE; path_open cannot ask for more than the directory
// passes on.
#include "t.h"

int main(void) {
    __wasi_fd_t fd;
    CHECK_EQ(open_at(SB, "hello.txt", 0, 0, &fd), 0);
    __wasi_fdstat_t st;
    CHECK_EQ(__wasi_fd_fdstat_get(fd, &st), 0);
    __wasi_rights_t base = st.fs_rights_base;
    CHECK_EQ(__wasi_fd_fdstat_set_rights(fd, base & ~__WASI_RIGHTS_FD_WRITE, 0), 0);
    __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
    __wasi_size_t n;
    CHECK_EQ(__wasi_fd_write(fd, &iov, 1, &n), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_fd_fdstat_set_rights(fd, base, 0), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ, 0), 0);
    __wasi_filesize_t pos;
    CHECK_EQ(__wasi_fd_seek(fd, 1, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_NOTCAPABLE);
    char c;
    __wasi_iovec_t r = {(uint8_t *)&c, 1};
    CHECK_EQ(__wasi_fd_read(fd, &r, 1, &n), 0);
    CHECK_EQ(c, 'h');
    /* A directory that may only open read-only files. */
    __wasi_fd_t dir, f2;
    CHECK_EQ(__wasi_path_open(SB, 0, "sub", __WASI_OFLAGS_DIRECTORY,
                              __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR,
                              __WASI_RIGHTS_FD_READ, 0, &dir), 0);
    CHECK_EQ(__wasi_path_open(dir, 0, "inner.txt", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE,
                              0, 0, &f2), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_open(dir, 0, "inner.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f2), 0);
    CHECK_EQ(__wasi_path_create_directory(dir, "new"), __WASI_ERRNO_NOTCAPABLE);
    printf("rights ok\n");
    return 0;
}
