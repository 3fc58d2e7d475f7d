/*
 * state.c: the local tier of Faasm's state.  One replica per (user, key) per
 * process, its bytes in a memfd.  Each replica reserves FL_STATE_MAX_BYTES of
 * address space up front and maps the memfd into the start of it as the value
 * grows, so the process view (fl_state_data) never moves and readers need no
 * lock to follow it.  The memfd never shrinks: guests' mappings of it must
 * never fault.
 *
 * Per replica, `mu` guards size, capacity, dirty marks and the filled flag;
 * bytes are copied outside it so writers at disjoint offsets run in parallel.
 * Dirty marks are one byte per chunk (one OS page).  Invariant: bytes in
 * [size, cap) are zero unless a guest wrote there through a mapping.
 *
 * Accounting: each replica has charged its user (and the budget of the call
 * tree that grew it) for the largest size it has had (`charged`): the memfd
 * never shrinks, so neither does the charge.  Appended bytes are charged
 * when appended and given back to the user when the list is cleared.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "state/state.h"

/* One user's state bytes in this tier: replicas' sizes and appended lists. */
typedef struct st_user {
    struct st_user *next;
    char *name;
    uint64_t used; /* atomic */
} st_user;

struct fl_state_kv {
    fl_state_kv *next; /* bucket chain */
    uint64_t hash;     /* of ukey */
    fl_state *st;
    char *ukey;        /* "user/key", the global tier's name for it */
    st_user *user;     /* whom its bytes are charged to */
    int fd;            /* the memfd holding the bytes */
    uint8_t *base;     /* FL_STATE_MAX_BYTES reserved; [0, cap) maps fd */

    pthread_mutex_t mu;
    size_t size;       /* the value's length */
    size_t cap;        /* memfd length and mapped extent, whole pages */
    uint8_t *dirty;    /* one flag per chunk of cap */
    bool resized;      /* shrank since the last push: partial push sends all */
    size_t charged;    /* the largest size charged to user (and budgets) */
    uint64_t appended; /* bytes appended through this tier since the last clear */
    int filled;        /* fetched from (or replaced over) the global tier; atomic */

    pthread_rwlock_t lock; /* the guests' lock, not used internally */
    char lock_token[48];   /* the global lock's token while this process holds it
                            * (under the local write lock) */
};

struct fl_state {
    const fl_global_tier *g;
    size_t page;              /* chunk size of dirty tracking and mappings */
    pthread_rwlock_t mu;      /* guards the map */
    fl_state_kv **buckets;
    size_t nbuckets;          /* power of two */
    size_t count;
    size_t max_count;         /* replicas allowed: see fl_state_new */
    uint64_t quota;           /* bytes per user; 0: none */
    pthread_mutex_t umu;      /* guards the users list (not their counters) */
    st_user *users;
};

/* Most replicas of one process: 16 TiB of the 128 TiB of x86-64 user space. */
#define MAX_REPLICAS 16384

/* ---- helpers ---- */

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (uint8_t)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static size_t round_up(size_t n, size_t page) {
    return (n + page - 1) / page * page;
}

/* Marks the chunks overlapping [off, off+len) dirty.  Caller holds kv->mu and
 * off+len <= cap. */
static void mark_locked(fl_state_kv *kv, size_t off, size_t len) {
    if (len == 0)
        return;
    size_t page = kv->st->page;
    size_t first = off / page, last = (off + len - 1) / page;
    memset(kv->dirty + first, 1, last - first + 1);
}

/* Clears every dirty mark.  Caller holds kv->mu. */
static void clear_marks_locked(fl_state_kv *kv) {
    if (kv->dirty)
        memset(kv->dirty, 0, kv->cap / kv->st->page);
}

/* Charges `amount` bytes to kv's user (against the tier's quota) and to
 * `budget` (FL_BUDGET_MEMORY), both or neither.  Returns 0, -EDQUOT or
 * -ENOBUFS. */
