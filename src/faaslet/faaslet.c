/*
 * faaslet.c: one call in one Faaslet, and the runtime around it (see
 * faaslet.h).  run_call() is the executor's callback: it finds the module,
 * builds a private store, exec, linker, WASI context and host context,
 * instantiates, runs the zygote and the entry, reports, and frees it all.
 *
 * A failed call's outcome travels beside its one-line error: the executor's
 * failure reason is FL_REASON_USER + the fl_outcome set where the failure
 * happens (OUTCOME below), or the executor's own (deadline, cancel).
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/runtime.h"
#include "faaslet/call_tmp.h"
#include "faaslet/faaslet.h"
#include "host/host.h"

/* One loaded module, shared by every Faaslet of user/func. */
typedef struct cached_module {
    char *user, *func;
    fl_module *module;
    struct cached_module *next;
} cached_module;

/* A Python function's folder given by fl_runtime_add_python. */
typedef struct python_dir {
    char *user, *func, *dir;
    struct python_dir *next;
} python_dir;

struct fl_runtime {
    fl_runtime_config cfg;
    fl_sched *sched;
    fl_global_tier global;
    bool global_made;
    fl_state *state;
    pthread_mutex_t lock; /* guards modules */
    cached_module *modules;
    fl_module *py_module;   /* python_dir/py_func.wasm once loaded; guarded by lock */
    python_dir *py_dirs;    /* guarded by lock */
    char tmp_parent[PATH_MAX]; /* where calls' private /tmp folders are made */
};

/* What a chained call carries beyond user, function and input. */
typedef struct chain_extra {
    int32_t func_ptr; /* > 0: enter at this table element instead of _start */
    bool python;      /* a Python call: user/function name the .py file, py_func runs */
    char *py_entry;   /* Python entry (owned); NULL or "": faasm_main */
} chain_extra;

static void extra_free(void *p) {
    chain_extra *e = p;
    if (e)
        free(e->py_entry);
    free(e);
}

/* A Python call's extra with entry `entry` (copied; NULL: faasm_main). */
static chain_extra *python_extra(const char *entry) {
    chain_extra *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->python = true;
    if (entry && !(e->py_entry = strdup(entry))) {
        free(e);
        return NULL;
    }
    return e;
}

/* The environment Faasm gives every function (its WasmEnvironment: thread
 * counts for BLAS libraries, CPython's settings, PYTHON_PATH spelled as
 * Faasm spells it), unless the configured environment sets the name. */
static const char *const FAASM_ENV[] = {
    "MKL_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1", "PYTHONHASHSEED=0", "PYTHONHOME=/",
    "PYTHONNOUSERSITE=on", "PYTHONWASM=1",      "PYTHON_PATH=/",
};
#define NFAASM_ENV (sizeof FAASM_ENV / sizeof FAASM_ENV[0])

/* Whether variable `var` ("NAME=value") is named in env[0..n). */
static bool env_names(const char *const *env, size_t n, const char *var) {
    size_t len = strcspn(var, "=");
    for (size_t i = 0; i < n; i++)
        if (!strncmp(env[i], var, len) && env[i][len] == '=')
            return true;
    return false;
}

/* argv[0] of a function, as on Faasm (Python calls keep the function's
 * name: CPython reads its argv[0]). */
#define FUNCTION_ARGV0 "function.wasm"

/* One running call: what the host ops need. */
typedef struct faaslet {
    fl_runtime *rt;
    const fl_call_info *call;
    fl_call_sink *sink;
    /* ids this call chained: the only ones it may await (ids are sequential,
     * so any other id would reach other calls', other users', results) */
    uint32_t *chained;
    size_t nchained, capchained;
} faaslet;

/* The executor's failure reason that carries outcome o. */
#define OUTCOME(o) (FL_REASON_USER + (int)(o))
#define LOAD_ERROR OUTCOME(FL_OUTCOME_LOAD)

/* ---- what a module must be to run as a function ---- */

/* Every export the runtime calls, with the types it may have: the host
 * sizes its argument and result arrays from this table (fl_invoke checks
 * them again), so a module whose exports differ is refused when it is
 * loaded, with a message, rather than when a call reaches it. */
typedef struct entry_type {
    const char *name;
    const char *sigs[2]; /* accepted signatures (module.h); NULL: no second */
    const char *rule;    /* what the message says it must be */
} entry_type;

static const entry_type ENTRY_TYPES[] = {
    {"_start", {":", ":i"}, "an entry point must be [] -> [] or [] -> [i32]"},
    {"_faasm_zygote", {":", ":i"}, "an entry point must be [] -> [] or [] -> [i32]"},
    {"_faasm_init", {":", NULL}, "an initialiser must be [] -> []"},
    {"__wasm_call_ctors", {":", NULL}, "an initialiser must be [] -> []"},
    {"__wasm_call_dtors", {":", NULL}, "a finaliser must be [] -> []"},
    {"malloc", {"i:i", NULL}, "an exported malloc must be [i32] -> [i32]"},
};

static const char *const EXTERN_KIND_NAMES[] = {"function", "table", "memory", "global"};

