/*
 * link.c: linkers (name -> extern maps), host function instances,
 * instantiation (wasm 2.0, spec section "instantiation") and exports.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/reader.h"
#include "engine/runtime.h"
#include "engine/runtime_int.h"

/* ---- linkers ----
 * Entries in definition order, found through a hash index (open
 * addressing, at most half full): a Faaslet defines 77 host functions and
 * a module may import thousands, so neither may cost a scan per name. */

typedef struct link_entry {
    char *module;
    char *name;
    uint64_t hash;
    fl_extern ext;
} link_entry;

struct fl_linker {
    fl_store *store;
    link_entry *entries;
    size_t n, cap;
    uint32_t *index;   /* entry number + 1; 0: empty */
    size_t index_cap;  /* a power of two, >= 2n */
};

static uint64_t name_hash(const char *module, const char *name) {
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a, a 0xff between the two names */
    for (const unsigned char *p = (const unsigned char *)module; *p; p++)
        h = (h ^ *p) * 0x100000001b3u;
    h = (h ^ 0xff) * 0x100000001b3u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 0x100000001b3u;
    return h;
}

/* The index slot of module.name (hash h): its entry's, or the empty one
 * where it would go. */
static size_t find_slot(const fl_linker *l, const char *module, const char *name, uint64_t h) {
    size_t mask = l->index_cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        uint32_t e = l->index[i];
        if (!e)
            return i;
        const link_entry *le = &l->entries[e - 1];
        if (le->hash == h && strcmp(le->module, module) == 0 && strcmp(le->name, name) == 0)
            return i;
    }
}

/* Makes the index room for one more entry; false when out of memory. */
static bool index_reserve(fl_linker *l) {
    if ((l->n + 1) * 2 <= l->index_cap)
        return true;
    size_t cap = l->index_cap ? l->index_cap * 2 : 64;
    uint32_t *index = calloc(cap, sizeof *index);
    if (!index)
        return false;
    free(l->index);
    l->index = index;
    l->index_cap = cap;
    for (size_t i = 0; i < l->n; i++) {
        const link_entry *le = &l->entries[i];
        l->index[find_slot(l, le->module, le->name, le->hash)] = (uint32_t)i + 1;
    }
    return true;
}

fl_linker *fl_linker_new(fl_store *s) {
    fl_linker *l = calloc(1, sizeof *l);
    if (l)
        l->store = s;
    return l;
}

void fl_linker_free(fl_linker *l) {
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->entries[i].module);
        free(l->entries[i].name);
    }
    free(l->entries);
    free(l->index);
    free(l);
}

static const fl_extern *linker_find(const fl_linker *l, const char *module, const char *name) {
    if (!l || !l->index_cap)
        return NULL;
    uint32_t e = l->index[find_slot(l, module, name, name_hash(module, name))];
    return e ? &l->entries[e - 1].ext : NULL;
}

int fl_linker_define(fl_linker *l, const char *module, const char *name, fl_extern ext) {
    uint64_t h = name_hash(module, name);
    if (l->index_cap) {
        uint32_t e = l->index[find_slot(l, module, name, h)];
        if (e) {
            l->entries[e - 1].ext = ext;
            return 0;
        }
    }
    if (l->n >= UINT32_MAX - 1 || !index_reserve(l))
        return -1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        link_entry *entries = realloc(l->entries, cap * sizeof *entries);
        if (!entries)
            return -1;
        l->entries = entries;
        l->cap = cap;
    }
    char *m = strdup(module), *n = strdup(name);
    if (!m || !n) {
        free(m);
        free(n);
        return -1;
    }
    l->index[find_slot(l, module, name, h)] = (uint32_t)l->n + 1;
    l->entries[l->n++] = (link_entry){m, n, h, ext};
    return 0;
}

/* A host function instance and its type, in one store-owned block followed
 * by the value types and the "module.name" string. */
