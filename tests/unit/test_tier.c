/*
 * test_tier.c: the tier seam (engine/tier.h).  A test tier implements a
 * module's functions in C; interpreted code calls it and it calls
 * interpreted code back, so a call crosses the seam both ways: the
 * interpreter -> the test tier -> the interpreter, results and traps
 * included.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine/module.h"
#include "engine/runtime.h"
#include "engine/tier.h"

#include "tier_inner.wasm.h"
#include "tier_native.wasm.h"
#include "tier_outer.wasm.h"

static int test_prepare(fl_module *m, const fl_load_opts *opts, fl_error *err) {
    (void)opts;
    m->tier_code = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *m->tier_code);
    if (!m->tier_code)
        return fl_error_set(err, 0, "out of memory");
    for (uint32_t i = 0; i < m->nfuncs; i++)
        m->tier_code[i] = (void *)(uintptr_t)(i + 1); /* which C body: its index */
    return 0;
}

static void test_release(fl_module *m) {
    free(m->tier_code);
    m->tier_code = NULL;
}

static int calls_into_test_tier;

/* Calls function f of whatever tier through the seam. */
static fl_trap call_through(fl_exec *ex, fl_funcinst *f, fl_value *slots) {
    return f->tier->call(ex, f, slots, slots);
}

/* twice_inc(x) = inc(inc(x)); boom() = div0(): both call the imported,
 * interpreted functions (function indices 0 and 1). */
static fl_trap test_call(fl_exec *ex, fl_funcinst *f, const fl_value *args, fl_value *results) {
    calls_into_test_tier++;
    fl_funcinst *inc = f->instance->funcs[0], *div0 = f->instance->funcs[1];
    fl_value v[1];
    fl_trap t;
    switch ((uintptr_t)f->code) {
    case 1: /* twice_inc */
        v[0] = args[0];
        if ((t = call_through(ex, inc, v)) != FL_TRAP_NONE ||
            (t = call_through(ex, inc, v)) != FL_TRAP_NONE)
            return t;
        results[0] = v[0];
        return FL_TRAP_NONE;
    case 2: /* boom */
        if ((t = call_through(ex, div0, v)) != FL_TRAP_NONE)
            return t;
        results[0] = v[0];
        return FL_TRAP_NONE;
    }
    return FL_TRAP_UNREACHABLE;
}

static const fl_tier test_tier = {"test", test_prepare, test_release, test_call};

Test(tier, calls_cross_the_seam_both_ways) {
    fl_error err = {0};
    fl_module *inner = fl_module_load(tier_inner_wasm, sizeof tier_inner_wasm, &err);
    fl_load_opts o = {.tier = &test_tier};
    fl_module *native = fl_module_load_opts(tier_native_wasm, sizeof tier_native_wasm, &o, &err);
    fl_module *outer = fl_module_load(tier_outer_wasm, sizeof tier_outer_wasm, &err);
    cr_assert(inner && native && outer, "%s", err.message);
    cr_assert_eq(native->tier, &test_tier);
    cr_assert_eq(inner->tier, fl_default_tier, "a module loaded without a tier gets the default");

    fl_store *s = fl_store_new(NULL);
    fl_linker *l = fl_linker_new(s);
    fl_exec *ex = fl_exec_new(0);
    fl_instance *ii, *ni, *oi;
    cr_assert_eq(fl_instantiate(s, inner, l, ex, &ii, &err), FL_INST_OK, "%s", err.message);
    cr_assert_eq(fl_linker_define_instance(l, "inner", ii), 0);
    cr_assert_eq(fl_instantiate(s, native, l, ex, &ni, &err), FL_INST_OK, "%s", err.message);
    cr_assert_eq(fl_linker_define_instance(l, "native", ni), 0);
    cr_assert_eq(fl_instantiate(s, outer, l, ex, &oi, &err), FL_INST_OK, "%s", err.message);

    /* interpreter -> test tier -> interpreter (twice) -> back */
    fl_value v = {.i32 = 5};
    calls_into_test_tier = 0;
    cr_assert_eq(fl_invoke(ex, fl_instance_func(oi, "run"), &v, 1, &v, 1), FL_TRAP_NONE);
    cr_assert_eq(v.i32, 70, "(5 + 1 + 1) * 10");
    cr_assert_eq(calls_into_test_tier, 1);
    /* the host into the test tier directly */
    v.i32 = 1;
    cr_assert_eq(fl_invoke(ex, fl_instance_func(ni, "twice_inc"), &v, 1, &v, 1), FL_TRAP_NONE);
    cr_assert_eq(v.i32, 3);
    /* a trap in interpreted code crosses both seams unchanged */
    cr_assert_eq(fl_invoke(ex, fl_instance_func(oi, "run_boom"), NULL, 0, &v, 1),
                 FL_TRAP_DIV_ZERO);
    /* and the exec is usable afterwards */
    v.i32 = 0;
    cr_assert_eq(fl_invoke(ex, fl_instance_func(oi, "run"), &v, 1, &v, 1), FL_TRAP_NONE);
    cr_assert_eq(v.i32, 20);

    fl_exec_free(ex);
    fl_linker_free(l);
    fl_store_free(s);
    fl_module_free(outer);
    fl_module_free(native);
    fl_module_free(inner);
}
