// path_link with SYMLINK_FOLLOW links the target; without it, the link itself.
#include "t.h"

int main(void) {
    __wasi_filestat_t st;
    CHECK_EQ(__wasi_path_link(SB, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link_in", SB, "followed"), 0);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "followed", &st), 0);
    CHECK_EQ(st.filetype, __WASI_FILETYPE_REGULAR_FILE);
    CHECK_EQ(st.nlink, 2);
    CHECK_EQ(__wasi_path_link(SB, 0, "link_in", SB, "linkcopy"), 0);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "linkcopy", &st), 0);
    CHECK_EQ(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
    printf("link follow ok\n");
    return 0;
}
