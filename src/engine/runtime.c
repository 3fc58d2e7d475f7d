/*
 * runtime.c: traps, execs and fl_invoke, the guest fault landing pad,
 * stores and their objects (tables, globals, function types).
 *
 * Linear memory and the fault handler live in memory.c, linking and
 * instantiation in link.c; runtime_int.h is what the three share.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine/runtime.h"
#include "engine/runtime_int.h"
#include "engine/tier.h"

/* ---- traps ---- */

static const char *const trap_messages[FL_TRAP_COUNT] = {
    [FL_TRAP_NONE] = "no trap",
    [FL_TRAP_UNREACHABLE] = "unreachable",
    [FL_TRAP_MEMORY_OOB] = "out of bounds memory access",
    [FL_TRAP_TABLE_OOB] = "out of bounds table access",
    [FL_TRAP_UNDEFINED_ELEMENT] = "undefined element",
    [FL_TRAP_UNINITIALIZED] = "uninitialized element",
    [FL_TRAP_INDIRECT_TYPE] = "indirect call type mismatch",
    [FL_TRAP_DIV_ZERO] = "integer divide by zero",
    [FL_TRAP_INT_OVERFLOW] = "integer overflow",
    [FL_TRAP_INVALID_CONVERSION] = "invalid conversion to integer",
    [FL_TRAP_STACK_EXHAUSTED] = "call stack exhausted",
    [FL_TRAP_INTERRUPTED] = "interrupted",
    [FL_TRAP_EXIT] = "exit",
    [FL_TRAP_HOST] = "host error",
    [FL_TRAP_UNSUPPORTED] = "unsupported",
    [FL_TRAP_SIGNATURE] = "call signature mismatch",
};

const char *fl_trap_message(fl_trap trap) {
    if ((unsigned)trap >= FL_TRAP_COUNT)
        return "unknown trap";
    return trap_messages[trap];
}

/* ---- execs ---- */

/* Stacks of the default size a freed exec leaves for the next: mapping
 * and unmapping 8 MiB is a good part of what a new Faaslet costs.  A kept
 * stack reads as zero again, so nothing of one call's values reaches
 * another whatever a tier reads: the few pages a call used are zeroed
 * (mincore says which), a deep call's are dropped instead. */
#define STACK_POOL_MAX 64
#define STACK_ZERO_MAX 64 /* pages zeroed in place; more are dropped */
static pthread_mutex_t stack_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static void *stack_pool[STACK_POOL_MAX];
static size_t nstack_pool;

static void *stack_take(size_t slots) {
    void *stack = NULL;
    if (slots == FL_DEFAULT_STACK_SLOTS) {
        pthread_mutex_lock(&stack_pool_lock);
        if (nstack_pool)
            stack = stack_pool[--nstack_pool];
        pthread_mutex_unlock(&stack_pool_lock);
    }
    if (stack)
        return stack;
    /* mmap rather than malloc: the default 8 MiB costs only the pages touched */
    stack = mmap(NULL, slots * sizeof(fl_value), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return stack == MAP_FAILED ? NULL : stack;
}

/* Makes stack[0..bytes) read as zero; false when it cannot. */
static bool stack_clear(uint8_t *stack, size_t bytes) {
    unsigned char resident[FL_DEFAULT_STACK_SLOTS * sizeof(fl_value) / 4096];
    size_t npages = bytes / 4096, used = 0;
    if (npages > sizeof resident)
        return false;
    bool ok = mincore(stack, bytes, resident) == 0;
    for (size_t i = 0; ok && i < npages; i++)
        used += resident[i] & 1;
    if (ok && used <= STACK_ZERO_MAX)
        for (size_t i = 0; i < npages; i++)
            if (resident[i] & 1)
                memset(stack + i * 4096, 0, 4096);
    return ok && (used <= STACK_ZERO_MAX || madvise(stack, bytes, MADV_DONTNEED) == 0);
}

static void stack_put(void *stack, size_t slots) {
    size_t bytes = slots * sizeof(fl_value);
    bool kept = false;
    if (slots == FL_DEFAULT_STACK_SLOTS && stack_clear(stack, bytes)) {
        pthread_mutex_lock(&stack_pool_lock);
        if ((kept = nstack_pool < STACK_POOL_MAX))
            stack_pool[nstack_pool++] = stack;
        pthread_mutex_unlock(&stack_pool_lock);
    }
    if (!kept)
        munmap(stack, bytes);
}

fl_exec *fl_exec_new(size_t stack_slots) {
    if (stack_slots == 0)
        stack_slots = FL_DEFAULT_STACK_SLOTS;
    fl_exec *ex = calloc(1, sizeof *ex);
    if (!ex)
        return NULL;
    void *stack = stack_take(stack_slots);
    if (!stack) {
        free(ex);
        return NULL;
    }
    ex->stack = stack;
    ex->stack_slots = stack_slots;
    ex->max_depth = FL_DEFAULT_MAX_DEPTH;
    return ex;
}

void fl_exec_free(fl_exec *ex) {
    if (!ex)
        return;
    fl__kick_forget(ex);
    stack_put(ex->stack, ex->stack_slots);
    free(ex);
}

fl_trap fl_exec_set_detail(fl_exec *ex, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ex->trap_detail, sizeof ex->trap_detail, fmt, ap);
    va_end(ap);
    return FL_TRAP_HOST;
}

