/*
 * test_decode.c: the binary decoder (engine/decode.h): well-formed modules
 * land in the right fields, malformed ones fail with the spec's words.
 * Modules are built by hand with a small section writer.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "engine/config.h"
#include "engine/decode.h"
#include "engine/module.h"

#include "wasm_builder.h"

/* Expects decoding to fail with exactly `msg`. */
static void expect_malformed(const wbuf *w, const char *msg) {
    fl_error err;
    memset(&err, 0, sizeof err);
    fl_module *m = fl_decode(w->b, w->n, &err);
    cr_assert_null(m, "decoded, expected \"%s\"", msg);
    cr_assert_str_eq(err.message, msg);
    cr_assert_leq(err.offset, w->n);
}

static fl_module *decode_ok(const wbuf *w) {
    fl_error err;
    memset(&err, 0, sizeof err);
    fl_module *m = fl_decode(w->b, w->n, &err);
    cr_assert_not_null(m, "decode failed: %s at %zu", err.message, err.offset);
    return m;
}

/* One type [] -> [], one function of that type. */
static void one_func(wbuf *w) {
    header(w);
    SECTION(w, 1, 0x01, 0x60, 0x00, 0x00);
    SECTION(w, 3, 0x01, 0x00);
}

Test(decode, empty_module) {
    wbuf w;
    header(&w);
    fl_module *m = decode_ok(&w);
    cr_assert_eq(m->ntypes, 0);
    cr_assert_eq(m->nfuncs, 0);
    cr_assert_eq(m->binary_len, 8);
    cr_assert_neq(m->binary, w.b, "the module must own a copy");
    fl_module_free(m);
}

Test(decode, header_errors) {
    wbuf w = {.n = 0};
    expect_malformed(&w, "unexpected end");
    put(&w, (const uint8_t *)"\0as", 3);
    expect_malformed(&w, "unexpected end");
    w.n = 0;
    put(&w, (const uint8_t *)"\0ASM\1\0\0\0", 8);
    expect_malformed(&w, "magic header not detected");
    w.n = 0;
    put(&w, (const uint8_t *)"\0asm\2\0\0\0", 8);
    expect_malformed(&w, "unknown binary version");
    w.n = 0;
    put(&w, (const uint8_t *)"\0asm\1\0\0", 7);
    expect_malformed(&w, "unexpected end");
}

Test(decode, function_with_locals_export_and_names) {
    wbuf w;
    header(&w);
    SECTION(&w, 1, 0x01, 0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7f); /* (i32 i64) -> i32 */
    SECTION(&w, 3, 0x01, 0x00);
    SECTION(&w, 7, 0x01, 0x03, 'a', 'd', 'd', 0x00, 0x00);
    /* locals: 2 x f32, 1 x i64; body: local.get 0, end */
    CODE1(&w, 0x02, 0x02, 0x7d, 0x01, 0x7e, 0x20, 0x00, 0x0b);
    /* name section: module "mod", function 0 "adder" */
    SECTION(&w, 0, 0x04, 'n', 'a', 'm', 'e', 0x00, 0x04, 0x03, 'm', 'o', 'd', 0x01, 0x08,
            0x01, 0x00, 0x05, 'a', 'd', 'd', 'e', 'r');
    fl_module *m = decode_ok(&w);
    cr_assert_eq(m->ntypes, 1);
    cr_assert_eq(m->types[0].nparams, 2);
    cr_assert_eq(m->types[0].params[1], FL_I64);
    cr_assert_eq(m->types[0].nresults, 1);
    cr_assert_eq(m->types[0].results[0], FL_I32);
    cr_assert_eq(m->nfuncs, 1);
    const fl_func *f = &m->funcs[0];
    cr_assert_eq(f->nlocals, 3);
    cr_assert_eq(f->nlocal_runs, 2);
    cr_assert_eq(f->local_runs[0].count, 2);
    cr_assert_eq(f->local_runs[0].valtype, FL_F32);
    cr_assert_eq(f->local_runs[1].count, 1);
    cr_assert_eq(f->local_runs[1].valtype, FL_I64);
    cr_assert_eq(f->code_len, 3);
    cr_assert_eq(f->code[0], 0x20);
    cr_assert_eq(m->binary[f->code_offset], 0x20);
    cr_assert_eq(m->func_type_indices[0], 0);
    const fl_export *e = fl_module_find_export(m, "add");
    cr_assert_not_null(e);
    cr_assert_eq(e->kind, FL_EXTERN_FUNC);
    cr_assert_eq(e->name_len, 3);
    cr_assert_null(fl_module_find_export(m, "ad"));
    cr_assert_eq(m->ncustoms, 1);
    cr_assert_str_eq(m->customs[0].name, "name");
    cr_assert_str_eq(m->module_name, "mod");
    cr_assert_str_eq(f->debug_name, "adder");
    fl_module_free(m);
}

