/*
 * sandbox.c: resolving guest paths beneath a preopened directory.
 *
 * Two ways, one answer.  Where the kernel has openat2, RESOLVE_BENEATH and
 * RESOLVE_NO_MAGICLINKS make the kernel refuse every escape (absolute
 * paths, `..` above the root, symlinks that leave it) atomically.  Elsewhere
 * (old kernels, seccomp filters that return ENOSYS, or when asked) a walk
 * opens one component at a time with O_NOFOLLOW, keeps a stack of directory
 * fds so that `..` pops instead of asking the kernel, reads symlinks itself
 * and splices their targets into the rest of the path.  Either way the
 * final component is left to the caller's *at() call with a NOFOLLOW flag,
 * so a symlink swapped in after the check is never followed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasi/wasi_int.h"

#define MAX_SYMLINKS 40

/* Set once openat2 answered ENOSYS: every later call walks. */
static atomic_bool openat2_missing;

static int sys_openat2(int dirfd, const char *path, int flags, unsigned mode) {
    struct open_how how = {
        .flags = (uint64_t)(unsigned)flags,
        /* O_TMPFILE includes O_DIRECTORY's bit: test it whole. */
        .mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    for (int tries = 0;; tries++) {
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        if (fd >= 0)
            return (int)fd;
        /* EAGAIN: a concurrent rename raced a `..`; the kernel asks to retry. */
        if (errno == EAGAIN && tries < 8)
            continue;
        if (errno == ENOSYS)
            atomic_store(&openat2_missing, true);
        return -errno;
    }
}

/* Opens directory `path` (relative, NUL-terminated) beneath `root` by
 * walking it, as an O_PATH fd in *out.  Returns 0 or -errno. */
static int walk_dir(int root, const char *path, int *out) {
    size_t nopen = 0, cap = 16; /* stack[0..nopen) are open directory fds */
    int *stack = malloc(cap * sizeof *stack);
    char *rest = malloc(PATH_MAX), *target = malloc(PATH_MAX), *tmp = malloc(PATH_MAX);
    int links = 0, rc = 0;

    if (!stack || !rest || !target || !tmp) {
        rc = -ENOMEM;
        goto out;
    }
    if (strlen(path) >= PATH_MAX) {
        rc = -ENAMETOOLONG;
        goto out;
    }
    stack[0] = openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (stack[0] < 0) {
        rc = -errno;
        goto out;
    }
    nopen = 1;
    strcpy(rest, path);

    char *p = rest;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        char *end = strchrnul(p, '/');
        size_t n = (size_t)(end - p);
        char comp[NAME_MAX + 1];
        if (n > NAME_MAX) {
            rc = -ENAMETOOLONG;
            goto out;
        }
        memcpy(comp, p, n);
        comp[n] = 0;
        p = end;

        if (!strcmp(comp, "."))
            continue;
        if (!strcmp(comp, "..")) {
            if (nopen == 1) {
                rc = -EXDEV; /* above the root */
                goto out;
            }
            close(stack[--nopen]);
            continue;
        }
        int fd = openat(stack[nopen - 1], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            rc = -errno;
            goto out;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
            rc = -errno;
            close(fd);
            goto out;
        }
        if (S_ISLNK(st.st_mode)) {
            /* Read the link we hold, not whatever the name means now. */
            ssize_t tn = readlinkat(fd, "", target, PATH_MAX);
            int e = errno;
            close(fd);
            if (tn < 0) {
                rc = -e;
                goto out;
            }
            if (++links > MAX_SYMLINKS) {
                rc = -ELOOP;
                goto out;
            }
            if ((size_t)tn >= PATH_MAX || (size_t)tn + 1 + strlen(p) >= PATH_MAX) {
                rc = -ENAMETOOLONG;
                goto out;
            }
            target[tn] = 0;
            if (target[0] == '/') {
                rc = -EXDEV; /* an absolute target always leaves the root */
                goto out;
            }
            /* The target continues from the link's directory (the top of the stack). */
            snprintf(tmp, PATH_MAX, "%s/%s", target, p);
            strcpy(rest, tmp);
            p = rest;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            close(fd);
            rc = -ENOTDIR;
            goto out;
        }
        if (nopen == cap) {
            int *ns = realloc(stack, 2 * cap * sizeof *ns);
            if (!ns) {
                close(fd);
                rc = -ENOMEM;
                goto out;
            }
            stack = ns;
            cap *= 2;
        }
        stack[nopen++] = fd;
    }
    *out = stack[--nopen]; /* the top now belongs to the caller */
out:
    while (nopen > 0)
        close(stack[--nopen]);
    free(stack);
    free(rest);
    free(target);
    free(tmp);
    return rc;
}

/* Opens directory `dirpart` (relative, NUL-terminated; "" = root) beneath
 * `root` as an O_PATH fd. */
