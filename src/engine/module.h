/*
 * module.h: a decoded WebAssembly 2.0 module, the contract between the
 * decoder (decode.c), the validator (validate.c), the interpreter's compiler
 * (interp/compile.c) and instantiation (runtime.c).
 *
 * A module owns a private copy of its binary (or the mapping of it it was
 * given, fl_load_opts.adopt_mapping); every `const uint8_t *` below points
 * into it and lives as long as the module.  After
 * fl_module_load() returns, a module is immutable and may be shared by any
 * number of instances on any number of threads.
 */
#ifndef FL_ENGINE_MODULE_H
#define FL_ENGINE_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value types, with their binary encodings. */
enum fl_valtype {
    FL_I32 = 0x7f,
    FL_I64 = 0x7e,
    FL_F32 = 0x7d,
    FL_F64 = 0x7c,
    FL_V128 = 0x7b,
    FL_FUNCREF = 0x70,
    FL_EXTERNREF = 0x6f,
};

/* External kinds, as in import and export descriptors. */
enum fl_extern_kind {
    FL_EXTERN_FUNC = 0,
    FL_EXTERN_TABLE = 1,
    FL_EXTERN_MEMORY = 2,
    FL_EXTERN_GLOBAL = 3,
};

/* Immediate layouts named by opcodes.def. */
enum fl_imm {
    IMM_NONE,
    IMM_BLOCKTYPE,     /* s33: -64 empty, negative valtype, or type index */
    IMM_LABEL,         /* u32 label depth */
    IMM_BR_TABLE,      /* vec(u32) then u32 default */
    IMM_FUNC,          /* u32 function index */
    IMM_CALL_INDIRECT, /* u32 type index, u32 table index */
    IMM_LOCAL,         /* u32 local index */
    IMM_GLOBAL,        /* u32 global index */
    IMM_TABLE,         /* u32 table index */
    IMM_MEMARG,        /* u32 align (log2), u32 offset */
    IMM_MEMIDX,        /* one byte that must be 0x00 */
    IMM_I32,           /* s32 */
    IMM_I64,           /* s64 */
    IMM_F32,           /* 4 raw bytes */
    IMM_F64,           /* 8 raw bytes */
    IMM_SELECT_T,      /* vec(valtype), length must be 1 */
    IMM_REFTYPE,       /* one reftype byte */
    IMM_MEMORY_INIT,   /* u32 data index, one 0x00 byte */
    IMM_DATA,          /* u32 data index */
    IMM_MEMORY_COPY,   /* two 0x00 bytes */
    IMM_TABLE_INIT,    /* u32 elem index, u32 table index */
    IMM_ELEM,          /* u32 elem index */
    IMM_TABLE_COPY,    /* u32 destination table, u32 source table */
    /* SIMD only (simd_opcodes.def) */
    IMM_MEMARG_LANE,   /* memarg, then one lane-index byte */
    IMM_LANE,          /* one lane-index byte */
    IMM_V128,          /* 16 raw bytes */
    IMM_SHUFFLE,       /* 16 lane-index bytes */
};

/* Opcodes: one-byte ones are their byte; 0xFC ones are 0x100 + sub-opcode. */
enum fl_opcode {
#define OP(name, text, byte, imm, sig) FL_OP_##name = (byte),
#define OP_FC(name, text, sub, imm, sig) FL_OP_##name = 0x100 + (sub),
#include "engine/opcodes.def"
#undef OP
#undef OP_FC
    FL_OP_COUNT = 0x100 + 18,
};

/* Static facts about one opcode, indexed by enum fl_opcode. */
typedef struct fl_opinfo {
    const char *name; /* text format name, NULL for an unassigned opcode */
    uint8_t imm;      /* enum fl_imm */
    const char *sig;  /* "params:results" over i I f F, or NULL */
} fl_opinfo;

extern const fl_opinfo fl_opinfo_table[FL_OP_COUNT];

