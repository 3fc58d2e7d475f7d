/*
 * test_interp.c: the interpreter on a small hand-made module
 * (tests/unit/wat/interp_test.wat, built by the Makefile with wat2wasm into
 * interp_test_wasm, as every module here): recursion through calls, a loop,
 * multi-value blocks and results, br_table with and without values, every
 * trap the code can raise, and the interrupt flag.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "engine/module.h"
#include "engine/runtime.h"

#include "interp_test.wasm.h"

typedef struct fixture {
    fl_module *m;
    fl_store *s;
    fl_exec *ex;
    fl_instance *inst;
} fixture;

static fixture fx;

static void setup(void) {
    fl_error err;
    memset(&err, 0, sizeof err);
    fx.m = fl_module_load(interp_test_wasm, sizeof interp_test_wasm, &err);
    cr_assert_not_null(fx.m, "load: %s", err.message);
    fx.s = fl_store_new(NULL);
    fx.ex = fl_exec_new(0);
    cr_assert_not_null(fx.s);
    cr_assert_not_null(fx.ex);
    cr_assert_eq(fl_instantiate(fx.s, fx.m, NULL, fx.ex, &fx.inst, &err), FL_INST_OK, "%s",
                 err.message);
}

static void teardown(void) {
    fl_exec_free(fx.ex);
    fl_store_free(fx.s);
    fl_module_free(fx.m);
}

/* Calls export `name` with args[] (room for results too); returns the trap. */
static fl_trap call(const char *name, fl_value *args) {
    fl_funcinst *f = fl_instance_func(fx.inst, name);
    cr_assert_not_null(f, "no export %s", name);
    return fl_invoke(fx.ex, f, args, f->type->nparams, args, f->type->nresults);
}

static uint32_t call_i32(const char *name, uint32_t a) {
    fl_value v[2] = {{.i32 = a}};
    cr_assert_eq(call(name, v), FL_TRAP_NONE);
    return v[0].i32;
}

TestSuite(interp, .init = setup, .fini = teardown);

Test(interp, recursion_through_calls) {
    fl_value v[1] = {{.i64 = 20}};
    cr_assert_eq(call("fac", v), FL_TRAP_NONE);
    cr_assert_eq(v[0].i64, 2432902008176640000ull);
    /* the exec is back to where it started */
    cr_assert_eq(fx.ex->depth, 0);
    cr_assert_eq(fx.ex->stack_used, 0);
}

Test(interp, loop) {
    cr_assert_eq(call_i32("sum", 100), 5050);
    cr_assert_eq(call_i32("sum", 0), 0);
    cr_assert_eq(call_i32("sum", 100000), 705082704u); /* wraps mod 2^32 */
}

Test(interp, multi_value) {
    fl_value v[2] = {{.i32 = 1}, {.i32 = 2}};
    cr_assert_eq(call("swap", v), FL_TRAP_NONE);
    cr_assert_eq(v[0].i32, 2);
    cr_assert_eq(v[1].i32, 1);
    /* block with a param and two results, left by br_if or by the end */
    cr_assert_eq(call_i32("mv", 20), 27);
    cr_assert_eq(call_i32("mv", 3), 3);
}

Test(interp, br_table) {
    cr_assert_eq(call_i32("tbl", 0), 10);
    cr_assert_eq(call_i32("tbl", 1), 11);
    cr_assert_eq(call_i32("tbl", 2), 12);
    cr_assert_eq(call_i32("tbl", 0xffffffffu), 12); /* past the end: default */
    cr_assert_eq(call_i32("tblv", 0), 6);
    cr_assert_eq(call_i32("tblv", 1), 5);
}

Test(interp, arithmetic_traps) {
    fl_value v[2] = {{.i32 = 7}, {.i32 = 0}};
    cr_assert_eq(call("div", v), FL_TRAP_DIV_ZERO);
    v[0].i32 = 0x80000000u;
    v[1].i32 = 0xffffffffu;
    cr_assert_eq(call("div", v), FL_TRAP_INT_OVERFLOW);
    v[0].i32 = (uint32_t)-7;
    v[1].i32 = 2;
    cr_assert_eq(call("div", v), FL_TRAP_NONE);
    cr_assert_eq((int32_t)v[0].i32, -3);

    v[0].f32 = NAN;
    cr_assert_eq(call("trunc", v), FL_TRAP_INVALID_CONVERSION);
    v[0].f32 = 2147483648.0f;
    cr_assert_eq(call("trunc", v), FL_TRAP_INT_OVERFLOW);
    v[0].f32 = -2147483648.0f;
    cr_assert_eq(call("trunc", v), FL_TRAP_NONE);
    cr_assert_eq(v[0].i32, 0x80000000u);
}

