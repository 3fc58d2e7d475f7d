/*
 * budget.c: the call tree's budget (budget.h): a reference count, one
 * atomic counter, peak and refusal flag per kind, and the limits.
 */
#include "budget/budget.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct fl_budget {
    int refs;
    fl_budget_limits limits; /* defaults filled in */
    uint64_t limit[FL_BUDGET_KINDS];
    uint64_t used[FL_BUDGET_KINDS];
    uint64_t peak[FL_BUDGET_KINDS];
    bool refused[FL_BUDGET_KINDS];
    uint64_t deadline_ns; /* 0: none */
    uint64_t tree;        /* its count across hosts (0: a tree of one host) */
    pthread_mutex_t log_lock;
    uint8_t *log; /* grows by doubling up to limits.log_bytes */
    size_t log_len, log_cap;
    uint64_t log_dropped;
};

uint64_t fl_monotonic_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static fl_budget_limits with_defaults(const fl_budget_limits *in) {
    fl_budget_limits l = {0};
    if (in)
        l = *in;
    if (!l.memory_bytes)
        l.memory_bytes = FL_BUDGET_DEFAULT_MEMORY;
    if (!l.fds)
        l.fds = FL_BUDGET_DEFAULT_FDS;
    if (!l.disk_bytes)
        l.disk_bytes = FL_BUDGET_DEFAULT_DISK;
    if (!l.calls)
        l.calls = FL_BUDGET_DEFAULT_CALLS;
    if (!l.chain_depth)
        l.chain_depth = FL_BUDGET_DEFAULT_CHAIN_DEPTH;
    if (!l.chained_per_call)
        l.chained_per_call = FL_BUDGET_DEFAULT_CHAINED_PER_CALL;
    if (!l.log_bytes)
        l.log_bytes = FL_BUDGET_DEFAULT_LOG;
    return l;
}

fl_budget *fl_budget_new(const fl_budget_limits *limits) {
    fl_budget *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->refs = 1;
    b->limits = with_defaults(limits);
    b->limit[FL_BUDGET_MEMORY] = b->limits.memory_bytes;
    b->limit[FL_BUDGET_FDS] = b->limits.fds;
    b->limit[FL_BUDGET_DISK] = b->limits.disk_bytes;
    b->limit[FL_BUDGET_CALLS] = b->limits.calls;
    if (b->limits.timeout_ms)
        b->deadline_ns = fl_monotonic_ns() + b->limits.timeout_ms * 1000000u;
    pthread_mutex_init(&b->log_lock, NULL);
    return b;
}

fl_budget *fl_budget_ref(fl_budget *b) {
    if (b)
        __atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
    return b;
}

void fl_budget_unref(fl_budget *b) {
    if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        pthread_mutex_destroy(&b->log_lock);
        free(b->log);
        free(b);
    }
}

fl_budget_limits fl_budget_get_limits(const fl_budget *b) {
    return b ? b->limits : with_defaults(NULL);
}

