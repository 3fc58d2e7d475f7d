/*
 * faaslet.h: the embedded runtime.  A fl_runtime ties together a function
 * table, the executor (sched/sched.h), the local state tier and the
 * function store.  Each call runs in a Faaslet of its function: an
 * fl_store, exec, linker, WASI context and instance of the function's
 * current module, which (with the default FL_REUSE_WARM) lives across
 * calls: it is bound to each call and reset to the function's snapshot
 * after it (memory, globals, tables, fds, /tmp, state mappings), so no
 * call sees what another left.  The snapshot is taken after the first
 * Faaslet's instantiation and `_faasm_zygote`, and with snapshot_dir set
 * kept on disk for the next process.
 *
 * Faasm semantics: a function is a WASI command; a call runs its `_start`
 * (which runs main) and the call's return value is main's return value (the
 * proc_exit status).  A chained call with a function pointer > 0 runs that
 * indirect-table element (`int (void)`) instead, after the exported
 * `_faasm_init` (or `__wasm_call_ctors`) if any, so that C constructors
 * such as wasi-libc's preopen table have run; when it returns, the C
 * destructors run (flushing stdio) through `__wasm_call_dtors` or that
 * same wrapped export.  An exported `_faasm_zygote` runs after
 * instantiation, before the entry.  Output bytes are what the guest passed
 * to __faasm_write_output.
 *
 * Call trees: a call submitted from outside (fl_runtime_submit*) and every
 * call it chains, and those chain, form one tree sharing one budget
 * (budget/budget.h), made from the config at submit:
 *   - one deadline: timeout_ms counts from the submit of the root, and
 *     every chained call gets what is left of it (the executor's deadline
 *     raises the exec's interrupt flag, so a looping guest stops at its
 *     next back-edge or call);
 *   - memory (max_memory_mib): linear memories and tables, chained inputs
 *     until the chained call ends, outputs until no one can await them,
 *     state created or grown; each linear memory is also capped by it;
 *   - file descriptors (max_fds) and bytes written into private /tmp
 *     folders (max_disk_mib), charged by the WASI layer;
 *   - chain depth (max_chain_depth beneath the root), calls chained by one
 *     call (max_chained) and calls in the tree (max_calls): passing one is
 *     a runaway tree: the chain call traps, the whole tree fails with that
 *     message as the root's error (FL_OUTCOME_TRAP) and its unfinished
 *     calls are cancelled.
 * A call that fails or times out has its unfinished chained calls
 * cancelled (not run).  The result of a chained call is kept while its
 * caller runs, so an await never finds it evicted.  max_depth caps the
 * wasm call depth of each call.  A call that hits a limit fails with a
 * one-line error (fl_call_result.error) and the runtime goes on serving
 * other calls.  State: each user's state in the process is capped at
 * max_state_mib (values and appended data).
 *
 * Filesystem, per call: the configured preopens first (guest fds 3, 4, ...),
 * then the runtime root read-only at "/", then a private writable "/tmp":
 * a folder tmp_parent/faaslet-PID-XXXXXX of the Faaslet's own, emptied
 * after a call that wrote there and removed, with everything the guest
 * left in it, with the Faaslet (neither follows a symlink nor needs a new
 * fd: the folder's fd and a spare are held from its creation).  fl_runtime_new sweeps folders of
 * that name left by processes that no longer run.  A configured preopen
 * named "/" or "/tmp" takes the place of the runtime's own.
 *
 * Threads: every function is thread-safe except fl_runtime_free.
 */
#ifndef FL_FAASLET_FAASLET_H
#define FL_FAASLET_FAASLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aot/aot.h"
#include "engine/module.h"
#include "engine/runtime.h"
#include "sched/sched.h"
#include "store/store.h"
#include "wasi/wasi.h"

typedef struct fl_runtime fl_runtime;
typedef struct fl_state fl_state;
typedef struct fl_remote_ops fl_remote_ops;

/* faaslet's version: part of every snapshot's key on disk. */
#define FL_VERSION "0.9.0"

/* The default per-user state quota (max_state_mib). */
#define FL_RUNTIME_DEFAULT_STATE_MIB 1024u
/* The defaults of the warm pool's caps (pool_max_mib, pool_per_function). */
#define FL_RUNTIME_DEFAULT_POOL_MIB 1024u
#define FL_RUNTIME_DEFAULT_POOL_PER_FUNCTION 64u

