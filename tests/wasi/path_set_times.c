// path_filestat_set_times on a file, through a symlink (follow), and on the
// symlink itself (no follow).
#include "t.h"
#include <fcntl.h>
#include <sys/stat.h>

static __wasi_timestamp_t mtime(const char *p, int follow) {
    __wasi_filestat_t st;
    CHECK_EQ(__wasi_path_filestat_get(SB, follow, p, &st), 0);
    return st.mtim;
}

int main(void) {
    __wasi_timestamp_t t1 = 1111111111ull * 1000000000ull, t2 = 1222222222ull * 1000000000ull;
    CHECK_EQ(__wasi_path_filestat_set_times(SB, 0, "sub/inner.txt", t1, t1,
                                            __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM), 0);
    CHECK_EQ(mtime("sub/inner.txt", 0), t1);
    CHECK_EQ(__wasi_path_filestat_set_times(SB, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link_in", 0, t2,
                                            __WASI_FSTFLAGS_MTIM), 0);
    CHECK_EQ(mtime("hello.txt", 0), t2);
    CHECK_EQ(mtime("link_in", 0), 981173106ull * 1000000000ull); /* link untouched */
    CHECK_EQ(__wasi_path_filestat_set_times(SB, 0, "link_in", 0, t1, __WASI_FSTFLAGS_MTIM), 0);
    CHECK_EQ(mtime("link_in", 0), t1);
    CHECK_EQ(mtime("hello.txt", 0), t2);
    CHECK_EQ(__wasi_path_filestat_set_times(SB, 0, "missing", 0, t1, __WASI_FSTFLAGS_MTIM),
             __WASI_ERRNO_NOENT);
    struct timespec ts[2] = {{5, 0}, {7, 0}};
    CHECK(utimensat(AT_FDCWD, "/sb/sub/inner.txt", ts, 0) == 0);
    CHECK_EQ(mtime("sub/inner.txt", 0), 7000000000ull);
    printf("times ok\n");
    return 0;
}