Test(decode, malformed_name_section_is_ignored) {
    wbuf w;
    one_func(&w);
    CODE1(&w, 0x00, 0x0b);
    /* function names subsection claims 5 entries but holds one truncated name */
    SECTION(&w, 0, 0x04, 'n', 'a', 'm', 'e', 0x01, 0x04, 0x05, 0x00, 0x09, 'x');
    fl_module *m = decode_ok(&w);
    cr_assert_null(m->funcs[0].debug_name);
    fl_module_free(m);
}

Test(decode, imports_and_index_spaces) {
    wbuf w;
    header(&w);
    SECTION(&w, 1, 0x01, 0x60, 0x00, 0x00);
    SECTION(&w, 2, 0x03,
            0x01, 'm', 0x01, 'f', 0x00, 0x00,             /* func type 0 */
            0x01, 'm', 0x01, 'g', 0x03, 0x7e, 0x01,       /* global mut i64 */
            0x01, 'm', 0x01, 't', 0x01, 0x70, 0x01, 0x01, 0x02); /* table funcref 1..2 */
    SECTION(&w, 3, 0x01, 0x00);
    SECTION(&w, 6, 0x01, 0x7f, 0x00, 0x41, 0x05, 0x0b); /* global i32 = 5 */
    CODE1(&w, 0x00, 0x0b);
    fl_module *m = decode_ok(&w);
    cr_assert_eq(m->nimports, 3);
    cr_assert_eq(m->nimported_funcs, 1);
    cr_assert_eq(m->nimported_globals, 1);
    cr_assert_eq(m->nimported_tables, 1);
    cr_assert_eq(fl_module_total_funcs(m), 2);
    cr_assert_eq(fl_module_total_globals(m), 2);
    cr_assert_eq(fl_module_global_type(m, 0).valtype, FL_I64);
    cr_assert(fl_module_global_type(m, 0).mutable_);
    cr_assert_eq(fl_module_global_type(m, 1).valtype, FL_I32);
    cr_assert_eq(fl_module_table_type(m, 0).limits.max, 2);
    cr_assert_not_null(fl_module_func_type(m, 1));
    cr_assert_null(fl_module_func_type(m, 2));
    cr_assert_eq(m->globals[0].init.len, 3);
    fl_module_free(m);
}

Test(decode, element_segments_all_encodings) {
    wbuf w;
    one_func(&w);
    SECTION(&w, 4, 0x01, 0x70, 0x00, 0x01);
    SECTION(&w, 9, 0x04,
            0x00, 0x41, 0x00, 0x0b, 0x01, 0x80, 0x01,       /* active, func index 128 */
            0x01, 0x00, 0x01, 0x00,                          /* passive, func 0 */
            0x05, 0x70, 0x02, 0xd2, 0x00, 0x0b, 0xd0, 0x70, 0x0b, /* passive exprs */
            0x03, 0x00, 0x00);                              /* declarative, empty */
    CODE1(&w, 0x00, 0x0b);
    fl_module *m = decode_ok(&w);
    cr_assert_eq(m->nelems, 4);
    cr_assert_eq(m->elems[0].mode, FL_SEGMENT_ACTIVE);
    cr_assert_eq(m->elems[0].nitems, 1);
    const uint8_t synth[] = {0xd2, 0x80, 0x01, 0x0b};
    cr_assert_eq(m->elems[0].items[0].len, sizeof synth);
    cr_assert_arr_eq(m->elems[0].items[0].code, synth, sizeof synth);
    cr_assert_eq(m->elems[1].mode, FL_SEGMENT_PASSIVE);
    cr_assert_eq(m->elems[2].nitems, 2);
    cr_assert_eq(m->elems[2].elemtype, FL_FUNCREF);
    cr_assert_eq(m->elems[2].items[1].code[0], 0xd0);
    cr_assert_eq(m->elems[3].mode, FL_SEGMENT_DECLARATIVE);
    fl_module_free(m);
}

