/*
 * wasi_fs.c: the WASI calls on fds and paths.  Every guest pointer goes
 * through fl__wasi_mem; every path through the sandbox (sandbox.c), which
 * hands back a directory fd and a final name that the *at() calls below
 * use with NOFOLLOW flags.  Rights are checked on each call (a read-only
 * preopen has lost every mutating right, and so has all it opens).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

#define CTX ((fl_wasi *)call->data)
#define RET(e) (args_results[0].i32 = (uint32_t)(e), FL_TRAP_NONE)
#define A32(i) (args_results[i].i32)
#define A64(i) (args_results[i].i64)
#define ERRNO() fl__wasi_errno(errno)

/* Looks up fd A32(i) with `rights` or returns its errno from the handler. */
#define GET_FD(var, i, rights)                                                \
    uint16_t var##_err;                                                       \
    fl__wasi_fd *var = fl__wasi_fd_get(CTX, A32(i), (rights), &var##_err);    \
    if (!var)                                                                 \
        return RET(var##_err)

/* The sandbox's answer as a WASI errno: -EXDEV is an attempted escape. */
static uint16_t sandbox_errno(int rc) {
    return rc == -EXDEV ? W_ENOTCAPABLE : fl__wasi_errno(-rc);
}

/* Resolves guest path (ptr, len) beneath directory fd `d`: *dir (closed by
 * the caller) and the final `name` (PATH_MAX bytes). */
static uint16_t resolve(fl_host_call *call, fl__wasi_fd *d, uint32_t ptr, uint32_t len,
                        bool follow, int *dir, char *name) {
    if (d->type != W_FT_DIRECTORY)
        return W_ENOTDIR;
    const char *path = (const char *)fl__wasi_mem(call, ptr, len);
    if (!path)
        return W_EFAULT;
    int rc = fl__sandbox_parent(d->host, path, len, follow, CTX->no_openat2, dir, name);
    return rc < 0 ? sandbox_errno(rc) : 0;
}

/* A guest path (ptr, len) that `resolve` accepted: whether it ends in '/'.
 * The sandbox resolves "x/" to directory entry "x" (following it if it is
 * a symlink, refusing a file with ENOTDIR); a call that makes or moves a
 * name then gives the kernel "x/" (with_slash), so that it answers as
 * POSIX says: a hard link or symlink named "new/" is ENOENT and a file
 * moved to "x/" ENOTDIR, as wasmtime's path_link, path_symlink_trailing_
 * slashes and path_rename_file_trailing_slashes tests expect.  linkat,
 * symlinkat and renameat never follow the name they make or replace, even
 * with a slash after it, so this opens no way out of the sandbox. */
static bool trailing_slash(fl_host_call *call, uint32_t ptr, uint32_t len) {
    const char *p = (const char *)fl__wasi_mem(call, ptr, len);
    return p && len > 0 && p[len - 1] == '/';
}

/* `name` (a final component from resolve: at most NAME_MAX bytes) with a
 * '/' after it when `slash`; buf holds NAME_MAX + 2 bytes. */
static const char *with_slash(const char *name, bool slash, char *buf) {
    if (!slash)
        return name;
    snprintf(buf, NAME_MAX + 2, "%s/", name);
    return buf;
}

/* Builds host iovecs over the guest's (at most IOV_MAX of them: a short
 * transfer, which the guest's libc retries).  *out is freed by the caller. */
static uint16_t get_iovs(fl_host_call *call, uint32_t iovs, uint32_t n, struct iovec **out,
                         int *count) {
    const uint8_t *g = fl__wasi_mem(call, iovs, (uint64_t)n * 8);
    if (!g)
        return W_EFAULT;
    if (n > IOV_MAX)
        n = IOV_MAX;
    struct iovec *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return W_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t buf = fl__ld32(g + 8 * i), len = fl__ld32(g + 8 * i + 4);
        uint8_t *p = fl__wasi_mem(call, buf, len);
        if (!p) {
            free(v);
            return W_EFAULT;
        }
        v[i] = (struct iovec){.iov_base = p, .iov_len = len};
    }
    *out = v;
    *count = (int)n;
    return 0;
}

/* Linux's MAX_RW_COUNT: the most one transfer moves. */
#define CAPTURE_MAX_WRITE ((size_t)0x7ffff000)

/* The shared body of fd_read, fd_write, fd_pread and fd_pwrite. */
static fl_trap transfer(fl_host_call *call, fl_value *args_results, bool write, bool positioned) {
    uint64_t rights = (write ? W_R_FD_WRITE : W_R_FD_READ) | (positioned ? W_R_FD_SEEK : 0);
    GET_FD(f, 0, rights);
    uint32_t result_ptr = positioned ? A32(4) : A32(3);
    uint64_t offset = positioned ? A64(3) : 0;
    uint8_t *res = fl__wasi_mem(call, result_ptr, 4);
    if (!res)
        return RET(W_EFAULT);
    if (positioned && offset > INT64_MAX)
        return RET(W_EINVAL);
    struct iovec *v;
    int n;
    uint16_t e = get_iovs(call, A32(1), A32(2), &v, &n);
    if (e)
        return RET(e);
    if (f->capture) { /* only fd_write has the rights */
        /* at most what one write(2) moves on Linux, as a host fd would:
         * overlapping buffers cannot make the count wrap */
        size_t total = 0;
        for (int i = 0; i < n && total < CAPTURE_MAX_WRITE; i++) {
            size_t len = v[i].iov_len < CAPTURE_MAX_WRITE - total ? v[i].iov_len
                                                                  : CAPTURE_MAX_WRITE - total;
            fl_budget_log_append(CTX->budget, v[i].iov_base, len);
            total += len;
        }
        free(v);
        fl__st32(res, (uint32_t)total);
        return RET(0);
    }
    ssize_t got;
    int err = 0;
    uint64_t size = 0, charged = 0;
    bool counted = write && f->quota && f->type == W_FT_REGULAR_FILE;
    if (counted) {
        uint64_t len = 0;
        for (int i = 0; i < n; i++)
            len += v[i].iov_len;
        /* Linux appends at the end whatever the offset when O_APPEND is set */
        int fl = fcntl(f->host, F_GETFL);
        off_t cur = positioned ? 0 : lseek(f->host, 0, SEEK_CUR);
        uint64_t start = fl >= 0 && (fl & O_APPEND) ? FL__QUOTA_AT_END
                         : positioned                ? offset
                                                     : (uint64_t)(cur < 0 ? 0 : cur);
        e = fl__quota_grow(CTX, f->host, start, len, &size, &charged);
        if (e) {
            free(v);
            return RET(e);
        }
    }
    if (positioned) {
        got = write ? pwritev(f->host, v, n, (off_t)offset) : preadv(f->host, v, n, (off_t)offset);
        err = errno;
    } else if (f->stream) {
        /* pread and pwrite never wait: a stream cannot seek (ESPIPE) */
        fl_trap t = fl__wasi_stream_transfer(call, f, v, n, write, &got, &err);
        if (t != FL_TRAP_NONE) {
            free(v);
            return t;
        }
    } else {
        got = write ? writev(f->host, v, n) : readv(f->host, v, n);
        err = errno;
    }
    free(v);
    if (counted)
        fl__quota_settle(CTX, f->host, size, charged);
    if (got < 0)
        return RET(fl__wasi_errno(err));
    fl__st32(res, (uint32_t)got);
    return RET(0);
}

static fl_trap w_fd_read(fl_host_call *call, fl_value *args_results) {
    return transfer(call, args_results, false, false);
}
static fl_trap w_fd_write(fl_host_call *call, fl_value *args_results) {
    return transfer(call, args_results, true, false);
}
static fl_trap w_fd_pread(fl_host_call *call, fl_value *args_results) {
    return transfer(call, args_results, false, true);
}
static fl_trap w_fd_pwrite(fl_host_call *call, fl_value *args_results) {
    return transfer(call, args_results, true, true);
}

static fl_trap w_fd_seek(fl_host_call *call, fl_value *args_results) {
    int64_t off = (int64_t)A64(1);
    uint32_t whence = A32(2);
    /* Asking where we are is a tell, which needs only that right. */
    uint64_t need = (off == 0 && whence == 1) ? W_R_FD_TELL : W_R_FD_SEEK;
    GET_FD(f, 0, need);
    uint8_t *res = fl__wasi_mem(call, A32(3), 8);
    if (!res)
        return RET(W_EFAULT);
    static const int hw[] = {SEEK_SET, SEEK_CUR, SEEK_END};
    if (whence > 2)
        return RET(W_EINVAL);
    off_t r = lseek(f->host, off, hw[whence]);
    if (r < 0)
        return RET(ERRNO());
    fl__st64(res, (uint64_t)r);
    return RET(0);
}

static fl_trap w_fd_tell(fl_host_call *call, fl_value *args_results) {
    GET_FD(f, 0, W_R_FD_TELL);
    uint8_t *res = fl__wasi_mem(call, A32(1), 8);
    if (!res)
        return RET(W_EFAULT);
    off_t r = lseek(f->host, 0, SEEK_CUR);
    if (r < 0)
        return RET(ERRNO());
    fl__st64(res, (uint64_t)r);
    return RET(0);
}

static fl_trap w_fd_close(fl_host_call *call, fl_value *args_results) {
    GET_FD(f, 0, 0);
    fl__wasi_fd_close(CTX, f);
    return RET(0);
}

static fl_trap w_fd_sync(fl_host_call *call, fl_value *args_results) {
    GET_FD(f, 0, W_R_FD_SYNC);
    return RET(fsync(f->host) < 0 ? ERRNO() : 0);
}

static fl_trap w_fd_datasync(fl_host_call *call, fl_value *args_results) {
    GET_FD(f, 0, W_R_FD_DATASYNC);
    return RET(fdatasync(f->host) < 0 ? ERRNO() : 0);
}

static fl_trap w_fd_fdstat_get(fl_host_call *call, fl_value *args_results) {
    GET_FD(f, 0, 0);
    uint8_t *p = fl__wasi_mem(call, A32(1), 24);
    if (!p)
        return RET(W_EFAULT);
    int fl = f->capture ? 0 : fcntl(f->host, F_GETFL);
    if (fl < 0)
        return RET(ERRNO());
    uint16_t flags = 0;
    if (fl & O_APPEND)
        flags |= W_FDFLAG_APPEND;
    if (fl & O_NONBLOCK)
        flags |= W_FDFLAG_NONBLOCK;
    if ((fl & O_SYNC) == O_SYNC)
        flags |= W_FDFLAG_SYNC;
    else if (fl & O_DSYNC)
        flags |= W_FDFLAG_DSYNC;
    memset(p, 0, 24);
    p[0] = f->type;
    fl__st16(p + 2, flags);
    fl__st64(p + 8, f->rights);
    fl__st64(p + 16, f->inherit);
    return RET(0);
}

static fl_trap w_fd_fdstat_set_flags(fl_host_call *call, fl_value *args_results) {
    GET_FD(f, 0, W_R_FD_FDSTAT_SET_FLAGS);
    uint32_t flags = A32(1) & 0xffff;
    /* Linux cannot change the sync modes of an open file. */
    if (flags & (W_FDFLAG_DSYNC | W_FDFLAG_RSYNC | W_FDFLAG_SYNC))
        return RET(W_ENOTSUP);
    int fl = fcntl(f->host, F_GETFL);
    if (fl < 0)
        return RET(ERRNO());
    int want = fl & ~(O_APPEND | O_NONBLOCK);
    if (flags & W_FDFLAG_APPEND)
        want |= O_APPEND;
    if (flags & W_FDFLAG_NONBLOCK)
        want |= O_NONBLOCK;
    /* The host's stdio shares its flags with the host process (and the
     * shell around it), for every call and after this one: never change
     * them, or an O_NONBLOCK left behind makes the host's writes fail. */
    if (f->shared && want != fl)
        return RET(W_ENOTSUP);
    return RET(fcntl(f->host, F_SETFL, want) < 0 ? ERRNO() : 0);
}

static fl_trap w_fd_fdstat_set_rights(fl_host_call *call, fl_value *args_results) {
    GET_FD(f, 0, 0);
    uint64_t base = A64(1), inh = A64(2);
    /* Rights only ever shrink. */
    if ((base & ~f->rights) || (inh & ~f->inherit))
        return RET(W_ENOTCAPABLE);
    f->rights = base;
    f->inherit = inh;
    return RET(0);
}

/* Writes a preview1 filestat (64 bytes). */
static void put_filestat(uint8_t *p, const struct stat *st) {
    memset(p, 0, 64);
    fl__st64(p, (uint64_t)st->st_dev);
    fl__st64(p + 8, (uint64_t)st->st_ino);
    p[16] = fl__wasi_filetype(-1, st->st_mode);
    fl__st64(p + 24, (uint64_t)st->st_nlink);
    fl__st64(p + 32, (uint64_t)st->st_size);
    fl__st64(p + 40, (uint64_t)st->st_atim.tv_sec * 1000000000u + (uint64_t)st->st_atim.tv_nsec);
    fl__st64(p + 48, (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec);
    fl__st64(p + 56, (uint64_t)st->st_ctim.tv_sec * 1000000000u + (uint64_t)st->st_ctim.tv_nsec);
}

static fl_trap w_fd_filestat_get(fl_host_call *call, fl_value *args_results) {
    GET_FD(f, 0, W_R_FD_FILESTAT_GET);
    uint8_t *p = fl__wasi_mem(call, A32(1), 64);
    if (!p)
        return RET(W_EFAULT);
    struct stat st;
    if (f->capture) {
        memset(&st, 0, sizeof st); /* no file behind it: a bare character device */
        st.st_mode = S_IFCHR;
    } else if (fstat(f->host, &st) < 0)
        return RET(ERRNO());
    put_filestat(p, &st);
    if (f->type == W_FT_SOCKET_DGRAM || f->type == W_FT_SOCKET_STREAM)
        p[16] = f->type;
    return RET(0);
}

static fl_trap w_fd_filestat_set_size(fl_host_call *call, fl_value *args_results) {
    GET_FD(f, 0, W_R_FD_FILESTAT_SET_SIZE);
    uint64_t size = 0, charged = 0;
    if (A64(1) > INT64_MAX)
        return RET(W_EINVAL);
    if (f->quota) {
        uint16_t e = fl__quota_grow(CTX, f->host, A64(1), 0, &size, &charged);
        if (e)
            return RET(e);
    }
    uint16_t e = ftruncate(f->host, (off_t)A64(1)) < 0 ? ERRNO() : 0;
    if (f->quota)
        fl__quota_settle(CTX, f->host, size, charged);
    return RET(e);
}

/* timespec pair for futimens/utimensat from (atim, mtim, fst_flags). */
static uint16_t make_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]) {
    if (((fst & W_FST_ATIM) && (fst & W_FST_ATIM_NOW)) ||
        ((fst & W_FST_MTIM) && (fst & W_FST_MTIM_NOW)) || (fst & ~15u))
        return W_EINVAL;
    uint64_t t[2] = {atim, mtim};
    uint32_t set[2] = {W_FST_ATIM, W_FST_MTIM}, now[2] = {W_FST_ATIM_NOW, W_FST_MTIM_NOW};
    for (int i = 0; i < 2; i++) {
        if (fst & set[i])
            ts[i] = (struct timespec){.tv_sec = (time_t)(t[i] / 1000000000u),
                                      .tv_nsec = (long)(t[i] % 1000000000u)};
        else if (fst & now[i])
            ts[i] = (struct timespec){.tv_nsec = UTIME_NOW};
        else
            ts[i] = (struct timespec){.tv_nsec = UTIME_OMIT};
    }
    return 0;
}

