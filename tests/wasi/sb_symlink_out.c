// Sandbox: a symlink to outside (relative or absolute) is never followed,
// neither by open nor by stat; the link itself can still be looked at.
// NODE: skip uvwasi opens link_out without SYMLINK_FOLLOW (preview1 leaves the final symlink unfollowed: ELOOP)
#include "t.h"

int main(void) {
    const char *links[] = {"link_out", "link_abs"};
    for (int i = 0; i < 2; i++) {
        __wasi_fd_t fd;
        __wasi_filestat_t st;
        CHECK_EQ(open_at(SB, links[i], 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd),
                 __WASI_ERRNO_NOTCAPABLE);
        CHECK_EQ(open_at(SB, links[i], __WASI_OFLAGS_TRUNC, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd),
                 __WASI_ERRNO_NOTCAPABLE);
        CHECK_EQ(__wasi_path_filestat_get(SB, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, links[i], &st),
                 __WASI_ERRNO_NOTCAPABLE);
        CHECK_EQ(__wasi_path_filestat_get(SB, 0, links[i], &st), 0);
        CHECK_EQ(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
        /* Without follow, opening a symlink is ELOOP. */
        CHECK_EQ(open_at(SB, links[i], 0, 0, &fd), __WASI_ERRNO_LOOP);
        printf("%s not followed\n", links[i]);
    }
    char buf[64];
    CHECK(slurp("/sb/link_out", buf, sizeof buf) == -1);
    return 0;
}