int fl_budget_charge(fl_budget *b, fl_budget_kind kind, uint64_t amount) {
    if (!b || (unsigned)kind >= FL_BUDGET_KINDS)
        return 0;
    uint64_t used = __atomic_load_n(&b->used[kind], __ATOMIC_RELAXED);
    uint64_t next;
    do {
        if (amount > b->limit[kind] - used) {
            __atomic_store_n(&b->refused[kind], true, __ATOMIC_RELAXED);
            return -1;
        }
        next = used + amount;
    } while (!__atomic_compare_exchange_n(&b->used[kind], &used, next, true, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    uint64_t peak = __atomic_load_n(&b->peak[kind], __ATOMIC_RELAXED);
    while (next > peak && !__atomic_compare_exchange_n(&b->peak[kind], &peak, next, true,
                                                       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    return 0;
}

void fl_budget_release(fl_budget *b, fl_budget_kind kind, uint64_t amount) {
    if (!b || (unsigned)kind >= FL_BUDGET_KINDS)
        return;
    uint64_t used = __atomic_load_n(&b->used[kind], __ATOMIC_RELAXED);
    uint64_t next;
    do
        next = amount < used ? used - amount : 0;
    while (!__atomic_compare_exchange_n(&b->used[kind], &used, next, true, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED));
}

uint64_t fl_budget_used(const fl_budget *b, fl_budget_kind kind) {
    if (!b || (unsigned)kind >= FL_BUDGET_KINDS)
        return 0;
    return __atomic_load_n(&b->used[kind], __ATOMIC_RELAXED);
}

uint64_t fl_budget_peak(const fl_budget *b, fl_budget_kind kind) {
    if (!b || (unsigned)kind >= FL_BUDGET_KINDS)
        return 0;
    return __atomic_load_n(&b->peak[kind], __ATOMIC_RELAXED);
}

uint64_t fl_budget_limit(const fl_budget *b, fl_budget_kind kind) {
    if ((unsigned)kind >= FL_BUDGET_KINDS)
        return 0;
    if (!b) {
        fl_budget_limits l = with_defaults(NULL);
        uint64_t d[FL_BUDGET_KINDS] = {l.memory_bytes, l.fds, l.disk_bytes, l.calls};
        return d[kind];
    }
    return b->limit[kind];
}

bool fl_budget_refused(const fl_budget *b, fl_budget_kind kind) {
    if (!b || (unsigned)kind >= FL_BUDGET_KINDS)
        return false;
    return __atomic_load_n(&b->refused[kind], __ATOMIC_RELAXED);
}

const char *fl_budget_kind_name(fl_budget_kind kind) {
    static const char *const names[FL_BUDGET_KINDS] = {"memory", "file descriptors", "disk",
                                                       "calls"};
    return (unsigned)kind < FL_BUDGET_KINDS ? names[kind] : "unknown";
}

uint64_t fl_budget_deadline_ns(const fl_budget *b) { return b ? b->deadline_ns : 0; }

uint64_t fl_budget_tree(const fl_budget *b) { return b ? __atomic_load_n(&b->tree, __ATOMIC_ACQUIRE) : 0; }

uint64_t fl_budget_set_tree(fl_budget *b, uint64_t tree) {
    if (!b)
        return 0;
    uint64_t none = 0;
    if (__atomic_compare_exchange_n(&b->tree, &none, tree, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        return tree;
    return none;
}

int64_t fl_budget_remaining_ms(const fl_budget *b) {
    if (!b || !b->deadline_ns)
        return -1;
    uint64_t now = fl_monotonic_ns();
    if (now >= b->deadline_ns)
        return 0;
    uint64_t ms = (b->deadline_ns - now + 999999u) / 1000000u;
    return (int64_t)ms;
}

/* ---- the log ---- */

void fl_budget_log_append(fl_budget *b, const void *bytes, size_t len) {
    if (!b || !len)
        return;
    pthread_mutex_lock(&b->log_lock);
    size_t room = b->limits.log_bytes - b->log_len, keep = len < room ? len : room;
    if (keep && b->log_len + keep > b->log_cap) {
        size_t cap = b->log_cap ? b->log_cap : 1024;
        while (cap < b->log_len + keep)
            cap *= 2;
        if (cap > b->limits.log_bytes)
            cap = b->limits.log_bytes;
        uint8_t *grown = NULL;
        /* the buffer is what costs memory: its growth is charged */
        if (fl_budget_charge(b, FL_BUDGET_MEMORY, cap - b->log_cap) == 0) {
            grown = realloc(b->log, cap);
            if (!grown)
                fl_budget_release(b, FL_BUDGET_MEMORY, cap - b->log_cap);
        }
        if (grown) {
            b->log = grown;
            b->log_cap = cap;
        } else
            keep = b->log_cap - b->log_len;
    }
    if (keep)
        memcpy(b->log + b->log_len, bytes, keep);
    b->log_len += keep;
    b->log_dropped += len - keep;
    pthread_mutex_unlock(&b->log_lock);
}

uint8_t *fl_budget_log_take(fl_budget *b, size_t *len, uint64_t *dropped) {
    *len = 0;
    *dropped = 0;
    if (!b)
        return NULL;
    pthread_mutex_lock(&b->log_lock);
    uint8_t *log = b->log;
    *len = b->log_len;
    *dropped = b->log_dropped;
    fl_budget_release(b, FL_BUDGET_MEMORY, b->log_cap);
    b->log = NULL;
    b->log_len = b->log_cap = 0;
    b->log_dropped = 0;
    pthread_mutex_unlock(&b->log_lock);
    if (log && !*len) {
        free(log);
        log = NULL;
    }
    return log;
}

/* ---- the C stack ---- */

/* Lowest usable address of this thread's stack; 0: not read yet, 1: unknown. */
static __thread uintptr_t cstack_low;

size_t fl_cstack_left(void) {
    if (!cstack_low) {
        pthread_attr_t a;
        void *addr = NULL;
        size_t size = 0, guard = 0;
        cstack_low = 1;
        if (pthread_getattr_np(pthread_self(), &a) == 0) {
            if (pthread_attr_getstack(&a, &addr, &size) == 0 && addr) {
                (void)pthread_attr_getguardsize(&a, &guard);
                cstack_low = (uintptr_t)addr + guard;
            }
            pthread_attr_destroy(&a);
        }
    }
    if (cstack_low == 1)
        return SIZE_MAX;
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    return sp > cstack_low ? (size_t)(sp - cstack_low) : 0;
}