/* SIMD (0xFD prefix) sub-opcodes, from simd_opcodes.def. */
enum fl_simd_opcode {
#define OP_FD(name, text, sub, imm, sig, arg) FL_SIMD_##name = (sub),
#include "engine/simd_opcodes.def"
#undef OP_FD
    FL_SIMD_COUNT = 0x114, /* 0x100.. are relaxed SIMD */
};

/* Static facts about one SIMD sub-opcode, indexed by enum fl_simd_opcode. */
typedef struct fl_simd_opinfo {
    const char *name; /* NULL for an unassigned sub-opcode */
    uint8_t imm;      /* enum fl_imm */
    uint8_t arg;      /* natural alignment (log2), lane count or 32; see the .def */
    const char *sig;  /* "params:results" over i I f F V */
} fl_simd_opinfo;

extern const fl_simd_opinfo fl_simd_opinfo_table[FL_SIMD_COUNT];

/* The one error a valid module that uses SIMD gets from fl_module_load:
 * SIMD is decoded and validated but not executed yet.  Callers (the spec
 * runner) recognise it by this prefix. */
#define FL_SIMD_UNSUPPORTED "SIMD not supported yet"

/* A function type; params and results point into one owned array. */
typedef struct fl_functype {
    uint32_t nparams;
    uint32_t nresults;
    uint8_t *params;  /* enum fl_valtype */
    uint8_t *results; /* enum fl_valtype */
    /* 8-byte slots the params / results take in a frame or an fl_value
     * array: a v128 takes two (bytes 0-7, then 8-15), every other type one.
     * fl_functype_set_slots() fills them. */
    uint32_t param_slots;
    uint32_t result_slots;
} fl_functype;

/* Slots one value of type t takes (see fl_functype). */
static inline uint32_t fl_valtype_slots(uint8_t t) { return t == FL_V128 ? 2 : 1; }

/* Sets t's param_slots and result_slots from its types. */
void fl_functype_set_slots(fl_functype *t);

/* Limits of a memory (in 64 KiB pages) or a table (in elements). */
typedef struct fl_limits {
    uint32_t min;
    uint32_t max;
    bool has_max;
} fl_limits;

typedef struct fl_tabletype {
    uint8_t elemtype; /* FL_FUNCREF or FL_EXTERNREF */
    fl_limits limits;
} fl_tabletype;

typedef struct fl_globaltype {
    uint8_t valtype;
    bool mutable_;
} fl_globaltype;

/* A constant expression: the raw instruction bytes, `end` included. */
typedef struct fl_expr {
    const uint8_t *code;
    uint32_t len;
    uint32_t offset; /* byte offset of `code` in the module binary */
} fl_expr;

typedef struct fl_import {
    char *module; /* NUL-terminated, validated UTF-8 */
    char *name;
    uint8_t kind; /* enum fl_extern_kind */
    union {
        uint32_t func_type; /* type index */
        fl_tabletype table;
        fl_limits memory;
        fl_globaltype global;
    } desc;
} fl_import;

typedef struct fl_export {
    char *name;
    uint32_t name_len; /* bytes in name: names may contain NUL */
    uint8_t kind;   /* enum fl_extern_kind */
    uint32_t index; /* into the kind's index space, imports first */
} fl_export;

/* A run of locals of one type, as the code section declares them. */
typedef struct fl_local_run {
    uint32_t count;
    uint8_t valtype;
} fl_local_run;

/* A function defined by the module (imports are not in this array).  Local
 * types are kept as the runs the binary declares, never one byte per local:
 * a few bytes of a body may declare 50,000 locals. */
typedef struct fl_func {
    uint32_t type_index;
    uint32_t nlocal_runs;
    fl_local_run *local_runs;
    uint32_t nlocals;     /* declared locals, params not included */
    const uint8_t *code;  /* instruction bytes after the locals, final `end` included */
    uint32_t code_len;
    uint32_t code_offset; /* byte offset of `code` in the module binary */
    const char *debug_name; /* from the name section, or NULL */
} fl_func;

enum fl_segment_mode {
    FL_SEGMENT_ACTIVE,
    FL_SEGMENT_PASSIVE,
    FL_SEGMENT_DECLARATIVE,
};

