// Sandbox: the guest plants a dangling symlink pointing outside and then
// creates through it: refused, and nothing appears outside.
// NODE: skip uvwasi already refuses to create a symlink whose target leaves the preopen (ENOTCAPABLE), a stricter rule than preview1's
#include "t.h"

int main(void) {
    __wasi_fd_t fd;
    CHECK_EQ(__wasi_path_symlink("../outside/created.txt", SB, "plant"), 0);
    CHECK_EQ(open_at(SB, "plant", __WASI_OFLAGS_CREAT, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd),
             __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_symlink("../../outside/dir", SB, "sub/plantdir"), 0);
    CHECK_EQ(open_at(SB, "sub/plantdir/x", __WASI_OFLAGS_CREAT, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_create_directory(SB, "sub/plantdir/y"), __WASI_ERRNO_NOTCAPABLE);
    /* Through libc as well. */
    CHECK(fopen("/sb/plant", "w") == NULL);
    printf("nothing created\n");
    return 0;
}
