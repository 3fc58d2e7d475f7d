// Sandbox: depth does not confuse the accounting.  Forty directories down,
// forty `..` come back to the root and a forty-first is refused; a chain of
// 30 symlinks inside resolves, one of 50 ends in ELOOP.
#include "t.h"

int main(void) {
    char path[1024] = "";
    for (int i = 0; i < 40; i++) {
        strcat(path, i ? "/d" : "d");
        CHECK_EQ(__wasi_path_create_directory(SB, path), 0);
    }
    __wasi_fd_t deep, fd;
    CHECK_EQ(open_dir(SB, path, &deep), 0);
    char up[256] = "";
    for (int i = 0; i < 40; i++)
        strcat(up, "../");
    char p[300];
    snprintf(p, sizeof p, "%shello.txt", up);
    CHECK_EQ(open_at(deep, p, 0, 0, &fd), __WASI_ERRNO_NOTCAPABLE); /* deep is its own root */
    snprintf(p, sizeof p, "%s%s", path, "/");
    for (int i = 0; i < 40; i++)
        strcat(p, "../");
    strcat(p, "hello.txt");
    CHECK_EQ(open_at(SB, p, 0, 0, &fd), 0);
    CHECK_EQ(__wasi_fd_close(fd), 0);
    snprintf(p, sizeof p, "%s/%s../hello.txt", path, up); /* one `..` too many */
    CHECK_EQ(open_at(SB, p, 0, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
    /* Symlink chains: c0 -> hello.txt, c1 -> c0, ... */
    char name[16], target[16];
    CHECK_EQ(__wasi_path_symlink("hello.txt", SB, "c0"), 0);
    for (int i = 1; i < 50; i++) {
        snprintf(name, sizeof name, "c%d", i);
        snprintf(target, sizeof target, "c%d", i - 1);
        CHECK_EQ(__wasi_path_symlink(target, SB, name), 0);
    }
    CHECK_EQ(open_at(SB, "c29", 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd), 0);
    CHECK_EQ(open_at(SB, "c49", 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd), __WASI_ERRNO_LOOP);
    printf("depth ok\n");
    return 0;
}
