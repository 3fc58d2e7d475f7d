/*
 * test_runtime.c: stores, memories (growth, limits, the guard-page fault
 * turning into a trap), tables, globals, type interning, the linker and
 * instantiation of hand-built modules.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/runtime.h"

#define PAGE FL_PAGE_SIZE

/* ---- traps and execs ---- */

Test(runtime, trap_messages) {
    cr_assert_str_eq(fl_trap_message(FL_TRAP_MEMORY_OOB), "out of bounds memory access");
    cr_assert_str_eq(fl_trap_message(FL_TRAP_DIV_ZERO), "integer divide by zero");
    cr_assert_str_eq(fl_trap_message(FL_TRAP_INDIRECT_TYPE), "indirect call type mismatch");
    cr_assert_str_eq(fl_trap_message(FL_TRAP_UNINITIALIZED), "uninitialized element");
    cr_assert_str_eq(fl_trap_message(FL_TRAP_STACK_EXHAUSTED), "call stack exhausted");
    cr_assert_str_eq(fl_trap_message(FL_TRAP_INTERRUPTED), "interrupted");
    for (int t = 0; t < FL_TRAP_COUNT; t++)
        cr_assert(fl_trap_message((fl_trap)t)[0] != '\0');
}

Test(runtime, exec_defaults) {
    fl_exec *ex = fl_exec_new(0);
    cr_assert_not_null(ex);
    cr_assert_eq(ex->stack_slots, FL_DEFAULT_STACK_SLOTS);
    cr_assert_eq(ex->max_depth, FL_DEFAULT_MAX_DEPTH);
    cr_assert_eq(ex->stack_used, 0);
    ex->stack[ex->stack_slots - 1].i64 = 42; /* the whole stack is usable */
    cr_assert_eq(fl_exec_set_detail(ex, "bad fd %d", 7), FL_TRAP_HOST);
    cr_assert_str_eq(ex->trap_detail, "bad fd 7");
    fl_exec_free(ex);
}

/* ---- memories ---- */

Test(runtime, memory_zeroed_grow_and_limits) {
    fl_store *s = fl_store_new(NULL);
    fl_memory *m = fl_memory_new(s, (fl_limits){.min = 1, .max = 3, .has_max = true});
    cr_assert_not_null(m);
    cr_assert_eq(m->pages, 1);
    cr_assert_eq(m->size, PAGE);
    cr_assert_eq(m->max_pages, 3);
    for (size_t i = 0; i < PAGE; i += 4096)
        cr_assert_eq(m->base[i], 0);
    uint8_t *base = m->base;
    m->base[PAGE - 1] = 0xab;

    cr_assert_eq(fl_memory_grow(m, 1), 1);
    cr_assert_eq(m->pages, 2);
    cr_assert_eq(m->size, 2 * PAGE);
    cr_assert_eq(m->base, base, "the base never moves");
    cr_assert_eq(m->base[PAGE - 1], 0xab);
    cr_assert_eq(m->base[2 * PAGE - 1], 0, "new pages are zero");
    m->base[2 * PAGE - 1] = 1;

    cr_assert_eq(fl_memory_grow(m, 2), -1, "past the maximum");
    cr_assert_eq(m->pages, 2, "a failed grow changes nothing");
    cr_assert_eq(fl_memory_grow(m, 0), 2);
    cr_assert_eq(fl_memory_grow(m, 1), 2);
    cr_assert_eq(fl_memory_grow(m, 1), -1);
    cr_assert_eq(fl_memory_grow(m, 0xffffffffu), -1);
    fl_store_free(s);
}

Test(runtime, memory_zero_pages_and_store_cap) {
    fl_store_limits lim = {.max_memory_pages = 4};
    fl_store *s = fl_store_new(&lim);
    fl_memory *z = fl_memory_new(s, (fl_limits){.min = 0, .max = 0, .has_max = true});
    cr_assert_not_null(z);
    cr_assert_eq(z->size, 0);
    cr_assert_eq(fl_memory_grow(z, 0), 0);
    cr_assert_eq(fl_memory_grow(z, 1), -1);

    cr_assert_null(fl_memory_new(s, (fl_limits){.min = 5}), "over the store's cap");
    fl_memory *m = fl_memory_new(s, (fl_limits){.min = 0});
    cr_assert_not_null(m);
    cr_assert_eq(m->max_pages, 4);
    cr_assert_eq(fl_memory_grow(m, 4), 0);
    m->base[4 * PAGE - 1] = 7;
    cr_assert_eq(fl_memory_grow(m, 1), -1);
    fl_store_free(s);
}

Test(runtime, memory_full_size_without_max) {
    fl_store *s = fl_store_new(NULL);
    fl_memory *m = fl_memory_new(s, (fl_limits){.min = 1});
    cr_assert_eq(m->max_pages, FL_MAX_PAGES);
    cr_assert_eq(fl_memory_grow(m, FL_MAX_PAGES - 1), 1, "4 GiB of address space is reserved");
    m->base[m->size - 1] = 1;
    cr_assert_eq(fl_memory_grow(m, 1), -1);
    fl_store_free(s);
}

/* ---- the guard-page fault ----
 * Only the guarded build has guard pages and the fault handler: the
 * bounds-checked one (FL_MEMORY_GUARDED=0, the sanitizer build, chosen in
 * engine/config.h) does not build these tests but its own below, and
 * `make unit` says which set it ran. */

typedef struct touch {
    fl_memory *mem;
    uint64_t offset;
    int reenter; /* nested fl_exec_guarded calls still to make */
    fl_trap inner;
} touch;

static fl_trap touch_memory(fl_exec *ex, void *arg) {
    touch *t = arg;
    if (t->reenter > 0) {
        t->reenter--;
        ex->depth += 5;
        t->inner = fl_exec_guarded(ex, touch_memory, t);
        cr_assert_eq(ex->depth, 5, "the inner call restored the depth");
        ex->depth += 1;
        /* after the inner trap, this level still has a working landing pad */
    }
    volatile uint8_t *p = t->mem->base + t->offset;
    *p = 1;
    return FL_TRAP_NONE;
}

#if FL_MEMORY_GUARDED

Test(runtime, guarded_fault_becomes_trap) {
    fl_store *s = fl_store_new(NULL);
    fl_exec *ex = fl_exec_new(0);
    fl_memory *m = fl_memory_new(s, (fl_limits){.min = 1, .max = 2, .has_max = true});
    cr_assert_eq(m->reserved, FL_GUARDED_RESERVATION);

    touch t = {.mem = m, .offset = PAGE - 1};
    cr_assert_eq(fl_exec_guarded(ex, touch_memory, &t), FL_TRAP_NONE);
    /* repeatedly: SIGSEGV must not stay blocked after the first siglongjmp */
    for (int i = 0; i < 3; i++) {
        t.offset = m->size;
        cr_assert_eq(fl_exec_guarded(ex, touch_memory, &t), FL_TRAP_MEMORY_OOB);
        t.offset = (uint64_t)0xffffffffu + 0xffffffffu; /* largest index + offset */
        cr_assert_eq(fl_exec_guarded(ex, touch_memory, &t), FL_TRAP_MEMORY_OOB);
    }
    cr_assert_null(ex->fault_jmp, "the landing pad is gone after the call");
    cr_assert_eq(ex->depth, 0);

    cr_assert_eq(fl_memory_grow(m, 1), 1);
    t.offset = PAGE;
    cr_assert_eq(fl_exec_guarded(ex, touch_memory, &t), FL_TRAP_NONE, "grown pages work");
    fl_exec_free(ex);
    fl_store_free(s);
}

/* A freed memory's reservation is pooled and reused by the next memory:
 * what the last one wrote reads as zero, pages past the new size trap
 * again, and growing gives zero pages. */
