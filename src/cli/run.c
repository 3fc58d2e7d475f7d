/*
 * run.c: `faaslet run`.  The function form builds a runtime (executor,
 * module cache, state, function store) from the flags, submits one call
 * (or --repeat N of them, one after another, on the same runtime), awaits
 * it and turns its result into stdout bytes and an exit status.
 * The --invoke form loads the module alone (WASI provided when imported)
 * and calls one export with arguments parsed from the command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/files.h"
#include "cli/run.h"
#include "engine/module.h"
#include "engine/runtime.h"
#include "faaslet/faaslet.h"
#include "store/store.h"
#include "wasi/wasi.h"

#define MAX_ITEMS 256 /* most --dir or --env flags */

/* What the command line asked for. */
typedef struct run_opts {
    const char *path;        /* the .wasm file (FILE form), or NULL */
    const char *user, *func; /* USER FUNC form, or --user and the file's name */
    const char *invoke;      /* --invoke NAME: call this export instead */
    char **args;             /* --invoke's arguments, or the guest's argv after -- */
    int nargs;
    const char *input;       /* --input */
    const char *input_file;  /* --input-file */
    const char *store_root;  /* --store */
    const char *runtime_root; /* --runtime-root */
    fl_wasi_preopen dirs[MAX_ITEMS];
    size_t ndirs;
    const char *env[MAX_ITEMS];
    size_t nenv;
    double timeout_s;        /* 0: none */
    unsigned max_memory_mib; /* 0: none */
    unsigned max_disk_mib, max_fds, max_chain_depth, max_chained, max_calls,
        max_state_mib;       /* 0: the runtime's defaults */
    unsigned threads;
    unsigned max_depth;
    unsigned repeat;         /* --repeat N: the call N times on one runtime (0: once) */
    bool py;                 /* --py, or a FILE.py: a Python function */
    const char *python_dir;  /* --python DIR */
    const char *entry;       /* --entry NAME: the Python function to call */
    fl_tier_choice tier;     /* --tier */
} run_opts;

