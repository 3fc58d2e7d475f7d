/*
 * store.c: the function store: files under a root folder, written
 * atomically (temporary file, fsync, rename), names checked before any
 * path is built.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/durable.h"
#include "store/store.h"

struct fl_fnstore {
    char *root; /* no trailing '/' (except for "/" itself, kept as "") */
};

/* Where each kind lives, and its file name. */
static const struct {
    const char *dir;
    const char *file;
} kinds[] = {
    [FL_FNSTORE_WASM] = {"functions", "function.wasm"},
    [FL_FNSTORE_PYTHON] = {"pyfuncs", "function.py"},
};

static bool kind_ok(fl_fnstore_kind kind) {
    return (unsigned)kind < sizeof kinds / sizeof kinds[0];
}

/* snprintf into buf; -ENAMETOOLONG when it does not fit. */
__attribute__((format(printf, 3, 4))) static int fmt(char *buf, size_t size, const char *f,
                                                     ...) {
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(buf, size, f, ap);
    va_end(ap);
    if (n < 0)
        return -EINVAL;
    if ((size_t)n >= size)
        return -ENAMETOOLONG;
    return 0;
}

int fl_fnstore_root(char *buf, size_t size) {
    const char *home = getenv("FAASLET_HOME");
    if (home && *home)
        return fmt(buf, size, "%s", home);
    const char *xdg = getenv("XDG_DATA_HOME");
    if (xdg && *xdg == '/')
        return fmt(buf, size, "%s/faaslet", xdg);
    home = getenv("HOME");
    if (!home || !*home)
        return -ENOENT;
    return fmt(buf, size, "%s/.local/share/faaslet", home);
}

fl_fnstore *fl_fnstore_open(const char *root, int *err) {
    char def[PATH_MAX];
    int rc = 0;
    fl_fnstore *s = NULL;
    if (!root) {
        rc = fl_fnstore_root(def, sizeof def);
        if (rc < 0)
            goto fail;
        root = def;
    }
    if (!*root) {
        rc = -EINVAL;
        goto fail;
    }
    s = calloc(1, sizeof *s);
    if (!s || !(s->root = strdup(root))) {
        rc = -ENOMEM;
        goto fail;
    }
    size_t n = strlen(s->root);
    while (n > 0 && s->root[n - 1] == '/')
        s->root[--n] = '\0';
    if (err)
        *err = 0;
    return s;

fail:
    free(s);
    if (err)
        *err = rc;
    return NULL;
}

void fl_fnstore_close(fl_fnstore *s) {
    if (!s)
        return;
    free(s->root);
    free(s);
}

const char *fl_fnstore_dir(const fl_fnstore *s) {
    return *s->root ? s->root : "/";
}

const char *fl_fnstore_check_name(const char *name, size_t len) {
    if (!name || len == 0)
        return "name is empty";
    if (len > FL_FNSTORE_NAME_MAX)
        return "name is longer than 128 bytes";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '\0')
            return "name contains a NUL byte";
        if (c == '/' || c == '\\')
            return "name contains a slash";
        if (c < 0x20 || c == 0x7f)
            return "name contains a control character";
        if (c == '.' && i + 1 < len && name[i + 1] == '.')
            return "name contains \"..\"";
    }
    if (name[0] == '.')
        return "name starts with '.'";
    return NULL;
}

const char *fl_fnstore_check_path(const char *path, size_t len) {
    if (!path)
        return "path is empty";
    while (len > 0 && path[0] == '/') {
        path++;
        len--;
    }
    if (len == 0)
        return "path is empty";
    if (len > FL_FNSTORE_PATH_MAX)
        return "path is longer than 1024 bytes";
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && path[i] != '/')
            continue;
        if (i == start)
            return "path has an empty component";
        const char *why = fl_fnstore_check_name(path + start, i - start);
        if (why)
            return why;
        start = i + 1;
    }
    return NULL;
}

