/*
 * spectest_host.c: the `spectest` module of the spec test suite, as the
 * reference interpreter defines it.  The print functions print nothing:
 * the runner's output is its summary, not the tests' chatter.
 */
#include "cli/spectest_host.h"

static fl_trap spectest_print(fl_host_call *call, fl_value *args_results) {
    (void)call;
    (void)args_results;
    return FL_TRAP_NONE;
}

static const fl_host_def spectest_funcs[] = {
    {"spectest", "print", ":", spectest_print, NULL},
    {"spectest", "print_i32", "i:", spectest_print, NULL},
    {"spectest", "print_i64", "I:", spectest_print, NULL},
    {"spectest", "print_f32", "f:", spectest_print, NULL},
    {"spectest", "print_f64", "F:", spectest_print, NULL},
    {"spectest", "print_i32_f32", "if:", spectest_print, NULL},
    {"spectest", "print_f64_f64", "FF:", spectest_print, NULL},
};

/* Creates an immutable global and defines it as spectest.name. */
static int define_global(fl_linker *l, fl_store *s, const char *name, uint8_t type,
                         fl_value value) {
    fl_global *g = fl_global_new(s, (fl_globaltype){.valtype = type, .mutable_ = false}, value);
    if (!g)
        return -1;
    return fl_linker_define(l, "spectest", name,
                            (fl_extern){.kind = FL_EXTERN_GLOBAL, .as.global = g});
}

int fl_spectest_define(fl_linker *l, fl_store *s) {
    if (fl_linker_define_host(l, spectest_funcs,
                              sizeof spectest_funcs / sizeof spectest_funcs[0]) < 0)
        return -1;

    if (define_global(l, s, "global_i32", FL_I32, (fl_value){.i32 = 666}) < 0 ||
        define_global(l, s, "global_i64", FL_I64, (fl_value){.i64 = 666}) < 0 ||
        define_global(l, s, "global_f32", FL_F32, (fl_value){.f32 = 666.6f}) < 0 ||
        define_global(l, s, "global_f64", FL_F64, (fl_value){.f64 = 666.6}) < 0)
        return -1;

    fl_tabletype tt = {.elemtype = FL_FUNCREF, .limits = {.min = 10, .max = 20, .has_max = true}};
    fl_table *table = fl_table_new(s, tt, NULL);
    if (!table)
        return -1;
    if (fl_linker_define(l, "spectest", "table",
                         (fl_extern){.kind = FL_EXTERN_TABLE, .as.table = table}) < 0)
        return -1;

    fl_memory *mem = fl_memory_new(s, (fl_limits){.min = 1, .max = 2, .has_max = true});
    if (!mem)
        return -1;
    return fl_linker_define(l, "spectest", "memory",
                            (fl_extern){.kind = FL_EXTERN_MEMORY, .as.memory = mem});
}
