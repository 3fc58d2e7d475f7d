/*
 * upload.h: `faaslet upload`, which puts a function into the function
 * store (src/store): a wasm module once the engine has validated it, or a
 * Python file.
 */
#ifndef FL_CLI_UPLOAD_H
#define FL_CLI_UPLOAD_H

#include <stdio.h>

/* Runs `faaslet upload --local USER FUNC FILE [--py]`; argv[0] is "upload".
 * Returns 0 when stored, 3 for an invalid module (nothing stored), 1 for an
 * I/O error, 64 for bad usage (including a refused user or function name). */
int fl_cli_upload(int argc, char **argv);

/* Writes the subcommand's usage text to `out`. */
void fl_cli_upload_usage(FILE *out);

#endif
