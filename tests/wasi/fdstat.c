// fd_fdstat_get: file types of a directory, a regular file and flags
// given at open.
// NODE: skip uvwasi reports the raw host O_LARGEFILE bit (0x8000) in fs_flags, which is no WASI fdflag
#include "t.h"
#include <fcntl.h>
#include <unistd.h>

int main(void) {
    __wasi_fdstat_t st;
    CHECK_EQ(__wasi_fd_fdstat_get(SB, &st), 0);
    CHECK_EQ(st.fs_filetype, __WASI_FILETYPE_DIRECTORY);
    CHECK(st.fs_rights_base & __WASI_RIGHTS_PATH_OPEN);
    int fd = open("/sb/hello.txt", O_RDONLY);
    CHECK_EQ(__wasi_fd_fdstat_get(fd, &st), 0);
    CHECK_EQ(st.fs_filetype, __WASI_FILETYPE_REGULAR_FILE);
    CHECK_EQ(st.fs_flags, 0);
    CHECK(st.fs_rights_base & __WASI_RIGHTS_FD_READ);
    close(fd);
    fd = open("/sb/hello.txt", O_WRONLY | O_APPEND);
    CHECK_EQ(__wasi_fd_fdstat_get(fd, &st), 0);
    CHECK_EQ(st.fs_flags, __WASI_FDFLAGS_APPEND);
    CHECK(st.fs_rights_base & __WASI_RIGHTS_FD_WRITE);
    close(fd);
    CHECK_EQ(__wasi_fd_fdstat_get(99, &st), __WASI_ERRNO_BADF);
    printf("fdstat ok\n");
    return 0;
}
