/*
 * decode.h: the binary format decoder.  Turns bytes into an fl_module,
 * checking everything the spec calls malformed (magic and version, section
 * order and sizes, LEB128 encodings, UTF-8 names, instruction encodings in
 * every body and constant expression) but not validity (types, indices).
 */
#ifndef FL_ENGINE_DECODE_H
#define FL_ENGINE_DECODE_H

#include "engine/module.h"
#include "engine/reader.h"

/* Decodes `len` bytes (borrowed: copied into the module).  Returns a module
 * the caller frees with fl_module_free(), or NULL with `err` holding the
 * spec's wording and the byte offset. */
fl_module *fl_decode(const uint8_t *bytes, size_t len, fl_error *err);

/* fl_decode that stops with "loading interrupted" when `opts` (borrowed,
 * may be NULL) asks it to. */
fl_module *fl_decode_opts(const uint8_t *bytes, size_t len, const fl_load_opts *opts,
                          fl_error *err);

/* One instruction and its immediates, as fl_read_instr() reads them. */
typedef struct fl_instr {
    uint32_t op;        /* enum fl_opcode, or FL_OP_SIMD for any 0xFD instruction */
    size_t offset;      /* byte offset of the opcode in the module binary */
    int64_t blocktype;  /* IMM_BLOCKTYPE: -64 empty, a negative valtype
                         * (valtype byte | ~0x7f), or a type index */
    uint32_t a, b;      /* index immediates in binary order; memarg: align, offset;
                         * br_table: a = default label */
    uint64_t bits;      /* IMM_I32/I64 value (sign-extended), IMM_F32/F64 raw bits */
    uint32_t count;     /* IMM_BR_TABLE targets (default excluded), IMM_SELECT_T types */
    const uint8_t *vec; /* first byte of those encoded vectors */
    uint8_t reftype;    /* IMM_REFTYPE */
    uint8_t lane;       /* SIMD IMM_LANE, IMM_MEMARG_LANE */
    uint16_t simd;      /* FL_OP_SIMD: the sub-opcode (enum fl_simd_opcode); its
                         * memarg in a, b; IMM_V128/IMM_SHUFFLE: 16 bytes at vec */
} fl_instr;

/* Marks a SIMD (0xFD-prefixed) instruction in fl_instr.op. */
#define FL_OP_SIMD 0xfdu

/* Reads one instruction at r->pos, checking its encoding (opcode assigned,
 * LEB128 immediates, zero bytes, type bytes) but not its validity.  Shared
 * by the decoder, the validator and the interpreter's compiler.  Returns 0,
 * or -1 with `err` filled ("illegal opcode", "zero byte expected", ...). */
int fl_read_instr(fl_reader *r, fl_instr *in, fl_error *err);

#endif
