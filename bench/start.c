/*
 * bench/start.c: how fast a call starts (make bench-start).
 *
 *   bench-start NOOP.wasm PYTHON_DIR HELLO.py FAASLET
 *
 * Each figure is printed beside a baseline measured in the same run, so
 * the ratio, not the machine, is what compares between runs:
 *   1. a C no-op call, in process, one at a time (p50, p99): a fresh
 *      Faaslet (FL_REUSE_NONE: instantiate and zygote per call), one
 *      restored from the function's snapshot (FL_REUSE_SNAPSHOT) and a
 *      warm one reset after each call (FL_REUSE_WARM); baseline: the
 *      executor's own round trip with a callback that does nothing;
 *   2. no-op calls per second through the executor on 2 threads, each
 *      mode; baseline: the empty callback's rate;
 *   3. Python hello.py per call in process, each mode; and
 *      `faaslet run hello.py` as a whole process against
 *      `python3.11 -c 'print(1)'` (medians of 20 runs);
 *   4. private memory per idle warm Faaslet with 1,000 of them alive
 *      (/proc/self/smaps_rollup before and after), C no-op and Python,
 *      and what one more keeps once it has served a call (a reset keeps
 *      the pages the call wrote, so the next call writes them unfaulted).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "faaslet/faaslet.h"
#include "sched/sched.h"

extern char **environ;

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* p50 and p99 of v[0..n) (sorted in place). */
static void percentiles(double *v, size_t n, double *p50, double *p99) {
    qsort(v, n, sizeof *v, cmp_double);
    *p50 = v[n / 2];
    *p99 = v[(size_t)(n * 0.99)];
}

static void die(const char *what, const char *why) {
    fprintf(stderr, "bench-start: %s: %s\n", what, why);
    exit(1);
}

/* ---- the executor's own round trip ---- */

static void empty_call(void *ctx, const fl_call_info *call, fl_call_sink *sink) {
    (void)ctx, (void)call;
    fl_call_set_return(sink, 0);
}

static void sched_latency(size_t n, double *p50, double *p99) {
    fl_sched *s = fl_sched_new(2, empty_call, NULL);
    double *t = calloc(n, sizeof *t);
    if (!s || !t)
        die("executor", "cannot start");
    for (size_t i = 0; i < n; i++) {
        fl_call_msg m = {.user = "b", .function = "f", .flags = FL_CALL_KEEP};
        double t0 = now_us();
        uint32_t id = fl_sched_submit(s, &m);
        int rv;
        if (!id || fl_sched_await(s, id, -1, &rv) < 0)
            die("executor", "call failed");
        fl_sched_release(s, id);
        t[i] = now_us() - t0;
    }
    percentiles(t, n, p50, p99);
    free(t);
    fl_sched_free(s, FL_SCHED_DRAIN);
}

static double sched_rate(size_t n) {
    fl_sched *s = fl_sched_new(2, empty_call, NULL);
    uint32_t *ids = calloc(n, sizeof *ids);
    if (!s || !ids)
        die("executor", "cannot start");
    double t0 = now_us();
    for (size_t i = 0; i < n; i++) {
        fl_call_msg m = {.user = "b", .function = "f", .flags = FL_CALL_KEEP};
        ids[i] = fl_sched_submit(s, &m);
    }
    for (size_t i = 0; i < n; i++) {
        int rv;
        if (!ids[i] || fl_sched_await(s, ids[i], -1, &rv) < 0)
            die("executor", "call failed");
        fl_sched_release(s, ids[i]);
    }
    double rate = n / ((now_us() - t0) / 1e6);
    free(ids);
    fl_sched_free(s, FL_SCHED_DRAIN);
    return rate;
}

/* ---- runtimes ---- */

static int devnull = -1;
static const char *python_dir, *hello_dir;
static uint8_t *noop_bytes;
static size_t noop_len;

static fl_runtime *runtime(fl_reuse reuse, uint32_t per_function) {
    static fl_runtime_config c; /* borrowed by the runtime */
    fl_runtime_config_init(&c);
    c.threads = 2;
    c.reuse = reuse;
    c.pool_per_function = per_function;
    c.pool_max_mib = 1u << 20;
    c.python_dir = python_dir;
    c.stdio[1] = devnull;
    char err[256];
    fl_runtime *rt = fl_runtime_new(&c, err, sizeof err);
    if (!rt)
        die("runtime", err);
    fl_error e = {0};
    if (fl_runtime_add_module(rt, "bench", "noop", noop_bytes, noop_len, &e) < 0)
        die("noop.wasm", e.message);
    if (fl_runtime_add_python(rt, "bench", "hello", hello_dir) < 0)
        die("hello.py", "cannot add");
    return rt;
}