Test(decode, data_segments) {
    wbuf w;
    header(&w);
    SECTION(&w, 5, 0x01, 0x00, 0x01);
    SECTION(&w, 12, 0x02);
    SECTION(&w, 11, 0x02, 0x00, 0x41, 0x08, 0x0b, 0x02, 'h', 'i', 0x01, 0x01, 'x');
    fl_module *m = decode_ok(&w);
    cr_assert(m->has_datacount);
    cr_assert_eq(m->ndatas, 2);
    cr_assert_eq(m->datas[0].mode, FL_SEGMENT_ACTIVE);
    cr_assert_eq(m->datas[0].len, 2);
    cr_assert_eq(memcmp(m->datas[0].bytes, "hi", 2), 0);
    cr_assert_eq(m->datas[1].mode, FL_SEGMENT_PASSIVE);
    fl_module_free(m);
}

Test(decode, section_errors) {
    wbuf w;
    header(&w);
    SECTION(&w, 13, 0x00);
    expect_malformed(&w, "malformed section id");

    one_func(&w);
    SECTION(&w, 1, 0x00); /* type section again, after the function section */
    expect_malformed(&w, "unexpected content after last section");

    header(&w);
    SECTION(&w, 1, 0x01, 0x60, 0x00, 0x00, 0x60); /* one byte too many */
    expect_malformed(&w, "section size mismatch");

    header(&w);
    put(&w, (const uint8_t *)"\x01\x10\x01", 3); /* size past the end */
    expect_malformed(&w, "length out of bounds");

    one_func(&w); /* a function but no code section */
    expect_malformed(&w, "function and code section have inconsistent lengths");

    header(&w);
    SECTION(&w, 12, 0x01); /* data count 1, no data section */
    expect_malformed(&w, "data count and data section have inconsistent lengths");
}

Test(decode, type_errors) {
    wbuf w;
    header(&w);
    SECTION(&w, 1, 0x01, 0x60, 0x01, 0x6e, 0x00);
    expect_malformed(&w, "malformed value type");

    header(&w);
    SECTION(&w, 6, 0x01, 0x7f, 0x02, 0x41, 0x00, 0x0b);
    expect_malformed(&w, "malformed mutability");

    header(&w);
    SECTION(&w, 2, 0x01, 0x01, 'm', 0x01, 'x', 0x04, 0x00);
    expect_malformed(&w, "malformed import kind");

    header(&w);
    SECTION(&w, 2, 0x01, 0x02, 0xc0, 0x80, 0x01, 'x', 0x00, 0x00); /* overlong NUL */
    expect_malformed(&w, "malformed UTF-8 encoding");

    header(&w);
    SECTION(&w, 4, 0x01, 0x70, 0x02, 0x00);
    expect_malformed(&w, "integer too large");
}

Test(decode, body_errors) {
    wbuf w;
    one_func(&w);
    CODE1(&w, 0x00, 0xff, 0x0b);
    expect_malformed(&w, "illegal opcode");

    one_func(&w);
    CODE1(&w, 0x00, 0x3f, 0x01, 0x1a, 0x0b); /* memory.size 1 */
    expect_malformed(&w, "zero byte expected");

    one_func(&w);
    CODE1(&w, 0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x1a, 0x0b);
    expect_malformed(&w, "integer representation too long");

    one_func(&w);
    CODE1(&w, 0x00, 0x05, 0x0b); /* else outside an if */
    expect_malformed(&w, "END opcode expected");

    one_func(&w);
    CODE1(&w, 0x00, 0x01); /* nop, then the binary ends */
    expect_malformed(&w, "unexpected end of section or function");

    one_func(&w);
    CODE1(&w, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x01, 0x7e, 0x0b);
    expect_malformed(&w, "too many locals");

    one_func(&w);
    CODE1(&w, 0x00, 0xfc, 0x12, 0x0b); /* 0xFC 18 is unassigned */
    expect_malformed(&w, "illegal opcode");
}

