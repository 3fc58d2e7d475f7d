/*
 * wasi.h: WASI preview1 (`wasi_snapshot_preview1`) for guests of the engine.
 *
 * A fl_wasi is the per-Faaslet state: arguments, environment and the fd
 * table (stdio, preopened directories, files the guest opened).  Each
 * Faaslet gets its own, so thousands of them run side by side.  A guest
 * sees only its preopened directories: every path is resolved beneath the
 * preopen it names (openat2 with RESOLVE_BENEATH where the kernel has it,
 * otherwise a component walk that refuses to leave the root).
 *
 * A symlink the guest makes (or moves, or hard-links) never points outside
 * the preopen it is in, read from its own directory: an absolute target is
 * EPERM, a `..` above the preopen ENOTCAPABLE.
 *
 * Stdio (guest fds 0, 1, 2) are dups of the host's: they have stream
 * rights only (read or write, poll, stat), so a guest never seeks,
 * truncates, allocates or re-times the host's log file, nor changes its
 * flags.  A read or write that can wait (pipes, FIFOs, sockets, terminals)
 * waits in slices of 10 ms and ends with FL_TRAP_INTERRUPTED when the
 * exec's interrupt flag goes up (a timeout), as does a sleep in
 * poll_oneoff.
 *
 * With a budget, every host fd the context holds (stdio dups, preopens,
 * what the guest opens) is charged to FL_BUDGET_FDS (refused: EMFILE), and
 * what the guest keeps beneath a disk_quota preopen to FL_BUDGET_DISK
 * (refused: ENOSPC, nothing written); see wasi_int.h for what counts.
 *
 * Errors reach the guest as WASI errnos, never as traps; a guest pointer
 * outside linear memory is __WASI_ERRNO_FAULT (21).  proc_exit ends the call
 * with FL_TRAP_EXIT and exec->exit_code.
 *
 * Threads: a fl_wasi is used by one thread at a time (its Faaslet's).
 *
 * The host process should ignore SIGPIPE: a guest writing to a closed pipe
 * then gets EPIPE instead of ending every Faaslet in the process.
 */
#ifndef FL_WASI_WASI_H
#define FL_WASI_WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "budget/budget.h"
#include "engine/runtime.h"

/* One preopened directory. */
typedef struct fl_wasi_preopen {
    const char *host_path;  /* directory on the host */
    const char *guest_path; /* the name the guest sees (e.g. "/" or "/data") */
    bool read_only;         /* the guest may read but never create, write or remove */
    bool disk_quota;        /* what the guest writes beneath it counts against the
                             * budget's FL_BUDGET_DISK (a call's private /tmp: the
                             * folder must be the context's own, and nothing is
                             * renamed or linked across its edge: EXDEV) */
} fl_wasi_preopen;

/* A stdio fd (1 or 2) whose writes go to the bound budget's log
 * (fl_budget_log_append), kept with the call's result, never to a host fd.
 * The guest sees a character device without seek or tell (a terminal to
 * wasi-libc's isatty), so its libc flushes it line by line: what a call
 * printed before it trapped or timed out is kept.  With no budget bound
 * the bytes are dropped. */
#define FL_WASI_STDIO_CAPTURE (-2)

typedef struct fl_wasi_config {
    const char *const *argv; /* argc strings; argv[0] is the program name */
    size_t argc;
    const char *const *envp; /* envc "NAME=value" strings */
    size_t envc;
    const fl_wasi_preopen *preopens; /* become guest fds 3, 4, ... in order */
    size_t npreopens;
    int stdio[3];    /* host fds behind guest fds 0, 1, 2 (duplicated); -1 = closed;
                      * FL_WASI_STDIO_CAPTURE (1 and 2 only): the call tree's log */
    bool no_openat2; /* use the portable path walk even where openat2 exists (tests) */
    fl_budget *budget; /* the call tree's: host fds are charged to FL_BUDGET_FDS, bytes
                        * written beneath a disk_quota preopen to FL_BUDGET_DISK;
                        * borrowed, must outlive the context; NULL: unlimited */
} fl_wasi_config;

typedef struct fl_wasi fl_wasi;

/* Fills `c` with no arguments, no environment, no preopens and the
 * process's own stdio (0, 1, 2). */
void fl_wasi_config_init(fl_wasi_config *c);

/* Creates the WASI state for one guest.  Borrows `c` (every string is
 * copied; stdio fds are duplicated; preopen directories are opened now,
 * each host fd charged to c->budget).  Returns a context the caller frees
 * with fl_wasi_free(), or NULL with a message in err[0..errlen) (a preopen
 * that cannot be opened, the budget's fds all held, no memory). */
fl_wasi *fl_wasi_new(const fl_wasi_config *c, char *err, size_t errlen);

/* Closes every fd of the guest and frees `w`; NULL is a no-op.  No linker
 * or instance that uses it may be used afterwards.  Gives back to the
 * budget every fd and every disk byte the context charged: the caller
 * removes a quota'd folder (the call's /tmp) right after. */
void fl_wasi_free(fl_wasi *w);

/* A context that lives across calls (a warm Faaslet's).  fl_wasi_bind
 * makes the next call's budget the one its fds (and disk bytes) are
 * charged to, moving what the context holds from the last one, and gives
 * the guest `argv` (copied when it differs; NULL keeps the current one).  Returns 0, or -EMFILE /
 * -ENOSPC when the new budget refuses what is held, -ENOMEM.
 * fl_wasi_quota_touched says whether anything was made beneath a quota'd
 * preopen (the private /tmp) since the last reset: only then must the
 * caller empty that folder, before fl_wasi_reset.  fl_wasi_reset gives the
 * disk bytes back and, only when the guest changed its fd table (opened,
 * closed, renumbered or changed an fd), closes every fd and opens stdio and
 * the preopens again under their first numbers: no syscall when nothing
 * changed.  Returns 0, or -1 with a message (a preopen gone). */
int fl_wasi_bind(fl_wasi *w, fl_budget *budget, const char *const *argv, size_t argc);
bool fl_wasi_quota_touched(const fl_wasi *w);
int fl_wasi_reset(fl_wasi *w, char *err, size_t errlen);

/* Defines every wasi_snapshot_preview1 function in `l` with host data `w`.
 * `w` must outlive the linker and every instance linked with it.  Returns 0,
 * or -1 if the linker refused a definition. */
int fl_wasi_define(fl_wasi *w, fl_linker *l);

/* Reads the whole file at guest path `guest_path` as the guest would open
 * it: beneath the preopen with the longest matching name, through the
 * sandbox (so no path or symlink leaves the preopens).  On success *buf
 * (caller frees with free()) and *len hold the bytes.
 * Returns 0 or a negative errno: -ENOENT (also when no preopen matches),
 * -EXDEV (the path would leave its preopen), -EFBIG (more than max_len
 * bytes), -ENOMEM, or the failing open or read's. */
int fl_wasi_read_file(fl_wasi *w, const char *guest_path, size_t max_len, uint8_t **buf,
                      size_t *len);

#endif
