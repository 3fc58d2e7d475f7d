/*
 * test_faaslet.c: the embedded runtime of faaslet/faaslet.h with the host
 * interface of host/host.h: output, chaining with await_call_output into
 * guest malloc, state mapped into two Faaslets, and the limits (timeout,
 * memory, call depth, bad guest pointers), each followed by a call that
 * must still succeed in the same runtime.  Python calls run a stand-in
 * for py_func (below) that checks the host's side: the Python names,
 * __faasm_chain_py to another entry, the load errors.
 *
 * The guest is one hand-written module whose _start does what the first
 * input byte says: tests/unit/wat/faaslet_guest.wat, which the Makefile
 * turns into faaslet_guest_wasm (wat2wasm), as every module here.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "faaslet/faaslet.h"
#include "faaslet/snapshot_key.h"
#include "host/host.h"
#include "interp/interp.h"
#include "sched/sched.h"
#include "store/store.h"
#include "wasm_builder.h"

#include "faaslet_guest.wasm.h"

static fl_runtime *rt;

/* A runtime with `guest` loaded as user "t", function "g". */
static void start(unsigned threads, uint32_t timeout_ms, uint32_t max_mib) {
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = threads;
    c.timeout_ms = timeout_ms;
    c.max_memory_mib = max_mib;
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "g", faaslet_guest_wasm, sizeof faaslet_guest_wasm, &e), 0,
                 "%s", e.message);
}

static void stop(void) {
    fl_runtime_free(rt);
    rt = NULL;
}

/* Runs one call with input `mode` and waits for it. */
static void call(const char *mode, fl_call_result *res) {
    uint32_t id = fl_runtime_submit(rt, "t", "g", (const uint8_t *)mode, strlen(mode));
    cr_assert_neq(id, 0);
    cr_assert_eq(fl_runtime_await(rt, id, res), 0);
}

/* The call that must work after any failure: output "ok", return 0. */
static void expect_ok_call(void) {
    fl_call_result r;
    call("o", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.retval, 0);
    cr_assert_eq(r.output_len, 2);
    cr_assert_arr_eq(r.output, "ok", 2);
    fl_call_result_free(&r);
}

static long ms_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

Test(faaslet, host_table_names_every_import) {
    cr_assert_eq(fl_host_count(), 31);
    for (size_t i = 0; i < fl_host_count(); i++)
        cr_assert(!strncmp(fl_host_name(i), "__faasm_", 8), "%s", fl_host_name(i));
    cr_assert_null(fl_host_name(fl_host_count()));
}

Test(faaslet, output_and_return_value) {
    start(2, 0, 0);
    expect_ok_call();
    stop();
}

Test(faaslet, chain_ptr_and_await_output_into_guest_malloc) {
    start(2, 0, 0);
    fl_call_result r;
    call("c", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.retval, 5, "the child's return value, through proc_exit");
    cr_assert_eq(r.output_len, 2);
    cr_assert_arr_eq(r.output, "ok", 2);
    fl_call_result_free(&r);
    stop();
}

/* 64 calls on two workers, each of which must meet a partner running at
 * the same time ('B'): with one thread (or calls run one after another)
 * the first spins until its deadline.  Odd calls output "ok" and return 0;
 * even ones chain $child, await its "ok" and exit with its 5. */
Test(faaslet, many_calls_on_two_threads) {
    start(2, 20000, 0);
    uint32_t ids[64];
    for (int i = 0; i < 64; i++) {
        ids[i] = fl_runtime_submit(rt, "t", "g", (const uint8_t *)(i % 2 ? "Bo" : "Bc"), 2);
        cr_assert_neq(ids[i], 0, "submit %d refused", i);
    }
    for (int i = 0; i < 64; i++) {
        fl_call_result r;
        cr_assert_eq(fl_runtime_await(rt, ids[i], &r), 0);
        cr_assert_eq(r.outcome, FL_OUTCOME_OK, "call %d: %s", i, r.error ? r.error : "");
        cr_assert_eq(r.retval, i % 2 ? 0 : 5, "call %d", i);
        cr_assert_eq(r.output_len, 2, "call %d", i);
        cr_assert_arr_eq(r.output, "ok", 2, "call %d", i);
        fl_call_result_free(&r);
    }
    fl_sched_stats st;
    fl_sched_get_stats(fl_runtime_sched(rt), &st);
    cr_assert_eq(st.submitted, 96, "64 calls and the 32 they chain");
    cr_assert_eq(st.succeeded, 96);
    /* the 32 pairs met: the counter went to 64 */
    fl_call_result r;
    call("N", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.output_len, 4);
    uint32_t met;
    memcpy(&met, r.output, 4);
    cr_assert_eq(met, 64);
    fl_call_result_free(&r);
    stop();
}

Test(faaslet, mapped_state_seen_by_a_later_faaslet) {
    start(2, 0, 0);
    fl_call_result r;
    call("w", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    fl_call_result_free(&r);
    call("R", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.output_len, 4);
    cr_assert_arr_eq(r.output, "1234", 4, "no push or pull: the same mapped replica");
    fl_call_result_free(&r);
    stop();
}

Test(faaslet, offset_mapping_at_an_unaligned_offset) {
    start(2, 0, 0);
    fl_call_result r;
    call("O", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    fl_call_result_free(&r);
    call("P", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.output_len, 4);
    cr_assert_arr_eq(r.output, "abcd", 4, "written through the mapping at offset 5000");
    fl_call_result_free(&r);
    stop();
}

Test(faaslet, two_running_faaslets_share_mapped_state) {
    /* 'S' spins on its mapping until it sees what 'w' writes through its own */
    start(2, 5000, 0);
    uint32_t spin = fl_runtime_submit(rt, "t", "g", (const uint8_t *)"S", 1);
    struct timespec pause = {0, 50 * 1000000};
    nanosleep(&pause, NULL);
    cr_assert_eq(fl_sched_status(fl_runtime_sched(rt), spin), FL_CALL_RUNNING);
    uint32_t write = fl_runtime_submit(rt, "t", "g", (const uint8_t *)"w", 1);
    fl_call_result r;
    cr_assert_eq(fl_runtime_await(rt, write, &r), 0);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    fl_call_result_free(&r);
    cr_assert_eq(fl_runtime_await(rt, spin, &r), 0);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.output_len, 4);
    cr_assert_arr_eq(r.output, "seen", 4);
    fl_call_result_free(&r);
    stop();
}

Test(faaslet, timeout_stops_a_loop_and_the_next_call_runs) {
    start(2, 300, 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fl_call_result r;
    call("l", &r);
    long ms = ms_since(&t0);
    cr_assert_eq(r.outcome, FL_OUTCOME_TIMEOUT, "%s", r.error ? r.error : "");
    cr_assert(ms >= 290 && ms < 800, "stopped after %ld ms", ms);
    cr_assert(strstr(r.error, "timed out after 300 ms"), "%s", r.error);
    fl_call_result_free(&r);
    expect_ok_call();
    stop();
}

Test(faaslet, memory_limit_ends_the_call_and_the_next_call_runs) {
    start(2, 0, 2);
    fl_call_result r;
    call("g", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_MEMORY);
    cr_assert_str_eq(r.error, "memory limit reached (2 MiB): memory.grow by 1 page "
                              "refused; then unreachable");
    fl_call_result_free(&r);
    expect_ok_call();
    stop();
}

Test(faaslet, recursion_exhausts_the_stack_and_the_next_call_runs) {
    start(2, 0, 0);
    fl_call_result r;
    call("r", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_TRAP);
    cr_assert_eq(r.trap, FL_TRAP_STACK_EXHAUSTED, "the trap's kind travels with it");
    cr_assert(strstr(r.error, "call stack exhausted"), "%s", r.error);
    fl_call_result_free(&r);
    expect_ok_call();
    stop();
}

Test(faaslet, bad_guest_pointer_is_a_trap_of_that_call) {
    start(2, 0, 0);
    fl_call_result r;
    call("b", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_TRAP);
    cr_assert_eq(r.trap, FL_TRAP_HOST);
    cr_assert(strstr(r.error, "__faasm_write_output"), "%s", r.error);
    cr_assert(strstr(r.error, "outside linear memory"), "%s", r.error);
    fl_call_result_free(&r);
    expect_ok_call();
    stop();
}

Test(faaslet, a_lock_held_by_a_failed_call_is_released) {
    start(1, 2000, 0);
    fl_call_result r;
    call("L", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_TRAP);
    cr_assert_eq(r.trap, FL_TRAP_UNREACHABLE);
    cr_assert(strstr(r.error, "unreachable"), "%s", r.error);
    fl_call_result_free(&r);
    call("U", &r); /* would block until its timeout if the lock were still held */
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.output_len, 2);
    fl_call_result_free(&r);
    stop();
}

Test(faaslet, unknown_function_is_a_load_error) {
    start(1, 0, 0);
    uint32_t id = fl_runtime_submit(rt, "t", "missing", NULL, 0);
    fl_call_result r;
    cr_assert_eq(fl_runtime_await(rt, id, &r), 0);
    cr_assert_eq(r.outcome, FL_OUTCOME_LOAD);
    cr_assert(strstr(r.error, "t/missing"), "%s", r.error);
    fl_call_result_free(&r);
    expect_ok_call();
    stop();
}

/* Entries of folder `path` (without . and ..), -1 when it cannot be read. */
static int entries(const char *path) {
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* Each Faaslet has a folder of its own under tmp_parent (two calls at
 * once: two folders), kept while the Faaslet is warm and emptied between
 * its calls, also when a call was stopped by its deadline; freeing the
 * Faaslets removes the folders, and without reuse a call's folder goes
 * when it ends. */
static void expect_folders_empty(const char *parent, int n) {
    DIR *d = opendir(parent);
    cr_assert_not_null(d);
    struct dirent *e;
    int seen = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
        cr_expect_eq(entries(path), 0, "a warm Faaslet's /tmp was not emptied: %s", path);
        seen++;
    }
    closedir(d);
    cr_expect_eq(seen, n);
}

Test(faaslet, each_faaslet_has_a_private_tmp_emptied_after_each_call) {
    char parent[] = "/tmp/test_faaslet.XXXXXX";
    cr_assert_not_null(mkdtemp(parent));
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = 2;
    c.timeout_ms = 400;
    c.tmp_parent = parent;
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "g", faaslet_guest_wasm, sizeof faaslet_guest_wasm, &e), 0);

    uint32_t a = fl_runtime_submit(rt, "t", "g", (const uint8_t *)"l", 1);
    uint32_t b = fl_runtime_submit(rt, "t", "g", (const uint8_t *)"l", 1);
    cr_assert(a && b);
    struct timespec nap = {0, 150 * 1000 * 1000};
    nanosleep(&nap, NULL);
    cr_expect_eq(entries(parent), 2, "two running calls, two folders");
    fl_call_result r;
    cr_assert_eq(fl_runtime_await(rt, a, &r), 0);
    cr_expect_eq(r.outcome, FL_OUTCOME_TIMEOUT);
    fl_call_result_free(&r);
    cr_assert_eq(fl_runtime_await(rt, b, &r), 0);
    fl_call_result_free(&r);
    expect_folders_empty(parent, 2);
    expect_ok_call();
    expect_folders_empty(parent, 2);
    fl_runtime_flush(rt);
    cr_expect_eq(entries(parent), 0, "flushed Faaslets left their /tmp");
    stop();

    c.reuse = FL_REUSE_NONE;
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    cr_assert_eq(fl_runtime_add_module(rt, "t", "g", faaslet_guest_wasm, sizeof faaslet_guest_wasm, &e), 0);
    expect_ok_call();
    /* without reuse nothing of a call's /tmp is left: the empty folder
     * waits for the next Faaslet until a flush */
    expect_folders_empty(parent, 1);
    fl_runtime_flush(rt);
    cr_expect_eq(entries(parent), 0, "a flush left an empty /tmp folder");
    stop();
    cr_assert_eq(rmdir(parent), 0);
}

