/*
 * files.c: reading the files a user names on the command line.  One reader
 * for every subcommand, so a directory, a device or a file too big gets the
 * same clear message everywhere instead of whatever fread made of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/files.h"

/* The message for a file of `mode` that is not read, or NULL. */
static const char *refusal(mode_t mode) {
    if (S_ISDIR(mode))
        return "is a directory";
    if (!S_ISREG(mode) && !S_ISFIFO(mode))
        return "is not a regular file";
    return NULL;
}

static void too_large(size_t max, char *err, size_t errlen) {
    snprintf(err, errlen, "larger than %zu MiB", max >> 20);
}

uint8_t *fl_cli_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen) {
    struct stat st;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    int fd = -1;
    const char *why;

    /* before opening: opening a device or a socket may block or act */
    if (stat(path, &st) == 0 && (why = refusal(st.st_mode))) {
        snprintf(err, errlen, "%s", why);
        return NULL;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0)
        goto sys_error;
    if ((why = refusal(st.st_mode))) {
        snprintf(err, errlen, "%s", why);
        goto fail;
    }
    size_t first = 65536;
    if (S_ISREG(st.st_mode)) {
        if ((uint64_t)st.st_size > max) {
            too_large(max, err, errlen);
            goto fail;
        }
        first = (size_t)st.st_size + 1; /* one more: the end of file, or growth */
    }
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                too_large(max, err, errlen);
                goto fail;
            }
            /* never more than max + 1 bytes (which tells a file too long) */
            size_t ncap = cap ? cap * 2 : first;
            if (ncap > max)
                ncap = max + 1;
            uint8_t *bigger = realloc(buf, ncap + 1);
            if (!bigger) {
                errno = ENOMEM;
                goto sys_error;
            }
            buf = bigger;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            goto sys_error;
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (n > max) {
        too_large(max, err, errlen);
        goto fail;
    }
    close(fd);
    buf[n] = 0;
    *len = n;
    return buf;

sys_error:
    snprintf(err, errlen, "%s", strerror(errno));
fail:
    free(buf);
    if (fd >= 0)
        close(fd);
    return NULL;
}

void fl_cli_python_dir(const char *given, char *buf, size_t size) {
    const char *env = getenv("FAASLET_PYTHON");
    if (given || (env && env[0])) {
        snprintf(buf, size, "%s", given ? given : env);
        return;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(buf, size, "python");
        return;
    }
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = 0;
    snprintf(buf, size, "%s/python", exe);
}

/* Makes folder `path` and its missing parents (mode 0755).  Returns 0 or
 * -1 with errno set. */
static int make_folders(const char *path) {
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p)
            continue;
        char c = *p;
        *p = 0;
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -1;
        if (!c)
            break;
        *p = c;
    }
    struct stat st;
    if (stat(path, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* What Faasm's runtime root holds that functions read, written into the
 * store's runtime root when missing (an operator's own versions stay):
 * the one user every function runs as (the SDK's getpwuid answers the
 * same) and the loopback host names.  python/build.sh writes the same
 * into the Python runtime root. */
static const char *const ROOT_FILES[][2] = {
    {"etc/passwd", "faasm:x:1000:1000:faasm:/:/bin/sh\n"},
    {"etc/group", "faasm:x:1000:\n"},
    {"etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"},
};

/* Writes ROOT_FILES missing from root; a root it cannot write to is left as
 * it is (the operator's). */
static void seed_root(const char *root) {
    char path[4200];
    snprintf(path, sizeof path, "%s/etc", root);
    mkdir(path, 0755);
    for (size_t i = 0; i < sizeof ROOT_FILES / sizeof ROOT_FILES[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", root, ROOT_FILES[i][0]);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
            continue;
        size_t len = strlen(ROOT_FILES[i][1]);
        if (write(fd, ROOT_FILES[i][1], len) != (ssize_t)len)
            unlink(path);
        close(fd);
    }
}

int fl_cli_store_runtime_root(const char *store_dir, char *buf, size_t size) {
    if (snprintf(buf, size, "%s/runtime", store_dir) >= (int)size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (make_folders(buf) < 0)
        return -1;
    seed_root(buf);
    return 0;
}
