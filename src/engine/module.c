/*
 * module.c: the opcode tables, error helper, index-space views of a decoded
 * module, and the load/free pair that ties decoder, validator and
 * interpreter together.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine/decode.h"
#include "engine/module.h"
#include "engine/runtime.h"
#include "engine/validate.h"
#include "engine/tier.h"

const fl_opinfo fl_opinfo_table[FL_OP_COUNT] = {
#define OP(name, text, byte, imm, sig) [byte] = {text, imm, sig},
#define OP_FC(name, text, sub, imm, sig) [0x100 + (sub)] = {text, imm, sig},
#include "engine/opcodes.def"
#undef OP
#undef OP_FC
};

const fl_simd_opinfo fl_simd_opinfo_table[FL_SIMD_COUNT] = {
#define OP_FD(name, text, sub, imm, sig, arg) [sub] = {text, imm, arg, sig},
#include "engine/simd_opcodes.def"
#undef OP_FD
};

int fl_error_set(fl_error *err, size_t offset, const char *fmt, ...) {
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->offset = offset;
    return -1;
}

const char *fl_valtype_name(uint8_t valtype) {
    switch (valtype) {
    case FL_I32: return "i32";
    case FL_I64: return "i64";
    case FL_F32: return "f32";
    case FL_F64: return "f64";
    case FL_V128: return "v128";
    case FL_FUNCREF: return "funcref";
    case FL_EXTERNREF: return "externref";
    default: return "unknown";
    }
}

uint32_t fl_module_total_funcs(const fl_module *m) {
    return m->nimported_funcs + m->nfuncs;
}

uint32_t fl_module_total_tables(const fl_module *m) {
    return m->nimported_tables + m->ntables;
}

uint32_t fl_module_total_memories(const fl_module *m) {
    return m->nimported_memories + m->nmemories;
}

uint32_t fl_module_total_globals(const fl_module *m) {
    return m->nimported_globals + m->nglobals;
}

/* The n-th import of `kind`, or NULL. */
static const fl_import *nth_import(const fl_module *m, uint8_t kind, uint32_t n) {
    for (uint32_t i = 0; i < m->nimports; i++) {
        if (m->imports[i].kind != kind)
            continue;
        if (n == 0)
            return &m->imports[i];
        n--;
    }
    return NULL;
}

/* Returns NULL for an index outside the function index space or a type
 * index outside the type section (only possible before validation). */
const fl_functype *fl_module_func_type(const fl_module *m, uint32_t func_index) {
    if (func_index >= fl_module_total_funcs(m))
        return NULL;
    uint32_t t = m->func_type_indices[func_index];
    return t < m->ntypes ? &m->types[t] : NULL;
}

fl_globaltype fl_module_global_type(const fl_module *m, uint32_t index) {
    fl_globaltype none = {0, false};
    if (index < m->nimported_globals) {
        const fl_import *imp = nth_import(m, FL_EXTERN_GLOBAL, index);
        return imp ? imp->desc.global : none;
    }
    index -= m->nimported_globals;
    return index < m->nglobals ? m->globals[index].type : none;
}

fl_tabletype fl_module_table_type(const fl_module *m, uint32_t index) {
    fl_tabletype none = {0, {0, 0, false}};
    if (index < m->nimported_tables) {
        const fl_import *imp = nth_import(m, FL_EXTERN_TABLE, index);
        return imp ? imp->desc.table : none;
    }
    index -= m->nimported_tables;
    return index < m->ntables ? m->tables[index] : none;
}

fl_limits fl_module_memory_limits(const fl_module *m, uint32_t index) {
    fl_limits none = {0, 0, false};
    if (index < m->nimported_memories) {
        const fl_import *imp = nth_import(m, FL_EXTERN_MEMORY, index);
        return imp ? imp->desc.memory : none;
    }
    index -= m->nimported_memories;
    return index < m->nmemories ? m->memories[index] : none;
}

/* Hand-built modules may leave name_len 0: then the name is a C string. */
static size_t export_name_len(const fl_export *e) {
    return e->name_len ? e->name_len : strlen(e->name);
}

const fl_export *fl_module_find_export(const fl_module *m, const char *name) {
    for (uint32_t i = 0; i < m->nexports; i++)
        if (export_name_len(&m->exports[i]) == strlen(name) &&
            strcmp(m->exports[i].name, name) == 0)
            return &m->exports[i];
    return NULL;
}

/* ---- function types as text ---- */

int fl_sig_valtype(char c, uint8_t *out) {
    switch (c) {
    case 'i': *out = FL_I32; return 0;
    case 'I': *out = FL_I64; return 0;
    case 'f': *out = FL_F32; return 0;
    case 'F': *out = FL_F64; return 0;
    case 'r': *out = FL_FUNCREF; return 0;
    case 'e': *out = FL_EXTERNREF; return 0;
    default: return -1;
    }
}

/* Whether vals[0..n) is exactly the letters sig[0..len). */
static bool sig_part_is(const uint8_t *vals, uint32_t n, const char *sig, size_t len) {
    if (n != len)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t v;
        if (fl_sig_valtype(sig[i], &v) < 0 || v != vals[i])
            return false;
    }
    return true;
}

