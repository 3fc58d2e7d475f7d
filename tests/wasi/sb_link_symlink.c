// Sandbox: hard-linking a symlink (without follow) makes another name for
// the link itself, so it is refused where the link would point outside: a
// copy of the host's link_out (-> ../outside/secret.txt) at the top,
// sub/link_up (-> ../hello.txt) at the top.  Linked to where it points
// inside, it is made: link_out's copy in sub/ names sb/outside/secret.txt.
// NODE: skip uvwasi hard-links link_out (an escaping symlink) anew
#include "t.h"

int main(void) {
    __wasi_fd_t fd;
    __wasi_filestat_t st;
    CHECK_EQ(__wasi_path_link(SB, 0, "link_out", SB, "copy"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_link(SB, 0, "link_out", SB, "sub/out"), 0);
    CHECK_EQ(open_at(SB, "sub/out", 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd), __WASI_ERRNO_NOENT);
    CHECK_EQ(__wasi_path_link(SB, 0, "sub/link_up", SB, "copy"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "copy", &st), __WASI_ERRNO_NOENT);
    CHECK_EQ(__wasi_path_link(SB, 0, "sub/link_up", SB, "sub/copy"), 0);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "sub/copy", &st), 0);
    CHECK_EQ(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
    CHECK_EQ(open_at(SB, "sub/copy", 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd), 0);
    /* the host's escaping link is never followed, whatever it is called */
    CHECK_EQ(open_at(SB, "link_out", 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd), __WASI_ERRNO_NOTCAPABLE);
    printf("link copies refused\n");
    return 0;
}
