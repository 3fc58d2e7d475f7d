/*
 * translate.c: one validated function body -> LLVM IR.
 *
 * A single pass over the instructions with a compile-time operand stack of
 * LLVM values: locals are allocas (mem2reg makes them SSA), a block's
 * results and a loop's parameters are phi nodes that every branch feeds,
 * code after an unconditional branch is skipped to its block's end.  Each
 * trap kind has one cold block per function that calls the runtime's trap
 * helper; the semantics mirror the interpreter's (src/interp/exec.c,
 * numeric.h) instruction by instruction.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/abi.h"
#include "codegen/codegen_int.h"
#include "engine/decode.h"
#include "engine/reader.h"

/* ---- the partition's module ---- */

int cg_module_init(cg_module *cg, const fl_module *m, LLVMContextRef ctx, const char *name) {
    memset(cg, 0, sizeof *cg);
    cg->m = m;
    cg->ctx = ctx;
    cg->mod = LLVMModuleCreateWithNameInContext(name, ctx);
    cg->b = LLVMCreateBuilderInContext(ctx);
    cg->i1 = LLVMInt1TypeInContext(ctx);
    cg->i8 = LLVMInt8TypeInContext(ctx);
    cg->i16 = LLVMInt16TypeInContext(ctx);
    cg->i32 = LLVMInt32TypeInContext(ctx);
    cg->i64 = LLVMInt64TypeInContext(ctx);
    cg->f32 = LLVMFloatTypeInContext(ctx);
    cg->f64 = LLVMDoubleTypeInContext(ctx);
    cg->ptr = LLVMPointerTypeInContext(ctx, 0);
    cg->void_ = LLVMVoidTypeInContext(ctx);
    cg->v128 = LLVMVectorType(cg->i64, 2);
    cg->i8x16 = LLVMVectorType(cg->i8, 16);
    cg->i16x8 = LLVMVectorType(cg->i16, 8);
    cg->i32x4 = LLVMVectorType(cg->i32, 4);
    cg->f32x4 = LLVMVectorType(cg->f32, 4);
    cg->f64x2 = LLVMVectorType(cg->f64, 2);
    cg->functypes = calloc(m->ntypes ? m->ntypes : 1, sizeof *cg->functypes);
    cg->funcs = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *cg->funcs);
    if (!cg->functypes || !cg->funcs)
        return -1;
    cg->bounds_checked = !FL_MEMORY_GUARDED;
    cg->md_invariant = LLVMGetMDKindIDInContext(ctx, "invariant.load", 14);
    cg->md_wasm_load = LLVMGetMDKindIDInContext(ctx, "faaslet.wasm_load", 17);
    cg->empty_md = LLVMMetadataAsValue(ctx, LLVMMDNodeInContext2(ctx, NULL, 0));

    /* the helper table, in fl_aot_rt's order */
    LLVMTypeRef P = cg->ptr, I = cg->i32, V = cg->void_;
    LLVMTypeRef trap[] = {P, I}, call[] = {P, P, P, P}, grow[] = {P, I}, fill[] = {P, P, I, I, I},
                minit[] = {P, P, I, I, I, I}, drop[] = {P, I}, tinit[] = {P, P, I, I, I, I, I},
                tgrow[] = {P, I, P, I}, tfill[] = {P, P, I, I, P, I};
    cg->rt_types[0] = LLVMFunctionType(V, trap, 2, 0);
    cg->rt_types[1] = LLVMFunctionType(V, call, 4, 0);
    cg->rt_types[2] = LLVMFunctionType(I, grow, 2, 0);
    cg->rt_types[3] = LLVMFunctionType(V, fill, 5, 0);
    cg->rt_types[4] = LLVMFunctionType(V, fill, 5, 0);
    cg->rt_types[5] = LLVMFunctionType(V, minit, 6, 0);
    cg->rt_types[6] = LLVMFunctionType(V, drop, 2, 0);
    cg->rt_types[7] = LLVMFunctionType(V, tinit, 7, 0);
    cg->rt_types[8] = LLVMFunctionType(V, drop, 2, 0);
    cg->rt_types[9] = LLVMFunctionType(V, tinit, 7, 0);
    cg->rt_types[10] = LLVMFunctionType(I, tgrow, 4, 0);
    cg->rt_types[11] = LLVMFunctionType(V, tfill, 6, 0);

    cg->rt = LLVMAddGlobal(cg->mod, LLVMArrayType(P, FL_AOT_RT_COUNT), FL_AOT_SYM_RT);
    cg->natives = LLVMAddGlobal(cg->mod, LLVMArrayType(P, m->nfuncs), "fl_natives");
    LLVMSetVisibility(cg->natives, LLVMHiddenVisibility);
    return 0;
}

void cg_module_dispose(cg_module *cg) {
    if (cg->b)
        LLVMDisposeBuilder(cg->b);
    if (cg->mod)
        LLVMDisposeModule(cg->mod);
    free(cg->functypes);
    free(cg->funcs);
    memset(cg, 0, sizeof *cg);
}

static LLVMTypeRef ltype(cg_module *cg, uint8_t vt) {
    switch (vt) {
    case FL_I32:
        return cg->i32;
    case FL_I64:
        return cg->i64;
    case FL_F32:
        return cg->f32;
    case FL_F64:
        return cg->f64;
    case FL_V128:
        return cg->v128;
    default:
        return cg->ptr; /* funcref, externref */
    }
}

static LLVMTypeRef ret_type(cg_module *cg, const fl_functype *t) {
    if (t->nresults == 0)
        return cg->void_;
    if (t->nresults == 1)
        return ltype(cg, t->results[0]);
    LLVMTypeRef el[t->nresults];
    for (uint32_t i = 0; i < t->nresults; i++)
        el[i] = ltype(cg, t->results[i]);
    return LLVMStructTypeInContext(cg->ctx, el, t->nresults, 0);
}

/* A value in an fl_value array (abi.h): at slot `at` (the widths of the
 * values before it), as one slot or a v128's two (bytes 0-7 first). */
static LLVMValueRef slot_ptr(cg_module *cg, LLVMValueRef array, uint32_t at) {
    LLVMValueRef idx = LLVMConstInt(cg->i64, at, 0);
    return LLVMBuildInBoundsGEP2(cg->b, cg->i64, array, &idx, 1, "");
}

static LLVMValueRef load_slot(cg_module *cg, uint8_t vt, LLVMValueRef array, uint32_t at) {
    LLVMValueRef v = LLVMBuildLoad2(cg->b, ltype(cg, vt), slot_ptr(cg, array, at), "");
    LLVMSetAlignment(v, 8); /* a v128's slots are 8-aligned only */
    return v;
}

static void store_slot(cg_module *cg, LLVMValueRef v, LLVMValueRef array, uint32_t at) {
    LLVMSetAlignment(LLVMBuildStore(cg->b, v, slot_ptr(cg, array, at)), 8);
}

/* Parameters of every function before the wasm ones: inst, ex, base. */
#define NHIDDEN 3

/* The LLVM type of a function of module type `ti`: RET (inst, ex, base,
 * PARAMS).  Memory 0's base travels in a register from call to call (it
 * never moves) rather than through three dependent loads at each entry. */
static LLVMTypeRef functype(cg_module *cg, uint32_t ti) {
    if (cg->functypes[ti])
        return cg->functypes[ti];
    const fl_functype *t = &cg->m->types[ti];
    LLVMTypeRef *ps = malloc((t->nparams + NHIDDEN) * sizeof *ps);
    ps[0] = cg->ptr;
    ps[1] = cg->ptr;
    ps[2] = cg->ptr;
    for (uint32_t i = 0; i < t->nparams; i++)
        ps[i + NHIDDEN] = ltype(cg, t->params[i]);
    cg->functypes[ti] = LLVMFunctionType(ret_type(cg, t), ps, t->nparams + NHIDDEN, 0);
    free(ps);
    return cg->functypes[ti];
}

static void add_fn_attr(cg_module *cg, LLVMValueRef fn, const char *name) {
    unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(cg->ctx, kind, 0));
}

LLVMValueRef cg_func(cg_module *cg, uint32_t def) {
    if (cg->funcs[def])
        return cg->funcs[def];
    char name[24];
    snprintf(name, sizeof name, "f%u", def);
    LLVMValueRef fn = LLVMAddFunction(cg->mod, name, functype(cg, cg->m->funcs[def].type_index));
    LLVMSetVisibility(fn, LLVMHiddenVisibility);
    add_fn_attr(cg, fn, "nounwind");
    /* an inlined copy of a load can lose its value (and its trap) in one
     * caller while the callee keeps it, out of the probe's sight (emit.c);
     * the producer inlined already, and CPython runs faster without */
    add_fn_attr(cg, fn, "noinline");
    cg->funcs[def] = fn;
    return fn;
}

/* ---- one function ---- */

enum { K_BLOCK, K_LOOP, K_IF, K_FUNC };

typedef struct frame {
    uint8_t kind;
    uint32_t height; /* operand stack height below the block's parameters */
    uint32_t np, nr;
    const uint8_t *pt, *rt;
    LLVMBasicBlockRef end_bb;  /* where the block continues (not for loops) */
    LLVMBasicBlockRef loop_bb; /* a loop's header */
    LLVMBasicBlockRef else_bb; /* an if's else, until `else` or `end` uses it */
    LLVMValueRef *phis;        /* end_bb's phis (nr), or the header's (np) */
    LLVMValueRef *params;      /* an if's parameters, for its else */
    uint32_t preds;            /* edges into end_bb so far */
} frame;

typedef struct fn {
    cg_module *cg;
    const fl_module *m;
    LLVMBuilderRef b;
    LLVMValueRef func, inst, ex;
    LLVMValueRef *locals;
    uint8_t *local_types;
    uint32_t nlocals;
    LLVMValueRef *stack;
    uint32_t sp, scap;
    frame *fr;
    uint32_t nfr, frcap;
    bool dead;
    uint32_t dead_depth;
    LLVMValueRef mem0, mem_base; /* memory 0's fl_memory and base, loaded at entry */
    LLVMBasicBlockRef trap_bb[FL_TRAP_COUNT];
    LLVMValueRef type_ids;      /* the module's type_ids, loaded on first use */
    LLVMBasicBlockRef entry_bb;
    fl_error *err;
    size_t offset; /* of the function body, for messages */
} fn;

static void push(fn *f, LLVMValueRef v) {
    if (f->sp == f->scap) {
        f->scap = f->scap ? 2 * f->scap : 64;
        f->stack = realloc(f->stack, f->scap * sizeof *f->stack);
    }
    f->stack[f->sp++] = v;
}

static LLVMValueRef pop(fn *f) { return f->stack[--f->sp]; }

