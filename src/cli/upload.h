/*
 * upload.h: `faaslet upload`, which sends a function to a running server
 * (client.h), or with --local puts it into the function store (src/store):
 * a wasm module once the engine has validated it, or a Python file.
 */
#ifndef FL_CLI_UPLOAD_H
#define FL_CLI_UPLOAD_H

#include <stdio.h>

/* Runs `faaslet upload [--local] USER FUNC FILE [--py]`; argv[0] is
 * "upload".  Returns 0 when stored, 1 for an I/O error or a server's
 * refusal, 2 when no server answered, 3 for an invalid module (--local;
 * nothing stored), 64 for bad usage (including, with --local, a refused
 * user or function name). */
int fl_cli_upload(int argc, char **argv);

/* Writes the subcommand's usage text to `out`. */
void fl_cli_upload_usage(FILE *out);

#endif
