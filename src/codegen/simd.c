/*
 * simd.c: wasm's 128-bit SIMD instructions (simd_opcodes.def, relaxed SIMD
 * included) as LLVM vector operations, for translate.c, which pops their
 * operands, computes addresses and does their loads and stores.
 *
 * A v128 is cg->v128 (<2 x i64>) wherever it is kept; each instruction
 * bitcasts its operands to the lane shape it works on and its result back
 * (bitcasts cost nothing).  The lane semantics are the interpreter's
 * (src/interp/simd.h): wrapping or saturating as named, NaN-propagating
 * min/max whose NaN is quiet, pmin/pmax as selects, trunc_sat saturating
 * (NaN -> 0), and relaxed SIMD as wasm 3.0's deterministic profile, a
 * multiply then an add for madd (never fused: no contract flags, and the
 * backend fuses only what is marked so).
 */
#include <string.h>

#include "codegen/codegen_int.h"

/* The lane shape an instruction is named by ("i16x8.add": <8 x i16>); v128
 * instructions work on cg->v128. */
static LLVMTypeRef shape(cg_module *cg, uint32_t op) {
    const char *name = fl_simd_opinfo_table[op].name;
    if (!strncmp(name, "i8x16", 5))
        return cg->i8x16;
    if (!strncmp(name, "i16x8", 5))
        return cg->i16x8;
    if (!strncmp(name, "i32x4", 5))
        return cg->i32x4;
    if (!strncmp(name, "f32x4", 5))
        return cg->f32x4;
    if (!strncmp(name, "f64x2", 5))
        return cg->f64x2;
    return cg->v128; /* i64x2, v128 */
}

static LLVMValueRef as(cg_module *cg, LLVMValueRef v, LLVMTypeRef t) {
    return LLVMTypeOf(v) == t ? v : LLVMBuildBitCast(cg->b, v, t, "");
}

static LLVMValueRef out(cg_module *cg, LLVMValueRef v) { return as(cg, v, cg->v128); }

static unsigned lanes(LLVMTypeRef t) { return LLVMGetVectorSize(t); }

static LLVMTypeRef lane_type(LLVMTypeRef t) { return LLVMGetElementType(t); }

/* t's integer lanes at `bits` wide, as many as t has. */
static LLVMTypeRef resized(cg_module *cg, LLVMTypeRef t, unsigned bits) {
    return LLVMVectorType(LLVMIntTypeInContext(cg->ctx, bits), lanes(t));
}

/* The integer shape of the same lane width as float shape t. */
static LLVMTypeRef int_shape(cg_module *cg, LLVMTypeRef t) {
    return t == cg->f32x4 ? cg->i32x4 : t == cg->f64x2 ? cg->v128 : t;
}

static LLVMValueRef splat_const(LLVMValueRef c, unsigned n) {
    LLVMValueRef e[16];
    for (unsigned i = 0; i < n; i++)
        e[i] = c;
    return LLVMConstVector(e, n);
}

/* v's low bits in every lane of integer vector t. */
static LLVMValueRef int_splat(LLVMTypeRef t, uint64_t v) {
    unsigned bits = LLVMGetIntTypeWidth(lane_type(t));
    uint64_t mask = bits < 64 ? (1ull << bits) - 1 : ~0ull;
    return splat_const(LLVMConstInt(lane_type(t), v & mask, 0), lanes(t));
}

/* n lanes of a (and b, lanes after a's), from `first` every `step`. */
static LLVMValueRef pick(cg_module *cg, LLVMValueRef a, LLVMValueRef b, unsigned first,
                         unsigned step, unsigned n) {
    LLVMValueRef idx[32];
    for (unsigned i = 0; i < n; i++)
        idx[i] = LLVMConstInt(cg->i32, first + i * step, 0);
    if (!b)
        b = LLVMGetPoison(LLVMTypeOf(a));
    return LLVMBuildShuffleVector(cg->b, a, b, LLVMConstVector(idx, n), "");
}

/* Vector t with scalar x in every lane. */
static LLVMValueRef splat(cg_module *cg, LLVMTypeRef t, LLVMValueRef x) {
    LLVMValueRef zero = LLVMConstInt(cg->i32, 0, 0);
    LLVMValueRef v = LLVMBuildInsertElement(cg->b, LLVMGetPoison(t), x, zero, "");
    return pick(cg, v, NULL, 0, 0, lanes(t));
}

/* x (an i32, i64, f32 or f64 as wasm has it) as a lane of t. */
static LLVMValueRef to_lane(cg_module *cg, LLVMTypeRef t, LLVMValueRef x) {
    LLVMTypeRef lt = lane_type(t);
    return LLVMTypeOf(x) == lt ? x : LLVMBuildTrunc(cg->b, x, lt, "");
}

/* The lanes of integer vector v, each extended to twice its width. */
static LLVMValueRef extend(cg_module *cg, LLVMValueRef v, bool is_signed) {
    LLVMTypeRef t = resized(cg, LLVMTypeOf(v), 2 * LLVMGetIntTypeWidth(lane_type(LLVMTypeOf(v))));
    return is_signed ? LLVMBuildSExt(cg->b, v, t, "") : LLVMBuildZExt(cg->b, v, t, "");
}

/* The low or high half of `src`'s lanes (src a shape half as wide as t's
 * lanes), extended to t. */
static LLVMValueRef extend_half(cg_module *cg, LLVMTypeRef t, LLVMValueRef src, bool high,
                                bool is_signed) {
    unsigned n = lanes(t);
    LLVMTypeRef half = LLVMIntTypeInContext(cg->ctx, LLVMGetIntTypeWidth(lane_type(t)) / 2);
    LLVMTypeRef st = LLVMVectorType(half, 2 * n);
    return extend(cg, pick(cg, as(cg, src, st), NULL, high ? n : 0, 1, n), is_signed);
}