/* How calls get their Faaslet. */
typedef enum fl_reuse {
    FL_REUSE_WARM = 0, /* an idle warm Faaslet of the function, reset to its snapshot after
                        * each call; a new one (restored from the snapshot) when none is idle */
    FL_REUSE_SNAPSHOT, /* a new Faaslet restored from the function's snapshot, freed after */
    FL_REUSE_NONE,     /* a new Faaslet built from scratch: instantiated (data segments,
                        * start function) and _faasm_zygote run, freed after */
} fl_reuse;

typedef struct fl_runtime_config {
    unsigned threads;        /* executor workers (>= 1); 0: 2 */
    uint32_t timeout_ms;     /* per call tree, from the root's submit; 0: none */
    uint32_t max_memory_mib; /* per call tree, and on each linear memory; 0: 4096 */
    uint32_t max_disk_mib;   /* per call tree, in private /tmp folders; 0: 256 */
    uint32_t max_fds;        /* per call tree; 0: 1024 */
    uint32_t max_chain_depth; /* chained calls nested beneath the root; 0: 64 */
    uint32_t max_chained;    /* calls one call may chain; 0: 10000 */
    uint32_t max_calls;      /* calls in one tree, the root included; 0: 100000 */
    uint32_t max_state_mib;  /* state bytes per user in the process; 0: 1024 */
    uint32_t max_depth;      /* wasm call depth; 0: the engine's default */
    const char *const *argv; /* guest argv[1..] of calls from outside (argv[0]: see below) */
    size_t argc;
    const char *const *envp; /* "K=V" strings every guest sees */
    size_t envc;
    const fl_wasi_preopen *preopens; /* directories every guest sees (fds 3, 4, ...) */
    size_t npreopens;
    const char *runtime_root; /* host folder every guest sees read-only at "/"; NULL: none */
    const char *tmp_parent;   /* where each call's private /tmp is made; NULL: $TMPDIR, else /tmp */
    bool no_private_tmp;      /* give calls no /tmp of their own */
    bool no_openat2;          /* WASI paths by the portable walk, never openat2 (tests) */
    int stdio[3];            /* host fds behind the guests' 0, 1, 2; for 1 and 2 also
                              * FL_WASI_STDIO_CAPTURE: into the call tree's log, which
                              * the root's result carries (fl_call_result.log) */
    uint32_t max_log_kib;    /* captured stdout/stderr kept per call tree; 0: 64 */
    const fl_fnstore *fnstore; /* where named functions are loaded from; may be NULL */
    const char *python_dir;    /* Python calls: folder holding py_func.wasm and root/;
                                * NULL: Python calls fail to load */
    fl_reuse reuse;            /* default FL_REUSE_WARM */
    uint32_t pool_max_mib;     /* idle warm Faaslets of all functions, estimated; 0: 1024 */
    uint32_t pool_per_function; /* idle warm Faaslets per function; 0: 64 */
    const char *snapshot_dir;  /* functions' snapshots are kept here between processes
                                * (DIR/USER/FUNC.snap, FUNC.py.snap for Python), keyed by
                                * every input of the image; NULL: in memory only */
    const char *state_dir;     /* the global state tier persists here (values and
                                * appended lists: fl_global_mem_open); NULL: in
                                * memory only, gone with the runtime */
    const char *redis_url;     /* the global state tier on this Redis server instead
                                * (redis://HOST[:PORT][/DB], fl_global_redis_open),
                                * shared with every runtime given the same one */
    unsigned redis_timeout_ms; /* its deadline per operation; 0: 2000 */
    fl_tier_choice tier;       /* what runs modules (default FL_TIER_AUTO: machine code
                                * when the function store's native/ has it, else the
                                * interpreter; FL_TIER_AOT generates it first) */
    const fl_remote_ops *remote; /* where chained calls go while this runtime is full
                                  * (other hosts of a cluster); NULL: all run here */
    bool background_codegen;   /* with FL_TIER_AUTO: a module loaded without machine code
                                * gets it generated in the background, one module at a
                                * time, and new calls switch to it when it is ready (for
                                * long-lived runtimes; a one-shot run would not use it) */
} fl_runtime_config;

/* Fills `c` with the defaults: 2 threads, no limits but the engine's, no
 * args, env or preopens, the process's stdio, no function store. */
void fl_runtime_config_init(fl_runtime_config *c);

