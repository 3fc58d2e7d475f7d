/*
 * decode.c: the WebAssembly 2.0 binary format, bytes to fl_module.
 *
 * Follows the reference interpreter's decoder closely so that malformed
 * modules fail with the spec suite's wording: reads inside a section run
 * against the end of the whole binary (a section's size is checked after
 * its contents are read), vector lengths are checked against the bytes
 * left, and every body and constant expression is read instruction by
 * instruction.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine/config.h"
#include "engine/decode.h"
#include "engine/module.h"
#include "engine/reader.h"

typedef struct dec {
    fl_reader r;
    fl_module *m;
    fl_error *err;
    const fl_load_opts *opts;
    uint32_t ncustoms_cap; /* allocated entries of m->customs */
    uint8_t *blocks; /* kinds of the open blocks of the expression being read */
    size_t nblocks, capblocks;
    uint32_t *func_types; /* function section: type index per defined function */
    bool data_idx_used; /* memory.init or data.drop seen without a datacount section */
    size_t data_idx_offset;
} dec;

/* ---- small readers ---------------------------------------------------- */

static int fail(dec *d, size_t off, const char *msg) {
    return fl_error_set(d->err, off, "%s", msg);
}

static size_t off(const dec *d) {
    return fl_reader_offset(&d->r);
}

static int rd_u8(dec *d, uint8_t *out) {
    return fl_read_u8(&d->r, out, d->err);
}

static int rd_u32(dec *d, uint32_t *out) {
    return fl_read_u32(&d->r, out, d->err);
}

/* A length or count: a u32 that cannot exceed the bytes left, since every
 * element takes at least one byte. */
static int rd_len(fl_reader *r, uint32_t *out, fl_error *err) {
    size_t start = fl_reader_offset(r);
    if (fl_read_u32(r, out, err) < 0)
        return -1;
    if (*out > (size_t)(r->end - r->pos))
        return fl_error_set(err, start, "length out of bounds");
    return 0;
}

/* A vector's element count.  The reference decoder does not bound it, so
 * a count past the bytes left ends in "unexpected end" when the elements
 * run out; `*cap` is what may be allocated (each element takes at least a
 * byte), and reading element `*cap` is that end. */
static int rd_count(dec *d, uint32_t *n, uint32_t *cap) {
    if (fl_read_u32(&d->r, n, d->err) < 0)
        return -1;
    size_t left = (size_t)(d->r.end - d->r.pos);
    *cap = *n < left ? *n : (uint32_t)left;
    return 0;
}

static int past_end(dec *d) {
    return fail(d, off(d), "unexpected end");
}

static void *zalloc(size_t n, size_t size) {
    return calloc(n ? n : 1, size);
}

static int oom(dec *d) {
    return fail(d, off(d), "out of memory");
}

/* Fails when the caller asked loading to stop: called once per entry of
 * every section vector and per 4096 instructions. */
static int poll(dec *d) {
    if (fl_load_interrupted(d->opts))
        return fail(d, off(d), "loading interrupted");
    return 0;
}

/* A vector's count against an implementation limit (config.h), checked
 * before anything is allocated for it. */
static int rd_count_max(dec *d, uint32_t *n, uint32_t *cap, uint32_t max, const char *what) {
    size_t start = off(d);
    if (rd_count(d, n, cap) < 0)
        return -1;
    if (*n > max)
        return fl_error_set(d->err, start, "too many %s", what);
    return 0;
}

/* Well-formed UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF), as names must be. */
static bool utf8_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

/* A name: a length-prefixed UTF-8 string, returned NUL-terminated in a
 * fresh allocation the caller owns. */
static int rd_name_len(fl_reader *r, char **out, uint32_t *len, fl_error *err) {
    uint32_t n;
    size_t start = fl_reader_offset(r);
    if (fl_read_u32(r, &n, err) < 0)
        return -1;
    if (n > FL_MAX_NAME_SIZE)
        return fl_error_set(err, start, "name too long");
    if (n > (size_t)(r->end - r->pos))
        return fl_error_set(err, start, "length out of bounds");
    if (len)
        *len = n;
    if (!utf8_valid(r->pos, n))
        return fl_error_set(err, fl_reader_offset(r), "malformed UTF-8 encoding");
    char *s = malloc((size_t)n + 1);
    if (!s)
        return fl_error_set(err, fl_reader_offset(r), "out of memory");
    memcpy(s, r->pos, n);
    s[n] = 0;
    r->pos += n;
    *out = s;
    return 0;
}

static int rd_name_in(fl_reader *r, char **out, fl_error *err) {
    return rd_name_len(r, out, NULL, err);
}

static int rd_name(dec *d, char **out) {
    return rd_name_in(&d->r, out, d->err);
}

/* Type bytes are one-byte signed LEB128 in the reference decoder: a
 * continuation bit is an over-long integer, not a bad type. */
static int rd_type_byte(fl_reader *r, uint8_t *out, fl_error *err) {
    size_t start = fl_reader_offset(r);
    if (fl_read_u8(r, out, err) < 0)
        return -1;
    if (*out & 0x80)
        return fl_error_set(err, start, "integer representation too long");
    return 0;
}

