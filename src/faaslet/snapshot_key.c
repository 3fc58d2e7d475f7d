/*
 * snapshot_key.c: SHA-256 keys of snapshots on disk (see snapshot_key.h),
 * on OpenSSL's EVP digests.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faaslet/snapshot_key.h"

struct fl__snapshot_key_ctx {
    EVP_MD_CTX *md;
};

fl__snapshot_key_ctx *fl__snapshot_key_begin(void) {
    fl__snapshot_key_ctx *k = calloc(1, sizeof *k);
    if (!k || !(k->md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(k->md, EVP_sha256(), NULL)) {
        if (k)
            EVP_MD_CTX_free(k->md);
        free(k);
        return NULL;
    }
    return k;
}

void fl__snapshot_key_bytes(fl__snapshot_key_ctx *k, const void *bytes, size_t len) {
    EVP_DigestUpdate(k->md, bytes, len);
}

void fl__snapshot_key_str(fl__snapshot_key_ctx *k, const char *s) {
    s = s ? s : "";
    EVP_DigestUpdate(k->md, s, strlen(s) + 1);
}

void fl__snapshot_key_u64(fl__snapshot_key_ctx *k, uint64_t v) {
    EVP_DigestUpdate(k->md, &v, sizeof v);
}

void fl__snapshot_key_file(fl__snapshot_key_ctx *k, const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fl__snapshot_key_str(k, "(missing)");
        return;
    }
    uint8_t buf[65536];
    ssize_t n;
    uint64_t total = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        EVP_DigestUpdate(k->md, buf, (size_t)n);
        total += (uint64_t)n;
    }
    close(fd);
    fl__snapshot_key_u64(k, total);
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds dir's entries (below `rel`), depth first in name order; returns the
 * entries left of the budget. */
static size_t add_tree(fl__snapshot_key_ctx *k, const char *dir, const char *rel, size_t left,
                       int depth) {
    DIR *d = opendir(dir);
    if (!d) {
        fl__snapshot_key_str(k, "(unreadable)");
        return left;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX], sub[PATH_MAX];
        struct stat st;
        if (left == 0) {
            fl__snapshot_key_str(k, "(more)");
            break;
        }
        left--;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(sub, sizeof sub, "%s/%s", rel, names[i]);
        fl__snapshot_key_str(k, sub);
        if (lstat(path, &st) < 0)
            continue;
        fl__snapshot_key_u64(k, st.st_mode);
        fl__snapshot_key_u64(k, (uint64_t)st.st_size);
        fl__snapshot_key_u64(k, (uint64_t)st.st_mtim.tv_sec);
        fl__snapshot_key_u64(k, (uint64_t)st.st_mtim.tv_nsec);
        if (S_ISDIR(st.st_mode) && depth < 32)
            left = add_tree(k, path, sub, left, depth + 1);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return left;
}

void fl__snapshot_key_tree(fl__snapshot_key_ctx *k, const char *dir, size_t max_entries) {
    fl__snapshot_key_str(k, dir ? "(tree)" : "(no tree)");
    if (dir)
        add_tree(k, dir, "", max_entries, 0);
}

void fl__snapshot_key_end(fl__snapshot_key_ctx *k, uint8_t out[FL_SNAPSHOT_KEY_LEN]) {
    unsigned int len = 0;
    EVP_DigestFinal_ex(k->md, out, &len);
    EVP_MD_CTX_free(k->md);
    free(k);
}

void fl__sha256(const uint8_t *bytes, size_t len, uint8_t out[FL_SNAPSHOT_KEY_LEN]) {
    unsigned int n = 0;
    EVP_Digest(bytes, len, out, &n, EVP_sha256(), NULL);
}
