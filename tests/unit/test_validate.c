/*
 * test_validate.c: the validator (engine/validate.h) on hand-built modules:
 * valid code passes, each kind of invalid module fails with the spec's
 * words.  Also fl_module_load's refusal paths.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "engine/config.h"
#include "engine/decode.h"
#include "engine/module.h"
#include "engine/validate.h"

#include "wasm_builder.h"

/* Types: 0 = [] -> [], 1 = [i32 i32] -> [i32], 2 = [] -> [i32]; one
 * function of type `t`. */
static void with_types(wbuf *w, uint8_t t) {
    header(w);
    SECTION(w, 1, 0x03, 0x60, 0x00, 0x00, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00,
            0x01, 0x7f);
    const uint8_t funcs[] = {0x01, t};
    section(w, 3, funcs, sizeof funcs);
}

static int validate(const wbuf *w, fl_error *err) {
    memset(err, 0, sizeof *err);
    fl_module *m = fl_decode(w->b, w->n, err);
    cr_assert_not_null(m, "decode failed: %s", err->message);
    int rc = fl_validate(m, err);
    fl_module_free(m);
    return rc;
}

static void expect_valid(const wbuf *w) {
    fl_error err;
    cr_assert_eq(validate(w, &err), 0, "invalid: %s at %zu", err.message, err.offset);
}

/* Expects validation to fail with a message that starts with `msg` (index
 * suffixes such as "unknown local 3" are allowed, as in the spec runner). */
static void expect_invalid(const wbuf *w, const char *msg) {
    fl_error err;
    cr_assert_eq(validate(w, &err), -1, "valid, expected \"%s\"", msg);
    cr_assert_eq(strncmp(err.message, msg, strlen(msg)), 0, "got \"%s\", expected \"%s\"",
                 err.message, msg);
}

Test(validate, add_function) {
    wbuf w;
    with_types(&w, 1);
    CODE1(&w, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b);
    expect_valid(&w);
}

Test(validate, blocks_branches_and_locals) {
    wbuf w;
    with_types(&w, 2);
    /* (local i64) block (result i32) i32.const 1 br_if 0 ... loop br 0 */
    CODE1(&w, 0x01, 0x01, 0x7e,
          0x02, 0x7f,                   /* block (result i32) */
          0x41, 0x07, 0x41, 0x01, 0x0d, 0x00, /* i32.const 7, i32.const 1, br_if 0 */
          0x03, 0x40, 0x0b,             /* loop end */
          0x0b,                         /* end block */
          0x20, 0x00, 0xa7, 0x6a,       /* local.get 0, i32.wrap_i64, i32.add */
          0x0b);
    expect_valid(&w);
}

Test(validate, unreachable_code_is_polymorphic) {
    wbuf w;
    with_types(&w, 2);
    /* unreachable, i32.add, then a branch table over nothing */
    CODE1(&w, 0x00, 0x00, 0x6a, 0x0e, 0x00, 0x00, 0x0b);
    expect_valid(&w);
}

Test(validate, multi_value_block_from_type_index) {
    wbuf w;
    with_types(&w, 2);
    /* i32.const 1, i32.const 2, block (type 1) [i32 i32] -> [i32] i32.add end */
    CODE1(&w, 0x00, 0x41, 0x01, 0x41, 0x02, 0x02, 0x01, 0x6a, 0x0b, 0x0b);
    expect_valid(&w);
}

Test(validate, type_mismatches) {
    wbuf w;
    with_types(&w, 2);
    CODE1(&w, 0x00, 0x42, 0x01, 0x0b); /* i64 result for an i32 function */
    expect_invalid(&w, "type mismatch");

    with_types(&w, 0);
    CODE1(&w, 0x00, 0x41, 0x01, 0x0b); /* value left on the stack */
    expect_invalid(&w, "type mismatch");

    with_types(&w, 2);
    CODE1(&w, 0x00, 0x41, 0x01, 0x04, 0x7f, 0x41, 0x02, 0x0b, 0x0b); /* if without else */
    expect_invalid(&w, "type mismatch");

    with_types(&w, 0);
    CODE1(&w, 0x00, 0x41, 0x00, 0xd1, 0x1a, 0x0b); /* ref.is_null on i32 */
    expect_invalid(&w, "type mismatch");
}