Test(runtime, pooled_reservation_starts_clean) {
    fl_exec *ex = fl_exec_new(0);
    uint8_t *first = NULL;
    bool reused = false;
    for (int round = 0; round < 3; round++) {
        fl_store *s = fl_store_new(NULL);
        fl_memory *m = fl_memory_new(s, (fl_limits){.min = 1, .max = 4, .has_max = true});
        cr_assert_not_null(m);
        reused = reused || m->base == first;
        if (!first)
            first = m->base;
        for (uint64_t i = 0; i < m->size; i++)
            cr_assert_eq(m->base[i], 0, "round %d: byte %llu left by the last memory", round,
                         (unsigned long long)i);
        touch t = {.mem = m, .offset = PAGE};
        cr_assert_eq(fl_exec_guarded(ex, touch_memory, &t), FL_TRAP_MEMORY_OOB,
                     "round %d: a page past the size is accessible", round);
        cr_assert_eq(fl_memory_grow(m, 2), 1);
        for (uint64_t i = PAGE; i < m->size; i++)
            cr_assert_eq(m->base[i], 0, "round %d: grown byte %llu not zero", round,
                         (unsigned long long)i);
        memset(m->base, 0xAB, m->size); /* left for the next round to (not) see */
        fl_store_free(s);
    }
    cr_assert(reused, "the reservation was not reused");
    fl_exec_free(ex);
}

/* A freed exec's stack is kept for the next exec, which finds it all
 * zero: a few pages written (zeroed in place) or many (dropped). */
Test(runtime, pooled_exec_stack_starts_zero) {
    size_t bytes = FL_DEFAULT_STACK_SLOTS * sizeof(fl_value);
    for (size_t written = 3 * 4096; written <= (size_t)1 << 20; written <<= 5) {
        fl_exec *ex = fl_exec_new(0);
        fl_value *stack = ex->stack;
        memset((uint8_t *)stack + 100, 0xAB, written);
        memset((uint8_t *)stack + bytes - 4096, 0xCD, 4096);
        fl_exec_free(ex);
        ex = fl_exec_new(0);
        cr_assert_eq(ex->stack, stack, "the stack was not kept");
        const uint8_t *p = (const uint8_t *)ex->stack;
        for (size_t i = 0; i < bytes; i += 8)
            cr_assert_eq(*(const uint64_t *)(p + i), 0, "%zu bytes written: byte %zu kept", written,
                         i);
        fl_exec_free(ex);
    }
}

Test(runtime, guarded_fault_reentrant) {
    fl_store *s = fl_store_new(NULL);
    fl_exec *ex = fl_exec_new(0);
    fl_memory *m = fl_memory_new(s, (fl_limits){.min = 1});
    touch t = {.mem = m, .offset = m->size, .reenter = 1};
    /* the inner call traps and returns to the outer, which then traps too */
    cr_assert_eq(fl_exec_guarded(ex, touch_memory, &t), FL_TRAP_MEMORY_OOB);
    cr_assert_eq(t.inner, FL_TRAP_MEMORY_OOB);
    cr_assert_eq(ex->depth, 0);
    cr_assert_null(ex->fault_jmp);
    fl_exec_free(ex);
    fl_store_free(s);
}

static void *fault_in_thread(void *arg) {
    fl_memory *m = arg;
    fl_exec *ex = fl_exec_new(1024);
    touch t = {.mem = m, .offset = m->size + 12345};
    fl_trap trap = fl_exec_guarded(ex, touch_memory, &t);
    fl_exec_free(ex);
    return (void *)(uintptr_t)trap;
}

Test(runtime, guarded_fault_in_other_threads) {
    fl_store *s = fl_store_new(NULL);
    fl_memory *m = fl_memory_new(s, (fl_limits){.min = 1});
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, fault_in_thread, m);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(th[i], &r);
        cr_assert_eq((fl_trap)(uintptr_t)r, FL_TRAP_MEMORY_OOB);
    }
    fl_store_free(s);
}

#else

/* No guard region: a memory reserves its maximum only, and every access is
 * checked by the interpreter (test_interp.c: "load" past the end traps). */
Test(runtime, bounds_checked_memory_reserves_only_its_maximum) {
    fl_store *s = fl_store_new(NULL);
    fl_memory *m = fl_memory_new(s, (fl_limits){.min = 1, .max = 2, .has_max = true});
    cr_assert_not_null(m);
    cr_assert_eq(m->reserved, 2 * PAGE);
    fl_store_free(s);
}

#endif

static fl_trap null_deref(fl_exec *ex, void *arg) {
    volatile int *p = arg;
    return (fl_trap)*p;
}

/* Runs `fn` in a child with the landing pad set (or not) and returns how it ended. */
static int crash_status(fl_trap (*fn)(fl_exec *, void *), void *arg, bool guarded) {
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2); /* a sanitizer's report is expected noise here */
        fl_exec *ex = fl_exec_new(0);
        if (guarded)
            fl_exec_guarded(ex, fn, arg);
        else
            fn(ex, arg);
        _exit(0); /* only reached if the fault was swallowed */
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return status;
}

static void assert_crashed(int status) {
    if (FL_MEMORY_GUARDED)
        cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "status %#x", status);
    else /* a sanitizer build reports it and exits non-zero */
        cr_assert(!(WIFEXITED(status) && WEXITSTATUS(status) == 0), "status %#x", status);
}

/* A fault outside every linear memory is a real crash and must stay one,
 * and so is a fault inside one when no guest code is running. */
Test(runtime, real_crash_is_not_swallowed) {
    fl_store *s = fl_store_new(NULL);
    fl_memory *m = fl_memory_new(s, (fl_limits){.min = 1});
    fl_exec *ex = fl_exec_new(0);
    touch t = {.mem = m, .offset = m->size};
    if (FL_MEMORY_GUARDED) /* installs the handler in this process first */
        cr_assert_eq(fl_exec_guarded(ex, touch_memory, &t), FL_TRAP_MEMORY_OOB);
    assert_crashed(crash_status(null_deref, NULL, true));
    if (FL_MEMORY_GUARDED)
        assert_crashed(crash_status(touch_memory, &t, false));
    fl_exec_free(ex);
    fl_store_free(s);
}

/* ---- tables and globals ---- */

Test(runtime, table_grow_and_limits) {
    fl_store_limits lim = {.max_table_elems = 100};
    fl_store *s = fl_store_new(&lim);
    int marker;
    fl_tabletype tt = {.elemtype = FL_FUNCREF, .limits = {.min = 2, .max = 10, .has_max = true}};
    fl_table *t = fl_table_new(s, tt, &marker);
    cr_assert_not_null(t);
    cr_assert_eq(t->size, 2);
    cr_assert_eq(t->elems[0], &marker);
    cr_assert_eq(t->elems[1], &marker);
    cr_assert_eq(fl_table_grow(t, 3, NULL), 2);
    cr_assert_eq(t->size, 5);
    cr_assert_null(t->elems[4]);
    cr_assert_eq(t->elems[1], &marker, "old entries survive a move");
    cr_assert_eq(fl_table_grow(t, 6, NULL), -1);
    cr_assert_eq(t->size, 5);
    cr_assert_eq(fl_table_grow(t, 5, &marker), 5);
    cr_assert_eq(t->elems[9], &marker);
    cr_assert_eq(fl_table_grow(t, 1, NULL), -1);
    cr_assert_eq(fl_table_grow(t, 0, NULL), 10);

    fl_tabletype open = {.elemtype = FL_EXTERNREF, .limits = {.min = 0}};
    fl_table *u = fl_table_new(s, open, NULL);
    cr_assert_eq(fl_table_grow(u, 100, NULL), 0);
    cr_assert_eq(fl_table_grow(u, 1, NULL), -1, "the store's cap");
    fl_tabletype big = {.elemtype = FL_FUNCREF, .limits = {.min = 101}};
    cr_assert_null(fl_table_new(s, big, NULL));
    fl_store_free(s);
}

Test(runtime, globals) {
    fl_store *s = fl_store_new(NULL);
    fl_global *g = fl_global_new(s, (fl_globaltype){FL_I64, true}, (fl_value){.i64 = 1ull << 40});
    cr_assert_eq(g->value.i64, 1ull << 40);
    cr_assert_eq(g->type.valtype, FL_I64);
    cr_assert(g->type.mutable_);
    fl_store_free(s);
}

/* ---- function types ---- */

static uint8_t v_i32[] = {FL_I32, FL_I32}, v_i64[] = {FL_I64}, v_f32[] = {FL_F32};

