// Sandbox: closing or renumbering a preopen leaves no way back in, and a
// renumbered fd keeps its sandbox.
#include "t.h"

int main(void) {
    __wasi_fd_t sub, fd;
    CHECK_EQ(open_dir(SB, "sub", &sub), 0);
    /* A directory opened inside is a sandbox of its own: its `..` is refused. */
    CHECK_EQ(open_at(sub, "../hello.txt", 0, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(open_at(sub, "link_up", 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_fd_renumber(sub, RO), 0);
    CHECK_EQ(open_at(RO, "inner.txt", 0, 0, &fd), 0);
    CHECK_EQ(open_at(RO, "../hello.txt", 0, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_fd_close(SB), 0);
    CHECK_EQ(open_at(SB, "hello.txt", 0, 0, &fd), __WASI_ERRNO_BADF);
    printf("closed preopen\n");
    return 0;
}
