/*
 * simd.h: the lane semantics of wasm's 128-bit SIMD instructions
 * (simd_opcodes.def, the 0xFD prefix, relaxed SIMD included), for the
 * interpreter's handlers.  Internal to src/interp.
 *
 * A v128 is 16 bytes in wasm's lane order: lane i of an iNxM occupies bytes
 * [i*N/8, (i+1)*N/8), little-endian, exactly as it is stored in linear
 * memory.  In a frame it takes two adjacent 8-byte slots (bytes 0-7 in the
 * first).  Operands are pointers to 16 bytes aligned to 8 only; a result may
 * be written where an operand is read (d == a is allowed).
 *
 * Each function takes the sub-opcode (enum fl_simd_opcode) of one
 * validated instruction of its shape; any other op is a bug (abort).
 * Semantics are the spec's exactly: wrapping or saturating lanes as named,
 * NaN-propagating min/max (-0 < +0), pmin/pmax as b < a ? b : a, float
 * results that are NaN are quiet NaNs, rounding to nearest even, trunc_sat
 * saturating (NaN -> 0).  Relaxed SIMD runs as wasm 3.0's deterministic
 * profile (see simd_opcodes.def): the non-relaxed counterpart's result,
 * with madd/nmadd a multiply rounded then an add (never fused), and the
 * dot products as wasm 3.0 defines them with b signed: each pair of byte
 * products summed into an i16 with signed saturation (only -128*-128 twice
 * saturates); dot_add then sums those i16s pairwise into i32s and adds c.
 */
#ifndef FL_INTERP_SIMD_H
#define FL_INTERP_SIMD_H

#include <stdint.h>

/* "V:V": d = op(a). */
void fl_simd_v_v(uint32_t op, void *d, const void *a);

/* "VV:V": d = op(a, b) (swizzle, relaxed_swizzle, narrow and dot included). */
void fl_simd_vv_v(uint32_t op, void *d, const void *a, const void *b);

/* "VVV:V": d = op(a, b, c) (bitselect, relaxed madd/nmadd/laneselect/dot_add). */
void fl_simd_vvv_v(uint32_t op, void *d, const void *a, const void *b, const void *c);

/* "V:i", "V:I", "V:f", "V:F": any_true, all_true, bitmask and extract_lane
 * (lane from the immediate; ignored by the others).  Returns the scalar's
 * bits as they sit in a slot: i32 and f32 zero-extended to 64 bits. */
uint64_t fl_simd_v_x(uint32_t op, const void *a, uint32_t lane);

/* "Vi:V", "VI:V", "Vf:V", "VF:V": shifts (x the i32 count, taken modulo the
 * lane width) and replace_lane (x the scalar's slot bits, lane from the
 * immediate). */
void fl_simd_vx_v(uint32_t op, void *d, const void *a, uint64_t x, uint32_t lane);

/* "i:V", "I:V", "f:V", "F:V" without memory: the splats of a scalar's slot bits. */
void fl_simd_splat(uint32_t op, void *d, uint64_t x);

/* i8x16.shuffle: lane i of d is byte lanes[i] of a:b (0-15 a, 16-31 b). */
void fl_simd_shuffle(void *d, const void *a, const void *b, const uint8_t lanes[16]);

/* Bytes a load reads from memory (v128.load* and v128.loadN_lane), or a
 * store writes (v128.store, v128.storeN_lane). */
uint32_t fl_simd_access_size(uint32_t op);

/* The v128.load* forms (load, loadMxN_s/u, loadN_splat, loadN_zero): d from
 * the fl_simd_access_size(op) bytes at src (any alignment). */
void fl_simd_load(uint32_t op, void *d, const uint8_t *src);

/* v128.loadN_lane: d = v with lane `lane` replaced by the bytes at src. */
void fl_simd_load_lane(uint32_t op, void *d, const void *v, const uint8_t *src, uint32_t lane);

/* v128.store and v128.storeN_lane: the bytes to store, from v. */
void fl_simd_store(uint32_t op, uint8_t *dst, const void *v, uint32_t lane);

#endif