static bool is_valtype(uint8_t b) {
    return b == FL_I32 || b == FL_I64 || b == FL_F32 || b == FL_F64 || b == FL_V128 ||
           b == FL_FUNCREF || b == FL_EXTERNREF;
}

static int rd_valtype_in(fl_reader *r, uint8_t *out, fl_error *err) {
    size_t start = fl_reader_offset(r);
    if (rd_type_byte(r, out, err) < 0)
        return -1;
    if (!is_valtype(*out))
        return fl_error_set(err, start, "malformed value type");
    return 0;
}

/* Notes the first use of SIMD (a v128 type or a 0xFD instruction): such a
 * module is decoded and validated but not run. */
static void mark_simd(dec *d, size_t at) {
    if (!d->m->uses_simd)
        d->m->simd_offset = at;
    d->m->uses_simd = true;
}

static int rd_valtype(dec *d, uint8_t *out) {
    size_t at = off(d);
    if (rd_valtype_in(&d->r, out, d->err) < 0)
        return -1;
    if (*out == FL_V128)
        mark_simd(d, at);
    return 0;
}

static int rd_reftype_in(fl_reader *r, uint8_t *out, fl_error *err) {
    size_t start = fl_reader_offset(r);
    if (rd_type_byte(r, out, err) < 0)
        return -1;
    if (*out != FL_FUNCREF && *out != FL_EXTERNREF)
        return fl_error_set(err, start, "malformed reference type");
    return 0;
}

static int rd_limits(dec *d, fl_limits *l) {
    size_t start = off(d);
    uint8_t flags;
    if (rd_u8(d, &flags) < 0)
        return -1;
    if (flags & 0x80)
        return fail(d, start, "integer representation too long");
    if (flags > 1)
        return fail(d, start, "integer too large");
    l->has_max = flags == 1;
    if (rd_u32(d, &l->min) < 0)
        return -1;
    l->max = 0;
    if (l->has_max && rd_u32(d, &l->max) < 0)
        return -1;
    return 0;
}

static int rd_tabletype(dec *d, fl_tabletype *t) {
    if (rd_reftype_in(&d->r, &t->elemtype, d->err) < 0)
        return -1;
    return rd_limits(d, &t->limits);
}

static int rd_globaltype(dec *d, fl_globaltype *g) {
    if (rd_valtype(d, &g->valtype) < 0)
        return -1;
    size_t start = off(d);
    uint8_t mut;
    if (rd_u8(d, &mut) < 0)
        return -1;
    if (mut > 1)
        return fail(d, start, "malformed mutability");
    g->mutable_ = mut == 1;
    return 0;
}

/* ---- instructions ----------------------------------------------------- */

/* The immediates of the 0xFD instruction in->simd (simd_opcodes.def).  Lane
 * indices are bytes here; whether they are in range is validation's. */
static int rd_simd_imm(fl_reader *r, fl_instr *in, fl_error *err) {
    const fl_simd_opinfo *info = &fl_simd_opinfo_table[in->simd];
    switch ((enum fl_imm)info->imm) {
    case IMM_NONE:
        return 0;
    case IMM_MEMARG:
        if (fl_read_u32(r, &in->a, err) < 0)
            return -1;
        return fl_read_u32(r, &in->b, err);
    case IMM_MEMARG_LANE:
        if (fl_read_u32(r, &in->a, err) < 0 || fl_read_u32(r, &in->b, err) < 0)
            return -1;
        return fl_read_u8(r, &in->lane, err);
    case IMM_LANE:
        return fl_read_u8(r, &in->lane, err);
    case IMM_V128:
    case IMM_SHUFFLE:
        in->vec = r->pos;
        if ((size_t)(r->end - r->pos) < 16)
            return fl_error_set(err, fl_reader_offset(r), "unexpected end");
        r->pos += 16;
        return 0;
    default:
        break;
    }
    return fl_error_set(err, in->offset, "illegal opcode");
}

static int zero_byte(fl_reader *r, fl_error *err) {
    uint8_t b;
    size_t start = fl_reader_offset(r);
    if (fl_read_u8(r, &b, err) < 0)
        return -1;
    if (b != 0)
        return fl_error_set(err, start, "zero byte expected");
    return 0;
}