/* no_private_tmp, or a preopen of its own at /tmp: no folder is made. */
Test(faaslet, no_tmp_folder_when_configured_away) {
    char parent[] = "/tmp/test_faaslet.XXXXXX";
    cr_assert_not_null(mkdtemp(parent));
    for (int own = 0; own < 2; own++) {
        fl_runtime_config c;
        fl_runtime_config_init(&c);
        fl_wasi_preopen p = {.host_path = parent, .guest_path = "/tmp/"};
        c.timeout_ms = 200;
        c.tmp_parent = parent;
        c.no_private_tmp = !own;
        c.preopens = own ? &p : NULL;
        c.npreopens = own ? 1 : 0;
        char err[200] = "";
        rt = fl_runtime_new(&c, err, sizeof err);
        cr_assert_not_null(rt, "%s", err);
        fl_error e = {0};
        cr_assert_eq(fl_runtime_add_module(rt, "t", "g", faaslet_guest_wasm, sizeof faaslet_guest_wasm, &e), 0);
        uint32_t id = fl_runtime_submit(rt, "t", "g", (const uint8_t *)"l", 1);
        struct timespec nap = {0, 100 * 1000 * 1000};
        nanosleep(&nap, NULL);
        cr_expect_eq(entries(parent), 0);
        fl_call_result r;
        cr_assert_eq(fl_runtime_await(rt, id, &r), 0);
        fl_call_result_free(&r);
        stop();
    }
    cr_assert_eq(rmdir(parent), 0);
}

/* A runtime root that cannot be opened fails the call as a load error,
 * and the runtime goes on. */
Test(faaslet, missing_runtime_root_is_a_load_error) {
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.runtime_root = "/nonexistent/faaslet-root";
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "g", faaslet_guest_wasm, sizeof faaslet_guest_wasm, &e), 0);
    fl_call_result r;
    call("o", &r);
    cr_expect_eq(r.outcome, FL_OUTCOME_LOAD);
    cr_expect(r.error && strstr(r.error, "/nonexistent/faaslet-root"), "%s", r.error);
    fl_call_result_free(&r);
    stop();
}

/* ---- call trees: one budget, one deadline, cancelled together ----
 *
 * The tree guest: its _start (and table element 1, for chained calls) does
 * what the first input byte says: tests/unit/wat/faaslet_tree.wat.
 */
#include "faaslet_tree.wasm.h"

/* A module whose start function loops, and one whose _faasm_zygote does. */
#include "faaslet_loop_start.wasm.h"
#include "faaslet_loop_zygote.wasm.h"

/* A runtime of `c` with the tree guest as t/tree (and the loops as t/ls,
 * t/lz); tmp_parent is a fresh folder, in tree_tmp. */
static char tree_tmp[64];

static void start_tree(fl_runtime_config *c) {
    snprintf(tree_tmp, sizeof tree_tmp, "/tmp/test_tree.XXXXXX");
    cr_assert_not_null(mkdtemp(tree_tmp));
    c->tmp_parent = tree_tmp;
    char err[200] = "";
    rt = fl_runtime_new(c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "tree", faaslet_tree_wasm, sizeof faaslet_tree_wasm, &e), 0,
                 "%s", e.message);
    cr_assert_eq(fl_runtime_add_module(rt, "t", "ls", faaslet_loop_start_wasm,
                                       sizeof faaslet_loop_start_wasm, &e), 0, "%s", e.message);
    cr_assert_eq(fl_runtime_add_module(rt, "t", "lz", faaslet_loop_zygote_wasm,
                                       sizeof faaslet_loop_zygote_wasm, &e), 0, "%s", e.message);
}

/* Frees the runtime; its tmp_parent must be empty. */
static void stop_tree(void) {
    stop();
    cr_expect_eq(entries(tree_tmp), 0, "private /tmp folders left behind");
    rmdir(tree_tmp);
}

static void tree_call(const char *func, const void *input, size_t len, fl_call_result *r) {
    uint32_t id = fl_runtime_submit(rt, "t", func, input, len);
    cr_assert_neq(id, 0);
    cr_assert_eq(fl_runtime_await(rt, id, r), 0);
}

/* F04: each level sleeps 100 ms, then chains the next and awaits it (10
 * levels, 1 s).  With one deadline for the tree (350 ms) the whole chain
 * ends at 350 ms as a timeout, 4 levels in: the root's result and the
 * runtime's shutdown both come at the deadline (the chained calls used to
 * get a full timeout each and ran on after the root had failed). */
Test(faaslet_tree, a_chain_of_sleeping_calls_shares_one_deadline) {
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = 2;
    c.timeout_ms = 350;
    start_tree(&c);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fl_call_result r;
    tree_call("tree", "s\x09", 2, &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_TIMEOUT, "%s", r.error ? r.error : "(no error)");
    cr_assert(strstr(r.error, "timed out after 350 ms"), "%s", r.error);
    fl_call_result_free(&r);
    fl_sched_stats st;
    fl_sched_get_stats(fl_runtime_sched(rt), &st);
    stop_tree();
    long ms = ms_since(&t0);
    cr_assert_lt(ms, 800, "the tree ended after %ld ms", ms);
    cr_assert_leq(st.submitted, 5, "%llu calls", (unsigned long long)st.submitted);
}

