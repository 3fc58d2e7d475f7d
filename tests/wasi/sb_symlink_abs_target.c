// Sandbox: the guest may not make a symlink whose target leaves the preopen:
// an absolute target is EPERM (as wasmtime and Node answer), a relative one
// whose `..` climb above the preopen is ENOTCAPABLE (as Node answers); a
// host tool following either would leave the sandbox.  Nothing is made.
// (Links made beneath subdirectories: sb_symlink_escape.)
#include "t.h"

int main(void) {
    __wasi_filestat_t st;
    CHECK_EQ(__wasi_path_symlink("/etc/passwd", SB, "abs"), __WASI_ERRNO_PERM);
    CHECK_EQ(__wasi_path_symlink("/", SB, "root"), __WASI_ERRNO_PERM);
    CHECK_EQ(__wasi_path_symlink("../../x", SB, "rel"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_symlink("a/../../x", SB, "rel2"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_symlink("..", SB, "up"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_symlink("sub/../../x", SB, "rel3"), __WASI_ERRNO_NOTCAPABLE);
    const char *refused[] = {"abs", "root", "rel", "rel2", "up", "rel3"};
    for (int i = 0; i < 6; i++)
        CHECK_EQ(__wasi_path_filestat_get(SB, 0, refused[i], &st), __WASI_ERRNO_NOENT);
    /* targets that stay inside are made, dangling or not */
    CHECK_EQ(__wasi_path_symlink("sub/../hello.txt", SB, "ok1"), 0);
    CHECK_EQ(__wasi_path_symlink("./x", SB, "ok2"), 0);
    CHECK_EQ(__wasi_path_symlink("x/..", SB, "ok3"), 0);
    char buf[64];
    CHECK_EQ(slurp("/sb/ok1", buf, sizeof buf), 12);
    printf("escaping targets refused: %s", buf);
    return 0;
}
