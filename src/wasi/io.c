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
 * writable has room for that much).  A read returns what is there, as a
 * blocking read does; a write goes on until every byte is written, as a
 * blocking write does (a program that calls write() once expects it all
 * out), each wait still a slice that the interrupt flag ends.
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

/* write(2): the parameter named `write` hides it in the functions below. */
static ssize_t write_some(int fd, const void *buf, size_t len) { return write(fd, buf, len); }

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
 * that cannot block.  A read may shorten v. */
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
    if (write && n == 0) {
        *got = 0;
        *err = 0;
        return FL_TRAP_NONE;
    }
    if (write) {
        /* at most PIPE_BUF bytes of the first non-empty buffer, leaving v as
         * it is: the caller goes on from what was written */
        int i = 0;
        while (i < n - 1 && v[i].iov_len == 0)
            i++;
        size_t len = v[i].iov_len < PIPE_BUF ? v[i].iov_len : PIPE_BUF;
        do
            *got = write_some(f->host, v[i].iov_base, len);
        while (*got < 0 && errno == EINTR);
        *err = *got < 0 ? errno : 0;
        return FL_TRAP_NONE;
    } else {
        int avail = 0;
        /* 0 after POLLIN is end of file or a hang-up: the read returns at once */
        if (ioctl(f->host, FIONREAD, &avail) == 0 && avail > 0)
            clamp(v, &n, (size_t)avail);
    }
    do
        *got = readv(f->host, v, n);
    while (*got < 0 && errno == EINTR);
    *err = *got < 0 ? errno : 0;
    return FL_TRAP_NONE;
}

/* One transfer: as much as can move without blocking, after waiting (in
 * slices) until something can. */
static fl_trap transfer_once(fl_host_call *call, fl__wasi_fd *f, struct iovec *v, int n,
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

/* Drops the first `done` bytes of v[*i..n), advancing *i. */
static void advance(struct iovec *v, int n, int *i, size_t done) {
    while (*i < n && done >= v[*i].iov_len) {
        done -= v[*i].iov_len;
        (*i)++;
    }
    if (*i < n) {
        v[*i].iov_base = (char *)v[*i].iov_base + done;
        v[*i].iov_len -= done;
    }
}

fl_trap fl__wasi_stream_transfer(fl_host_call *call, fl__wasi_fd *f, struct iovec *v, int n,
                                 bool write, ssize_t *got, int *err) {
    if (!write || guest_nonblocking(f))
        return transfer_once(call, f, v, n, write, got, err);
    size_t total = 0, done = 0;
    for (int i = 0; i < n; i++)
        total += v[i].iov_len;
    int first = 0;
    for (;;) {
        ssize_t part;
        fl_trap t = transfer_once(call, f, v + first, n - first, true, &part, err);
        if (t != FL_TRAP_NONE)
            return t; /* interrupted: what was written stays written */
        if (part < 0) {
            /* an error after some progress reports the progress, as write() does */
            *got = done ? (ssize_t)done : -1;
            if (done)
                *err = 0;
            return FL_TRAP_NONE;
        }
        done += (size_t)part;
        advance(v, n, &first, (size_t)part);
        if (done >= total || part == 0) {
            *got = (ssize_t)done;
            *err = 0;
            return FL_TRAP_NONE;
        }
    }
}
