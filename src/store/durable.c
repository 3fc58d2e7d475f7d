/* durable.c: atomic replacement of files (see durable.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/durable.h"

int fl_durable_make_dirs(const char *dir, mode_t mode) {
    char p[PATH_MAX];
    int n = snprintf(p, sizeof p, "%s", dir);
    if (n < 0 || (size_t)n >= sizeof p)
        return -ENAMETOOLONG;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            return -errno;
        *s = c;
        if (!c)
            return 0;
    }
}

int fl_durable_write_all(int fd, const uint8_t *bytes, size_t len) {
    while (len > 0) {
        ssize_t w = write(fd, bytes, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        bytes += w;
        len -= (size_t)w;
    }
    return 0;
}

int fl_durable_replace(const char *path, const uint8_t *bytes, size_t len, mode_t mode,
                       mode_t dir_mode) {
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    char dir[PATH_MAX], tmp[PATH_MAX];
    int dirlen = slash ? (int)(slash - path) : 0;
    /* The temporary's name starts with '.', which no stored name may, so a
     * listing never mistakes it for data. */
    int n = snprintf(tmp, sizeof tmp, "%.*s/.%s.XXXXXX", dirlen, path, name);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return -ENAMETOOLONG;
    snprintf(dir, sizeof dir, "%.*s", dirlen, path);
    if (*dir) {
        int rc = fl_durable_make_dirs(dir, dir_mode);
        if (rc < 0)
            return rc;
    }
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fl_durable_write_all(fd, bytes, len);
    if (rc == 0 && fchmod(fd, mode) < 0)
        rc = -errno;
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0) {
        unlink(tmp);
        return rc;
    }
    int dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return 0;
}