Test(interp, control_traps) {
    fl_value v[1] = {{.i32 = 0}};
    cr_assert_eq(call("unreachable", v), FL_TRAP_UNREACHABLE);
    cr_assert_eq(call("inf", v), FL_TRAP_STACK_EXHAUSTED);
    cr_assert_eq(fx.ex->depth, 0);
    cr_assert_eq(fx.ex->stack_used, 0);
    /* still usable after the traps */
    cr_assert_eq(call_i32("sum", 4), 10);
}

Test(interp, memory_bounds) {
    fl_value v[1] = {{.i32 = 65532}};
    cr_assert_eq(call("load", v), FL_TRAP_NONE);
    v[0].i32 = 65533;
    cr_assert_eq(call("load", v), FL_TRAP_MEMORY_OOB);
    v[0].i32 = 0xffffffffu;
    cr_assert_eq(call("load", v), FL_TRAP_MEMORY_OOB);
}

Test(interp, call_indirect) {
    fl_value v[1] = {{.i32 = 1}};
    cr_assert_eq(call("ci", v), FL_TRAP_NONE); /* $nop: type () -> () */
    v[0].i32 = 0;
    cr_assert_eq(call("ci", v), FL_TRAP_INDIRECT_TYPE); /* $fac */
    v[0].i32 = 2;
    cr_assert_eq(call("ci", v), FL_TRAP_UNINITIALIZED);
    v[0].i32 = 3;
    cr_assert_eq(call("ci", v), FL_TRAP_UNDEFINED_ELEMENT);
}

Test(interp, interrupt) {
    fl_value v[1] = {{.i32 = 0}};
    fx.ex->interrupt = 1;
    cr_assert_eq(call("spin", v), FL_TRAP_INTERRUPTED);
    fx.ex->interrupt = 0;
    cr_assert_eq(call_i32("sum", 3), 6);
}

/*
 * Shapes the compiler treats specially (compile.c): a lazy local.get under
 * a local.set or tee of the same local, close to the top of the stack and
 * past the 64-entry window that bounds the scans; the same across a block
 * entry; branches carrying 2 values (moved one by one) and 6 (one MOVN) to
 * a block at the same height, a block below, and the function (return),
 * from br_table (labels shared by several entries) and from br_if (both
 * paths must see the same stack).  "bf2", "bff6" and "tf" were miscompiled
 * before: br_if to the function wrote lazy locals out on the taken path only,
 * and a br_table whose function stub came first branched to itself.
 * Source: tests/unit/wat/interp_shapes.wat.
 */
#include "interp_shapes.wasm.h"

/* Raises the exec's interrupt flag 10 s after setup unless the test ended:
 * code miscompiled into an endless loop fails instead of hanging the run. */
static pthread_t dog;
static pthread_mutex_t dog_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dog_cond = PTHREAD_COND_INITIALIZER;
static bool dog_done;

static void *watchdog(void *arg) {
    (void)arg;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&dog_lock);
    while (!dog_done)
        if (pthread_cond_timedwait(&dog_cond, &dog_lock, &until) != 0) {
            __atomic_store_n(&fx.ex->interrupt, 1, __ATOMIC_RELAXED);
            break;
        }
    pthread_mutex_unlock(&dog_lock);
    return NULL;
}

static void setup_shapes(void) {
    fl_error err;
    memset(&err, 0, sizeof err);
    fx.m = fl_module_load(interp_shapes_wasm, sizeof interp_shapes_wasm, &err);
    cr_assert_not_null(fx.m, "load: %s", err.message);
    fx.s = fl_store_new(NULL);
    fx.ex = fl_exec_new(0);
    cr_assert_eq(fl_instantiate(fx.s, fx.m, NULL, fx.ex, &fx.inst, &err), FL_INST_OK, "%s",
                 err.message);
    dog_done = false;
    cr_assert_eq(pthread_create(&dog, NULL, watchdog, NULL), 0);
}