Test(runtime, type_interning) {
    uint8_t a_params[] = {FL_I32, FL_I32}, a_res[] = {FL_I64};
    fl_functype a = {2, 1, a_params, a_res, 2, 1};
    fl_functype b = {2, 1, v_i32, v_i64, 2, 1};     /* equal to a, other storage */
    fl_functype c = {1, 2, v_i32, v_i32, 1, 2};     /* i32 -> i32 i32 */
    fl_functype d = {2, 0, v_i32, NULL, 2, 0};      /* i32 i32 -> */
    fl_functype e = {0, 2, NULL, v_i32, 0, 2};      /* -> i32 i32 */
    fl_functype f = {1, 1, v_f32, v_i64, 1, 1};
    uint32_t ia = fl_type_intern(&a);
    cr_assert_neq(ia, 0);
    cr_assert_eq(fl_type_intern(&b), ia);
    uint32_t ids[] = {ia, fl_type_intern(&c), fl_type_intern(&d), fl_type_intern(&e),
                      fl_type_intern(&f)};
    for (int i = 0; i < 5; i++)
        for (int j = i + 1; j < 5; j++)
            cr_assert_neq(ids[i], ids[j], "types %d and %d", i, j);
    cr_assert_eq(fl_type_intern(&d), ids[2]);
}

/* Threads interning the same fresh types at once all get the same ids. */
static void *intern_many(void *arg) {
    uint32_t *ids = arg;
    for (uint8_t n = 0; n < 64; n++) {
        uint8_t params[64];
        memset(params, FL_F64, sizeof params);
        fl_functype t = {n, 1, params, v_f32, n, 1};
        ids[n] = fl_type_intern(&t);
    }
    return NULL;
}

Test(runtime, type_interning_threads) {
    uint32_t ids[4][64];
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, intern_many, ids[i]);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int n = 0; n < 64; n++) {
        for (int i = 1; i < 4; i++)
            cr_assert_eq(ids[i][n], ids[0][n]);
        if (n)
            cr_assert_neq(ids[0][n], ids[0][n - 1]);
    }
}

/* ---- linker and instantiation with hand-built modules ---- */

static fl_trap host_add(fl_host_call *call, fl_value *v) {
    v[0].i32 = v[0].i32 + v[1].i32 + (uint32_t)(uintptr_t)call->data;
    return FL_TRAP_NONE;
}

static fl_trap host_fail(fl_host_call *call, fl_value *v) {
    (void)v;
    return fl_exec_set_detail(call->exec, "failed on purpose");
}

static const fl_host_def host_defs[] = {
    {"env", "add", "ii:i", host_add, (void *)100},
    {"env", "fail", ":", host_fail, NULL},
};

Test(linker, host_functions) {
    fl_store *s = fl_store_new(NULL);
    fl_linker *l = fl_linker_new(s);
    cr_assert_eq(fl_linker_define_host(l, host_defs, 2), 0);
    static const fl_host_def bad[] = {
        {"env", "x", "ii", host_add, NULL},
        {"env", "y", "iq:i", host_add, NULL},
        {"env", "z", "i:i:i", host_add, NULL},
    };
    for (int i = 0; i < 3; i++)
        cr_assert_eq(fl_linker_define_host(l, &bad[i], 1), -1, "signature %s", bad[i].signature);

    /* a module that imports both and exports the first again */
    fl_functype types[] = {{2, 1, v_i32, v_i32, 2, 1}, {0, 0, NULL, NULL, 0, 0}};
    fl_import imps[] = {
        {.module = "env", .name = "add", .kind = FL_EXTERN_FUNC, .desc.func_type = 0},
        {.module = "env", .name = "fail", .kind = FL_EXTERN_FUNC, .desc.func_type = 1},
    };
    fl_export exps[] = {{.name = "sum", .kind = FL_EXTERN_FUNC, .index = 0}};
    fl_module m = {.ntypes = 2, .types = types, .nimports = 2, .imports = imps,
                   .nimported_funcs = 2, .nexports = 1, .exports = exps};
    fl_error err = {0};
    fl_instance *inst;
    fl_exec *ex = fl_exec_new(0);
    cr_assert_eq(fl_instantiate(s, &m, l, ex, &inst, &err), FL_INST_OK, "%s", err.message);
    fl_funcinst *sum = fl_instance_func(inst, "sum");
    cr_assert_not_null(sum);
    cr_assert_str_eq(sum->name, "env.add");
    cr_assert_eq(sum->type->nparams, 2);
    cr_assert_eq(sum->type_id, fl_type_intern(&types[0]));
    fl_value v[2] = {{.i32 = 1}, {.i32 = 2}};
    cr_assert_eq(fl_invoke(ex, sum, v, 2, v, 1), FL_TRAP_NONE);
    cr_assert_eq(v[0].i32, 103);
    cr_assert_null(fl_instance_func(inst, "nope"));

    /* the failing one as a start function: instantiation traps with its words */
    m.has_start = true;
    m.start = 1;
    cr_assert_eq(fl_instantiate(s, &m, l, ex, &inst, &err), FL_INST_TRAP);
    cr_assert_str_eq(err.message, "host error: failed on purpose");
    cr_assert_null(inst);
    fl_exec_free(ex);
    fl_linker_free(l);
    fl_store_free(s);
}

/* One import of each kind, matched against what the linker holds. */
typedef struct link_case {
    fl_import imp;
    const char *expect; /* NULL: links */
} link_case;

Test(linker, import_errors) {
    fl_store *s = fl_store_new(NULL);
    fl_linker *l = fl_linker_new(s);
    cr_assert_eq(fl_linker_define_host(l, host_defs, 1), 0);
    fl_extern ext;
    ext = (fl_extern){.kind = FL_EXTERN_MEMORY,
                      .as.memory = fl_memory_new(s, (fl_limits){.min = 1, .max = 2, .has_max = true})};
    fl_linker_define(l, "spectest", "memory", ext);
    fl_tabletype tt = {.elemtype = FL_FUNCREF, .limits = {.min = 10, .max = 20, .has_max = true}};
    ext = (fl_extern){.kind = FL_EXTERN_TABLE, .as.table = fl_table_new(s, tt, NULL)};
    fl_linker_define(l, "spectest", "table", ext);
    ext = (fl_extern){.kind = FL_EXTERN_GLOBAL,
                      .as.global = fl_global_new(s, (fl_globaltype){FL_I32, false}, (fl_value){.i32 = 666})};
    fl_linker_define(l, "spectest", "global_i32", ext);

    fl_functype types[] = {{2, 1, v_i32, v_i32, 2, 1}, {1, 1, v_i32, v_i32, 1, 1}};
    const char *unknown = "unknown import", *incompatible = "incompatible import type";
    link_case cases[] = {
        {{.module = "env", .name = "add", .kind = FL_EXTERN_FUNC, .desc.func_type = 0}, NULL},
        {{.module = "env", .name = "add", .kind = FL_EXTERN_FUNC, .desc.func_type = 1}, incompatible},
        {{.module = "env", .name = "sub", .kind = FL_EXTERN_FUNC, .desc.func_type = 0}, unknown},
        {{.module = "nope", .name = "add", .kind = FL_EXTERN_FUNC, .desc.func_type = 0}, unknown},
        {{.module = "env", .name = "add", .kind = FL_EXTERN_GLOBAL, .desc.global = {FL_I32, false}}, incompatible},
        {{.module = "spectest", .name = "memory", .kind = FL_EXTERN_MEMORY, .desc.memory = {1, 2, true}}, NULL},
        {{.module = "spectest", .name = "memory", .kind = FL_EXTERN_MEMORY, .desc.memory = {0, 0, false}}, NULL},
        {{.module = "spectest", .name = "memory", .kind = FL_EXTERN_MEMORY, .desc.memory = {1, 3, true}}, NULL},
        {{.module = "spectest", .name = "memory", .kind = FL_EXTERN_MEMORY, .desc.memory = {2, 0, false}}, incompatible},
        {{.module = "spectest", .name = "memory", .kind = FL_EXTERN_MEMORY, .desc.memory = {1, 1, true}}, incompatible},
        {{.module = "spectest", .name = "memory", .kind = FL_EXTERN_TABLE, .desc.table = tt}, incompatible},
        {{.module = "spectest", .name = "table", .kind = FL_EXTERN_TABLE, .desc.table = tt}, NULL},
        {{.module = "spectest", .name = "table", .kind = FL_EXTERN_TABLE,
          .desc.table = {FL_EXTERNREF, {10, 20, true}}}, incompatible},
        {{.module = "spectest", .name = "table", .kind = FL_EXTERN_TABLE,
          .desc.table = {FL_FUNCREF, {11, 0, false}}}, incompatible},
        {{.module = "spectest", .name = "table", .kind = FL_EXTERN_TABLE,
          .desc.table = {FL_FUNCREF, {5, 19, true}}}, incompatible},
        {{.module = "spectest", .name = "global_i32", .kind = FL_EXTERN_GLOBAL, .desc.global = {FL_I32, false}}, NULL},
        {{.module = "spectest", .name = "global_i32", .kind = FL_EXTERN_GLOBAL, .desc.global = {FL_I32, true}}, incompatible},
        {{.module = "spectest", .name = "global_i32", .kind = FL_EXTERN_GLOBAL, .desc.global = {FL_I64, false}}, incompatible},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fl_import imp = cases[i].imp;
        fl_module m = {.ntypes = 2, .types = types, .nimports = 1, .imports = &imp};
        switch (imp.kind) {
        case FL_EXTERN_FUNC: m.nimported_funcs = 1; break;
        case FL_EXTERN_TABLE: m.nimported_tables = 1; break;
        case FL_EXTERN_MEMORY: m.nimported_memories = 1; break;
        default: m.nimported_globals = 1; break;
        }
        fl_error err = {0};
        fl_instance *inst;
        fl_inst_status st = fl_instantiate(s, &m, l, NULL, &inst, &err);
        if (cases[i].expect) {
            cr_assert_eq(st, FL_INST_LINK_ERROR, "case %zu", i);
            cr_assert_str_eq(err.message, cases[i].expect, "case %zu", i);
            cr_assert_null(inst);
        } else {
            cr_assert_eq(st, FL_INST_OK, "case %zu: %s", i, err.message);
        }
    }
    fl_linker_free(l);
    fl_store_free(s);
}

