/*
 * run.h: `faaslet run`, which loads a module, instantiates it and calls one
 * of its exported functions with arguments from the command line.
 */
#ifndef FL_CLI_RUN_H
#define FL_CLI_RUN_H

#include <stdio.h>

/* Exit statuses of `faaslet run`. */
enum {
    FL_RUN_OK = 0,
    FL_RUN_TRAP = 2,       /* the call (or the start function) trapped */
    FL_RUN_LOAD_ERROR = 3, /* unreadable, malformed, invalid or unlinkable module */
    FL_RUN_USAGE = 64,     /* bad command line (EX_USAGE) */
};

/* Runs `faaslet run FILE.wasm [--invoke NAME [ARGS...]]`; argv[0] is "run".
 * Prints each result on its own line to stdout, errors to stderr.  Returns
 * one of the FL_RUN_ statuses. */
int fl_cli_run(int argc, char **argv);

/* Writes the subcommand's usage text to `out`. */
void fl_cli_run_usage(FILE *out);

#endif