static fl_trap w_fd_filestat_set_times(fl_host_call *call, fl_value *args_results) {
    GET_FD(f, 0, W_R_FD_FILESTAT_SET_TIMES);
    struct timespec ts[2];
    uint16_t e = make_times(A64(1), A64(2), A32(3), ts);
    if (e)
        return RET(e);
    return RET(futimens(f->host, ts) < 0 ? ERRNO() : 0);
}

static fl_trap w_fd_allocate(fl_host_call *call, fl_value *args_results) {
    GET_FD(f, 0, W_R_FD_ALLOCATE);
    uint64_t off = A64(1), len = A64(2);
    if (off > INT64_MAX || len > INT64_MAX || off + len > INT64_MAX)
        return RET(W_EINVAL);
    uint64_t size = 0, charged = 0;
    if (f->quota) {
        uint16_t e = fl__quota_grow(CTX, f->host, off, len, &size, &charged);
        if (e)
            return RET(e);
    }
    int rc = posix_fallocate(f->host, (off_t)off, (off_t)len);
    if (f->quota)
        fl__quota_settle(CTX, f->host, size, charged);
    return RET(rc ? fl__wasi_errno(rc) : 0);
}

static fl_trap w_fd_advise(fl_host_call *call, fl_value *args_results) {
    GET_FD(f, 0, W_R_FD_ADVISE);
    static const int advice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                 POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
    uint32_t a = A32(3);
    if (a >= sizeof advice / sizeof advice[0] || A64(1) > INT64_MAX || A64(2) > INT64_MAX)
        return RET(W_EINVAL);
    int rc = posix_fadvise(f->host, (off_t)A64(1), (off_t)A64(2), advice[a]);
    return RET(rc ? fl__wasi_errno(rc) : 0);
}