void fl_cli_run_usage(FILE *out) {
    fprintf(out,
            "usage: faaslet run FILE.wasm [OPTIONS] [-- ARGS...]\n"
            "       faaslet run USER FUNC [OPTIONS] [-- ARGS...]\n"
            "       faaslet run FILE.py | USER FUNC --py [OPTIONS] [-- ARGS...]\n"
            "       faaslet run FILE.wasm [--dir ..] [--env ..] --invoke NAME [ARGS...]\n"
            "\n"
            "Runs a function (a wasm32-wasi command using Faasm's env.__faasm_* imports,\n"
            "e.g. built with `faaslet cc`) as one call of the embedded executor: a\n"
            "module FILE.wasm, or function FUNC of USER from the function store\n"
            "(see `faaslet upload`).  The function's output bytes (faasmSetOutput) go\n"
            "to stdout exactly; the guest's own stdout and stderr pass through.\n"
            "\n"
            "options:\n"
            "  --input STR          the call's input bytes\n"
            "  --input-file F       the call's input, read from file F\n"
            "  --dir HOST[:GUEST]   preopen directory HOST as GUEST (default: the same\n"
            "                       path); repeatable\n"
            "  --ro-dir HOST[:GUEST]\n"
            "                       the same, read-only for the guest; repeatable\n"
            "  --runtime-root DIR   the folder every call sees read-only at \"/\"\n"
            "                       (default: STORE/runtime, made when missing)\n"
            "  --env K=V            an environment variable for the guest; repeatable\n"
            "  --timeout SECONDS    stop the call and every call it chains SECONDS after\n"
            "                       it starts (one deadline for the whole call tree)\n"
            "  --max-memory MIB     the call tree's memory: linear memories and tables,\n"
            "                       chained inputs, kept outputs, state it creates\n"
            "                       (default 4096; each memory is capped by it too)\n"
            "  --max-disk MIB       bytes the call tree may write into its private /tmp\n"
            "                       folders (default 256)\n"
            "  --max-fds N          files the call tree's guests may hold open\n"
            "                       (default 1024)\n"
            "  --max-chain-depth N  chained calls nested beneath the first (default 64)\n"
            "  --max-chained N      calls one call may chain (default 10000)\n"
            "  --max-calls N        calls in the whole call tree (default 100000)\n"
            "  --max-state MIB      state bytes each user may hold (default 1024)\n"
            "  --max-depth N        cap the wasm call depth at N frames\n"
            "  --threads N          executor worker threads (default 2)\n"
            "  --repeat N           submit the same call N times, each after the one\n"
            "                       before ended, on this one runtime (its Faaslets\n"
            "                       and caches); each call's output is printed with a\n"
            "                       newline after it; the exit status is the first\n"
            "                       failing call's (else 0)\n"
            "  --user USER          the user a FILE runs as, for state and for\n"
            "                       chaining by name (default \"local\")\n"
            "  --store DIR          the function store (default $FAASLET_HOME, else\n"
            "                       ~/.local/share/faaslet)\n"
            "  --py                 USER FUNC is a Python function (stored with\n"
            "                       `faaslet upload --local USER FUNC FILE.py --py`)\n"
            "  --entry NAME         Python: call NAME(input bytes) instead of faasm_main();\n"
            "                       a file without NAME fails\n"
            "  --tier T             what runs the code: auto (default: machine code when\n"
            "                       the store caches it, else the interpreter), interp,\n"
            "                       or aot (machine code, generated first if need be;\n"
            "                       see faaslet codegen)\n"
            "  --python DIR         the Python runtime: DIR/py_func.wasm and DIR/root\n"
            "                       (default $FAASLET_PYTHON, else the folder python/\n"
            "                       next to the faaslet binary, as `make python` makes it)\n"
            "  -- ARGS...           the guest's argv after argv[0] (\"function.wasm\", as on Faasm;\n"
            "                       Python: the function's name)\n"
            "\n"
            "Each call sees the --dir and --ro-dir folders first (guest fds 3, 4, ...),\n"
            "then the runtime root at \"/\" (read-only) and a private, writable \"/tmp\":\n"
            "a fresh folder under $TMPDIR (else /tmp), removed with its contents when\n"
            "the call ends.  A --dir named \"/\" or \"/tmp\" replaces the runtime's own.\n"

            "(--invoke sees only the --dir and --ro-dir folders.)\n"            "\n"
            "Python (Faasm's convention): CPython (py_func.wasm) runs with the Python\n"
            "runtime root read-only at \"/\" and the function's file as\n"
            "/pyfuncs/USER/FUNC/function.py.  A file that names faasm_main at its top\n"
            "level is imported as module `function` and faasm_main() is called; any\n"
            "other file runs as `python FILE.py` would (its code as __main__).  A\n"
            "FILE.py runs as user \"python\" (or --user), function FILE.  The exit\n"
            "status is the entry's int result (0 for None) or the script's exit()\n"
            "code; an uncaught exception prints its traceback on stderr and exits 1.\n"
            "\n"
            "environment:\n"
            "  FAASLET_HOME         the function store's folder (see --store)\n"
            "  FAASLET_PYTHON       the Python runtime's folder (see --python)\n"
            "  FAASLET_TIER         the default of --tier\n"
            "  TMPDIR               where the calls' private /tmp folders are made\n"
            "  FAASLET_NO_OPENAT2=1 testing aid: resolve guest paths with the portable\n"
            "                       sandbox walk instead of openat2(RESOLVE_BENEATH)\n"
            "\n"
            "--invoke NAME [ARGS...] calls export NAME with ARGS converted to its\n"
            "parameter types and prints each result on its own line.  Integers are\n"
            "decimal or 0x hex; floats are C literals (1.5, -0x1p-3, nan, inf).\n"
            "\n"
            "A call tree that outgrows --max-chain-depth, --max-chained or --max-calls\n"
            "is a runaway: it fails as a whole (a trap) and its unfinished calls are\n"
            "cancelled; so are the unfinished calls of any call that fails.\n"
            "\n"
            "Exit status: the function's return value (main's, or proc_exit's) when\n"
            "it is 0..255; a value an exit status cannot carry (negative, or above\n"
            "255) is exit status 1, with \"faaslet: the function returned VALUE; exit\n"
            "status 1\" on stderr, so that failure never reads as success.  Else\n"
            "2 trap (call stack exhausted included), a memory limit (\"memory:\"),\n"
            "  a call tree past a limit (\"limit:\"), a call cancelled with its\n"
            "  failed tree (\"cancelled:\"),\n"
            "3 load or link error (module missing, malformed, unknown import),\n"
            "64 bad usage, 70 internal error, 124 timeout (also in the start\n"
            "function or _faasm_zygote).  Each failure prints one line\n"
            "\"faaslet: KIND: MESSAGE\" on stderr.\n");
}

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "faaslet run: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    fprintf(stderr, "(see faaslet run --help)\n");
    return FL_RUN_USAGE;
}

/* Parses a whole unsigned decimal number into *out.  Returns 0 or -1. */
static int parse_uint(const char *text, unsigned max, unsigned *out) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (!*text || *end || errno || v > max || text[0] == '-')
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* The options that take a whole number from 1 to max. */
typedef struct uint_opt {
    const char *name;
    size_t offset; /* of the unsigned field in run_opts */
    unsigned max;
    const char *unit; /* for the message */
} uint_opt;