/* A module with a memory, a table, globals and segments:
 *   (import "spectest" "global_i32" (global i32))     ;; 8
 *   (memory (export "mem") 1)  (table (export "tab") 3 funcref)
 *   (global (export "g") i32 (global.get 0))  (global i64 (i64.const -2))
 *   (elem (i32.const 1) func 0)   (data (global.get 0) "hi")  (data (i32.const 0) "A")
 *   (func (export "f")) */
static uint8_t c_get0[] = {0x23, 0x00, 0x0b};
static uint8_t c_i64[] = {0x42, 0x7e, 0x0b};
static uint8_t c_one[] = {0x41, 0x01, 0x0b};
static uint8_t c_zero[] = {0x41, 0x00, 0x0b};
static uint8_t c_ref0[] = {0xd2, 0x00, 0x0b};
static uint8_t c_big[] = {0x41, 0xff, 0xff, 0x03, 0x0b}; /* i32.const 65535 */
#define EXPR(a) {a, sizeof a, 0}

typedef struct demo {
    fl_functype types[1];
    fl_import imps[1];
    fl_func funcs[1];
    fl_tabletype tables[1];
    fl_limits mems[1];
    fl_global_def globals[2];
    fl_export exps[4];
    fl_expr items[1];
    fl_elem elems[2];
    fl_data datas[3];
    fl_module m;
} demo;

static void demo_init(demo *d) {
    memset(d, 0, sizeof *d);
    d->types[0] = (fl_functype){0, 0, NULL, NULL, 0, 0};
    d->imps[0] = (fl_import){.module = "spectest", .name = "global_i32", .kind = FL_EXTERN_GLOBAL, .desc.global = {FL_I32, false}};
    d->funcs[0] = (fl_func){.type_index = 0};
    d->tables[0] = (fl_tabletype){FL_FUNCREF, {3, 0, false}};
    d->mems[0] = (fl_limits){1, 0, false};
    d->globals[0] = (fl_global_def){{FL_I32, false}, EXPR(c_get0)};
    d->globals[1] = (fl_global_def){{FL_I64, true}, EXPR(c_i64)};
    d->exps[0] = (fl_export){.name = "mem", .kind = FL_EXTERN_MEMORY, .index = 0};
    d->exps[1] = (fl_export){.name = "tab", .kind = FL_EXTERN_TABLE, .index = 0};
    d->exps[2] = (fl_export){.name = "g", .kind = FL_EXTERN_GLOBAL, .index = 1};
    d->exps[3] = (fl_export){.name = "f", .kind = FL_EXTERN_FUNC, .index = 0};
    d->items[0] = (fl_expr)EXPR(c_ref0);
    d->elems[0] = (fl_elem){.mode = FL_SEGMENT_ACTIVE, .elemtype = FL_FUNCREF, .table_index = 0,
                            .offset = EXPR(c_one), .nitems = 1, .items = d->items};
    d->elems[1] = (fl_elem){.mode = FL_SEGMENT_DECLARATIVE, .elemtype = FL_FUNCREF,
                            .nitems = 1, .items = d->items};
    d->datas[0] = (fl_data){.mode = FL_SEGMENT_ACTIVE, .memory_index = 0, .offset = EXPR(c_get0), .bytes = (const uint8_t *)"hi", .len = 2};
    d->datas[1] = (fl_data){.mode = FL_SEGMENT_ACTIVE, .memory_index = 0, .offset = EXPR(c_zero), .bytes = (const uint8_t *)"A", .len = 1};
    d->datas[2] = (fl_data){.mode = FL_SEGMENT_PASSIVE, .memory_index = 0, .offset = {0}, .bytes = (const uint8_t *)"zz", .len = 2};
    d->m = (fl_module){.ntypes = 1, .types = d->types, .nimports = 1, .imports = d->imps,
                       .nimported_globals = 1, .nfuncs = 1, .funcs = d->funcs,
                       .ntables = 1, .tables = d->tables, .nmemories = 1, .memories = d->mems,
                       .nglobals = 2, .globals = d->globals, .nexports = 4, .exports = d->exps,
                       .nelems = 2, .elems = d->elems, .ndatas = 3, .datas = d->datas};
}

static fl_linker *spectest_linker(fl_store *s) {
    fl_linker *l = fl_linker_new(s);
    fl_extern ext = {.kind = FL_EXTERN_GLOBAL,
                     .as.global = fl_global_new(s, (fl_globaltype){FL_I32, false}, (fl_value){.i32 = 8})};
    fl_linker_define(l, "spectest", "global_i32", ext);
    return l;
}

Test(instantiate, segments_globals_exports) {
    fl_store *s = fl_store_new(NULL);
    fl_linker *l = spectest_linker(s);
    demo d;
    demo_init(&d);
    fl_error err = {0};
    fl_instance *inst;
    cr_assert_eq(fl_instantiate(s, &d.m, l, NULL, &inst, &err), FL_INST_OK, "%s", err.message);

    fl_extern e;
    cr_assert(fl_instance_export(inst, "mem", &e));
    cr_assert_eq(e.kind, FL_EXTERN_MEMORY);
    cr_assert_eq(e.as.memory->base[0], 'A');
    cr_assert_eq(memcmp(e.as.memory->base + 8, "hi", 2), 0);
    cr_assert_eq(e.as.memory->base[10], 0);
    cr_assert(fl_instance_export(inst, "g", &e));
    cr_assert_eq(e.as.global->value.i32, 8);
    cr_assert_eq((int64_t)inst->globals[2]->value.i64, -2);
    cr_assert(inst->globals[2]->type.mutable_);

    fl_funcinst *f = fl_instance_func(inst, "f");
    cr_assert_eq(f, &inst->defined[0]);
    cr_assert_eq(f->instance, inst);
    cr_assert_eq(f->type_id, fl_type_intern(&d.types[0]));
    cr_assert(fl_instance_export(inst, "tab", &e));
    cr_assert_eq(e.as.table->size, 3);
    cr_assert_null(e.as.table->elems[0]);
    cr_assert_eq(e.as.table->elems[1], f);
    cr_assert_null(e.as.table->elems[2]);

    cr_assert(inst->elem_dropped[0] && inst->elem_dropped[1]);
    cr_assert(inst->data_dropped[0] && inst->data_dropped[1]);
    cr_assert(!inst->data_dropped[2], "passive segments stay");

    /* spec `register`, then a second module imports the first's memory */
    cr_assert_eq(fl_linker_define_instance(l, "M", inst), 0);
    fl_import imp = {.module = "M", .name = "mem", .kind = FL_EXTERN_MEMORY, .desc.memory = {1, 0, false}};
    fl_module m2 = {.nimports = 1, .imports = &imp, .nimported_memories = 1};
    fl_instance *i2;
    cr_assert_eq(fl_instantiate(s, &m2, l, NULL, &i2, &err), FL_INST_OK);
    cr_assert_eq(i2->memories[0], inst->memories[0]);
    fl_linker_free(l);
    fl_store_free(s);
}

