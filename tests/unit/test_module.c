/*
 * test_module.c: fl_module_load as a whole (engine/module.h): work linear
 * in the module's size on the shapes that once made decoding, validation or
 * the interpreter's compiler quadratic, and loading stopped by the
 * interrupt flag of fl_load_opts, in every phase and inside one long body.
 * Also instantiation, whose interning of types was quadratic as well.
 *
 * Linearity is measured, not counted: the CPU time of loading a shape at
 * size n and at 16n, best of three; linear work gives a ratio near 16,
 * quadratic work 256, and the bound of 64 leaves room for caches and noise.
 * (Reverted to quadratic, a test fails within seconds: each load runs under
 * the interrupt flag, raised at 200 times the small load's time.)
 */
#include <criterion/criterion.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "engine/config.h"
#include "engine/decode.h"
#include "engine/module.h"
#include "engine/runtime.h"
#include "engine/validate.h"
#include "interp/interp.h"

#include "wasm_builder.h"

/* A module of `ntypes` types (type 0 is [] -> []) given in `types`, one
 * function per body of `bodies` (type `functype`), exported "f" (the first). */
static void module(hbuf *h, const hbuf *types, uint32_t ntypes, const hbuf *bodies,
                   uint32_t nbodies, uint32_t functype) {
    hbuf s = {0};
    hheader(h);
    hleb(&s, ntypes);
    hput(&s, types->b, types->n);
    hsection(h, 1, &s);
    s.n = 0;
    hleb(&s, nbodies);
    for (uint32_t i = 0; i < nbodies; i++)
        hleb(&s, functype);
    hsection(h, 3, &s);
    s.n = 0;
    static const uint8_t exp[] = {0x01, 0x01, 'f', 0x00, 0x00};
    hput(&s, exp, sizeof exp);
    hsection(h, 7, &s);
    s.n = 0;
    hleb(&s, nbodies);
    hput(&s, bodies->b, bodies->n);
    hsection(h, 10, &s);
    hfree(&s);
}

/* Appends body[0..n) to bodies with its size. */
static void add_body(hbuf *bodies, const hbuf *body) {
    hleb(bodies, (uint32_t)body->n);
    hput(bodies, body->b, body->n);
}

/* A module of one function (type 0) whose body is `body`, with `ntypes`
 * types; frees types and body. */
static void one_function_module(hbuf *h, hbuf *types, uint32_t ntypes, hbuf *body) {
    hbuf bodies = {0};
    add_body(&bodies, body);
    module(h, types, ntypes, &bodies, 1, 0);
    hfree(types);
    hfree(body);
    hfree(&bodies);
}

static void put_n(hbuf *h, const uint8_t *bytes, size_t len, uint32_t times) {
    for (uint32_t i = 0; i < times; i++)
        hput(h, bytes, len);
}

static const uint8_t void_type[] = {0x60, 0x00, 0x00};

/* F07a: a lazy local.get under n constants, then n local.set of another
 * local (each once scanned the whole virtual stack). */
static void shape_lazy_local_under_sets(hbuf *h, uint32_t n) {
    hbuf types = {0}, body = {0};
    hput(&types, void_type, sizeof void_type);
    static const uint8_t head[] = {0x01, 0x02, 0x7f, 0x20, 0x00};
    static const uint8_t cst[] = {0x41, 0x00}, set1[] = {0x41, 0x00, 0x21, 0x01};
    hput(&body, head, sizeof head);
    put_n(&body, cst, sizeof cst, n);
    put_n(&body, set1, sizeof set1, n);
    hfill(&body, 0x1a, (size_t)n + 1);
    hbyte(&body, 0x0b);
    one_function_module(h, &types, 1, &body);
}

/* n constants, then n times: local.get 0, block end, drop (each block
 * entry once scanned the stack for lazy locals). */
static void shape_blocks_over_a_deep_stack(hbuf *h, uint32_t n) {
    hbuf types = {0}, body = {0};
    hput(&types, void_type, sizeof void_type);
    static const uint8_t cst[] = {0x41, 0x00}, blk[] = {0x20, 0x00, 0x02, 0x40, 0x0b, 0x1a};
    hbyte(&body, 0x01);
    hbyte(&body, 0x01);
    hbyte(&body, 0x7f);
    put_n(&body, cst, sizeof cst, n);
    put_n(&body, blk, sizeof blk, n);
    hfill(&body, 0x1a, n);
    hbyte(&body, 0x0b);
    one_function_module(h, &types, 1, &body);
}