static void teardown_shapes(void) {
    pthread_mutex_lock(&dog_lock);
    dog_done = true;
    pthread_cond_signal(&dog_cond);
    pthread_mutex_unlock(&dog_lock);
    pthread_join(dog, NULL);
    teardown();
}

/* Calls `name` (v, i) and expects results want[0..n). */
static void expect_results(const char *name, uint32_t v, uint32_t i, const uint32_t *want,
                           unsigned n) {
    fl_value r[6] = {{.i32 = v}, {.i32 = i}};
    fl_trap t = call(name, r);
    cr_assert_eq(t, FL_TRAP_NONE, "%s(%u, %u): %s", name, v, i, fl_trap_message(t));
    for (unsigned k = 0; k < n; k++)
        cr_assert_eq(r[k].i32, want[k], "%s(%u, %u): result %u is %u, want %u", name, v, i, k,
                     r[k].i32, want[k]);
}

TestSuite(interp_shapes, .init = setup_shapes, .fini = teardown_shapes);

Test(interp_shapes, lazy_local_keeps_its_old_value_after_a_set) {
    cr_assert_eq(call_i32("old_after_set", 5), 5 + 99);
    cr_assert_eq(call_i32("old_after_set_near", 5), 5 + 99);
    cr_assert_eq(call_i32("old_after_tee", 5), 1005 + 5 + 7);
    cr_assert_eq(call_i32("old_across_block", 5), 5 + 9);
}

Test(interp_shapes, br_table_to_shared_and_multi_value_labels) {
    /* entries $b $a fn $b $a fn, default $a: $b adds 10 to the last value,
     * $a adds 20, the function returns them as they are */
    static const uint32_t add[] = {10, 20, 0, 10, 20, 0, 20, 20};
    for (uint32_t i = 0; i < 8; i++) {
        uint32_t idx = i < 7 ? i : 0xffffffffu; /* and one far past the end */
        uint32_t two[] = {7, 12 + add[i]};
        expect_results("bt2", 7, idx, two, 2);
        uint32_t six[] = {7, 1, 7, 3, 12, 6 + add[i]};
        expect_results("bt6", 7, idx, six, 6);
    }
    /* the function label first: (v, i) returned, or from the block + 1000 */
    expect_results("tf", 7, 0, (const uint32_t[]){7, 0}, 2);
    expect_results("tf", 7, 1, (const uint32_t[]){7, 1001}, 2);
    expect_results("tf", 7, 2, (const uint32_t[]){7, 2}, 2);
}

Test(interp_shapes, br_if_with_values_on_both_paths) {
    expect_results("bf2", 7, 0, (const uint32_t[]){0, 107}, 2);
    expect_results("bf2", 7, 1, (const uint32_t[]){1, 7}, 2);
    expect_results("bf6", 7, 0, (const uint32_t[]){7, 1, 0, 3, 12, 17}, 6);
    expect_results("bf6", 7, 1, (const uint32_t[]){7, 1, 1, 3, 12, 27}, 6);
    expect_results("bff6", 7, 0, (const uint32_t[]){0, 7, 2, 3, 12, 107}, 6);
    expect_results("bff6", 7, 1, (const uint32_t[]){1, 7, 2, 3, 12, 7}, 6);
}

/*
 * Compiler peepholes that could go wrong: i32.add of a constant kept lazy
 * (V_ADDI) across a clobbering push, a local.set of its base and a block;
 * folded into load/store addresses with 32-bit wrap; moves merged (MOV2)
 * next to a branch target; add fused into a loop's closing branch.
 * Source: tests/unit/wat/interp_peep.wat.
 */
#include "interp_peep.wasm.h"

static void setup_peep(void) {
    fl_error err;
    memset(&err, 0, sizeof err);
    fx.m = fl_module_load(interp_peep_wasm, sizeof interp_peep_wasm, &err);
    cr_assert_not_null(fx.m, "load: %s", err.message);
    fx.s = fl_store_new(NULL);
    fx.ex = fl_exec_new(0);
    cr_assert_eq(fl_instantiate(fx.s, fx.m, NULL, fx.ex, &fx.inst, &err), FL_INST_OK, "%s",
                 err.message);
}