typedef struct host_func {
    fl_funcinst f;
    fl_functype type;
} host_func;

static fl_funcinst *host_func_new(fl_store *s, const fl_host_def *def) {
    const char *colon = def->signature ? strchr(def->signature, ':') : NULL;
    if (!colon || strchr(colon + 1, ':'))
        return NULL;
    size_t np = (size_t)(colon - def->signature), nr = strlen(colon + 1);
    size_t namelen = strlen(def->module) + 1 + strlen(def->name) + 1;
    host_func *h = calloc(1, sizeof *h + np + nr + namelen);
    if (!h)
        return NULL;
    uint8_t *vals = (uint8_t *)(h + 1);
    for (size_t i = 0; i < np + nr; i++) {
        char c = i < np ? def->signature[i] : colon[1 + i - np];
        if (fl_sig_valtype(c, &vals[i]) < 0) {
            free(h);
            return NULL;
        }
    }
    char *name = (char *)(vals + np + nr);
    snprintf(name, namelen, "%s.%s", def->module, def->name);
    h->type = (fl_functype){(uint32_t)np, (uint32_t)nr, vals, vals + np, 0, 0};
    fl_functype_set_slots(&h->type);
    h->f.type = &h->type;
    h->f.type_id = fl_type_intern(&h->type);
    h->f.host = def->handler;
    h->f.host_data = def->data;
    h->f.name = name;
    if (fl__store_own(s, h, free) < 0)
        return NULL;
    return &h->f;
}

int fl_linker_define_host(fl_linker *l, const fl_host_def *defs, size_t count) {
    for (size_t i = 0; i < count; i++) {
        fl_funcinst *f = host_func_new(l->store, &defs[i]);
        if (!f)
            return -1;
        fl_extern ext = {.kind = FL_EXTERN_FUNC, .as.func = f};
        if (fl_linker_define(l, defs[i].module, defs[i].name, ext) < 0)
            return -1;
    }
    return 0;
}

static bool export_extern(fl_instance *inst, const fl_export *e, fl_extern *out);

int fl_linker_define_instance(fl_linker *l, const char *module, fl_instance *inst) {
    const fl_module *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        fl_extern ext;
        if (!export_extern(inst, &m->exports[i], &ext))
            return -1;
        if (fl_linker_define(l, module, m->exports[i].name, ext) < 0)
            return -1;
    }
    return 0;
}

/* ---- exports ---- */

static bool export_extern(fl_instance *inst, const fl_export *e, fl_extern *out) {
    out->kind = e->kind;
    switch (e->kind) {
    case FL_EXTERN_FUNC: out->as.func = inst->funcs[e->index]; return true;
    case FL_EXTERN_TABLE: out->as.table = inst->tables[e->index]; return true;
    case FL_EXTERN_MEMORY: out->as.memory = inst->memories[e->index]; return true;
    case FL_EXTERN_GLOBAL: out->as.global = inst->globals[e->index]; return true;
    default: return false;
    }
}

bool fl_instance_export(fl_instance *inst, const char *name, fl_extern *out) {
    const fl_module *m = inst->module;
    size_t len = strlen(name);
    for (uint32_t i = 0; i < m->nexports; i++) {
        const fl_export *e = &m->exports[i];
        /* a name with a NUL inside cannot equal a C string */
        if (strcmp(e->name, name) == 0 && (e->name_len == 0 || e->name_len == len))
            return export_extern(inst, e, out);
    }
    return false;
}

fl_funcinst *fl_instance_func(fl_instance *inst, const char *name) {
    fl_extern ext;
    if (!fl_instance_export(inst, name, &ext) || ext.kind != FL_EXTERN_FUNC)
        return NULL;
    return ext.as.func;
}

/* ---- instantiation ---- */

static void instance_free(void *obj) {
    fl_instance *inst = obj;
    free(inst->funcs);
    free(inst->tables);
    free(inst->memories);
    free(inst->globals);
    free(inst->elem_dropped);
    free(inst->data_dropped);
    free(inst->defined);
    free(inst);
}