int fl_read_instr(fl_reader *r, fl_instr *in, fl_error *err) {
    memset(in, 0, sizeof *in);
    in->offset = fl_reader_offset(r);
    uint8_t byte;
    if (fl_read_u8(r, &byte, err) < 0)
        return -1;
    uint32_t op = byte;
    if (byte == 0xfc || byte == 0xfd) {
        uint32_t sub;
        if (fl_read_u32(r, &sub, err) < 0)
            return -1;
        if (byte == 0xfd) {
            if (sub >= FL_SIMD_COUNT || !fl_simd_opinfo_table[sub].name)
                return fl_error_set(err, in->offset, "illegal opcode 0xfd %u", sub);
            in->op = FL_OP_SIMD;
            in->simd = (uint16_t)sub;
            return rd_simd_imm(r, in, err);
        }
        if (sub >= FL_OP_COUNT - 0x100)
            return fl_error_set(err, in->offset, "illegal opcode");
        op = 0x100 + sub;
    }
    const fl_opinfo *info = &fl_opinfo_table[op];
    if (!info->name)
        return fl_error_set(err, in->offset, "illegal opcode");
    in->op = op;
    uint32_t n;
    int64_t v;
    switch ((enum fl_imm)info->imm) {
    case IMM_NONE:
        return 0;
    case IMM_BLOCKTYPE:
        if (fl_read_sleb(r, 33, &in->blocktype, err) < 0)
            return -1;
        if (in->blocktype < 0 && in->blocktype != -64 &&
            !is_valtype((uint8_t)(in->blocktype & 0x7f)))
            return fl_error_set(err, in->offset + 1, "malformed value type");
        return 0;
    case IMM_BR_TABLE: {
        size_t start = fl_reader_offset(r);
        if (fl_read_u32(r, &n, err) < 0)
            return -1;
        if (n > FL_MAX_BR_TABLE_SIZE)
            return fl_error_set(err, start, "too many br_table targets");
        in->count = n;
        in->vec = r->pos;
        for (uint32_t i = 0; i < n; i++)
            if (fl_read_u32(r, &in->b, err) < 0)
                return -1;
        in->b = 0;
        return fl_read_u32(r, &in->a, err);
    }
    case IMM_LABEL:
    case IMM_FUNC:
    case IMM_LOCAL:
    case IMM_GLOBAL:
    case IMM_TABLE:
    case IMM_DATA:
    case IMM_ELEM:
        return fl_read_u32(r, &in->a, err);
    case IMM_CALL_INDIRECT:
    case IMM_MEMARG:
    case IMM_TABLE_INIT:
    case IMM_TABLE_COPY:
        if (fl_read_u32(r, &in->a, err) < 0)
            return -1;
        return fl_read_u32(r, &in->b, err);
    case IMM_MEMIDX:
        return zero_byte(r, err);
    case IMM_I32:
        if (fl_read_sleb(r, 32, &v, err) < 0)
            return -1;
        in->bits = (uint64_t)v;
        return 0;
    case IMM_I64:
        if (fl_read_sleb(r, 64, &v, err) < 0)
            return -1;
        in->bits = (uint64_t)v;
        return 0;
    case IMM_F32: {
        uint8_t b[4];
        if (fl_read_bytes(r, b, 4, err) < 0)
            return -1;
        for (int i = 3; i >= 0; i--)
            in->bits = (in->bits << 8) | b[i];
        return 0;
    }
    case IMM_F64: {
        uint8_t b[8];
        if (fl_read_bytes(r, b, 8, err) < 0)
            return -1;
        for (int i = 7; i >= 0; i--)
            in->bits = (in->bits << 8) | b[i];
        return 0;
    }
    case IMM_SELECT_T:
        if (fl_read_u32(r, &n, err) < 0)
            return -1;
        in->count = n;
        in->vec = r->pos;
        for (uint32_t i = 0; i < n; i++) {
            uint8_t t;
            if (rd_valtype_in(r, &t, err) < 0)
                return -1;
        }
        return 0;
    case IMM_REFTYPE:
        return rd_reftype_in(r, &in->reftype, err);
    case IMM_MEMORY_INIT:
        if (fl_read_u32(r, &in->a, err) < 0)
            return -1;
        return zero_byte(r, err);
    case IMM_MEMORY_COPY:
        if (zero_byte(r, err) < 0)
            return -1;
        return zero_byte(r, err);
    case IMM_MEMARG_LANE: /* SIMD layouts, read by rd_simd_imm */
    case IMM_LANE:
    case IMM_V128:
    case IMM_SHUFFLE:
        break;
    }
    return fl_error_set(err, in->offset, "illegal opcode");
}

static int push_block(dec *d, uint8_t kind, size_t at) {
    if (d->nblocks >= FL_MAX_NESTING)
        return fail(d, at, "blocks nested too deeply");
    if (d->nblocks == d->capblocks) {
        size_t cap = d->capblocks ? d->capblocks * 2 : 16;
        uint8_t *b = realloc(d->blocks, cap);
        if (!b)
            return oom(d);
        d->blocks = b;
        d->capblocks = cap;
    }
    d->blocks[d->nblocks++] = kind;
    return 0;
}

/* Reads instructions up to and including the `end` that closes the
 * expression.  `else` is only accepted directly inside an `if`, as in the
 * reference decoder; anything else where an `end` belongs is "END opcode
 * expected". */
