/*
 * faaslet.c: calls in Faaslets, and the runtime around them (see
 * faaslet.h).  run_call() is the executor's callback: it finds the
 * function's current version, takes an idle warm Faaslet of it or builds
 * one (restored from the version's snapshot, or instantiated and its
 * zygote run), binds the call to it, runs the entry, reports, and resets
 * the Faaslet and pools it.
 *
 * A failed call's outcome travels beside its one-line error: the executor's
 * failure reason is FL_REASON_USER + the fl_outcome (and a trap's kind) set
 * where the failure happens (OUTCOME_TRAP below), or the executor's own
 * (deadline, cancel).
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/runtime.h"
#include "engine/snapshot.h"
#include "faaslet/call_tmp.h"
#include "faaslet/faaslet.h"
#include "faaslet/snapshot_key.h"
#include "faaslet/tierup.h"
#include "store/durable.h"
#include "host/host.h"

typedef struct faaslet faaslet;

/* A Python function's folder given by fl_runtime_add_python. */
typedef struct python_dir {
    char *user, *func, *dir;
    struct python_dir *next;
} python_dir;

/* One version of a function: the module it runs, the snapshot its
 * Faaslets start from, and its idle warm Faaslets.  Replacing a function
 * (a new upload, a new Python folder) retires its version: calls in flight
 * finish on it (they hold references), its Faaslets are not pooled again. */
typedef struct fn_version {
    atomic_uint refs;
    fl_module *owned;      /* the module when the version owns it (not Python's) */
    const fl_module *module;
    bool python;
    char *py_dir;          /* Python: the function's host folder (holds function.py) */
    pthread_mutex_t lock;  /* guards what follows */
    fl_snapshot *snap;     /* set once, by the first Faaslet made; NULL until then */
    bool no_snapshot;      /* its Faaslets cannot be snapshotted: each call builds afresh */
    char *snap_path;       /* where its snapshot is kept on disk (NULL: nowhere) */
    uint8_t key[FL_SNAPSHOT_KEY_LEN]; /* ... and under which key */
    atomic_bool retired;   /* replaced: found no more, its Faaslets not pooled again */
    uint8_t sha[FL_SNAPSHOT_KEY_LEN]; /* C functions: the SHA-256 of the module's bytes */
    faaslet *idle_head, *idle_tail; /* idle warm Faaslets, most recently used first */
    unsigned nidle;
} fn_version;

/* A module kept until the runtime is freed. */
typedef struct retired_module {
    fl_module *module;
    struct retired_module *next;
} retired_module;

/* user/func (and whether it is a Python function) -> its current version. */
typedef struct fn_entry {
    char *user, *func;
    bool python;
    fn_version *ver; /* one reference */
    struct fn_entry *next;
} fn_entry;

/* The function table is sharded so that calls of different functions take
 * different locks: no process-wide lock on the path of a call. */
#define FN_SHARDS 64
typedef struct fn_shard {
    pthread_mutex_t lock;
    fn_entry *head;
} fn_shard;

/* Empty private /tmp folders kept for new Faaslets: making and removing
 * one (mkdir, rmdir, and the inode's eviction when its last fd closes) is
 * a good part of what a Faaslet's creation and end cost. */
#define TMP_SPARES 16

struct fl_runtime {
    fl_runtime_config cfg;
    fl_sched *sched;
    fl_global_tier global;
    bool global_made;
    fl_state *state;
    fn_shard shards[FN_SHARDS];
    pthread_mutex_t py_lock;           /* guards py_dirs, and inserting py_module */
    python_dir *py_dirs;               /* folders given by fl_runtime_add_python */
    _Atomic(fl_module *) py_module;    /* python_dir/py_func.wasm once loaded */
    uint8_t py_sha[FL_SNAPSHOT_KEY_LEN]; /* its bytes' SHA-256, set before it is */
    atomic_uint_fast64_t idle_bytes;   /* estimated cost of every idle Faaslet */
    struct {
        atomic_uint_fast64_t built, restored, reused, pooled, evicted;
        atomic_uint_fast64_t disk_loaded, disk_refused, disk_saved, tiered_up;
    } stats;
    fl__tierup *tierup;                /* background code generation (NULL: none) */
    retired_module *py_retired;        /* Python runtimes replaced by machine code: kept
                                        * while their last Faaslets may run (until freed) */
    char tmp_parent[PATH_MAX]; /* where Faaslets' private /tmp folders are made */
    char shared_dir[PATH_MAX]; /* the store's shared files, guests' faasm:// ("": none) */
    pthread_mutex_t tmp_lock;
    fl__call_tmp spare_tmp[TMP_SPARES]; /* empty folders freed Faaslets left */
    size_t nspare_tmp;
    bool shards_made;
};

/* What a chained call carries beyond user, function and input. */
typedef struct chain_extra {
    int32_t func_ptr; /* > 0: enter at this table element instead of _start */
    bool python;      /* a Python call: user/function name the .py file, py_func runs */
    char *py_entry;   /* Python entry (owned); NULL or "": faasm_main */
    /* a stand-in for a call handed to another host: its handle (owned) */
    const fl_remote_ops *remote;
    void *handle;
} chain_extra;

static void extra_free(void *p) {
    chain_extra *e = p;
    if (e) {
        free(e->py_entry);
        if (e->handle)
            e->remote->drop(e->remote->ctx, e->handle);
    }
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

/* A Faaslet: an instance of one function version with its store, exec,
 * WASI and host contexts and private /tmp, built once and (warm) reset
 * to the version's snapshot after each call. */
struct faaslet {
    fl_runtime *rt;
    fn_version *ver;       /* one reference */
    fl_store *store;
    fl_linker *linker;
    fl_exec *ex;
    fl_wasi *wasi;
    fl_host *host;
    fl_instance *inst;     /* NULL until its first call makes it */
    fl__call_tmp tmp;
    size_t cost;           /* what it is counted as while idle (pool_max_mib) */
    faaslet *prev, *next;  /* in its version's idle list */
    /* the call it runs now (NULL between calls) */
    const fl_call_info *call;
    fl_call_sink *sink;
    /* ids this call chained: the only ones it may await (ids are sequential,
     * so any other id would reach other calls', other users', results); an
     * open-addressing set, so an await checks in O(1) */
    uint32_t *chained;
    size_t nchained, setcap;
};

/* An outcome (and for a trap its kind) as the executor's failure reason,
 * one int: FL_REASON_USER + outcome * 256 + trap. */
#define OUTCOME_TRAP(o, t) (FL_REASON_USER + (int)(o) * 256 + (int)(t))
#define OUTCOME(o) OUTCOME_TRAP(o, FL_TRAP_NONE)
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

/* ---- function versions and the function table ---- */

static void faaslet_free(faaslet *f);

/* A version of `module` (owned when `owned`), with one reference. */
static fn_version *version_new(fl_module *owned, const fl_module *module, bool python,
                               const char *py_dir) {
    fn_version *v = calloc(1, sizeof *v);
    if (!v || (py_dir && !(v->py_dir = strdup(py_dir)))) {
        free(v);
        fl_module_free(owned);
        return NULL;
    }
    atomic_init(&v->refs, 1);
    v->owned = owned;
    v->module = module;
    v->python = python;
    pthread_mutex_init(&v->lock, NULL);
    return v;
}

static fn_version *version_ref(fn_version *v) {
    atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
    return v;
}

static void version_unref(fn_version *v) {
    if (!v || atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) != 1)
        return;
    fl_snapshot_unref(v->snap);
    fl_module_free(v->owned);
    free(v->py_dir);
    free(v->snap_path);
    pthread_mutex_destroy(&v->lock);
    free(v);
}

/* Takes every idle Faaslet off v's list and frees it; with `retire`, none
 * is pooled on v again (it has been replaced). */
static void version_drain(fl_runtime *rt, fn_version *v, bool retire) {
    pthread_mutex_lock(&v->lock);
    faaslet *f = v->idle_head;
    v->idle_head = v->idle_tail = NULL;
    v->nidle = 0;
    if (retire)
        v->retired = true;
    pthread_mutex_unlock(&v->lock);
    while (f) {
        faaslet *next = f->next;
        atomic_fetch_sub(&rt->idle_bytes, f->cost);
        faaslet_free(f); /* may drop v's last reference: nothing of v is read after */
        f = next;
    }
}

static fn_shard *shard_of(fl_runtime *rt, const char *user, const char *func, bool python) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const char *p = user; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    h = (h ^ '/') * 1099511628211ull;
    for (const char *p = func; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    h = (h ^ (uint8_t)python) * 1099511628211ull;
    return &rt->shards[h % FN_SHARDS];
}

/* The entry of user/func in its shard (lock held), or NULL. */
static fn_entry *entry_find(fn_shard *sh, const char *user, const char *func, bool python) {
    for (fn_entry *e = sh->head; e; e = e->next)
        if (e->python == python && !strcmp(e->user, user) && !strcmp(e->func, func))
            return e;
    return NULL;
}

/* The current version of user/func with a reference for the caller, or NULL. */
static fn_version *version_find(fl_runtime *rt, const char *user, const char *func,
                                bool python) {
    fn_shard *sh = shard_of(rt, user, func, python);
    pthread_mutex_lock(&sh->lock);
    fn_entry *e = entry_find(sh, user, func, python);
    fn_version *v = e && !atomic_load(&e->ver->retired) ? version_ref(e->ver) : NULL;
    pthread_mutex_unlock(&sh->lock);
    return v;
}

bool fl_runtime_has_function(fl_runtime *rt, const char *user, const char *func, bool python) {
    fn_version *v = version_find(rt, user, func, python);
    bool has = v != NULL;
    version_unref(v);
    return has;
}

