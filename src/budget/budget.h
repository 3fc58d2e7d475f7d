/*
 * budget.h: one budget per call tree.  A call from outside (a `faaslet run`,
 * later an HTTP invoke) creates a budget; every call it chains, and every
 * call those chain, shares it, so a limit holds for the whole tree however
 * the work is split between calls.  It counts what the host spends on the
 * tree's behalf:
 *
 *   FL_BUDGET_MEMORY  bytes: linear memories (pages x 64 KiB), tables
 *                     (elements x pointer size), chained inputs held until
 *                     the chained call ends, outputs kept until their
 *                     caller can no longer await them, state created or
 *                     grown by the tree (values and appended data)
 *   FL_BUDGET_FDS     host file descriptors the tree's guests hold open
 *   FL_BUDGET_DISK    bytes written into the tree's private /tmp folders
 *   FL_BUDGET_CALLS   calls in the tree, the root included
 *
 * and carries the tree's other limits as data (deadline, chain depth,
 * chained calls per call) for the layers that enforce them.
 *
 * A charge is all or nothing: it either fits under the limit and is added,
 * or nothing changes and the caller fails what it was doing with a message
 * that names the limit (fl_budget_kind_name, fl_budget_limit).  The first
 * refusal of each kind is remembered, so a report can state as a fact that
 * a limit was reached instead of guessing.
 *
 * A NULL budget is unlimited: every function accepts it (charges succeed,
 * there is no deadline), so engine-only users (spec tests, benchmarks) need
 * none.
 *
 * The budget also holds the tree's log: what its guests wrote to a
 * captured stdout or stderr (wasi/wasi.h, FL_WASI_STDIO_CAPTURE), kept up
 * to limits.log_bytes for the root's result.
 *
 * Threads: every function is thread-safe (atomics only, no locks, no
 * allocation after fl_budget_new; the log alone takes a mutex and
 * allocates), so it may be called from a guest's thread, the executor's,
 * or a signal-free watchdog.  Layering: libc only;
 * every other module may include it.
 */
#ifndef FL_BUDGET_BUDGET_H
#define FL_BUDGET_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum fl_budget_kind {
    FL_BUDGET_MEMORY = 0,
    FL_BUDGET_FDS,
    FL_BUDGET_DISK,
    FL_BUDGET_CALLS,
    FL_BUDGET_KINDS
} fl_budget_kind;

/* Defaults, used for every zero field of fl_budget_limits. */
#define FL_BUDGET_DEFAULT_MEMORY ((uint64_t)4 << 30) /* wasm32's own 4 GiB */
#define FL_BUDGET_DEFAULT_FDS 1024u                  /* a process's usual soft limit */
#define FL_BUDGET_DEFAULT_DISK ((uint64_t)256 << 20)
#define FL_BUDGET_DEFAULT_CALLS 100000u
#define FL_BUDGET_DEFAULT_CHAIN_DEPTH 64u
#define FL_BUDGET_DEFAULT_CHAINED_PER_CALL 10000u
#define FL_BUDGET_DEFAULT_LOG ((uint32_t)64 << 10)

typedef struct fl_budget_limits {
    uint64_t timeout_ms;         /* the whole tree, from fl_budget_new; 0: none */
    uint64_t memory_bytes;       /* FL_BUDGET_MEMORY */
    uint32_t fds;                /* FL_BUDGET_FDS */
    uint64_t disk_bytes;         /* FL_BUDGET_DISK */
    uint32_t calls;              /* FL_BUDGET_CALLS */
    uint32_t chain_depth;        /* chained calls nested beneath the root */
    uint32_t chained_per_call;   /* calls one call may chain */
    uint32_t log_bytes;          /* captured stdout/stderr kept for the tree */
} fl_budget_limits;

typedef struct fl_budget fl_budget;

/* A budget with `limits` (NULL: all defaults; zero fields take the
 * defaults), its deadline timeout_ms from now.  Reference count 1; NULL
 * when out of memory.  Release with fl_budget_unref. */
