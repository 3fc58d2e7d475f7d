/*
 * aot.c: the machine-code tier: loading and checking generated shared
 * objects, the helpers their code calls (fl_aot_rt, codegen/abi.h), the
 * tier's entry, the cache and running the generator.
 */
#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <xxhash.h>

#include "aot/aot.h"
#include "budget/budget.h"
#include "codegen/abi.h"
#include "engine/bulk.h"
#include "engine/runtime_int.h"
#include "store/durable.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

extern char **environ;

struct fl_aot_code {
    void *dl;
    const fl_aot_entry *entries;
    uint32_t nfuncs;
    int refs; /* atomic */
    const void *text[4]; /* its executable segments, registered for kicks */
    size_t ntext;
};

/* Registers the executable segments of the object loaded at `base` as
 * machine code (engine/interrupt.c: a kick landing there ends the call). */
typedef struct text_find {
    uintptr_t base;
    fl_aot_code *c;
    bool found, missed; /* the object; an executable segment not registered */
} text_find;

static int register_text(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    text_find *t = arg;
    if (info->dlpi_addr != t->base)
        return 0;
    t->found = true;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        const void *start = (const void *)(info->dlpi_addr + ph->p_vaddr);
        if (t->c->ntext < 4 && fl__code_register(start, ph->p_memsz) == 0)
            t->c->text[t->c->ntext++] = start;
        else
            t->missed = true;
    }
    return 1;
}

/* ---- helpers generated code calls ---- */

static __attribute__((noreturn)) void rt_trap(fl_exec *ex, uint32_t trap) {
    siglongjmp(*ex->fault_jmp, (int)trap);
}

static void rt_call(fl_instance *inst, fl_exec *ex, fl_funcinst *f, fl_value *slots) {
    fl_trap t;
    if (f->host) {
        fl_host_call hc = {ex, inst, f->host_data};
        t = f->host(&hc, slots);
    } else {
        t = f->tier->call(ex, f, slots, slots);
    }
    if (t != FL_TRAP_NONE)
        rt_trap(ex, t);
    /* machine code does not poll the flag: a stop raised meanwhile ends
     * the call here rather than at the next kick */
    if (__atomic_load_n(&ex->interrupt, __ATOMIC_RELAXED))
        rt_trap(ex, FL_TRAP_INTERRUPTED);
}

static uint32_t rt_memory_grow(fl_instance *inst, uint32_t delta) {
    return (uint32_t)fl_memory_grow(inst->memories[0], delta);
}

static void rt_memory_fill(fl_instance *inst, fl_exec *ex, uint32_t d, uint32_t v, uint32_t n) {
    fl_memory *m = inst->memories[0];
    if ((uint64_t)d + n > m->size)
        rt_trap(ex, FL_TRAP_MEMORY_OOB);
    if (!fl_bulk_fill(m->base + d, (int)(v & 0xff), n, &ex->interrupt))
        rt_trap(ex, FL_TRAP_INTERRUPTED);
}

static void rt_memory_copy(fl_instance *inst, fl_exec *ex, uint32_t d, uint32_t s, uint32_t n) {
    fl_memory *m = inst->memories[0];
    if ((uint64_t)d + n > m->size || (uint64_t)s + n > m->size)
        rt_trap(ex, FL_TRAP_MEMORY_OOB);
    if (!fl_bulk_move(m->base + d, m->base + s, n, d <= s, &ex->interrupt))
        rt_trap(ex, FL_TRAP_INTERRUPTED);
}

static void rt_memory_init(fl_instance *inst, fl_exec *ex, uint32_t si, uint32_t d, uint32_t s,
                           uint32_t n) {
    fl_memory *m = inst->memories[0];
    const fl_data *seg = &inst->module->datas[si];
    uint64_t len = inst->data_dropped[si] ? 0 : seg->len;
    if ((uint64_t)s + n > len || (uint64_t)d + n > m->size)
        rt_trap(ex, FL_TRAP_MEMORY_OOB);
    if (n && !fl_bulk_move(m->base + d, seg->bytes + s, n, true, &ex->interrupt))
        rt_trap(ex, FL_TRAP_INTERRUPTED);
}