static LLVMValueRef call2(cg_module *cg, const char *name, LLVMValueRef a, LLVMValueRef b) {
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef args[2] = {a, b};
    return cg_intrinsic(cg, name, &t, 1, args, 2);
}

static LLVMValueRef call1(cg_module *cg, const char *name, LLVMValueRef a) {
    LLVMTypeRef t = LLVMTypeOf(a);
    return cg_intrinsic(cg, name, &t, 1, &a, 1);
}

/* x clamped to [lo, hi] (signed). */
static LLVMValueRef clamp(cg_module *cg, LLVMValueRef x, int64_t lo, int64_t hi) {
    LLVMTypeRef t = LLVMTypeOf(x);
    x = call2(cg, "llvm.smax", x, int_splat(t, (uint64_t)lo));
    return call2(cg, "llvm.smin", x, int_splat(t, (uint64_t)hi));
}

/* Lanes a, then b, each clamped to the range of lanes half as wide
 * (signed or unsigned) and narrowed: t is the narrow shape. */
static LLVMValueRef narrow(cg_module *cg, LLVMTypeRef t, LLVMValueRef a, LLVMValueRef b,
                           bool is_signed) {
    unsigned bits = LLVMGetIntTypeWidth(lane_type(t));
    LLVMTypeRef wt = LLVMVectorType(LLVMIntTypeInContext(cg->ctx, 2 * bits), lanes(t) / 2);
    LLVMValueRef x = pick(cg, as(cg, a, wt), as(cg, b, wt), 0, 1, lanes(t));
    x = is_signed ? clamp(cg, x, -(1ll << (bits - 1)), (1ll << (bits - 1)) - 1)
                  : clamp(cg, x, 0, (1ll << bits) - 1);
    return LLVMBuildTrunc(cg->b, x, t, "");
}

/* Pairs of adjacent lanes of wide vector w summed: half its lanes. */
static LLVMValueRef pairwise(cg_module *cg, LLVMValueRef w) {
    unsigned n = lanes(LLVMTypeOf(w)) / 2;
    return LLVMBuildAdd(cg->b, pick(cg, w, NULL, 0, 2, n), pick(cg, w, NULL, 1, 2, n), "");
}

static LLVMValueRef icmp(cg_module *cg, LLVMIntPredicate p, LLVMTypeRef t, LLVMValueRef *a) {
    LLVMValueRef c = LLVMBuildICmp(cg->b, p, as(cg, a[0], t), as(cg, a[1], t), "");
    return out(cg, LLVMBuildSExt(cg->b, c, t, ""));
}

static LLVMValueRef fcmp(cg_module *cg, LLVMRealPredicate p, LLVMTypeRef t, LLVMValueRef *a) {
    LLVMValueRef c = LLVMBuildFCmp(cg->b, p, as(cg, a[0], t), as(cg, a[1], t), "");
    return out(cg, LLVMBuildSExt(cg->b, c, int_shape(cg, t), ""));
}

typedef LLVMValueRef (*build2)(LLVMBuilderRef, LLVMValueRef, LLVMValueRef, const char *);

static LLVMValueRef binop(cg_module *cg, build2 build, LLVMTypeRef t, LLVMValueRef *a) {
    return out(cg, build(cg->b, as(cg, a[0], t), as(cg, a[1], t), ""));
}

/* Float arithmetic; constants LLVM would fold as identities stay opaque
 * so a signalling NaN is still quieted (translate.c's scalar rule). */
static LLVMValueRef float_op(cg_module *cg, build2 build, LLVMValueRef x, LLVMValueRef y) {
    return build(cg->b, cg_opaque_identity(cg, x), cg_opaque_identity(cg, y), "");
}

static LLVMValueRef intrinsic2(cg_module *cg, const char *name, LLVMTypeRef t, LLVMValueRef *a) {
    return out(cg, call2(cg, name, as(cg, a[0], t), as(cg, a[1], t)));
}

static LLVMValueRef intrinsic1(cg_module *cg, const char *name, LLVMTypeRef t, LLVMValueRef *a) {
    return out(cg, call1(cg, name, as(cg, a[0], t)));
}

/* min/max: llvm.minimum/maximum order -0 < +0 and propagate a NaN, but
 * unquieted; a NaN lane gives a + b instead, quiet, as the scalar ones do. */
static LLVMValueRef min_max(cg_module *cg, const char *name, LLVMTypeRef t, LLVMValueRef *a) {
    LLVMValueRef x = as(cg, a[0], t), y = as(cg, a[1], t);
    LLVMValueRef r = call2(cg, name, x, y);
    LLVMValueRef nan = LLVMBuildFCmp(cg->b, LLVMRealUNO, x, y, "");
    return out(cg, LLVMBuildSelect(cg->b, nan, LLVMBuildFAdd(cg->b, x, y, ""), r, ""));
}

/* pmin: b < a ? b : a; pmax: a < b ? b : a (operands as they are). */
static LLVMValueRef pmin_pmax(cg_module *cg, bool is_max, LLVMTypeRef t, LLVMValueRef *a) {
    LLVMValueRef x = as(cg, a[0], t), y = as(cg, a[1], t);
    LLVMValueRef lt = is_max ? LLVMBuildFCmp(cg->b, LLVMRealOLT, x, y, "")
                             : LLVMBuildFCmp(cg->b, LLVMRealOLT, y, x, "");
    return out(cg, LLVMBuildSelect(cg->b, lt, y, x, ""));
}

/* Lane shifts: the count modulo the lane width. */
static LLVMValueRef shift(cg_module *cg, LLVMOpcode opc, LLVMTypeRef t, LLVMValueRef *a) {
    unsigned bits = LLVMGetIntTypeWidth(lane_type(t));
    LLVMValueRef n = LLVMBuildAnd(cg->b, a[1], LLVMConstInt(cg->i32, bits - 1, 0), "");
    n = LLVMBuildIntCast2(cg->b, n, lane_type(t), 0, "");
    return out(cg, LLVMBuildBinOp(cg->b, opc, as(cg, a[0], t), splat(cg, t, n), ""));
}

