// A hard link or symlink named "file/", where file is a regular file:
// ENOTDIR, as wasmtime answers (path_symlink_trailing_slashes) and POSIX
// lists first for a path that ends in a slash after a non-directory; the
// file is left as it was.
// NODE: skip Linux (and so uvwasi, which hands the path to the kernel) answers EEXIST, which POSIX also allows
#include "t.h"

int main(void) {
    CHECK_EQ(__wasi_path_symlink("x", SB, "hello.txt/"), __WASI_ERRNO_NOTDIR);
    CHECK_EQ(__wasi_path_link(SB, 0, "sub/inner.txt", SB, "hello.txt/"), __WASI_ERRNO_NOTDIR);
    CHECK_EQ(__wasi_path_symlink("x", SB, "link_in/"), __WASI_ERRNO_NOTDIR); /* -> a file */
    __wasi_filestat_t st;
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "hello.txt", &st), 0);
    CHECK_EQ(st.filetype, __WASI_FILETYPE_REGULAR_FILE);
    CHECK_EQ(st.nlink, 1);
    printf("file/ is no directory\n");
    return 0;
}