/* F07b: a br_table of n targets to a label of n / 64 values (was checked
 * and compiled once per target and value: n * n / 64). */
static void shape_wide_br_table(hbuf *h, uint32_t n) {
    hbuf types = {0}, body = {0};
    uint32_t k = n / 64;
    hput(&types, void_type, sizeof void_type);
    hbyte(&types, 0x60);
    hbyte(&types, 0x00);
    hleb(&types, k);
    hfill(&types, 0x7f, k);
    static const uint8_t cst[] = {0x41, 0x00};
    static const uint8_t head[] = {0x00, 0x02, 0x01};
    hput(&body, head, sizeof head);
    put_n(&body, cst, sizeof cst, k + 1);
    hbyte(&body, 0x0e);
    hleb(&body, n);
    hfill(&body, 0x00, (size_t)n + 1);
    hbyte(&body, 0x0b);
    hfill(&body, 0x1a, k);
    hbyte(&body, 0x0b);
    one_function_module(h, &types, 2, &body);
}

/* n nested blocks, then n small br_tables inside them (each once reset a
 * per-depth array: depth times count). */
static void shape_br_tables_deep_inside(hbuf *h, uint32_t n) {
    hbuf types = {0}, body = {0};
    hput(&types, void_type, sizeof void_type);
    static const uint8_t blk[] = {0x02, 0x40};
    /* i32.const 0, if, i32.const 0, br_table [0] 0, end */
    static const uint8_t tbl[] = {0x41, 0x00, 0x04, 0x40, 0x41, 0x00, 0x0e, 0x01, 0x00, 0x00, 0x0b};
    hbyte(&body, 0x00);
    put_n(&body, blk, sizeof blk, n);
    put_n(&body, tbl, sizeof tbl, n);
    hfill(&body, 0x0b, (size_t)n + 1);
    one_function_module(h, &types, 1, &body);
}

/* n functions of type [] -> [] declaring `locals` locals each. */
static void shape_functions_with_locals(hbuf *h, uint32_t n, uint32_t locals) {
    hbuf types = {0}, body = {0}, bodies = {0};
    hput(&types, void_type, sizeof void_type);
    hbyte(&body, 0x01);
    hleb(&body, locals);
    hbyte(&body, 0x7f);
    hbyte(&body, 0x0b);
    for (uint32_t i = 0; i < n; i++)
        add_body(&bodies, &body);
    module(h, &types, 1, &bodies, n, 0);
    hfree(&types);
    hfree(&body);
    hfree(&bodies);
}

/* n distinct types (ten params of four value types) and one function. */
static void shape_many_types(hbuf *h, uint32_t n) {
    hbuf types = {0}, body = {0};
    hput(&types, void_type, sizeof void_type);
    static const uint8_t vals[4] = {0x7f, 0x7e, 0x7d, 0x7c};
    for (uint32_t i = 0; i < n; i++) {
        hbyte(&types, 0x60);
        hbyte(&types, 10);
        for (uint32_t k = 0, x = i; k < 10; k++, x /= 4)
            hbyte(&types, vals[x % 4]);
        hbyte(&types, 0x00);
    }
    static const uint8_t end[] = {0x00, 0x0b};
    hput(&body, end, sizeof end);
    one_function_module(h, &types, n + 1, &body);
}

/* A function of type [i32 x k] -> [i32 x k] (returning its params), k
 * constants, then n calls of it, and n blocks of that type holding
 * `unreachable`: each call or block passes k values. */
