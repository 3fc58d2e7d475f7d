/*
 * wasi.c: the WASI context (arguments, environment, fd table), the one
 * checked access to guest memory, and the calls that are not about files:
 * args, environ, clocks, random, proc, sched, poll_oneoff and sock.  The
 * file calls are in wasi_fs.c, path resolution in sandbox.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

/* ---- guest memory, errnos, the fd table ---- */

uint8_t *fl__wasi_mem(fl_host_call *call, uint32_t ptr, uint64_t len) {
    fl_instance *inst = call->caller;
    if (!inst || !inst->module || fl_module_total_memories(inst->module) == 0)
        return NULL;
    fl_memory *m = inst->memories[0];
    if ((uint64_t)ptr + len > m->size)
        return NULL;
    return m->base + ptr;
}

uint16_t fl__wasi_errno(int e) {
    switch (e) {
    case 0: return W_ESUCCESS;
    case E2BIG: return W_E2BIG;
    case EACCES: return W_EACCES;
    case EADDRINUSE: return 3;
    case EADDRNOTAVAIL: return 4;
    case EAFNOSUPPORT: return 5;
    case EAGAIN: return W_EAGAIN;
    case EALREADY: return 7;
    case EBADF: return W_EBADF;
    case EBADMSG: return 9;
    case EBUSY: return W_EBUSY;
    case ECANCELED: return 11;
    case ECHILD: return 12;
    case ECONNABORTED: return 13;
    case ECONNREFUSED: return 14;
    case ECONNRESET: return 15;
    case EDEADLK: return 16;
    case EDESTADDRREQ: return 17;
    case EDOM: return 18;
    case EDQUOT: return 19;
    case EEXIST: return W_EEXIST;
    case EFAULT: return W_EFAULT;
    case EFBIG: return W_EFBIG;
    case EHOSTUNREACH: return 23;
    case EIDRM: return 24;
    case EILSEQ: return 25;
    case EINPROGRESS: return 26;
    case EINTR: return W_EINTR;
    case EINVAL: return W_EINVAL;
    case EIO: return W_EIO;
    case EISCONN: return 30;
    case EISDIR: return W_EISDIR;
    case ELOOP: return W_ELOOP;
    case EMFILE: return W_EMFILE;
    case EMLINK: return 34;
    case EMSGSIZE: return 35;
    case EMULTIHOP: return 36;
    case ENAMETOOLONG: return W_ENAMETOOLONG;
    case ENETDOWN: return 38;
    case ENETRESET: return 39;
    case ENETUNREACH: return 40;
    case ENFILE: return 41;
    case ENOBUFS: return W_ENOBUFS;
    case ENODEV: return 43;
    case ENOENT: return W_ENOENT;
    case ENOEXEC: return 45;
    case ENOLCK: return 46;
    case ENOLINK: return 47;
    case ENOMEM: return W_ENOMEM;
    case ENOMSG: return 49;
    case ENOPROTOOPT: return 50;
    case ENOSPC: return 51;
    case ENOSYS: return W_ENOSYS;
    case ENOTCONN: return 53;
    case ENOTDIR: return W_ENOTDIR;
    case ENOTEMPTY: return W_ENOTEMPTY;
    case ENOTRECOVERABLE: return 56;
    case ENOTSOCK: return W_ENOTSOCK;
    case EOPNOTSUPP: return W_ENOTSUP;
    case ENOTTY: return 59;
    case ENXIO: return 60;
    case EOVERFLOW: return W_EOVERFLOW;
    case EOWNERDEAD: return 62;
    case EPERM: return W_EPERM;
    case EPIPE: return 64;
    case EPROTO: return 65;
    case EPROTONOSUPPORT: return 66;
    case EPROTOTYPE: return 67;
    case ERANGE: return 68;
    case EROFS: return W_EROFS;
    case ESPIPE: return W_ESPIPE;
    case ESRCH: return 71;
    case ESTALE: return 72;
    case ETIMEDOUT: return 73;
    case ETXTBSY: return 74;
    /* A real cross-device rename or link (between two preopens); the
     * sandbox's EXDEV for an escape never reaches here (wasi_fs.c). */
    case EXDEV: return W_EXDEV;
    default: return W_EIO;
    }
}

fl__wasi_fd *fl__wasi_fd_get(fl_wasi *w, uint32_t fd, uint64_t rights, uint16_t *err) {
    if (fd >= w->nfds || !w->fds[fd].used) {
        *err = W_EBADF;
        return NULL;
    }
    fl__wasi_fd *f = &w->fds[fd];
    if (f->type == W_FT_DIRECTORY ? (rights & W_R_FILE_ONLY) : (rights & W_R_DIR_ONLY)) {
        *err = f->type == W_FT_DIRECTORY ? W_EBADF : W_ENOTDIR;
        return NULL;
    }
    if ((f->rights & rights) != rights) {
        *err = W_ENOTCAPABLE;
        return NULL;
    }
    *err = 0;
    return f;
}

