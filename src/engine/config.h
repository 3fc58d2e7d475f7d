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

/* Address space reserved per guarded memory: 4 GiB of index + 4 GiB of offset. */
#define FL_GUARDED_RESERVATION ((size_t)8 << 30)

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

/* Implementation limit on a function's declared locals (V8's figure). */
#define FL_MAX_LOCALS 50000u

/* Default exec sizes: value stack slots and call depth. */
#define FL_DEFAULT_STACK_SLOTS ((size_t)1 << 20)
#define FL_DEFAULT_MAX_DEPTH 20000u

#endif
