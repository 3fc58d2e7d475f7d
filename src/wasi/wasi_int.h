/*
 * wasi_int.h: what wasi.c, wasi_fs.c, io.c, quota.c and sandbox.c share
 * and nobody else calls.  The interface of the WASI layer is wasi.h; names
 * here carry `fl__wasi_` / `fl__quota_` / `fl__sandbox_`.  Constants and layouts are preview1's
 * (witx), written out here because wasi-libc's <wasi/api.h> is for the
 * wasm32 target only.
 */
#ifndef FL_WASI_WASI_INT_H
#define FL_WASI_WASI_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "wasi/wasi.h"

/* errno: the subset the layer returns by name (the rest come from errno_of). */
enum {
    W_ESUCCESS = 0,
    W_E2BIG = 1,
    W_EACCES = 2,
    W_EAGAIN = 6,
    W_EBADF = 8,
    W_EBUSY = 10,
    W_EEXIST = 20,
    W_EFAULT = 21,
    W_EFBIG = 22,
    W_EINTR = 27,
    W_EINVAL = 28,
    W_EIO = 29,
    W_EISDIR = 31,
    W_ELOOP = 32,
    W_EMFILE = 33,
    W_ENAMETOOLONG = 37,
    W_ENOBUFS = 42,
    W_ENOENT = 44,
    W_ENOMEM = 48,
    W_ENOSPC = 51,
    W_ENOSYS = 52,
    W_ENOTDIR = 54,
    W_ENOTEMPTY = 55,
    W_ENOTSOCK = 57,
    W_ENOTSUP = 58,
    W_EOVERFLOW = 61,
    W_EPERM = 63,
    W_EROFS = 69,
    W_ESPIPE = 70,
    W_EXDEV = 75,
    W_ENOTCAPABLE = 76,
};

/* filetype */
enum {
    W_FT_UNKNOWN = 0,
    W_FT_BLOCK_DEVICE = 1,
    W_FT_CHARACTER_DEVICE = 2,
    W_FT_DIRECTORY = 3,
    W_FT_REGULAR_FILE = 4,
    W_FT_SOCKET_DGRAM = 5,
    W_FT_SOCKET_STREAM = 6,
    W_FT_SYMBOLIC_LINK = 7,
};

/* rights */
#define W_R_FD_DATASYNC (1ull << 0)
#define W_R_FD_READ (1ull << 1)
#define W_R_FD_SEEK (1ull << 2)
#define W_R_FD_FDSTAT_SET_FLAGS (1ull << 3)
#define W_R_FD_SYNC (1ull << 4)
#define W_R_FD_TELL (1ull << 5)
#define W_R_FD_WRITE (1ull << 6)
#define W_R_FD_ADVISE (1ull << 7)
#define W_R_FD_ALLOCATE (1ull << 8)
#define W_R_PATH_CREATE_DIRECTORY (1ull << 9)
#define W_R_PATH_CREATE_FILE (1ull << 10)
#define W_R_PATH_LINK_SOURCE (1ull << 11)
#define W_R_PATH_LINK_TARGET (1ull << 12)
#define W_R_PATH_OPEN (1ull << 13)
#define W_R_FD_READDIR (1ull << 14)
#define W_R_PATH_READLINK (1ull << 15)
#define W_R_PATH_RENAME_SOURCE (1ull << 16)
#define W_R_PATH_RENAME_TARGET (1ull << 17)
#define W_R_PATH_FILESTAT_GET (1ull << 18)
#define W_R_PATH_FILESTAT_SET_SIZE (1ull << 19)
#define W_R_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define W_R_FD_FILESTAT_GET (1ull << 21)
#define W_R_FD_FILESTAT_SET_SIZE (1ull << 22)
#define W_R_FD_FILESTAT_SET_TIMES (1ull << 23)
#define W_R_PATH_SYMLINK (1ull << 24)
#define W_R_PATH_REMOVE_DIRECTORY (1ull << 25)
#define W_R_PATH_UNLINK_FILE (1ull << 26)
#define W_R_POLL_FD_READWRITE (1ull << 27)
#define W_R_SOCK_SHUTDOWN (1ull << 28)
#define W_R_SOCK_ACCEPT (1ull << 29)
#define W_R_ALL ((1ull << 30) - 1)
/* What a read-only preopen (and everything opened beneath it) never gets. */
#define W_R_MUTATING                                                                          \
    (W_R_FD_DATASYNC | W_R_FD_WRITE | W_R_FD_ALLOCATE | W_R_PATH_CREATE_DIRECTORY |           \
     W_R_PATH_CREATE_FILE | W_R_PATH_LINK_SOURCE | W_R_PATH_LINK_TARGET |                     \
     W_R_PATH_RENAME_SOURCE | W_R_PATH_RENAME_TARGET | W_R_PATH_FILESTAT_SET_SIZE |           \
     W_R_PATH_FILESTAT_SET_TIMES | W_R_FD_FILESTAT_SET_SIZE | W_R_FD_FILESTAT_SET_TIMES |     \
     W_R_PATH_SYMLINK | W_R_PATH_REMOVE_DIRECTORY | W_R_PATH_UNLINK_FILE | W_R_FD_SYNC)