uint16_t fl__wasi_fd_charge(fl_wasi *w) {
    return fl_budget_charge(w->budget, FL_BUDGET_FDS, 1) < 0 ? W_EMFILE : 0;
}

int64_t fl__wasi_fd_add(fl_wasi *w, fl__wasi_fd f) {
    return fl__wasi_fd_add_at(w, f, 0);
}

int64_t fl__wasi_fd_add_at(fl_wasi *w, fl__wasi_fd f, uint32_t min) {
    uint32_t i = min;
    uint16_t err = W_EMFILE;
    while (i < w->nfds && w->fds[i].used)
        i++;
    if (i >= FL__WASI_MAX_FDS)
        goto fail;
    if (i >= w->nfds) {
        uint32_t ncap = w->nfds ? w->nfds * 2 : 8;
        while (ncap <= i)
            ncap *= 2;
        if (ncap > FL__WASI_MAX_FDS)
            ncap = FL__WASI_MAX_FDS;
        fl__wasi_fd *nf = realloc(w->fds, ncap * sizeof *nf);
        if (!nf) {
            err = W_ENOMEM;
            goto fail;
        }
        memset(nf + w->nfds, 0, (ncap - w->nfds) * sizeof *nf);
        w->fds = nf;
        w->nfds = ncap;
    }
    if (f.read_only) {
        f.rights &= ~W_R_MUTATING;
        f.inherit &= ~W_R_MUTATING;
    }
    f.used = true;
    w->fds[i] = f;
    return i;
fail:
    if (f.host >= 0) { /* a captured stdio's copy holds none */
        close(f.host);
        fl_budget_release(w->budget, FL_BUDGET_FDS, 1);
    }
    return -(int64_t)err;
}