TestSuite(interp_peephole, .init = setup_peep, .fini = teardown);

Test(interp_peephole, lazy_add) {
    cr_assert_eq(call_i32("addl", 1), 111); /* 8 + 3x + 100x */
    cr_assert_eq(call_i32("addl", 2), 214);
    cr_assert_eq(call_i32("adds", 1), 7); /* (x + 4) + (x + 1) */
    cr_assert_eq(call_i32("addb", 1), 6);
    cr_assert_eq(call_i32("addb", 0), 6);
}

Test(interp_peephole, folded_address) {
    cr_assert_eq(call_i32("addm", 100), 77);
    cr_assert_eq(call_i32("addm", 65532), 77);
    /* (0 - 4) wraps to 0xfffffffc; + offset 4 is past the end, not 0 */
    fl_value v[1] = {{.i32 = 0}};
    cr_assert_eq(call("addm", v), FL_TRAP_MEMORY_OOB);
    v[0].i32 = 65533;
    cr_assert_eq(call("addm", v), FL_TRAP_MEMORY_OOB);
}

/* Calls export `name` with three i32 arguments. */
static uint32_t call3(const char *name, uint32_t a, uint32_t b, uint32_t c) {
    fl_value v[3] = {{.i32 = a}, {.i32 = b}, {.i32 = c}};
    cr_assert_eq(call(name, v), FL_TRAP_NONE);
    return v[0].i32;
}

Test(interp_peephole, fused_add) {
    cr_assert_eq(call3("mac", 100, 7, 6), 142);
    cr_assert_eq(call3("macl", 100, 7, 6), 142);
    cr_assert_eq(call3("macc", 100, 7, 6), 147);
    cr_assert_eq(call3("idx", 100, 7, 0), 128);
    cr_assert_eq(call3("mac", 1, 0x10000, 0x10000), 1); /* wraps */
    cr_assert_eq(call3("xr", 0xff, 0x80000001u, 0), 0xff ^ 0xc0u);
    fl_value v[2] = {{.i64 = 1}, {.i64 = 0x100}};
    cr_assert_eq(call("xr64", v), FL_TRAP_NONE);
    cr_assert_eq(v[0].i64, (1ull << 48) | 1); /* rotl(0x100, 40) = 1 << 48 */
}

/* a + b*c rounds the product first: with b = c = 1 + 2^-27 the product's
 * 2^-54 term is lost, so the sum cancels exactly (an FMA would leave 2^-54). */
Test(interp_peephole, multiply_add_rounds_twice) {
    double b = 0x1.0000002p+0, a = 0x1.0000004p+0;
    fl_value v[3] = {{.f64 = -a}, {.f64 = b}, {.f64 = b}};
    cr_assert_eq(call("fma", v), FL_TRAP_NONE);
    cr_assert_eq(v[0].f64, 0.0);
    fl_value w[3] = {{.f64 = a}, {.f64 = b}, {.f64 = b}};
    cr_assert_eq(call("fms", w), FL_TRAP_NONE);
    cr_assert_eq(w[0].f64, 0.0);
    fl_value x[3] = {{.f64 = 1.5}, {.f64 = 2.0}, {.f64 = 3.0}};
    cr_assert_eq(call("fma", x), FL_TRAP_NONE);
    cr_assert_eq(x[0].f64, 7.5);
}

/* Zero tests of a xor or a difference become comparisons of its operands. */
Test(interp_peephole, zero_test_of_difference) {
    cr_assert_eq(call3("xne", 3, 3, 0), 0);
    cr_assert_eq(call3("xne", 3, 4, 0), 1);
    cr_assert_eq(call3("seqz", 3, 3, 0), 1);
    cr_assert_eq(call3("seqz", 3, 4, 0), 0);
    cr_assert_eq(call3("xbr", 5, 0, 0), 9);
    cr_assert_eq(call3("xbr", 6, 0, 0), 7);
}

Test(interp_peephole, moves_and_fused_branches) {
    cr_assert_eq(call_i32("movl", 0), 50);
    cr_assert_eq(call_i32("movl", 3), 3);
    cr_assert_eq(call_i32("count", 10), 5);
    cr_assert_eq(call_i32("count", 7), 4);
    cr_assert_eq(call_i32("count", 0), 0);
}