/* Creates a runtime with its executor, module cache and an in-process
 * state tier (persisted under c->state_dir when set).  Borrows `c` and everything it points to (it must outlive the
 * runtime: strings and preopens are used by every call).  Returns NULL with
 * a message in err[0..errlen).  Free with fl_runtime_free. */
fl_runtime *fl_runtime_new(const fl_runtime_config *c, char *err, size_t errlen);

/* Waits for every call (queued ones run), then frees everything.  Must not
 * be called from a call. */
void fl_runtime_free(fl_runtime *rt);

/* Whether loaded module `m` can run as a function: every export the
 * runtime calls has a type it calls it with (_start and _faasm_zygote
 * [] -> [] or [] -> [i32]; _faasm_init, __wasm_call_ctors and
 * __wasm_call_dtors [] -> []; malloc, when exported, [i32] -> [i32]).
 * Returns 0, or -1 with a message in msg[0..len) such as "_start has type
 * [] -> [i64 x 64]; an entry point must be [] -> [] or [] -> [i32]".
 * Every module the runtime caches passes it; `faaslet upload` checks with
 * it too. */
int fl_runtime_check_module(const fl_module *m, char *msg, size_t len);

/* Loads bytes[0..len) (borrowed) as function user/func, replacing its
 * current version: calls in flight finish on the old module, later calls
 * run the new one (and its own snapshot).  Returns 0; -1 with `err`
 * filled (decode or validation error, at err->offset); or -2 with
 * err->message saying why a valid module cannot run as a function
 * (fl_runtime_check_module). */
int fl_runtime_add_module(fl_runtime *rt, const char *user, const char *func,
                          const uint8_t *bytes, size_t len, fl_error *err);

/* Whether user/func (a Python function with `python`) is loaded now: a
 * lookup in memory, no I/O (a function only in the store is not). */
bool fl_runtime_has_function(fl_runtime *rt, const char *user, const char *func, bool python);

/* Submits a call of user/func (its module cached, or loaded from the
 * function store when it runs) with input[0..len) (copied), the root of a
 * new call tree with a fresh budget.  Returns the call id, or 0 when the
 * executor refuses it. */
uint32_t fl_runtime_submit(fl_runtime *rt, const char *user, const char *func,
                           const uint8_t *input, size_t len);

/* Python functions (Faasm's convention).  A Python call of user/func runs
 * python_dir/py_func.wasm (CPython) with python_dir/root read-only at "/"
 * in place of the runtime root, the function's name as argv[0] (other
 * functions get "function.wasm", as on Faasm; every function gets Faasm's
 * environment, MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONHASHSEED=0
 * PYTHONHOME=/ PYTHONNOUSERSITE=on PYTHONWASM=1 PYTHON_PATH=/, less the
 * names the configured one sets, then the configured one), and the
 * function's folder (holding function.py) read-only at
 * /pyfuncs/<user>/<func>; __faasm_get_py_user/func/entry return user, func
 * and the entry ("" for faasm_main), and __faasm_chain_py chains the same
 * file at another entry.  State keys live under user.  The function's
 * folder is the one given to fl_runtime_add_python, else the function
 * store's pyfuncs/<user>/<func>/. */

/* Makes host folder `dir` (borrowed, copied; it must hold function.py) the
 * folder of Python function user/func, replacing an earlier one.  Returns
 * 0 or -ENOMEM. */
int fl_runtime_add_python(fl_runtime *rt, const char *user, const char *func,
                          const char *dir);

/* Submits a Python call of user/func entered at faasm_main() with
 * input[0..len) (copied).  Returns the call id (await it with
 * fl_runtime_await), or 0 when the executor refuses it or out of memory. */
uint32_t fl_runtime_submit_python(fl_runtime *rt, const char *user, const char *func,
                                  const uint8_t *input, size_t len);

/* The same, entered at `entry` (copied; NULL or "": as above): py_func
 * calls entry(input bytes), or entry() for "faasm_main", and fails the
 * call with a message when the file has no such function. */
uint32_t fl_runtime_submit_python_at(fl_runtime *rt, const char *user, const char *func,
                                     const char *entry, const uint8_t *input, size_t len);

/* A call from outside with every choice: the function (a Python one with
 * `python`, entered at `entry`), its input, and limits of its own for its
 * tree, which may only lower the runtime's (0: the runtime's). */
