// Sandbox: a read-only preopen refuses every change (ENOTCAPABLE: the
// rights are gone) and its file stays as it was.
// NODE: skip Node has no read-only preopens
#include "t.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    __wasi_fd_t fd;
    const __wasi_rights_t rd = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK;
    CHECK_EQ(__wasi_path_open(RO, 0, "readme.txt", 0, rd | __WASI_RIGHTS_FD_WRITE, 0, 0, &fd),
             __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_open(RO, 0, "new.txt", __WASI_OFLAGS_CREAT, rd, 0, 0, &fd),
             __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_open(RO, 0, "readme.txt", __WASI_OFLAGS_TRUNC, rd, 0, 0, &fd),
             __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_create_directory(RO, "d"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_unlink_file(RO, "readme.txt"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_rename(RO, "readme.txt", RO, "x"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_rename(SB, "hello.txt", RO, "x"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_symlink("readme.txt", RO, "l"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_link(RO, 0, "readme.txt", SB, "l"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_filestat_set_times(RO, 0, "readme.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
             __WASI_ERRNO_NOTCAPABLE);
    /* A file opened for reading there cannot be written, resized or retimed. */
    CHECK_EQ(__wasi_path_open(RO, 0, "readme.txt", 0, rd, 0, 0, &fd), 0);
    __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
    __wasi_size_t n;
    CHECK_EQ(__wasi_fd_write(fd, &iov, 1, &n), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_fd_filestat_set_size(fd, 0), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_fd_allocate(fd, 0, 100), __WASI_ERRNO_NOTCAPABLE);
    /* libc's view: open for writing fails. */
    /* wasi-libc asks only for the rights the directory passes on, so this
     * open succeeds read-only, and the write is what fails. */
    int wfd = open("/ro/readme.txt", O_WRONLY);
    if (wfd >= 0)
        CHECK(write(wfd, "x", 1) == -1);
    CHECK(fopen("/ro/readme.txt", "w") == NULL);
    CHECK(fopen("/ro/other.txt", "a") == NULL);
    CHECK(mkdir("/ro/dd", 0755) == -1);
    CHECK(unlink("/ro/readme.txt") == -1);
    char buf[32];
    CHECK_EQ(slurp("/ro/readme.txt", buf, sizeof buf), 10);
    printf("read only held: %s", buf);
    return 0;
}