/*
 * Host calls, and wasm called again from inside one (the value stack above
 * the caller's frame is handed to the nested call):
 * Source: tests/unit/wat/interp_host.wat.
 */
#include "interp_host.wasm.h"

/* env.cb(x) = inner(x) + 1, through a nested fl_invoke. */
static fl_trap host_cb(fl_host_call *call, fl_value *args_results) {
    fl_funcinst *inner = fl_instance_func(fx.inst, "inner");
    fl_value v[1] = {args_results[0]};
    fl_trap t = fl_invoke(call->exec, inner, v, 1, v, 1);
    if (t != FL_TRAP_NONE)
        return t;
    args_results[0].i32 = v[0].i32 + 1;
    return FL_TRAP_NONE;
}

static const fl_host_def host_defs[] = {{"env", "cb", "i:i", host_cb, NULL}};

static fl_linker *host_linker;

static void setup_host(void) {
    fl_error err;
    memset(&err, 0, sizeof err);
    fx.m = fl_module_load(interp_host_wasm, sizeof interp_host_wasm, &err);
    cr_assert_not_null(fx.m, "load: %s", err.message);
    fx.s = fl_store_new(NULL);
    fx.ex = fl_exec_new(0);
    host_linker = fl_linker_new(fx.s);
    cr_assert_eq(fl_linker_define_host(host_linker, host_defs, 1), 0);
    cr_assert_eq(fl_instantiate(fx.s, fx.m, host_linker, fx.ex, &fx.inst, &err), FL_INST_OK,
                 "%s", err.message);
}

static void teardown_host(void) {
    fl_linker_free(host_linker);
    teardown();
}

TestSuite(interp_host, .init = setup_host, .fini = teardown_host);

Test(interp_host, reentrant_call) {
    cr_assert_eq(call_i32("outer", 5), 1000 + 7 + 15 + 1);
    cr_assert_eq(call_i32("deep", 50), 50 + 3 + 1);
    cr_assert_eq(fx.ex->depth, 0);
    cr_assert_eq(fx.ex->stack_used, 0);
}

/* ---- bulk instructions stop at a chunk boundary when interrupted ----
 * A module built here, since its segments are larger than a chunk:
 *   (import "env" "stop" (func $stop))         ;; raises the interrupt flag
 *   (table 3000000 funcref) (memory 1024)       ;; 64 MiB
 *   (elem $e (passive) func $fill x 2500000)    ;; more than 2 chunks
 *   (data $d (passive) "\cd" x 20 MiB)          ;; more than a chunk
 * and one exported function per instruction, each `call $stop` first, then
 * the instruction over the whole range:
 *   fill   (memory.fill (i32.const 0) (i32.const 0xab) (i32.const 64 MiB))
 *   fwd    (memory.copy (i32.const 0) (i32.const 1) (i32.const 64 MiB - 1))
 *   bwd    (memory.copy (i32.const 1) (i32.const 0) (i32.const 64 MiB - 1))
 *   init   (memory.init $d (i32.const 0) (i32.const 0) (i32.const 20 MiB))
 *   tfill  (table.fill (i32.const 0) (ref.func $fill) (i32.const 3000000))
 *   tcopy  (table.copy (i32.const 0) (i32.const 1) (i32.const 2999999))
 *   tinit  (table.init $e (i32.const 0) (i32.const 0) (i32.const 2500000)) */

#define MIB ((uint32_t)1 << 20)
#define BULK_MEM (64 * MIB)
#define BULK_TABLE 3000000u
#define BULK_ELEMS 2500000u
#define BULK_DATA (20 * MIB)

typedef struct dbuf {
    uint8_t *b;
    size_t n, cap;
} dbuf;

static void dput(dbuf *w, const void *p, size_t n) {
    if (w->n + n > w->cap) {
        w->cap = (w->n + n) * 2;
        w->b = realloc(w->b, w->cap);
        cr_assert_not_null(w->b);
    }
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void dbyte(dbuf *w, uint8_t b) { dput(w, &b, 1); }

static void duleb(dbuf *w, uint32_t v) {
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        dbyte(w, b | (v ? 0x80 : 0));
    } while (v);
}

