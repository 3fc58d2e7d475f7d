// Sandbox: a symlinked directory that leads outside is refused as a middle
// component too, for every path call.
// NODE: skip uvwasi opens outside/secret.txt through the symlinked directory sub/link_esc (a sandbox escape)
#include "t.h"

int main(void) {
    __wasi_fd_t fd;
    __wasi_filestat_t st;
    CHECK_EQ(open_at(SB, "sub/link_esc/secret.txt", 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd),
             __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(open_at(SB, "sub/link_esc/secret.txt", 0, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(open_at(SB, "sub/link_esc/new.txt", __WASI_OFLAGS_CREAT, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "sub/link_esc/secret.txt", &st), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_create_directory(SB, "sub/link_esc/newdir"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_unlink_file(SB, "sub/link_esc/secret.txt"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_remove_directory(SB, "sub/link_esc/dir"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_symlink("x", SB, "sub/link_esc/planted"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_filestat_set_times(SB, 0, "sub/link_esc/secret.txt", 0, 0,
                                            __WASI_FSTFLAGS_MTIM_NOW), __WASI_ERRNO_NOTCAPABLE);
    printf("dir link refused\n");
    return 0;
}