static void rt_data_drop(fl_instance *inst, uint32_t si) { inst->data_dropped[si] = true; }

static void rt_table_init(fl_instance *inst, fl_exec *ex, uint32_t ei, uint32_t ti, uint32_t d,
                          uint32_t s, uint32_t n) {
    fl_table *t = inst->tables[ti];
    const fl_elem *seg = &inst->module->elems[ei];
    uint64_t len = inst->elem_dropped[ei] ? 0 : seg->nitems;
    if ((uint64_t)s + n > len || (uint64_t)d + n > t->size)
        rt_trap(ex, FL_TRAP_TABLE_OOB);
    if (n && !fl_bulk_init_refs(inst, t->elems + d, seg->items + s, n, &ex->interrupt))
        rt_trap(ex, FL_TRAP_INTERRUPTED);
}

static void rt_elem_drop(fl_instance *inst, uint32_t ei) { inst->elem_dropped[ei] = true; }

static void rt_table_copy(fl_instance *inst, fl_exec *ex, uint32_t dti, uint32_t sti, uint32_t d,
                          uint32_t s, uint32_t n) {
    fl_table *dt = inst->tables[dti], *st = inst->tables[sti];
    if ((uint64_t)d + n > dt->size || (uint64_t)s + n > st->size)
        rt_trap(ex, FL_TRAP_TABLE_OOB);
    if (!fl_bulk_move((uint8_t *)(dt->elems + d), (const uint8_t *)(st->elems + s),
                      (uint64_t)n * sizeof(void *), dt != st || d <= s, &ex->interrupt))
        rt_trap(ex, FL_TRAP_INTERRUPTED);
}

static uint32_t rt_table_grow(fl_instance *inst, uint32_t ti, void *init, uint32_t delta) {
    return (uint32_t)fl_table_grow(inst->tables[ti], delta, init);
}

static void rt_table_fill(fl_instance *inst, fl_exec *ex, uint32_t ti, uint32_t i, void *v,
                          uint32_t n) {
    fl_table *t = inst->tables[ti];
    if ((uint64_t)i + n > t->size)
        rt_trap(ex, FL_TRAP_TABLE_OOB);
    if (!fl_bulk_fill_refs(t->elems + i, v, n, &ex->interrupt))
        rt_trap(ex, FL_TRAP_INTERRUPTED);
}

static const fl_aot_rt helpers = {
    .trap = rt_trap,
    .call = rt_call,
    .memory_grow = rt_memory_grow,
    .memory_fill = rt_memory_fill,
    .memory_copy = rt_memory_copy,
    .memory_init = rt_memory_init,
    .data_drop = rt_data_drop,
    .table_init = rt_table_init,
    .elem_drop = rt_elem_drop,
    .table_copy = rt_table_copy,
    .table_grow = rt_table_grow,
    .table_fill = rt_table_fill,
};

/* ---- the tier ---- */

static int aot_prepare(fl_module *m, const fl_load_opts *opts, fl_error *err) {
    fl_aot_code *c = opts ? opts->tier_arg : NULL;
    if (!c)
        return fl_error_set(err, 0, "machine code tier: no machine code given");
    if (c->nfuncs != m->nfuncs)
        return fl_error_set(err, 0, "machine code for %u functions, the module has %u", c->nfuncs,
                            m->nfuncs);
    m->tier_code = malloc((m->nfuncs ? m->nfuncs : 1) * sizeof *m->tier_code);
    if (!m->tier_code)
        return fl_error_set(err, 0, "out of memory");
    for (uint32_t i = 0; i < m->nfuncs; i++)
        m->tier_code[i] = (void *)c->entries[i];
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
    m->tier_data = c;
    return 0;
}

static void aot_release(fl_module *m) {
    free(m->tier_code);
    m->tier_code = NULL;
    if (m->tier_data)
        fl_aot_close(m->tier_data);
    m->tier_data = NULL;
}

