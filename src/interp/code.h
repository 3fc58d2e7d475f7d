/*
 * code.h: the interpreter's internal code format, shared by the compiler
 * (compile.c) and the dispatch loop (exec.c).  Internal to src/interp.
 *
 * A compiled body is an array of 32-bit words.  Each instruction is one
 * handler word followed by its operands.  The handler word is the offset of
 * the handler's label from a base label (computed goto) or the op number
 * (switch); fl_interp_op_words() maps op numbers to handler words.  Operands
 * are frame slot indices (fp[k]), 32-bit immediates, or branch offsets in
 * words relative to the start of the branching instruction.
 *
 * Frame layout, in 8-byte slots from fp:
 *   [params | locals | pad to nresults | return record (3) | constants | operand stack]
 * The return record holds the caller's ip, fp and instance.  A callee's frame
 * starts at the caller's first argument slot, so arguments are passed and
 * results returned in place.
 */
#ifndef FL_INTERP_CODE_H
#define FL_INTERP_CODE_H

#include <stdint.h>

#include "engine/config.h"
#include "engine/runtime.h"

/* A compiled function body (struct fl_interp_code of module.h). */
struct fl_interp_code {
    uint32_t nparams;
    uint32_t nresults;
    uint32_t nlocals;    /* declared locals, zeroed at entry */
    uint32_t rec_off;    /* slot of the return record */
    uint32_t frame_size; /* slots used by the frame, record and stack included */
    uint32_t nconsts;    /* pooled constants, copied to fp[cbase..] at entry */
    uint32_t cbase;
    const union fl_value *consts;
    uint32_t len;        /* words in ops */
    uint32_t ops[];
};

#define FL_REC_SLOTS 3

/* The ten integer comparisons, in opcode order:
 * eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u. */
