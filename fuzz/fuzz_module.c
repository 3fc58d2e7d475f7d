/*
 * fuzz_module.c: libFuzzer target for the whole engine.  Each input is
 * loaded (decode, validate, interpreter compile); a valid module is
 * instantiated against stubs made from its own import list (functions that
 * return zeros, fresh memories, tables and globals of the declared types),
 * and every exported function is called with zero arguments.
 *
 * Guest code may loop forever or recurse deeply: the exec has a low depth
 * limit, and a watchdog thread sets its interrupt flag once an input has
 * run for BUDGET_NS, so every remaining call ends with "interrupted".
 *
 * Built by fuzz/run.sh with -fsanitize=fuzzer,address,undefined and
 * -DFL_MEMORY_GUARDED=0 (bounds-checked memory; see engine/config.h).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/module.h"
#include "engine/runtime.h"

#define BUDGET_NS (100 * 1000000ull) /* per input */
#define MAX_DEPTH 200
#define STACK_SLOTS 65536

static fl_exec *exec;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t deadline; /* 0: no input running; guarded by lock */

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Interrupts the running input once its deadline has passed. */
static void *watchdog(void *arg) {
    (void)arg;
    const struct timespec tick = {0, 5 * 1000000};
    for (;;) {
        nanosleep(&tick, NULL);
        pthread_mutex_lock(&lock);
        if (deadline && now_ns() > deadline)
            exec->interrupt = 1;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

/* Starts (or, with budget 0, ends) the current input's time budget. */
static void set_budget(uint64_t budget) {
    pthread_mutex_lock(&lock);
    deadline = budget ? now_ns() + budget : 0;
    exec->interrupt = 0;
    pthread_mutex_unlock(&lock);
}

/* A host function for any import: results are zeros.  data is its type. */
static fl_trap stub_handler(fl_host_call *call, fl_value *args_results) {
    const fl_functype *t = call->data;
    memset(args_results, 0, sizeof(fl_value) * t->nresults);
    return FL_TRAP_NONE;
}

/* The signature string of `t` for fl_host_def ("iI:f"), or -1 for a type
 * the linker cannot express (v128). */
static int signature(const fl_functype *t, char *out, size_t cap) {
    size_t n = 0;
    for (uint32_t pass = 0; pass < 2; pass++) {
        uint32_t count = pass ? t->nresults : t->nparams;
        const uint8_t *types = pass ? t->results : t->params;
        for (uint32_t i = 0; i < count; i++) {
            char c;
            switch (types[i]) {
            case FL_I32: c = 'i'; break;
            case FL_I64: c = 'I'; break;
            case FL_F32: c = 'f'; break;
            case FL_F64: c = 'F'; break;
            case FL_FUNCREF: c = 'r'; break;
            case FL_EXTERNREF: c = 'e'; break;
            default: return -1;
            }
            if (n + 2 >= cap)
                return -1;
            out[n++] = c;
        }
        if (!pass)
            out[n++] = ':';
    }
    out[n] = '\0';
    return 0;
}

/* Defines a stub for every import of `m` in `l`.  Function stubs need their
 * fl_host_def and signature to outlive the linker: they go in defs/sigs,
 * which the caller frees.  Returns 0, or -1 when an import cannot be made
 * (the module is then simply not instantiated). */
static int define_stubs(fl_store *s, fl_linker *l, const fl_module *m, fl_host_def *defs,
                        char (*sigs)[64]) {
    for (uint32_t i = 0; i < m->nimports; i++) {
        const fl_import *im = &m->imports[i];
        fl_extern ext = {.kind = im->kind};
        switch (im->kind) {
        case FL_EXTERN_FUNC: {
            const fl_functype *t = &m->types[im->desc.func_type];
            if (signature(t, sigs[i], sizeof sigs[i]) < 0)
                return -1;
            defs[i] = (fl_host_def){im->module, im->name, sigs[i], stub_handler, (void *)t};
            if (fl_linker_define_host(l, &defs[i], 1) < 0)
                return -1;
            continue;
        }
        case FL_EXTERN_TABLE:
            ext.as.table = fl_table_new(s, im->desc.table, NULL);
            if (!ext.as.table)
                return -1;
            break;
        case FL_EXTERN_MEMORY:
            ext.as.memory = fl_memory_new(s, im->desc.memory);
            if (!ext.as.memory)
                return -1;
            break;
        case FL_EXTERN_GLOBAL: {
            fl_value zero;
            memset(&zero, 0, sizeof zero);
            ext.as.global = fl_global_new(s, im->desc.global, zero);
            if (!ext.as.global)
                return -1;
            break;
        }
        default:
            return -1;
        }
        if (fl_linker_define(l, im->module, im->name, ext) < 0)
            return -1;
    }
    return 0;
}

/* Calls every exported function with zero arguments; traps are expected. */
static void call_exports(const fl_module *m, fl_instance *inst) {
    for (uint32_t i = 0; i < m->nexports; i++) {
        const fl_export *e = &m->exports[i];
        if (e->kind != FL_EXTERN_FUNC)
            continue;
        fl_funcinst *f = fl_instance_func(inst, e->name);
        if (!f)
            continue;
        uint32_t slots = f->type->nparams > f->type->nresults ? f->type->nparams : f->type->nresults;
        fl_value *args = calloc(slots ? slots : 1, sizeof *args);
        if (!args)
            return;
        (void)fl_invoke(exec, f, args, f->type->nparams, args, f->type->nresults);
        free(args);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    pthread_t t;
    exec = fl_exec_new(STACK_SLOTS);
    if (!exec)
        abort();
    exec->max_depth = MAX_DEPTH;
    if (pthread_create(&t, NULL, watchdog, NULL) != 0)
        abort();
    pthread_detach(t);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fl_error err;
    fl_module *m = fl_module_load(data, size, &err);
    if (!m)
        return 0;

    /* Small caps keep memory.grow and big tables inside the RSS limit. */
    fl_store_limits limits = {.max_memory_pages = 256, .max_table_elems = 100000};
    fl_store *s = fl_store_new(&limits);
    fl_linker *l = NULL;
    fl_host_def *defs = NULL;
    char (*sigs)[64] = NULL;
    if (!s)
        goto out;
    l = fl_linker_new(s);
    defs = calloc(m->nimports ? m->nimports : 1, sizeof *defs);
    sigs = calloc(m->nimports ? m->nimports : 1, sizeof *sigs);
    if (!l || !defs || !sigs)
        goto out;
    if (define_stubs(s, l, m, defs, sigs) < 0)
        goto out;

    set_budget(BUDGET_NS);
    fl_instance *inst = NULL;
    if (fl_instantiate(s, m, l, exec, &inst, &err) == FL_INST_OK)
        call_exports(m, inst);
    set_budget(0);

out:
    if (l)
        fl_linker_free(l);
    free(sigs);
    free(defs);
    if (s)
        fl_store_free(s);
    fl_module_free(m);
    return 0;
}
