/*
 * validate.c: WebAssembly 2.0 validation, following the spec appendix's
 * validation algorithm: an operand stack of value types where 0 stands for
 * the unknown type of unreachable code, and a control stack of frames.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/config.h"
#include "engine/decode.h"
#include "engine/module.h"
#include "engine/reader.h"
#include "engine/validate.h"

#define UNKNOWN 0

/* valtype_self[t] == t: lets a single-result block type point at its one
 * result without storage of its own. */
static const uint8_t valtype_self[256] = {
    [FL_I32] = FL_I32, [FL_I64] = FL_I64, [FL_F32] = FL_F32, [FL_F64] = FL_F64,
    [FL_V128] = FL_V128, [FL_FUNCREF] = FL_FUNCREF, [FL_EXTERNREF] = FL_EXTERNREF,
};

typedef struct frame {
    uint32_t op; /* block, loop, if, else; the function body is a block */
    const uint8_t *params;
    uint32_t nparams;
    const uint8_t *results;
    uint32_t nresults;
    size_t height;
    bool unreachable;
    uint32_t key; /* names its label types for br_table (label_key) */
} frame;

typedef struct val {
    const fl_module *m;
    fl_error *err;
    const fl_load_opts *opts;
    size_t at; /* offset of the instruction being checked */
    /* index spaces flattened once: imports first */
    fl_globaltype *globals;
    uint32_t nglobals;
    fl_tabletype *tables;
    uint32_t ntables;
    uint32_t nmemories;
    uint32_t nfuncs;
    bool *declared; /* function referenced outside function bodies (C.refs) */
    /* per function */
    uint8_t *vals;
    size_t nvals, capvals;
    frame *ctrls;
    size_t nctrls, capctrls;
    const fl_functype *ftype;
    const fl_func *fn;
    uint64_t nlocals;           /* params included */
    uint32_t *run_end, caprun;  /* per local run: index past its last local */
    uint32_t last_run;          /* the run the previous lookup found */
    /* br_table: label types already checked against the operands of the
     * current br_table (stamped with its number), per label key */
    uint32_t *checked, ncheck;
    uint32_t br_stamp;
} val;

static int fail(val *v, size_t off, const char *msg) {
    return fl_error_set(v->err, off, "%s", msg);
}

/* Fails when the caller asked loading to stop. */
static int poll(val *v, size_t off) {
    if (fl_load_interrupted(v->opts))
        return fail(v, off, "loading interrupted");
    return 0;
}

static bool is_num(uint8_t t) {
    return t == FL_I32 || t == FL_I64 || t == FL_F32 || t == FL_F64 || t == FL_V128;
}

static bool is_ref(uint8_t t) {
    return t == FL_FUNCREF || t == FL_EXTERNREF;
}

/* ---- operand and control stacks ---------------------------------------- */

/* Room for n more values (FL_MAX_STACK_HEIGHT in all). */
static int reserve(val *v, size_t n) {
    if (v->nvals + n <= v->capvals)
        return 0;
    if (v->nvals + n > FL_MAX_STACK_HEIGHT)
        return fail(v, v->at, "operand stack too deep");
    size_t cap = v->capvals ? v->capvals : 64;
    while (cap < v->nvals + n)
        cap *= 2;
    uint8_t *p = realloc(v->vals, cap);
    if (!p)
        return fail(v, 0, "out of memory");
    v->vals = p;
    v->capvals = cap;
    return 0;
}

static int push(val *v, uint8_t t) {
    if (reserve(v, 1) < 0)
        return -1;
    v->vals[v->nvals++] = t;
    return 0;
}

static int pop(val *v, size_t off, uint8_t *out) {
    frame *f = &v->ctrls[v->nctrls - 1];
    if (v->nvals == f->height) {
        if (f->unreachable) {
            *out = UNKNOWN;
            return 0;
        }
        return fail(v, off, "type mismatch");
    }
    *out = v->vals[--v->nvals];
    return 0;
}

static int pop_expect(val *v, size_t off, uint8_t expect, uint8_t *out) {
    uint8_t t;
    if (pop(v, off, &t) < 0)
        return -1;
    if (t != expect && t != UNKNOWN && expect != UNKNOWN)
        return fail(v, off, "type mismatch");
    if (out)
        *out = t == UNKNOWN ? expect : t;
    return 0;
}

/* Pops values of types[0..n) (the last on top).  Values and labels of up
 * to 1000 types each pass through here for one instruction's bytes, so the
 * common cases cost a memcmp: all n present and exactly those types; and
 * an unreachable frame's missing values (all "unknown") cost nothing. */
