/*
 * diff.c: differential testing of the two tiers.  Runs one module on the
 * interpreter and as machine code (generated into CACHE) and compares
 * everything observable: instantiation's outcome, then for every exported
 * function called with the same arguments its results (NaNs compared as
 * NaNs: their bits are not specified; in a v128, any f32 or f64 lane that
 * is a NaN), its trap, every call it made to an imported function
 * (arguments logged), and afterwards memory 0 (where a byte may differ
 * only inside a NaN on both sides: which NaN is the engine's choice) and
 * every global.
 *
 *     fuzz-diff MODULE.wasm CACHE
 *
 * Exit 0: the same (or nothing comparable: a module the generator does not
 * take, imports other than functions); 1: a difference, printed; 2: usage
 * or I/O.  Outcomes that depend on how deep each tier may recurse (call
 * stack exhausted) or on time (interrupted after 2 s) end the comparison
 * of that module as inconclusive, not as a difference.
 */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aot/aot.h"
#include "engine/module.h"
#include "engine/runtime.h"

#define LOG_MAX (1 << 16)

typedef struct side {
    char log[LOG_MAX];
    size_t len;
    uint8_t *mem; /* memory 0 after the calls (malloc'd), compared apart */
    size_t mem_len;
} side;

static void logf_(side *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(side *s, const char *fmt, ...) {
    if (s->len >= LOG_MAX - 256)
        return;
    va_list ap;
    va_start(ap, fmt);
    s->len += (size_t)vsnprintf(s->log + s->len, LOG_MAX - s->len, fmt, ap);
    va_end(ap);
}

static void log_value(side *s, uint8_t t, fl_value v);

/* A v128 (lo: bytes 0-7): each 64-bit half that is an f64 NaN, else each
 * 32-bit lane that is an f32 NaN, as "nan" (its lane shape is unknown). */
static void log_v128(side *s, uint64_t lo, uint64_t hi) {
    logf_(s, " v128:");
    uint64_t half[2] = {lo, hi};
    for (int h = 0; h < 2; h++) {
        double d;
        memcpy(&d, &half[h], 8);
        if (isnan(d)) {
            logf_(s, "%snan64", h ? "," : "");
            continue;
        }
        for (int l = 0; l < 2; l++) {
            uint32_t bits = (uint32_t)(half[h] >> (32 * l));
            float f;
            memcpy(&f, &bits, 4);
            if (isnan(f))
                logf_(s, "%snan32", h || l ? "," : "");
            else
                logf_(s, "%s%08" PRIx32, h || l ? "," : "", bits);
        }
    }
}

/* Logs the n values of types t[0..n) held in slots v (two per v128). */
static void log_values(side *s, const uint8_t *t, uint32_t n, const fl_value *v) {
    for (uint32_t i = 0; i < n; i++) {
        if (t[i] == FL_V128) {
            log_v128(s, v[0].i64, v[1].i64);
            v += 2;
            continue;
        }
        log_value(s, t[i], *v++);
    }
}

static void log_value(side *s, uint8_t t, fl_value v) {
    switch (t) {
    case FL_I32:
        logf_(s, " i32:%" PRIu32, v.i32);
        break;
    case FL_I64:
        logf_(s, " i64:%" PRIu64, v.i64);
        break;
    case FL_F32:
        if (isnan(v.f32))
            logf_(s, " f32:nan");
        else
            logf_(s, " f32:%08" PRIx32, v.i32);
        break;
    case FL_F64:
        if (isnan(v.f64))
            logf_(s, " f64:nan");
        else
            logf_(s, " f64:%016" PRIx64, v.i64);
        break;
    default:
        logf_(s, " ref:%s", v.ref ? "non-null" : "null");
    }
}

typedef struct import_ctx {
    side *s;
    const fl_import *imp;
    const fl_functype *t;
} import_ctx;

/* Every imported function logs its arguments and returns zeros. */
static fl_trap imported(fl_host_call *call, fl_value *v) {
    import_ctx *c = call->data;
    logf_(c->s, "  import %s.%s", c->imp->module, c->imp->name);
    log_values(c->s, c->t->params, c->t->nparams, v);
    logf_(c->s, "\n");
    for (uint32_t i = 0; i < c->t->result_slots; i++)
        v[i].i64 = 0;
    return FL_TRAP_NONE;
}

typedef struct watch {
    fl_exec *ex;
    volatile int done;
} watch;

static void *watchdog(void *arg) {
    watch *w = arg;
    for (int i = 0; i < 200 && !w->done; i++)
        usleep(10000);
    if (!w->done)
        w->ex->interrupt = 1;
    return NULL;
}

/* Arguments for call number k: a few edge values, the same on both sides.
 * Writes the slots of parameter i (two for a v128) at v; returns how many. */
static uint32_t arg(uint8_t t, uint32_t k, uint32_t i, fl_value *v) {
    static const uint64_t ints[] = {0, 1, 2, 0xffffffffu, 0x80000000u, 7, 0xffffffffffffffffull, 100};
    static const double floats[] = {0.0, 1.5, -2.25, 1e10, -0.0, 3.0, NAN, INFINITY};
    uint32_t n = (k * 3 + i) % 8;
    v[0].i64 = 0;
    switch (t) {
    case FL_I32:
        v[0].i32 = (uint32_t)ints[n];
        break;
    case FL_I64:
        v[0].i64 = ints[n];
        break;
    case FL_F32:
        v[0].f32 = (float)floats[n];
        break;
    case FL_F64:
        v[0].f64 = floats[n];
        break;
    case FL_V128: /* an integer half and two f32 lanes */
        v[0].i64 = ints[n];
        v[1].i64 = 0x3fc00000c0100000ull ^ ((uint64_t)n << 20); /* 1.5, -2.25, varied */
        return 2;
    }
    return 1;
}

static bool inconclusive;

/* Runs the module on one tier, writing what it observes into s.
 * Returns -1 when it cannot be run as asked (no machine code). */
static int run_side(const uint8_t *bytes, size_t len, const char *cache, bool aot, side *s) {
    fl_error err = {0};
    bool used = false;
    fl_module *m = fl_aot_module_load(bytes, len, NULL, cache, aot ? FL_TIER_AOT : FL_TIER_INTERP,
                                      NULL, &used, &err);
    if (!m || used != aot) {
        if (getenv("FUZZ_DIFF_VERBOSE"))
            fprintf(stderr, "%s: %s\n", aot ? "machine code" : "interpreter",
                    m ? "not generated" : err.message);
        fl_module_free(m);
        return -1;
    }
    /* imported functions only, and none taking or giving a v128: a host
     * function's signature has no letter for it */
    for (uint32_t i = 0; i < m->nimports; i++) {
        bool ok = m->imports[i].kind == FL_EXTERN_FUNC;
        const fl_functype *t = ok ? &m->types[m->imports[i].desc.func_type] : NULL;
        if (ok && (t->param_slots != t->nparams || t->result_slots != t->nresults))
            ok = false;
        if (!ok) {
            fl_module_free(m);
            return -1;
        }
    }
    fl_store_limits lim = {.max_memory_pages = 1024};
    fl_store *st = fl_store_new(&lim);
    fl_linker *l = fl_linker_new(st);
    fl_exec *ex = fl_exec_new(0);
    fl_host_def *defs = calloc(m->nimports + 1, sizeof *defs);
    import_ctx *ctx = calloc(m->nimports + 1, sizeof *ctx);
    char (*sigs)[64] = calloc(m->nimports + 1, sizeof *sigs);
    for (uint32_t i = 0; i < m->nimports; i++) {
        const fl_functype *t = &m->types[m->imports[i].desc.func_type];
        static const char letter[256] = {[FL_I32] = 'i', [FL_I64] = 'I', [FL_F32] = 'f',
                                         [FL_F64] = 'F', [FL_FUNCREF] = 'r', [FL_EXTERNREF] = 'e'};
        size_t k = 0;
        for (uint32_t j = 0; j < t->nparams && k < 60; j++)
            sigs[i][k++] = letter[t->params[j]];
        sigs[i][k++] = ':';
        for (uint32_t j = 0; j < t->nresults && k < 62; j++)
            sigs[i][k++] = letter[t->results[j]];
        ctx[i] = (import_ctx){s, &m->imports[i], t};
        defs[i] = (fl_host_def){m->imports[i].module, m->imports[i].name, sigs[i], imported, &ctx[i]};
    }
    fl_linker_define_host(l, defs, m->nimports);

    watch w = {ex, 0};
    pthread_t th;
    pthread_create(&th, NULL, watchdog, &w);
    fl_instance *inst = NULL;
    fl_inst_status is = fl_instantiate(st, m, l, ex, &inst, &err);
    logf_(s, "instantiate: %d\n", (int)is);
    for (uint32_t e = 0; is == FL_INST_OK && e < m->nexports && !inconclusive; e++) {
        const fl_export *x = &m->exports[e];
        if (x->kind != FL_EXTERN_FUNC)
            continue;
        fl_funcinst *f = inst->funcs[x->index];
        const fl_functype *t = f->type;
        for (uint32_t k = 0; k < 2; k++) {
            size_t n = t->param_slots > t->result_slots ? t->param_slots : t->result_slots;
            fl_value *v = calloc(n + 1, sizeof *v);
            for (uint32_t i = 0, at = 0; i < t->nparams; i++)
                at += arg(t->params[i], k, i, v + at);
            logf_(s, "call %s #%u\n", x->name, k);
            fl_trap trap = fl_invoke(ex, f, v, t->param_slots, v, t->result_slots);
            if (trap == FL_TRAP_STACK_EXHAUSTED || trap == FL_TRAP_INTERRUPTED) {
                inconclusive = true; /* depth and time differ between tiers */
                free(v);
                break;
            }
            logf_(s, "  -> %s", trap ? fl_trap_message(trap) : "ok");
            if (!trap)
                log_values(s, t->results, t->nresults, v);
            logf_(s, "\n");
            free(v);
        }
    }
    w.done = 1;
    pthread_join(th, NULL);
    if (inst && !inconclusive) {
        if (inst->module->nimported_memories + inst->module->nmemories) {
            fl_memory *mem = inst->memories[0];
            logf_(s, "memory: %u pages\n", mem->pages);
            s->mem = malloc(mem->size ? mem->size : 1);
            if (s->mem) {
                memcpy(s->mem, mem->base, mem->size);
                s->mem_len = mem->size;
            }
        }
        uint32_t ng = fl_module_total_globals(m);
        for (uint32_t g = 0; g < ng; g++) {
            logf_(s, "global %u:", g);
            if (inst->globals[g]->type.valtype == FL_V128)
                log_v128(s, inst->globals[g]->value.i64, inst->globals[g]->hi);
            else
                log_value(s, inst->globals[g]->type.valtype, inst->globals[g]->value);
            logf_(s, "\n");
        }
    }
    fl_exec_free(ex);
    fl_linker_free(l);
    fl_store_free(st);
    fl_module_free(m);
    free(defs);
    free(ctx);
    free(sigs);
    return 0;
}

/* Whether the 4 or 8 bytes at p are a NaN as an f32 or f64. */
static bool nan_at(const uint8_t *p, size_t avail, size_t width) {
    if (avail < width)
        return false;
    if (width == 4) {
        float f;
        memcpy(&f, p, 4);
        return isnan(f);
    }
    double d;
    memcpy(&d, p, 8);
    return isnan(d);
}

/* Memory 0 of both sides is the same, but for NaNs: a byte may differ when
 * an f32 or f64 covering it is a NaN on both sides (wasm leaves which NaN an
 * operation on NaNs gives to the engine: x86 keeps the first operand's,
 * and LLVM may swap a product's operands).  Else *at is the first byte
 * that differs. */
static bool same_memory(const side *a, const side *b, size_t *at) {
    if (a->mem_len != b->mem_len) {
        *at = a->mem_len < b->mem_len ? a->mem_len : b->mem_len;
        return false;
    }
    for (size_t i = 0; i < a->mem_len; i++) {
        if (a->mem[i] == b->mem[i])
            continue;
        bool nan = false;
        for (size_t width = 4; width <= 8 && !nan; width += 4)
            for (size_t k = 0; k < width && k <= i && !nan; k++)
                nan = nan_at(a->mem + i - k, a->mem_len - (i - k), width) &&
                      nan_at(b->mem + i - k, b->mem_len - (i - k), width);
        if (!nan) {
            *at = i;
            return false;
        }
    }
    return true;
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz-diff MODULE.wasm CACHE\n");
        return 2;
    }
    size_t len;
    uint8_t *bytes = read_file(argv[1], &len);
    if (!bytes) {
        perror(argv[1]);
        return 2;
    }
    static side interp, aot;
    if (run_side(bytes, len, argv[2], false, &interp) < 0 ||
        run_side(bytes, len, argv[2], true, &aot) < 0) {
        printf("skipped (not comparable)\n");
        free(bytes);
        free(interp.mem);
        free(aot.mem);
        return 0;
    }
    free(bytes);
    if (inconclusive) {
        printf("inconclusive (call stack exhausted or interrupted)\n");
        free(interp.mem);
        free(aot.mem);
        return 0;
    }
    size_t at = 0;
    bool mem_same = same_memory(&interp, &aot, &at);
    if (interp.len != aot.len || memcmp(interp.log, aot.log, interp.len) != 0 || !mem_same) {
        printf("DIFFERENCE in %s\n--- interpreter\n%s--- machine code\n%s", argv[1], interp.log,
               aot.log);
        if (!mem_same)
            printf("--- memory differs at byte %zu: %02x on the interpreter, %02x in machine code\n",
                   at, at < interp.mem_len ? interp.mem[at] : 0, at < aot.mem_len ? aot.mem[at] : 0);
        free(interp.mem);
        free(aot.mem);
        return 1;
    }
    printf("same (%zu bytes observed)\n", interp.len);
    free(interp.mem);
    free(aot.mem);
    return 0;
}
