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