/* ---- running guest code ---- */

fl_trap fl_exec_guarded(fl_exec *ex, fl_trap (*fn)(fl_exec *ex, void *arg), void *arg) {
    fl__fault_prepare_thread();

    /* Everything a trap may leave half-changed, restored on both exits.
     * These are written before sigsetjmp and never after, so they keep
     * their values across siglongjmp without being volatile. */
    sigjmp_buf *saved_jmp = ex->fault_jmp;
    fl_exec *saved_current = fl__current_exec;
    uint32_t saved_depth = ex->depth;
    size_t saved_used = ex->stack_used;

    sigjmp_buf jb;
    fl_trap trap;
    fl__guest_enter(ex);
    int code = sigsetjmp(jb, 0); /* 0: no sigprocmask syscall per call */
    if (code == 0) {
        ex->fault_jmp = &jb;
        fl__current_exec = ex;
        trap = fn(ex, arg);
    } else {
        trap = (fl_trap)code;
        if (trap == FL_TRAP_INTERRUPTED)
            fl__kick_landed();
    }
    fl__guest_leave(ex);

    fl__current_exec = saved_current;
    ex->fault_jmp = saved_jmp;
    ex->depth = saved_depth;
    ex->stack_used = saved_used;
    return trap;
}

typedef struct tier_call {
    fl_funcinst *f;
    const fl_value *args;
    fl_value *results;
} tier_call;

static fl_trap run_tier(fl_exec *ex, void *arg) {
    tier_call *c = arg;
    return c->f->tier->call(ex, c->f, c->args, c->results);
}

/* FL_TRAP_SIGNATURE with a detail naming f, its type and what was given. */
static fl_trap signature_mismatch(fl_exec *ex, const fl_funcinst *f, size_t nargs,
                                  size_t nresults) {
    char type[96], fallback[32];
    const char *name = f->name;
    if (!name && f->instance) {
        /* no debug name: the name it is exported under, else its index */
        const fl_module *m = f->instance->module;
        uint32_t index = m->nimported_funcs + f->def_index;
        for (uint32_t i = 0; i < m->nexports && !name; i++)
            if (m->exports[i].kind == FL_EXTERN_FUNC && m->exports[i].index == index)
                name = m->exports[i].name;
        if (!name) {
            snprintf(fallback, sizeof fallback, "function %u", index);
            name = fallback;
        }
    }
    if (!name)
        name = "a host function";
    fl_exec_set_detail(ex, "%s has type %s; called with %zu argument%s and room for %zu result%s",
                       name, fl_functype_text(f->type, type, sizeof type), nargs,
                       nargs == 1 ? "" : "s", nresults, nresults == 1 ? "" : "s");
    return FL_TRAP_SIGNATURE;
}

/* A host function called from the host: its handler takes one array of
 * max(nparams, nresults) slots, which args and results may not be. */
#define HOST_INLINE_SLOTS 16

static fl_trap invoke_host(fl_exec *ex, fl_funcinst *f, const fl_value *args,
                           fl_value *results) {
    const fl_functype *t = f->type;
    fl_host_call call = {.exec = ex, .caller = NULL, .data = f->host_data};
    if (args == results && results) /* the caller's array holds both */
        return f->host(&call, results);
    /* else a slot array of our own: a handler never gets NULL */
    size_t n = t->nparams > t->nresults ? t->nparams : t->nresults;
    fl_value inline_slots[HOST_INLINE_SLOTS];
    fl_value *slots = n <= HOST_INLINE_SLOTS ? inline_slots : calloc(n, sizeof *slots);
    if (!slots)
        return fl_exec_set_detail(ex, "out of memory calling %s", f->name ? f->name : "a host function");
    if (t->nparams)
        memcpy(slots, args, t->nparams * sizeof *slots);
    fl_trap trap = f->host(&call, slots);
    if (trap == FL_TRAP_NONE && t->nresults)
        memcpy(results, slots, t->nresults * sizeof *slots);
    if (slots != inline_slots)
        free(slots);
    return trap;
}