int fl_runtime_check_module(const fl_module *m, char *msg, size_t len) {
    for (size_t i = 0; i < sizeof ENTRY_TYPES / sizeof ENTRY_TYPES[0]; i++) {
        const entry_type *e = &ENTRY_TYPES[i];
        const fl_export *ex = fl_module_find_export(m, e->name);
        if (!ex)
            continue;
        if (ex->kind != FL_EXTERN_FUNC) {
            snprintf(msg, len, "%s is exported as a %s; %s", e->name,
                     ex->kind < 4 ? EXTERN_KIND_NAMES[ex->kind] : "non-function", e->rule);
            return -1;
        }
        const fl_functype *t = fl_module_func_type(m, ex->index);
        if (t && (fl_functype_is(t, e->sigs[0]) || (e->sigs[1] && fl_functype_is(t, e->sigs[1]))))
            continue;
        char text[96];
        snprintf(msg, len, "%s has type %s; %s", e->name,
                 t ? fl_functype_text(t, text, sizeof text) : "(none)", e->rule);
        return -1;
    }
    return 0;
}

/* ---- the module cache ---- */

static cached_module *cache_find(fl_runtime *rt, const char *user, const char *func) {
    for (cached_module *c = rt->modules; c; c = c->next)
        if (!strcmp(c->user, user) && !strcmp(c->func, func))
            return c;
    return NULL;
}

/* Adds `m` (ownership taken) under user/func unless one is there already;
 * returns the module to use.  Lock held. */
static const fl_module *cache_add(fl_runtime *rt, const char *user, const char *func,
                                  fl_module *m) {
    cached_module *c = cache_find(rt, user, func);
    if (c) {
        fl_module_free(m);
        return c->module;
    }
    c = calloc(1, sizeof *c);
    if (c) {
        c->user = strdup(user);
        c->func = strdup(func);
    }
    if (!c || !c->user || !c->func) {
        if (c) {
            free(c->user);
            free(c->func);
        }
        free(c);
        fl_module_free(m);
        return NULL;
    }
    c->module = m;
    c->next = rt->modules;
    rt->modules = c;
    return m;
}

/* Loads bytes[0..n) (borrowed) under `cancel` (may be NULL) and checks
 * that it can run as a function; NULL with "WHAT: why" in msg[0..len). */
static fl_module *load_checked(const uint8_t *bytes, size_t n, const volatile int *cancel,
                               const char *what, char *msg, size_t len) {
    fl_load_opts opts = {.interrupt = cancel};
    fl_error err = {0};
    fl_module *m = fl_module_load_opts(bytes, n, &opts, &err);
    if (!m) {
        snprintf(msg, len, "%s: %s (at byte %zu)", what, err.message, err.offset);
        return NULL;
    }
    if (fl_runtime_check_module(m, err.message, sizeof err.message) < 0) {
        snprintf(msg, len, "%s: %s", what, err.message);
        fl_module_free(m);
        return NULL;
    }
    return m;
}

/* The module of user/func: cached, or read from the function store and
 * loaded.  The lock is held only to look up and to insert: reading and
 * loading run without it, so a slow load holds up no other call.  Two
 * calls may load the same module at once; the first to insert wins and the
 * other frees its copy.  `cancel` (the call's flag; may be NULL) interrupts
 * the load, so the call's timeout covers it.  NULL with a message in
 * msg[0..len). */
static const fl_module *module_get(fl_runtime *rt, const char *user, const char *func,
                                   const volatile int *cancel, char *msg, size_t len) {
    const fl_module *m = NULL;
    uint8_t *bytes = NULL;
    size_t n = 0;

    pthread_mutex_lock(&rt->lock);
    cached_module *c = cache_find(rt, user, func);
    if (c)
        m = c->module;
    pthread_mutex_unlock(&rt->lock);
    if (m)
        return m;
    if (!rt->cfg.fnstore) {
        snprintf(msg, len, "no function %s/%s (and no function store)", user, func);
        return NULL;
    }
    int rc = fl_fnstore_get_wasm(rt->cfg.fnstore, user, func, &bytes, &n);
    if (rc < 0) {
        snprintf(msg, len, "no function %s/%s in the function store %s: %s", user, func,
                 fl_fnstore_dir(rt->cfg.fnstore), strerror(-rc));
        return NULL;
    }
    char what[2 * FL_FNSTORE_NAME_MAX + 2];
    snprintf(what, sizeof what, "%s/%s", user, func);
    fl_module *loaded = load_checked(bytes, n, cancel, what, msg, len);
    free(bytes);
    if (!loaded)
        return NULL;
    pthread_mutex_lock(&rt->lock);
    m = cache_add(rt, user, func, loaded);
    pthread_mutex_unlock(&rt->lock);
    if (!m)
        snprintf(msg, len, "out of memory");
    return m;
}

/* Reads all of file `path` into a malloc'd *bytes.  Returns 0 or -errno. */
static int read_whole_file(const char *path, uint8_t **bytes, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    *bytes = NULL;
    if (fd < 0)
        return -errno;
    int e = fstat(fd, &st) < 0 ? errno : !S_ISREG(st.st_mode) ? EISDIR : 0;
    if (e) {
        close(fd);
        return -e;
    }
    size_t n = (size_t)st.st_size, got = 0;
    uint8_t *b = malloc(n ? n : 1);
    if (!b) {
        close(fd);
        return -ENOMEM;
    }
    while (got < n) {
        ssize_t r = read(fd, b + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            free(b);
            close(fd);
            return -e;
        }
        got += (size_t)r;
    }
    close(fd);
    *bytes = b;
    *len = n;
    return 0;
}

/* py_func, loaded from python_dir on first use and kept.  As in
 * module_get, the lock covers only the look-up and the insertion, and
 * `cancel` (may be NULL) interrupts the load.  NULL with a message in
 * msg[0..len). */