/* The lowest stack address generated code may use: half of what
 * fl_invoke keeps free (budget.h) stays free below it, for the host
 * functions it calls (the deepest seen takes 15 KiB); being half, a
 * host->guest re-entry loop meets fl_invoke's own check first, and ends
 * with its words ("host->guest calls nested too deeply"). */
static uintptr_t stack_limit(void) {
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    size_t left = fl_cstack_left();
    if (left > ((size_t)1 << 30)) /* unknown: assume the smallest common stack */
        left = (size_t)1 << 20;
    if (left < FL_CSTACK_ENTRY_RESERVE / 2)
        return here;
    return here - left + FL_CSTACK_ENTRY_RESERVE / 2;
}

static fl_trap aot_call(fl_exec *ex, fl_funcinst *f, const fl_value *args, fl_value *results) {
    uintptr_t saved = ex->native_stack_limit;
    ex->native_stack_limit = stack_limit();
    ((fl_aot_entry)f->code)(f->instance, ex, args, results);
    ex->native_stack_limit = saved;
    return FL_TRAP_NONE;
}

const fl_tier fl_aot_tier = {
    .name = "machine code",
    .prepare = aot_prepare,
    .release = aot_release,
    .call = aot_call,
};

/* ---- the cache ---- */

int fl_tier_choice_parse(const char *s, fl_tier_choice *out) {
    if (!strcmp(s, "auto"))
        *out = FL_TIER_AUTO;
    else if (!strcmp(s, "interp"))
        *out = FL_TIER_INTERP;
    else if (!strcmp(s, "aot"))
        *out = FL_TIER_AOT;
    else
        return -1;
    return 0;
}

/* What identifies this CPU to code generated for it: vendor, model and
 * every feature bit (LLVM's host detection reads the same). */
static void cpu_identity(uint32_t out[12]) {
    memset(out, 0, 12 * sizeof *out);
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid(0, &a, &b, &c, &d)) {
        out[0] = b, out[1] = d, out[2] = c; /* vendor */
    }
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        out[3] = a, out[4] = c, out[5] = d;
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        out[6] = b, out[7] = c, out[8] = d;
    }
    if (__get_cpuid(0x80000001, &a, &b, &c, &d)) {
        out[9] = c, out[10] = d;
    }
#endif
}

void fl_aot_key(const uint8_t sha[32], uint8_t key[32]) {
    struct {
        char tag[16];
        uint8_t sha[32];
        uint64_t abi;
        uint32_t cpu[12];
    } in;
    memset(&in, 0, sizeof in);
    memcpy(in.tag, "faaslet-aot", 11);
    memcpy(in.sha, sha, 32);
    in.abi = FL_AOT_ABI;
    cpu_identity(in.cpu);
    unsigned n = 32;
    EVP_Digest(&in, sizeof in, key, &n, EVP_sha256(), NULL);
}

bool fl_aot_path(const char *dir, const uint8_t key[32], char *buf, size_t size) {
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    return snprintf(buf, size, "%s/%s.so", dir, hex) < (int)size;
}

/* Whether the file at `fd` ends with a trailer for `key` and its bytes
 * hash as the trailer says. */
static int check_file(int fd, const uint8_t key[32], fl_error *err) {
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(fl_aot_trailer))
        return fl_error_set(err, 0, "not machine code (too short)");
    size_t size = (size_t)st.st_size;
    uint8_t *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return fl_error_set(err, 0, "cannot map it: %s", strerror(errno));
    fl_aot_trailer t;
    memcpy(&t, p + size - sizeof t, sizeof t);
    int rc = -1;
    if (memcmp(t.magic, FL_AOT_TRAILER_MAGIC, sizeof t.magic) != 0)
        fl_error_set(err, 0, "not machine code (no trailer)");
    else if (memcmp(t.key, key, 32) != 0)
        fl_error_set(err, 0, "machine code for another module, CPU or version");
    else if (t.so_size != size - sizeof t || XXH3_64bits(p, t.so_size) != t.xxh3)
        fl_error_set(err, 0, "corrupt machine code (checksum)");
    else
        rc = 0;
    munmap(p, size);
    return rc;
}