/* The same chain with no one awaiting: each level returns once it has
 * chained the next, so nothing is cancelled; the inherited deadline alone
 * stops the chain at 350 ms (a fresh 350 ms per call let it run 1 s). */
Test(faaslet_tree, unawaited_chained_calls_inherit_the_deadline) {
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = 2;
    c.timeout_ms = 350;
    start_tree(&c);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fl_call_result r;
    tree_call("tree", "z\x09", 2, &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    fl_call_result_free(&r);
    stop_tree(); /* drains what is still queued or running */
    long ms = ms_since(&t0);
    cr_assert_lt(ms, 800, "the chain ran %ld ms", ms);
}

/* F03a: a call that chains itself and awaits, without end, stops at the
 * chain depth limit: the whole tree fails with that message (a limit), and
 * no private /tmp is left behind. */
Test(faaslet_tree, a_chain_too_deep_fails_the_whole_tree) {
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = 2;
    c.max_chain_depth = 5;
    start_tree(&c);
    fl_call_result r;
    tree_call("tree", "d", 1, &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_LIMIT, "%s", r.error ? r.error : "(no error)");
    cr_assert_str_eq(r.error, "chain depth limit (5) reached");
    fl_call_result_free(&r);
    fl_sched_stats st;
    fl_sched_get_stats(fl_runtime_sched(rt), &st);
    cr_assert_eq(st.submitted, 6); /* the root and 5 levels beneath it */
    stop_tree();
}

/* F05: a call chaining without end, never awaiting, on one thread: at the
 * cap on chained calls per call the tree fails, and the 50 calls still
 * queued are cancelled, none of them run. */
Test(faaslet_tree, too_many_chained_calls_cancel_the_queued_ones_unrun) {
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = 1;
    c.max_chained = 50;
    c.timeout_ms = 20000;
    start_tree(&c);
    fl_call_result r;
    tree_call("tree", "f", 1, &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_LIMIT, "%s", r.error ? r.error : "(no error)");
    cr_assert_str_eq(r.error, "more than 50 chained calls from one call");
    fl_call_result_free(&r);
    fl_sched_stats st;
    fl_sched_get_stats(fl_runtime_sched(rt), &st);
    cr_assert_eq(st.submitted, 51);
    cr_assert_eq(st.cancelled, 50, "%llu of 50 chained calls ran",
                 (unsigned long long)(50 - st.cancelled));
    stop_tree();
}

/* F03b: every call chains two and awaits both; the tree stops at its
 * call limit. */
Test(faaslet_tree, a_tree_past_its_call_limit_fails) {
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = 2;
    c.max_calls = 20;
    start_tree(&c);
    fl_call_result r;
    tree_call("tree", "b", 1, &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_LIMIT, "%s", r.error ? r.error : "(no error)");
    cr_assert_str_eq(r.error, "call tree limit: 20 calls");
    fl_call_result_free(&r);
    /* never past the limit; a call counted but not yet submitted when a
     * sibling's refusal cancelled the tree is given back, so with two
     * threads the count may stop one or two short of it */
    fl_sched_stats st;
    for (int i = 0; i < 2000; i++) { /* once every call has finished */
        fl_sched_get_stats(fl_runtime_sched(rt), &st);
        if (st.succeeded + st.failed + st.cancelled == st.submitted)
            break;
        usleep(1000);
    }
    cr_assert(st.submitted <= 20 && st.submitted >= 18, "%llu calls submitted",
              (unsigned long long)st.submitted);
    stop_tree();
}

/* F09: outputs of finished chained calls are kept (the caller may await
 * them again) and charged to the tree's memory until the caller ends: of
 * three 6 MiB outputs under a 16 MiB budget the third cannot be kept (the
 * second neither once linear memories are charged too). */
Test(faaslet_tree, kept_outputs_count_against_the_tree_memory) {
    uint8_t in[5] = {'O'};
    uint32_t n = 6u << 20;
    memcpy(in + 1, &n, sizeof n);
    for (int roomy = 0; roomy < 2; roomy++) {
        fl_runtime_config c;
        fl_runtime_config_init(&c);
        c.threads = 2;
        c.max_memory_mib = roomy ? 64 : 16;
        start_tree(&c);
        fl_call_result r;
        tree_call("tree", in, sizeof in, &r);
        cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
        cr_assert_eq(r.output_len, 3);
        if (roomy) {
            cr_assert_arr_eq(r.output, "\0\0\0", 3);
        } else {
            cr_assert_eq(r.output[0], 0, "the first output fits");
            cr_assert_eq(r.output[2], 1, "the third output was kept past the budget");
        }
        fl_call_result_free(&r);
        stop_tree();
    }
}

/* F15 and its zygote twin: a start function or _faasm_zygote that loops
 * past the deadline is a timeout, not a trap. */
Test(faaslet_tree, a_looping_start_function_or_zygote_is_a_timeout) {
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.timeout_ms = 200;
    start_tree(&c);
    const char *funcs[] = {"ls", "lz"};
    for (int i = 0; i < 2; i++) {
        fl_call_result r;
        tree_call(funcs[i], NULL, 0, &r);
        cr_assert_eq(r.outcome, FL_OUTCOME_TIMEOUT, "%s: %s", funcs[i],
                     r.error ? r.error : "(no error)");
        cr_assert(strstr(r.error, "timed out after 200 ms"), "%s", r.error);
        fl_call_result_free(&r);
    }
    stop_tree();
}

/* F12b: the private /tmp is removed even when the process has no fd left:
 * its fd is held from its creation and read with getdents64 (the old
 * removal opened the folder and dup'ed it, which needs two fds: the call
 * itself frees one, its /tmp preopen, with no stdio given to it). */
Test(faaslet_tree, private_tmp_removed_with_no_fd_to_spare) {
    static int fds[512];
    int nfds = 0;
    struct rlimit lim;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &lim), 0);
    lim.rlim_cur = 256;
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = 1;
    c.timeout_ms = 1000;
    c.stdio[0] = c.stdio[1] = c.stdio[2] = -1;
    start_tree(&c);
    uint32_t id = fl_runtime_submit(rt, "t", "tree", (const uint8_t *)"w", 1);
    cr_assert_neq(id, 0);
    /* once the call's folder holds its 8 files, the process runs dry */
    char folder[PATH_MAX] = "";
    for (int i = 0; i < 900 && !folder[0]; i++) {
        struct timespec nap = {0, 1000000};
        nanosleep(&nap, NULL);
        DIR *d = opendir(tree_tmp);
        struct dirent *e;
        while (d && (e = readdir(d)))
            if (e->d_name[0] != '.')
                snprintf(folder, sizeof folder, "%s/%s", tree_tmp, e->d_name);
        if (d)
            closedir(d);
        if (folder[0] && entries(folder) < 8)
            folder[0] = 0;
    }
    cr_assert(folder[0], "the call made no files");
    int fd;
    while (nfds < 512 && (fd = dup(2)) >= 0)
        fds[nfds++] = fd;
    cr_assert_lt(nfds, 512);
    fl_call_result r;
    cr_assert_eq(fl_runtime_await(rt, id, &r), 0);
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    cr_assert_eq(r.outcome, FL_OUTCOME_TIMEOUT, "%s", r.error ? r.error : "");
    fl_call_result_free(&r);
    /* emptied for the next call, or removed with its Faaslet */
    cr_assert_leq(entries(folder), 0, "the call's /tmp was left behind (-1: removed, 0: emptied)");
    fl_runtime_flush(rt);
    cr_assert_eq(entries(tree_tmp), 0, "the Faaslet's /tmp was left behind");
    stop_tree();
}

/* Folders a dead process left (faaslet-PID-XXXXXX, PID gone) are swept
 * when a runtime starts; one in use (flocked), one of a live process and
 * other names are left alone. */
