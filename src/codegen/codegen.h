/*
 * codegen.h: machine code for a validated module through LLVM 19's C API.
 * The module's functions are split into partitions, each its own LLVM
 * module translated, optimised and compiled to a native object for the
 * host CPU on a thread of its own; ld.lld links the objects into one
 * shared object (the contract with the runtime: abi.h), and a trailer with
 * the cache key and a hash of its bytes is appended.
 *
 * Only the `faaslet-codegen` program links this (and LLVM): loading LLVM
 * costs a process about 70 ms, so faaslet itself never does; it runs the
 * program when code must be generated and loads the result (src/aot).
 */
#ifndef FL_CODEGEN_CODEGEN_H
#define FL_CODEGEN_CODEGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/module.h"

typedef struct fl_codegen_opts {
    const char *out_path;   /* the shared object to write (replaced atomically) */
    uint8_t key[32];        /* the cache key, recorded in it (src/aot computes it) */
    unsigned threads;       /* 0: one per core */
    bool progress;          /* functions done/total and elapsed time on stderr */
    unsigned opt_level;     /* 0..3 (default 2) */
} fl_codegen_opts;

/* Generates machine code for validated module m.  Returns 0, or -1 with
 * err filled (a feature codegen does not handle, LLVM or the linker
 * failed), or FL_CODEGEN_LIMIT when the module passes one of the
 * generator's limits (it runs on the interpreter); nothing is left at
 * out_path then. */
#define FL_CODEGEN_LIMIT (-2)
int fl_codegen(const fl_module *m, const fl_codegen_opts *opts, fl_error *err);

#endif