static LLVMValueRef c32(fn *f, uint64_t v) { return LLVMConstInt(f->cg->i32, v, 0); }
static LLVMValueRef c64(fn *f, uint64_t v) { return LLVMConstInt(f->cg->i64, v, 0); }

/* A load at byte `off` of runtime structure `p`; invariant loads read what
 * never changes while an instance lives (its arrays, a memory's base). */
static LLVMValueRef load_at(fn *f, LLVMTypeRef t, LLVMValueRef p, size_t off, bool invariant) {
    LLVMValueRef a = p;
    if (off) {
        LLVMValueRef idx = c64(f, off);
        a = LLVMBuildInBoundsGEP2(f->b, f->cg->i8, p, &idx, 1, "");
    }
    LLVMValueRef v = LLVMBuildLoad2(f->b, t, a, "");
    if (invariant)
        LLVMSetMetadata(v, f->cg->md_invariant, f->cg->empty_md);
    return v;
}

static LLVMValueRef elem_ptr(fn *f, LLVMValueRef array, LLVMValueRef idx) {
    return LLVMBuildInBoundsGEP2(f->b, f->cg->ptr, array, &idx, 1, "");
}

/* Calls helper number `i` of fl_aot_rt. */
static LLVMValueRef call_rt(fn *f, unsigned i, LLVMValueRef *args, unsigned n) {
    LLVMValueRef idx[2] = {c64(f, 0), c64(f, i)};
    LLVMValueRef slot =
        LLVMBuildInBoundsGEP2(f->b, LLVMArrayType(f->cg->ptr, FL_AOT_RT_COUNT), f->cg->rt, idx, 2, "");
    LLVMValueRef fp = LLVMBuildLoad2(f->b, f->cg->ptr, slot, "");
    return LLVMBuildCall2(f->b, f->cg->rt_types[i], fp, args, n, "");
}

/* The block that ends the call with `trap` (one per kind and function). */
static LLVMBasicBlockRef trap_block(fn *f, fl_trap trap) {
    if (f->trap_bb[trap])
        return f->trap_bb[trap];
    LLVMBasicBlockRef here = LLVMGetInsertBlock(f->b);
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(f->cg->ctx, f->func, "trap");
    LLVMPositionBuilderAtEnd(f->b, bb);
    LLVMValueRef args[2] = {f->ex, c32(f, trap)};
    LLVMValueRef call = call_rt(f, 0, args, 2);
    unsigned noreturn = LLVMGetEnumAttributeKindForName("noreturn", 8);
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
                             LLVMCreateEnumAttribute(f->cg->ctx, noreturn, 0));
    LLVMBuildUnreachable(f->b);
    LLVMPositionBuilderAtEnd(f->b, here);
    f->trap_bb[trap] = bb;
    return bb;
}

/* Traps with `trap` when i1 `cond` holds; code goes on after it. */
static void trap_if(fn *f, LLVMValueRef cond, fl_trap trap) {
    LLVMBasicBlockRef tb = trap_block(f, trap);
    LLVMBasicBlockRef cont = LLVMAppendBasicBlockInContext(f->cg->ctx, f->func, "");
    LLVMBuildCondBr(f->b, cond, tb, cont);
    LLVMPositionBuilderAtEnd(f->b, cont);
}

static void trap_now(fn *f, fl_trap trap) { LLVMBuildBr(f->b, trap_block(f, trap)); }

LLVMValueRef cg_intrinsic(cg_module *cg, const char *name, LLVMTypeRef *ts, unsigned nt,
                          LLVMValueRef *args, unsigned n) {
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMValueRef decl = LLVMGetIntrinsicDeclaration(cg->mod, id, ts, nt);
    LLVMTypeRef ty = LLVMIntrinsicGetType(cg->ctx, id, ts, nt);
    return LLVMBuildCall2(cg->b, ty, decl, args, n, "");
}

static LLVMValueRef intrinsic1(fn *f, const char *name, LLVMValueRef a) {
    LLVMTypeRef t = LLVMTypeOf(a);
    return cg_intrinsic(f->cg, name, &t, 1, &a, 1);
}

static LLVMValueRef intrinsic2(fn *f, const char *name, LLVMValueRef a, LLVMValueRef b) {
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef args[2] = {a, b};
    return cg_intrinsic(f->cg, name, &t, 1, args, 2);
}

static LLVMValueRef bool_i32(fn *f, LLVMValueRef i1) { return LLVMBuildZExt(f->b, i1, f->cg->i32, ""); }

/* ---- control ---- */

static frame *push_frame(fn *f, uint8_t kind, uint32_t np, const uint8_t *pt, uint32_t nr,
                         const uint8_t *rt) {
    if (f->nfr == f->frcap) {
        f->frcap = f->frcap ? 2 * f->frcap : 16;
        f->fr = realloc(f->fr, f->frcap * sizeof *f->fr);
    }
    frame *fr = &f->fr[f->nfr++];
    memset(fr, 0, sizeof *fr);
    fr->kind = kind;
    fr->np = np;
    fr->pt = pt;
    fr->nr = nr;
    fr->rt = rt;
    fr->height = f->sp - np;
    if (kind != K_LOOP) {
        LLVMBasicBlockRef here = LLVMGetInsertBlock(f->b);
        fr->end_bb = LLVMAppendBasicBlockInContext(f->cg->ctx, f->func, "end");
        LLVMPositionBuilderAtEnd(f->b, fr->end_bb);
        fr->phis = malloc((nr ? nr : 1) * sizeof *fr->phis);
        for (uint32_t i = 0; i < nr; i++)
            fr->phis[i] = LLVMBuildPhi(f->b, ltype(f->cg, rt[i]), "");
        LLVMPositionBuilderAtEnd(f->b, here);
    }
    return fr;
}

static void free_frame(frame *fr) {
    free(fr->phis);
    free(fr->params);
}

/* A branch from the current block to frame `fr`'s label, carrying the top
 * values of the stack (not popped). */
static void add_edge(fn *f, frame *fr) {
    LLVMBasicBlockRef from = LLVMGetInsertBlock(f->b);
    uint32_t n = fr->kind == K_LOOP ? fr->np : fr->nr;
    for (uint32_t i = 0; i < n; i++) {
        LLVMValueRef v = f->stack[f->sp - n + i];
        LLVMAddIncoming(fr->phis[i], &v, &from, 1);
    }
    if (fr->kind != K_LOOP)
        fr->preds++;
}

static LLVMBasicBlockRef label_bb(frame *fr) { return fr->kind == K_LOOP ? fr->loop_bb : fr->end_bb; }

static void set_dead(fn *f) {
    f->dead = true;
    f->dead_depth = 0;
}

/* The end of the innermost frame (reached live or not). */
static void end_frame(fn *f) {
    frame *fr = &f->fr[f->nfr - 1];
    if (fr->kind == K_LOOP) {
        /* the results are on the stack already; a dead end stays dead */
        free_frame(fr);
        f->nfr--;
        return;
    }
    if (!f->dead) {
        add_edge(f, fr);
        LLVMBuildBr(f->b, fr->end_bb);
    }
    if (fr->kind == K_IF && fr->else_bb) {
        /* no else: the parameters go through unchanged */
        LLVMPositionBuilderAtEnd(f->b, fr->else_bb);
        f->sp = fr->height;
        for (uint32_t i = 0; i < fr->np; i++)
            push(f, fr->params[i]);
        add_edge(f, fr);
        LLVMBuildBr(f->b, fr->end_bb);
    }
    f->sp = fr->height;
    if (fr->preds == 0) {
        /* nothing reaches the end: what follows is dead */
        for (uint32_t i = 0; i < fr->nr; i++)
            LLVMInstructionEraseFromParent(fr->phis[i]);
        LLVMDeleteBasicBlock(fr->end_bb);
        set_dead(f);
    } else {
        LLVMPositionBuilderAtEnd(f->b, fr->end_bb);
        for (uint32_t i = 0; i < fr->nr; i++)
            push(f, fr->phis[i]);
        f->dead = false;
    }
    free_frame(fr);
    f->nfr--;
}

static void do_else(fn *f) {
    frame *fr = &f->fr[f->nfr - 1];
    if (!f->dead) {
        add_edge(f, fr);
        LLVMBuildBr(f->b, fr->end_bb);
    }
    f->sp = fr->height;
    for (uint32_t i = 0; i < fr->np; i++)
        push(f, fr->params[i]);
    LLVMPositionBuilderAtEnd(f->b, fr->else_bb);
    fr->else_bb = NULL;
    f->dead = false;
}

/* The block type of a block/loop/if: parameter and result types. */
static void blocktype(fn *f, int64_t bt, uint32_t *np, const uint8_t **pt, uint32_t *nr,
                      const uint8_t **rt) {
    static const uint8_t self[128] = {[0x7f] = FL_I32, [0x7e] = FL_I64, [0x7d] = FL_F32,
                                      [0x7c] = FL_F64, [0x7b] = FL_V128, [0x70] = FL_FUNCREF,
                                      [0x6f] = FL_EXTERNREF};
    *np = *nr = 0;
    *pt = *rt = NULL;
    if (bt == -64)
        return;
    if (bt < 0) {
        *nr = 1;
        *rt = &self[bt & 0x7f];
        return;
    }
    const fl_functype *t = &f->m->types[bt];
    *np = t->nparams;
    *pt = t->params;
    *nr = t->nresults;
    *rt = t->results;
}

/* ---- memory ---- */

/* The address of an access of `size` bytes at index `idx` (i32) + offset. */
static LLVMValueRef mem_addr(fn *f, LLVMValueRef idx, uint32_t offset, uint32_t size) {
    LLVMValueRef ea = LLVMBuildZExt(f->b, idx, f->cg->i64, "");
    if (offset)
        ea = LLVMBuildAdd(f->b, ea, c64(f, offset), "");
    if (f->cg->bounds_checked) {
        LLVMValueRef end = LLVMBuildAdd(f->b, ea, c64(f, size), "");
        LLVMValueRef bytes = load_at(f, f->cg->i64, f->mem0, offsetof(fl_memory, size), false);
        trap_if(f, LLVMBuildICmp(f->b, LLVMIntUGT, end, bytes, ""), FL_TRAP_MEMORY_OOB);
    }
    return LLVMBuildGEP2(f->b, f->cg->i8, f->mem_base, &ea, 1, "");
}

/* A load from linear memory, marked with its id for the probe (emit.c). */
static LLVMValueRef wasm_load(fn *f, LLVMTypeRef t, LLVMValueRef addr) {
    LLVMValueRef v = LLVMBuildLoad2(f->b, t, addr, "");
    LLVMSetAlignment(v, 1);
    LLVMMetadataRef id = LLVMValueAsMetadata(c32(f, f->cg->nloads++));
    LLVMMetadataRef node = LLVMMDNodeInContext2(f->cg->ctx, &id, 1);
    LLVMSetMetadata(v, f->cg->md_wasm_load, LLVMMetadataAsValue(f->cg->ctx, node));
    return v;
}

