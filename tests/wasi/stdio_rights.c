// stdio has stream rights only (security case F08): fd 0 may be read, fds 1
// and 2 written, all three polled and stat'ed.  Behind them are the host's
// own stdin, stdout and stderr (here stdout is a file that already holds the
// host's line): every call that would seek, write at an offset, truncate,
// allocate, set times or flags, advise, sync or grow rights is refused with
// ENOTCAPABLE, one that uses it as a directory (readdir, a path) with
// ENOTDIR, and none changes anything: each file keeps its size and mtime,
// the host's line stays first.
// STDIN: piped\n
// STDOUT_BEFORE: HOST LOG\n
// NODE: skip uvwasi gives stdio every right of the file behind it: it truncates the host's stdout
#include "t.h"

#define NOTCAP __WASI_ERRNO_NOTCAPABLE
#define NOTDIR __WASI_ERRNO_NOTDIR

int main(void) {
    const __wasi_rights_t want[3] = {
        __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_POLL_FD_READWRITE | __WASI_RIGHTS_FD_FILESTAT_GET,
        __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_POLL_FD_READWRITE | __WASI_RIGHTS_FD_FILESTAT_GET,
        __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_POLL_FD_READWRITE | __WASI_RIGHTS_FD_FILESTAT_GET,
    };
    __wasi_filestat_t before[3], after[3];
    char text[16] = "FORGED\n";
    __wasi_ciovec_t ciov = {(const uint8_t *)text, 7};
    __wasi_iovec_t iov = {(uint8_t *)text, sizeof text};
    __wasi_size_t n;
    __wasi_filesize_t pos;
    __wasi_fd_t fd;
    uint8_t dirbuf[128];

    /* nothing is written to stdout before the checks: its mtime must hold */
    for (int i = 0; i < 3; i++)
        CHECK_EQ(__wasi_fd_filestat_get(i, &before[i]), 0);
    for (int i = 0; i < 3; i++) {
        __wasi_fdstat_t st;
        CHECK_EQ(__wasi_fd_fdstat_get(i, &st), 0);
        CHECK_EQ(st.fs_rights_base, want[i]);
        CHECK_EQ(st.fs_rights_inheriting, 0);
        CHECK_EQ(__wasi_fd_seek(i, 0, __WASI_WHENCE_SET, &pos), NOTCAP);
        CHECK_EQ(__wasi_fd_seek(i, 0, __WASI_WHENCE_CUR, &pos), NOTCAP);
        CHECK_EQ(__wasi_fd_tell(i, &pos), NOTCAP);
        CHECK_EQ(__wasi_fd_pread(i, &iov, 1, 0, &n), NOTCAP);
        CHECK_EQ(__wasi_fd_pwrite(i, &ciov, 1, 0, &n), NOTCAP);
        CHECK_EQ(__wasi_fd_filestat_set_size(i, 0), NOTCAP);
        CHECK_EQ(__wasi_fd_filestat_set_size(i, 1 << 20), NOTCAP);
        CHECK_EQ(__wasi_fd_allocate(i, 0, 64 << 20), NOTCAP);
        CHECK_EQ(__wasi_fd_filestat_set_times(i, 0, 0, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_ATIM),
                 NOTCAP);
        CHECK_EQ(__wasi_fd_filestat_set_times(i, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), NOTCAP);
        CHECK_EQ(__wasi_fd_advise(i, 0, 0, __WASI_ADVICE_DONTNEED), NOTCAP);
        CHECK_EQ(__wasi_fd_sync(i), NOTCAP);
        CHECK_EQ(__wasi_fd_datasync(i), NOTCAP);
        CHECK_EQ(__wasi_fd_fdstat_set_flags(i, __WASI_FDFLAGS_APPEND), NOTCAP);
        CHECK_EQ(__wasi_fd_fdstat_set_flags(i, __WASI_FDFLAGS_NONBLOCK), NOTCAP);
        CHECK_EQ(__wasi_fd_fdstat_set_flags(i, 0), NOTCAP);
        CHECK_EQ(__wasi_fd_fdstat_set_rights(i, ALL_RIGHTS, 0), NOTCAP);
        CHECK_EQ(__wasi_fd_fdstat_set_rights(i, want[i], ALL_RIGHTS), NOTCAP);
        CHECK_EQ(__wasi_fd_readdir(i, dirbuf, sizeof dirbuf, 0, &n), NOTDIR);
        CHECK_EQ(__wasi_path_open(i, 0, "x", __WASI_OFLAGS_CREAT, ALL_RIGHTS, 0, 0, &fd), NOTDIR);
        CHECK_EQ(__wasi_path_create_directory(i, "d"), NOTDIR);
        CHECK_EQ(__wasi_path_filestat_set_times(i, 0, ".", 0, 0, __WASI_FSTFLAGS_MTIM_NOW), NOTDIR);
    }
    /* the wrong direction */
    CHECK_EQ(__wasi_fd_write(0, &ciov, 1, &n), NOTCAP);
    CHECK_EQ(__wasi_fd_read(1, &iov, 1, &n), NOTCAP);
    CHECK_EQ(__wasi_fd_read(2, &iov, 1, &n), NOTCAP);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(__wasi_fd_filestat_get(i, &after[i]), 0);
        CHECK_EQ(after[i].size, before[i].size);
        CHECK_EQ(after[i].mtim, before[i].mtim);
        CHECK_EQ(after[i].atim, before[i].atim);
    }
    /* what stdio is for still works */
    CHECK_EQ(__wasi_fd_read(0, &iov, 1, &n), 0);
    printf("stdin: %.*s", (int)n, text);
    printf("stdout size before: %llu\n", (unsigned long long)before[1].size);
    return 0;
}
