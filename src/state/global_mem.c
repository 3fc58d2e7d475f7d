/*
 * global_mem.c: the embedded global tier.  A hash map of "user/key" ->
 * value bytes + appended list, behind one mutex.  It stands in for Redis: it
 * copies on every call, as a network tier would.
 *
 * Persistence (fl_global_mem_open with a folder): every value is also a
 * file DIR/USER/KEY (both names encoded by enc_name, so no guest-chosen key
 * can name a path outside DIR/USER), replaced whole through a temporary
 * file, fsync and rename, so a reader (this process or the next) sees the
 * old value or the new one, never a mix.  The appended list is DIR/USER/KEY@list, a
 * sequence of records (4-byte little-endian length, bytes), each appended
 * with one write and fsync'd; clearing removes the file.  A key is read from
 * disk the first time this process uses it (its value on the first get or
 * set_range, size only stats the file; its list on the first list call),
 * and from then on this process's copy is authoritative for it: writes by
 * another process after that are not seen (what a second host of one Redis
 * would see is the Redis tier's job).  Disk I/O happens under the one mutex:
 * the tier is serial, as a single Redis connection would be.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/state.h"
#include "store/durable.h"

typedef struct mem_elem {
    uint8_t *data;
    size_t len;
} mem_elem;

typedef struct mem_entry {
    struct mem_entry *next; /* bucket chain */
    char *ukey;
    uint64_t hash;
    bool has_value;     /* a value was set (a list alone does not make one) */
    uint8_t *value;
    size_t len, cap;
    mem_elem *list;     /* appended elements, in order */
    size_t nlist, caplist;
    bool value_loaded;  /* persistent tier: the value file was read (or replaced) */
    bool list_loaded;   /* persistent tier: the list file was read (or cleared) */
} mem_entry;

typedef struct mem_ctx {
    pthread_mutex_t mu;
    char *dir;          /* persistent tier's folder; NULL: memory only */
    mem_entry **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
} mem_ctx;

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (uint8_t)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static mem_entry *find(mem_ctx *m, const char *ukey) {
    uint64_t h = hash_str(ukey);
    for (mem_entry *e = m->buckets[h & (m->nbuckets - 1)]; e; e = e->next)
        if (e->hash == h && strcmp(e->ukey, ukey) == 0)
            return e;
    return NULL;
}

