/*
 * host.h: Faasm's host interface, the `env.__faasm_*` imports a Faaslet
 * gives its guest (FAASM_INTERFACES.md section 1): input and output,
 * chaining and awaiting, the Python names, every state call, conf_flag.
 *
 * The functions are data: fl_host_define() puts one fl_host_def table,
 * bound to one fl_host, into a linker.  What needs the executor (chaining,
 * awaiting, the call's output) goes through fl_host_ops, which the Faaslet
 * layer fills in, so this module knows nothing of modules or threads.
 * State goes straight to the local tier (state/state.h).
 *
 * Guest pointers: every one is checked through a single helper; a pointer
 * or length that does not lie inside the caller's memory 0 ends the call
 * with FL_TRAP_HOST and a message naming the import, never a host crash.
 * Misuse the guest cannot recover from (an unknown state key for a lock, a
 * state error, no exported `malloc` for await_call_output) is a trap too,
 * with the reason in exec->trap_detail.
 *
 * Budgets: state a guest creates or grows (values, appended data) is
 * charged to the call tree's budget (fl_host_config.budget) and the user's
 * state quota; a refusal is a trap saying "memory limit reached" (or that
 * the quota is full).  write_state_from_file refuses a file larger than
 * what may still be charged before reading it.
 *
 * Mapped state: __faasm_read_state_ptr and __faasm_read_state_offset_ptr
 * grow memory 0 by enough 64 KiB pages and map the replica's pages there
 * (fl_state_map), so every Faaslet of the process shares the bytes.  A key
 * (and range) mapped once is reused for later calls of the same Faaslet.
 *
 * Locks: the state locks a guest takes are remembered; fl_host_free
 * releases any it still holds (a call that trapped or timed out).
 * Unlocking a key the call did not lock is a trap, and so is locking a key
 * it holds unless both locks are read locks (that would wait for itself).
 * A wait for a lock ends at the call's deadline (exec->interrupt).
 *
 * Threads: an fl_host belongs to one Faaslet and is used by its thread only
 * (fl_host_free too: pthread locks are released by the thread that took them).
 */
#ifndef FL_HOST_HOST_H
#define FL_HOST_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/runtime.h"
#include "state/state.h"
#include "wasi/wasi.h"

/* What the host functions ask of the layer above (the Faaslet). */
typedef struct fl_host_ops {
    /* Submits a chained call of the same user: function `name` when name is
     * not NULL, else this same module entered at indirect-table element
     * func_ptr.  Borrows everything.  Returns the call id, or 0 with a
     * message in err[0..errlen). */
    uint32_t (*chain)(void *ud, const char *name, int32_t func_ptr, const uint8_t *in,
                      size_t len, char *err, size_t errlen);
    /* Waits for call `id`; sets *retval and, when out is not NULL, *out
     * (malloc'd, caller frees; NULL when empty) and *out_len.  Returns 0,
     * -ECANCELED when the awaiting call itself must stop (its deadline),
     * or another negative errno (then *retval is meaningless). */
    int (*await)(void *ud, uint32_t id, int *retval, uint8_t **out, size_t *out_len);
    /* Replaces the call's output with a copy of bytes[0..len).  0, -EDQUOT
     * when the call tree's budget refuses the bytes, or another <0. */
    int (*set_output)(void *ud, const uint8_t *bytes, size_t len);
    /* Submits a chained call of the same Python function file (py_user,
     * py_func) entered at `entry`.  Borrows everything.  Returns the call
     * id, or 0 with a message in err[0..errlen).  NULL: Python chaining
     * traps. */
    uint32_t (*chain_py)(void *ud, const char *entry, const uint8_t *in, size_t len,
                         char *err, size_t errlen);
} fl_host_ops;

typedef struct fl_host_config {
    const fl_host_ops *ops; /* borrowed; must outlive the fl_host */
    void *ud;               /* passed to ops */
    const char *user;       /* the call's user: state keys live under it */
    const uint8_t *input;   /* the call's input (borrowed, must outlive the fl_host) */
    size_t input_len;
    fl_state *state;        /* the local tier (borrowed); NULL: state calls trap */
    fl_wasi *wasi;          /* the guest's WASI context, for write_state_from_file; may be NULL */
    fl_budget *budget;      /* the call tree's (borrowed); NULL: unlimited.  State grown
                             * or appended is charged to its FL_BUDGET_MEMORY */
    const char *py_user;    /* names for __faasm_get_py_*; NULL reads as "" */
    const char *py_func;
    const char *py_entry;
} fl_host_config;

typedef struct fl_host fl_host;

/* Creates the host side of one Faaslet.  Borrows `c` and what it points to
 * (strings are copied; input, ops, state and wasi are not and must outlive
 * the host).  Returns NULL when out of memory.  Free with fl_host_free(). */
fl_host *fl_host_new(const fl_host_config *c);

/* A host context that lives across calls (a warm Faaslet's): bind gives it
 * the next call's configuration (input, user, budget, names, ud; the names
 * copied only when they change), reset forgets the last call: state locks
 * it still held are released and its state mappings dropped (the memory
 * they were in is reset with the instance).  fl_host_bind returns 0 or -1
 * (out of memory). */
int fl_host_bind(fl_host *h, const fl_host_config *c);
void fl_host_reset(fl_host *h);
/* Whether state is mapped into the guest's memory now: such pages are the
 * state's, and an instance in that condition must not be snapshotted. */
bool fl_host_mapped_state(const fl_host *h);

/* Releases the state locks the guest still holds and frees `h`; NULL is a
 * no-op.  Guest mappings of state stay in the guest's
 * memory until that memory is freed. */
void fl_host_free(fl_host *h);

/* Defines every env.__faasm_* import in `l`, bound to `h` (which must
 * outlive the linker and its instances).  Returns 0, or -1 when the linker
 * refused a definition. */
int fl_host_define(fl_host *h, fl_linker *l);

/* Number of imports fl_host_define provides, and the name of the i-th
 * (for documentation and tests). */
size_t fl_host_count(void);
const char *fl_host_name(size_t i);

#endif