/* (a + b + 1) / 2 per unsigned lane, without overflow. */
static LLVMValueRef avgr(cg_module *cg, LLVMTypeRef t, LLVMValueRef *a) {
    LLVMValueRef x = extend(cg, as(cg, a[0], t), false), y = extend(cg, as(cg, a[1], t), false);
    LLVMTypeRef wt = LLVMTypeOf(x);
    LLVMValueRef s = LLVMBuildAdd(cg->b, LLVMBuildAdd(cg->b, x, y, ""), int_splat(wt, 1), "");
    return out(cg, LLVMBuildTrunc(cg->b, LLVMBuildLShr(cg->b, s, int_splat(wt, 1), ""), t, ""));
}

/* q15mulr_sat_s: (a * b + 0x4000) >> 15 per lane, saturated (only
 * -0x8000 * -0x8000 overflows). */
static LLVMValueRef q15mulr(cg_module *cg, LLVMValueRef *a) {
    LLVMValueRef x = extend(cg, as(cg, a[0], cg->i16x8), true);
    LLVMValueRef y = extend(cg, as(cg, a[1], cg->i16x8), true);
    LLVMTypeRef wt = LLVMTypeOf(x);
    LLVMValueRef p = LLVMBuildAdd(cg->b, LLVMBuildMul(cg->b, x, y, ""), int_splat(wt, 0x4000), "");
    p = LLVMBuildAShr(cg->b, p, int_splat(wt, 15), "");
    p = call2(cg, "llvm.smin", p, int_splat(wt, 0x7fff));
    return out(cg, LLVMBuildTrunc(cg->b, p, cg->i16x8, ""));
}

/* extmul: the low or high halves of a and b extended, then multiplied in t. */
static LLVMValueRef extmul(cg_module *cg, LLVMTypeRef t, LLVMValueRef *a, bool high,
                           bool is_signed) {
    LLVMValueRef x = extend_half(cg, t, a[0], high, is_signed);
    LLVMValueRef y = extend_half(cg, t, a[1], high, is_signed);
    return out(cg, LLVMBuildMul(cg->b, x, y, ""));
}

/* Products of signed lanes of shape st, widened to `bits`. */
static LLVMValueRef products(cg_module *cg, LLVMTypeRef st, unsigned bits, LLVMValueRef *a) {
    LLVMTypeRef wt = resized(cg, st, bits);
    LLVMValueRef x = LLVMBuildSExt(cg->b, as(cg, a[0], st), wt, "");
    LLVMValueRef y = LLVMBuildSExt(cg->b, as(cg, a[1], st), wt, "");
    return LLVMBuildMul(cg->b, x, y, "");
}

/* i16x8.relaxed_dot_i8x16_i7x16_s as the interpreter runs it (wasm 3.0's
 * deterministic profile, b signed): each pair of byte products added with
 * signed saturation (only -128 * -128 twice saturates). */
static LLVMValueRef relaxed_dot(cg_module *cg, LLVMValueRef *a) {
    LLVMValueRef p = products(cg, cg->i8x16, 16, a);
    return call2(cg, "llvm.sadd.sat", pick(cg, p, NULL, 0, 2, 8), pick(cg, p, NULL, 1, 2, 8));
}

/* swizzle: lane i is a[s[i]], or 0 when s[i] >= 16.  x86's pshufb zeroes
 * a lane only for an index with its top bit set, so larger ones get it. */
static LLVMValueRef swizzle(cg_module *cg, LLVMValueRef *a) {
    LLVMValueRef v = as(cg, a[0], cg->i8x16), s = as(cg, a[1], cg->i8x16);
    LLVMValueRef in = LLVMBuildICmp(cg->b, LLVMIntULT, s, int_splat(cg->i8x16, 16), "");
    if (!strncmp(LLVMGetTarget(cg->mod), "x86_64", 6)) {
        LLVMValueRef args[2] = {v, LLVMBuildSelect(cg->b, in, s, int_splat(cg->i8x16, 0x80), "")};
        return out(cg, cg_intrinsic(cg, "llvm.x86.ssse3.pshuf.b.128", NULL, 0, args, 2));
    }
    LLVMValueRef r = LLVMConstNull(cg->i8x16);
    LLVMValueRef idx = LLVMBuildAnd(cg->b, s, int_splat(cg->i8x16, 15), "");
    for (unsigned i = 0; i < 16; i++) {
        LLVMValueRef k = LLVMConstInt(cg->i32, i, 0);
        LLVMValueRef at = LLVMBuildExtractElement(cg->b, idx, k, "");
        LLVMValueRef e = LLVMBuildExtractElement(cg->b, v, at, "");
        r = LLVMBuildInsertElement(cg->b, r, e, k, "");
    }
    return out(cg, LLVMBuildSelect(cg->b, in, r, LLVMConstNull(cg->i8x16), ""));
}

/* trunc_sat to i32 lanes: f32x4 whole, or f64x2 into the low two lanes
 * (the high ones 0).  NaN is 0 and the rest saturates; written as selects
 * around a conversion of values in range (llvm.fpto*i.sat on vectors is
 * split into lanes on x86: three times the instructions). */