static const uint_opt uint_opts[] = {
    {"--max-memory", offsetof(run_opts, max_memory_mib), 4096, " MiB"},
    {"--max-disk", offsetof(run_opts, max_disk_mib), 1u << 20, " MiB"},
    {"--max-fds", offsetof(run_opts, max_fds), 1u << 20, ""},
    {"--max-chain-depth", offsetof(run_opts, max_chain_depth), 1u << 20, ""},
    {"--max-chained", offsetof(run_opts, max_chained), 1u << 30, ""},
    {"--max-calls", offsetof(run_opts, max_calls), 1u << 30, ""},
    {"--max-state", offsetof(run_opts, max_state_mib), 1u << 20, " MiB"},
    {"--max-depth", offsetof(run_opts, max_depth), 10000000, " frames"},
    {"--threads", offsetof(run_opts, threads), 1024, ""},
    {"--repeat", offsetof(run_opts, repeat), 1u << 20, " calls"},
};

static const uint_opt *uint_option(const char *name) {
    for (size_t i = 0; i < sizeof uint_opts / sizeof uint_opts[0]; i++)
        if (!strcmp(uint_opts[i].name, name))
            return &uint_opts[i];
    return NULL;
}

/* The value of option argv[*i], advancing *i; NULL when missing. */
static const char *option_value(int argc, char **argv, int *i) {
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

/* Fills `o` from argv.  Returns 0, -1 for --help (usage printed), or
 * FL_RUN_USAGE (message printed).  Everything after --invoke NAME is an
 * argument, so negative numbers are not taken for options. */
static int parse_command_line(int argc, char **argv, run_opts *o) {
    const char *pos[2];
    int npos = 0;
    memset(o, 0, sizeof *o);
    const char *tier = getenv("FAASLET_TIER");
    if (tier && tier[0] && fl_tier_choice_parse(tier, &o->tier) < 0)
        return usage_error("bad FAASLET_TIER %s (want interp, aot or auto)", tier);
    o->threads = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        const uint_opt *n;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fl_cli_run_usage(stdout);
            return -1;
        }
        if (!strcmp(a, "--invoke")) {
            if (!(o->invoke = option_value(argc, argv, &i)))
                return usage_error("%s needs a function name", a);
            o->args = argv + i + 1;
            o->nargs = argc - i - 1;
            break;
        }
        if (!strcmp(a, "--")) {
            o->args = argv + i + 1;
            o->nargs = argc - i - 1;
            break;
        }
        if (!strcmp(a, "--py")) {
            o->py = true;
            continue;
        }
        if (a[0] == '-' && a[1] == '-' && a[2]) {
            if (!(v = option_value(argc, argv, &i)))
                return usage_error("%s needs a value", a);
            if (!strcmp(a, "--input")) {
                o->input = v;
            } else if (!strcmp(a, "--input-file")) {
                o->input_file = v;
            } else if (!strcmp(a, "--user")) {
                o->user = v;
            } else if (!strcmp(a, "--store")) {
                o->store_root = v;
            } else if (!strcmp(a, "--runtime-root")) {
                o->runtime_root = v;
            } else if (!strcmp(a, "--python")) {
                o->python_dir = v;
            } else if (!strcmp(a, "--entry")) {
                o->entry = v;
            } else if (!strcmp(a, "--tier")) {
                if (fl_tier_choice_parse(v, &o->tier) < 0)
                    return usage_error("bad --tier %s (want interp, aot or auto)", v);
            } else if (!strcmp(a, "--dir") || !strcmp(a, "--ro-dir")) {
                if (o->ndirs == MAX_ITEMS)
                    return usage_error("too many %s options", a);
                const char *colon = strchr(v, ':');
                fl_wasi_preopen *d = &o->dirs[o->ndirs++];
                d->host_path = v;
                d->guest_path = v;
                d->read_only = !strcmp(a, "--ro-dir");
                if (colon) {
                    /* the host part is cut off in place: argv is ours to change */
                    argv[i][colon - v] = 0;
                    d->guest_path = colon + 1;
                }
                if (!d->host_path[0] || !d->guest_path[0])
                    return usage_error("bad directory %s (want HOST[:GUEST])", v);
            } else if (!strcmp(a, "--env")) {
                if (o->nenv == MAX_ITEMS)
                    return usage_error("too many %s options", a);
                if (!strchr(v, '=') || v[0] == '=')
                    return usage_error("bad --env %s (want K=V)", v);
                o->env[o->nenv++] = v;
            } else if (!strcmp(a, "--timeout")) {
                char *end;
                o->timeout_s = strtod(v, &end);
                if (!*v || *end || !(o->timeout_s > 0) || o->timeout_s > 4e6)
                    return usage_error("bad --timeout %s (want seconds > 0)", v);
            } else if ((n = uint_option(a))) {
                unsigned *field = (unsigned *)((char *)o + n->offset);
                if (parse_uint(v, n->max, field) < 0 || !*field) {
                    fprintf(stderr, "faaslet run: bad %s %s (want 1..%u%s)\n", a, v, n->max,
                            n->unit);
                    fprintf(stderr, "(see faaslet run --help)\n");
                    return FL_RUN_USAGE;
                }
            } else {
                return usage_error("unknown option %s", a);
            }
            continue;
        }
        if (a[0] == '-' && a[1])
            return usage_error("unknown option %s", a);
        if (npos == 2)
            return usage_error("unexpected argument %s (guest arguments go after --)", a);
        pos[npos++] = a;
    }
    if (npos == 0)
        return usage_error("%s", "no module file or USER FUNC given");
    if (npos == 1) {
        o->path = pos[0];
        size_t n = strlen(o->path);
        if (n > 3 && !strcmp(o->path + n - 3, ".py"))
            o->py = true;
        if (o->py && o->invoke)
            return usage_error("%s", "--invoke is for wasm modules, not Python");
    } else {
        if (o->invoke)
            return usage_error("%s", "--invoke needs a FILE.wasm");
        if (o->user)
            return usage_error("%s", "--user is for FILE.wasm; USER FUNC names the user");
        o->user = pos[0];
        o->func = pos[1];
    }
    if (!o->py && o->entry)
        return usage_error("%s", "--entry is for Python functions (FILE.py, or --py)");
    if (o->invoke && o->repeat)
        return usage_error("%s", "--repeat is for function calls, not --invoke");
    if (o->input && o->input_file)
        return usage_error("%s", "give --input or --input-file, not both");
    return 0;
}