static void one_call(fl_runtime *rt, bool python) {
    uint32_t id = python ? fl_runtime_submit_python(rt, "bench", "hello", NULL, 0)
                         : fl_runtime_submit(rt, "bench", "noop", NULL, 0);
    fl_call_result r;
    if (!id || fl_runtime_await(rt, id, &r) < 0)
        die("call", "not run");
    if (r.outcome != FL_OUTCOME_OK || r.retval != 0)
        die("call failed", r.error ? r.error : "non-zero status");
    fl_call_result_free(&r);
}

static void call_latency(fl_reuse reuse, bool python, size_t n, double *p50, double *p99) {
    fl_runtime *rt = runtime(reuse, 8);
    one_call(rt, python); /* loads the module, makes the snapshot */
    double *t = calloc(n, sizeof *t);
    for (size_t i = 0; i < n; i++) {
        double t0 = now_us();
        one_call(rt, python);
        t[i] = now_us() - t0;
    }
    percentiles(t, n, p50, p99);
    free(t);
    fl_runtime_free(rt);
}

static double call_rate(fl_reuse reuse, size_t n) {
    fl_runtime *rt = runtime(reuse, 8);
    one_call(rt, false);
    uint32_t *ids = calloc(n, sizeof *ids);
    double t0 = now_us();
    for (size_t i = 0; i < n; i++)
        ids[i] = fl_runtime_submit(rt, "bench", "noop", NULL, 0);
    for (size_t i = 0; i < n; i++) {
        fl_call_result r;
        if (!ids[i] || fl_runtime_await(rt, ids[i], &r) < 0 || r.outcome != FL_OUTCOME_OK)
            die("call", "failed");
        fl_call_result_free(&r);
    }
    double rate = n / ((now_us() - t0) / 1e6);
    free(ids);
    fl_runtime_free(rt);
    return rate;
}

/* ---- processes ---- */

static double run_process(char *const argv[]) {
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, devnull, 1);
    double t0 = now_us();
    if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0)
        die(argv[0], strerror(errno));
    int st;
    waitpid(pid, &st, 0);
    double t = now_us() - t0;
    posix_spawn_file_actions_destroy(&fa);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        die(argv[0], "failed");
    return t;
}

static double process_median(char *const argv[], int n) {
    double t[64];
    run_process(argv); /* warm the page cache (and the snapshot on disk) */
    for (int i = 0; i < n; i++)
        t[i] = run_process(argv);
    qsort(t, n, sizeof t[0], cmp_double);
    return t[n / 2];
}

/* ---- memory ---- */

/* Private (clean + dirty) and Pss kB of the whole process. */
static void smaps(long *private_kb, long *pss_kb) {
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    char line[256];
    long v;
    *private_kb = *pss_kb = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "Private_Clean: %ld", &v) == 1 || sscanf(line, "Private_Dirty: %ld", &v) == 1)
            *private_kb += v;
        else if (sscanf(line, "Pss: %ld", &v) == 1)
            *pss_kb = v;
    }
    if (f)
        fclose(f);
}

static void idle_memory(bool python, unsigned n, double *priv_kb, double *pss_kb,
                        double *secs, double *served_kb) {
    fl_runtime *rt = runtime(FL_REUSE_WARM, n + 1);
    one_call(rt, python); /* the module, its snapshot and one Faaslet */
    long p0, s0, p1, s1;
    smaps(&p0, &s0);
    char err[256];
    double t0 = now_us();
    int made = fl_runtime_prewarm(rt, "bench", python ? "hello" : "noop", python, n, err,
                                  sizeof err);
    *secs = (now_us() - t0) / 1e6;
    if (made < (int)n)
        die("prewarm", made < 0 ? err : "the pool refused some");
    smaps(&p1, &s1);
    *priv_kb = (double)(p1 - p0) / n;
    *pss_kb = (double)(s1 - s0) / n;
    /* a call on one of them (the pool is LIFO: a prewarmed one): its reset
     * keeps the pages the call wrote, so the next call does not fault */
    one_call(rt, python);
    long p2, s2;
    smaps(&p2, &s2);
    *served_kb = (double)(p2 - p1);
    fl_runtime_free(rt);
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n ? n : 1);
    if (fread(b, 1, n, f) != (size_t)n)
        die(path, "short read");
    fclose(f);
    *len = (size_t)n;
    return b;
}

