/*
 * quota.c: the disk quota of a preopen with disk_quota set (a call's
 * private /tmp).  What is charged and when is described in wasi_int.h;
 * the calls that grow, create and remove things (wasi_fs.c) ask here.
 *
 * The context keeps the total it has charged (w->disk): it never gives
 * back more than that, so a file it did not pay for (one that was there
 * before) cannot lower what the rest of the call tree has charged.
 */
#include <sys/stat.h>

#include "wasi/wasi_int.h"

uint16_t fl__quota_charge(fl_wasi *w, uint64_t bytes) {
    if (bytes == 0)
        return 0;
    w->quota_touched = true; /* even a refused charge may follow a made name */
    if (fl_budget_charge(w->budget, FL_BUDGET_DISK, bytes) < 0)
        return W_ENOSPC;
    w->disk += bytes;
    return 0;
}

void fl__quota_release(fl_wasi *w, uint64_t bytes) {
    if (bytes > w->disk)
        bytes = w->disk;
    if (bytes == 0)
        return;
    w->disk -= bytes;
    fl_budget_release(w->budget, FL_BUDGET_DISK, bytes);
}

uint16_t fl__quota_grow(fl_wasi *w, int host, uint64_t start, uint64_t len, uint64_t *size,
                       uint64_t *charged) {
    struct stat st;
    *size = 0;
    *charged = 0;
    if (fstat(host, &st) < 0 || !S_ISREG(st.st_mode))
        return 0; /* nothing a quota counts; the call itself reports a bad fd */
    *size = (uint64_t)st.st_size;
    uint64_t end = (start == FL__QUOTA_AT_END ? *size : start) + len;
    if (end <= *size)
        return 0;
    uint16_t e = fl__quota_charge(w, end - *size);
    if (!e)
        *charged = end - *size;
    return e;
}

void fl__quota_settle(fl_wasi *w, int host, uint64_t size, uint64_t charged) {
    struct stat st;
    if (fstat(host, &st) < 0 || !S_ISREG(st.st_mode))
        return;
    uint64_t now = (uint64_t)st.st_size;
    uint64_t grown = now > size ? now - size : 0;
    if (grown < charged)
        fl__quota_release(w, charged - grown);
    else if (grown > charged)
        /* cannot happen while the directory is the context's own; if it
         * does, count what is there (a refusal leaves the tree at its limit) */
        fl__quota_charge(w, grown - charged);
    if (now < size)
        fl__quota_release(w, size - now);
}

bool fl__quota_held(fl_wasi *w, dev_t dev, ino_t ino, const fl__wasi_fd *except) {
    for (uint32_t i = 0; i < w->nfds; i++) {
        const fl__wasi_fd *f = &w->fds[i];
        struct stat st;
        if (f == except || !f->used || f->host < 0 || !f->quota)
            continue;
        if (fstat(f->host, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
            return true;
    }
    return false;
}

void fl__quota_removed(fl_wasi *w, const struct stat *st) {
    fl__quota_release(w, FL__WASI_NAME_COST);
    if (S_ISREG(st->st_mode) && st->st_nlink <= 1 && !fl__quota_held(w, st->st_dev, st->st_ino, NULL))
        fl__quota_release(w, (uint64_t)st->st_size);
}
