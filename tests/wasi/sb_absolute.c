// Sandbox: absolute paths handed to the host are refused (ENOTCAPABLE),
// for every kind of path call.
#include "t.h"

int main(void) {
    __wasi_fd_t fd;
    __wasi_filestat_t st;
    char buf[16];
    __wasi_size_t n;
    CHECK_EQ(open_at(SB, "/etc/passwd", 0, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(open_at(SB, "/", __WASI_OFLAGS_DIRECTORY, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(open_at(SB, "/tmp/escaped", __WASI_OFLAGS_CREAT, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "/etc", &st), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_create_directory(SB, "/tmp/escaped_dir"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_unlink_file(SB, "/tmp/nothing"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_readlink(SB, "/proc/self/exe", (uint8_t *)buf, sizeof buf, &n),
             __WASI_ERRNO_NOTCAPABLE);
    printf("absolute refused\n");
    return 0;
}
