// fd_fdstat_set_flags turns APPEND on and off; writes follow it.
// NODE: skip uvwasi reports the raw host O_LARGEFILE bit (0x8000) in fs_flags, which is no WASI fdflag
#include "t.h"
#include <fcntl.h>
#include <unistd.h>

int main(void) {
    int fd = open("/sb/flags.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "12345", 5) == 5);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK_EQ(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND), 0);
    __wasi_fdstat_t st;
    CHECK_EQ(__wasi_fd_fdstat_get(fd, &st), 0);
    CHECK_EQ(st.fs_flags & __WASI_FDFLAGS_APPEND, __WASI_FDFLAGS_APPEND);
    CHECK(write(fd, "A", 1) == 1); /* lands at the end */
    CHECK_EQ(__wasi_fd_fdstat_set_flags(fd, 0), 0);
    CHECK_EQ(__wasi_fd_fdstat_get(fd, &st), 0);
    CHECK_EQ(st.fs_flags, 0);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(write(fd, "B", 1) == 1); /* overwrites the start */
    close(fd);
    char buf[16];
    slurp("/sb/flags.txt", buf, sizeof buf);
    printf("%s\n", buf);
    CHECK(strcmp(buf, "B2345A") == 0);
    return 0;
}