static LLVMValueRef trunc_sat(cg_module *cg, LLVMTypeRef from, LLVMValueRef v, bool is_signed) {
    LLVMBuilderRef b = cg->b;
    LLVMTypeRef ft = lane_type(from), it = resized(cg, from, 32);
    LLVMValueRef x = as(cg, v, from);
    LLVMValueRef zero = LLVMConstNull(from);
    LLVMValueRef lo = splat_const(LLVMConstReal(ft, is_signed ? -2147483648.0 : 0.0), lanes(from));
    double first_out = is_signed ? 2147483648.0 : 4294967296.0;
    LLVMValueRef top = splat_const(LLVMConstReal(ft, first_out), lanes(from));
    LLVMValueRef max = int_splat(it, is_signed ? 0x7fffffff : 0xffffffff);
    LLVMValueRef big = LLVMBuildFCmp(b, LLVMRealOGE, x, top, "");
    x = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealUNO, x, x, ""), zero, x, "");
    x = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOLT, x, lo, ""), lo, x, "");
    x = LLVMBuildSelect(b, big, zero, x, ""); /* now in range: the conversion is defined */
    LLVMValueRef r = is_signed ? LLVMBuildFPToSI(b, x, it, "") : LLVMBuildFPToUI(b, x, it, "");
    r = LLVMBuildSelect(b, big, max, r, "");
    if (from == cg->f64x2)
        r = pick(cg, r, LLVMConstNull(it), 0, 1, 4);
    return out(cg, r);
}

/* A value made of data movement only: what LLVM sees through when it
 * folds a conversion pair. */
static LLVMValueRef moved_from(LLVMValueRef v) {
    while (LLVMIsABitCastInst(v) || LLVMIsAShuffleVectorInst(v))
        v = LLVMGetOperand(v, 0);
    return v;
}

