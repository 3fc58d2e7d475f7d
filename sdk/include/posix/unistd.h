/*
 * unistd.h (faaslet SDK): wasi-libc's <unistd.h> plus what WASI preview1
 * lacks and Faasm's functions call, implemented in the SDK library that
 * `faaslet cc` links (sdk/src/posix.c).  Only `faaslet cc` puts this folder
 * on the include path; wasi-libc's own header is included first.
 */
#ifndef FAASLET_SDK_UNISTD_H
#define FAASLET_SDK_UNISTD_H

#include_next <unistd.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A new fd for the open file of `fd` (the lowest free one, or exactly
 * `newfd`), through the host's faaslet.fd_dup: wasi-libc has neither. */
int dup(int fd);
int dup2(int fd, int newfd);

/* The one user every function runs as (see <pwd.h>): uid and gid 1000. */
uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
gid_t getegid(void);

#ifdef __cplusplus
}
#endif

#endif