Test(validate, br_table_arity) {
    wbuf w;
    with_types(&w, 0);
    /* block (result i32) block br_table 0 1 (i32.const 0 ...) */
    CODE1(&w, 0x00, 0x02, 0x7f, 0x02, 0x40, 0x41, 0x00, 0x41, 0x00, 0x0e, 0x01, 0x00, 0x01,
          0x0b, 0x0b, 0x1a, 0x0b);
    expect_invalid(&w, "type mismatch");
}

Test(validate, unknown_indices) {
    wbuf w;
    with_types(&w, 0);
    CODE1(&w, 0x00, 0x20, 0x00, 0x1a, 0x0b);
    expect_invalid(&w, "unknown local");

    with_types(&w, 0);
    CODE1(&w, 0x00, 0x0c, 0x01, 0x0b);
    expect_invalid(&w, "unknown label");

    with_types(&w, 0);
    CODE1(&w, 0x00, 0x10, 0x05, 0x0b);
    expect_invalid(&w, "unknown function");

    with_types(&w, 0);
    CODE1(&w, 0x00, 0x23, 0x00, 0x1a, 0x0b);
    expect_invalid(&w, "unknown global");

    with_types(&w, 0);
    CODE1(&w, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x1a, 0x0b);
    expect_invalid(&w, "unknown memory");

    with_types(&w, 0);
    CODE1(&w, 0x00, 0x41, 0x00, 0x11, 0x00, 0x00, 0x0b);
    expect_invalid(&w, "unknown table");

    with_types(&w, 0);
    CODE1(&w, 0x00, 0xfc, 0x0d, 0x00, 0x0b);
    expect_invalid(&w, "unknown elem segment");

    with_types(&w, 0);
    CODE1(&w, 0x00, 0x02, 0x09, 0x0b, 0x0b); /* block type 9 */
    expect_invalid(&w, "unknown type");
}

Test(validate, globals) {
    wbuf w;
    with_types(&w, 0);
    SECTION(&w, 6, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x0b);
    CODE1(&w, 0x00, 0x41, 0x01, 0x24, 0x00, 0x0b);
    expect_invalid(&w, "global is immutable");

    header(&w);
    SECTION(&w, 6, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x41, 0x00, 0x6a, 0x0b);
    expect_invalid(&w, "constant expression required");

    header(&w);
    SECTION(&w, 6, 0x01, 0x7f, 0x00, 0x42, 0x00, 0x0b);
    expect_invalid(&w, "type mismatch");

    /* global.get of a defined global in an initializer: wasm 2.0 forbids it */
    header(&w);
    SECTION(&w, 6, 0x02, 0x7f, 0x00, 0x41, 0x00, 0x0b, 0x7f, 0x00, 0x23, 0x00, 0x0b);
    expect_invalid(&w, "unknown global");

    /* ... but an imported immutable one is fine */
    header(&w);
    SECTION(&w, 2, 0x01, 0x01, 'm', 0x01, 'g', 0x03, 0x7f, 0x00);
    SECTION(&w, 6, 0x01, 0x7f, 0x00, 0x23, 0x00, 0x0b);
    expect_valid(&w);
}

Test(validate, memories_and_alignment) {
    wbuf w;
    header(&w);
    SECTION(&w, 5, 0x02, 0x00, 0x01, 0x00, 0x01);
    expect_invalid(&w, "multiple memories");

    header(&w);
    SECTION(&w, 5, 0x01, 0x00, 0x81, 0x80, 0x04); /* 65537 pages */
    expect_invalid(&w, "memory size must be at most 65536 pages (4GiB)");

    header(&w);
    SECTION(&w, 5, 0x01, 0x01, 0x02, 0x01);
    expect_invalid(&w, "size minimum must not be greater than maximum");

    with_types(&w, 0);
    SECTION(&w, 5, 0x01, 0x00, 0x01);
    CODE1(&w, 0x00, 0x41, 0x00, 0x28, 0x03, 0x00, 0x1a, 0x0b); /* i32.load align 8 */
    expect_invalid(&w, "alignment must not be larger than natural");

    with_types(&w, 0);
    SECTION(&w, 5, 0x01, 0x00, 0x01);
    CODE1(&w, 0x00, 0x41, 0x00, 0x28, 0x02, 0x04, 0x1a, 0x0b);
    expect_valid(&w);
}