Test(faaslet_tree, stale_private_tmp_folders_are_swept_at_start) {
    char parent[] = "/tmp/test_sweep.XXXXXX", p[PATH_MAX];
    cr_assert_not_null(mkdtemp(parent));
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    cr_assert_gt(dead, 0);
    cr_assert_eq(waitpid(dead, NULL, 0), dead);
    const char *made[] = {"a", "a/b", "a/b/c", "u", "x"};
    snprintf(p, sizeof p, "%s/faaslet-%d-aaaaaa", parent, (int)dead);
    cr_assert_eq(mkdir(p, 0700), 0);
    for (size_t i = 0; i < sizeof made / sizeof *made; i++) {
        char q[PATH_MAX];
        snprintf(q, sizeof q, "%s/%s", p, made[i]);
        if (i < 3)
            cr_assert_eq(mkdir(q, 0700), 0);
        else
            close(open(q, O_CREAT | O_WRONLY, 0600));
    }
    char deep[PATH_MAX + 16];
    snprintf(deep, sizeof deep, "%s/a/b/c/deep", p);
    close(open(deep, O_CREAT | O_WRONLY, 0600));
    snprintf(p, sizeof p, "%s/faaslet-%d-bbbbbb", parent, (int)dead);
    cr_assert_eq(mkdir(p, 0700), 0);
    int held = open(p, O_RDONLY | O_DIRECTORY);
    cr_assert_eq(flock(held, LOCK_SH), 0);
    snprintf(p, sizeof p, "%s/faaslet-%d-cccccc", parent, (int)getppid());
    cr_assert_eq(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/faaslet-XXXX", parent);
    cr_assert_eq(mkdir(p, 0700), 0);

    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.tmp_parent = parent;
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    stop();
    cr_assert_eq(entries(parent), 3, "%d entries", entries(parent));
    snprintf(p, sizeof p, "%s/faaslet-%d-aaaaaa", parent, (int)dead);
    cr_assert_eq(access(p, F_OK), -1, "the dead process's folder is still there");
    close(held);
    snprintf(p, sizeof p, "%s/faaslet-%d-bbbbbb", parent, (int)dead);
    rmdir(p);
    snprintf(p, sizeof p, "%s/faaslet-%d-cccccc", parent, (int)getppid());
    rmdir(p);
    snprintf(p, sizeof p, "%s/faaslet-XXXX", parent);
    rmdir(p);
    cr_assert_eq(rmdir(parent), 0);
}

/* ---- Python calls, with a stand-in for py_func ----
 *
 * faaslet_fake_py_func_wasm plays CPython's part: with no Python entry it chains entry
 * "second" of its own file through __faasm_chain_py, awaits its output
 * and returns it with the chained call's return value; entered at
 * "second" it writes py_user, py_func and py_entry ("pupfsecond" for
 * pu/pf) and exits 7.  Source: tests/unit/wat/faaslet_fake_py_func.wat.
 */
#include "faaslet_fake_py_func.wasm.h"

/* Writes bytes[0..len) to file `path`. */
static void put_file(const char *path, const void *bytes, size_t len) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(bytes, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

static char py_tmp[64], py_path[200], py_fn_dir[200];
static bool py_background; /* python_runtime generates machine code in the background */

/* A runtime on the folders start_python_with makes (and function store
 * fs, when given), with pu/pf added. */
static void python_runtime(fl_fnstore *fs) {
    static fl_runtime_config c; /* borrowed by the runtime */
    fl_runtime_config_init(&c);
    c.python_dir = py_path;
    c.fnstore = fs;
    c.background_codegen = py_background;
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    cr_assert_eq(fl_runtime_add_python(rt, "pu", "pf", py_fn_dir), 0);
}

/* A Python runtime folder (fake py_func, empty root) and a function folder
 * for pu/pf, under a fresh folder; a runtime using them (and function
 * store fs, when given). */
static void start_python_with(fl_fnstore *fs) {
    snprintf(py_tmp, sizeof py_tmp, "/tmp/faaslet-pytest-XXXXXX");
    cr_assert_not_null(mkdtemp(py_tmp));
    snprintf(py_path, sizeof py_path, "%s/py", py_tmp);
    cr_assert_eq(mkdir(py_path, 0755), 0);
    char p[300];
    snprintf(p, sizeof p, "%s/py_func.wasm", py_path);
    put_file(p, faaslet_fake_py_func_wasm, sizeof faaslet_fake_py_func_wasm);
    snprintf(p, sizeof p, "%s/root", py_path);
    cr_assert_eq(mkdir(p, 0755), 0);
    snprintf(py_fn_dir, sizeof py_fn_dir, "%s/fn", py_tmp);
    cr_assert_eq(mkdir(py_fn_dir, 0755), 0);
    snprintf(p, sizeof p, "%s/function.py", py_fn_dir);
    put_file(p, "def faasm_main(): pass\n", 23);

    python_runtime(fs);
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "g", faaslet_guest_wasm, sizeof faaslet_guest_wasm, &e), 0);
}

static void start_python(void) {
    start_python_with(NULL);
}

static void stop_python(void) {
    stop();
    char p[300];
    const char *files[] = {"py/py_func.wasm", "py/root", "py", "fn/function.py", "fn", ""};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", py_tmp, files[i]);
        if (unlink(p) < 0)
            rmdir(p);
    }
}

static void await_result(uint32_t id, fl_call_result *r) {
    cr_assert_neq(id, 0);
    cr_assert_eq(fl_runtime_await(rt, id, r), 0);
}

Test(faaslet, python_call_names_and_chain_py_to_another_entry) {
    start_python();
    fl_call_result r;
    await_result(fl_runtime_submit_python(rt, "pu", "pf", NULL, 0), &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.retval, 7, "the chained entry's return value");
    cr_assert_eq(r.output_len, 10);
    cr_assert_arr_eq(r.output, "pupfsecond", 10);
    fl_call_result_free(&r);
    expect_ok_call();
    stop_python();
}

Test(faaslet, python_call_without_its_file_is_a_load_error) {
    start_python();
    fl_call_result r;
    await_result(fl_runtime_submit_python(rt, "pu", "nosuch", NULL, 0), &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_LOAD);
    cr_assert(strstr(r.error, "no Python function pu/nosuch"), "%s", r.error);
    fl_call_result_free(&r);
    expect_ok_call();
    stop_python();
}

/* The record under validated/ of the function store at `dir` that
 * remembers the Python module's hash (there must be one) into buf; its
 * inode in *ino. */
static void read_file_record(const char *dir, char *buf, size_t len, ino_t *ino) {
    char p[400];
    snprintf(p, sizeof p, "%s/validated", dir);
    DIR *d = opendir(p);
    cr_assert_not_null(d, "no %s", p);
    struct dirent *e;
    int found = 0;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "file-", 5))
            continue;
        found++;
        snprintf(p, sizeof p, "%s/validated/%s", dir, e->d_name);
    }
    closedir(d);
    cr_assert_eq(found, 1, "records of the module's hash: %d", found);
    FILE *f = fopen(p, "r");
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = 0;
    struct stat st;
    cr_assert_eq(fstat(fileno(f), &st), 0);
    *ino = st.st_ino;
    fclose(f);
}

/* Whether the record ends in the SHA-256 of bytes[0..n), and bytes of
 * that hash are recorded as validated. */
static void assert_records_hash_of(const char *dir, const char *record, const uint8_t *bytes,
                                   size_t n) {
    uint8_t sha[32];
    fl__sha256(bytes, n, sha);
    char hex[65], p[400];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
    size_t len = strlen(record);
    cr_assert(len > 64 && !strcmp(record + len - 64, hex), "record %s, module %s", record, hex);
    snprintf(p, sizeof p, "%s/validated/%s", dir, hex);
    cr_assert_eq(access(p, F_OK), 0, "no record that the module validated");
}

/* Calls pu/pf once on the runtime, expecting success, and stops it. */
static void one_python_call_then_stop(void) {
    fl_call_result r;
    await_result(fl_runtime_submit_python(rt, "pu", "pf", NULL, 0), &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    fl_call_result_free(&r);
    stop();
}

/* Hashing CPython's module costs more than the rest of a process's start,
 * so its SHA-256 is remembered in the function store by the file's
 * identity: a later runtime reuses it, and a file written again (a
 * rebuilt runtime) is hashed again. */
Test(faaslet, python_module_hash_is_remembered_per_file_identity) {
    char dir[] = "/tmp/faaslet-pystore-XXXXXX", record[400], p[300];
    cr_assert_not_null(mkdtemp(dir));
    int rc;
    fl_fnstore *fs = fl_fnstore_open(dir, &rc);
    cr_assert_not_null(fs);
    ino_t ino, again;

    start_python_with(fs);
    one_python_call_then_stop();
    read_file_record(dir, record, sizeof record, &ino);
    assert_records_hash_of(dir, record, faaslet_fake_py_func_wasm,
                           sizeof faaslet_fake_py_func_wasm);

    /* the next runtime finds it and leaves it as it is */
    python_runtime(fs);
    one_python_call_then_stop();
    read_file_record(dir, record, sizeof record, &again);
    cr_assert_eq(again, ino, "the record was written again: the module was hashed again");

    /* the module rebuilt in place (same inode): hashed again */
    uint8_t *bigger = malloc(sizeof faaslet_fake_py_func_wasm + 4);
    memcpy(bigger, faaslet_fake_py_func_wasm, sizeof faaslet_fake_py_func_wasm);
    memcpy(bigger + sizeof faaslet_fake_py_func_wasm, "\x00\x02\x01x", 4); /* custom "x" */
    snprintf(p, sizeof p, "%s/py_func.wasm", py_path);
    put_file(p, bigger, sizeof faaslet_fake_py_func_wasm + 4);
    python_runtime(fs);
    one_python_call_then_stop();
    read_file_record(dir, record, sizeof record, &again);
    assert_records_hash_of(dir, record, bigger, sizeof faaslet_fake_py_func_wasm + 4);
    free(bigger);
    stop_python();
    fl_fnstore_close(fs);
    snprintf(p, sizeof p, "rm -rf %s", dir);
    cr_assert_eq(system(p), 0);
}

/* The same module run as a wasm function: __faasm_chain_py traps. */
Test(faaslet, chain_py_from_a_wasm_function_traps) {
    start_python();
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "fake", faaslet_fake_py_func_wasm, sizeof faaslet_fake_py_func_wasm, &e),
                 0);
    fl_call_result r;
    await_result(fl_runtime_submit(rt, "t", "fake", NULL, 0), &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_TRAP);
    cr_assert(strstr(r.error, "not a Python function"), "%s", r.error);
    fl_call_result_free(&r);
    expect_ok_call();
    stop_python();
}

