// path_filestat_get with and without SYMLINK_FOLLOW; stat and lstat.
#include "t.h"
#include <sys/stat.h>

int main(void) {
    __wasi_filestat_t st;
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "link_in", &st), 0);
    CHECK_EQ(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
    CHECK_EQ(st.size, strlen("hello.txt"));
    CHECK_EQ(__wasi_path_filestat_get(SB, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link_in", &st), 0);
    CHECK_EQ(st.filetype, __WASI_FILETYPE_REGULAR_FILE);
    CHECK_EQ(st.size, 12);
    CHECK_EQ(__wasi_path_filestat_get(SB, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "sub/link_up", &st), 0);
    CHECK_EQ(st.size, 12);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "sub/../sub/./inner.txt", &st), 0);
    CHECK_EQ(st.size, 6);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, ".", &st), 0);
    CHECK_EQ(st.filetype, __WASI_FILETYPE_DIRECTORY);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "sub/", &st), 0);
    CHECK_EQ(st.filetype, __WASI_FILETYPE_DIRECTORY);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "nothing", &st), __WASI_ERRNO_NOENT);
    struct stat s;
    CHECK(lstat("/sb/link_in", &s) == 0 && S_ISLNK(s.st_mode));
    CHECK(stat("/sb/link_in", &s) == 0 && S_ISREG(s.st_mode) && s.st_size == 12);
    printf("path filestat ok\n");
    return 0;
}