static void shape_wide_calls_and_blocks(hbuf *h, uint32_t n, uint32_t k) {
    hbuf types = {0}, body = {0}, bodies = {0};
    hput(&types, void_type, sizeof void_type);
    hbyte(&types, 0x60);
    hleb(&types, k);
    hfill(&types, 0x7f, k);
    hleb(&types, k);
    hfill(&types, 0x7f, k);
    /* f0 ([] -> []): k constants, n x (call 1), n x (block (type 1) unreachable end), drops */
    static const uint8_t cst[] = {0x41, 0x00}, call[] = {0x10, 0x01},
                         blk[] = {0x02, 0x01, 0x00, 0x0b};
    hbyte(&body, 0x00);
    put_n(&body, cst, sizeof cst, k);
    put_n(&body, call, sizeof call, n);
    put_n(&body, blk, sizeof blk, n);
    hfill(&body, 0x1a, k);
    hbyte(&body, 0x0b);
    add_body(&bodies, &body);
    /* f1: local.get 0 ... local.get k-1 */
    body.n = 0;
    hbyte(&body, 0x00);
    for (uint32_t i = 0; i < k; i++) {
        hbyte(&body, 0x20);
        hleb(&body, i);
    }
    hbyte(&body, 0x0b);
    add_body(&bodies, &body);
    hbuf s = {0};
    hheader(h);
    hbyte(&s, 0x02);
    hput(&s, types.b, types.n);
    hsection(h, 1, &s);
    s.n = 0;
    static const uint8_t funcs[] = {0x02, 0x00, 0x01};
    hput(&s, funcs, sizeof funcs);
    hsection(h, 3, &s);
    s.n = 0;
    hbyte(&s, 0x02);
    hput(&s, bodies.b, bodies.n);
    hsection(h, 10, &s);
    hfree(&s);
    hfree(&types);
    hfree(&body);
    hfree(&bodies);
}

/* CPU seconds of this thread. */
static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

typedef struct raiser {
    volatile int flag;
    long after_us;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
} raiser;

/* Raises r->flag after r->after_us unless r->done is set first. */
static void *raise_later(void *arg) {
    raiser *r = arg;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += r->after_us / 1000000;
    until.tv_nsec += (r->after_us % 1000000) * 1000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&r->lock);
    while (!r->done)
        if (pthread_cond_timedwait(&r->cond, &r->lock, &until) != 0) {
            __atomic_store_n(&r->flag, 1, __ATOMIC_RELAXED);
            break;
        }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static void raiser_start(raiser *r, pthread_t *th, double after_s) {
    r->flag = 0;
    r->after_us = (long)(after_s * 1e6);
    r->done = false;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    cr_assert_eq(pthread_create(th, NULL, raise_later, r), 0);
}

static void raiser_stop(raiser *r, pthread_t th) {
    pthread_mutex_lock(&r->lock);
    r->done = true;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
    pthread_join(th, NULL);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
}

/* Best CPU time of three loads of h, each stopped (and the test failed)
 * after `limit_s` seconds of wall time. */
static double load_cpu(const hbuf *h, double limit_s) {
    double best = 1e9;
    for (int i = 0; i < 3; i++) {
        fl_error err;
        raiser r;
        pthread_t th;
        raiser_start(&r, &th, limit_s);
        fl_load_opts opts = {.interrupt = &r.flag};
        double t0 = cpu_now();
        fl_module *m = fl_module_load_opts(h->b, h->n, &opts, &err);
        double t = cpu_now() - t0;
        raiser_stop(&r, th);
        cr_assert_not_null(m, "load of %zu bytes: %s at %zu (after %.2f s of CPU)", h->n,
                           err.message, err.offset, t);
        fl_module_free(m);
        if (t < best)
            best = t;
    }
    return best;
}

/* Loading shape(16n) costs at most 64 times loading shape(n): linear work
 * gives about 16 (a little more where the bigger module leaves the caches),
 * quadratic 256. */
static void expect_linear(const char *what, void (*shape)(hbuf *, uint32_t), uint32_t n) {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    hbuf small = {0}, big = {0};
    shape(&small, n);
    shape(&big, 16 * n);
    double ts = load_cpu(&small, 60);
    double tb = load_cpu(&big, 200 * ts + 1);
    cr_log_info("%s: %zu bytes %.2f ms, %zu bytes %.2f ms: ratio %.1f", what, small.n,
                ts * 1e3, big.n, tb * 1e3, tb / ts);
    cr_assert_lt(tb, 64 * ts, "%s: 16 times the size took %.1f times as long (%.2f ms, %.2f ms)",
                 what, tb / ts, ts * 1e3, tb * 1e3);
    hfree(&small);
    hfree(&big);
}