Test(instantiate, trapping_segment_keeps_earlier_writes) {
    fl_store *s = fl_store_new(NULL);
    fl_linker *l = spectest_linker(s);
    demo d;
    demo_init(&d);
    fl_error err = {0};
    fl_instance *inst;
    cr_assert_eq(fl_instantiate(s, &d.m, l, NULL, &inst, &err), FL_INST_OK, "%s", err.message);
    cr_assert_eq(fl_linker_define_instance(l, "M", inst), 0);
    fl_memory *mem = inst->memories[0];
    fl_table *tab = inst->tables[0];

    /* (import "M" "mem" (memory 1)) (import "M" "tab" (table 1 funcref)) (func)
     * (elem (i32.const 0) func 0) (elem (i32.const 65535) func 0)
     * (data (i32.const 1) "xy") (data (i32.const 65535) "AB") */
    fl_functype types[] = {{0, 0, NULL, NULL, 0, 0}};
    fl_import imps[] = {
        {.module = "M", .name = "mem", .kind = FL_EXTERN_MEMORY, .desc.memory = {1, 0, false}},
        {.module = "M", .name = "tab", .kind = FL_EXTERN_TABLE, .desc.table = {FL_FUNCREF, {1, 0, false}}},
    };
    fl_func funcs[] = {{.type_index = 0}};
    fl_expr items[] = {EXPR(c_ref0)};
    fl_elem elems[] = {
        {.mode = FL_SEGMENT_ACTIVE, .elemtype = FL_FUNCREF, .offset = EXPR(c_zero), .nitems = 1, .items = items},
        {.mode = FL_SEGMENT_ACTIVE, .elemtype = FL_FUNCREF, .offset = EXPR(c_big), .nitems = 1, .items = items},
    };
    fl_data datas[] = {
        {.mode = FL_SEGMENT_ACTIVE, .memory_index = 0, .offset = EXPR(c_one), .bytes = (const uint8_t *)"xy", .len = 2},
        {.mode = FL_SEGMENT_ACTIVE, .memory_index = 0, .offset = EXPR(c_big), .bytes = (const uint8_t *)"AB", .len = 2},
    };
    fl_module m = {.ntypes = 1, .types = types, .nimports = 2, .imports = imps,
                   .nimported_memories = 1, .nimported_tables = 1, .nfuncs = 1, .funcs = funcs,
                   .nelems = 2, .elems = elems, .ndatas = 2, .datas = datas};

    /* the second elem segment traps, after the first wrote; no data written */
    cr_assert_eq(fl_instantiate(s, &m, l, NULL, &inst, &err), FL_INST_TRAP);
    cr_assert_str_eq(err.message, "out of bounds table access");
    cr_assert_null(inst);
    fl_funcinst *f = tab->elems[0];
    cr_assert_not_null(f, "the first segment's write stays");
    cr_assert_eq(f->def_index, 0);
    cr_assert_eq(f->instance->module, &m, "and its function lives on in the store");
    cr_assert_eq(mem->base[1], 0);

    /* the second data segment traps after the first wrote */
    m.nelems = 1;
    cr_assert_eq(fl_instantiate(s, &m, l, NULL, &inst, &err), FL_INST_TRAP);
    cr_assert_str_eq(err.message, "out of bounds memory access");
    cr_assert_eq(memcmp(mem->base + 1, "xy", 2), 0);
    cr_assert_eq(mem->base[65535], 0, "a trapping segment writes nothing");

    /* an exact fit at the end is fine */
    datas[1].len = 1;
    cr_assert_eq(fl_instantiate(s, &m, l, NULL, &inst, &err), FL_INST_OK, "%s", err.message);
    cr_assert_eq(mem->base[65535], 'A');
    fl_linker_free(l);
    fl_store_free(s);
}

Test(instantiate, memory_over_store_cap) {
    fl_store_limits lim = {.max_memory_pages = 1};
    fl_store *s = fl_store_new(&lim);
    fl_linker *l = spectest_linker(s);
    demo d;
    demo_init(&d);
    d.mems[0].min = 2;
    fl_error err = {0};
    fl_instance *inst;
    cr_assert_eq(fl_instantiate(s, &d.m, l, NULL, &inst, &err), FL_INST_NO_MEMORY);
    fl_linker_free(l);
    fl_store_free(s);
}

/* ---- end to end: a real module through the decoder and interpreter ----
 * Source: tests/unit/wat/runtime_e2e.wat */
#include "runtime_e2e.wasm.h"

/* env.twice(x): 2x plus, reentrantly, load(x) of the calling module */
static fl_trap host_twice(fl_host_call *call, fl_value *v) {
    fl_funcinst *load = *(fl_funcinst **)call->data;
    fl_value arg = {.i32 = v[0].i32};
    fl_trap trap = fl_invoke(call->exec, load, &arg, 1, &arg, 1);
    if (trap != FL_TRAP_NONE)
        return trap;
    v[0].i32 = 2 * v[0].i32 + arg.i32;
    return FL_TRAP_NONE;
}

static uint32_t call1(fl_exec *ex, fl_funcinst *f, uint32_t x, fl_trap *trap) {
    fl_value v = {.i32 = x};
    *trap = fl_invoke(ex, f, &v, 1, &v, 1);
    return v.i32;
}

Test(instantiate, end_to_end) {
    fl_error err = {0};
    fl_module *m = fl_module_load(runtime_e2e_wasm, sizeof runtime_e2e_wasm, &err);
    cr_assert_not_null(m, "%s", err.message);
    fl_store *s = fl_store_new(NULL);
    fl_linker *l = fl_linker_new(s);
    fl_funcinst *load = NULL;
    fl_host_def twice = {"env", "twice", "i:i", host_twice, &load};
    cr_assert_eq(fl_linker_define_host(l, &twice, 1), 0);
    fl_exec *ex = fl_exec_new(0);
    fl_instance *inst;
    cr_assert_eq(fl_instantiate(s, m, l, ex, &inst, &err), FL_INST_OK, "%s", err.message);
    load = fl_instance_func(inst, "load");
    cr_assert_not_null(load);
    cr_assert_eq(inst->tables[0]->elems[0], load);
    cr_assert_eq(inst->memories[0]->base[16], 0x2a);
    cr_assert_eq(inst->globals[0]->value.i32, 7);

    fl_trap trap;
    cr_assert_eq(call1(ex, load, 16, &trap), 0x2a);
    cr_assert_eq(trap, FL_TRAP_NONE);
    cr_assert_eq(call1(ex, load, 65535, &trap), 0);
    cr_assert_eq(trap, FL_TRAP_NONE);
    for (int i = 0; i < 2; i++) {
        call1(ex, load, 65536, &trap);
        cr_assert_eq(trap, FL_TRAP_MEMORY_OOB);
        call1(ex, load, 0xffffffffu, &trap);
        cr_assert_eq(trap, FL_TRAP_MEMORY_OOB);
    }
    fl_funcinst *grow = fl_instance_func(inst, "grow");
    cr_assert_eq(call1(ex, grow, 1, &trap), 1);
    cr_assert_eq(call1(ex, load, 65536, &trap), 0);
    cr_assert_eq(trap, FL_TRAP_NONE, "grown memory is accessible");
    cr_assert_eq(call1(ex, grow, 1, &trap), 0xffffffffu, "past the maximum: -1");

    /* wasm -> host -> wasm, and a trap in the inner call coming back out */
    fl_funcinst *call_host = fl_instance_func(inst, "call_host");
    cr_assert_eq(call1(ex, call_host, 16, &trap), 2 * 16 + 0x2a);
    cr_assert_eq(trap, FL_TRAP_NONE);
    call1(ex, call_host, 3 * 65536, &trap);
    cr_assert_eq(trap, FL_TRAP_MEMORY_OOB);
    cr_assert_eq(ex->depth, 0);
    cr_assert_eq(ex->stack_used, 0);
    cr_assert_null(ex->fault_jmp);
    cr_assert_eq(call1(ex, load, 16, &trap), 0x2a, "the exec still works");

    fl_exec_free(ex);
    fl_linker_free(l);
    fl_store_free(s);
    fl_module_free(m);
}