fl_budget *fl_budget_new(const fl_budget_limits *limits);

/* Takes another reference (for a chained call); returns b.  NULL-safe. */
fl_budget *fl_budget_ref(fl_budget *b);

/* Drops a reference; the last one frees the budget.  NULL-safe. */
void fl_budget_unref(fl_budget *b);

/* The limits in force (defaults filled in).  NULL: all defaults. */
fl_budget_limits fl_budget_get_limits(const fl_budget *b);

/* Adds `amount` of `kind` when the total stays within the limit and
 * returns 0; otherwise changes nothing, remembers the refusal and returns
 * -1.  NULL budget: 0. */
int fl_budget_charge(fl_budget *b, fl_budget_kind kind, uint64_t amount);

/* Gives back `amount` of `kind` charged earlier (never below zero). */
void fl_budget_release(fl_budget *b, fl_budget_kind kind, uint64_t amount);

/* What is charged now, the most ever charged at once, and the limit. */
uint64_t fl_budget_used(const fl_budget *b, fl_budget_kind kind);
uint64_t fl_budget_peak(const fl_budget *b, fl_budget_kind kind);
uint64_t fl_budget_limit(const fl_budget *b, fl_budget_kind kind);

/* Whether a charge of `kind` has been refused since fl_budget_new. */
bool fl_budget_refused(const fl_budget *b, fl_budget_kind kind);

/* "memory", "file descriptors", "disk", "calls". */
const char *fl_budget_kind_name(fl_budget_kind kind);

/* The tree's deadline on CLOCK_MONOTONIC in nanoseconds; 0 when it has
 * none (no timeout, or a NULL budget). */
uint64_t fl_budget_deadline_ns(const fl_budget *b);

/* The number under which the tree's calls are counted across the hosts of
 * a cluster once it spans more than one (the layer that hands calls on
 * sets it and counts), 0 while it runs on one host. */
uint64_t fl_budget_tree(const fl_budget *b);

/* Sets that number unless one is set already; returns the one in force
 * (NULL b: 0). */
uint64_t fl_budget_set_tree(fl_budget *b, uint64_t tree);

/* Milliseconds left before the deadline: > 0, 0 when it has passed, or
 * -1 when there is no deadline. */
int64_t fl_budget_remaining_ms(const fl_budget *b);

/* ---- the tree's log ----
 *
 * Bytes its guests wrote to a captured stdout or stderr, both streams and
 * every call of the tree in the order written.  The first log_bytes are
 * kept, each charged to FL_BUDGET_MEMORY until taken; what does not fit
 * (or what the memory budget refuses) is counted as dropped, never an
 * error: a guest's print never fails a call. */

/* Appends bytes[0..len) to b's log (NULL b: dropped uncounted). */
void fl_budget_log_append(fl_budget *b, const void *bytes, size_t len);

/* Takes the log: a malloc'd copy (NULL when empty) whose length is *len,
 * and the bytes dropped so far in *dropped; the log starts again empty
 * (its memory charge is given back). */
uint8_t *fl_budget_log_take(fl_budget *b, size_t *len, uint64_t *dropped);

/* CLOCK_MONOTONIC now, in nanoseconds. */
uint64_t fl_monotonic_ns(void);

/* ---- the host's own C stack ----
 *
 * Guest code re-enters the host (a host function calling back into the
 * guest, an await running the awaited call on the waiter's thread), so the
 * depth of such nesting is bounded by the C stack that is really left, not
 * by a count: frames differ in size between builds (sanitizers) and paths.
 */

/* Bytes of C stack left on the calling thread below the caller's frame
 * (the thread's stack bounds are read once per thread).  SIZE_MAX when the
 * bounds cannot be known. */
size_t fl_cstack_left(void);

/* What a host->guest entry (fl_invoke) needs left, and what running a whole
 * nested call (an awaited call on the waiter's stack) needs left. */
#define FL_CSTACK_ENTRY_RESERVE ((size_t)256 << 10)
#define FL_CSTACK_CALL_RESERVE ((size_t)1 << 20)

#endif