/* An element segment; every item is a constant expression (a bare function
 * index in the binary is stored as the expression `ref.func N end`, written
 * into `synth_code`, which the segment owns). */
typedef struct fl_elem {
    uint8_t mode;     /* enum fl_segment_mode */
    uint8_t elemtype; /* FL_FUNCREF or FL_EXTERNREF */
    uint32_t table_index;
    fl_expr offset; /* active only */
    uint32_t nitems;
    fl_expr *items;
    uint8_t *synth_code;
} fl_elem;

typedef struct fl_data {
    uint8_t mode; /* FL_SEGMENT_ACTIVE or FL_SEGMENT_PASSIVE */
    uint32_t memory_index;
    fl_expr offset; /* active only */
    const uint8_t *bytes;
    uint32_t len;
} fl_data;

typedef struct fl_global_def {
    fl_globaltype type;
    fl_expr init;
} fl_global_def;

typedef struct fl_custom_section {
    char *name;
    const uint8_t *bytes;
    uint32_t len;
} fl_custom_section;

struct fl_interp_code; /* interp/compile.c: a function's compiled body */

typedef struct fl_module {
    uint8_t *binary; /* owned copy of the input, or the adopted mapping */
    size_t binary_len;
    bool binary_mapped; /* munmap, not free */

    uint32_t ntypes;
    fl_functype *types;

    uint32_t nimports;
    fl_import *imports;
    /* Counts of imports per kind: the first entries of each index space. */
    uint32_t nimported_funcs, nimported_tables, nimported_memories, nimported_globals;

    uint32_t nfuncs; /* defined functions only */
    fl_func *funcs;
    /* Type index of every function in the index space, imports first:
     * nimported_funcs + nfuncs entries. */
    uint32_t *func_type_indices;

    uint32_t ntables; /* defined tables only */
    fl_tabletype *tables;
    uint32_t nmemories; /* defined memories only */
    fl_limits *memories;
    uint32_t nglobals; /* defined globals only */
    fl_global_def *globals;

    uint32_t nexports;
    fl_export *exports;

    bool has_start;
    uint32_t start;

    uint32_t nelems;
    fl_elem *elems;

    bool has_datacount;
    uint32_t datacount;
    uint32_t ndatas;
    fl_data *datas;

    uint32_t ncustoms;
    fl_custom_section *customs;
    char *module_name; /* from the name section, or NULL */
    /* The global the name section calls "__stack_pointer" (wasm-ld names
     * the C stack pointer so), when it does: how a trap can tell a stack
     * overflow (src/faaslet).  An index only: check it before use. */
    bool has_stack_pointer;
    uint32_t stack_pointer;

    bool uses_simd; /* a v128 type or 0xFD instruction appears anywhere */
    size_t simd_offset; /* where the first of them is (byte offset) */

    /* Filled by fl_module_load(): fl_type_intern() of every type, so that
     * neither compiling nor instantiating interns again. */
    uint32_t *type_ids;

    /* The execution tier (engine/tier.h) that runs it, and what that tier's
     * prepare made: one compiled body per defined function. */
    const struct fl_tier *tier;
    void **tier_code;
    void *tier_data; /* what else the tier keeps for the module (machine code's library) */
} fl_module;

/* A decode or validation failure: a message worded like the spec's
 * ("unexpected end", "type mismatch", ...) and where it was found. */
typedef struct fl_error {
    char message[200];
    size_t offset; /* byte offset in the binary */
} fl_error;

/* Sets err's message (printf-style) and offset; returns -1 so callers can
 * write `return fl_error_set(err, off, "...")`. */
