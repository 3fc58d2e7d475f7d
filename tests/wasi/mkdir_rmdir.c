// path_create_directory / path_remove_directory, and their errors.
#include "t.h"
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    CHECK(mkdir("/sb/d1", 0755) == 0);
    CHECK(mkdir("/sb/d1/d2", 0755) == 0);
    CHECK(mkdir("/sb/d1", 0755) == -1 && errno == EEXIST);
    CHECK_EQ(__wasi_path_create_directory(SB, "d1"), __WASI_ERRNO_EXIST);
    CHECK_EQ(__wasi_path_create_directory(SB, "nope/d"), __WASI_ERRNO_NOENT);
    CHECK_EQ(__wasi_path_remove_directory(SB, "d1"), __WASI_ERRNO_NOTEMPTY);
    CHECK_EQ(__wasi_path_remove_directory(SB, "hello.txt"), __WASI_ERRNO_NOTDIR);
    CHECK_EQ(__wasi_path_remove_directory(SB, "d1/d2"), 0);
    CHECK_EQ(__wasi_path_remove_directory(SB, "d1/d2"), __WASI_ERRNO_NOENT);
    CHECK(mkdir("/sb/kept", 0755) == 0);
    CHECK(mkdir("/sb/kept/inside", 0755) == 0);
    CHECK(rmdir("/sb/d1") == 0);
    struct stat st;
    CHECK(stat("/sb/d1", &st) == -1 && errno == ENOENT);
    printf("dirs ok\n");
    return 0;
}