/* calloc that never returns NULL for a zero count, so NULL means failure */
static void *alloc_array(size_t n, size_t size) {
    return calloc(n ? n : 1, size);
}

static fl_inst_status fail(fl_error *err, fl_inst_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static fl_inst_status fail(fl_error *err, fl_inst_status st, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->offset = 0;
    }
    return st;
}

static uint32_t total_funcs(const fl_module *m) { return m->nimported_funcs + m->nfuncs; }
static uint32_t total_tables(const fl_module *m) { return m->nimported_tables + m->ntables; }
static uint32_t total_memories(const fl_module *m) { return m->nimported_memories + m->nmemories; }
static uint32_t total_globals(const fl_module *m) { return m->nimported_globals + m->nglobals; }

/* Limits subtyping (spec "import matching"): at least as large now, and no
 * larger maximum than the import allows. */
static bool limits_match(fl_limits actual, fl_limits want) {
    if (actual.min < want.min)
        return false;
    if (want.has_max && (!actual.has_max || actual.max > want.max))
        return false;
    return true;
}

static bool import_matches(const fl_module *m, const fl_import *imp, const fl_extern *ext) {
    if (ext->kind != imp->kind)
        return false;
    switch (imp->kind) {
    case FL_EXTERN_FUNC:
        return ext->as.func->type_id == fl_type_intern(&m->types[imp->desc.func_type]);
    case FL_EXTERN_TABLE:
        return ext->as.table->elemtype == imp->desc.table.elemtype &&
               limits_match(fl__table_limits(ext->as.table), imp->desc.table.limits);
    case FL_EXTERN_MEMORY:
        return limits_match(fl__memory_limits(ext->as.memory), imp->desc.memory);
    case FL_EXTERN_GLOBAL:
        return ext->as.global->type.valtype == imp->desc.global.valtype &&
               ext->as.global->type.mutable_ == imp->desc.global.mutable_;
    default:
        return false;
    }
}

/* Evaluates a validated constant expression against `inst` (imported
 * globals and every function already in place).  Besides wasm 2.0's forms
 * it folds the extended-const arithmetic.  out[0] gets the value, out[1] a
 * v128's bytes 8-15 (0 for other types).  Returns 0, or -1 for anything
 * else. */