Test(faaslet, python_call_without_a_python_runtime_is_a_load_error) {
    start(1, 0, 0);
    fl_call_result r;
    await_result(fl_runtime_submit_python(rt, "pu", "pf", NULL, 0), &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_LOAD);
    cr_assert(strstr(r.error, "no Python runtime"), "%s", r.error);
    fl_call_result_free(&r);
    expect_ok_call();
    stop();
}

/* ---- entry exports must have the types the runtime calls them with ---- */

/* A module exporting as `name` one function of type params -> results
 * (signature letters), whose body is `unreachable` (valid for any type). */
static void one_export(wbuf *w, const char *name, const char *params, const char *results) {
    wbuf t = {.n = 0};
    put_leb(&t, 1);
    put(&t, (const uint8_t[]){0x60}, 1);
    const char *parts[2] = {params, results};
    for (int k = 0; k < 2; k++) {
        put_leb(&t, (uint32_t)strlen(parts[k]));
        for (const char *c = parts[k]; *c; c++) {
            uint8_t v;
            cr_assert_eq(fl_sig_valtype(*c, &v), 0);
            put(&t, &v, 1);
        }
    }
    header(w);
    section(w, 1, t.b, t.n);
    SECTION(w, 3, 1, 0);
    wbuf e = {.n = 0};
    put_leb(&e, 1);
    put_leb(&e, (uint32_t)strlen(name));
    put(&e, (const uint8_t *)name, strlen(name));
    put(&e, (const uint8_t[]){0, 0}, 2); /* a function, index 0 */
    section(w, 7, e.b, e.n);
    CODE1(w, 0x00, 0x00, 0x0b);          /* no locals; unreachable; end */
}

/* fl_runtime_check_module on one_export(name, params, results): 0, or -1
 * with the message in msg. */
static int check_one(const char *name, const char *params, const char *results, char *msg) {
    wbuf w;
    one_export(&w, name, params, results);
    fl_error err = {0};
    fl_module *m = fl_module_load(w.b, w.n, &err);
    cr_assert_not_null(m, "%s", err.message);
    msg[0] = 0;
    int rc = fl_runtime_check_module(m, msg, 200);
    fl_module_free(m);
    return rc;
}

Test(faaslet, entry_export_types_are_checked) {
    static const struct {
        const char *name, *params, *results;
        bool ok;
    } cases[] = {
        {"_start", "", "", true},
        {"_start", "", "i", true},
        {"_start", "", "I", false},
        {"_start", "", "ii", false},
        {"_start", "i", "", false},
        {"_start", "IIIIIIII", "", false},
        {"_faasm_zygote", "", "", true},
        {"_faasm_zygote", "", "i", true},
        {"_faasm_zygote", "", "f", false},
        {"_faasm_zygote", "i", "i", false},
        {"_faasm_init", "", "", true},
        {"_faasm_init", "", "i", false},
        {"__wasm_call_ctors", "", "", true},
        {"__wasm_call_ctors", "i", "", false},
        {"__wasm_call_dtors", "", "", true},
        {"__wasm_call_dtors", "", "I", false},
        {"malloc", "i", "i", true},
        {"malloc", "I", "i", false},
        {"malloc", "i", "ii", false},
        {"malloc", "", "i", false},
        {"not_an_entry", "IIIIIIII", "IIII", true},
    };
    char msg[200];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = check_one(cases[i].name, cases[i].params, cases[i].results, msg);
        cr_assert_eq(rc, cases[i].ok ? 0 : -1, "%s %s:%s: %s", cases[i].name, cases[i].params,
                     cases[i].results, msg);
    }
    char results[65] = "";
    memset(results, 'I', 64);
    cr_assert_eq(check_one("_start", "", results, msg), -1);
    cr_assert_str_eq(msg, "_start has type [] -> [i64 x 64]; an entry point must be "
                          "[] -> [] or [] -> [i32]");
    cr_assert_eq(check_one("__wasm_call_dtors", "", "i", msg), -1);
    cr_assert_str_eq(msg, "__wasm_call_dtors has type [] -> [i32]; a finaliser must be [] -> []");
    cr_assert_eq(check_one("malloc", "I", "i", msg), -1);
    cr_assert_str_eq(msg, "malloc has type [i64] -> [i32]; an exported malloc must be "
                          "[i32] -> [i32]");

    /* an entry name exported as something else */
    wbuf w;
    header(&w);
    SECTION(&w, 5, 1, 0x00, 1);                      /* memory 1 */
    SECTION(&w, 7, 1, 6, '_', 's', 't', 'a', 'r', 't', 2, 0);
    fl_error err = {0};
    fl_module *m = fl_module_load(w.b, w.n, &err);
    cr_assert_not_null(m, "%s", err.message);
    cr_assert_eq(fl_runtime_check_module(m, msg, sizeof msg), -1);
    cr_assert_str_eq(msg, "_start is exported as a memory; an entry point must be [] -> [] or "
                          "[] -> [i32]");
    fl_module_free(m);
}

Test(faaslet, a_module_with_a_bad_entry_type_is_not_loaded) {
    start(1, 0, 0);
    wbuf w;
    one_export(&w, "_start", "", "IIII");
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "bad", w.b, w.n, &e), -2);
    cr_assert_str_eq(e.message, "_start has type [] -> [i64 x 4]; an entry point must be "
                                "[] -> [] or [] -> [i32]");
    /* not cached: a call of it is a load error, and the runtime goes on */
    uint32_t id = fl_runtime_submit(rt, "t", "bad", NULL, 0);
    fl_call_result r;
    cr_assert_eq(fl_runtime_await(rt, id, &r), 0);
    cr_assert_eq(r.outcome, FL_OUTCOME_LOAD, "%s", r.error ? r.error : "");
    fl_call_result_free(&r);
    /* a malformed module is still -1, with its byte offset */
    cr_assert_eq(fl_runtime_add_module(rt, "t", "junk", (const uint8_t *)"\0asm", 4, &e), -1);
    expect_ok_call();
    stop();
}

Test(faaslet, a_stored_module_with_a_bad_entry_type_is_a_load_error) {
    char dir[] = "/tmp/faaslet-entry-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    int rc;
    fl_fnstore *fs = fl_fnstore_open(dir, &rc);
    cr_assert_not_null(fs, "%s", strerror(-rc));
    wbuf w;
    one_export(&w, "_faasm_zygote", "", "IIIIIIII");
    cr_assert_eq(fl_fnstore_put_wasm(fs, "t", "zyg", w.b, w.n), 0);

    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = 1;
    c.fnstore = fs;
    c.no_private_tmp = true;
    char err[200] = "";
    fl_runtime *r2 = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(r2, "%s", err);
    uint32_t id = fl_runtime_submit(r2, "t", "zyg", NULL, 0);
    fl_call_result r;
    cr_assert_eq(fl_runtime_await(r2, id, &r), 0);
    cr_assert_eq(r.outcome, FL_OUTCOME_LOAD);
    cr_assert_str_eq(r.error, "t/zyg: _faasm_zygote has type [] -> [i64 x 8]; an entry "
                              "point must be [] -> [] or [] -> [i32]");
    fl_call_result_free(&r);
    fl_runtime_free(r2);
    fl_fnstore_close(fs);
    char cmd[100];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* A guest at its memory cap that traps without a refusal: not a memory
 * limit (the report states what happened, not a guess from the size).
 * Source: tests/unit/wat/faaslet_full.wat */
#include "faaslet_full.wasm.h"

Test(faaslet, a_trap_at_the_cap_without_a_refusal_is_not_a_memory_limit) {
    start(1, 0, 2); /* 32 pages: the guest grows to exactly that */
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "full", faaslet_full_wasm, sizeof faaslet_full_wasm, &e), 0);
    uint32_t id = fl_runtime_submit(rt, "t", "full", NULL, 0);
    fl_call_result r;
    cr_assert_eq(fl_runtime_await(rt, id, &r), 0);
    cr_assert_eq(r.outcome, FL_OUTCOME_TRAP);
    cr_assert_eq(r.trap, FL_TRAP_UNREACHABLE);
    cr_assert_str_eq(r.error, "unreachable");
    fl_call_result_free(&r);
    stop();
}

