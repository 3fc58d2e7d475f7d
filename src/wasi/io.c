/*
 * io.c: reads and writes that may wait (pipes, FIFOs, sockets, terminals),
 * done so that a timeout always stops them: the guest's thread waits in
 * poll() slices of FL__WASI_SLICE_MS, checking the exec's interrupt flag,
 * and never enters a read or write that could block.
 *
 * Non-blocking without O_NONBLOCK: the host's stdio file descriptions are
 * shared with the host process (and its shell), so their flags are never
 * changed.  Instead each transfer asks the kernel not to wait (preadv2 /
 * pwritev2 with RWF_NOWAIT: pipes and sockets on Linux 5.8+).  Where the
 * kernel refuses that flag (terminals, older kernels), the transfer waits
 * for readiness first and then moves only what cannot block: a read at most
 * the FIONREAD count, a write at most PIPE_BUF bytes (a pipe that polls
 * writable has room for that much).  Short transfers are fine: wasi-libc
 * loops.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

fl_trap fl__wasi_wait_fd(fl_exec *ex, int host, short events, int *err) {
    struct pollfd p = {.fd = host, .events = events};
    *err = 0;
    for (;;) {
        if (ex->interrupt)
            return FL_TRAP_INTERRUPTED;
        int n = poll(&p, 1, FL__WASI_SLICE_MS);
        if (n > 0)
            return FL_TRAP_NONE; /* ready, or hung up / failed: the transfer says which */
        if (n < 0 && errno != EINTR) {
            *err = errno;
            return FL_TRAP_NONE;
        }
    }
}

/* Whether the guest made this fd non-blocking itself (never stdio's). */
static bool guest_nonblocking(const fl__wasi_fd *f) {
    int fl = fcntl(f->host, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK);
}

/* Cuts v[0..*n) down to at most `max` bytes in total. */
static void clamp(struct iovec *v, int *n, size_t max) {
    size_t total = 0;
    for (int i = 0; i < *n; i++) {
        if (total + v[i].iov_len >= max) {
            v[i].iov_len = max - total;
            *n = i + 1;
            return;
        }
        total += v[i].iov_len;
    }
}

/* The transfer where RWF_NOWAIT is refused: readiness first, then a size
 * that cannot block. */
static fl_trap fallback(fl_host_call *call, fl__wasi_fd *f, struct iovec *v, int n, bool write,
                        ssize_t *got, int *err) {
    if (!guest_nonblocking(f)) {
        fl_trap t = fl__wasi_wait_fd(call->exec, f->host, write ? POLLOUT : POLLIN, err);
        if (t != FL_TRAP_NONE)
            return t;
        if (*err) {
            *got = -1;
            return FL_TRAP_NONE;
        }
    }
    if (write) {
        clamp(v, &n, PIPE_BUF);
    } else {
        int avail = 0;
        /* 0 after POLLIN is end of file or a hang-up: the read returns at once */
        if (ioctl(f->host, FIONREAD, &avail) == 0 && avail > 0)
            clamp(v, &n, (size_t)avail);
    }
    do
        *got = write ? writev(f->host, v, n) : readv(f->host, v, n);
    while (*got < 0 && errno == EINTR);
    *err = *got < 0 ? errno : 0;
    return FL_TRAP_NONE;
}

fl_trap fl__wasi_stream_transfer(fl_host_call *call, fl__wasi_fd *f, struct iovec *v, int n,
                                 bool write, ssize_t *got, int *err) {
    for (;;) {
        if (f->no_nowait)
            return fallback(call, f, v, n, write, got, err);
        *got = write ? pwritev2(f->host, v, n, -1, RWF_NOWAIT)
                     : preadv2(f->host, v, n, -1, RWF_NOWAIT);
        if (*got >= 0) {
            *err = 0;
            return FL_TRAP_NONE;
        }
        *err = errno;
        if (*err == EINTR)
            continue;
        if (*err == EOPNOTSUPP || *err == ENOSYS || *err == EINVAL) {
            f->no_nowait = true; /* terminals, devices, kernels before 5.8 */
            continue;
        }
        if (*err != EAGAIN || guest_nonblocking(f))
            return FL_TRAP_NONE;
        fl_trap t = fl__wasi_wait_fd(call->exec, f->host, write ? POLLOUT : POLLIN, err);
        if (t != FL_TRAP_NONE)
            return t;
        if (*err) {
            *got = -1;
            return FL_TRAP_NONE;
        }
    }
}
