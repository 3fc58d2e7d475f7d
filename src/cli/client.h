/*
 * client.h: the subcommands that talk to a running `faaslet serve` over
 * HTTP (its API is the contract in server/server.h): invoke, status,
 * flush, state get|set, file put|get, and upload's server form (upload.c
 * parses the command line and calls fl_cli_client_upload).
 *
 * Where the server is: --host, --upload-port, --invoke-port and --token,
 * else $FAASLET_HOST, $FAASLET_UPLOAD_PORT, $FAASLET_INVOKE_PORT and
 * $FAASLET_TOKEN, else 127.0.0.1, 8002, 8080 and no token.  Connecting
 * gives up after 5 s; a request, a synchronous invoke excepted (calls may
 * run long), after 60 s.
 *
 * Every failure prints one line "faaslet SUBCOMMAND: ..." on stderr and
 * ends with one of the statuses below.
 */
#ifndef FL_CLI_CLIENT_H
#define FL_CLI_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum {
    FL_CLIENT_OK = 0,
    FL_CLIENT_FAILED = 1,    /* the server refused, the call failed, or local I/O */
    FL_CLIENT_NO_SERVER = 2, /* nothing answered at the address */
    FL_CLIENT_USAGE = 64,    /* bad command line or environment (EX_USAGE) */
};

/* Where the server is, as the command line gave it (all borrowed from
 * argv); what is missing comes from the environment, then the defaults. */
typedef struct fl_cli_remote {
    const char *host;  /* --host; NULL: not given */
    int upload_port;   /* --upload-port; 0: not given */
    int invoke_port;   /* --invoke-port; 0: not given */
    const char *token; /* --token; NULL: not given */
} fl_cli_remote;

/* When argv[*i] is a server option (--host H, --upload-port N,
 * --invoke-port N, --token T), stores its value in *r, moves *i onto the
 * value and returns 1.  Returns 0 when it is not one, and -1 with a
 * message in err[0..errlen) when its value is missing or bad.  Borrows
 * argv for as long as *r is used. */
int fl_cli_remote_option(fl_cli_remote *r, int argc, char **argv, int *i, char *err,
                         size_t errlen);

/* Writes the server options' part of a usage text to `out`. */
void fl_cli_remote_usage(FILE *out);

/* upload's server form: PUTs FILE to /f/USER/FUNC (/p/USER/FUNC when py)
 * on the upload port; the server validates it.  Borrows everything.
 * Returns an exit status from the enum above. */
int fl_cli_client_upload(const fl_cli_remote *r, const char *user, const char *func,
                         const char *file, bool py);

/* The subcommands; argv[0] is the subcommand's name.  Each returns an exit
 * status from the enum above, and has a usage text writer. */
int fl_cli_invoke(int argc, char **argv);
void fl_cli_invoke_usage(FILE *out);
int fl_cli_status(int argc, char **argv);
void fl_cli_status_usage(FILE *out);
int fl_cli_flush(int argc, char **argv);
void fl_cli_flush_usage(FILE *out);
int fl_cli_hosts(int argc, char **argv);
void fl_cli_hosts_usage(FILE *out);
int fl_cli_state(int argc, char **argv);
void fl_cli_state_usage(FILE *out);
int fl_cli_file(int argc, char **argv);
void fl_cli_file_usage(FILE *out);

#endif