fl_aot_code *fl_aot_open(const char *path, const uint8_t key[32], fl_error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fl_error_set(err, 0, "%s: %s", path, strerror(errno));
        return NULL;
    }
    /* (dlopen of /proc/self/fd/N would be the very file checked, but the
     * loader matches names before files: a later object opened through
     * the same descriptor number would get the first one back.  Files
     * appear in the cache only by rename, complete, and the key the
     * object records is checked again below.) */
    fl_aot_code *c = NULL;
    if (check_file(fd, key, err) < 0)
        goto out;
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        fl_error_set(err, 0, "cannot load machine code: %s", dlerror());
        goto out;
    }
    const fl_aot_info *info = dlsym(dl, FL_AOT_SYM_INFO);
    const fl_aot_entry *entries = dlsym(dl, FL_AOT_SYM_ENTRIES);
    fl_aot_rt *rt = dlsym(dl, FL_AOT_SYM_RT);
    if (!info || !entries || !rt || memcmp(info->magic, FL_AOT_MAGIC, 8) != 0 ||
        info->abi != FL_AOT_ABI || memcmp(info->key, key, 32) != 0) {
        fl_error_set(err, 0, "machine code of another version or module");
        dlclose(dl);
        goto out;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        dlclose(dl);
        fl_error_set(err, 0, "out of memory");
        goto out;
    }
    struct link_map *lm = NULL;
    text_find tf = {0, c, false, false};
    if (dlinfo(dl, RTLD_DI_LINKMAP, &lm) == 0 && lm) {
        tf.base = (uintptr_t)lm->l_addr;
        dl_iterate_phdr(register_text, &tf);
    }
    if (!tf.found || tf.missed) { /* code no kick could stop: refuse it */
        for (size_t i = 0; i < c->ntext; i++)
            fl__code_unregister(c->text[i]);
        free(c);
        c = NULL;
        dlclose(dl);
        fl_error_set(err, 0, "cannot register machine code for interruption");
        goto out;
    }
    *rt = helpers;
    c->dl = dl;
    c->entries = entries;
    c->nfuncs = info->nfuncs;
    c->refs = 1;
out:
    close(fd);
    return c;
}

void fl_aot_close(fl_aot_code *c) {
    if (c && __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        for (size_t i = 0; i < c->ntext; i++)
            fl__code_unregister(c->text[i]);
        dlclose(c->dl);
        free(c);
    }
}

/* faaslet-codegen's path: $FAASLET_CODEGEN, else beside this binary. */
static int codegen_program(char *buf, size_t size) {
    const char *env = getenv("FAASLET_CODEGEN");
    if (env && env[0])
        return snprintf(buf, size, "%s", env) < (int)size ? 0 : -1;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return snprintf(buf, size, "%s/faaslet-codegen", self) < (int)size ? 0 : -1;
}