static fl_trap w_fd_prestat_get(fl_host_call *call, fl_value *args_results) {
    GET_FD(f, 0, 0);
    if (!f->preopen)
        return RET(W_EBADF);
    uint8_t *p = fl__wasi_mem(call, A32(1), 8);
    if (!p)
        return RET(W_EFAULT);
    memset(p, 0, 8);
    fl__st32(p + 4, (uint32_t)strlen(f->preopen));
    return RET(0);
}

static fl_trap w_fd_prestat_dir_name(fl_host_call *call, fl_value *args_results) {
    GET_FD(f, 0, 0);
    if (!f->preopen)
        return RET(W_EBADF);
    uint32_t n = (uint32_t)strlen(f->preopen);
    uint8_t *p = fl__wasi_mem(call, A32(1), A32(2));
    if (!p)
        return RET(W_EFAULT);
    if (A32(2) < n)
        return RET(W_ENAMETOOLONG);
    memcpy(p, f->preopen, n);
    return RET(0);
}

static uint8_t dirent_type(int dfd, const struct dirent *e) {
    switch (e->d_type) {
    case DT_REG: return W_FT_REGULAR_FILE;
    case DT_DIR: return W_FT_DIRECTORY;
    case DT_LNK: return W_FT_SYMBOLIC_LINK;
    case DT_CHR: return W_FT_CHARACTER_DEVICE;
    case DT_BLK: return W_FT_BLOCK_DEVICE;
    case DT_SOCK: return W_FT_SOCKET_STREAM;
    case DT_UNKNOWN: {
        struct stat st;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            return fl__wasi_filetype(-1, st.st_mode);
        return W_FT_UNKNOWN;
    }
    default: return W_FT_UNKNOWN;
    }
}