Test(decode, data_count_required_for_data_instructions) {
    wbuf w;
    one_func(&w);
    SECTION(&w, 5, 0x01, 0x00, 0x01);
    CODE1(&w, 0x00, 0xfc, 0x09, 0x00, 0x0b); /* data.drop 0 */
    SECTION(&w, 11, 0x01, 0x01, 0x00);
    expect_malformed(&w, "data count section required");
}

Test(decode, simd_is_decoded_and_flagged) {
    wbuf w;
    header(&w);
    SECTION(&w, 1, 0x01, 0x60, 0x00, 0x01, 0x7b);
    SECTION(&w, 3, 0x01, 0x00);
    /* v128.const (16 bytes), i8x16.extract_lane_s 3, drop, v128.const, end */
    CODE1(&w, 0x00, 0xfd, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
          0xfd, 0x15, 0x03, 0x1a, 0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
          0x0b);
    fl_module *m = decode_ok(&w);
    cr_assert(m->uses_simd);
    fl_module_free(m);
}

Test(decode, read_instr_br_table) {
    const uint8_t code[] = {0x0e, 0x02, 0x00, 0x01, 0x02, 0x0b};
    fl_reader r = {code, code + sizeof code, code};
    fl_instr in;
    fl_error err;
    cr_assert_eq(fl_read_instr(&r, &in, &err), 0);
    cr_assert_eq(in.op, FL_OP_BR_TABLE);
    cr_assert_eq(in.count, 2);
    cr_assert_eq(in.a, 2);
    cr_assert_eq(in.vec, code + 2);
    cr_assert_eq(fl_read_instr(&r, &in, &err), 0);
    cr_assert_eq(in.op, FL_OP_END);
    cr_assert_eq(in.offset, 5);
}

Test(decode, opinfo_table) {
    cr_assert_str_eq(fl_opinfo_table[FL_OP_I32_ADD].name, "i32.add");
    cr_assert_str_eq(fl_opinfo_table[FL_OP_I32_ADD].sig, "ii:i");
    cr_assert_eq(fl_opinfo_table[FL_OP_TABLE_INIT].imm, IMM_TABLE_INIT);
    cr_assert_null(fl_opinfo_table[0x06].name);
    cr_assert_str_eq(fl_valtype_name(FL_EXTERNREF), "externref");
}

/* Regression (found by the fuzzer): a body declaring about 4 billion locals
 * made the decoder allocate and fill 4 GiB.  It is refused at once now.
 * Kept as bytes: wat2wasm would have to write out 4 billion local
 * declarations (a local group of count 0xfbffffff, then an i64 group). */
Test(decode, huge_local_count_is_refused_without_allocating) {
    static const uint8_t bytes[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
        0x03, 0x02, 0x01, 0x00, 0x0a, 0x0c, 0x01, 0x0a, 0x02, 0xff, 0xff, 0xff, 0xdf, 0x0f,
        0x7f, 0x02, 0x7e, 0x0b,
    };
    wbuf w;
    memcpy(w.b, bytes, sizeof bytes);
    w.n = sizeof bytes;
    expect_malformed(&w, "too many locals");
}

/* 50,000 locals (the implementation limit) still decode. */
Test(decode, locals_up_to_the_limit_decode) {
    wbuf w;
    one_func(&w);
    SECTION(&w, 10, 0x01, 0x06, 0x01, 0xd0, 0x86, 0x03, 0x7f, 0x0b);
    fl_module *m = decode_ok(&w);
    cr_assert_eq(m->funcs[0].nlocals, 50000);
    fl_module_free(m);
}

/* ---- implementation limits (config.h) ----------------------------------
 * Each limit: a module at the limit is accepted, one past it is refused with
 * the limit's words.  Counts are checked before anything is read or
 * allocated for them, so a count alone (no entries after it) shows where
 * the limit lies: at the limit decoding goes on and runs out of bytes. */

