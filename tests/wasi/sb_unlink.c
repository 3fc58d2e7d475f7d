// Sandbox: unlink and rmdir cannot remove anything outside.
// NODE: skip uvwasi normalizes `..` against the host path: rmdir("../sb") reaches the preopen itself (ENOTEMPTY instead of ENOTCAPABLE)
#include "t.h"

int main(void) {
    CHECK_EQ(__wasi_path_unlink_file(SB, "../outside/secret.txt"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_remove_directory(SB, "../outside/dir"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_remove_directory(SB, "../sb"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_unlink_file(SB, "sub/../../outside/secret.txt"), __WASI_ERRNO_NOTCAPABLE);
    printf("nothing removed\n");
    return 0;
}