static const char *verdict(double v, double goal, double bar, bool lower_is_better) {
    if (lower_is_better)
        return v <= goal ? "goal met" : v <= bar ? "bar met" : "BELOW BAR";
    return v >= goal ? "goal met" : v >= bar ? "bar met" : "BELOW BAR";
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: bench-start NOOP.wasm PYTHON_DIR HELLO.py FAASLET\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    noop_bytes = read_file(argv[1], &noop_len);
    python_dir = argv[2];
    static char dir[] = "/tmp/bench-start.XXXXXX";
    if (!mkdtemp(dir))
        die("mkdtemp", strerror(errno));
    char file[PATH_MAX];
    snprintf(file, sizeof file, "%s/function.py", dir);
    size_t hlen;
    uint8_t *hello = read_file(argv[3], &hlen);
    FILE *hf = fopen(file, "wb");
    if (!hf || fwrite(hello, 1, hlen, hf) != hlen || fclose(hf))
        die(file, "cannot write");
    hello_dir = dir;

    static const struct {
        fl_reuse reuse;
        const char *name;
    } modes[] = {{FL_REUSE_NONE, "fresh Faaslet"},
                 {FL_REUSE_SNAPSHOT, "from snapshot"},
                 {FL_REUSE_WARM, "warm, reset"}};
    double p50, p99, b50, b99;

    /* BENCH_START_ONLY=N runs section N alone (profiling) */
    const char *only_s = getenv("BENCH_START_ONLY");
    int only = only_s ? atoi(only_s) : 0;
    if (only && only != 1)
        goto section2;
    printf("1. C no-op call, in process, one at a time (us)\n");
    sched_latency(20000, &b50, &b99);
    printf("   %-22s p50 %8.1f  p99 %8.1f\n", "executor round trip", b50, b99);
    double restore50 = 0;
    for (size_t i = 0; i < 3; i++) {
        call_latency(modes[i].reuse, false, modes[i].reuse == FL_REUSE_NONE ? 2000 : 20000, &p50,
                     &p99);
        printf("   %-22s p50 %8.1f  p99 %8.1f  (%.1fx the round trip)\n", modes[i].name, p50, p99,
               p50 / b50);
        if (modes[i].reuse == FL_REUSE_SNAPSHOT)
            restore50 = p50;
    }
    printf("   restore from snapshot p50 %.1f us: goal <= 50, bar <= 200: %s\n", restore50,
           verdict(restore50, 50, 200, true));

    if (only)
        goto done;
section2:
    if (only && only != 2)
        goto section3;
    printf("2. C no-op calls per second, 2 executor threads\n");
    double base = sched_rate(200000);
    printf("   %-22s %10.0f /s\n", "executor, empty call", base);
    double warm_rate = 0;
    for (size_t i = 0; i < 3; i++) {
        double r = call_rate(modes[i].reuse, modes[i].reuse == FL_REUSE_NONE ? 5000 : 100000);
        printf("   %-22s %10.0f /s  (%.2f of the executor's rate)\n", modes[i].name, r, r / base);
        if (modes[i].reuse == FL_REUSE_WARM)
            warm_rate = r;
    }
    printf("   warm: goal >= 50,000/s, bar >= 20,000/s: %s\n", verdict(warm_rate, 50000, 20000, false));

    if (only)
        goto done;
section3:
    if (only && only != 3)
        goto section4;
    printf("3. Python hello.py per call, in process (ms)\n");
    double py50 = 0;
    for (size_t i = 0; i < 3; i++) {
        call_latency(modes[i].reuse, true, modes[i].reuse == FL_REUSE_NONE ? 10 : 300, &p50, &p99);
        printf("   %-22s p50 %8.2f  p99 %8.2f\n", modes[i].name, p50 / 1000, p99 / 1000);
        if (modes[i].reuse == FL_REUSE_WARM)
            py50 = p50 / 1000;
    }
    printf("   warm p50 %.2f ms: goal <= 1, bar <= 5: %s\n", py50, verdict(py50, 1, 5, true));
    char *run_argv[] = {argv[4], "run", argv[3], NULL};
    char *py_argv[] = {access("/usr/bin/python3.11", X_OK) == 0 ? "/usr/bin/python3.11" : "python3.11",
                       "-c", "print(1)", NULL};
    double whole = process_median(run_argv, 20) / 1000, native = process_median(py_argv, 20) / 1000;
    printf("   faaslet run hello.py   %8.1f ms (median of 20)\n", whole);
    printf("   python3.11 -c print(1) %8.1f ms: ratio %.2fx; goal <= 1.5x: %s; bar <= 60 ms: %s\n",
           native, whole / native, whole / native <= 1.5 ? "met" : "NOT met",
           whole <= 60 ? "met" : "NOT met");

    if (only)
        goto done;
section4:
    printf("4. Private memory per idle warm Faaslet, 1,000 alive (KB)\n");
    double priv, pss, secs, served;
    idle_memory(false, 1000, &priv, &pss, &secs, &served);
    printf("   C no-op   private %8.1f  pss %8.1f  (made in %.2f s): goal <= 64, bar <= 256: %s\n",
           priv, pss, secs, verdict(priv, 64, 256, true));
    printf("             one that served a call keeps %.1f more (the pages it wrote): %.1f: %s\n",
           served, priv + served, verdict(priv + served, 64, 256, true));
    idle_memory(true, 1000, &priv, &pss, &secs, &served);
    printf("   Python    private %8.1f  pss %8.1f  (made in %.2f s): goal <= 1024, bar <= 4096: %s\n",
           priv, pss, secs, verdict(priv, 1024, 4096, true));
    printf("             one that served a call keeps %.1f more (the pages it wrote): %.1f: %s\n",
           served, priv + served, verdict(priv + served, 1024, 4096, true));

done:
    unlink(file);
    rmdir(dir);
    return 0;
}
