// Sandbox: the private /tmp (fd 6) is a preopen like any other: `..` out of
// it, symlinks in it that would point out of it (relative or absolute),
// hard links and renames out of it are refused, and nothing outside is
// touched.
// NODE: skip Node has no read-only preopens: it renames /tmp/mine.txt into the runtime root
#include "t.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP 6

int main(void) {
    __wasi_fd_t fd;
    /* `..` from /tmp, with libc's paths and the raw calls */
    CHECK(fopen("/tmp/../etc/motd", "r") == NULL);
    CHECK(fopen("/tmp/../../outside/secret.txt", "r") == NULL);
    CHECK_EQ(open_at(TMP, "..", __WASI_OFLAGS_DIRECTORY, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(open_at(TMP, "../outside/secret.txt", 0, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_create_directory(TMP, "x"), 0);
    CHECK_EQ(open_at(TMP, "x/../../y", __WASI_OFLAGS_CREAT, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_create_directory(TMP, "../esc"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(open_at(TMP, "/etc/motd", 0, 0, &fd), __WASI_ERRNO_NOTCAPABLE);

    /* symlinks pointing out of /tmp (relative or absolute) are not made */
    CHECK_EQ(__wasi_path_symlink("..", TMP, "up"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_symlink("../../outside", TMP, "up2"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_symlink("x/../../etc", TMP, "up3"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_symlink("/etc/motd", TMP, "abs"), __WASI_ERRNO_PERM);
    CHECK(symlink("../outside", "/tmp/up4") == -1);
    CHECK_EQ(open_at(TMP, "up2/secret.txt", 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd),
             __WASI_ERRNO_NOENT);
    CHECK(fopen("/tmp/up2/secret.txt", "r") == NULL);
    CHECK(fopen("/tmp/up2/planted.txt", "w") == NULL);
    CHECK(mkdir("/tmp/up2/d", 0755) == -1);
    /* one that stays inside is made */
    CHECK_EQ(__wasi_path_symlink("x/../x", TMP, "in"), 0);

    /* hard links and renames out of /tmp into the sandbox's outside */
    FILE *f = fopen("/tmp/mine.txt", "w");
    CHECK(f != NULL);
    CHECK(fclose(f) == 0);
    CHECK_EQ(__wasi_path_link(TMP, 0, "mine.txt", TMP, "../linked.txt"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_rename(TMP, "mine.txt", TMP, "../mine.txt"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_rename(TMP, "mine.txt", TMP, "x/../../mine.txt"), __WASI_ERRNO_NOTCAPABLE);
    /* a rename into the read-only root is refused too */
    CHECK_EQ(__wasi_path_rename(TMP, "mine.txt", 5, "mine.txt"), __WASI_ERRNO_NOTCAPABLE);
    printf("tmp escapes refused\n");
    return 0;
}