/* Parses an integer: optional sign, then decimal or 0x hex (never octal). */
static int parse_int(const char *text, bool wide, uint64_t *out) {
    const char *p = text;
    bool neg = false;
    int base = 10;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (!*p || *p == '-' || *p == '+' || *p == ' ')
        return -1;
    char *end;
    errno = 0;
    unsigned long long mag = strtoull(p, &end, base);
    if (*end || errno == ERANGE)
        return -1;
    uint64_t limit = wide ? UINT64_MAX : UINT32_MAX;           /* unsigned spelling */
    uint64_t neg_limit = wide ? (uint64_t)1 << 63 : (uint64_t)1 << 31; /* -INT_MIN */
    if (neg ? mag > neg_limit : mag > limit)
        return -1;
    *out = neg ? (uint64_t)0 - mag : mag;
    return 0;
}

/* Converts one argument to `type`.  Returns 0 or -1. */
/* A value from the command line into its slot (two for a v128, written as
 * the 128-bit number its 16 bytes make little-endian: 0x and 32 hex digits). */
static int parse_value(const char *text, uint8_t type, fl_value *out) {
    uint64_t bits;
    char *end;
    memset(out, 0, sizeof *out * fl_valtype_slots(type));
    switch (type) {
    case FL_V128: {
        if (strncmp(text, "0x", 2) != 0 || strlen(text) != 34 ||
            strspn(text + 2, "0123456789abcdefABCDEF") != 32)
            return -1;
        char half[17] = {0};
        memcpy(half, text + 2, 16);
        out[1].i64 = strtoull(half, NULL, 16);
        out[0].i64 = strtoull(text + 18, NULL, 16);
        return 0;
    }
    case FL_I32:
        if (parse_int(text, false, &bits) < 0)
            return -1;
        out->i32 = (uint32_t)bits;
        return 0;
    case FL_I64:
        if (parse_int(text, true, &bits) < 0)
            return -1;
        out->i64 = bits;
        return 0;
    case FL_F32:
        out->f32 = strtof(text, &end);
        return *text && !*end ? 0 : -1;
    case FL_F64:
        out->f64 = strtod(text, &end);
        return *text && !*end ? 0 : -1;
    case FL_FUNCREF:
    case FL_EXTERNREF:
        out->ref = NULL;
        return !strcmp(text, "null") ? 0 : -1;
    }
    return -1;
}

static void print_value(uint8_t type, const fl_value *slots) {
    fl_value v = slots[0];
    switch (type) {
    case FL_V128:
        printf("0x%016" PRIx64 "%016" PRIx64 "\n", slots[1].i64, slots[0].i64);
        return;
    case FL_I32:
        printf("%" PRId32 "\n", (int32_t)v.i32);
        return;
    case FL_I64:
        printf("%" PRId64 "\n", (int64_t)v.i64);
        return;
    case FL_F32:
        printf("%.9g\n", (double)v.f32);
        return;
    case FL_F64:
        printf("%.17g\n", v.f64);
        return;
    case FL_FUNCREF:
    case FL_EXTERNREF:
        if (v.ref)
            printf("%s:%p\n", fl_valtype_name(type), v.ref);
        else
            printf("null\n");
        return;
    }
    printf("(%s)\n", fl_valtype_name(type));
}

/* The exit status that carries a function's value (main's return or
 * proc_exit's): the value itself when it is 0..255, else 1 (with the value
 * on stderr), so a failure is never reported as success. */