static void dsleb(dbuf *w, int32_t v) {
    for (;;) {
        uint8_t b = v & 0x7f;
        v >>= 7;
        bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
        dbyte(w, b | (done ? 0 : 0x80));
        if (done)
            return;
    }
}

static void dsection(dbuf *w, uint8_t id, dbuf *body) {
    dbyte(w, id);
    duleb(w, (uint32_t)body->n);
    dput(w, body->b, body->n);
    free(body->b);
    *body = (dbuf){0};
}

static void i32c(dbuf *w, int32_t v) {
    dbyte(w, 0x41);
    dsleb(w, v);
}

static const char *const bulk_names[] = {"fill", "fwd", "bwd", "init", "tfill", "tcopy", "tinit"};
#define NBULK 7

static dbuf bulk_module(void) {
    dbuf w = {0}, s = {0};
    dput(&w, "\0asm\1\0\0\0", 8);
    dput(&s, (uint8_t[]){1, 0x60, 0, 0}, 4); /* type 0: [] -> [] */
    dsection(&w, 1, &s);
    dput(&s, (uint8_t[]){1, 3, 'e', 'n', 'v', 4, 's', 't', 'o', 'p', 0, 0}, 12);
    dsection(&w, 2, &s);
    duleb(&s, NBULK);
    for (int i = 0; i < NBULK; i++)
        dbyte(&s, 0);
    dsection(&w, 3, &s);
    dput(&s, (uint8_t[]){1, 0x70, 0}, 3);
    duleb(&s, BULK_TABLE);
    dsection(&w, 4, &s);
    dput(&s, (uint8_t[]){1, 0}, 2);
    duleb(&s, BULK_MEM / 65536);
    dsection(&w, 5, &s);
    duleb(&s, NBULK);
    for (int i = 0; i < NBULK; i++) {
        duleb(&s, (uint32_t)strlen(bulk_names[i]));
        dput(&s, bulk_names[i], strlen(bulk_names[i]));
        dbyte(&s, 0);
        duleb(&s, 1 + (uint32_t)i); /* the import is function 0 */
    }
    dsection(&w, 7, &s);
    dput(&s, (uint8_t[]){1, 1, 0}, 3); /* passive, funcref, function indices */
    duleb(&s, BULK_ELEMS);
    for (uint32_t i = 0; i < BULK_ELEMS; i++)
        dbyte(&s, 1); /* $fill */
    dsection(&w, 9, &s);
    dbyte(&s, 1);
    dsection(&w, 12, &s); /* data count */
    duleb(&s, NBULK);
    for (int i = 0; i < NBULK; i++) {
        dbuf f = {0};
        dput(&f, (uint8_t[]){0, 0x10, 0}, 3); /* no locals; call $stop */
        switch (i) {
        case 0: i32c(&f, 0); i32c(&f, 0xab); i32c(&f, (int32_t)BULK_MEM);
                dput(&f, (uint8_t[]){0xfc, 11, 0}, 3); break;
        case 1: i32c(&f, 0); i32c(&f, 1); i32c(&f, (int32_t)BULK_MEM - 1);
                dput(&f, (uint8_t[]){0xfc, 10, 0, 0}, 4); break;
        case 2: i32c(&f, 1); i32c(&f, 0); i32c(&f, (int32_t)BULK_MEM - 1);
                dput(&f, (uint8_t[]){0xfc, 10, 0, 0}, 4); break;
        case 3: i32c(&f, 0); i32c(&f, 0); i32c(&f, (int32_t)BULK_DATA);
                dput(&f, (uint8_t[]){0xfc, 8, 0, 0}, 4); break;
        case 4: i32c(&f, 0); dput(&f, (uint8_t[]){0xd2, 1}, 2); i32c(&f, BULK_TABLE);
                dput(&f, (uint8_t[]){0xfc, 17, 0}, 3); break;
        case 5: i32c(&f, 0); i32c(&f, 1); i32c(&f, BULK_TABLE - 1);
                dput(&f, (uint8_t[]){0xfc, 14, 0, 0}, 4); break;
        case 6: i32c(&f, 0); i32c(&f, 0); i32c(&f, BULK_ELEMS);
                dput(&f, (uint8_t[]){0xfc, 12, 0, 0}, 4); break;
        }
        dbyte(&f, 0x0b);
        duleb(&s, (uint32_t)f.n);
        dput(&s, f.b, f.n);
        free(f.b);
    }
    dsection(&w, 10, &s);
    dput(&s, (uint8_t[]){1, 1}, 2); /* passive */
    duleb(&s, BULK_DATA);
    size_t at = s.n;
    dput(&s, (uint8_t[]){0}, 1);
    s.n = at;
    for (uint32_t i = 0; i < BULK_DATA; i += 4096) {
        uint8_t page[4096];
        memset(page, 0xcd, sizeof page);
        dput(&s, page, sizeof page);
    }
    dsection(&w, 11, &s);
    return w;
}