/* Which rights apply to which type of fd (witx: path_open may return
 * "fewer rights than specified, if and only if those rights do not apply
 * to the type of file being opened", so it drops the rest).  A directory
 * has the path rights and stat and times; the rest are a file's (its
 * contents, position, size, flags, sync, poll, sockets).  A call needing a
 * file's right on a directory answers EBADF and one needing a directory's
 * right on anything else ENOTDIR, before any rights are compared, as
 * wasmtime answers them (its dir_fd_op_failures and
 * path_open_dirfd_not_dir tests): the fd is of the wrong kind, not short
 * of a right. */
#define W_R_DIR_ONLY                                                                          \
    (W_R_PATH_CREATE_DIRECTORY | W_R_PATH_CREATE_FILE | W_R_PATH_LINK_SOURCE |                \
     W_R_PATH_LINK_TARGET | W_R_PATH_OPEN | W_R_FD_READDIR | W_R_PATH_READLINK |              \
     W_R_PATH_RENAME_SOURCE | W_R_PATH_RENAME_TARGET | W_R_PATH_FILESTAT_GET |                \
     W_R_PATH_FILESTAT_SET_SIZE | W_R_PATH_FILESTAT_SET_TIMES | W_R_PATH_SYMLINK |            \
     W_R_PATH_REMOVE_DIRECTORY | W_R_PATH_UNLINK_FILE)
#define W_R_ANY_TYPE (W_R_FD_FILESTAT_GET | W_R_FD_FILESTAT_SET_TIMES)
#define W_R_FILE_ONLY (W_R_ALL & ~(W_R_DIR_ONLY | W_R_ANY_TYPE))
/* A directory's base rights (a preopen's, and the most a directory opened
 * beneath one keeps): no write, so opening one with the rights it has
 * never asks to open it for writing. */
#define W_R_DIR_BASE (W_R_DIR_ONLY | W_R_ANY_TYPE)
/* What path_open leaves a file: never a path right, nothing to inherit. */
#define W_R_FILE_BASE (W_R_FILE_ONLY | W_R_ANY_TYPE)

/* fdflags, oflags, lookupflags, fstflags, whence */
#define W_FDFLAG_APPEND 1u
#define W_FDFLAG_DSYNC 2u
#define W_FDFLAG_NONBLOCK 4u
#define W_FDFLAG_RSYNC 8u
#define W_FDFLAG_SYNC 16u
#define W_O_CREAT 1u
#define W_O_DIRECTORY 2u
#define W_O_EXCL 4u
#define W_O_TRUNC 8u
#define W_LOOKUP_SYMLINK_FOLLOW 1u
#define W_FST_ATIM 1u
#define W_FST_ATIM_NOW 2u
#define W_FST_MTIM 4u
#define W_FST_MTIM_NOW 8u

