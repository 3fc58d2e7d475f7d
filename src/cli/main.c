/*
 * main.c: the `faaslet` binary: finds the subcommand and hands it argv.
 * Subcommands are data: add a row to `commands` to add one.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/cc.h"
#include "cli/client.h"
#include "cli/codegen.h"
#include "cli/python.h"
#include "cli/run.h"
#include "cli/serve.h"
#include "cli/spec_test.h"
#include "cli/upload.h"

#define FAASLET_VERSION "0.1.0"

typedef struct command {
    const char *name;
    int (*main)(int argc, char **argv); /* argv[0] is the subcommand's name */
    void (*usage)(FILE *out);
    const char *summary;
} command;

static const command commands[] = {
    {"cc", fl_cli_cc, fl_cli_cc_usage, "compile a C/C++ function to wasm with the Faasm SDK"},
    {"run", fl_cli_run, fl_cli_run_usage,
     "run a function: FILE.wasm, FILE.py, or USER FUNC [--py] from the store"},
    {"serve", fl_cli_serve, fl_cli_serve_usage,
     "run the platform: Faasm's HTTP upload and invoke endpoints"},
    {"upload", fl_cli_upload, fl_cli_upload_usage,
     "send a function to a server: upload USER FUNC FILE [--py] (--local: the store)"},
    {"invoke", fl_cli_invoke, fl_cli_invoke_usage,
     "call a function on a server: invoke USER FUNC [--py] [--input TEXT] [--async]"},
    {"status", fl_cli_status, fl_cli_status_usage, "an async call's status on a server: status ID"},
    {"flush", fl_cli_flush, fl_cli_flush_usage, "make a server drop its warm Faaslets"},
    {"hosts", fl_cli_hosts, fl_cli_hosts_usage, "list a cluster's hosts and their load"},
    {"state", fl_cli_state, fl_cli_state_usage,
     "global state on a server: state get|set USER KEY"},
    {"file", fl_cli_file, fl_cli_file_usage, "shared files on a server: file put|get ... PATH"},
    {"python", fl_cli_python, fl_cli_python_usage,
     "Python runtime tools: python add-package NAME (a Debian python3-* package)"},
    {"codegen", fl_cli_codegen, fl_cli_codegen_usage,
     "machine code for FILE.wasm, USER FUNC or --py (CPython) into the store's cache"},
    {"spec-test", fl_cli_spec_test, fl_cli_spec_test_usage,
     "run the official spec tests (wast2json output)"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const command *find_command(const char *name) {
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

static void usage(FILE *out) {
    fprintf(out, "usage: faaslet COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "  %-12s %s\n", "help", "show a command's usage: faaslet help COMMAND");
    fprintf(out, "  %-12s %s\n", "version", "print the version");
    fprintf(out, "\nfaaslet --help, faaslet --version\n");
}

/* `faaslet help [COMMAND]` */
static int help(int argc, char **argv) {
    if (argc < 3) {
        usage(stdout);
        return 0;
    }
    const command *c = find_command(argv[2]);
    if (!c) {
        fprintf(stderr, "faaslet: unknown command \"%s\"\n", argv[2]);
        usage(stderr);
        return 64;
    }
    c->usage(stdout);
    return 0;
}

/* Raises the soft limit on open files to the hard one, once: a call tree
 * may hold its budget's file descriptors (FL_BUDGET_DEFAULT_FDS) on top of
 * the host's own, which the usual soft limit of 1024 would not fit.  A
 * failure leaves the limit as it was (the budget still bounds the tree). */
static void raise_fd_limit(void) {
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
}

int main(int argc, char **argv) {
    raise_fd_limit();
    if (argc < 2) {
        usage(stderr);
        return 64;
    }
    const char *name = argv[1];
    if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help"))
        return help(argc, argv);
    if (!strcmp(name, "-V") || !strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("faaslet %s\n", FAASLET_VERSION);
        return 0;
    }
    const command *c = find_command(name);
    if (!c) {
        fprintf(stderr, "faaslet: unknown command \"%s\"\n", name);
        usage(stderr);
        return 64;
    }
    return c->main(argc - 1, argv + 1);
}
