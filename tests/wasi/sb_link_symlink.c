// Sandbox: hard-linking an escaping symlink (without follow) copies the link,
// not its target; following the copy is refused just the same.  Moving the
// link deeper or shallower does not help either.
#include "t.h"

int main(void) {
    __wasi_fd_t fd;
    __wasi_filestat_t st;
    CHECK_EQ(__wasi_path_link(SB, 0, "link_out", SB, "copy"), 0);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "copy", &st), 0);
    CHECK_EQ(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
    CHECK_EQ(open_at(SB, "copy", 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd), __WASI_ERRNO_NOTCAPABLE);
    /* In sub/, "../outside/secret.txt" means sb/outside/..., which does not exist. */
    CHECK_EQ(__wasi_path_rename(SB, "copy", SB, "sub/copy"), 0);
    CHECK_EQ(open_at(SB, "sub/copy", 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd), __WASI_ERRNO_NOENT);
    /* Moved back up, it escapes again and is refused again. */
    CHECK_EQ(__wasi_path_rename(SB, "sub/copy", SB, "copy2"), 0);
    CHECK_EQ(open_at(SB, "copy2", 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd), __WASI_ERRNO_NOTCAPABLE);
    printf("link copies refused\n");
    return 0;
}