fl_trap fl_invoke(fl_exec *ex, fl_funcinst *f, const fl_value *args, size_t nargs,
                  fl_value *results, size_t nresults) {
    /* an outermost call starts with no detail left from an earlier one */
    if (ex->depth == 0 && !ex->fault_jmp)
        ex->trap_detail[0] = '\0';
    if (nargs != f->type->param_slots || nresults != f->type->result_slots || (nargs && !args) ||
        (nresults && !results))
        return signature_mismatch(ex, f, nargs, nresults);
    /* Host->guest re-entry (a host function calling back into the guest,
     * which calls the host again...) nests C frames without bound: stop
     * while the stack really left still holds the deepest path to the next
     * check (a host function's frames and whatever it calls). */
    if (fl_cstack_left() < FL_CSTACK_ENTRY_RESERVE) {
        fl_exec_set_detail(ex, "host->guest calls nested too deeply");
        return FL_TRAP_STACK_EXHAUSTED;
    }
    if (f->host) {
        /* Host functions run without the landing pad: they must check guest
         * pointers themselves and return a trap (STYLE: one exit). */
        return invoke_host(ex, f, args, results);
    }
    if (ex->depth >= ex->max_depth)
        return FL_TRAP_STACK_EXHAUSTED;
    tier_call c = {f, args, results};
    return fl_exec_guarded(ex, run_tier, &c);
}

/* ---- stores ---- */

typedef struct owned {
    void *obj;
    void (*free)(void *obj);
} owned;

struct fl_store {
    fl_store_limits limits; /* zeros replaced by the defaults */
    bool pages_capped;      /* max_memory_pages is the host's cap, below wasm32's own */
    owned *objs;
    size_t nobjs, cap;
    uint32_t refusals;      /* allocations a cap or the budget refused */
    char refused[160];      /* what the last refusal was, or "" */
    uint64_t charged;       /* bytes charged to limits.budget now */
};

fl_store *fl_store_new(const fl_store_limits *limits) {
    fl_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (limits)
        s->limits = *limits;
    if (s->limits.max_memory_pages == 0 || s->limits.max_memory_pages > FL_MAX_PAGES)
        s->limits.max_memory_pages = FL_MAX_PAGES;
    s->pages_capped = s->limits.max_memory_pages < FL_MAX_PAGES;
    if (s->limits.max_table_elems == 0)
        s->limits.max_table_elems = FL_DEFAULT_MAX_TABLE_ELEMS;
    return s;
}

void fl_store_free(fl_store *s) {
    if (!s)
        return;
    /* reverse order: instances go before the objects they point at */
    for (size_t i = s->nobjs; i-- > 0;)
        s->objs[i].free(s->objs[i].obj);
    free(s->objs);
    free(s);
}

int fl__store_own(fl_store *s, void *obj, void (*free_fn)(void *obj)) {
    if (s->nobjs == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        owned *objs = realloc(s->objs, cap * sizeof *objs);
        if (!objs) {
            free_fn(obj);
            return -1;
        }
        s->objs = objs;
        s->cap = cap;
    }
    s->objs[s->nobjs++] = (owned){obj, free_fn};
    return 0;
}

uint32_t fl__store_max_pages(const fl_store *s) {
    return s->limits.max_memory_pages;
}

/* "64 MiB", "512 KiB" or "1000 bytes", into buf. */
static const char *bytes_text(uint64_t n, char *buf, size_t len) {
    if (n && n % ((uint64_t)1 << 20) == 0)
        snprintf(buf, len, "%llu MiB", (unsigned long long)(n >> 20));
    else if (n && n % 1024 == 0)
        snprintf(buf, len, "%llu KiB", (unsigned long long)(n >> 10));
    else
        snprintf(buf, len, "%llu bytes", (unsigned long long)n);
    return buf;
}

