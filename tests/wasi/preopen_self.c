// Rights of path_open: a preopen opens itself (".") with the very rights
// it has, with or without OFLAGS_DIRECTORY (its base rights are a
// directory's: no write, seek or tell, so nothing asks to open it for
// writing); a directory asked for write rights is EISDIR, as open(2) and
// wasmtime answer.  A file beneath it may ask for any right the directory
// passes on (set size, set times) and then use them; one it does not pass
// on is ENOTCAPABLE (witx: fewer rights only where they do not apply to the
// file's type).  What does not apply is dropped: a file keeps no path or
// inheriting rights, a directory no file rights.
#include "t.h"

#define FILE_WANT                                                                           \
    (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_FILESTAT_GET |       \
     __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_FILESTAT_SET_TIMES)
#define PATH_RIGHTS (__WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_PATH_CREATE_FILE | __WASI_RIGHTS_FD_READDIR)

int main(void) {
    __wasi_fdstat_t pre, st;
    __wasi_fd_t self, dir, f;
    CHECK_EQ(__wasi_fd_fdstat_get(SB, &pre), 0);
    CHECK_EQ(pre.fs_filetype, __WASI_FILETYPE_DIRECTORY);
    CHECK_EQ(pre.fs_rights_base & (__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK |
                                   __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_READ), 0);
    CHECK((pre.fs_rights_base & PATH_RIGHTS) == PATH_RIGHTS);
    CHECK((pre.fs_rights_inheriting & FILE_WANT) == FILE_WANT);

    /* "." with the same rights, as a plain open and as a directory */
    CHECK_EQ(__wasi_path_open(SB, 0, ".", 0, pre.fs_rights_base, pre.fs_rights_inheriting, 0,
                              &self), 0);
    CHECK_EQ(__wasi_fd_fdstat_get(self, &st), 0);
    CHECK_EQ(st.fs_filetype, __WASI_FILETYPE_DIRECTORY);
    CHECK_EQ(st.fs_rights_base, pre.fs_rights_base);
    CHECK_EQ(st.fs_rights_inheriting, pre.fs_rights_inheriting);
    CHECK_EQ(__wasi_fd_close(self), 0);
    CHECK_EQ(__wasi_path_open(SB, 0, ".", __WASI_OFLAGS_DIRECTORY, pre.fs_rights_base,
                              pre.fs_rights_inheriting, 0, &dir), 0);
    CHECK_EQ(__wasi_path_open(SB, 0, ".", __WASI_OFLAGS_DIRECTORY, 0, 0, 0, &self), 0);
    CHECK_EQ(__wasi_fd_close(self), 0);
    CHECK_EQ(__wasi_path_open(SB, 0, ".", __WASI_OFLAGS_DIRECTORY,
                              __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0, &self),
             __WASI_ERRNO_ISDIR);

    /* A file beneath the copy, with rights the directory passes on. */
    CHECK_EQ(__wasi_path_open(dir, 0, "set.txt", __WASI_OFLAGS_CREAT, FILE_WANT, 0, 0, &f), 0);
    CHECK_EQ(__wasi_fd_filestat_set_size(f, 100), 0);
    CHECK_EQ(__wasi_fd_filestat_set_times(f, 0, 1000000000ull * 1000000000ull,
                                          __WASI_FSTFLAGS_MTIM), 0);
    __wasi_filestat_t fs;
    CHECK_EQ(__wasi_fd_filestat_get(f, &fs), 0);
    CHECK_EQ(fs.size, 100);
    CHECK_EQ(fs.mtim, 1000000000ull * 1000000000ull);
    CHECK_EQ(__wasi_fd_close(f), 0);

    /* Every right asked: a file keeps the file rights only. */
    CHECK_EQ(__wasi_path_open(dir, 0, "set.txt", 0, ALL_RIGHTS, ALL_RIGHTS, 0, &f), 0);
    CHECK_EQ(__wasi_fd_fdstat_get(f, &st), 0);
    CHECK((st.fs_rights_base & FILE_WANT) == FILE_WANT);
    CHECK(st.fs_rights_base & __WASI_RIGHTS_FD_SEEK);
    CHECK_EQ(st.fs_rights_base & PATH_RIGHTS, 0);
    CHECK_EQ(st.fs_rights_inheriting, 0);
    CHECK_EQ(__wasi_fd_close(f), 0);
    /* ... and a directory the directory rights only. */
    CHECK_EQ(__wasi_path_open(dir, 0, "sub", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS, ALL_RIGHTS, 0,
                              &self), 0);
    CHECK_EQ(__wasi_fd_fdstat_get(self, &st), 0);
    CHECK_EQ(st.fs_rights_base & (__WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_READ), 0);
    CHECK((st.fs_rights_base & PATH_RIGHTS) == PATH_RIGHTS);
    CHECK_EQ(__wasi_fd_close(self), 0);

    /* A right the directory does not pass on. */
    CHECK_EQ(__wasi_fd_fdstat_set_rights(dir, pre.fs_rights_base,
                                         __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_FILESTAT_GET), 0);
    CHECK_EQ(__wasi_path_open(dir, 0, "set.txt", 0,
                              __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_FILESTAT_SET_TIMES, 0, 0, &f),
             __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_open(dir, 0, "set.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f), 0);
    printf("preopen self ok\n");
    return 0;
}