Test(validate, exports_and_start) {
    wbuf w;
    with_types(&w, 0);
    SECTION(&w, 7, 0x02, 0x01, 'f', 0x00, 0x00, 0x01, 'f', 0x00, 0x00);
    CODE1(&w, 0x00, 0x0b);
    expect_invalid(&w, "duplicate export name");

    with_types(&w, 2);
    SECTION(&w, 8, 0x00);
    CODE1(&w, 0x00, 0x41, 0x00, 0x0b);
    expect_invalid(&w, "start function");

    with_types(&w, 0);
    SECTION(&w, 8, 0x00);
    CODE1(&w, 0x00, 0x0b);
    expect_valid(&w);
}

Test(validate, function_references_must_be_declared) {
    wbuf w;
    with_types(&w, 0);
    CODE1(&w, 0x00, 0xd2, 0x00, 0x1a, 0x0b);
    expect_invalid(&w, "undeclared function reference");

    with_types(&w, 0);
    SECTION(&w, 9, 0x01, 0x03, 0x00, 0x01, 0x00); /* declarative segment names func 0 */
    CODE1(&w, 0x00, 0xd2, 0x00, 0x1a, 0x0b);
    expect_valid(&w);
}

Test(validate, tables_and_typed_select) {
    wbuf w;
    with_types(&w, 0);
    SECTION(&w, 4, 0x02, 0x70, 0x00, 0x01, 0x6f, 0x00, 0x01);
    /* table.copy 0 1 between funcref and externref tables */
    CODE1(&w, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0e, 0x00, 0x01, 0x0b);
    expect_invalid(&w, "type mismatch");

    with_types(&w, 0);
    SECTION(&w, 4, 0x02, 0x70, 0x00, 0x01, 0x6f, 0x00, 0x01);
    /* table.size 1, ref.null extern, table.grow 1, select (result i32), drop */
    CODE1(&w, 0x00, 0xd0, 0x6f, 0x41, 0x01, 0xfc, 0x0f, 0x01, 0xfc, 0x10, 0x01, 0x41, 0x00,
          0x1c, 0x01, 0x7f, 0x1a, 0x0b);
    expect_valid(&w);

    with_types(&w, 0);
    /* untyped select on references */
    CODE1(&w, 0x00, 0xd0, 0x70, 0xd0, 0x70, 0x41, 0x00, 0x1b, 0x1a, 0x0b);
    expect_invalid(&w, "type mismatch");
}

Test(validate, data_segments_need_datacount_indices) {
    wbuf w;
    with_types(&w, 0);
    SECTION(&w, 5, 0x01, 0x00, 0x01);
    SECTION(&w, 12, 0x01);
    CODE1(&w, 0x00, 0xfc, 0x09, 0x01, 0x0b); /* data.drop 1 of 1 segment */
    SECTION(&w, 11, 0x01, 0x01, 0x00);
    expect_invalid(&w, "unknown data segment");
}

Test(module_load, refuses_malformed_and_invalid) {
    fl_error err;
    memset(&err, 0, sizeof err);
    const uint8_t bad_magic[] = {0, 'a', 's', 'x', 1, 0, 0, 0};
    cr_assert_null(fl_module_load(bad_magic, sizeof bad_magic, &err));
    cr_assert_str_eq(err.message, "magic header not detected");

    wbuf w;
    with_types(&w, 2);
    CODE1(&w, 0x00, 0x0b); /* missing the i32 result */
    cr_assert_null(fl_module_load(w.b, w.n, &err));
    cr_assert_str_eq(err.message, "type mismatch");
}

/* br_table checks each distinct label type once; a loop's label (its
 * params) and a block's (its results) of one type index are distinct. */