/* ---- the calling contract: fl_invoke's arrays must fit the type ----
 * Source: tests/unit/wat/runtime_sig.wat */
#include "runtime_sig.wasm.h"

#define CANARY 0x5a5a5a5a5a5a5a5aull

static void fill_canaries(fl_value *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        v[i].i64 = CANARY;
}

static void assert_canaries(const fl_value *v, size_t from, size_t n) {
    for (size_t i = from; i < n; i++)
        cr_assert_eq(v[i].i64, CANARY, "slot %zu was written", i);
}

Test(invoke, wasm_function_refused_unless_counts_match_its_type) {
    fl_error err = {0};
    fl_module *m = fl_module_load(runtime_sig_wasm, sizeof runtime_sig_wasm, &err);
    cr_assert_not_null(m, "%s", err.message);
    fl_store *s = fl_store_new(NULL);
    fl_exec *ex = fl_exec_new(0);
    fl_instance *inst;
    cr_assert_eq(fl_instantiate(s, m, NULL, ex, &inst, &err), FL_INST_OK, "%s", err.message);
    fl_funcinst *many = fl_instance_func(inst, "many");
    fl_funcinst *fourth = fl_instance_func(inst, "fourth");
    fl_funcinst *none = fl_instance_func(inst, "none");
    fl_value v[16];

    /* results: one slot offered for eight, or nine: nothing runs or is written */
    for (size_t n = 0; n < 16; n++) {
        if (n == 8)
            continue;
        fill_canaries(v, 16);
        cr_assert_eq(fl_invoke(ex, many, NULL, 0, v, n), FL_TRAP_SIGNATURE, "%zu results", n);
        assert_canaries(v, 0, 16);
    }
    cr_assert_str_eq(fl_trap_message(FL_TRAP_SIGNATURE), "call signature mismatch");
    fl_invoke(ex, many, NULL, 0, v, 1);
    cr_assert_str_eq(ex->trap_detail, "many has type [] -> [i64 x 8]; called with 0 arguments "
                                      "and room for 1 result");
    fill_canaries(v, 16);
    cr_assert_eq(fl_invoke(ex, many, NULL, 0, v, 8), FL_TRAP_NONE);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(v[i].i64, (uint64_t)i + 1);
    assert_canaries(v, 8, 16);
    cr_assert_eq(fl_invoke(ex, many, v, 1, v, 8), FL_TRAP_SIGNATURE, "an argument too many");

    /* arguments: fewer than four would read past the array, more are refused too */
    fl_value args[4] = {{.i64 = 10}, {.i64 = 20}, {.i64 = 30}, {.i64 = 40}}, res[1];
    for (size_t n = 0; n < 8; n++) {
        if (n == 4)
            continue;
        fill_canaries(res, 1);
        cr_assert_eq(fl_invoke(ex, fourth, args, n, res, 1), FL_TRAP_SIGNATURE, "%zu args", n);
        assert_canaries(res, 0, 1);
    }
    fl_invoke(ex, fourth, args, 3, res, 1);
    cr_assert_str_eq(ex->trap_detail, "fourth has type [i64 x 4] -> [i64]; called with "
                                      "3 arguments and room for 1 result");
    cr_assert_eq(fl_invoke(ex, fourth, args, 4, res, 0), FL_TRAP_SIGNATURE);
    cr_assert_eq(fl_invoke(ex, fourth, NULL, 4, res, 1), FL_TRAP_SIGNATURE, "NULL arguments");
    cr_assert_eq(fl_invoke(ex, fourth, args, 4, NULL, 1), FL_TRAP_SIGNATURE, "NULL results");

    /* separate arrays: the arguments stay as they were */
    cr_assert_eq(fl_invoke(ex, fourth, args, 4, res, 1), FL_TRAP_NONE);
    cr_assert_eq(res[0].i64, 40);
    cr_assert_eq(args[0].i64, 10);
    /* one array for both */
    fl_value both[4] = {{.i64 = 1}, {.i64 = 2}, {.i64 = 3}, {.i64 = 4}};
    cr_assert_eq(fl_invoke(ex, fourth, both, 4, both, 1), FL_TRAP_NONE);
    cr_assert_eq(both[0].i64, 4);

    cr_assert_eq(fl_invoke(ex, none, NULL, 0, NULL, 0), FL_TRAP_NONE);
    cr_assert_eq(fl_invoke(ex, none, NULL, 0, v, 1), FL_TRAP_SIGNATURE);
    cr_assert_eq(ex->depth, 0);
    cr_assert_eq(ex->stack_used, 0);
    fl_exec_free(ex);
    fl_store_free(s);
    fl_module_free(m);
}

static int host_calls;

static fl_trap host_three(fl_host_call *call, fl_value *v) {
    (void)call;
    host_calls++;
    v[0].i64 = v[0].i32 + 1; /* i32 -> I I I */
    v[1].i64 = 2;
    v[2].i64 = 3;
    return FL_TRAP_NONE;
}

static fl_trap host_none(fl_host_call *call, fl_value *v) {
    (void)call;
    host_calls++;
    return v ? FL_TRAP_NONE : FL_TRAP_UNREACHABLE; /* handlers may always write v[0] */
}

Test(invoke, a_host_function_never_gets_a_null_array) {
    fl_store *s = fl_store_new(NULL);
    fl_linker *l = fl_linker_new(s);
    static const fl_host_def defs[] = {{"env", "none", ":", host_none, NULL}};
    cr_assert_eq(fl_linker_define_host(l, defs, 1), 0);
    fl_functype types[] = {{0, 0, NULL, NULL, 0, 0}};
    fl_import imps[] = {{.module = "env", .name = "none", .kind = FL_EXTERN_FUNC}};
    fl_export exps[] = {{.name = "none", .kind = FL_EXTERN_FUNC, .index = 0}};
    fl_module m = {.ntypes = 1, .types = types, .nimports = 1, .imports = imps,
                   .nimported_funcs = 1, .nexports = 1, .exports = exps};
    fl_error err = {0};
    fl_instance *inst;
    fl_exec *ex = fl_exec_new(0);
    cr_assert_eq(fl_instantiate(s, &m, l, ex, &inst, &err), FL_INST_OK, "%s", err.message);
    host_calls = 0;
    cr_assert_eq(fl_invoke(ex, fl_instance_func(inst, "none"), NULL, 0, NULL, 0), FL_TRAP_NONE);
    cr_assert_eq(host_calls, 1);
    fl_exec_free(ex);
    fl_linker_free(l);
    fl_store_free(s);
}

Test(invoke, host_function_refused_unless_counts_match_its_type) {
    fl_store *s = fl_store_new(NULL);
    fl_linker *l = fl_linker_new(s);
    static const fl_host_def defs[] = {{"env", "three", "i:III", host_three, NULL}};
    cr_assert_eq(fl_linker_define_host(l, defs, 1), 0);
    uint8_t p[] = {FL_I32}, r[] = {FL_I64, FL_I64, FL_I64};
    fl_functype types[] = {{1, 3, p, r, 1, 3}};
    fl_import imps[] = {{.module = "env", .name = "three", .kind = FL_EXTERN_FUNC}};
    fl_export exps[] = {{.name = "three", .kind = FL_EXTERN_FUNC, .index = 0}};
    fl_module m = {.ntypes = 1, .types = types, .nimports = 1, .imports = imps,
                   .nimported_funcs = 1, .nexports = 1, .exports = exps};
    fl_error err = {0};
    fl_instance *inst;
    fl_exec *ex = fl_exec_new(0);
    cr_assert_eq(fl_instantiate(s, &m, l, ex, &inst, &err), FL_INST_OK, "%s", err.message);
    fl_funcinst *f = fl_instance_func(inst, "three");

    fl_value arg = {.i32 = 41}, res[8];
    host_calls = 0;
    for (size_t n = 0; n < 8; n++) {
        if (n == 3)
            continue;
        fill_canaries(res, 8);
        cr_assert_eq(fl_invoke(ex, f, &arg, 1, res, n), FL_TRAP_SIGNATURE, "%zu results", n);
        assert_canaries(res, 0, 8);
    }
    cr_assert_eq(fl_invoke(ex, f, NULL, 0, res, 3), FL_TRAP_SIGNATURE);
    cr_assert_eq(fl_invoke(ex, f, res, 2, res, 3), FL_TRAP_SIGNATURE);
    cr_assert_str_eq(ex->trap_detail, "env.three has type [i32] -> [i64 x 3]; called with "
                                      "2 arguments and room for 3 results");
    cr_assert_eq(host_calls, 0, "the handler never ran");

    /* a one-slot argument and a three-slot result array: the handler gets room for both */
    fill_canaries(res, 8);
    cr_assert_eq(fl_invoke(ex, f, &arg, 1, res, 3), FL_TRAP_NONE);
    cr_assert_eq(res[0].i64, 42);
    cr_assert_eq(res[1].i64, 2);
    cr_assert_eq(res[2].i64, 3);
    assert_canaries(res, 3, 8);
    cr_assert_eq(arg.i32, 41, "the argument array is not written");
    cr_assert_eq(host_calls, 1);
    fl_exec_free(ex);
    fl_linker_free(l);
    fl_store_free(s);
}

