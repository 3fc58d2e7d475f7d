/*
 * codegen.c: `faaslet codegen`: machine code for a module into the
 * function store's cache (native/), generated now unless it is there.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aot/aot.h"
#include "cli/codegen.h"
#include "cli/files.h"
#include "store/store.h"

void fl_cli_codegen_usage(FILE *out) {
    fprintf(out,
            "usage: faaslet codegen [--store DIR] FILE.wasm\n"
            "       faaslet codegen [--store DIR] USER FUNC\n"
            "       faaslet codegen [--store DIR] [--python DIR] --py\n"
            "\n"
            "Generates the machine code of a module (a file or a stored function) into\n"
            "the function store's cache, DIR/native/, or of CPython's py_func.wasm into\n"
            "the Python runtime's own native/, unless it is cached already; calls then\n"
            "start on it.  Shows functions done/total and the time taken on a terminal.\n"
            "\n"
            "  --store DIR    the function store (default $FAASLET_HOME, else\n"
            "                 ~/.local/share/faaslet)\n"
            "  --python DIR   the Python runtime (default $FAASLET_PYTHON, else python/\n"
            "                 next to the faaslet binary)\n");
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int fl_cli_codegen_bytes(const char *what, const uint8_t *bytes, size_t len, const char *store_root,
                         const char *cache) {
    char dir[PATH_MAX];
    if (cache) {
        snprintf(dir, sizeof dir, "%s", cache);
    } else {
        int rc;
        fl_fnstore *store = fl_fnstore_open(store_root, &rc);
        if (!store) {
            fprintf(stderr, "faaslet codegen: no function store: %s (set FAASLET_HOME)\n",
                    strerror(-rc));
            return 1;
        }
        snprintf(dir, sizeof dir, "%s/native", fl_fnstore_dir(store));
        fl_fnstore_close(store);
    }
    fl_error err = {0};
    double t0 = now();
    int got = fl_aot_ensure(bytes, len, NULL, dir, isatty(2), NULL, &err);
    if (got < 0) {
        fprintf(stderr, "faaslet codegen: %s: %s\n", what, err.message);
        return 1;
    }
    printf("machine code for %s: %s (%.2f s)\n", what, got ? "cached" : "generated", now() - t0);
    return 0;
}

int fl_cli_codegen(int argc, char **argv) {
    const char *store_root = NULL, *python = NULL;
    bool py = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "--store") && i + 1 < argc)
            store_root = argv[++i];
        else if (!strcmp(argv[i], "--python") && i + 1 < argc)
            python = argv[++i];
        else if (!strcmp(argv[i], "--py"))
            py = true;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fl_cli_codegen_usage(stdout);
            return 0;
        } else {
            fl_cli_codegen_usage(stderr);
            return 64;
        }
    }
    int nargs = argc - i;
    char path[PATH_MAX + 32], msg[128], pycache[PATH_MAX + 32] = "";
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (py && nargs == 0) {
        char dir[PATH_MAX];
        fl_cli_python_dir(python, dir, sizeof dir);
        snprintf(path, sizeof path, "%s/py_func.wasm", dir);
        snprintf(pycache, sizeof pycache, "%s/native", dir);
    } else if (!py && nargs == 1) {
        snprintf(path, sizeof path, "%s", argv[i]);
    } else if (!py && nargs == 2) {
        int rc;
        fl_fnstore *store = fl_fnstore_open(store_root, &rc);
        if (!store || fl_fnstore_path(store, FL_FNSTORE_WASM, argv[i], argv[i + 1], path,
                                      sizeof path) < 0) {
            fprintf(stderr, "faaslet codegen: no stored function %s/%s\n", argv[i], argv[i + 1]);
            fl_fnstore_close(store);
            return 1;
        }
        fl_fnstore_close(store);
    } else {
        fl_cli_codegen_usage(stderr);
        return 64;
    }
    bytes = fl_cli_read_file(path, FL_CLI_MAX_MODULE, &len, msg, sizeof msg);
    if (!bytes) {
        fprintf(stderr, "faaslet codegen: %s: %s\n", path, msg);
        return 1;
    }
    int status = fl_cli_codegen_bytes(path, bytes, len, store_root, pycache[0] ? pycache : NULL);
    free(bytes);
    return status;
}
