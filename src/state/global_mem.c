/*
 * global_mem.c: the in-process global tier.  A hash map of "user/key" ->
 * value bytes + appended list, behind one mutex.  It stands in for Redis: it
 * copies on every call, as a network tier would.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state/state.h"

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
} mem_entry;

typedef struct mem_ctx {
    pthread_mutex_t mu;
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

static ssize_t mem_size(void *ctx, const char *ukey) {
    mem_ctx *m = ctx;
    pthread_mutex_lock(&m->mu);
    mem_entry *e = find(m, ukey);
    ssize_t r = e && e->has_value ? (ssize_t)e->len : -ENOENT;
    pthread_mutex_unlock(&m->mu);
    return r;
}

static ssize_t mem_get(void *ctx, const char *ukey, void *buf, size_t cap) {
    mem_ctx *m = ctx;
    pthread_mutex_lock(&m->mu);
    mem_entry *e = find(m, ukey);
    ssize_t r = -ENOENT;
    if (e && e->has_value) {
        size_t n = e->len < cap ? e->len : cap;
        if (n) /* value and buf may be NULL when empty */
            memcpy(buf, e->value, n);
        r = (ssize_t)e->len;
    }
    pthread_mutex_unlock(&m->mu);
    return r;
}

static int mem_set(void *ctx, const char *ukey, const void *data, size_t len) {
    mem_ctx *m = ctx;
    int r = -ENOMEM;
    pthread_mutex_lock(&m->mu);
    mem_entry *e = find_or_add(m, ukey);
    if (!e || reserve_value(e, len) < 0)
        goto out;
    if (len)
        memcpy(e->value, data, len);
    if (len < e->len) /* keep the tail zero for a later set_range */
        memset(e->value + len, 0, e->len - len);
    e->len = len;
    e->has_value = true;
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
    if (len)
        memcpy(e->value + off, data, len);
    if (off + len > e->len)
        e->len = off + len;
    e->has_value = true;
    r = 0;
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
    if (e->nlist == e->caplist) {
        size_t n = e->caplist ? e->caplist * 2 : 8;
        mem_elem *l = realloc(e->list, n * sizeof *l);
        if (!l)
            goto out;
        e->list = l;
        e->caplist = n;
    }
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
    ssize_t r;
    pthread_mutex_lock(&m->mu);
    mem_entry *e = find(m, ukey);
    size_t have = e ? e->nlist : 0;
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
    pthread_mutex_lock(&m->mu);
    mem_entry *e = find(m, ukey);
    if (e) {
        for (size_t i = 0; i < e->nlist; i++)
            free(e->list[i].data);
        e->nlist = 0;
    }
    pthread_mutex_unlock(&m->mu);
    return 0;
}

int fl_global_mem_new(fl_global_tier *out) {
    mem_ctx *m = calloc(1, sizeof *m);
    if (!m)
        return -ENOMEM;
    m->nbuckets = 64;
    m->buckets = calloc(m->nbuckets, sizeof *m->buckets);
    if (!m->buckets) {
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
    pthread_mutex_destroy(&m->mu);
    free(m);
    g->ctx = NULL;
}
