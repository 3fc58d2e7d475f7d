/*
 * codegen.h: `faaslet codegen`, which puts a module's machine code into
 * the function store's cache (src/aot), generating it unless it is there.
 */
#ifndef FL_CLI_CODEGEN_H
#define FL_CLI_CODEGEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Runs `faaslet codegen FILE | USER FUNC | --py`; argv[0] is "codegen".
 * Returns 0 when the code is cached, 1 when it cannot be, 64 for bad usage. */
int fl_cli_codegen(int argc, char **argv);

/* Writes the subcommand's usage text to `out`. */
void fl_cli_codegen_usage(FILE *out);

/* Makes sure cache folder `cache` (NULL: the native/ folder of the store
 * at store_root, NULL: the default store) holds machine code for
 * bytes[0..len), naming them `what` in messages; prints what it did.  0,
 * or 1 with a message on stderr. */
int fl_cli_codegen_bytes(const char *what, const uint8_t *bytes, size_t len,
                         const char *store_root, const char *cache);

#endif