static void do_load(fn *f, LLVMTypeRef mt, LLVMTypeRef rt, int ext, uint32_t offset, uint32_t size) {
    LLVMValueRef v = wasm_load(f, mt, mem_addr(f, pop(f), offset, size));
    if (ext > 0)
        v = LLVMBuildSExt(f->b, v, rt, "");
    else if (ext < 0)
        v = LLVMBuildZExt(f->b, v, rt, "");
    push(f, v);
}

static void do_store(fn *f, LLVMTypeRef mt, uint32_t offset, uint32_t size) {
    LLVMValueRef v = pop(f);
    LLVMValueRef a = mem_addr(f, pop(f), offset, size);
    if (LLVMTypeOf(v) != mt)
        v = LLVMBuildTrunc(f->b, v, mt, "");
    LLVMValueRef s = LLVMBuildStore(f->b, v, a);
    LLVMSetAlignment(s, 1);
}

/* A SIMD load or store (v128.load*, v128.store, the lane forms): it
 * accesses the 1 << arg bytes (simd_opcodes.def) at its memarg, which
 * simd.c makes a v128 of or takes from one. */
static void simd_memory(fn *f, const fl_instr *in) {
    cg_module *cg = f->cg;
    uint32_t size = 1u << fl_simd_opinfo_table[in->simd].arg;
    LLVMTypeRef mt = size == 16 ? cg->v128 : LLVMIntTypeInContext(cg->ctx, size * 8);
    switch (in->simd) {
    case FL_SIMD_V128_STORE:
    case FL_SIMD_V128_STORE8_LANE:
    case FL_SIMD_V128_STORE16_LANE:
    case FL_SIMD_V128_STORE32_LANE:
    case FL_SIMD_V128_STORE64_LANE: {
        LLVMValueRef v = pop(f);
        LLVMValueRef a = mem_addr(f, pop(f), in->b, size);
        LLVMSetAlignment(LLVMBuildStore(f->b, cg_simd_stored(cg, in, v), a), 1);
        return;
    }
    case FL_SIMD_V128_LOAD8_LANE:
    case FL_SIMD_V128_LOAD16_LANE:
    case FL_SIMD_V128_LOAD32_LANE:
    case FL_SIMD_V128_LOAD64_LANE: {
        LLVMValueRef v = pop(f);
        LLVMValueRef x = wasm_load(f, mt, mem_addr(f, pop(f), in->b, size));
        push(f, cg_simd_loaded(cg, in, x, v));
        return;
    }
    default:
        push(f, cg_simd_loaded(cg, in, wasm_load(f, mt, mem_addr(f, pop(f), in->b, size)), NULL));
        return;
    }
}

/* Any other 0xFD instruction: its operands to simd.c, its one result back.
 * Returns 0, or -1 with f->err filled. */
static int simd(fn *f, const fl_instr *in) {
    const fl_simd_opinfo *info = &fl_simd_opinfo_table[in->simd];
    if (info->imm == IMM_MEMARG || info->imm == IMM_MEMARG_LANE) {
        simd_memory(f, in);
        return 0;
    }
    uint32_t n = (uint32_t)(strchr(info->sig, ':') - info->sig);
    LLVMValueRef args[3];
    for (uint32_t i = 0; i < n; i++)
        args[i] = f->stack[f->sp - n + i];
    LLVMValueRef r = cg_simd(f->cg, in, args);
    if (!r)
        return fl_error_set(f->err, in->offset, "%s not supported by codegen", info->name);
    f->sp -= n;
    push(f, r);
    return 0;
}

/* ---- numerics ---- */

static LLVMValueRef shift_count(fn *f, LLVMValueRef b, bool is64) {
    return LLVMBuildAnd(f->b, b, is64 ? c64(f, 63) : c32(f, 31), "");
}

static void int_div(fn *f, int op, bool is64) {
    LLVMValueRef b = pop(f), a = pop(f);
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef zero = LLVMConstInt(t, 0, 0), minus1 = LLVMConstAllOnes(t);
    trap_if(f, LLVMBuildICmp(f->b, LLVMIntEQ, b, zero, ""), FL_TRAP_DIV_ZERO);
    LLVMValueRef r;
    switch (op) {
    case 0: { /* div_s */
        LLVMValueRef min = LLVMConstInt(t, is64 ? 1ull << 63 : 1ull << 31, 0);
        LLVMValueRef ovf = LLVMBuildAnd(f->b, LLVMBuildICmp(f->b, LLVMIntEQ, a, min, ""),
                                        LLVMBuildICmp(f->b, LLVMIntEQ, b, minus1, ""), "");
        trap_if(f, ovf, FL_TRAP_INT_OVERFLOW);
        r = LLVMBuildSDiv(f->b, a, b, "");
        break;
    }
    case 1:
        r = LLVMBuildUDiv(f->b, a, b, "");
        break;
    case 2: { /* rem_s: x % -1 is 0 (srem would overflow on INT_MIN) */
        LLVMValueRef is_m1 = LLVMBuildICmp(f->b, LLVMIntEQ, b, minus1, "");
        LLVMValueRef safe = LLVMBuildSelect(f->b, is_m1, LLVMConstInt(t, 1, 0), b, "");
        r = LLVMBuildSRem(f->b, a, safe, "");
        break;
    }
    default:
        r = LLVMBuildURem(f->b, a, b, "");
        break;
    }
    push(f, r);
}

/* A trapping float -> int truncation: NaN is an invalid conversion, a
 * value outside (lo, hi) (or [lo, hi) when lo_incl) an overflow. */
static void trunc_trap(fn *f, LLVMTypeRef to, bool is_signed, double lo, bool lo_incl, double hi) {
    LLVMValueRef x = pop(f);
    LLVMTypeRef ft = LLVMTypeOf(x);
    trap_if(f, LLVMBuildFCmp(f->b, LLVMRealUNO, x, x, ""), FL_TRAP_INVALID_CONVERSION);
    LLVMValueRef above = LLVMBuildFCmp(f->b, lo_incl ? LLVMRealOGE : LLVMRealOGT, x,
                                       LLVMConstReal(ft, lo), "");
    LLVMValueRef below = LLVMBuildFCmp(f->b, LLVMRealOLT, x, LLVMConstReal(ft, hi), "");
    trap_if(f, LLVMBuildNot(f->b, LLVMBuildAnd(f->b, above, below, ""), ""), FL_TRAP_INT_OVERFLOW);
    push(f, is_signed ? LLVMBuildFPToSI(f->b, x, to, "") : LLVMBuildFPToUI(f->b, x, to, ""));
}

static void trunc_sat(fn *f, LLVMTypeRef to, bool is_signed) {
    LLVMValueRef x = pop(f);
    LLVMTypeRef ts[2] = {to, LLVMTypeOf(x)};
    push(f, cg_intrinsic(f->cg, is_signed ? "llvm.fptosi.sat" : "llvm.fptoui.sat", ts, 2, &x, 1));
}

static LLVMValueRef float_const(fn *f, LLVMTypeRef ft, uint64_t bits) {
    LLVMTypeRef it = ft == f->cg->f32 ? f->cg->i32 : f->cg->i64;
    return LLVMConstBitCast(LLVMConstInt(it, bits, 0), ft);
}

/* ---- calls ---- */

/* Pops a call's arguments into args[NHIDDEN..] (after inst, ex, base). */
static void pop_args(fn *f, const fl_functype *t, LLVMValueRef *args) {
    args[0] = f->inst;
    args[1] = f->ex;
    args[2] = f->mem_base;
    f->sp -= t->nparams;
    for (uint32_t i = 0; i < t->nparams; i++)
        args[i + NHIDDEN] = f->stack[f->sp + i];
}

static void push_results(fn *f, const fl_functype *t, LLVMValueRef r) {
    if (t->nresults == 1)
        push(f, r);
    else
        for (uint32_t i = 0; i < t->nresults; i++)
            push(f, LLVMBuildExtractValue(f->b, r, i, ""));
}

/* A call through the runtime (`callee` an fl_funcinst *): arguments and
 * results in a slot array on the stack. */
static void call_slow(fn *f, const fl_functype *t, LLVMValueRef callee, LLVMValueRef *args) {
    uint32_t n = t->param_slots > t->result_slots ? t->param_slots : t->result_slots;
    LLVMTypeRef st = LLVMArrayType(f->cg->i64, n ? n : 1);
    LLVMBasicBlockRef here = LLVMGetInsertBlock(f->b);
    LLVMPositionBuilderBefore(f->b, LLVMGetFirstInstruction(f->entry_bb));
    LLVMValueRef slots = LLVMBuildAlloca(f->b, st, "slots");
    LLVMSetAlignment(slots, 16);
    LLVMPositionBuilderAtEnd(f->b, here);
    for (uint32_t i = 0, at = 0; i < t->nparams; at += fl_valtype_slots(t->params[i++]))
        store_slot(f->cg, args[i + NHIDDEN], slots, at);
    LLVMValueRef rargs[4] = {f->inst, f->ex, callee, slots};
    call_rt(f, 1, rargs, 4);
    for (uint32_t i = 0, at = 0; i < t->nresults; at += fl_valtype_slots(t->results[i++]))
        push(f, load_slot(f->cg, t->results[i], slots, at));
}

static LLVMValueRef inst_array(fn *f, size_t off) { return load_at(f, f->cg->ptr, f->inst, off, true); }

static LLVMValueRef funcinst(fn *f, LLVMValueRef idx) {
    LLVMValueRef funcs = inst_array(f, offsetof(fl_instance, funcs));
    LLVMValueRef v = LLVMBuildLoad2(f->b, f->cg->ptr, elem_ptr(f, funcs, idx), "");
    LLVMSetMetadata(v, f->cg->md_invariant, f->cg->empty_md);
    return v;
}

static void do_call(fn *f, uint32_t index) {
    const fl_module *m = f->m;
    uint32_t ti = m->func_type_indices[index];
    const fl_functype *t = &m->types[ti];
    LLVMValueRef *args = malloc((t->nparams + NHIDDEN) * sizeof *args);
    pop_args(f, t, args);
    if (index < m->nimported_funcs) {
        call_slow(f, t, funcinst(f, c32(f, index)), args);
    } else {
        uint32_t def = index - m->nimported_funcs;
        LLVMValueRef r = LLVMBuildCall2(f->b, functype(f->cg, ti), cg_func(f->cg, def), args,
                                        t->nparams + NHIDDEN, "");
        push_results(f, t, r);
    }
    free(args);
}

static LLVMValueRef table_ptr(fn *f, uint32_t ti) {
    LLVMValueRef tables = inst_array(f, offsetof(fl_instance, tables));
    LLVMValueRef v = LLVMBuildLoad2(f->b, f->cg->ptr, elem_ptr(f, tables, c32(f, ti)), "");
    LLVMSetMetadata(v, f->cg->md_invariant, f->cg->empty_md);
    return v;
}