static int exit_status_of(int value) {
    if (value >= 0 && value <= 255)
        return value;
    fprintf(stderr, "faaslet: the function returned %d; exit status 1\n", value);
    return 1;
}

static int report_trap(fl_exec *ex, fl_trap trap) {
    if (trap == FL_TRAP_EXIT)
        return exit_status_of(ex->exit_code);
    if (ex->trap_detail[0])
        fprintf(stderr, "faaslet: trap: %s: %s\n", fl_trap_message(trap), ex->trap_detail);
    else
        fprintf(stderr, "faaslet: trap: %s\n", fl_trap_message(trap));
    return FL_RUN_TRAP;
}

/* Calls the export o->invoke with o->args and prints the results. */
static int call_export(const run_opts *o, fl_instance *inst, fl_exec *ex) {
    const char *name = o->invoke ? o->invoke : "_start";
    fl_funcinst *f = fl_instance_func(inst, name);
    fl_value *args = NULL, *results = NULL;
    int status = FL_RUN_OK;

    if (!f) {
        fprintf(stderr, "faaslet: %s: no exported function \"%s\"%s\n", o->path, name,
                o->invoke ? "" : " (use --invoke NAME)");
        return FL_RUN_USAGE;
    }
    const fl_functype *t = f->type;
    if ((uint32_t)o->nargs != t->nparams) {
        fprintf(stderr, "faaslet: %s takes %u argument%s, %d given\n", name, t->nparams,
                t->nparams == 1 ? "" : "s", o->nargs);
        return FL_RUN_USAGE;
    }
    /* sized from the function's type (calloc checks the product); fl_invoke
     * checks the counts against the type again */
    args = calloc(t->param_slots ? t->param_slots : 1, sizeof *args);
    results = calloc(t->result_slots ? t->result_slots : 1, sizeof *results);
    if (!args || !results) {
        fprintf(stderr, "faaslet: out of memory\n");
        status = FL_RUN_LOAD_ERROR;
        goto out;
    }
    for (uint32_t i = 0, slot = 0; i < t->nparams; slot += fl_valtype_slots(t->params[i]), i++) {
        if (parse_value(o->args[i], t->params[i], &args[slot]) < 0) {
            fprintf(stderr, "faaslet: argument %u of %s: \"%s\" is not a valid %s\n", i + 1,
                    name, o->args[i], fl_valtype_name(t->params[i]));
            status = FL_RUN_USAGE;
            goto out;
        }
    }
    fl_trap trap = fl_invoke(ex, f, args, t->param_slots, results, t->result_slots);
    if (trap != FL_TRAP_NONE) {
        fflush(stdout);
        status = report_trap(ex, trap);
        goto out;
    }
    for (uint32_t i = 0, slot = 0; i < t->nresults; slot += fl_valtype_slots(t->results[i]), i++)
        print_value(t->results[i], &results[slot]);
    fflush(stdout);
out:
    free(args);
    free(results);
    return status;
}

/* ---- the --invoke form ---- */