/* ---- loading: outside the runtime's lock, under the call's deadline ---- */

/* A valid module that takes long to load (7 MB, one body: 10^6 constants
 * over a local.get, 10^6 local.set) and exports _start. */
static uint8_t *slow_module(size_t *len) {
    const uint32_t n = 1000000;
    size_t body_len = 5 + 2 * (size_t)n + 4 * (size_t)n + n + 2;
    size_t cap = body_len + 64;
    uint8_t *b = malloc(cap), *p = b;
    cr_assert_not_null(b);
    static const uint8_t head[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,   /* magic, version */
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,               /* type [] -> [] */
        0x03, 0x02, 0x01, 0x00,                           /* one function */
        0x07, 0x0a, 0x01, 0x06, '_', 's', 't', 'a', 'r', 't', 0x00, 0x00,
        0x0a,                                             /* code section */
    };
    memcpy(p, head, sizeof head);
    p += sizeof head;
    size_t sec = 1 + 5 + body_len; /* count, body size (5-byte LEB), body */
    for (int i = 0; i < 5; i++, sec >>= 7) /* section size as a 5-byte LEB */
        *p++ = (uint8_t)((sec & 0x7f) | (i < 4 ? 0x80 : 0));
    *p++ = 0x01;
    size_t bl = body_len;
    for (int i = 0; i < 5; i++, bl >>= 7)
        *p++ = (uint8_t)((bl & 0x7f) | (i < 4 ? 0x80 : 0));
    static const uint8_t locals[] = {0x01, 0x02, 0x7f, 0x20, 0x00};
    memcpy(p, locals, sizeof locals);
    p += sizeof locals;
    for (uint32_t i = 0; i < n; i++, p += 2)
        memcpy(p, "\x41\x00", 2);
    for (uint32_t i = 0; i < n; i++, p += 4)
        memcpy(p, "\x41\x00\x21\x01", 4);
    memset(p, 0x1a, (size_t)n + 1);
    p += n + 1;
    *p++ = 0x0b;
    *len = (size_t)(p - b);
    return b;
}

static char store_dir[64];
static fl_fnstore *store;

/* A runtime on `threads` workers with a function store holding the slow
 * module as t/slow (and the guest added as t/g); returns how long loading
 * the slow module takes here. */
static double start_with_slow_module(unsigned threads, uint32_t timeout_ms) {
    size_t len;
    uint8_t *bytes = slow_module(&len);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fl_error e = {0};
    /* what a call must do before it runs: load, and compile the body (on
     * its first call) */
    fl_module *m = fl_module_load(bytes, len, &e);
    cr_assert_not_null(m, "%s", e.message);
    cr_assert_not_null(fl_interp_code(m, 0, NULL, &e), "%s", e.message);
    double load_ms = (double)ms_since(&t0);
    fl_module_free(m);

    snprintf(store_dir, sizeof store_dir, "/tmp/faaslet-store-XXXXXX");
    cr_assert_not_null(mkdtemp(store_dir));
    int rc;
    store = fl_fnstore_open(store_dir, &rc);
    cr_assert_not_null(store, "%s", strerror(-rc));
    cr_assert_eq(fl_fnstore_put_wasm(store, "t", "slow", bytes, len), 0);
    free(bytes);

    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = threads;
    c.timeout_ms = timeout_ms;
    c.fnstore = store;
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    cr_assert_eq(fl_runtime_add_module(rt, "t", "g", faaslet_guest_wasm, sizeof faaslet_guest_wasm, &e), 0);
    return load_ms;
}

static void stop_with_slow_module(void) {
    stop();
    fl_fnstore_remove(store, FL_FNSTORE_WASM, "t", "slow");
    fl_fnstore_close(store);
    char p[128];
    snprintf(p, sizeof p, "%s/functions/t", store_dir);
    rmdir(p);
    snprintf(p, sizeof p, "%s/functions", store_dir);
    rmdir(p);
    rmdir(store_dir);
}

/* While one call loads a slow module, a call of a cached one runs at once:
 * loading holds no lock the other needs. */