static int pop_vals(val *v, size_t off, const uint8_t *types, uint32_t n) {
    frame *f = &v->ctrls[v->nctrls - 1];
    if (n && v->nvals - f->height >= n && memcmp(v->vals + v->nvals - n, types, n) == 0) {
        v->nvals -= n;
        return 0;
    }
    for (uint32_t i = n; i-- > 0;) {
        if (v->nvals == f->height && f->unreachable)
            return 0; /* the rest pop as unknown, matching anything */
        if (pop_expect(v, off, types[i], NULL) < 0)
            return -1;
    }
    return 0;
}

static int push_vals(val *v, const uint8_t *types, uint32_t n) {
    if (reserve(v, n) < 0)
        return -1;
    if (n)
        memcpy(v->vals + v->nvals, types, n);
    v->nvals += n;
    return 0;
}

/* The key of a frame's label types (see frame.key), from its block type:
 * -64 (none), a negative value type, or a type index. */
static uint32_t label_key(uint32_t op, int64_t blocktype) {
    if (blocktype < 0)
        return op == FL_OP_LOOP ? 0 : (uint32_t)(blocktype & 0x7f); /* 0x40: none */
    return 256 + 2 * (uint32_t)blocktype + (op == FL_OP_LOOP);
}

static int push_ctrl(val *v, uint32_t op, const uint8_t *params, uint32_t np,
                     const uint8_t *results, uint32_t nr, uint32_t key) {
    if (v->nctrls == v->capctrls) {
        size_t cap = v->capctrls ? v->capctrls * 2 : 16;
        frame *p = realloc(v->ctrls, cap * sizeof *p);
        if (!p)
            return fail(v, 0, "out of memory");
        v->ctrls = p;
        v->capctrls = cap;
    }
    v->ctrls[v->nctrls++] = (frame){op, params, np, results, nr, v->nvals, false, key};
    return push_vals(v, params, np);
}

static int pop_ctrl(val *v, size_t off, frame *out) {
    frame *f = &v->ctrls[v->nctrls - 1];
    if (pop_vals(v, off, f->results, f->nresults) < 0)
        return -1;
    if (v->nvals != f->height)
        return fail(v, off, "type mismatch");
    *out = *f;
    v->nctrls--;
    return 0;
}

static void set_unreachable(val *v) {
    frame *f = &v->ctrls[v->nctrls - 1];
    v->nvals = f->height;
    f->unreachable = true;
}

/* Types a branch to `f` carries: a loop's parameters, else its results. */
static void label_types(const frame *f, const uint8_t **types, uint32_t *n) {
    if (f->op == FL_OP_LOOP) {
        *types = f->params;
        *n = f->nparams;
    } else {
        *types = f->results;
        *n = f->nresults;
    }
}

/* ---- immediates -------------------------------------------------------- */

static int block_type(val *v, const fl_instr *in, const uint8_t **params, uint32_t *np,
                      const uint8_t **results, uint32_t *nr) {
    *params = NULL;
    *np = 0;
    *results = NULL;
    *nr = 0;
    if (in->blocktype == -64)
        return 0;
    if (in->blocktype < 0) {
        *results = &valtype_self[in->blocktype & 0x7f];
        *nr = 1;
        return 0;
    }
    if ((uint64_t)in->blocktype >= v->m->ntypes)
        return fl_error_set(v->err, in->offset, "unknown type");
    const fl_functype *t = &v->m->types[in->blocktype];
    *params = t->params;
    *np = t->nparams;
    *results = t->results;
    *nr = t->nresults;
    return 0;
}

static uint8_t sig_type(char c) {
    switch (c) {
    case 'i': return FL_I32;
    case 'I': return FL_I64;
    case 'f': return FL_F32;
    case 'F': return FL_F64;
    case 'V': return FL_V128;
    }
    return UNKNOWN;
}

/* Applies an opcodes.def signature "params:results". */
static int apply_sig(val *v, size_t off, const char *sig) {
    const char *colon = strchr(sig, ':');
    size_t np = colon ? (size_t)(colon - sig) : strlen(sig);
    for (size_t i = np; i-- > 0;)
        if (pop_expect(v, off, sig_type(sig[i]), NULL) < 0)
            return -1;
    if (colon)
        for (const char *p = colon + 1; *p; p++)
            if (push(v, sig_type(*p)) < 0)
                return -1;
    return 0;
}