Test(module_load, linear_in_lazy_locals_under_local_set) {
    expect_linear("lazy local under local.set", shape_lazy_local_under_sets, 10000);
}

Test(module_load, linear_in_blocks_over_a_deep_stack) {
    expect_linear("blocks over a deep stack", shape_blocks_over_a_deep_stack, 10000);
}

Test(module_load, linear_in_br_table_targets_and_values) {
    expect_linear("br_table of n targets, n / 64 values", shape_wide_br_table, 4000);
}

Test(module_load, linear_in_br_tables_inside_deep_nesting) {
    expect_linear("br_tables inside deep nesting", shape_br_tables_deep_inside, 4000);
}

/* A call or block passing 1000 values costs little more than one passing
 * a single value: values in their own slots are popped and pushed in bulk
 * (the compiler's entries) or compared and copied as bytes (the
 * validator's), not one by one. */
Test(module_load, wide_calls_and_blocks_cost_little_per_value) {
    hbuf one = {0}, wide = {0};
    shape_wide_calls_and_blocks(&one, 20000, 1);
    shape_wide_calls_and_blocks(&wide, 20000, FL_MAX_PARAMS);
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    double t1 = load_cpu(&one, 60);
    double tw = load_cpu(&wide, 200 * t1 + 1);
    cr_log_info("20000 calls and blocks: 1 value %.2f ms, 1000 values %.2f ms: ratio %.1f",
                t1 * 1e3, tw * 1e3, tw / t1);
    cr_assert_lt(tw, 30 * t1, "1000 values: %.2f ms, 1 value: %.2f ms", tw * 1e3, t1 * 1e3);
    hfree(&one);
    hfree(&wide);
}

/* Types are interned in a process-wide table (call_indirect compares the
 * ids): a fixed number of chains made that quadratic in the types of a
 * module, at load and again at every instantiation. */
Test(module_load, linear_in_distinct_types_loaded_and_instantiated) {
    expect_linear("distinct types", shape_many_types, 20000);
    hbuf h = {0};
    shape_many_types(&h, 320000);
    fl_error err;
    fl_module *m = fl_module_load(h.b, h.n, &err);
    cr_assert_not_null(m, "%s", err.message);
    fl_store *s = fl_store_new(NULL);
    fl_exec *ex = fl_exec_new(0);
    fl_instance *inst;
    double t0 = cpu_now();
    cr_assert_eq(fl_instantiate(s, m, NULL, ex, &inst, &err), FL_INST_OK, "%s", err.message);
    double t = cpu_now() - t0;
    cr_log_info("instantiating 320000 types: %.2f ms", t * 1e3);
    cr_assert_lt(t, 0.5, "instantiating took %.2f s", t);
    fl_exec_free(ex);
    fl_store_free(s);
    fl_module_free(m);
    hfree(&h);
}

/* 2000 functions declaring 50,000 locals each cost about what 2000
 * declaring one do: local types are kept as runs, never a byte per local
 * (which once made this module's decoding allocate 100 MB). */
Test(module_load, declared_locals_cost_nothing_per_local) {
    hbuf few = {0}, many = {0};
    shape_functions_with_locals(&few, 2000, 1);
    shape_functions_with_locals(&many, 2000, FL_MAX_LOCALS);
    double tf = load_cpu(&few, 60);
    double tm = load_cpu(&many, 100 * tf + 1);
    cr_log_info("2000 functions: 1 local %.2f ms, 50000 locals %.2f ms", tf * 1e3, tm * 1e3);
    cr_assert_lt(tm, 4 * tf + 0.002, "50,000 locals each: %.2f ms, one each: %.2f ms",
                 tm * 1e3, tf * 1e3);
    hfree(&few);
    hfree(&many);
}

/* ---- interruption ------------------------------------------------------ */

static const volatile int raised = 1, lowered = 0;

