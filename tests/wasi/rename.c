// path_rename: files, over an existing file, directories, between two
// directory fds, and the errors.
#include "t.h"
#include <sys/stat.h>

int main(void) {
    CHECK(rename("/sb/hello.txt", "/sb/greeting.txt") == 0);
    CHECK_EQ(__wasi_path_rename(SB, "greeting.txt", SB, "sub/inner.txt"), 0); /* replaces */
    CHECK_EQ(__wasi_path_rename(SB, "sub", SB, "moved"), 0);
    __wasi_fd_t moved;
    CHECK_EQ(open_dir(SB, "moved", &moved), 0);
    CHECK_EQ(__wasi_path_rename(moved, "inner.txt", SB, "back.txt"), 0);
    CHECK_EQ(__wasi_path_rename(SB, "missing", SB, "x"), __WASI_ERRNO_NOENT);
    CHECK(mkdir("/sb/full", 0755) == 0);
    fclose(fopen("/sb/full/f", "w"));
    CHECK(mkdir("/sb/empty", 0755) == 0);
    CHECK_EQ(__wasi_path_rename(SB, "empty", SB, "full"), __WASI_ERRNO_NOTEMPTY);
    CHECK_EQ(__wasi_path_rename(SB, "back.txt", SB, "full"), __WASI_ERRNO_ISDIR);
    char buf[32];
    CHECK_EQ(slurp("/sb/back.txt", buf, sizeof buf), 12);
    printf("back.txt: %s", buf);
    return 0;
}
