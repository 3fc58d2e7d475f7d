/*
 * exec.c: the interpreter's dispatch loop.  Runs the code compile.c produced
 * (format in code.h): direct threading over handler words, operands as frame
 * slots, wasm->wasm calls without C recursion (the return record lives in
 * the callee's frame), host calls as plain C calls.  Every trap leaves
 * through `out`, which restores the exec and returns the trap.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "engine/bulk.h"
#include "engine/runtime.h"
#include "interp/code.h"
#include "interp/interp.h"
#include "interp/numeric.h"
#include "interp/simd.h"

#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LIKELY(x) __builtin_expect(!!(x), 1)

/* Wasm rounds every float operation: never contract a*b+c into an FMA. */
#pragma STDC FP_CONTRACT OFF

/* Operand shorthands: D dst, A/B sources of value ops; X1..X4 raw slots. */
#define D fp[ip[1]]
#define A fp[ip[2]]
#define B fp[ip[3]]
#define X1 fp[ip[1]]
#define X2 fp[ip[2]]
#define X3 fp[ip[3]]
#define X4 fp[ip[4]]
#define IMM ip[3]
#define IMM64 ((uint64_t)(int64_t)(int32_t)ip[3])
#define BIMM ip[2]
#define BIMM64 ((uint64_t)(int64_t)(int32_t)ip[2])

#define NEXT(n)                                                                            \
    do {                                                                                   \
        ip += (n);                                                                         \
        FL_DISPATCH();                                                                     \
    } while (0)

/* A taken branch: offset operand k, then the interrupt check. */
#define TAKE(k)                                                                            \
    do {                                                                                   \
        ip += (int32_t)ip[k];                                                              \
        if (UNLIKELY(*intr))                                                               \
            goto trap_interrupted;                                                         \
        FL_DISPATCH();                                                                     \
    } while (0)

#define TRAP(t)                                                                            \
    do {                                                                                   \
        trap = (t);                                                                        \
        goto out;                                                                          \
    } while (0)

/* Cache the current instance's memory 0 (bases never move). */
#define LOAD_MEM()                                                                         \
    do {                                                                                   \
        const fl_module *m_ = inst->module;                                                \
        if (m_->nimported_memories + m_->nmemories) {                                      \
            mem = inst->memories[0];                                                       \
            mem_base = mem->base;                                                          \
        } else {                                                                           \
            mem = NULL;                                                                    \
            mem_base = NULL;                                                               \
        }                                                                                  \
    } while (0)

/* The body of f on its first call in this instance: compiled (or found
 * compiled by another instance of the module) and kept in f.  NULL with
 * the trap's detail set when it cannot be compiled. */
static const struct fl_interp_code *first_call(fl_exec *ex, fl_funcinst *f) {
    fl_error err = {0};
    /* the exec's flag (a timeout) stops a long compile as it stops code */
    fl_load_opts opts = {.interrupt = &ex->interrupt};
    const struct fl_interp_code *code =
        fl_interp_code(f->instance->module, f->def_index, &opts, &err);
    if (!code)
        fl_exec_set_detail(ex, "cannot compile function %u: %s",
                           f->instance->module->nimported_funcs + f->def_index, err.message);
    f->code = code;
    return code;
}

/* Call `f_` with its frame at `nfp_`; ip already points after the call. */
#define DO_CALL(f_, nfp_)                                                                  \
    do {                                                                                   \
        fl_funcinst *cf_ = (f_);                                                           \
        fl_value *cfp_ = (nfp_);                                                           \
        if (UNLIKELY(*intr))                                                               \
            goto trap_interrupted;                                                         \
        if (UNLIKELY(cf_->host != NULL)) {                                                 \
            const fl_functype *t_ = cf_->type;                                             \
            size_t saved_ = ex->stack_used;                                                \
            ex->stack_used = (size_t)(cfp_ - ex->stack) +                                  \
                             (t_->nparams > t_->nresults ? t_->nparams : t_->nresults);    \
            ex->depth = depth;                                                             \
            fl_host_call hc_ = {ex, inst, cf_->host_data};                                 \
            fl_trap ht_ = cf_->host(&hc_, cfp_);                                           \
            ex->stack_used = saved_;                                                       \
            if (UNLIKELY(ht_ != FL_TRAP_NONE))                                             \
                TRAP(ht_);                                                                 \
            FL_DISPATCH();                                                                 \
        }                                                                                  \
        if (UNLIKELY(cf_->tier != &fl_interp_tier)) {                                      \
            /* another tier's function: through its entry, arguments and               \
             * results in place, as for a host function */                              \
            const fl_functype *t_ = cf_->type;                                             \
            size_t saved_ = ex->stack_used;                                                \
            ex->stack_used = (size_t)(cfp_ - ex->stack) + (t_->param_slots > t_->result_slots \
                                                               ? t_->param_slots            \
                                                               : t_->result_slots);         \
            ex->depth = depth;                                                             \
            fl_trap tt_ = cf_->tier->call(ex, cf_, cfp_, cfp_);                            \
            ex->stack_used = saved_;                                                       \
            if (UNLIKELY(tt_ != FL_TRAP_NONE))                                             \
                TRAP(tt_);                                                                 \
            FL_DISPATCH();                                                                 \
        }                                                                                  \
        const struct fl_interp_code *cc_ = cf_->code;                                      \
        if (UNLIKELY(cc_ == NULL)) {                                                       \
            cc_ = first_call(ex, cf_);                                                     \
            if (!cc_)                                                                      \
                TRAP(*intr ? FL_TRAP_INTERRUPTED : FL_TRAP_HOST);                          \
        }                                                                                  \
        if (UNLIKELY(depth >= max_depth || cfp_ + cc_->frame_size > stack_end))            \
            goto trap_exhausted;                                                           \
        depth++;                                                                           \
        for (uint32_t i_ = cc_->nparams, e_ = i_ + cc_->nlocals; i_ < e_; i_++)            \
            cfp_[i_].i64 = 0;                                                              \
        for (uint32_t i_ = 0; i_ < cc_->nconsts; i_++)                                     \
            cfp_[cc_->cbase + i_] = cc_->consts[i_];                                       \
        fl_value *rec_ = cfp_ + cc_->rec_off;                                              \
        rec_[0].ref = (void *)ip;                                                          \
        rec_[1].ref = fp;                                                                  \
        rec_[2].ref = inst;                                                                \
        fp = cfp_;                                                                         \
        ip = cc_->ops;                                                                     \
        if (UNLIKELY(cf_->instance != inst)) {                                             \
            inst = cf_->instance;                                                          \
            LOAD_MEM();                                                                    \
        }                                                                                  \
        FL_DISPATCH();                                                                     \
    } while (0)