static int rd_expr(dec *d, bool in_code) {
    fl_instr in;
    d->nblocks = 0;
    for (uint32_t count = 1;; count++) {
        if ((count & 0xfff) == 0 && poll(d) < 0)
            return -1;
        if (fl_read_instr(&d->r, &in, d->err) < 0)
            return -1;
        switch (in.op) {
        case FL_OP_BLOCK:
        case FL_OP_LOOP:
        case FL_OP_IF:
            if (in.blocktype < 0 && (in.blocktype & 0x7f) == FL_V128)
                mark_simd(d, in.offset);
            if (push_block(d, in.op == FL_OP_IF ? 'i' : 'b', in.offset) < 0)
                return -1;
            break;
        case FL_OP_ELSE:
            if (d->nblocks == 0 || d->blocks[d->nblocks - 1] != 'i')
                return fail(d, in.offset, "END opcode expected");
            d->blocks[d->nblocks - 1] = 'e';
            break;
        case FL_OP_END:
            if (d->nblocks == 0)
                return 0;
            d->nblocks--;
            break;
        case FL_OP_MEMORY_INIT:
        case FL_OP_DATA_DROP:
            if (in_code && !d->m->has_datacount && !d->data_idx_used) {
                d->data_idx_used = true;
                d->data_idx_offset = in.offset;
            }
            break;
        case FL_OP_SIMD:
            mark_simd(d, in.offset);
            break;
        case FL_OP_SELECT_T:
            for (uint32_t i = 0; i < in.count; i++)
                if (in.vec[i] == FL_V128)
                    mark_simd(d, in.offset);
            break;
        default:
            break;
        }
    }
}

static int rd_const_expr(dec *d, fl_expr *e) {
    e->code = d->r.pos;
    e->offset = (uint32_t)off(d);
    if (rd_expr(d, false) < 0)
        return -1;
    e->len = (uint32_t)(d->r.pos - e->code);
    return 0;
}

/* ---- sections --------------------------------------------------------- */

static int sec_type(dec *d) {
    fl_module *m = d->m;
    uint32_t n, cap;
    if (rd_count_max(d, &n, &cap, FL_MAX_TYPES, "types") < 0)
        return -1;
    m->types = zalloc(cap, sizeof *m->types);
    if (!m->types)
        return oom(d);
    for (uint32_t i = 0; i < n; i++) {
        if (i == cap)
            return past_end(d);
        if (poll(d) < 0)
            return -1;
        fl_functype *t = &m->types[i];
        size_t start = off(d);
        uint8_t form;
        if (rd_type_byte(&d->r, &form, d->err) < 0)
            return -1;
        if (form != 0x60)
            return fail(d, start, "malformed functype");
        uint32_t np, nr, pcap, rcap;
        if (rd_count_max(d, &np, &pcap, FL_MAX_PARAMS, "parameters") < 0)
            return -1;
        t->params = zalloc(pcap, 1);
        m->ntypes = i + 1;
        if (!t->params)
            return oom(d);
        for (uint32_t k = 0; k < np; k++) {
            if (k == pcap)
                return past_end(d);
            if (rd_valtype(d, &t->params[k]) < 0)
                return -1;
        }
        t->nparams = np;
        if (rd_count_max(d, &nr, &rcap, FL_MAX_RESULTS, "results") < 0)
            return -1;
        uint8_t *all = realloc(t->params, (size_t)np + rcap + 1);
        if (!all)
            return oom(d);
        t->params = all;
        t->results = all + np;
        for (uint32_t k = 0; k < nr; k++) {
            if (k == rcap)
                return past_end(d);
            if (rd_valtype(d, &t->results[k]) < 0)
                return -1;
        }
        t->nresults = nr;
        fl_functype_set_slots(t);
    }
    return 0;
}

static int sec_import(dec *d) {
    fl_module *m = d->m;
    uint32_t n, cap;
    if (rd_count_max(d, &n, &cap, FL_MAX_IMPORTS, "imports") < 0)
        return -1;
    m->imports = zalloc(cap, sizeof *m->imports);
    if (!m->imports)
        return oom(d);
    for (uint32_t i = 0; i < n; i++) {
        if (i == cap)
            return past_end(d);
        if (poll(d) < 0)
            return -1;
        fl_import *imp = &m->imports[i];
        m->nimports = i + 1;
        if (rd_name(d, &imp->module) < 0 || rd_name(d, &imp->name) < 0)
            return -1;
        size_t start = off(d);
        if (rd_u8(d, &imp->kind) < 0)
            return -1;
        switch (imp->kind) {
        case FL_EXTERN_FUNC:
            m->nimported_funcs++;
            if (rd_u32(d, &imp->desc.func_type) < 0)
                return -1;
            break;
        case FL_EXTERN_TABLE:
            if (++m->nimported_tables > FL_MAX_TABLES)
                return fail(d, start, "too many tables");
            if (rd_tabletype(d, &imp->desc.table) < 0)
                return -1;
            break;
        case FL_EXTERN_MEMORY:
            if (++m->nimported_memories > FL_MAX_MEMORIES)
                return fail(d, start, "too many memories");
            if (rd_limits(d, &imp->desc.memory) < 0)
                return -1;
            break;
        case FL_EXTERN_GLOBAL:
            m->nimported_globals++;
            if (rd_globaltype(d, &imp->desc.global) < 0)
                return -1;
            break;
        default:
            return fail(d, start, "malformed import kind");
        }
    }
    return 0;
}

static int sec_function(dec *d) {
    uint32_t n, cap;
    if (rd_count_max(d, &n, &cap, FL_MAX_FUNCTIONS, "functions") < 0)
        return -1;
    d->func_types = zalloc(cap, sizeof *d->func_types);
    if (!d->func_types)
        return oom(d);
    for (uint32_t i = 0; i < n; i++) {
        if (i == cap)
            return past_end(d);
        if (poll(d) < 0)
            return -1;
        if (rd_u32(d, &d->func_types[i]) < 0)
            return -1;
    }
    d->m->nfuncs = n;
    return 0;
}

