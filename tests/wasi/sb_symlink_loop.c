// Sandbox: symlink loops end in ELOOP, not a hang; so does a long chain.
#include "t.h"

int main(void) {
    __wasi_fd_t fd;
    __wasi_filestat_t st;
    CHECK_EQ(open_at(SB, "loop1", 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd), __WASI_ERRNO_LOOP);
    CHECK_EQ(open_at(SB, "loop1/x", 0, 0, &fd), __WASI_ERRNO_LOOP);
    CHECK_EQ(__wasi_path_filestat_get(SB, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "loop2", &st),
             __WASI_ERRNO_LOOP);
    CHECK_EQ(__wasi_path_symlink("self", SB, "self"), 0);
    CHECK_EQ(open_at(SB, "self", 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd), __WASI_ERRNO_LOOP);
    CHECK_EQ(__wasi_path_create_directory(SB, "self/x"), __WASI_ERRNO_LOOP);
    printf("loops stopped\n");
    return 0;
}
