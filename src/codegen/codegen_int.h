/*
 * codegen_int.h: what the generator's files share.  translate.c turns one
 * validated function body into LLVM IR in an LLVM module of its own
 * partition, with simd.c building the lanes of its 0xFD instructions;
 * emit.c splits a wasm module into partitions, runs them on
 * threads and links the objects into one shared object.
 */
#ifndef FL_CODEGEN_CODEGEN_INT_H
#define FL_CODEGEN_CODEGEN_INT_H

#include <llvm-c/Core.h>

#include "engine/decode.h"
#include "engine/module.h"

/* One partition's LLVM module and the types and declarations it reuses. */
typedef struct cg_module {
    const fl_module *m;
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMBuilderRef b;
    LLVMTypeRef i1, i8, i16, i32, i64, f32, f64, ptr, void_;
    /* a v128 is v128 (<2 x i64>) wherever it is kept; the other shapes are
     * bitcasts of it, made by the instruction that needs them */
    LLVMTypeRef v128, i8x16, i16x8, i32x4, f32x4, f64x2;
    LLVMTypeRef *functypes;  /* per module type: RET (ptr, ptr, PARAMS...), made on first use */
    LLVMValueRef *funcs;     /* per defined function: its f<i>, declared on first use */
    LLVMValueRef rt;         /* the helper table fl_aot_rt (abi.h), declared */
    LLVMValueRef natives;    /* [nfuncs x ptr] of every f<i>, declared */
    LLVMTypeRef rt_types[16]; /* each helper's LLVM function type, by position */
    unsigned md_invariant;   /* kind id of !invariant.load */
    unsigned md_wasm_load;   /* kind id marking loads from linear memory (they may trap): !{i32 id} */
    uint32_t nloads;         /* wasm loads so far: the next one's id */
    LLVMValueRef empty_md;
    bool bounds_checked;     /* explicit bounds checks (FL_MEMORY_GUARDED=0) */
    uint64_t *switch_cases;  /* br_table targets in the whole module so far (atomic) */
    bool *over_limit;        /* set when the module passes a limit of the generator */
} cg_module;

/* br_table targets a module may have in all: each becomes a switch case,
 * and LLVM's time and memory grow far faster than the interpreter's with
 * them (1000 tables of 65,520 took 40 s and 3.4 GB).  Past it the module
 * is left to the interpreter. */
#define CG_MAX_SWITCH_CASES (1u << 20)

/* Fills the partition's types and declarations.  Returns 0 or -1. */
int cg_module_init(cg_module *cg, const fl_module *m, LLVMContextRef ctx, const char *name);
void cg_module_dispose(cg_module *cg);

/* The LLVM function f<i> of defined function `def` (declared when first asked). */
LLVMValueRef cg_func(cg_module *cg, uint32_t def);

/* Defines f<def> from its body, and its entry e<def>.  Returns 0, or -1
 * with err filled (a body the generator does not handle, e.g. SIMD). */
int cg_translate(cg_module *cg, uint32_t def, fl_error *err);

/* Makes volatile every load of the (mem2reg'd) module whose value nothing
 * with an effect uses, so that LLVM keeps it and it still traps. */
void cg_keep_trapping_loads(cg_module *cg);

/* Given `probe`, a clone of cg->mod that LLVM simplified: makes volatile,
 * in cg->mod, every wasm load LLVM deleted from the probe (its value
 * folded away, or merged into an equal load: this cannot tell them apart).
 * Returns how many it marked. */
size_t cg_keep_folded_loads(cg_module *cg, LLVMModuleRef probe);

/* After optimisation: makes volatile every wasm load some user reads only
 * part of (a lane, the low bits), which the backend would narrow, so that
 * it still traps when its last bytes are out of bounds. */
void cg_keep_whole_loads(cg_module *cg);

/* A call of intrinsic `name` overloaded on types ts[0..nt), at cg->b. */
LLVMValueRef cg_intrinsic(cg_module *cg, const char *name, LLVMTypeRef *ts, unsigned nt,
                          LLVMValueRef *args, unsigned n);

/* v behind an empty asm, so LLVM cannot fold it: a float operation on it
 * still runs (and quiets a signalling NaN, as wasm wants). */
LLVMValueRef cg_opaque(cg_module *cg, LLVMValueRef v);

/* v, or v made opaque when it is a float constant (scalar or vector) LLVM
 * could fold away as an identity or whose NaN it would make otherwise than
 * the CPU does (a lane that is +-0, +-1, NaN or infinite). */
LLVMValueRef cg_opaque_identity(cg_module *cg, LLVMValueRef v);

/* The value of 0xFD instruction `in` (simd.c), one that touches no memory,
 * built at cg->b from its operands args[] (in wasm's order, as many as its
 * signature has; v128 ones as cg->v128).  Returns a v128 as cg->v128, or
 * NULL for an instruction it does not know. */
LLVMValueRef cg_simd(cg_module *cg, const fl_instr *in, LLVMValueRef *args);

/* The v128 that SIMD load `in` makes of `loaded`, the 1 << arg bytes it read
 * (an integer of that width, or a v128 for 16); `v` is a lane load's
 * v128 operand (else NULL). */
LLVMValueRef cg_simd_loaded(cg_module *cg, const fl_instr *in, LLVMValueRef loaded, LLVMValueRef v);

/* What SIMD store `in` writes of v128 `v`: all of it, or its lane as an
 * integer of the lane's width. */
LLVMValueRef cg_simd_stored(cg_module *cg, const fl_instr *in, LLVMValueRef v);

/* Defines the exported symbols in this partition: fl_aot_info (with `key`
 * and `cpu`), fl_aot_entries and the natives table.  Exactly one partition
 * calls it. */
void cg_define_tables(cg_module *cg, const uint8_t key[32], const char *cpu);

#endif