static int sec_table(dec *d) {
    fl_module *m = d->m;
    uint32_t n, cap;
    if (rd_count_max(d, &n, &cap, FL_MAX_TABLES - m->nimported_tables, "tables") < 0)
        return -1;
    m->tables = zalloc(cap, sizeof *m->tables);
    if (!m->tables)
        return oom(d);
    m->ntables = n;
    for (uint32_t i = 0; i < n; i++) {
        if (i == cap)
            return past_end(d);
        if (rd_tabletype(d, &m->tables[i]) < 0)
            return -1;
    }
    return 0;
}

static int sec_memory(dec *d) {
    fl_module *m = d->m;
    uint32_t n, cap;
    if (rd_count_max(d, &n, &cap, FL_MAX_MEMORIES - m->nimported_memories, "memories") < 0)
        return -1;
    m->memories = zalloc(cap, sizeof *m->memories);
    if (!m->memories)
        return oom(d);
    m->nmemories = n;
    for (uint32_t i = 0; i < n; i++) {
        if (i == cap)
            return past_end(d);
        if (rd_limits(d, &m->memories[i]) < 0)
            return -1;
    }
    return 0;
}

static int sec_global(dec *d) {
    fl_module *m = d->m;
    uint32_t n, cap;
    if (rd_count_max(d, &n, &cap, FL_MAX_GLOBALS, "globals") < 0)
        return -1;
    m->globals = zalloc(cap, sizeof *m->globals);
    if (!m->globals)
        return oom(d);
    m->nglobals = n;
    for (uint32_t i = 0; i < n; i++) {
        if (i == cap)
            return past_end(d);
        if (poll(d) < 0)
            return -1;
        if (rd_globaltype(d, &m->globals[i].type) < 0)
            return -1;
        if (rd_const_expr(d, &m->globals[i].init) < 0)
            return -1;
    }
    return 0;
}

static int sec_export(dec *d) {
    fl_module *m = d->m;
    uint32_t n, cap;
    if (rd_count_max(d, &n, &cap, FL_MAX_EXPORTS, "exports") < 0)
        return -1;
    m->exports = zalloc(cap, sizeof *m->exports);
    if (!m->exports)
        return oom(d);
    for (uint32_t i = 0; i < n; i++) {
        if (i == cap)
            return past_end(d);
        if (poll(d) < 0)
            return -1;
        fl_export *e = &m->exports[i];
        m->nexports = i + 1;
        if (rd_name_len(&d->r, &e->name, &e->name_len, d->err) < 0)
            return -1;
        size_t start = off(d);
        if (rd_u8(d, &e->kind) < 0)
            return -1;
        if (e->kind > FL_EXTERN_GLOBAL)
            return fail(d, start, "malformed export kind");
        if (rd_u32(d, &e->index) < 0)
            return -1;
    }
    return 0;
}

static int sec_start(dec *d) {
    d->m->has_start = true;
    return rd_u32(d, &d->m->start);
}

/* A vector of bare function indices becomes `ref.func N end` items. */
static int elem_func_indices(dec *d, fl_elem *e) {
    uint32_t n, cap;
    if (rd_count_max(d, &n, &cap, FL_MAX_TABLE_INIT_ENTRIES, "table entries") < 0)
        return -1;
    e->items = zalloc(cap, sizeof *e->items);
    e->synth_code = zalloc(cap, 7); /* 0xd2, up to 5 LEB bytes, 0x0b */
    if (!e->items || !e->synth_code)
        return oom(d);
    uint8_t *p = e->synth_code;
    for (uint32_t i = 0; i < n; i++) {
        if (i == cap)
            return past_end(d);
        if ((i & 0xfff) == 0 && poll(d) < 0)
            return -1;
        size_t start = off(d);
        uint32_t idx;
        if (rd_u32(d, &idx) < 0)
            return -1;
        fl_expr *x = &e->items[i];
        x->code = p;
        x->offset = (uint32_t)start;
        *p++ = FL_OP_REF_FUNC;
        do {
            uint8_t b = idx & 0x7f;
            idx >>= 7;
            *p++ = idx ? (b | 0x80) : b;
        } while (idx);
        *p++ = FL_OP_END;
        x->len = (uint32_t)(p - x->code);
    }
    e->nitems = n;
    return 0;
}

static int elem_exprs(dec *d, fl_elem *e) {
    uint32_t n, cap;
    if (rd_count_max(d, &n, &cap, FL_MAX_TABLE_INIT_ENTRIES, "table entries") < 0)
        return -1;
    e->items = zalloc(cap, sizeof *e->items);
    if (!e->items)
        return oom(d);
    for (uint32_t i = 0; i < n; i++) {
        if (i == cap)
            return past_end(d);
        if (poll(d) < 0)
            return -1;
        if (rd_const_expr(d, &e->items[i]) < 0)
            return -1;
    }
    e->nitems = n;
    return 0;
}