void fl__wasi_fd_close(fl_wasi *w, fl__wasi_fd *f) {
    if (f->host >= 0) {
        struct stat st;
        /* the last holder of a quota'd file whose last link is gone frees its blocks */
        if (f->quota && fstat(f->host, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0 &&
            !fl__quota_held(w, st.st_dev, st.st_ino, f))
            fl__quota_release(w, (uint64_t)st.st_size);
        close(f->host);
        fl_budget_release(w->budget, FL_BUDGET_FDS, 1);
    }
    free(f->preopen);
    *f = (fl__wasi_fd){0};
}

uint8_t fl__wasi_filetype(int host, uint32_t mode) {
    switch (mode & S_IFMT) {
    case S_IFREG: return W_FT_REGULAR_FILE;
    case S_IFDIR: return W_FT_DIRECTORY;
    case S_IFCHR: return W_FT_CHARACTER_DEVICE;
    case S_IFBLK: return W_FT_BLOCK_DEVICE;
    case S_IFLNK: return W_FT_SYMBOLIC_LINK;
    case S_IFSOCK: {
        int type = 0;
        socklen_t len = sizeof type;
        if (host >= 0 && getsockopt(host, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
            type == SOCK_DGRAM)
            return W_FT_SOCKET_DGRAM;
        return W_FT_SOCKET_STREAM;
    }
    default: return W_FT_UNKNOWN; /* FIFOs have no WASI type */
    }
}

bool fl__wasi_may_block(uint32_t mode) {
    return S_ISFIFO(mode) || S_ISSOCK(mode) || S_ISCHR(mode);
}

/* ---- the context ---- */

void fl_wasi_config_init(fl_wasi_config *c) {
    memset(c, 0, sizeof *c);
    c->stdio[0] = 0;
    c->stdio[1] = 1;
    c->stdio[2] = 2;
}

/* Copies n strings into a NULL-terminated array; *bytes = sum of strlen + 1. */
static char **copy_strings(const char *const *src, size_t n, size_t *bytes) {
    char **dst = calloc(n + 1, sizeof *dst);
    *bytes = 0;
    if (!dst)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        dst[i] = strdup(src[i]);
        if (!dst[i])
            goto fail;
        *bytes += strlen(src[i]) + 1;
    }
    return dst;
fail:
    for (size_t i = 0; i < n; i++)
        free(dst[i]);
    free(dst);
    return NULL;
}

static void free_strings(char **s, size_t n) {
    if (!s)
        return;
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

/* Guest fd i (0, 1, 2) as a stream over a duplicate of host fd `host`, or
 * closed (a placeholder until the preopens are in) when host < 0.  Returns
 * 0 or -1 with a message in err. */
static int add_stdio(fl_wasi *w, int i, int host, char *err, size_t errlen) {
    struct stat st;
    if (host == FL_WASI_STDIO_CAPTURE && i > 0) {
        w->fds[i] = (fl__wasi_fd){.used = true, .host = -1, .capture = true,
                                  .type = W_FT_CHARACTER_DEVICE, .rights = W_R_STDOUT};
        return 0;
    }
    if (host < 0) {
        w->fds[i] = (fl__wasi_fd){.used = true, .host = -1};
        return 0;
    }
    if (fl__wasi_fd_charge(w)) {
        snprintf(err, errlen, "the call tree holds its limit of %llu file descriptors",
                 (unsigned long long)fl_budget_limit(w->budget, FL_BUDGET_FDS));
        return -1;
    }
    int h = fcntl(host, F_DUPFD_CLOEXEC, 3);
    if (h < 0 || fstat(h, &st) < 0) {
        snprintf(err, errlen, "cannot use fd %d for stdio: %s", host, strerror(errno));
        if (h >= 0)
            close(h);
        fl_budget_release(w->budget, FL_BUDGET_FDS, 1);
        return -1;
    }
    uint8_t type = fl__wasi_filetype(h, st.st_mode);
    /* wasi-libc's isatty() is a character device without seek and tell,
     * which stdio never has: other devices (/dev/null) show no type */
    if (type == W_FT_CHARACTER_DEVICE && !isatty(h))
        type = W_FT_UNKNOWN;
    w->fds[i] = (fl__wasi_fd){.used = true, .host = h, .type = type, .shared = true,
                              .stream = fl__wasi_may_block(st.st_mode),
                              .rights = i == 0 ? W_R_STDIN : W_R_STDOUT};
    return 0;
}

/* Opens stdio and the preopens into an empty table (fds 0, 1, 2, then 3,
 * 4, ...), each charged to w->budget.  Returns 0 or -1 with err. */
static int open_table(fl_wasi *w, char *err, size_t errlen) {
    /* Guest fds 0, 1 and 2 are stdio even when closed, so preopens start at 3. */
    for (int i = 0; i < 3; i++)
        if (add_stdio(w, i, w->stdio[i], err, errlen) < 0)
            return -1;

    for (size_t i = 0; i < w->npreopens; i++) {
        const fl_wasi_preopen *p = &w->preopens[i];
        struct stat st;
        if (fl__wasi_fd_charge(w)) {
            snprintf(err, errlen, "the call tree holds its limit of %llu file descriptors",
                     (unsigned long long)fl_budget_limit(w->budget, FL_BUDGET_FDS));
            return -1;
        }
        int h = open(p->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (h < 0 || fstat(h, &st) < 0) {
            snprintf(err, errlen, "cannot open preopen %s: %s", p->host_path, strerror(errno));
            if (h >= 0)
                close(h);
            fl_budget_release(w->budget, FL_BUDGET_FDS, 1);
            return -1;
        }
        int64_t fd = fl__wasi_fd_add(w, (fl__wasi_fd){.host = h, .type = W_FT_DIRECTORY,
                                                      .rights = W_R_DIR_BASE, .inherit = W_R_ALL,
                                                      .read_only = p->read_only,
                                                      .quota = p->disk_quota,
                                                      .root_dev = st.st_dev,
                                                      .root_ino = st.st_ino});
        if (fd < 0) {
            snprintf(err, errlen, "too many preopens");
            return -1;
        }
        w->fds[fd].preopen = strdup(p->guest_path ? p->guest_path : ".");
        if (!w->fds[fd].preopen) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    for (int i = 0; i < 3; i++)
        if (w->fds[i].host < 0 && !w->fds[i].capture)
            w->fds[i].used = false;
    /* remembered, so a reset can tell whether the guest changed the table */
    uint32_t n = 3 + (uint32_t)w->npreopens;
    free(w->pristine);
    w->pristine = malloc(n * sizeof *w->pristine);
    if (!w->pristine) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(w->pristine, w->fds, n * sizeof *w->pristine);
    w->npristine = n;
    return 0;
}

static void close_table(fl_wasi *w) {
    for (uint32_t i = 0; i < w->nfds; i++)
        if (w->fds[i].used)
            fl__wasi_fd_close(w, &w->fds[i]);
}

fl_wasi *fl_wasi_new(const fl_wasi_config *c, char *err, size_t errlen) {
    fl_wasi *w = calloc(1, sizeof *w);
    if (!w)
        goto nomem;
    w->no_openat2 = c->no_openat2;
    w->budget = c->budget;
    w->argc = c->argc;
    w->envc = c->envc;
    w->argv = copy_strings(c->argv, c->argc, &w->argv_bytes);
    w->envp = copy_strings(c->envp, c->envc, &w->env_bytes);
    if (!w->argv || !w->envp)
        goto nomem;
    memcpy(w->stdio, c->stdio, sizeof w->stdio);
    w->preopens = calloc(c->npreopens ? c->npreopens : 1, sizeof *w->preopens);
    if (!w->preopens)
        goto nomem;
    w->npreopens = c->npreopens;
    for (size_t i = 0; i < c->npreopens; i++) {
        w->preopens[i] = c->preopens[i];
        w->preopens[i].host_path = strdup(c->preopens[i].host_path);
        w->preopens[i].guest_path =
            c->preopens[i].guest_path ? strdup(c->preopens[i].guest_path) : NULL;
        if (!w->preopens[i].host_path || (c->preopens[i].guest_path && !w->preopens[i].guest_path))
            goto nomem;
    }
    w->fds = calloc(8, sizeof *w->fds);
    if (!w->fds)
        goto nomem;
    w->nfds = 8;
    if (open_table(w, err, errlen) < 0)
        goto fail;
    return w;

nomem:
    snprintf(err, errlen, "out of memory");
fail:
    fl_wasi_free(w);
    return NULL;
}

void fl_wasi_free(fl_wasi *w) {
    if (!w)
        return;
    close_table(w);
    /* what is left beneath a quota'd preopen goes with it: the call's
     * /tmp is removed right after the context (src/faaslet) */
    fl__quota_release(w, w->disk);
    free(w->fds);
    free(w->pristine);
    for (size_t i = 0; w->preopens && i < w->npreopens; i++) {
        free((char *)w->preopens[i].host_path);
        free((char *)w->preopens[i].guest_path);
    }
    free(w->preopens);
    free_strings(w->argv, w->argc);
    free_strings(w->envp, w->envc);
    free(w->defs);
    free(w);
}

/* Host fds the table holds (each charged to the budget). */
static uint64_t held_fds(const fl_wasi *w) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < w->nfds; i++)
        n += w->fds[i].used && w->fds[i].host >= 0;
    return n;
}

int fl_wasi_bind(fl_wasi *w, fl_budget *budget, const char *const *argv, size_t argc) {
    if (budget != w->budget) {
        uint64_t n = held_fds(w);
        if (fl_budget_charge(budget, FL_BUDGET_FDS, n) < 0)
            return -EMFILE;
        fl_budget_release(w->budget, FL_BUDGET_FDS, n);
        /* disk is 0 here after a reset; moved anyway, so counts never drift */
        if (w->disk && fl_budget_charge(budget, FL_BUDGET_DISK, w->disk) < 0) {
            fl_budget_charge(w->budget, FL_BUDGET_FDS, n);
            fl_budget_release(budget, FL_BUDGET_FDS, n);
            return -ENOSPC;
        }
        fl_budget_release(w->budget, FL_BUDGET_DISK, w->disk);
        w->budget = budget;
    }
    bool same = !argv || argc == w->argc;
    for (size_t i = 0; argv && same && i < argc; i++)
        same = !strcmp(argv[i], w->argv[i]);
    if (!same) {
        size_t bytes;
        char **copy = copy_strings(argv, argc, &bytes);
        if (!copy)
            return -ENOMEM;
        free_strings(w->argv, w->argc);
        w->argv = copy;
        w->argc = argc;
        w->argv_bytes = bytes;
    }
    return 0;
}

bool fl_wasi_quota_touched(const fl_wasi *w) {
    return w->quota_touched;
}

int fl_wasi_reset(fl_wasi *w, char *err, size_t errlen) {
    /* what the call left beneath its quota'd preopen is gone (the caller
     * emptied it): its bytes go back */
    fl__quota_release(w, w->disk);
    w->quota_touched = false;
    bool changed = false;
    for (uint32_t i = 0; i < w->nfds && !changed; i++) {
        if (i < w->npristine)
            changed = memcmp(&w->fds[i], &w->pristine[i], sizeof w->fds[i]) != 0;
        else
            changed = w->fds[i].used;
    }
    if (!changed)
        return 0;
    /* the guest opened, closed, moved or changed an fd: back to stdio and
     * the preopens, numbered as they were */
    close_table(w);
    return open_table(w, err, errlen);
}

/* The preopen whose guest name is the longest whole-component prefix of
 * `path` (as wasi-libc picks it), with *rel set to the rest; NULL if none. */
static fl__wasi_fd *preopen_of(fl_wasi *w, const char *path, const char **rel) {
    fl__wasi_fd *best = NULL;
    size_t best_len = 0;
    for (uint32_t i = 0; i < w->nfds; i++) {
        fl__wasi_fd *f = &w->fds[i];
        if (!f->used || !f->preopen)
            continue;
        const char *p = f->preopen;
        size_t n = strlen(p);
        while (n > 1 && p[n - 1] == '/')
            n--;
        bool match;
        if (n == 1 && (p[0] == '/' || p[0] == '.'))
            match = p[0] == '/' ? path[0] == '/' : path[0] != '/';
        else
            match = !strncmp(path, p, n) && (path[n] == '/' || path[n] == 0);
        if (match && (!best || n > best_len)) {
            best = f;
            best_len = n;
            *rel = path + (n == 1 && p[0] == '.' ? 0 : n);
        }
    }
    return best;
}

int fl_wasi_read_file(fl_wasi *w, const char *guest_path, size_t max_len, uint8_t **buf,
                      size_t *len) {
    const char *rel = guest_path;
    uint8_t *data = NULL;
    size_t n = 0, cap = 0;
    int fd = -1, rc;

    *buf = NULL;
    *len = 0;
    fl__wasi_fd *pre = w ? preopen_of(w, guest_path, &rel) : NULL;
    if (!pre)
        return -ENOENT;
    while (*rel == '/')
        rel++;
    if (!*rel)
        rel = ".";
    rc = fl__sandbox_open(pre->host, rel, strlen(rel), O_RDONLY | O_CLOEXEC, 0, true,
                          w->no_openat2, &fd);
    if (rc < 0)
        return rc;
    /* a guest makes a huge sparse file for free: refuse it unread */
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_len) {
        rc = -EFBIG;
        goto fail;
    }
    for (;;) {
        if (n == cap) {
            if (cap > max_len) {
                rc = -EFBIG;
                goto fail;
            }
            /* never more than max_len + 1 (which tells a file too long) */
            cap = cap ? cap * 2 : 65536;
            if (cap > max_len)
                cap = max_len + 1;
            uint8_t *nb = realloc(data, cap);
            if (!nb) {
                rc = -ENOMEM;
                goto fail;
            }
            data = nb;
        }
        ssize_t got = read(fd, data + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = -errno;
            goto fail;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (n > max_len) {
        rc = -EFBIG;
        goto fail;
    }
    close(fd);
    *buf = data;
    *len = n;
    return 0;
fail:
    free(data);
    close(fd);
    return rc;
}

/* Handlers get their context and the errno slot this way. */
#define CTX ((fl_wasi *)call->data)
#define RET(e) (args_results[0].i32 = (uint32_t)(e), FL_TRAP_NONE)
#define A32(i) (args_results[i].i32)
#define A64(i) (args_results[i].i64)

/* ---- args and environ ---- */

/* Writes the pointer array at `ptrs` and the strings at `buf`. */
static uint16_t put_strings(fl_host_call *call, char **s, size_t n, size_t bytes, uint32_t ptrs,
                            uint32_t buf) {
    uint8_t *p = fl__wasi_mem(call, ptrs, (uint64_t)n * 4);
    uint8_t *b = fl__wasi_mem(call, buf, bytes);
    if (!p || !b)
        return W_EFAULT;
    uint32_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(s[i]) + 1;
        fl__st32(p + 4 * i, buf + off);
        memcpy(b + off, s[i], len);
        off += (uint32_t)len;
    }
    return 0;
}

static uint16_t put_sizes(fl_host_call *call, size_t n, size_t bytes, uint32_t pn,
                          uint32_t pbytes) {
    uint8_t *a = fl__wasi_mem(call, pn, 4), *b = fl__wasi_mem(call, pbytes, 4);
    if (!a || !b)
        return W_EFAULT;
    fl__st32(a, (uint32_t)n);
    fl__st32(b, (uint32_t)bytes);
    return 0;
}

static fl_trap w_args_get(fl_host_call *call, fl_value *args_results) {
    return RET(put_strings(call, CTX->argv, CTX->argc, CTX->argv_bytes, A32(0), A32(1)));
}

static fl_trap w_args_sizes_get(fl_host_call *call, fl_value *args_results) {
    return RET(put_sizes(call, CTX->argc, CTX->argv_bytes, A32(0), A32(1)));
}

static fl_trap w_environ_get(fl_host_call *call, fl_value *args_results) {
    return RET(put_strings(call, CTX->envp, CTX->envc, CTX->env_bytes, A32(0), A32(1)));
}

static fl_trap w_environ_sizes_get(fl_host_call *call, fl_value *args_results) {
    return RET(put_sizes(call, CTX->envc, CTX->env_bytes, A32(0), A32(1)));
}

/* ---- clocks and random ---- */

static bool host_clock(uint32_t id, clockid_t *out) {
    static const clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
                                    CLOCK_THREAD_CPUTIME_ID};
    if (id >= sizeof ids / sizeof ids[0])
        return false;
    *out = ids[id];
    return true;
}

static uint64_t ts_ns(const struct timespec *ts) {
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static fl_trap w_clock_res_get(fl_host_call *call, fl_value *args_results) {
    clockid_t c;
    struct timespec ts;
    if (!host_clock(A32(0), &c))
        return RET(W_EINVAL);
    uint8_t *p = fl__wasi_mem(call, A32(1), 8);
    if (!p)
        return RET(W_EFAULT);
    if (clock_getres(c, &ts) < 0)
        return RET(fl__wasi_errno(errno));
    fl__st64(p, ts_ns(&ts));
    return RET(0);
}

static fl_trap w_clock_time_get(fl_host_call *call, fl_value *args_results) {
    clockid_t c;
    struct timespec ts;
    if (!host_clock(A32(0), &c))
        return RET(W_EINVAL);
    uint8_t *p = fl__wasi_mem(call, A32(2), 8);
    if (!p)
        return RET(W_EFAULT);
    if (clock_gettime(c, &ts) < 0)
        return RET(fl__wasi_errno(errno));
    fl__st64(p, ts_ns(&ts));
    return RET(0);
}

static fl_trap w_random_get(fl_host_call *call, fl_value *args_results) {
    uint32_t len = A32(1);
    uint8_t *p = fl__wasi_mem(call, A32(0), len);
    if (!p)
        return RET(W_EFAULT);
    for (uint32_t done = 0; done < len;) {
        ssize_t n = getrandom(p + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return RET(fl__wasi_errno(errno));
        }
        done += (uint32_t)n;
    }
    return RET(0);
}

/* ---- proc and sched ---- */

static fl_trap w_proc_exit(fl_host_call *call, fl_value *args_results) {
    call->exec->exit_code = (int)A32(0);
    return FL_TRAP_EXIT;
}

/* Signals are not part of a Faaslet's world: preview1 leaves this call
 * unimplementable without processes, so it answers ENOSYS. */
static fl_trap w_proc_raise(fl_host_call *call, fl_value *args_results) {
    return RET(W_ENOSYS);
}

static fl_trap w_sched_yield(fl_host_call *call, fl_value *args_results) {
    sched_yield();
    return RET(0);
}

/* ---- poll_oneoff ---- */

#define SUB_SIZE 48
#define EVENT_SIZE 32
#define EV_CLOCK 0
#define EV_FD_READ 1
#define EV_FD_WRITE 2
#define SUBCLOCK_ABSTIME 1u
#define EVRW_HANGUP 1u
/* Most subscriptions one call takes: the host copies them (events may
 * overlap them in guest memory) and keeps a pollfd and a deadline for each,
 * about 70 bytes, so this bounds what a guest makes the host allocate to
 * under 5 MiB, whatever its memory.  A guest has at most FL__WASI_MAX_FDS
 * fds to wait for; past the limit the call is EINVAL, as poll(2) answers
 * more fds than it may hold. */
#define POLL_MAX_SUBS 65536u

static void put_event(uint8_t *ev, uint64_t userdata, uint16_t error, uint8_t type,
                      uint64_t nbytes, uint16_t flags) {
    memset(ev, 0, EVENT_SIZE);
    fl__st64(ev, userdata);
    fl__st16(ev + 8, error);
    ev[10] = type;
    fl__st64(ev + 16, nbytes);
    fl__st16(ev + 24, flags);
}

/* Bytes ready to read on `host` for an fd_read event: what is left of a
 * regular file, FIONREAD elsewhere (0 when unknown). */
static uint64_t readable_bytes(int host) {
    struct stat st;
    if (fstat(host, &st) == 0 && S_ISREG(st.st_mode)) {
        off_t pos = lseek(host, 0, SEEK_CUR);
        return pos >= 0 && st.st_size > pos ? (uint64_t)(st.st_size - pos) : 0;
    }
    int n = 0;
    return ioctl(host, FIONREAD, &n) == 0 && n > 0 ? (uint64_t)n : 0;
}

/* Sleeps are cut in slices so that an interrupted exec (a timeout) stops a
 * guest blocked in poll_oneoff within one. */
#define POLL_SLICE_NS ((uint64_t)FL__WASI_SLICE_MS * 1000000u)

static uint64_t mono_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return ts_ns(&now);
}

/*
 * Each subscription gives at most one event.  A subscription of an unknown
 * type, or a clock of an unknown id, makes the whole call EINVAL with no
 * event (wasmtime reads both as witx enums, which fails the call); an fd
 * that is not open, or lacks POLL_FD_READWRITE, is an event carrying that
 * error.  The call returns as soon as anything is to be reported, with
 * everything ready by then: every fd ready (a zero-timeout poll), every
 * clock expired.  It waits only when nothing is, in slices, so that the
 * exec's interrupt flag (a call's deadline) ends it.
 */
static fl_trap w_poll_oneoff(fl_host_call *call, fl_value *args_results) {
    fl_wasi *w = CTX;
    uint32_t nsubs = A32(2);
    if (nsubs == 0)
        return RET(W_EINVAL);
    uint8_t *in = fl__wasi_mem(call, A32(0), (uint64_t)nsubs * SUB_SIZE);
    uint8_t *out = fl__wasi_mem(call, A32(1), (uint64_t)nsubs * EVENT_SIZE);
    uint8_t *pnev = fl__wasi_mem(call, A32(3), 4);
    if (!in || !out || !pnev)
        return RET(W_EFAULT);
    if (nsubs > POLL_MAX_SUBS)
        return RET(W_EINVAL);
    /* Every subscription is valid before anything is written. */
    for (uint32_t i = 0; i < nsubs; i++) {
        const uint8_t *s = in + (size_t)i * SUB_SIZE;
        clockid_t c;
        if (s[8] > EV_FD_WRITE || (s[8] == EV_CLOCK && !host_clock(fl__ld32(s + 16), &c)))
            return RET(W_EINVAL);
    }

    struct pollfd *pfds = calloc(nsubs, sizeof *pfds);
    uint32_t *pidx = calloc(nsubs, sizeof *pidx); /* subscription of each pollfd */
    uint8_t *sub_copy = malloc((size_t)nsubs * SUB_SIZE);
    uint64_t *due = calloc(nsubs, sizeof *due); /* each clock's deadline, monotonic ns */
    fl_trap trap = FL_TRAP_NONE;
    uint32_t nev = 0, npfd = 0;
    uint16_t rc = 0;
    if (!pfds || !pidx || !sub_copy || !due) {
        rc = W_ENOMEM;
        goto out;
    }
    /* Events may overlap subscriptions in guest memory: read them all first. */
    memcpy(sub_copy, in, (size_t)nsubs * SUB_SIZE);
    in = sub_copy;

    /* The earliest clock deadline, on the monotonic clock. */
    bool have_clock = false;
    uint64_t deadline = UINT64_MAX, start = mono_ns();
    for (uint32_t i = 0; i < nsubs; i++) {
        const uint8_t *s = in + (size_t)i * SUB_SIZE;
        uint64_t ud = fl__ld64(s);
        uint8_t tag = s[8];
        due[i] = UINT64_MAX;
        if (tag == EV_CLOCK) {
            clockid_t c;
            host_clock(fl__ld32(s + 16), &c);
            uint64_t rel = fl__ld64(s + 24);
            uint16_t flags;
            memcpy(&flags, s + 40, 2);
            if (flags & SUBCLOCK_ABSTIME) {
                struct timespec t;
                clock_gettime(c, &t);
                rel = rel > ts_ns(&t) ? rel - ts_ns(&t) : 0;
            }
            due[i] = start + rel < start ? UINT64_MAX : start + rel;
            if (due[i] < deadline)
                deadline = due[i];
            have_clock = true;
        } else {
            uint16_t err;
            fl__wasi_fd *f = fl__wasi_fd_get(w, fl__ld32(s + 16), W_R_POLL_FD_READWRITE, &err);
            if (!f) {
                put_event(out + (size_t)nev++ * EVENT_SIZE, ud, err, tag, 0, 0);
                continue;
            }
            if (f->capture) {
                /* the log always takes a write; it has nothing to read */
                put_event(out + (size_t)nev++ * EVENT_SIZE, ud,
                          tag == EV_FD_WRITE ? 0 : W_EBADF, tag, 0, 0);
                continue;
            }
            pfds[npfd] = (struct pollfd){.fd = f->host,
                                         .events = tag == EV_FD_READ ? POLLIN : POLLOUT};
            pidx[npfd++] = i;
        }
    }

    for (;;) {
        /* Wait only while nothing is to be reported, a slice at most. */
        uint64_t wait_ns = 0, now = mono_ns();
        if (nev == 0) {
            wait_ns = deadline > now ? deadline - now : 0;
            if (wait_ns > POLL_SLICE_NS)
                wait_ns = POLL_SLICE_NS;
        }
        struct timespec ts = {.tv_sec = (time_t)(wait_ns / 1000000000u),
                              .tv_nsec = (long)(wait_ns % 1000000000u)};
        if (npfd > 0) {
            int n = ppoll(pfds, npfd, &ts, NULL);
            if (n < 0 && errno != EINTR) {
                rc = fl__wasi_errno(errno);
                goto out;
            }
            for (uint32_t k = 0; n > 0 && k < npfd; k++) {
                short re = pfds[k].revents;
                if (!re)
                    continue;
                const uint8_t *s = in + (size_t)pidx[k] * SUB_SIZE;
                uint8_t tag = s[8];
                uint16_t err = (re & POLLNVAL) ? W_EBADF : (re & POLLERR) ? W_EIO : 0;
                uint16_t fl = (re & POLLHUP) ? EVRW_HANGUP : 0;
                uint64_t nb = tag == EV_FD_READ && !err ? readable_bytes(pfds[k].fd) : 0;
                put_event(out + (size_t)nev++ * EVENT_SIZE, fl__ld64(s), err, tag, nb, fl);
            }
        } else if (wait_ns > 0) {
            nanosleep(&ts, NULL);
        }
        /* Every clock that has expired by now comes too. */
        now = mono_ns();
        if (have_clock && now >= deadline)
            for (uint32_t i = 0; i < nsubs; i++)
                if (due[i] <= now)
                    put_event(out + (size_t)nev++ * EVENT_SIZE,
                              fl__ld64(in + (size_t)i * SUB_SIZE), 0, EV_CLOCK, 0, 0);
        if (nev > 0)
            break;
        if (call->exec->interrupt) {
            trap = FL_TRAP_INTERRUPTED;
            goto out;
        }
    }
    fl__st32(pnev, nev);
out:
    free(pfds);
    free(pidx);
    free(sub_copy);
    free(due);
    if (trap != FL_TRAP_NONE)
        return trap;
    return RET(rc);
}

/* ---- sockets: a Faaslet gets none, so each call finds no socket ---- */

static uint16_t sock_errno(fl_wasi *w, uint32_t fd) {
    uint16_t err;
    fl__wasi_fd *f = fl__wasi_fd_get(w, fd, 0, &err);
    if (!f)
        return err;
    if (f->type != W_FT_SOCKET_STREAM && f->type != W_FT_SOCKET_DGRAM)
        return W_ENOTSOCK;
    return W_ENOTSUP;
}

static fl_trap w_sock_accept(fl_host_call *call, fl_value *args_results) {
    return RET(sock_errno(CTX, A32(0)));
}
static fl_trap w_sock_recv(fl_host_call *call, fl_value *args_results) {
    return RET(sock_errno(CTX, A32(0)));
}
static fl_trap w_sock_send(fl_host_call *call, fl_value *args_results) {
    return RET(sock_errno(CTX, A32(0)));
}
static fl_trap w_sock_shutdown(fl_host_call *call, fl_value *args_results) {
    return RET(sock_errno(CTX, A32(0)));
}

/* ---- faaslet.fd_dup: what POSIX dup needs and preview1 lacks ---- */

/* faaslet.fd_dup(fd, min_fd, *new_fd) -> errno: a new guest fd, the lowest
 * free one >= min_fd, for the open file of `fd`: its own host fd (charged
 * to the call tree's fd budget like any open), the same rights, type and
 * flags; never a preopen itself.  EBADF for an fd not open, EINVAL for a
 * min_fd past the table's limit, EFAULT for a result pointer outside
 * memory (checked before anything is done), EMFILE at the budget or the
 * table's limit.  The SDK's dup, dup2 and fcntl(F_DUPFD) call it. */
static fl_trap w_fd_dup(fl_host_call *call, fl_value *args_results) {
    fl_wasi *w = CTX;
    uint16_t e;
    fl__wasi_fd *f = fl__wasi_fd_get(w, A32(0), 0, &e);
    if (!f)
        return RET(e);
    if (A32(1) >= FL__WASI_MAX_FDS)
        return RET(W_EINVAL);
    uint8_t *out = fl__wasi_mem(call, A32(2), 4);
    if (!out)
        return RET(W_EFAULT);
    if (f->capture) {
        /* a captured stdio has no host fd to duplicate: the copy writes to the log too */
        fl__wasi_fd copy = *f;
        int64_t nfd = fl__wasi_fd_add_at(w, copy, A32(1));
        if (nfd < 0)
            return RET(-nfd);
        fl__st32(out, (uint32_t)nfd);
        return RET(0);
    }
    if ((e = fl__wasi_fd_charge(w)))
        return RET(e);
    int host = fcntl(f->host, F_DUPFD_CLOEXEC, 0);
    if (host < 0) {
        e = fl__wasi_errno(errno);
        fl_budget_release(w->budget, FL_BUDGET_FDS, 1);
        return RET(e);
    }
    fl__wasi_fd copy = *f; /* f may move when the table grows */
    copy.host = host;
    copy.preopen = NULL;
    int64_t nfd = fl__wasi_fd_add_at(w, copy, A32(1));
    if (nfd < 0)
        return RET(-nfd);
    fl__st32(out, (uint32_t)nfd);
    return RET(0);
}

/* ---- the table ---- */

#define M "wasi_snapshot_preview1"
static const fl_host_def misc_defs[] = {
    {M, "args_get", "ii:i", w_args_get, NULL},
    {M, "args_sizes_get", "ii:i", w_args_sizes_get, NULL},
    {M, "environ_get", "ii:i", w_environ_get, NULL},
    {M, "environ_sizes_get", "ii:i", w_environ_sizes_get, NULL},
    {M, "clock_res_get", "ii:i", w_clock_res_get, NULL},
    {M, "clock_time_get", "iIi:i", w_clock_time_get, NULL},
    {M, "random_get", "ii:i", w_random_get, NULL},
    {M, "proc_exit", "i:", w_proc_exit, NULL},
    {M, "proc_raise", "i:i", w_proc_raise, NULL},
    {M, "sched_yield", ":i", w_sched_yield, NULL},
    {M, "poll_oneoff", "iiii:i", w_poll_oneoff, NULL},
    {M, "sock_accept", "iii:i", w_sock_accept, NULL},
    {M, "sock_recv", "iiiiii:i", w_sock_recv, NULL},
    {M, "sock_send", "iiiii:i", w_sock_send, NULL},
    {M, "sock_shutdown", "ii:i", w_sock_shutdown, NULL},
    {"faaslet", "fd_dup", "iii:i", w_fd_dup, NULL},
};
#define NMISC (sizeof misc_defs / sizeof misc_defs[0])

int fl_wasi_define(fl_wasi *w, fl_linker *l) {
    size_t n = NMISC + fl__wasi_fs_ndefs;
    if (!w->defs) {
        w->defs = malloc(n * sizeof *w->defs);
        if (!w->defs)
            return -1;
        memcpy(w->defs, misc_defs, sizeof misc_defs);
        memcpy(w->defs + NMISC, fl__wasi_fs_defs, fl__wasi_fs_ndefs * sizeof *w->defs);
        for (size_t i = 0; i < n; i++)
            w->defs[i].data = w;
        w->ndefs = n;
    }
    return fl_linker_define_host(l, w->defs, n);
}
