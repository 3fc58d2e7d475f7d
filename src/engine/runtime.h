/*
 * runtime.h: the runtime objects of the engine (stores, instances, function
 * instances, linear memories, tables, globals), linking of imports against
 * host functions and other instances' exports, instantiation, traps, and
 * the one entry point that runs a function.
 *
 * Ownership: a store owns every memory, table, global and instance created
 * in it and frees them all in fl_store_free().  A module must outlive every
 * instance of it.  A linker borrows what it is given.
 *
 * Threads: a store, its instances and an exec are used by one thread at a
 * time.  Modules are shared freely.
 */
#ifndef FL_ENGINE_RUNTIME_H
#define FL_ENGINE_RUNTIME_H

#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "budget/budget.h"
#include "engine/config.h"
#include "engine/module.h"

/* The closed set of ways a call can end. */
typedef enum fl_trap {
    FL_TRAP_NONE = 0,
    FL_TRAP_UNREACHABLE,        /* "unreachable" */
    FL_TRAP_MEMORY_OOB,         /* "out of bounds memory access" */
    FL_TRAP_TABLE_OOB,          /* "out of bounds table access" */
    FL_TRAP_UNDEFINED_ELEMENT,  /* "undefined element": call_indirect index past the table */
    FL_TRAP_UNINITIALIZED,      /* "uninitialized element": call_indirect of a null entry */
    FL_TRAP_INDIRECT_TYPE,      /* "indirect call type mismatch" */
    FL_TRAP_DIV_ZERO,           /* "integer divide by zero" */
    FL_TRAP_INT_OVERFLOW,       /* "integer overflow" */
    FL_TRAP_INVALID_CONVERSION, /* "invalid conversion to integer" */
    FL_TRAP_STACK_EXHAUSTED,    /* "call stack exhausted" */
    FL_TRAP_INTERRUPTED,        /* "interrupted": the exec's interrupt flag was set (timeouts) */
    FL_TRAP_EXIT,               /* the guest asked to exit; exec->exit_code holds its status */
    FL_TRAP_HOST,               /* a host function failed; exec->trap_detail says why */
    FL_TRAP_UNSUPPORTED,        /* "unsupported": e.g. SIMD, which is decoded but not run */
    FL_TRAP_SIGNATURE,          /* "call signature mismatch": fl_invoke's arrays do not fit
                                 * the function's type; exec->trap_detail names both */
    FL_TRAP_COUNT
} fl_trap;

/* The spec's wording for a trap ("integer divide by zero", ...). */
const char *fl_trap_message(fl_trap trap);

/* One value in a slot: all types but v128 fit in 64 bits; a v128 takes two
 * adjacent slots wherever values sit in arrays (frames, fl_invoke's).  A funcref is a
 * fl_funcinst pointer, an externref an opaque host pointer; NULL is null. */
typedef union fl_value {
    uint32_t i32;
    uint64_t i64;
    float f32;
    double f64;
    void *ref;
} fl_value;

typedef struct fl_store fl_store;
typedef struct fl_instance fl_instance;
typedef struct fl_exec fl_exec;

/* A call from wasm into the host. */
typedef struct fl_host_call {
    fl_exec *exec;
    fl_instance *caller; /* the instance whose code made the call (NULL if invoked from the host) */
    void *data;          /* fl_host_def.data */
} fl_host_call;

/* A host function: arguments in args_results[0..nparams), results written to
 * args_results[0..nresults).  Returns FL_TRAP_NONE, or a trap (for
 * FL_TRAP_HOST, set exec->trap_detail first with fl_exec_set_detail()). */
typedef fl_trap (*fl_host_handler)(fl_host_call *call, fl_value *args_results);

/* Host functions are data: the linker resolves imports against a table of
 * these.  `signature` is "params:results" over i I f F (i32 i64 f32 f64),
 * r (funcref) and e (externref); e.g. "iI:f". */
typedef struct fl_host_def {
    const char *module;
    const char *name;
    const char *signature;
    fl_host_handler handler;
    void *data;
} fl_host_def;