static void do_call_indirect(fn *f, uint32_t ti, uint32_t table) {
    const fl_functype *t = &f->m->types[ti];
    LLVMValueRef i = pop(f);
    LLVMValueRef *args = malloc((t->nparams + NHIDDEN) * sizeof *args);
    pop_args(f, t, args);
    LLVMValueRef tab = table_ptr(f, table);
    LLVMValueRef size = load_at(f, f->cg->i32, tab, offsetof(fl_table, size), false);
    trap_if(f, LLVMBuildICmp(f->b, LLVMIntUGE, i, size, ""), FL_TRAP_UNDEFINED_ELEMENT);
    LLVMValueRef elems = load_at(f, f->cg->ptr, tab, offsetof(fl_table, elems), false);
    LLVMValueRef callee = LLVMBuildLoad2(f->b, f->cg->ptr, elem_ptr(f, elems, i), "");
    trap_if(f, LLVMBuildIsNull(f->b, callee, ""), FL_TRAP_UNINITIALIZED);
    if (!f->type_ids) {
        /* loaded in the entry block: invariant, dominates every use */
        LLVMBasicBlockRef here = LLVMGetInsertBlock(f->b);
        LLVMPositionBuilderBefore(f->b, LLVMGetLastInstruction(f->entry_bb));
        LLVMValueRef mod = load_at(f, f->cg->ptr, f->inst, offsetof(fl_instance, module), true);
        f->type_ids = load_at(f, f->cg->ptr, mod, offsetof(fl_module, type_ids), true);
        LLVMPositionBuilderAtEnd(f->b, here);
    }
    LLVMValueRef idx = c64(f, ti);
    LLVMValueRef want_at = LLVMBuildInBoundsGEP2(f->b, f->cg->i32, f->type_ids, &idx, 1, "");
    LLVMValueRef want = LLVMBuildLoad2(f->b, f->cg->i32, want_at, "");
    LLVMSetMetadata(want, f->cg->md_invariant, f->cg->empty_md);
    LLVMValueRef have = load_at(f, f->cg->i32, callee, offsetof(fl_funcinst, type_id), true);
    trap_if(f, LLVMBuildICmp(f->b, LLVMIntNE, have, want, ""), FL_TRAP_INDIRECT_TYPE);

    /* this instance's function: straight to its machine code */
    LLVMValueRef owner = load_at(f, f->cg->ptr, callee, offsetof(fl_funcinst, instance), true);
    LLVMBasicBlockRef fast = LLVMAppendBasicBlockInContext(f->cg->ctx, f->func, "");
    LLVMBasicBlockRef slow = LLVMAppendBasicBlockInContext(f->cg->ctx, f->func, "");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(f->cg->ctx, f->func, "");
    LLVMBuildCondBr(f->b, LLVMBuildICmp(f->b, LLVMIntEQ, owner, f->inst, ""), fast, slow);

    LLVMPositionBuilderAtEnd(f->b, fast);
    LLVMValueRef def = load_at(f, f->cg->i32, callee, offsetof(fl_funcinst, def_index), true);
    LLVMValueRef nidx[2] = {c64(f, 0), LLVMBuildZExt(f->b, def, f->cg->i64, "")};
    LLVMValueRef nat_at = LLVMBuildInBoundsGEP2(
        f->b, LLVMArrayType(f->cg->ptr, f->m->nfuncs), f->cg->natives, nidx, 2, "");
    LLVMValueRef nat = LLVMBuildLoad2(f->b, f->cg->ptr, nat_at, "");
    LLVMSetMetadata(nat, f->cg->md_invariant, f->cg->empty_md);
    LLVMValueRef r = LLVMBuildCall2(f->b, functype(f->cg, ti), nat, args, t->nparams + NHIDDEN, "");
    uint32_t base = f->sp;
    push_results(f, t, r);
    LLVMBasicBlockRef fast_end = LLVMGetInsertBlock(f->b);
    LLVMBuildBr(f->b, join);

    LLVMPositionBuilderAtEnd(f->b, slow);
    call_slow(f, t, callee, args);
    LLVMBasicBlockRef slow_end = LLVMGetInsertBlock(f->b);
    LLVMBuildBr(f->b, join);

    LLVMPositionBuilderAtEnd(f->b, join);
    for (uint32_t k = 0; k < t->nresults; k++) {
        LLVMValueRef phi = LLVMBuildPhi(f->b, ltype(f->cg, t->results[k]), "");
        LLVMValueRef vals[2] = {f->stack[base + k], f->stack[base + t->nresults + k]};
        LLVMBasicBlockRef bbs[2] = {fast_end, slow_end};
        LLVMAddIncoming(phi, vals, bbs, 2);
        f->stack[base + k] = phi;
    }
    f->sp = base + t->nresults;
    free(args);
}

/* ---- globals and tables ---- */

static LLVMValueRef global_ptr(fn *f, uint32_t g) {
    LLVMValueRef globals = inst_array(f, offsetof(fl_instance, globals));
    LLVMValueRef v = LLVMBuildLoad2(f->b, f->cg->ptr, elem_ptr(f, globals, c32(f, g)), "");
    LLVMSetMetadata(v, f->cg->md_invariant, f->cg->empty_md);
    return v; /* fl_global: its value is first (a v128's 16 bytes there) */
}

/* ---- the body ---- */

static void binop(fn *f, LLVMValueRef (*build)(LLVMBuilderRef, LLVMValueRef, LLVMValueRef, const char *)) {
    LLVMValueRef b = pop(f), a = pop(f);
    push(f, build(f->b, a, b, ""));
}

/* A dropped value's loads still trap when out of bounds: LLVM may delete
 * an unused load, so the loads an unused value was computed from (a few
 * levels deep) become volatile, which it keeps. */
static void keep_loads(fn *f, LLVMValueRef v, int depth) {
    if (!LLVMIsAInstruction(v) || depth == 0)
        return;
    if (LLVMIsALoadInst(v)) {
        LLVMSetVolatile(v, 1);
        return;
    }
    if (LLVMIsAPHINode(v) || LLVMIsACallInst(v))
        return;
    int n = LLVMGetNumOperands(v);
    for (int i = 0; i < n; i++)
        keep_loads(f, LLVMGetOperand(v, (unsigned)i), depth - 1);
}

/* A constant LLVM would fold away as an identity (x+-0, x-0, x*1, x/1,
 * x/-1, -0-x), hidden behind an empty asm: the operation then still runs
 * and quiets a signalling NaN, as wasm requires (and the interpreter
 * does).  NaN and infinite constants too: LLVM folds c - NaN, inf - inf
 * or 0 * inf to a NaN of another sign or payload than the CPU makes (the
 * interpreter's), which a store would show.  Real code rarely holds such
 * constants in arithmetic, so this costs nothing. */
LLVMValueRef cg_opaque(cg_module *cg, LLVMValueRef v) {
    LLVMTypeRef t = LLVMTypeOf(v);
    LLVMTypeRef ft = LLVMFunctionType(t, &t, 1, 0);
    LLVMValueRef asm_ = LLVMGetInlineAsm(ft, "", 0, "=x,0", 4, 0, 0, LLVMInlineAsmDialectATT, 0);
    return LLVMBuildCall2(cg->b, ft, asm_, &v, 1, "");
}

static bool foldable_fp(LLVMValueRef c) {
    LLVMBool lost;
    double d = LLVMConstRealGetDouble(c, &lost);
    return d == 0.0 || d == 1.0 || d == -1.0 || isnan(d) || isinf(d);
}

LLVMValueRef cg_opaque_identity(cg_module *cg, LLVMValueRef v) {
    LLVMTypeRef t = LLVMTypeOf(v);
    if (LLVMGetTypeKind(t) != LLVMVectorTypeKind)
        return LLVMIsAConstantFP(v) && foldable_fp(v) ? cg_opaque(cg, v) : v;
    if (!LLVMIsAConstant(v))
        return v;
    /* a vector: any such lane (or lanes it cannot read) */
    for (unsigned i = 0, n = LLVMGetVectorSize(t); i < n; i++) {
        LLVMValueRef e = LLVMGetAggregateElement(v, i);
        if (!e || !LLVMIsAConstantFP(e) || foldable_fp(e))
            return cg_opaque(cg, v);
    }
    return v;
}

static void float_binop(fn *f,
                        LLVMValueRef (*build)(LLVMBuilderRef, LLVMValueRef, LLVMValueRef, const char *)) {
    LLVMValueRef b = cg_opaque_identity(f->cg, pop(f)), a = cg_opaque_identity(f->cg, pop(f));
    push(f, build(f->b, a, b, ""));
}

/* min/max: LLVM's minimum/maximum give -0 < +0 and propagate a NaN, but
 * as it came (signalling stays signalling); wasm wants it quiet, so a NaN
 * operand gives a + b, as in the interpreter. */
static void min_max(fn *f, const char *name) {
    LLVMValueRef b = pop(f), a = pop(f);
    LLVMValueRef r = intrinsic2(f, name, a, b);
    LLVMValueRef nan = LLVMBuildFCmp(f->b, LLVMRealUNO, a, b, "");
    push(f, LLVMBuildSelect(f->b, nan, LLVMBuildFAdd(f->b, a, b, ""), r, ""));
}

static void icmp(fn *f, LLVMIntPredicate p) {
    LLVMValueRef b = pop(f), a = pop(f);
    push(f, bool_i32(f, LLVMBuildICmp(f->b, p, a, b, "")));
}

static void fcmp(fn *f, LLVMRealPredicate p) {
    LLVMValueRef b = pop(f), a = pop(f);
    push(f, bool_i32(f, LLVMBuildFCmp(f->b, p, a, b, "")));
}

static void unop_intrinsic(fn *f, const char *name) { push(f, intrinsic1(f, name, pop(f))); }

static void binop_intrinsic(fn *f, const char *name) {
    LLVMValueRef b = pop(f), a = pop(f);
    push(f, intrinsic2(f, name, a, b));
}

static void bitcount(fn *f, const char *name) {
    LLVMValueRef a = pop(f);
    if (!strcmp(name, "llvm.ctpop")) {
        push(f, intrinsic1(f, name, a));
        return;
    }
    LLVMValueRef args[2] = {a, LLVMConstInt(f->cg->i1, 0, 0)};
    LLVMTypeRef t = LLVMTypeOf(a);
    push(f, cg_intrinsic(f->cg, name, &t, 1, args, 2));
}

static void rotate(fn *f, const char *name) {
    LLVMValueRef b = pop(f), a = pop(f);
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef args[3] = {a, a, b};
    push(f, cg_intrinsic(f->cg, name, &t, 1, args, 3));
}

