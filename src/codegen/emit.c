/*
 * emit.c: partitions -> threads -> objects -> one shared object.
 *
 * Functions are cut into partitions of about PART_BYTES of wasm code in
 * index order (neighbours call each other; inlining works within a
 * partition).  Each thread takes the next partition, translates it in an
 * LLVM context of its own, optimises, compiles it to an object file and
 * drops the context, so peak memory is bounded by threads x partition.
 * ld.lld then links the objects (with -Bsymbolic: every call stays inside
 * the object) and the trailer of abi.h is appended.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Support.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <xxhash.h>

#include "codegen/abi.h"
#include "codegen/codegen.h"
#include "codegen/codegen_int.h"

extern char **environ;

#define PART_BYTES (96u << 10)
/* A function this big (wasm code bytes) is a partition of its own, built
 * with O0 (after mem2reg): such giants are generated initialisation code (CPython's
 * deep-frozen objects, 550 KB when LTO inlines them into one function),
 * and O2 on them costs more than the whole rest of the module. */
#define GIANT_BYTES (256u << 10)

typedef struct job {
    const fl_module *m;
    const fl_codegen_opts *opts;
    char dir[64];            /* temporary folder of the objects */
    uint32_t nparts;
    uint32_t *part_start;    /* nparts + 1 function indices */
    uint32_t *part_order;    /* partitions by size, largest first: no long tail */
    atomic_uint next_part;
    atomic_uint funcs_done;
    atomic_int failed;
    uint64_t switch_cases;   /* br_table targets so far (cg_module.switch_cases) */
    bool over_limit;
    pthread_mutex_t lock;    /* err and the progress line */
    fl_error *err;
    char cpu[64];
    char *features;
    char *triple;
    double t0;
    double last_print;
} job;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(job *j, bool final) {
    if (!j->opts->progress)
        return;
    pthread_mutex_lock(&j->lock);
    double t = now();
    if (final || t - j->last_print >= 0.1) {
        j->last_print = t;
        fprintf(stderr, "\rcodegen: %u/%u functions, %.1f s%s", atomic_load(&j->funcs_done),
                j->m->nfuncs, t - j->t0, final ? "\n" : "");
        fflush(stderr);
    }
    pthread_mutex_unlock(&j->lock);
}

static void fail(job *j, const char *fmt, const char *detail) {
    pthread_mutex_lock(&j->lock);
    if (!atomic_exchange(&j->failed, 1))
        fl_error_set(j->err, 0, fmt, detail);
    pthread_mutex_unlock(&j->lock);
}

/* ---- loads that trap ----
 * A wasm load traps when out of bounds, but LLVM takes loads for pure: it
 * deletes one whose value it folds away (x & 0, a narrow load shifted out)
 * and moves one past a branch into the only block that uses it.  So:
 * loads no effect depends on are volatile from the start (translate.c);
 * a probe, the module's clone simplified by the folding passes (and
 * dead-argument elimination: an unused parameter's argument dies at every
 * call; vector-combine, which turns a lane read of a loaded vector into a
 * load of that lane), shows which loads LLVM would delete, and those
 * become volatile too (a load GVN merges into an equal one is marked as
 * well: a small cost); inlining
 * is off (translate.c); LLVM's code-sinking steps (instcombine's,
 * the machine sinker, x86's cmov-to-branch) are off for the process; and
 * after optimisation a load read only in part (its low bits, a lane),
 * which the backend would narrow, becomes volatile, so that it still traps
 * when only its last bytes are out of bounds. */
#define PROBE_PASSES                                                                    \
    "ipsccp,deadargelim,function(sroa,early-cse,instcombine<no-verify-fixpoint>,simplifycfg," \
    "sccp,instcombine<no-verify-fixpoint>,vector-combine,adce),deadargelim,function(adce)"

static pthread_once_t llvm_options_once = PTHREAD_ONCE_INIT;

static void set_llvm_options(void) {
    const char *argv[] = {"faaslet", "-instcombine-code-sinking=false", "-disable-machine-sink",
                          /* a cmov from memory always loads; a branch around a load not */
                          "-x86-cmov-converter-force-mem-operand=false"};
    LLVMParseCommandLineOptions(sizeof argv / sizeof *argv, argv, NULL);
}

