/*
 * tool.c: the faaslet-codegen program, the one process that loads LLVM.
 *
 *     faaslet-codegen [--progress] [--threads N] [-O N] --key HEX IN.wasm|- OUT.so
 *
 * Decodes and validates the module (from stdin with "-"), generates its
 * machine code and writes OUT.so atomically (exit status 0; 1 when it
 * cannot, FL_AOT_EXIT_LIMIT for a module past the generator's limits,
 * which then runs interpreted).  Memory and CPU time are capped (16 GiB of
 * address space, 30 minutes).  faaslet runs it (src/aot):
 * a crash or an abort inside LLVM ends this process, never the runtime.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "aot/aot.h"
#include "codegen/codegen.h"

static uint8_t *read_all(FILE *f, size_t *len) {
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    *len = n;
    return buf;
}

static int usage(void) {
    fprintf(stderr, "usage: faaslet-codegen [--progress] [--threads N] [-O N] --key HEX IN.wasm|- OUT.so\n");
    return 2;
}

int main(int argc, char **argv) {
    /* whatever a module makes LLVM do, it does in bounded memory and time */
    struct rlimit as = {(rlim_t)16 << 30, (rlim_t)16 << 30}, cpu = {1800, 1800};
#if !defined(__SANITIZE_ADDRESS__) && !(defined(__has_feature) && __has_feature(address_sanitizer))
    setrlimit(RLIMIT_AS, &as); /* (AddressSanitizer reserves terabytes of shadow) */
#else
    (void)as;
#endif
    setrlimit(RLIMIT_CPU, &cpu);
    fl_codegen_opts o = {.opt_level = 2};
    const char *key = NULL, *in = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (!strcmp(argv[i], "--progress"))
            o.progress = true;
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            o.threads = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "-O") && i + 1 < argc)
            o.opt_level = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--key") && i + 1 < argc)
            key = argv[++i];
        else
            return usage();
    }
    if (argc - i != 2 || !key || strlen(key) != 64)
        return usage();
    in = argv[i];
    o.out_path = argv[i + 1];
    for (int k = 0; k < 32; k++) {
        unsigned v;
        if (sscanf(key + 2 * k, "%2x", &v) != 1)
            return usage();
        o.key[k] = (uint8_t)v;
    }

    FILE *f = strcmp(in, "-") ? fopen(in, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "faaslet-codegen: %s: %s\n", in, strerror(errno));
        return 1;
    }
    size_t len;
    uint8_t *bytes = read_all(f, &len);
    if (f != stdin)
        fclose(f);
    fl_load_opts lo = {.tier = &fl_validate_only_tier}; /* the generator reads the bodies */
    fl_error err = {0};
    fl_module *m = fl_module_load_opts(bytes, len, &lo, &err);
    free(bytes);
    if (!m) {
        fprintf(stderr, "faaslet-codegen: %s: %s (at byte %zu)\n", in, err.message, err.offset);
        return 1;
    }
    int rc = fl_codegen(m, &o, &err);
    fl_module_free(m);
    if (rc < 0) {
        fprintf(stderr, "faaslet-codegen: %s: %s\n", in, err.message);
        return rc == FL_CODEGEN_LIMIT ? FL_AOT_EXIT_LIMIT : 1;
    }
    return 0;
}