Test(module_load, interrupt_flag_stops_every_phase) {
    hbuf h = {0};
    shape_lazy_local_under_sets(&h, 100);
    fl_error err;
    fl_load_opts stop = {.interrupt = &raised}, go = {.interrupt = &lowered};

    fl_module *m = fl_module_load_opts(h.b, h.n, &go, &err);
    cr_assert_not_null(m, "%s", err.message);
    fl_module_free(m);
    m = fl_module_load_opts(h.b, h.n, NULL, &err);
    cr_assert_not_null(m, "%s", err.message);
    fl_module_free(m);

    cr_assert_null(fl_module_load_opts(h.b, h.n, &stop, &err));
    cr_assert_str_eq(err.message, "loading interrupted");
    cr_assert_null(fl_decode_opts(h.b, h.n, &stop, &err));
    cr_assert_str_eq(err.message, "loading interrupted");
    m = fl_decode(h.b, h.n, &err);
    cr_assert_not_null(m);
    cr_assert_eq(fl_validate_opts(m, &stop, &err), -1);
    cr_assert_str_eq(err.message, "loading interrupted");
    cr_assert_eq(fl_validate_opts(m, &go, &err), 0, "%s", err.message);
    /* bodies compile on their first call (fl_interp_code), under the flag */
    cr_assert_eq(fl_interp_prepare(m, &stop, &err), 0);
    cr_assert_null(fl_interp_code(m, 0, &stop, &err));
    cr_assert_str_eq(err.message, "loading interrupted");
    cr_assert_null(m->tier_code[0], "an interrupted compile published a body");
    cr_assert_not_null(fl_interp_code(m, 0, &go, &err), "%s", err.message);
    fl_interp_release(m); /* prepared by hand: the module does not know its tier */
    fl_module_free(m);
    hfree(&h);
}

/* The flag a CPU-time timer of the loading thread raises (see cpu_alarm):
 * it fires after that much of the thread's own work, however busy the
 * machine is, so no other thread has to be scheduled in time. */
static volatile int alarm_flag;

static void on_alarm(int sig) {
    (void)sig;
    alarm_flag = 1;
}

/* Raises alarm_flag once this thread has used `after_s` more CPU seconds. */
static timer_t cpu_alarm(double after_s) {
    struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(sigaction(SIGUSR2, &sa, NULL), 0);
    struct sigevent ev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR2};
    ev._sigev_un._tid = gettid();
    timer_t t;
    cr_assert_eq(timer_create(CLOCK_THREAD_CPUTIME_ID, &ev, &t), 0);
    alarm_flag = 0;
    long ns = (long)(after_s * 1e9);
    struct itimerspec its = {.it_value = {ns / 1000000000, ns % 1000000000}};
    cr_assert_eq(timer_settime(t, 0, &its, NULL), 0);
    return t;
}

/* What a phase of loading does with `opts`: 0 or -1 (err filled). */
typedef int (*phase_fn)(const hbuf *h, fl_module *m, const fl_load_opts *opts, fl_error *err);

static int phase_decode(const hbuf *h, fl_module *m, const fl_load_opts *opts, fl_error *err) {
    (void)m;
    fl_module *d = fl_decode_opts(h->b, h->n, opts, err);
    fl_module_free(d);
    return d ? 0 : -1;
}

static int phase_validate(const hbuf *h, fl_module *m, const fl_load_opts *opts,
                          fl_error *err) {
    (void)h;
    return fl_validate_opts(m, opts, err);
}

static int phase_compile(const hbuf *h, fl_module *m, const fl_load_opts *opts,
                         fl_error *err) {
    (void)h;
    int rc = fl_interp_prepare(m, opts, err);
    if (rc == 0 && !fl_interp_code(m, 0, opts, err))
        rc = -1;
    fl_interp_release(m);
    return rc;
}

/* Runs `phase` on one body of 7 MB to time it, then again with the flag
 * raised a fifth of the way into its work (past the copy of the bytes and
 * the small sections before the body): it must stop, which it can only do
 * by polling inside the body. */