static int eval_const(const fl_instance *inst, const fl_expr *e, fl_value out[2]) {
    fl_reader r = {.pos = e->code, .end = e->code + e->len, .base = e->code};
    fl_error err;
    fl_value st[16], hi[16] = {{0}}; /* hi: a v128's upper half */
    unsigned sp = 0;
    for (;;) {
        uint8_t op;
        if (fl_read_u8(&r, &op, &err) < 0)
            return -1;
        if (op == FL_OP_END)
            break;
        if (sp == sizeof st / sizeof st[0])
            return -1;
        fl_value v = {.i64 = 0};
        hi[sp].i64 = 0;
        switch (op) {
        case FL_OP_I32_CONST: {
            int32_t x;
            if (fl_read_s32(&r, &x, &err) < 0)
                return -1;
            v.i32 = (uint32_t)x;
            st[sp++] = v;
            break;
        }
        case FL_OP_I64_CONST: {
            int64_t x;
            if (fl_read_s64(&r, &x, &err) < 0)
                return -1;
            v.i64 = (uint64_t)x;
            st[sp++] = v;
            break;
        }
        case FL_OP_F32_CONST:
            if (fl_read_bytes(&r, &v.f32, 4, &err) < 0)
                return -1;
            st[sp++] = v;
            break;
        case FL_OP_F64_CONST:
            if (fl_read_bytes(&r, &v.f64, 8, &err) < 0)
                return -1;
            st[sp++] = v;
            break;
        case FL_OP_REF_NULL: {
            uint8_t t;
            if (fl_read_u8(&r, &t, &err) < 0)
                return -1;
            v.ref = NULL;
            st[sp++] = v;
            break;
        }
        case FL_OP_REF_FUNC: {
            uint32_t x;
            if (fl_read_u32(&r, &x, &err) < 0 || x >= total_funcs(inst->module))
                return -1;
            v.ref = inst->funcs[x];
            st[sp++] = v;
            break;
        }
        case FL_OP_GLOBAL_GET: {
            uint32_t x;
            if (fl_read_u32(&r, &x, &err) < 0 || x >= total_globals(inst->module) ||
                !inst->globals[x])
                return -1;
            hi[sp].i64 = inst->globals[x]->hi;
            st[sp++] = inst->globals[x]->value;
            break;
        }
        case 0xfd: { /* v128.const, the one SIMD constant instruction */
            uint32_t sub;
            if (fl_read_u32(&r, &sub, &err) < 0 || sub != FL_SIMD_V128_CONST ||
                fl_read_bytes(&r, &v.i64, 8, &err) < 0 || fl_read_bytes(&r, &hi[sp].i64, 8, &err) < 0)
                return -1;
            st[sp++] = v;
            break;
        }
        case FL_OP_I32_ADD:
        case FL_OP_I32_SUB:
        case FL_OP_I32_MUL:
        case FL_OP_I64_ADD:
        case FL_OP_I64_SUB:
        case FL_OP_I64_MUL: {
            if (sp < 2)
                return -1;
            fl_value b = st[--sp], a = st[--sp];
            switch (op) {
            case FL_OP_I32_ADD: v.i32 = a.i32 + b.i32; break;
            case FL_OP_I32_SUB: v.i32 = a.i32 - b.i32; break;
            case FL_OP_I32_MUL: v.i32 = a.i32 * b.i32; break;
            case FL_OP_I64_ADD: v.i64 = a.i64 + b.i64; break;
            case FL_OP_I64_SUB: v.i64 = a.i64 - b.i64; break;
            default: v.i64 = a.i64 * b.i64; break;
            }
            st[sp++] = v;
            break;
        }
        default:
            return -1;
        }
    }
    if (sp != 1)
        return -1;
    out[0] = st[0];
    out[1] = hi[0];
    return 0;
}

/* Step 1: every import resolved and checked before anything is allocated,
 * so a link error leaves the store untouched. */
static fl_inst_status resolve_imports(const fl_module *m, fl_linker *l, fl_extern *exts,
                                      fl_error *err) {
    for (uint32_t i = 0; i < m->nimports; i++) {
        const fl_import *imp = &m->imports[i];
        const fl_extern *ext = linker_find(l, imp->module, imp->name);
        if (!ext)
            return fail(err, FL_INST_LINK_ERROR, "unknown import");
        if (!import_matches(m, imp, ext))
            return fail(err, FL_INST_LINK_ERROR, "incompatible import type");
        exts[i] = *ext;
    }
    return FL_INST_OK;
}