static bool bulk_stop; /* env.stop raises the flag */

static fl_trap host_stop(fl_host_call *call, fl_value *v) {
    (void)v;
    if (bulk_stop)
        call->exec->interrupt = 1;
    return FL_TRAP_NONE;
}

static fl_instance *bulk_inst;
static fl_module *bulk_mod;
static fl_store *bulk_store;
static fl_linker *bulk_linker;
static fl_exec *bulk_ex;

static void setup_bulk(void) {
    dbuf w = bulk_module();
    fl_error err = {0};
    bulk_mod = fl_module_load(w.b, w.n, &err);
    free(w.b);
    cr_assert_not_null(bulk_mod, "%s at %zu", err.message, err.offset);
    bulk_store = fl_store_new(NULL);
    bulk_linker = fl_linker_new(bulk_store);
    fl_host_def stop = {"env", "stop", ":", host_stop, NULL};
    cr_assert_eq(fl_linker_define_host(bulk_linker, &stop, 1), 0);
    bulk_ex = fl_exec_new(0);
    cr_assert_eq(fl_instantiate(bulk_store, bulk_mod, bulk_linker, bulk_ex, &bulk_inst, &err),
                 FL_INST_OK, "%s", err.message);
}

static void teardown_bulk(void) {
    fl_exec_free(bulk_ex);
    fl_linker_free(bulk_linker);
    fl_store_free(bulk_store);
    fl_module_free(bulk_mod);
}

/* Runs bulk function `name` with env.stop raising the flag or not. */
static fl_trap bulk(const char *name, bool stop) {
    bulk_stop = stop;
    bulk_ex->interrupt = 0;
    fl_funcinst *f = fl_instance_func(bulk_inst, name);
    cr_assert_not_null(f);
    fl_trap t = fl_invoke(bulk_ex, f, NULL, 0, NULL, 0);
    bulk_ex->interrupt = 0;
    return t;
}

static uint8_t pat(uint32_t i) { return (uint8_t)(i * 7 + (i >> 13)); }

static void fill_pattern(uint8_t *mem) {
    for (uint32_t i = 0; i < BULK_MEM; i++)
        mem[i] = pat(i);
}

TestSuite(interp_bulk, .init = setup_bulk, .fini = teardown_bulk, .timeout = 60);

#define CHUNK ((uint32_t)FL_BULK_CHUNK_BYTES)
#define ECHUNK ((uint32_t)FL_BULK_CHUNK_ELEMS)

Test(interp_bulk, memory_fill_stops_after_one_chunk) {
    uint8_t *mem = bulk_inst->memories[0]->base;
    cr_assert_eq(bulk("fill", true), FL_TRAP_INTERRUPTED);
    cr_assert_eq(mem[0], 0xab);
    cr_assert_eq(mem[CHUNK - 1], 0xab);
    cr_assert_eq(mem[CHUNK], 0, "past the first chunk: not written");
    cr_assert_eq(mem[BULK_MEM - 1], 0);
    cr_assert_eq(bulk("fill", false), FL_TRAP_NONE, "uninterrupted: the whole range");
    cr_assert_eq(mem[CHUNK], 0xab);
    cr_assert_eq(mem[BULK_MEM - 1], 0xab);
}