/* Loads o->path alone, with WASI when it imports it, and calls o->invoke. */
static int run_invoke(run_opts *o) {
    fl_error err = {0};
    uint8_t *bytes = NULL;
    size_t len = 0;
    fl_module *m = NULL;
    fl_store *store = NULL;
    fl_linker *linker = NULL;
    fl_exec *ex = NULL;
    fl_instance *inst = NULL;
    fl_wasi *wasi = NULL;
    int status = FL_RUN_OK;

    char why[128];
    bytes = fl_cli_read_file(o->path, FL_CLI_MAX_MODULE, &len, why, sizeof why);
    if (!bytes) {
        fprintf(stderr, "faaslet: load: %s: %s\n", o->path, why);
        status = FL_RUN_LOAD_ERROR;
        goto out;
    }
    {
        /* machine code from the store's cache when there is one */
        char native[4096];
        int rc;
        fl_fnstore *fnstore = fl_fnstore_open(o->store_root, &rc);
        bool has = fnstore && snprintf(native, sizeof native, "%s/native",
                                       fl_fnstore_dir(fnstore)) < (int)sizeof native;
        m = fl_aot_module_load(bytes, len, NULL, has ? native : NULL, o->tier, NULL, NULL, &err);
        fl_fnstore_close(fnstore);
    }
    if (!m) {
        fprintf(stderr, "faaslet: load: %s: %s (at byte %zu)\n", o->path, err.message,
                err.offset);
        status = FL_RUN_LOAD_ERROR;
        goto out;
    }
    fl_store_limits limits = {.max_memory_pages = o->max_memory_mib * 16};
    store = fl_store_new(&limits);
    linker = store ? fl_linker_new(store) : NULL;
    ex = fl_exec_new(0);
    if (!store || !linker || !ex) {
        fprintf(stderr, "faaslet: out of memory\n");
        status = FL_RUN_INTERNAL;
        goto out;
    }
    if (o->max_depth)
        ex->max_depth = o->max_depth;

    bool wants_wasi = false;
    for (uint32_t i = 0; i < m->nimports; i++)
        if (!strcmp(m->imports[i].module, "wasi_snapshot_preview1"))
            wants_wasi = true;
    if (wants_wasi) {
        const char *argv0[1] = {o->path};
        char msg[200];
        fl_wasi_config wc;
        fl_wasi_config_init(&wc);
        wc.argv = argv0;
        wc.argc = 1;
        wc.envp = o->env;
        wc.envc = o->nenv;
        wc.preopens = o->dirs;
        wc.npreopens = o->ndirs;
        const char *no_openat2 = getenv("FAASLET_NO_OPENAT2");
        wc.no_openat2 = no_openat2 && !strcmp(no_openat2, "1");
        wasi = fl_wasi_new(&wc, msg, sizeof msg);
        if (!wasi || fl_wasi_define(wasi, linker) < 0) {
            fprintf(stderr, "faaslet: load: WASI: %s\n", wasi ? "cannot define" : msg);
            status = FL_RUN_LOAD_ERROR;
            goto out;
        }
    }

    switch (fl_instantiate(store, m, linker, ex, &inst, &err)) {
    case FL_INST_OK:
        break;
    case FL_INST_TRAP:
        fprintf(stderr, "faaslet: trap: %s\n", err.message);
        status = FL_RUN_TRAP;
        goto out;
    case FL_INST_LINK_ERROR:
    case FL_INST_NO_MEMORY:
        fprintf(stderr, "faaslet: load: %s: %s\n", o->path, err.message);
        status = FL_RUN_LOAD_ERROR;
        goto out;
    }
    status = call_export(o, inst, ex);

out:
    if (linker)
        fl_linker_free(linker);
    if (store)
        fl_store_free(store); /* instances first: the module must outlive them */
    if (ex)
        fl_exec_free(ex);
    fl_wasi_free(wasi);
    fl_module_free(m);
    free(bytes);
    return status;
}

/* ---- the function form ---- */

/* The function name of FILE: its base name without ".wasm" or ".py" (into
 * buf). */
static void name_of_file(const char *path, char *buf, size_t size) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && !strcmp(base + n - 5, ".wasm"))
        n -= 5;
    else if (n > 3 && !strcmp(base + n - 3, ".py"))
        n -= 3;
    if (n >= size)
        n = size - 1;
    memcpy(buf, base, n);
    buf[n] = 0;
    if (!buf[0] || fl_fnstore_check_name(buf, n))
        snprintf(buf, size, "main");
}

/* The runtime root into buf: --runtime-root (which must be a folder), else
 * STORE/runtime (made when missing, holding ROOT_FILES), else "" when there
 * is no store.
 * Returns 0, or an exit status with the message printed. */
static int runtime_root(const run_opts *o, const fl_fnstore *fnstore, char *buf, size_t size) {
    struct stat st;
    buf[0] = 0;
    if (o->runtime_root) {
        const char *why = stat(o->runtime_root, &st) < 0 ? strerror(errno)
                          : !S_ISDIR(st.st_mode)            ? "not a folder"
                                                            : NULL;
        if (why) {
            fprintf(stderr, "faaslet: load: --runtime-root %s: %s\n", o->runtime_root, why);
            return FL_RUN_LOAD_ERROR;
        }
        snprintf(buf, size, "%s", o->runtime_root);
        return 0;
    }
    if (!fnstore)
        return 0;
    if (fl_cli_store_runtime_root(fl_fnstore_dir(fnstore), buf, size) < 0) {
        fprintf(stderr, "faaslet: load: the runtime root %s: %s (see --runtime-root)\n", buf,
                strerror(errno));
        return FL_RUN_LOAD_ERROR;
    }
    return 0;
}


/* Copies Python file `path` as function.py into a fresh folder under
 * $TMPDIR (else /tmp), written into dir[0..size): a Python function's
 * folder holds exactly function.py.  Returns 0, or -1 with a message in
 * why[0..whylen). */
static int python_file_folder(const char *path, char *dir, size_t size, char *why,
                              size_t whylen) {
    const char *parent = getenv("TMPDIR");
    size_t len = 0;
    uint8_t *src = fl_cli_read_file(path, FL_CLI_MAX_SOURCE, &len, why, whylen);
    if (!src)
        return -1;
    if (!parent || !parent[0])
        parent = "/tmp";
    char file[4200];
    int rc = -1;
    if (snprintf(dir, size, "%s/faaslet-py-XXXXXX", parent) >= (int)size) {
        errno = ENAMETOOLONG;
        dir[0] = 0;
        goto out;
    }
    if (!mkdtemp(dir)) {
        dir[0] = 0;
        goto out;
    }
    snprintf(file, sizeof file, "%s/function.py", dir);
    FILE *f = fopen(file, "wb");
    if (!f)
        goto out;
    size_t put = fwrite(src, 1, len, f);
    if (fclose(f) == 0 && put == len)
        rc = 0;
out:
    if (rc < 0)
        snprintf(why, whylen, "%s", strerror(errno));
    free(src);
    return rc;
}