static int open_dir(int root, const char *dirpart, bool no_openat2, int *out) {
    if (!*dirpart)
        dirpart = ".";
    if (!no_openat2 && !atomic_load(&openat2_missing)) {
        int fd = sys_openat2(root, dirpart, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd >= 0) {
            *out = fd;
            return 0;
        }
        if (fd != -ENOSYS)
            return fd;
    }
    return walk_dir(root, dirpart, out);
}

/* Copies a guest path into a NUL-terminated buffer of PATH_MAX bytes. */
static int copy_path(const char *path, size_t len, char *buf) {
    if (len == 0)
        return -ENOENT;
    if (len >= PATH_MAX)
        return -ENAMETOOLONG;
    if (memchr(path, 0, len))
        return -EINVAL;
    memcpy(buf, path, len);
    buf[len] = 0;
    return 0;
}

int fl__sandbox_parent(int root, const char *path, size_t len, bool follow, bool no_openat2,
                       int *dir, char *name) {
    char *cur = malloc(PATH_MAX), *target = malloc(PATH_MAX);
    int rc;

    if (!cur || !target) {
        rc = -ENOMEM;
        goto out;
    }
    rc = copy_path(path, len, cur);
    if (rc < 0)
        goto out;

    bool must_be_dir = false;
    for (int links = 0;; links++) {
        if (cur[0] == '/') {
            rc = -EXDEV;
            goto out;
        }
        /* A trailing slash makes the last component a directory to follow into. */
        size_t n = strlen(cur);
        while (n > 1 && cur[n - 1] == '/') {
            cur[--n] = 0;
            follow = must_be_dir = true;
        }
        char *slash = strrchr(cur, '/');
        char *base = slash ? slash + 1 : cur;
        int d;
        if (!strcmp(base, ".") || !strcmp(base, "..")) {
            rc = open_dir(root, cur, no_openat2, &d);
            if (rc < 0)
                goto out;
            *dir = d;
            strcpy(name, ".");
            goto out;
        }
        if (strlen(base) > NAME_MAX) {
            rc = -ENAMETOOLONG;
            goto out;
        }
        strcpy(name, base);
        if (slash)
            *slash = 0;
        rc = open_dir(root, slash ? cur : "", no_openat2, &d);
        if (rc < 0)
            goto out;
        if (!follow) {
            *dir = d;
            goto out;
        }
        ssize_t tn = readlinkat(d, name, target, PATH_MAX);
        if (tn < 0) { /* not a symlink, or missing: the caller's call decides */
            struct stat st;
            if (must_be_dir && fstatat(d, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                !S_ISDIR(st.st_mode)) {
                close(d);
                rc = -ENOTDIR; /* "file/" */
                goto out;
            }
            *dir = d;
            goto out;
        }
        close(d);
        if (tn == 0) {
            rc = -ENOENT; /* an empty symlink names nothing */
            goto out;
        }
        if (links >= MAX_SYMLINKS) {
            rc = -ELOOP;
            goto out;
        }
        if ((size_t)tn >= PATH_MAX) {
            rc = -ENAMETOOLONG;
            goto out;
        }
        target[tn] = 0;
        if (target[0] == '/') {
            rc = -EXDEV;
            goto out;
        }
        /* Resolve the target from the link's directory, again from the root. */
        char *dirpart = slash ? cur : "";
        if (strlen(dirpart) + 1 + (size_t)tn >= PATH_MAX) {
            rc = -ENAMETOOLONG;
            goto out;
        }
        char *joined = malloc(PATH_MAX);
        if (!joined) {
            rc = -ENOMEM;
            goto out;
        }
        snprintf(joined, PATH_MAX, "%s%s%s", dirpart, *dirpart ? "/" : "", target);
        free(cur);
        cur = joined;
    }
out:
    free(cur);
    free(target);
    return rc;
}

int fl__sandbox_open(int root, const char *path, size_t len, int flags, unsigned mode, bool follow,
                     bool no_openat2, int *fd) {
    bool slash = len > 0 && path[len - 1] == '/';
    if (!no_openat2 && !atomic_load(&openat2_missing)) {
        char *buf = malloc(PATH_MAX);
        if (!buf)
            return -ENOMEM;
        int rc = copy_path(path, len, buf);
        if (rc == 0)
            rc = sys_openat2(root, buf, flags | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), mode);
        free(buf);
        if (rc >= 0) {
            *fd = rc;
            return 0;
        }
        if (rc != -ENOSYS)
            return rc;
    }

    char name[PATH_MAX];
    int dir;
    /* "x/" names a directory.  Creating one is EISDIR once the directories
     * before x resolve, whatever x is: openat2's answer (the kernel checks
     * the slash before it looks x up).  Otherwise x is opened as a
     * directory only (the slash made the sandbox follow a symlink x). */
    if (slash && (flags & O_CREAT)) {
        size_t n = len;
        while (n > 1 && path[n - 1] == '/')
            n--;
        int rc = fl__sandbox_parent(root, path, n, false, true, &dir, name);
        if (rc < 0)
            return rc;
        close(dir);
        return -EISDIR;
    }
    int rc = fl__sandbox_parent(root, path, len, follow, true, &dir, name);
    if (rc < 0)
        return rc;
    int f = openat(dir, name, flags | O_CLOEXEC | O_NOFOLLOW | (slash ? O_DIRECTORY : 0), mode);
    rc = f < 0 ? -errno : 0;
    close(dir);
    if (f >= 0)
        *fd = f;
    return rc;
}

