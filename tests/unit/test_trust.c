/*
 * test_trust.c: regression tests for the guest/host trust boundary (one
 * test per bug found in the review of faasm_api.c, faaslet.c, state.c and
 * the WASI layer).
 *
 * The guest: tests/unit/wat/trust_guest.wat (the Makefile builds it into
 * trust_guest_wasm with wat2wasm).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "faaslet/faaslet.h"
#include "sched/sched.h"
#include "state/state.h"
#include "wasi/wasi.h"

#include "trust_guest.wasm.h"

static fl_runtime *rt;

/* A runtime with the guest loaded as victim/v and evil/e (call trees of
 * max_mib MiB; 0: the default). */
static void start_mib(unsigned threads, uint32_t timeout_ms, uint32_t max_mib) {
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = threads;
    c.timeout_ms = timeout_ms;
    c.max_memory_mib = max_mib;
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "victim", "v", trust_guest_wasm, sizeof trust_guest_wasm, &e), 0,
                 "%s", e.message);
    cr_assert_eq(fl_runtime_add_module(rt, "evil", "e", trust_guest_wasm, sizeof trust_guest_wasm, &e), 0,
                 "%s", e.message);
}

static void start(unsigned threads, uint32_t timeout_ms) {
    start_mib(threads, timeout_ms, 0);
}

/* Submits evil/e with `input` and waits at most wait_ms for it to end (a
 * hang is a failure, not a stuck test run), then collects its result. */
static void run_evil(const uint8_t *input, size_t len, int wait_ms, fl_call_result *res) {
    uint32_t id = fl_runtime_submit(rt, "evil", "e", input, len);
    cr_assert_neq(id, 0);
    int ret;
    int rc = fl_sched_await(fl_runtime_sched(rt), id, wait_ms, &ret);
    cr_assert_eq(rc, 0, "the call did not end within %d ms (%s)", wait_ms, strerror(-rc));
    cr_assert_eq(fl_runtime_await(rt, id, res), 0);
}

/* faaslet.c op_await: call ids are sequential and await took any of them,
 * so one user's guest read another user's call output. */
Test(trust, a_guest_cannot_await_another_users_call) {
    start(1, 0);
    uint32_t vid = fl_runtime_submit(rt, "victim", "v", (const uint8_t *)"s", 1);
    cr_assert_neq(vid, 0);
    int ret;
    cr_assert_eq(fl_sched_await(fl_runtime_sched(rt), vid, -1, &ret), 0); /* kept */

    uint8_t in[5] = {'a'};
    memcpy(in + 1, &vid, 4);
    fl_call_result r;
    run_evil(in, sizeof in, 10000, &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.output_len, 0, "evil read %zu bytes of victim's output", r.output_len);
    fl_call_result_free(&r);

    fl_call_result v;
    cr_assert_eq(fl_runtime_await(rt, vid, &v), 0);
    cr_assert_eq(v.output_len, 6);
    cr_assert_arr_eq(v.output, "secret", 6);
    fl_call_result_free(&v);
    fl_runtime_free(rt);
}

/* faasm_api.c lock_op: read-locking a key and then write-locking it blocks
 * in pthread_rwlock_wrlock forever (no EDEADLK for that order), and no
 * timeout could stop it. */
Test(trust, relocking_a_key_is_a_trap_not_a_hang) {
    start(1, 0); /* no timeout: only the refusal can end the call */
    fl_call_result r;
    run_evil((const uint8_t *)"d", 1, 5000, &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_TRAP);
    cr_assert(strstr(r.error, "already locked for reading"), "%s", r.error);
    fl_call_result_free(&r);
    run_evil((const uint8_t *)"d", 1, 5000, &r); /* the lock was released */
    cr_assert(strstr(r.error, "already locked"), "%s", r.error);
    fl_call_result_free(&r);
    fl_runtime_free(rt);
}

/* faasm_api.c lock_op: a chained call run on its parent's thread waited for
 * the parent's lock in a blocking pthread call that its timeout could not
 * end: the worker thread was lost for good. */