/* log2 of the natural alignment of a memory access. */
static uint32_t natural_align(uint32_t op) {
    switch (op) {
    case FL_OP_I32_LOAD8_S: case FL_OP_I32_LOAD8_U: case FL_OP_I64_LOAD8_S:
    case FL_OP_I64_LOAD8_U: case FL_OP_I32_STORE8: case FL_OP_I64_STORE8:
        return 0;
    case FL_OP_I32_LOAD16_S: case FL_OP_I32_LOAD16_U: case FL_OP_I64_LOAD16_S:
    case FL_OP_I64_LOAD16_U: case FL_OP_I32_STORE16: case FL_OP_I64_STORE16:
        return 1;
    case FL_OP_I32_LOAD: case FL_OP_F32_LOAD: case FL_OP_I64_LOAD32_S:
    case FL_OP_I64_LOAD32_U: case FL_OP_I32_STORE: case FL_OP_F32_STORE:
    case FL_OP_I64_STORE32:
        return 2;
    default:
        return 3;
    }
}

static int need_memory(val *v, const fl_instr *in, uint32_t index) {
    if (index >= v->nmemories)
        return fl_error_set(v->err, in->offset, "unknown memory %u", index);
    return 0;
}

static int need_table(val *v, size_t off, uint32_t index) {
    if (index >= v->ntables)
        return fl_error_set(v->err, off, "unknown table %u", index);
    return 0;
}

static int need_func(val *v, size_t off, uint32_t index) {
    if (index >= v->nfuncs)
        return fl_error_set(v->err, off, "unknown function %u", index);
    return 0;
}

static int need_elem(val *v, size_t off, uint32_t index) {
    if (index >= v->m->nelems)
        return fl_error_set(v->err, off, "unknown elem segment %u", index);
    return 0;
}

static int need_data(val *v, size_t off, uint32_t index) {
    uint32_t n = v->m->has_datacount ? v->m->datacount : v->m->ndatas;
    if (index >= n)
        return fl_error_set(v->err, off, "unknown data segment %u", index);
    return 0;
}

static const fl_functype *func_type(val *v, uint32_t index) {
    return &v->m->types[v->m->func_type_indices[index]];
}

/* ---- function bodies --------------------------------------------------- */

/* Type of local `x` (< v->nlocals): a parameter, or found by binary search
 * in the declared runs (a body may declare 50,000 locals in 4 bytes, so
 * they are never expanded one per local).  Most lookups hit the run of the
 * previous one. */