Test(faaslet, a_slow_load_holds_up_no_other_call) {
    double load_ms = start_with_slow_module(2, 0);
    uint32_t slow = fl_runtime_submit(rt, "t", "slow", NULL, 0);
    cr_assert_neq(slow, 0);
    struct timespec pause = {0, (long)(load_ms / 4 * 1e6)};
    nanosleep(&pause, NULL); /* the slow call is loading now */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_ok_call();
    long ms = ms_since(&t0);
    cr_log_info("loading takes %.0f ms; a call meanwhile took %ld ms", load_ms, ms);
    cr_assert_lt(ms, load_ms / 2, "the call waited %ld ms for a load of %.0f ms", ms, load_ms);
    fl_call_result r;
    await_result(slow, &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    fl_call_result_free(&r);
    stop_with_slow_module();
}

/* A call's timeout ends its module's loading (reported as the timeout). */
Test(faaslet, timeout_ends_a_slow_load) {
    double load_ms = start_with_slow_module(2, 40);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fl_call_result r;
    await_result(fl_runtime_submit(rt, "t", "slow", NULL, 0), &r);
    long ms = ms_since(&t0);
    cr_log_info("loading takes %.0f ms; the call with a 40 ms timeout took %ld ms", load_ms, ms);
    cr_assert_eq(r.outcome, FL_OUTCOME_TIMEOUT, "%s", r.error ? r.error : "");
    cr_assert(strstr(r.error, "timed out after 40 ms"), "%s", r.error);
    cr_assert_lt(ms, load_ms / 2, "ended after %ld ms of a %.0f ms load", ms, load_ms);
    fl_call_result_free(&r);
    expect_ok_call();
    stop_with_slow_module();
}

/* ---- warm Faaslets and snapshots ---- */

#include "faaslet_isolation.wasm.h"

/* Runs user/func "iso" with input `mode`, expecting success; the output
 * into out[0..6) when it is a report. */
static void iso_call(const char *user, const char *mode, uint8_t out[6]) {
    uint32_t id = fl_runtime_submit(rt, user, "iso", (const uint8_t *)mode, 1);
    cr_assert_neq(id, 0);
    fl_call_result r;
    cr_assert_eq(fl_runtime_await(rt, id, &r), 0);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    if (out) {
        cr_assert_eq(r.output_len, 6);
        memcpy(out, r.output, 6);
    }
    fl_call_result_free(&r);
}

static void start_iso(fl_reuse reuse, const char *snapshot_dir) {
    static fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = 1; /* one worker: the next call takes the Faaslet the last one left */
    c.reuse = reuse;
    c.snapshot_dir = snapshot_dir;
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    fl_error e = {0};
    for (const char *const *u = (const char *const[]){"alice", "bob", NULL}; *u; u++)
        cr_assert_eq(fl_runtime_add_module(rt, *u, "iso", faaslet_isolation_wasm,
                                           sizeof faaslet_isolation_wasm, &e), 0, "%s", e.message);
}

/* What a clean Faaslet reports: memory 0, the zygote's global 7, the table
 * slot null, 1 page, no /tmp/secret (ENOENT 44), fd 4 closed (EBADF 8). */
static const uint8_t CLEAN[6] = {0, 7, 1, 1, 44, 8};

/* A call leaves a secret in memory, a global, a table slot, a grown
 * memory, a /tmp file and an open fd; the next call on the same warm
 * Faaslet (the pool's counters prove it was reused) and another user's
 * function see none of it. */
Test(faaslet, warm_faaslet_carries_nothing_into_the_next_call) {
    start_iso(FL_REUSE_WARM, NULL);
    uint8_t out[6];
    iso_call("alice", "r", out);
    cr_assert_arr_eq(out, CLEAN, 6, "first call: %d %d %d %d %d %d", out[0], out[1], out[2],
                     out[3], out[4], out[5]);
    for (int round = 0; round < 3; round++) {
        fl_pool_stats before, after;
        fl_runtime_pool_stats(rt, &before);
        iso_call("alice", "w", NULL);
        iso_call("alice", "r", out);
        fl_runtime_pool_stats(rt, &after);
        cr_assert_eq(after.reused - before.reused, 2, "both calls on a warm Faaslet");
        cr_assert_eq(after.built, before.built, "no Faaslet built");
        cr_assert_arr_eq(out, CLEAN, 6, "after a secret: %d %d %d %d %d %d", out[0], out[1],
                         out[2], out[3], out[4], out[5]);
    }
    iso_call("alice", "w", NULL);
    iso_call("bob", "r", out);
    cr_assert_arr_eq(out, CLEAN, 6, "another user's function saw alice's call");
    /* a call that moves its preopen away: the next finds it at fd 3 again */
    iso_call("alice", "n", NULL);
    iso_call("alice", "r", out);
    cr_assert_arr_eq(out, CLEAN, 6, "after a renumbered preopen: %d %d %d %d %d %d", out[0],
                     out[1], out[2], out[3], out[4], out[5]);
    stop();
}

/* The same without a pool: each call restored from the snapshot.  A
 * freed Faaslet's /tmp folder is kept, empty, for the next new one, which
 * may be another user's: not even the times a guest set on it are left. */
Test(faaslet, snapshot_restores_carry_nothing_either) {
    start_iso(FL_REUSE_SNAPSHOT, NULL);
    uint8_t out[6];
    iso_call("alice", "w", NULL);
    iso_call("alice", "r", out);
    cr_assert_arr_eq(out, CLEAN, 6);
    fl_pool_stats st;
    fl_runtime_pool_stats(rt, &st);
    cr_assert_eq(st.restored, 1, "the second call's Faaslet came from the snapshot");
    cr_assert_eq(st.reused, 0);
    for (const char *const *u = (const char *const[]){"alice", "bob", NULL}; *u; u++) {
        iso_call("alice", "t", NULL);
        uint32_t id = fl_runtime_submit(rt, *u, "iso", (const uint8_t *)"m", 1);
        fl_call_result r;
        cr_assert_eq(fl_runtime_await(rt, id, &r), 0);
        cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
        cr_assert_eq(r.output_len, 1);
        cr_assert_eq(r.output[0], 0, "%s's call saw the times alice's call set on /tmp", *u);
        fl_call_result_free(&r);
    }
    stop();
}

/* Snapshots on disk: the next runtime loads the one the last saved; a
 * flipped byte, a truncated file, another module or another runtime root
 * makes the next run refuse it, rebuild it and run correctly. */
Test(faaslet, snapshot_on_disk_is_reused_and_rebuilt_when_anything_changes) {
    char dir[] = "/tmp/test_snap.XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/alice/iso.snap", dir);
    uint8_t out[6];
    fl_pool_stats st;

    start_iso(FL_REUSE_WARM, dir);
    iso_call("alice", "r", out);
    cr_assert_arr_eq(out, CLEAN, 6);
    fl_runtime_pool_stats(rt, &st);
    cr_assert_eq(st.disk_loaded, 0);
    cr_assert_eq(st.disk_saved, 1);
    stop();
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0, "no snapshot saved at %s", path);

    start_iso(FL_REUSE_WARM, dir);
    iso_call("alice", "w", NULL);
    iso_call("alice", "r", out);
    cr_assert_arr_eq(out, CLEAN, 6);
    fl_runtime_pool_stats(rt, &st);
    cr_assert_eq(st.disk_loaded, 1, "the saved snapshot was not used");
    cr_assert_eq(st.disk_saved, 0);
    stop();

    /* damage: a flipped byte in the image, then a truncated file */
    for (int damage = 0; damage < 2; damage++) {
        int fd = open(path, O_RDWR);
        cr_assert_geq(fd, 0);
        if (damage == 0) {
            uint8_t b;
            off_t at = sb.st_size - 100;
            cr_assert_eq(pread(fd, &b, 1, at), 1);
            b ^= 0x40;
            cr_assert_eq(pwrite(fd, &b, 1, at), 1);
        } else {
            cr_assert_eq(ftruncate(fd, sb.st_size - 4096), 0);
        }
        close(fd);
        start_iso(FL_REUSE_WARM, dir);
        iso_call("alice", "r", out);
        cr_assert_arr_eq(out, CLEAN, 6);
        fl_runtime_pool_stats(rt, &st);
        cr_assert_eq(st.disk_loaded, 0, "a damaged snapshot was used");
        cr_assert_eq(st.disk_refused, 1);
        cr_assert_eq(st.disk_saved, 1, "it was not rebuilt");
        stop();
    }

    /* another module under the same name: its own snapshot */
    start_iso(FL_REUSE_WARM, dir);
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "alice", "iso", faaslet_guest_wasm,
                                       sizeof faaslet_guest_wasm, &e), 0);
    uint32_t id = fl_runtime_submit(rt, "alice", "iso", (const uint8_t *)"o", 1);
    fl_call_result r;
    cr_assert_eq(fl_runtime_await(rt, id, &r), 0);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.output_len, 2, "the other module's snapshot ran the old one");
    fl_call_result_free(&r);
    fl_runtime_pool_stats(rt, &st);
    cr_assert_eq(st.disk_loaded, 1, "the old module's snapshot was loaded by the first add");
    cr_assert_eq(st.disk_saved, 1, "the new module's was not saved");
    stop();

    /* another runtime root: rebuilt */
    char root[] = "/tmp/test_root.XXXXXX";
    cr_assert_not_null(mkdtemp(root));
    static fl_runtime_config c;
    for (int changed = 0; changed < 2; changed++) {
        if (changed) {
            char f[PATH_MAX];
            snprintf(f, sizeof f, "%s/new-file", root);
            int fd = open(f, O_CREAT | O_WRONLY, 0644);
            cr_assert_geq(fd, 0);
            close(fd);
        }
        fl_runtime_config_init(&c);
        c.threads = 1;
        c.snapshot_dir = dir;
        c.runtime_root = root;
        char err[200];
        rt = fl_runtime_new(&c, err, sizeof err);
        cr_assert_not_null(rt);
        cr_assert_eq(fl_runtime_add_module(rt, "alice", "iso", faaslet_isolation_wasm,
                                           sizeof faaslet_isolation_wasm, &e), 0);
        fl_runtime_pool_stats(rt, &st);
        cr_assert_eq(st.disk_loaded, 0, "a snapshot made with another runtime root was used");
        /* (fd 3 is the root now, fd 4 /tmp: only the report's first bytes compare) */
        iso_call("alice", "r", out);
        cr_assert_eq(out[0], 0);
        cr_assert_eq(out[1], 7);
        fl_runtime_pool_stats(rt, &st);
        cr_assert_eq(st.disk_saved, 1);
        stop();
    }
    char cmd[PATH_MAX * 2 + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, root);
    cr_assert_eq(system(cmd), 0);
}

/* --tier auto in a long-lived runtime: a module without machine code runs
 * interpreted at once while its code is generated in the background, then
 * new calls switch to it: a C function and Python's runtime alike, with
 * the same outcomes (a trap's kind and message included). */
Test(faaslet, auto_tier_generates_in_the_background_and_switches_new_calls) {
    char dir[] = "/tmp/faaslet-tierup-XXXXXX", p[300];
    cr_assert_not_null(mkdtemp(dir));
    int rc;
    fl_fnstore *fs = fl_fnstore_open(dir, &rc);
    cr_assert_not_null(fs);
    py_background = true;
    start_python_with(fs); /* t/g added: its generation is asked for */
    fl_call_result r;
    expect_ok_call();
    await_result(fl_runtime_submit_python(rt, "pu", "pf", NULL, 0), &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    fl_call_result_free(&r);

    cr_assert(fl_runtime_codegen_wait(rt, 300000), "the generations end");
    fl_pool_stats st;
    fl_runtime_pool_stats(rt, &st);
    cr_assert_eq(st.tiered_up, 2, "t/g and Python's runtime switched (%llu)",
                 (unsigned long long)st.tiered_up);
    uint64_t built = st.built;

    /* the interpreted versions' warm Faaslets are gone: new ones run the
     * machine code */
    expect_ok_call();
    call("r", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_TRAP);
    cr_assert_eq(r.trap, FL_TRAP_STACK_EXHAUSTED, "%s", r.error);
    cr_assert(strstr(r.error, "call stack exhausted"), "%s", r.error);
    fl_call_result_free(&r);
    await_result(fl_runtime_submit_python(rt, "pu", "pf", NULL, 0), &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.retval, 7);
    fl_call_result_free(&r);
    fl_runtime_pool_stats(rt, &st);
    cr_assert_geq(st.built, built + 2, "new Faaslets on the new versions");

    py_background = false;
    stop();
    fl_fnstore_close(fs);
    snprintf(p, sizeof p, "rm -rf %s %s", dir, py_tmp);
    cr_assert_eq(system(p), 0);
}

/* ---- captured stdio ---- */

#include "capture_guest.wasm.h"

/* A runtime whose guests' stdout and stderr go to their call tree's log,
 * with capture_guest as t/cap. */
static void start_capturing(uint32_t max_log_kib) {
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.stdio[1] = c.stdio[2] = FL_WASI_STDIO_CAPTURE;
    c.max_log_kib = max_log_kib;
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "cap", capture_guest_wasm, sizeof capture_guest_wasm,
                                       &e), 0, "%s", e.message);
}