int fl_aot_generate(const uint8_t *bytes, size_t len, const uint8_t key[32], const char *path,
                    bool progress, const volatile int *cancel, fl_error *err) {
    char prog[PATH_MAX], hex[65];
    if (codegen_program(prog, sizeof prog) < 0)
        return fl_error_set(err, 0, "cannot find faaslet-codegen");
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    /* the module reaches the program as its stdin, a sealed memfd */
    int fd = memfd_create("faaslet-codegen-input", MFD_CLOEXEC);
    if (fd < 0)
        return fl_error_set(err, 0, "memfd_create: %s", strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, bytes + done, len - done);
        if (w <= 0) {
            close(fd);
            return fl_error_set(err, 0, "writing the module for faaslet-codegen: %s", strerror(errno));
        }
        done += (size_t)w;
    }
    lseek(fd, 0, SEEK_SET);
    /* its last line of stderr is the message when it fails */
    int errpipe[2] = {-1, -1};
    if (!progress && pipe2(errpipe, O_CLOEXEC) < 0) {
        close(fd);
        return fl_error_set(err, 0, "pipe: %s", strerror(errno));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd, 0);
    if (errpipe[1] >= 0)
        posix_spawn_file_actions_adddup2(&fa, errpipe[1], 2);
    char *argv[8];
    int n = 0;
    argv[n++] = prog;
    if (progress)
        argv[n++] = "--progress";
    argv[n++] = "--key";
    argv[n++] = hex;
    argv[n++] = "-";
    argv[n++] = (char *)path;
    argv[n] = NULL;
    pid_t pid;
    int rc = posix_spawn(&pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd);
    if (errpipe[1] >= 0)
        close(errpipe[1]);
    char msg[512] = "";
    size_t got = 0;
    bool cancelled = false;
    if (rc == 0 && errpipe[0] >= 0) {
        /* read until EOF, looking at `cancel` between reads */
        for (;;) {
            if (cancel && *cancel) {
                cancelled = true;
                break;
            }
            struct pollfd pfd = {.fd = errpipe[0], .events = POLLIN};
            int pr = poll(&pfd, 1, cancel ? 100 : -1);
            if (pr < 0 && errno != EINTR)
                break;
            if (pr <= 0)
                continue;
            char buf[512];
            ssize_t r = read(errpipe[0], buf, sizeof buf);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            /* keep the last bytes */
            for (ssize_t k = 0; k < r; k++) {
                if (got == sizeof msg - 1) {
                    memmove(msg, msg + 256, got - 256);
                    got -= 256;
                }
                msg[got++] = buf[k];
            }
        }
        msg[got] = '\0';
    }
    if (errpipe[0] >= 0)
        close(errpipe[0]);
    if (rc != 0)
        return fl_error_set(err, 0, "cannot run %s: %s", prog, strerror(rc));
    while (got && msg[got - 1] == '\n')
        msg[--got] = '\0';
    const char *last = strrchr(msg, '\n') ? strrchr(msg, '\n') + 1 : msg;
    if (!strncmp(last, "faaslet-codegen: -: ", 20))
        last += 20;
    int status;
    for (;;) {
        if (cancelled || (cancel && *cancel)) {
            cancelled = true;
            kill(pid, SIGKILL);
        }
        pid_t w = waitpid(pid, &status, cancel && !cancelled ? WNOHANG : 0);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return fl_error_set(err, 0, "waiting for faaslet-codegen: %s", strerror(errno));
        if (w == 0)
            nanosleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
    }
    if (cancelled)
        return fl_error_set(err, 0, "code generation cancelled");
    if (WIFEXITED(status) && WEXITSTATUS(status) == FL_AOT_EXIT_LIMIT) {
        fl_error_set(err, 0, "%.190s", last);
        return -2;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return fl_error_set(err, 0, "code generation failed (%s %d)%s%.150s",
                            WIFEXITED(status) ? "exit status" : "signal",
                            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                            last[0] ? ": " : "", last);
    return 0;
}

/* Validation only: for loads that only check a module. */
static int prepare_nothing(fl_module *m, const fl_load_opts *o, fl_error *e) {
    (void)m, (void)o, (void)e;
    return 0;
}
static void release_nothing(fl_module *m) { (void)m; }
const fl_tier fl_validate_only_tier = {"validate", prepare_nothing, release_nothing, NULL};

/* The cache path of bytes with SHA-256 `sha` (NULL: computed) in dir. */
static int cache_path(const uint8_t *bytes, size_t len, const uint8_t *sha, const char *dir,
                      uint8_t key[32], char path[PATH_MAX], fl_error *err) {
    uint8_t digest[32];
    if (!sha) {
        unsigned n = 32;
        EVP_Digest(bytes, len, digest, &n, EVP_sha256(), NULL);
        sha = digest;
    }
    fl_aot_key(sha, key);
    if (!fl_aot_path(dir, key, path, PATH_MAX))
        return fl_error_set(err, 0, "the machine-code cache's path is too long");
    return 0;
}

