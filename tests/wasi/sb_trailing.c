// Sandbox: trailing slashes and `.` after an escaping symlinked directory
// still do not get through.
// NODE: skip uvwasi opens outside/ through "sub/link_esc/" (a sandbox escape)
#include "t.h"

int main(void) {
    __wasi_fd_t fd;
    __wasi_filestat_t st;
    CHECK_EQ(open_dir(SB, "sub/link_esc/", &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(open_dir(SB, "sub/link_esc/.", &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "sub/link_esc/", &st), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "sub/link_esc/..", &st), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_create_directory(SB, "sub/link_esc/dir/"), __WASI_ERRNO_NOTCAPABLE);
    printf("trailing refused\n");
    return 0;
}
