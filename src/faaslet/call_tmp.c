/*
 * call_tmp.c: a call's private /tmp (call_tmp.h): made with two held fds,
 * emptied through them however deep the guest nested its folders, swept
 * when its process died.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "faaslet/call_tmp.h"


/* A directory read with getdents64 on a held fd: no allocation, no new fd. */
typedef struct dir_reader {
    int fd;
    long n, pos;
    char buf[4096] __attribute__((aligned(8)));
} dir_reader;

struct dirent64_raw {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

static void dir_rewind(dir_reader *r, int fd) {
    r->fd = fd;
    r->n = r->pos = 0;
    lseek(fd, 0, SEEK_SET);
}

/* The next entry's name but "." and "..", valid until the next call; NULL
 * at the end or on an error (then r->n < 0). */
static const char *dir_next(dir_reader *r) {
    for (;;) {
        if (r->pos >= r->n) {
            r->n = syscall(SYS_getdents64, r->fd, r->buf, sizeof r->buf);
            r->pos = 0;
            if (r->n <= 0)
                return NULL;
        }
        struct dirent64_raw *d = (struct dirent64_raw *)(r->buf + r->pos);
        r->pos += d->reclen;
        if (strcmp(d->name, ".") && strcmp(d->name, ".."))
            return d->name;
    }
}

/* Opens folder `name` beneath `top` in the spare fd's slot (closed just
 * before: another thread may take the slot first, then this fails and a
 * later pass tries again).  Returns the fd or -1. */
static int open_in_spare(int top, const char *name, int *spare) {
    if (*spare >= 0) {
        close(*spare);
        *spare = -1;
    }
    return openat(top, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Empties the folder open at `top` without following any symlink and with
 * no fd beyond `top` and the spare, however deep the guest nested its
 * folders: a non-empty subfolder has its entries renamed up into `top`
 * (RENAME_NOREPLACE, under fresh names), is removed, and the pass repeats
 * until `top` is empty.  Returns 0, or -1 when a pass removes nothing (what
 * is left stays). */
static int empty_folder(int top, int *spare) {
    unsigned long seq = 0;
    dir_reader r, sr;
    for (;;) {
        bool any = false, progress = false;
        const char *name;
        dir_rewind(&r, top);
        while ((name = dir_next(&r))) {
            any = true;
            if (unlinkat(top, name, 0) == 0 || unlinkat(top, name, AT_REMOVEDIR) == 0) {
                progress = true;
                continue;
            }
            int sub = open_in_spare(top, name, spare);
            if (sub < 0)
                continue;
            const char *f;
            dir_rewind(&sr, sub);
            while ((f = dir_next(&sr))) {
                char fresh[40];
                int rc;
                do {
                    snprintf(fresh, sizeof fresh, ".faaslet-rm-%lu", seq++);
                    rc = renameat2(sub, f, top, fresh, RENAME_NOREPLACE);
                } while (rc < 0 && errno == EEXIST);
                progress = progress || rc == 0;
            }
            close(sub);
            *spare = fcntl(top, F_DUPFD_CLOEXEC, 0); /* the slot back, if still free */
            if (unlinkat(top, name, AT_REMOVEDIR) == 0)
                progress = true;
        }
        if (r.n < 0)
            return -1;
        if (!any)
            return 0;
        if (!progress)
            return -1;
    }
}

/* Makes the call's private /tmp under tmp->parent with its fds and flock.
 * Returns 0, or -1 with a message in msg. */
int fl__call_tmp_make(fl__call_tmp *tmp, char *msg, size_t len) {
    if (snprintf(tmp->path, sizeof tmp->path, "%s/faaslet-%ld-XXXXXX", tmp->parent,
                 (long)getpid()) >= (int)sizeof tmp->path) {
        snprintf(msg, len, "the call's /tmp: folder name too long");
        tmp->path[0] = 0;
        return -1;
    }
    if (!mkdtemp(tmp->path))
        goto fail;
    tmp->fd = open(tmp->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (tmp->fd < 0 || (tmp->spare = fcntl(tmp->fd, F_DUPFD_CLOEXEC, 0)) < 0 ||
        flock(tmp->fd, LOCK_SH) < 0) {
        int e = errno;
        if (tmp->fd >= 0)
            close(tmp->fd);
        tmp->fd = -1;
        rmdir(tmp->path);
        errno = e;
        goto fail;
    }
    return 0;
fail:
    snprintf(msg, len, "cannot make the call's /tmp in %s: %s", tmp->parent, strerror(errno));
    tmp->path[0] = 0;
    return -1;
}

int fl__call_tmp_empty(fl__call_tmp *tmp) {
    if (!tmp->path[0])
        return 0;
    int rc = empty_folder(tmp->fd, &tmp->spare);
    if (rc == 0 && tmp->spare < 0)
        tmp->spare = fcntl(tmp->fd, F_DUPFD_CLOEXEC, 0);
    return rc < 0 || tmp->spare < 0 ? -1 : 0;
}

/* Removes the call's /tmp with everything in it, then closes its fds.  A
 * folder that cannot be emptied (a pass that removes nothing, e.g. the
 * spare's slot lost to another thread) is tried again a few times, then
 * reported on stderr. */
void fl__call_tmp_remove(fl__call_tmp *tmp) {
    if (!tmp->path[0])
        return;
    int rc = -1;
    for (int i = 0; i < 5 && rc < 0; i++) {
        if (i) {
            struct timespec ts = {0, 10000000L << i};
            nanosleep(&ts, NULL);
        }
        rc = empty_folder(tmp->fd, &tmp->spare);
    }
    if (rc < 0 || rmdir(tmp->path) < 0)
        fprintf(stderr, "faaslet: cannot remove the call's /tmp %s: %s\n", tmp->path,
                rc < 0 ? "it cannot be emptied" : strerror(errno));
    close(tmp->fd);
    if (tmp->spare >= 0)
        close(tmp->spare);
    tmp->fd = tmp->spare = -1;
    tmp->path[0] = 0;
}

/* Removes the private /tmp folders under `parent` that a process which no
 * longer runs left behind (it crashed or was killed): named
 * faaslet-PID-XXXXXX, PID not running, owned by us, and not flocked (a
 * process in another pid namespace may still use it). */
void fl__call_tmp_sweep(const char *parent) {
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        if (strncmp(e->d_name, "faaslet-", 8) || !isdigit((unsigned char)e->d_name[8]))
            continue;
        long pid = strtol(e->d_name + 8, &end, 10);
        if (*end != '-' || strlen(end) != 7 || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0)
            continue;
        if (fstat(fd, &st) == 0 && st.st_uid == geteuid() && flock(fd, LOCK_EX | LOCK_NB) == 0) {
            int spare = fcntl(fd, F_DUPFD_CLOEXEC, 0);
            if (empty_folder(fd, &spare) == 0)
                unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
            if (spare >= 0)
                close(spare);
        }
        close(fd);
    }
    closedir(d);
}