Test(invoke, types_as_text) {
    uint8_t i32s[] = {FL_I32, FL_I32}, mixed[] = {FL_I64, FL_I64, FL_I64, FL_F32, FL_EXTERNREF};
    fl_functype none = {0, 0, NULL, NULL, 0, 0}, two = {2, 1, i32s, mixed, 2, 1}, runs = {5, 2, mixed, i32s, 5, 2};
    char buf[96];
    cr_assert_str_eq(fl_functype_text(&none, buf, sizeof buf), "[] -> []");
    cr_assert_str_eq(fl_functype_text(&two, buf, sizeof buf), "[i32 i32] -> [i64]");
    cr_assert_str_eq(fl_functype_text(&runs, buf, sizeof buf),
                     "[i64 x 3 f32 externref] -> [i32 i32]");
    cr_assert_str_eq(fl_functype_text(&runs, buf, 12), "[i64 x 3...");
    cr_assert(fl_functype_is(&none, ":"));
    cr_assert(fl_functype_is(&two, "ii:I"));
    cr_assert(!fl_functype_is(&two, "ii:i"));
    cr_assert(!fl_functype_is(&two, "i:I"));
    cr_assert(!fl_functype_is(&two, "iii:I"));
    cr_assert(!fl_functype_is(&two, "ii:II"));
    cr_assert(!fl_functype_is(&two, "iiI"), "no colon");
    cr_assert(!fl_functype_is(&two, "ii:I:"), "two colons");
    cr_assert(fl_functype_is(&runs, "IIIfe:ii"));

    fl_error err = {0};
    fl_module *m = fl_module_load(runtime_sig_wasm, sizeof runtime_sig_wasm, &err);
    cr_assert_not_null(m);
    cr_assert(fl_module_export_type_is(m, "fourth", "IIII:I"));
    cr_assert(!fl_module_export_type_is(m, "fourth", "III:I"));
    cr_assert(fl_module_export_type_is(m, "none", ":"));
    cr_assert(!fl_module_export_type_is(m, "absent", ":"));
    cr_assert_eq(fl_module_export_functype(m, "many")->nresults, 8);
    fl_module_free(m);
}

/* ---- host->guest re-entry is bounded by the C stack really left ----
 * Source: tests/unit/wat/runtime_again.wat
 * env.again(x) calls f(x) through fl_invoke: without end. */
#include "runtime_again.wasm.h"

typedef struct reentry {
    fl_funcinst *f;
    uint32_t deepest;   /* the largest x env.again saw */
    size_t first_left;  /* C stack left in the first two calls of env.again */
    size_t second_left;
    size_t least_left;  /* the least C stack left seen in env.again */
    fl_trap trap;       /* how the outermost call ended */
    char detail[256];
} reentry;

static fl_trap host_again(fl_host_call *call, fl_value *v) {
    reentry *r = call->data;
    size_t left = fl_cstack_left();
    if (v[0].i32 == 1)
        r->first_left = left;
    if (v[0].i32 == 2)
        r->second_left = left;
    if (left < r->least_left)
        r->least_left = left;
    if (v[0].i32 > r->deepest)
        r->deepest = v[0].i32;
    fl_value x = v[0];
    return fl_invoke(call->exec, r->f, &x, 1, v, 1);
}

/* Runs f(0) until the re-entry ends; fills *r. */
static void reenter_forever(reentry *r) {
    fl_error err = {0};
    fl_module *m = fl_module_load(runtime_again_wasm, sizeof runtime_again_wasm, &err);
    cr_assert_not_null(m, "%s", err.message);
    fl_store *s = fl_store_new(NULL);
    fl_linker *l = fl_linker_new(s);
    fl_host_def def = {"env", "again", "i:i", host_again, r};
    cr_assert_eq(fl_linker_define_host(l, &def, 1), 0);
    fl_exec *ex = fl_exec_new(0);
    ex->max_depth = UINT32_MAX; /* the wasm depth limit must not be what stops it */
    fl_instance *inst;
    cr_assert_eq(fl_instantiate(s, m, l, ex, &inst, &err), FL_INST_OK, "%s", err.message);
    r->f = fl_instance_func(inst, "f");
    r->least_left = SIZE_MAX;
    fl_value v = {.i32 = 0};
    r->trap = fl_invoke(ex, r->f, &v, 1, &v, 1);
    snprintf(r->detail, sizeof r->detail, "%s", ex->trap_detail);
    cr_assert_eq(ex->depth, 0);
    cr_assert_eq(ex->stack_used, 0);
    cr_assert_null(ex->fault_jmp);
    fl_exec_free(ex);
    fl_linker_free(l);
    fl_store_free(s);
    fl_module_free(m);
}

static void check_reentry(const reentry *r, const char *where) {
    cr_assert_eq(r->trap, FL_TRAP_STACK_EXHAUSTED, "%s: %s", where, fl_trap_message(r->trap));
    cr_assert_str_eq(r->detail, "host->guest calls nested too deeply");
    /* it went as deep as the stack allowed, and no deeper than the reserve */
    cr_assert_gt(r->deepest, 16, "%s: only %u levels", where, r->deepest);
    cr_assert_geq(r->least_left + 4096, FL_CSTACK_ENTRY_RESERVE, "%s", where);
    size_t per_level = r->first_left - r->second_left;
    cr_log_info("%s: %u levels, %zu bytes of C stack a level, %zu KiB left at the deepest",
                where, r->deepest, per_level, r->least_left >> 10);
    /* the reserve holds many levels' worth: room for a far deeper host frame */
    cr_assert_lt(per_level * 8, FL_CSTACK_ENTRY_RESERVE, "%s: %zu bytes a level", where,
                 per_level);
}

Test(reentry, ends_with_call_stack_exhausted_on_this_thread) {
    reentry r = {0};
    reenter_forever(&r);
    check_reentry(&r, "this thread");
}

static void *reenter_thread(void *arg) {
    reenter_forever(arg);
    return NULL;
}

Test(reentry, ends_with_call_stack_exhausted_on_a_512_kib_thread) {
    pthread_attr_t a;
    pthread_attr_init(&a);
    cr_assert_eq(pthread_attr_setstacksize(&a, 512 << 10), 0);
    pthread_t t;
    reentry r = {0};
    cr_assert_eq(pthread_create(&t, &a, reenter_thread, &r), 0);
    pthread_join(t, NULL);
    pthread_attr_destroy(&a);
    check_reentry(&r, "512 KiB thread");
    /* the whole stack minus the reserve was used, not a count of levels */
    cr_assert_lt(r.least_left, (size_t)(FL_CSTACK_ENTRY_RESERVE + (64 << 10)));
}

/* ---- memories and tables charged to the store's budget ---- */