/* Checks a C-string name; -EINVAL when refused. */
static int name_ok(const char *name) {
    return name && !fl_fnstore_check_name(name, strlen(name)) ? 0 : -EINVAL;
}

/* Skips the leading '/'s of a checked shared path. */
static const char *shared_rel(const char *path) {
    while (*path == '/')
        path++;
    return path;
}

int fl_fnstore_path(const fl_fnstore *s, fl_fnstore_kind kind, const char *user,
                    const char *func, char *buf, size_t size) {
    if (!kind_ok(kind) || name_ok(user) < 0 || name_ok(func) < 0)
        return -EINVAL;
    return fmt(buf, size, "%s/%s/%s/%s/%s", s->root, kinds[kind].dir, user, func,
               kinds[kind].file);
}

int fl_fnstore_shared_path(const fl_fnstore *s, const char *path, char *buf, size_t size) {
    if (!path || fl_fnstore_check_path(path, strlen(path)))
        return -EINVAL;
    return fmt(buf, size, "%s/shared/%s", s->root, shared_rel(path));
}

int fl_fnstore_object_path(const fl_fnstore *s, const char *hash, char *buf, size_t size) {
    size_t n = hash ? strlen(hash) : 0;
    if (n < 8 || n > 128)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!((hash[i] >= '0' && hash[i] <= '9') || (hash[i] >= 'a' && hash[i] <= 'f')))
            return -EINVAL;
    return fmt(buf, size, "%s/objects/%s.o", s->root, hash);
}