static const fl_module *python_module(fl_runtime *rt, const volatile int *cancel, char *msg,
                                      size_t len) {
    char path[PATH_MAX];
    uint8_t *bytes = NULL;
    size_t n = 0;

    pthread_mutex_lock(&rt->lock);
    const fl_module *m = rt->py_module;
    pthread_mutex_unlock(&rt->lock);
    if (m)
        return m;
    if (!rt->cfg.python_dir) {
        snprintf(msg, len, "no Python runtime configured (build it with make python)");
        return NULL;
    }
    snprintf(path, sizeof path, "%s/py_func.wasm", rt->cfg.python_dir);
    int rc = read_whole_file(path, &bytes, &n);
    if (rc < 0) {
        snprintf(msg, len, "the Python runtime %s: %s (build it with make python)", path,
                 strerror(-rc));
        return NULL;
    }
    fl_module *loaded = load_checked(bytes, n, cancel, path, msg, len);
    free(bytes);
    if (!loaded)
        return NULL;
    pthread_mutex_lock(&rt->lock);
    if (!rt->py_module)
        rt->py_module = loaded;
    else
        fl_module_free(loaded); /* another call loaded it meanwhile: keep theirs */
    m = rt->py_module;
    pthread_mutex_unlock(&rt->lock);
    return m;
}

/* The host folder of Python function user/func into buf[0..PATH_MAX):
 * the one added with fl_runtime_add_python, else the store's.  Returns 0,
 * or -1 with a message in msg when there is none or it lacks function.py. */
