/*
 * sched.h: the embedded executor.  A pool of worker threads runs calls
 * taken from a FIFO queue; every call gets a unique non-zero id under which
 * its result (status, return value, binary output, error and why it failed)
 * is kept until released.  What a call does is a callback given by the
 * layer above (which creates the Faaslet and runs it); this module knows
 * nothing about wasm.
 *
 * Call trees: a call submitted from outside the pool is the root of a new
 * tree; a call submitted by a running call (chained) is its child in the
 * same tree.  The scheduler keeps the tree:
 *   - when a call fails (error, deadline, cancel), its unfinished
 *     descendants are cancelled, not drained: queued ones finish failed
 *     without running ("cancelled: the calling call failed"), running ones
 *     get their cancel flag raised;
 *   - fl_sched_fail_tree (a runaway tree: too deep, too many calls) fails
 *     the whole tree: the root's result becomes that error and every
 *     unfinished call of the tree is cancelled;
 *   - the result of a chained call is kept while the call that chained it
 *     runs (it may still await it), then released; results of calls from
 *     outside are kept until fl_sched_release (FL_CALL_KEEP) or join a
 *     bounded history.
 *
 * Budgets: a call may carry the tree's fl_budget (budget/budget.h).  Its
 * input bytes are charged to FL_BUDGET_MEMORY from submit until the call
 * ends, its output bytes from fl_call_set_output until its result is freed;
 * a charge the budget refuses fails the submit or the set_output.
 *
 * Chaining: a running call may submit further calls and await them.  An
 * await on a worker never deadlocks the pool:
 *   - if the awaited call is still queued, the waiting worker takes it out
 *     of the queue and runs it itself, on its own stack ("help"); a timed
 *     await first hands it on (to the queue's front) when another thread
 *     can take it at once, so that its timeout holds;
 *   - help runs nested only while the thread has FL_CSTACK_CALL_RESERVE
 *     bytes of C stack left (fl_cstack_left: measured, not counted); past
 *     that the awaited call goes to a freshly spawned thread, and when no
 *     thread can be had it fails with "call stack exhausted": the stack
 *     never overflows;
 *   - if the awaited call already runs elsewhere, the worker blocks and, when
 *     work is queued and no thread is idle, the pool grows a replacement
 *     thread (up to max_threads; spares retire when idle).
 * Waiting workers never run unrelated queued calls: a caller suspended under
 * a call it does not depend on could form a cycle (the classic help-first
 * deadlock), so help is given only to the call being awaited.
 *
 * Deadlines: a call with a deadline (timeout_ms from its start, or an
 * absolute deadline_ns, the earlier of the two) runs with a cancel flag that
 * a watchdog thread sets when the deadline passes; the callback (the wasm
 * exec) polls it, and an await it is blocked in returns -ECANCELED.  A call
 * still queued at its deadline finishes failed without running.  A call
 * whose deadline passed or that was cancelled fails with the scheduler's
 * reason (FL_REASON_DEADLINE, FL_REASON_CANCELLED), whatever the callback
 * reported after its flag was raised.
 *
 * Threads: every function here is thread-safe, except fl_sched_free, which
 * must be called once, from outside the pool, when no other thread outside
 * the pool still uses the scheduler.
 */
#ifndef FL_SCHED_SCHED_H
#define FL_SCHED_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "budget/budget.h"

typedef struct fl_sched fl_sched;
typedef struct fl_call_sink fl_call_sink;

typedef enum fl_call_status {
    FL_CALL_UNKNOWN = 0, /* no such id: never issued, released or evicted */
    FL_CALL_QUEUED,
    FL_CALL_RUNNING,
    FL_CALL_SUCCESS,
    FL_CALL_FAILED, /* error set, deadline passed, or cancelled */
} fl_call_status;

/* Why a finished call failed (fl_sched_reason): the scheduler's own
 * reasons, or a code >= FL_REASON_USER that the layer above gave
 * fl_call_fail or fl_sched_fail_tree (it defines their meaning). */
