// Sandbox: a guest cannot plant a symlink that points outside (sb_symlink_escape),
// and creating through one the host left there (link_dangling -> ../outside/
// created.txt, which does not exist) or through a symlinked directory that
// leads out is refused: nothing appears outside.
// NODE: skip uvwasi follows sub/link_esc when creating beneath it
#include "t.h"

int main(void) {
    __wasi_fd_t fd;
    CHECK_EQ(__wasi_path_symlink("../outside/created.txt", SB, "plant"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_symlink("../../outside/dir", SB, "sub/plantdir"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(open_at(SB, "link_dangling", __WASI_OFLAGS_CREAT, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd),
             __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(open_at(SB, "sub/link_esc/x", __WASI_OFLAGS_CREAT, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_create_directory(SB, "sub/link_esc/y"), __WASI_ERRNO_NOTCAPABLE);
    /* Through libc as well. */
    CHECK(fopen("/sb/link_dangling", "w") == NULL);
    CHECK(fopen("/sb/sub/link_esc/z", "w") == NULL);
    printf("nothing created\n");
    return 0;
}