static void call_cap(const char *mode, fl_call_result *res) {
    uint32_t id = fl_runtime_submit(rt, "t", "cap", (const uint8_t *)mode, strlen(mode));
    cr_assert_neq(id, 0);
    cr_assert_eq(fl_runtime_await(rt, id, res), 0);
}

Test(faaslet, captured_stdio_holds_the_trees_prints_in_order) {
    start_capturing(0);
    /* twice: the second call (a warm Faaslet) sees only its own */
    for (int i = 0; i < 2; i++) {
        fl_call_result r;
        call_cap("p", &r);
        cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
        const char *want = "out\nerr\nchild\n";
        cr_assert_eq(r.log_len, strlen(want), "call %d: %zu bytes", i, r.log_len);
        cr_assert_arr_eq(r.log, want, strlen(want));
        cr_assert_eq(r.log_dropped, 0);
        fl_call_result_free(&r);
    }
    stop();
}

Test(faaslet, captured_stdio_keeps_what_was_printed_before_a_trap) {
    start_capturing(0);
    fl_call_result r;
    call_cap("t", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_TRAP);
    cr_assert_eq(r.log_len, 16);
    cr_assert_arr_eq(r.log, "before the trap\n", 16);
    fl_call_result_free(&r);
    stop();
}

Test(faaslet, captured_stdio_past_its_cap_is_counted_not_kept) {
    start_capturing(1);
    fl_call_result r;
    call_cap("f", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.log_len, 1024);
    cr_assert_eq(r.log_dropped, 3000 - 1024);
    for (size_t i = 0; i < r.log_len; i++)
        cr_assert_eq(r.log[i], 'x');
    uint32_t nwritten;
    cr_assert_eq(r.output_len, 4);
    memcpy(&nwritten, r.output, 4);
    cr_assert_eq(nwritten, 1000, "the guest is told every byte went");
    fl_call_result_free(&r);
    stop();
}

Test(faaslet, captured_stdio_is_a_writable_character_device) {
    start_capturing(0);
    fl_call_result r;
    call_cap("s", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.output_len, 4);
    cr_assert_eq(r.output[0], 2, "filetype %d: want character_device", r.output[0]);
    cr_assert_eq(r.output[1], 1, "one event");
    cr_assert_eq(r.output[2], 0, "errno %d", r.output[2]);
    cr_assert_eq(r.output[3], 2, "an fd_write event");
    fl_call_result_free(&r);
    stop();
}

/* A guest that floods its stdout with 6.25 GiB (overlapping buffers) gets
 * its cap kept, the rest counted, and no more memory. */
Test(faaslet, a_flood_of_captured_stdio_keeps_only_its_cap) {
    start_capturing(1);
    fl_call_result r;
    call_cap("F", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.log_len, 1024);
    cr_assert_eq(r.log_dropped, 100ull * 1024 * 65536 - 1024);
    uint32_t nwritten;
    memcpy(&nwritten, r.output, 4);
    cr_assert_eq(nwritten, 1024u * 65536, "each write says it all went");
    fl_call_result_free(&r);
    stop();
}

/* ---- chained calls handed to other hosts (fl_remote_ops), mocked ---- */

typedef struct mock_remote {
    fl_remote_ops ops;
    int sends, counts, spans, take_backs, waits;
    bool answer;       /* wait gives the result below; else no host ever starts it */
    int answer_retval;
    fl_outcome answer_outcome;
    uint32_t last_depth, last_max_calls;
    int32_t last_func_ptr;
} mock_remote;

static bool mock_full(void *ctx) { return true; }
static int mock_span(void *ctx, uint32_t used, uint32_t limit, uint64_t *tree) {
    mock_remote *m = ctx;
    m->spans++;
    *tree = 42;
    return 0;
}
static int mock_count(void *ctx, uint64_t tree, uint32_t limit) {
    mock_remote *m = ctx;
    return ++m->counts > 1 ? -EDQUOT : 0; /* one call is all this tree may chain */
}
static int mock_send(void *ctx, const fl_remote_call *call, void **handle) {
    mock_remote *m = ctx;
    m->sends++;
    m->last_depth = call->depth;
    m->last_max_calls = call->max_calls;
    m->last_func_ptr = call->func_ptr;
    *handle = malloc(1);
    return 0;
}
static int mock_wait(void *ctx, void *handle, unsigned timeout_ms, const volatile int *cancel,
                     fl_call_result *res) {
    mock_remote *m = ctx;
    m->waits++;
    memset(res, 0, sizeof *res);
    if (!m->answer)
        return -ETIMEDOUT;
    res->outcome = m->answer_outcome;
    res->retval = m->answer_retval;
    res->output = malloc(6);
    memcpy(res->output, "remote", 6);
    res->output_len = 6;
    if (m->answer_outcome != FL_OUTCOME_OK)
        res->error = strdup("call tree limit: 9 calls (counted across hosts)");
    return 0;
}
static int mock_take_back(void *ctx, void *handle) {
    mock_remote *m = ctx;
    m->take_backs++;
    return 0;
}
static void mock_drop(void *ctx, void *handle) { free(handle); }

static void start_remote(mock_remote *m) {
    m->ops = (fl_remote_ops){.ctx = m, .full = mock_full, .span = mock_span, .count = mock_count,
                             .send = mock_send, .wait = mock_wait, .take_back = mock_take_back,
                             .drop = mock_drop};
    fl_runtime_config c;
    fl_runtime_config_init(&c);
    c.threads = 1;
    c.max_calls = 50;
    c.remote = &m->ops;
    char err[200] = "";
    rt = fl_runtime_new(&c, err, sizeof err);
    cr_assert_not_null(rt, "%s", err);
    fl_error e = {0};
    cr_assert_eq(fl_runtime_add_module(rt, "t", "g", faaslet_guest_wasm, sizeof faaslet_guest_wasm, &e), 0,
                 "%s", e.message);
}

/* A full host hands the chain on; the result another host posts becomes
 * the chained call's: its output and return value reach the awaiting guest. */
Test(faaslet, a_chained_call_handed_on_returns_its_hosts_result) {
    mock_remote m = {.answer = true, .answer_retval = 9, .answer_outcome = FL_OUTCOME_OK};
    start_remote(&m);
    fl_call_result r;
    call("c", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.retval, 9, "the other host's return value");
    cr_assert_eq(r.output_len, 6);
    cr_assert_arr_eq(r.output, "remote", 6);
    fl_call_result_free(&r);
    cr_assert_eq(m.sends, 1);
    cr_assert_eq(m.spans, 1, "the tree starts to span hosts");
    cr_assert_eq(m.counts, 1, "its chained call counted across hosts");
    cr_assert_eq(m.last_depth, 1, "depth in the tree travels");
    cr_assert_eq(m.last_max_calls, 50, "the tree's limit travels");
    cr_assert_eq(m.last_func_ptr, 1, "the entry point travels");
    stop();
}

/* No host starts it: the waiter takes it back and runs it itself. */
Test(faaslet, a_chained_call_no_host_started_is_taken_back) {
    mock_remote m = {.answer = false};
    start_remote(&m);
    fl_call_result r;
    call("c", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_OK, "%s", r.error ? r.error : "");
    cr_assert_eq(r.retval, 5, "the child ran here");
    cr_assert_eq(r.output_len, 2);
    cr_assert_arr_eq(r.output, "ok", 2);
    fl_call_result_free(&r);
    cr_assert_eq(m.take_backs, 1);
    stop();
}

/* A runaway subtree on another host fails the whole tree here. */
Test(faaslet, a_runaway_subtree_elsewhere_fails_the_tree) {
    mock_remote m = {.answer = true, .answer_retval = 1, .answer_outcome = FL_OUTCOME_LIMIT};
    start_remote(&m);
    fl_call_result r;
    call("c", &r);
    cr_assert_eq(r.outcome, FL_OUTCOME_LIMIT, "%s", r.error ? r.error : "");
    cr_assert(r.error && strstr(r.error, "counted across hosts"), "%s", r.error ? r.error : "");
    fl_call_result_free(&r);
    stop();
}