enum {
    FL_REASON_NONE = 0,  /* it succeeded (or is unknown, or not finished) */
    FL_REASON_ERROR,     /* fl_call_set_error */
    FL_REASON_DEADLINE,  /* its deadline passed */
    FL_REASON_CANCELLED, /* fl_sched_free cancelled it, or the call that chained it (or
                          * its tree) failed */
    FL_REASON_STACK,     /* awaited on a thread with too little C stack left when no
                          * other thread could take it: never ran */
    FL_REASON_USER = 16,
};

/* Message flags. */
enum {
    /* Keep the result until fl_sched_release.  Without it a finished result
     * joins a bounded history (max_history) and the oldest are evicted. */
    FL_CALL_KEEP = 1u << 0,
};

/* A call message.  fl_sched_submit copies user, function and input; it
 * takes ownership of `opaque` only when `opaque_free` is set (then it calls
 * opaque_free(opaque) exactly once, after the run (without the scheduler's
 * lock) or when the call is dropped unrun (with it held): it must not call
 * the scheduler);
 * it takes a reference to `budget`, dropped when the call's result is
 * freed. */
typedef struct fl_call_msg {
    const char *user;     /* NULL is taken as "" */
    const char *function; /* NULL is taken as "" */
    const uint8_t *input; /* binary-safe; may be NULL when input_len is 0 */
    size_t input_len;
    void *opaque;                      /* for the layer above (python fields, funcPtr) */
    void (*opaque_free)(void *opaque); /* NULL: the caller keeps ownership */
    uint32_t timeout_ms;               /* run-time limit from start; 0: none */
    uint64_t deadline_ns;              /* absolute, on CLOCK_MONOTONIC (fl_monotonic_ns);
                                        * 0: none.  The earlier of the two holds */
    fl_budget *budget;                 /* the call tree's; NULL: unlimited */
    unsigned flags;                    /* FL_CALL_* */
    unsigned tree_depth;               /* a root's depth in a tree begun elsewhere (a call
                                        * another host handed on); chained calls: ignored */
} fl_call_msg;

/* What the run callback sees.  All pointers stay valid until it returns. */
typedef struct fl_call_info {
    uint32_t id;
    uint32_t parent;     /* id of the call that submitted this one; 0 from outside */
    unsigned depth;      /* calls nested on this thread's stack, this one included */
    unsigned tree_depth; /* chained calls between this one and its tree's root (0: the root) */
    fl_call_msg msg;     /* the scheduler's copy (opaque_free is NULL: ours) */
    volatile int *cancel; /* becomes 1 at the deadline, at cancelling shutdown, or when
                           * the call is cancelled with its caller or its tree; read
                           * with __atomic_load_n or as volatile */
} fl_call_info;

/* The run callback: runs on a worker thread, may submit and await other
 * calls, reports through the sink.  A call succeeds unless it sets an error,
 * passes its deadline, or is cancelled. */
typedef void (*fl_sched_run_fn)(void *ctx, const fl_call_info *call, fl_call_sink *sink);

typedef struct fl_sched_config {
    unsigned nthreads;        /* worker threads kept (>= 1) */
    unsigned max_threads;     /* bound on threads incl. spares; 0: nthreads + 64 */
    unsigned max_history;     /* finished unkept results held; 0: 4096 */
    unsigned spare_idle_ms;   /* a spare thread idle this long exits; 0: 1000 */
    size_t stack_size;        /* worker stack bytes; 0: 8 MiB (help nests calls on it
                               * while FL_CSTACK_CALL_RESERVE bytes are left) */
    fl_sched_run_fn run;
    void *ctx;                /* passed to run; borrowed */
} fl_sched_config;

