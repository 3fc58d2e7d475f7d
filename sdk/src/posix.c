/*
 * posix.c: the POSIX calls Faasm's functions use that wasi-libc lacks,
 * in the SDK library `faaslet cc` links (libfaaslet_sdk.a).
 *
 *   dup, dup2, fcntl(F_DUPFD)  over the host's faaslet.fd_dup (WASI
 *                              preview1 can only move an fd: fd_renumber)
 *   getpwuid, getpwnam, getuid... the one user every function runs as
 *   the working directory      /tmp, the call's private writable folder
 *
 * clock() and the other process clocks, mmap/munmap, signal() and getpid()
 * are wasi-libc's emulations, which `faaslet cc` links by default.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
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

/* `faaslet cc` links with -Wl,--wrap=fcntl: every fcntl() of the module,
 * wasi-libc's included, comes here first. */
int __real_fcntl(int fd, int cmd, ...);

int __wrap_fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    int arg = va_arg(ap, int);
    va_end(ap);
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
        return dup_from(fd, arg);
    return __real_fcntl(fd, cmd, arg);
}

/* ---- the user ---- */

#define FAASLET_UID 1000
static char user_name[] = "faasm", user_passwd[] = "x", user_gecos[] = "faasm",
            user_dir[] = "/", user_shell[] = "/bin/sh";
static struct passwd user = {
    .pw_name = user_name,
    .pw_passwd = user_passwd,
    .pw_uid = FAASLET_UID,
    .pw_gid = FAASLET_UID,
    .pw_gecos = user_gecos,
    .pw_dir = user_dir,
    .pw_shell = user_shell,
};

struct passwd *getpwuid(uid_t uid) {
    return uid == FAASLET_UID ? &user : NULL;
}

struct passwd *getpwnam(const char *name) {
    return name && !strcmp(name, user_name) ? &user : NULL;
}

uid_t getuid(void) { return FAASLET_UID; }
uid_t geteuid(void) { return FAASLET_UID; }
gid_t getgid(void) { return FAASLET_UID; }
gid_t getegid(void) { return FAASLET_UID; }

/* ---- the working directory ---- */

/* wasi-libc starts in "/", the read-only runtime root; Faasm's functions
 * write files by relative names.  The call's private /tmp, when it has
 * one, is where they go (after wasi-libc's own constructors found the
 * preopens).  `faaslet cc` keeps this linked with -u __faaslet_sdk_init. */
__attribute__((constructor(65000))) void __faaslet_sdk_init(void) {
    struct stat st;
    if (stat("/tmp", &st) == 0 && S_ISDIR(st.st_mode))
        chdir("/tmp");
}