static uint8_t local_type(val *v, uint32_t x) {
    if (x < v->ftype->nparams)
        return v->ftype->params[x];
    const fl_local_run *runs = v->fn->local_runs;
    uint32_t k = v->last_run;
    if (x < v->run_end[k] && (k == 0 || x >= v->run_end[k - 1]))
        return runs[k].valtype;
    uint32_t lo = 0, hi = v->fn->nlocal_runs - 1; /* the run ending past x */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (v->run_end[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    v->last_run = lo;
    return runs[lo].valtype;
}

/* Fills v->run_end for function fn of type ft. */
static int index_locals(val *v, const fl_func *fn, const fl_functype *ft) {
    if (fn->nlocal_runs > v->caprun) {
        uint32_t *p = realloc(v->run_end, (size_t)fn->nlocal_runs * sizeof *p);
        if (!p)
            return fail(v, fn->code_offset, "out of memory");
        v->run_end = p;
        v->caprun = fn->nlocal_runs;
    }
    uint32_t end = ft->nparams;
    for (uint32_t i = 0; i < fn->nlocal_runs; i++) {
        end += fn->local_runs[i].count; /* the decoder bounded the sum */
        v->run_end[i] = end;
    }
    v->ftype = ft;
    v->fn = fn;
    v->last_run = 0;
    return 0;
}

/* A 0xFD instruction: its immediates against simd_opcodes.def (memory,
 * alignment, lane indices), then its signature. */
static int check_simd(val *v, const fl_instr *in) {
    const fl_simd_opinfo *info = &fl_simd_opinfo_table[in->simd];
    size_t off = in->offset;
    switch ((enum fl_imm)info->imm) {
    case IMM_MEMARG:
    case IMM_MEMARG_LANE:
        if (need_memory(v, in, 0) < 0)
            return -1;
        if (in->a > info->arg)
            return fail(v, off, "alignment must not be larger than natural");
        if (info->imm == IMM_MEMARG_LANE && in->lane >= 16u >> info->arg)
            return fl_error_set(v->err, off, "invalid lane index %u (%s has %u lanes)",
                                in->lane, info->name, 16u >> info->arg);
        break;
    case IMM_LANE:
        if (in->lane >= info->arg)
            return fl_error_set(v->err, off, "invalid lane index %u (%s has %u lanes)",
                                in->lane, info->name, info->arg);
        break;
    case IMM_SHUFFLE:
        for (unsigned i = 0; i < 16; i++)
            if (in->vec[i] >= info->arg)
                return fl_error_set(v->err, off, "invalid lane index %u (shuffle lanes are < 32)",
                                    in->vec[i]);
        break;
    default:
        break;
    }
    return apply_sig(v, off, info->sig);
}

static int check_instr(val *v, const fl_instr *in) {
    const fl_module *m = v->m;
    size_t off = in->offset;
    const uint8_t *ps, *rs, *lt;
    uint32_t np, nr, nl;
    uint8_t t, t1, t2;
    frame f;

    switch (in->op) {
    case FL_OP_UNREACHABLE:
        set_unreachable(v);
        return 0;
    case FL_OP_BLOCK:
    case FL_OP_LOOP:
    case FL_OP_IF:
        if (block_type(v, in, &ps, &np, &rs, &nr) < 0)
            return -1;
        if (in->op == FL_OP_IF && pop_expect(v, off, FL_I32, NULL) < 0)
            return -1;
        if (pop_vals(v, off, ps, np) < 0)
            return -1;
        return push_ctrl(v, in->op, ps, np, rs, nr, label_key(in->op, in->blocktype));
    case FL_OP_ELSE:
        if (v->ctrls[v->nctrls - 1].op != FL_OP_IF)
            return fail(v, off, "else without if");
        if (pop_ctrl(v, off, &f) < 0)
            return -1;
        return push_ctrl(v, FL_OP_ELSE, f.params, f.nparams, f.results, f.nresults, f.key);
    case FL_OP_END:
        if (pop_ctrl(v, off, &f) < 0)
            return -1;
        /* an `if` without `else` behaves as if the else passed its params on */
        if (f.op == FL_OP_IF &&
            (f.nparams != f.nresults ||
             (f.nparams && memcmp(f.params, f.results, f.nparams) != 0)))
            return fail(v, off, "type mismatch");
        return push_vals(v, f.results, f.nresults);
    case FL_OP_BR:
        if (in->a >= v->nctrls)
            return fl_error_set(v->err, off, "unknown label");
        label_types(&v->ctrls[v->nctrls - 1 - in->a], &lt, &nl);
        if (pop_vals(v, off, lt, nl) < 0)
            return -1;
        set_unreachable(v);
        return 0;
    case FL_OP_BR_IF:
        if (in->a >= v->nctrls)
            return fl_error_set(v->err, off, "unknown label");
        if (pop_expect(v, off, FL_I32, NULL) < 0)
            return -1;
        label_types(&v->ctrls[v->nctrls - 1 - in->a], &lt, &nl);
        if (pop_vals(v, off, lt, nl) < 0)
            return -1;
        return push_vals(v, lt, nl);
    case FL_OP_BR_TABLE: {
        if (pop_expect(v, off, FL_I32, NULL) < 0)
            return -1;
        if (in->a >= v->nctrls)
            return fl_error_set(v->err, off, "unknown label");
        const uint8_t *dt;
        uint32_t ndt;
        label_types(&v->ctrls[v->nctrls - 1 - in->a], &dt, &ndt);
        if (ndt && !v->checked) {
            v->ncheck = 256 + 2 * m->ntypes;
            v->checked = calloc(v->ncheck, sizeof *v->checked);
            if (!v->checked)
                return fail(v, off, "out of memory");
        }
        v->br_stamp++;
        fl_reader r = {in->vec, m->binary + m->binary_len, m->binary};
        for (uint32_t i = 0; i < in->count; i++) {
            uint32_t l;
            if (fl_read_u32(&r, &l, v->err) < 0)
                return -1;
            if (l >= v->nctrls)
                return fl_error_set(v->err, off, "unknown label");
            const frame *tf = &v->ctrls[v->nctrls - 1 - l];
            label_types(tf, &lt, &nl);
            if (nl != ndt)
                return fail(v, off, "type mismatch");
            /* Each target is checked against the same operands, so one
             * check per distinct label type suffices: T targets of K values
             * cost T + K * (distinct types), not T * K. */
            if (nl == 0 || v->checked[tf->key] == v->br_stamp)
                continue;
            size_t saved = v->nvals;
            if (pop_vals(v, off, lt, nl) < 0)
                return -1;
            v->nvals = saved;
            v->checked[tf->key] = v->br_stamp;
        }
        if (pop_vals(v, off, dt, ndt) < 0)
            return -1;
        set_unreachable(v);
        return 0;
    }
    case FL_OP_RETURN:
        if (pop_vals(v, off, v->ctrls[0].results, v->ctrls[0].nresults) < 0)
            return -1;
        set_unreachable(v);
        return 0;
    case FL_OP_CALL: {
        if (need_func(v, off, in->a) < 0)
            return -1;
        const fl_functype *ft = func_type(v, in->a);
        if (pop_vals(v, off, ft->params, ft->nparams) < 0)
            return -1;
        return push_vals(v, ft->results, ft->nresults);
    }
    case FL_OP_CALL_INDIRECT: {
        if (need_table(v, off, in->b) < 0)
            return -1;
        if (v->tables[in->b].elemtype != FL_FUNCREF)
            return fail(v, off, "type mismatch");
        if (in->a >= m->ntypes)
            return fl_error_set(v->err, off, "unknown type");
        const fl_functype *ft = &m->types[in->a];
        if (pop_expect(v, off, FL_I32, NULL) < 0)
            return -1;
        if (pop_vals(v, off, ft->params, ft->nparams) < 0)
            return -1;
        return push_vals(v, ft->results, ft->nresults);
    }
    case FL_OP_DROP:
        return pop(v, off, &t);
    case FL_OP_SELECT:
        if (pop_expect(v, off, FL_I32, NULL) < 0)
            return -1;
        if (pop(v, off, &t1) < 0 || pop(v, off, &t2) < 0)
            return -1;
        if ((t1 != UNKNOWN && !is_num(t1)) || (t2 != UNKNOWN && !is_num(t2)))
            return fail(v, off, "type mismatch");
        if (t1 != t2 && t1 != UNKNOWN && t2 != UNKNOWN)
            return fail(v, off, "type mismatch");
        return push(v, t1 == UNKNOWN ? t2 : t1);
    case FL_OP_SELECT_T:
        if (in->count != 1)
            return fail(v, off, "invalid result arity");
        t = in->vec[0];
        if (pop_expect(v, off, FL_I32, NULL) < 0)
            return -1;
        if (pop_expect(v, off, t, NULL) < 0 || pop_expect(v, off, t, NULL) < 0)
            return -1;
        return push(v, t);
    case FL_OP_LOCAL_GET:
    case FL_OP_LOCAL_SET:
    case FL_OP_LOCAL_TEE:
        if (in->a >= v->nlocals)
            return fl_error_set(v->err, off, "unknown local %u", in->a);
        t = local_type(v, in->a);
        if (in->op == FL_OP_LOCAL_GET)
            return push(v, t);
        if (pop_expect(v, off, t, NULL) < 0)
            return -1;
        return in->op == FL_OP_LOCAL_TEE ? push(v, t) : 0;
    case FL_OP_GLOBAL_GET:
    case FL_OP_GLOBAL_SET:
        if (in->a >= v->nglobals)
            return fl_error_set(v->err, off, "unknown global %u", in->a);
        t = v->globals[in->a].valtype;
        if (in->op == FL_OP_GLOBAL_GET)
            return push(v, t);
        if (!v->globals[in->a].mutable_)
            return fail(v, off, "global is immutable");
        return pop_expect(v, off, t, NULL);
    case FL_OP_TABLE_GET:
    case FL_OP_TABLE_SET:
        if (need_table(v, off, in->a) < 0)
            return -1;
        t = v->tables[in->a].elemtype;
        if (in->op == FL_OP_TABLE_GET) {
            if (pop_expect(v, off, FL_I32, NULL) < 0)
                return -1;
            return push(v, t);
        }
        if (pop_expect(v, off, t, NULL) < 0)
            return -1;
        return pop_expect(v, off, FL_I32, NULL);
    case FL_OP_MEMORY_SIZE:
    case FL_OP_MEMORY_GROW:
    case FL_OP_MEMORY_FILL:
    case FL_OP_MEMORY_COPY:
        if (need_memory(v, in, 0) < 0)
            return -1;
        break;
    case FL_OP_MEMORY_INIT:
        if (need_memory(v, in, 0) < 0 || need_data(v, off, in->a) < 0)
            return -1;
        break;
    case FL_OP_DATA_DROP:
        if (need_data(v, off, in->a) < 0)
            return -1;
        break;
    case FL_OP_REF_NULL:
        return push(v, in->reftype);
    case FL_OP_REF_IS_NULL:
        if (pop(v, off, &t) < 0)
            return -1;
        if (t != UNKNOWN && !is_ref(t))
            return fail(v, off, "type mismatch");
        return push(v, FL_I32);
    case FL_OP_REF_FUNC:
        if (need_func(v, off, in->a) < 0)
            return -1;
        if (!v->declared[in->a])
            return fail(v, off, "undeclared function reference");
        return push(v, FL_FUNCREF);
    case FL_OP_TABLE_INIT:
        if (need_table(v, off, in->b) < 0 || need_elem(v, off, in->a) < 0)
            return -1;
        if (v->tables[in->b].elemtype != m->elems[in->a].elemtype)
            return fail(v, off, "type mismatch");
        break;
    case FL_OP_ELEM_DROP:
        if (need_elem(v, off, in->a) < 0)
            return -1;
        break;
    case FL_OP_TABLE_COPY:
        if (need_table(v, off, in->a) < 0 || need_table(v, off, in->b) < 0)
            return -1;
        if (v->tables[in->a].elemtype != v->tables[in->b].elemtype)
            return fail(v, off, "type mismatch");
        break;
    case FL_OP_TABLE_GROW:
    case FL_OP_TABLE_SIZE:
    case FL_OP_TABLE_FILL:
        if (need_table(v, off, in->a) < 0)
            return -1;
        t = v->tables[in->a].elemtype;
        if (in->op == FL_OP_TABLE_SIZE)
            return push(v, FL_I32);
        if (in->op == FL_OP_TABLE_GROW) {
            if (pop_expect(v, off, FL_I32, NULL) < 0 || pop_expect(v, off, t, NULL) < 0)
                return -1;
            return push(v, FL_I32);
        }
        if (pop_expect(v, off, FL_I32, NULL) < 0 || pop_expect(v, off, t, NULL) < 0)
            return -1;
        return pop_expect(v, off, FL_I32, NULL);
    case FL_OP_SIMD:
        return check_simd(v, in);
    default:
        if (fl_opinfo_table[in->op].imm == IMM_MEMARG) {
            if (need_memory(v, in, 0) < 0)
                return -1;
            if (in->a > natural_align(in->op))
                return fail(v, off, "alignment must not be larger than natural");
        }
        break;
    }
    const char *sig = fl_opinfo_table[in->op].sig;
    if (!sig)
        return fail(v, off, "illegal opcode");
    return apply_sig(v, off, sig);
}

static int check_func(val *v, uint32_t index) {
    const fl_module *m = v->m;
    const fl_func *fn = &m->funcs[index];
    if (fn->type_index >= m->ntypes)
        return fl_error_set(v->err, fn->code_offset, "unknown type");
    const fl_functype *ft = &m->types[fn->type_index];
    if (index_locals(v, fn, ft) < 0)
        return -1;
    v->nlocals = (uint64_t)ft->nparams + fn->nlocals;
    v->nvals = 0;
    v->nctrls = 0;
    v->at = fn->code_offset;
    if (push_ctrl(v, FL_OP_BLOCK, NULL, 0, ft->results, ft->nresults,
                  label_key(FL_OP_BLOCK, fn->type_index)) < 0)
        return -1;
    fl_reader r = {fn->code, fn->code + fn->code_len, m->binary};
    fl_instr in;
    for (uint32_t count = 1; v->nctrls > 0; count++) {
        if ((count & 0xfff) == 0 && poll(v, fl_reader_offset(&r)) < 0)
            return -1;
        if (fl_read_instr(&r, &in, v->err) < 0)
            return -1;
        v->at = in.offset;
        if (check_instr(v, &in) < 0)
            return -1;
    }
    if (r.pos != r.end)
        return fail(v, fl_reader_offset(&r), "END opcode expected");
    return 0;
}

/* ---- module level ------------------------------------------------------ */

/* A constant expression of type `want`: one value from a constant
 * instruction; global.get may name only imported immutable globals. */
static int check_const(val *v, const fl_expr *e, uint8_t want) {
    const fl_module *m = v->m;
    fl_reader r = {e->code, e->code + e->len, m->binary};
    fl_instr in;
    uint8_t stack[2];
    unsigned n = 0;
    for (;;) {
        if (fl_read_instr(&r, &in, v->err) < 0)
            return -1;
        /* synthesized `ref.func` items live outside the binary */
        if (e->code < m->binary || e->code >= m->binary + m->binary_len)
            in.offset = e->offset;
        uint8_t t;
        switch (in.op) {
        case FL_OP_I32_CONST: t = FL_I32; break;
        case FL_OP_I64_CONST: t = FL_I64; break;
        case FL_OP_F32_CONST: t = FL_F32; break;
        case FL_OP_F64_CONST: t = FL_F64; break;
        case FL_OP_REF_NULL: t = in.reftype; break;
        case FL_OP_SIMD:
            if (in.simd != FL_SIMD_V128_CONST)
                return fail(v, in.offset, "constant expression required");
            t = FL_V128;
            break;
        case FL_OP_REF_FUNC:
            if (need_func(v, in.offset, in.a) < 0)
                return -1;
            t = FL_FUNCREF;
            break;
        case FL_OP_GLOBAL_GET:
            if (in.a >= m->nimported_globals)
                return fl_error_set(v->err, in.offset, "unknown global %u", in.a);
            if (v->globals[in.a].mutable_)
                return fail(v, in.offset, "constant expression required");
            t = v->globals[in.a].valtype;
            break;
        case FL_OP_END:
            if (n != 1 || stack[0] != want)
                return fail(v, in.offset, "type mismatch");
            return 0;
        default:
            return fail(v, in.offset, "constant expression required");
        }
        if (n == 2)
            return fail(v, in.offset, "type mismatch");
        stack[n++] = t;
    }
}

static int check_limits(val *v, const fl_limits *l) {
    if (l->has_max && l->min > l->max)
        return fail(v, 0, "size minimum must not be greater than maximum");
    return 0;
}

static int check_memory(val *v, const fl_limits *l) {
    if (l->min > FL_MAX_PAGES || (l->has_max && l->max > FL_MAX_PAGES))
        return fail(v, 0, "memory size must be at most 65536 pages (4GiB)");
    return check_limits(v, l);
}

/* Table sizes are u32, so only the order of the limits can be wrong. */
static int check_table(val *v, const fl_tabletype *t) {
    return check_limits(v, &t->limits);
}

/* Marks every function a constant expression names with ref.func. */
static void declare_refs(val *v, const fl_expr *e) {
    fl_reader r = {e->code, e->code + e->len, v->m->binary};
    fl_instr in;
    fl_error ignored;
    while (r.pos < r.end && fl_read_instr(&r, &in, &ignored) == 0)
        if (in.op == FL_OP_REF_FUNC && in.a < v->nfuncs)
            v->declared[in.a] = true;
}

static int cmp_export_name(const void *pa, const void *pb) {
    const fl_export *a = *(const fl_export *const *)pa, *b = *(const fl_export *const *)pb;
    /* hand-built modules may leave name_len 0: then the name is a C string */
    size_t la = a->name_len ? a->name_len : strlen(a->name);
    size_t lb = b->name_len ? b->name_len : strlen(b->name);
    if (la != lb)
        return la < lb ? -1 : 1;
    return memcmp(a->name, b->name, la);
}

/* Export names are unique: sorted, so big modules stay fast. */
static int check_export_names(val *v) {
    const fl_module *m = v->m;
    if (m->nexports < 2)
        return 0;
    const fl_export **sorted = malloc(m->nexports * sizeof *sorted);
    if (!sorted)
        return fail(v, 0, "out of memory");
    for (uint32_t i = 0; i < m->nexports; i++)
        sorted[i] = &m->exports[i];
    qsort(sorted, m->nexports, sizeof *sorted, cmp_export_name);
    int rc = 0;
    for (uint32_t i = 1; i < m->nexports && rc == 0; i++)
        if (cmp_export_name(&sorted[i - 1], &sorted[i]) == 0)
            rc = fail(v, 0, "duplicate export name");
    free(sorted);
    return rc;
}

static int index_spaces(val *v) {
    const fl_module *m = v->m;
    v->nfuncs = fl_module_total_funcs(m);
    v->nglobals = fl_module_total_globals(m);
    v->ntables = fl_module_total_tables(m);
    v->nmemories = fl_module_total_memories(m);
    v->globals = calloc(v->nglobals + 1, sizeof *v->globals);
    v->tables = calloc(v->ntables + 1, sizeof *v->tables);
    v->declared = calloc(v->nfuncs + 1, sizeof *v->declared);
    if (!v->globals || !v->tables || !v->declared)
        return fail(v, 0, "out of memory");
    uint32_t g = 0, t = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        if (m->imports[i].kind == FL_EXTERN_GLOBAL)
            v->globals[g++] = m->imports[i].desc.global;
        else if (m->imports[i].kind == FL_EXTERN_TABLE)
            v->tables[t++] = m->imports[i].desc.table;
    }
    for (uint32_t i = 0; i < m->nglobals; i++)
        v->globals[g++] = m->globals[i].type;
    for (uint32_t i = 0; i < m->ntables; i++)
        v->tables[t++] = m->tables[i];
    return 0;
}

static int check_module(val *v) {
    const fl_module *m = v->m;
    if (index_spaces(v) < 0)
        return -1;

    for (uint32_t i = 0; i < m->nimports; i++) {
        const fl_import *imp = &m->imports[i];
        if (imp->kind == FL_EXTERN_FUNC && imp->desc.func_type >= m->ntypes)
            return fl_error_set(v->err, 0, "unknown type");
        if (imp->kind == FL_EXTERN_TABLE && check_table(v, &imp->desc.table) < 0)
            return -1;
        if (imp->kind == FL_EXTERN_MEMORY && check_memory(v, &imp->desc.memory) < 0)
            return -1;
    }
    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (m->funcs[i].type_index >= m->ntypes)
            return fl_error_set(v->err, m->funcs[i].code_offset, "unknown type");
    for (uint32_t i = 0; i < m->ntables; i++)
        if (check_table(v, &m->tables[i]) < 0)
            return -1;
    for (uint32_t i = 0; i < m->nmemories; i++)
        if (check_memory(v, &m->memories[i]) < 0)
            return -1;
    if (v->nmemories > 1)
        return fail(v, 0, "multiple memories");

    /* C.refs: functions named outside function bodies */
    for (uint32_t i = 0; i < m->nglobals; i++)
        declare_refs(v, &m->globals[i].init);
    for (uint32_t i = 0; i < m->nelems; i++) {
        if (poll(v, 0) < 0)
            return -1;
        for (uint32_t k = 0; k < m->elems[i].nitems; k++)
            declare_refs(v, &m->elems[i].items[k]);
    }
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == FL_EXTERN_FUNC && m->exports[i].index < v->nfuncs)
            v->declared[m->exports[i].index] = true;

    for (uint32_t i = 0; i < m->nglobals; i++)
        if (poll(v, 0) < 0 ||
            check_const(v, &m->globals[i].init, m->globals[i].type.valtype) < 0)
            return -1;

    if (check_export_names(v) < 0)
        return -1;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const fl_export *e = &m->exports[i];
        switch (e->kind) {
        case FL_EXTERN_FUNC:
            if (need_func(v, 0, e->index) < 0)
                return -1;
            break;
        case FL_EXTERN_TABLE:
            if (need_table(v, 0, e->index) < 0)
                return -1;
            break;
        case FL_EXTERN_MEMORY:
            if (e->index >= v->nmemories)
                return fl_error_set(v->err, 0, "unknown memory %u", e->index);
            break;
        case FL_EXTERN_GLOBAL:
            if (e->index >= v->nglobals)
                return fl_error_set(v->err, 0, "unknown global %u", e->index);
            break;
        }
    }

    if (m->has_start) {
        if (need_func(v, 0, m->start) < 0)
            return -1;
        const fl_functype *ft = func_type(v, m->start);
        if (ft->nparams || ft->nresults)
            return fail(v, 0, "start function");
    }

    for (uint32_t i = 0; i < m->nelems; i++) {
        const fl_elem *e = &m->elems[i];
        if (e->mode == FL_SEGMENT_ACTIVE) {
            if (need_table(v, e->offset.offset, e->table_index) < 0)
                return -1;
            if (check_const(v, &e->offset, FL_I32) < 0)
                return -1;
            if (v->tables[e->table_index].elemtype != e->elemtype)
                return fail(v, e->offset.offset, "type mismatch");
        }
        for (uint32_t k = 0; k < e->nitems; k++)
            if (((k & 0xfff) == 0 && poll(v, e->items[k].offset) < 0) ||
                check_const(v, &e->items[k], e->elemtype) < 0)
                return -1;
    }

    for (uint32_t i = 0; i < m->ndatas; i++) {
        const fl_data *d = &m->datas[i];
        if (d->mode != FL_SEGMENT_ACTIVE)
            continue;
        if (d->memory_index >= v->nmemories)
            return fl_error_set(v->err, d->offset.offset, "unknown memory %u", d->memory_index);
        if (check_const(v, &d->offset, FL_I32) < 0)
            return -1;
    }

    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (poll(v, m->funcs[i].code_offset) < 0 || check_func(v, i) < 0)
            return -1;
    return 0;
}

int fl_validate(const fl_module *m, fl_error *err) {
    return fl_validate_opts(m, NULL, err);
}

int fl_validate_opts(const fl_module *m, const fl_load_opts *opts, fl_error *err) {
    fl_error scratch;
    val v = {0};
    v.m = m;
    v.err = err ? err : &scratch;
    v.opts = opts;
    int rc = check_module(&v);
    free(v.globals);
    free(v.tables);
    free(v.declared);
    free(v.vals);
    free(v.ctrls);
    free(v.run_end);
    free(v.checked);
    return rc;
}
