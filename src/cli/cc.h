/*
 * cc.h: `faaslet cc`, the compiler wrapper that builds a C or C++ function
 * against the Faasm-compatible SDK (the headers in sdk/include/faasm) into a wasm32-wasi
 * module faaslet can run.
 */
#ifndef FL_CLI_CC_H
#define FL_CLI_CC_H

#include <stdio.h>

/* Runs `faaslet cc [CLANG ARGS...]`; argv[0] is "cc".  Replaces the process
 * with Debian's clang-19 (clang++-19 for C++ sources) given the wasm target,
 * the SDK's include folder and faaslet's link flags before and after the
 * user's arguments.  Returns only on failure: 127 when the compiler cannot
 * be run, 2 when the SDK is not found, 64 for bad usage. */
int fl_cli_cc(int argc, char **argv);

/* Writes the subcommand's usage text to `out`. */
void fl_cli_cc_usage(FILE *out);

#endif
