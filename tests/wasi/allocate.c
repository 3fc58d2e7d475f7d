// fd_allocate makes room: the size grows to offset + len, never shrinks.
#include "t.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    __wasi_fd_t fd;
    CHECK_EQ(open_at(SB, "alloc.bin", __WASI_OFLAGS_CREAT, 0, &fd), 0);
    CHECK_EQ(__wasi_fd_allocate(fd, 0, 4096), 0);
    __wasi_filestat_t st;
    CHECK_EQ(__wasi_fd_filestat_get(fd, &st), 0);
    CHECK_EQ(st.size, 4096);
    CHECK_EQ(__wasi_fd_allocate(fd, 100, 10), 0);
    CHECK_EQ(__wasi_fd_filestat_get(fd, &st), 0);
    CHECK_EQ(st.size, 4096);
    CHECK_EQ(__wasi_fd_allocate(fd, 8000, 192), 0);
    CHECK_EQ(__wasi_fd_filestat_get(fd, &st), 0);
    CHECK_EQ(st.size, 8192);
    CHECK_EQ(posix_fallocate(fd, 0, 9000), 0);
    printf("size %llu\n", (unsigned long long)st.size);
    return 0;
}