static void shift(fn *f, LLVMOpcode opc, bool is64) {
    LLVMValueRef b = pop(f), a = pop(f);
    push(f, LLVMBuildBinOp(f->b, opc, a, shift_count(f, b, is64), ""));
}

static void convert(fn *f, LLVMOpcode opc, LLVMTypeRef to) {
    push(f, LLVMBuildCast(f->b, opc, pop(f), to, ""));
}

static void extend_n(fn *f, LLVMTypeRef narrow, LLVMTypeRef to) {
    LLVMValueRef a = pop(f);
    push(f, LLVMBuildSExt(f->b, LLVMBuildTrunc(f->b, a, narrow, ""), to, ""));
}

static int body(fn *f, const fl_func *fd) {
    cg_module *cg = f->cg;
    const fl_module *m = f->m;
    fl_reader r = {fd->code, fd->code + fd->code_len, m->binary};
    /* the binary may be another buffer than the one offsets count from */
    if (!(fd->code >= m->binary && fd->code <= m->binary + m->binary_len))
        r.base = fd->code;
    uint32_t *labels = NULL, nlabels = 0, lcap = 0;
    int rc = -1;
    for (;;) {
        if (r.pos >= r.end) {
            if (f->nfr == 0)
                break;
            fl_error_set(f->err, fl_reader_offset(&r), "unexpected end");
            goto out;
        }
        fl_instr in;
        if (fl_read_instr(&r, &in, f->err) < 0)
            goto out;
        uint32_t op = in.op;
        struct {
            uint32_t a, b;
            int64_t s;
            uint64_t bits;
        } im = {in.a, in.b, in.blocktype, in.bits};
        if (op == FL_OP_BR_TABLE) {
            /* its labels, then the default (in.a) last */
            if (in.count + 1 > lcap) {
                lcap = in.count + 1;
                labels = realloc(labels, lcap * sizeof *labels);
            }
            fl_reader lr = {in.vec, r.pos, r.base};
            for (uint32_t k = 0; k < in.count; k++)
                if (fl_read_u32(&lr, &labels[k], f->err) < 0)
                    goto out;
            labels[in.count] = in.a;
            nlabels = in.count;
        }

        if (f->dead) {
            if (op == FL_OP_BLOCK || op == FL_OP_LOOP || op == FL_OP_IF)
                f->dead_depth++;
            else if (op == FL_OP_ELSE && f->dead_depth == 0)
                do_else(f);
            else if (op == FL_OP_END) {
                if (f->dead_depth == 0)
                    end_frame(f);
                else
                    f->dead_depth--;
            }
            continue;
        }

        switch (op) {
        case FL_OP_SIMD:
            if (simd(f, &in) < 0)
                goto out;
            break;

        /* control */
        case FL_OP_UNREACHABLE:
            trap_now(f, FL_TRAP_UNREACHABLE);
            set_dead(f);
            break;
        case FL_OP_NOP:
            break;
        case FL_OP_BLOCK: {
            uint32_t np, nr;
            const uint8_t *pt, *rt;
            blocktype(f, im.s, &np, &pt, &nr, &rt);
            push_frame(f, K_BLOCK, np, pt, nr, rt);
            break;
        }
        case FL_OP_LOOP: {
            uint32_t np, nr;
            const uint8_t *pt, *rt;
            blocktype(f, im.s, &np, &pt, &nr, &rt);
            frame *fr = push_frame(f, K_LOOP, np, pt, nr, rt);
            fr->loop_bb = LLVMAppendBasicBlockInContext(cg->ctx, f->func, "loop");
            LLVMBuildBr(f->b, fr->loop_bb);
            LLVMBasicBlockRef from = LLVMGetInsertBlock(f->b);
            LLVMPositionBuilderAtEnd(f->b, fr->loop_bb);
            fr->phis = malloc((np ? np : 1) * sizeof *fr->phis);
            for (uint32_t i = 0; i < np; i++) {
                LLVMValueRef v = f->stack[fr->height + i];
                fr->phis[i] = LLVMBuildPhi(f->b, ltype(cg, pt[i]), "");
                LLVMAddIncoming(fr->phis[i], &v, &from, 1);
                f->stack[fr->height + i] = fr->phis[i];
            }
            break;
        }
        case FL_OP_IF: {
            uint32_t np, nr;
            const uint8_t *pt, *rt;
            blocktype(f, im.s, &np, &pt, &nr, &rt);
            LLVMValueRef c = LLVMBuildICmp(f->b, LLVMIntNE, pop(f), c32(f, 0), "");
            frame *fr = push_frame(f, K_IF, np, pt, nr, rt);
            fr->params = malloc((np ? np : 1) * sizeof *fr->params);
            memcpy(fr->params, f->stack + fr->height, np * sizeof *fr->params);
            LLVMBasicBlockRef then_bb = LLVMAppendBasicBlockInContext(cg->ctx, f->func, "then");
            fr->else_bb = LLVMAppendBasicBlockInContext(cg->ctx, f->func, "else");
            LLVMBuildCondBr(f->b, c, then_bb, fr->else_bb);
            LLVMPositionBuilderAtEnd(f->b, then_bb);
            break;
        }
        case FL_OP_ELSE:
            do_else(f);
            break;
        case FL_OP_END:
            end_frame(f);
            break;
        case FL_OP_BR: {
            frame *fr = &f->fr[f->nfr - 1 - im.a];
            add_edge(f, fr);
            LLVMBuildBr(f->b, label_bb(fr));
            set_dead(f);
            break;
        }
        case FL_OP_BR_IF: {
            LLVMValueRef c = LLVMBuildICmp(f->b, LLVMIntNE, pop(f), c32(f, 0), "");
            frame *fr = &f->fr[f->nfr - 1 - im.a];
            add_edge(f, fr);
            LLVMBasicBlockRef cont = LLVMAppendBasicBlockInContext(cg->ctx, f->func, "");
            LLVMBuildCondBr(f->b, c, label_bb(fr), cont);
            LLVMPositionBuilderAtEnd(f->b, cont);
            break;
        }
        case FL_OP_BR_TABLE: {
            if (cg->switch_cases &&
                __atomic_add_fetch(cg->switch_cases, nlabels + 1, __ATOMIC_RELAXED) >
                    CG_MAX_SWITCH_CASES) {
                *cg->over_limit = true;
                fl_error_set(f->err, fl_reader_offset(&r),
                             "codegen limit: more than %u br_table targets in the module",
                             CG_MAX_SWITCH_CASES);
                goto out;
            }
            /* every case goes to one landing block per distinct label,
             * which alone feeds the label's phis: a table of T cases to
             * a block of K results costs T + K, not T x K incoming values */
            LLVMValueRef i = pop(f);
            LLVMBasicBlockRef *land = calloc(f->nfr, sizeof *land);
            uint32_t *order = malloc((nlabels + 1) * sizeof *order), nland = 0;
            for (uint32_t k = 0; k <= nlabels; k++)
                if (!land[labels[k]]) {
                    land[labels[k]] = LLVMAppendBasicBlockInContext(cg->ctx, f->func, "");
                    order[nland++] = labels[k];
                }
            LLVMValueRef sw = LLVMBuildSwitch(f->b, i, land[labels[nlabels]], nlabels);
            for (uint32_t k = 0; k < nlabels; k++)
                LLVMAddCase(sw, c32(f, k), land[labels[k]]);
            for (uint32_t k = 0; k < nland; k++) {
                frame *fr = &f->fr[f->nfr - 1 - order[k]];
                LLVMPositionBuilderAtEnd(f->b, land[order[k]]);
                add_edge(f, fr);
                LLVMBuildBr(f->b, label_bb(fr));
            }
            free(land);
            free(order);
            set_dead(f);
            break;
        }
        case FL_OP_RETURN: {
            frame *fr = &f->fr[0];
            add_edge(f, fr);
            LLVMBuildBr(f->b, fr->end_bb);
            set_dead(f);
            break;
        }
        case FL_OP_CALL:
            do_call(f, im.a);
            break;
        case FL_OP_CALL_INDIRECT:
            do_call_indirect(f, im.a, im.b);
            break;

        /* parametric */
        case FL_OP_DROP:
            keep_loads(f, pop(f), 4);
            break;
        case FL_OP_SELECT:
        case FL_OP_SELECT_T: {
            LLVMValueRef c = LLVMBuildICmp(f->b, LLVMIntNE, pop(f), c32(f, 0), "");
            LLVMValueRef b = pop(f), a = pop(f);
            push(f, LLVMBuildSelect(f->b, c, a, b, ""));
            break;
        }

        /* variables */
        case FL_OP_LOCAL_GET:
            push(f, LLVMBuildLoad2(f->b, ltype(cg, f->local_types[im.a]), f->locals[im.a], ""));
            break;
        case FL_OP_LOCAL_SET:
            LLVMBuildStore(f->b, pop(f), f->locals[im.a]);
            break;
        case FL_OP_LOCAL_TEE:
            LLVMBuildStore(f->b, f->stack[f->sp - 1], f->locals[im.a]);
            break;
        case FL_OP_GLOBAL_GET: {
            fl_globaltype gt = fl_module_global_type(m, im.a);
            LLVMValueRef v = LLVMBuildLoad2(f->b, ltype(cg, gt.valtype), global_ptr(f, im.a), "");
            LLVMSetAlignment(v, 8); /* a v128's 16 bytes are 8-aligned only */
            push(f, v);
            break;
        }
        case FL_OP_GLOBAL_SET: {
            LLVMValueRef st = LLVMBuildStore(f->b, pop(f), global_ptr(f, im.a));
            LLVMSetAlignment(st, 8);
            /* the C stack pointer is written when wasm writes it, not left
             * to a later store: a trap reads it to tell a stack overflow
             * (src/faaslet) */
            if (m->has_stack_pointer && im.a == m->stack_pointer)
                LLVMSetVolatile(st, 1);
            break;
        }
        case FL_OP_TABLE_GET: {
            LLVMValueRef i = pop(f);
            LLVMValueRef tab = table_ptr(f, im.a);
            LLVMValueRef size = load_at(f, cg->i32, tab, offsetof(fl_table, size), false);
            trap_if(f, LLVMBuildICmp(f->b, LLVMIntUGE, i, size, ""), FL_TRAP_TABLE_OOB);
            LLVMValueRef elems = load_at(f, cg->ptr, tab, offsetof(fl_table, elems), false);
            push(f, LLVMBuildLoad2(f->b, cg->ptr, elem_ptr(f, elems, i), ""));
            break;
        }
        case FL_OP_TABLE_SET: {
            LLVMValueRef v = pop(f), i = pop(f);
            LLVMValueRef tab = table_ptr(f, im.a);
            LLVMValueRef size = load_at(f, cg->i32, tab, offsetof(fl_table, size), false);
            trap_if(f, LLVMBuildICmp(f->b, LLVMIntUGE, i, size, ""), FL_TRAP_TABLE_OOB);
            LLVMValueRef elems = load_at(f, cg->ptr, tab, offsetof(fl_table, elems), false);
            LLVMBuildStore(f->b, v, elem_ptr(f, elems, i));
            break;
        }

        /* memory */
        case FL_OP_I32_LOAD: do_load(f, cg->i32, cg->i32, 0, im.b, 4); break;
        case FL_OP_I64_LOAD: do_load(f, cg->i64, cg->i64, 0, im.b, 8); break;
        case FL_OP_F32_LOAD: do_load(f, cg->f32, cg->f32, 0, im.b, 4); break;
        case FL_OP_F64_LOAD: do_load(f, cg->f64, cg->f64, 0, im.b, 8); break;
        case FL_OP_I32_LOAD8_S: do_load(f, cg->i8, cg->i32, 1, im.b, 1); break;
        case FL_OP_I32_LOAD8_U: do_load(f, cg->i8, cg->i32, -1, im.b, 1); break;
        case FL_OP_I32_LOAD16_S: do_load(f, LLVMInt16TypeInContext(cg->ctx), cg->i32, 1, im.b, 2); break;
        case FL_OP_I32_LOAD16_U: do_load(f, LLVMInt16TypeInContext(cg->ctx), cg->i32, -1, im.b, 2); break;
        case FL_OP_I64_LOAD8_S: do_load(f, cg->i8, cg->i64, 1, im.b, 1); break;
        case FL_OP_I64_LOAD8_U: do_load(f, cg->i8, cg->i64, -1, im.b, 1); break;
        case FL_OP_I64_LOAD16_S: do_load(f, LLVMInt16TypeInContext(cg->ctx), cg->i64, 1, im.b, 2); break;
        case FL_OP_I64_LOAD16_U: do_load(f, LLVMInt16TypeInContext(cg->ctx), cg->i64, -1, im.b, 2); break;
        case FL_OP_I64_LOAD32_S: do_load(f, cg->i32, cg->i64, 1, im.b, 4); break;
        case FL_OP_I64_LOAD32_U: do_load(f, cg->i32, cg->i64, -1, im.b, 4); break;
        case FL_OP_I32_STORE: do_store(f, cg->i32, im.b, 4); break;
        case FL_OP_I64_STORE: do_store(f, cg->i64, im.b, 8); break;
        case FL_OP_F32_STORE: do_store(f, cg->f32, im.b, 4); break;
        case FL_OP_F64_STORE: do_store(f, cg->f64, im.b, 8); break;
        case FL_OP_I32_STORE8:
        case FL_OP_I64_STORE8: do_store(f, cg->i8, im.b, 1); break;
        case FL_OP_I32_STORE16:
        case FL_OP_I64_STORE16: do_store(f, LLVMInt16TypeInContext(cg->ctx), im.b, 2); break;
        case FL_OP_I64_STORE32: do_store(f, cg->i32, im.b, 4); break;
        case FL_OP_MEMORY_SIZE:
            push(f, load_at(f, cg->i32, f->mem0, offsetof(fl_memory, pages), false));
            break;
        case FL_OP_MEMORY_GROW: {
            LLVMValueRef args[2] = {f->inst, pop(f)};
            push(f, call_rt(f, 2, args, 2));
            break;
        }

        /* constants */
        case FL_OP_I32_CONST: push(f, c32(f, im.bits)); break;
        case FL_OP_I64_CONST: push(f, c64(f, im.bits)); break;
        case FL_OP_F32_CONST: push(f, float_const(f, cg->f32, im.bits)); break;
        case FL_OP_F64_CONST: push(f, float_const(f, cg->f64, im.bits)); break;

        /* comparisons */
        case FL_OP_I32_EQZ:
        case FL_OP_I64_EQZ: {
            LLVMValueRef a = pop(f);
            push(f, bool_i32(f, LLVMBuildICmp(f->b, LLVMIntEQ, a, LLVMConstInt(LLVMTypeOf(a), 0, 0), "")));
            break;
        }
        case FL_OP_I32_EQ: case FL_OP_I64_EQ: icmp(f, LLVMIntEQ); break;
        case FL_OP_I32_NE: case FL_OP_I64_NE: icmp(f, LLVMIntNE); break;
        case FL_OP_I32_LT_S: case FL_OP_I64_LT_S: icmp(f, LLVMIntSLT); break;
        case FL_OP_I32_LT_U: case FL_OP_I64_LT_U: icmp(f, LLVMIntULT); break;
        case FL_OP_I32_GT_S: case FL_OP_I64_GT_S: icmp(f, LLVMIntSGT); break;
        case FL_OP_I32_GT_U: case FL_OP_I64_GT_U: icmp(f, LLVMIntUGT); break;
        case FL_OP_I32_LE_S: case FL_OP_I64_LE_S: icmp(f, LLVMIntSLE); break;
        case FL_OP_I32_LE_U: case FL_OP_I64_LE_U: icmp(f, LLVMIntULE); break;
        case FL_OP_I32_GE_S: case FL_OP_I64_GE_S: icmp(f, LLVMIntSGE); break;
        case FL_OP_I32_GE_U: case FL_OP_I64_GE_U: icmp(f, LLVMIntUGE); break;
        case FL_OP_F32_EQ: case FL_OP_F64_EQ: fcmp(f, LLVMRealOEQ); break;
        case FL_OP_F32_NE: case FL_OP_F64_NE: fcmp(f, LLVMRealUNE); break;
        case FL_OP_F32_LT: case FL_OP_F64_LT: fcmp(f, LLVMRealOLT); break;
        case FL_OP_F32_GT: case FL_OP_F64_GT: fcmp(f, LLVMRealOGT); break;
        case FL_OP_F32_LE: case FL_OP_F64_LE: fcmp(f, LLVMRealOLE); break;
        case FL_OP_F32_GE: case FL_OP_F64_GE: fcmp(f, LLVMRealOGE); break;

        /* integer arithmetic */
        case FL_OP_I32_CLZ: case FL_OP_I64_CLZ: bitcount(f, "llvm.ctlz"); break;
        case FL_OP_I32_CTZ: case FL_OP_I64_CTZ: bitcount(f, "llvm.cttz"); break;
        case FL_OP_I32_POPCNT: case FL_OP_I64_POPCNT: bitcount(f, "llvm.ctpop"); break;
        case FL_OP_I32_ADD: case FL_OP_I64_ADD: binop(f, LLVMBuildAdd); break;
        case FL_OP_I32_SUB: case FL_OP_I64_SUB: binop(f, LLVMBuildSub); break;
        case FL_OP_I32_MUL: case FL_OP_I64_MUL: binop(f, LLVMBuildMul); break;
        case FL_OP_I32_DIV_S: int_div(f, 0, false); break;
        case FL_OP_I32_DIV_U: int_div(f, 1, false); break;
        case FL_OP_I32_REM_S: int_div(f, 2, false); break;
        case FL_OP_I32_REM_U: int_div(f, 3, false); break;
        case FL_OP_I64_DIV_S: int_div(f, 0, true); break;
        case FL_OP_I64_DIV_U: int_div(f, 1, true); break;
        case FL_OP_I64_REM_S: int_div(f, 2, true); break;
        case FL_OP_I64_REM_U: int_div(f, 3, true); break;
        case FL_OP_I32_AND: case FL_OP_I64_AND: binop(f, LLVMBuildAnd); break;
        case FL_OP_I32_OR: case FL_OP_I64_OR: binop(f, LLVMBuildOr); break;
        case FL_OP_I32_XOR: case FL_OP_I64_XOR: binop(f, LLVMBuildXor); break;
        case FL_OP_I32_SHL: shift(f, LLVMShl, false); break;
        case FL_OP_I32_SHR_S: shift(f, LLVMAShr, false); break;
        case FL_OP_I32_SHR_U: shift(f, LLVMLShr, false); break;
        case FL_OP_I64_SHL: shift(f, LLVMShl, true); break;
        case FL_OP_I64_SHR_S: shift(f, LLVMAShr, true); break;
        case FL_OP_I64_SHR_U: shift(f, LLVMLShr, true); break;
        case FL_OP_I32_ROTL: case FL_OP_I64_ROTL: rotate(f, "llvm.fshl"); break;
        case FL_OP_I32_ROTR: case FL_OP_I64_ROTR: rotate(f, "llvm.fshr"); break;

        /* float arithmetic */
        case FL_OP_F32_ABS: case FL_OP_F64_ABS: unop_intrinsic(f, "llvm.fabs"); break;
        case FL_OP_F32_NEG: case FL_OP_F64_NEG: push(f, LLVMBuildFNeg(f->b, pop(f), "")); break;
        case FL_OP_F32_CEIL: case FL_OP_F64_CEIL: unop_intrinsic(f, "llvm.ceil"); break;
        case FL_OP_F32_FLOOR: case FL_OP_F64_FLOOR: unop_intrinsic(f, "llvm.floor"); break;
        case FL_OP_F32_TRUNC: case FL_OP_F64_TRUNC: unop_intrinsic(f, "llvm.trunc"); break;
        case FL_OP_F32_NEAREST: case FL_OP_F64_NEAREST: unop_intrinsic(f, "llvm.roundeven"); break;
        case FL_OP_F32_SQRT: case FL_OP_F64_SQRT: unop_intrinsic(f, "llvm.sqrt"); break;
        case FL_OP_F32_ADD: case FL_OP_F64_ADD: float_binop(f, LLVMBuildFAdd); break;
        case FL_OP_F32_SUB: case FL_OP_F64_SUB: float_binop(f, LLVMBuildFSub); break;
        case FL_OP_F32_MUL: case FL_OP_F64_MUL: float_binop(f, LLVMBuildFMul); break;
        case FL_OP_F32_DIV: case FL_OP_F64_DIV: float_binop(f, LLVMBuildFDiv); break;
        case FL_OP_F32_MIN: case FL_OP_F64_MIN: min_max(f, "llvm.minimum"); break;
        case FL_OP_F32_MAX: case FL_OP_F64_MAX: min_max(f, "llvm.maximum"); break;
        case FL_OP_F32_COPYSIGN: case FL_OP_F64_COPYSIGN: binop_intrinsic(f, "llvm.copysign"); break;

        /* conversions */
        case FL_OP_I32_WRAP_I64: convert(f, LLVMTrunc, cg->i32); break;
        case FL_OP_I32_TRUNC_F32_S: trunc_trap(f, cg->i32, true, -2147483648.0, true, 2147483648.0); break;
        case FL_OP_I32_TRUNC_F32_U: trunc_trap(f, cg->i32, false, -1.0, false, 4294967296.0); break;
        case FL_OP_I32_TRUNC_F64_S: trunc_trap(f, cg->i32, true, -2147483649.0, false, 2147483648.0); break;
        case FL_OP_I32_TRUNC_F64_U: trunc_trap(f, cg->i32, false, -1.0, false, 4294967296.0); break;
        case FL_OP_I64_TRUNC_F32_S:
        case FL_OP_I64_TRUNC_F64_S:
            trunc_trap(f, cg->i64, true, -9223372036854775808.0, true, 9223372036854775808.0);
            break;
        case FL_OP_I64_TRUNC_F32_U:
        case FL_OP_I64_TRUNC_F64_U:
            trunc_trap(f, cg->i64, false, -1.0, false, 18446744073709551616.0);
            break;
        case FL_OP_I64_EXTEND_I32_S: convert(f, LLVMSExt, cg->i64); break;
        case FL_OP_I64_EXTEND_I32_U: convert(f, LLVMZExt, cg->i64); break;
        case FL_OP_F32_CONVERT_I32_S: case FL_OP_F32_CONVERT_I64_S: convert(f, LLVMSIToFP, cg->f32); break;
        case FL_OP_F32_CONVERT_I32_U: case FL_OP_F32_CONVERT_I64_U: convert(f, LLVMUIToFP, cg->f32); break;
        case FL_OP_F64_CONVERT_I32_S: case FL_OP_F64_CONVERT_I64_S: convert(f, LLVMSIToFP, cg->f64); break;
        case FL_OP_F64_CONVERT_I32_U: case FL_OP_F64_CONVERT_I64_U: convert(f, LLVMUIToFP, cg->f64); break;
        /* demote(promote(x)) is x to LLVM, a quieted NaN to wasm */
        case FL_OP_F32_DEMOTE_F64:
            if (LLVMIsAFPExtInst(f->stack[f->sp - 1]))
                f->stack[f->sp - 1] = cg_opaque(f->cg, f->stack[f->sp - 1]);
            convert(f, LLVMFPTrunc, cg->f32);
            break;
        case FL_OP_F64_PROMOTE_F32:
            if (LLVMIsAFPTruncInst(f->stack[f->sp - 1]))
                f->stack[f->sp - 1] = cg_opaque(f->cg, f->stack[f->sp - 1]);
            convert(f, LLVMFPExt, cg->f64);
            break;
        case FL_OP_I32_REINTERPRET_F32: convert(f, LLVMBitCast, cg->i32); break;
        case FL_OP_I64_REINTERPRET_F64: convert(f, LLVMBitCast, cg->i64); break;
        case FL_OP_F32_REINTERPRET_I32: convert(f, LLVMBitCast, cg->f32); break;
        case FL_OP_F64_REINTERPRET_I64: convert(f, LLVMBitCast, cg->f64); break;
        case FL_OP_I32_EXTEND8_S: extend_n(f, cg->i8, cg->i32); break;
        case FL_OP_I32_EXTEND16_S: extend_n(f, LLVMInt16TypeInContext(cg->ctx), cg->i32); break;
        case FL_OP_I64_EXTEND8_S: extend_n(f, cg->i8, cg->i64); break;
        case FL_OP_I64_EXTEND16_S: extend_n(f, LLVMInt16TypeInContext(cg->ctx), cg->i64); break;
        case FL_OP_I64_EXTEND32_S: extend_n(f, cg->i32, cg->i64); break;
        case FL_OP_I32_TRUNC_SAT_F32_S: case FL_OP_I32_TRUNC_SAT_F64_S: trunc_sat(f, cg->i32, true); break;
        case FL_OP_I32_TRUNC_SAT_F32_U: case FL_OP_I32_TRUNC_SAT_F64_U: trunc_sat(f, cg->i32, false); break;
        case FL_OP_I64_TRUNC_SAT_F32_S: case FL_OP_I64_TRUNC_SAT_F64_S: trunc_sat(f, cg->i64, true); break;
        case FL_OP_I64_TRUNC_SAT_F32_U: case FL_OP_I64_TRUNC_SAT_F64_U: trunc_sat(f, cg->i64, false); break;

        /* references */
        case FL_OP_REF_NULL: push(f, LLVMConstNull(cg->ptr)); break;
        case FL_OP_REF_IS_NULL: push(f, bool_i32(f, LLVMBuildIsNull(f->b, pop(f), ""))); break;
        case FL_OP_REF_FUNC: push(f, funcinst(f, c32(f, im.a))); break;

        /* bulk memory and tables, through the runtime */
        case FL_OP_MEMORY_INIT: {
            LLVMValueRef n = pop(f), s = pop(f), d = pop(f);
            LLVMValueRef args[6] = {f->inst, f->ex, c32(f, im.a), d, s, n};
            call_rt(f, 5, args, 6);
            break;
        }
        case FL_OP_DATA_DROP: {
            LLVMValueRef args[2] = {f->inst, c32(f, im.a)};
            call_rt(f, 6, args, 2);
            break;
        }
        case FL_OP_MEMORY_COPY:
        case FL_OP_MEMORY_FILL: {
            LLVMValueRef n = pop(f), s = pop(f), d = pop(f);
            LLVMValueRef args[5] = {f->inst, f->ex, d, s, n};
            call_rt(f, op == FL_OP_MEMORY_FILL ? 3 : 4, args, 5);
            break;
        }
        case FL_OP_TABLE_INIT: {
            LLVMValueRef n = pop(f), s = pop(f), d = pop(f);
            LLVMValueRef args[7] = {f->inst, f->ex, c32(f, im.a), c32(f, im.b), d, s, n};
            call_rt(f, 7, args, 7);
            break;
        }
        case FL_OP_ELEM_DROP: {
            LLVMValueRef args[2] = {f->inst, c32(f, im.a)};
            call_rt(f, 8, args, 2);
            break;
        }
        case FL_OP_TABLE_COPY: {
            LLVMValueRef n = pop(f), s = pop(f), d = pop(f);
            LLVMValueRef args[7] = {f->inst, f->ex, c32(f, im.a), c32(f, im.b), d, s, n};
            call_rt(f, 9, args, 7);
            break;
        }
        case FL_OP_TABLE_GROW: {
            LLVMValueRef n = pop(f), v = pop(f);
            LLVMValueRef args[4] = {f->inst, c32(f, im.a), v, n};
            push(f, call_rt(f, 10, args, 4));
            break;
        }
        case FL_OP_TABLE_SIZE:
            push(f, load_at(f, cg->i32, table_ptr(f, im.a), offsetof(fl_table, size), false));
            break;
        case FL_OP_TABLE_FILL: {
            LLVMValueRef n = pop(f), v = pop(f), i = pop(f);
            LLVMValueRef args[6] = {f->inst, f->ex, c32(f, im.a), i, v, n};
            call_rt(f, 11, args, 6);
            break;
        }
        default:
            fl_error_set(f->err, fl_reader_offset(&r), "%s not supported by codegen",
                         fl_opinfo_table[op].name);
            goto out;
        }
    }
    rc = 0;
out:
    free(labels);
    return rc;
}