typedef struct fl_sched_stats {
    unsigned threads;      /* worker threads alive now */
    unsigned threads_peak; /* most alive at once */
    uint64_t spawned;      /* threads started beyond the first nthreads */
    uint64_t submitted;
    uint64_t succeeded;
    uint64_t failed;
    uint64_t helped;       /* awaited calls run by the waiting worker itself */
    uint64_t handed;       /* awaited calls given to a spawned thread for want of stack */
    uint64_t cancelled;    /* calls finished without running: cancelled or past deadline */
    uint64_t stack_refused; /* awaited calls failed with "call stack exhausted" */
    unsigned depth_peak;   /* deepest nesting of calls seen on one thread */
    unsigned queued;       /* calls waiting in the queue now */
    unsigned busy;         /* workers running a call now (not waiting on another) */
    unsigned nthreads;     /* the workers kept: how many calls run at once */
    unsigned results;      /* result records held now */
} fl_sched_stats;

/* Shutdown modes for fl_sched_free. */
typedef enum fl_sched_stop {
    FL_SCHED_DRAIN,  /* run everything queued (and what it chains), then stop */
    FL_SCHED_CANCEL, /* fail queued calls, raise running calls' cancel flags */
} fl_sched_stop;

/* A scheduler with `nthreads` workers calling run(ctx, ...).  Returns NULL
 * on bad arguments or when threads cannot be created.  Free with
 * fl_sched_free. */
fl_sched *fl_sched_new(unsigned nthreads, fl_sched_run_fn run, void *ctx);

/* The same with every knob; cfg is borrowed (copied). */
fl_sched *fl_sched_new_config(const fl_sched_config *cfg);

/* Stops the scheduler as `mode` says, waits for every running call to
 * return, joins all threads and frees every result.  New submits from
 * outside the pool fail from the start; in DRAIN mode running calls may
 * still chain.  Blocks for as long as running callbacks take (CANCEL mode
 * raises their cancel flags).  Must not be called from a call. */
void fl_sched_free(fl_sched *s, fl_sched_stop mode);

/* Queues a call: a new tree's root from outside the pool, a child of the
 * calling call from inside one.  Returns 0 and its id in *id (non-zero,
 * unique among live results), or (then the caller keeps ownership of
 * msg->opaque): -EINVAL bad message, -ESHUTDOWN shutting down, -ECANCELED
 * the calling call is cancelled or its tree failed, -EDQUOT the budget
 * refused the input bytes, -ENOMEM.  Borrows msg; see fl_call_msg for what
 * is copied/taken. */
int fl_sched_submit_call(fl_sched *s, const fl_call_msg *msg, uint32_t *id);

/* fl_sched_submit_call returning the id, or 0 on any error. */
uint32_t fl_sched_submit(fl_sched *s, const fl_call_msg *msg);

/* Waits up to timeout_ms (< 0: forever, 0: just look) for call `id` to
 * finish and sets *retval (may be NULL) to its return value: what the call
 * set, else 0 on success and 1 on failure.  Returns 0 when the call has
 * finished (succeeded or failed: see fl_sched_status), -ETIMEDOUT,
 * -ENOENT for an unknown id, -EDEADLK when a call awaits itself or a call
 * suspended beneath it on the same thread, -ECANCELED when the awaiting
 * call's own cancel flag is raised (deadline, shutdown).  Keeps the result.
 * Inside a call: a queued target is run by the waiter itself (a timed
 * await first hands it on when another thread can take it); the timeout is
 * not checked while the waiter runs a call on its stack. */
int fl_sched_await(fl_sched *s, uint32_t id, int timeout_ms, int *retval);

/* fl_sched_await that also returns a copy of the output bytes: *out is
 * malloc'd (caller frees with free(); NULL when the output is empty) and
 * *out_len its length.  -ENOMEM when the copy fails. */
int fl_sched_await_output(fl_sched *s, uint32_t id, int timeout_ms, int *retval,
                          uint8_t **out, size_t *out_len);