typedef struct fl_submit {
    const char *user;
    const char *func;
    const uint8_t *input; /* copied */
    size_t len;
    bool python;
    const char *entry;       /* Python entry; NULL or "": faasm_main */
    uint32_t timeout_ms;     /* 0, or above the runtime's: the runtime's */
    uint32_t max_memory_mib; /* likewise */
    /* a chained call another host handed on (fl_remote_ops): it runs as a
     * subtree here, with the rest of its tree's limits */
    int32_t func_ptr;        /* > 0: enter at this table element */
    uint32_t depth;          /* its depth in its tree (0: a root) */
    uint32_t max_depth;      /* the tree's chain depth limit (0, or above the runtime's:
                              * the runtime's) */
    uint64_t tree;           /* the tree's count across hosts; 0: a root of its own */
    uint32_t max_calls;      /* the tree's limit on calls (likewise) */
    bool may_hand;           /* with remote ops: handed to another host when this one is
                              * full, like a chained call (its id a stand-in here) */
} fl_submit;

/* Submits the call `s` says as the root of a new call tree.  Returns the
 * call id, or 0 when the executor refuses it or out of memory. */
uint32_t fl_runtime_submit_with(fl_runtime *rt, const fl_submit *s);

/* How a call ended: set where it happens (the Faaslet, or the executor for
 * deadlines and cancels), never parsed back from a message. */
typedef enum fl_outcome {
    FL_OUTCOME_OK = 0,   /* ran to the end: retval is main's return value */
    FL_OUTCOME_TRAP,     /* a trap (fl_call_result.trap says which), stack exhaustion
                          * included */
    FL_OUTCOME_TIMEOUT,  /* its tree's deadline passed (in the start function and
                          * _faasm_zygote too) */
    FL_OUTCOME_LOAD,     /* module not found, malformed, or unlinkable */
    FL_OUTCOME_MEMORY,   /* a memory limit ended it: a memory or table the store's cap or
                          * the tree's budget refused, or a host call's allocation (output,
                          * state, a chained input) the budget refused: set by the refusal
                          * itself (fl_store_limit_reached, fl_budget_refused), not read
                          * from a message */
    FL_OUTCOME_LIMIT,    /* its call tree outgrew a shape limit (chain depth, calls
                          * chained by one call, calls in the tree): the whole tree fails */
    FL_OUTCOME_CANCELLED, /* ended unfinished because its tree failed elsewhere, or the
                           * runtime shut down */
} fl_outcome;

/* "ok", "trap", "timeout", "load", "memory", "limit", "cancelled": the word
 * that names an outcome. */
const char *fl_outcome_name(fl_outcome o);

typedef struct fl_call_result {
    fl_outcome outcome;
    fl_trap trap;      /* which trap, with FL_OUTCOME_TRAP (or FL_OUTCOME_MEMORY when a
                        * refusal ended in one); FL_TRAP_NONE otherwise, or when no
                        * trap kind is known (a start function's, a zygote's status) */
    int retval;        /* main's return value; 1 when the call failed */
    uint8_t *output;   /* output bytes (malloc'd, NULL when empty) */
    size_t output_len;
    char *error;       /* one-line message when outcome != OK (malloc'd), else NULL;
                        * it does not repeat the outcome's name */
    uint8_t *log;      /* what the tree's guests wrote to captured stdio until the root
                        * ended, both streams in order (malloc'd, NULL when empty) */
    size_t log_len;
    uint64_t log_dropped; /* bytes written past max_log_kib (or refused memory): not kept */
} fl_call_result;

/* Waits for call `id` (from fl_runtime_submit) and moves its result into
 * *res, releasing it in the executor.  Returns 0, or a negative errno from
 * fl_sched_await (*res is then empty).  Free *res with
 * fl_call_result_free. */
int fl_runtime_await(fl_runtime *rt, uint32_t id, fl_call_result *res);

/* Frees what *res holds and empties it. */
void fl_call_result_free(fl_call_result *res);

/* ---- chained calls on other hosts ----
 *
 * A runtime given remote ops hands a chained call on when ops->full says
 * this host is full.  The chain still gets an id here: a stand-in call
 * that waits for the result (ops->wait) when it is run or awaited, so
 * await, outputs, deadlines and a failing tree work as for a call that
 * runs here; the stand-in does not hold a worker's place while it waits.
 * A stand-in whose call no host has started within FL_REMOTE_TAKE_BACK_MS
 * takes it back (ops->take_back) and runs it itself, as a worker runs a
 * queued call it awaits: hosts whose threads all wait on calls in the
 * cluster's queue still make progress.
 * Limits: the deadline (what is left of it), the chain depth (what is
 * left of it) and the tree's count of calls travel with the call and hold
 * across hosts: from the first call it hands on, a tree's calls are
 * counted by ops->count (on every host it reaches), so max_calls bounds
 * the whole tree; memory, fds and disk are the host's own resources, each
 * host bounding its part of the tree by the tree's limits. */