/* Entries are numbered from the start of a fresh listing, and the cookie is
 * the number of entries already seen: stateless, so fds can be shared and
 * renumbered freely. */
static fl_trap w_fd_readdir(fl_host_call *call, fl_value *args_results) {
    GET_FD(f, 0, W_R_FD_READDIR);
    uint32_t len = A32(2);
    uint64_t cookie = A64(3);
    uint8_t *buf = fl__wasi_mem(call, A32(1), len);
    uint8_t *used_p = fl__wasi_mem(call, A32(4), 4);
    if (!buf || !used_p)
        return RET(W_EFAULT);
    if (f->type != W_FT_DIRECTORY)
        return RET(W_ENOTDIR);
    int dfd = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return RET(ERRNO());
    DIR *d = fdopendir(dfd);
    if (!d) {
        uint16_t e = ERRNO();
        close(dfd);
        return RET(e);
    }
    uint32_t used = 0;
    uint64_t idx = 0;
    struct dirent *e;
    errno = 0;
    while (used < len && (e = readdir(d))) {
        if (idx++ < cookie)
            continue;
        uint8_t hdr[24] = {0};
        size_t namlen = strlen(e->d_name);
        fl__st64(hdr, idx);
        fl__st64(hdr + 8, (uint64_t)e->d_ino);
        fl__st32(hdr + 16, (uint32_t)namlen);
        hdr[20] = dirent_type(dirfd(d), e);
        /* The last entry may be cut short: bufused == len tells the guest. */
        uint32_t n = len - used < 24 ? len - used : 24;
        memcpy(buf + used, hdr, n);
        used += n;
        n = len - used < namlen ? len - used : (uint32_t)namlen;
        memcpy(buf + used, e->d_name, n);
        used += n;
    }
    closedir(d);
    fl__st32(used_p, used);
    return RET(0);
}

static fl_trap w_fd_renumber(fl_host_call *call, fl_value *args_results) {
    GET_FD(from, 0, 0);
    GET_FD(to, 1, 0);
    if (from == to)
        return RET(0);
    fl__wasi_fd_close(CTX, to);
    *to = *from;
    *from = (fl__wasi_fd){0};
    return RET(0);
}

/* ---- paths ---- */

/* The directory fd argument `i` with `rights`, resolved path (ptr, len). */
#define RESOLVE(d, i, rights, ptr, len, follow)                               \
    GET_FD(d, i, rights);                                                     \
    int dir;                                                                  \
    char name[PATH_MAX];                                                      \
    {                                                                         \
        uint16_t e_ = resolve(call, d, ptr, len, follow, &dir, name);         \
        if (e_)                                                               \
            return RET(e_);                                                   \
    }

/* A new name in directory fd `d`: its cost when d is quota'd.  0 or W_ENOSPC. */
static uint16_t charge_name(fl_host_call *call, const fl__wasi_fd *d) {
    return d->quota ? fl__quota_charge(CTX, FL__WASI_NAME_COST) : 0;
}

/* Gives back what charge_name took, when the call that needed it failed. */
static void unused_name(fl_host_call *call, const fl__wasi_fd *d, uint16_t e) {
    if (e && d->quota)
        fl__quota_release(CTX, FL__WASI_NAME_COST);
}

