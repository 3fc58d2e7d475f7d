// Sandbox: `..` chains above the preopen are refused with ENOTCAPABLE, however
// they are spelled, for opening and for stat.
// NODE: skip uvwasi normalizes `..` against the host path, so "../sb/hello.txt" (the preopen seen from its parent) is let through
#include "t.h"

static const char *paths[] = {
    "..", "../outside/secret.txt", "../../../../../../etc/passwd", "sub/../../outside/secret.txt",
    "sub/../sub/../..", "./../outside", "sub/./../../outside/secret.txt", "../sb/hello.txt",
};

int main(void) {
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        __wasi_fd_t fd;
        __wasi_filestat_t st;
        CHECK_EQ(open_at(SB, paths[i], 0, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
        CHECK_EQ(__wasi_path_filestat_get(SB, 0, paths[i], &st), __WASI_ERRNO_NOTCAPABLE);
        printf("refused %s\n", paths[i]);
    }
    /* `..` that stays inside is fine. */
    __wasi_fd_t fd;
    CHECK_EQ(open_at(SB, "sub/../hello.txt", 0, 0, &fd), 0);
    return 0;
}
