/*
 * test_sched.c: the embedded executor of sched/sched.h: results under call
 * ids, binary output, many calls on few threads, chained calls awaiting
 * their children on pools too small to run them side by side, await
 * timeouts, deadlines raising the cancel flag, failures, shutdown with work
 * in flight; call trees: deadlines inherited, failures cancelling
 * unfinished children, runaway trees failed as a whole, chained results
 * kept while their caller runs, budget charges, nested awaits bounded by the
 * C stack left.  The run callback below dispatches on the function name.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sched/sched.h"

/* ---- the test's layer above: a handful of "functions" ---- */

static fl_sched *g_sched;     /* set before the first submit */
static int g_ran;             /* calls run, atomically counted */
static int g_gate;            /* "hang" returns once this is set */
static int g_opaque_freed;
static int g_saw_cancel;      /* "spin" saw its flag raised */
static int g_self_await_rc;
static int g_spinning;        /* "spin" has started */
static int g_submit_after_rc; /* "runaway_root": a submit after its tree failed */

static long elapsed_ms(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* fl_call_watch_fn's watcher in spin_watch: raises the callback's own flag */
static void raise_flag(void *flag) { __atomic_store_n((volatile int *)flag, 1, __ATOMIC_RELAXED); }

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static uint32_t submit(fl_sched *s, const char *fn, const void *in, size_t len,
                       unsigned flags, uint32_t timeout_ms) {
    fl_call_msg m = {.user = "demo", .function = fn, .input = in, .input_len = len,
                     .flags = flags, .timeout_ms = timeout_ms};
    return fl_sched_submit(s, &m);
}

/* "tree": input is a list of fanouts, one per level below this call; it
 * chains fanout[0] children with the rest of the list, awaits them all and
 * returns the number of calls in its subtree (itself included).  Odd
 * children are awaited with their output, which must match their count. */
static void run_tree(const fl_call_info *call, fl_call_sink *sink, int timeout_ms) {
    const int32_t *levels = (const int32_t *)call->msg.input;
    size_t n = call->msg.input_len / sizeof(int32_t);
    int total = 1;
    if (n > 0) {
        int32_t fan = levels[0];
        uint32_t *ids = calloc((size_t)fan, sizeof *ids);
        for (int32_t i = 0; i < fan; i++) {
            ids[i] = submit(g_sched, call->msg.function, levels + 1, (n - 1) * sizeof(int32_t),
                            FL_CALL_KEEP, 0);
            if (!ids[i]) {
                fl_call_set_error(sink, "submit failed");
                free(ids);
                return;
            }
        }
        for (int32_t i = 0; i < fan; i++) {
            int rv = -1;
            if (i % 2) {
                uint8_t *out = NULL;
                size_t len = 0;
                if (fl_sched_await_output(g_sched, ids[i], timeout_ms, &rv, &out, &len) != 0 ||
                    len != sizeof(int) || memcmp(out, &rv, sizeof rv) != 0)
                    fl_call_set_error(sink, "child %u: bad output", ids[i]);
                free(out);
            } else if (fl_sched_await(g_sched, ids[i], timeout_ms, &rv) != 0) {
                fl_call_set_error(sink, "child %u: await failed", ids[i]);
            }
            total += rv;
            fl_sched_release(g_sched, ids[i]);
        }
        free(ids);
    }
    fl_call_set_output(sink, &total, sizeof total);
    fl_call_set_return(sink, total);
}

static void run(void *ctx, const fl_call_info *call, fl_call_sink *sink) {
    (void)ctx;
    const char *fn = call->msg.function;
    __atomic_add_fetch(&g_ran, 1, __ATOMIC_RELAXED);
    if (!strcmp(fn, "echo")) {
        fl_call_set_output(sink, call->msg.input, call->msg.input_len);
        fl_call_set_return(sink, (int)call->msg.input_len);
    } else if (!strcmp(fn, "square")) {
        int x;
        memcpy(&x, call->msg.input, sizeof x);
        int sq = x * x;
        fl_call_set_output(sink, &sq, sizeof sq);
        fl_call_set_return(sink, x % 1000);
    } else if (!strcmp(fn, "fail")) {
        fl_call_set_error(sink, "boom %s", call->msg.user);
        fl_call_set_return(sink, 7);
    } else if (!strcmp(fn, "fail_silent")) {
        fl_call_set_error(sink, "no retval");
    } else if (!strcmp(fn, "tree")) {
        run_tree(call, sink, -1);
    } else if (!strcmp(fn, "tree_timed")) {
        run_tree(call, sink, 60000);
    } else if (!strcmp(fn, "sleep")) {
        int ms;
        memcpy(&ms, call->msg.input, sizeof ms);
        sleep_ms(ms);
    } else if (!strcmp(fn, "blocked")) {
        /* waits on something outside the scheduler until the gate opens */
        fl_call_blocked(sink, true);
        __atomic_store_n(&g_spinning, 1, __ATOMIC_RELEASE);
        for (int i = 0; i < 30000 && !__atomic_load_n(&g_gate, __ATOMIC_ACQUIRE); i++)
            sleep_ms(1);
        fl_call_blocked(sink, false);
    } else if (!strcmp(fn, "hang")) {
        /* until the test opens the gate or the call is cancelled (30 s cap) */
        for (int i = 0; i < 30000; i++) {
            if (__atomic_load_n(&g_gate, __ATOMIC_ACQUIRE) ||
                __atomic_load_n(call->cancel, __ATOMIC_RELAXED))
                break;
            sleep_ms(1);
        }
    } else if (!strcmp(fn, "spin") || !strcmp(fn, "spin_watch")) {
        /* until the cancel flag (or a watched flag of our own) is raised */
        volatile int mine = 0;
        volatile int *flag = call->cancel;
        __atomic_store_n(&g_spinning, 1, __ATOMIC_RELEASE);
        if (!strcmp(fn, "spin_watch")) {
            fl_call_watch_fn(sink, raise_flag, (void *)&mine);
            flag = &mine;
        }
        for (int i = 0; i < 30000 && !__atomic_load_n(flag, __ATOMIC_RELAXED); i++)
            sleep_ms(1);
        if (flag == &mine)
            fl_call_watch_fn(sink, NULL, NULL);
        if (__atomic_load_n(flag, __ATOMIC_RELAXED))
            __atomic_store_n(&g_saw_cancel, 1, __ATOMIC_RELEASE);
        fl_call_set_output(sink, "stopped", 7);
        fl_call_set_return(sink, 42);
    } else if (!strcmp(fn, "self_await")) {
        int rv;
        int rc = fl_sched_await(g_sched, call->id, 1000, &rv);
        __atomic_store_n(&g_self_await_rc, rc, __ATOMIC_RELEASE);
    } else if (!strcmp(fn, "chain_await_hang")) {
        /* a chained call awaiting, with a timeout, a child that never ends */
        uint32_t id = submit(g_sched, "hang", NULL, 0, 0, 0);
        int rv;
        int rc = fl_sched_await(g_sched, id, 100, &rv);
        fl_call_set_return(sink, rc == -ETIMEDOUT ? 1 : 0);
        __atomic_store_n(&g_gate, 1, __ATOMIC_RELEASE);
        fl_sched_await(g_sched, id, -1, &rv);
    } else if (!strcmp(fn, "whoami")) {
        fl_call_set_output(sink, &call->parent, sizeof call->parent);
        fl_call_set_return(sink, (int)call->depth);
    } else if (!strcmp(fn, "check_parent")) {
        /* a chained call names its submitter as parent */
        uint32_t child = submit(g_sched, "whoami", NULL, 0, 0, 0);
        uint8_t *out = NULL;
        size_t len = 0;
        int depth = 0;
        uint32_t parent = 0;
        fl_sched_await_output(g_sched, child, -1, &depth, &out, &len);
        if (len == sizeof parent)
            memcpy(&parent, out, sizeof parent);
        free(out);
        fl_call_set_return(sink, parent == call->id && call->parent == 0 ? depth : -1);
    } else if (!strcmp(fn, "echo_checked")) {
        int rc = fl_call_set_output(sink, call->msg.input, call->msg.input_len);
        if (rc < 0)
            fl_call_set_error(sink, "set_output: %d", rc);
    } else if (!strcmp(fn, "sleepchain")) {
        /* input {n, ms}: sleeps ms (stopping when cancelled), then chains
         * sleepchain(n - 1) with the same absolute deadline and awaits it */
        uint32_t in[2];
        memcpy(in, call->msg.input, sizeof in);
        for (uint32_t i = 0; i < in[1] && !__atomic_load_n(call->cancel, __ATOMIC_RELAXED); i++)
            sleep_ms(1);
        if (in[0] == 0 || __atomic_load_n(call->cancel, __ATOMIC_RELAXED))
            return;
        uint32_t next[2] = {in[0] - 1, in[1]};
        fl_call_msg m = {.function = "sleepchain", .input = (const uint8_t *)next,
                         .input_len = sizeof next, .deadline_ns = call->msg.deadline_ns};
        uint32_t id = fl_sched_submit(g_sched, &m);
        int rv;
        if (!id || fl_sched_await(g_sched, id, -1, &rv) != 0 ||
            fl_sched_status(g_sched, id) != FL_CALL_SUCCESS)
            fl_call_set_error(sink, "child failed");
    } else if (!strcmp(fn, "spawn_then_fail")) {
        /* input k: chains k kept echoes (ids as output), then fails */
        uint32_t k, ids[64];
        memcpy(&k, call->msg.input, sizeof k);
        for (uint32_t i = 0; i < k && i < 64; i++)
            ids[i] = submit(g_sched, "echo", "x", 1, FL_CALL_KEEP, 0);
        fl_call_set_output(sink, ids, k * sizeof *ids);
        fl_call_set_error(sink, "parent failed");
    } else if (!strcmp(fn, "chain_spin")) {
        /* chains a spinning call (run on this stack) and awaits it */
        uint32_t id = submit(g_sched, "spin", NULL, 0, 0, 0);
        fl_sched_await(g_sched, id, -1, NULL);
    } else if (!strcmp(fn, "fail_when_spinning")) {
        /* chains chain_spin (kept: its id is the output), fails once the
         * grandchild spins */
        uint32_t id = submit(g_sched, "chain_spin", NULL, 0, FL_CALL_KEEP, 0);
        fl_call_set_output(sink, &id, sizeof id);
        for (int i = 0; i < 10000 && !__atomic_load_n(&g_spinning, __ATOMIC_ACQUIRE); i++)
            sleep_ms(1);
        fl_call_set_error(sink, "parent failed");
    } else if (!strcmp(fn, "runaway")) {
        fl_sched_fail_tree(g_sched, FL_REASON_USER + 1, "chain depth limit (%d) reached", 3);
    } else if (!strcmp(fn, "runaway_root")) {
        /* ten queued kept echoes, then a runaway call awaited */
        uint32_t ids[10];
        for (int i = 0; i < 10; i++)
            ids[i] = submit(g_sched, "echo", "x", 1, FL_CALL_KEEP, 0);
        fl_call_set_output(sink, ids, sizeof ids);
        uint32_t r = submit(g_sched, "runaway", NULL, 0, 0, 0);
        fl_sched_await(g_sched, r, -1, NULL);
        fl_call_msg m = {.function = "echo"};
        uint32_t late;
        __atomic_store_n(&g_submit_after_rc, fl_sched_submit_call(g_sched, &m, &late),
                         __ATOMIC_RELEASE);
    } else if (!strcmp(fn, "chain_wait_await")) {
        /* input k: chains k echoes, waits until all have finished (without
         * awaiting), then awaits each with its output; returns how many
         * were found with their output */
        uint32_t k, ids[64];
        memcpy(&k, call->msg.input, sizeof k);
        for (uint32_t i = 0; i < k; i++)
            ids[i] = submit(g_sched, "echo", &i, sizeof i, 0, 0);
        for (uint32_t i = 0; i < k; i++)
            for (int t = 0; t < 10000 && fl_sched_status(g_sched, ids[i]) == FL_CALL_QUEUED; t++)
                sleep_ms(1);
        for (uint32_t i = 0; i < k; i++)
            for (int t = 0; t < 10000 && fl_sched_status(g_sched, ids[i]) == FL_CALL_RUNNING; t++)
                sleep_ms(1);
        int found = 0;
        for (uint32_t i = 0; i < k; i++) {
            uint8_t *out = NULL;
            size_t len = 0;
            if (fl_sched_await_output(g_sched, ids[i], 0, NULL, &out, &len) == 0 &&
                len == sizeof i && !memcmp(out, &i, sizeof i))
                found++;
            free(out);
        }
        fl_call_set_output(sink, ids, k * sizeof *ids);
        fl_call_set_return(sink, found);
    } else if (!strcmp(fn, "deep")) {
        /* input n: takes 32 KiB of C stack, chains deep(n - 1) and awaits it;
         * returns n, or fails with the first failure's message */
        uint32_t n;
        memcpy(&n, call->msg.input, sizeof n);
        volatile char *fat = __builtin_alloca(32 << 10); /* on the real stack under ASan too */
        for (size_t i = 0; i < (32 << 10); i += 4096)
            fat[i] = 1;
        if (n == 0)
            return;
        uint32_t m = n - 1;
        uint32_t id = submit(g_sched, "deep", &m, sizeof m, 0, 0);
        int rv = -1;
        if (fl_sched_await(g_sched, id, -1, &rv) != 0) {
            fl_call_set_error(sink, "await failed");
        } else if (fl_sched_status(g_sched, id) != FL_CALL_SUCCESS) {
            char *e = fl_sched_error(g_sched, id);
            fl_call_set_error(sink, "%s", e ? e : "failed");
            free(e);
        } else {
            fl_call_set_return(sink, rv + 1);
        }
    } else if (!strcmp(fn, "await_id")) {
        uint32_t id;
        memcpy(&id, call->msg.input, sizeof id);
        int rv = -1;
        int rc = fl_sched_await(g_sched, id, -1, &rv);
        fl_call_set_return(sink, rc == 0 ? rv : rc);
    } else {
        fl_call_set_error(sink, "no function %s", fn);
    }
}

static void count_free(void *p) {
    free(p);
    __atomic_add_fetch(&g_opaque_freed, 1, __ATOMIC_RELAXED);
}

static fl_sched *make(unsigned nthreads, unsigned max_threads, size_t stack_size) {
    fl_sched_config cfg = {.nthreads = nthreads, .max_threads = max_threads,
                           .stack_size = stack_size, .run = run};
    g_sched = fl_sched_new_config(&cfg);
    cr_assert_not_null(g_sched);
    return g_sched;
}

/* ---- basics ---- */

Test(sched, simple_call) {
    fl_sched *s = make(2, 0, 0);
    uint32_t id = submit(s, "echo", "hello", 5, 0, 0);
    cr_assert_neq(id, 0);
    int rv = -1;
    uint8_t *out;
    size_t len;
    cr_assert_eq(fl_sched_await_output(s, id, -1, &rv, &out, &len), 0);
    cr_assert_eq(rv, 5);
    cr_assert_eq(len, 5);
    cr_assert(memcmp(out, "hello", 5) == 0);
    free(out);
    cr_assert_eq(fl_sched_status(s, id), FL_CALL_SUCCESS);
    cr_assert_null(fl_sched_error(s, id));
    /* the result stays until released; a second await sees it again */
    cr_assert_eq(fl_sched_await(s, id, 0, &rv), 0);
    cr_assert_eq(rv, 5);
    cr_assert_eq(fl_sched_release(s, id), 0);
    cr_assert_eq(fl_sched_status(s, id), FL_CALL_UNKNOWN);
    cr_assert_eq(fl_sched_await(s, id, 0, &rv), -ENOENT);
    cr_assert_eq(fl_sched_release(s, id), -ENOENT);
    cr_assert_eq(fl_sched_await(s, 0, 0, &rv), -ENOENT);
    cr_assert_eq(fl_sched_await(s, 12345, 0, &rv), -ENOENT);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

/* fl_sched_take: the result moved out and the record gone, in one step;
 * the output's budget charge goes back with it. */
Test(sched, take_moves_the_result_out_and_drops_the_record) {
    fl_sched *s = make(1, 0, 0);
    fl_budget *b = fl_budget_new(NULL);
    fl_call_msg m = {.function = "echo", .input = (const uint8_t *)"hello", .input_len = 5,
                     .budget = b, .flags = FL_CALL_KEEP};
    uint32_t id = fl_sched_submit(s, &m);
    cr_assert_neq(id, 0);
    fl_call_taken t;
    cr_assert_eq(fl_sched_take(s, id, -1, &t), 0);
    cr_assert_eq(t.status, FL_CALL_SUCCESS);
    cr_assert_eq(t.reason, FL_REASON_NONE);
    cr_assert_eq(t.retval, 5);
    cr_assert_eq(t.output_len, 5);
    cr_assert(memcmp(t.output, "hello", 5) == 0);
    cr_assert_null(t.error);
    cr_assert_eq(t.budget, b);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 0, "the output is the taker's now");
    cr_assert_eq(fl_sched_status(s, id), FL_CALL_UNKNOWN, "the record is dropped");
    free(t.output);
    fl_budget_unref(t.budget);
    cr_assert_eq(fl_sched_take(s, id, 0, &t), -ENOENT);
    cr_assert_null(t.output);
    fl_call_msg f = {.function = "fail", .user = "u", .flags = FL_CALL_KEEP};
    id = fl_sched_submit(s, &f);
    cr_assert_eq(fl_sched_take(s, id, -1, &t), 0);
    cr_assert_eq(t.status, FL_CALL_FAILED);
    cr_assert_eq(t.reason, FL_REASON_ERROR);
    cr_assert_eq(t.retval, 7);
    cr_assert_str_eq(t.error, "boom u");
    free(t.error);
    fl_sched_free(s, FL_SCHED_DRAIN);
    fl_budget_unref(b);
}

Test(sched, empty_output_and_input) {
    fl_sched *s = make(1, 0, 0);
    uint32_t id = submit(s, "echo", NULL, 0, 0, 0);
    int rv = -1;
    uint8_t *out = (uint8_t *)"x";
    size_t len = 99;
    cr_assert_eq(fl_sched_await_output(s, id, -1, &rv, &out, &len), 0);
    cr_assert_eq(rv, 0);
    cr_assert_null(out);
    cr_assert_eq(len, 0);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

Test(sched, binary_output_with_nuls) {
    fl_sched *s = make(2, 0, 0);
    uint8_t in[300];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i % 3 ? 0 : i); /* mostly NUL bytes, starting with one */
    uint32_t id = submit(s, "echo", in, sizeof in, 0, 0);
    int rv;
    uint8_t *out;
    size_t len;
    cr_assert_eq(fl_sched_await_output(s, id, -1, &rv, &out, &len), 0);
    cr_assert_eq(len, sizeof in);
    cr_assert(memcmp(out, in, sizeof in) == 0);
    free(out);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

Test(sched, ids_unique_nonzero_and_info) {
    fl_sched *s = make(4, 0, 0);
    enum { N = 500 };
    static uint32_t ids[N];
    for (int i = 0; i < N; i++) {
        ids[i] = submit(s, "echo", "x", 1, FL_CALL_KEEP, 0);
        cr_assert_neq(ids[i], 0);
        for (int j = 0; j < i; j++)
            cr_assert_neq(ids[i], ids[j]);
    }
    for (int i = 0; i < N; i++) {
        cr_assert_eq(fl_sched_await(s, ids[i], -1, NULL), 0);
        cr_assert_eq(fl_sched_release(s, ids[i]), 0);
    }
    fl_sched_stats st;
    fl_sched_get_stats(s, &st);
    cr_assert_eq(st.submitted, N);
    cr_assert_eq(st.succeeded, N);
    cr_assert_eq(st.results, 0);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

Test(sched, thousand_calls_four_threads) {
    fl_sched *s = make(4, 4, 0);
    enum { N = 1000 };
    static uint32_t ids[N];
    for (int i = 0; i < N; i++)
        ids[i] = submit(s, "square", &i, sizeof i, FL_CALL_KEEP, 0);
    for (int i = 0; i < N; i++) {
        int rv;
        uint8_t *out;
        size_t len;
        cr_assert_eq(fl_sched_await_output(s, ids[i], -1, &rv, &out, &len), 0);
        cr_assert_eq(rv, i % 1000);
        cr_assert_eq(len, sizeof(int));
        int sq;
        memcpy(&sq, out, sizeof sq);
        cr_assert_eq(sq, i * i);
        free(out);
        fl_sched_release(s, ids[i]);
    }
    fl_sched_stats st;
    fl_sched_get_stats(s, &st);
    cr_assert_eq(st.succeeded, N);
    cr_assert_leq(st.threads_peak, 4);
    fl_sched_free(s, FL_SCHED_DRAIN);
    cr_assert_eq(g_ran, N);
}

/* Several outside threads submitting and awaiting at once. */
static void *client(void *arg) {
    int base = *(int *)arg;
    int bad = 0;
    for (int i = base; i < base + 250; i++) {
        uint32_t id = submit(g_sched, "square", &i, sizeof i, FL_CALL_KEEP, 0);
        int rv = -1;
        if (!id || fl_sched_await(g_sched, id, -1, &rv) != 0 || rv != i % 1000)
            bad++;
        fl_sched_release(g_sched, id);
    }
    return (void *)(intptr_t)bad;
}

Test(sched, concurrent_clients) {
    make(4, 0, 0);
    pthread_t t[4];
    int base[4] = {0, 250, 500, 750};
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, client, &base[i]);
    for (int i = 0; i < 4; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        cr_assert_eq((intptr_t)bad, 0);
    }
    fl_sched_free(g_sched, FL_SCHED_DRAIN);
    cr_assert_eq(g_ran, 1000);
}

/* ---- chaining: a tree of calls, each awaiting its children ---- */

/* Runs the tree given by its fanouts and checks the count it returns. */
static void tree_fn(fl_sched *s, const char *fn, const int32_t *levels, size_t n, int expect) {
    uint32_t id = submit(s, fn, levels, n * sizeof(int32_t), FL_CALL_KEEP, 0);
    int rv = 0;
    cr_assert_eq(fl_sched_await(s, id, 60000, &rv), 0);
    char *err = fl_sched_error(s, id);
    cr_assert_null(err, "tree failed: %s", err);
    cr_assert_eq(fl_sched_status(s, id), FL_CALL_SUCCESS);
    cr_assert_eq(rv, expect);
    fl_sched_release(s, id);
}

static void tree_on(fl_sched *s, const int32_t *levels, size_t n, int expect) {
    tree_fn(s, "tree", levels, n, expect);
}

static const int32_t fan100_deep5[] = {100, 1, 1, 1, 1, 1}; /* 1 + 100 * 6 calls */
static const int32_t fan100_bushy[] = {100, 2, 2, 2, 2};    /* 1 + 100 * 31 */

Test(sched_chain, fan100_deep5_two_threads_no_growth) {
    fl_sched *s = make(2, 2, 0);
    tree_on(s, fan100_deep5, 6, 601);
    tree_on(s, fan100_bushy, 5, 3101);
    fl_sched_stats st;
    fl_sched_get_stats(s, &st);
    cr_assert_leq(st.threads_peak, 2);
    cr_assert_eq(st.spawned, 0);
    cr_assert_gt(st.helped, 0);
    cr_assert_eq(st.failed, 0);
    fl_sched_free(s, FL_SCHED_DRAIN);
    cr_assert_eq(g_ran, 601 + 3101);
}

Test(sched_chain, fan100_deep5_one_thread) {
    fl_sched *s = make(1, 1, 0);
    tree_on(s, fan100_deep5, 6, 601);
    tree_on(s, fan100_bushy, 5, 3101);
    fl_sched_stats st;
    fl_sched_get_stats(s, &st);
    cr_assert_eq(st.threads_peak, 1);
    /* one thread: every chained call ran on the stack of its awaiting parent */
    cr_assert_eq(st.helped, 600 + 3100);
    cr_assert_eq(st.depth_peak, 7); /* the root and 6 levels below */
    fl_sched_free(s, FL_SCHED_DRAIN);
}

Test(sched_chain, fan100_deep5_two_threads_growing) {
    fl_sched *s = make(2, 16, 0);
    tree_on(s, fan100_deep5, 6, 601);
    tree_on(s, fan100_bushy, 5, 3101);
    fl_sched_stats st;
    fl_sched_get_stats(s, &st);
    cr_assert_leq(st.threads_peak, 16);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

/* Awaits with a timeout: handed on to other threads when they can be had,
 * run by the waiter itself when the pool is at its bound. */
Test(sched_chain, timed_awaits) {
    fl_sched *s = make(1, 1, 0);
    tree_fn(s, "tree_timed", fan100_deep5, 6, 601);
    fl_sched_free(s, FL_SCHED_DRAIN);
    s = make(2, 2, 0);
    tree_fn(s, "tree_timed", fan100_bushy, 5, 3101);
    fl_sched_free(s, FL_SCHED_DRAIN);
    s = make(2, 0, 0);
    tree_fn(s, "tree_timed", fan100_deep5, 6, 601);
    fl_sched_stats st;
    fl_sched_get_stats(s, &st);
    cr_assert_gt(st.spawned, 0);
    fl_sched_free(s, FL_SCHED_DRAIN);
    cr_assert_eq(g_ran, 601 * 2 + 3101);
}

/* Several trees at once from outside threads, on 2 workers. */
static void *tree_client(void *arg) {
    (void)arg;
    uint32_t id = submit(g_sched, "tree", fan100_deep5, sizeof fan100_deep5, FL_CALL_KEEP, 0);
    int rv = 0;
    fl_sched_await(g_sched, id, -1, &rv);
    fl_sched_release(g_sched, id);
    return (void *)(intptr_t)rv;
}

Test(sched_chain, concurrent_trees) {
    make(2, 0, 0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, tree_client, NULL);
    for (int i = 0; i < 4; i++) {
        void *rv;
        pthread_join(t[i], &rv);
        cr_assert_eq((intptr_t)rv, 601);
    }
    fl_sched_free(g_sched, FL_SCHED_DRAIN);
}

/* Worker stacks just above the reserve a nested call needs, and calls that
 * each take 32 KiB of it: a few nest, 64 (the old count) would overflow. */
#define SMALL_STACK (FL_CSTACK_CALL_RESERVE + ((size_t)256 << 10))
enum { DEEP = 300 };

/* A chain deeper than the stack left allows nesting: past it, awaited calls
 * go to new threads, and the chain completes. */
Test(sched_chain, stack_bound_spawns) {
    fl_sched *s = make(1, 256, SMALL_STACK);
    uint32_t n = DEEP;
    uint32_t id = submit(s, "deep", &n, sizeof n, FL_CALL_KEEP, 0);
    int rv = -1;
    cr_assert_eq(fl_sched_await(s, id, 60000, &rv), 0);
    char *e = fl_sched_error(s, id);
    cr_assert_eq(fl_sched_status(s, id), FL_CALL_SUCCESS, "%s", e ? e : "");
    cr_assert_eq(rv, DEEP);
    fl_sched_stats st;
    fl_sched_get_stats(s, &st);
    cr_assert_gt(st.handed, 0);
    cr_assert_lt(st.depth_peak, DEEP);
    cr_assert_eq(st.stack_refused, 0);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

/* The same with no thread to spare: the awaited call fails with "call stack
 * exhausted" instead of overflowing the stack (the old count allowed any
 * depth when no thread could be had: a crash on a small stack). */
Test(sched_chain, stack_bound_no_thread_fails_the_awaited_call) {
    fl_sched *s = make(1, 1, SMALL_STACK);
    uint32_t n = DEEP;
    uint32_t id = submit(s, "deep", &n, sizeof n, FL_CALL_KEEP, 0);
    cr_assert_eq(fl_sched_await(s, id, 60000, NULL), 0);
    cr_assert_eq(fl_sched_status(s, id), FL_CALL_FAILED);
    char *e = fl_sched_error(s, id);
    cr_assert(e && strstr(e, "call stack exhausted"), "%s", e ? e : "(none)");
    free(e);
    fl_sched_stats st;
    fl_sched_get_stats(s, &st);
    cr_assert_eq(st.stack_refused, 1);
    cr_assert_eq(st.threads_peak, 1);
    cr_assert_lt(st.depth_peak, DEEP);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

Test(sched_chain, await_self_is_edeadlk) {
    fl_sched *s = make(1, 0, 0);
    uint32_t id = submit(s, "self_await", NULL, 0, 0, 0);
    cr_assert_eq(fl_sched_await(s, id, -1, NULL), 0);
    cr_assert_eq(__atomic_load_n(&g_self_await_rc, __ATOMIC_ACQUIRE), -EDEADLK);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

Test(sched_chain, parent_ids) {
    fl_sched *s = make(1, 1, 0);
    uint32_t id = submit(s, "check_parent", NULL, 0, 0, 0);
    int rv = -1;
    cr_assert_eq(fl_sched_await(s, id, -1, &rv), 0);
    cr_assert_eq(rv, 2); /* the child ran on its parent's stack, one level up */
    fl_sched_free(s, FL_SCHED_DRAIN);
}

/* ---- timeouts and deadlines ---- */

Test(sched_time, await_timeout_on_hanging_call) {
    fl_sched *s = make(2, 0, 0);
    uint32_t id = submit(s, "hang", NULL, 0, 0, 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rv = -1;
    cr_assert_eq(fl_sched_await(s, id, 150, &rv), -ETIMEDOUT);
    long ms = elapsed_ms(&t0);
    cr_assert_geq(ms, 140);
    cr_assert_lt(ms, 5000);
    cr_assert_eq(rv, -1);
    cr_assert_eq(fl_sched_await(s, id, 0, &rv), -ETIMEDOUT);
    cr_assert_eq(fl_sched_status(s, id), FL_CALL_RUNNING);
    __atomic_store_n(&g_gate, 1, __ATOMIC_RELEASE);
    cr_assert_eq(fl_sched_await(s, id, -1, &rv), 0);
    cr_assert_eq(rv, 0);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

Test(sched_time, await_timeout_on_queued_call_from_outside) {
    fl_sched *s = make(1, 1, 0);
    uint32_t a = submit(s, "hang", NULL, 0, 0, 0);
    uint32_t b = submit(s, "echo", "z", 1, 0, 0); /* queued behind a */
    cr_assert_eq(fl_sched_await(s, b, 100, NULL), -ETIMEDOUT);
    cr_assert_eq(fl_sched_status(s, b), FL_CALL_QUEUED);
    __atomic_store_n(&g_gate, 1, __ATOMIC_RELEASE);
    int rv;
    cr_assert_eq(fl_sched_await(s, b, -1, &rv), 0);
    cr_assert_eq(rv, 1);
    cr_assert_eq(fl_sched_await(s, a, -1, &rv), 0);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

Test(sched_time, await_timeout_inside_a_call) {
    fl_sched *s = make(2, 0, 0);
    uint32_t id = submit(s, "chain_await_hang", NULL, 0, 0, 0);
    int rv = -1;
    cr_assert_eq(fl_sched_await(s, id, -1, &rv), 0);
    cr_assert_eq(rv, 1);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

Test(sched_time, deadline_raises_cancel_flag) {
    fl_sched *s = make(2, 0, 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint32_t id = submit(s, "spin", NULL, 0, 0, 100);
    int rv = -1;
    uint8_t *out;
    size_t len;
    cr_assert_eq(fl_sched_await_output(s, id, 10000, &rv, &out, &len), 0);
    long ms = elapsed_ms(&t0);
    cr_assert_geq(ms, 95);
    cr_assert_lt(ms, 5000);
    cr_assert(__atomic_load_n(&g_saw_cancel, __ATOMIC_ACQUIRE));
    cr_assert_eq(fl_sched_status(s, id), FL_CALL_FAILED);
    cr_assert_eq(rv, 42); /* what the call set survives the failure */
    cr_assert_eq(len, 7);
    free(out);
    char *err = fl_sched_error(s, id);
    cr_assert_not_null(err);
    cr_assert_str_eq(err, "call timed out after 100 ms");
    free(err);
    /* the pool goes on */
    uint32_t ok = submit(s, "echo", "ab", 2, 0, 0);
    cr_assert_eq(fl_sched_await(s, ok, -1, &rv), 0);
    cr_assert_eq(rv, 2);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

Test(sched_time, deadline_raises_watched_flag) {
    fl_sched *s = make(1, 0, 0);
    uint32_t id = submit(s, "spin_watch", NULL, 0, 0, 50);
    cr_assert_eq(fl_sched_await(s, id, 10000, NULL), 0);
    cr_assert(__atomic_load_n(&g_saw_cancel, __ATOMIC_ACQUIRE));
    cr_assert_eq(fl_sched_status(s, id), FL_CALL_FAILED);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

/* A call past its deadline while blocked in an await: the await gives up. */
Test(sched_time, deadline_ends_a_blocked_await) {
    fl_sched *s = make(2, 2, 0);
    uint32_t h = submit(s, "hang", NULL, 0, 0, 0);
    while (fl_sched_status(s, h) != FL_CALL_RUNNING)
        sleep_ms(1);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint32_t a = submit(s, "await_id", &h, sizeof h, 0, 100);
    int rv = 0;
    cr_assert_eq(fl_sched_await(s, a, 10000, &rv), 0);
    cr_assert_lt(elapsed_ms(&t0), 5000);
    cr_assert_eq(rv, -ECANCELED);
    cr_assert_eq(fl_sched_status(s, a), FL_CALL_FAILED);
    cr_assert_eq(fl_sched_status(s, h), FL_CALL_RUNNING);
    __atomic_store_n(&g_gate, 1, __ATOMIC_RELEASE);
    cr_assert_eq(fl_sched_await(s, h, 10000, &rv), 0);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

Test(sched_time, many_deadlines_in_order) {
    fl_sched *s = make(8, 8, 0);
    uint32_t ids[8];
    for (int i = 0; i < 8; i++)
        ids[i] = submit(s, "spin", NULL, 0, 0, (uint32_t)(400 - 40 * i));
    for (int i = 0; i < 8; i++) {
        int rv;
        cr_assert_eq(fl_sched_await(s, ids[i], 10000, &rv), 0);
        cr_assert_eq(fl_sched_status(s, ids[i]), FL_CALL_FAILED);
    }
    /* a call that ends in time is not failed by its deadline */
    int ms = 5;
    uint32_t quick = submit(s, "sleep", &ms, sizeof ms, 0, 2000);
    cr_assert_eq(fl_sched_await(s, quick, -1, NULL), 0);
    cr_assert_eq(fl_sched_status(s, quick), FL_CALL_SUCCESS);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

/* ---- failures ---- */

Test(sched_fail, failing_calls_and_pool_goes_on) {
    fl_sched *s = make(3, 0, 0);
    enum { N = 60 };
    uint32_t ids[N];
    for (int i = 0; i < N; i++) {
        const char *fn = i % 3 == 0 ? "fail" : i % 3 == 1 ? "fail_silent" : "echo";
        ids[i] = submit(s, fn, "abc", 3, FL_CALL_KEEP, 0);
    }
    for (int i = 0; i < N; i++) {
        int rv = -5;
        cr_assert_eq(fl_sched_await(s, ids[i], -1, &rv), 0);
        char *err = fl_sched_error(s, ids[i]);
        if (i % 3 == 0) {
            cr_assert_eq(fl_sched_status(s, ids[i]), FL_CALL_FAILED);
            cr_assert_eq(rv, 7);
            cr_assert_str_eq(err, "boom demo");
        } else if (i % 3 == 1) {
            cr_assert_eq(fl_sched_status(s, ids[i]), FL_CALL_FAILED);
            cr_assert_eq(rv, 1); /* failed without a return value */
            cr_assert_str_eq(err, "no retval");
        } else {
            cr_assert_eq(fl_sched_status(s, ids[i]), FL_CALL_SUCCESS);
            cr_assert_eq(rv, 3);
            cr_assert_null(err);
        }
        free(err);
    }
    uint32_t bad = submit(s, "nonexistent", NULL, 0, 0, 0);
    cr_assert_eq(fl_sched_await(s, bad, -1, NULL), 0);
    cr_assert_eq(fl_sched_status(s, bad), FL_CALL_FAILED);
    fl_sched_stats st;
    fl_sched_get_stats(s, &st);
    cr_assert_eq(st.failed, 41);
    cr_assert_eq(st.succeeded, 20);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

Test(sched_fail, bad_arguments) {
    cr_assert_null(fl_sched_new(0, run, NULL));
    cr_assert_null(fl_sched_new(1, NULL, NULL));
    fl_sched *s = make(1, 0, 0);
    fl_call_msg m = {.function = "echo", .input = NULL, .input_len = 4};
    cr_assert_eq(fl_sched_submit(s, &m), 0);
    cr_assert_eq(fl_sched_submit(s, NULL), 0);
    fl_sched_free(s, FL_SCHED_DRAIN);
    fl_sched_free(NULL, FL_SCHED_DRAIN);
}

/* ---- call trees ---- */

/* One deadline for a chain: each level sleeps 100 ms, then chains the next
 * with the same absolute deadline (350 ms from submit).  The root fails as
 * a timeout at about 350 ms having run 4 levels, not after 10 levels. */
Test(sched_tree, a_chain_inherits_the_absolute_deadline) {
    fl_sched *s = make(2, 0, 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint32_t in[2] = {9, 100};
    fl_call_msg m = {.function = "sleepchain", .input = (const uint8_t *)in,
                     .input_len = sizeof in, .deadline_ns = fl_monotonic_ns() + 350000000u,
                     .flags = FL_CALL_KEEP};
    uint32_t id = fl_sched_submit(s, &m);
    cr_assert_eq(fl_sched_await(s, id, 10000, NULL), 0);
    long ms = elapsed_ms(&t0);
    cr_assert_eq(fl_sched_status(s, id), FL_CALL_FAILED);
    cr_assert_eq(fl_sched_reason(s, id), FL_REASON_DEADLINE);
    char *e = fl_sched_error(s, id);
    cr_assert(e && strstr(e, "timed out"), "%s", e ? e : "(none)");
    free(e);
    cr_assert_geq(ms, 340);
    cr_assert_lt(ms, 800, "%ld ms", ms);
    cr_assert_leq(g_ran, 5);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

/* A call that fails with chained calls still queued: they finish failed,
 * cancelled, without running (one worker: they were never taken). */
Test(sched_tree, a_failed_call_cancels_its_queued_children_unrun) {
    fl_sched *s = make(1, 1, 0);
    uint32_t k = 20;
    uint32_t id = submit(s, "spawn_then_fail", &k, sizeof k, FL_CALL_KEEP, 0);
    uint8_t *out = NULL;
    size_t len = 0;
    cr_assert_eq(fl_sched_await_output(s, id, 10000, NULL, &out, &len), 0);
    cr_assert_eq(len, k * sizeof(uint32_t));
    cr_assert_eq(fl_sched_status(s, id), FL_CALL_FAILED);
    fl_sched_free(s, FL_SCHED_DRAIN); /* a drain would run anything still queued */
    s = NULL;
    cr_assert_eq(g_ran, 1, "%d calls ran", g_ran);
    free(out);
}

/* The same, looked at before shutdown: each child is failed as cancelled. */
Test(sched_tree, cancelled_children_say_why) {
    fl_sched *s = make(1, 1, 0);
    uint32_t k = 5, ids[5];
    uint32_t id = submit(s, "spawn_then_fail", &k, sizeof k, FL_CALL_KEEP, 0);
    uint8_t *out = NULL;
    size_t len = 0;
    cr_assert_eq(fl_sched_await_output(s, id, 10000, NULL, &out, &len), 0);
    memcpy(ids, out, sizeof ids);
    free(out);
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(fl_sched_status(s, ids[i]), FL_CALL_FAILED);
        cr_assert_eq(fl_sched_reason(s, ids[i]), FL_REASON_CANCELLED);
        char *e = fl_sched_error(s, ids[i]);
        cr_assert(e && !strcmp(e, "cancelled: the calling call failed"), "%s", e ? e : "");
        free(e);
    }
    fl_sched_stats st;
    fl_sched_get_stats(s, &st);
    cr_assert_eq(st.cancelled, 5);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

/* A failing call raises the flags of its running descendants, down the
 * tree: a grandchild spinning on another thread's stack stops at once. */
Test(sched_tree, a_failed_call_raises_its_running_descendants_flags) {
    fl_sched *s = make(2, 0, 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint32_t id = submit(s, "fail_when_spinning", NULL, 0, FL_CALL_KEEP, 0);
    uint8_t *out = NULL;
    size_t len = 0;
    cr_assert_eq(fl_sched_await_output(s, id, 10000, NULL, &out, &len), 0);
    cr_assert_eq(len, sizeof(uint32_t));
    uint32_t child;
    memcpy(&child, out, sizeof child);
    free(out);
    cr_assert_eq(fl_sched_await(s, child, 10000, NULL), 0);
    cr_assert(__atomic_load_n(&g_saw_cancel, __ATOMIC_ACQUIRE));
    cr_assert_lt(elapsed_ms(&t0), 5000);
    cr_assert_eq(fl_sched_reason(s, child), FL_REASON_CANCELLED);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

/* fl_sched_fail_tree: the root fails with the runaway's message and
 * reason, every other call of the tree is cancelled (the queued echoes
 * never run) and nothing more may be chained into it. */
Test(sched_tree, a_runaway_fails_the_whole_tree) {
    fl_sched *s = make(1, 1, 0);
    uint32_t id = submit(s, "runaway_root", NULL, 0, FL_CALL_KEEP, 0);
    uint8_t *out = NULL;
    size_t len = 0;
    cr_assert_eq(fl_sched_await_output(s, id, 10000, NULL, &out, &len), 0);
    cr_assert_eq(fl_sched_status(s, id), FL_CALL_FAILED);
    cr_assert_eq(fl_sched_reason(s, id), FL_REASON_USER + 1);
    char *e = fl_sched_error(s, id);
    cr_assert(e && !strcmp(e, "chain depth limit (3) reached"), "%s", e ? e : "(none)");
    free(e);
    cr_assert_eq(len, 10 * sizeof(uint32_t));
    for (int i = 0; i < 10; i++) {
        uint32_t echo;
        memcpy(&echo, out + i * sizeof echo, sizeof echo);
        cr_assert_eq(fl_sched_status(s, echo), FL_CALL_FAILED);
        e = fl_sched_error(s, echo);
        cr_assert(e && !strcmp(e, "cancelled: the call tree failed"), "%s", e ? e : "");
        free(e);
    }
    free(out);
    cr_assert_eq(__atomic_load_n(&g_submit_after_rc, __ATOMIC_ACQUIRE), -ECANCELED);
    fl_sched_free(s, FL_SCHED_DRAIN);
    cr_assert_eq(g_ran, 2, "%d calls ran", g_ran); /* the root and the runaway */
}

/* A chained result is kept while its caller runs, however many finish
 * (the bounded history holds 10 here), and released when the caller ends. */
Test(sched_tree, chained_results_are_kept_while_the_caller_runs) {
    fl_sched_config cfg = {.nthreads = 2, .max_history = 10, .run = run};
    fl_sched *s = g_sched = fl_sched_new_config(&cfg);
    uint32_t k = 50;
    uint32_t id = submit(s, "chain_wait_await", &k, sizeof k, FL_CALL_KEEP, 0);
    int rv = -1;
    uint8_t *out = NULL;
    size_t len = 0;
    cr_assert_eq(fl_sched_await_output(s, id, 20000, &rv, &out, &len), 0);
    cr_assert_eq(rv, 50, "%d of 50 results found", rv);
    cr_assert_eq(len, k * sizeof(uint32_t));
    for (uint32_t i = 0; i < k; i++) {
        uint32_t child;
        memcpy(&child, out + i * sizeof child, sizeof child);
        cr_assert_eq(fl_sched_status(s, child), FL_CALL_UNKNOWN);
    }
    free(out);
    fl_sched_stats st;
    fl_sched_get_stats(s, &st);
    cr_assert_eq(st.results, 1); /* the root's, kept */
    fl_sched_free(s, FL_SCHED_DRAIN);
}

/* Inputs are charged to the budget until the call ends, outputs until the
 * result is freed; a charge past the limit is refused. */
Test(sched_tree, inputs_and_outputs_are_charged_to_the_budget) {
    fl_sched *s = make(1, 1, 0);
    fl_budget_limits lim = {.memory_bytes = 1000};
    fl_budget *b = fl_budget_new(&lim);
    uint8_t buf[700] = {0};
    fl_call_msg m = {.function = "echo_checked", .input = buf, .input_len = 400,
                     .budget = b, .flags = FL_CALL_KEEP};
    uint32_t id = fl_sched_submit(s, &m);
    cr_assert_neq(id, 0);
    cr_assert_eq(fl_sched_await(s, id, 10000, NULL), 0);
    cr_assert_eq(fl_sched_status(s, id), FL_CALL_SUCCESS);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 400); /* the output, kept */
    cr_assert_eq(fl_budget_peak(b, FL_BUDGET_MEMORY), 800); /* input + output */
    /* 400 kept + a 700-byte input: refused at submit */
    m.input_len = 700;
    uint32_t id2 = 0;
    cr_assert_eq(fl_sched_submit_call(s, &m, &id2), -EDQUOT);
    cr_assert_eq(id2, 0);
    cr_assert_eq(fl_sched_release(s, id), 0);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 0);
    /* a 600-byte input fits, its 600-byte output on top does not */
    m.input_len = 600;
    id = fl_sched_submit(s, &m);
    cr_assert_neq(id, 0);
    cr_assert_eq(fl_sched_await(s, id, 10000, NULL), 0);
    char *e = fl_sched_error(s, id);
    cr_assert(e && strstr(e, "set_output: -122"), "%s", e ? e : "(none)"); /* -EDQUOT */
    free(e);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 0);
    cr_assert(fl_budget_refused(b, FL_BUDGET_MEMORY));
    cr_assert_eq(fl_sched_release(s, id), 0);
    fl_sched_free(s, FL_SCHED_DRAIN);
    fl_budget_unref(b);
}

/* ---- results: kept, history, release ---- */

Test(sched_results, bounded_history_for_unkept) {
    fl_sched_config cfg = {.nthreads = 2, .max_history = 10, .run = run};
    fl_sched *s = g_sched = fl_sched_new_config(&cfg);
    enum { N = 50 };
    uint32_t ids[N], kept;
    kept = submit(s, "echo", "k", 1, FL_CALL_KEEP, 0);
    for (int i = 0; i < N; i++) {
        ids[i] = submit(s, "echo", "x", 1, 0, 0);
        cr_assert_eq(fl_sched_await(s, ids[i], -1, NULL), 0);
    }
    for (int i = 0; i < N - 10; i++)
        cr_assert_eq(fl_sched_status(s, ids[i]), FL_CALL_UNKNOWN);
    for (int i = N - 10; i < N; i++)
        cr_assert_eq(fl_sched_status(s, ids[i]), FL_CALL_SUCCESS);
    cr_assert_eq(fl_sched_status(s, kept), FL_CALL_SUCCESS);
    fl_sched_stats st;
    fl_sched_get_stats(s, &st);
    cr_assert_eq(st.results, 11);
    cr_assert_eq(fl_sched_release(s, kept), 0);
    cr_assert_eq(fl_sched_status(s, kept), FL_CALL_UNKNOWN);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

Test(sched_results, release_before_finish) {
    fl_sched *s = make(1, 0, 0);
    uint32_t id = submit(s, "hang", NULL, 0, FL_CALL_KEEP, 0);
    cr_assert_eq(fl_sched_release(s, id), 0);
    cr_assert_eq(fl_sched_status(s, id), FL_CALL_UNKNOWN);
    __atomic_store_n(&g_gate, 1, __ATOMIC_RELEASE);
    /* still runs; its result is dropped when it ends (ASan checks the leak) */
    fl_sched_free(s, FL_SCHED_DRAIN);
    cr_assert_eq(g_ran, 1);
}

Test(sched_results, opaque_freed_once) {
    fl_sched *s = make(2, 0, 0);
    for (int i = 0; i < 20; i++) {
        fl_call_msg m = {.function = "echo", .opaque = malloc(16), .opaque_free = count_free};
        cr_assert_neq(fl_sched_submit(s, &m), 0);
    }
    fl_sched_free(s, FL_SCHED_DRAIN);
    cr_assert_eq(g_opaque_freed, 20);
}

/* ---- shutdown ---- */

Test(sched_stop, drain_runs_everything_queued) {
    fl_sched *s = make(2, 0, 0);
    int ms = 1;
    for (int i = 0; i < 100; i++)
        submit(s, "sleep", &ms, sizeof ms, 0, 0);
    submit(s, "tree", fan100_deep5, sizeof fan100_deep5, 0, 0);
    fl_sched_free(s, FL_SCHED_DRAIN);
    cr_assert_eq(g_ran, 100 + 601);
}

Test(sched_stop, cancel_with_work_in_flight) {
    fl_sched *s = make(2, 0, 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 4; i++)
        submit(s, "spin", NULL, 0, 0, 0); /* only stop when cancelled */
    int ms = 20;
    for (int i = 0; i < 200; i++) {
        fl_call_msg m = {.function = "sleep", .input = (const uint8_t *)&ms,
                         .input_len = sizeof ms, .opaque = malloc(8), .opaque_free = count_free};
        fl_sched_submit(s, &m);
    }
    submit(s, "tree", fan100_bushy, sizeof fan100_bushy, 0, 0);
    sleep_ms(30);
    fl_sched_free(s, FL_SCHED_CANCEL);
    cr_assert_lt(elapsed_ms(&t0), 5000);
    cr_assert_eq(g_opaque_freed, 200);
    cr_assert(__atomic_load_n(&g_saw_cancel, __ATOMIC_ACQUIRE));
}

Test(sched_stop, cancel_tree_in_flight) {
    fl_sched *s = make(2, 0, 0);
    for (int i = 0; i < 3; i++)
        submit(s, "tree", fan100_bushy, sizeof fan100_bushy, 0, 0);
    sleep_ms(5);
    fl_sched_free(s, FL_SCHED_CANCEL);
}

Test(sched_stop, submit_after_stop_from_outside_fails) {
    /* a fresh scheduler freed at once: no threads left behind */
    for (int i = 0; i < 20; i++) {
        fl_sched *s = make(3, 0, 0);
        fl_sched_free(s, i % 2 ? FL_SCHED_CANCEL : FL_SCHED_DRAIN);
    }
}

Test(sched_stop, spares_retire_when_idle) {
    fl_sched_config cfg = {.nthreads = 2, .max_threads = 8, .spare_idle_ms = 50, .run = run};
    fl_sched *s = g_sched = fl_sched_new_config(&cfg);
    /* a hanging call takes one worker, a call awaiting it blocks the
     * other: the blocked one's slot goes to a spare for the queued echoes */
    uint32_t h = submit(s, "hang", NULL, 0, 0, 0);
    uint32_t a = submit(s, "await_id", &h, sizeof h, 0, 0);
    uint32_t e[5];
    for (int i = 0; i < 5; i++)
        e[i] = submit(s, "echo", "e", 1, 0, 0);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(fl_sched_await(s, e[i], 10000, NULL), 0);
    fl_sched_stats st;
    fl_sched_get_stats(s, &st);
    cr_assert_gt(st.spawned, 0);
    __atomic_store_n(&g_gate, 1, __ATOMIC_RELEASE);
    int rv = -1;
    cr_assert_eq(fl_sched_await(s, a, 10000, &rv), 0);
    cr_assert_eq(rv, 0);
    for (int i = 0; i < 100; i++) {
        sleep_ms(20);
        fl_sched_get_stats(s, &st);
        if (st.threads == 2)
            break;
    }
    cr_assert_eq(st.threads, 2);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

/* A call blocked on something outside (a result from another host) does
 * not hold its worker's place: on one worker, another call runs meanwhile. */
Test(sched, a_call_blocked_outside_leaves_room) {
    g_gate = 0;
    g_spinning = 0;
    fl_sched *s = fl_sched_new(1, run, NULL);
    g_sched = s;
    uint32_t blocked = submit(s, "blocked", NULL, 0, FL_CALL_KEEP, 0);
    while (!__atomic_load_n(&g_spinning, __ATOMIC_ACQUIRE))
        sleep_ms(1);
    uint32_t id = submit(s, "echo", "hi", 2, FL_CALL_KEEP, 0);
    cr_assert_eq(fl_sched_await(s, id, 5000, NULL), 0, "the other call ran beside it");
    fl_sched_stats st;
    fl_sched_get_stats(s, &st);
    cr_assert_eq(st.busy, 0, "a blocked call is not busy");
    __atomic_store_n(&g_gate, 1, __ATOMIC_RELEASE);
    cr_assert_eq(fl_sched_await(s, blocked, 5000, NULL), 0);
    fl_sched_free(s, FL_SCHED_DRAIN);
}
