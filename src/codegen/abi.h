/*
 * abi.h: the contract between machine code that src/codegen generates and
 * the runtime (src/aot) that loads and runs it.  Both sides include this
 * file, and the cache key folds in FL_AOT_ABI (a version and the layout of
 * every runtime structure the code reads), so code generated against
 * another layout is never run.
 *
 * A module's machine code is one shared object.  Every defined function i
 * of the module becomes
 *
 *     RET f<i>(fl_instance *inst, fl_exec *ex, PARAMS...)     (hidden)
 *
 * (RET: void, the one result, or a struct of several; a v128 is an LLVM
 * <2 x i64> there), and an entry
 *
 *     void e<i>(fl_instance *inst, fl_exec *ex, const fl_value *args, fl_value *results)
 *
 * that the tier calls.  In every fl_value array (an entry's, the slots of
 * fl_aot_rt.call) a v128 takes two slots, bytes 0-7 then 8-15, and a
 * value's slot is the sum of the widths before it (fl_functype's
 * param_slots, result_slots).  The object exports three symbols: fl_aot_info
 * (what it was generated from), fl_aot_entries (the entries in order) and
 * fl_aot_rt (a table of runtime helpers, filled by the loader before any
 * code runs).  Traps leave through fl_aot_rt.trap, which jumps to the
 * exec's landing pad: generated frames hold nothing to unwind.
 *
 * What generated code reads directly (offsets from the headers): the
 * instance's funcs, tables, memories and globals arrays and its module's
 * type_ids; a memory's base, size and pages; a table's elems and size; a
 * global's value (a v128's 16 bytes there, 8-aligned); a function instance's type_id, instance and def_index;
 * the exec's native_stack_limit (not its interrupt flag: machine code is
 * stopped by a kick, engine/interrupt.c).
 */
#ifndef FL_CODEGEN_ABI_H
#define FL_CODEGEN_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "engine/runtime.h"

/* Bumped whenever what generated code does or expects changes. */
#define FL_AOT_VERSION 7u

/* The version and every offset generated code relies on, as one number
 * (any change makes another cache key). */
#define FL_AOT_ABI                                                                         \
    ((uint64_t)FL_AOT_VERSION ^ (uint64_t)offsetof(fl_instance, funcs) << 8 ^               \
     (uint64_t)offsetof(fl_instance, tables) << 13 ^                                        \
     (uint64_t)offsetof(fl_instance, memories) << 18 ^                                      \
     (uint64_t)offsetof(fl_instance, globals) << 23 ^                                       \
     (uint64_t)offsetof(fl_instance, module) << 28 ^                                        \
     (uint64_t)offsetof(fl_module, type_ids) << 33 ^                                        \
     (uint64_t)offsetof(fl_memory, size) << 43 ^ (uint64_t)offsetof(fl_memory, pages) << 48 ^ \
     (uint64_t)offsetof(fl_table, size) << 53 ^ (uint64_t)offsetof(fl_funcinst, type_id) << 56 ^ \
     (uint64_t)offsetof(fl_funcinst, instance) << 58 ^                                      \
     (uint64_t)offsetof(fl_funcinst, def_index) << 60 ^                                     \
     (uint64_t)offsetof(fl_exec, interrupt) << 20 ^                                         \
     (uint64_t)offsetof(fl_exec, native_stack_limit) << 40 ^ (uint64_t)FL_MEMORY_GUARDED << 63)

/* A v128 global is read and written as the 16 bytes at &g->value. */
_Static_assert(offsetof(fl_global, hi) == offsetof(fl_global, value) + 8,
               "a v128 global's halves are adjacent");

typedef void (*fl_aot_entry)(fl_instance *inst, fl_exec *ex, const fl_value *args,
                             fl_value *results);

/* The helpers generated code calls, in this order (generated code indexes
 * the table by position). */
typedef struct fl_aot_rt {
    /* Ends the call with `trap` (never returns). */
    void (*trap)(fl_exec *ex, uint32_t trap);
    /* Calls any function instance (a host function, another instance's or
     * tier's): arguments in slots[0..param_slots), results written there. */
    void (*call)(fl_instance *inst, fl_exec *ex, fl_funcinst *f, fl_value *slots);
    /* memory.grow of memory 0: the old size in pages, or -1. */
    uint32_t (*memory_grow)(fl_instance *inst, uint32_t delta);
    void (*memory_fill)(fl_instance *inst, fl_exec *ex, uint32_t d, uint32_t v, uint32_t n);
    void (*memory_copy)(fl_instance *inst, fl_exec *ex, uint32_t d, uint32_t s, uint32_t n);
    void (*memory_init)(fl_instance *inst, fl_exec *ex, uint32_t seg, uint32_t d, uint32_t s,
                        uint32_t n);
    void (*data_drop)(fl_instance *inst, uint32_t seg);
    void (*table_init)(fl_instance *inst, fl_exec *ex, uint32_t seg, uint32_t table, uint32_t d,
                       uint32_t s, uint32_t n);
    void (*elem_drop)(fl_instance *inst, uint32_t seg);
    void (*table_copy)(fl_instance *inst, fl_exec *ex, uint32_t dt, uint32_t st, uint32_t d,
                       uint32_t s, uint32_t n);
    uint32_t (*table_grow)(fl_instance *inst, uint32_t table, void *init, uint32_t delta);
    void (*table_fill)(fl_instance *inst, fl_exec *ex, uint32_t table, uint32_t i, void *v,
                       uint32_t n);
} fl_aot_rt;

#define FL_AOT_RT_COUNT (sizeof(fl_aot_rt) / sizeof(void *))

/* What a shared object says it was generated from. */
#define FL_AOT_MAGIC "FLAOT01"
typedef struct fl_aot_info {
    char magic[8];      /* FL_AOT_MAGIC */
    uint64_t abi;       /* FL_AOT_ABI of the generator */
    uint8_t key[32];    /* the cache key it was generated for (src/aot) */
    uint32_t nfuncs;    /* defined functions: entries in fl_aot_entries */
    uint32_t pad;
    char cpu[64];       /* LLVM's name of the CPU it targets */
} fl_aot_info;

/* Symbols of the shared object. */
#define FL_AOT_SYM_INFO "fl_aot_info"
#define FL_AOT_SYM_ENTRIES "fl_aot_entries"
#define FL_AOT_SYM_RT "fl_aot_rt"

/* The trailer appended to the shared object in the cache: the loader
 * checks it (and the hash of every byte before it) before dlopen. */
#define FL_AOT_TRAILER_MAGIC "FLAOTEND"
typedef struct fl_aot_trailer {
    char magic[8];
    uint8_t key[32];
    uint64_t so_size; /* bytes of the shared object before the trailer */
    uint64_t xxh3;    /* XXH3-64 of those bytes */
} fl_aot_trailer;

#endif
