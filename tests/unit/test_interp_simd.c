/*
 * test_interp_simd.c: v128 values in the interpreter's frames
 * (tests/unit/wat/interp_simd.wat): two slots each wherever values sit,
 * through params, locals, calls, results, blocks, branches, select, drop,
 * globals, the constant pool and the compiler's lazy window.  The lane
 * arithmetic itself is test_simd_ops.c's and the spec suite's.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "engine/module.h"
#include "engine/runtime.h"

#include "interp_simd.wasm.h"

static fl_module *m;
static fl_store *s;
static fl_exec *ex;
static fl_instance *inst;

static void setup(void) {
    fl_error err = {0};
    m = fl_module_load(interp_simd_wasm, sizeof interp_simd_wasm, &err);
    cr_assert_not_null(m, "load: %s", err.message);
    s = fl_store_new(NULL);
    ex = fl_exec_new(0);
    cr_assert_eq(fl_instantiate(s, m, NULL, ex, &inst, &err), FL_INST_OK, "%s", err.message);
}

static void teardown(void) {
    fl_exec_free(ex);
    fl_store_free(s);
    fl_module_free(m);
}

TestSuite(interp_simd, .init = setup, .fini = teardown);

/* export(name)(a) -> i32, or (no argument) when nargs is 0 */
static uint32_t call_i32(const char *name, uint32_t nargs, uint32_t a) {
    fl_funcinst *f = fl_instance_func(inst, name);
    cr_assert_not_null(f, "no export %s", name);
    fl_value v[1] = {{.i32 = a}};
    fl_trap t = fl_invoke(ex, f, v, nargs, v, 1);
    cr_assert_eq(t, FL_TRAP_NONE, "%s trapped: %s %s", name, fl_trap_message(t),
                 ex->trap_detail);
    return v[0].i32;
}

static void set_v128(fl_value *slots, const uint32_t lanes[4]) { memcpy(slots, lanes, 16); }

Test(interp_simd, params_and_result_take_two_slots_each) {
    fl_funcinst *f = fl_instance_func(inst, "params");
    cr_assert_eq(f->type->nparams, 5);
    cr_assert_eq(f->type->param_slots, 7);
    cr_assert_eq(f->type->result_slots, 2);
    fl_value v[7] = {{.i32 = 1}};
    set_v128(&v[1], (const uint32_t[]){1, 2, 3, 4});
    v[3].i64 = 10;
    set_v128(&v[4], (const uint32_t[]){100, 200, 300, 400});
    v[6].f64 = 1000.7;
    cr_assert_eq(fl_invoke(ex, f, v, 7, v, 2), FL_TRAP_NONE, "%s", ex->trap_detail);
    uint32_t got[4];
    memcpy(got, v, 16);
    cr_assert(got[0] == 1112 && got[1] == 1213 && got[2] == 1314 && got[3] == 1415,
              "got %u %u %u %u", got[0], got[1], got[2], got[3]);
    /* the counts are slots: five values is a signature mismatch */
    cr_assert_eq(fl_invoke(ex, f, v, 5, v, 1), FL_TRAP_SIGNATURE);
}

Test(interp_simd, calls_results_and_locals) {
    cr_assert_eq(call_i32("calls", 1, 5), 1105);
    cr_assert_eq(call_i32("calls", 1, 0), 1100);
}

Test(interp_simd, select_and_drop) {
    cr_assert_eq(call_i32("sel", 1, 1), 10000010);
    cr_assert_eq(call_i32("sel", 1, 0), 101000);
}

Test(interp_simd, blocks_loops_and_branches) {
    cr_assert_eq(call_i32("blocks", 1, 0), 86);  /* br_if out with lanes 1..4; loop to 20 */
    cr_assert_eq(call_i32("blocks", 1, 2), 414); /* +100, one round of the loop */
    cr_assert_eq(call_i32("blocks", 1, 1), 828); /* ... and doubled by the if */
}

Test(interp_simd, br_table_moves_wide_values) {
    cr_assert_eq(call_i32("table", 1, 0), 7660);
    cr_assert_eq(call_i32("table", 1, 1), 17660);
    cr_assert_eq(call_i32("table", 1, 9), 7660); /* the default */
}

Test(interp_simd, globals_tee_deep_stacks_and_constants) {
    cr_assert_eq(call_i32("glob", 1, 1), 14);
    cr_assert_eq(call_i32("glob", 1, 10), 54); /* the global kept its value */
    cr_assert_eq(call_i32("tee", 1, 3), 24);
    cr_assert_eq(call_i32("deep", 1, 2), 320);
    cr_assert_eq(call_i32("consts", 0, 0), 667);
}

Test(interp_simd, memory_and_its_bounds) {
    cr_assert_eq(call_i32("mem", 1, 0), 107);
    cr_assert_eq(call_i32("mem", 1, 65536 - 32), 107); /* the last 16 bytes */
    fl_funcinst *f = fl_instance_func(inst, "mem");
    fl_value v[1] = {{.i32 = 65536 - 31}};
    cr_assert_eq(fl_invoke(ex, f, v, 1, v, 1), FL_TRAP_MEMORY_OOB);
}