/* Removes what python_file_folder made. */
static void remove_python_folder(const char *dir) {
    char file[4200];
    if (!dir[0])
        return;
    snprintf(file, sizeof file, "%s/function.py", dir);
    unlink(file);
    rmdir(dir);
}

/* A failed Python call's output is its traceback, already on stderr. */
static bool is_traceback(const fl_call_result *res) {
    static const char tb[] = "Traceback (most recent call last):";
    return res->outcome == FL_OUTCOME_OK && res->retval == 1 &&
           res->output_len >= sizeof tb - 1 && !memcmp(res->output, tb, sizeof tb - 1);
}

/* Submits one call, awaits it, prints its output (a newline after it when
 * `newline`: --repeat) and returns its exit status. */
static int call_once(fl_runtime *rt, const run_opts *o, const char *user, const char *func,
                     const uint8_t *input, size_t input_len, bool newline) {
    fl_call_result res = {0};
    int status = FL_RUN_OK;
    uint32_t id = o->py ? fl_runtime_submit_python_at(rt, user, func, o->entry, input, input_len)
                        : fl_runtime_submit(rt, user, func, input, input_len);
    if (!id || fl_runtime_await(rt, id, &res) < 0) {
        fprintf(stderr, "faaslet: internal: the executor did not run the call\n");
        fl_call_result_free(&res);
        return FL_RUN_INTERNAL;
    }
    bool raised = o->py && is_traceback(&res);
    if (res.output_len && !raised)
        fwrite(res.output, 1, res.output_len, stdout);
    if (newline)
        putchar('\n');
    fflush(stdout);
    if (res.error)
        fprintf(stderr, "faaslet: %s: %s\n", fl_outcome_name(res.outcome), res.error);
    /* the one place outcomes become exit statuses */
    switch (res.outcome) {
    case FL_OUTCOME_OK:
        status = exit_status_of(res.retval);
        break;
    case FL_OUTCOME_TRAP:
    case FL_OUTCOME_MEMORY: /* a trap's status, as on Faasm; the error names it */
    case FL_OUTCOME_LIMIT:
    case FL_OUTCOME_CANCELLED:
        status = FL_RUN_TRAP;
        break;
    case FL_OUTCOME_TIMEOUT:
        status = FL_RUN_TIMEOUT;
        break;
    case FL_OUTCOME_LOAD:
        status = FL_RUN_LOAD_ERROR;
        break;
    }
    if (raised)
        fprintf(stderr, "faaslet: python: the function raised an exception\n");
    fl_call_result_free(&res);
    return status;
}

