// The runtime root: every call sees it read-only at "/" (fd 5).  A guest
// reads files there, through libc's absolute paths and relative ones (its
// working directory is "/"), but cannot create, write, truncate, unlink,
// rename, link or make folders there (ENOTCAPABLE: the rights are gone);
// the root's files stay as they were.
// NODE: skip Node has no read-only preopens
#include "t.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROOT 5

int main(void) {
    char buf[64];
    __wasi_prestat_t ps;
    CHECK_EQ(__wasi_fd_prestat_get(ROOT, &ps), 0);
    CHECK_EQ(ps.u.dir.pr_name_len, 1);
    CHECK_EQ(__wasi_fd_prestat_dir_name(ROOT, (uint8_t *)buf, 1), 0);
    CHECK(buf[0] == '/');
    CHECK_EQ(slurp("/etc/motd", buf, sizeof buf), 13);
    printf("/etc/motd: %s", buf);
    CHECK_EQ(slurp("etc/motd", buf, sizeof buf), 13);

    /* libc's view */
    CHECK(fopen("/etc/motd", "w") == NULL);
    CHECK(fopen("/etc/motd", "a") == NULL);
    CHECK(fopen("/new.txt", "w") == NULL);
    CHECK(fopen("new.txt", "w") == NULL);
    CHECK(mkdir("/d", 0755) == -1);
    CHECK(unlink("/etc/motd") == -1);
    CHECK(rmdir("/etc") == -1);
    CHECK(rename("/etc/motd", "/etc/moved") == -1);
    CHECK(rename("/etc/motd", "/tmp/moved") == -1);
    CHECK(symlink("etc/motd", "/l") == -1);
    CHECK(link("/etc/motd", "/tmp/hard") == -1);
    CHECK(truncate("/etc/motd", 0) == -1);

    /* the calls themselves */
    __wasi_fd_t fd;
    const __wasi_rights_t rd = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK;
    CHECK_EQ(__wasi_path_open(ROOT, 0, "etc/motd", 0, rd | __WASI_RIGHTS_FD_WRITE, 0, 0, &fd),
             __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_open(ROOT, 0, "x", __WASI_OFLAGS_CREAT, rd, 0, 0, &fd),
             __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_open(ROOT, 0, "etc/motd", __WASI_OFLAGS_TRUNC, rd, 0, 0, &fd),
             __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_unlink_file(ROOT, "etc/motd"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_remove_directory(ROOT, "etc"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_create_directory(ROOT, "d"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_filestat_set_times(ROOT, 0, "etc/motd", 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
             __WASI_ERRNO_NOTCAPABLE);
    /* a file opened there for reading cannot be written */
    CHECK_EQ(__wasi_path_open(ROOT, 0, "etc/motd", 0, rd, 0, 0, &fd), 0);
    __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
    __wasi_size_t n;
    CHECK_EQ(__wasi_fd_write(fd, &iov, 1, &n), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_fd_filestat_set_size(fd, 0), __WASI_ERRNO_NOTCAPABLE);
    /* and nothing changed */
    CHECK_EQ(slurp("/etc/motd", buf, sizeof buf), 13);
    printf("root held\n");
    return 0;
}
