/*
 * run.c: `faaslet run`.  The steps are kept apart (parse the command line,
 * load, provide imports, instantiate, call, print) so that WASI, --input
 * and --dir can each join one step later without touching the others.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/run.h"
#include "engine/module.h"
#include "engine/runtime.h"

/* What the command line asked for. */
typedef struct run_opts {
    const char *path;   /* the .wasm file */
    const char *invoke; /* export to call; NULL means "_start" */
    char **args;        /* the call's arguments, as text */
    int nargs;
} run_opts;

/* A host module `run` can link imports against; WASI joins this table. */
typedef struct host_module {
    const char *name;
    int (*define)(fl_linker *l, fl_store *s);
} host_module;

static const host_module host_modules[] = {
    {NULL, NULL},
};

void fl_cli_run_usage(FILE *out) {
    fprintf(out,
            "usage: faaslet run FILE.wasm [--invoke NAME [ARGS...]]\n"
            "\n"
            "Loads and instantiates FILE.wasm, calls its export NAME (default _start)\n"
            "with ARGS converted to the function's parameter types, and prints each\n"
            "result on its own line.  Integers are decimal or 0x hex; floats are C\n"
            "literals (1.5, -0x1p-3, nan, inf).\n"
            "\n"
            "Exit status: 0 ok, 2 trap, 3 load or link error, 64 bad usage.\n");
}

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "faaslet run: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    fl_cli_run_usage(stderr);
    return FL_RUN_USAGE;
}

/* Fills `o` from argv.  Returns 0, -1 for --help (usage printed), or
 * FL_RUN_USAGE (message printed).  Everything after --invoke NAME is an
 * argument, so negative numbers are not taken for options. */
static int parse_command_line(int argc, char **argv, run_opts *o) {
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fl_cli_run_usage(stdout);
            return -1;
        }
        if (!strcmp(a, "--invoke")) {
            if (i + 1 >= argc)
                return usage_error("%s needs a function name", a);
            o->invoke = argv[++i];
            o->args = argv + i + 1;
            o->nargs = argc - i - 1;
            break;
        }
        if (a[0] == '-' && a[1])
            return usage_error("unknown option %s", a);
        if (o->path)
            return usage_error("unexpected argument %s (arguments go after --invoke NAME)", a);
        o->path = a;
    }
    if (!o->path)
        return usage_error("%s", "no module file given");
    return 0;
}

/* Reads a whole file; caller frees.  NULL with errno set on failure. */
static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, cap);
            if (!nb)
                goto fail;
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                goto fail;
            break;
        }
    }
    fclose(f);
    *len = n;
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

/* Defines the host modules the module imports from, and names the first
 * import nobody provides.  Returns 0 or FL_RUN_LOAD_ERROR. */
static int provide_imports(const run_opts *o, const fl_module *m, fl_linker *l, fl_store *s) {
    bool defined[sizeof host_modules / sizeof host_modules[0]] = {false};
    for (uint32_t i = 0; i < m->nimports; i++) {
        const fl_import *imp = &m->imports[i];
        size_t h = 0;
        while (host_modules[h].name && strcmp(host_modules[h].name, imp->module) != 0)
            h++;
        if (!host_modules[h].name) {
            fprintf(stderr, "faaslet: %s: unknown import: %s.%s\n", o->path, imp->module,
                    imp->name);
            return FL_RUN_LOAD_ERROR;
        }
        if (!defined[h] && host_modules[h].define(l, s) < 0) {
            fprintf(stderr, "faaslet: %s: cannot set up host module %s\n", o->path, imp->module);
            return FL_RUN_LOAD_ERROR;
        }
        defined[h] = true;
    }
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
static int parse_value(const char *text, uint8_t type, fl_value *out) {
    uint64_t bits;
    char *end;
    memset(out, 0, sizeof *out);
    switch (type) {
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

static void print_value(uint8_t type, fl_value v) {
    switch (type) {
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

static int report_trap(fl_exec *ex, fl_trap trap) {
    if (trap == FL_TRAP_EXIT)
        return ex->exit_code;
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
    fl_value *slots = NULL;
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
    size_t nslots = t->nparams > t->nresults ? t->nparams : t->nresults;
    slots = calloc(nslots ? nslots : 1, sizeof *slots);
    if (!slots) {
        fprintf(stderr, "faaslet: out of memory\n");
        return FL_RUN_LOAD_ERROR;
    }
    for (uint32_t i = 0; i < t->nparams; i++) {
        if (parse_value(o->args[i], t->params[i], &slots[i]) < 0) {
            fprintf(stderr, "faaslet: argument %u of %s: \"%s\" is not a valid %s\n", i + 1,
                    name, o->args[i], fl_valtype_name(t->params[i]));
            status = FL_RUN_USAGE;
            goto out;
        }
    }
    fl_trap trap = fl_invoke(ex, f, slots);
    if (trap != FL_TRAP_NONE) {
        fflush(stdout);
        status = report_trap(ex, trap);
        goto out;
    }
    for (uint32_t i = 0; i < t->nresults; i++)
        print_value(t->results[i], slots[i]);
    fflush(stdout);
out:
    free(slots);
    return status;
}

int fl_cli_run(int argc, char **argv) {
    run_opts o;
    fl_error err = {0};
    uint8_t *bytes = NULL;
    size_t len = 0;
    fl_module *m = NULL;
    fl_store *store = NULL;
    fl_linker *linker = NULL;
    fl_exec *ex = NULL;
    fl_instance *inst = NULL;
    int status = parse_command_line(argc, argv, &o);

    if (status < 0)
        return FL_RUN_OK; /* --help */
    if (status)
        return status;

    bytes = read_file(o.path, &len);
    if (!bytes) {
        fprintf(stderr, "faaslet: %s: %s\n", o.path, strerror(errno));
        status = FL_RUN_LOAD_ERROR;
        goto out;
    }
    m = fl_module_load(bytes, len, &err);
    if (!m) {
        fprintf(stderr, "faaslet: %s: %s (at byte %zu)\n", o.path, err.message, err.offset);
        status = FL_RUN_LOAD_ERROR;
        goto out;
    }

    store = fl_store_new(NULL);
    linker = store ? fl_linker_new(store) : NULL;
    ex = fl_exec_new(0);
    if (!store || !linker || !ex) {
        fprintf(stderr, "faaslet: out of memory\n");
        status = FL_RUN_LOAD_ERROR;
        goto out;
    }
    status = provide_imports(&o, m, linker, store);
    if (status)
        goto out;

    switch (fl_instantiate(store, m, linker, ex, &inst, &err)) {
    case FL_INST_OK:
        break;
    case FL_INST_TRAP:
        fprintf(stderr, "faaslet: trap: %s\n", err.message);
        status = FL_RUN_TRAP;
        goto out;
    case FL_INST_LINK_ERROR:
    case FL_INST_NO_MEMORY:
        fprintf(stderr, "faaslet: %s: %s\n", o.path, err.message);
        status = FL_RUN_LOAD_ERROR;
        goto out;
    }

    status = call_export(&o, inst, ex);

out:
    if (linker)
        fl_linker_free(linker);
    if (store)
        fl_store_free(store); /* instances first: the module must outlive them */
    if (ex)
        fl_exec_free(ex);
    fl_module_free(m);
    free(bytes);
    return status;
}