/* Makes `v` (one reference, taken) the version of user/func.  With
 * `replace`, an existing version is retired and replaced; without, an
 * existing one wins and `v` is dropped.  Returns the version now current
 * with a reference for the caller, or NULL (out of memory). */
static fn_version *version_install(fl_runtime *rt, const char *user, const char *func,
                                   bool python, fn_version *v, bool replace) {
    fn_shard *sh = shard_of(rt, user, func, python);
    fn_version *old = NULL, *cur;
    pthread_mutex_lock(&sh->lock);
    fn_entry *e = entry_find(sh, user, func, python);
    if (e && !replace && !atomic_load(&e->ver->retired)) {
        cur = version_ref(e->ver);
        pthread_mutex_unlock(&sh->lock);
        version_unref(v);
        return cur;
    }
    if (e) {
        old = e->ver;
        e->ver = version_ref(v);
    } else {
        e = calloc(1, sizeof *e);
        if (e && (!(e->user = strdup(user)) || !(e->func = strdup(func)))) {
            free(e->user);
            free(e);
            e = NULL;
        }
        if (!e) {
            pthread_mutex_unlock(&sh->lock);
            version_unref(v);
            return NULL;
        }
        e->python = python;
        e->ver = version_ref(v);
        e->next = sh->head;
        sh->head = e;
    }
    pthread_mutex_unlock(&sh->lock);
    if (old) {
        version_drain(rt, old, true);
        version_unref(old);
    }
    return v; /* the caller's reference is the one it gave */
}

/* `sha` as 64 hex digits and a NUL into hex. */
static void sha_hex(const uint8_t sha[FL_SNAPSHOT_KEY_LEN], char hex[2 * FL_SNAPSHOT_KEY_LEN + 1]) {
    for (int i = 0; i < FL_SNAPSHOT_KEY_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", sha[i]);
}

/* The record that bytes of SHA-256 `sha` validated, in the function store
 * (validated/<hex>), into buf; false when there is no store. */
static bool validated_path(const fl_runtime *rt, const uint8_t sha[FL_SNAPSHOT_KEY_LEN],
                           char *buf, size_t size) {
    if (!rt->cfg.fnstore)
        return false;
    char hex[2 * FL_SNAPSHOT_KEY_LEN + 1];
    sha_hex(sha, hex);
    return snprintf(buf, size, "%s/validated/%s", fl_fnstore_dir(rt->cfg.fnstore), hex) <
           (int)size;
}

/* The function store's machine-code cache (native/) into buf; false when
 * there is no store. */
static bool native_dir(const fl_runtime *rt, char *buf, size_t size) {
    return rt->cfg.fnstore &&
           snprintf(buf, size, "%s/native", fl_fnstore_dir(rt->cfg.fnstore)) < (int)size;
}

/* Loads bytes[0..n) (borrowed, or with adopt_mapping a mapping the module
 * takes over; SHA-256 `sha`) under `cancel` (may be
 * NULL) and checks that it can run as a function; NULL with "WHAT: why"
 * in msg[0..len).  Bytes the store records as validated before (the same
 * SHA-256) are not validated again; bytes that validate are recorded. */
static fl_module *load_checked(fl_runtime *rt, const uint8_t *bytes, size_t n,
                               const uint8_t sha[FL_SNAPSHOT_KEY_LEN], bool adopt_mapping,
                               const char *native, const volatile int *cancel,
                               const char *what, char *msg, size_t len) {
    char record[PATH_MAX];
    bool recorded = validated_path(rt, sha, record, sizeof record);
    fl_load_opts opts = {.interrupt = cancel,
                         .trusted = recorded && access(record, F_OK) == 0,
                         .adopt_mapping = adopt_mapping};
    fl_error err = {0};
    fl_module *m = fl_aot_module_load(bytes, n, sha, native, rt->cfg.tier, &opts, NULL, &err);
    if (m && recorded && !opts.trusted) {
        /* an empty file says it; made beside, then renamed into place */
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s/validated", fl_fnstore_dir(rt->cfg.fnstore));
        if (fl_durable_make_dirs(dir, 0755) == 0)
            fl_durable_replace(record, (const uint8_t *)"", 0, 0644, 0755);
    }
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

/* Whether module `m`, loaded from a store with cache folder `native`, is
 * interpreted for want of machine code that a background generation could
 * give it (--tier auto, in a runtime that generates). */
static bool wants_tierup(const fl_runtime *rt, const fl_module *m, const char *native) {
    return rt->tierup && native && rt->cfg.tier == FL_TIER_AUTO && m->tier != &fl_aot_tier;
}

/* The environment every guest sees (FAASM_ENV less what the config sets,
 * then the config's) into envp[0..NFAASM_ENV + envc); returns the count. */
static size_t guest_env(const fl_runtime_config *c, const char **envp) {
    size_t envc = 0;
    for (size_t i = 0; i < NFAASM_ENV; i++)
        if (!env_names((const char *const *)c->envp, c->envc, FAASM_ENV[i]))
            envp[envc++] = FAASM_ENV[i];
    for (size_t i = 0; i < c->envc; i++)
        envp[envc++] = c->envp[i];
    return envc;
}

/* Gives v its place on disk and its key (snapshot_key.h), and loads the
 * snapshot kept there when it was made from the same inputs: a missing,
 * foreign, truncated or corrupt file is refused and rebuilt by the first
 * Faaslet.  `module_sha` is the SHA-256 of the module's bytes. */
static void version_disk(fl_runtime *rt, fn_version *v, const char *user, const char *func,
                         const uint8_t module_sha[FL_SNAPSHOT_KEY_LEN]) {
    const fl_runtime_config *c = &rt->cfg;
    if (!c->snapshot_dir || c->reuse == FL_REUSE_NONE)
        return;
    size_t n = strlen(c->snapshot_dir) + strlen(user) + strlen(func) + 16;
    if (!(v->snap_path = malloc(n)))
        return;
    snprintf(v->snap_path, n, "%s/%s/%s%s.snap", c->snapshot_dir, user, func,
             v->python ? ".py" : "");
    fl__snapshot_key_ctx *k = fl__snapshot_key_begin();
    if (!k) {
        free(v->snap_path);
        v->snap_path = NULL;
        return;
    }
    fl__snapshot_key_str(k, "faaslet " FL_VERSION " snapshot of");
    fl__snapshot_key_str(k, user);
    fl__snapshot_key_str(k, func);
    fl__snapshot_key_bytes(k, module_sha, FL_SNAPSHOT_KEY_LEN);
    fl__snapshot_key_u64(k, c->max_memory_mib);
    /* the guest's environment, as guest_env lists it */
    for (size_t i = 0; i < NFAASM_ENV; i++)
        if (!env_names((const char *const *)c->envp, c->envc, FAASM_ENV[i]))
            fl__snapshot_key_str(k, FAASM_ENV[i]);
    fl__snapshot_key_u64(k, c->envc);
    for (size_t i = 0; i < c->envc; i++)
        fl__snapshot_key_str(k, c->envp[i]);
    for (size_t i = 0; i < c->npreopens; i++) {
        fl__snapshot_key_str(k, c->preopens[i].guest_path);
        fl__snapshot_key_u64(k, c->preopens[i].read_only);
    }
    fl__snapshot_key_u64(k, c->no_private_tmp);
    fl__snapshot_key_u64(k, rt->shared_dir[0] != '\0'); /* the faasm: preopen in libc's table */
    if (v->python) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/.stamp-root", c->python_dir);
        fl__snapshot_key_file(k, path); /* the runtime root, as its build knows it */
        snprintf(path, sizeof path, "%s/function.py", v->py_dir);
        fl__snapshot_key_file(k, path); /* the zygote compiles it */
    } else {
        fl__snapshot_key_tree(k, c->runtime_root, 10000);
    }
    fl__snapshot_key_end(k, v->key);

    fl_error err;
    fl_snapshot *s = fl_snapshot_load(v->snap_path, v->module, v->key, &err);
    if (s) {
        v->snap = s;
        atomic_fetch_add_explicit(&rt->stats.disk_loaded, 1, memory_order_relaxed);
    } else if (access(v->snap_path, F_OK) == 0) {
        atomic_fetch_add_explicit(&rt->stats.disk_refused, 1, memory_order_relaxed);
    }
}

/* The current version of C function user/func: cached, or read from the
 * function store and loaded.  No lock is held while reading and loading,
 * so a slow load holds up no other call.  Two calls may load the same
 * module at once; the first to install it wins and the other frees its
 * copy.  `cancel` (the call's flag; may be NULL) interrupts the load, so
 * the call's timeout covers it.  NULL with a message in msg[0..len). */
static fn_version *version_get(fl_runtime *rt, const char *user, const char *func,
                               const volatile int *cancel, char *msg, size_t len) {
    uint8_t *bytes = NULL;
    size_t n = 0;
    fn_version *v = version_find(rt, user, func, false);
    if (v)
        return v;
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
    uint8_t sha[FL_SNAPSHOT_KEY_LEN];
    fl__sha256(bytes, n, sha);
    char native[PATH_MAX];
    bool has_native = native_dir(rt, native, sizeof native);
    fl_module *loaded = load_checked(rt, bytes, n, sha, false, has_native ? native : NULL,
                                     cancel, what, msg, len);
    if (!loaded) {
        free(bytes);
        return NULL;
    }
    if (wants_tierup(rt, loaded, native))
        fl__tierup_request(rt->tierup, bytes, n, sha, native, user, func, false);
    v = version_new(loaded, loaded, false, NULL);
    if (v) {
        memcpy(v->sha, sha, sizeof sha);
        version_disk(rt, v, user, func, sha);
    }
    free(bytes);
    v = v ? version_install(rt, user, func, false, v, false) : NULL;
    if (!v)
        snprintf(msg, len, "out of memory");
    return v;
}

/* Maps all of file `path` read-only into *bytes (its stat in *st).
 * Returns 0 or -errno. */
static int map_whole_file(const char *path, uint8_t **bytes, size_t *len, struct stat *st) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int e = fstat(fd, st) < 0 ? errno : !S_ISREG(st->st_mode) ? EISDIR : !st->st_size ? ENODATA : 0;
    void *p = e ? MAP_FAILED : mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (!e && p == MAP_FAILED)
        e = errno;
    close(fd);
    if (e)
        return -e;
    *bytes = p;
    *len = (size_t)st->st_size;
    return 0;
}