static int sec_elem(dec *d) {
    fl_module *m = d->m;
    uint32_t n, cap;
    if (rd_count_max(d, &n, &cap, FL_MAX_ELEM_SEGMENTS, "element segments") < 0)
        return -1;
    m->elems = zalloc(cap, sizeof *m->elems);
    if (!m->elems)
        return oom(d);
    for (uint32_t i = 0; i < n; i++) {
        if (i == cap)
            return past_end(d);
        if (poll(d) < 0)
            return -1;
        fl_elem *e = &m->elems[i];
        m->nelems = i + 1;
        size_t start = off(d);
        uint32_t flags;
        if (rd_u32(d, &flags) < 0)
            return -1;
        if (flags > 7)
            return fail(d, start, "malformed elements segment kind");
        /* bit 0: passive or declarative; bit 1: explicit table (active) or
         * declarative; bit 2: items are expressions */
        e->elemtype = FL_FUNCREF;
        if (flags & 1) {
            e->mode = (flags & 2) ? FL_SEGMENT_DECLARATIVE : FL_SEGMENT_PASSIVE;
        } else {
            e->mode = FL_SEGMENT_ACTIVE;
            if ((flags & 2) && rd_u32(d, &e->table_index) < 0)
                return -1;
            if (rd_const_expr(d, &e->offset) < 0)
                return -1;
        }
        if (flags & 3) {
            if (flags & 4) {
                if (rd_reftype_in(&d->r, &e->elemtype, d->err) < 0)
                    return -1;
            } else {
                size_t kind_off = off(d);
                uint8_t kind;
                if (rd_u8(d, &kind) < 0)
                    return -1;
                if (kind != 0)
                    return fail(d, kind_off, "malformed elements segment kind");
            }
        }
        if ((flags & 4) ? elem_exprs(d, e) : elem_func_indices(d, e))
            return -1;
    }
    return 0;
}

static int sec_datacount(dec *d) {
    size_t start = off(d);
    d->m->has_datacount = true;
    if (rd_u32(d, &d->m->datacount) < 0)
        return -1;
    if (d->m->datacount > FL_MAX_DATA_SEGMENTS)
        return fail(d, start, "too many data segments");
    return 0;
}

/* One function body: locals, then instructions up to the final `end`,
 * which must close the body exactly at its declared size. */
static int rd_body(dec *d, fl_func *f) {
    fl_module *m = d->m;
    uint32_t size;
    size_t size_off = off(d);
    if (rd_u32(d, &size) < 0)
        return -1;
    if (size > FL_MAX_FUNCTION_SIZE)
        return fail(d, size_off, "function body too large");
    if (size > (size_t)(d->r.end - d->r.pos))
        return fail(d, size_off, "length out of bounds");
    const uint8_t *body_end = d->r.pos + size;
    size_t body_start = off(d);
    uint32_t nruns, cap;
    if (rd_count(d, &nruns, &cap) < 0)
        return -1;
    f->local_runs = zalloc(cap, sizeof *f->local_runs);
    if (!f->local_runs)
        return oom(d);
    uint64_t total = 0;
    for (uint32_t i = 0; i < nruns; i++) {
        if (i == cap)
            return past_end(d);
        if (rd_u32(d, &f->local_runs[i].count) < 0)
            return -1;
        if (rd_valtype(d, &f->local_runs[i].valtype) < 0)
            return -1;
        total += f->local_runs[i].count;
    }
    f->nlocal_runs = nruns;
    /* The spec caps locals at 2^32-1; like the JS API we refuse far fewer,
     * parameters included, since each costs a frame slot at run time. */
    uint32_t np = f->type_index < m->ntypes ? m->types[f->type_index].nparams : 0;
    if (total + np > FL_MAX_LOCALS)
        return fail(d, body_start, "too many locals");
    f->nlocals = (uint32_t)total;
    f->code = d->r.pos;
    f->code_offset = (uint32_t)off(d);
    if (d->r.pos > body_end)
        return fail(d, body_start, "section size mismatch");
    if (d->opts && d->opts->trusted)
        d->r.pos = body_end; /* decoded before: its instructions are read when compiled */
    else if (rd_expr(d, true) < 0)
        return -1;
    if (d->r.pos != body_end)
        return fail(d, body_start, "section size mismatch");
    f->code_len = (uint32_t)(d->r.pos - f->code);
    return 0;
}

static int sec_code(dec *d) {
    fl_module *m = d->m;
    size_t start = off(d);
    uint32_t n;
    if (rd_u32(d, &n) < 0)
        return -1;
    if (n != m->nfuncs)
        return fail(d, start, "function and code section have inconsistent lengths");
    m->funcs = zalloc(n, sizeof *m->funcs);
    if (!m->funcs)
        return oom(d);
    for (uint32_t i = 0; i < n; i++) {
        if (poll(d) < 0)
            return -1;
        m->funcs[i].type_index = d->func_types[i];
        if (rd_body(d, &m->funcs[i]) < 0)
            return -1;
    }
    return 0;
}

