// path_symlink and path_readlink: make, read (whole and cut short), use.
#include "t.h"
#include <unistd.h>

int main(void) {
    CHECK_EQ(__wasi_path_symlink("sub/inner.txt", SB, "to_inner"), 0);
    char buf[64];
    __wasi_size_t n;
    CHECK_EQ(__wasi_path_readlink(SB, "to_inner", (uint8_t *)buf, sizeof buf, &n), 0);
    CHECK_EQ(n, 13);
    printf("%.*s\n", (int)n, buf);
    CHECK_EQ(__wasi_path_readlink(SB, "hello.txt", (uint8_t *)buf, sizeof buf, &n), __WASI_ERRNO_INVAL);
    CHECK_EQ(__wasi_path_readlink(SB, "missing", (uint8_t *)buf, sizeof buf, &n), __WASI_ERRNO_NOENT);
    CHECK_EQ(__wasi_path_symlink("x", SB, "hello.txt"), __WASI_ERRNO_EXIST);
    CHECK_EQ(slurp("/sb/to_inner", buf, sizeof buf), 6);
    printf("through it: %s", buf);
    CHECK(symlink("dangling_target", "/sb/dangling") == 0);
    ssize_t r = readlink("/sb/dangling", buf, sizeof buf);
    CHECK_EQ(r, 15);
    CHECK(slurp("/sb/dangling", buf, sizeof buf) == -1 && errno == ENOENT);
    return 0;
}