static int compile_part(job *j, uint32_t p, LLVMTargetMachineRef tm) {
    LLVMContextRef ctx = LLVMContextCreate();
    cg_module cg;
    char name[32];
    snprintf(name, sizeof name, "part%u", p);
    int rc = -1;
    if (cg_module_init(&cg, j->m, ctx, name) < 0) {
        fail(j, "%s", "out of memory");
        goto out;
    }
    cg.switch_cases = &j->switch_cases;
    cg.over_limit = &j->over_limit;
    LLVMSetTarget(cg.mod, j->triple);
    LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
    LLVMSetModuleDataLayout(cg.mod, td);
    LLVMDisposeTargetData(td);
    for (uint32_t i = j->part_start[p]; i < j->part_start[p + 1]; i++) {
        fl_error err = {0};
        if (atomic_load(&j->failed))
            goto out;
        if (cg_translate(&cg, i, &err) < 0) {
            char msg[260];
            snprintf(msg, sizeof msg, "function %u: %s", j->m->nimported_funcs + i, err.message);
            fail(j, "%s", msg);
            goto out;
        }
        atomic_fetch_add(&j->funcs_done, 1);
        progress(j, false);
    }
    if (p == 0)
        cg_define_tables(&cg, j->opts->key, j->cpu);

    char *msg = NULL;
    if (LLVMVerifyModule(cg.mod, LLVMReturnStatusAction, &msg)) {
        fail(j, "generated code does not verify: %.150s", msg);
        LLVMDisposeMessage(msg);
        goto out;
    }
    LLVMDisposeMessage(msg);

    char passes[32];
    uint32_t first = j->part_start[p]; /* == nfuncs: a module of no functions */
    bool giant = first < j->m->nfuncs && j->m->funcs[first].code_len >= GIANT_BYTES;
    unsigned level = giant ? 0 : j->opts->opt_level;
    snprintf(passes, sizeof passes, "default<O%u>", level);
    LLVMPassBuilderOptionsRef pbo = LLVMCreatePassBuilderOptions();
    /* locals into SSA first, so the loads nothing uses can be found */
    LLVMErrorRef e = LLVMRunPasses(cg.mod, "function(mem2reg)", tm, pbo);
    if (!e)
        cg_keep_trapping_loads(&cg);
    if (!e && level > 0) {
        LLVMModuleRef probe = LLVMCloneModule(cg.mod);
        e = LLVMRunPasses(probe, PROBE_PASSES, tm, pbo);
        if (!e)
            cg_keep_folded_loads(&cg, probe);
        LLVMDisposeModule(probe);
    }
    if (!e)
        e = LLVMRunPasses(cg.mod, passes, tm, pbo);
    if (!e)
        cg_keep_whole_loads(&cg);
    LLVMDisposePassBuilderOptions(pbo);
    if (e) {
        char *em = LLVMGetErrorMessage(e);
        fail(j, "optimising: %s", em);
        LLVMDisposeErrorMessage(em);
        goto out;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/%u.o", j->dir, p);
    if (LLVMTargetMachineEmitToFile(tm, cg.mod, path, LLVMObjectFile, &msg)) {
        fail(j, "emitting an object: %s", msg);
        LLVMDisposeMessage(msg);
        goto out;
    }
    rc = 0;
out:
    cg_module_dispose(&cg);
    LLVMContextDispose(ctx);
    return rc;
}

static void *worker(void *arg) {
    job *j = arg;
    LLVMTargetRef target;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(j->triple, &target, &msg)) {
        fail(j, "no target: %s", msg);
        LLVMDisposeMessage(msg);
        return NULL;
    }
    static const LLVMCodeGenOptLevel levels[] = {LLVMCodeGenLevelNone, LLVMCodeGenLevelLess,
                                                 LLVMCodeGenLevelDefault, LLVMCodeGenLevelAggressive};
    LLVMTargetMachineRef tm =
        LLVMCreateTargetMachine(target, j->triple, j->cpu, j->features,
                                levels[j->opts->opt_level > 3 ? 3 : j->opts->opt_level],
                                LLVMRelocPIC, LLVMCodeModelDefault);
    for (;;) {
        uint32_t k = atomic_fetch_add(&j->next_part, 1);
        if (k >= j->nparts || atomic_load(&j->failed))
            break;
        if (compile_part(j, j->part_order[k], tm) < 0)
            break;
    }
    LLVMDisposeTargetMachine(tm);
    return NULL;
}