/* Validates the bytes here (a module that cannot run gets the validator's
 * own words, and the program only good ones), then generates. */
static int generate_checked(const uint8_t *bytes, size_t len, const uint8_t key[32],
                            const char *dir, const char *path, const fl_load_opts *opts,
                            bool progress, fl_error *err) {
    fl_load_opts vo = opts ? *opts : (fl_load_opts){0};
    vo.tier = &fl_validate_only_tier;
    vo.adopt_mapping = false;
    fl_module *checked = fl_module_load_opts(bytes, len, &vo, err);
    if (!checked)
        return -1;
    fl_module_free(checked);
    if (fl_durable_make_dirs(dir, 0755) < 0)
        return fl_error_set(err, 0, "cannot make %s: %s", dir, strerror(errno));
    /* a module past the generator's limits is remembered as such
     * (PATH.limit holds why), not tried again on every load */
    char limit[PATH_MAX + 8];
    snprintf(limit, sizeof limit, "%s.limit", path);
    int fd = open(limit, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char why[190] = "";
        ssize_t n = read(fd, why, sizeof why - 1);
        close(fd);
        why[n > 0 ? n : 0] = '\0';
        fl_error_set(err, 0, "%s", why);
        return -2;
    }
    int rc = fl_aot_generate(bytes, len, key, path, progress, opts ? opts->interrupt : NULL, err);
    if (rc == -2)
        fl_durable_replace(limit, (const uint8_t *)err->message, strlen(err->message), 0644, 0755);
    return rc;
}

int fl_aot_ensure(const uint8_t *bytes, size_t len, const uint8_t *sha, const char *dir,
                  bool progress, const volatile int *cancel, fl_error *err) {
    uint8_t key[32];
    char path[PATH_MAX];
    if (cache_path(bytes, len, sha, dir, key, path, err) < 0)
        return -1;
    fl_error why = {0};
    fl_aot_code *c = fl_aot_open(path, key, &why);
    if (c) {
        fl_aot_close(c);
        return 1;
    }
    fl_load_opts o = {.interrupt = cancel};
    int rc = generate_checked(bytes, len, key, dir, path, &o, progress, err);
    if (rc < 0)
        return rc;
    c = fl_aot_open(path, key, err);
    if (!c)
        return -1;
    fl_aot_close(c);
    return 0;
}

fl_module *fl_aot_module_load(const uint8_t *bytes, size_t len, const uint8_t *sha,
                              const char *dir, fl_tier_choice choice, const fl_load_opts *opts,
                              bool *used_aot, fl_error *err) {
    fl_load_opts o = opts ? *opts : (fl_load_opts){0};
    fl_aot_code *c = NULL;
    if (used_aot)
        *used_aot = false;
    if (choice == FL_TIER_AOT && !dir) {
        fl_error_set(err, 0, "machine code needs a cache folder (a function store)");
        goto fail;
    }
    if (choice != FL_TIER_INTERP && dir) {
        uint8_t key[32];
        char path[PATH_MAX];
        if (cache_path(bytes, len, sha, dir, key, path, err) < 0)
            goto fail;
        fl_error why = {0};
        c = fl_aot_open(path, key, &why);
        if (!c && choice == FL_TIER_AOT) {
            int rc = generate_checked(bytes, len, key, dir, path, &o, false, err);
            if (rc == -1)
                goto fail;
            o.trusted = true; /* these very bytes validated just now */
            if (rc == 0 && !(c = fl_aot_open(path, key, err)))
                goto fail;
            /* rc -2: past the generator's limits, interpreted */
        }
    }
    if (c) {
        o.tier = &fl_aot_tier;
        o.tier_arg = c;
    }
    fl_module *m = fl_module_load_opts(bytes, len, &o, err);
    if (c)
        fl_aot_close(c); /* the module holds its own reference */
    if (m && used_aot)
        *used_aot = c != NULL;
    return m;
fail:
    if (o.adopt_mapping) /* the load took the mapping over, failing or not */
        munmap((void *)bytes, len);
    return NULL;
}