static int grow_buckets(mem_ctx *m) {
    size_t n = m->nbuckets * 2;
    mem_entry **b = calloc(n, sizeof *b);
    if (!b)
        return -ENOMEM;
    for (size_t i = 0; i < m->nbuckets; i++) {
        mem_entry *e = m->buckets[i];
        while (e) {
            mem_entry *next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
    return 0;
}

/* The entry for ukey, created empty if missing; NULL when out of memory. */
static mem_entry *find_or_add(mem_ctx *m, const char *ukey) {
    mem_entry *e = find(m, ukey);
    if (e)
        return e;
    if (m->count >= m->nbuckets && grow_buckets(m) < 0)
        return NULL;
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->ukey = strdup(ukey);
    if (!e->ukey) {
        free(e);
        return NULL;
    }
    e->hash = hash_str(ukey);
    size_t b = e->hash & (m->nbuckets - 1);
    e->next = m->buckets[b];
    m->buckets[b] = e;
    m->count++;
    return e;
}

/* Makes room for len bytes of value; bytes past the old length are zero. */
static int reserve_value(mem_entry *e, size_t len) {
    if (len <= e->cap)
        return 0;
    size_t cap = e->cap ? e->cap : 64;
    while (cap < len)
        cap *= 2;
    uint8_t *v = realloc(e->value, cap);
    if (!v)
        return -ENOMEM;
    memset(v + e->cap, 0, cap - e->cap);
    e->value = v;
    e->cap = cap;
    return 0;
}

/* ---- persistence ---- */

#define ENC_MAX 240           /* longest encoded name: NAME_MAX with room for "@list" */
#define LIST_SUFFIX "@list"   /* '@' is always encoded, so no key's file ends so */
#define REC_HEADER 4          /* a list record's little-endian length */

/* Encodes name[0..len) as one file name: letters, digits, '_', '-' and '.'
 * (not first) stay, every other byte becomes %XX.  So the result has no
 * '/', is never "." or "..", never starts with '.' (the temporary files
 * do) and never contains '@'.  Returns 0 or -ENAMETOOLONG. */
static int enc_name(const char *name, size_t len, char out[ENC_MAX + 1]) {
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9') || c == '_' || c == '-' || (c == '.' && i > 0);
        if (o + (plain ? 1 : 3) > ENC_MAX)
            return -ENAMETOOLONG;
        if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return 0;
}

/* DIR/USER of ukey ("user/key") into buf, and *key the key part. */
static int user_dir(const mem_ctx *m, const char *ukey, char *buf, size_t size,
                    const char **key) {
    const char *slash = strchr(ukey, '/');
    if (!slash || slash == ukey || !slash[1])
        return -EINVAL;
    char user[ENC_MAX + 1];
    int r = enc_name(ukey, (size_t)(slash - ukey), user);
    if (r < 0)
        return r;
    int n = snprintf(buf, size, "%s/%s", m->dir, user);
    if (n < 0 || (size_t)n >= size)
        return -ENAMETOOLONG;
    *key = slash + 1;
    return 0;
}

/* DIR/USER/KEY of ukey, followed by `suffix`. */
static int entry_path(const mem_ctx *m, const char *ukey, const char *suffix, char *buf,
                      size_t size) {
    const char *key;
    char enc[ENC_MAX + 1], dir[PATH_MAX];
    int r = user_dir(m, ukey, dir, sizeof dir, &key);
    if (r == 0)
        r = enc_name(key, strlen(key), enc);
    if (r < 0)
        return r;
    int n = snprintf(buf, size, "%s/%s%s", dir, enc, suffix);
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Opens a stored file for reading and checks it: -ENOENT when there is
 * none, -EBADMSG when it is not a regular file, -EFBIG past
 * FL_STATE_MAX_BYTES.  Returns the fd and its size in *len. */
static int open_stored(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ELOOP ? -EBADMSG : -errno;
    struct stat st;
    int r = 0;
    if (fstat(fd, &st) < 0)
        r = -errno;
    else if (!S_ISREG(st.st_mode))
        r = -EBADMSG;
    else if ((uint64_t)st.st_size > FL_STATE_MAX_BYTES)
        r = -EFBIG;
    if (r < 0) {
        close(fd);
        return r;
    }
    *len = (size_t)st.st_size;
    return fd;
}

/* Reads exactly len bytes; a file that shrank meanwhile is -EBADMSG. */
static int read_all(int fd, uint8_t *buf, size_t len) {
    while (len > 0) {
        ssize_t n = read(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EBADMSG;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Size of the stored value of ukey without reading it, or -ENOENT. */
static ssize_t stored_size(const mem_ctx *m, const char *ukey) {
    char path[PATH_MAX];
    size_t len;
    int r = entry_path(m, ukey, "", path, sizeof path);
    if (r < 0)
        return r;
    int fd = open_stored(path, &len);
    if (fd < 0)
        return fd;
    close(fd);
    return (ssize_t)len;
}

/* Reads the stored value of e into memory, once. */
static int load_value(mem_ctx *m, mem_entry *e) {
    if (!m->dir || e->value_loaded)
        return 0;
    char path[PATH_MAX];
    size_t len = 0;
    int r = entry_path(m, e->ukey, "", path, sizeof path);
    int fd = r < 0 ? r : open_stored(path, &len);
    if (fd == -ENOENT) {
        e->value_loaded = true;
        return 0;
    }
    if (fd < 0)
        return fd;
    r = reserve_value(e, len);
    if (r == 0)
        r = read_all(fd, e->value, len);
    close(fd);
    if (r < 0) {
        if (e->cap)
            memset(e->value, 0, e->cap);
        return r;
    }
    e->len = len;
    e->has_value = true;
    e->value_loaded = true;
    return 0;
}

/* Adds one element (a copy of data[0..len)) to e's list in memory. */
static int list_push(mem_entry *e, const uint8_t *data, size_t len) {
    if (e->nlist == e->caplist) {
        size_t n = e->caplist ? e->caplist * 2 : 8;
        mem_elem *l = realloc(e->list, n * sizeof *l);
        if (!l)
            return -ENOMEM;
        e->list = l;
        e->caplist = n;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return -ENOMEM;
    if (len)
        memcpy(copy, data, len);
    e->list[e->nlist++] = (mem_elem){copy, len};
    return 0;
}

static void list_free(mem_entry *e) {
    for (size_t i = 0; i < e->nlist; i++)
        free(e->list[i].data);
    e->nlist = 0;
}

/* Reads the stored list of e into memory, once.  A record cut short (a
 * crash in the middle of an append, or a damaged file) is -EBADMSG. */
static int load_list(mem_ctx *m, mem_entry *e) {
    if (!m->dir || e->list_loaded)
        return 0;
    char path[PATH_MAX];
    size_t len = 0;
    int r = entry_path(m, e->ukey, LIST_SUFFIX, path, sizeof path);
    int fd = r < 0 ? r : open_stored(path, &len);
    if (fd == -ENOENT) {
        e->list_loaded = true;
        return 0;
    }
    if (fd < 0)
        return fd;
    uint8_t *buf = malloc(len ? len : 1);
    r = buf ? read_all(fd, buf, len) : -ENOMEM;
    close(fd);
    list_free(e);
    for (size_t off = 0; r == 0 && off < len;) {
        if (len - off < REC_HEADER) {
            r = -EBADMSG;
            break;
        }
        uint32_t n = (uint32_t)buf[off] | (uint32_t)buf[off + 1] << 8 |
                     (uint32_t)buf[off + 2] << 16 | (uint32_t)buf[off + 3] << 24;
        off += REC_HEADER;
        if (n > len - off) {
            r = -EBADMSG;
            break;
        }
        r = list_push(e, buf + off, n);
        off += n;
    }
    free(buf);
    if (r < 0) {
        list_free(e);
        return r;
    }
    e->list_loaded = true;
    return 0;
}

/* Replaces the stored value of ukey with data[0..len), atomically (a
 * crash leaves the old value or the new one). */
static int store_value(const mem_ctx *m, const char *ukey, const uint8_t *data, size_t len) {
    char path[PATH_MAX];
    int r = entry_path(m, ukey, "", path, sizeof path);
    return r < 0 ? r : fl_durable_replace(path, data, len, 0600, 0700);
}

/* Appends one record to the stored list of ukey, in one write. */
static int store_append(const mem_ctx *m, const char *ukey, const uint8_t *data, size_t len) {
    char dir[PATH_MAX], path[PATH_MAX];
    const char *key;
    if (len > FL_STATE_MAX_BYTES)
        return -EFBIG;
    int r = user_dir(m, ukey, dir, sizeof dir, &key);
    if (r == 0)
        r = entry_path(m, ukey, LIST_SUFFIX, path, sizeof path);
    if (r == 0)
        r = fl_durable_make_dirs(dir, 0700);
    if (r < 0)
        return r;
    uint8_t *rec = malloc(REC_HEADER + len);
    if (!rec)
        return -ENOMEM;
    rec[0] = (uint8_t)len;
    rec[1] = (uint8_t)(len >> 8);
    rec[2] = (uint8_t)(len >> 16);
    rec[3] = (uint8_t)(len >> 24);
    if (len)
        memcpy(rec + REC_HEADER, data, len);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        r = -errno;
    } else {
        r = fl_durable_write_all(fd, rec, REC_HEADER + len);
        if (r == 0 && fsync(fd) < 0)
            r = -errno;
        close(fd);
    }
    free(rec);
    return r;
}

static int store_clear_list(const mem_ctx *m, const char *ukey) {
    char path[PATH_MAX];
    int r = entry_path(m, ukey, LIST_SUFFIX, path, sizeof path);
    if (r < 0)
        return r;
    return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* ---- the vtable ---- */

/* The entry of ukey for a read: memory only, an existing entry or NULL
 * (*r = -ENOENT); persistent, the entry made if needed (*r = -ENOMEM when
 * it cannot be). */
static mem_entry *entry_for_read(mem_ctx *m, const char *ukey, int *r) {
    mem_entry *e = m->dir ? find_or_add(m, ukey) : find(m, ukey);
    *r = e ? 0 : m->dir ? -ENOMEM : -ENOENT;
    return e;
}

static ssize_t mem_size(void *ctx, const char *ukey) {
    mem_ctx *m = ctx;
    int r;
    ssize_t n;
    pthread_mutex_lock(&m->mu);
    mem_entry *e = entry_for_read(m, ukey, &r);
    if (r < 0)
        n = r;
    else if (m->dir && !e->value_loaded) /* only stat: the caller charges before it gets */
        n = stored_size(m, ukey);
    else
        n = e->has_value ? (ssize_t)e->len : -ENOENT;
    pthread_mutex_unlock(&m->mu);
    return n;
}

static ssize_t mem_get(void *ctx, const char *ukey, void *buf, size_t cap) {
    mem_ctx *m = ctx;
    int r;
    pthread_mutex_lock(&m->mu);
    mem_entry *e = entry_for_read(m, ukey, &r);
    if (r == 0)
        r = load_value(m, e);
    ssize_t n = r < 0 ? r : -ENOENT;
    if (r == 0 && e->has_value) {
        size_t c = e->len < cap ? e->len : cap;
        if (c) /* value and buf may be NULL when empty */
            memcpy(buf, e->value, c);
        n = (ssize_t)e->len;
    }
    pthread_mutex_unlock(&m->mu);
    return n;
}

static int mem_set(void *ctx, const char *ukey, const void *data, size_t len) {
    mem_ctx *m = ctx;
    int r = -ENOMEM;
    pthread_mutex_lock(&m->mu);
    mem_entry *e = find_or_add(m, ukey);
    if (!e || reserve_value(e, len) < 0)
        goto out;
    /* on disk first: a value that could not be stored is not set */
    if (m->dir && (r = store_value(m, ukey, data, len)) < 0)
        goto out;
    if (len)
        memcpy(e->value, data, len);
    if (len < e->len) /* keep the tail zero for a later set_range */
        memset(e->value + len, 0, e->len - len);
    e->len = len;
    e->has_value = true;
    e->value_loaded = true;
    r = 0;
out:
    pthread_mutex_unlock(&m->mu);
    return r;
}

static int mem_set_range(void *ctx, const char *ukey, size_t off, const void *data, size_t len) {
    mem_ctx *m = ctx;
    int r = -ENOMEM;
    if (off > SIZE_MAX - len)
        return -EINVAL;
    pthread_mutex_lock(&m->mu);
    mem_entry *e = find_or_add(m, ukey);
    if (!e || reserve_value(e, off + len) < 0)
        goto out;
    if ((r = load_value(m, e)) < 0 || (r = reserve_value(e, off + len)) < 0)
        goto out;
    if (len)
        memcpy(e->value + off, data, len);
    if (off + len > e->len)
        e->len = off + len;
    e->has_value = true;
    /* The whole value goes to disk, atomically.  If that fails the copy in
     * memory is ahead of the file; the caller gets the error (a push keeps
     * its chunks dirty and sends them again). */
    r = m->dir ? store_value(m, ukey, e->value, e->len) : 0;
out:
    pthread_mutex_unlock(&m->mu);
    return r;
}

static int mem_append(void *ctx, const char *ukey, const void *data, size_t len) {
    mem_ctx *m = ctx;
    int r = -ENOMEM;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return -ENOMEM;
    if (len)
        memcpy(copy, data, len);
    pthread_mutex_lock(&m->mu);
    mem_entry *e = find_or_add(m, ukey);
    if (!e)
        goto out;
    /* the stored list first, so that the new record is not loaded twice */
    if ((r = load_list(m, e)) < 0)
        goto out;
    if (e->nlist == e->caplist) { /* memory first: a stored record is never dropped */
        size_t n = e->caplist ? e->caplist * 2 : 8;
        mem_elem *l = realloc(e->list, n * sizeof *l);
        if (!l) {
            r = -ENOMEM;
            goto out;
        }
        e->list = l;
        e->caplist = n;
    }
    if (m->dir && (r = store_append(m, ukey, data, len)) < 0)
        goto out;
    e->list[e->nlist++] = (mem_elem){copy, len};
    copy = NULL;
    r = 0;
out:
    pthread_mutex_unlock(&m->mu);
    free(copy);
    return r;
}

static ssize_t mem_read_list(void *ctx, const char *ukey, size_t n, void *buf, size_t cap) {
    mem_ctx *m = ctx;
    int lr;
    ssize_t r;
    pthread_mutex_lock(&m->mu);
    mem_entry *e = entry_for_read(m, ukey, &lr);
    if (lr == 0)
        lr = load_list(m, e);
    if (lr < 0 && lr != -ENOENT) {
        r = lr;
        goto out;
    }
    size_t have = lr == 0 ? e->nlist : 0;
    if (have < n) {
        r = -ENODATA;
        goto out;
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += e->list[i].len;
    if (total > cap) {
        r = -ENOSPC;
        goto out;
    }
    uint8_t *p = buf;
    for (size_t i = 0; i < n; i++) {
        if (e->list[i].len)
            memcpy(p, e->list[i].data, e->list[i].len);
        p += e->list[i].len;
    }
    r = (ssize_t)total;
out:
    pthread_mutex_unlock(&m->mu);
    return r;
}

static int mem_clear_list(void *ctx, const char *ukey) {
    mem_ctx *m = ctx;
    int r = 0;
    pthread_mutex_lock(&m->mu);
    mem_entry *e = m->dir ? find_or_add(m, ukey) : find(m, ukey);
    if (m->dir && !e)
        r = -ENOMEM;
    else if (m->dir)
        r = store_clear_list(m, ukey);
    if (e && r == 0) {
        list_free(e);
        e->list_loaded = true;
    }
    pthread_mutex_unlock(&m->mu);
    return r;
}

int fl_global_mem_new(fl_global_tier *out) {
    return fl_global_mem_open(NULL, out);
}

int fl_global_mem_open(const char *dir, fl_global_tier *out) {
    if (dir && !*dir)
        return -EINVAL;
    mem_ctx *m = calloc(1, sizeof *m);
    if (!m)
        return -ENOMEM;
    m->nbuckets = 64;
    m->buckets = calloc(m->nbuckets, sizeof *m->buckets);
    if (!m->buckets || (dir && !(m->dir = strdup(dir)))) {
        free(m->buckets);
        free(m);
        return -ENOMEM;
    }
    pthread_mutex_init(&m->mu, NULL);
    *out = (fl_global_tier){
        .ctx = m,
        .size = mem_size,
        .get = mem_get,
        .set = mem_set,
        .set_range = mem_set_range,
        .append = mem_append,
        .read_list = mem_read_list,
        .clear_list = mem_clear_list,
    };
    return 0;
}

void fl_global_mem_free(fl_global_tier *g) {
    mem_ctx *m = g->ctx;
    if (!m)
        return;
    for (size_t i = 0; i < m->nbuckets; i++) {
        mem_entry *e = m->buckets[i];
        while (e) {
            mem_entry *next = e->next;
            for (size_t j = 0; j < e->nlist; j++)
                free(e->list[j].data);
            free(e->list);
            free(e->value);
            free(e->ukey);
            free(e);
            e = next;
        }
    }
    free(m->buckets);
    free(m->dir);
    pthread_mutex_destroy(&m->mu);
    free(m);
    g->ctx = NULL;
}