static int run_function(run_opts *o) {
    char err[256] = "", fname[FL_FNSTORE_NAME_MAX + 1], root[4096], pydir[4096],
         pyfolder[4096] = "", statedir[4096], snapdir[4096];
    uint8_t *input = NULL, *bytes = NULL;
    size_t input_len = 0, len = 0;
    fl_fnstore *fnstore = NULL;
    fl_runtime *rt = NULL;
    int status = FL_RUN_OK, rc;

    if (o->input_file) {
        input = fl_cli_read_file(o->input_file, FL_CLI_MAX_INPUT, &input_len, err, sizeof err);
        if (!input) {
            fprintf(stderr, "faaslet: --input-file %s: %s\n", o->input_file, err);
            return FL_RUN_USAGE;
        }
    } else if (o->input) {
        input_len = strlen(o->input);
        input = (uint8_t *)strdup(o->input);
        if (!input)
            return FL_RUN_INTERNAL;
    }

    const char *user = o->user ? o->user : o->path && o->py ? "python" : "local";
    const char *func = o->func;
    const char *why = fl_fnstore_check_name(user, strlen(user));
    if (!why && func)
        why = fl_fnstore_check_name(func, strlen(func));
    if (why) {
        status = usage_error("bad user or function name: %s", why);
        goto out;
    }
    if (o->path) {
        name_of_file(o->path, fname, sizeof fname);
        func = fname;
    }

    /* the store is optional for a FILE: chaining by name then finds nothing */
    fnstore = fl_fnstore_open(o->store_root, &rc);
    if (!fnstore && !o->path) {
        fprintf(stderr, "faaslet: load: cannot open the function store: %s\n", strerror(-rc));
        status = FL_RUN_LOAD_ERROR;
        goto out;
    }

    status = runtime_root(o, fnstore, root, sizeof root);
    if (status)
        goto out;

    fl_runtime_config rc_cfg;
    fl_runtime_config_init(&rc_cfg);
    rc_cfg.runtime_root = root[0] ? root : NULL;
    /* a testing aid: the sandbox's fallback walk, as on kernels before 5.6 */
    const char *no_openat2 = getenv("FAASLET_NO_OPENAT2");
    rc_cfg.no_openat2 = no_openat2 && !strcmp(no_openat2, "1");
    rc_cfg.threads = o->threads;
    rc_cfg.timeout_ms = o->timeout_s > 0 ? (uint32_t)(o->timeout_s * 1000 + 0.5) : 0;
    if (o->timeout_s > 0 && !rc_cfg.timeout_ms)
        rc_cfg.timeout_ms = 1;
    rc_cfg.max_memory_mib = o->max_memory_mib;
    rc_cfg.max_disk_mib = o->max_disk_mib;
    rc_cfg.max_fds = o->max_fds;
    rc_cfg.max_chain_depth = o->max_chain_depth;
    rc_cfg.max_chained = o->max_chained;
    rc_cfg.max_calls = o->max_calls;
    rc_cfg.max_state_mib = o->max_state_mib;
    rc_cfg.max_depth = o->max_depth;
    rc_cfg.argv = (const char *const *)o->args;
    rc_cfg.argc = (size_t)o->nargs;
    rc_cfg.envp = o->env;
    rc_cfg.envc = o->nenv;
    rc_cfg.preopens = o->dirs;
    rc_cfg.npreopens = o->ndirs;
    rc_cfg.fnstore = fnstore;
    rc_cfg.tier = o->tier;
    /* state outlives the process in the store's folder, so a writer run
     * and a reader run see the same values (no store: memory only) */
    if (fnstore) {
        if (snprintf(statedir, sizeof statedir, "%s/state", fl_fnstore_dir(fnstore)) >=
            (int)sizeof statedir) {
            status = usage_error("the function store's path is too long: %s", fl_fnstore_dir(fnstore));
            goto out;
        }
        rc_cfg.state_dir = statedir;
        snprintf(snapdir, sizeof snapdir, "%s/snapshots", fl_fnstore_dir(fnstore));
        rc_cfg.snapshot_dir = snapdir;
    }
    fl_cli_python_dir(o->python_dir, pydir, sizeof pydir);
    rc_cfg.python_dir = pydir;
    rt = fl_runtime_new(&rc_cfg, err, sizeof err);
    if (!rt) {
        fprintf(stderr, "faaslet: internal: %s\n", err);
        status = FL_RUN_INTERNAL;
        goto out;
    }

    if (o->path && o->py) {
        if (python_file_folder(o->path, pyfolder, sizeof pyfolder, err, sizeof err) < 0) {
            fprintf(stderr, "faaslet: load: %s: %s\n", o->path, err);
            status = FL_RUN_LOAD_ERROR;
            goto out;
        }
        if (fl_runtime_add_python(rt, user, func, pyfolder) < 0) {
            fprintf(stderr, "faaslet: load: %s: %s\n", o->path, strerror(errno));
            status = FL_RUN_LOAD_ERROR;
            goto out;
        }
    } else if (o->path) {
        fl_error lerr = {0};
        bytes = fl_cli_read_file(o->path, FL_CLI_MAX_MODULE, &len, err, sizeof err);
        if (!bytes) {
            fprintf(stderr, "faaslet: load: %s: %s\n", o->path, err);
            status = FL_RUN_LOAD_ERROR;
            goto out;
        }
        rc = fl_runtime_add_module(rt, user, func, bytes, len, &lerr);
        if (rc == -1) {
            fprintf(stderr, "faaslet: load: %s: %s (at byte %zu)\n", o->path, lerr.message,
                    lerr.offset);
            status = FL_RUN_LOAD_ERROR;
            goto out;
        }
        if (rc < 0) {
            fprintf(stderr, "faaslet: load: %s: %s\n", o->path, lerr.message);
            status = FL_RUN_LOAD_ERROR;
            goto out;
        }
    }

    /* later calls of --repeat run on what the first left: its Faaslets */
    unsigned n = o->repeat ? o->repeat : 1;
    for (unsigned i = 0; i < n; i++) {
        int one = call_once(rt, o, user, func, input, input_len, o->repeat > 0);
        if (one == FL_RUN_INTERNAL) {
            status = one;
            break;
        }
        if (!status)
            status = one;
    }

out:
    fl_runtime_free(rt);
    remove_python_folder(pyfolder);
    fl_fnstore_close(fnstore);
    free(bytes);
    free(input);
    return status;
}

int fl_cli_run(int argc, char **argv) {
    run_opts o;
    int status = parse_command_line(argc, argv, &o);
    if (status < 0)
        return FL_RUN_OK; /* --help */
    if (status)
        return status;
    /* a guest writing to a closed pipe gets EPIPE instead of ending us */
    signal(SIGPIPE, SIG_IGN);
    return o.invoke ? run_invoke(&o) : run_function(&o);
}
