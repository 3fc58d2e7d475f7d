/*
 * python.h: `faaslet python`, tools for the Python runtime (CPython for
 * wasm32-wasi, python/): `faaslet python add-package NAME...` installs
 * pure-Python packages from Debian's archive into the runtime root.
 */
#ifndef FL_CLI_PYTHON_H
#define FL_CLI_PYTHON_H

#include <stdio.h>

/* Runs `faaslet python SUBCOMMAND ...`; argv[0] is "python".  Returns the
 * subcommand's exit status: for add-package 0 installed, 1 failure, 2
 * refused (nothing installed), 64 bad usage. */
int fl_cli_python(int argc, char **argv);

/* Writes the subcommand's usage text to `out`. */
void fl_cli_python_usage(FILE *out);

#endif