void fl_functype_set_slots(fl_functype *t) {
    t->param_slots = t->nparams;
    for (uint32_t i = 0; i < t->nparams; i++)
        t->param_slots += t->params[i] == FL_V128;
    t->result_slots = t->nresults;
    for (uint32_t i = 0; i < t->nresults; i++)
        t->result_slots += t->results[i] == FL_V128;
}

bool fl_functype_is(const fl_functype *t, const char *sig) {
    const char *colon = strchr(sig, ':');
    if (!colon || strchr(colon + 1, ':'))
        return false;
    return sig_part_is(t->params, t->nparams, sig, (size_t)(colon - sig)) &&
           sig_part_is(t->results, t->nresults, colon + 1, strlen(colon + 1));
}

/* Appends vals[0..n) as "[i32 i64 x 3]" at buf+*at, never past len. */
static void types_text(const uint8_t *vals, uint32_t n, char *buf, size_t len, size_t *at) {
    *at += (size_t)snprintf(buf + *at, len - *at, "[");
    for (uint32_t i = 0; i < n && *at < len;) {
        uint32_t run = 1;
        while (i + run < n && vals[i + run] == vals[i])
            run++;
        const char *sep = i ? " " : "";
        if (run >= 3) {
            *at += (size_t)snprintf(buf + *at, len - *at, "%s%s x %u", sep,
                                    fl_valtype_name(vals[i]), run);
            i += run;
        } else {
            *at += (size_t)snprintf(buf + *at, len - *at, "%s%s", sep, fl_valtype_name(vals[i]));
            i++;
        }
    }
    if (*at < len)
        *at += (size_t)snprintf(buf + *at, len - *at, "]");
}

char *fl_functype_text(const fl_functype *t, char *buf, size_t len) {
    if (len == 0)
        return buf;
    size_t at = 0;
    buf[0] = '\0';
    types_text(t->params, t->nparams, buf, len, &at);
    if (at < len)
        at += (size_t)snprintf(buf + at, len - at, " -> ");
    if (at < len)
        types_text(t->results, t->nresults, buf, len, &at);
    if (at >= len && len >= 4)
        memcpy(buf + len - 4, "...", 4); /* cut short: say so */
    return buf;
}

const fl_functype *fl_module_export_functype(const fl_module *m, const char *name) {
    const fl_export *e = fl_module_find_export(m, name);
    if (!e || e->kind != FL_EXTERN_FUNC)
        return NULL;
    return fl_module_func_type(m, e->index);
}

bool fl_module_export_type_is(const fl_module *m, const char *name, const char *sig) {
    const fl_functype *t = fl_module_export_functype(m, name);
    return t && fl_functype_is(t, sig);
}

/* Fills m->type_ids: each type interned once per module (interning takes a
 * process-wide lock; a module may have a million types). */
static int intern_types(fl_module *m, const fl_load_opts *opts, fl_error *err) {
    m->type_ids = calloc(m->ntypes ? m->ntypes : 1, sizeof *m->type_ids);
    if (!m->type_ids)
        return fl_error_set(err, 0, "out of memory");
    for (uint32_t i = 0; i < m->ntypes; i++) {
        if ((i & 0xfff) == 0 && fl_load_interrupted(opts))
            return fl_error_set(err, 0, "loading interrupted");
        m->type_ids[i] = fl_type_intern(&m->types[i]);
    }
    return 0;
}

fl_module *fl_module_load(const uint8_t *bytes, size_t len, fl_error *err) {
    return fl_module_load_opts(bytes, len, NULL, err);
}

fl_module *fl_module_load_opts(const uint8_t *bytes, size_t len, const fl_load_opts *opts,
                               fl_error *err) {
    fl_module *m = fl_decode_opts(bytes, len, opts, err);
    if (!m)
        return NULL;
    if (!(opts && opts->trusted) && fl_validate_opts(m, opts, err) < 0)
        goto fail;
    if (intern_types(m, opts, err) < 0)
        goto fail;
    const fl_tier *tier = opts && opts->tier ? opts->tier : fl_default_tier;
    if (tier->prepare(m, opts, err) < 0)
        goto fail;
    m->tier = tier;
    return m;
fail:
    fl_module_free(m);
    return NULL;
}

void fl_module_free(fl_module *m) {
    if (!m)
        return;
    if (m->tier)
        m->tier->release(m);
    for (uint32_t i = 0; i < m->ntypes; i++)
        free(m->types[i].params); /* results share the allocation */
    free(m->types);
    free(m->type_ids);
    for (uint32_t i = 0; i < m->nimports; i++) {
        free(m->imports[i].module);
        free(m->imports[i].name);
    }
    free(m->imports);
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        free(m->funcs[i].local_runs);
        free((char *)m->funcs[i].debug_name);
    }
    free(m->funcs);
    free(m->func_type_indices);
    free(m->tables);
    free(m->memories);
    free(m->globals);
    for (uint32_t i = 0; i < m->nexports; i++)
        free(m->exports[i].name);
    free(m->exports);
    for (uint32_t i = 0; i < m->nelems; i++) {
        free(m->elems[i].items);
        free(m->elems[i].synth_code);
    }
    free(m->elems);
    free(m->datas);
    for (uint32_t i = 0; i < m->ncustoms; i++)
        free(m->customs[i].name);
    free(m->customs);
    free(m->module_name);
    if (m->binary_mapped)
        munmap(m->binary, m->binary_len);
    else
        free(m->binary);
    free(m);
}
