// fd_sync and fd_datasync on a written file; fsync via libc too.
#include "t.h"
#include <fcntl.h>
#include <unistd.h>

int main(void) {
    int fd = open("/sb/synced.txt", O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "durable\n", 8) == 8);
    CHECK_EQ(__wasi_fd_datasync(fd), 0);
    CHECK_EQ(__wasi_fd_sync(fd), 0);
    CHECK(fsync(fd) == 0);
    CHECK(fdatasync(fd) == 0);
    close(fd);
    CHECK_EQ(__wasi_fd_sync(fd), __WASI_ERRNO_BADF);
    printf("synced\n");
    return 0;
}