Test(store_budget, memories_are_charged_refused_and_released) {
    fl_budget_limits bl = {.memory_bytes = 10 * PAGE}; /* 640 KiB */
    fl_budget *b = fl_budget_new(&bl);
    fl_store_limits lim = {.budget = b};
    fl_store *s = fl_store_new(&lim);
    fl_memory *m = fl_memory_new(s, (fl_limits){.min = 2});
    cr_assert_not_null(m);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 2 * PAGE, "charged when created");
    cr_assert_null(fl_store_limit_reached(s));
    cr_assert_eq(fl_memory_grow(m, 3), 2);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 5 * PAGE, "charged when grown");
    cr_assert_eq(fl_memory_grow(m, 6), -1, "5 + 6 pages > 10");
    cr_assert_eq(m->pages, 5);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 5 * PAGE, "nothing charged for a refusal");
    cr_assert_str_eq(fl_store_limit_reached(s),
                     "memory limit reached (640 KiB): memory.grow by 6 pages refused");
    cr_assert_eq(fl_memory_grow(m, 5), 5);
    cr_assert_eq(fl_memory_grow(m, 0), 10, "growing by nothing is free");
    /* a second store of the same call tree shares the budget */
    fl_store *s2 = fl_store_new(&lim);
    cr_assert_null(fl_memory_new(s2, (fl_limits){.min = 1}));
    cr_assert_str_eq(fl_store_limit_reached(s2),
                     "memory limit reached (640 KiB): a memory of 1 page refused");
    fl_memory *empty = fl_memory_new(s2, (fl_limits){.min = 0});
    cr_assert_not_null(empty, "a memory of no pages costs nothing");
    cr_assert_eq(fl_memory_grow(empty, 1), -1);
    fl_store_free(s);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 0, "released when the store frees it");
    cr_assert_eq(fl_memory_grow(empty, 1), 0, "the pages given back can be used again");
    fl_store_free(s2);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 0);
    cr_assert_eq(fl_budget_peak(b, FL_BUDGET_MEMORY), 10 * PAGE, "never past the limit");
    cr_assert(fl_budget_refused(b, FL_BUDGET_MEMORY));
    fl_budget_unref(b);
}

Test(store_budget, tables_are_charged_by_what_they_allocate) {
    fl_budget_limits bl = {.memory_bytes = 8192}; /* 1024 pointers */
    fl_budget *b = fl_budget_new(&bl);
    fl_store_limits lim = {.budget = b};
    fl_store *s = fl_store_new(&lim);
    fl_tabletype tt = {.elemtype = FL_FUNCREF, .limits = {.min = 100}};
    fl_table *t = fl_table_new(s, tt, NULL);
    cr_assert_not_null(t);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 100 * sizeof(void *));
    cr_assert_eq(fl_table_grow(t, 200, NULL), 100);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 300 * sizeof(void *));
    cr_assert_eq(fl_table_grow(t, 500, NULL), 300);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 800 * sizeof(void *));
    /* doubling to 1600 would not fit: exactly 950 does */
    cr_assert_eq(fl_table_grow(t, 150, NULL), 800);
    cr_assert_eq(t->capacity, 950);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 950 * sizeof(void *));
    cr_assert_null(fl_store_limit_reached(s));
    cr_assert_eq(fl_table_grow(t, 100, NULL), -1);
    cr_assert_eq(t->size, 950);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 950 * sizeof(void *));
    cr_assert_str_eq(fl_store_limit_reached(s),
                     "memory limit reached (8 KiB): table.grow by 100 elements refused");
    fl_store_free(s);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 0);
    cr_assert_leq(fl_budget_peak(b, FL_BUDGET_MEMORY), 8192);
    fl_budget_unref(b);
}

Test(store_budget, caps_record_the_fact_but_a_guests_own_maximum_does_not) {
    fl_store_limits lim = {.max_memory_pages = 4, .max_table_elems = 100};
    fl_store *s = fl_store_new(&lim);
    fl_memory *own = fl_memory_new(s, (fl_limits){.min = 1, .max = 2, .has_max = true});
    cr_assert_eq(fl_memory_grow(own, 2), -1);
    fl_tabletype small = {.elemtype = FL_FUNCREF, .limits = {.min = 1, .max = 5, .has_max = true}};
    fl_table *t = fl_table_new(s, small, NULL);
    cr_assert_eq(fl_table_grow(t, 5, NULL), -1);
    cr_assert_null(fl_store_limit_reached(s), "past the module's own maximum: not a host limit");

    fl_memory *m = fl_memory_new(s, (fl_limits){.min = 1});
    cr_assert_eq(fl_memory_grow(m, 3), 1);
    cr_assert_eq(fl_memory_grow(m, 1), -1);
    cr_assert_str_eq(fl_store_limit_reached(s),
                     "memory limit reached (256 KiB): memory.grow by 1 page refused");
    cr_assert_null(fl_memory_new(s, (fl_limits){.min = 5}));
    cr_assert_str_eq(fl_store_limit_reached(s),
                     "memory limit reached (256 KiB): a memory of 5 pages refused");
    fl_tabletype open = {.elemtype = FL_FUNCREF, .limits = {.min = 0}};
    fl_table *u = fl_table_new(s, open, NULL);
    cr_assert_eq(fl_table_grow(u, 101, NULL), -1);
    cr_assert_str_eq(fl_store_limit_reached(s),
                     "table limit reached (100 elements): table.grow by 101 elements refused");
    fl_store_free(s);

    /* wasm32's own 65536 pages are not the host's cap */
    fl_store *d = fl_store_new(NULL);
    fl_memory *big = fl_memory_new(d, (fl_limits){.min = 0});
    cr_assert_eq(fl_memory_grow(big, FL_MAX_PAGES), 0);
    cr_assert_eq(fl_memory_grow(big, 1), -1);
    cr_assert_null(fl_store_limit_reached(d));
    fl_store_free(d);
}

static long max_rss_kib(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Four tables of 10,000,000 elements (80 MB each) and one page: F11.
 * Source: tests/unit/wat/runtime_tables.wat */
#include "runtime_tables.wasm.h"

Test(store_budget, tables_past_the_budget_are_refused_before_they_are_allocated) {
    fl_budget_limits bl = {.memory_bytes = 1 << 20};
    fl_budget *b = fl_budget_new(&bl);
    fl_store_limits lim = {.max_memory_pages = 16, .budget = b};
    fl_store *s = fl_store_new(&lim);
    fl_error err = {0};
    fl_module *m = fl_module_load(runtime_tables_wasm, sizeof runtime_tables_wasm, &err);
    cr_assert_not_null(m, "%s", err.message);
    long rss0 = max_rss_kib();
    fl_instance *inst;
    cr_assert_eq(fl_instantiate(s, m, NULL, NULL, &inst, &err), FL_INST_NO_MEMORY);
    long grown = max_rss_kib() - rss0;
    cr_assert_str_eq(err.message,
                     "memory limit reached (1 MiB): a table of 10000000 elements refused");
    cr_assert_lt(grown, 16 << 10, "peak RSS grew %ld KiB for a refused 80 MB table", grown);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 0);
    cr_assert_leq(fl_budget_peak(b, FL_BUDGET_MEMORY), 1 << 20);
    fl_store_free(s);
    fl_module_free(m);
    fl_budget_unref(b);
}

/* memory.grow in guest code answers -1 when the budget refuses */
Test(store_budget, memory_grow_in_guest_code_is_charged) {
    fl_budget_limits bl = {.memory_bytes = PAGE + PAGE / 2};
    fl_budget *b = fl_budget_new(&bl);
    fl_store_limits lim = {.budget = b};
    fl_store *s = fl_store_new(&lim);
    fl_error err = {0};
    fl_module *m = fl_module_load(runtime_e2e_wasm, sizeof runtime_e2e_wasm, &err);
    cr_assert_not_null(m, "%s", err.message);
    fl_linker *l = fl_linker_new(s);
    fl_funcinst *load = NULL;
    fl_host_def twice = {"env", "twice", "i:i", host_twice, &load};
    cr_assert_eq(fl_linker_define_host(l, &twice, 1), 0);
    fl_exec *ex = fl_exec_new(0);
    fl_instance *inst;
    cr_assert_eq(fl_instantiate(s, m, l, ex, &inst, &err), FL_INST_OK, "%s", err.message);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), PAGE + 2 * sizeof(void *), "page and table");
    fl_trap trap;
    cr_assert_eq(call1(ex, fl_instance_func(inst, "grow"), 1, &trap), 0xffffffffu);
    cr_assert_eq(trap, FL_TRAP_NONE);
    cr_assert_str_eq(fl_store_limit_reached(s),
                     "memory limit reached (96 KiB): memory.grow by 1 page refused");
    cr_assert_eq(inst->memories[0]->pages, 1);
    fl_exec_free(ex);
    fl_linker_free(l);
    fl_store_free(s);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 0);
    fl_module_free(m);
    fl_budget_unref(b);
}