static fl_trap w_path_create_directory(fl_host_call *call, fl_value *args_results) {
    RESOLVE(d, 0, W_R_PATH_CREATE_DIRECTORY, A32(1), A32(2), false);
    uint16_t e = charge_name(call, d);
    if (!e) {
        e = mkdirat(dir, name, 0777) < 0 ? ERRNO() : 0;
        unused_name(call, d, e);
    }
    close(dir);
    return RET(e);
}

static fl_trap w_path_remove_directory(fl_host_call *call, fl_value *args_results) {
    RESOLVE(d, 0, W_R_PATH_REMOVE_DIRECTORY, A32(1), A32(2), false);
    int rc = unlinkat(dir, name, AT_REMOVEDIR);
    uint16_t e = rc < 0 ? ERRNO() : 0;
    if (!e && d->quota)
        fl__quota_release(CTX, FL__WASI_NAME_COST);
    close(dir);
    return RET(e);
}

static fl_trap w_path_unlink_file(fl_host_call *call, fl_value *args_results) {
    RESOLVE(d, 0, W_R_PATH_UNLINK_FILE, A32(1), A32(2), false);
    struct stat st;
    bool known = d->quota && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
    int rc = unlinkat(dir, name, 0);
    uint16_t e = rc < 0 ? ERRNO() : 0;
    if (!e && known)
        fl__quota_removed(CTX, &st);
    close(dir);
    return RET(e);
}

static fl_trap w_path_filestat_get(fl_host_call *call, fl_value *args_results) {
    {
        /* "." is the directory itself: no walk, no fd (wasi-libc's stat and
         * chdir of a preopen's own path ask this, as every function's
         * SDK start does for /tmp) */
        GET_FD(d, 0, W_R_PATH_FILESTAT_GET);
        const char *path = (const char *)fl__wasi_mem(call, A32(2), A32(3));
        if (d->type == W_FT_DIRECTORY && path && A32(3) == 1 && path[0] == '.') {
            uint8_t *p = fl__wasi_mem(call, A32(4), 64);
            struct stat st;
            if (!p)
                return RET(W_EFAULT);
            if (fstat(d->host, &st) < 0)
                return RET(ERRNO());
            put_filestat(p, &st);
            return RET(0);
        }
    }
    RESOLVE(d, 0, W_R_PATH_FILESTAT_GET, A32(2), A32(3), A32(1) & W_LOOKUP_SYMLINK_FOLLOW);
    uint8_t *p = fl__wasi_mem(call, A32(4), 64);
    struct stat st;
    uint16_t e = !p ? W_EFAULT : fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ? ERRNO() : 0;
    close(dir);
    if (!e)
        put_filestat(p, &st);
    return RET(e);
}

static fl_trap w_path_filestat_set_times(fl_host_call *call, fl_value *args_results) {
    struct timespec ts[2];
    uint16_t e = make_times(A64(4), A64(5), A32(6), ts);
    if (e)
        return RET(e);
    RESOLVE(d, 0, W_R_PATH_FILESTAT_SET_TIMES, A32(2), A32(3), A32(1) & W_LOOKUP_SYMLINK_FOLLOW);
    e = utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0 ? ERRNO() : 0;
    close(dir);
    return RET(e);
}

static fl_trap w_path_readlink(fl_host_call *call, fl_value *args_results) {
    RESOLVE(d, 0, W_R_PATH_READLINK, A32(1), A32(2), false);
    uint32_t blen = A32(4);
    uint8_t *buf = fl__wasi_mem(call, A32(3), blen);
    uint8_t *used = fl__wasi_mem(call, A32(5), 4);
    uint16_t e = 0;
    if (!buf || !used) {
        e = W_EFAULT;
    } else {
        ssize_t n = readlinkat(dir, name, (char *)buf, blen);
        if (n < 0)
            e = ERRNO();
        else
            fl__st32(used, (uint32_t)n);
    }
    close(dir);
    return RET(e);
}

/* The answer of fl__sandbox_check_link / check_tree as a WASI errno. */
static uint16_t link_errno(int rc) {
    return rc == -EXDEV ? W_ENOTCAPABLE : rc == -EPERM ? W_EPERM : fl__wasi_errno(-rc);
}

/* A guest never places a symlink whose target leaves the preopen it is in
 * (a host tool following it would leave the sandbox): not by making one
 * (path_symlink), nor by moving or linking one where its `..` climb higher,
 * nor by moving a directory that holds one nearer the root.  For name
 * `name` in directory `dir` (of guest fd `od`) about to appear in `ndir`
 * (of `nd`) by a rename (`rename`) or a hard link: 0 or a WASI errno. */
static uint16_t check_move(fl_host_call *call, const fl__wasi_fd *od, int dir, const char *name,
                           const fl__wasi_fd *nd, int ndir, bool rename) {
    struct stat st;
    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return 0; /* the rename or link itself reports it */
    if (S_ISLNK(st.st_mode)) {
        char *target = malloc(PATH_MAX);
        if (!target)
            return W_ENOMEM;
        ssize_t n = readlinkat(dir, name, target, PATH_MAX - 1);
        uint16_t e = n < 0 ? ERRNO() : 0;
        if (!e) {
            target[n] = 0;
            int rc = fl__sandbox_check_link(ndir, nd->root_dev, nd->root_ino, target);
            e = rc < 0 ? link_errno(rc) : 0;
        }
        free(target);
        return e;
    }
    if (!rename || !S_ISDIR(st.st_mode))
        return 0;
    /* A symlink climbs at most PATH_MAX / 3 levels: deeper is always safe. */
    long max = PATH_MAX / 3 + 1;
    long to = fl__sandbox_depth(ndir, nd->root_dev, nd->root_ino, max);
    long from = fl__sandbox_depth(dir, od->root_dev, od->root_ino, max);
    if (to < 0)
        return link_errno((int)to);
    bool same_root = od->root_dev == nd->root_dev && od->root_ino == nd->root_ino;
    if (to > max || (same_root && from >= 0 && to >= from))
        return 0; /* as deep as before, or deeper: nothing climbs further out */
    int top = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (top < 0)
        return ERRNO();
    int rc = fl__sandbox_check_tree(top, to + 1, &call->exec->interrupt);
    close(top);
    return rc == -EINTR ? W_EINTR : rc < 0 ? link_errno(rc) : 0;
}