/* The SHA-256 of file `path` (mapped at bytes[0..n), stat `st`).  Hashing
 * CPython's 7 MB module costs more than the rest of a Python process's
 * start, so the function store remembers it per file identity (device,
 * inode, size, modification and change times: a file rebuilt, replaced
 * or written in any way has another) in validated/file-<dev>-<ino>. */
static void file_sha256(const fl_runtime *rt, const struct stat *st, const uint8_t *bytes,
                        size_t n, uint8_t sha[FL_SNAPSHOT_KEY_LEN]) {
    char record[PATH_MAX], want[160], have[160] = "";
    bool store = rt->cfg.fnstore &&
                 snprintf(record, sizeof record, "%s/validated/file-%llx-%llx",
                          fl_fnstore_dir(rt->cfg.fnstore), (unsigned long long)st->st_dev,
                          (unsigned long long)st->st_ino) < (int)sizeof record;
    int w = snprintf(want, sizeof want, "%lld %lld.%09ld %lld.%09ld ", (long long)st->st_size,
                     (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                     (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
    int fd = store ? open(record, O_RDONLY | O_CLOEXEC) : -1;
    ssize_t got = fd >= 0 ? read(fd, have, sizeof have - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (got == w + 2 * FL_SNAPSHOT_KEY_LEN && !memcmp(have, want, (size_t)w)) {
        bool ok = true;
        for (int i = 0; i < FL_SNAPSHOT_KEY_LEN && ok; i++) {
            unsigned v;
            ok = sscanf(have + w + 2 * i, "%2x", &v) == 1;
            sha[i] = (uint8_t)v;
        }
        if (ok)
            return;
    }
    fl__sha256(bytes, n, sha);
    sha_hex(sha, want + w);
    char dir[PATH_MAX];
    if (store && snprintf(dir, sizeof dir, "%s/validated", fl_fnstore_dir(rt->cfg.fnstore)) <
                     (int)sizeof dir &&
        fl_durable_make_dirs(dir, 0755) == 0)
        fl_durable_replace(record, (const uint8_t *)want, strlen(want), 0644, 0755);
}

/* py_func, loaded from python_dir on first use and kept (read without a
 * lock afterwards).  As in version_get, no lock is held while loading,
 * and `cancel` (may be NULL) interrupts the load.  The file is mapped,
 * not read, and the module keeps the mapping.  NULL with a message in
 * msg[0..len). */
static const fl_module *python_module(fl_runtime *rt, const volatile int *cancel, char *msg,
                                      size_t len) {
    char path[PATH_MAX];
    uint8_t *bytes = NULL;
    size_t n = 0;
    struct stat st;

    const fl_module *m = atomic_load_explicit(&rt->py_module, memory_order_acquire);
    if (m)
        return m;
    if (!rt->cfg.python_dir) {
        snprintf(msg, len, "no Python runtime configured (build it with make python)");
        return NULL;
    }
    snprintf(path, sizeof path, "%s/py_func.wasm", rt->cfg.python_dir);
    int rc = map_whole_file(path, &bytes, &n, &st);
    if (rc < 0) {
        snprintf(msg, len, "the Python runtime %s: %s (build it with make python)", path,
                 strerror(-rc));
        return NULL;
    }
    uint8_t sha[FL_SNAPSHOT_KEY_LEN];
    file_sha256(rt, &st, bytes, n, sha);
    /* CPython's machine code is the runtime's own: beside it, in native/
     * (make python generates it) */
    char native[PATH_MAX];
    snprintf(native, sizeof native, "%s/native", rt->cfg.python_dir);
    fl_module *loaded = load_checked(rt, bytes, n, sha, true, native, cancel, path, msg, len);
    if (!loaded)
        return NULL;
    if (wants_tierup(rt, loaded, native)) /* the module holds the mapping: bytes still there */
        fl__tierup_request(rt->tierup, bytes, n, sha, native, NULL, NULL, true);
    pthread_mutex_lock(&rt->py_lock);
    if (!atomic_load(&rt->py_module)) {
        memcpy(rt->py_sha, sha, sizeof sha);
        atomic_store_explicit(&rt->py_module, loaded, memory_order_release);
    }
    else
        fl_module_free(loaded); /* another call loaded it meanwhile: keep theirs */
    m = atomic_load(&rt->py_module);
    pthread_mutex_unlock(&rt->py_lock);
    return m;
}

/* Whether host folder `dir` holds Python function user/func (function.py);
 * -1 with a message in msg when not. */
static int python_folder_check(const char *user, const char *func, const char *dir, char *msg,
                               size_t len) {
    char file[PATH_MAX + 16];
    struct stat st;
    snprintf(file, sizeof file, "%s/function.py", dir ? dir : "");
    if (!dir || !dir[0] || stat(file, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(msg, len, "no Python function %s/%s%s%s", user, func,
                 dir && dir[0] ? " in " : " (and no function store)", dir ? dir : "");
        return -1;
    }
    return 0;
}

/* The current version of Python function user/func: its folder is the
 * one given to fl_runtime_add_python (which installs the version), else
 * the function store's pyfuncs/<user>/<func>/.  NULL with a message. */
static fn_version *python_version_get(fl_runtime *rt, const char *user, const char *func,
                                      const volatile int *cancel, char *msg, size_t len) {
    fn_version *v = version_find(rt, user, func, true);
    if (v)
        return v;
    const fl_module *m = python_module(rt, cancel, msg, len);
    if (!m)
        return NULL;
    char dir[PATH_MAX] = "";
    pthread_mutex_lock(&rt->py_lock);
    for (python_dir *d = rt->py_dirs; d; d = d->next)
        if (!strcmp(d->user, user) && !strcmp(d->func, func)) {
            snprintf(dir, sizeof dir, "%s", d->dir);
            break;
        }
    pthread_mutex_unlock(&rt->py_lock);
    if (!dir[0] && rt->cfg.fnstore)
        snprintf(dir, sizeof dir, "%s/pyfuncs/%s/%s", fl_fnstore_dir(rt->cfg.fnstore), user,
                 func);
    if (python_folder_check(user, func, dir, msg, len) < 0)
        return NULL;
    v = version_new(NULL, m, true, dir);
    if (v)
        version_disk(rt, v, user, func, rt->py_sha);
    v = v ? version_install(rt, user, func, true, v, false) : NULL;
    if (!v)
        snprintf(msg, len, "out of memory");
    return v;
}

int fl_runtime_add_module(fl_runtime *rt, const char *user, const char *func,
                          const uint8_t *bytes, size_t len, fl_error *err) {
    uint8_t sha[FL_SNAPSHOT_KEY_LEN];
    fl__sha256(bytes, len, sha);
    char native[PATH_MAX];
    bool has_native = native_dir(rt, native, sizeof native);
    fl_module *m = fl_aot_module_load(bytes, len, sha, has_native ? native : NULL, rt->cfg.tier,
                                      NULL, NULL, err);
    if (!m)
        return -1;
    if (fl_runtime_check_module(m, err->message, sizeof err->message) < 0) {
        err->offset = 0;
        fl_module_free(m);
        return -2;
    }
    if (wants_tierup(rt, m, has_native ? native : NULL))
        fl__tierup_request(rt->tierup, bytes, len, sha, native, user, func, false);
    fn_version *v = version_new(m, m, false, NULL);
    if (v) {
        memcpy(v->sha, sha, sizeof sha);
        version_disk(rt, v, user, func, sha);
    }
    v = v ? version_install(rt, user, func, false, v, true) : NULL;
    if (!v)
        return fl_error_set(err, 0, "out of memory");
    version_unref(v);
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
    fl_sched_fail_tree(f->rt->sched, OUTCOME(FL_OUTCOME_LIMIT), "%s", err);
}

/* The ids a call chained: an open-addressing set of non-zero ids, at most
 * half full. */
static size_t chained_slot(const uint32_t *set, size_t cap, uint32_t id) {
    size_t i = (id * 2654435761u) & (cap - 1);
    while (set[i] && set[i] != id)
        i = (i + 1) & (cap - 1);
    return i;
}

/* Room for one more id.  Returns 0 or -1 (out of memory). */
static int chained_reserve(faaslet *f) {
    if ((f->nchained + 1) * 2 <= f->setcap)
        return 0;
    size_t cap = f->setcap ? f->setcap * 2 : 16;
    uint32_t *set = calloc(cap, sizeof *set);
    if (!set)
        return -1;
    for (size_t i = 0; i < f->setcap; i++)
        if (f->chained[i])
            set[chained_slot(set, cap, f->chained[i])] = f->chained[i];
    free(f->chained);
    f->chained = set;
    f->setcap = cap;
    return 0;
}

static void chained_add(faaslet *f, uint32_t id) {
    f->chained[chained_slot(f->chained, f->setcap, id)] = id;
    f->nchained++;
}

static bool chained_has(const faaslet *f, uint32_t id) {
    return id && f->setcap && f->chained[chained_slot(f->chained, f->setcap, id)] == id;
}

/* Hands the call `extra` describes (user/func, input) to another host
 * with what is left of its tree's limits (budget), its depth in the tree
 * and the tree's count: extra becomes its stand-in, or, when the cluster
 * does not take it, stays a call that runs here. */
static void hand_on(const fl_remote_ops *remote, chain_extra *extra, const char *user,
                    const char *func, const uint8_t *in, size_t len, fl_budget *budget,
                    uint32_t depth, uint64_t tree) {
    fl_budget_limits lim = fl_budget_get_limits(budget);
    int64_t left = fl_budget_remaining_ms(budget);
    fl_remote_call rc = {
        .user = user,
        .func = func,
        .python = extra->python,
        .entry = extra->py_entry,
        .func_ptr = extra->func_ptr,
        .input = in,
        .len = len,
        .timeout_ms = left < 0 ? 0 : left == 0 ? 1 : left > UINT32_MAX ? UINT32_MAX : (uint32_t)left,
        .max_memory_mib = (uint32_t)(lim.memory_bytes >> 20),
        .depth = depth,
        .max_depth = lim.chain_depth,
        .tree = tree,
        .max_calls = lim.calls,
    };
    if (remote->send(remote->ctx, &rc, &extra->handle) == 0)
        extra->remote = remote;
    else
        extra->handle = NULL;
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
    /* a full host hands the call on; from then on the tree's calls are
     * counted across hosts (the first hand-on starts that count) */
    const fl_remote_ops *remote = f->rt->cfg.remote;
    bool hand = remote && remote->full(remote->ctx);
    uint64_t tree = fl_budget_tree(budget);
    if (hand && !tree) {
        uint64_t t;
        if (remote->span(remote->ctx, (uint32_t)fl_budget_used(budget, FL_BUDGET_CALLS), lim.calls,
                         &t) == 0)
            tree = fl_budget_set_tree(budget, t);
        else
            hand = false; /* the cluster cannot be reached: it runs here */
    }
    if (fl_budget_charge(budget, FL_BUDGET_CALLS, 1) < 0) {
        runaway(f, err, errlen, "call tree limit: %u calls", lim.calls);
        goto fail;
    }
    if (tree && remote) {
        int rc = remote->count(remote->ctx, tree, lim.calls);
        if (rc < 0) {
            fl_budget_release(budget, FL_BUDGET_CALLS, 1);
            if (rc == -EDQUOT)
                runaway(f, err, errlen, "call tree limit: %u calls (counted across hosts)",
                        lim.calls);
            else
                snprintf(err, errlen, "cannot count the call tree's calls across hosts: %s",
                         strerror(-rc));
            goto fail;
        }
    }
    /* room for the id first: a call chained but not recorded could never be awaited */
    if (chained_reserve(f) < 0) {
        snprintf(err, errlen, "out of memory");
        fl_budget_release(budget, FL_BUDGET_CALLS, 1);
        goto fail;
    }
    if (hand) {
        if (!extra && !(extra = calloc(1, sizeof *extra))) {
            snprintf(err, errlen, "out of memory");
            fl_budget_release(budget, FL_BUDGET_CALLS, 1);
            goto fail;
        }
        hand_on(remote, extra, f->call->msg.user, func, in, len, budget,
                f->call->tree_depth + 1, tree);
    }
    fl_call_msg msg = {
        .user = f->call->msg.user,
        .function = func,
        .input = in, /* a stand-in keeps it: it may take the call back */
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
    chained_add(f, id);
    return id;
fail:
    extra_free(extra);
    return 0;
}

static uint32_t op_chain(void *ud, const char *name, int32_t func_ptr, const uint8_t *in,
                         size_t len, char *err, size_t errlen) {
    faaslet *f = ud;
    if (!f->call) {
        snprintf(err, errlen, "no call to chain from (a zygote runs outside any call)");
        return 0;
    }
    const char *user = f->call->msg.user;
    chain_extra *extra = NULL;

    if (name) {
        const char *why = fl_fnstore_check_name(name, strlen(name));
        if (why) {
            snprintf(err, errlen, "bad function name: %s", why);
            return 0;
        }
        /* fail at the chain, not at the await, when the function is missing */
        fn_version *v = version_find(f->rt, user, name, false);
        bool known = v != NULL;
        version_unref(v);
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
    const chain_extra *self = f->call ? f->call->msg.opaque : NULL;
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
    if (!f->call || !chained_has(f, id))
        return -ENOENT; /* not a call of ours: as if it did not exist */
    if (out)
        return fl_sched_await_output(f->rt->sched, id, -1, retval, out, out_len);
    return fl_sched_await(f->rt->sched, id, -1, retval);
}

static int op_set_output(void *ud, const uint8_t *bytes, size_t len) {
    faaslet *f = ud;
    if (!f->sink)
        return 0; /* a zygote outside any call: no one to see it */
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
 * below 0 and its first access lands past the memory's end.  Without a
 * name section (wasm-opt strips it) the module's first global stands in
 * when it is its own: wasm-ld always puts the stack pointer there.  A leaf
 * function that keeps the lowered pointer in a local only leaves the plain
 * out-of-bounds message.  The pointer goes to *sp. */
static bool stack_overflowed(const fl_instance *inst, int32_t *sp) {
    const fl_module *m = inst ? inst->module : NULL;
    if (!m)
        return false;
    uint32_t idx = m->has_stack_pointer ? m->stack_pointer
                   : !m->nimported_globals && m->nglobals ? 0 : UINT32_MAX;
    if (idx >= m->nimported_globals + m->nglobals)
        return false;
    const fl_global *g = inst->globals[idx];
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
        fl_call_fail(sink, OUTCOME_TRAP(FL_OUTCOME_MEMORY, trap), "%s; then %s%s%s%s", limit, where,
                     fl_trap_message(trap), detail[0] ? ": " : "", detail);
        return;
    }
    /* a host call whose allocation the tree's budget refused says so in
     * its detail; the budget's record is the fact that makes it a limit */
    if (trap == FL_TRAP_HOST && call && fl_budget_refused(call->msg.budget, FL_BUDGET_MEMORY)) {
        fl_call_fail(sink, OUTCOME_TRAP(FL_OUTCOME_MEMORY, trap), "%s%s%s%s", where, fl_trap_message(trap),
                     detail[0] ? ": " : "", detail);
        return;
    }
    int32_t sp;
    if (trap == FL_TRAP_MEMORY_OOB && stack_overflowed(inst, &sp)) {
        fl_call_fail(sink, OUTCOME_TRAP(FL_OUTCOME_TRAP, trap),
                     "%sstack overflow: the function's stack pointer went below 0 "
                     "(__stack_pointer = %" PRId32 "; %s)",
                     where, sp, fl_trap_message(trap));
        return;
    }
    fl_call_fail(sink, OUTCOME_TRAP(FL_OUTCOME_TRAP, trap), "%s%s%s%s", where,
                 fl_trap_message(trap), detail[0] ? ": " : "", detail);
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

/* An empty /tmp folder a freed Faaslet left, into *tmp; false if none. */
static bool tmp_take(fl_runtime *rt, fl__call_tmp *tmp) {
    pthread_mutex_lock(&rt->tmp_lock);
    bool got = rt->nspare_tmp > 0;
    if (got)
        *tmp = rt->spare_tmp[--rt->nspare_tmp];
    pthread_mutex_unlock(&rt->tmp_lock);
    return got;
}

/* Keeps the /tmp folder of a freed Faaslet, emptied (when its call
 * touched it) for the next, which may be another user's: its times are
 * set to now, so not even what a guest set them to is left.  False when
 * there is none, it cannot be emptied or there is no room. */
static bool tmp_keep(fl_runtime *rt, fl__call_tmp *tmp, bool touched) {
    if (!tmp->path[0] || (touched && fl__call_tmp_empty(tmp) < 0) || futimens(tmp->fd, NULL) < 0)
        return false;
    pthread_mutex_lock(&rt->tmp_lock);
    bool kept = rt->nspare_tmp < TMP_SPARES;
    if (kept)
        rt->spare_tmp[rt->nspare_tmp++] = *tmp;
    pthread_mutex_unlock(&rt->tmp_lock);
    return kept;
}

/* ---- the Faaslet's life: build, bind, instance, reset, free ---- */

/* A reset copies back the pages a call wrote and keeps them, so the next
 * call on the Faaslet writes them without a page fault (which, with its
 * TLB shootdown, costs more than the copy); a Faaslet whose calls wrote
 * more than this has its memory mapped afresh instead, dropping them. */
#define KEEP_WRITTEN_MAX ((size_t)16 << 20)

/* What an idle Faaslet is counted as against pool_max_mib: its own
 * structures (function instances, tables, exec) and a page table's worth,
 * plus the pages of its memory it keeps (faaslet_reset adds those). */
static size_t faaslet_cost(const fl_module *m) {
    return 64 * 1024 + (size_t)(m->nimported_funcs + m->nfuncs) * sizeof(fl_funcinst) * 2;
}

/* A Faaslet of version `v` without its instance: store, linker, exec,
 * WASI context (stdio, the configured preopens, the runtime root, the
 * Python function's folder, a private /tmp made now and kept for its
 * life) and host context, all charged to no call yet.  NULL with a
 * message in msg. */
static faaslet *faaslet_new(fl_runtime *rt, fn_version *v, const char *user, const char *func,
                            char *msg, size_t len) {
    const fl_runtime_config *c = &rt->cfg;
    faaslet *f = calloc(1, sizeof *f);
    const char **envp = calloc(NFAASM_ENV + c->envc, sizeof *envp);
    fl_wasi_preopen *preopens = calloc(c->npreopens + 4, sizeof *preopens);
    char py_root[PATH_MAX], py_guest[PATH_MAX];
    if (!f || !envp || !preopens)
        goto oom;
    f->rt = rt;
    f->ver = version_ref(v);
    f->tmp = (fl__call_tmp){.fd = -1, .spare = -1};
    f->cost = faaslet_cost(v->module);

    size_t envc = guest_env(c, envp);
    /* the configured preopens keep fds 3, 4, ...; then "/" and "/tmp"
     * (and a Python function's folder, which wasi-libc prefers to "/" for
     * paths under it: the longest preopen prefix wins) */
    size_t npre = c->npreopens;
    if (npre)
        memcpy(preopens, c->preopens, npre * sizeof *preopens);
    snprintf(py_root, sizeof py_root, "%s/root", c->python_dir ? c->python_dir : "");
    snprintf(py_guest, sizeof py_guest, "/pyfuncs/%s/%s", user, func);
    const char *root = v->python ? py_root : c->runtime_root;
    if (root && !has_guest_path(c, "/"))
        preopens[npre++] = (fl_wasi_preopen){.host_path = root, .guest_path = "/", .read_only = true};
    if (v->python)
        preopens[npre++] = (fl_wasi_preopen){.host_path = v->py_dir, .guest_path = py_guest, .read_only = true};
    if (!c->no_private_tmp && !has_guest_path(c, "/tmp")) {
        f->tmp.parent = rt->tmp_parent;
        if (!tmp_take(rt, &f->tmp) && fl__call_tmp_make(&f->tmp, msg, len) < 0)
            goto fail;
        preopens[npre++] =
            (fl_wasi_preopen){.host_path = f->tmp.path, .guest_path = "/tmp", .disk_quota = true};
    }
    /* the store's shared files, read-only, as Faasm's faasm://PATH:
     * wasi-libc takes the longest preopen prefix, "faasm:", and opens the
     * rest (leading slashes dropped) beneath it */
    if (rt->shared_dir[0])
        preopens[npre++] =
            (fl_wasi_preopen){.host_path = rt->shared_dir, .guest_path = "/faasm:", .read_only = true};
    const char *argv0 = v->python ? func : FUNCTION_ARGV0;
    fl_wasi_config wc;
    fl_wasi_config_init(&wc);
    wc.argv = &argv0;
    wc.argc = 1;
    wc.envp = envp;
    wc.envc = envc;
    wc.preopens = preopens;
    wc.npreopens = npre;
    wc.no_openat2 = c->no_openat2;
    memcpy(wc.stdio, c->stdio, sizeof wc.stdio);
    char why[200];
    f->wasi = fl_wasi_new(&wc, why, sizeof why);
    if (!f->wasi) {
        snprintf(msg, len, "WASI setup: %s", why);
        goto fail;
    }
    fl_host_config hc = {.ops = &host_ops, .ud = f, .user = user, .state = rt->state,
                         .wasi = f->wasi};
    f->host = fl_host_new(&hc);
    fl_store_limits limits = {.max_memory_pages = c->max_memory_mib ? c->max_memory_mib * 16 : 0};
    f->store = fl_store_new(&limits);
    f->linker = f->store ? fl_linker_new(f->store) : NULL;
    f->ex = fl_exec_new(0);
    if (!f->host || !f->store || !f->linker || !f->ex)
        goto oom;
    if (c->max_depth)
        f->ex->max_depth = c->max_depth;
    if (fl_wasi_define(f->wasi, f->linker) < 0 || fl_host_define(f->host, f->linker) < 0) {
        snprintf(msg, len, "cannot define the host functions");
        goto fail;
    }
    atomic_fetch_add_explicit(&rt->stats.built, 1, memory_order_relaxed);
    free(envp);
    free(preopens);
    return f;
oom:
    snprintf(msg, len, "out of memory setting up the Faaslet");
fail:
    faaslet_free(f);
    free(envp);
    free(preopens);
    return NULL;
}

static void faaslet_free(faaslet *f) {
    if (!f)
        return;
    if (f->linker)
        fl_linker_free(f->linker);
    if (f->store)
        fl_store_free(f->store);
    if (f->ex)
        fl_exec_free(f->ex);
    fl_host_free(f->host);
    bool touched = f->wasi && fl_wasi_quota_touched(f->wasi);
    fl_wasi_free(f->wasi);
    /* after the WASI fds are closed; a leftover is reported (and swept by
     * the next runtime once this process is gone) */
    if (!tmp_keep(f->rt, &f->tmp, touched))
        fl__call_tmp_remove(&f->tmp);
    free(f->chained);
    if (f->ver)
        version_unref(f->ver);
    free(f);
}

/* Gives Faaslet f the call: its budget takes over what f holds (memory,
 * fds), the guest sees its argv (calls from outside get the runtime's,
 * chained ones only argv[0]), the host its input, user and names.
 * Returns 0, or -1 with a message. */
static int faaslet_bind(faaslet *f, const fl_call_info *call, fl_call_sink *sink, char *msg,
                        size_t len) {
    fl_runtime *rt = f->rt;
    const chain_extra *extra = call ? call->msg.opaque : NULL;
    fl_budget *budget = call ? call->msg.budget : NULL;
    bool python = f->ver->python;
    const char *user = call ? call->msg.user : "", *func = call ? call->msg.function : "";
    f->call = call;
    f->sink = sink;

    size_t argc = 1 + (call && call->parent == 0 ? rt->cfg.argc : 0);
    const char *argv_small[16], **argv = argv_small;
    if (argc > 16 && !(argv = calloc(argc, sizeof *argv))) {
        snprintf(msg, len, "out of memory");
        return -1;
    }
    argv[0] = python ? func : FUNCTION_ARGV0;
    for (size_t i = 1; i < argc; i++)
        argv[i] = rt->cfg.argv[i - 1];
    int rc = fl_wasi_bind(f->wasi, budget, argv, argc);
    if (argv != argv_small)
        free(argv);
    if (rc == -EMFILE) {
        snprintf(msg, len, "WASI setup: the call tree holds its limit of %llu file descriptors",
                 (unsigned long long)fl_budget_limit(budget, FL_BUDGET_FDS));
        return -1;
    }
    if (rc < 0) {
        snprintf(msg, len, "WASI setup: %s", strerror(-rc));
        return -1;
    }
    if (fl_store_set_budget(f->store, budget) < 0) {
        snprintf(msg, len, "memory limit reached (%llu MiB for the call tree): the Faaslet's "
                           "memory does not fit",
                 (unsigned long long)(fl_budget_limit(budget, FL_BUDGET_MEMORY) >> 20));
        return -1;
    }
    fl_host_config hc = {
        .ops = &host_ops,
        .ud = f,
        .user = user,
        .input = call ? call->msg.input : NULL,
        .input_len = call ? call->msg.input_len : 0,
        .state = rt->state,
        .wasi = f->wasi,
        .budget = budget,
        .py_user = python ? user : NULL,
        .py_func = python ? func : NULL,
        .py_entry = python && extra ? extra->py_entry : NULL,
    };
    if (fl_host_bind(f->host, &hc) < 0) {
        snprintf(msg, len, "out of memory");
        return -1;
    }
    f->ex->interrupt = 0;
    f->ex->exit_code = 0;
    f->ex->trap_detail[0] = 0;
    return 0;
}

/* Makes f's instance for its first call: from the version's snapshot when
 * there is one (no segments copied, no start function or zygote run),
 * else instantiated with its start function and `_faasm_zygote`, after
 * which (unless reuse is FL_REUSE_NONE) the instance is captured as the
 * version's snapshot.  Failures are reported on the sink (when there is
 * one) or in msg; returns 0 or -1. */
static int faaslet_instance(faaslet *f, fl_call_sink *sink, char *msg, size_t len) {
    fl_runtime *rt = f->rt;
    fn_version *v = f->ver;
    const fl_module *m = v->module;
    fl_error err = {0};
    bool reuse = rt->cfg.reuse != FL_REUSE_NONE;
    int reason = LOAD_ERROR;

    pthread_mutex_lock(&v->lock);
    fl_snapshot *snap = reuse ? fl_snapshot_ref(v->snap) : NULL;
    pthread_mutex_unlock(&v->lock);
    if (snap) {
        fl_inst_opts o = {.no_init = true};
        fl_inst_status st = fl_instantiate_opts(f->store, m, f->linker, f->ex, &o, &f->inst, &err);
        if (st == FL_INST_OK && fl_snapshot_restore(snap, f->inst, &err) == 0) {
            fl_snapshot_unref(snap);
            atomic_fetch_add_explicit(&rt->stats.restored, 1, memory_order_relaxed);
            return 0;
        }
        fl_snapshot_unref(snap);
        f->inst = NULL;
        snprintf(msg, len, "%s", err.message);
        goto fail;
    }

    switch (fl_instantiate(f->store, m, f->linker, f->ex, &f->inst, &err)) {
    case FL_INST_OK:
        break;
    case FL_INST_LINK_ERROR: {
        char extra[160];
        snprintf(msg, len, "%s%s", err.message, unknown_import(m, extra, sizeof extra));
        goto fail;
    }
    case FL_INST_NO_MEMORY: /* the message says when a limit refused it */
        snprintf(msg, len, "%s", err.message);
        goto fail;
    case FL_INST_TRAP:
        /* a start function past the deadline is a timeout: the executor says so */
        reason = OUTCOME(FL_OUTCOME_TRAP);
        snprintf(msg, len, "in the start function: %s", err.message);
        goto fail;
    }
    fl_funcinst *zygote = fl_instance_func(f->inst, "_faasm_zygote");
    if (zygote) {
        int32_t zret;
        fl_trap trap = invoke_entry(f->ex, zygote, &zret);
        if (trap == FL_TRAP_EXIT && f->ex->exit_code == 0)
            trap = FL_TRAP_NONE;
        if (trap != FL_TRAP_NONE) {
            if (sink)
                report_trap(rt, f->call, sink, f->ex, f->inst, trap, "in _faasm_zygote: ", "");
            else
                snprintf(msg, len, "in _faasm_zygote: %s", fl_trap_message(trap));
            f->inst = NULL;
            return -1;
        }
        if (zret != 0) {
            reason = OUTCOME(FL_OUTCOME_TRAP);
            snprintf(msg, len, "_faasm_zygote returned %d", zret);
            goto fail;
        }
    }
    if (!reuse)
        return 0;
    pthread_mutex_lock(&v->lock);
    bool want = !v->snap && !v->no_snapshot;
    pthread_mutex_unlock(&v->lock);
    if (!want)
        return 0;
    /* state mapped by the zygote belongs to the state, not to the image */
    fl_snapshot *taken = fl_host_mapped_state(f->host) ? NULL : fl_snapshot_take(f->inst, &err);
    pthread_mutex_lock(&v->lock);
    bool first = taken && !v->snap;
    if (!taken)
        v->no_snapshot = true;
    else if (!v->snap)
        v->snap = fl_snapshot_ref(taken);
    pthread_mutex_unlock(&v->lock);
    /* kept on disk for the next process (a failure to save costs only that) */
    if (first && v->snap_path && fl_snapshot_save(taken, v->snap_path, v->key, &err) == 0)
        atomic_fetch_add_explicit(&rt->stats.disk_saved, 1, memory_order_relaxed);
    fl_snapshot_unref(taken);
    return 0;
fail:
    f->inst = NULL; /* what the store made is freed with it */
    if (sink) {
        if (reason == LOAD_ERROR)
            fl_call_fail(sink, LOAD_ERROR, "%s/%s: %s", f->call->msg.user,
                         f->call->msg.function, msg);
        else
            fl_call_fail(sink, reason, "%s", msg);
    }
    return -1;
}

/* Puts a warm Faaslet back to its version's snapshot after a call: memory,
 * globals and tables restored (pages mapped, not copied), its /tmp emptied
 * when the call wrote there, its fd table back to stdio and the preopens
 * when the call changed it, state locks and mappings dropped, its charges
 * moved off the call's budget.  Returns 0, or -1 when it cannot serve
 * another call (then it is freed). */
static int faaslet_reset(faaslet *f, fl_snapshot *snap) {
    char msg[200];
    fl_error err;
    size_t kept;
    if (fl_snapshot_reset(snap, f->inst, KEEP_WRITTEN_MAX, &kept, &err) < 0)
        return -1;
    f->cost = faaslet_cost(f->ver->module) + kept;
    if (fl_wasi_quota_touched(f->wasi) && fl__call_tmp_empty(&f->tmp) < 0)
        return -1;
    if (fl_wasi_reset(f->wasi, msg, sizeof msg) < 0)
        return -1;
    fl_host_reset(f->host);
    if (f->nchained) {
        memset(f->chained, 0, f->setcap * sizeof *f->chained);
        f->nchained = 0;
    }
    if (fl_store_set_budget(f->store, NULL) < 0 || fl_wasi_bind(f->wasi, NULL, NULL, 0) < 0)
        return -1;
    f->call = NULL;
    f->sink = NULL;
    return 0;
}

/* An idle Faaslet of v, or NULL. */
static faaslet *pool_take(fl_runtime *rt, fn_version *v) {
    pthread_mutex_lock(&v->lock);
    faaslet *f = v->idle_head;
    if (f) {
        v->idle_head = f->next;
        if (v->idle_head)
            v->idle_head->prev = NULL;
        else
            v->idle_tail = NULL;
        v->nidle--;
        f->next = f->prev = NULL;
    }
    pthread_mutex_unlock(&v->lock);
    if (f) {
        atomic_fetch_sub(&rt->idle_bytes, f->cost);
        atomic_fetch_add_explicit(&rt->stats.reused, 1, memory_order_relaxed);
    }
    return f;
}

/* Keeps reset Faaslet f idle on its version (most recently used first),
 * evicting the least recently used one past pool_per_function or when
 * the idle Faaslets of all functions would pass pool_max_mib; frees f
 * when its version is retired or nothing can make room.  Returns whether
 * f was kept. */
static bool pool_put(fl_runtime *rt, faaslet *f) {
    fn_version *v = f->ver;
    uint64_t cap = (uint64_t)rt->cfg.pool_max_mib << 20;
    faaslet *evicted = NULL;
    bool kept = false;
    pthread_mutex_lock(&v->lock);
    bool full = v->nidle >= rt->cfg.pool_per_function ||
                atomic_load(&rt->idle_bytes) + f->cost > cap;
    if (!v->retired && rt->cfg.pool_per_function) {
        if (full && v->idle_tail) {
            evicted = v->idle_tail;
            v->idle_tail = evicted->prev;
            if (v->idle_tail)
                v->idle_tail->next = NULL;
            else
                v->idle_head = NULL;
            v->nidle--;
            full = false;
        }
        if (!full) {
            f->prev = NULL;
            f->next = v->idle_head;
            if (v->idle_head)
                v->idle_head->prev = f;
            else
                v->idle_tail = f;
            v->idle_head = f;
            v->nidle++;
            kept = true;
        }
    }
    pthread_mutex_unlock(&v->lock);
    if (kept) {
        atomic_fetch_add(&rt->idle_bytes, f->cost);
        atomic_fetch_add_explicit(&rt->stats.pooled, 1, memory_order_relaxed);
    }
    if (evicted) {
        atomic_fetch_sub(&rt->idle_bytes, evicted->cost);
        atomic_fetch_add_explicit(&rt->stats.evicted, 1, memory_order_relaxed);
        faaslet_free(evicted);
    }
    if (!kept)
        faaslet_free(f);
    return kept;
}

/* The executor stops a call (timeout, cancel): its guest stops at once,
 * machine code included. */
static void exec_interrupt(void *ex) { fl_exec_interrupt(ex); }

/* After a call: a warm Faaslet is reset and pooled, any other freed.  Runs
 * while the call's budget is alive (the reset moves charges off it). */
static void faaslet_release(fl_runtime *rt, faaslet *f, bool healthy) {
    fn_version *v = f->ver;
    fl_call_watch_fn(f->sink, NULL, NULL);
    if (healthy && rt->cfg.reuse == FL_REUSE_WARM && f->inst) {
        pthread_mutex_lock(&v->lock);
        fl_snapshot *snap = v->retired ? NULL : fl_snapshot_ref(v->snap);
        pthread_mutex_unlock(&v->lock);
        int rc = snap ? faaslet_reset(f, snap) : -1;
        fl_snapshot_unref(snap);
        if (rc == 0) {
            pool_put(rt, f);
            return;
        }
    }
    faaslet_free(f);
}

/* A stand-in for a chained call handed to another host: waits for its
 * result (not holding a worker's place) and makes it this call's.
 * Returns 1 when it took the call back instead: the caller runs it here. */
static int run_stand_in(fl_runtime *rt, const fl_call_info *call, fl_call_sink *sink,
                        const chain_extra *extra) {
    const fl_remote_ops *remote = extra->remote;
    fl_call_result res;
    int rc;
    fl_call_blocked(sink, true);
    for (;;) {
        rc = remote->wait(remote->ctx, extra->handle, FL_REMOTE_TAKE_BACK_MS, call->cancel, &res);
        if (rc != -ETIMEDOUT)
            break;
        /* taken back only while this host has a worker's room for it:
         * work no other host found time for, not a flood of threads */
        fl_sched_stats st;
        fl_sched_get_stats(rt->sched, &st);
        if (st.busy < st.nthreads && remote->take_back(remote->ctx, extra->handle) == 0) {
            fl_call_blocked(sink, false);
            return 1;
        }
    }
    fl_call_blocked(sink, false);
    if (rc == -ECANCELED)
        return 0; /* the executor says why: deadline or cancel */
    if (rc < 0) {
        fl_call_fail(sink, OUTCOME(FL_OUTCOME_CANCELLED),
                     "%s/%s was handed to another host and no result came: %s", call->msg.user,
                     call->msg.function, strerror(-rc));
        return 0;
    }
    fl_budget_log_append(call->msg.budget, res.log, res.log_len);
    if (res.output_len && fl_call_set_output(sink, res.output, res.output_len) < 0)
        fl_call_fail(sink, OUTCOME(FL_OUTCOME_MEMORY),
                     "memory limit reached: the output of %s/%s (%zu bytes) does not fit",
                     call->msg.user, call->msg.function, res.output_len);
    fl_call_set_return(sink, res.retval);
    const char *why = res.error ? res.error : "failed on another host";
    /* a runaway subtree there is a runaway tree here: the whole tree fails */
    if (res.outcome == FL_OUTCOME_LIMIT)
        fl_sched_fail_tree(rt->sched, OUTCOME(FL_OUTCOME_LIMIT), "%s", why);
    if (res.outcome != FL_OUTCOME_OK)
        fl_call_fail(sink, OUTCOME_TRAP(res.outcome, res.trap), "%s", why);
    fl_call_result_free(&res);
    return 0;
}

static void run_call(void *ctx, const fl_call_info *call, fl_call_sink *sink) {
    fl_runtime *rt = ctx;
    const char *user = call->msg.user, *func = call->msg.function;
    const chain_extra *extra = call->msg.opaque;
    char msg[256] = "";
    int retval = 0;
    bool python = extra && extra->python;

    if (extra && extra->handle && !run_stand_in(rt, call, sink, extra))
        return;

    fn_version *v = python ? python_version_get(rt, user, func, call->cancel, msg, sizeof msg)
                           : version_get(rt, user, func, call->cancel, msg, sizeof msg);
    if (!v) { /* a load the deadline stopped is reported by the executor, as a timeout */
        fl_call_fail(sink, LOAD_ERROR, "%s", msg);
        return;
    }
    if (!(extra && extra->func_ptr > 0) && !fl_module_find_export(v->module, "_start")) {
        fl_call_fail(sink, LOAD_ERROR, "%s/%s exports no _start: not a WASI command "
                                       "(faaslet run --invoke calls other exports)",
                     user, func);
        version_unref(v);
        return;
    }
    faaslet *f = rt->cfg.reuse == FL_REUSE_WARM ? pool_take(rt, v) : NULL;
    if (!f && !(f = faaslet_new(rt, v, user, func, msg, sizeof msg))) {
        fl_call_fail(sink, LOAD_ERROR, "%s", msg);
        version_unref(v);
        return;
    }
    version_unref(v); /* f holds its own */
    bool healthy = false;
    if (faaslet_bind(f, call, sink, msg, sizeof msg) < 0) {
        fl_call_fail(sink, LOAD_ERROR, "%s", msg);
        f->sink = sink;
        goto out;
    }
    fl_call_watch_fn(sink, exec_interrupt, f->ex);
    if (!f->inst && faaslet_instance(f, sink, msg, sizeof msg) < 0)
        goto out;

    fl_trap trap = run_entry(f->ex, f->inst, extra ? extra->func_ptr : 0, &retval, msg, sizeof msg);
    if (trap == FL_TRAP_EXIT) {
        retval = f->ex->exit_code;
        trap = FL_TRAP_NONE;
    }
    /* a trap leaves nothing a reset does not undo */
    healthy = true;
    if (trap != FL_TRAP_NONE) {
        report_trap(rt, call, sink, f->ex, f->inst, trap, "", msg);
        goto out;
    }
    fl_call_set_return(sink, retval);
out:
    faaslet_release(rt, f, healthy);
}

int fl_runtime_prewarm(fl_runtime *rt, const char *user, const char *func, bool python,
                       unsigned n, char *err, size_t errlen) {
    char msg[256] = "";
    fn_version *v = python ? python_version_get(rt, user, func, NULL, msg, sizeof msg)
                           : version_get(rt, user, func, NULL, msg, sizeof msg);
    if (!v) {
        snprintf(err, errlen, "%s", msg);
        return -1;
    }
    int made = 0;
    for (unsigned i = 0; i < n; i++) {
        faaslet *f = faaslet_new(rt, v, user, func, msg, sizeof msg);
        if (!f || faaslet_bind(f, NULL, NULL, msg, sizeof msg) < 0 ||
            faaslet_instance(f, NULL, msg, sizeof msg) < 0) {
            snprintf(err, errlen, "%s", msg);
            faaslet_free(f);
            version_unref(v);
            return -1;
        }
        pthread_mutex_lock(&v->lock);
        fl_snapshot *snap = fl_snapshot_ref(v->snap);
        pthread_mutex_unlock(&v->lock);
        int rc = snap ? faaslet_reset(f, snap) : -1;
        fl_snapshot_unref(snap);
        if (rc < 0) {
            snprintf(err, errlen, "%s/%s cannot be kept warm (no snapshot)", user, func);
            faaslet_free(f);
            version_unref(v);
            return -1;
        }
        if (!pool_put(rt, f))
            break; /* the pool is full */
        made++;
    }
    version_unref(v);
    return made;
}

void fl_runtime_flush(fl_runtime *rt) {
    for (size_t i = 0; i < FN_SHARDS; i++) {
        fn_shard *sh = &rt->shards[i];
        pthread_mutex_lock(&sh->lock);
        for (fn_entry *e = sh->head; e; e = e->next) {
            fn_version *v = version_ref(e->ver);
            pthread_mutex_unlock(&sh->lock);
            version_drain(rt, v, false);
            version_unref(v);
            pthread_mutex_lock(&sh->lock);
        }
        pthread_mutex_unlock(&sh->lock);
    }
    fl__call_tmp tmp;
    while (tmp_take(rt, &tmp))
        fl__call_tmp_remove(&tmp);
}

void fl_runtime_pool_stats(fl_runtime *rt, fl_pool_stats *st) {
    st->built = atomic_load(&rt->stats.built);
    st->restored = atomic_load(&rt->stats.restored);
    st->reused = atomic_load(&rt->stats.reused);
    st->pooled = atomic_load(&rt->stats.pooled);
    st->evicted = atomic_load(&rt->stats.evicted);
    st->idle_bytes = atomic_load(&rt->idle_bytes);
    st->disk_loaded = atomic_load(&rt->stats.disk_loaded);
    st->disk_refused = atomic_load(&rt->stats.disk_refused);
    st->disk_saved = atomic_load(&rt->stats.disk_saved);
    st->tiered_up = atomic_load(&rt->stats.tiered_up);
}

/* ---- machine code ready: new calls switch to it ---- */

/* C function job->user/func: a version on the machine code replaces the
 * interpreted one if that is still current (not replaced meanwhile). */
static void function_tierup(fl_runtime *rt, const fl__tierup_job *job) {
    char msg[256];
    fl_module *m = load_checked(rt, job->bytes, job->len, job->sha, false, job->dir, NULL,
                                job->func, msg, sizeof msg);
    if (m && m->tier != &fl_aot_tier) {
        fl_module_free(m);
        m = NULL;
    }
    fn_version *v = m ? version_new(m, m, false, NULL) : NULL;
    if (!v)
        return;
    memcpy(v->sha, job->sha, sizeof v->sha);
    version_disk(rt, v, job->user, job->func, job->sha);
    fn_shard *sh = shard_of(rt, job->user, job->func, false);
    fn_version *old = NULL;
    pthread_mutex_lock(&sh->lock);
    fn_entry *e = entry_find(sh, job->user, job->func, false);
    if (e && !atomic_load(&e->ver->retired) && e->ver->module->tier != &fl_aot_tier &&
        !memcmp(e->ver->sha, job->sha, sizeof job->sha)) {
        old = e->ver;
        e->ver = v; /* takes the reference version_new gave */
        v = NULL;
    }
    pthread_mutex_unlock(&sh->lock);
    if (old) {
        atomic_fetch_add(&rt->stats.tiered_up, 1);
        version_drain(rt, old, true);
        version_unref(old);
    }
    version_unref(v);
}

/* Python's runtime: the machine-code module becomes py_module and every
 * Python version is retired, so that the next call of each makes a new
 * one on it.  The interpreted module stays until the runtime is freed:
 * calls under way still run on it. */
static void python_tierup(fl_runtime *rt, const fl__tierup_job *job) {
    char msg[256];
    fl_module *m = load_checked(rt, job->bytes, job->len, job->sha, false, job->dir, NULL,
                                "Python", msg, sizeof msg);
    retired_module *r = malloc(sizeof *r);
    if (!m || !r || m->tier != &fl_aot_tier) {
        fl_module_free(m);
        free(r);
        return;
    }
    pthread_mutex_lock(&rt->py_lock);
    fl_module *old = atomic_load(&rt->py_module);
    if (!old || old->tier == &fl_aot_tier || memcmp(rt->py_sha, job->sha, sizeof job->sha)) {
        pthread_mutex_unlock(&rt->py_lock);
        fl_module_free(m);
        free(r);
        return;
    }
    r->module = old;
    r->next = rt->py_retired;
    rt->py_retired = r;
    atomic_store_explicit(&rt->py_module, m, memory_order_release);
    pthread_mutex_unlock(&rt->py_lock);
    atomic_fetch_add(&rt->stats.tiered_up, 1);
    for (size_t i = 0; i < FN_SHARDS; i++) {
        fn_shard *sh = &rt->shards[i];
        for (;;) { /* one at a time, drained outside the shard's lock */
            fn_version *v = NULL;
            pthread_mutex_lock(&sh->lock);
            for (fn_entry *e = sh->head; e && !v; e = e->next)
                if (e->python && !atomic_load(&e->ver->retired))
                    v = version_ref(e->ver);
            pthread_mutex_unlock(&sh->lock);
            if (!v)
                break;
            version_drain(rt, v, true);
            version_unref(v);
        }
    }
}

static void tierup_ready(void *ctx, const fl__tierup_job *job) {
    if (job->python)
        python_tierup(ctx, job);
    else
        function_tierup(ctx, job);
}

bool fl_runtime_codegen_wait(fl_runtime *rt, unsigned timeout_ms) {
    return !rt->tierup || fl__tierup_wait_idle(rt->tierup, timeout_ms);
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
    /* shared files: made now so every Faaslet can open it (a store that
     * cannot hold it gives guests no faasm://) */
    if (rt->cfg.fnstore) {
        char dir[PATH_MAX];
        int n = snprintf(dir, sizeof dir, "%s/shared", fl_fnstore_dir(rt->cfg.fnstore));
        if (n < (int)sizeof dir && (mkdir(dir, 0755) == 0 || errno == EEXIST) &&
            access(dir, R_OK | X_OK) == 0)
            memcpy(rt->shared_dir, dir, (size_t)n + 1);
    }
    pthread_mutex_init(&rt->py_lock, NULL);
    pthread_mutex_init(&rt->tmp_lock, NULL);
    for (size_t i = 0; i < FN_SHARDS; i++)
        pthread_mutex_init(&rt->shards[i].lock, NULL);
    rt->shards_made = true;
    if (!rt->cfg.pool_max_mib)
        rt->cfg.pool_max_mib = FL_RUNTIME_DEFAULT_POOL_MIB;
    if (!rt->cfg.pool_per_function)
        rt->cfg.pool_per_function = FL_RUNTIME_DEFAULT_POOL_PER_FUNCTION;
    if (rt->cfg.redis_url) {
        char why[300];
        if (fl_global_redis_open(rt->cfg.redis_url, rt->cfg.redis_timeout_ms, &rt->global, why,
                                 sizeof why) < 0) {
            snprintf(err, errlen, "global state tier: %s", why);
            goto fail;
        }
    } else if (fl_global_mem_open(rt->cfg.state_dir, &rt->global) < 0) {
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
    if (rt->cfg.background_codegen && !(rt->tierup = fl__tierup_new(tierup_ready, rt))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
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
    fl__tierup_free(rt->tierup); /* no call left to ask; one under way is killed */
    if (rt->state)
        fl_state_free(rt->state);
    if (rt->global_made && rt->cfg.redis_url)
        fl_global_redis_free(&rt->global);
    else if (rt->global_made)
        fl_global_mem_free(&rt->global);
    /* the executor is gone: every Faaslet is idle now */
    for (size_t i = 0; rt->shards_made && i < FN_SHARDS; i++) {
        for (fn_entry *e = rt->shards[i].head, *next; e; e = next) {
            next = e->next;
            version_drain(rt, e->ver, true);
            version_unref(e->ver);
            free(e->user);
            free(e->func);
            free(e);
        }
        pthread_mutex_destroy(&rt->shards[i].lock);
    }
    fl_module_free(atomic_load(&rt->py_module));
    for (retired_module *r = rt->py_retired, *next; r; r = next) {
        next = r->next;
        fl_module_free(r->module);
        free(r);
    }
    for (python_dir *d = rt->py_dirs, *next; d; d = next) {
        next = d->next;
        free(d->user);
        free(d->func);
        free(d->dir);
        free(d);
    }
    pthread_mutex_destroy(&rt->py_lock);
    while (rt->nspare_tmp)
        fl__call_tmp_remove(&rt->spare_tmp[--rt->nspare_tmp]);
    pthread_mutex_destroy(&rt->tmp_lock);
    free(rt);
}

/* The lower of a runtime limit and a call's own (0: none asked). */
static uint32_t lower_limit(uint32_t runtime, uint32_t asked) {
    return asked && (!runtime || asked < runtime) ? asked : runtime;
}

/* Submits the root of a new call tree (or of a subtree another host handed
 * on) with a fresh budget from the config and s's own limits (its
 * deadline counts from now); takes ownership of extra.  Returns the call
 * id or 0. */

static uint32_t submit_root(fl_runtime *rt, const fl_submit *s, chain_extra *extra) {
    const fl_runtime_config *c = &rt->cfg;
    uint32_t timeout_ms = lower_limit(c->timeout_ms, s->timeout_ms);
    fl_budget_limits lim = {
        .timeout_ms = timeout_ms,
        .memory_bytes = (uint64_t)lower_limit(c->max_memory_mib, s->max_memory_mib) << 20,
        .fds = c->max_fds,
        .disk_bytes = (uint64_t)c->max_disk_mib << 20,
        .calls = lower_limit(c->max_calls, s->max_calls),
        .chain_depth = lower_limit(c->max_chain_depth, s->max_depth),
        .chained_per_call = c->max_chained,
        .log_bytes = c->max_log_kib > (UINT32_MAX >> 10) ? UINT32_MAX : c->max_log_kib << 10,
    };
    fl_budget *budget = fl_budget_new(&lim);
    uint32_t id = 0;
    if (!budget || fl_budget_charge(budget, FL_BUDGET_CALLS, 1) < 0) {
        extra_free(extra);
        goto out;
    }
    /* part of a tree begun on another host: its calls are counted there */
    if (s->tree)
        fl_budget_set_tree(budget, s->tree);
    const fl_remote_ops *remote = c->remote;
    if (s->may_hand && remote && remote->full(remote->ctx)) {
        /* the whole tree runs elsewhere, with this budget's limits */
        if (!extra)
            extra = calloc(1, sizeof *extra);
        if (extra) /* else it runs here */
            hand_on(remote, extra, s->user, s->func, s->input, s->len, budget, 0, 0);
    }
    fl_call_msg msg = {
        .user = s->user,
        .function = s->func,
        .input = s->input,
        .input_len = s->len,
        .opaque = extra,
        .opaque_free = extra ? extra_free : NULL,
        .timeout_ms = timeout_ms,
        .deadline_ns = fl_budget_deadline_ns(budget),
        .budget = budget,
        .flags = FL_CALL_KEEP,
        .tree_depth = s->depth,
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
    fl_submit sub = {.user = user, .func = func, .input = input, .len = len};
    return submit_root(rt, &sub, NULL);
}

int fl_runtime_add_python(fl_runtime *rt, const char *user, const char *func,
                          const char *dir) {
    char *copy = strdup(dir);
    if (!copy)
        return -ENOMEM;
    pthread_mutex_lock(&rt->py_lock);
    python_dir *d = rt->py_dirs;
    while (d && (strcmp(d->user, user) || strcmp(d->func, func)))
        d = d->next;
    if (d) {
        free(d->dir);
        d->dir = copy;
    } else {
        d = calloc(1, sizeof *d);
        if (d) {
            d->user = strdup(user);
            d->func = strdup(func);
            d->dir = copy;
        }
        if (!d || !d->user || !d->func) {
            pthread_mutex_unlock(&rt->py_lock);
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
    }
    pthread_mutex_unlock(&rt->py_lock);
    /* the function's current version (another folder) is replaced */
    fn_version *v = version_find(rt, user, func, true);
    if (v) {
        version_drain(rt, v, true);
        version_unref(v);
    }
    return 0;
}

uint32_t fl_runtime_submit_python(fl_runtime *rt, const char *user, const char *func,
                                  const uint8_t *input, size_t len) {
    return fl_runtime_submit_python_at(rt, user, func, NULL, input, len);
}

uint32_t fl_runtime_submit_python_at(fl_runtime *rt, const char *user, const char *func,
                                     const char *entry, const uint8_t *input, size_t len) {
    fl_submit sub = {.user = user, .func = func, .input = input, .len = len, .python = true,
                     .entry = entry};
    return fl_runtime_submit_with(rt, &sub);
}

uint32_t fl_runtime_submit_with(fl_runtime *rt, const fl_submit *s) {
    chain_extra *extra = NULL;
    if (s->python && !(extra = python_extra(s->entry && *s->entry ? s->entry : NULL)))
        return 0;
    if (s->func_ptr > 0 && !extra && !(extra = calloc(1, sizeof *extra)))
        return 0;
    if (extra)
        extra->func_ptr = s->func_ptr > 0 ? s->func_ptr : 0;
    return submit_root(rt, s, extra);
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
    case FL_OUTCOME_MEMORY:
        return "memory";
    case FL_OUTCOME_LIMIT:
        return "limit";
    case FL_OUTCOME_CANCELLED:
        return "cancelled";
    }
    return "trap";
}

/* The outcome of a failed call, and its trap's kind, from the executor's
 * reason. */
static fl_outcome outcome_of(int reason, fl_trap *trap) {
    *trap = FL_TRAP_NONE;
    switch (reason) {
    case FL_REASON_DEADLINE:
        return FL_OUTCOME_TIMEOUT;
    case FL_REASON_CANCELLED:
        return FL_OUTCOME_CANCELLED;
    case FL_REASON_STACK: /* awaited with too little C stack left */
        *trap = FL_TRAP_STACK_EXHAUSTED;
        return FL_OUTCOME_TRAP;
    }
    if (reason >= FL_REASON_USER && reason <= OUTCOME_TRAP(FL_OUTCOME_CANCELLED, FL_TRAP_COUNT)) {
        int o = (reason - FL_REASON_USER) / 256, t = (reason - FL_REASON_USER) % 256;
        if (o != FL_OUTCOME_OK && t < FL_TRAP_COUNT) {
            *trap = (fl_trap)t;
            return (fl_outcome)o;
        }
    }
    return FL_OUTCOME_TRAP; /* an error of the executor's own */
}

int fl_runtime_await(fl_runtime *rt, uint32_t id, fl_call_result *res) {
    memset(res, 0, sizeof *res);
    fl_call_taken t;
    int rc = fl_sched_take(rt->sched, id, -1, &t);
    if (rc < 0)
        return rc;
    res->retval = t.retval;
    res->output = t.output;
    res->output_len = t.output_len;
    if (t.status == FL_CALL_FAILED) {
        res->outcome = outcome_of(t.reason, &res->trap);
        res->error = t.error ? t.error : strdup("call failed");
    } else {
        free(t.error);
    }
    res->log = fl_budget_log_take(t.budget, &res->log_len, &res->log_dropped);
    fl_budget_unref(t.budget);
    return 0;
}

void fl_call_result_free(fl_call_result *res) {
    free(res->output);
    free(res->error);
    free(res->log);
    memset(res, 0, sizeof *res);
}

bool fl_runtime_full(fl_runtime *rt) {
    fl_sched_stats st;
    fl_sched_get_stats(rt->sched, &st);
    return st.busy + st.queued >= st.nthreads;
}

fl_sched *fl_runtime_sched(fl_runtime *rt) { return rt->sched; }

fl_state *fl_runtime_state(fl_runtime *rt) { return rt->state; }
