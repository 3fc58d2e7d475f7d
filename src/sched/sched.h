/*
 * sched.h: the embedded executor.  A pool of worker threads runs calls
 * taken from a FIFO queue; every call gets a unique non-zero id under which
 * its result (status, return value, binary output, error) is kept until
 * released.  What a call does is a callback given by the layer above (which
 * creates the Faaslet and runs it); this module knows nothing about wasm.
 *
 * Chaining: a running call may submit further calls and await them.  An
 * await on a worker never deadlocks the pool:
 *   - if the awaited call is still queued, the waiting worker takes it out
 *     of the queue and runs it itself, on its own stack ("help"); a timed
 *     await first hands it on (to the queue's front) when another thread
 *     can take it at once, so that its timeout holds;
 *   - nesting on one thread is bounded (max_depth); past it the awaited call
 *     is handed to a freshly spawned thread instead;
 *   - if the awaited call already runs elsewhere, the worker blocks and, when
 *     work is queued and no thread is idle, the pool grows a replacement
 *     thread (up to max_threads; spares retire when idle).
 * Waiting workers never run unrelated queued calls: a caller suspended under
 * a call it does not depend on could form a cycle (the classic help-first
 * deadlock), so help is given only to the call being awaited.
 *
 * Deadlines: a call with timeout_ms runs with a cancel flag that a watchdog
 * thread sets when the deadline passes; the callback (the wasm exec) polls it,
 * and an await it is blocked in returns -ECANCELED.
 *
 * Threads: every function here is thread-safe, except fl_sched_free, which
 * must be called once, from outside the pool, when no other thread outside
 * the pool still uses the scheduler.
 */
#ifndef FL_SCHED_SCHED_H
#define FL_SCHED_SCHED_H

#include <stddef.h>
#include <stdint.h>

typedef struct fl_sched fl_sched;
typedef struct fl_call_sink fl_call_sink;

typedef enum fl_call_status {
    FL_CALL_UNKNOWN = 0, /* no such id: never issued, released or evicted */
    FL_CALL_QUEUED,
    FL_CALL_RUNNING,
    FL_CALL_SUCCESS,
    FL_CALL_FAILED, /* error set, deadline passed, or cancelled at shutdown */
} fl_call_status;

/* Message flags. */
enum {
    /* Keep the result until fl_sched_release.  Without it a finished result
     * joins a bounded history (max_history) and the oldest are evicted. */
    FL_CALL_KEEP = 1u << 0,
};

/* A call message.  fl_sched_submit copies user, function and input; it
 * takes ownership of `opaque` only when `opaque_free` is set (then it calls
 * opaque_free(opaque) exactly once, without the scheduler's lock, after the
 * run or when the call is dropped unrun; it must not call the scheduler). */
typedef struct fl_call_msg {
    const char *user;     /* NULL is taken as "" */
    const char *function; /* NULL is taken as "" */
    const uint8_t *input; /* binary-safe; may be NULL when input_len is 0 */
    size_t input_len;
    void *opaque;                      /* for the layer above (python fields, funcPtr) */
    void (*opaque_free)(void *opaque); /* NULL: the caller keeps ownership */
    uint32_t timeout_ms;               /* run-time limit from start; 0: none */
    unsigned flags;                    /* FL_CALL_* */
} fl_call_msg;

/* What the run callback sees.  All pointers stay valid until it returns. */
typedef struct fl_call_info {
    uint32_t id;
    uint32_t parent;     /* id of the call that submitted this one; 0 from outside */
    unsigned depth;      /* calls nested on this thread's stack, this one included */
    fl_call_msg msg;     /* the scheduler's copy (opaque_free is NULL: ours) */
    volatile int *cancel; /* becomes 1 at the deadline or at cancelling shutdown;
                           * read with __atomic_load_n or as volatile */
} fl_call_info;

/* The run callback: runs on a worker thread, may submit and await other
 * calls, reports through the sink.  A call succeeds unless it sets an error,
 * passes its deadline, or is cancelled by fl_sched_free. */
typedef void (*fl_sched_run_fn)(void *ctx, const fl_call_info *call, fl_call_sink *sink);

typedef struct fl_sched_config {
    unsigned nthreads;        /* worker threads kept (>= 1) */
    unsigned max_threads;     /* bound on threads incl. spares; 0: nthreads + 64 */
    unsigned max_depth;       /* calls nested on one thread; 0: 64 */
    unsigned max_history;     /* finished unkept results held; 0: 4096 */
    unsigned spare_idle_ms;   /* a spare thread idle this long exits; 0: 1000 */
    size_t stack_size;        /* worker stack bytes; 0: 8 MiB */
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
    unsigned depth_peak;   /* deepest nesting of calls seen on one thread */
    unsigned queued;       /* calls waiting in the queue now */
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

/* Queues a call.  Returns its id (non-zero, unique among live results), or
 * 0 when shutting down or out of memory (then the caller keeps ownership of
 * msg->opaque).  Borrows msg; see fl_call_msg for what is copied/taken. */
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

/* The current status of call `id` (FL_CALL_UNKNOWN when no record). */
fl_call_status fl_sched_status(fl_sched *s, uint32_t id);

/* A copy of the error message of finished call `id` (caller frees with
 * free()), or NULL when it has none, is unknown or not finished. */
char *fl_sched_error(fl_sched *s, uint32_t id);

/* Drops the result of call `id`; a call not yet finished still runs, its
 * result is dropped when it ends.  Returns 0 or -ENOENT. */
int fl_sched_release(fl_sched *s, uint32_t id);

/* Counters and gauges of the scheduler at this moment. */
void fl_sched_get_stats(fl_sched *s, fl_sched_stats *out);

/* ---- the result sink, for the run callback only, during the call ---- */

/* Sets the call's output to a copy of bytes[0..len) (binary-safe), replacing
 * any earlier output.  Returns 0 or -ENOMEM. */
int fl_call_set_output(fl_call_sink *sink, const void *bytes, size_t len);

/* Sets the call's return value (what await reports). */
void fl_call_set_return(fl_call_sink *sink, int retval);

/* Fails the call with a printf-style message (copied; the first error
 * set wins). */
void fl_call_set_error(fl_call_sink *sink, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Also raise *flag (set it to 1) whenever the call's cancel flag is raised,
 * e.g. the wasm exec's interrupt field.  NULL unhooks it; the scheduler
 * forgets it when the call finishes.  The flag is borrowed: unhook it
 * before its memory goes (before returning, for a flag on the callback's
 * stack).  If the cancel flag is already raised, *flag is raised at once. */
void fl_call_watch(fl_call_sink *sink, volatile int *flag);

#endif
