/*
 * test_simd_validate.c: wasm 2.0's fixed-width SIMD in the decoder and the
 * validator (simd_opcodes.def): every 0xFD instruction decodes with its
 * immediates and is typed by its signature; lane indices, shuffle lanes,
 * alignment and the memory are checked with the spec's words; and
 * fl_module_load accepts a valid SIMD module, noting where SIMD is first
 * used.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "engine/decode.h"
#include "engine/module.h"
#include "engine/validate.h"

#include "wasm_builder.h"

static uint8_t sig_byte(char c) {
    switch (c) {
    case 'i': return 0x7f;
    case 'I': return 0x7e;
    case 'f': return 0x7d;
    case 'F': return 0x7c;
    case 'V': return 0x7b;
    }
    cr_assert_fail("bad signature letter %c", c);
    return 0;
}

/* A module of one function: type params -> results (signature letters),
 * one memory when `memory`, and the body `code` (locals excluded, `end`
 * included). */
static void build(wbuf *w, const char *params, const char *results, bool memory,
                  const uint8_t *code, size_t n) {
    wbuf t = {.n = 0}, body = {.n = 0}, sec = {.n = 0};
    header(w);
    put_leb(&t, 1);
    put(&t, (const uint8_t *)"\x60", 1);
    put_leb(&t, (uint32_t)strlen(params));
    for (const char *p = params; *p; p++) {
        uint8_t b = sig_byte(*p);
        put(&t, &b, 1);
    }
    put_leb(&t, (uint32_t)strlen(results));
    for (const char *p = results; *p; p++) {
        uint8_t b = sig_byte(*p);
        put(&t, &b, 1);
    }
    section(w, 1, t.b, t.n);
    SECTION(w, 3, 0x01, 0x00);
    if (memory)
        SECTION(w, 5, 0x01, 0x00, 0x01);
    put_leb(&body, 0); /* no locals */
    put(&body, code, n);
    put_leb(&sec, 1);
    put_leb(&sec, (uint32_t)body.n);
    put(&sec, body.b, body.n);
    section(w, 10, sec.b, sec.n);
}

/* Decodes and validates: 0, or -1 with err filled. */
static int check(const wbuf *w, fl_error *err) {
    memset(err, 0, sizeof *err);
    fl_module *m = fl_decode(w->b, w->n, err);
    if (!m)
        return -2;
    int rc = fl_validate(m, err);
    fl_module_free(m);
    return rc;
}

static void expect_valid(const wbuf *w, const char *what) {
    fl_error err;
    int rc = check(w, &err);
    cr_assert_eq(rc, 0, "%s: %s \"%s\" at %zu", what, rc == -2 ? "malformed" : "invalid",
                 err.message, err.offset);
}

static void expect_invalid(const wbuf *w, const char *msg) {
    fl_error err;
    int rc = check(w, &err);
    cr_assert_eq(rc, -1, "expected invalid \"%s\", got rc %d (%s)", msg, rc, err.message);
    cr_assert_eq(strncmp(err.message, msg, strlen(msg)), 0, "got \"%s\", expected \"%s\"",
                 err.message, msg);
}

static void expect_malformed(const wbuf *w, const char *msg) {
    fl_error err;
    int rc = check(w, &err);
    cr_assert_eq(rc, -2, "expected malformed \"%s\", got rc %d", msg, rc);
    cr_assert_eq(strncmp(err.message, msg, strlen(msg)), 0, "got \"%s\", expected \"%s\"",
                 err.message, msg);
}

/* local.get of every parameter, then 0xFD `sub` with immediates valid for
 * it (natural alignment, lane 0, shuffle lanes 0..15), then end. */
static size_t body_for(uint32_t sub, uint32_t nparams, uint8_t *code) {
    const fl_simd_opinfo *info = &fl_simd_opinfo_table[sub];
    wbuf c = {.n = 0};
    for (uint32_t i = 0; i < nparams; i++) {
        put(&c, (const uint8_t *)"\x20", 1);
        put_leb(&c, i);
    }
    put(&c, (const uint8_t *)"\xfd", 1);
    put_leb(&c, sub);
    switch (info->imm) {
    case IMM_MEMARG:
    case IMM_MEMARG_LANE:
        put_leb(&c, info->arg);
        put_leb(&c, 0);
        if (info->imm == IMM_MEMARG_LANE)
            put(&c, (const uint8_t *)"\x00", 1);
        break;
    case IMM_LANE:
        put(&c, (const uint8_t *)"\x00", 1);
        break;
    case IMM_V128:
    case IMM_SHUFFLE:
        for (uint8_t i = 0; i < 16; i++)
            put(&c, &i, 1);
        break;
    }
    put(&c, (const uint8_t *)"\x0b", 1);
    memcpy(code, c.b, c.n);
    return c.n;
}

