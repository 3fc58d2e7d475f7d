// Sandbox: times and sizes of outside files cannot be changed through a
// symlink (the runner checks outside's mtimes and ctimes afterwards).
#include "t.h"

int main(void) {
    CHECK_EQ(__wasi_path_filestat_set_times(SB, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link_out", 0, 0,
                                            __WASI_FSTFLAGS_MTIM_NOW | __WASI_FSTFLAGS_ATIM_NOW),
             __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_filestat_set_times(SB, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link_abs", 0, 0,
                                            __WASI_FSTFLAGS_MTIM_NOW), __WASI_ERRNO_NOTCAPABLE);
    __wasi_fd_t fd;
    CHECK_EQ(open_at(SB, "link_out", __WASI_OFLAGS_TRUNC, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd),
             __WASI_ERRNO_NOTCAPABLE);
    /* No follow: the link's own times change, which is allowed. */
    CHECK_EQ(__wasi_path_filestat_set_times(SB, 0, "link_out", 0, 0, __WASI_FSTFLAGS_MTIM_NOW), 0);
    printf("outside times kept\n");
    return 0;
}
