/*
 * serve.h: `faaslet serve`, the long-lived platform: Faasm's upload and
 * invoke HTTP endpoints (server/server.h) over one runtime, until SIGTERM
 * or SIGINT, which stop it gracefully (calls in flight answered).
 */
#ifndef FL_CLI_SERVE_H
#define FL_CLI_SERVE_H

#include <stdio.h>

/* Runs `faaslet serve ...`; argv[0] is "serve".  Returns the exit status. */
int fl_cli_serve(int argc, char **argv);

/* Writes the subcommand's usage text to `out`. */
void fl_cli_serve_usage(FILE *out);

#endif