Test(trust, a_lock_wait_ends_at_the_call_deadline) {
    start(1, 500);
    fl_call_result r;
    run_evil((const uint8_t *)"c", 1, 10000, &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_TIMEOUT, "%s", r.error ? r.error : "(no error)");
    fl_call_result_free(&r);
    /* the worker is free again and the parent's read lock is released */
    run_evil((const uint8_t *)"s", 1, 5000, &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    fl_call_result_free(&r);
    fl_runtime_free(rt);
}

/* The process's virtual size in bytes (0 if unknown). */
static size_t vm_size(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %zu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb * 1024;
}

/* wasi.c fl_wasi_read_file (behind __faasm_write_state_from_file): a
 * file over max_len was read into a buffer grown to twice max_len first
 * (2 GiB for state), and a guest makes such a file for free with
 * fd_filestat_set_size.  Now refused unread: this address-space limit
 * leaves no room for the old buffer. */
Test(trust, read_file_refuses_a_huge_sparse_file_unread) {
    char dir[] = "/tmp/fl-trust-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/big", dir);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    const size_t max_len = (size_t)256 << 20;
    cr_assert_eq(ftruncate(fd, (off_t)(max_len + 4096)), 0);
    close(fd);

    fl_wasi_preopen pre = {.host_path = dir, .guest_path = "/data"};
    fl_wasi_config wc;
    fl_wasi_config_init(&wc);
    wc.preopens = &pre;
    wc.npreopens = 1;
    char err[200] = "";
    fl_wasi *w = fl_wasi_new(&wc, err, sizeof err);
    cr_assert_not_null(w, "%s", err);

    size_t vm = vm_size();
    cr_assert_gt(vm, 0);
    struct rlimit lim = {vm + (max_len + max_len / 2), vm + (max_len + max_len / 2)};
    cr_assert_eq(setrlimit(RLIMIT_AS, &lim), 0);

    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = fl_wasi_read_file(w, "/data/big", max_len, &buf, &len);
    cr_assert_eq(rc, -EFBIG, "rc %d (%s)", rc, strerror(-rc));
    cr_assert_null(buf);

    /* a file of exactly max_len is still read */
    cr_assert_eq(truncate(path, 100000), 0);
    rc = fl_wasi_read_file(w, "/data/big", 100000, &buf, &len);
    cr_assert_eq(rc, 0, "rc %d", rc);
    cr_assert_eq(len, 100000);
    free(buf);
    rc = fl_wasi_read_file(w, "/data/big", 99999, &buf, &len);
    cr_assert_eq(rc, -EFBIG);

    fl_wasi_free(w);
    unlink(path);
    rmdir(dir);
}

/* wasi_fs.c fd_fdstat_set_flags: a guest's stdio is a dup of the host's,
 * sharing its file status flags, so a guest could leave O_NONBLOCK on the
 * host's stdout (or the terminal) for the host and every later call. */
Test(trust, a_guest_cannot_change_the_hosts_stdio_flags) {
    int p[2];
    cr_assert_eq(pipe(p), 0);
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = 1;
    c.stdio[1] = p[1];
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "evil", "e", trust_guest_wasm, sizeof trust_guest_wasm, &e), 0,
                 "%s", e.message);
    fl_call_result r;
    run_evil((const uint8_t *)"n", 1, 5000, &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.output_len, 4);
    uint32_t wasi_errno;
    memcpy(&wasi_errno, r.output, 4);
    /* stdio has no fd_fdstat_set_flags right at all (stream rights only) */
    cr_assert_eq(wasi_errno, 76, "errno %u", wasi_errno); /* ENOTCAPABLE */
    fl_call_result_free(&r);
    cr_assert_eq(fcntl(p[1], F_GETFL) & O_NONBLOCK, 0, "the host's fd became non-blocking");
    fl_runtime_free(rt);
    close(p[0]);
    close(p[1]);
}

/* state.c fl_state_lookup: every key a guest names becomes a replica
 * holding a memfd for the life of the process, so a guest looping over
 * fresh key names took every fd the host had: no call could open its
 * preopens or files any more. */
Test(trust, state_keys_cannot_take_every_fd) {
    struct rlimit lim;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &lim), 0);
    lim.rlim_cur = 128;
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
    fl_global_tier g;
    cr_assert_eq(fl_global_mem_new(&g), 0);
    fl_state *st;
    cr_assert_eq(fl_state_new(&g, &st), 0);
    int made = 0, rc = 0;
    for (int i = 0; i < 1000 && rc == 0; i++) {
        char key[32];
        snprintf(key, sizeof key, "k%d", i);
        fl_state_kv *kv;
        rc = fl_state_lookup(st, "u", key, &kv);
        made += rc == 0;
    }
    cr_assert_eq(rc, -EMFILE, "rc %d", rc);
    cr_assert_leq(made, 64);
    int fd = open("/dev/null", O_RDONLY);
    cr_assert_geq(fd, 0, "the host has no fd left after %d keys", made);
    close(fd);
    fl_state_kv *kv;
    cr_assert_eq(fl_state_lookup(st, "u", "k0", &kv), 0); /* known keys still work */
    fl_state_free(st);
    fl_global_mem_free(&g);
}

/* faaslet.c op_chain: every chained input is copied and held by the host
 * until that call ends, with no bound: a guest chaining its memory in a
 * loop took the host's memory (8 MiB a call here, 136 MiB in all).  The
 * inputs are charged to the call tree's memory budget (64 MiB here) while
 * the chained calls wait (one worker: none of them runs). */
Test(trust, chained_inputs_count_against_the_tree_memory) {
    start_mib(1, 0, 64);
    fl_call_result r;
    run_evil((const uint8_t *)"m", 1, 20000, &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_MEMORY, "%s", r.error ? r.error : "(no error)");
    cr_assert(strstr(r.error, "memory limit reached (64 MiB for the call tree): a chained "
                              "input of 8388608 bytes does not fit"),
              "%s", r.error);
    fl_call_result_free(&r);
    fl_runtime_free(rt);
}