/* Memory 0's base for instance `inst` (NULL without a memory). */
static LLVMValueRef memory_base(fn *f, LLVMValueRef inst) {
    if (!(f->cg->m->nimported_memories + f->cg->m->nmemories))
        return LLVMConstNull(f->cg->ptr);
    LLVMValueRef mems = load_at(f, f->cg->ptr, inst, offsetof(fl_instance, memories), true);
    LLVMValueRef mem0 = load_at(f, f->cg->ptr, mems, 0, true);
    return load_at(f, f->cg->ptr, mem0, offsetof(fl_memory, base), true);
}

/* A conservative size of f's frame: every local and operand spilled. */
static uint64_t frame_estimate(const fl_func *fd, const fl_functype *t) {
    return 256 + 16 * ((uint64_t)fd->nlocals + t->nparams) + 4 * (uint64_t)fd->code_len;
}

/* e<def>: arguments from an fl_value array, results back into one. */
static void define_entry(cg_module *cg, uint32_t def) {
    const fl_func *fd = &cg->m->funcs[def];
    const fl_functype *t = &cg->m->types[fd->type_index];
    LLVMTypeRef ps[4] = {cg->ptr, cg->ptr, cg->ptr, cg->ptr};
    char name[24];
    snprintf(name, sizeof name, "e%u", def);
    LLVMValueRef e = LLVMAddFunction(cg->mod, name, LLVMFunctionType(cg->void_, ps, 4, 0));
    LLVMSetVisibility(e, LLVMHiddenVisibility);
    add_fn_attr(cg, e, "nounwind");
    LLVMBuilderRef b = cg->b;
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(cg->ctx, e, ""));
    LLVMValueRef *args = malloc((t->nparams + NHIDDEN) * sizeof *args);
    args[0] = LLVMGetParam(e, 0);
    args[1] = LLVMGetParam(e, 1);
    args[2] = memory_base(&(fn){.cg = cg, .b = b}, args[0]);
    for (uint32_t i = 0, at = 0; i < t->nparams; at += fl_valtype_slots(t->params[i++]))
        args[i + NHIDDEN] = load_slot(cg, t->params[i], LLVMGetParam(e, 2), at);
    LLVMValueRef r = LLVMBuildCall2(b, functype(cg, fd->type_index), cg_func(cg, def), args,
                                    t->nparams + NHIDDEN, "");
    for (uint32_t i = 0, at = 0; i < t->nresults; at += fl_valtype_slots(t->results[i++]))
        store_slot(cg, t->nresults == 1 ? r : LLVMBuildExtractValue(b, r, i, ""), LLVMGetParam(e, 3), at);
    LLVMBuildRetVoid(b);
    free(args);
}

