/*
 * dup.c: dup, dup2 and fcntl(F_DUPFD) for functions (the SDK library
 * `faaslet cc` links), over the host's faaslet.fd_dup: WASI preview1 can
 * only move an fd (fd_renumber), never copy one.  Only a module that calls
 * one of these imports faaslet.fd_dup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>
#include <wasi/api.h>

/* src/wasi/wasi.c: a new fd >= min_fd for fd's open file, or an errno. */
__attribute__((import_module("faaslet"), import_name("fd_dup")))
uint32_t __faaslet_fd_dup(uint32_t fd, uint32_t min_fd, uint32_t *new_fd);

/* fcntl(fd, F_DUPFD, min): 0 or -1 with errno. */
static int dup_from(int fd, int min) {
    uint32_t nfd;
    if (fd < 0 || min < 0) {
        errno = fd < 0 ? EBADF : EINVAL;
        return -1;
    }
    uint32_t e = __faaslet_fd_dup((uint32_t)fd, (uint32_t)min, &nfd);
    if (e) {
        errno = (int)e;
        return -1;
    }
    return (int)nfd;
}

int dup(int fd) {
    return dup_from(fd, 0);
}

/* dup2: when newfd is open, a fresh dup is moved onto it (fd_renumber
 * closes what newfd held); when it is free, the lowest free fd >= newfd is
 * newfd itself. */
int dup2(int fd, int newfd) {
    if (newfd < 0) {
        errno = EBADF;
        return -1;
    }
    if (fd == newfd) {
        __wasi_fdstat_t st;
        if (fd < 0 || __wasi_fd_fdstat_get((__wasi_fd_t)fd, &st)) {
            errno = EBADF;
            return -1;
        }
        return newfd;
    }
    __wasi_fdstat_t st;
    if (__wasi_fd_fdstat_get((__wasi_fd_t)newfd, &st) == __WASI_ERRNO_BADF)
        return dup_from(fd, newfd);
    int tmp = dup_from(fd, 0);
    if (tmp < 0)
        return -1;
    __wasi_errno_t e = __wasi_fd_renumber((__wasi_fd_t)tmp, (__wasi_fd_t)newfd);
    if (e) {
        close(tmp);
        errno = e;
        return -1;
    }
    return newfd;
}

/* The SDK's <fcntl.h> makes a function's fcntl() calls come here (wasi-libc's
 * own calls do not: a module that never calls fcntl imports no fd_dup). */
#undef fcntl
int __faaslet_fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    int arg = va_arg(ap, int);
    va_end(ap);
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
        return dup_from(fd, arg);
    return fcntl(fd, cmd, arg);
}
