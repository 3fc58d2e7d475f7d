/*
 * bench_driver.c: the wasm side of the benchmark.  Loads a kernel module
 * (on the interpreter, or as machine code when a cache folder is given),
 * instantiates it once, then times `reps` calls of its export
 * `run(i32) -> i64` through fl_invoke and prints
 *
 *     checksum=<u64> best=<seconds> load=<seconds>
 *
 * where `load` is loading (decode, validate, interpreter compile; or the
 * cached machine code) plus instantiation, kept out of `best`.
 *
 * usage: bench_driver KERNEL.wasm N [REPS [CACHE]]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "aot/aot.h"
#include "engine/module.h"
#include "engine/runtime.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reads a whole file; caller frees *out. Returns 0 or -1. */
static int read_file(const char *path, uint8_t **out, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
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
        if (got == 0)
            break;
    }
    if (ferror(f))
        goto fail;
    fclose(f);
    *out = buf;
    *len = n;
    return 0;
fail:
    free(buf);
    fclose(f);
    return -1;
}

int main(int argc, char **argv) {
    int rc = 1;
    uint8_t *bytes = NULL;
    size_t len = 0;
    fl_module *m = NULL;
    fl_store *s = NULL;
    fl_exec *ex = NULL;
    fl_error err = {0};

    if (argc < 3) {
        fprintf(stderr, "usage: %s KERNEL.wasm N [REPS [CACHE]]\n"
                        "(with CACHE: machine code cached there, generated if need be)\n",
                argv[0]);
        return 2;
    }
    uint32_t n = (uint32_t)strtoul(argv[2], NULL, 0);
    int reps = argc > 3 ? atoi(argv[3]) : 3;
    if (read_file(argv[1], &bytes, &len) < 0) {
        perror(argv[1]);
        goto out;
    }

    double t0 = now();
    if (argc > 4)
        m = fl_aot_module_load(bytes, len, NULL, argv[4], FL_TIER_AOT, NULL, NULL, &err);
    else
        m = fl_module_load(bytes, len, &err);
    if (!m) {
        fprintf(stderr, "%s: load failed at offset %zu: %s\n", argv[1], err.offset, err.message);
        goto out;
    }
    s = fl_store_new(NULL);
    ex = fl_exec_new(0);
    if (!s || !ex) {
        fprintf(stderr, "out of memory\n");
        goto out;
    }
    fl_instance *inst = NULL;
    if (fl_instantiate(s, m, NULL, ex, &inst, &err) != FL_INST_OK) {
        fprintf(stderr, "%s: instantiation failed: %s\n", argv[1], err.message);
        goto out;
    }
    double load = now() - t0;
    fl_funcinst *f = fl_instance_func(inst, "run");
    if (!f || f->type->nparams != 1 || f->type->nresults != 1) {
        fprintf(stderr, "%s: no export run(i32) -> i64\n", argv[1]);
        goto out;
    }

    double best = 0;
    uint64_t sum = 0;
    for (int i = 0; i < reps; i++) {
        fl_value v[1] = {{.i32 = n}};
        double t1 = now();
        fl_trap trap = fl_invoke(ex, f, v, 1, v, 1);
        double t = now() - t1;
        if (trap != FL_TRAP_NONE) {
            fprintf(stderr, "%s: trap: %s %s\n", argv[1], fl_trap_message(trap), ex->trap_detail);
            goto out;
        }
        if (i > 0 && v[0].i64 != sum) {
            fprintf(stderr, "checksum changed between runs: %" PRIu64 " then %" PRIu64 "\n", sum,
                    v[0].i64);
            goto out;
        }
        sum = v[0].i64;
        if (i == 0 || t < best)
            best = t;
    }
    printf("checksum=%" PRIu64 " best=%.6f load=%.6f\n", sum, best, load);
    rc = 0;
out:
    if (ex)
        fl_exec_free(ex);
    if (s)
        fl_store_free(s);
    fl_module_free(m);
    free(bytes);
    return rc;
}