/* Runs argv (argv[0] looked up in PATH); 0 when it exits 0. */
static int run(char *const argv[]) {
    pid_t pid;
    if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
        return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Links the objects into `so` with ld.lld. */
static int link_objects(job *j, const char *so) {
    char **argv = calloc(j->nparts + 10, sizeof *argv);
    char **objs = calloc(j->nparts, sizeof *objs);
    int n = 0;
    argv[n++] = "ld.lld-19";
    argv[n++] = "-shared";
    argv[n++] = "-Bsymbolic";
    argv[n++] = "-z";
    argv[n++] = "now";
    argv[n++] = "--hash-style=gnu";
    argv[n++] = "-o";
    argv[n++] = (char *)so;
    for (uint32_t p = 0; p < j->nparts; p++) {
        objs[p] = malloc(128);
        snprintf(objs[p], 128, "%s/%u.o", j->dir, p);
        argv[n++] = objs[p];
    }
    int rc = run(argv);
    for (uint32_t p = 0; p < j->nparts; p++) {
        unlink(objs[p]);
        free(objs[p]);
    }
    free(objs);
    free(argv);
    return rc;
}

/* Appends the trailer (key, size, XXH3 of the bytes) to `so`. */
static int append_trailer(const char *so, const uint8_t key[32]) {
    int fd = open(so, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    int rc = -1;
    uint8_t *bytes = NULL;
    if (fstat(fd, &st) < 0 || !(bytes = malloc((size_t)st.st_size + 1)))
        goto out;
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = pread(fd, bytes + got, (size_t)st.st_size - got, (off_t)got);
        if (r <= 0)
            goto out;
        got += (size_t)r;
    }
    fl_aot_trailer t = {.so_size = (uint64_t)st.st_size, .xxh3 = XXH3_64bits(bytes, got)};
    memcpy(t.magic, FL_AOT_TRAILER_MAGIC, sizeof t.magic);
    memcpy(t.key, key, 32);
    if (pwrite(fd, &t, sizeof t, st.st_size) == (ssize_t)sizeof t && fsync(fd) == 0)
        rc = 0;
out:
    free(bytes);
    close(fd);
    return rc;
}

int fl_codegen(const fl_module *m, const fl_codegen_opts *opts, fl_error *err) {
    LLVMInitializeNativeTarget();
    LLVMInitializeNativeAsmPrinter();
    pthread_once(&llvm_options_once, set_llvm_options);

    job j = {.m = m, .opts = opts, .err = err, .t0 = now()};
    pthread_mutex_init(&j.lock, NULL);
    char *cpu = LLVMGetHostCPUName();
    snprintf(j.cpu, sizeof j.cpu, "%s", cpu);
    LLVMDisposeMessage(cpu);
    j.features = LLVMGetHostCPUFeatures();
    j.triple = LLVMGetDefaultTargetTriple();

    int rc = -1;
    /* partitions of about PART_BYTES of code, in index order; a giant
     * function alone */
    j.part_start = malloc((m->nfuncs + 2) * sizeof *j.part_start);
    j.part_order = malloc((m->nfuncs + 1) * sizeof *j.part_order);
    uint64_t *part_bytes = calloc(m->nfuncs + 1, sizeof *part_bytes);
    if (!j.part_start || !j.part_order || !part_bytes) {
        free(part_bytes);
        fl_error_set(err, 0, "out of memory");
        goto out;
    }
    uint64_t acc = 0;
    j.part_start[0] = 0;
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        bool giant = m->funcs[i].code_len >= GIANT_BYTES;
        if (giant && acc) { /* close the partition before it */
            part_bytes[j.nparts] = acc;
            j.part_start[++j.nparts] = i;
            acc = 0;
        }
        acc += m->funcs[i].code_len + 16;
        if ((acc >= PART_BYTES || giant) && i + 1 < m->nfuncs) {
            part_bytes[j.nparts] = acc;
            j.part_start[++j.nparts] = i + 1;
            acc = 0;
        }
    }
    part_bytes[j.nparts] = acc;
    j.part_start[++j.nparts] = m->nfuncs;
    /* largest first (insertion sort: a few hundred partitions at most) */
    for (uint32_t p = 0; p < j.nparts; p++) {
        uint32_t k = p;
        while (k && part_bytes[j.part_order[k - 1]] < part_bytes[p]) {
            j.part_order[k] = j.part_order[k - 1];
            k--;
        }
        j.part_order[k] = p;
    }
    free(part_bytes);

    snprintf(j.dir, sizeof j.dir, "/tmp/faaslet-codegen-XXXXXX");
    if (!mkdtemp(j.dir)) {
        fl_error_set(err, 0, "cannot make a temporary folder: %s", strerror(errno));
        goto out;
    }
    unsigned nthreads = opts->threads ? opts->threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > j.nparts)
        nthreads = j.nparts;
    pthread_t th[64];
    if (nthreads > 64)
        nthreads = 64;
    for (unsigned t = 0; t < nthreads; t++)
        pthread_create(&th[t], NULL, worker, &j);
    for (unsigned t = 0; t < nthreads; t++)
        pthread_join(th[t], NULL);
    progress(&j, true);
    if (atomic_load(&j.failed)) {
        if (j.over_limit)
            rc = FL_CODEGEN_LIMIT;
        goto out_dir;
    }

    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", opts->out_path, (long)getpid());
    if (link_objects(&j, tmp) < 0) {
        fl_error_set(err, 0, "linking the objects with ld.lld-19 failed");
        unlink(tmp);
        goto out_dir;
    }
    if (append_trailer(tmp, opts->key) < 0 || rename(tmp, opts->out_path) < 0) {
        fl_error_set(err, 0, "cannot write %s: %s", opts->out_path, strerror(errno));
        unlink(tmp);
        goto out_dir;
    }
    rc = 0;
out_dir:
    for (uint32_t p = 0; p < j.nparts; p++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%u.o", j.dir, p);
        unlink(path);
    }
    rmdir(j.dir);
out:
    LLVMDisposeMessage(j.features);
    LLVMDisposeMessage(j.triple);
    free(j.part_start);
    free(j.part_order);
    pthread_mutex_destroy(&j.lock);
    return rc;
}
