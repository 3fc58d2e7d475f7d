/*
 * run.h: `faaslet run`.  Two forms:
 *   faaslet run FILE.wasm | USER FUNC [OPTIONS] [-- ARGS...]
 *       runs a function (a WASI command using Faasm's imports) as one call
 *       of the embedded executor, as Faasm would;
 *   faaslet run FILE.wasm --invoke NAME [ARGS...]
 *       calls one export with numeric arguments and prints its results
 *       (the engine's path: spec tests, benchmarks).
 */
#ifndef FL_CLI_RUN_H
#define FL_CLI_RUN_H

#include <stdio.h>

/* Exit statuses of `faaslet run` besides the function's own return value
 * (a function's value is its exit status, so a function returning 2 looks
 * like a trap: the one-line message on stderr tells them apart). */
enum {
    FL_RUN_OK = 0,
    FL_RUN_TRAP = 2,       /* the call (or the start function) trapped */
    FL_RUN_LOAD_ERROR = 3, /* unreadable, malformed, invalid or unlinkable module */
    FL_RUN_INTERNAL = 70,  /* the runtime itself failed (EX_SOFTWARE) */
    FL_RUN_TIMEOUT = 124,  /* --timeout passed (as timeout(1)) */
    FL_RUN_USAGE = 64,     /* bad command line (EX_USAGE) */
};

/* Runs `faaslet run ...`; argv[0] is "run".  Returns the exit status. */
int fl_cli_run(int argc, char **argv);

/* Writes the subcommand's usage text to `out`. */
void fl_cli_run_usage(FILE *out);

#endif
