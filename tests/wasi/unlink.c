// path_unlink_file removes files and symlinks (not what they point at);
// directories are EISDIR.
#include "t.h"
#include <unistd.h>

int main(void) {
    CHECK_EQ(__wasi_path_unlink_file(SB, "hello.txt/"), __WASI_ERRNO_NOTDIR); /* a file is no dir */
    CHECK(unlink("/sb/hello.txt") == 0);
    CHECK(unlink("/sb/hello.txt") == -1 && errno == ENOENT);
    CHECK_EQ(__wasi_path_unlink_file(SB, "sub"), __WASI_ERRNO_ISDIR);
    CHECK_EQ(__wasi_path_unlink_file(SB, "sub/link_up"), 0); /* dangling now anyway */
    CHECK_EQ(__wasi_path_unlink_file(SB, "link_out"), 0);    /* the link, not outside's file */
    CHECK_EQ(__wasi_path_unlink_file(SB, "missing"), __WASI_ERRNO_NOENT);
    printf("unlinked\n");
    return 0;
}