static int sec_data(dec *d) {
    fl_module *m = d->m;
    size_t start = off(d);
    uint32_t n, cap;
    if (rd_count_max(d, &n, &cap, FL_MAX_DATA_SEGMENTS, "data segments") < 0)
        return -1;
    if (m->has_datacount && n != m->datacount)
        return fail(d, start, "data count and data section have inconsistent lengths");
    m->datas = zalloc(cap, sizeof *m->datas);
    if (!m->datas)
        return oom(d);
    m->ndatas = cap;
    for (uint32_t i = 0; i < n; i++) {
        if (i == cap)
            return past_end(d);
        if (poll(d) < 0)
            return -1;
        fl_data *s = &m->datas[i];
        size_t flags_off = off(d);
        uint32_t flags;
        if (rd_u32(d, &flags) < 0)
            return -1;
        if (flags > 2)
            return fail(d, flags_off, "malformed data segment kind");
        s->mode = flags == 1 ? FL_SEGMENT_PASSIVE : FL_SEGMENT_ACTIVE;
        if (flags == 2 && rd_u32(d, &s->memory_index) < 0)
            return -1;
        if (flags != 1 && rd_const_expr(d, &s->offset) < 0)
            return -1;
        uint32_t len;
        if (rd_u32(d, &len) < 0)
            return -1;
        if (len > (size_t)(d->r.end - d->r.pos))
            return past_end(d);
        s->bytes = d->r.pos;
        s->len = len;
        d->r.pos += len;
    }
    return 0;
}

/* A name map (index, name)*: each entry handed to `take`, which owns the
 * name.  Returns 1 when the map is malformed (ignored by the caller), -1 on
 * an interrupt, 0 when read to its end. */
typedef void (*name_taker)(fl_module *m, uint32_t idx, char *name);

static int rd_name_map(dec *d, fl_reader *sub, name_taker take) {
    fl_error ignored;
    uint32_t n;
    if (rd_len(sub, &n, &ignored) < 0)
        return 1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t idx;
        char *name;
        if (poll(d) < 0)
            return -1;
        if (fl_read_u32(sub, &idx, &ignored) < 0 || rd_name_in(sub, &name, &ignored) < 0)
            return 1;
        take(d->m, idx, name);
    }
    return 0;
}

static void take_func_name(fl_module *m, uint32_t idx, char *name) {
    if (idx < m->nimported_funcs || idx - m->nimported_funcs >= m->nfuncs || !m->funcs) {
        free(name);
        return;
    }
    fl_func *f = &m->funcs[idx - m->nimported_funcs];
    free((char *)f->debug_name);
    f->debug_name = name;
}

/* wasm-ld names the stack pointer global; a stack overflow is told by it. */
static void take_global_name(fl_module *m, uint32_t idx, char *name) {
    if (!strcmp(name, "__stack_pointer")) {
        m->has_stack_pointer = true;
        m->stack_pointer = idx;
    }
    free(name);
}

/* The "name" custom section: module name, function names and which global
 * is the stack pointer.  A malformed name section is ignored, never an
 * error (so are names past the name size limit); only an interrupt stops it
 * with -1. */