#define FL_REMOTE_TAKE_BACK_MS 100u

typedef struct fl_remote_call {
    const char *user, *func;
    bool python;
    const char *entry;       /* Python entry; NULL: faasm_main */
    int32_t func_ptr;        /* > 0: enter at this table element */
    const uint8_t *input;
    size_t len;
    uint32_t timeout_ms;     /* what is left of the tree's deadline; 0: none */
    uint32_t max_memory_mib; /* the tree's memory limit */
    uint32_t depth;          /* its depth in the tree */
    uint32_t max_depth;      /* the tree's chain depth limit */
    uint64_t tree;           /* the tree's count (ops->span) */
    uint32_t max_calls;      /* the tree's limit on calls */
} fl_remote_call;

struct fl_remote_ops {
    void *ctx;
    /* Whether a chained call should go to another host now. */
    bool (*full)(void *ctx);
    /* A new count for a tree that starts to span hosts, holding `used`
     * calls already: 0 with *tree, or -errno. */
    int (*span)(void *ctx, uint32_t used, uint32_t limit, uint64_t *tree);
    /* One more call of tree `tree`: 0, -EDQUOT past limit, or -errno. */
    int (*count)(void *ctx, uint64_t tree, uint32_t limit);
    /* Hands the call on: 0 with *handle, or -errno (then it runs here). */
    int (*send)(void *ctx, const fl_remote_call *call, void **handle);
    /* Waits up to timeout_ms (0: for ever) for its result (*res as
     * fl_runtime_await gives it); returns -ETIMEDOUT, -ECANCELED soon
     * after *cancel becomes non-zero, or -errno. */
    int (*wait)(void *ctx, void *handle, unsigned timeout_ms, const volatile int *cancel,
                fl_call_result *res);
    /* Takes the call back when no host has started it: 0 (it is this
     * host's to run), -EBUSY (another host runs it), or -errno. */
    int (*take_back)(void *ctx, void *handle);
    /* Frees a handle (after its wait, or when the call is dropped). */
    void (*drop)(void *ctx, void *handle);
};

/* Makes up to n idle warm Faaslets of user/func (a Python function when
 * `python`), as many as the pool's caps allow, restored from the
 * function's snapshot (made first if needed: the zygote runs with no call
 * and no deadline).  Returns how many were made, or -1 with a message. */
int fl_runtime_prewarm(fl_runtime *rt, const char *user, const char *func, bool python,
                       unsigned n, char *err, size_t errlen);

/* Frees every idle warm Faaslet (their functions stay loaded) and removes
 * the empty /tmp folders freed Faaslets left for new ones. */
void fl_runtime_flush(fl_runtime *rt);

/* What the Faaslets have done so far. */
typedef struct fl_pool_stats {
    uint64_t built;      /* Faaslets built */
    uint64_t restored;   /* ... of which instances restored from a snapshot */
    uint64_t reused;     /* calls served by an idle warm Faaslet */
    uint64_t pooled;     /* Faaslets reset and kept idle after a call */
    uint64_t evicted;    /* idle Faaslets freed to make room */
    uint64_t idle_bytes; /* the idle Faaslets' estimated cost now */
    uint64_t disk_loaded;  /* snapshots loaded from snapshot_dir */
    uint64_t disk_refused; /* ... found there but refused (other inputs, truncated, corrupt) */
    uint64_t disk_saved;   /* snapshots written there */
    uint64_t tiered_up;    /* modules switched to machine code generated in the background */
} fl_pool_stats;
void fl_runtime_pool_stats(fl_runtime *rt, fl_pool_stats *st);

/* Waits until background code generation has nothing queued or under way,
 * at most timeout_ms; true when it has not (or the runtime does none). */
bool fl_runtime_codegen_wait(fl_runtime *rt, unsigned timeout_ms);

/* Whether a new call would wait: every worker runs a call (one blocked on
 * another host's result does not count) or calls are queued. */
bool fl_runtime_full(fl_runtime *rt);

/* The executor and the local state tier, borrowed (for stats and tests). */
fl_sched *fl_runtime_sched(fl_runtime *rt);
fl_state *fl_runtime_state(fl_runtime *rt);

#endif
