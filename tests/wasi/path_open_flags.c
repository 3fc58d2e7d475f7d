// path_open's oflags: CREAT, EXCL, TRUNC, DIRECTORY, and the errors they give.
#include "t.h"

int main(void) {
    __wasi_fd_t fd;
    CHECK_EQ(open_at(SB, "missing.txt", 0, 0, &fd), __WASI_ERRNO_NOENT);
    CHECK_EQ(open_at(SB, "made.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0, &fd), 0);
    CHECK_EQ(__wasi_fd_close(fd), 0);
    CHECK_EQ(open_at(SB, "made.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0, &fd),
             __WASI_ERRNO_EXIST);
    CHECK_EQ(open_at(SB, "hello.txt", __WASI_OFLAGS_DIRECTORY, 0, &fd), __WASI_ERRNO_NOTDIR);
    CHECK_EQ(open_dir(SB, "sub", &fd), 0);
    __wasi_filestat_t st;
    CHECK_EQ(__wasi_fd_filestat_get(fd, &st), 0);
    CHECK_EQ(st.filetype, __WASI_FILETYPE_DIRECTORY);
    /* A directory fd opens paths too. */
    __wasi_fd_t inner;
    CHECK_EQ(open_at(fd, "inner.txt", 0, 0, &inner), 0);
    CHECK_EQ(__wasi_fd_close(inner), 0);
    CHECK_EQ(__wasi_fd_close(fd), 0);
    CHECK_EQ(open_at(SB, "hello.txt", __WASI_OFLAGS_TRUNC, 0, &fd), 0);
    CHECK_EQ(__wasi_fd_filestat_get(fd, &st), 0);
    CHECK_EQ(st.size, 0);
    CHECK_EQ(open_at(SB, "hello.txt/x", 0, 0, &fd), __WASI_ERRNO_NOTDIR);
    CHECK_EQ(open_at(SB, "nodir/x", __WASI_OFLAGS_CREAT, 0, &fd), __WASI_ERRNO_NOENT);
    CHECK_EQ(open_at(99, "x", 0, 0, &fd), __WASI_ERRNO_BADF);
    printf("oflags ok\n");
    return 0;
}
