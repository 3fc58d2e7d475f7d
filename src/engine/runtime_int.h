/*
 * runtime_int.h: what runtime.c, memory.c, interrupt.c and link.c share,
 * and the machine-code tier (src/aot) registers its code through; nobody
 * else calls it.  The engine's interface is runtime.h; names carry `fl__`.
 */
#ifndef FL_ENGINE_RUNTIME_INT_H
#define FL_ENGINE_RUNTIME_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/runtime.h"

/* The exec whose guest code this thread is running (NULL outside), read by
 * the fault handler: initial-exec TLS is a plain load, safe in a handler. */
extern __thread fl_exec *fl__current_exec __attribute__((tls_model("initial-exec")));

/* Installs the SIGSEGV/SIGBUS handler (once per process) and gives this
 * thread an alternate signal stack (once per thread).  A no-op in the
 * bounds-checked build. */
void fl__fault_prepare_thread(void);

/* A set of address ranges a signal handler reads: fixed arrays of atomic
 * pairs, no locks, no allocation (memory.c's guarded reservations, which
 * its fault handler looks up; interrupt.c's machine code).  add: 0, or -1
 * when every slot is taken.  contain is async-signal-safe. */
typedef struct fl__ranges {
    _Atomic uintptr_t *start;
    _Atomic size_t *len;
    size_t slots;
    _Atomic size_t high; /* slots [0, high) have ever been used */
} fl__ranges;
#define FL__RANGES_DEFINE(name, nslots)                                                           \
    static _Atomic uintptr_t name##_start[nslots];                                              \
    static _Atomic size_t name##_len[nslots];                                                    \
    static fl__ranges name = {name##_start, name##_len, nslots, 0}
int fl__ranges_add(fl__ranges *r, const void *start, size_t len);
void fl__ranges_remove(fl__ranges *r, const void *start);
bool fl__ranges_contain(fl__ranges *r, uintptr_t addr);

/* Machine code's address ranges: a kick (fl_exec_interrupt) that lands in
 * one ends the call.  register: 0, or -1 when the registry is full. */
int fl__code_register(const void *start, size_t len);
void fl__code_unregister(const void *start);

/* fl_exec_guarded's bracket around guest code: which thread to kick. */
void fl__guest_enter(fl_exec *ex);
void fl__guest_leave(fl_exec *ex);
/* After a call ended with FL_TRAP_INTERRUPTED: the kick's handler left
 * through the landing pad with the signal blocked; unblocks it. */
void fl__kick_landed(void);
/* Drops ex from the kicker's list (fl_exec_free). */
void fl__kick_forget(fl_exec *ex);

/* Hands `obj` to the store, which calls free_fn(obj) in fl_store_free().
 * Returns 0, or -1 (out of memory) after calling free_fn(obj) itself. */
int fl__store_own(fl_store *s, void *obj, void (*free_fn)(void *obj));

/* The store's cap on memory sizes, in pages, and whether it is the host's
 * (below wasm32's own 65536). */
uint32_t fl__store_max_pages(const fl_store *s);
bool fl__store_pages_capped(const fl_store *s);

/* Charges `bytes` to the store's budget (FL_BUDGET_MEMORY): 0, or -1 with
 * nothing charged.  A NULL budget accepts everything. */
int fl__store_charge(fl_store *s, uint64_t bytes);
/* Gives back `bytes` charged earlier. */
void fl__store_release(fl_store *s, uint64_t bytes);

/* Which limit refused an allocation. */
typedef enum fl__limit {
    FL__LIMIT_PAGES,  /* the store's cap on a memory's pages */
    FL__LIMIT_TABLE,  /* the store's cap on a table's elements */
    FL__LIMIT_BUDGET, /* the budget's memory */
} fl__limit;

/* Records that `limit` refused what fmt says ("memory.grow by 960 pages"):
 * fl_store_limit_reached then states it. */
void fl__store_refuse(fl_store *s, fl__limit limit, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* How many refusals were recorded so far. */
uint32_t fl__store_refusals(const fl_store *s);

/* Makes the first `pages` pages of memory `m` a private copy-on-write
 * mapping of fd from `offset` (the image numbered `image_id`, never 0)
 * and drops every page past them back to PROT_NONE; the store's charge
 * follows the page count.  Returns 0, or -1 (pages past the memory's
 * maximum, the budget refused, or mmap failed: the memory is then empty,
 * 0 pages). */
int fl__memory_map_image(fl_memory *m, int fd, off_t offset, uint32_t pages, uint64_t image_id);

/* Puts memory `m`, last mapped from image `image_id` by
 * fl__memory_map_image, back to that image in place: every page of it the
 * process holds a private copy of (the kernel's page table says which) is
 * compared with `image` (the image's bytes, mapped read-only) and copied
 * back where it differs, and pages past the image are dropped.  The copies
 * stay the memory's, so the next call writes them without a fault.
 * Returns the bytes of private copies kept, or -1 when it cannot (another
 * image, no pagemap, more than keep_max bytes of copies): the caller maps
 * the image again, which drops them. */
ssize_t fl__memory_reset_image(fl_memory *m, uint64_t image_id, const uint8_t *image,
                               uint32_t pages, size_t keep_max);

/* Gives memory `m`, just made for a restore of image `image_id` (whose
 * bytes `image` maps), a pooled reservation that held the same image
 * instead of its own, reset in place as by fl__memory_reset_image: a new
 * memory gets page tables built and pages written before.  Returns the
 * bytes of private copies kept, or -1 when there is none (or it cannot):
 * the caller maps the image. */
ssize_t fl__memory_adopt_image(fl_memory *m, uint64_t image_id, const uint8_t *image,
                               uint32_t pages);

/* The process's /proc/self/pagemap, opened once (-1 where there is none),
 * and what its entries (one uint64_t per 4 KiB page) say. */
int fl__pagemap_fd(void);
/* Reads the entries of the n pages from page-aligned `addr` into
 * entries[0..n); false without a pagemap or when the read falls short. */
bool fl__pagemap_read(const void *addr, size_t n, uint64_t *entries);
#define FL__PAGEMAP_BATCH 2048 /* entries read at once: 16 KiB of stack, 8 MiB of memory */
#define FL__PM_PRESENT (1ull << 63)
#define FL__PM_SWAPPED (1ull << 62)
#define FL__PM_FILE (1ull << 61) /* a page of the file (or shared), not a private copy */

/* Limits of an existing memory or table as import matching sees them: the
 * current size as min and the declared maximum (not the store's cap). */
fl_limits fl__memory_limits(const fl_memory *m);
fl_limits fl__table_limits(const fl_table *t);

#endif
