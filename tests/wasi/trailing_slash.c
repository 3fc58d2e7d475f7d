// Trailing slashes on the name a call makes or moves, as POSIX and Linux
// answer (and wasmtime's path_link, path_symlink_trailing_slashes and
// path_rename_*_trailing_slashes tests): a link or symlink named "new/"
// is ENOENT (a slash names a directory, which neither makes) and one named
// "dir/" EEXIST (slash_file.c: one named "file/"); a file renamed to or from "x/" is ENOTDIR while a
// directory moves with slashes on either side; mkdir "d/" works; opening
// "file/" is ENOTDIR and creating "f/" EISDIR.  Nothing is made on the way.
#include "t.h"

static void absent(const char *p) {
    __wasi_filestat_t st;
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, p, &st), __WASI_ERRNO_NOENT);
}

int main(void) {
    __wasi_fd_t fd;
    CHECK_EQ(__wasi_path_link(SB, 0, "hello.txt", SB, "new/"), __WASI_ERRNO_NOENT);
    absent("new");
    CHECK_EQ(__wasi_path_link(SB, 0, "hello.txt", SB, "sub/"), __WASI_ERRNO_EXIST);
    CHECK_EQ(__wasi_path_link(SB, 0, "hello.txt", SB, "sub/new/"), __WASI_ERRNO_NOENT);
    absent("sub/new");
    CHECK_EQ(__wasi_path_symlink("hello.txt", SB, "new/"), __WASI_ERRNO_NOENT);
    absent("new");
    CHECK_EQ(__wasi_path_symlink("hello.txt", SB, "sub/"), __WASI_ERRNO_EXIST);
    /* without the slash both work */
    CHECK_EQ(__wasi_path_link(SB, 0, "hello.txt", SB, "hard"), 0);
    CHECK_EQ(__wasi_path_symlink("hello.txt", SB, "soft"), 0);

    CHECK_EQ(__wasi_path_rename(SB, "hard", SB, "moved/"), __WASI_ERRNO_NOTDIR);
    CHECK_EQ(__wasi_path_rename(SB, "hard/", SB, "moved"), __WASI_ERRNO_NOTDIR);
    CHECK_EQ(__wasi_path_rename(SB, "hard/", SB, "moved/"), __WASI_ERRNO_NOTDIR);
    absent("moved");
    CHECK_EQ(__wasi_path_create_directory(SB, "d/"), 0);
    CHECK_EQ(__wasi_path_rename(SB, "d/", SB, "e"), 0);
    CHECK_EQ(__wasi_path_rename(SB, "e", SB, "f/"), 0);
    CHECK_EQ(__wasi_path_rename(SB, "f/", SB, "d/"), 0);

    CHECK_EQ(open_at(SB, "hello.txt/", 0, 0, &fd), __WASI_ERRNO_NOTDIR);
    CHECK_EQ(open_at(SB, "hello.txt/", 0, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, &fd),
             __WASI_ERRNO_NOTDIR);
    CHECK_EQ(open_at(SB, "made/", __WASI_OFLAGS_CREAT, 0, &fd), __WASI_ERRNO_ISDIR);
    absent("made");
    CHECK_EQ(open_at(SB, "d/", __WASI_OFLAGS_CREAT, 0, &fd), __WASI_ERRNO_ISDIR);
    CHECK_EQ(open_dir(SB, "d/", &fd), 0);
    printf("slashes ok\n");
    return 0;
}