int cg_translate(cg_module *cg, uint32_t def, fl_error *err) {
    const fl_module *m = cg->m;
    const fl_func *fd = &m->funcs[def];
    const fl_functype *t = &m->types[fd->type_index];
    fn f = {.cg = cg, .m = m, .b = cg->b, .err = err};
    f.func = cg_func(cg, def);
    f.inst = LLVMGetParam(f.func, 0);
    f.ex = LLVMGetParam(f.func, 1);
    f.nlocals = t->nparams + fd->nlocals;
    f.locals = malloc((f.nlocals ? f.nlocals : 1) * sizeof *f.locals);
    f.local_types = malloc(f.nlocals ? f.nlocals : 1);
    int rc = -1;

    f.entry_bb = LLVMAppendBasicBlockInContext(cg->ctx, f.func, "entry");
    LLVMPositionBuilderAtEnd(f.b, f.entry_bb);
    uint32_t k = 0;
    for (uint32_t i = 0; i < t->nparams; i++)
        f.local_types[k++] = t->params[i];
    for (uint32_t i = 0; i < fd->nlocal_runs; i++)
        for (uint32_t j = 0; j < fd->local_runs[i].count; j++)
            f.local_types[k++] = fd->local_runs[i].valtype;
    for (uint32_t i = 0; i < f.nlocals; i++) {
        LLVMTypeRef lt = ltype(cg, f.local_types[i]);
        f.locals[i] = LLVMBuildAlloca(f.b, lt, "");
        LLVMBuildStore(f.b, i < t->nparams ? LLVMGetParam(f.func, i + NHIDDEN) : LLVMConstNull(lt),
                       f.locals[i]);
    }
    /* the native stack: enough left for this frame and a host call? */
    LLVMValueRef probe = LLVMBuildAlloca(f.b, cg->i8, "sp");
    LLVMValueRef sp = LLVMBuildPtrToInt(f.b, probe, cg->i64, "");
    LLVMValueRef limit = load_at(&f, cg->i64, f.ex, offsetof(fl_exec, native_stack_limit), false);
    LLVMValueRef need = LLVMBuildAdd(f.b, limit, c64(&f, frame_estimate(fd, t)), "");
    if (m->nimported_memories + m->nmemories) {
        LLVMValueRef mems = inst_array(&f, offsetof(fl_instance, memories));
        f.mem0 = load_at(&f, cg->ptr, mems, 0, true); /* unused loads are dropped */
    }
    f.mem_base = LLVMGetParam(f.func, 2);
    LLVMValueRef body_start = LLVMBuildAlloca(f.b, cg->i8, "mark"); /* entry-block anchor */
    (void)body_start;
    trap_if(&f, LLVMBuildICmp(f.b, LLVMIntULT, sp, need, ""), FL_TRAP_STACK_EXHAUSTED);

    push_frame(&f, K_FUNC, 0, NULL, t->nresults, t->results);
    if (body(&f, fd) < 0)
        goto out;
    if (f.nfr != 0) {
        fl_error_set(err, fd->code_offset, "function %u: unbalanced blocks", def);
        goto out;
    }
    /* the function frame's end block holds the results: return them */
    if (!f.dead) {
        f.sp -= t->nresults;
        if (t->nresults == 0)
            LLVMBuildRetVoid(f.b);
        else if (t->nresults == 1)
            LLVMBuildRet(f.b, f.stack[f.sp]);
        else
            LLVMBuildAggregateRet(f.b, f.stack + f.sp, t->nresults);
    }
    define_entry(cg, def);
    rc = 0;
out:
    for (uint32_t i = 0; i < f.nfr; i++)
        free_frame(&f.fr[i]);
    free(f.fr);
    free(f.stack);
    free(f.locals);
    free(f.local_types);
    return rc;
}