/* Step 2: the instance's index spaces, imports first, then what it defines. */
static fl_inst_status allocate(fl_store *s, const fl_module *m, const fl_extern *exts,
                               fl_instance *inst, fl_error *err) {
    uint32_t nf = 0, nt = 0, nm = 0, ng = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        switch (exts[i].kind) {
        case FL_EXTERN_FUNC: inst->funcs[nf++] = exts[i].as.func; break;
        case FL_EXTERN_TABLE: inst->tables[nt++] = exts[i].as.table; break;
        case FL_EXTERN_MEMORY: inst->memories[nm++] = exts[i].as.memory; break;
        default: inst->globals[ng++] = exts[i].as.global; break;
        }
    }

    /* one intern per type, not per function: done once at load
     * (m->type_ids) for modules from fl_module_load */
    uint32_t *ids = alloc_array(m->ntypes, sizeof *ids);
    if (!ids)
        return fail(err, FL_INST_NO_MEMORY, "out of memory");
    for (uint32_t i = 0; i < m->ntypes; i++)
        ids[i] = m->type_ids ? m->type_ids[i] : fl_type_intern(&m->types[i]);
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        fl_funcinst *f = &inst->defined[i];
        f->type = &m->types[m->funcs[i].type_index];
        f->type_id = ids[m->funcs[i].type_index];
        f->instance = inst;
        f->def_index = i;
        f->tier = m->tier;
        f->code = m->tier_code ? m->tier_code[i] : NULL;
        f->name = m->funcs[i].debug_name;
        inst->funcs[nf++] = f;
    }
    free(ids);

    /* a cap or the budget refusing says so; anything else is the host's memory */
    uint32_t refusals = fl__store_refusals(s);
    for (uint32_t i = 0; i < m->ntables; i++) {
        fl_table *t = fl_table_new(s, m->tables[i], NULL);
        if (!t && fl__store_refusals(s) != refusals)
            return fail(err, FL_INST_NO_MEMORY, "%s", fl_store_limit_reached(s));
        if (!t)
            return fail(err, FL_INST_NO_MEMORY, "table allocation failed");
        inst->tables[nt++] = t;
    }
    for (uint32_t i = 0; i < m->nmemories; i++) {
        fl_memory *mem = fl_memory_new(s, m->memories[i]);
        if (!mem && fl__store_refusals(s) != refusals)
            return fail(err, FL_INST_NO_MEMORY, "%s", fl_store_limit_reached(s));
        if (!mem)
            return fail(err, FL_INST_NO_MEMORY, "memory allocation failed");
        inst->memories[nm++] = mem;
    }
    for (uint32_t i = 0; i < m->nglobals; i++) {
        fl_value v[2];
        if (eval_const(inst, &m->globals[i].init, v) < 0)
            return fail(err, FL_INST_TRAP, "unsupported");
        fl_global *g = fl_global_new(s, m->globals[i].type, v[0]);
        if (!g)
            return fail(err, FL_INST_NO_MEMORY, "out of memory");
        g->hi = v[1].i64;
        inst->globals[ng++] = g;
    }
    return FL_INST_OK;
}

/* Step 3: active segments in order, each bounds-checked before it writes
 * (table.init / memory.init semantics); earlier writes stay on a trap. */
static fl_inst_status init_segments(const fl_module *m, fl_instance *inst, fl_error *err) {
    for (uint32_t i = 0; i < m->nelems; i++) {
        const fl_elem *seg = &m->elems[i];
        if (seg->mode == FL_SEGMENT_DECLARATIVE)
            inst->elem_dropped[i] = true;
        if (seg->mode != FL_SEGMENT_ACTIVE)
            continue;
        fl_value off[2];
        if (eval_const(inst, &seg->offset, off) < 0)
            return fail(err, FL_INST_TRAP, "unsupported");
        fl_table *t = inst->tables[seg->table_index];
        if ((uint64_t)off[0].i32 + seg->nitems > t->size)
            return fail(err, FL_INST_TRAP, "%s", fl_trap_message(FL_TRAP_TABLE_OOB));
        for (uint32_t k = 0; k < seg->nitems; k++) {
            fl_value v[2];
            if (eval_const(inst, &seg->items[k], v) < 0)
                return fail(err, FL_INST_TRAP, "unsupported");
            t->elems[off[0].i32 + k] = v[0].ref;
        }
        inst->elem_dropped[i] = true;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const fl_data *seg = &m->datas[i];
        if (seg->mode != FL_SEGMENT_ACTIVE)
            continue;
        fl_value off[2];
        if (eval_const(inst, &seg->offset, off) < 0)
            return fail(err, FL_INST_TRAP, "unsupported");
        fl_memory *mem = inst->memories[seg->memory_index];
        if ((uint64_t)off[0].i32 + seg->len > mem->size)
            return fail(err, FL_INST_TRAP, "%s", fl_trap_message(FL_TRAP_MEMORY_OOB));
        if (seg->len)
            memcpy(mem->base + off[0].i32, seg->bytes, seg->len);
        inst->data_dropped[i] = true;
    }
    return FL_INST_OK;
}