LLVMValueRef cg_simd(cg_module *cg, const fl_instr *in, LLVMValueRef *a) {
    LLVMBuilderRef b = cg->b;
    uint32_t op = in->simd;
    LLVMTypeRef t = shape(cg, op);
    LLVMValueRef lane = LLVMConstInt(cg->i32, in->lane, 0);

    switch (op) {
    case FL_SIMD_V128_CONST: {
        uint64_t w[2];
        memcpy(w, in->vec, 16); /* little-endian, as wasm's lanes */
        LLVMValueRef e[2] = {LLVMConstInt(cg->i64, w[0], 0), LLVMConstInt(cg->i64, w[1], 0)};
        return LLVMConstVector(e, 2);
    }
    case FL_SIMD_I8X16_SHUFFLE: {
        LLVMValueRef idx[16];
        for (unsigned i = 0; i < 16; i++)
            idx[i] = LLVMConstInt(cg->i32, in->vec[i], 0);
        return out(cg, LLVMBuildShuffleVector(b, as(cg, a[0], t), as(cg, a[1], t),
                                              LLVMConstVector(idx, 16), ""));
    }
    case FL_SIMD_I8X16_SWIZZLE:
    case FL_SIMD_I8X16_RELAXED_SWIZZLE:
        return swizzle(cg, a);

    /* splat, lanes */
    case FL_SIMD_I8X16_SPLAT: case FL_SIMD_I16X8_SPLAT: case FL_SIMD_I32X4_SPLAT:
    case FL_SIMD_I64X2_SPLAT: case FL_SIMD_F32X4_SPLAT: case FL_SIMD_F64X2_SPLAT:
        return out(cg, splat(cg, t, to_lane(cg, t, a[0])));
    case FL_SIMD_I8X16_EXTRACT_LANE_S: case FL_SIMD_I16X8_EXTRACT_LANE_S:
        return LLVMBuildSExt(b, LLVMBuildExtractElement(b, as(cg, a[0], t), lane, ""), cg->i32, "");
    case FL_SIMD_I8X16_EXTRACT_LANE_U: case FL_SIMD_I16X8_EXTRACT_LANE_U:
        return LLVMBuildZExt(b, LLVMBuildExtractElement(b, as(cg, a[0], t), lane, ""), cg->i32, "");
    case FL_SIMD_I32X4_EXTRACT_LANE: case FL_SIMD_I64X2_EXTRACT_LANE:
    case FL_SIMD_F32X4_EXTRACT_LANE: case FL_SIMD_F64X2_EXTRACT_LANE:
        return LLVMBuildExtractElement(b, as(cg, a[0], t), lane, "");
    case FL_SIMD_I8X16_REPLACE_LANE: case FL_SIMD_I16X8_REPLACE_LANE: case FL_SIMD_I32X4_REPLACE_LANE:
    case FL_SIMD_I64X2_REPLACE_LANE: case FL_SIMD_F32X4_REPLACE_LANE: case FL_SIMD_F64X2_REPLACE_LANE:
        return out(cg, LLVMBuildInsertElement(b, as(cg, a[0], t), to_lane(cg, t, a[1]), lane, ""));

    /* comparisons: all ones or zero per lane */
    case FL_SIMD_I8X16_EQ: case FL_SIMD_I16X8_EQ: case FL_SIMD_I32X4_EQ: case FL_SIMD_I64X2_EQ:
        return icmp(cg, LLVMIntEQ, t, a);
    case FL_SIMD_I8X16_NE: case FL_SIMD_I16X8_NE: case FL_SIMD_I32X4_NE: case FL_SIMD_I64X2_NE:
        return icmp(cg, LLVMIntNE, t, a);
    case FL_SIMD_I8X16_LT_S: case FL_SIMD_I16X8_LT_S: case FL_SIMD_I32X4_LT_S: case FL_SIMD_I64X2_LT_S:
        return icmp(cg, LLVMIntSLT, t, a);
    case FL_SIMD_I8X16_LT_U: case FL_SIMD_I16X8_LT_U: case FL_SIMD_I32X4_LT_U:
        return icmp(cg, LLVMIntULT, t, a);
    case FL_SIMD_I8X16_GT_S: case FL_SIMD_I16X8_GT_S: case FL_SIMD_I32X4_GT_S: case FL_SIMD_I64X2_GT_S:
        return icmp(cg, LLVMIntSGT, t, a);
    case FL_SIMD_I8X16_GT_U: case FL_SIMD_I16X8_GT_U: case FL_SIMD_I32X4_GT_U:
        return icmp(cg, LLVMIntUGT, t, a);
    case FL_SIMD_I8X16_LE_S: case FL_SIMD_I16X8_LE_S: case FL_SIMD_I32X4_LE_S: case FL_SIMD_I64X2_LE_S:
        return icmp(cg, LLVMIntSLE, t, a);
    case FL_SIMD_I8X16_LE_U: case FL_SIMD_I16X8_LE_U: case FL_SIMD_I32X4_LE_U:
        return icmp(cg, LLVMIntULE, t, a);
    case FL_SIMD_I8X16_GE_S: case FL_SIMD_I16X8_GE_S: case FL_SIMD_I32X4_GE_S: case FL_SIMD_I64X2_GE_S:
        return icmp(cg, LLVMIntSGE, t, a);
    case FL_SIMD_I8X16_GE_U: case FL_SIMD_I16X8_GE_U: case FL_SIMD_I32X4_GE_U:
        return icmp(cg, LLVMIntUGE, t, a);
    case FL_SIMD_F32X4_EQ: case FL_SIMD_F64X2_EQ: return fcmp(cg, LLVMRealOEQ, t, a);
    case FL_SIMD_F32X4_NE: case FL_SIMD_F64X2_NE: return fcmp(cg, LLVMRealUNE, t, a);
    case FL_SIMD_F32X4_LT: case FL_SIMD_F64X2_LT: return fcmp(cg, LLVMRealOLT, t, a);
    case FL_SIMD_F32X4_GT: case FL_SIMD_F64X2_GT: return fcmp(cg, LLVMRealOGT, t, a);
    case FL_SIMD_F32X4_LE: case FL_SIMD_F64X2_LE: return fcmp(cg, LLVMRealOLE, t, a);
    case FL_SIMD_F32X4_GE: case FL_SIMD_F64X2_GE: return fcmp(cg, LLVMRealOGE, t, a);

    /* bitwise */
    case FL_SIMD_V128_NOT: return LLVMBuildNot(b, a[0], "");
    case FL_SIMD_V128_AND: return LLVMBuildAnd(b, a[0], a[1], "");
    case FL_SIMD_V128_ANDNOT: return LLVMBuildAnd(b, a[0], LLVMBuildNot(b, a[1], ""), "");
    case FL_SIMD_V128_OR: return LLVMBuildOr(b, a[0], a[1], "");
    case FL_SIMD_V128_XOR: return LLVMBuildXor(b, a[0], a[1], "");
    case FL_SIMD_V128_BITSELECT:
    case FL_SIMD_I8X16_RELAXED_LANESELECT: case FL_SIMD_I16X8_RELAXED_LANESELECT:
    case FL_SIMD_I32X4_RELAXED_LANESELECT: case FL_SIMD_I64X2_RELAXED_LANESELECT: {
        LLVMValueRef x = as(cg, a[0], cg->v128), y = as(cg, a[1], cg->v128), c = as(cg, a[2], cg->v128);
        return LLVMBuildOr(b, LLVMBuildAnd(b, x, c, ""), LLVMBuildAnd(b, y, LLVMBuildNot(b, c, ""), ""), "");
    }
    case FL_SIMD_V128_ANY_TRUE: {
        LLVMValueRef x = LLVMBuildBitCast(b, a[0], LLVMIntTypeInContext(cg->ctx, 128), "");
        return LLVMBuildZExt(b, LLVMBuildICmp(b, LLVMIntNE, x, LLVMConstNull(LLVMTypeOf(x)), ""), cg->i32, "");
    }
    case FL_SIMD_I8X16_ALL_TRUE: case FL_SIMD_I16X8_ALL_TRUE:
    case FL_SIMD_I32X4_ALL_TRUE: case FL_SIMD_I64X2_ALL_TRUE: {
        LLVMValueRef nz = LLVMBuildICmp(b, LLVMIntNE, as(cg, a[0], t), LLVMConstNull(t), "");
        LLVMTypeRef mt = LLVMIntTypeInContext(cg->ctx, lanes(t));
        LLVMValueRef m = LLVMBuildBitCast(b, nz, mt, "");
        return LLVMBuildZExt(b, LLVMBuildICmp(b, LLVMIntEQ, m, LLVMConstAllOnes(mt), ""), cg->i32, "");
    }
    case FL_SIMD_I8X16_BITMASK: case FL_SIMD_I16X8_BITMASK:
    case FL_SIMD_I32X4_BITMASK: case FL_SIMD_I64X2_BITMASK: {
        LLVMValueRef neg = LLVMBuildICmp(b, LLVMIntSLT, as(cg, a[0], t), LLVMConstNull(t), "");
        LLVMValueRef m = LLVMBuildBitCast(b, neg, LLVMIntTypeInContext(cg->ctx, lanes(t)), "");
        return LLVMBuildZExt(b, m, cg->i32, "");
    }

    /* integer lanes */
    case FL_SIMD_I8X16_ADD: case FL_SIMD_I16X8_ADD: case FL_SIMD_I32X4_ADD: case FL_SIMD_I64X2_ADD:
        return binop(cg, LLVMBuildAdd, t, a);
    case FL_SIMD_I8X16_SUB: case FL_SIMD_I16X8_SUB: case FL_SIMD_I32X4_SUB: case FL_SIMD_I64X2_SUB:
        return binop(cg, LLVMBuildSub, t, a);
    case FL_SIMD_I16X8_MUL: case FL_SIMD_I32X4_MUL: case FL_SIMD_I64X2_MUL:
        return binop(cg, LLVMBuildMul, t, a);
    case FL_SIMD_I8X16_NEG: case FL_SIMD_I16X8_NEG: case FL_SIMD_I32X4_NEG: case FL_SIMD_I64X2_NEG:
        return out(cg, LLVMBuildNeg(b, as(cg, a[0], t), ""));
    case FL_SIMD_I8X16_ABS: case FL_SIMD_I16X8_ABS: case FL_SIMD_I32X4_ABS: case FL_SIMD_I64X2_ABS: {
        /* is_int_min_poison false: abs(INT_MIN) is INT_MIN */
        LLVMValueRef args[2] = {as(cg, a[0], t), LLVMConstInt(cg->i1, 0, 0)};
        return out(cg, cg_intrinsic(cg, "llvm.abs", &t, 1, args, 2));
    }
    case FL_SIMD_I8X16_POPCNT: return intrinsic1(cg, "llvm.ctpop", t, a);
    case FL_SIMD_I8X16_ADD_SAT_S: case FL_SIMD_I16X8_ADD_SAT_S: return intrinsic2(cg, "llvm.sadd.sat", t, a);
    case FL_SIMD_I8X16_ADD_SAT_U: case FL_SIMD_I16X8_ADD_SAT_U: return intrinsic2(cg, "llvm.uadd.sat", t, a);
    case FL_SIMD_I8X16_SUB_SAT_S: case FL_SIMD_I16X8_SUB_SAT_S: return intrinsic2(cg, "llvm.ssub.sat", t, a);
    case FL_SIMD_I8X16_SUB_SAT_U: case FL_SIMD_I16X8_SUB_SAT_U: return intrinsic2(cg, "llvm.usub.sat", t, a);
    case FL_SIMD_I8X16_MIN_S: case FL_SIMD_I16X8_MIN_S: case FL_SIMD_I32X4_MIN_S:
        return intrinsic2(cg, "llvm.smin", t, a);
    case FL_SIMD_I8X16_MIN_U: case FL_SIMD_I16X8_MIN_U: case FL_SIMD_I32X4_MIN_U:
        return intrinsic2(cg, "llvm.umin", t, a);
    case FL_SIMD_I8X16_MAX_S: case FL_SIMD_I16X8_MAX_S: case FL_SIMD_I32X4_MAX_S:
        return intrinsic2(cg, "llvm.smax", t, a);
    case FL_SIMD_I8X16_MAX_U: case FL_SIMD_I16X8_MAX_U: case FL_SIMD_I32X4_MAX_U:
        return intrinsic2(cg, "llvm.umax", t, a);
    case FL_SIMD_I8X16_AVGR_U: case FL_SIMD_I16X8_AVGR_U:
        return avgr(cg, t, a);
    case FL_SIMD_I8X16_SHL: case FL_SIMD_I16X8_SHL: case FL_SIMD_I32X4_SHL: case FL_SIMD_I64X2_SHL:
        return shift(cg, LLVMShl, t, a);
    case FL_SIMD_I8X16_SHR_S: case FL_SIMD_I16X8_SHR_S: case FL_SIMD_I32X4_SHR_S: case FL_SIMD_I64X2_SHR_S:
        return shift(cg, LLVMAShr, t, a);
    case FL_SIMD_I8X16_SHR_U: case FL_SIMD_I16X8_SHR_U: case FL_SIMD_I32X4_SHR_U: case FL_SIMD_I64X2_SHR_U:
        return shift(cg, LLVMLShr, t, a);
    case FL_SIMD_I16X8_Q15MULR_SAT_S:
    case FL_SIMD_I16X8_RELAXED_Q15MULR_S:
        return q15mulr(cg, a);

    /* widening and narrowing */
    case FL_SIMD_I8X16_NARROW_I16X8_S: case FL_SIMD_I16X8_NARROW_I32X4_S:
        return out(cg, narrow(cg, t, a[0], a[1], true));
    case FL_SIMD_I8X16_NARROW_I16X8_U: case FL_SIMD_I16X8_NARROW_I32X4_U:
        return out(cg, narrow(cg, t, a[0], a[1], false));
    case FL_SIMD_I16X8_EXTEND_LOW_I8X16_S: case FL_SIMD_I32X4_EXTEND_LOW_I16X8_S:
    case FL_SIMD_I64X2_EXTEND_LOW_I32X4_S:
        return out(cg, extend_half(cg, t, a[0], false, true));
    case FL_SIMD_I16X8_EXTEND_HIGH_I8X16_S: case FL_SIMD_I32X4_EXTEND_HIGH_I16X8_S:
    case FL_SIMD_I64X2_EXTEND_HIGH_I32X4_S:
        return out(cg, extend_half(cg, t, a[0], true, true));
    case FL_SIMD_I16X8_EXTEND_LOW_I8X16_U: case FL_SIMD_I32X4_EXTEND_LOW_I16X8_U:
    case FL_SIMD_I64X2_EXTEND_LOW_I32X4_U:
        return out(cg, extend_half(cg, t, a[0], false, false));
    case FL_SIMD_I16X8_EXTEND_HIGH_I8X16_U: case FL_SIMD_I32X4_EXTEND_HIGH_I16X8_U:
    case FL_SIMD_I64X2_EXTEND_HIGH_I32X4_U:
        return out(cg, extend_half(cg, t, a[0], true, false));
    case FL_SIMD_I16X8_EXTMUL_LOW_I8X16_S: case FL_SIMD_I32X4_EXTMUL_LOW_I16X8_S:
    case FL_SIMD_I64X2_EXTMUL_LOW_I32X4_S:
        return extmul(cg, t, a, false, true);
    case FL_SIMD_I16X8_EXTMUL_HIGH_I8X16_S: case FL_SIMD_I32X4_EXTMUL_HIGH_I16X8_S:
    case FL_SIMD_I64X2_EXTMUL_HIGH_I32X4_S:
        return extmul(cg, t, a, true, true);
    case FL_SIMD_I16X8_EXTMUL_LOW_I8X16_U: case FL_SIMD_I32X4_EXTMUL_LOW_I16X8_U:
    case FL_SIMD_I64X2_EXTMUL_LOW_I32X4_U:
        return extmul(cg, t, a, false, false);
    case FL_SIMD_I16X8_EXTMUL_HIGH_I8X16_U: case FL_SIMD_I32X4_EXTMUL_HIGH_I16X8_U:
    case FL_SIMD_I64X2_EXTMUL_HIGH_I32X4_U:
        return extmul(cg, t, a, true, false);
    case FL_SIMD_I16X8_EXTADD_PAIRWISE_I8X16_S: case FL_SIMD_I32X4_EXTADD_PAIRWISE_I16X8_S:
    case FL_SIMD_I16X8_EXTADD_PAIRWISE_I8X16_U: case FL_SIMD_I32X4_EXTADD_PAIRWISE_I16X8_U: {
        bool is_signed = op == FL_SIMD_I16X8_EXTADD_PAIRWISE_I8X16_S ||
                         op == FL_SIMD_I32X4_EXTADD_PAIRWISE_I16X8_S;
        LLVMTypeRef st = t == cg->i16x8 ? cg->i8x16 : cg->i16x8;
        return out(cg, pairwise(cg, extend(cg, as(cg, a[0], st), is_signed)));
    }
    case FL_SIMD_I32X4_DOT_I16X8_S:
        return out(cg, pairwise(cg, products(cg, cg->i16x8, 32, a)));
    case FL_SIMD_I16X8_RELAXED_DOT_I8X16_I7X16_S:
        return out(cg, relaxed_dot(cg, a));
    case FL_SIMD_I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S: /* extadd_pairwise_s of the dot, + c */
        return out(cg, LLVMBuildAdd(b, pairwise(cg, extend(cg, relaxed_dot(cg, a), true)),
                                    as(cg, a[2], cg->i32x4), ""));

    /* float lanes */
    case FL_SIMD_F32X4_ABS: case FL_SIMD_F64X2_ABS: return intrinsic1(cg, "llvm.fabs", t, a);
    case FL_SIMD_F32X4_NEG: case FL_SIMD_F64X2_NEG: return out(cg, LLVMBuildFNeg(b, as(cg, a[0], t), ""));
    case FL_SIMD_F32X4_SQRT: case FL_SIMD_F64X2_SQRT: return intrinsic1(cg, "llvm.sqrt", t, a);
    case FL_SIMD_F32X4_CEIL: case FL_SIMD_F64X2_CEIL: return intrinsic1(cg, "llvm.ceil", t, a);
    case FL_SIMD_F32X4_FLOOR: case FL_SIMD_F64X2_FLOOR: return intrinsic1(cg, "llvm.floor", t, a);
    case FL_SIMD_F32X4_TRUNC: case FL_SIMD_F64X2_TRUNC: return intrinsic1(cg, "llvm.trunc", t, a);
    case FL_SIMD_F32X4_NEAREST: case FL_SIMD_F64X2_NEAREST: return intrinsic1(cg, "llvm.roundeven", t, a);
    case FL_SIMD_F32X4_ADD: case FL_SIMD_F64X2_ADD:
        return out(cg, float_op(cg, LLVMBuildFAdd, as(cg, a[0], t), as(cg, a[1], t)));
    case FL_SIMD_F32X4_SUB: case FL_SIMD_F64X2_SUB:
        return out(cg, float_op(cg, LLVMBuildFSub, as(cg, a[0], t), as(cg, a[1], t)));
    case FL_SIMD_F32X4_MUL: case FL_SIMD_F64X2_MUL:
        return out(cg, float_op(cg, LLVMBuildFMul, as(cg, a[0], t), as(cg, a[1], t)));
    case FL_SIMD_F32X4_DIV: case FL_SIMD_F64X2_DIV:
        return out(cg, float_op(cg, LLVMBuildFDiv, as(cg, a[0], t), as(cg, a[1], t)));
    case FL_SIMD_F32X4_MIN: case FL_SIMD_F64X2_MIN:
    case FL_SIMD_F32X4_RELAXED_MIN: case FL_SIMD_F64X2_RELAXED_MIN:
        return min_max(cg, "llvm.minimum", t, a);
    case FL_SIMD_F32X4_MAX: case FL_SIMD_F64X2_MAX:
    case FL_SIMD_F32X4_RELAXED_MAX: case FL_SIMD_F64X2_RELAXED_MAX:
        return min_max(cg, "llvm.maximum", t, a);
    case FL_SIMD_F32X4_PMIN: case FL_SIMD_F64X2_PMIN: return pmin_pmax(cg, false, t, a);
    case FL_SIMD_F32X4_PMAX: case FL_SIMD_F64X2_PMAX: return pmin_pmax(cg, true, t, a);
    case FL_SIMD_F32X4_RELAXED_MADD: case FL_SIMD_F64X2_RELAXED_MADD:
    case FL_SIMD_F32X4_RELAXED_NMADD: case FL_SIMD_F64X2_RELAXED_NMADD: {
        /* a * b rounded, then + c: never fused */
        LLVMValueRef p = float_op(cg, LLVMBuildFMul, as(cg, a[0], t), as(cg, a[1], t));
        if (op == FL_SIMD_F32X4_RELAXED_NMADD || op == FL_SIMD_F64X2_RELAXED_NMADD)
            p = LLVMBuildFNeg(b, p, "");
        return out(cg, float_op(cg, LLVMBuildFAdd, p, as(cg, a[2], t)));
    }

    /* conversions */
    case FL_SIMD_I32X4_TRUNC_SAT_F32X4_S: case FL_SIMD_I32X4_RELAXED_TRUNC_F32X4_S:
        return trunc_sat(cg, cg->f32x4, a[0], true);
    case FL_SIMD_I32X4_TRUNC_SAT_F32X4_U: case FL_SIMD_I32X4_RELAXED_TRUNC_F32X4_U:
        return trunc_sat(cg, cg->f32x4, a[0], false);
    case FL_SIMD_I32X4_TRUNC_SAT_F64X2_S_ZERO: case FL_SIMD_I32X4_RELAXED_TRUNC_F64X2_S_ZERO:
        return trunc_sat(cg, cg->f64x2, a[0], true);
    case FL_SIMD_I32X4_TRUNC_SAT_F64X2_U_ZERO: case FL_SIMD_I32X4_RELAXED_TRUNC_F64X2_U_ZERO:
        return trunc_sat(cg, cg->f64x2, a[0], false);
    case FL_SIMD_F32X4_CONVERT_I32X4_S:
        return out(cg, LLVMBuildSIToFP(b, as(cg, a[0], cg->i32x4), cg->f32x4, ""));
    case FL_SIMD_F32X4_CONVERT_I32X4_U:
        return out(cg, LLVMBuildUIToFP(b, as(cg, a[0], cg->i32x4), cg->f32x4, ""));
    case FL_SIMD_F64X2_CONVERT_LOW_I32X4_S:
        return out(cg, LLVMBuildSIToFP(b, pick(cg, as(cg, a[0], cg->i32x4), NULL, 0, 1, 2), cg->f64x2, ""));
    case FL_SIMD_F64X2_CONVERT_LOW_I32X4_U:
        return out(cg, LLVMBuildUIToFP(b, pick(cg, as(cg, a[0], cg->i32x4), NULL, 0, 1, 2), cg->f64x2, ""));
    /* demote(promote(x)) is x to LLVM, quieted NaNs to wasm (as the scalar
     * pair in translate.c) */
    case FL_SIMD_F32X4_DEMOTE_F64X2_ZERO: {
        LLVMValueRef x = a[0];
        if (LLVMIsAFPExtInst(moved_from(x)))
            x = cg_opaque(cg, x);
        LLVMValueRef r = LLVMBuildFPTrunc(b, as(cg, x, cg->f64x2), LLVMVectorType(cg->f32, 2), "");
        return out(cg, pick(cg, r, LLVMConstNull(LLVMTypeOf(r)), 0, 1, 4));
    }
    case FL_SIMD_F64X2_PROMOTE_LOW_F32X4: {
        LLVMValueRef x = a[0];
        if (LLVMIsAFPTruncInst(moved_from(x)))
            x = cg_opaque(cg, x);
        return out(cg, LLVMBuildFPExt(b, pick(cg, as(cg, x, cg->f32x4), NULL, 0, 1, 2), cg->f64x2, ""));
    }
    default:
        return NULL; /* a memory instruction: translate.c's */
    }
}

