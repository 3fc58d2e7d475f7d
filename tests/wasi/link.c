// path_link: a hard link shares the file (nlink 2, writes seen by both);
// linking onto an existing name is EEXIST; directories cannot be linked.
#include "t.h"
#include <unistd.h>

int main(void) {
    CHECK_EQ(__wasi_path_link(SB, 0, "hello.txt", SB, "hard.txt"), 0);
    __wasi_filestat_t a, b;
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "hello.txt", &a), 0);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "hard.txt", &b), 0);
    CHECK_EQ(a.nlink, 2);
    CHECK_EQ(a.ino, b.ino);
    FILE *f = fopen("/sb/hard.txt", "a");
    fputs("more\n", f);
    fclose(f);
    char buf[64];
    CHECK_EQ(slurp("/sb/hello.txt", buf, sizeof buf), 17);
    printf("%s", buf);
    CHECK_EQ(__wasi_path_link(SB, 0, "hello.txt", SB, "sub/inner.txt"), __WASI_ERRNO_EXIST);
    CHECK_EQ(__wasi_path_link(SB, 0, "missing", SB, "x"), __WASI_ERRNO_NOENT);
    CHECK(__wasi_path_link(SB, 0, "sub", SB, "sub2") == __WASI_ERRNO_PERM);
    CHECK(link("/sb/sub/inner.txt", "/sb/inner2.txt") == 0);
    return 0;
}