void fl__store_refuse(fl_store *s, fl__limit limit, const char *fmt, ...) {
    char what[96], amount[40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    switch (limit) {
    case FL__LIMIT_PAGES:
        bytes_text((uint64_t)s->limits.max_memory_pages * FL_PAGE_SIZE, amount, sizeof amount);
        snprintf(s->refused, sizeof s->refused, "memory limit reached (%s): %s refused", amount,
                 what);
        break;
    case FL__LIMIT_BUDGET:
        bytes_text(fl_budget_limit(s->limits.budget, FL_BUDGET_MEMORY), amount, sizeof amount);
        snprintf(s->refused, sizeof s->refused, "memory limit reached (%s): %s refused", amount,
                 what);
        break;
    case FL__LIMIT_TABLE:
        snprintf(s->refused, sizeof s->refused,
                 "table limit reached (%u elements): %s refused",
                 s->limits.max_table_elems, what);
        break;
    }
    s->refusals++;
}

uint32_t fl__store_refusals(const fl_store *s) {
    return s->refusals;
}

int fl__store_charge(fl_store *s, uint64_t bytes) {
    if (fl_budget_charge(s->limits.budget, FL_BUDGET_MEMORY, bytes) < 0)
        return -1;
    s->charged += bytes;
    return 0;
}

void fl__store_release(fl_store *s, uint64_t bytes) {
    fl_budget_release(s->limits.budget, FL_BUDGET_MEMORY, bytes);
    s->charged -= bytes;
}

int fl_store_set_budget(fl_store *s, fl_budget *budget) {
    if (budget != s->limits.budget) {
        if (fl_budget_charge(budget, FL_BUDGET_MEMORY, s->charged) < 0)
            return -1;
        fl_budget_release(s->limits.budget, FL_BUDGET_MEMORY, s->charged);
        s->limits.budget = budget;
    }
    s->refusals = 0;
    s->refused[0] = 0;
    return 0;
}

bool fl__store_pages_capped(const fl_store *s) {
    return s->pages_capped;
}

const char *fl_store_limit_reached(const fl_store *s) {
    return s && s->refused[0] ? s->refused : NULL;
}

/* ---- tables ---- */

/* The store-private side of a table: its effective growth limit (the
 * declared max stays in fl_table.max for import matching) and its store,
 * whose budget is charged capacity x pointer size. */
typedef struct table_obj {
    fl_table t;
    uint32_t limit;
    fl_store *store;
} table_obj;

static uint64_t table_bytes(uint64_t elems) {
    return elems * sizeof(void *);
}

static void table_free(void *obj) {
    table_obj *to = obj;
    fl__store_release(to->store, table_bytes(to->t.capacity));
    free(to->t.elems);
    free(to);
}

fl_table *fl_table_new(fl_store *s, fl_tabletype type, void *init) {
    uint32_t limit = s->limits.max_table_elems;
    if (type.limits.has_max && type.limits.max < limit)
        limit = type.limits.max;
    if (type.limits.min > limit) {
        if (type.limits.min > s->limits.max_table_elems)
            fl__store_refuse(s, FL__LIMIT_TABLE, "a table of %u elements", type.limits.min);
        return NULL;
    }
    uint32_t cap = type.limits.min ? type.limits.min : 1;
    /* charged before anything is allocated: a refused table costs nothing */
    if (fl__store_charge(s, table_bytes(cap)) < 0) {
        fl__store_refuse(s, FL__LIMIT_BUDGET, "a table of %u elements", type.limits.min);
        return NULL;
    }
    table_obj *to = calloc(1, sizeof *to);
    if (to)
        to->t.elems = malloc((size_t)table_bytes(cap));
    if (!to || !to->t.elems) {
        free(to);
        fl__store_release(s, table_bytes(cap));
        return NULL;
    }
    to->store = s;
    for (uint32_t i = 0; i < type.limits.min; i++)
        to->t.elems[i] = init;
    to->t.size = type.limits.min;
    to->t.max = type.limits.max;
    to->t.has_max = type.limits.has_max;
    to->t.elemtype = type.elemtype;
    to->t.capacity = cap;
    to->limit = limit;
    if (fl__store_own(s, to, table_free) < 0)
        return NULL;
    return &to->t;
}

int64_t fl_table_grow(fl_table *t, uint32_t delta, void *init) {
    table_obj *to = (table_obj *)t; /* t is the first member */
    uint32_t old = t->size;
    if ((uint64_t)old + delta > to->limit) {
        if ((uint64_t)old + delta > to->store->limits.max_table_elems &&
            (!t->has_max || (uint64_t)old + delta <= t->max))
            fl__store_refuse(to->store, FL__LIMIT_TABLE, "table.grow by %u element%s", delta,
                             delta == 1 ? "" : "s");
        return -1;
    }
    uint32_t size = old + delta;
    if (size > t->capacity) {
        /* double when the budget allows, else exactly what is needed */
        uint64_t cap = (uint64_t)t->capacity * 2;
        if (cap < size)
            cap = size;
        if (cap > to->limit)
            cap = to->limit;
        if (fl__store_charge(to->store, table_bytes(cap - t->capacity)) < 0) {
            cap = size;
            if (fl__store_charge(to->store, table_bytes(cap - t->capacity)) < 0) {
                fl__store_refuse(to->store, FL__LIMIT_BUDGET, "table.grow by %u element%s",
                                 delta, delta == 1 ? "" : "s");
                return -1;
            }
        }
        void **elems = realloc(t->elems, (size_t)table_bytes(cap));
        if (!elems) {
            fl__store_release(to->store, table_bytes(cap - t->capacity));
            return -1;
        }
        t->elems = elems;
        t->capacity = (uint32_t)cap;
    }
    for (uint32_t i = old; i < size; i++)
        t->elems[i] = init;
    t->size = size;
    return old;
}

fl_limits fl__table_limits(const fl_table *t) {
    return (fl_limits){.min = t->size, .max = t->max, .has_max = t->has_max};
}

/* ---- globals ---- */

fl_global *fl_global_new(fl_store *s, fl_globaltype type, fl_value value) {
    fl_global *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->type = type;
    g->value = value;
    if (fl__store_own(s, g, free) < 0)
        return NULL;
    return g;
}

/* ---- function types ---- */

/* Interned types: a process-wide hash set of copies, ids from 1 in order. */
typedef struct interned {
    fl_functype type; /* owned copy */
    uint32_t hash;
    uint32_t id;
    struct interned *next;
} interned;

static pthread_mutex_t types_lock = PTHREAD_MUTEX_INITIALIZER;
static interned **type_buckets; /* type_nbuckets chains, a power of two */
static uint32_t type_nbuckets;
static uint32_t types_count;

/* Doubles the chains once there are as many types as chains, so interning
 * stays O(1) however many types modules bring (a fixed 1024 chains made a
 * module of 400,000 types take 7 s to instantiate).  Lock held.  On failure
 * the table stays as it was: slower, still right. */
static void grow_type_buckets(void) {
    uint32_t n = type_nbuckets ? type_nbuckets * 2 : 1024;
    interned **b = calloc(n, sizeof *b);
    if (!b)
        return;
    for (uint32_t i = 0; i < type_nbuckets; i++) {
        interned *next;
        for (interned *e = type_buckets[i]; e; e = next) {
            next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    }
    free(type_buckets);
    type_buckets = b;
    type_nbuckets = n;
}

static uint32_t type_hash(const fl_functype *t) {
    uint32_t h = 2166136261u; /* FNV-1a */
    h = (h ^ t->nparams) * 16777619u;
    for (uint32_t i = 0; i < t->nparams; i++)
        h = (h ^ t->params[i]) * 16777619u;
    h = (h ^ 0xffu) * 16777619u;
    for (uint32_t i = 0; i < t->nresults; i++)
        h = (h ^ t->results[i]) * 16777619u;
    return h;
}

static bool type_equal(const fl_functype *a, const fl_functype *b) {
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           (a->nparams == 0 || memcmp(a->params, b->params, a->nparams) == 0) &&
           (a->nresults == 0 || memcmp(a->results, b->results, a->nresults) == 0);
}

uint32_t fl_type_intern(const fl_functype *t) {
    uint32_t h = type_hash(t);
    uint32_t id = 0;
    pthread_mutex_lock(&types_lock);
    if (types_count >= type_nbuckets)
        grow_type_buckets();
    if (!type_buckets)
        goto out; /* id 0 matches no real type: calls through it trap */
    for (interned *e = type_buckets[h & (type_nbuckets - 1)]; e; e = e->next) {
        if (e->hash == h && type_equal(&e->type, t)) {
            id = e->id;
            goto out;
        }
    }
    /* one block: the entry, then params and results */
    interned *e = malloc(sizeof *e + t->nparams + t->nresults);
    if (!e)
        goto out; /* id 0 matches no real type: calls through it trap */
    uint8_t *vals = (uint8_t *)(e + 1);
    if (t->nparams)
        memcpy(vals, t->params, t->nparams);
    if (t->nresults)
        memcpy(vals + t->nparams, t->results, t->nresults);
    e->type = (fl_functype){t->nparams, t->nresults, vals, vals + t->nparams, 0, 0};
    fl_functype_set_slots(&e->type);
    e->hash = h;
    e->id = id = ++types_count;
    e->next = type_buckets[h & (type_nbuckets - 1)];
    type_buckets[h & (type_nbuckets - 1)] = e;
out:
    pthread_mutex_unlock(&types_lock);
    return id;
}