LLVMValueRef cg_simd_loaded(cg_module *cg, const fl_instr *in, LLVMValueRef x, LLVMValueRef v) {
    LLVMBuilderRef b = cg->b;
    switch (in->simd) {
    case FL_SIMD_V128_LOAD:
        return x;
    case FL_SIMD_V128_LOAD8X8_S: case FL_SIMD_V128_LOAD8X8_U:
    case FL_SIMD_V128_LOAD16X4_S: case FL_SIMD_V128_LOAD16X4_U:
    case FL_SIMD_V128_LOAD32X2_S: case FL_SIMD_V128_LOAD32X2_U: {
        /* 8 bytes as lanes half as wide as the result's */
        bool is_signed = in->simd == FL_SIMD_V128_LOAD8X8_S || in->simd == FL_SIMD_V128_LOAD16X4_S ||
                         in->simd == FL_SIMD_V128_LOAD32X2_S;
        unsigned bits = in->simd <= FL_SIMD_V128_LOAD8X8_U ? 8 : in->simd <= FL_SIMD_V128_LOAD16X4_U ? 16 : 32;
        LLVMTypeRef nt = LLVMVectorType(LLVMIntTypeInContext(cg->ctx, bits), 64 / bits);
        return out(cg, extend(cg, LLVMBuildBitCast(b, x, nt, ""), is_signed));
    }
    case FL_SIMD_V128_LOAD8_SPLAT: case FL_SIMD_V128_LOAD16_SPLAT:
    case FL_SIMD_V128_LOAD32_SPLAT: case FL_SIMD_V128_LOAD64_SPLAT:
        return out(cg, splat(cg, LLVMVectorType(LLVMTypeOf(x), 128 / LLVMGetIntTypeWidth(LLVMTypeOf(x))), x));
    case FL_SIMD_V128_LOAD32_ZERO: case FL_SIMD_V128_LOAD64_ZERO: {
        LLVMTypeRef t = LLVMVectorType(LLVMTypeOf(x), 128 / LLVMGetIntTypeWidth(LLVMTypeOf(x)));
        return out(cg, LLVMBuildInsertElement(b, LLVMConstNull(t), x, LLVMConstInt(cg->i32, 0, 0), ""));
    }
    default: { /* loadN_lane */
        LLVMTypeRef t = LLVMVectorType(LLVMTypeOf(x), 128 / LLVMGetIntTypeWidth(LLVMTypeOf(x)));
        return out(cg, LLVMBuildInsertElement(b, as(cg, v, t), x, LLVMConstInt(cg->i32, in->lane, 0), ""));
    }
    }
}

LLVMValueRef cg_simd_stored(cg_module *cg, const fl_instr *in, LLVMValueRef v) {
    if (in->simd == FL_SIMD_V128_STORE)
        return v;
    unsigned bits = 8u << fl_simd_opinfo_table[in->simd].arg;
    LLVMTypeRef t = LLVMVectorType(LLVMIntTypeInContext(cg->ctx, bits), 128 / bits);
    return LLVMBuildExtractElement(cg->b, as(cg, v, t), LLVMConstInt(cg->i32, in->lane, 0), "");
}