static int python_folder(fl_runtime *rt, const char *user, const char *func, char *buf,
                         char *msg, size_t len) {
    buf[0] = 0;
    pthread_mutex_lock(&rt->lock);
    for (python_dir *d = rt->py_dirs; d; d = d->next)
        if (!strcmp(d->user, user) && !strcmp(d->func, func)) {
            snprintf(buf, PATH_MAX, "%s", d->dir);
            break;
        }
    pthread_mutex_unlock(&rt->lock);
    if (!buf[0] && rt->cfg.fnstore)
        snprintf(buf, PATH_MAX, "%s/pyfuncs/%s/%s", fl_fnstore_dir(rt->cfg.fnstore), user,
                 func);
    char file[PATH_MAX + 16];
    struct stat st;
    snprintf(file, sizeof file, "%s/function.py", buf);
    if (!buf[0] || stat(file, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(msg, len, "no Python function %s/%s%s%s", user, func,
                 buf[0] ? " in " : " (and no function store)", buf[0] ? buf : "");
        return -1;
    }
    return 0;
}

int fl_runtime_add_module(fl_runtime *rt, const char *user, const char *func,
                          const uint8_t *bytes, size_t len, fl_error *err) {
    fl_module *m = fl_module_load(bytes, len, err);
    if (!m)
        return -1;
    if (fl_runtime_check_module(m, err->message, sizeof err->message) < 0) {
        err->offset = 0;
        fl_module_free(m);
        return -2;
    }
    pthread_mutex_lock(&rt->lock);
    const fl_module *kept = cache_add(rt, user, func, m);
    pthread_mutex_unlock(&rt->lock);
    if (!kept)
        return fl_error_set(err, 0, "out of memory");
    return 0;
}

/* ---- host ops: what the guest's chain/await/output calls reach ---- */

/* A runaway call tree: the message goes to err and becomes the whole
 * tree's failure (the executor cancels every call of it). */
__attribute__((format(printf, 4, 5))) static void runaway(faaslet *f, char *err, size_t errlen,
                                                          const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    fl_sched_fail_tree(f->rt->sched, OUTCOME(FL_OUTCOME_TRAP), "%s", err);
}

/* Submits a chained call of function `func` of this call's user carrying
 * `extra` (ownership taken, may be NULL) into this call's tree, with what
 * is left of its deadline, and records its id.  Returns the id, or 0 with
 * a message in err. */
static uint32_t submit_chained(faaslet *f, const char *func, chain_extra *extra,
                               const uint8_t *in, size_t len, char *err, size_t errlen) {
    uint32_t id = 0;
    fl_budget *budget = f->call->msg.budget;
    fl_budget_limits lim = fl_budget_get_limits(budget);
    /* the tree's shape: past these it is a runaway, not one bad call */
    if (f->call->tree_depth >= lim.chain_depth) {
        runaway(f, err, errlen, "chain depth limit (%u) reached", lim.chain_depth);
        goto fail;
    }
    if (f->nchained >= lim.chained_per_call) {
        runaway(f, err, errlen, "more than %u chained calls from one call",
                lim.chained_per_call);
        goto fail;
    }
    if (fl_budget_charge(budget, FL_BUDGET_CALLS, 1) < 0) {
        runaway(f, err, errlen, "call tree limit: %u calls", lim.calls);
        goto fail;
    }
    /* room for the id first: a call chained but not recorded could never be awaited */
    if (f->nchained == f->capchained) {
        size_t cap = f->capchained ? f->capchained * 2 : 8;
        uint32_t *ids = realloc(f->chained, cap * sizeof *ids);
        if (!ids) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        f->chained = ids;
        f->capchained = cap;
    }
    fl_call_msg msg = {
        .user = f->call->msg.user,
        .function = func,
        .input = in,
        .input_len = len,
        .opaque = extra,
        .opaque_free = extra ? extra_free : NULL,
        .timeout_ms = f->call->msg.timeout_ms, /* named in the timeout message */
        .deadline_ns = fl_budget_deadline_ns(budget),
        .budget = budget,
    };
    int rc = fl_sched_submit_call(f->rt->sched, &msg, &id);
    if (rc == -EDQUOT)
        snprintf(err, errlen, "memory limit reached (%llu MiB for the call tree): a chained "
                              "input of %zu bytes does not fit",
                 (unsigned long long)(fl_budget_limit(budget, FL_BUDGET_MEMORY) >> 20), len);
    else if (rc == -ECANCELED)
        snprintf(err, errlen, "the call is being cancelled");
    else if (rc < 0)
        snprintf(err, errlen, "the executor refused the call (%s)",
                 rc == -ESHUTDOWN ? "shutting down" : strerror(-rc));
    if (rc < 0) {
        fl_budget_release(budget, FL_BUDGET_CALLS, 1);
        goto fail;
    }
    f->chained[f->nchained++] = id;
    return id;
fail:
    extra_free(extra);
    return 0;
}

static uint32_t op_chain(void *ud, const char *name, int32_t func_ptr, const uint8_t *in,
                         size_t len, char *err, size_t errlen) {
    faaslet *f = ud;
    const char *user = f->call->msg.user;
    chain_extra *extra = NULL;

    if (name) {
        const char *why = fl_fnstore_check_name(name, strlen(name));
        if (why) {
            snprintf(err, errlen, "bad function name: %s", why);
            return 0;
        }
        /* fail at the chain, not at the await, when the function is missing */
        pthread_mutex_lock(&f->rt->lock);
        bool known = cache_find(f->rt, user, name) != NULL;
        pthread_mutex_unlock(&f->rt->lock);
        if (!known && !(f->rt->cfg.fnstore &&
                        fl_fnstore_exists(f->rt->cfg.fnstore, FL_FNSTORE_WASM, user, name))) {
            snprintf(err, errlen, "no function %s/%s", user, name);
            return 0;
        }
    }
    if (!name) {
        extra = calloc(1, sizeof *extra);
        if (!extra) {
            snprintf(err, errlen, "out of memory");
            return 0;
        }
        extra->func_ptr = func_ptr;
    }
    return submit_chained(f, name ? name : f->call->msg.function, extra, in, len, err, errlen);
}

/* __faasm_chain_py: the same Python file (this call's user and function)
 * entered at `entry`. */
static uint32_t op_chain_py(void *ud, const char *entry, const uint8_t *in, size_t len,
                            char *err, size_t errlen) {
    faaslet *f = ud;
    const chain_extra *self = f->call->msg.opaque;
    if (!self || !self->python) {
        snprintf(err, errlen, "this call is not a Python function");
        return 0;
    }
    const char *why = fl_fnstore_check_name(entry, strlen(entry));
    if (why) {
        snprintf(err, errlen, "bad entry name: %s", why);
        return 0;
    }
    chain_extra *extra = python_extra(entry);
    if (!extra) {
        snprintf(err, errlen, "out of memory");
        return 0;
    }
    return submit_chained(f, f->call->msg.function, extra, in, len, err, errlen);
}

static int op_await(void *ud, uint32_t id, int *retval, uint8_t **out, size_t *out_len) {
    faaslet *f = ud;
    size_t i = 0;
    while (i < f->nchained && f->chained[i] != id)
        i++;
    if (i == f->nchained)
        return -ENOENT; /* not a call of ours: as if it did not exist */
    if (out)
        return fl_sched_await_output(f->rt->sched, id, -1, retval, out, out_len);
    return fl_sched_await(f->rt->sched, id, -1, retval);
}

static int op_set_output(void *ud, const uint8_t *bytes, size_t len) {
    faaslet *f = ud;
    return fl_call_set_output(f->sink, bytes, len);
}

static const fl_host_ops host_ops = {op_chain, op_await, op_set_output, op_chain_py};

/* ---- one call ---- */

/* Calls entry `f`, of type [] -> [] or [] -> [i32] (fl_runtime_check_module
 * made sure at load): *result gets its i32, or 0 when it has none.  The
 * counts given to fl_invoke are this function's one-slot array, never the
 * type's: a type that slipped past the load check is refused, not obeyed. */
static fl_trap invoke_entry(fl_exec *ex, fl_funcinst *f, int32_t *result) {
    fl_value v[1] = {{0}};
    size_t nresults = f->type->nresults ? 1 : 0;
    fl_trap trap = fl_invoke(ex, f, NULL, 0, v, nresults);
    *result = trap == FL_TRAP_NONE && nresults ? (int32_t)v[0].i32 : 0;
    return trap;
}

/* Runs the entry: table element func_ptr (int (void)) or _start.  Sets
 * *retval when the guest ends normally or exits. */
static fl_trap run_entry(fl_exec *ex, fl_instance *inst, int32_t func_ptr, int *retval,
                         char *msg, size_t len) {
    int32_t ret = 0;
    if (func_ptr > 0) {
        fl_table *t = inst->module->ntables + inst->module->nimported_tables ? inst->tables[0]
                                                                           : NULL;
        fl_funcinst *f = t && (uint32_t)func_ptr < t->size ? t->elems[func_ptr] : NULL;
        if (!f) {
            snprintf(msg, len, "function pointer %d is not a function of the table", func_ptr);
            return FL_TRAP_UNDEFINED_ELEMENT;
        }
        if (f->type->nparams != 0 || f->type->nresults > 1 ||
            (f->type->nresults == 1 && f->type->results[0] != FL_I32)) {
            snprintf(msg, len, "chained function %d is not int (void)", func_ptr);
            return FL_TRAP_INDIRECT_TYPE;
        }
        /* Only _start runs the C constructors (wasi-libc's preopens...); the
         * SDK's exported no-op _faasm_init gets them run by the linker's
         * export wrapper, as does an exported __wasm_call_ctors. */
        fl_funcinst *init = fl_instance_func(inst, "_faasm_init");
        if (!init)
            init = fl_instance_func(inst, "__wasm_call_ctors");
        if (init) {
            fl_trap trap = fl_invoke(ex, init, NULL, 0, NULL, 0);
            if (trap != FL_TRAP_NONE)
                return trap;
        }
        fl_trap trap = invoke_entry(ex, f, &ret);
        if (trap != FL_TRAP_NONE)
            return trap;
        *retval = ret;
        /* The C destructors flush stdio (exit() runs them, a plain return
         * does not): __wasm_call_dtors when exported, else the wrapper of
         * _faasm_init again (it runs the constructors once more first,
         * which a Faaslet about to be freed can afford). */
        fl_funcinst *fini = fl_instance_func(inst, "__wasm_call_dtors");
        if (!fini)
            fini = init;
        if (fini)
            return fl_invoke(ex, fini, NULL, 0, NULL, 0);
        return FL_TRAP_NONE;
    }
    fl_funcinst *start = fl_instance_func(inst, "_start");
    if (!start) {
        snprintf(msg, len, "the module exports no _start (not a WASI command)");
        return FL_TRAP_UNSUPPORTED;
    }
    /* wasi-libc's _start is [] -> [] and calls exit() for a non-zero main;
     * a _start of [] -> [i32] returns the status */
    fl_trap trap = invoke_entry(ex, start, &ret);
    if (trap == FL_TRAP_NONE)
        *retval = ret;
    return trap;
}

/* Whether an out-of-bounds trap was the guest's C stack overflowing: the
 * global the module's name section calls "__stack_pointer" (wasm-ld's
 * name for the C stack pointer), a mutable i32, holds a negative value.
 * With the stack first in memory (faaslet cc's default, as Faasm's) the
 * stack's lowest address is 0, so a frame pushed past it wraps the pointer
 * below 0 and its first access lands past the memory's end.  A stripped
 * name section, or a leaf function that keeps the lowered pointer in a
 * local only, leaves the plain out-of-bounds message.  The pointer goes
 * to *sp. */
static bool stack_overflowed(const fl_instance *inst, int32_t *sp) {
    const fl_module *m = inst ? inst->module : NULL;
    if (!m || !m->has_stack_pointer ||
        m->stack_pointer >= m->nimported_globals + m->nglobals)
        return false;
    const fl_global *g = inst->globals[m->stack_pointer];
    if (!g || g->type.valtype != FL_I32 || !g->type.mutable_)
        return false;
    *sp = (int32_t)g->value.i32;
    return *sp < 0;
}

/* Reports a trap on the sink in one line, naming the limit it came from.
 * (A trap after the executor raised the call's flag, "interrupted", is
 * reported by the executor instead: as a timeout or a cancel.) */
static void report_trap(fl_runtime *rt, const fl_call_info *call, fl_call_sink *sink,
                        fl_exec *ex, fl_instance *inst, fl_trap trap, const char *where,
                        const char *msg) {
    const char *detail = msg[0] ? msg : ex->trap_detail;
    /* a cap or the budget refused the guest memory before it trapped: say so */
    const char *limit = inst ? fl_store_limit_reached(inst->store) : NULL;
    if (limit) {
        fl_call_fail(sink, OUTCOME(FL_OUTCOME_TRAP), "%s; then %s%s%s%s", limit, where,
                     fl_trap_message(trap), detail[0] ? ": " : "", detail);
        return;
    }
    int32_t sp;
    if (trap == FL_TRAP_MEMORY_OOB && stack_overflowed(inst, &sp)) {
        fl_call_fail(sink, OUTCOME(FL_OUTCOME_TRAP),
                     "%sstack overflow: the function's stack pointer went below 0 "
                     "(__stack_pointer = %" PRId32 "; %s)",
                     where, sp, fl_trap_message(trap));
        return;
    }
    fl_call_fail(sink, OUTCOME(FL_OUTCOME_TRAP), "%s%s%s%s", where, fl_trap_message(trap),
                 detail[0] ? ": " : "", detail);
}

/* " env.x" for the first import that is neither WASI nor a known
 * env.__faasm_* function (to name it in a link error), else "". */
static const char *unknown_import(const fl_module *m, char *buf, size_t len) {
    for (uint32_t i = 0; i < m->nimports; i++) {
        const fl_import *imp = &m->imports[i];
        if (!strcmp(imp->module, "wasi_snapshot_preview1"))
            continue;
        bool known = false;
        for (size_t h = 0; !strcmp(imp->module, "env") && h < fl_host_count(); h++)
            known = known || !strcmp(fl_host_name(h), imp->name);
        if (!known) {
            snprintf(buf, len, " %s.%s", imp->module, imp->name);
            return buf;
        }
    }
    return "";
}

/* ---- the call's filesystem: runtime root and private /tmp ---- */

/* Whether guest paths a and b are the same but for trailing slashes. */
static bool same_guest_path(const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    while (na > 1 && a[na - 1] == '/')
        na--;
    while (nb > 1 && b[nb - 1] == '/')
        nb--;
    return na == nb && !memcmp(a, b, na);
}

static bool has_guest_path(const fl_runtime_config *c, const char *guest) {
    for (size_t i = 0; i < c->npreopens; i++)
        if (c->preopens[i].guest_path && same_guest_path(c->preopens[i].guest_path, guest))
            return true;
    return false;
}

static void run_call(void *ctx, const fl_call_info *call, fl_call_sink *sink) {
    fl_runtime *rt = ctx;
    const char *user = call->msg.user, *func = call->msg.function;
    const chain_extra *extra = call->msg.opaque;
    faaslet self = {.rt = rt, .call = call, .sink = sink};
    char msg[256] = "";
    fl_error err = {0};
    fl_wasi *wasi = NULL;
    fl_host *host = NULL;
    fl_store *store = NULL;
    fl_linker *linker = NULL;
    fl_exec *ex = NULL;
    fl_instance *inst = NULL;
    const char **argv = NULL, **envp = NULL;
    fl_wasi_preopen *preopens = NULL;
    fl__call_tmp tmp = {.fd = -1, .spare = -1};
    fl_budget *budget = call->msg.budget;
    int retval = 0;
    fl_trap trap;
    bool python = extra && extra->python;
    /* a Python call: its runtime root and the function's folder */
    char py_root[PATH_MAX] = "", py_dir[PATH_MAX] = "", py_guest[PATH_MAX] = "";

    const fl_module *m = python ? python_module(rt, call->cancel, msg, sizeof msg)
                                : module_get(rt, user, func, call->cancel, msg, sizeof msg);
    if (!m) { /* a load the deadline stopped is reported by the executor, as a timeout */
        fl_call_fail(sink, LOAD_ERROR, "%s", msg);
        return;
    }
    if (python) {
        if (python_folder(rt, user, func, py_dir, msg, sizeof msg) < 0) {
            fl_call_fail(sink, LOAD_ERROR, "%s", msg);
            return;
        }
        snprintf(py_root, sizeof py_root, "%s/root", rt->cfg.python_dir);
        snprintf(py_guest, sizeof py_guest, "/pyfuncs/%s/%s", user, func);
    }

    if (!(extra && extra->func_ptr > 0) && !fl_module_find_export(m, "_start")) {
        fl_call_fail(sink, LOAD_ERROR, "%s/%s exports no _start: not a WASI command "
                                       "(faaslet run --invoke calls other exports)",
                     user, func);
        return;
    }

    /* calls from outside get the runtime's argv; chained calls only their name */
    size_t argc = 1 + (call->parent == 0 ? rt->cfg.argc : 0);
    argv = calloc(argc, sizeof *argv);
    if (!argv)
        goto oom;
    argv[0] = python ? func : FUNCTION_ARGV0;
    for (size_t i = 1; i < argc; i++)
        argv[i] = rt->cfg.argv[i - 1];
    fl_wasi_config wc;
    fl_wasi_config_init(&wc);
    wc.argv = argv;
    wc.argc = argc;
    envp = calloc(NFAASM_ENV + rt->cfg.envc, sizeof *envp);
    if (!envp)
        goto oom;
    size_t envc = 0;
    for (size_t i = 0; i < NFAASM_ENV; i++)
        if (!env_names((const char *const *)rt->cfg.envp, rt->cfg.envc, FAASM_ENV[i]))
            envp[envc++] = FAASM_ENV[i];
    for (size_t i = 0; i < rt->cfg.envc; i++)
        envp[envc++] = rt->cfg.envp[i];
    wc.envp = envp;
    wc.envc = envc;
    /* the configured preopens keep fds 3, 4, ...; then "/" and "/tmp"
     * (and a Python function's folder, which wasi-libc prefers to "/" for
     * paths under it: the longest preopen prefix wins) */
    size_t npre = rt->cfg.npreopens;
    preopens = calloc(npre + 3, sizeof *preopens);
    if (!preopens)
        goto oom;
    if (npre)
        memcpy(preopens, rt->cfg.preopens, npre * sizeof *preopens);
    const char *root = python ? py_root : rt->cfg.runtime_root;
    if (root && !has_guest_path(&rt->cfg, "/"))
        preopens[npre++] = (fl_wasi_preopen){.host_path = root, .guest_path = "/", .read_only = true};
    if (python)
        preopens[npre++] = (fl_wasi_preopen){.host_path = py_dir, .guest_path = py_guest, .read_only = true};
    if (!rt->cfg.no_private_tmp && !has_guest_path(&rt->cfg, "/tmp")) {
        tmp.parent = rt->tmp_parent;
        if (fl__call_tmp_make(&tmp, msg, sizeof msg) < 0) {
            fl_call_fail(sink, LOAD_ERROR, "%s", msg);
            goto out;
        }
        preopens[npre++] =
            (fl_wasi_preopen){.host_path = tmp.path, .guest_path = "/tmp", .disk_quota = true};
    }
    wc.preopens = preopens;
    wc.npreopens = npre;
    wc.no_openat2 = rt->cfg.no_openat2;
    wc.budget = budget;
    memcpy(wc.stdio, rt->cfg.stdio, sizeof wc.stdio);
    wasi = fl_wasi_new(&wc, msg, sizeof msg);
    if (!wasi) {
        fl_call_fail(sink, LOAD_ERROR, "WASI setup: %s", msg);
        goto out;
    }

    fl_host_config hc = {
        .ops = &host_ops,
        .ud = &self,
        .user = user,
        .input = call->msg.input,
        .input_len = call->msg.input_len,
        .state = rt->state,
        .wasi = wasi,
        .budget = budget,
        .py_user = python ? user : NULL,
        .py_func = python ? func : NULL,
        .py_entry = python ? extra->py_entry : NULL,
    };
    host = fl_host_new(&hc);
    fl_store_limits limits = {.max_memory_pages = rt->cfg.max_memory_mib
                                                      ? rt->cfg.max_memory_mib * 16
                                                      : 0,
                              .budget = budget};
    store = fl_store_new(&limits);
    linker = store ? fl_linker_new(store) : NULL;
    ex = fl_exec_new(0);
    if (!host || !store || !linker || !ex)
        goto oom;
    if (rt->cfg.max_depth)
        ex->max_depth = rt->cfg.max_depth;
    if (fl_wasi_define(wasi, linker) < 0 || fl_host_define(host, linker) < 0) {
        fl_call_fail(sink, LOAD_ERROR, "cannot define the host functions");
        goto out;
    }
    fl_call_watch(sink, &ex->interrupt);

    switch (fl_instantiate(store, m, linker, ex, &inst, &err)) {
    case FL_INST_OK:
        break;
    case FL_INST_LINK_ERROR:
        fl_call_fail(sink, LOAD_ERROR, "%s/%s: %s%s", user, func, err.message,
                     unknown_import(m, msg, sizeof msg));
        goto out;
    case FL_INST_NO_MEMORY: /* the message says when a limit refused it */
        fl_call_fail(sink, LOAD_ERROR, "%s/%s: %s", user, func, err.message);
        goto out;
    case FL_INST_TRAP:
        /* a start function past the deadline is a timeout: the executor says so */
        fl_call_fail(sink, OUTCOME(FL_OUTCOME_TRAP), "in the start function: %s", err.message);
        goto out;
    }

    fl_funcinst *zygote = fl_instance_func(inst, "_faasm_zygote");
    if (zygote) {
        int32_t zret;
        trap = invoke_entry(ex, zygote, &zret);
        if (trap == FL_TRAP_EXIT && ex->exit_code == 0)
            trap = FL_TRAP_NONE;
        if (trap != FL_TRAP_NONE) {
            report_trap(rt, call, sink, ex, inst, trap, "in _faasm_zygote: ", "");
            goto out;
        }
        if (zret != 0) {
            fl_call_fail(sink, OUTCOME(FL_OUTCOME_TRAP), "_faasm_zygote returned %d", zret);
            goto out;
        }
    }

    trap = run_entry(ex, inst, extra ? extra->func_ptr : 0, &retval, msg, sizeof msg);
    if (trap == FL_TRAP_EXIT) {
        retval = ex->exit_code;
        trap = FL_TRAP_NONE;
    }
    if (trap != FL_TRAP_NONE) {
        report_trap(rt, call, sink, ex, inst, trap, "", msg);
        goto out;
    }
    fl_call_set_return(sink, retval);
    goto out;

oom:
    fl_call_fail(sink, LOAD_ERROR, "out of memory setting up the Faaslet");
out:
    if (ex)
        fl_call_watch(sink, NULL);
    if (linker)
        fl_linker_free(linker);
    if (store)
        fl_store_free(store);
    if (ex)
        fl_exec_free(ex);
    fl_host_free(host);
    fl_wasi_free(wasi);
    /* after the WASI fds are closed; a leftover is reported (and swept by
     * the next runtime once this process is gone) */
    fl__call_tmp_remove(&tmp);
    free(preopens);
    free(envp);
    free(argv);
    free(self.chained);
}

/* ---- the runtime ---- */

void fl_runtime_config_init(fl_runtime_config *c) {
    memset(c, 0, sizeof *c);
    c->threads = 2;
    c->stdio[0] = 0;
    c->stdio[1] = 1;
    c->stdio[2] = 2;
}

fl_runtime *fl_runtime_new(const fl_runtime_config *c, char *err, size_t errlen) {
    fl_runtime *rt = calloc(1, sizeof *rt);
    if (!rt) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    rt->cfg = *c;
    if (!rt->cfg.threads)
        rt->cfg.threads = 2;
    if (rt->cfg.max_memory_mib >= 4096)
        rt->cfg.max_memory_mib = 0; /* wasm32 cannot address more anyway */
    if (!rt->cfg.max_state_mib)
        rt->cfg.max_state_mib = FL_RUNTIME_DEFAULT_STATE_MIB;
    const char *parent = rt->cfg.tmp_parent;
    if (!parent || !parent[0])
        parent = getenv("TMPDIR");
    if (!parent || !parent[0])
        parent = "/tmp";
    snprintf(rt->tmp_parent, sizeof rt->tmp_parent, "%s", parent);
    pthread_mutex_init(&rt->lock, NULL);
    if (fl_global_mem_open(rt->cfg.state_dir, &rt->global) < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    rt->global_made = true;
    if (fl_state_new(&rt->global, &rt->state) < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    fl_state_set_quota(rt->state, (uint64_t)rt->cfg.max_state_mib << 20);
    if (!rt->cfg.no_private_tmp)
        fl__call_tmp_sweep(rt->tmp_parent);
    rt->sched = fl_sched_new(rt->cfg.threads, run_call, rt);
    if (!rt->sched) {
        snprintf(err, errlen, "cannot start %u executor threads", rt->cfg.threads);
        goto fail;
    }
    return rt;
fail:
    fl_runtime_free(rt);
    return NULL;
}

void fl_runtime_free(fl_runtime *rt) {
    if (!rt)
        return;
    if (rt->sched)
        fl_sched_free(rt->sched, FL_SCHED_DRAIN);
    if (rt->state)
        fl_state_free(rt->state);
    if (rt->global_made)
        fl_global_mem_free(&rt->global);
    fl_module_free(rt->py_module);
    for (python_dir *d = rt->py_dirs, *next; d; d = next) {
        next = d->next;
        free(d->user);
        free(d->func);
        free(d->dir);
        free(d);
    }
    for (cached_module *c = rt->modules, *next; c; c = next) {
        next = c->next;
        fl_module_free(c->module);
        free(c->user);
        free(c->func);
        free(c);
    }
    pthread_mutex_destroy(&rt->lock);
    free(rt);
}

/* Submits the root of a new call tree with a fresh budget from the config
 * (its deadline counts from now); takes ownership of extra.  Returns the
 * call id or 0. */
static uint32_t submit_root(fl_runtime *rt, const char *user, const char *func,
                            const uint8_t *input, size_t len, chain_extra *extra) {
    const fl_runtime_config *c = &rt->cfg;
    fl_budget_limits lim = {
        .timeout_ms = c->timeout_ms,
        .memory_bytes = (uint64_t)c->max_memory_mib << 20,
        .fds = c->max_fds,
        .disk_bytes = (uint64_t)c->max_disk_mib << 20,
        .calls = c->max_calls,
        .chain_depth = c->max_chain_depth,
        .chained_per_call = c->max_chained,
    };
    fl_budget *budget = fl_budget_new(&lim);
    uint32_t id = 0;
    if (!budget || fl_budget_charge(budget, FL_BUDGET_CALLS, 1) < 0) {
        extra_free(extra);
        goto out;
    }
    fl_call_msg msg = {
        .user = user,
        .function = func,
        .input = input,
        .input_len = len,
        .opaque = extra,
        .opaque_free = extra ? extra_free : NULL,
        .timeout_ms = c->timeout_ms,
        .deadline_ns = fl_budget_deadline_ns(budget),
        .budget = budget,
        .flags = FL_CALL_KEEP,
    };
    id = fl_sched_submit(rt->sched, &msg);
    if (!id)
        extra_free(extra);
out:
    fl_budget_unref(budget); /* the call holds its own reference */
    return id;
}

uint32_t fl_runtime_submit(fl_runtime *rt, const char *user, const char *func,
                           const uint8_t *input, size_t len) {
    return submit_root(rt, user, func, input, len, NULL);
}

int fl_runtime_add_python(fl_runtime *rt, const char *user, const char *func,
                          const char *dir) {
    char *copy = strdup(dir);
    if (!copy)
        return -ENOMEM;
    pthread_mutex_lock(&rt->lock);
    python_dir *d = rt->py_dirs;
    while (d && (strcmp(d->user, user) || strcmp(d->func, func)))
        d = d->next;
    if (d) {
        free(d->dir);
        d->dir = copy;
        pthread_mutex_unlock(&rt->lock);
        return 0;
    }
    d = calloc(1, sizeof *d);
    if (d) {
        d->user = strdup(user);
        d->func = strdup(func);
        d->dir = copy;
    }
    if (!d || !d->user || !d->func) {
        pthread_mutex_unlock(&rt->lock);
        if (d) {
            free(d->user);
            free(d->func);
        }
        free(d);
        free(copy);
        return -ENOMEM;
    }
    d->next = rt->py_dirs;
    rt->py_dirs = d;
    pthread_mutex_unlock(&rt->lock);
    return 0;
}

uint32_t fl_runtime_submit_python(fl_runtime *rt, const char *user, const char *func,
                                  const uint8_t *input, size_t len) {
    return fl_runtime_submit_python_at(rt, user, func, NULL, input, len);
}

uint32_t fl_runtime_submit_python_at(fl_runtime *rt, const char *user, const char *func,
                                     const char *entry, const uint8_t *input, size_t len) {
    chain_extra *extra = python_extra(entry && *entry ? entry : NULL);
    if (!extra)
        return 0;
    return submit_root(rt, user, func, input, len, extra);
}

const char *fl_outcome_name(fl_outcome o) {
    switch (o) {
    case FL_OUTCOME_OK:
        return "ok";
    case FL_OUTCOME_TRAP:
        return "trap";
    case FL_OUTCOME_TIMEOUT:
        return "timeout";
    case FL_OUTCOME_LOAD:
        return "load";
    }
    return "trap";
}

/* The outcome of a failed call from the executor's reason. */
static fl_outcome outcome_of(int reason) {
    if (reason == FL_REASON_DEADLINE)
        return FL_OUTCOME_TIMEOUT;
    if (reason >= FL_REASON_USER && reason <= OUTCOME(FL_OUTCOME_LOAD))
        return (fl_outcome)(reason - FL_REASON_USER);
    return FL_OUTCOME_TRAP; /* an error, cancelled, no stack left */
}

int fl_runtime_await(fl_runtime *rt, uint32_t id, fl_call_result *res) {
    memset(res, 0, sizeof *res);
    int rc = fl_sched_await_output(rt->sched, id, -1, &res->retval, &res->output,
                                   &res->output_len);
    if (rc < 0)
        return rc;
    if (fl_sched_status(rt->sched, id) == FL_CALL_FAILED) {
        res->outcome = outcome_of(fl_sched_reason(rt->sched, id));
        if (res->outcome == FL_OUTCOME_OK) /* a Faaslet never fails with OK */
            res->outcome = FL_OUTCOME_TRAP;
        res->error = fl_sched_error(rt->sched, id);
        if (!res->error)
            res->error = strdup("call failed");
    }
    fl_sched_release(rt->sched, id);
    return 0;
}

void fl_call_result_free(fl_call_result *res) {
    free(res->output);
    free(res->error);
    memset(res, 0, sizeof *res);
}

fl_sched *fl_runtime_sched(fl_runtime *rt) { return rt->sched; }

fl_state *fl_runtime_state(fl_runtime *rt) { return rt->state; }