#define FL_CMP10(X, P, S)                                                                  \
    X(P##EQ##S) X(P##NE##S) X(P##LT_S##S) X(P##LT_U##S) X(P##GT_S##S) X(P##GT_U##S)      \
    X(P##LE_S##S) X(P##LE_U##S) X(P##GE_S##S) X(P##GE_U##S)

/* Wasm numeric instructions that map one to one onto a handler with
 * operands (dst, src): same name as in opcodes.def. */
#define FL_INTERP_UNOPS(X)                                                                 \
    X(I32_EQZ) X(I64_EQZ) X(I32_CLZ) X(I32_CTZ) X(I32_POPCNT) X(I64_CLZ) X(I64_CTZ)        \
    X(I64_POPCNT) X(F32_ABS) X(F32_NEG) X(F32_CEIL) X(F32_FLOOR) X(F32_TRUNC)              \
    X(F32_NEAREST) X(F32_SQRT) X(F64_ABS) X(F64_NEG) X(F64_CEIL) X(F64_FLOOR)              \
    X(F64_TRUNC) X(F64_NEAREST) X(F64_SQRT) X(I32_TRUNC_F32_S) X(I32_TRUNC_F32_U)          \
    X(I32_TRUNC_F64_S) X(I32_TRUNC_F64_U) X(I64_EXTEND_I32_S) X(I64_EXTEND_I32_U)          \
    X(I64_TRUNC_F32_S) X(I64_TRUNC_F32_U) X(I64_TRUNC_F64_S) X(I64_TRUNC_F64_U)            \
    X(F32_CONVERT_I32_S) X(F32_CONVERT_I32_U) X(F32_CONVERT_I64_S) X(F32_CONVERT_I64_U)    \
    X(F32_DEMOTE_F64) X(F64_CONVERT_I32_S) X(F64_CONVERT_I32_U) X(F64_CONVERT_I64_S)       \
    X(F64_CONVERT_I64_U) X(F64_PROMOTE_F32) X(I32_EXTEND8_S) X(I32_EXTEND16_S)             \
    X(I64_EXTEND8_S) X(I64_EXTEND16_S) X(I64_EXTEND32_S) X(I32_TRUNC_SAT_F32_S)            \
    X(I32_TRUNC_SAT_F32_U) X(I32_TRUNC_SAT_F64_S) X(I32_TRUNC_SAT_F64_U)                   \
    X(I64_TRUNC_SAT_F32_S) X(I64_TRUNC_SAT_F32_U) X(I64_TRUNC_SAT_F64_S)                   \
    X(I64_TRUNC_SAT_F64_U)

/* ... and with operands (dst, lhs, rhs). */
#define FL_INTERP_BINOPS(X)                                                                \
    FL_CMP10(X, I32_, ) FL_CMP10(X, I64_, )                                                \
    X(F32_EQ) X(F32_NE) X(F32_LT) X(F32_GT) X(F32_LE) X(F32_GE)                            \
    X(F64_EQ) X(F64_NE) X(F64_LT) X(F64_GT) X(F64_LE) X(F64_GE)                            \
    X(I32_ADD) X(I32_SUB) X(I32_MUL) X(I32_DIV_S) X(I32_DIV_U) X(I32_REM_S) X(I32_REM_U)   \
    X(I32_AND) X(I32_OR) X(I32_XOR) X(I32_SHL) X(I32_SHR_S) X(I32_SHR_U) X(I32_ROTL)       \
    X(I32_ROTR)                                                                            \
    X(I64_ADD) X(I64_SUB) X(I64_MUL) X(I64_DIV_S) X(I64_DIV_U) X(I64_REM_S) X(I64_REM_U)   \
    X(I64_AND) X(I64_OR) X(I64_XOR) X(I64_SHL) X(I64_SHR_S) X(I64_SHR_U) X(I64_ROTL)       \
    X(I64_ROTR)                                                                            \
    X(F32_ADD) X(F32_SUB) X(F32_MUL) X(F32_DIV) X(F32_MIN) X(F32_MAX) X(F32_COPYSIGN)      \
    X(F64_ADD) X(F64_SUB) X(F64_MUL) X(F64_DIV) X(F64_MIN) X(F64_MAX) X(F64_COPYSIGN)

/* Binary operations that also exist as NAME_IMM (dst, lhs, imm32); the i64
 * ones sign-extend the immediate. */
#define FL_INTERP_IMMOPS(X)                                                                \
    X(I32_ADD) X(I32_SUB) X(I32_MUL) X(I32_AND) X(I32_OR) X(I32_XOR) X(I32_SHL)            \
    X(I32_SHR_S) X(I32_SHR_U)                                                              \
    X(I64_ADD) X(I64_SUB) X(I64_MUL) X(I64_AND) X(I64_OR) X(I64_XOR) X(I64_SHL)            \
    X(I64_SHR_S) X(I64_SHR_U) X(I32_ROTL) X(I32_ROTR) X(I64_ROTL) X(I64_ROTR)              \
    FL_CMP10(X, I32_, ) FL_CMP10(X, I64_, )

/* Float arithmetic whose right operand is loaded from memory: NAME_M
 * (d a addr offset) and NAME_MAI (d a addr imm offset), a load fused in. */
#define FL_FMEM(X, S)                                                                      \
    X(F32_ADD##S) X(F32_SUB##S) X(F32_MUL##S) X(F32_DIV##S)                                \
    X(F64_ADD##S) X(F64_SUB##S) X(F64_MUL##S) X(F64_DIV##S)

/* Memory accesses; each also exists as NAME_AI, whose address is
 * (u32)(slot + imm), an i32.add of a constant folded in. */
#define FL_INTERP_MEMOPS(X)                                                                \
    X(LD32) X(LD64) X(LD8_S32) X(LD8_U32) X(LD16_S32) X(LD16_U32) X(LD8_S64) X(LD8_U64)    \
    X(LD16_S64) X(LD16_U64) X(LD32_S64) X(LD32_U64) X(ST8) X(ST16) X(ST32) X(ST64)

/* Every handler (X: plain names, XI: NAME_IMM of FL_INTERP_IMMOPS, XA:
 * NAME_AI of FL_INTERP_MEMOPS).  Operands after the handler word:
 *   UNREACHABLE; EXIT (end of the host's entry call)
 *   BR off; BR_NZ a off; BR_Z a off; BR_<cmp> a b off; BR_<cmp>_IMM a imm off
 *   BR_TABLE a n off0..off_n (index clamped to n, the default)
 *   ADDI_BR_NZ d a imm off; ADDI_BR_I32_<cmp>[_IMM] d a imm b off: d = a + imm,
 *     then the branch on d (the add and test that close most loops)
 *   I32_ADD_SHL d a b k (d = a + (b << k)); I32_ADD_MUL d a b c (d = a + b * c)
 *   I32_XOR_ROTL, I64_XOR_ROTL d a b k (d = a ^ rotl(b, k))
 *   F*_ADD_MUL, F*_SUB_MUL, F*_MUL_SUB d a b c (a + b*c, a - b*c, b*c - a; not fused:
 *     the product is rounded first)
 *   RET rec_off; CALL func base; CALL_INDIRECT type_id table base elem_slot
 *   MOV d a; MOV2 d a d2 a2 (two moves, in order); MOV_BR d a off
 *   MOVN d a n (n slots from a to d: the values of a wide branch or return)
 *   CONST32 d imm; CONST64 d lo hi; SELECT d a b cond
 *   GLOBAL_GET d idx; GLOBAL_SET a idx
 *   TABLE_GET d tab i; TABLE_SET tab i v; TABLE_SIZE d tab; TABLE_GROW d tab init n
 *   TABLE_FILL tab i v n; TABLE_COPY dt st d s n; TABLE_INIT elem tab d s n
 *   ELEM_DROP elem; REF_FUNC d func
 *   LD* d addr offset; ST* addr val offset
 *   LD*_AI d addr imm offset; ST*_AI addr imm val offset
 *   F*_M d a addr offset; F*_MAI d a addr imm offset (see FL_FMEM)
 *   MEMORY_SIZE d; MEMORY_GROW d n; MEMORY_FILL d v n; MEMORY_COPY d s n
 *   MEMORY_INIT seg d s n; DATA_DROP seg
 *   unary ops d a; binary ops d a b; NAME_IMM d a imm
 * SIMD (simd.h; a v128 operand or result is the first of its two slots;
 * size is the bytes a memory access touches, sub the 0xFD sub-opcode):
 *   V_LOAD d addr offset size sub; V_LOAD_LANE d addr v offset size lane sub
 *   V_STORE addr v offset size lane sub (v128.store and the lane stores)
 *   V_SPLAT d x sub; V_UN d a sub; V_BIN d a b sub; V_TERN d a b c sub
 *   V_EXTRACT d a lane sub (any scalar result); V_REPLACE d a x lane sub
 *   (replace_lane and the shifts); V_SHUFFLE d a b lanes0..3 (16 bytes)
 *   GLOBAL_GET_V d idx; GLOBAL_SET_V a idx */
#define FL_INTERP_OPS(X, XI, XA)                                                           \
    X(UNREACHABLE) X(EXIT) X(BR) X(BR_NZ) X(BR_Z) X(BR_TABLE) X(RET) X(CALL)               \
    X(CALL_INDIRECT) FL_CMP10(X, BR_I32_, ) FL_CMP10(X, BR_I64_, )                          \
    FL_CMP10(X, BR_I32_, _IMM) FL_CMP10(X, BR_I64_, _IMM)                                   \
    X(ADDI_BR_NZ) FL_CMP10(X, ADDI_BR_I32_, ) FL_CMP10(X, ADDI_BR_I32_, _IMM)               \
    X(I32_ADD_SHL) X(I32_ADD_MUL) X(I32_XOR_ROTL) X(I64_XOR_ROTL)                          \
    X(F32_ADD_MUL) X(F32_SUB_MUL) X(F32_MUL_SUB) X(F64_ADD_MUL) X(F64_SUB_MUL) X(F64_MUL_SUB) \
    X(MOV) X(MOV2) X(MOV_BR) X(MOVN) X(CONST32) X(CONST64) X(SELECT) X(GLOBAL_GET) X(GLOBAL_SET)   \
    X(TABLE_GET) X(TABLE_SET) X(TABLE_SIZE) X(TABLE_GROW) X(TABLE_FILL) X(TABLE_COPY)      \
    X(TABLE_INIT) X(ELEM_DROP) X(REF_FUNC)                                                 \
    FL_INTERP_MEMOPS(X) FL_INTERP_MEMOPS(XA) FL_FMEM(X, _M) FL_FMEM(X, _MAI)               \
    X(MEMORY_SIZE) X(MEMORY_GROW) X(MEMORY_FILL) X(MEMORY_COPY) X(MEMORY_INIT) X(DATA_DROP) \
    FL_INTERP_UNOPS(X) FL_INTERP_BINOPS(X) FL_INTERP_IMMOPS(XI)                            \
    X(V_LOAD) X(V_LOAD_LANE) X(V_STORE) X(V_SPLAT) X(V_UN) X(V_BIN) X(V_TERN) X(V_EXTRACT)  \
    X(V_REPLACE) X(V_SHUFFLE) X(GLOBAL_GET_V) X(GLOBAL_SET_V)

/* Op numbers. */
#define FL_INTERP_ENUM(n) OP_##n,
#define FL_INTERP_ENUM_IMM(n) OP_##n##_IMM,
#define FL_INTERP_ENUM_AI(n) OP_##n##_AI,
enum fl_interp_op {
    FL_INTERP_OPS(FL_INTERP_ENUM, FL_INTERP_ENUM_IMM, FL_INTERP_ENUM_AI) OP_COUNT
};

/* Handler words indexed by op number: label offsets with computed goto, op
 * numbers with the switch loop. */
const int32_t *fl_interp_op_words(void);

/* Dispatch: one list of handlers expands either to labels or to cases. */
#if FL_INTERP_COMPUTED_GOTO
#define FL_HANDLER(n) L_##n:
/* Needs clang's tail duplication of the one indirect jump into every handler
 * (see the Makefile's flags for exec.o); otherwise all handlers share it. */
#define FL_DISPATCH() goto *(void *)((char *)&&L_UNREACHABLE + (int32_t)*ip)
#define FL_DISPATCH_BEGIN FL_DISPATCH();
#define FL_DISPATCH_END
#else
#define FL_HANDLER(n) case OP_##n:
#define FL_DISPATCH() goto dispatch
#define FL_DISPATCH_BEGIN dispatch: switch (*ip) {
#define FL_DISPATCH_END default: __builtin_unreachable(); }
#endif

/* One entry of the handler word table (see fl_interp_op_words). */
#if FL_INTERP_COMPUTED_GOTO
#define FL_WORD(n) (int32_t)((char *)&&L_##n - (char *)&&L_UNREACHABLE),
#else
#define FL_WORD(n) OP_##n,
#endif
#define FL_WORD_IMM(n) FL_WORD(n##_IMM)
#define FL_WORD_AI(n) FL_WORD(n##_AI)

/* Effective address of an access of `n` bytes at addr+off: guarded memory
 * relies on the reservation and the fault handler, otherwise check. */
#if FL_MEMORY_GUARDED
#define FL_MEM_EA(addr, off, n) (mem_base + (uint64_t)(addr) + (off))
#else
#define FL_MEM_EA(addr, off, n)                                                            \
    ({                                                                                     \
        uint64_t ea_ = (uint64_t)(addr) + (off);                                           \
        if (__builtin_expect(ea_ + (n) > mem->size, 0))                                    \
            goto trap_mem_oob;                                                             \
        mem_base + ea_;                                                                    \
    })
#endif

#endif