static void expect_malformed_h(const hbuf *h, const char *msg) {
    fl_error err;
    memset(&err, 0, sizeof err);
    fl_module *m = fl_decode(h->b, h->n, &err);
    cr_assert_null(m, "decoded, expected \"%s\"", msg);
    cr_assert_str_eq(err.message, msg);
    cr_assert_leq(err.offset, h->n);
}

/* Loads (decodes, validates, compiles) h, which must succeed. */
static void expect_loads_h(const hbuf *h) {
    fl_error err;
    memset(&err, 0, sizeof err);
    fl_module *m = fl_module_load(h->b, h->n, &err);
    cr_assert_not_null(m, "load failed: %s at %zu", err.message, err.offset);
    fl_module_free(m);
}

/* A module whose section `id` holds `pre[0..npre)` then the count n. */
static void count_only(hbuf *h, uint8_t id, const uint8_t *pre, size_t npre, uint32_t n) {
    hbuf body = {0};
    hput(&body, pre, npre);
    hleb(&body, n);
    hheader(h);
    hsection(h, id, &body);
    hfree(&body);
}

/* The count n of section id (after pre) is over the limit at limit + 1. */
static void expect_count_limit(uint8_t id, const uint8_t *pre, size_t npre, uint32_t limit,
                               const char *msg) {
    hbuf h = {0};
    count_only(&h, id, pre, npre, limit);
    expect_malformed_h(&h, "unexpected end of section or function");
    count_only(&h, id, pre, npre, limit + 1);
    expect_malformed_h(&h, msg);
    hfree(&h);
}

Test(decode, limits_on_section_counts) {
    expect_count_limit(1, NULL, 0, FL_MAX_TYPES, "too many types");
    expect_count_limit(2, NULL, 0, FL_MAX_IMPORTS, "too many imports");
    expect_count_limit(3, NULL, 0, FL_MAX_FUNCTIONS, "too many functions");
    expect_count_limit(4, NULL, 0, FL_MAX_TABLES, "too many tables");
    expect_count_limit(5, NULL, 0, FL_MAX_MEMORIES, "too many memories");
    expect_count_limit(6, NULL, 0, FL_MAX_GLOBALS, "too many globals");
    expect_count_limit(7, NULL, 0, FL_MAX_EXPORTS, "too many exports");
    expect_count_limit(9, NULL, 0, FL_MAX_ELEM_SEGMENTS, "too many element segments");
    expect_count_limit(11, NULL, 0, FL_MAX_DATA_SEGMENTS, "too many data segments");
    /* the entries of one element segment: passive, funcref indices */
    static const uint8_t passive[] = {0x01, 0x01, 0x00};
    expect_count_limit(9, passive, sizeof passive, FL_MAX_TABLE_INIT_ENTRIES,
                       "too many table entries");
}

Test(decode, limit_on_the_data_count) {
    hbuf h = {0};
    count_only(&h, 12, NULL, 0, FL_MAX_DATA_SEGMENTS);
    expect_malformed_h(&h, "data count and data section have inconsistent lengths");
    count_only(&h, 12, NULL, 0, FL_MAX_DATA_SEGMENTS + 1);
    expect_malformed_h(&h, "too many data segments");
    hfree(&h);
}

/* Imported tables and memories count against the same limits. */
Test(decode, limits_count_imported_tables_and_memories) {
    static const uint8_t table_import[] = {0x01, 0x01, 'm', 0x01, 't', 0x01, 0x70, 0x00, 0x00};
    static const uint8_t mem_import[] = {0x01, 0x01, 'm', 0x01, 'm', 0x02, 0x00, 0x00};
    for (int k = 0; k < 2; k++) {
        const uint8_t *imp = k ? mem_import : table_import;
        size_t nimp = k ? sizeof mem_import : sizeof table_import;
        uint8_t id = k ? 5 : 4;
        uint32_t limit = k ? FL_MAX_MEMORIES : FL_MAX_TABLES;
        const char *msg = k ? "too many memories" : "too many tables";
        hbuf imports = {0}, h = {0};
        hput(&imports, imp, nimp);
        for (uint32_t n = limit - 1; n <= limit; n++) {
            hbuf body = {0};
            hleb(&body, n);
            hheader(&h);
            hsection(&h, 2, &imports);
            hsection(&h, id, &body);
            expect_malformed_h(&h, n < limit ? "unexpected end of section or function" : msg);
            hfree(&body);
        }
        hfree(&imports);
        hfree(&h);
    }
}