/* Reads the whole of `path` into a malloc'd buffer. */
static int read_all(const char *path, uint8_t **bytes, size_t *len) {
    *bytes = NULL;
    *len = 0;
    int rc = 0;
    uint8_t *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = -ENOENT;
        goto out;
    }
    size_t cap = (size_t)st.st_size, n = 0;
    buf = malloc(cap ? cap : 1);
    if (!buf) {
        rc = -ENOMEM;
        goto out;
    }
    for (;;) {
        if (n == cap) {
            /* The file grew since fstat (it is replaced by rename, so
             * rarely): keep reading. */
            uint8_t *bigger = realloc(buf, cap * 2 + 4096);
            if (!bigger) {
                rc = -ENOMEM;
                goto out;
            }
            buf = bigger;
            cap = cap * 2 + 4096;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *bytes = buf;
    *len = n;
    buf = NULL;

out:
    free(buf);
    close(fd);
    return rc;
}

int fl_fnstore_put(const fl_fnstore *s, fl_fnstore_kind kind, const char *user,
                   const char *func, const uint8_t *bytes, size_t len) {
    char path[PATH_MAX];
    int rc = fl_fnstore_path(s, kind, user, func, path, sizeof path);
    if (rc < 0)
        return rc;
    return fl_durable_replace(path, bytes, len, 0644, 0755);
}

int fl_fnstore_get(const fl_fnstore *s, fl_fnstore_kind kind, const char *user,
                   const char *func, uint8_t **bytes, size_t *len) {
    char path[PATH_MAX];
    *bytes = NULL;
    *len = 0;
    int rc = fl_fnstore_path(s, kind, user, func, path, sizeof path);
    if (rc < 0)
        return rc;
    return read_all(path, bytes, len);
}

int fl_fnstore_put_wasm(const fl_fnstore *s, const char *user, const char *func,
                        const uint8_t *bytes, size_t len) {
    return fl_fnstore_put(s, FL_FNSTORE_WASM, user, func, bytes, len);
}

int fl_fnstore_get_wasm(const fl_fnstore *s, const char *user, const char *func,
                        uint8_t **bytes, size_t *len) {
    return fl_fnstore_get(s, FL_FNSTORE_WASM, user, func, bytes, len);
}

int fl_fnstore_put_python(const fl_fnstore *s, const char *user, const char *func,
                          const char *source, size_t len) {
    return fl_fnstore_put(s, FL_FNSTORE_PYTHON, user, func, (const uint8_t *)source, len);
}

bool fl_fnstore_exists(const fl_fnstore *s, fl_fnstore_kind kind, const char *user,
                       const char *func) {
    char path[PATH_MAX];
    struct stat st;
    if (fl_fnstore_path(s, kind, user, func, path, sizeof path) < 0)
        return false;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int fl_fnstore_remove(const fl_fnstore *s, fl_fnstore_kind kind, const char *user,
                      const char *func) {
    char path[PATH_MAX];
    int rc = fl_fnstore_path(s, kind, user, func, path, sizeof path);
    if (rc < 0)
        return rc;
    if (unlink(path) < 0)
        return -errno;
    /* Drop the function's folder too when that leaves it empty. */
    char *slash = strrchr(path, '/');
    *slash = '\0';
    (void)rmdir(path);
    return 0;
}

int fl_fnstore_put_shared(const fl_fnstore *s, const char *path, const uint8_t *bytes,
                          size_t len) {
    char file[PATH_MAX];
    int rc = fl_fnstore_shared_path(s, path, file, sizeof file);
    if (rc < 0)
        return rc;
    return fl_durable_replace(file, bytes, len, 0644, 0755);
}

int fl_fnstore_get_shared(const fl_fnstore *s, const char *path, uint8_t **bytes,
                          size_t *len) {
    char file[PATH_MAX];
    *bytes = NULL;
    *len = 0;
    int rc = fl_fnstore_shared_path(s, path, file, sizeof file);
    if (rc < 0)
        return rc;
    return read_all(file, bytes, len);
}

/* A growing array of entries. */
typedef struct entry_list {
    fl_fnstore_entry *v;
    size_t n, cap;
} entry_list;

static int entry_push(entry_list *l, const char *user, const char *func) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        fl_fnstore_entry *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    fl_fnstore_entry *e = &l->v[l->n++];
    snprintf(e->user, sizeof e->user, "%s", user);
    snprintf(e->func, sizeof e->func, "%s", func);
    return 0;
}

static int entry_cmp(const void *a, const void *b) {
    const fl_fnstore_entry *x = a, *y = b;
    int c = strcmp(x->user, y->user);
    return c ? c : strcmp(x->func, y->func);
}

/* Adds every function of `user` (folder kind_dir/user) to l. */
static int list_user(const fl_fnstore *s, fl_fnstore_kind kind, const char *kind_dir,
                     const char *user, entry_list *l) {
    char dir[PATH_MAX];
    int rc = fmt(dir, sizeof dir, "%s/%s", kind_dir, user);
    if (rc < 0)
        return rc;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (name_ok(e->d_name) < 0 || !fl_fnstore_exists(s, kind, user, e->d_name))
            continue;
        rc = entry_push(l, user, e->d_name);
        if (rc < 0)
            break;
    }
    closedir(d);
    return rc;
}

int fl_fnstore_list(const fl_fnstore *s, fl_fnstore_kind kind, fl_fnstore_entry **entries,
                    size_t *n) {
    *entries = NULL;
    *n = 0;
    if (!kind_ok(kind))
        return -EINVAL;
    char kind_dir[PATH_MAX];
    int rc = fmt(kind_dir, sizeof kind_dir, "%s/%s", s->root, kinds[kind].dir);
    if (rc < 0)
        return rc;
    DIR *d = opendir(kind_dir);
    if (!d)
        return errno == ENOENT ? 0 : -errno;
    entry_list l = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        if (name_ok(e->d_name) < 0)
            continue;
        rc = list_user(s, kind, kind_dir, e->d_name, &l);
        if (rc < 0)
            goto fail;
    }
    closedir(d);
    if (l.n)
        qsort(l.v, l.n, sizeof *l.v, entry_cmp);
    *entries = l.v;
    *n = l.n;
    return 0;

fail:
    closedir(d);
    free(l.v);
    return rc;
}