/* Renames and hard links never cross the edge of a quota'd preopen: a file
 * brought in would be counted by no one, one taken out would leave its
 * charge behind, and a name made there for a file of the read-only root
 * could be written through.  EXDEV, as between file systems: tools copy. */
static bool crosses_quota(const fl__wasi_fd *a, const fl__wasi_fd *b) {
    return (a->quota || b->quota) && (a->root_dev != b->root_dev || a->root_ino != b->root_ino);
}

static fl_trap w_path_symlink(fl_host_call *call, fl_value *args_results) {
    uint32_t tlen = A32(1);
    const char *t = (const char *)fl__wasi_mem(call, A32(0), tlen);
    if (!t)
        return RET(W_EFAULT);
    if (tlen >= PATH_MAX)
        return RET(W_ENAMETOOLONG);
    if (memchr(t, 0, tlen))
        return RET(W_EINVAL);
    char target[PATH_MAX];
    memcpy(target, t, tlen);
    target[tlen] = 0;
    RESOLVE(d, 2, W_R_PATH_SYMLINK, A32(3), A32(4), false);
    char slashed[NAME_MAX + 2];
    bool slash = trailing_slash(call, A32(3), A32(4));
    int rc = fl__sandbox_check_link(dir, d->root_dev, d->root_ino, target);
    uint16_t e = rc < 0 ? link_errno(rc) : charge_name(call, d);
    if (!e) {
        e = symlinkat(target, dir, with_slash(name, slash, slashed)) < 0 ? ERRNO() : 0;
        unused_name(call, d, e);
    }
    close(dir);
    return RET(e);
}

static fl_trap w_path_link(fl_host_call *call, fl_value *args_results) {
    RESOLVE(od, 0, W_R_PATH_LINK_SOURCE, A32(2), A32(3), A32(1) & W_LOOKUP_SYMLINK_FOLLOW);
    uint16_t nd_err;
    fl__wasi_fd *nd = fl__wasi_fd_get(CTX, A32(4), W_R_PATH_LINK_TARGET, &nd_err);
    int ndir = -1;
    char nname[PATH_MAX], slashed[NAME_MAX + 2];
    bool slash = trailing_slash(call, A32(5), A32(6));
    uint16_t e = nd ? resolve(call, nd, A32(5), A32(6), false, &ndir, nname) : nd_err;
    if (!e && crosses_quota(od, nd))
        e = W_EXDEV;
    if (!e)
        e = check_move(call, od, dir, name, nd, ndir, false);
    if (!e)
        e = charge_name(call, nd);
    if (!e) {
        e = linkat(dir, name, ndir, with_slash(nname, slash, slashed), 0) < 0 ? ERRNO() : 0;
        unused_name(call, nd, e);
    }
    close(dir);
    if (ndir >= 0)
        close(ndir);
    return RET(e);
}

static fl_trap w_path_rename(fl_host_call *call, fl_value *args_results) {
    RESOLVE(od, 0, W_R_PATH_RENAME_SOURCE, A32(1), A32(2), false);
    uint16_t nd_err;
    fl__wasi_fd *nd = fl__wasi_fd_get(CTX, A32(3), W_R_PATH_RENAME_TARGET, &nd_err);
    int ndir = -1;
    char nname[PATH_MAX], slashed[NAME_MAX + 2];
    bool slash = trailing_slash(call, A32(4), A32(5));
    struct stat src, old;
    bool replaces = false;
    uint16_t e = nd ? resolve(call, nd, A32(4), A32(5), false, &ndir, nname) : nd_err;
    if (!e && crosses_quota(od, nd))
        e = W_EXDEV;
    if (!e)
        e = check_move(call, od, dir, name, nd, ndir, true);
    bool interrupted = e == W_EINTR; /* only a timeout stops the tree check halfway */
    /* A name it replaces goes, with its charge (not when both are one file,
     * which leaves everything as it was). */
    if (!e && nd->quota && fstatat(ndir, nname, &old, AT_SYMLINK_NOFOLLOW) == 0)
        replaces = fstatat(dir, name, &src, AT_SYMLINK_NOFOLLOW) < 0 ||
                   src.st_dev != old.st_dev || src.st_ino != old.st_ino;
    if (!e)
        e = renameat(dir, name, ndir, with_slash(nname, slash, slashed)) < 0 ? ERRNO() : 0;
    if (!e && replaces)
        fl__quota_removed(CTX, &old);
    close(dir);
    if (ndir >= 0)
        close(ndir);
    return interrupted ? FL_TRAP_INTERRUPTED : RET(e);
}

/* The host's secrets no guest may open, whatever a preopen exposes (a
 * runtime root or --dir of the host's "/", a hard link, a bind mount): as
 * Faasm masks them.  Known by identity (device and inode), taken once. */
static const char *const BLOCKED[] = {"/etc/shadow",  "/etc/gshadow", "/etc/shadow-",
                                      "/etc/gshadow-", "/etc/sudoers", "/etc/master.passwd"};
#define NBLOCKED (sizeof BLOCKED / sizeof BLOCKED[0])
static struct { dev_t dev; ino_t ino; bool set; } blocked[NBLOCKED];
static pthread_once_t blocked_once = PTHREAD_ONCE_INIT;