/* Splits "VV:V" into its parameters and results. */
static void split_sig(const char *sig, char *params, char *results) {
    const char *colon = strchr(sig, ':');
    cr_assert_not_null(colon, "signature %s", sig);
    memcpy(params, sig, (size_t)(colon - sig));
    params[colon - sig] = 0;
    strcpy(results, colon + 1);
}

Test(simd_validate, opcode_table) {
    unsigned n = 0, relaxed = 0;
    for (unsigned sub = 0; sub < FL_SIMD_COUNT; sub++) {
        const fl_simd_opinfo *info = &fl_simd_opinfo_table[sub];
        if (!info->name)
            continue;
        if (sub >= 0x100)
            relaxed++;
        else
            n++;
        cr_assert_not_null(info->sig, "%s has no signature", info->name);
    }
    cr_assert_eq(n, 236, "wasm 2.0 has 236 SIMD instructions, the table %u", n);
    cr_assert_eq(relaxed, 20, "relaxed SIMD has 20 instructions, the table %u", relaxed);
    cr_assert_str_eq(fl_simd_opinfo_table[0x113].name, "i32x4.relaxed_dot_i8x16_i7x16_add_s");
    cr_assert_str_eq(fl_simd_opinfo_table[FL_SIMD_V128_CONST].name, "v128.const");
    cr_assert_eq(fl_simd_opinfo_table[FL_SIMD_V128_CONST].imm, IMM_V128);
    cr_assert_eq(fl_simd_opinfo_table[FL_SIMD_I8X16_SHUFFLE].arg, 32);
    cr_assert_eq(fl_simd_opinfo_table[FL_SIMD_I8X16_EXTRACT_LANE_S].arg, 16);
    cr_assert_eq(fl_simd_opinfo_table[FL_SIMD_V128_LOAD].arg, 4);
    cr_assert_str_eq(fl_simd_opinfo_table[0xff].name, "f64x2.convert_low_i32x4_u");
    cr_assert_null(fl_simd_opinfo_table[0x9a].name); /* unassigned */
}

/* Every instruction, used as its signature says, validates; and with its
 * first operand of the wrong type, it is a type mismatch. */
Test(simd_validate, every_instruction_typed_by_its_signature) {
    for (unsigned sub = 0; sub < FL_SIMD_COUNT; sub++) {
        const fl_simd_opinfo *info = &fl_simd_opinfo_table[sub];
        if (!info->name)
            continue;
        char params[8], results[8], wrong[8];
        uint8_t code[64];
        wbuf w;
        split_sig(info->sig, params, results);
        size_t n = body_for(sub, (uint32_t)strlen(params), code);
        build(&w, params, results, true, code, n);
        expect_valid(&w, info->name);

        /* the same body, results dropped: the stack is not empty at end */
        if (results[0]) {
            build(&w, params, "", true, code, n);
            expect_invalid(&w, "type mismatch");
        }
        if (!params[0])
            continue;
        strcpy(wrong, params);
        wrong[0] = wrong[0] == 'V' ? 'I' : 'V';
        build(&w, wrong, results, true, code, n);
        expect_invalid(&w, "type mismatch");
    }
}

Test(simd_validate, lane_indices) {
    wbuf w;
    /* i8x16.extract_lane_s 15 is the last lane; 16 is past it */
    build(&w, "V", "i", false, (const uint8_t[]){0x20, 0, 0xfd, 0x15, 15, 0x0b}, 6);
    expect_valid(&w, "lane 15");
    build(&w, "V", "i", false, (const uint8_t[]){0x20, 0, 0xfd, 0x15, 16, 0x0b}, 6);
    expect_invalid(&w, "invalid lane index");
    /* i64x2.replace_lane 2 */
    build(&w, "VI", "V", false, (const uint8_t[]){0x20, 0, 0x20, 1, 0xfd, 0x1e, 2, 0x0b}, 8);
    expect_invalid(&w, "invalid lane index");
    /* f64x2.extract_lane 255: still a byte, so malformed it is not */
    build(&w, "V", "F", false, (const uint8_t[]){0x20, 0, 0xfd, 0x21, 0xff, 0x0b}, 6);
    expect_invalid(&w, "invalid lane index");
    /* v128.load32_lane align 2, lane 4 (of 4) */
    build(&w, "iV", "V", true,
          (const uint8_t[]){0x20, 0, 0x20, 1, 0xfd, 0x56, 2, 0, 4, 0x0b}, 10);
    expect_invalid(&w, "invalid lane index");
    build(&w, "iV", "V", true,
          (const uint8_t[]){0x20, 0, 0x20, 1, 0xfd, 0x56, 2, 0, 3, 0x0b}, 10);
    expect_valid(&w, "load32_lane lane 3");
}

