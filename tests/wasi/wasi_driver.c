/*
 * wasi_driver.c: runs one wasm32-wasi program under faaslet's engine and
 * WASI layer, until `faaslet run` does so itself.
 *
 *   wasi_driver [--dir HOST[::GUEST]] [--ro-dir HOST[::GUEST]] [--env NAME=VALUE]
 *               [--no-openat2] FILE.wasm [ARGS...]
 *
 * GUEST defaults to HOST.  The guest's argv[0] is FILE.wasm's base name.
 * Exit status: the guest's (proc_exit or 0 when _start returns), 70 when
 * it traps, 71 when it cannot be loaded or linked, 64 for bad usage.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/module.h"
#include "engine/runtime.h"
#include "wasi/wasi.h"

#define EXIT_TRAP 70
#define EXIT_LOAD 71
#define EXIT_USAGE 64
#define MAX_ITEMS 64

static uint8_t *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* "HOST::GUEST" or "HOST" into a preopen (the string is modified). */
static fl_wasi_preopen parse_dir(char *arg, bool ro) {
    char *sep = strstr(arg, "::");
    fl_wasi_preopen p = {.host_path = arg, .guest_path = arg, .read_only = ro};
    if (sep) {
        *sep = 0;
        p.guest_path = sep + 2;
    }
    return p;
}

int main(int argc, char **argv) {
    fl_wasi_config cfg;
    fl_wasi_preopen dirs[MAX_ITEMS];
    const char *envs[MAX_ITEMS];
    size_t ndirs = 0, nenv = 0;
    int i = 1;

    /* A guest writing to a closed pipe gets EPIPE, not the host a SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    fl_wasi_config_init(&cfg);
    for (; i < argc && argv[i][0] == '-'; i++) {
        bool more = i + 1 < argc;
        if ((!strcmp(argv[i], "--dir") || !strcmp(argv[i], "--ro-dir")) && more &&
            ndirs < MAX_ITEMS) {
            bool ro = !strcmp(argv[i], "--ro-dir");
            dirs[ndirs++] = parse_dir(argv[++i], ro);
        } else if (!strcmp(argv[i], "--env") && more && nenv < MAX_ITEMS) {
            envs[nenv++] = argv[++i];
        } else if (!strcmp(argv[i], "--no-openat2")) {
            cfg.no_openat2 = true;
        } else {
            fprintf(stderr, "wasi_driver: bad option %s\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: wasi_driver [--dir H[::G]] [--ro-dir H[::G]] [--env N=V] "
                        "[--no-openat2] FILE.wasm [ARGS...]\n");
        return EXIT_USAGE;
    }
    const char *path = argv[i];
    const char *slash = strrchr(path, '/');
    argv[i] = (char *)(slash ? slash + 1 : path);
    cfg.argv = (const char *const *)argv + i;
    cfg.argc = (size_t)(argc - i);
    cfg.envp = envs;
    cfg.envc = nenv;
    cfg.preopens = dirs;
    cfg.npreopens = ndirs;

    int status = EXIT_LOAD;
    size_t len = 0;
    uint8_t *bytes = read_all(path, &len);
    fl_module *m = NULL;
    fl_store *s = NULL;
    fl_exec *ex = NULL;
    fl_linker *l = NULL;
    fl_wasi *w = NULL;
    fl_error err = {{0}, 0};
    char msg[256];

    if (!bytes) {
        perror(path);
        goto out;
    }
    m = fl_module_load(bytes, len, &err);
    if (!m) {
        fprintf(stderr, "%s: %s at byte %zu\n", path, err.message, err.offset);
        goto out;
    }
    w = fl_wasi_new(&cfg, msg, sizeof msg);
    if (!w) {
        fprintf(stderr, "wasi_driver: %s\n", msg);
        goto out;
    }
    s = fl_store_new(NULL);
    ex = fl_exec_new(0);
    l = s ? fl_linker_new(s) : NULL;
    if (!s || !ex || !l || fl_wasi_define(w, l) < 0) {
        fprintf(stderr, "wasi_driver: out of memory\n");
        goto out;
    }
    fl_instance *inst;
    fl_inst_status st = fl_instantiate(s, m, l, ex, &inst, &err);
    if (st != FL_INST_OK) {
        fprintf(stderr, "%s: %s\n", path, err.message);
        goto out;
    }
    fl_funcinst *start = fl_instance_func(inst, "_start");
    if (!start) {
        fprintf(stderr, "%s: no _start export\n", path);
        goto out;
    }
    fl_value args[1] = {{0}};
    fl_trap t = fl_invoke(ex, start, args);
    fflush(stdout);
    if (t == FL_TRAP_NONE) {
        status = 0;
    } else if (t == FL_TRAP_EXIT) {
        status = ex->exit_code;
    } else {
        fprintf(stderr, "%s: trap: %s%s%s\n", path, fl_trap_message(t),
                ex->trap_detail[0] ? ": " : "", ex->trap_detail);
        status = EXIT_TRAP;
    }
out:
    fl_linker_free(l);
    fl_store_free(s);
    fl_exec_free(ex);
    fl_wasi_free(w);
    fl_module_free(m);
    free(bytes);
    return status;
}