/* A function instance: a defined function of an instance, or a host one. */
typedef struct fl_funcinst {
    const fl_functype *type;
    uint32_t type_id;     /* equal ids <=> structurally equal types (fl_type_intern) */
    fl_instance *instance; /* owner; NULL for host functions */
    uint32_t def_index;    /* index among the module's defined functions */
    const struct fl_tier *tier; /* what runs it (engine/tier.h); NULL for host functions */
    const void *code;      /* its tier's compiled body (defined functions) */
    fl_host_handler host;  /* host functions */
    void *host_data;
    const char *name;      /* for messages: "module.name" or debug name; may be NULL */
} fl_funcinst;

/* A linear memory.  Its base never moves: address space for the largest
 * size it may reach is reserved when it is created, so code may cache it.
 * With FL_MEMORY_GUARDED, 8 GiB is reserved and every access with a 32-bit
 * index and offset lands inside the reservation; pages beyond `size` are
 * PROT_NONE and a fault there becomes FL_TRAP_MEMORY_OOB. */
typedef struct fl_memory {
    uint8_t *base;
    uint64_t size;      /* bytes accessible now: pages * 65536 */
    uint32_t pages;
    uint32_t max_pages; /* effective maximum (limits and store's cap) */
    bool has_max;
    size_t reserved;    /* bytes of address space reserved at base */
} fl_memory;

typedef struct fl_table {
    void **elems;       /* fl_funcinst * or externref; NULL is null */
    uint32_t size;
    uint32_t max;
    bool has_max;
    uint8_t elemtype;
    uint32_t capacity;
} fl_table;

typedef struct fl_global {
    fl_value value;
    uint64_t hi; /* a v128's bytes 8-15 (value holds 0-7): 16 bytes at &value */
    fl_globaltype type;
} fl_global;

/* An exported or importable entity. */
typedef struct fl_extern {
    uint8_t kind; /* enum fl_extern_kind */
    union {
        fl_funcinst *func;
        fl_table *table;
        fl_memory *memory;
        fl_global *global;
    } as;
} fl_extern;

struct fl_instance {
    const fl_module *module;
    fl_store *store;
    fl_funcinst **funcs;  /* the function index space, imports first */
    fl_table **tables;
    fl_memory **memories;
    fl_global **globals;
    bool *elem_dropped;   /* per element segment */
    bool *data_dropped;   /* per data segment */
    fl_funcinst *defined; /* storage for the module's defined functions */
    void *user_data;
};

/* An execution context: the interpreter's value and call stacks, the
 * interrupt flag and what the last trap said.  One per thread of execution. */
struct fl_exec {
    fl_value *stack;        /* value stack: frames of slots */
    size_t stack_slots;
    size_t stack_used;      /* slots held by active frames; a reentrant call starts above */
    uint32_t depth;         /* current call depth */
    uint32_t max_depth;     /* deeper calls trap with FL_TRAP_STACK_EXHAUSTED */
    volatile int interrupt; /* set non-zero (from any thread) to stop the guest */
    uintptr_t native_stack_limit; /* machine code (src/aot) traps below this stack address */
    int exit_code;          /* with FL_TRAP_EXIT */
    char trap_detail[256];  /* a message beyond the trap's own wording, or "" */
    sigjmp_buf *fault_jmp;  /* where a memory fault in guest code lands */
    void *user_data;
    /* which thread runs its guest code, for fl_exec_interrupt's kicks */
    pthread_t guest_thread;
    unsigned guest_entries;  /* nested fl_exec_guarded calls (touched by that thread only) */
    _Atomic int guest_running;
};

/* Creates an exec with `stack_slots` value slots (0 = default) and the
 * default depth limit.  Caller frees with fl_exec_free(). */