/* A type section of one type [i32 x np] -> [i32 x nr]. */
static void one_type(hbuf *h, uint32_t np, uint32_t nr) {
    hbuf body = {0};
    hbyte(&body, 0x01);
    hbyte(&body, 0x60);
    hleb(&body, np);
    hfill(&body, 0x7f, np);
    hleb(&body, nr);
    hfill(&body, 0x7f, nr);
    hsection(h, 1, &body);
    hfree(&body);
}

Test(decode, limits_on_params_and_results) {
    hbuf h = {0};
    hheader(&h);
    one_type(&h, FL_MAX_PARAMS, FL_MAX_RESULTS);
    expect_loads_h(&h);
    hheader(&h);
    one_type(&h, FL_MAX_PARAMS + 1, 0);
    expect_malformed_h(&h, "too many parameters");
    hheader(&h);
    one_type(&h, 0, FL_MAX_RESULTS + 1);
    expect_malformed_h(&h, "too many results");
    hfree(&h);
}

/* One function of type [i32 x np] -> [] declaring nl i32 locals, body `end`. */
static void func_with_locals(hbuf *h, uint32_t np, uint32_t nl) {
    hheader(h);
    one_type(h, np, 0);
    hbuf funcs = {0}, code = {0}, body = {0};
    hbyte(&funcs, 0x01);
    hbyte(&funcs, 0x00);
    hsection(h, 3, &funcs);
    hbyte(&body, 0x01);
    hleb(&body, nl);
    hbyte(&body, 0x7f);
    hbyte(&body, 0x0b);
    hbyte(&code, 0x01);
    hleb(&code, (uint32_t)body.n);
    hput(&code, body.b, body.n);
    hsection(h, 10, &code);
    hfree(&funcs);
    hfree(&code);
    hfree(&body);
}

/* The locals limit counts the parameters too, as the JS API's does. */
Test(decode, limit_on_locals_counts_params) {
    hbuf h = {0};
    func_with_locals(&h, FL_MAX_PARAMS, FL_MAX_LOCALS - FL_MAX_PARAMS);
    expect_loads_h(&h);
    func_with_locals(&h, FL_MAX_PARAMS, FL_MAX_LOCALS - FL_MAX_PARAMS + 1);
    expect_malformed_h(&h, "too many locals");
    func_with_locals(&h, 0, FL_MAX_LOCALS + 1);
    expect_malformed_h(&h, "too many locals");
    hfree(&h);
}

/* One [] -> [] function whose code section holds the body `body` (locals
 * included) under a declared size of `size` bytes (only body.n are there). */
static void one_body(hbuf *h, const hbuf *body, uint32_t size) {
    hheader(h);
    one_type(h, 0, 0);
    static const uint8_t funcs[] = {0x01, 0x00};
    hbuf f = {0}, code = {0};
    hput(&f, funcs, sizeof funcs);
    hsection(h, 3, &f);
    hbyte(&code, 0x01);
    hleb(&code, size);
    hput(&code, body->b, body->n);
    hsection(h, 10, &code);
    hfree(&f);
    hfree(&code);
}

Test(decode, limit_on_function_body_size) {
    hbuf body = {0}, h = {0};
    hbyte(&body, 0x00);                          /* no locals */
    hfill(&body, 0x01, FL_MAX_FUNCTION_SIZE - 2); /* nop ... */
    hbyte(&body, 0x0b);                          /* end */
    one_body(&h, &body, (uint32_t)body.n);
    expect_loads_h(&h);
    body.n = 0;
    one_body(&h, &body, FL_MAX_FUNCTION_SIZE + 1); /* refused before its bytes are read */
    expect_malformed_h(&h, "function body too large");
    hfree(&body);
    hfree(&h);
}