/* Step 4: the start function, on `ex` or on a temporary exec. */
static fl_inst_status run_start(const fl_module *m, fl_instance *inst, fl_exec *ex,
                                fl_error *err) {
    fl_exec *own = NULL;
    if (!ex) {
        ex = own = fl_exec_new(0);
        if (!ex)
            return fail(err, FL_INST_NO_MEMORY, "out of memory");
    }
    /* validation made it [] -> []; fl_invoke checks it again */
    fl_trap trap = fl_invoke(ex, inst->funcs[m->start], NULL, 0, NULL, 0);
    fl_inst_status st = FL_INST_OK;
    if (trap != FL_TRAP_NONE) {
        if (ex->trap_detail[0])
            st = fail(err, FL_INST_TRAP, "%s: %s", fl_trap_message(trap), ex->trap_detail);
        else
            st = fail(err, FL_INST_TRAP, "%s", fl_trap_message(trap));
    }
    fl_exec_free(own);
    return st;
}

fl_inst_status fl_instantiate(fl_store *s, const fl_module *m, fl_linker *l, fl_exec *ex,
                              fl_instance **out, fl_error *err) {
    return fl_instantiate_opts(s, m, l, ex, NULL, out, err);
}

fl_inst_status fl_instantiate_opts(fl_store *s, const fl_module *m, fl_linker *l, fl_exec *ex,
                                   const fl_inst_opts *opts, fl_instance **out, fl_error *err) {
    bool no_init = opts && opts->no_init;
    fl_inst_status st;
    fl_instance *inst = NULL;
    bool complete;
    if (out)
        *out = NULL;

    fl_extern *exts = alloc_array(m->nimports, sizeof *exts);
    if (!exts)
        return fail(err, FL_INST_NO_MEMORY, "out of memory");
    st = resolve_imports(m, l, exts, err);
    if (st != FL_INST_OK)
        goto done;

    inst = calloc(1, sizeof *inst);
    if (!inst) {
        st = fail(err, FL_INST_NO_MEMORY, "out of memory");
        goto done;
    }
    inst->module = m;
    inst->store = s;
    inst->funcs = alloc_array(total_funcs(m), sizeof *inst->funcs);
    inst->tables = alloc_array(total_tables(m), sizeof *inst->tables);
    inst->memories = alloc_array(total_memories(m), sizeof *inst->memories);
    inst->globals = alloc_array(total_globals(m), sizeof *inst->globals);
    inst->elem_dropped = alloc_array(m->nelems, sizeof *inst->elem_dropped);
    inst->data_dropped = alloc_array(m->ndatas, sizeof *inst->data_dropped);
    inst->defined = alloc_array(m->nfuncs, sizeof *inst->defined);
    complete = inst->funcs && inst->tables && inst->memories && inst->globals &&
                    inst->elem_dropped && inst->data_dropped && inst->defined;
    /* Owned by the store from here on, even if a later step fails: a
     * trapping segment may already have put its functions in an imported
     * table, where they must stay callable. */
    if (fl__store_own(s, inst, instance_free) < 0 || !complete) {
        st = fail(err, FL_INST_NO_MEMORY, "out of memory");
        goto done;
    }

    st = allocate(s, m, exts, inst, err);
    if (st != FL_INST_OK)
        goto done;
    if (no_init)
        goto made; /* a snapshot restore follows: segments and start already ran */
    st = init_segments(m, inst, err);
    if (st != FL_INST_OK)
        goto done;
    if (m->has_start) {
        st = run_start(m, inst, ex, err);
        if (st != FL_INST_OK)
            goto done;
    }
made:
    if (out)
        *out = inst;
done:
    free(exts);
    return st;
}