fl_exec *fl_exec_new(size_t stack_slots);
void fl_exec_free(fl_exec *ex);
/* Stops ex's guest code from any thread: raises its interrupt flag (which
 * the interpreter polls) and kicks the thread running it with a signal
 * (machine code has no polls: the kick ends it), again every few ms while
 * it runs guest code with the flag raised.  The call ends with
 * FL_TRAP_INTERRUPTED.  Clear ex->interrupt before its next call. */
void fl_exec_interrupt(fl_exec *ex);

/* Sets trap_detail (printf-style) and returns FL_TRAP_HOST. */
fl_trap fl_exec_set_detail(fl_exec *ex, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs `f` with arguments args[0..nargs) and leaves its results in
 * results[0..nresults), one slot per value but two per v128 (bytes 0-7,
 * then 8-15; fl_functype's param_slots and result_slots).  The counts are
 * the sizes of the caller's arrays and must be exactly f's parameter and
 * result slot counts: otherwise nothing
 * runs and the call ends with FL_TRAP_SIGNATURE (trap_detail names the
 * function, its type and the counts given), so no type a module chose can
 * make the host read or write past an array.  args and results may be the
 * same array (it then holds max(nargs, nresults) values); either may be
 * NULL when its count is 0.
 *
 * Reentrant: a host function may call it.  Entering a function needs
 * FL_CSTACK_ENTRY_RESERVE bytes of this thread's C stack left (budget.h),
 * measured, not counted: with less, the call ends with
 * FL_TRAP_STACK_EXHAUSTED ("host->guest calls nested too deeply") instead
 * of overflowing the host's stack.
 *
 * Returns FL_TRAP_NONE or the trap that ended the call; the store and every
 * instance stay usable afterwards. */
fl_trap fl_invoke(fl_exec *ex, fl_funcinst *f, const fl_value *args, size_t nargs,
                  fl_value *results, size_t nresults);

/* Runs fn(ex, arg) with fl_invoke's landing pad set: a fault inside a
 * guarded memory becomes FL_TRAP_MEMORY_OOB instead of a crash, and the
 * exec's depth and stack_used are restored on the way out.  For host code
 * that touches linear memory directly (and for tests).  Returns fn's result
 * or the trap. */
fl_trap fl_exec_guarded(fl_exec *ex, fl_trap (*fn)(fl_exec *ex, void *arg), void *arg);

/* Stores.  Every memory and table is charged to the budget, if any, as it
 * is created and grown: pages x 64 KiB for a memory, allocated elements x
 * pointer size for a table, all given back when the store frees them.  A
 * charge the budget refuses, or a size past a cap, is refused before
 * anything is allocated (creation fails, memory.grow and table.grow answer
 * -1) and the store records the fact for fl_store_limit_reached. */
typedef struct fl_store_limits {
    uint32_t max_memory_pages; /* cap on any memory's size in pages; 0 = 65536 */
    uint32_t max_table_elems;  /* cap on any table's size; 0 = FL_DEFAULT_MAX_TABLE_ELEMS */
    fl_budget *budget;         /* memories and tables are charged to it (FL_BUDGET_MEMORY);
                                * borrowed, must outlive the store; NULL: unlimited */
} fl_store_limits;

/* Creates a store; `limits` may be NULL for defaults.  Caller frees with
 * fl_store_free(), which frees everything created in it. */
fl_store *fl_store_new(const fl_store_limits *limits);
void fl_store_free(fl_store *s);

/* Moves the store's charges (every memory's pages and table's elements it
 * holds now) from its budget to `budget` (may be NULL: unlimited), which
 * later allocations are charged to, and forgets earlier refusals: a store
 * that outlives one call tree serves the next.  Returns 0, or -1 when the
 * new budget refuses what the store holds (nothing then changes). */
int fl_store_set_budget(fl_store *s, fl_budget *budget);

/* What the last refusal by a cap or the budget was, e.g. "memory limit
 * reached (64 MiB): memory.grow by 960 pages refused" or "table limit
 * reached (10000000 elements): a table of 20000000 elements refused";
 * NULL when none was.  (A size past a memory's or table's own declared
 * maximum is the guest's limit, not recorded.)  Borrowed from the store. */
const char *fl_store_limit_reached(const fl_store *s);

/* Standalone objects (for host modules such as the spec tests' `spectest`).
 * Each is owned by the store; NULL when out of memory or over the limits. */
fl_memory *fl_memory_new(fl_store *s, fl_limits limits);
fl_table *fl_table_new(fl_store *s, fl_tabletype type, void *init);
fl_global *fl_global_new(fl_store *s, fl_globaltype type, fl_value value);
/* Grows by `delta` pages; returns the old size in pages, or -1 (nothing changed). */
int64_t fl_memory_grow(fl_memory *m, uint32_t delta);
/* Says that the host mapped something of its own (e.g. shared state) over
 * bytes [offset, offset + len) of m: where that lies in a snapshot's image,
 * the next reset maps the whole image again instead of putting back pages
 * in place (engine/snapshot.h), which would leave the host's mapping. */
void fl_memory_mapped_over(fl_memory *m, uint64_t offset, uint64_t len);
/* Grows by `delta` elements filled with `init`; returns old size or -1. */
int64_t fl_table_grow(fl_table *t, uint32_t delta, void *init);

/* Linkers: name -> extern maps that imports are resolved against. */
typedef struct fl_linker fl_linker;
/* Creates an empty linker that makes host function instances in `s`.
 * Caller frees with fl_linker_free(). */
fl_linker *fl_linker_new(fl_store *s);
void fl_linker_free(fl_linker *l);
/* Adds host functions; borrows `defs` (must outlive the linker).
 * Returns 0, or -1 for a malformed signature. */
int fl_linker_define_host(fl_linker *l, const fl_host_def *defs, size_t count);
/* Adds one extern under module.name (a later definition replaces an earlier
 * one).  Borrows the strings' contents (copied). */
int fl_linker_define(fl_linker *l, const char *module, const char *name, fl_extern ext);
/* Adds every export of `inst` under module name `module` (spec `register`). */
int fl_linker_define_instance(fl_linker *l, const char *module, fl_instance *inst);

/* Outcome of instantiation. */
typedef enum fl_inst_status {
    FL_INST_OK = 0,
    FL_INST_LINK_ERROR, /* "unknown import", "incompatible import type" */
    FL_INST_TRAP,       /* a segment or the start function trapped */
    FL_INST_NO_MEMORY,  /* a memory or table could not be allocated */
} fl_inst_status;

/* Instantiates `m` (which must have come from fl_module_load) in store `s`,
 * resolving imports with `l` (may be NULL when there are none): allocates
 * tables, memories and globals, initialises active segments in order, drops
 * declarative ones, then runs the start function on `ex`.  On FL_INST_OK
 * *out is an instance owned by the store.  Otherwise `err` holds the message
 * and any writes made by segments before a trap remain (as the spec says). */
fl_inst_status fl_instantiate(fl_store *s, const fl_module *m, fl_linker *l, fl_exec *ex,
                              fl_instance **out, fl_error *err);

/* fl_instantiate with options.  no_init: allocate and link only (memories
 * and tables at their initial sizes, zero; globals at their initial
 * values), no segments and no start function: for an instance about to be
 * restored from a snapshot (engine/snapshot.h), where both already ran. */
typedef struct fl_inst_opts {
    bool no_init;
} fl_inst_opts;
fl_inst_status fl_instantiate_opts(fl_store *s, const fl_module *m, fl_linker *l, fl_exec *ex,
                                   const fl_inst_opts *opts, fl_instance **out, fl_error *err);

/* The export `name` of `inst`; returns false when there is none. */
bool fl_instance_export(fl_instance *inst, const char *name, fl_extern *out);
/* Convenience: the exported function `name`, or NULL. */
fl_funcinst *fl_instance_func(fl_instance *inst, const char *name);

/* Interns a function type for fast call_indirect checks: two types get the
 * same id exactly when their params and results are equal.  Thread-safe. */
uint32_t fl_type_intern(const fl_functype *t);

#endif
