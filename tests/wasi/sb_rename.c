// Sandbox: renames cannot move files out, nor bring outside files in,
// nor go through a symlinked directory.
// NODE: skip uvwasi renames through the symlinked directory sub/link_esc and moves hello.txt outside (a sandbox escape)
#include "t.h"

int main(void) {
    CHECK_EQ(__wasi_path_rename(SB, "hello.txt", SB, "../outside/moved.txt"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_rename(SB, "../outside/secret.txt", SB, "got.txt"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_rename(SB, "hello.txt", SB, "sub/link_esc/moved.txt"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_rename(SB, "sub", SB, "/tmp/sub"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_rename(SB, "sub/link_esc/secret.txt", SB, "x"), __WASI_ERRNO_NOTCAPABLE);
    /* A symlink that points out gets no new name either (sb_symlink_escape). */
    CHECK_EQ(__wasi_path_rename(SB, "link_out", SB, "link_out2"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_rename(SB, "link_in", SB, "link_in2"), 0);
    printf("renames refused\n");
    return 0;
}