static int parse_names(dec *d, fl_reader r) {
    fl_module *m = d->m;
    fl_error ignored;
    while (r.pos < r.end) {
        uint8_t id;
        uint32_t size;
        if (fl_read_u8(&r, &id, &ignored) < 0 || rd_len(&r, &size, &ignored) < 0)
            return 0;
        fl_reader sub = {r.pos, r.pos + size, r.base};
        r.pos += size;
        int rc = 0;
        if (id == 0) {
            char *name;
            if (rd_name_in(&sub, &name, &ignored) < 0)
                return 0;
            free(m->module_name);
            m->module_name = name;
        } else if (id == 1) {
            rc = rd_name_map(d, &sub, take_func_name);
        } else if (id == 7) { /* global names (the extended name section) */
            rc = rd_name_map(d, &sub, take_global_name);
        }
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
    return 0;
}

static int sec_custom(dec *d, const uint8_t *sec_end) {
    fl_module *m = d->m;
    fl_reader r = {d->r.pos, sec_end, d->r.base};
    char *name;
    if (rd_name_in(&r, &name, d->err) < 0)
        return -1;
    /* doubling: a module may hold a custom section every 3 bytes */
    if (m->ncustoms == d->ncustoms_cap) {
        uint32_t cap = d->ncustoms_cap ? d->ncustoms_cap * 2 : 4;
        fl_custom_section *c = realloc(m->customs, (size_t)cap * sizeof *c);
        if (!c) {
            free(name);
            return oom(d);
        }
        m->customs = c;
        d->ncustoms_cap = cap;
    }
    fl_custom_section *c = &m->customs[m->ncustoms++];
    c->name = name;
    c->bytes = r.pos;
    c->len = (uint32_t)(sec_end - r.pos);
    d->r.pos = sec_end;
    return 0;
}

/* Position of each section id in the required order (custom sections: 0). */
static const uint8_t section_rank[13] = {
    [1] = 1, [2] = 2, [3] = 3, [4] = 4, [5] = 5, [6] = 6, [7] = 7,
    [8] = 8, [9] = 9, [12] = 10, [10] = 11, [11] = 12,
};

static int rd_section(dec *d, uint8_t id, const uint8_t *sec_end) {
    switch (id) {
    case 0: return sec_custom(d, sec_end);
    case 1: return sec_type(d);
    case 2: return sec_import(d);
    case 3: return sec_function(d);
    case 4: return sec_table(d);
    case 5: return sec_memory(d);
    case 6: return sec_global(d);
    case 7: return sec_export(d);
    case 8: return sec_start(d);
    case 9: return sec_elem(d);
    case 10: return sec_code(d);
    case 11: return sec_data(d);
    case 12: return sec_datacount(d);
    }
    return fail(d, off(d), "malformed section id");
}

static int rd_module(dec *d) {
    fl_module *m = d->m;
    if (m->binary_len < 4)
        return fail(d, m->binary_len, "unexpected end");
    if (memcmp(m->binary, "\0asm", 4) != 0)
        return fail(d, 0, "magic header not detected");
    if (m->binary_len < 8)
        return fail(d, m->binary_len, "unexpected end");
    if (memcmp(m->binary + 4, "\1\0\0\0", 4) != 0)
        return fail(d, 4, "unknown binary version");
    d->r.pos += 8;

    unsigned last_rank = 0;
    bool has_code = false, has_data = false;
    while (d->r.pos < d->r.end) {
        size_t id_off = off(d);
        uint8_t id;
        uint32_t size;
        if (poll(d) < 0)
            return -1;
        if (rd_u8(d, &id) < 0)
            return -1;
        if (id > 12)
            return fail(d, id_off, "malformed section id");
        if (rd_len(&d->r, &size, d->err) < 0)
            return -1;
        const uint8_t *sec_end = d->r.pos + size;
        if (id != 0) {
            if (section_rank[id] <= last_rank)
                return fail(d, id_off, "unexpected content after last section");
            last_rank = section_rank[id];
        }
        has_code |= id == 10;
        has_data |= id == 11;
        if (rd_section(d, id, sec_end) < 0) {
            if (strcmp(d->err->message, "unexpected end") == 0)
                fl_error_set(d->err, d->err->offset, "unexpected end of section or function");
            return -1;
        }
        if (d->r.pos != sec_end)
            return fail(d, id_off, "section size mismatch");
    }
    if (!has_code && m->nfuncs != 0)
        return fail(d, off(d), "function and code section have inconsistent lengths");
    if (m->has_datacount && !has_data && m->datacount != 0)
        return fail(d, off(d), "data count and data section have inconsistent lengths");
    /* as in the reference decoder, only a module with data segments needs it */
    if (d->data_idx_used && m->ndatas != 0)
        return fail(d, d->data_idx_offset, "data count section required");
    return 0;
}

/* The function index space's type indices, imports first. */
static int build_func_types(dec *d) {
    fl_module *m = d->m;
    uint32_t total = m->nimported_funcs + m->nfuncs;
    m->func_type_indices = zalloc(total, sizeof *m->func_type_indices);
    if (!m->func_type_indices)
        return oom(d);
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->nimports; i++)
        if (m->imports[i].kind == FL_EXTERN_FUNC)
            m->func_type_indices[k++] = m->imports[i].desc.func_type;
    for (uint32_t i = 0; i < m->nfuncs; i++)
        m->func_type_indices[k++] = m->funcs[i].type_index;
    return 0;
}

fl_module *fl_decode(const uint8_t *bytes, size_t len, fl_error *err) {
    return fl_decode_opts(bytes, len, NULL, err);
}

fl_module *fl_decode_opts(const uint8_t *bytes, size_t len, const fl_load_opts *opts,
                          fl_error *err) {
    fl_error scratch;
    if (!err)
        err = &scratch;
    bool adopt = opts && opts->adopt_mapping && len;
    fl_module *m = len > FL_MAX_MODULE_SIZE ? NULL : calloc(1, sizeof *m);
    if (!m) {
        fl_error_set(err, 0, len > FL_MAX_MODULE_SIZE ? "module too large" : "out of memory");
        if (adopt)
            munmap((void *)bytes, len);
        return NULL;
    }
    dec d = {0};
    d.err = err;
    d.opts = opts;
    d.m = m;
    if (adopt) {
        m->binary = (uint8_t *)bytes;
        m->binary_mapped = true;
    } else if ((m->binary = malloc(len ? len : 1))) {
        memcpy(m->binary, bytes, len);
    } else {
        fl_error_set(err, 0, "out of memory");
        goto fail;
    }
    m->binary_len = len;
    d.r = (fl_reader){m->binary, m->binary + len, m->binary};

    if (rd_module(&d) < 0)
        goto fail;
    if (build_func_types(&d) < 0)
        goto fail;
    for (uint32_t i = 0; i < m->ncustoms; i++) {
        fl_custom_section *c = &m->customs[i];
        if (strcmp(c->name, "name") == 0 &&
            parse_names(&d, (fl_reader){c->bytes, c->bytes + c->len, m->binary}) < 0)
            goto fail;
    }
    free(d.blocks);
    free(d.func_types);
    return m;
fail:
    free(d.blocks);
    free(d.func_types);
    if (m->nfuncs && !m->funcs)
        m->nfuncs = 0;
    fl_module_free(m);
    return NULL;
}
