// fd_filestat_get: size, type, link count; fstat and stat through libc.
#include "t.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    __wasi_fd_t fd;
    __wasi_filestat_t st;
    CHECK_EQ(open_at(SB, "hello.txt", 0, 0, &fd), 0);
    CHECK_EQ(__wasi_fd_filestat_get(fd, &st), 0);
    CHECK_EQ(st.size, 12);
    CHECK_EQ(st.filetype, __WASI_FILETYPE_REGULAR_FILE);
    CHECK_EQ(st.nlink, 1);
    CHECK_EQ(st.mtim, 981173106ull * 1000000000ull); /* the fixture's 2001-02-03 04:05:06 UTC */
    CHECK_EQ(__wasi_fd_filestat_get(SB, &st), 0);
    CHECK_EQ(st.filetype, __WASI_FILETYPE_DIRECTORY);
    struct stat s;
    CHECK(stat("/sb/sub/inner.txt", &s) == 0);
    CHECK_EQ(s.st_size, 6);
    CHECK(S_ISREG(s.st_mode));
    CHECK(stat("/sb/sub", &s) == 0 && S_ISDIR(s.st_mode));
    printf("filestat ok\n");
    CHECK_EQ(__wasi_fd_close(fd), 0);
    return 0;
}