static int charge(fl_state_kv *kv, uint64_t amount, fl_budget *budget) {
    if (amount == 0)
        return 0;
    uint64_t quota = kv->st->quota;
    uint64_t used = __atomic_load_n(&kv->user->used, __ATOMIC_RELAXED);
    do {
        if (quota && amount > quota - (used < quota ? used : quota))
            return -EDQUOT;
    } while (!__atomic_compare_exchange_n(&kv->user->used, &used, used + amount, true,
                                          __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    if (fl_budget_charge(budget, FL_BUDGET_MEMORY, amount) < 0) {
        __atomic_sub_fetch(&kv->user->used, amount, __ATOMIC_RELAXED);
        return -ENOBUFS;
    }
    return 0;
}

/* Charges the growth of the value to `size` bytes, if it is larger than
 * any size charged before.  Caller holds kv->mu.  0, -EDQUOT or -ENOBUFS. */
static int charge_size_locked(fl_state_kv *kv, size_t size, fl_budget *budget) {
    if (size <= kv->charged)
        return 0;
    int r = charge(kv, size - kv->charged, budget);
    if (r == 0)
        kv->charged = size;
    return r;
}

/* Makes [0, need) mapped and backed by the memfd (capacity grows by at least
 * doubling).  Caller holds kv->mu. */
static int grow_locked(fl_state_kv *kv, size_t need) {
    if (need <= kv->cap)
        return 0;
    if (need > FL_STATE_MAX_BYTES)
        return -EFBIG;
    size_t page = kv->st->page;
    size_t cap = round_up(need, page);
    size_t doubled = kv->cap * 2 < FL_STATE_MAX_BYTES ? kv->cap * 2 : FL_STATE_MAX_BYTES;
    if (cap < doubled)
        cap = doubled;

    size_t old_chunks = kv->cap / page, chunks = cap / page;
    uint8_t *dirty = realloc(kv->dirty, chunks);
    if (!dirty)
        return -ENOMEM;
    memset(dirty + old_chunks, 0, chunks - old_chunks);
    kv->dirty = dirty;

    if (ftruncate(kv->fd, (off_t)cap) < 0)
        return -errno;
    void *p = mmap(kv->base + kv->cap, cap - kv->cap, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED, kv->fd, (off_t)kv->cap);
    if (p == MAP_FAILED)
        return -errno;
    kv->cap = cap;
    return 0;
}

/* Fetches the global value of kv into a malloc'd buffer, no lock held (a
 * network round trip must not stall the replica's other users): 0 with
 * *bytes and *len, -ENOENT when there is none, or -errno.  The buffer is
 * charged to `budget` while it lives (fetch_done gives it back). */
static int fetch_global(fl_state_kv *kv, fl_budget *budget, uint8_t **bytes, size_t *len) {
    const fl_global_tier *g = kv->st->g;
    *bytes = NULL;
    *len = 0;
    for (;;) {
        ssize_t n = g->size(g->ctx, kv->ukey);
        if (n < 0)
            return (int)n;
        if ((size_t)n > FL_STATE_MAX_BYTES)
            return -EFBIG;
        if (fl_budget_charge(budget, FL_BUDGET_MEMORY, (uint64_t)n) < 0)
            return -ENOBUFS;
        uint8_t *buf = malloc(n ? (size_t)n : 1);
        ssize_t got = buf ? g->get(g->ctx, kv->ukey, buf, (size_t)n) : -ENOMEM;
        if (got >= 0 && got <= n) {
            *bytes = buf;
            *len = (size_t)got;
            return 0;
        }
        free(buf);
        fl_budget_release(budget, FL_BUDGET_MEMORY, (uint64_t)n);
        if (got < 0)
            return (int)got; /* -ENOENT: deleted between size and get */
        /* the value grew between size and get: another host pushed */
    }
}

static void fetch_done(fl_budget *budget, uint8_t *bytes, size_t len) {
    if (bytes)
        fl_budget_release(budget, FL_BUDGET_MEMORY, len);
    free(bytes);
}

/* Replaces the replica with fetched bytes (none when `missing`), charging
 * its growth to `budget`.  No global value leaves the replica empty: what
 * was written here and never pushed is dropped, as any pull drops it, so
 * no stale byte survives a pull.  Caller holds kv->mu. */
static int install_locked(fl_state_kv *kv, const uint8_t *bytes, size_t got, bool missing,
                          fl_budget *budget) {
    if (!missing) {
        /* growing the memfd is sparse: the charge comes before any byte */
        int r = grow_locked(kv, got);
        if (r == 0)
            r = charge_size_locked(kv, got, budget);
        if (r < 0)
            return r;
        memcpy(kv->base, bytes, got);
    }
    if (kv->size > got)
        memset(kv->base + got, 0, kv->size - got);
    kv->size = got;
    clear_marks_locked(kv);
    kv->resized = false;
    /* nothing fetched: the next use looks at the global tier again */
    __atomic_store_n(&kv->filled, missing ? 0 : 1, __ATOMIC_RELEASE);
    return missing ? -ENOENT : 0;
}

/* Replaces the replica with the global value (install_locked), the round
 * trips made before the lock is taken. */
static int pull(fl_state_kv *kv, fl_budget *budget) {
    uint8_t *bytes;
    size_t len;
    int r = fetch_global(kv, budget, &bytes, &len);
    if (r < 0 && r != -ENOENT)
        return r;
    pthread_mutex_lock(&kv->mu);
    int rc = install_locked(kv, bytes, len, r == -ENOENT, budget);
    pthread_mutex_unlock(&kv->mu);
    fetch_done(budget, bytes, len);
    return rc;
}

/* Fills a replica from the global tier the first time it is used; a key the
 * global tier does not have starts empty.  The bytes are charged to the
 * user only: they were made before (by whoever set the global value). */
static int fill(fl_state_kv *kv) {
    if (__atomic_load_n(&kv->filled, __ATOMIC_ACQUIRE))
        return 0;
    uint8_t *bytes;
    size_t len;
    int f = fetch_global(kv, NULL, &bytes, &len);
    if (f < 0 && f != -ENOENT)
        return f;
    pthread_mutex_lock(&kv->mu);
    int r = 0;
    if (!kv->filled) { /* another thread may have filled it meanwhile */
        r = install_locked(kv, bytes, len, f == -ENOENT, NULL);
        if (r == -ENOENT)
            r = 0;
        if (r == 0)
            __atomic_store_n(&kv->filled, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&kv->mu);
    fetch_done(NULL, bytes, len);
    return r;
}

static size_t size_of(fl_state_kv *kv) {
    pthread_mutex_lock(&kv->mu);
    size_t n = kv->size;
    pthread_mutex_unlock(&kv->mu);
    return n;
}

/* ---- the map (user, key) -> replica ---- */

static void kv_free(fl_state_kv *kv) {
    munmap(kv->base, FL_STATE_MAX_BYTES);
    close(kv->fd);
    pthread_rwlock_destroy(&kv->lock);
    pthread_mutex_destroy(&kv->mu);
    free(kv->dirty);
    free(kv->ukey);
    free(kv);
}

/* The accounting record of `user` (made on first use).  NULL when out of
 * memory. */
static st_user *user_of(fl_state *st, const char *user, size_t ulen) {
    pthread_mutex_lock(&st->umu);
    st_user *u = st->users;
    while (u && (strlen(u->name) != ulen || memcmp(u->name, user, ulen)))
        u = u->next;
    if (!u && (u = calloc(1, sizeof *u))) {
        u->name = strndup(user, ulen);
        if (!u->name) {
            free(u);
            u = NULL;
        } else {
            u->next = st->users;
            st->users = u;
        }
    }
    pthread_mutex_unlock(&st->umu);
    return u;
}

static int kv_new(fl_state *st, char *ukey, uint64_t hash, st_user *user, fl_state_kv **out) {
    int r = -ENOMEM;
    fl_state_kv *kv = calloc(1, sizeof *kv);
    if (!kv)
        goto fail;
    kv->fd = memfd_create("fl_state", MFD_CLOEXEC);
    if (kv->fd < 0) {
        r = -errno;
        goto fail_kv;
    }
    /* Address space only: PROT_NONE and no reserve costs no memory. */
    kv->base = mmap(NULL, FL_STATE_MAX_BYTES, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (kv->base == MAP_FAILED) {
        r = -errno;
        goto fail_fd;
    }
    pthread_mutex_init(&kv->mu, NULL);
    pthread_rwlock_init(&kv->lock, NULL);
    kv->st = st;
    kv->ukey = ukey;
    kv->user = user;
    kv->hash = hash;
    *out = kv;
    return 0;

fail_fd:
    close(kv->fd);
fail_kv:
    free(kv);
fail:
    return r;
}

static fl_state_kv *find(fl_state *st, const char *ukey, uint64_t hash) {
    for (fl_state_kv *kv = st->buckets[hash & (st->nbuckets - 1)]; kv; kv = kv->next)
        if (kv->hash == hash && strcmp(kv->ukey, ukey) == 0)
            return kv;
    return NULL;
}

/* Doubles the bucket array; a failure only leaves chains longer. */
static void grow_buckets(fl_state *st) {
    size_t n = st->nbuckets * 2;
    fl_state_kv **b = calloc(n, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < st->nbuckets; i++) {
        fl_state_kv *kv = st->buckets[i];
        while (kv) {
            fl_state_kv *next = kv->next;
            kv->next = b[kv->hash & (n - 1)];
            b[kv->hash & (n - 1)] = kv;
            kv = next;
        }
    }
    free(st->buckets);
    st->buckets = b;
    st->nbuckets = n;
}

int fl_state_new(const fl_global_tier *global, fl_state **out) {
    fl_state *st = calloc(1, sizeof *st);
    if (!st)
        return -ENOMEM;
    st->nbuckets = 64;
    st->buckets = calloc(st->nbuckets, sizeof *st->buckets);
    if (!st->buckets) {
        free(st);
        return -ENOMEM;
    }
    st->g = global;
    st->page = (size_t)sysconf(_SC_PAGESIZE);
    /* Each replica holds an fd and FL_STATE_MAX_BYTES of address space, for
     * good: guests name keys freely, so cap them to half the fd limit (the
     * rest is for Faaslets' files) and a slice of the address space (the
     * rest is for linear memories). */
    struct rlimit nofile;
    st->max_count = MAX_REPLICAS;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY &&
        nofile.rlim_cur / 2 < st->max_count)
        st->max_count = nofile.rlim_cur / 2;
    pthread_rwlock_init(&st->mu, NULL);
    pthread_mutex_init(&st->umu, NULL);
    *out = st;
    return 0;
}

void fl_state_set_quota(fl_state *st, uint64_t bytes) {
    st->quota = bytes;
}

uint64_t fl_state_get_quota(const fl_state *st) {
    return st->quota;
}

uint64_t fl_state_user_bytes(fl_state *st, const char *user) {
    uint64_t n = 0;
    pthread_mutex_lock(&st->umu);
    for (st_user *u = st->users; u; u = u->next)
        if (!strcmp(u->name, user))
            n = __atomic_load_n(&u->used, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&st->umu);
    return n;
}

void fl_state_free(fl_state *st) {
    if (!st)
        return;
    for (size_t i = 0; i < st->nbuckets; i++) {
        fl_state_kv *kv = st->buckets[i];
        while (kv) {
            fl_state_kv *next = kv->next;
            kv_free(kv);
            kv = next;
        }
    }
    free(st->buckets);
    for (st_user *u = st->users, *next; u; u = next) {
        next = u->next;
        free(u->name);
        free(u);
    }
    pthread_mutex_destroy(&st->umu);
    pthread_rwlock_destroy(&st->mu);
    free(st);
}

int fl_state_lookup(fl_state *st, const char *user, const char *key, fl_state_kv **out) {
    if (!user || !key || !*user || !*key || strchr(user, '/'))
        return -EINVAL;
    size_t ulen = strlen(user), klen = strlen(key);
    char *ukey = malloc(ulen + 1 + klen + 1);
    if (!ukey)
        return -ENOMEM;
    memcpy(ukey, user, ulen);
    ukey[ulen] = '/';
    memcpy(ukey + ulen + 1, key, klen + 1);
    uint64_t hash = hash_str(ukey);

    pthread_rwlock_rdlock(&st->mu);
    fl_state_kv *kv = find(st, ukey, hash);
    pthread_rwlock_unlock(&st->mu);
    if (kv) {
        free(ukey);
        *out = kv;
        return 0;
    }

    int r = 0;
    pthread_rwlock_wrlock(&st->mu);
    kv = find(st, ukey, hash); /* another thread may have made it meanwhile */
    if (kv) {
        free(ukey);
        goto out;
    }
    st_user *u = user_of(st, user, ulen);
    r = !u ? -ENOMEM : st->count < st->max_count ? kv_new(st, ukey, hash, u, &kv) : -EMFILE;
    if (r < 0) {
        free(ukey);
        goto out;
    }
    if (st->count >= st->nbuckets)
        grow_buckets(st);
    size_t b = hash & (st->nbuckets - 1);
    kv->next = st->buckets[b];
    st->buckets[b] = kv;
    st->count++;
out:
    pthread_rwlock_unlock(&st->mu);
    if (r == 0)
        *out = kv;
    return r;
}

/* ---- reading and writing ---- */

void *fl_state_data(fl_state_kv *kv) {
    return kv->base;
}

ssize_t fl_state_size(fl_state_kv *kv) {
    if (!__atomic_load_n(&kv->filled, __ATOMIC_ACQUIRE)) {
        const fl_global_tier *g = kv->st->g;
        ssize_t n = g->size(g->ctx, kv->ukey);
        return n == -ENOENT ? 0 : n;
    }
    return (ssize_t)size_of(kv);
}

int fl_state_ensure_size(fl_state_kv *kv, size_t len, fl_budget *budget) {
    int r = fill(kv);
    if (r < 0)
        return r;
    pthread_mutex_lock(&kv->mu);
    r = grow_locked(kv, len);
    if (r == 0)
        r = charge_size_locked(kv, len, budget);
    if (r == 0 && kv->size < len) {
        mark_locked(kv, kv->size, len - kv->size);
        kv->size = len;
    }
    pthread_mutex_unlock(&kv->mu);
    return r;
}

size_t fl_state_max_write(fl_state_kv *kv, fl_budget *budget) {
    pthread_mutex_lock(&kv->mu);
    uint64_t max = kv->charged; /* free: already charged */
    pthread_mutex_unlock(&kv->mu);
    uint64_t room = UINT64_MAX;
    if (kv->st->quota) {
        uint64_t used = __atomic_load_n(&kv->user->used, __ATOMIC_RELAXED);
        room = used < kv->st->quota ? kv->st->quota - used : 0;
    }
    uint64_t left =
        fl_budget_limit(budget, FL_BUDGET_MEMORY) - fl_budget_used(budget, FL_BUDGET_MEMORY);
    if (budget && left < room)
        room = left;
    max = room > FL_STATE_MAX_BYTES - max ? FL_STATE_MAX_BYTES : max + room;
    return (size_t)(max < FL_STATE_MAX_BYTES ? max : FL_STATE_MAX_BYTES);
}

ssize_t fl_state_read(fl_state_kv *kv, void *buf, size_t cap) {
    int r = fill(kv);
    if (r < 0)
        return r;
    size_t n = size_of(kv), copy = n < cap ? n : cap;
    if (copy) /* buf may be NULL when cap is 0 */
        memcpy(buf, kv->base, copy);
    return (ssize_t)n;
}

int fl_state_read_at(fl_state_kv *kv, size_t off, void *buf, size_t len) {
    int r = fill(kv);
    if (r < 0)
        return r;
    size_t n = size_of(kv);
    if (off > n || len > n - off)
        return -ERANGE;
    memcpy(buf, kv->base + off, len);
    return 0;
}

int fl_state_write(fl_state_kv *kv, const void *data, size_t len, fl_budget *budget) {
    pthread_mutex_lock(&kv->mu);
    int r = grow_locked(kv, len);
    if (r == 0)
        r = charge_size_locked(kv, len, budget);
    /* The write replaces the value: a lazy fill must not overwrite it later. */
    if (r == 0)
        __atomic_store_n(&kv->filled, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&kv->mu);
    if (r < 0)
        return r;

    memcpy(kv->base, data, len);

    pthread_mutex_lock(&kv->mu);
    if (len < kv->size) {
        memset(kv->base + len, 0, kv->size - len);
        kv->resized = true;
    }
    kv->size = len;
    mark_locked(kv, 0, len);
    pthread_mutex_unlock(&kv->mu);
    return 0;
}

int fl_state_write_at(fl_state_kv *kv, size_t off, const void *data, size_t len,
                      fl_budget *budget) {
    if (off > FL_STATE_MAX_BYTES || len > FL_STATE_MAX_BYTES - off)
        return -EFBIG;
    int r = fill(kv);
    if (r < 0)
        return r;
    pthread_mutex_lock(&kv->mu);
    r = grow_locked(kv, off + len);
    if (r == 0)
        r = charge_size_locked(kv, off + len, budget);
    if (r == 0 && kv->size < off + len) {
        /* The gap [size, off) is zero here; mark it so the global tier gets
         * the same zeros and the same length. */
        mark_locked(kv, kv->size, off + len - kv->size);
        kv->size = off + len;
    }
    pthread_mutex_unlock(&kv->mu);
    if (r < 0)
        return r;

    memcpy(kv->base + off, data, len);

    /* Marked after the copy, so a push that ran meanwhile is followed by
     * another that sends these bytes. */
    pthread_mutex_lock(&kv->mu);
    mark_locked(kv, off, len);
    pthread_mutex_unlock(&kv->mu);
    return 0;
}

int fl_state_flag_dirty(fl_state_kv *kv) {
    pthread_mutex_lock(&kv->mu);
    mark_locked(kv, 0, kv->size);
    pthread_mutex_unlock(&kv->mu);
    return 0;
}

int fl_state_flag_dirty_range(fl_state_kv *kv, size_t off, size_t len) {
    int r = 0;
    pthread_mutex_lock(&kv->mu);
    if (off > kv->size || len > kv->size - off)
        r = -ERANGE;
    else
        mark_locked(kv, off, len);
    pthread_mutex_unlock(&kv->mu);
    return r;
}

/* ---- push and pull ---- */

int fl_state_push(fl_state_kv *kv) {
    int r = fill(kv);
    if (r < 0)
        return r;
    const fl_global_tier *g = kv->st->g;
    pthread_mutex_lock(&kv->mu);
    size_t n = kv->size;
    clear_marks_locked(kv);
    bool resized = kv->resized;
    kv->resized = false;
    pthread_mutex_unlock(&kv->mu);

    r = g->set(g->ctx, kv->ukey, kv->base, n);
    if (r < 0) {
        pthread_mutex_lock(&kv->mu);
        mark_locked(kv, 0, n);
        kv->resized |= resized;
        pthread_mutex_unlock(&kv->mu);
    }
    return r;
}

int fl_state_push_partial(fl_state_kv *kv) {
    int r = fill(kv);
    if (r < 0)
        return r;
    const fl_global_tier *g = kv->st->g;
    size_t page = kv->st->page;

    pthread_mutex_lock(&kv->mu);
    if (kv->resized) {
        pthread_mutex_unlock(&kv->mu);
        return fl_state_push(kv);
    }
    size_t n = kv->size, chunks = round_up(n, page) / page;
    if (chunks == 0) { /* empty value: nothing to send */
        pthread_mutex_unlock(&kv->mu);
        return 0;
    }
    uint8_t *taken = malloc(chunks);
    if (!taken) {
        pthread_mutex_unlock(&kv->mu);
        return -ENOMEM;
    }
    memcpy(taken, kv->dirty, chunks);
    clear_marks_locked(kv);
    pthread_mutex_unlock(&kv->mu);

    /* One set_range per run of adjacent dirty chunks, clipped to the size. */
    for (size_t i = 0; i < chunks && r == 0;) {
        if (!taken[i]) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < chunks && taken[j])
            j++;
        size_t off = i * page, end = j * page < n ? j * page : n;
        r = g->set_range(g->ctx, kv->ukey, off, kv->base + off, end - off);
        i = j;
    }

    if (r < 0) { /* put the marks back: the next push retries them */
        pthread_mutex_lock(&kv->mu);
        for (size_t i = 0; i < chunks; i++)
            kv->dirty[i] |= taken[i];
        pthread_mutex_unlock(&kv->mu);
    }
    free(taken);
    return r;
}

int fl_state_push_partial_mask(fl_state_kv *kv, fl_state_kv *mask) {
    int r = fill(kv);
    if (r == 0)
        r = fill(mask);
    if (r < 0)
        return r;
    const fl_global_tier *g = kv->st->g;

    size_t mlen = size_of(mask);
    pthread_mutex_lock(&kv->mu);
    size_t n = kv->size;
    clear_marks_locked(kv);
    pthread_mutex_unlock(&kv->mu);
    if (mlen < n)
        n = mlen;

    const uint8_t *m = mask->base;
    for (size_t i = 0; i < n && r == 0;) {
        if (!m[i]) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && m[j])
            j++;
        r = g->set_range(g->ctx, kv->ukey, i, kv->base + i, j - i);
        i = j;
    }
    return r;
}

int fl_state_pull(fl_state_kv *kv, fl_budget *budget) {
    return pull(kv, budget);
}

/* ---- mappings ---- */

int fl_state_map(fl_state_kv *kv, void *addr, size_t offset, size_t len) {
    size_t page = kv->st->page;
    if ((uintptr_t)addr % page || offset % page || len == 0)
        return -EINVAL;
    if (offset > FL_STATE_MAX_BYTES || len > FL_STATE_MAX_BYTES - offset)
        return -EFBIG;
    len = round_up(len, page);
    int r = fill(kv);
    if (r < 0)
        return r;
    /* The memfd must cover the whole window, or touching its tail faults. */
    pthread_mutex_lock(&kv->mu);
    r = grow_locked(kv, offset + len);
    pthread_mutex_unlock(&kv->mu);
    if (r < 0)
        return r;
    void *p = mmap(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, kv->fd, (off_t)offset);
    return p == MAP_FAILED ? -errno : 0;
}

int fl_state_unmap(void *addr, size_t len) {
    void *p = mmap(addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    return p == MAP_FAILED ? -errno : 0;
}

/* ---- the appended list: global tier only ---- */

int fl_state_append(fl_state_kv *kv, const void *data, size_t len, fl_budget *budget) {
    const fl_global_tier *g = kv->st->g;
    int r = charge(kv, len, budget);
    if (r < 0)
        return r;
    r = g->append(g->ctx, kv->ukey, data, len);
    if (r < 0) {
        __atomic_sub_fetch(&kv->user->used, (uint64_t)len, __ATOMIC_RELAXED);
        fl_budget_release(budget, FL_BUDGET_MEMORY, len);
        return r;
    }
    __atomic_add_fetch(&kv->appended, (uint64_t)len, __ATOMIC_RELAXED);
    return 0;
}

ssize_t fl_state_read_appended(fl_state_kv *kv, size_t n, void *buf, size_t cap) {
    const fl_global_tier *g = kv->st->g;
    return g->read_list(g->ctx, kv->ukey, n, buf, cap);
}

int fl_state_clear_appended(fl_state_kv *kv) {
    const fl_global_tier *g = kv->st->g;
    int r = g->clear_list(g->ctx, kv->ukey);
    if (r == 0) {
        /* the list's bytes are gone: the user may append again (the call
         * trees that appended them keep their charges: see state.h) */
        uint64_t n = __atomic_exchange_n(&kv->appended, 0, __ATOMIC_RELAXED);
        __atomic_sub_fetch(&kv->user->used, n, __ATOMIC_RELAXED);
    }
    return r;
}

/* ---- the guests' locks ---- */

int fl_state_lock_read(fl_state_kv *kv) {
    return -pthread_rwlock_rdlock(&kv->lock);
}

int fl_state_unlock_read(fl_state_kv *kv) {
    return -pthread_rwlock_unlock(&kv->lock);
}

/* A token no other lock holder in any process has. */
static void new_token(char *out, size_t size) {
    static atomic_uint_fast64_t n;
    uint64_t r[2] = {0, 0};
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        r[0] = (uint64_t)getpid();
    snprintf(out, size, "%016llx%016llx-%llu", (unsigned long long)r[0],
             (unsigned long long)r[1], (unsigned long long)atomic_fetch_add(&n, 1));
}

/* Takes the global lock of kv (the local write lock held), retrying every
 * 10 ms while another process holds it, until *cancel (NULL: for ever). */
static int global_lock(fl_state_kv *kv, const volatile int *cancel) {
    const fl_global_tier *g = kv->st->g;
    if (!g->lock)
        return 0;
    new_token(kv->lock_token, sizeof kv->lock_token);
    for (;;) {
        int r = g->lock(g->ctx, kv->ukey, kv->lock_token, FL_STATE_LOCK_TTL_MS);
        if (r != -EBUSY) {
            if (r < 0)
                kv->lock_token[0] = 0;
            return r;
        }
        if (cancel && *cancel) {
            kv->lock_token[0] = 0;
            return -ECANCELED;
        }
        struct timespec t = {0, 10 * 1000000L};
        nanosleep(&t, NULL);
    }
}

static void global_unlock(fl_state_kv *kv) {
    const fl_global_tier *g = kv->st->g;
    if (g->unlock && kv->lock_token[0])
        g->unlock(g->ctx, kv->ukey, kv->lock_token); /* an error: it expires */
    kv->lock_token[0] = 0;
}

int fl_state_lock_write(fl_state_kv *kv) {
    int r = -pthread_rwlock_wrlock(&kv->lock);
    if (r == 0 && (r = global_lock(kv, NULL)) < 0)
        pthread_rwlock_unlock(&kv->lock);
    return r;
}

int fl_state_unlock_write(fl_state_kv *kv) {
    global_unlock(kv);
    return -pthread_rwlock_unlock(&kv->lock);
}

/* How often a waiter looks at its cancel flag. */
#define LOCK_SLICE_NS 20000000L

/* Waits for the lock in slices, giving up when *cancel is raised. */
static int lock_until(fl_state_kv *kv, bool write, const volatile int *cancel) {
    for (;;) {
        if (*cancel)
            return -ECANCELED;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += LOCK_SLICE_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        int r = write ? pthread_rwlock_timedwrlock(&kv->lock, &until)
                      : pthread_rwlock_timedrdlock(&kv->lock, &until);
        if (r == ETIMEDOUT)
            continue;
        if (r == 0 && write && (r = -global_lock(kv, cancel)) != 0)
            pthread_rwlock_unlock(&kv->lock);
        return -r;
    }
}

int fl_state_lock_read_until(fl_state_kv *kv, const volatile int *cancel) {
    return lock_until(kv, false, cancel);
}

int fl_state_lock_write_until(fl_state_kv *kv, const volatile int *cancel) {
    return lock_until(kv, true, cancel);
}
