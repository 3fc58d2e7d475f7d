// fd_prestat_get / fd_prestat_dir_name name every preopen (/sb, /ro, then
// the runtime root /, the call's /tmp and the store's shared files /faasm:);
// a plain file and a closed fd are EBADF.
// NODE: skip uvwasi answers EINVAL for an open fd that is not a preopen (wasi-libc's preopen scan stops at EBADF)
#include "t.h"

int main(void) {
    __wasi_fd_t fd;
    for (fd = 3;; fd++) {
        __wasi_prestat_t ps;
        __wasi_errno_t e = __wasi_fd_prestat_get(fd, &ps);
        if (e == __WASI_ERRNO_BADF)
            break;
        CHECK_EQ(e, 0);
        CHECK_EQ(ps.tag, __WASI_PREOPENTYPE_DIR);
        char name[64];
        CHECK(ps.u.dir.pr_name_len < sizeof name);
        CHECK_EQ(__wasi_fd_prestat_dir_name(fd, (uint8_t *)name, ps.u.dir.pr_name_len), 0);
        name[ps.u.dir.pr_name_len] = 0;
        printf("fd %d: %s\n", fd, name);
    }
    CHECK_EQ(fd, 8);
    __wasi_fd_t file;
    CHECK_EQ(open_at(SB, "hello.txt", 0, 0, &file), 0);
    __wasi_prestat_t ps;
    CHECK_EQ(__wasi_fd_prestat_get(file, &ps), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_prestat_get(1, &ps), __WASI_ERRNO_BADF);
    return 0;
}