static void expect_stopped_inside(const char *what, phase_fn phase) {
    hbuf h = {0};
    shape_lazy_local_under_sets(&h, 1000000);
    fl_error err;
    fl_module *m = fl_decode(h.b, h.n, &err);
    cr_assert_not_null(m, "%s", err.message);
    cr_assert_eq(fl_validate(m, &err), 0, "%s", err.message);

    /* warm: memory reused, so the copy of the bytes costs no page faults */
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    double full = 1e9;
    for (int i = 0; i < 3; i++) {
        double t0 = cpu_now();
        cr_assert_eq(phase(&h, m, NULL, &err), 0, "%s: %s", what, err.message);
        if (cpu_now() - t0 < full)
            full = cpu_now() - t0;
    }

    timer_t t = cpu_alarm(full / 5);
    fl_load_opts opts = {.interrupt = &alarm_flag};
    double t0 = cpu_now();
    int rc = phase(&h, m, &opts, &err);
    double took = cpu_now() - t0;
    timer_delete(t);
    cr_log_info("%s of %zu bytes: %.1f ms, %.1f ms when stopped after %.1f ms", what, h.n,
                full * 1e3, took * 1e3, full / 5 * 1e3);
    cr_assert_eq(rc, -1, "%s: done in %.1f ms although stopped after %.1f ms", what,
                 took * 1e3, full / 5 * 1e3);
    cr_assert_str_eq(err.message, "loading interrupted");
    fl_module_free(m);
    hfree(&h);
}

/* The flag is polled inside one long body, not only between functions. */
Test(module_load, interrupt_flag_stops_inside_one_long_body) {
    expect_stopped_inside("decode", phase_decode);
    expect_stopped_inside("validate", phase_validate);
    expect_stopped_inside("compile", phase_compile);
}

/* ---- loading options the runtime's start-up relies on ---- */

/* One function, () -> (), whose body is `body` (locals included). */
static void one_body(wbuf *w, const uint8_t *body, size_t n) {
    header(w);
    SECTION(w, 1, 1, 0x60, 0, 0);
    SECTION(w, 3, 1, 0);
    wbuf code = {.n = 0};
    put_leb(&code, 1);
    put_leb(&code, (uint32_t)n);
    put(&code, body, n);
    section(w, 10, code.b, code.n);
}

/* A trusted load (bytes the caller saw decode and validate before) reads
 * no instruction of a body: an undefined opcode that an untrusted load
 * refuses goes unread.  Its extent still comes from its size. */
Test(module_load, trusted_load_reads_no_instructions) {
    wbuf w;
    static const uint8_t body[] = {0, 0x01, 0xff, 0x0b}; /* no locals; nop, (0xff), end */
    one_body(&w, body, sizeof body);
    fl_error err = {0};
    cr_assert_null(fl_module_load(w.b, w.n, &err), "an undefined opcode loaded untrusted");
    fl_load_opts o = {.trusted = true};
    fl_module *m = fl_module_load_opts(w.b, w.n, &o, &err);
    cr_assert_not_null(m, "%s", err.message);
    cr_assert_eq(m->funcs[0].code_len, 3, "nop, 0xff, end");
    fl_module_free(m);
    /* a body whose locals overrun its size is refused all the same */
    static const uint8_t overrun[] = {1, 200, 0x7f};
    one_body(&w, overrun, sizeof overrun);
    cr_assert_null(fl_module_load_opts(w.b, w.n, &o, &err));
}

/* Whether any of [p, p + n) is mapped. */
static bool mapped(const void *p, size_t n) {
    unsigned char vec[4];
    return mincore((void *)p, n, vec) == 0;
}

/* A mapping handed over with adopt_mapping is the module's binary (not
 * copied) and is unmapped with it, or at once when the load fails. */
Test(module_load, an_adopted_mapping_is_the_modules_and_goes_with_it) {
    wbuf w;
    static const uint8_t body[] = {0, 0x0b};
    one_body(&w, body, sizeof body);
    for (int good = 1; good >= 0; good--) {
        uint8_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        cr_assert_neq(p, MAP_FAILED);
        memcpy(p, w.b, w.n);
        if (!good)
            p[w.n - 1] = 0x00; /* the body's end becomes an unterminated block */
        cr_assert_eq(mprotect(p, 4096, PROT_READ), 0);
        fl_load_opts o = {.adopt_mapping = true};
        fl_error err = {0};
        fl_module *m = fl_module_load_opts(p, w.n, &o, &err);
        if (good) {
            cr_assert_not_null(m, "%s", err.message);
            cr_assert_eq(m->binary, p, "the mapping was copied");
            cr_assert(mapped(p, 4096));
            fl_module_free(m);
        } else {
            cr_assert_null(m);
        }
        cr_assert_not(mapped(p, 4096), "the mapping outlived the module (good=%d)", good);
    }
}