/* What stdio gets: a stream to read (fd 0) or write (1, 2), poll and stat,
 * never a seek, a positioned transfer, a size, times, space, flags or sync:
 * behind it is the host's own stdin, stdout or stderr (a log file, say),
 * shared with the host process and every other Faaslet. */
#define W_R_STDIN (W_R_FD_READ | W_R_POLL_FD_READWRITE | W_R_FD_FILESTAT_GET)
#define W_R_STDOUT (W_R_FD_WRITE | W_R_POLL_FD_READWRITE | W_R_FD_FILESTAT_GET)

/* One open guest fd. */
typedef struct fl__wasi_fd {
    bool used;
    int host;          /* owned host fd; its FL_BUDGET_FDS charge goes with it */
    uint8_t type;      /* W_FT_* */
    bool read_only;    /* beneath a read-only preopen */
    bool shared;       /* a dup of the host's stdio: its file status flags are the host's */
    bool capture;      /* stdio captured into the budget's log: no host fd (host -1) */
    bool stream;       /* a pipe, FIFO, socket or character device: a transfer may
                        * block, so it waits in slices (io.c) */
    bool no_nowait;    /* the kernel refused RWF_NOWAIT on it (io.c) */
    bool quota;        /* beneath a disk_quota preopen: growth is charged (quota.c) */
    uint64_t rights;   /* rights base */
    uint64_t inherit;  /* rights inheriting */
    char *preopen;     /* guest path of a preopen (owned), else NULL */
    dev_t root_dev;    /* the preopen it lies beneath (its root directory's */
    ino_t root_ino;    /* identity); 0, 0 for stdio */
} fl__wasi_fd;

struct fl_wasi {
    char **argv;
    size_t argc, argv_bytes; /* argv_bytes: sum of strlen + 1 */
    char **envp;
    size_t envc, env_bytes;
    fl__wasi_fd *fds;
    uint32_t nfds; /* slots in fds */
    bool no_openat2;
    fl_host_def *defs; /* this context's copy of the function table */
    size_t ndefs;
    fl_budget *budget; /* the call tree's (borrowed), or NULL */
    uint64_t disk;     /* FL_BUDGET_DISK bytes this context has charged and not given back */
    bool quota_touched; /* something was made beneath a quota'd preopen since the last reset */
    /* what fl_wasi_reset rebuilds the table from: stdio and preopens as made */
    int stdio[3];
    fl_wasi_preopen *preopens; /* strings owned */
    size_t npreopens;
    fl__wasi_fd *pristine;     /* fds[0..npristine) as made (their strings borrowed) */
    uint32_t npristine;
};

/* The one checked access to guest memory: a host pointer to `len` bytes at
 * guest address `ptr` of the caller's memory 0, or NULL when the caller has
 * no memory or any byte lies outside it.  Valid until the guest runs again
 * (the base never moves, and memories never shrink). */
uint8_t *fl__wasi_mem(fl_host_call *call, uint32_t ptr, uint64_t len);

/* Little-endian loads and stores on host pointers from fl__wasi_mem. */
static inline uint32_t fl__ld32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline uint64_t fl__ld64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static inline void fl__st32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void fl__st64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline void fl__st16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

/* Maps a host errno to a WASI errno. */
uint16_t fl__wasi_errno(int host_errno);

/* The open fd `fd` when it holds every right in `rights`: returns NULL with
 * *err = EBADF (not open, or a directory asked for a file's right),
 * ENOTDIR (a file asked for a directory's right) or ENOTCAPABLE (a right
 * is missing). */
fl__wasi_fd *fl__wasi_fd_get(fl_wasi *w, uint32_t fd, uint64_t rights, uint16_t *err);
/* Most fds one guest may hold: a Faaslet shares the host's fd limit with
 * thousands of others (and the call tree's budget bounds all of them). */
#define FL__WASI_MAX_FDS 1024u

/* Charges one host fd to the call tree's budget before it is opened:
 * 0, or W_EMFILE when the tree already holds its limit. */