#define UNOP(name, f, expr)                                                                \
    FL_HANDLER(name) {                                                                     \
        D.f = (expr);                                                                      \
        NEXT(3);                                                                           \
    }
#define BINOP(name, f, expr)                                                               \
    FL_HANDLER(name) {                                                                     \
        D.f = (expr);                                                                      \
        NEXT(4);                                                                           \
    }

/* The ten integer comparisons producing a value. */
#define DEF_CMPS(P, S, LU, RU, LS, RS)                                                     \
    BINOP(P##EQ##S, i32, (LU) == (RU))                                                     \
    BINOP(P##NE##S, i32, (LU) != (RU))                                                     \
    BINOP(P##LT_S##S, i32, (LS) < (RS))                                                    \
    BINOP(P##LT_U##S, i32, (LU) < (RU))                                                    \
    BINOP(P##GT_S##S, i32, (LS) > (RS))                                                    \
    BINOP(P##GT_U##S, i32, (LU) > (RU))                                                    \
    BINOP(P##LE_S##S, i32, (LS) <= (RS))                                                   \
    BINOP(P##LE_U##S, i32, (LU) <= (RU))                                                   \
    BINOP(P##GE_S##S, i32, (LS) >= (RS))                                                   \
    BINOP(P##GE_U##S, i32, (LU) >= (RU))

/* ... and fused with a conditional branch: operands a, b|imm, offset. */
#define BRCMP(name, cond)                                                                  \
    FL_HANDLER(name) {                                                                     \
        if (cond)                                                                          \
            TAKE(3);                                                                       \
        NEXT(4);                                                                           \
    }
#define DEF_BRCMPS(P, S, LU, RU, LS, RS)                                                   \
    BRCMP(BR_##P##EQ##S, (LU) == (RU))                                                     \
    BRCMP(BR_##P##NE##S, (LU) != (RU))                                                     \
    BRCMP(BR_##P##LT_S##S, (LS) < (RS))                                                    \
    BRCMP(BR_##P##LT_U##S, (LU) < (RU))                                                    \
    BRCMP(BR_##P##GT_S##S, (LS) > (RS))                                                    \
    BRCMP(BR_##P##GT_U##S, (LU) > (RU))                                                    \
    BRCMP(BR_##P##LE_S##S, (LS) <= (RS))                                                   \
    BRCMP(BR_##P##LE_U##S, (LU) <= (RU))                                                   \
    BRCMP(BR_##P##GE_S##S, (LS) >= (RS))                                                   \
    BRCMP(BR_##P##GE_U##S, (LU) >= (RU))

/* ... and with an i32.add of a constant before: d a imm b|imm2 offset. */
#define ADDI_BRCMP(name, cond)                                                             \
    FL_HANDLER(name) {                                                                     \
        X1.i32 = X2.i32 + ip[3];                                                           \
        if (cond)                                                                          \
            TAKE(5);                                                                       \
        NEXT(6);                                                                           \
    }
#define DEF_ADDI_BRCMPS(S, RU, RS)                                                         \
    ADDI_BRCMP(ADDI_BR_I32_EQ##S, X1.i32 == (RU))                                           \
    ADDI_BRCMP(ADDI_BR_I32_NE##S, X1.i32 != (RU))                                           \
    ADDI_BRCMP(ADDI_BR_I32_LT_S##S, (int32_t)X1.i32 < (RS))                                 \
    ADDI_BRCMP(ADDI_BR_I32_LT_U##S, X1.i32 < (RU))                                          \
    ADDI_BRCMP(ADDI_BR_I32_GT_S##S, (int32_t)X1.i32 > (RS))                                 \
    ADDI_BRCMP(ADDI_BR_I32_GT_U##S, X1.i32 > (RU))                                          \
    ADDI_BRCMP(ADDI_BR_I32_LE_S##S, (int32_t)X1.i32 <= (RS))                                \
    ADDI_BRCMP(ADDI_BR_I32_LE_U##S, X1.i32 <= (RU))                                         \
    ADDI_BRCMP(ADDI_BR_I32_GE_S##S, (int32_t)X1.i32 >= (RS))                                \
    ADDI_BRCMP(ADDI_BR_I32_GE_U##S, X1.i32 >= (RU))

#define TRUNC(name, df, DT, sf, fn)                                                        \
    FL_HANDLER(name) {                                                                     \
        DT r_;                                                                             \
        int e_ = fn(A.sf, &r_);                                                            \
        if (UNLIKELY(e_))                                                                  \
            TRAP(e_ == 1 ? FL_TRAP_INVALID_CONVERSION : FL_TRAP_INT_OVERFLOW);             \
        D.df = (r_);                                                                       \
        NEXT(3);                                                                           \
    }

#define LOAD(name, df, CT, RT, n)                                                          \
    FL_HANDLER(name) {                                                                     \
        CT v_;                                                                             \
        memcpy(&v_, FL_MEM_EA(A.i32, ip[3], n), n);                                        \
        D.df = (RT)v_;                                                                     \
        NEXT(4);                                                                           \
    }                                                                                      \
    FL_HANDLER(name##_AI) {                                                                \
        CT v_;                                                                             \
        memcpy(&v_, FL_MEM_EA((uint32_t)(A.i32 + ip[3]), ip[4], n), n);                    \
        D.df = (RT)v_;                                                                     \
        NEXT(5);                                                                           \
    }
#define STORE(name, sf, CT, n)                                                             \
    FL_HANDLER(name) {                                                                     \
        CT v_ = (CT)X2.sf;                                                                 \
        memcpy(FL_MEM_EA(X1.i32, ip[3], n), &v_, n);                                       \
        NEXT(4);                                                                           \
    }                                                                                      \
    FL_HANDLER(name##_AI) {                                                                \
        CT v_ = (CT)X3.sf;                                                                 \
        memcpy(FL_MEM_EA((uint32_t)(X1.i32 + ip[2]), ip[4], n), &v_, n);                   \
        NEXT(5);                                                                           \
    }

#define FMEM(name, f, CT, OPR)                                                             \
    FL_HANDLER(name##_M) {                                                                 \
        CT v_;                                                                             \
        memcpy(&v_, FL_MEM_EA(X3.i32, ip[4], sizeof v_), sizeof v_);                       \
        D.f = A.f OPR v_;                                                                  \
        NEXT(5);                                                                           \
    }                                                                                      \
    FL_HANDLER(name##_MAI) {                                                               \
        CT v_;                                                                             \
        memcpy(&v_, FL_MEM_EA((uint32_t)(X3.i32 + ip[4]), ip[5], sizeof v_), sizeof v_);   \
        D.f = A.f OPR v_;                                                                  \
        NEXT(6);                                                                           \
    }

/*
 * The interpreter proper.  With `words_out` set it only reports its table
 * of handler words (the compiler needs the label addresses) and returns.
 */
static fl_trap run(fl_exec *ex, fl_funcinst *entry, const fl_value *args, fl_value *results,
                   const int32_t **words_out) {
    static const int32_t words[OP_COUNT] = {FL_INTERP_OPS(FL_WORD, FL_WORD_IMM, FL_WORD_AI)};
    if (words_out) {
        *words_out = words;
        return FL_TRAP_NONE;
    }

    const struct fl_interp_code *code = entry->code;
    if (UNLIKELY(code == NULL) && !(code = first_call(ex, entry)))
        return ex->interrupt ? FL_TRAP_INTERRUPTED : FL_TRAP_HOST;
    fl_value *fp = ex->stack + ex->stack_used;
    fl_value *stack_end = ex->stack + ex->stack_slots;
    const size_t saved_used = ex->stack_used;
    const uint32_t saved_depth = ex->depth;
    const uint32_t max_depth = ex->max_depth;
    volatile int *intr = &ex->interrupt;
    fl_trap trap = FL_TRAP_NONE;

    if (ex->depth >= max_depth || fp + code->frame_size > stack_end)
        return FL_TRAP_STACK_EXHAUSTED;
    uint32_t depth = ex->depth + 1;
    for (uint32_t i = 0; i < code->nparams; i++)
        fp[i] = args[i];
    for (uint32_t i = code->nparams, e = i + code->nlocals; i < e; i++)
        fp[i].i64 = 0;
    for (uint32_t i = 0; i < code->nconsts; i++)
        fp[code->cbase + i] = code->consts[i];
    /* The entry frame returns into a one-word stub that leaves the loop. */
    uint32_t exit_stub[1] = {(uint32_t)words[OP_EXIT]};
    fl_value *rec = fp + code->rec_off;
    rec[0].ref = exit_stub;
    rec[1].ref = fp;
    rec[2].ref = entry->instance;

    fl_instance *inst = entry->instance;
    fl_memory *mem;
    uint8_t *mem_base;
    LOAD_MEM();
    const uint32_t *ip = code->ops;

    FL_DISPATCH_BEGIN

    FL_HANDLER(UNREACHABLE) { TRAP(FL_TRAP_UNREACHABLE); }

    FL_HANDLER(EXIT) {
        for (uint32_t i = 0; i < code->nresults; i++)
            results[i] = fp[i];
        TRAP(FL_TRAP_NONE);
    }

    /* control */
    FL_HANDLER(BR) { TAKE(1); }
    FL_HANDLER(BR_NZ) {
        if (X1.i32)
            TAKE(2);
        NEXT(3);
    }
    FL_HANDLER(BR_Z) {
        if (!X1.i32)
            TAKE(2);
        NEXT(3);
    }
    DEF_BRCMPS(I32_, , X1.i32, X2.i32, (int32_t)X1.i32, (int32_t)X2.i32)
    DEF_BRCMPS(I64_, , X1.i64, X2.i64, (int64_t)X1.i64, (int64_t)X2.i64)
    DEF_BRCMPS(I32_, _IMM, X1.i32, BIMM, (int32_t)X1.i32, (int32_t)BIMM)
    DEF_BRCMPS(I64_, _IMM, X1.i64, BIMM64, (int64_t)X1.i64, (int64_t)BIMM64)
    FL_HANDLER(ADDI_BR_NZ) {
        X1.i32 = X2.i32 + ip[3];
        if (X1.i32)
            TAKE(4);
        NEXT(5);
    }
    DEF_ADDI_BRCMPS(, X4.i32, (int32_t)X4.i32)
    DEF_ADDI_BRCMPS(_IMM, ip[4], (int32_t)ip[4])
    FL_HANDLER(BR_TABLE) {
        uint32_t i = X1.i32, n = ip[2];
        if (i > n)
            i = n;
        TAKE(3 + i);
    }
    FL_HANDLER(RET) {
        fl_value *r = fp + ip[1];
        depth--;
        ip = (const uint32_t *)r[0].ref;
        fp = (fl_value *)r[1].ref;
        fl_instance *ri = (fl_instance *)r[2].ref;
        if (UNLIKELY(ri != inst)) {
            inst = ri;
            LOAD_MEM();
        }
        FL_DISPATCH();
    }
    FL_HANDLER(CALL) {
        fl_funcinst *f = inst->funcs[ip[1]];
        fl_value *nfp = fp + ip[2];
        ip += 3;
        DO_CALL(f, nfp);
    }
    FL_HANDLER(CALL_INDIRECT) {
        fl_table *t = inst->tables[ip[2]];
        uint32_t i = X4.i32;
        if (UNLIKELY(i >= t->size))
            TRAP(FL_TRAP_UNDEFINED_ELEMENT);
        fl_funcinst *f = (fl_funcinst *)t->elems[i];
        if (UNLIKELY(f == NULL))
            TRAP(FL_TRAP_UNINITIALIZED);
        if (UNLIKELY(f->type_id != ip[1]))
            TRAP(FL_TRAP_INDIRECT_TYPE);
        fl_value *nfp = fp + ip[3];
        ip += 5;
        DO_CALL(f, nfp);
    }

    /* fused integer arithmetic */
    FL_HANDLER(I32_ADD_SHL) {
        D.i32 = A.i32 + (B.i32 << (ip[4] & 31));
        NEXT(5);
    }
    FL_HANDLER(I32_ADD_MUL) {
        D.i32 = A.i32 + B.i32 * X4.i32;
        NEXT(5);
    }
    FL_HANDLER(I32_XOR_ROTL) {
        D.i32 = A.i32 ^ fl_rotl32(B.i32, ip[4]);
        NEXT(5);
    }
    FL_HANDLER(I64_XOR_ROTL) {
        D.i64 = A.i64 ^ fl_rotl64(B.i64, ip[4]);
        NEXT(5);
    }
    /* a*b+c in two roundings: contraction into an FMA is off (top of file) */
#define FMUL2(name, f, T, expr)                                                            \
    FL_HANDLER(name) {                                                                     \
        T q_ = B.f * X4.f;                                                                 \
        T a_ = A.f;                                                                        \
        D.f = (expr);                                                                      \
        NEXT(5);                                                                           \
    }
    FMUL2(F32_ADD_MUL, f32, float, a_ + q_)
    FMUL2(F32_SUB_MUL, f32, float, a_ - q_)
    FMUL2(F32_MUL_SUB, f32, float, q_ - a_)
    FMUL2(F64_ADD_MUL, f64, double, a_ + q_)
    FMUL2(F64_SUB_MUL, f64, double, a_ - q_)
    FMUL2(F64_MUL_SUB, f64, double, q_ - a_)

    /* moves, constants, select, globals */
    FL_HANDLER(MOV) {
        D = A;
        NEXT(3);
    }
    FL_HANDLER(MOV2) {
        X1 = X2;
        X3 = X4;
        NEXT(5);
    }
    FL_HANDLER(MOV_BR) {
        X1 = X2;
        TAKE(3);
    }
    FL_HANDLER(MOVN) {
        memmove(&X1, &X2, (size_t)ip[3] * sizeof(fl_value));
        NEXT(4);
    }
    FL_HANDLER(CONST32) {
        D.i64 = ip[2];
        NEXT(3);
    }
    FL_HANDLER(CONST64) {
        D.i64 = (uint64_t)ip[2] | (uint64_t)ip[3] << 32;
        NEXT(4);
    }
    FL_HANDLER(SELECT) {
        D = X4.i32 ? A : B;
        NEXT(5);
    }
    FL_HANDLER(GLOBAL_GET) {
        D = inst->globals[ip[2]]->value;
        NEXT(3);
    }
    FL_HANDLER(GLOBAL_SET) {
        inst->globals[ip[2]]->value = X1;
        NEXT(3);
    }

    /* tables and references */
    FL_HANDLER(TABLE_GET) {
        fl_table *t = inst->tables[ip[2]];
        uint32_t i = X3.i32;
        if (UNLIKELY(i >= t->size))
            goto trap_table_oob;
        D.ref = t->elems[i];
        NEXT(4);
    }
    FL_HANDLER(TABLE_SET) {
        fl_table *t = inst->tables[ip[1]];
        uint32_t i = X2.i32;
        if (UNLIKELY(i >= t->size))
            goto trap_table_oob;
        t->elems[i] = X3.ref;
        NEXT(4);
    }
    FL_HANDLER(TABLE_SIZE) {
        D.i32 = inst->tables[ip[2]]->size;
        NEXT(3);
    }
    FL_HANDLER(TABLE_GROW) {
        D.i32 = (uint32_t)fl_table_grow(inst->tables[ip[2]], X4.i32, X3.ref);
        NEXT(5);
    }
    FL_HANDLER(TABLE_FILL) {
        fl_table *t = inst->tables[ip[1]];
        uint64_t i = X2.i32, n = X4.i32;
        void *v = X3.ref;
        if (UNLIKELY(i + n > t->size))
            goto trap_table_oob;
        if (UNLIKELY(!fl_bulk_fill_refs(t->elems + i, v, n, intr)))
            goto trap_interrupted;
        NEXT(5);
    }
    FL_HANDLER(TABLE_COPY) {
        fl_table *dt = inst->tables[ip[1]], *st = inst->tables[ip[2]];
        uint64_t d = fp[ip[3]].i32, s = fp[ip[4]].i32, n = fp[ip[5]].i32;
        if (UNLIKELY(d + n > dt->size || s + n > st->size))
            goto trap_table_oob;
        if (UNLIKELY(!fl_bulk_move((uint8_t *)(dt->elems + d), (const uint8_t *)(st->elems + s),
                                n * sizeof(void *), dt != st || d <= s, intr)))
            goto trap_interrupted;
        NEXT(6);
    }
    FL_HANDLER(TABLE_INIT) {
        uint32_t ei = ip[1];
        fl_table *t = inst->tables[ip[2]];
        const fl_elem *seg = &inst->module->elems[ei];
        uint64_t d = fp[ip[3]].i32, s = fp[ip[4]].i32, n = fp[ip[5]].i32;
        uint64_t len = inst->elem_dropped[ei] ? 0 : seg->nitems;
        if (UNLIKELY(s + n > len || d + n > t->size))
            goto trap_table_oob;
        if (n && UNLIKELY(!fl_bulk_init_refs(inst, t->elems + d, seg->items + s, n, intr)))
            goto trap_interrupted;
        NEXT(6);
    }
    FL_HANDLER(ELEM_DROP) {
        inst->elem_dropped[ip[1]] = true;
        NEXT(2);
    }
    FL_HANDLER(REF_FUNC) {
        D.ref = inst->funcs[ip[2]];
        NEXT(3);
    }

    /* memory */
    LOAD(LD32, i32, uint32_t, uint32_t, 4)
    LOAD(LD64, i64, uint64_t, uint64_t, 8)
    LOAD(LD8_S32, i32, int8_t, uint32_t, 1)
    LOAD(LD8_U32, i32, uint8_t, uint32_t, 1)
    LOAD(LD16_S32, i32, int16_t, uint32_t, 2)
    LOAD(LD16_U32, i32, uint16_t, uint32_t, 2)
    LOAD(LD8_S64, i64, int8_t, uint64_t, 1)
    LOAD(LD8_U64, i64, uint8_t, uint64_t, 1)
    LOAD(LD16_S64, i64, int16_t, uint64_t, 2)
    LOAD(LD16_U64, i64, uint16_t, uint64_t, 2)
    LOAD(LD32_S64, i64, int32_t, uint64_t, 4)
    LOAD(LD32_U64, i64, uint32_t, uint64_t, 4)
    STORE(ST8, i32, uint8_t, 1)
    STORE(ST16, i32, uint16_t, 2)
    STORE(ST32, i32, uint32_t, 4)
    STORE(ST64, i64, uint64_t, 8)
    FMEM(F32_ADD, f32, float, +)
    FMEM(F32_SUB, f32, float, -)
    FMEM(F32_MUL, f32, float, *)
    FMEM(F32_DIV, f32, float, /)
    FMEM(F64_ADD, f64, double, +)
    FMEM(F64_SUB, f64, double, -)
    FMEM(F64_MUL, f64, double, *)
    FMEM(F64_DIV, f64, double, /)
    FL_HANDLER(MEMORY_SIZE) {
        D.i32 = mem->pages;
        NEXT(2);
    }
    FL_HANDLER(MEMORY_GROW) {
        D.i32 = (uint32_t)fl_memory_grow(mem, A.i32);
        NEXT(3);
    }
    FL_HANDLER(MEMORY_FILL) {
        uint64_t d = X1.i32, n = X3.i32;
        if (UNLIKELY(d + n > mem->size))
            goto trap_mem_oob;
        if (UNLIKELY(!fl_bulk_fill(mem_base + d, (int)(X2.i32 & 0xff), n, intr)))
            goto trap_interrupted;
        NEXT(4);
    }
    FL_HANDLER(MEMORY_COPY) {
        uint64_t d = X1.i32, s = X2.i32, n = X3.i32;
        if (UNLIKELY(d + n > mem->size || s + n > mem->size))
            goto trap_mem_oob;
        if (UNLIKELY(!fl_bulk_move(mem_base + d, mem_base + s, n, d <= s, intr)))
            goto trap_interrupted;
        NEXT(4);
    }
    FL_HANDLER(MEMORY_INIT) {
        uint32_t si = ip[1];
        const fl_data *seg = &inst->module->datas[si];
        uint64_t d = X2.i32, s = X3.i32, n = X4.i32;
        uint64_t len = inst->data_dropped[si] ? 0 : seg->len;
        if (UNLIKELY(s + n > len || d + n > mem->size))
            goto trap_mem_oob;
        if (n && UNLIKELY(!fl_bulk_move(mem_base + d, seg->bytes + s, n, true, intr)))
            goto trap_interrupted;
        NEXT(5);
    }
    FL_HANDLER(DATA_DROP) {
        inst->data_dropped[ip[1]] = true;
        NEXT(2);
    }

    /* SIMD: a v128 is the two slots from its operand's (simd.h), whose
     * lane work simd.c does out of line, so these few handlers are all the
     * dispatch loop gains */
    FL_HANDLER(V_LOAD) {
        const uint8_t *ea = FL_MEM_EA(X2.i32, ip[3], ip[4]);
        fl_simd_load(ip[5], &D, ea);
        NEXT(6);
    }
    FL_HANDLER(V_LOAD_LANE) {
        const uint8_t *ea = FL_MEM_EA(X2.i32, ip[4], ip[5]);
        fl_simd_load_lane(ip[7], &D, &X3, ea, ip[6]);
        NEXT(8);
    }
    FL_HANDLER(V_STORE) {
        uint8_t *ea = FL_MEM_EA(X1.i32, ip[3], ip[4]);
        fl_simd_store(ip[6], ea, &X2, ip[5]);
        NEXT(7);
    }
    FL_HANDLER(V_SPLAT) {
        fl_simd_splat(ip[3], &D, A.i64);
        NEXT(4);
    }
    FL_HANDLER(V_UN) {
        fl_simd_v_v(ip[3], &D, &A);
        NEXT(4);
    }
    FL_HANDLER(V_BIN) {
        fl_simd_vv_v(ip[4], &D, &A, &B);
        NEXT(5);
    }
    FL_HANDLER(V_TERN) {
        fl_simd_vvv_v(ip[5], &D, &A, &B, &X4);
        NEXT(6);
    }
    FL_HANDLER(V_EXTRACT) {
        D.i64 = fl_simd_v_x(ip[4], &A, ip[3]);
        NEXT(5);
    }
    FL_HANDLER(V_REPLACE) {
        fl_simd_vx_v(ip[5], &D, &A, B.i64, ip[4]);
        NEXT(6);
    }
    FL_HANDLER(V_SHUFFLE) {
        fl_simd_shuffle(&D, &A, &B, (const uint8_t *)&ip[4]);
        NEXT(8);
    }
    FL_HANDLER(GLOBAL_GET_V) {
        const fl_global *g = inst->globals[ip[2]];
        (&D)[0] = g->value;
        (&D)[1].i64 = g->hi;
        NEXT(3);
    }
    FL_HANDLER(GLOBAL_SET_V) {
        fl_global *g = inst->globals[ip[2]];
        g->value = (&X1)[0];
        g->hi = (&X1)[1].i64;
        NEXT(3);
    }

    /* unary numeric */
    UNOP(I32_EQZ, i32, A.i32 == 0)
    UNOP(I64_EQZ, i32, A.i64 == 0)
    UNOP(I32_CLZ, i32, fl_clz32(A.i32))
    UNOP(I32_CTZ, i32, fl_ctz32(A.i32))
    UNOP(I32_POPCNT, i32, (uint32_t)__builtin_popcount(A.i32))
    UNOP(I64_CLZ, i64, fl_clz64(A.i64))
    UNOP(I64_CTZ, i64, fl_ctz64(A.i64))
    UNOP(I64_POPCNT, i64, (uint64_t)__builtin_popcountll(A.i64))
    UNOP(F32_ABS, f32, fl_f32_abs(A.f32))
    UNOP(F32_NEG, f32, fl_f32_neg(A.f32))
    UNOP(F32_CEIL, f32, ceilf(A.f32))
    UNOP(F32_FLOOR, f32, floorf(A.f32))
    UNOP(F32_TRUNC, f32, truncf(A.f32))
    UNOP(F32_NEAREST, f32, fl_f32_nearest(A.f32))
    UNOP(F32_SQRT, f32, sqrtf(A.f32))
    UNOP(F64_ABS, f64, fl_f64_abs(A.f64))
    UNOP(F64_NEG, f64, fl_f64_neg(A.f64))
    UNOP(F64_CEIL, f64, ceil(A.f64))
    UNOP(F64_FLOOR, f64, floor(A.f64))
    UNOP(F64_TRUNC, f64, trunc(A.f64))
    UNOP(F64_NEAREST, f64, fl_f64_nearest(A.f64))
    UNOP(F64_SQRT, f64, sqrt(A.f64))
    TRUNC(I32_TRUNC_F32_S, i32, int32_t, f32, fl_trunc_f32_i32)
    TRUNC(I32_TRUNC_F32_U, i32, uint32_t, f32, fl_trunc_f32_u32)
    TRUNC(I32_TRUNC_F64_S, i32, int32_t, f64, fl_trunc_f64_i32)
    TRUNC(I32_TRUNC_F64_U, i32, uint32_t, f64, fl_trunc_f64_u32)
    TRUNC(I64_TRUNC_F32_S, i64, int64_t, f32, fl_trunc_f32_i64)
    TRUNC(I64_TRUNC_F32_U, i64, uint64_t, f32, fl_trunc_f32_u64)
    TRUNC(I64_TRUNC_F64_S, i64, int64_t, f64, fl_trunc_f64_i64)
    TRUNC(I64_TRUNC_F64_U, i64, uint64_t, f64, fl_trunc_f64_u64)
    UNOP(I64_EXTEND_I32_S, i64, (uint64_t)(int64_t)(int32_t)A.i32)
    UNOP(I64_EXTEND_I32_U, i64, (uint64_t)A.i32)
    UNOP(F32_CONVERT_I32_S, f32, (float)(int32_t)A.i32)
    UNOP(F32_CONVERT_I32_U, f32, (float)A.i32)
    UNOP(F32_CONVERT_I64_S, f32, (float)(int64_t)A.i64)
    UNOP(F32_CONVERT_I64_U, f32, (float)A.i64)
    UNOP(F32_DEMOTE_F64, f32, (float)A.f64)
    UNOP(F64_CONVERT_I32_S, f64, (double)(int32_t)A.i32)
    UNOP(F64_CONVERT_I32_U, f64, (double)A.i32)
    UNOP(F64_CONVERT_I64_S, f64, (double)(int64_t)A.i64)
    UNOP(F64_CONVERT_I64_U, f64, (double)A.i64)
    UNOP(F64_PROMOTE_F32, f64, (double)A.f32)
    UNOP(I32_EXTEND8_S, i32, (uint32_t)(int32_t)(int8_t)A.i32)
    UNOP(I32_EXTEND16_S, i32, (uint32_t)(int32_t)(int16_t)A.i32)
    UNOP(I64_EXTEND8_S, i64, (uint64_t)(int64_t)(int8_t)A.i64)
    UNOP(I64_EXTEND16_S, i64, (uint64_t)(int64_t)(int16_t)A.i64)
    UNOP(I64_EXTEND32_S, i64, (uint64_t)(int64_t)(int32_t)A.i64)
    UNOP(I32_TRUNC_SAT_F32_S, i32, (uint32_t)fl_trunc_sat_f32_i32(A.f32))
    UNOP(I32_TRUNC_SAT_F32_U, i32, fl_trunc_sat_f32_u32(A.f32))
    UNOP(I32_TRUNC_SAT_F64_S, i32, (uint32_t)fl_trunc_sat_f64_i32(A.f64))
    UNOP(I32_TRUNC_SAT_F64_U, i32, fl_trunc_sat_f64_u32(A.f64))
    UNOP(I64_TRUNC_SAT_F32_S, i64, (uint64_t)fl_trunc_sat_f32_i64(A.f32))
    UNOP(I64_TRUNC_SAT_F32_U, i64, fl_trunc_sat_f32_u64(A.f32))
    UNOP(I64_TRUNC_SAT_F64_S, i64, (uint64_t)fl_trunc_sat_f64_i64(A.f64))
    UNOP(I64_TRUNC_SAT_F64_U, i64, fl_trunc_sat_f64_u64(A.f64))

    /* comparisons */
    DEF_CMPS(I32_, , A.i32, B.i32, (int32_t)A.i32, (int32_t)B.i32)
    DEF_CMPS(I64_, , A.i64, B.i64, (int64_t)A.i64, (int64_t)B.i64)
    DEF_CMPS(I32_, _IMM, A.i32, IMM, (int32_t)A.i32, (int32_t)IMM)
    DEF_CMPS(I64_, _IMM, A.i64, IMM64, (int64_t)A.i64, (int64_t)IMM64)
    BINOP(F32_EQ, i32, A.f32 == B.f32)
    BINOP(F32_NE, i32, A.f32 != B.f32)
    BINOP(F32_LT, i32, A.f32 < B.f32)
    BINOP(F32_GT, i32, A.f32 > B.f32)
    BINOP(F32_LE, i32, A.f32 <= B.f32)
    BINOP(F32_GE, i32, A.f32 >= B.f32)
    BINOP(F64_EQ, i32, A.f64 == B.f64)
    BINOP(F64_NE, i32, A.f64 != B.f64)
    BINOP(F64_LT, i32, A.f64 < B.f64)
    BINOP(F64_GT, i32, A.f64 > B.f64)
    BINOP(F64_LE, i32, A.f64 <= B.f64)
    BINOP(F64_GE, i32, A.f64 >= B.f64)

    /* i32 arithmetic */
    BINOP(I32_ADD, i32, A.i32 + B.i32)
    BINOP(I32_SUB, i32, A.i32 - B.i32)
    BINOP(I32_MUL, i32, A.i32 * B.i32)
    FL_HANDLER(I32_DIV_S) {
        int32_t a = (int32_t)A.i32, b = (int32_t)B.i32;
        if (UNLIKELY(b == 0))
            goto trap_div_zero;
        if (UNLIKELY(a == INT32_MIN && b == -1))
            goto trap_overflow;
        D.i32 = (uint32_t)(a / b);
        NEXT(4);
    }
    FL_HANDLER(I32_DIV_U) {
        uint32_t a = A.i32, b = B.i32;
        if (UNLIKELY(b == 0))
            goto trap_div_zero;
        D.i32 = a / b;
        NEXT(4);
    }
    FL_HANDLER(I32_REM_S) {
        int32_t a = (int32_t)A.i32, b = (int32_t)B.i32;
        if (UNLIKELY(b == 0))
            goto trap_div_zero;
        D.i32 = UNLIKELY(b == -1) ? 0 : (uint32_t)(a % b);
        NEXT(4);
    }
    FL_HANDLER(I32_REM_U) {
        uint32_t a = A.i32, b = B.i32;
        if (UNLIKELY(b == 0))
            goto trap_div_zero;
        D.i32 = a % b;
        NEXT(4);
    }
    BINOP(I32_AND, i32, A.i32 & B.i32)
    BINOP(I32_OR, i32, A.i32 | B.i32)
    BINOP(I32_XOR, i32, A.i32 ^ B.i32)
    BINOP(I32_SHL, i32, A.i32 << (B.i32 & 31))
    BINOP(I32_SHR_S, i32, (uint32_t)((int32_t)A.i32 >> (B.i32 & 31)))
    BINOP(I32_SHR_U, i32, A.i32 >> (B.i32 & 31))
    BINOP(I32_ROTL, i32, fl_rotl32(A.i32, B.i32))
    BINOP(I32_ROTR, i32, fl_rotr32(A.i32, B.i32))
    BINOP(I32_ADD_IMM, i32, A.i32 + IMM)
    BINOP(I32_SUB_IMM, i32, A.i32 - IMM)
    BINOP(I32_MUL_IMM, i32, A.i32 * IMM)
    BINOP(I32_AND_IMM, i32, A.i32 & IMM)
    BINOP(I32_OR_IMM, i32, A.i32 | IMM)
    BINOP(I32_XOR_IMM, i32, A.i32 ^ IMM)
    BINOP(I32_SHL_IMM, i32, A.i32 << (IMM & 31))
    BINOP(I32_SHR_S_IMM, i32, (uint32_t)((int32_t)A.i32 >> (IMM & 31)))
    BINOP(I32_SHR_U_IMM, i32, A.i32 >> (IMM & 31))
    BINOP(I32_ROTL_IMM, i32, fl_rotl32(A.i32, IMM))
    BINOP(I32_ROTR_IMM, i32, fl_rotr32(A.i32, IMM))

    /* i64 arithmetic */
    BINOP(I64_ADD, i64, A.i64 + B.i64)
    BINOP(I64_SUB, i64, A.i64 - B.i64)
    BINOP(I64_MUL, i64, A.i64 * B.i64)
    FL_HANDLER(I64_DIV_S) {
        int64_t a = (int64_t)A.i64, b = (int64_t)B.i64;
        if (UNLIKELY(b == 0))
            goto trap_div_zero;
        if (UNLIKELY(a == INT64_MIN && b == -1))
            goto trap_overflow;
        D.i64 = (uint64_t)(a / b);
        NEXT(4);
    }
    FL_HANDLER(I64_DIV_U) {
        uint64_t a = A.i64, b = B.i64;
        if (UNLIKELY(b == 0))
            goto trap_div_zero;
        D.i64 = a / b;
        NEXT(4);
    }
    FL_HANDLER(I64_REM_S) {
        int64_t a = (int64_t)A.i64, b = (int64_t)B.i64;
        if (UNLIKELY(b == 0))
            goto trap_div_zero;
        D.i64 = UNLIKELY(b == -1) ? 0 : (uint64_t)(a % b);
        NEXT(4);
    }
    FL_HANDLER(I64_REM_U) {
        uint64_t a = A.i64, b = B.i64;
        if (UNLIKELY(b == 0))
            goto trap_div_zero;
        D.i64 = a % b;
        NEXT(4);
    }
    BINOP(I64_AND, i64, A.i64 & B.i64)
    BINOP(I64_OR, i64, A.i64 | B.i64)
    BINOP(I64_XOR, i64, A.i64 ^ B.i64)
    BINOP(I64_SHL, i64, A.i64 << (B.i64 & 63))
    BINOP(I64_SHR_S, i64, (uint64_t)((int64_t)A.i64 >> (B.i64 & 63)))
    BINOP(I64_SHR_U, i64, A.i64 >> (B.i64 & 63))
    BINOP(I64_ROTL, i64, fl_rotl64(A.i64, B.i64))
    BINOP(I64_ROTR, i64, fl_rotr64(A.i64, B.i64))
    BINOP(I64_ADD_IMM, i64, A.i64 + IMM64)
    BINOP(I64_SUB_IMM, i64, A.i64 - IMM64)
    BINOP(I64_MUL_IMM, i64, A.i64 * IMM64)
    BINOP(I64_AND_IMM, i64, A.i64 & IMM64)
    BINOP(I64_OR_IMM, i64, A.i64 | IMM64)
    BINOP(I64_XOR_IMM, i64, A.i64 ^ IMM64)
    BINOP(I64_SHL_IMM, i64, A.i64 << (IMM & 63))
    BINOP(I64_SHR_S_IMM, i64, (uint64_t)((int64_t)A.i64 >> (IMM & 63)))
    BINOP(I64_SHR_U_IMM, i64, A.i64 >> (IMM & 63))
    BINOP(I64_ROTL_IMM, i64, fl_rotl64(A.i64, IMM))
    BINOP(I64_ROTR_IMM, i64, fl_rotr64(A.i64, IMM))

    /* float arithmetic */
    BINOP(F32_ADD, f32, A.f32 + B.f32)
    BINOP(F32_SUB, f32, A.f32 - B.f32)
    BINOP(F32_MUL, f32, A.f32 * B.f32)
    BINOP(F32_DIV, f32, A.f32 / B.f32)
    BINOP(F32_MIN, f32, fl_f32_min(A.f32, B.f32))
    BINOP(F32_MAX, f32, fl_f32_max(A.f32, B.f32))
    BINOP(F32_COPYSIGN, f32, fl_f32_copysign(A.f32, B.f32))
    BINOP(F64_ADD, f64, A.f64 + B.f64)
    BINOP(F64_SUB, f64, A.f64 - B.f64)
    BINOP(F64_MUL, f64, A.f64 * B.f64)
    BINOP(F64_DIV, f64, A.f64 / B.f64)
    BINOP(F64_MIN, f64, fl_f64_min(A.f64, B.f64))
    BINOP(F64_MAX, f64, fl_f64_max(A.f64, B.f64))
    BINOP(F64_COPYSIGN, f64, fl_f64_copysign(A.f64, B.f64))

    FL_DISPATCH_END

trap_div_zero:
    trap = FL_TRAP_DIV_ZERO;
    goto out;
trap_overflow:
    trap = FL_TRAP_INT_OVERFLOW;
    goto out;
trap_table_oob:
    trap = FL_TRAP_TABLE_OOB;
    goto out;
trap_mem_oob:
    trap = FL_TRAP_MEMORY_OOB;
    goto out;
trap_interrupted:
    trap = FL_TRAP_INTERRUPTED;
    goto out;
trap_exhausted:
    trap = FL_TRAP_STACK_EXHAUSTED;
    goto out;
out:
    ex->stack_used = saved_used;
    ex->depth = saved_depth;
    return trap;
}

const int32_t *fl_interp_op_words(void) {
    const int32_t *words;
    run(NULL, NULL, NULL, NULL, &words);
    return words;
}

fl_trap fl_interp_call(fl_exec *ex, fl_funcinst *f, const fl_value *args, fl_value *results) {
    return run(ex, f, args, results, NULL);
}

const fl_tier fl_interp_tier = {
    .name = "interpreter",
    .prepare = fl_interp_prepare,
    .release = fl_interp_release,
    .call = fl_interp_call,
};