int fl_error_set(fl_error *err, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Convenience views of the index spaces, imports first. */
const fl_functype *fl_module_func_type(const fl_module *m, uint32_t func_index);
/* Type of global `index` (imported or defined). */
fl_globaltype fl_module_global_type(const fl_module *m, uint32_t index);
/* Type of table `index` (imported or defined). */
fl_tabletype fl_module_table_type(const fl_module *m, uint32_t index);
/* Limits of memory `index` (imported or defined). */
fl_limits fl_module_memory_limits(const fl_module *m, uint32_t index);
uint32_t fl_module_total_funcs(const fl_module *m);
uint32_t fl_module_total_tables(const fl_module *m);
uint32_t fl_module_total_memories(const fl_module *m);
uint32_t fl_module_total_globals(const fl_module *m);
/* The export named `name`, or NULL. */
const fl_export *fl_module_find_export(const fl_module *m, const char *name);

/* ---- function types as text ----
 * A signature string is "params:results" over i I f F (i32 i64 f32 f64),
 * r (funcref) and e (externref): "" -> "" is ":", (i32) -> i64 is "i:I".
 * Host functions are declared in it (runtime.h) and entry points are
 * checked against it. */

/* The value type of signature letter `c` into *out; 0, or -1 for a letter
 * that names none. */
int fl_sig_valtype(char c, uint8_t *out);

/* Whether `t` is exactly the type `sig` spells (false for a malformed sig). */
bool fl_functype_is(const fl_functype *t, const char *sig);

/* Writes `t` as "[i32 i64] -> [i64 x 64]" (runs of three or more of one
 * type counted) into buf[0..len), NUL-terminated, "..." when cut short;
 * returns buf. */
char *fl_functype_text(const fl_functype *t, char *buf, size_t len);

/* The type of the function `m` exports as `name`; NULL when `name` is not
 * exported or is not a function. */
const fl_functype *fl_module_export_functype(const fl_module *m, const char *name);

/* Whether `m` exports a function `name` of exactly type `sig`. */
bool fl_module_export_type_is(const fl_module *m, const char *name, const char *sig);
/* Options of fl_module_load_opts. */
typedef struct fl_load_opts {
    /* When non-NULL and it becomes non-zero (from any thread), loading stops
     * with "loading interrupted".  It is polled per section entry, per
     * function body and every few thousand instructions, so a load ends
     * within about a millisecond of it being raised. */
    const volatile int *interrupt;
    /* The tier that prepares and runs the module (engine/tier.h); NULL:
     * fl_default_tier, the interpreter. */
    const struct fl_tier *tier;
    /* Skip validation: the caller vouches that these very bytes decoded and
     * validated before (src/faaslet keeps a record per SHA-256 of what
     * validated, in the operator's function store).  Decoding still reads
     * every section, but not the instructions of function bodies (their
     * sizes say where they end; the interpreter reads each on its first
     * call).  Bytes from a user must never be loaded trusted on their word. */
    bool trusted;
    /* `bytes` is a read-only mmap of `len` bytes that the module takes over
     * instead of copying (unmapped with the module, or when the load
     * fails): a module of megabytes costs no copy, its pages are the page
     * cache's. */
    bool adopt_mapping;
    /* What `tier` needs besides the module, if anything (the machine-code
     * tier: the loaded code, src/aot). */
    void *tier_arg;
} fl_load_opts;

/* Decodes, validates and prepares for execution: the one entry point for
 * users of the engine.  Borrows `bytes` (copied).  Returns a module the
 * caller frees with fl_module_free(), or NULL with `err` filled.  Work and
 * memory are linear in `len`; the implementation limits of config.h apply. */
fl_module *fl_module_load(const uint8_t *bytes, size_t len, fl_error *err);

/* fl_module_load with options (`opts` borrowed; NULL means none). */
fl_module *fl_module_load_opts(const uint8_t *bytes, size_t len, const fl_load_opts *opts,
                               fl_error *err);

/* True when `opts` asks to stop (its interrupt flag is raised). */
static inline bool fl_load_interrupted(const fl_load_opts *opts) {
    return opts && opts->interrupt && __atomic_load_n(opts->interrupt, __ATOMIC_RELAXED);
}

/* Frees a module from fl_module_load() or fl_decode(); NULL is a no-op.
 * No instance of it may remain. */
void fl_module_free(fl_module *m);

/* Name of a value type ("i32", "funcref", ...). */
const char *fl_valtype_name(uint8_t valtype);

#endif
