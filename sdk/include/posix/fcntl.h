/*
 * fcntl.h (faaslet SDK): wasi-libc's <fcntl.h> plus F_DUPFD and
 * F_DUPFD_CLOEXEC, which wasi-libc leaves out (WASI preview1 has no
 * dup).  A function's fcntl() calls go to the SDK's __faaslet_fcntl
 * (sdk/src/dup.c): F_DUPFD and F_DUPFD_CLOEXEC there, every other command
 * to wasi-libc's fcntl.
 */
#ifndef FAASLET_SDK_FCNTL_H
#define FAASLET_SDK_FCNTL_H

#include_next <fcntl.h>

/* musl's numbers, as wasi-libc's unmodified upstream has them */
#ifndef F_DUPFD
#define F_DUPFD 0
#endif
#ifndef F_DUPFD_CLOEXEC
#define F_DUPFD_CLOEXEC 1030
#endif

#ifdef __cplusplus
extern "C" {
#endif
int __faaslet_fcntl(int fd, int cmd, ...);
#ifdef __cplusplus
}
#endif
#define fcntl __faaslet_fcntl

#endif