Test(validate, br_table_checks_every_distinct_label_type) {
    wbuf w;
    header(&w);
    /* 0: [] -> [], 1: [i32] -> [f32] */
    SECTION(&w, 1, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7d);
    SECTION(&w, 3, 0x01, 0x00);
    /* i32.const 0, block (type 1), loop (type 1): an i32 on the stack;
     * br_table [0 1] 0: the loop takes an i32, the block an f32 */
    CODE1(&w, 0x00, 0x41, 0x00, 0x02, 0x01, 0x03, 0x01, 0x41, 0x00, 0x0e, 0x02, 0x00, 0x01,
          0x00, 0x0b, 0x0b, 0x1a, 0x0b);
    expect_invalid(&w, "type mismatch");
    /* the same with the targets the other way round, and valid with [0 0] 0 */
    header(&w);
    SECTION(&w, 1, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7d);
    SECTION(&w, 3, 0x01, 0x00);
    CODE1(&w, 0x00, 0x41, 0x00, 0x02, 0x01, 0x03, 0x01, 0x41, 0x00, 0x0e, 0x02, 0x01, 0x00,
          0x00, 0x0b, 0x0b, 0x1a, 0x0b);
    expect_invalid(&w, "type mismatch");
    header(&w);
    SECTION(&w, 1, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7d);
    SECTION(&w, 3, 0x01, 0x00);
    CODE1(&w, 0x00, 0x41, 0x00, 0x02, 0x01, 0x03, 0x01, 0x41, 0x00, 0x0e, 0x02, 0x00, 0x00,
          0x00, 0x0b, 0x0b, 0x1a, 0x0b);
    expect_valid(&w);
}

/* Operand stack height (FL_MAX_STACK_HEIGHT): calls of a 1000-result
 * function fill it with 2 bytes each, plus constants to land exactly. */
static void deep_stack(hbuf *h, uint32_t values) {
    hbuf s = {0};
    hheader(h);
    /* 0: [] -> [], 1: [] -> [i32 x 1000] */
    hbyte(&s, 0x02);
    static const uint8_t t0[] = {0x60, 0x00, 0x00};
    hput(&s, t0, sizeof t0);
    hbyte(&s, 0x60);
    hbyte(&s, 0x00);
    hleb(&s, 1000);
    hfill(&s, 0x7f, 1000);
    hsection(h, 1, &s);
    s.n = 0;
    static const uint8_t funcs[] = {0x02, 0x01, 0x00};
    hput(&s, funcs, sizeof funcs);
    hsection(h, 3, &s);
    hbuf f0 = {0}, f1 = {0};
    hbyte(&f0, 0x00);
    for (int i = 0; i < 1000; i++) {
        hbyte(&f0, 0x41);
        hbyte(&f0, 0x00);
    }
    hbyte(&f0, 0x0b);
    hbyte(&f1, 0x00);
    for (uint32_t i = 0; i < values / 1000; i++) {
        hbyte(&f1, 0x10);
        hbyte(&f1, 0x00);
    }
    for (uint32_t i = 0; i < values % 1000; i++) {
        hbyte(&f1, 0x41);
        hbyte(&f1, 0x00);
    }
    hbyte(&f1, 0x00); /* unreachable: the values need not be dropped */
    hbyte(&f1, 0x0b);
    s.n = 0;
    hbyte(&s, 0x02);
    hleb(&s, (uint32_t)f0.n);
    hput(&s, f0.b, f0.n);
    hleb(&s, (uint32_t)f1.n);
    hput(&s, f1.b, f1.n);
    hsection(h, 10, &s);
    hfree(&s);
    hfree(&f0);
    hfree(&f1);
}

Test(validate, limit_on_operand_stack_height) {
    hbuf h = {0};
    fl_error err;
    deep_stack(&h, FL_MAX_STACK_HEIGHT);
    fl_module *m = fl_module_load(h.b, h.n, &err);
    cr_assert_not_null(m, "%s at %zu", err.message, err.offset);
    fl_module_free(m);
    deep_stack(&h, FL_MAX_STACK_HEIGHT + 1);
    cr_assert_null(fl_module_load(h.b, h.n, &err));
    cr_assert_str_eq(err.message, "operand stack too deep");
    hfree(&h);
}
