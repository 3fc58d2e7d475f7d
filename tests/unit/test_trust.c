/*
 * test_trust.c: regression tests for the guest/host trust boundary (one
 * test per bug found in the review of faasm_api.c, faaslet.c, state.c and
 * the WASI layer).
 *
 * The guest's source (wat2wasm turns it into the bytes below):
 *
 * (module
 *   (import "env" "__faasm_read_input" (func $read_input (param i32 i32) (result i32)))
 *   (import "env" "__faasm_write_output" (func $write_output (param i32 i32)))
 *   (import "env" "__faasm_chain_ptr" (func $chain_ptr (param i32 i32 i32) (result i32)))
 *   (import "env" "__faasm_await_call_output" (func $await_out (param i32 i32 i32) (result i32)))
 *   (import "env" "__faasm_lock_state_read" (func $lock_r (param i32)))
 *   (import "env" "__faasm_lock_state_write" (func $lock_w (param i32)))
 *   (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $set_flags (param i32 i32) (result i32)))
 *   (memory (export "memory") 1)
 *   (table 3 funcref)
 *   (elem (i32.const 1) $child $nop)
 *   (data (i32.const 16) "secret")
 *   (data (i32.const 32) "k\00")
 *   (data (i32.const 48) "ok")
 *   (global $heap (mut i32) (i32.const 4096))
 *   (func (export "malloc") (param i32) (result i32)
 *     (local $p i32)
 *     (local.set $p (global.get $heap))
 *     (global.set $heap (i32.add (global.get $heap) (local.get 0)))
 *     (local.get $p))
 *   ;; the chained child: write-lock "k"
 *   (func $child (result i32)
 *     (call $lock_w (i32.const 32))
 *     (i32.const 0))
 *   (func $nop (result i32) (i32.const 0))
 *   (func (export "_start")
 *     (local $c i32) (local $i i32)
 *     (drop (call $read_input (i32.const 256) (i32.const 5)))
 *     (local.set $c (i32.load8_u (i32.const 256)))
 *     (if (i32.eq (local.get $c) (i32.const 115)) ;; 's': output "secret"
 *       (then (call $write_output (i32.const 16) (i32.const 6)) (return)))
 *     (if (i32.eq (local.get $c) (i32.const 97)) ;; 'a': await the call id in input bytes 1..4, output its output
 *       (then
 *         (drop (call $await_out (i32.load (i32.const 257)) (i32.const 64) (i32.const 68)))
 *         (call $write_output (i32.load (i32.const 64)) (i32.load (i32.const 68)))
 *         (return)))
 *     (if (i32.eq (local.get $c) (i32.const 100)) ;; 'd': read-lock "k", then write-lock it
 *       (then
 *         (call $lock_r (i32.const 32))
 *         (call $lock_w (i32.const 32))
 *         (call $write_output (i32.const 48) (i32.const 2))
 *         (return)))
 *     (if (i32.eq (local.get $c) (i32.const 99)) ;; 'c': read-lock "k", chain $child (write-locks "k"), await it
 *       (then
 *         (call $lock_r (i32.const 32))
 *         (drop (call $await_out (call $chain_ptr (i32.const 1) (i32.const 48) (i32.const 0))
 *                                (i32.const 64) (i32.const 68)))
 *         (call $write_output (i32.const 48) (i32.const 2))
 *         (return)))
 *     (if (i32.eq (local.get $c) (i32.const 110)) ;; 'n': set NONBLOCK on stdout, output the errno
 *       (then
 *         (i32.store (i32.const 96) (call $set_flags (i32.const 1) (i32.const 4)))
 *         (call $write_output (i32.const 96) (i32.const 4))
 *         (return)))
 *     (if (i32.eq (local.get $c) (i32.const 109)) ;; 'm': chain $nop with 8 MiB of input 17 times
 *       (then
 *         (drop (memory.grow (i32.const 128)))
 *         (loop $m
 *           (drop (call $chain_ptr (i32.const 2) (i32.const 0) (i32.const 8388608)))
 *           (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *           (br_if $m (i32.lt_u (local.get $i) (i32.const 17))))
 *         (call $write_output (i32.const 48) (i32.const 2))
 *         (return))))
 * )
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

static const uint8_t guest_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x23, 0x07, 0x60,
  0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x03,
  0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x01, 0x7f,
  0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x02, 0xd7, 0x01,
  0x07, 0x03, 0x65, 0x6e, 0x76, 0x12, 0x5f, 0x5f, 0x66, 0x61, 0x61, 0x73,
  0x6d, 0x5f, 0x72, 0x65, 0x61, 0x64, 0x5f, 0x69, 0x6e, 0x70, 0x75, 0x74,
  0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x14, 0x5f, 0x5f, 0x66, 0x61, 0x61,
  0x73, 0x6d, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65, 0x5f, 0x6f, 0x75, 0x74,
  0x70, 0x75, 0x74, 0x00, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x11, 0x5f, 0x5f,
  0x66, 0x61, 0x61, 0x73, 0x6d, 0x5f, 0x63, 0x68, 0x61, 0x69, 0x6e, 0x5f,
  0x70, 0x74, 0x72, 0x00, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x19, 0x5f, 0x5f,
  0x66, 0x61, 0x61, 0x73, 0x6d, 0x5f, 0x61, 0x77, 0x61, 0x69, 0x74, 0x5f,
  0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x6f, 0x75, 0x74, 0x70, 0x75, 0x74, 0x00,
  0x02, 0x03, 0x65, 0x6e, 0x76, 0x17, 0x5f, 0x5f, 0x66, 0x61, 0x61, 0x73,
  0x6d, 0x5f, 0x6c, 0x6f, 0x63, 0x6b, 0x5f, 0x73, 0x74, 0x61, 0x74, 0x65,
  0x5f, 0x72, 0x65, 0x61, 0x64, 0x00, 0x03, 0x03, 0x65, 0x6e, 0x76, 0x18,
  0x5f, 0x5f, 0x66, 0x61, 0x61, 0x73, 0x6d, 0x5f, 0x6c, 0x6f, 0x63, 0x6b,
  0x5f, 0x73, 0x74, 0x61, 0x74, 0x65, 0x5f, 0x77, 0x72, 0x69, 0x74, 0x65,
  0x00, 0x03, 0x16, 0x77, 0x61, 0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70,
  0x73, 0x68, 0x6f, 0x74, 0x5f, 0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77,
  0x31, 0x13, 0x66, 0x64, 0x5f, 0x66, 0x64, 0x73, 0x74, 0x61, 0x74, 0x5f,
  0x73, 0x65, 0x74, 0x5f, 0x66, 0x6c, 0x61, 0x67, 0x73, 0x00, 0x00, 0x03,
  0x05, 0x04, 0x04, 0x05, 0x05, 0x06, 0x04, 0x04, 0x01, 0x70, 0x00, 0x03,
  0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x07, 0x01, 0x7f, 0x01, 0x41, 0x80,
  0x20, 0x0b, 0x07, 0x1c, 0x03, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79,
  0x02, 0x00, 0x06, 0x6d, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x00, 0x07, 0x06,
  0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x0a, 0x09, 0x08, 0x01, 0x00,
  0x41, 0x01, 0x0b, 0x02, 0x08, 0x09, 0x0a, 0xfb, 0x01, 0x04, 0x11, 0x01,
  0x01, 0x7f, 0x23, 0x00, 0x21, 0x01, 0x23, 0x00, 0x20, 0x00, 0x6a, 0x24,
  0x00, 0x20, 0x01, 0x0b, 0x08, 0x00, 0x41, 0x20, 0x10, 0x05, 0x41, 0x00,
  0x0b, 0x04, 0x00, 0x41, 0x00, 0x0b, 0xd8, 0x01, 0x01, 0x02, 0x7f, 0x41,
  0x80, 0x02, 0x41, 0x05, 0x10, 0x00, 0x1a, 0x41, 0x80, 0x02, 0x2d, 0x00,
  0x00, 0x21, 0x00, 0x20, 0x00, 0x41, 0xf3, 0x00, 0x46, 0x04, 0x40, 0x41,
  0x10, 0x41, 0x06, 0x10, 0x01, 0x0f, 0x0b, 0x20, 0x00, 0x41, 0xe1, 0x00,
  0x46, 0x04, 0x40, 0x41, 0x81, 0x02, 0x28, 0x02, 0x00, 0x41, 0xc0, 0x00,
  0x41, 0xc4, 0x00, 0x10, 0x03, 0x1a, 0x41, 0xc0, 0x00, 0x28, 0x02, 0x00,
  0x41, 0xc4, 0x00, 0x28, 0x02, 0x00, 0x10, 0x01, 0x0f, 0x0b, 0x20, 0x00,
  0x41, 0xe4, 0x00, 0x46, 0x04, 0x40, 0x41, 0x20, 0x10, 0x04, 0x41, 0x20,
  0x10, 0x05, 0x41, 0x30, 0x41, 0x02, 0x10, 0x01, 0x0f, 0x0b, 0x20, 0x00,
  0x41, 0xe3, 0x00, 0x46, 0x04, 0x40, 0x41, 0x20, 0x10, 0x04, 0x41, 0x01,
  0x41, 0x30, 0x41, 0x00, 0x10, 0x02, 0x41, 0xc0, 0x00, 0x41, 0xc4, 0x00,
  0x10, 0x03, 0x1a, 0x41, 0x30, 0x41, 0x02, 0x10, 0x01, 0x0f, 0x0b, 0x20,
  0x00, 0x41, 0xee, 0x00, 0x46, 0x04, 0x40, 0x41, 0xe0, 0x00, 0x41, 0x01,
  0x41, 0x04, 0x10, 0x06, 0x36, 0x02, 0x00, 0x41, 0xe0, 0x00, 0x41, 0x04,
  0x10, 0x01, 0x0f, 0x0b, 0x20, 0x00, 0x41, 0xed, 0x00, 0x46, 0x04, 0x40,
  0x41, 0x80, 0x01, 0x40, 0x00, 0x1a, 0x03, 0x40, 0x41, 0x02, 0x41, 0x00,
  0x41, 0x80, 0x80, 0x80, 0x04, 0x10, 0x02, 0x1a, 0x20, 0x01, 0x41, 0x01,
  0x6a, 0x21, 0x01, 0x20, 0x01, 0x41, 0x11, 0x49, 0x0d, 0x00, 0x0b, 0x41,
  0x30, 0x41, 0x02, 0x10, 0x01, 0x0f, 0x0b, 0x0b, 0x0b, 0x1a, 0x03, 0x00,
  0x41, 0x10, 0x0b, 0x06, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x00, 0x41,
  0x20, 0x0b, 0x02, 0x6b, 0x00, 0x00, 0x41, 0x30, 0x0b, 0x02, 0x6f, 0x6b
};

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
    cr_assert_eq(fl_runtime_add_module(rt, "victim", "v", guest_wasm, sizeof guest_wasm, &e), 0,
                 "%s", e.message);
    cr_assert_eq(fl_runtime_add_module(rt, "evil", "e", guest_wasm, sizeof guest_wasm, &e), 0,
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
    cr_assert_eq(fl_runtime_add_module(rt, "evil", "e", guest_wasm, sizeof guest_wasm, &e), 0,
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
    cr_assert_eq(r.outcome, FL_OUTCOME_TRAP, "%s", r.error ? r.error : "(no error)");
    cr_assert(strstr(r.error, "memory limit reached (64 MiB for the call tree): a chained "
                              "input of 8388608 bytes does not fit"),
              "%s", r.error);
    fl_call_result_free(&r);
    fl_runtime_free(rt);
}