/* Everything a finished call left, moved out of the scheduler. */
typedef struct fl_call_taken {
    fl_call_status status; /* FL_CALL_SUCCESS or FL_CALL_FAILED */
    int reason;            /* FL_REASON_*: FL_REASON_NONE when it succeeded */
    int retval;
    uint8_t *output; /* malloc'd (caller frees), NULL when empty */
    size_t output_len;
    char *error;       /* malloc'd (caller frees), or NULL */
    fl_budget *budget; /* a reference to the call's budget (fl_budget_unref), or NULL */
} fl_call_taken;

/* fl_sched_await, then in the same locked step the result moved into *t
 * (the output's charge given back to its budget) and the record dropped as
 * fl_sched_release does: one lock round where await, status, reason, error
 * and release take five.  Returns as fl_sched_await; *t is filled only
 * when it returns 0 (else it is empty and the record stays). */
int fl_sched_take(fl_sched *s, uint32_t id, int timeout_ms, fl_call_taken *t);

/* The current status of call `id` (FL_CALL_UNKNOWN when no record). */
fl_call_status fl_sched_status(fl_sched *s, uint32_t id);

/* A copy of the error message of finished call `id` (caller frees with
 * free()), or NULL when it has none, is unknown or not finished. */
char *fl_sched_error(fl_sched *s, uint32_t id);

/* Why finished call `id` failed: FL_REASON_*, FL_REASON_NONE when it
 * succeeded, is unknown or not finished. */
int fl_sched_reason(fl_sched *s, uint32_t id);

/* From inside a call only: fails the calling call's whole tree with a
 * printf-style message and `reason` (>= FL_REASON_USER): the root's result
 * becomes this error unless the root has already finished, and every
 * unfinished call of the tree is cancelled (queued ones finish without
 * running; running ones, the root included, get their cancel flag raised;
 * their own errors are "cancelled: the call tree failed").  No call may
 * be chained into the tree afterwards.  The first failure of a tree wins.
 * Returns 0, or -EINVAL outside a call. */
int fl_sched_fail_tree(fl_sched *s, int reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Drops the result of call `id`; a call not yet finished still runs, its
 * result is dropped when it ends.  Returns 0 or -ENOENT. */
int fl_sched_release(fl_sched *s, uint32_t id);

/* Counters and gauges of the scheduler at this moment. */
void fl_sched_get_stats(fl_sched *s, fl_sched_stats *out);

/* ---- the result sink, for the run callback only, during the call ---- */

/* Sets the call's output to a copy of bytes[0..len) (binary-safe), replacing
 * any earlier output, which is dropped first (so a replacement needs room
 * for one copy); the bytes are charged to the call's budget.  Returns 0,
 * -EDQUOT when the budget refuses them, or -ENOMEM (then the output is
 * empty). */
int fl_call_set_output(fl_call_sink *sink, const void *bytes, size_t len);

/* Sets the call's return value (what await reports). */
void fl_call_set_return(fl_call_sink *sink, int retval);

/* Fails the call with a printf-style message (copied; the first error
 * set wins); its reason is FL_REASON_ERROR. */
void fl_call_set_error(fl_call_sink *sink, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The same with the reason `reason` (>= FL_REASON_USER, or FL_REASON_ERROR). */
void fl_call_fail(fl_call_sink *sink, int reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Says the call is (true) or no longer is (false) blocked on something
 * outside the scheduler (a result from another host): while it is, its
 * worker does not count as busy, so queued work gets another thread, as
 * for a call blocked in an await.  Calls come in pairs. */
void fl_call_blocked(fl_call_sink *sink, bool blocked);

/* Calls fn(arg) whenever the call's cancel flag is raised (under the
 * scheduler's lock: it must not block or call back into the scheduler), at
 * once if it already is; e.g. fl_exec_interrupt.  NULL unhooks it; the
 * scheduler forgets it when the call finishes.  arg is borrowed: unhook
 * before it goes. */
void fl_call_watch_fn(fl_call_sink *sink, void (*fn)(void *arg), void *arg);

#endif