uint16_t fl__wasi_fd_charge(fl_wasi *w);

/* Puts `f` (f.host, charged with fl__wasi_fd_charge: ownership of both
 * taken) in the lowest free slot; a read_only `f` loses the mutating
 * rights.  Returns the guest fd number, or minus a WASI errno (EMFILE past
 * FL__WASI_MAX_FDS, ENOMEM), having closed f.host and released its charge. */
int64_t fl__wasi_fd_add(fl_wasi *w, fl__wasi_fd f);
/* The same in the lowest free slot >= min (min < FL__WASI_MAX_FDS). */
int64_t fl__wasi_fd_add_at(fl_wasi *w, fl__wasi_fd f, uint32_t min);

/* Closes guest fd `f` (a used slot of w): its host fd, its budget charge,
 * and the disk charge of a quota'd file it was the last to hold after its
 * last link went. */
void fl__wasi_fd_close(fl_wasi *w, fl__wasi_fd *f);

/* The WASI filetype of a host stat mode (sockets asked for their type). */
uint8_t fl__wasi_filetype(int host, uint32_t mode);

/* Whether a read or write on a file of this stat mode may wait (for a
 * peer, a terminal, a device): what io.c waits for in slices. */
bool fl__wasi_may_block(uint32_t mode);

/*
 * Blocking transfers (io.c).  A read or write on a stream never blocks the
 * host thread for longer than a slice: it waits with poll() in slices of
 * FL__WASI_SLICE_MS, checking the exec's interrupt flag between them, and
 * then transfers only what cannot block (RWF_NOWAIT; where the kernel
 * refuses that, at most what FIONREAD reports or PIPE_BUF bytes).  The
 * host's stdio file descriptions are never made non-blocking: they are
 * shared with the host process.
 */
#define FL__WASI_SLICE_MS 10

/* fd_read or fd_write (`write`) of v[0..n) on stream fd `f`: FL_TRAP_NONE
 * with *got (bytes, or -1 and *err a host errno), or FL_TRAP_INTERRUPTED
 * when the exec's interrupt flag went up while it waited.  A write goes on
 * until all of v is written (a blocking write's meaning), a read returns
 * what is there.  A guest fd it set O_NONBLOCK answers EAGAIN instead of
 * waiting.  May change v. */
fl_trap fl__wasi_stream_transfer(fl_host_call *call, fl__wasi_fd *f, struct iovec *v, int n,
                                 bool write, ssize_t *got, int *err);

/* Waits until host fd `host` is ready for `events` (poll(2) bits) or the
 * interrupt flag of `ex` is up: FL_TRAP_NONE (ready, or a poll error in
 * *err) or FL_TRAP_INTERRUPTED. */
fl_trap fl__wasi_wait_fd(fl_exec *ex, int host, short events, int *err);

/*
 * The disk quota (quota.c).  What a guest keeps beneath a disk_quota
 * preopen is charged to the budget's FL_BUDGET_DISK: each regular file's
 * apparent size (st_size: a sparse file counts whole, since its holes may
 * be filled later without growing it, and the apparent size bounds the
 * blocks it can ever hold) and FL__WASI_NAME_COST per name made (file,
 * directory, symlink, hard link: this bounds inodes and directory blocks).
 * A charge that does not fit is refused with W_ENOSPC before anything is
 * written; bytes come back when a file shrinks or its last link goes (at
 * its last close, if it is still open), and a name's cost when it is
 * removed.  The quota'd directory is taken to be the context's own (a
 * call's private /tmp): nobody else changes it meanwhile.
 */
#define FL__WASI_NAME_COST 4096u

/* Charges `bytes` to the tree's disk budget: 0, or W_ENOSPC. */
uint16_t fl__quota_charge(fl_wasi *w, uint64_t bytes);

/* Gives back `bytes` (never more than this context charged). */
void fl__quota_release(fl_wasi *w, uint64_t bytes);