/* block; i32.const 0; br_table with n targets (all 0) and default 0; end; end */
static void br_table_body(hbuf *body, uint32_t n) {
    body->n = 0;
    static const uint8_t head[] = {0x00, 0x02, 0x40, 0x41, 0x00, 0x0e};
    hput(body, head, sizeof head);
    hleb(body, n);
    hfill(body, 0x00, n + 1);
    hbyte(body, 0x0b);
    hbyte(body, 0x0b);
}

Test(decode, limit_on_br_table_size) {
    hbuf body = {0}, h = {0};
    br_table_body(&body, FL_MAX_BR_TABLE_SIZE);
    one_body(&h, &body, (uint32_t)body.n);
    expect_loads_h(&h);
    br_table_body(&body, FL_MAX_BR_TABLE_SIZE + 1);
    one_body(&h, &body, (uint32_t)body.n);
    expect_malformed_h(&h, "too many br_table targets");
    hfree(&body);
    hfree(&h);
}

/* depth nested blocks (block, loop and if alternate: all count) */
static void nested_body(hbuf *body, uint32_t depth) {
    body->n = 0;
    hbyte(body, 0x00);
    for (uint32_t i = 0; i < depth; i++) {
        if (i % 3 == 2) {
            hbyte(body, 0x41); /* i32.const 0; if */
            hbyte(body, 0x00);
            hbyte(body, 0x04);
        } else {
            hbyte(body, i % 3 ? 0x03 : 0x02);
        }
        hbyte(body, 0x40);
    }
    hfill(body, 0x0b, depth + 1);
}

Test(decode, limit_on_block_nesting) {
    hbuf body = {0}, h = {0};
    nested_body(&body, FL_MAX_NESTING);
    one_body(&h, &body, (uint32_t)body.n);
    expect_loads_h(&h);
    nested_body(&body, FL_MAX_NESTING + 1);
    one_body(&h, &body, (uint32_t)body.n);
    expect_malformed_h(&h, "blocks nested too deeply");
    hfree(&body);
    hfree(&h);
}

/* An export, an import's module name and a custom section's name. */
Test(decode, limit_on_name_size) {
    for (uint32_t len = FL_MAX_NAME_SIZE; len <= FL_MAX_NAME_SIZE + 1; len++) {
        bool over = len > FL_MAX_NAME_SIZE;
        hbuf h = {0}, s = {0};
        /* (func (export "aaa...")) */
        hheader(&h);
        one_type(&h, 0, 0);
        static const uint8_t funcs[] = {0x01, 0x00}, code[] = {0x01, 0x02, 0x00, 0x0b};
        hput(&s, funcs, sizeof funcs);
        hsection(&h, 3, &s);
        s.n = 0;
        hbyte(&s, 0x01);
        hleb(&s, len);
        hfill(&s, 'a', len);
        hbyte(&s, 0x00);
        hbyte(&s, 0x00);
        hsection(&h, 7, &s);
        s.n = 0;
        hput(&s, code, sizeof code);
        hsection(&h, 10, &s);
        if (over)
            expect_malformed_h(&h, "name too long");
        else
            expect_loads_h(&h);
        /* (import "aaa..." "f" (func)) */
        hheader(&h);
        one_type(&h, 0, 0);
        s.n = 0;
        hbyte(&s, 0x01);
        hleb(&s, len);
        hfill(&s, 'a', len);
        static const uint8_t rest[] = {0x01, 'f', 0x00, 0x00};
        hput(&s, rest, sizeof rest);
        hsection(&h, 2, &s);
        if (over)
            expect_malformed_h(&h, "name too long");
        else
            expect_loads_h(&h);
        /* a custom section named "aaa..." */
        hheader(&h);
        s.n = 0;
        hleb(&s, len);
        hfill(&s, 'a', len);
        hsection(&h, 0, &s);
        if (over)
            expect_malformed_h(&h, "name too long");
        else
            expect_loads_h(&h);
        hfree(&s);
        hfree(&h);
    }
}

/* Refused before the bytes are copied (or even read). */
Test(decode, limit_on_module_size) {
    static const uint8_t small[8] = "\0asm\1\0\0";
    fl_error err;
    cr_assert_null(fl_decode(small, FL_MAX_MODULE_SIZE + 1, &err));
    cr_assert_str_eq(err.message, "module too large");
    cr_assert_eq(err.offset, 0);
}
