/*
 * config.h: compile-time choices of the engine, made here and nowhere else.
 *
 * FL_MEMORY_GUARDED (default 1): linear memory sits in an 8 GiB reservation
 * with PROT_NONE guard pages, so loads and stores need no bounds check; a
 * fault becomes a trap through the SIGSEGV/SIGBUS handler in runtime.c.
 * Build with -DFL_MEMORY_GUARDED=0 for explicit bounds checks on every
 * access (hosts that need more instances than address space allows, and the
 * sanitizer build, whose own fault handling we keep out of the way).
 *
 * FL_INTERP_COMPUTED_GOTO (default: on where the compiler supports labels as
 * values): the interpreter dispatches with computed goto; 0 selects the
 * portable switch loop.
 */
#ifndef FL_ENGINE_CONFIG_H
#define FL_ENGINE_CONFIG_H

#ifndef FL_MEMORY_GUARDED
#define FL_MEMORY_GUARDED 1
#endif

#ifndef FL_INTERP_COMPUTED_GOTO
#if defined(__GNUC__) || defined(__clang__)
#define FL_INTERP_COMPUTED_GOTO 1
#else
#define FL_INTERP_COMPUTED_GOTO 0
#endif
#endif

#if FL_MEMORY_GUARDED && !defined(__x86_64__) && !defined(__aarch64__)
#error "FL_MEMORY_GUARDED needs a 64-bit address space"
#endif

/* Address space reserved per guarded memory: 4 GiB of index + 4 GiB of
 * offset, and 64 KiB more: the widest access (a v128, 16 bytes) at index
 * and offset 2^32 - 1 each ends 14 bytes past 8 GiB, and every byte of it
 * must fault inside the reservation, whichever byte a copy touches first. */
#define FL_GUARDED_RESERVATION (((size_t)8 << 30) + 65536)

#define FL_PAGE_SIZE 65536u
#define FL_MAX_PAGES 65536u
/* A store's default cap on a table's elements (fl_store_limits). */
#define FL_DEFAULT_MAX_TABLE_ELEMS 10000000u

/* Bulk instructions (memory.fill/copy/init, table.fill/copy/init) work on
 * a guest-chosen range in chunks of this many bytes or elements and check
 * the exec's interrupt flag after each, so a timeout stops even a 4 GiB
 * memory.fill after one chunk (16 MiB: a few ms).  Smaller ranges are one
 * memset/memmove, as before. */
#define FL_BULK_CHUNK_BYTES ((uint64_t)16 << 20)
#define FL_BULK_CHUNK_ELEMS ((uint64_t)1 << 20)

/*
 * Implementation limits on modules (the spec's appendix "Implementation
 * Limitations" allows them).  Unless said otherwise a figure is the
 * WebAssembly JS API's ("Implementation-defined Limits",
 * https://webassembly.github.io/spec/js-api/#limits), which V8
 * (src/wasm/wasm-limits.h), SpiderMonkey and JavaScriptCore enforce and
 * wasmparser (wasmtime) copies.  They keep a module's load work and memory
 * proportional to its size with small factors: without them one byte can ask
 * for thousands of values (a 1000-result call), locals or table entries.
 */
#define FL_MAX_MODULE_SIZE ((size_t)1 << 30) /* bytes: 1 GiB */
#define FL_MAX_TYPES 1000000u
#define FL_MAX_FUNCTIONS 1000000u            /* defined functions */
/* Imports and exports: V8's 100,000 (the JS API has since raised both to
 * 1,000,000; no module we run comes near either). */
#define FL_MAX_IMPORTS 100000u
#define FL_MAX_EXPORTS 100000u
#define FL_MAX_GLOBALS 1000000u              /* defined globals */
#define FL_MAX_DATA_SEGMENTS 100000u
/* Element segments: the JS API's test suite (limits.any.js,
 * kJSEmbeddingMaxElementSegments) and ChakraCore; the JS API text itself
 * limits the entries of one segment ("table entries in any table
 * initialization"), V8's kV8MaxWasmTableInitEntries. */
#define FL_MAX_ELEM_SEGMENTS 10000000u
#define FL_MAX_TABLE_INIT_ENTRIES 10000000u
#define FL_MAX_TABLES 100000u                /* imported and defined */
/* Memories: the JS API's 100 (imported and defined); the engine runs one,
 * and validation refuses a second with the spec's "multiple memories". */
#define FL_MAX_MEMORIES 100u
#define FL_MAX_PARAMS 1000u                  /* of a function or block type */
#define FL_MAX_RESULTS 1000u                 /* of a function or block type */
#define FL_MAX_FUNCTION_SIZE 7654321u        /* bytes of a body, locals included */
/* Locals of a function, its parameters included.  Each costs a frame slot
 * zeroed on every call. */
#define FL_MAX_LOCALS 50000u
/* Bytes of an import's module or field name, an export's name or a custom
 * section's name (V8's kV8MaxWasmStringSize, wasmparser's
 * MAX_WASM_STRING_SIZE). */
#define FL_MAX_NAME_SIZE 100000u
/* Targets of one br_table, the default excluded: V8's
 * kV8MaxWasmFunctionBrTableSize (the JS API sets none). */
#define FL_MAX_BR_TABLE_SIZE 65520u
/* Nesting depth of block, loop and if in one body or constant expression.
 * The JS API sets none.  Ours is derived: a switch lowered by LLVM is a
 * br_table over one nested block per case, so the depth must admit the
 * largest br_table (65,520 targets); each level costs about 80 bytes of
 * decoder, validator and compiler state (5 MiB at the limit, where the
 * 7.6 MB body size alone would allow 300 MiB). */
#define FL_MAX_NESTING 65536u
/* Values on the operand stack of one body.  The JS API sets none; wasm3
 * caps the same quantity at 2000 (d_m3MaxFunctionStackHeight).  Ours gives
 * every height a frame slot (and a validator byte and a 16-byte compiler
 * entry), and a call of a 1000-result function adds 1000 of them per 2 bytes
 * of code, so without a cap a body could ask for gigabytes.  The cap is the
 * default exec's whole value stack (FL_DEFAULT_STACK_SLOTS, below): a deeper
 * function could never run there, and loading one costs at most 17 MiB. */
#define FL_MAX_STACK_HEIGHT (1u << 20)

/* Default exec sizes: value stack slots and call depth. */
#define FL_DEFAULT_STACK_SLOTS ((size_t)1 << 20)
#define FL_DEFAULT_MAX_DEPTH 20000u

#endif