/* Before `len` bytes are written at `start` (FL__QUOTA_AT_END: at the end)
 * of a regular file (host fd `host`), or it is allocated or resized to
 * there: charges what lies past its size (0 when it does not grow).  *size
 * gets the size now and *charged what was charged, for fl__quota_settle.
 * Both are below 2^63 + 2^42, so nothing overflows.  0 or W_ENOSPC. */
#define FL__QUOTA_AT_END UINT64_MAX
uint16_t fl__quota_grow(fl_wasi *w, int host, uint64_t start, uint64_t len, uint64_t *size,
                        uint64_t *charged);

/* After the write, allocate or truncate that fl__quota_grow prepared:
 * gives back what was charged and not used (a short or failed write), and
 * what a truncation freed. */
void fl__quota_settle(fl_wasi *w, int host, uint64_t size, uint64_t charged);

/* Whether a guest fd of w other than `except` holds inode (dev, ino). */
bool fl__quota_held(fl_wasi *w, dev_t dev, ino_t ino, const fl__wasi_fd *except);

/* After name `st` (stat'ed before, without following) was removed from a
 * quota'd directory: gives back its name cost and, for the last link of a
 * regular file no guest fd holds, its size. */
void fl__quota_removed(fl_wasi *w, const struct stat *st);
/* The WASI filesystem calls (wasi_fs.c), defined by fl_wasi_define. */
extern const fl_host_def fl__wasi_fs_defs[];
extern const size_t fl__wasi_fs_ndefs;

/*
 * The sandbox (sandbox.c).  A guest path is resolved beneath `root` (a
 * preopen's host fd): never through an absolute path, a `..` above root, or
 * a symlink whose target leaves root.  Returns 0 or a negative host errno
 * (-EXDEV for an attempted escape, which callers report as ENOTCAPABLE).
 */

/* Resolves every component of `path` (len bytes, not NUL-terminated) but the
 * last, following symlinks, and then the last one too if `follow` (so *name
 * is never a symlink then, barring races the caller guards against with
 * *_NOFOLLOW).  On success *dir is an O_PATH directory fd the caller closes
 * and `name` (PATH_MAX bytes) holds the final component: a plain name or
 * "." when the path ends in "." or "..". */
int fl__sandbox_parent(int root, const char *path, size_t len, bool follow, bool no_openat2,
                       int *dir, char *name);
/* Opens `path` beneath `root` with open(2) `flags` and `mode`, following a
 * final symlink only if `follow`.  *fd is the caller's. */
int fl__sandbox_open(int root, const char *path, size_t len, int flags, unsigned mode, bool follow,
                     bool no_openat2, int *fd);

/* Whether a symlink to `target` (NUL-terminated) placed in directory `dir`
 * stays inside the preopen whose root is (root_dev, root_ino), reading the
 * target lexically from the link's own directory, whose real depth beneath
 * the root is found by walking `..` (so symlinks in the path that named
 * `dir` count for what they lead to).  Returns 0, -EPERM for an absolute
 * target (as wasmtime and Node answer), -EXDEV when the target's `..`
 * climb above the root (or `dir` is not beneath it), or another -errno. */
int fl__sandbox_check_link(int dir, dev_t root_dev, ino_t root_ino, const char *target);

/* After directory `top` moves to `depth` levels below its preopen's root:
 * 0 when every symlink in its tree still stays inside the preopen (as
 * fl__sandbox_check_link reads them), -EXDEV when one would not (or the
 * tree is too deep or too large to check: over 64 levels or 100000
 * entries), -EINTR when *interrupt went up meanwhile, or another -errno. */
int fl__sandbox_check_tree(int top, long depth, const volatile int *interrupt);

/* How many directories below the root (root_dev, root_ino) directory `dir`
 * lies, looking no further than `max` levels up: 0 .. max, max + 1 when the
 * root is further up, -EXDEV when `dir` is not beneath it, or -errno. */
long fl__sandbox_depth(int dir, dev_t root_dev, ino_t root_ino, long max);

#endif