static void blocked_init(void) {
    struct stat st;
    for (size_t i = 0; i < NBLOCKED; i++)
        if (stat(BLOCKED[i], &st) == 0)
            blocked[i].dev = st.st_dev, blocked[i].ino = st.st_ino, blocked[i].set = true;
}

/* Whether a file with this stat is one of the host's blocked files. */
static bool is_blocked(const struct stat *st) {
    pthread_once(&blocked_once, blocked_init);
    for (size_t i = 0; i < NBLOCKED; i++)
        if (blocked[i].set && blocked[i].dev == st->st_dev && blocked[i].ino == st->st_ino)
            return true;
    return false;
}

/* Stats guest path (ptr, len) beneath directory fd d as path_open would
 * find it: 0 or -errno. */
static int stat_path(fl_host_call *call, const fl__wasi_fd *d, const char *path, uint32_t len,
                     bool follow, struct stat *st) {
    int dir;
    char name[PATH_MAX];
    int rc = fl__sandbox_parent(d->host, path, len, follow, CTX->no_openat2, &dir, name);
    if (rc < 0)
        return rc;
    rc = fstatat(dir, name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
    close(dir);
    return rc;
}

/* Faasm's shared files: "faasm://PATH" (wasi-libc resolves it against
 * whichever preopen it likes, the root "/" here) opens PATH beneath the
 * "/faasm:" preopen, read-only, when the context has one.  Returns
 * whether it did. */
static bool faasm_shared(fl_wasi *w, fl__wasi_fd **d, const char **path, uint32_t *len) {
    if (*len < 7 || memcmp(*path, "faasm:/", 7))
        return false;
    for (uint32_t i = 0; i < w->nfds; i++)
        if (w->fds[i].used && w->fds[i].preopen && !strcmp(w->fds[i].preopen, "/faasm:")) {
            const char *p = *path + 6;
            uint32_t n = *len - 6;
            while (n && *p == '/')
                p++, n--;
            if (!n) {
                p = ".";
                n = 1;
            }
            *d = &w->fds[i];
            *path = p;
            *len = n;
            return true;
        }
    return false;
}

static fl_trap w_path_open(fl_host_call *call, fl_value *args_results) {
    uint32_t lookup = A32(1), oflags = A32(4), fdflags = A32(7);
    uint64_t base = A64(5), inh = A64(6);
    uint64_t need = W_R_PATH_OPEN;
    if (oflags & W_O_CREAT)
        need |= W_R_PATH_CREATE_FILE;
    if (oflags & W_O_TRUNC)
        need |= W_R_PATH_FILESTAT_SET_SIZE;
    GET_FD(d, 0, need);
    uint8_t *res = fl__wasi_mem(call, A32(8), 4);
    const char *path = (const char *)fl__wasi_mem(call, A32(2), A32(3));
    uint32_t plen = A32(3);
    if (!res || !path)
        return RET(W_EFAULT);
    if (faasm_shared(CTX, &d, &path, &plen)) {
        /* the rights asked were masked with the other preopen's */
        base &= d->inherit;
        inh &= d->inherit;
    }
    if (d->type != W_FT_DIRECTORY)
        return RET(W_ENOTDIR);
    /* The new fd may hold only what the directory passes on (witx:
     * rights_inheriting); asking for more is ENOTCAPABLE, as uvwasi
     * answers.  wasi-libc's open() asks for its access mode's rights
     * masked with the directory's inheriting ones, so it never is. */
    if ((base | inh) & ~d->inherit)
        return RET(W_ENOTCAPABLE);
    /* A directory is never created, truncated or made exclusively (Linux
     * says EINVAL only since 6.4; wasmtime says so always). */
    if ((oflags & W_O_DIRECTORY) && (oflags & (W_O_CREAT | W_O_EXCL | W_O_TRUNC)))
        return RET(W_EINVAL);

    /* Rights that write ask for a writable open, which a directory refuses
     * (EISDIR, as open(2), wasmtime and uvwasi answer; the same set as
     * theirs).  A directory's own base rights have none of them. */
    bool rd = base & (W_R_FD_READ | W_R_FD_READDIR);
    bool wr = base & (W_R_FD_DATASYNC | W_R_FD_WRITE | W_R_FD_ALLOCATE | W_R_FD_FILESTAT_SET_SIZE);
    int flags = !wr ? O_RDONLY : rd ? O_RDWR : O_WRONLY;
    if (oflags & W_O_CREAT)
        flags |= O_CREAT;
    if (oflags & W_O_DIRECTORY)
        flags |= O_DIRECTORY;
    if (oflags & W_O_EXCL)
        flags |= O_EXCL;
    if (oflags & W_O_TRUNC)
        flags |= O_TRUNC;
    if (fdflags & W_FDFLAG_APPEND)
        flags |= O_APPEND;
    if (fdflags & W_FDFLAG_NONBLOCK)
        flags |= O_NONBLOCK;
    if (fdflags & W_FDFLAG_DSYNC)
        flags |= O_DSYNC;
    if (fdflags & (W_FDFLAG_SYNC | W_FDFLAG_RSYNC))
        flags |= O_SYNC;
    if ((fdflags & (W_FDFLAG_DSYNC | W_FDFLAG_SYNC | W_FDFLAG_RSYNC)) &&
        !(d->rights & (W_R_FD_DATASYNC | W_R_FD_SYNC)))
        return RET(W_ENOTCAPABLE);
    /* Belt and braces: nothing beneath a read-only preopen is opened for change. */
    if (d->read_only && (flags & (O_CREAT | O_TRUNC | O_APPEND) || wr))
        return RET(W_EROFS);

    bool follow = lookup & W_LOOKUP_SYMLINK_FOLLOW;
    uint16_t e = fl__wasi_fd_charge(CTX);
    if (e)
        return RET(e);
    /* Beneath a quota: a file it makes costs a name, one it empties gives
     * its bytes back. */
    struct stat before, st;
    bool exists = false, named = false;
    bool quota_counts = d->quota && (flags & (O_CREAT | O_TRUNC));
    if ((flags & O_TRUNC) || quota_counts)
        exists = stat_path(call, d, path, plen, follow, &before) == 0;
    /* a blocked file is refused before an O_TRUNC could empty it */
    if ((flags & O_TRUNC) && exists && is_blocked(&before)) {
        e = W_EACCES;
        goto fail;
    }
    if (quota_counts && (flags & O_CREAT) && !exists) {
        e = fl__quota_charge(CTX, FL__WASI_NAME_COST);
        if (e)
            goto fail;
        named = true;
    }
    int fd;
    int rc = fl__sandbox_open(d->host, path, plen, flags, 0666, follow, CTX->no_openat2, &fd);
    if (rc < 0) {
        e = sandbox_errno(rc);
        goto fail;
    }
    if (fstat(fd, &st) < 0) {
        e = ERRNO();
        close(fd);
        goto fail;
    }
    if (is_blocked(&st)) {
        e = W_EACCES;
        close(fd);
        goto fail;
    }
    if (quota_counts && (flags & O_TRUNC) && exists && S_ISREG(before.st_mode) &&
        before.st_dev == st.st_dev && before.st_ino == st.st_ino)
        fl__quota_release(CTX, (uint64_t)before.st_size);
    /* What does not apply to what was opened is dropped (witx allows
     * exactly that): a directory keeps no file rights, a file no path
     * rights and nothing to pass on. */
    uint8_t type = fl__wasi_filetype(fd, st.st_mode);
    if (type == W_FT_DIRECTORY) {
        base &= W_R_DIR_BASE;
    } else {
        base &= W_R_FILE_BASE;
        inh = 0;
    }
    int64_t n = fl__wasi_fd_add(CTX, (fl__wasi_fd){.host = fd, .type = type,
                                                   .rights = base, .inherit = inh,
                                                   .read_only = d->read_only, .quota = d->quota,
                                                   .stream = fl__wasi_may_block(st.st_mode),
                                                   .root_dev = d->root_dev,
                                                   .root_ino = d->root_ino});
    if (n < 0)
        return RET(-n); /* the file stays: it exists now, as after any open */
    fl__st32(res, (uint32_t)n);
    return RET(0);
fail:
    if (named)
        fl__quota_release(CTX, FL__WASI_NAME_COST);
    fl_budget_release(CTX->budget, FL_BUDGET_FDS, 1);
    return RET(e);
}

#define M "wasi_snapshot_preview1"
const fl_host_def fl__wasi_fs_defs[] = {
    {M, "fd_advise", "iIIi:i", w_fd_advise, NULL},
    {M, "fd_allocate", "iII:i", w_fd_allocate, NULL},
    {M, "fd_close", "i:i", w_fd_close, NULL},
    {M, "fd_datasync", "i:i", w_fd_datasync, NULL},
    {M, "fd_fdstat_get", "ii:i", w_fd_fdstat_get, NULL},
    {M, "fd_fdstat_set_flags", "ii:i", w_fd_fdstat_set_flags, NULL},
    {M, "fd_fdstat_set_rights", "iII:i", w_fd_fdstat_set_rights, NULL},
    {M, "fd_filestat_get", "ii:i", w_fd_filestat_get, NULL},
    {M, "fd_filestat_set_size", "iI:i", w_fd_filestat_set_size, NULL},
    {M, "fd_filestat_set_times", "iIIi:i", w_fd_filestat_set_times, NULL},
    {M, "fd_pread", "iiiIi:i", w_fd_pread, NULL},
    {M, "fd_prestat_get", "ii:i", w_fd_prestat_get, NULL},
    {M, "fd_prestat_dir_name", "iii:i", w_fd_prestat_dir_name, NULL},
    {M, "fd_pwrite", "iiiIi:i", w_fd_pwrite, NULL},
    {M, "fd_read", "iiii:i", w_fd_read, NULL},
    {M, "fd_readdir", "iiiIi:i", w_fd_readdir, NULL},
    {M, "fd_renumber", "ii:i", w_fd_renumber, NULL},
    {M, "fd_seek", "iIii:i", w_fd_seek, NULL},
    {M, "fd_sync", "i:i", w_fd_sync, NULL},
    {M, "fd_tell", "ii:i", w_fd_tell, NULL},
    {M, "fd_write", "iiii:i", w_fd_write, NULL},
    {M, "path_create_directory", "iii:i", w_path_create_directory, NULL},
    {M, "path_filestat_get", "iiiii:i", w_path_filestat_get, NULL},
    {M, "path_filestat_set_times", "iiiiIIi:i", w_path_filestat_set_times, NULL},
    {M, "path_link", "iiiiiii:i", w_path_link, NULL},
    {M, "path_open", "iiiiiIIii:i", w_path_open, NULL},
    {M, "path_readlink", "iiiiii:i", w_path_readlink, NULL},
    {M, "path_remove_directory", "iii:i", w_path_remove_directory, NULL},
    {M, "path_rename", "iiiiii:i", w_path_rename, NULL},
    {M, "path_symlink", "iiiii:i", w_path_symlink, NULL},
    {M, "path_unlink_file", "iii:i", w_path_unlink_file, NULL},
};
const size_t fl__wasi_fs_ndefs = sizeof fl__wasi_fs_defs / sizeof fl__wasi_fs_defs[0];