Test(simd_validate, shuffle_lanes_below_32) {
    uint8_t code[] = {0x20, 0, 0x20, 1, 0xfd, 0x0d, 0,  1,  2,  3,  4,  5,
                      6,    7, 8,    9, 10,   11,   12, 13, 14, 31, 0x0b};
    wbuf w;
    build(&w, "VV", "V", false, code, sizeof code);
    expect_valid(&w, "shuffle with lane 31");
    code[21] = 32;
    build(&w, "VV", "V", false, code, sizeof code);
    expect_invalid(&w, "invalid lane index");
}

Test(simd_validate, alignment_and_memory) {
    wbuf w;
    /* v128.load align 4 (16 bytes) is natural, 5 is not */
    build(&w, "i", "V", true, (const uint8_t[]){0x20, 0, 0xfd, 0x00, 4, 0, 0x0b}, 7);
    expect_valid(&w, "v128.load align 16");
    build(&w, "i", "V", true, (const uint8_t[]){0x20, 0, 0xfd, 0x00, 5, 0, 0x0b}, 7);
    expect_invalid(&w, "alignment must not be larger than natural");
    /* v128.load8_splat: natural alignment is 1 byte */
    build(&w, "i", "V", true, (const uint8_t[]){0x20, 0, 0xfd, 0x07, 1, 0, 0x0b}, 7);
    expect_invalid(&w, "alignment must not be larger than natural");
    /* v128.store16_lane align 2 > 1 */
    build(&w, "iV", "", true, (const uint8_t[]){0x20, 0, 0x20, 1, 0xfd, 0x59, 2, 0, 0, 0x0b},
          10);
    expect_invalid(&w, "alignment must not be larger than natural");
    /* no memory */
    build(&w, "i", "V", false, (const uint8_t[]){0x20, 0, 0xfd, 0x00, 4, 0, 0x0b}, 7);
    expect_invalid(&w, "unknown memory");
}

Test(simd_validate, malformed_encodings) {
    wbuf w;
    /* 0xFD 0x9a is unassigned; so is anything past relaxed SIMD's 0x113 */
    build(&w, "VV", "V", false, (const uint8_t[]){0x20, 0, 0x20, 1, 0xfd, 0x9a, 0x01, 0x0b}, 8);
    expect_malformed(&w, "illegal opcode");
    build(&w, "", "", false, (const uint8_t[]){0xfd, 0x94, 0x02, 0x0b}, 4);
    expect_malformed(&w, "illegal opcode");
    /* v128.const cut short by the end of the body */
    build(&w, "", "V", false, (const uint8_t[]){0xfd, 0x0c, 1, 2, 3}, 5);
    fl_error err;
    cr_assert_eq(check(&w, &err), -2, "a truncated v128.const decoded");
}

/* A valid module that uses SIMD anywhere (here only a v128 global) loads,
 * and the decoder notes where SIMD is first used. */
Test(simd_validate, load_accepts_valid_simd_and_notes_it) {
    wbuf w;
    header(&w);
    SECTION(&w, 6, 0x01, 0x7b, 0x00, 0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0x0b);
    fl_error err;
    cr_assert_eq(check(&w, &err), 0, "a v128 global with v128.const: %s", err.message);
    fl_module *m = fl_module_load(w.b, w.n, &err);
    cr_assert_not_null(m, "%s", err.message);
    cr_assert(m->uses_simd);
    cr_assert_eq(m->simd_offset, 11, "first use at byte %zu, expected 11 (the global's type)",
                 m->simd_offset);
    fl_module_free(m);

    /* a v128 block type is SIMD too, even with no 0xFD instruction */
    build(&w, "", "", false, (const uint8_t[]){0x02, 0x7b, 0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0,
                                               0, 0, 0, 0, 0, 0, 0, 0, 0x0b, 0x1a, 0x0b}, 23);
    cr_assert_eq(check(&w, &err), 0, "%s", err.message);
    m = fl_module_load(w.b, w.n, &err);
    cr_assert_not_null(m, "%s", err.message);
    cr_assert(m->uses_simd);
    fl_module_free(m);

    /* and the same module without SIMD is not marked */
    build(&w, "", "", false, (const uint8_t[]){0x02, 0x7f, 0x41, 0x00, 0x0b, 0x1a, 0x0b}, 7);
    m = fl_module_load(w.b, w.n, &err);
    cr_assert_not_null(m, "%s", err.message);
    cr_assert(!m->uses_simd);
    fl_module_free(m);
}

Test(simd_validate, constant_expressions) {
    wbuf w;
    /* a v128 global from i32x4.splat is not constant */
    header(&w);
    SECTION(&w, 6, 0x01, 0x7b, 0x00, 0x41, 0x00, 0xfd, 0x11, 0x0b);
    expect_invalid(&w, "constant expression required");
    /* an i32 global from v128.const */
    header(&w);
    SECTION(&w, 6, 0x01, 0x7f, 0x00, 0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0x0b);
    expect_invalid(&w, "type mismatch");
}
