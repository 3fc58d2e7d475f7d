/*
 * fuzz_entry.c: libFuzzer target for the runtime's entry paths.  Each input
 * is given to a fresh runtime as a function (fl_runtime_add_module), then
 * called once from outside and awaited (fl_runtime_submit,
 * fl_runtime_await): the same path `faaslet run FILE.wasm` takes, so the
 * entry export check at load, instantiation with WASI and env.__faasm_*,
 * the start function, _faasm_zygote, _start, and whatever the guest chains
 * (table-element entries with _faasm_init / __wasm_call_ctors and
 * __wasm_call_dtors around them, awaits, malloc for awaited output) all
 * run, with whatever export types the input has.
 *
 * Each call has a short timeout, a small memory cap and depth limit, its
 * guests' stdio on /dev/null, and its private /tmp under a folder made for
 * this process (removed at exit).  The call's input bytes are the
 * module's last (up to) 16, so a guest that reads its input gets varied
 * bytes.
 *
 * Built by fuzz/run.sh (`fuzz/run.sh SECONDS entry`) with
 * -fsanitize=fuzzer,address,undefined and -DFL_MEMORY_GUARDED=0.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/module.h"
#include "faaslet/faaslet.h"

#define TIMEOUT_MS 100
#define MAX_MEMORY_MIB 16
#define MAX_DEPTH 500

static char tmp_parent[64];
static int devnull = -1;
static unsigned long inputs, calls, outcomes[4]; /* for the summary at exit */

static void at_exit(void) {
    fprintf(stderr, "fuzz_entry: %lu inputs, %lu ran as calls (ok %lu, trap %lu, timeout %lu, "
                    "load %lu)\n", inputs, calls, outcomes[FL_OUTCOME_OK],
            outcomes[FL_OUTCOME_TRAP], outcomes[FL_OUTCOME_TIMEOUT], outcomes[FL_OUTCOME_LOAD]);
    if (tmp_parent[0] && rmdir(tmp_parent) < 0)
        fprintf(stderr, "fuzz_entry: calls left files in %s\n", tmp_parent);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *t = getenv("TMPDIR");
    snprintf(tmp_parent, sizeof tmp_parent, "%s/fuzz-entry-XXXXXX", t && t[0] ? t : "/tmp");
    if (strlen(tmp_parent) >= sizeof tmp_parent - 1 || !mkdtemp(tmp_parent))
        abort();
    atexit(at_exit);
    devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* only a module the runtime would take is worth a runtime */
    fl_error err;
    inputs++;
    fl_module *m = fl_module_load(data, size, &err);
    if (!m)
        return 0;
    char msg[200];
    int ok = fl_runtime_check_module(m, msg, sizeof msg) == 0;
    fl_module_free(m);
    if (!ok)
        return 0;

    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = 2;
    c.timeout_ms = TIMEOUT_MS;
    c.max_memory_mib = MAX_MEMORY_MIB;
    c.max_depth = MAX_DEPTH;
    c.tmp_parent = tmp_parent;
    c.stdio[0] = c.stdio[1] = c.stdio[2] = devnull;
    fl_runtime *rt = fl_runtime_new(&c, msg, sizeof msg);
    if (!rt)
        abort();
    if (fl_runtime_add_module(rt, "fuzz", "f", data, size, &err) == 0) {
        size_t n = size < 16 ? size : 16;
        uint32_t id = fl_runtime_submit(rt, "fuzz", "f", data + size - n, n);
        fl_call_result res;
        if (id && fl_runtime_await(rt, id, &res) == 0) {
            calls++;
            outcomes[res.outcome & 3]++;
            fl_call_result_free(&res);
        }
    }
    fl_runtime_free(rt);
    return 0;
}