Test(interp_bulk, memory_copy_stops_after_one_chunk_in_either_direction) {
    uint8_t *mem = bulk_inst->memories[0]->base;
    fill_pattern(mem);
    /* forward (destination below source): the low chunk first */
    cr_assert_eq(bulk("fwd", true), FL_TRAP_INTERRUPTED);
    cr_assert_eq(mem[0], pat(1));
    cr_assert_eq(mem[CHUNK - 1], pat(CHUNK));
    cr_assert_eq(mem[CHUNK], pat(CHUNK), "past the first chunk: not written");
    /* backward (destination above source): the high chunk first */
    fill_pattern(mem);
    cr_assert_eq(bulk("bwd", true), FL_TRAP_INTERRUPTED);
    cr_assert_eq(mem[BULK_MEM - 1], pat(BULK_MEM - 2));
    cr_assert_eq(mem[BULK_MEM - CHUNK], pat(BULK_MEM - CHUNK - 1));
    cr_assert_eq(mem[BULK_MEM - CHUNK - 1], pat(BULK_MEM - CHUNK - 1), "not written");
    cr_assert_eq(mem[1], pat(1));
    /* uninterrupted, chunked copies of overlapping ranges are memmove's */
    fill_pattern(mem);
    cr_assert_eq(bulk("bwd", false), FL_TRAP_NONE);
    for (uint32_t i = 1; i < BULK_MEM; i++)
        if (mem[i] != pat(i - 1))
            cr_assert_fail("bwd: byte %u is %u, want %u", i, mem[i], pat(i - 1));
    fill_pattern(mem);
    cr_assert_eq(bulk("fwd", false), FL_TRAP_NONE);
    for (uint32_t i = 0; i + 1 < BULK_MEM; i++)
        if (mem[i] != pat(i + 1))
            cr_assert_fail("fwd: byte %u is %u, want %u", i, mem[i], pat(i + 1));
}

Test(interp_bulk, memory_init_stops_after_one_chunk) {
    uint8_t *mem = bulk_inst->memories[0]->base;
    cr_assert_eq(bulk("init", true), FL_TRAP_INTERRUPTED);
    cr_assert_eq(mem[CHUNK - 1], 0xcd);
    cr_assert_eq(mem[CHUNK], 0, "past the first chunk: not written");
    cr_assert_eq(bulk("init", false), FL_TRAP_NONE);
    cr_assert_eq(mem[BULK_DATA - 1], 0xcd);
    cr_assert_eq(mem[BULK_DATA], 0);
}

Test(interp_bulk, table_fill_copy_init_stop_after_one_chunk) {
    fl_table *t = bulk_inst->tables[0];
    fl_funcinst *g = fl_instance_func(bulk_inst, "fill");
    cr_assert_eq(bulk("tfill", true), FL_TRAP_INTERRUPTED);
    cr_assert_eq(t->elems[ECHUNK - 1], g);
    cr_assert_null(t->elems[ECHUNK], "past the first chunk: not written");
    cr_assert_eq(bulk("tfill", false), FL_TRAP_NONE);
    cr_assert_eq(t->elems[BULK_TABLE - 1], g);

    for (uint32_t i = 0; i < BULK_TABLE; i++)
        t->elems[i] = NULL;
    cr_assert_eq(bulk("tinit", true), FL_TRAP_INTERRUPTED);
    cr_assert_eq(t->elems[ECHUNK - 1], g);
    cr_assert_null(t->elems[ECHUNK], "past the first chunk: not written");
    cr_assert_eq(bulk("tinit", false), FL_TRAP_NONE);
    cr_assert_eq(t->elems[BULK_ELEMS - 1], g);
    cr_assert_null(t->elems[BULK_ELEMS]);

    /* table.copy moves pointers: 16 MiB of them is the chunk */
    uint32_t pchunk = CHUNK / sizeof(void *);
    for (uint32_t i = 0; i < BULK_TABLE; i++)
        t->elems[i] = (void *)(uintptr_t)(i + 1);
    cr_assert_eq(bulk("tcopy", true), FL_TRAP_INTERRUPTED);
    cr_assert_eq(t->elems[0], (void *)(uintptr_t)2);
    cr_assert_eq(t->elems[pchunk - 1], (void *)(uintptr_t)(pchunk + 1));
    cr_assert_eq(t->elems[pchunk], (void *)(uintptr_t)(pchunk + 1), "not written");
    cr_assert_eq(bulk("tcopy", false), FL_TRAP_NONE);
    cr_assert_eq(t->elems[BULK_TABLE - 2], (void *)(uintptr_t)BULK_TABLE);
    for (uint32_t i = 0; i < BULK_TABLE; i++)
        t->elems[i] = NULL; /* not functions: leave none behind */
}
