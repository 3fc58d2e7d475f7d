/*
 * upload.c: `faaslet upload`.  A wasm module is decoded and validated by
 * the engine before anything is written, so the store only ever holds
 * modules the engine accepts; a Python file is stored as it is.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/client.h"
#include "cli/codegen.h"
#include "cli/files.h"
#include "cli/upload.h"
#include "engine/module.h"
#include "faaslet/faaslet.h"
#include "store/store.h"

enum {
    UPLOAD_OK = 0,
    UPLOAD_IO = 1,
    UPLOAD_INVALID = 3,
    UPLOAD_USAGE = 64,
};

void fl_cli_upload_usage(FILE *out) {
    fprintf(out,
            "usage: faaslet upload USER FUNC FILE [--py] [SERVER OPTIONS]\n"
            "       faaslet upload --local USER FUNC FILE [--py]\n"
            "\n"
            "Sends FILE to a running `faaslet serve` as function USER/FUNC (PUT\n"
            "/f/USER/FUNC on its upload port, or /p/USER/FUNC with --py); the server\n"
            "validates it (nothing stored when it refuses) and prints its answer.\n"
            "\n");
    fl_cli_remote_usage(out);
    fprintf(out,
            "\n"
            "With --local, stores FILE as function USER/FUNC in the local function store:\n"
            "  <root>/functions/USER/FUNC/function.wasm   (FILE must be a valid wasm module\n"
            "                                             whose entry exports have the\n"
            "                                             types the runtime calls)\n"
            "  <root>/pyfuncs/USER/FUNC/function.py       (with --py; Python functions\n"
            "                                             conventionally use USER python)\n"
            "where <root> is $FAASLET_HOME, else ~/.local/share/faaslet.  An existing\n"
            "function of that name is replaced atomically.  Names: 1-128 bytes, no '/',\n"
            "no \"..\", not starting with '.'.\n"
            "\n"
            "Exit status: 0 stored, 1 I/O error or (to a server) refused by the server,\n"
            "2 no server answered, 3 (--local) invalid module or entry types (nothing\n"
            "stored), 64 bad usage.\n");
}

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "faaslet upload: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    fl_cli_upload_usage(stderr);
    return UPLOAD_USAGE;
}

int fl_cli_upload(int argc, char **argv) {
    bool local = false, py = false, remote_opt = false;
    fl_cli_remote remote = {0};
    const char *pos[3];
    int npos = 0;
    char err[160];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fl_cli_upload_usage(stdout);
            return UPLOAD_OK;
        }
        int got = fl_cli_remote_option(&remote, argc, argv, &i, err, sizeof err);
        if (got < 0)
            return usage_error("%s", err);
        if (got > 0)
            remote_opt = true;
        else if (!strcmp(a, "--local"))
            local = true;
        else if (!strcmp(a, "--py") || !strcmp(a, "--python"))
            py = true;
        else if (a[0] == '-' && a[1])
            return usage_error("unknown option %s", a);
        else if (npos == 3)
            return usage_error("unexpected argument %s", a);
        else
            pos[npos++] = a;
    }
    if (npos < 3)
        return usage_error("%s", "needs USER FUNC FILE");
    if (!local)
        return fl_cli_client_upload(&remote, pos[0], pos[1], pos[2], py);
    if (remote_opt)
        return usage_error("%s", "--host, --upload-port, --invoke-port and --token are for a "
                                 "server, not --local");
    const char *user = pos[0], *func = pos[1], *file = pos[2];
    const char *why = fl_fnstore_check_name(user, strlen(user));
    if (why) {
        fprintf(stderr, "faaslet upload: bad user \"%s\": %s\n", user, why);
        return UPLOAD_USAGE;
    }
    why = fl_fnstore_check_name(func, strlen(func));
    if (why) {
        fprintf(stderr, "faaslet upload: bad function \"%s\": %s\n", func, why);
        return UPLOAD_USAGE;
    }

    int status = UPLOAD_IO;
    uint8_t *bytes = NULL;
    size_t len = 0;
    fl_fnstore *store = NULL;
    int rc;
    char msg[128];
    bytes = fl_cli_read_file(file, py ? FL_CLI_MAX_SOURCE : FL_CLI_MAX_MODULE, &len, msg,
                             sizeof msg);
    if (!bytes) {
        fprintf(stderr, "faaslet upload: %s: %s\n", file, msg);
        goto out;
    }
    if (!py) {
        fl_error err = {{0}, 0};
        fl_module *m = fl_module_load(bytes, len, &err);
        if (!m) {
            fprintf(stderr, "faaslet upload: %s: invalid module: %s (at byte %zu); nothing stored\n",
                    file, err.message, err.offset);
            status = UPLOAD_INVALID;
            goto out;
        }
        /* the runtime would refuse it at load: refuse it now */
        int bad = fl_runtime_check_module(m, err.message, sizeof err.message);
        fl_module_free(m);
        if (bad < 0) {
            fprintf(stderr, "faaslet upload: %s: cannot run as a function: %s; nothing stored\n",
                    file, err.message);
            status = UPLOAD_INVALID;
            goto out;
        }
    }
    store = fl_fnstore_open(NULL, &rc);
    if (!store) {
        fprintf(stderr, "faaslet upload: no function store: %s (set FAASLET_HOME)\n",
                strerror(-rc));
        goto out;
    }
    fl_fnstore_kind kind = py ? FL_FNSTORE_PYTHON : FL_FNSTORE_WASM;
    rc = fl_fnstore_put(store, kind, user, func, bytes, len);
    char path[4096];
    if (rc == 0)
        rc = fl_fnstore_path(store, kind, user, func, path, sizeof path);
    if (rc < 0) {
        fprintf(stderr, "faaslet upload: storing %s/%s under %s: %s\n", user, func,
                fl_fnstore_dir(store), strerror(-rc));
        goto out;
    }
    printf("Function upload complete: %s/%s (%zu bytes) -> %s\n", user, func, len, path);
    status = UPLOAD_OK;
    /* as Faasm's upload does: its machine code now, not on the first
     * call; a module it cannot make code for still runs interpreted */
    if (!py && fl_cli_codegen_bytes(path, bytes, len, NULL, NULL) != 0)
        fprintf(stderr, "faaslet upload: %s/%s will run on the interpreter\n", user, func);

out:
    fl_fnstore_close(store);
    free(bytes);
    return status;
}