void cg_define_tables(cg_module *cg, const uint8_t key[32], const char *cpu) {
    const fl_module *m = cg->m;
    uint32_t n = m->nfuncs;
    LLVMValueRef *vals = malloc((n ? n : 1) * sizeof *vals);

    for (uint32_t i = 0; i < n; i++)
        vals[i] = cg_func(cg, i);
    LLVMSetInitializer(cg->natives, LLVMConstArray2(cg->ptr, vals, n));
    LLVMSetGlobalConstant(cg->natives, 1);

    for (uint32_t i = 0; i < n; i++) {
        char name[24];
        snprintf(name, sizeof name, "e%u", i);
        LLVMValueRef e = LLVMGetNamedFunction(cg->mod, name);
        if (!e) {
            LLVMTypeRef ps[4] = {cg->ptr, cg->ptr, cg->ptr, cg->ptr};
            e = LLVMAddFunction(cg->mod, name, LLVMFunctionType(cg->void_, ps, 4, 0));
            LLVMSetVisibility(e, LLVMHiddenVisibility);
        }
        vals[i] = e;
    }
    LLVMValueRef entries = LLVMAddGlobal(cg->mod, LLVMArrayType(cg->ptr, n), FL_AOT_SYM_ENTRIES);
    LLVMSetInitializer(entries, LLVMConstArray2(cg->ptr, vals, n));
    LLVMSetGlobalConstant(entries, 1);
    free(vals);

    fl_aot_info info = {.abi = FL_AOT_ABI, .nfuncs = n};
    memcpy(info.magic, FL_AOT_MAGIC, sizeof info.magic);
    memcpy(info.key, key, 32);
    snprintf(info.cpu, sizeof info.cpu, "%s", cpu);
    LLVMValueRef g = LLVMAddGlobal(cg->mod, LLVMArrayType(cg->i8, sizeof info), FL_AOT_SYM_INFO);
    LLVMSetInitializer(g, LLVMConstStringInContext(cg->ctx, (const char *)&info, sizeof info, 1));
    LLVMSetGlobalConstant(g, 1);
    LLVMSetAlignment(g, 8);

    LLVMSetInitializer(cg->rt, LLVMConstNull(LLVMArrayType(cg->ptr, FL_AOT_RT_COUNT)));
}

/* ---- loads that must stay ----
 * A wasm load traps when out of bounds even when its value is never used;
 * LLVM deletes an unused load.  After mem2reg, every load that nothing
 * with an effect depends on (a store, a call, a terminator: ADCE's roots)
 * and that reads linear memory (the runtime's own loads cannot trap) is made
 * volatile, which LLVM keeps; the loads whose values are used stay
 * free to optimise.  (A value made dead later by algebra, x * 0, is found
 * by the probe: cg_keep_folded_loads.) */

static void mark_live(LLVMValueRef v, LLVMValueRef **work, size_t *n, size_t *cap,
                      unsigned live_kind, LLVMValueRef live_md) {
    if (!LLVMIsAInstruction(v) || LLVMGetMetadata(v, live_kind))
        return;
    LLVMSetMetadata(v, live_kind, live_md);
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 256;
        *work = realloc(*work, *cap * sizeof **work);
    }
    (*work)[(*n)++] = v;
}

void cg_keep_trapping_loads(cg_module *cg) {
    unsigned live_kind = LLVMGetMDKindIDInContext(cg->ctx, "faaslet.live", 12);
    LLVMValueRef live_md = cg->empty_md;
    LLVMValueRef *work = NULL;
    size_t n = 0, cap = 0;
    for (LLVMValueRef fn = LLVMGetFirstFunction(cg->mod); fn; fn = LLVMGetNextFunction(fn)) {
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
            for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i))
                if (LLVMIsATerminatorInst(i) || LLVMIsAStoreInst(i) || LLVMIsACallInst(i) ||
                    (LLVMIsALoadInst(i) && LLVMGetVolatile(i)))
                    mark_live(i, &work, &n, &cap, live_kind, live_md);
        while (n) {
            LLVMValueRef i = work[--n];
            int k = LLVMGetNumOperands(i);
            for (int j = 0; j < k; j++)
                mark_live(LLVMGetOperand(i, (unsigned)j), &work, &n, &cap, live_kind, live_md);
        }
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
            for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i)) {
                if (LLVMIsALoadInst(i) && !LLVMGetMetadata(i, live_kind) &&
                    LLVMGetMetadata(i, cg->md_wasm_load))
                    LLVMSetVolatile(i, 1);
                LLVMSetMetadata(i, live_kind, NULL);
            }
    }
    free(work);
}

/* A wasm load's id, from its !faaslet.wasm_load, or UINT32_MAX. */
static uint32_t load_id(cg_module *cg, LLVMValueRef i) {
    LLVMValueRef md = LLVMIsALoadInst(i) ? LLVMGetMetadata(i, cg->md_wasm_load) : NULL;
    if (!md || LLVMGetMDNodeNumOperands(md) != 1)
        return UINT32_MAX;
    LLVMValueRef op;
    LLVMGetMDNodeOperands(md, &op);
    return (uint32_t)LLVMConstIntGetZExtValue(op);
}

size_t cg_keep_folded_loads(cg_module *cg, LLVMModuleRef probe) {
    uint8_t *kept = calloc(cg->nloads / 8 + 1, 1); /* NULL: every load is kept volatile */
    for (LLVMValueRef fn = kept ? LLVMGetFirstFunction(probe) : NULL; fn; fn = LLVMGetNextFunction(fn))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
            for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i)) {
                uint32_t id = load_id(cg, i);
                if (id < cg->nloads)
                    kept[id / 8] |= (uint8_t)(1u << id % 8);
            }
    size_t marked = 0;
    for (LLVMValueRef fn = LLVMGetFirstFunction(cg->mod); fn; fn = LLVMGetNextFunction(fn))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
            for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i)) {
                uint32_t id = load_id(cg, i);
                if (id < cg->nloads && (!kept || !(kept[id / 8] & 1u << id % 8)) &&
                    !LLVMGetVolatile(i)) {
                    LLVMSetVolatile(i, 1);
                    marked++;
                }
            }
    free(kept);
    return marked;
}

/* ---- loads read in part ----
 * The backend narrows a load whose value is used only in part: a lane of
 * a vector (extractelement, a shuffle), the low bits (trunc, and with a
 * mask, a shift), also through lane- and bit-wise arithmetic it splits
 * first.  A narrowed load at the end of memory no longer traps.  Volatile
 * loads are never narrowed; this runs after the IR passes, so it costs
 * only the backend's folding of such loads. */

static bool read_in_part(LLVMValueRef v, int depth) {
    for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef user = LLVMGetUser(u);
        if (!LLVMIsAInstruction(user))
            continue;
        switch (LLVMGetInstructionOpcode(user)) {
        case LLVMTrunc:
        case LLVMExtractElement:
        case LLVMShuffleVector:
            return true;
        case LLVMAnd:
        case LLVMLShr:
        case LLVMAShr:
            if (LLVMIsAConstant(LLVMGetOperand(user, 1)) || LLVMIsAConstant(LLVMGetOperand(user, 0)))
                return true;
            /* fall through */
        case LLVMBitCast:
        case LLVMAdd:
        case LLVMSub:
        case LLVMMul:
        case LLVMOr:
        case LLVMXor:
        case LLVMShl:
        case LLVMFAdd:
        case LLVMFSub:
        case LLVMFMul:
        case LLVMFDiv:
        case LLVMFNeg:
        case LLVMICmp:
        case LLVMFCmp:
        case LLVMSelect:
        case LLVMSExt:
        case LLVMZExt:
            if (depth > 0 && read_in_part(user, depth - 1))
                return true;
            break;
        default:
            break;
        }
    }
    return false;
}

void cg_keep_whole_loads(cg_module *cg) {
    for (LLVMValueRef fn = LLVMGetFirstFunction(cg->mod); fn; fn = LLVMGetNextFunction(fn))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
            for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i))
                if (LLVMIsALoadInst(i) && LLVMGetMetadata(i, cg->md_wasm_load) && !LLVMGetVolatile(i) &&
                    LLVMGetTypeKind(LLVMTypeOf(i)) != LLVMPointerTypeKind && read_in_part(i, 4))
                    LLVMSetVolatile(i, 1);
}
