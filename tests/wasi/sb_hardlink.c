// Sandbox: hard links cannot reach outside files, neither by a `..` source,
// nor by a followed symlink, nor by a target outside.
// NODE: skip uvwasi follows the symlinked directory sub/link_esc in path_link and hard-links the outside file (a sandbox escape: outside/secret.txt gains a link)
#include "t.h"

int main(void) {
    CHECK_EQ(__wasi_path_link(SB, 0, "../outside/secret.txt", SB, "stolen"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_link(SB, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link_out", SB, "stolen"),
             __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_link(SB, 0, "sub/link_esc/secret.txt", SB, "stolen"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_link(SB, 0, "hello.txt", SB, "../outside/planted"), __WASI_ERRNO_NOTCAPABLE);
    __wasi_filestat_t st;
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "stolen", &st), __WASI_ERRNO_NOENT);
    printf("no hard links out\n");
    return 0;
}
