// The calls on a file's contents and position, made on a directory fd,
// answer EBADF, as wasmtime does (its dir_fd_op_failures test): a
// directory is not a file, even where Linux would answer (lseek, fsync and
// fcntl succeed on one, read says EISDIR).  Stat and times still work
// (times where the directory may change).
// NODE: skip uvwasi answers ENOTCAPABLE (a directory lacks those rights) or, for sync, advise and flags, does them
#include "t.h"

static void all_fail(__wasi_fd_t d, int writable) {
    uint8_t buf[8];
    __wasi_iovec_t iov = {buf, sizeof buf};
    __wasi_ciovec_t ciov = {buf, sizeof buf};
    __wasi_size_t n;
    __wasi_filesize_t pos;
    CHECK_EQ(__wasi_fd_read(d, &iov, 1, &n), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_pread(d, &iov, 1, 0, &n), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_write(d, &ciov, 1, &n), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_pwrite(d, &ciov, 1, 0, &n), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_seek(d, 0, __WASI_WHENCE_CUR, &pos), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_seek(d, 0, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_seek(d, 0, __WASI_WHENCE_END, &pos), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_tell(d, &pos), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_advise(d, 0, 0, __WASI_ADVICE_DONTNEED), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_allocate(d, 0, 1), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_datasync(d), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_sync(d), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_fdstat_set_flags(d, __WASI_FDFLAGS_NONBLOCK), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_filestat_set_size(d, 0), __WASI_ERRNO_BADF);
    __wasi_filestat_t st;
    CHECK_EQ(__wasi_fd_filestat_get(d, &st), 0);
    CHECK_EQ(st.filetype, __WASI_FILETYPE_DIRECTORY);
    CHECK_EQ(__wasi_fd_filestat_set_times(d, 0, 0, __WASI_FSTFLAGS_MTIM_NOW),
             writable ? 0 : __WASI_ERRNO_NOTCAPABLE);
}

int main(void) {
    __wasi_fd_t d;
    all_fail(SB, 1);
    all_fail(RO, 0);
    /* one opened asking for every right there is */
    CHECK_EQ(__wasi_path_open(SB, 0, "sub", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS, ALL_RIGHTS, 0, &d), 0);
    all_fail(d, 1);
    /* the path calls on a file fd: ENOTDIR */
    __wasi_fd_t f, g;
    CHECK_EQ(open_at(SB, "hello.txt", 0, 0, &f), 0);
    CHECK_EQ(__wasi_path_open(f, 0, "x", 0, 0, 0, 0, &g), __WASI_ERRNO_NOTDIR);
    CHECK_EQ(__wasi_path_create_directory(f, "x"), __WASI_ERRNO_NOTDIR);
    printf("directories are no files\n");
    return 0;
}