long fl__sandbox_depth(int dir, dev_t root_dev, ino_t root_ino, long max) {
    int cur = openat(dir, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    long depth = 0, rc;
    if (cur < 0)
        return -errno;
    for (;;) {
        struct stat st, up_st;
        if (fstat(cur, &st) < 0) {
            rc = -errno;
            break;
        }
        if (st.st_dev == root_dev && st.st_ino == root_ino) {
            rc = depth;
            break;
        }
        if (depth == max) {
            rc = max + 1;
            break;
        }
        int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (up < 0) {
            rc = -errno;
            break;
        }
        if (fstat(up, &up_st) < 0 || (up_st.st_dev == st.st_dev && up_st.st_ino == st.st_ino)) {
            close(up);
            rc = -EXDEV; /* the file system's root, and no preopen root on the way */
            break;
        }
        close(cur);
        cur = up;
        depth++;
    }
    close(cur);
    return rc;
}

/* How many levels above its own directory symlink target `t` reaches when
 * read lexically ("a/../../x": 1); *absolute when it starts with '/'. */
static long target_climb(const char *t, bool *absolute) {
    long level = 0, climb = 0;
    *absolute = t[0] == '/';
    for (const char *p = t; *p;) {
        const char *end = strchrnul(p, '/');
        size_t n = (size_t)(end - p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (--level < -climb)
                climb = -level;
        } else if (n > 0 && !(n == 1 && p[0] == '.')) {
            level++;
        }
        p = *end ? end + 1 : end;
    }
    return climb;
}

int fl__sandbox_check_link(int dir, dev_t root_dev, ino_t root_ino, const char *target) {
    bool absolute;
    long climb = target_climb(target, &absolute);
    if (absolute)
        return -EPERM;
    if (climb == 0)
        return 0;
    long depth = fl__sandbox_depth(dir, root_dev, root_ino, climb);
    if (depth < 0)
        return (int)depth;
    return depth >= climb ? 0 : -EXDEV;
}

/* Limits of fl__sandbox_check_tree: a tree beyond them is not checked
 * but refused with -EXDEV, which tools answer by copying (and a copy makes
 * each symlink anew, through the check of path_symlink). */
#define TREE_MAX_DEPTH 64
#define TREE_MAX_ENTRIES 100000

int fl__sandbox_check_tree(int top, long depth, const volatile int *interrupt) {
    DIR *stack[TREE_MAX_DEPTH];
    int sp = 0, rc = 0;
    long entries = 0;
    char *target = malloc(PATH_MAX);
    int fd = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (!target || fd < 0) {
        rc = target ? -errno : -ENOMEM;
        if (fd >= 0)
            close(fd);
        goto out;
    }
    if (!(stack[sp] = fdopendir(fd))) {
        rc = -errno;
        close(fd);
        goto out;
    }
    sp++;
    while (sp > 0) {
        DIR *cur = stack[sp - 1];
        errno = 0;
        struct dirent *e = readdir(cur);
        if (!e) {
            if (errno) {
                rc = -errno;
                break;
            }
            closedir(stack[--sp]);
            continue;
        }
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (++entries > TREE_MAX_ENTRIES) {
            rc = -EXDEV;
            break;
        }
        if (entries % 1024 == 0 && *interrupt) {
            rc = -EINTR;
            break;
        }
        unsigned char type = e->d_type;
        if (type == DT_UNKNOWN) {
            struct stat st;
            if (fstatat(dirfd(cur), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                rc = -errno;
                break;
            }
            type = S_ISLNK(st.st_mode) ? DT_LNK : S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
        }
        if (type == DT_LNK) {
            ssize_t n = readlinkat(dirfd(cur), e->d_name, target, PATH_MAX - 1);
            if (n < 0) {
                rc = -errno;
                break;
            }
            target[n] = 0;
            bool absolute;
            if (target_climb(target, &absolute) > depth + sp - 1 || absolute) {
                rc = -EXDEV;
                break;
            }
        } else if (type == DT_DIR) {
            if (sp == TREE_MAX_DEPTH) {
                rc = -EXDEV;
                break;
            }
            int sub = openat(dirfd(cur), e->d_name,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0 || !(stack[sp] = fdopendir(sub))) {
                rc = -errno;
                if (sub >= 0)
                    close(sub);
                break;
            }
            sp++;
        }
    }
out:
    while (sp > 0)
        closedir(stack[--sp]);
    free(target);
    return rc;
}
