/*
 * spec_test.c: runs the official spec tests as wast2json writes them.
 *
 * Each file gets a fresh store, exec and linker with `spectest` defined, and
 * its commands run in order.  By default each file runs in a child process
 * whose counts live in shared memory, so an engine crash costs one file, not
 * the run: the commands it did not finish count as failed, and the line it
 * died on is printed.  A watchdog thread sets the exec's interrupt flag when
 * a command runs past the timeout; alarm() backs it up in case the guest
 * never looks at the flag.
 *
 * Strict as the reference interpreter is: an assertion's expected text must
 * be a prefix of our message, else the command fails.  The only exceptions
 * are the entries of the allow-list (--allow FILE, tests/spec/allowlist.txt):
 * one case each (file:line, command, expected text, our text, reason), or
 * the one wildcard that lets text-format modules be skipped.  A command is
 * skipped as SIMD only when its module was refused with exactly
 * FL_SIMD_UNSUPPORTED (SIMD is decoded and validated, not run yet).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/files.h"
#include "cli/spec_test.h"
#include "cli/spectest_host.h"
#include "aot/aot.h"
#include "engine/decode.h"
#include "engine/module.h"
#include "engine/runtime.h"
#include "engine/validate.h"

#define MAX_LISTED 10 /* failures listed per file */
#define MAX_ALLOW 64  /* allow-list entries: the list is meant to stay short */
#define MSG_LEN 400
#define DEFAULT_TIMEOUT 20 /* seconds per command */

/* cJSON strings end at a NUL, and so do the engine's names, so a name with
 * "\u0000" in it cannot be looked up.  The reader turns each "\u0000" into a
 * private-use character the file does not otherwise contain, and actions on
 * names holding it are skipped. */
#define NUL_ESCAPE "\\u0000"

/* What one file's run produced.  Lives in shared memory when the file runs
 * in a child, so a crash keeps what was counted up to it. */
typedef struct file_result {
    int passed, failed, skipped;
    int allowed;                  /* message differs, as an allow-list entry says it may */
    int skipped_text, skipped_simd, skipped_nul;
    int commands;                 /* in the file, -1 until it was parsed */
    int line;                     /* line of the command being run */
    int done;                     /* the file ran to its end */
    int nfail_listed;
    char fail_msgs[MAX_LISTED][MSG_LEN];
    char fatal[MSG_LEN];          /* crash, hang, or a file that could not be run */
    int allow_hits[MAX_ALLOW];    /* uses of each allow-list entry */
} file_result;

/* One allow-list line: "WHERE | COMMAND | EXPECTED | OURS | REASON".  WHERE
 * is "file.wast:LINE"; the one wildcard entry has WHERE "*" and COMMAND
 * "assert_malformed text" (text-format modules skipped, with its reason). */
typedef struct allow_entry {
    char *where, *command, *expected, *ours, *reason;
    int line; /* in the allow-list file */
} allow_entry;

typedef struct allow_list {
    const char *path;
    allow_entry entries[MAX_ALLOW];
    int n;
    int text_entry; /* index of the wildcard for text-format modules, or -1 */
} allow_list;

typedef struct options {
    bool verbose;
    bool fork;
    unsigned timeout;
    const allow_list *allow;
    fl_tier_choice tier;    /* interp, or aot: every module as machine code */
    const char *cache;      /* the machine-code cache folder (aot) */
} options;

/* Sets the exec's interrupt flag when a command runs past its deadline. */
typedef struct watchdog {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool started;
    bool stop;
    bool armed;
    struct timespec deadline; /* CLOCK_MONOTONIC */
    fl_exec *ex;
    unsigned timeout;
    bool use_alarm; /* also arm alarm() as a last resort (child processes only) */
} watchdog;

/* A module instance remembered under its $name. */
typedef struct named_inst {
    const char *name; /* borrowed from the JSON tree */
    fl_instance *inst; /* NULL when loading it failed or was skipped */
    bool skipped;
} named_inst;

typedef struct spec_ctx {
    const options *opt;
    file_result *res;
    const char *wast; /* "name.wast", for allow-list lookups */
    char *dir; /* folder of the .json, where its .wasm files are */
    int line;
    fl_store *store;
    fl_exec *ex;
    fl_linker *linker;
    fl_module **modules; /* every loaded module; freed after the store */
    size_t nmodules, cap_modules;
    named_inst *named;
    size_t nnamed, cap_named;
    fl_instance *current;
    bool current_skipped;
    char nul_standin[4]; /* UTF-8 of what "\u0000" became, or "" */
    watchdog wd;
} spec_ctx;

/* A value from the JSON: an argument, or an expected result. */
typedef enum value_kind {
    VAL_EXACT,
    VAL_NAN_CANONICAL,
    VAL_NAN_ARITHMETIC,
    VAL_NONNULL, /* a reference given without a value: any non-null one */
} value_kind;

typedef struct spec_value {
    uint8_t type; /* enum fl_valtype */
    value_kind kind;
    bool null;
    uint64_t bits;         /* a v128: its bytes 0-7 */
    uint64_t hi;           /* a v128: its bytes 8-15 */
    uint8_t lane_type;     /* a v128 of float lanes: FL_F32 or FL_F64, else 0 */
    value_kind lanes[4];   /* ... and each lane's kind (a NaN pattern or exact) */
} spec_value;

/* What running an action gave. */
typedef struct action_result {
    fl_trap trap;
    uint32_t nresults;
    const uint8_t *types; /* result types, borrowed from the module or global */
    fl_value *values;     /* caller frees */
} action_result;

enum lookup { LOOKUP_FOUND, LOOKUP_SKIPPED, LOOKUP_MISSING };

/* ---- results ---- */

static void add_msg(char (*msgs)[MSG_LEN], int *nlisted, int line, const char *fmt, va_list ap) {
    if (*nlisted >= MAX_LISTED)
        return;
    char *buf = msgs[*nlisted];
    int n = snprintf(buf, MSG_LEN, "line %d: ", line);
    vsnprintf(buf + n, MSG_LEN - (size_t)n, fmt, ap);
    (*nlisted)++;
}

__attribute__((format(printf, 2, 3)))
static void fail(spec_ctx *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    c->res->failed++;
    add_msg(c->res->fail_msgs, &c->res->nfail_listed, c->line, fmt, ap);
    va_end(ap);
}

static void pass(spec_ctx *c) {
    c->res->passed++;
}

/* A command on a module that fl_module_load refused with exactly
 * FL_SIMD_UNSUPPORTED, or that module itself. */
static void skip_simd(spec_ctx *c) {
    c->res->skipped++;
    c->res->skipped_simd++;
}

static bool is_simd_refusal(const char *message) {
    return strncmp(message, FL_SIMD_UNSUPPORTED, strlen(FL_SIMD_UNSUPPORTED)) == 0;
}

/* The allow-list entry for this exact case, or -1. */
static int allow_find(const spec_ctx *c, const char *command, const char *expected,
                      const char *got) {
    const allow_list *a = c->opt->allow;
    char where[300];
    if (!a)
        return -1;
    snprintf(where, sizeof where, "%s:%d", c->wast, c->line);
    for (int i = 0; i < a->n; i++) {
        const allow_entry *e = &a->entries[i];
        if (!strcmp(e->where, where) && !strcmp(e->command, command) &&
            !strcmp(e->expected, expected) && !strcmp(e->ours, got))
            return i;
    }
    return -1;
}

/* The spec's assertion on a message, as the reference interpreter makes
 * it: the expected text must be a prefix of ours.  Passes, passes as
 * allow-listed, or fails. */
static void check_message(spec_ctx *c, const char *command, const char *expected,
                          const char *got) {
    if (!expected || strncmp(got, expected, strlen(expected)) == 0) {
        pass(c);
        return;
    }
    int i = allow_find(c, command, expected, got);
    if (i >= 0) {
        c->res->allowed++;
        c->res->allow_hits[i]++;
        return;
    }
    fail(c, "%s: expected \"%s\", got \"%s\"", command, expected, got);
}

/* ---- watchdog ---- */

static void *watchdog_main(void *arg) {
    watchdog *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        if (!w->armed) {
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        struct timespec deadline = w->deadline;
        int rc = pthread_cond_timedwait(&w->cv, &w->mu, &deadline);
        if (rc != ETIMEDOUT || !w->armed)
            continue;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > w->deadline.tv_sec ||
            (now.tv_sec == w->deadline.tv_sec && now.tv_nsec >= w->deadline.tv_nsec)) {
            fl_exec_interrupt(w->ex);
            w->armed = false;
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int watchdog_start(watchdog *w, fl_exec *ex, unsigned timeout, bool use_alarm) {
    pthread_condattr_t attr;
    w->ex = ex;
    w->timeout = timeout;
    w->use_alarm = use_alarm;
    w->stop = w->armed = false;
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&w->thread, NULL, watchdog_main, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        return -1;
    }
    w->started = true;
    return 0;
}

static void watchdog_stop(watchdog *w) {
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    w->started = false;
    if (w->use_alarm)
        alarm(0);
}

/* Called before a command runs guest code: clears the interrupt flag and
 * sets the deadline. */
static void watchdog_arm(watchdog *w) {
    w->ex->interrupt = 0;
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    clock_gettime(CLOCK_MONOTONIC, &w->deadline);
    w->deadline.tv_sec += w->timeout;
    w->armed = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (w->use_alarm)
        alarm(w->timeout * 2 + 5);
}

static void watchdog_disarm(watchdog *w) {
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    w->armed = false;
    pthread_mutex_unlock(&w->mu);
}

/* ---- files and values ---- */

static const char *json_str(const cJSON *obj, const char *key) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static uint8_t parse_type(const char *s) {
    if (!s)
        return 0;
    if (!strcmp(s, "i32"))
        return FL_I32;
    if (!strcmp(s, "i64"))
        return FL_I64;
    if (!strcmp(s, "f32"))
        return FL_F32;
    if (!strcmp(s, "f64"))
        return FL_F64;
    if (!strcmp(s, "v128"))
        return FL_V128;
    if (!strcmp(s, "funcref"))
        return FL_FUNCREF;
    if (!strcmp(s, "externref"))
        return FL_EXTERNREF;
    return 0;
}

/* {"type": "v128", "lane_type": "i8".."f64", "value": [lanes as unsigned
 * decimal bits, or NaN patterns for float lanes]} into out. */
static int parse_v128(const cJSON *j, spec_value *out) {
    const char *lt = json_str(j, "lane_type");
    const cJSON *lanes = cJSON_GetObjectItemCaseSensitive(j, "value");
    uint32_t size = !lt                  ? 0
                    : !strcmp(lt, "i8")  ? 1
                    : !strcmp(lt, "i16") ? 2
                    : !strcmp(lt, "i32") || !strcmp(lt, "f32") ? 4
                    : !strcmp(lt, "i64") || !strcmp(lt, "f64") ? 8
                                                               : 0;
    if (!size || !cJSON_IsArray(lanes) || (uint32_t)cJSON_GetArraySize(lanes) != 16 / size)
        return -1;
    if (lt[0] == 'f')
        out->lane_type = size == 4 ? FL_F32 : FL_F64;
    uint8_t bytes[16] = {0};
    uint32_t i = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, lanes) {
        if (!cJSON_IsString(l))
            return -1;
        value_kind k = VAL_EXACT;
        if (!strcmp(l->valuestring, "nan:canonical"))
            k = VAL_NAN_CANONICAL;
        else if (!strcmp(l->valuestring, "nan:arithmetic"))
            k = VAL_NAN_ARITHMETIC;
        if (k != VAL_EXACT && !out->lane_type)
            return -1;
        if (out->lane_type)
            out->lanes[i] = k;
        uint64_t bits = k == VAL_EXACT ? strtoull(l->valuestring, NULL, 10) : 0;
        memcpy(bytes + i * size, &bits, size); /* little-endian, as wasm's lanes */
        i++;
    }
    memcpy(&out->bits, bytes, 8);
    memcpy(&out->hi, bytes + 8, 8);
    out->kind = VAL_EXACT;
    return 0;
}

/* Parses {"type": ..., "value": ...}.  Returns 0, or -1 when malformed. */
static int parse_value(const cJSON *j, spec_value *out) {
    const char *value = json_str(j, "value");
    memset(out, 0, sizeof *out);
    out->type = parse_type(json_str(j, "type"));
    if (!out->type)
        return -1;
    if (out->type == FL_V128)
        return parse_v128(j, out);
    out->kind = VAL_EXACT;
    if (out->type == FL_FUNCREF || out->type == FL_EXTERNREF) {
        if (!value)
            out->kind = VAL_NONNULL;
        else if (!strcmp(value, "null"))
            out->null = true;
        else
            out->bits = strtoull(value, NULL, 10);
        return 0;
    }
    if (!value)
        return -1;
    if (!strcmp(value, "nan:canonical"))
        out->kind = VAL_NAN_CANONICAL;
    else if (!strcmp(value, "nan:arithmetic"))
        out->kind = VAL_NAN_ARITHMETIC;
    else
        out->bits = strtoull(value, NULL, 10);
    return 0;
}

/* An externref N of the tests is the host pointer N + 1, so that 0 is not null. */
static void *extern_ref(uint64_t n) {
    return (void *)(uintptr_t)(n + 1);
}

/* Turns an argument into its slot (two for a v128).  Returns -1 for one we
 * cannot pass (a non-null funcref, which only the engine can make). */
static int to_slot(const spec_value *v, fl_value *out) {
    memset(out, 0, sizeof *out);
    switch (v->type) {
    case FL_V128:
        out[0].i64 = v->bits;
        out[1].i64 = v->hi;
        return v->lane_type && (v->lanes[0] || v->lanes[1] || v->lanes[2] || v->lanes[3]) ? -1
                                                                                          : 0;
    case FL_I32:
    case FL_F32:
        out->i32 = (uint32_t)v->bits;
        return v->kind == VAL_EXACT ? 0 : -1;
    case FL_I64:
    case FL_F64:
        out->i64 = v->bits;
        return v->kind == VAL_EXACT ? 0 : -1;
    case FL_EXTERNREF:
        if (v->kind != VAL_EXACT)
            return -1;
        out->ref = v->null ? NULL : extern_ref(v->bits);
        return 0;
    case FL_FUNCREF:
        out->ref = NULL;
        return v->null ? 0 : -1;
    }
    return -1;
}

static bool matches(const spec_value *e, const fl_value *slots);

/* A v128 against its expected lanes: float lanes by their patterns. */
static bool v128_matches(const spec_value *e, const fl_value *got) {
    if (!e->lane_type)
        return got[0].i64 == e->bits && got[1].i64 == e->hi;
    uint8_t want[16], have[16];
    memcpy(want, &e->bits, 8);
    memcpy(want + 8, &e->hi, 8);
    memcpy(have, &got[0].i64, 8);
    memcpy(have + 8, &got[1].i64, 8);
    uint32_t size = e->lane_type == FL_F32 ? 4 : 8;
    for (uint32_t i = 0; i < 16 / size; i++) {
        spec_value lane = {.type = e->lane_type, .kind = e->lanes[i]};
        fl_value v = {.i64 = 0};
        memcpy(&lane.bits, want + i * size, size);
        memcpy(&v.i64, have + i * size, size);
        if (!matches(&lane, &v))
            return false;
    }
    return true;
}

static bool matches(const spec_value *e, const fl_value *slots) {
    fl_value got = slots[0];
    switch (e->type) {
    case FL_V128:
        return v128_matches(e, slots);
    case FL_I32:
        return got.i32 == (uint32_t)e->bits;
    case FL_I64:
        return got.i64 == e->bits;
    case FL_F32:
        if (e->kind == VAL_NAN_CANONICAL)
            return (got.i32 & 0x7fffffffu) == 0x7fc00000u;
        if (e->kind == VAL_NAN_ARITHMETIC)
            return (got.i32 & 0x7fc00000u) == 0x7fc00000u;
        return got.i32 == (uint32_t)e->bits;
    case FL_F64:
        if (e->kind == VAL_NAN_CANONICAL)
            return (got.i64 & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
        if (e->kind == VAL_NAN_ARITHMETIC)
            return (got.i64 & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
        return got.i64 == e->bits;
    case FL_FUNCREF:
    case FL_EXTERNREF:
        if (e->kind == VAL_NONNULL)
            return got.ref != NULL;
        if (e->null)
            return got.ref == NULL;
        return e->type == FL_EXTERNREF ? got.ref == extern_ref(e->bits) : got.ref != NULL;
    }
    return false;
}

static void format_slot(char *buf, size_t n, uint8_t type, const fl_value *slots) {
    fl_value v = slots[0];
    switch (type) {
    case FL_V128: /* as the bytes in memory order */
        snprintf(buf, n, "v128:%016" PRIx64 "%016" PRIx64 " (bytes 15..0)", slots[1].i64,
                 slots[0].i64);
        return;
    case FL_I32:
        snprintf(buf, n, "i32:%" PRIu32, v.i32);
        return;
    case FL_I64:
        snprintf(buf, n, "i64:%" PRIu64, v.i64);
        return;
    case FL_F32:
        snprintf(buf, n, "f32:%.9g (0x%08" PRIx32 ")", (double)v.f32, v.i32);
        return;
    case FL_F64:
        snprintf(buf, n, "f64:%.17g (0x%016" PRIx64 ")", v.f64, v.i64);
        return;
    case FL_FUNCREF:
    case FL_EXTERNREF:
        if (!v.ref)
            snprintf(buf, n, "%s:null", fl_valtype_name(type));
        else
            snprintf(buf, n, "%s:%p", fl_valtype_name(type), v.ref);
        return;
    }
    snprintf(buf, n, "type 0x%02x", type);
}

static void format_expected(char *buf, size_t n, const spec_value *e) {
    fl_value v[2] = {{0}, {0}};
    if (e->type == FL_V128) {
        v[0].i64 = e->bits;
        v[1].i64 = e->hi;
        format_slot(buf, n, e->type, v);
        if (e->lane_type && (e->lanes[0] || e->lanes[1] || e->lanes[2] || e->lanes[3]))
            snprintf(buf + strlen(buf), n - strlen(buf), " with NaN lanes");
        return;
    }
    if (e->kind == VAL_NAN_CANONICAL || e->kind == VAL_NAN_ARITHMETIC) {
        snprintf(buf, n, "%s:%s", fl_valtype_name(e->type),
                 e->kind == VAL_NAN_CANONICAL ? "nan:canonical" : "nan:arithmetic");
        return;
    }
    if (e->kind == VAL_NONNULL) {
        snprintf(buf, n, "%s:non-null", fl_valtype_name(e->type));
        return;
    }
    if (e->type == FL_EXTERNREF && !e->null) {
        snprintf(buf, n, "externref:%" PRIu64 " (%p)", e->bits, extern_ref(e->bits));
        return;
    }
    if (e->type == FL_EXTERNREF || e->type == FL_FUNCREF)
        v[0].ref = NULL;
    else
        v[0].i64 = e->bits;
    if (e->type == FL_I32 || e->type == FL_F32)
        v[0].i32 = (uint32_t)e->bits;
    format_slot(buf, n, e->type, v);
}

/* An argument for messages: integers as in the JSON, floats as numbers. */
static void format_arg(char *buf, size_t n, const cJSON *arg) {
    spec_value v;
    const char *type = json_str(arg, "type"), *value = json_str(arg, "value");
    if (parse_value(arg, &v) == 0 && v.kind == VAL_EXACT && v.type == FL_F32) {
        fl_value f = {.i32 = (uint32_t)v.bits};
        snprintf(buf, n, "f32:%.9g", (double)f.f32);
    } else if (parse_value(arg, &v) == 0 && v.kind == VAL_EXACT && v.type == FL_F64) {
        fl_value f = {.i64 = v.bits};
        snprintf(buf, n, "f64:%.17g", f.f64);
    } else {
        snprintf(buf, n, "%s:%s", type ? type : "?", value ? value : "?");
    }
}

/* "$M.name(i32:1, f32:2)" for messages. */
static void describe_action(const cJSON *action, char *buf, size_t n) {
    const char *module = json_str(action, "module");
    const char *field = json_str(action, "field");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(action, "args");
    const cJSON *a;
    char arg[64];
    size_t used = (size_t)snprintf(buf, n, "%s%s%s", module ? module : "", module ? "." : "",
                                   field ? field : "?");
    if (!args || used >= n)
        return;
    used += (size_t)snprintf(buf + used, n - used, "(");
    bool first = true;
    cJSON_ArrayForEach(a, args) {
        if (used >= n)
            return;
        format_arg(arg, sizeof arg, a);
        used += (size_t)snprintf(buf + used, n - used, "%s%s", first ? "" : ", ", arg);
        first = false;
    }
    if (used < n)
        snprintf(buf + used, n - used, ")");
}

/* ---- modules ---- */

static int remember_module(spec_ctx *c, fl_module *m) {
    if (c->nmodules == c->cap_modules) {
        size_t cap = c->cap_modules ? c->cap_modules * 2 : 16;
        fl_module **nm = realloc(c->modules, cap * sizeof *nm);
        if (!nm)
            return -1;
        c->modules = nm;
        c->cap_modules = cap;
    }
    c->modules[c->nmodules++] = m;
    return 0;
}

static void remember_name(spec_ctx *c, const char *name, fl_instance *inst, bool skipped) {
    if (!name)
        return;
    if (c->nnamed == c->cap_named) {
        size_t cap = c->cap_named ? c->cap_named * 2 : 8;
        named_inst *nn = realloc(c->named, cap * sizeof *nn);
        if (!nn)
            return;
        c->named = nn;
        c->cap_named = cap;
    }
    c->named[c->nnamed++] = (named_inst){.name = name, .inst = inst, .skipped = skipped};
}

/* The instance an action or register names (or the current one). */
static enum lookup lookup_instance(spec_ctx *c, const char *name, fl_instance **out) {
    if (!name) {
        *out = c->current;
        if (c->current)
            return LOOKUP_FOUND;
        return c->current_skipped ? LOOKUP_SKIPPED : LOOKUP_MISSING;
    }
    for (size_t i = c->nnamed; i-- > 0;) {
        if (strcmp(c->named[i].name, name) != 0)
            continue;
        *out = c->named[i].inst;
        if (c->named[i].inst)
            return LOOKUP_FOUND;
        return c->named[i].skipped ? LOOKUP_SKIPPED : LOOKUP_MISSING;
    }
    *out = NULL;
    return LOOKUP_MISSING;
}

static char *wasm_path(spec_ctx *c, const char *filename) {
    char *path = NULL;
    if (asprintf(&path, "%s/%s", c->dir, filename) < 0)
        return NULL;
    return path;
}

static uint8_t *read_wasm(spec_ctx *c, const char *filename, size_t *len, char *why,
                          size_t whylen) {
    char *path = filename ? wasm_path(c, filename) : NULL;
    uint8_t *bytes = path ? fl_cli_read_file(path, FL_CLI_MAX_MODULE, len, why, whylen) : NULL;
    if (!path)
        snprintf(why, whylen, "%s", filename ? strerror(ENOMEM) : "no file");
    free(path);
    return bytes;
}

/* Loads a module file with fl_module_load and keeps it until the end of
 * the file.  Returns it, or NULL with err filled and *simd set when the
 * module was refused for SIMD alone (FL_SIMD_UNSUPPORTED). */
static fl_module *load_module(spec_ctx *c, const char *filename, fl_error *err, bool *simd) {
    size_t len = 0;
    char why[128];
    uint8_t *bytes = read_wasm(c, filename, &len, why, sizeof why);
    fl_module *m = NULL;
    *simd = false;
    if (!bytes) {
        fl_error_set(err, 0, "cannot read %s: %s", filename ? filename : "(no file)", why);
        return NULL;
    }
    if (c->opt->tier == FL_TIER_AOT)
        m = fl_aot_module_load(bytes, len, NULL, c->opt->cache, FL_TIER_AOT, NULL, NULL, err);
    else
        m = fl_module_load(bytes, len, err);
    if (!m) {
        *simd = is_simd_refusal(err->message);
    } else if (remember_module(c, m) < 0) {
        fl_module_free(m);
        m = NULL;
        fl_error_set(err, 0, "out of memory");
    }
    free(bytes);
    return m;
}

static fl_inst_status instantiate(spec_ctx *c, fl_module *m, fl_instance **inst, fl_error *err) {
    watchdog_arm(&c->wd);
    fl_inst_status st = fl_instantiate(c->store, m, c->linker, c->ex, inst, err);
    watchdog_disarm(&c->wd);
    return st;
}

static const char *status_name(fl_inst_status st) {
    switch (st) {
    case FL_INST_OK:
        return "instantiated";
    case FL_INST_LINK_ERROR:
        return "link error";
    case FL_INST_TRAP:
        return "trap";
    case FL_INST_NO_MEMORY:
        return "out of memory";
    }
    return "?";
}

/* ---- commands ---- */

static void cmd_module(spec_ctx *c, const cJSON *cmd) {
    const char *name = json_str(cmd, "name");
    const char *filename = json_str(cmd, "filename");
    fl_error err = {0};
    bool simd;
    fl_instance *inst = NULL;

    c->current = NULL;
    c->current_skipped = false;
    fl_module *m = load_module(c, filename, &err, &simd);
    if (!m) {
        if (simd) {
            skip_simd(c);
            c->current_skipped = true;
            remember_name(c, name, NULL, true);
            return;
        }
        fail(c, "module %s did not load: %s (at byte %zu)", filename ? filename : "?",
             err.message, err.offset);
        remember_name(c, name, NULL, false);
        return;
    }
    fl_inst_status st = instantiate(c, m, &inst, &err);
    if (st != FL_INST_OK) {
        fail(c, "module %s did not instantiate (%s): %s", filename, status_name(st), err.message);
        remember_name(c, name, NULL, false);
        return;
    }
    c->current = inst;
    remember_name(c, name, inst, false);
    pass(c);
}

static void cmd_register(spec_ctx *c, const cJSON *cmd) {
    const char *as = json_str(cmd, "as");
    const char *name = json_str(cmd, "name");
    fl_instance *inst;
    switch (lookup_instance(c, name, &inst)) {
    case LOOKUP_SKIPPED:
        skip_simd(c);
        return;
    case LOOKUP_MISSING:
        fail(c, "register %s: no module %s", as ? as : "?", name ? name : "(current)");
        return;
    case LOOKUP_FOUND:
        break;
    }
    if (!as || fl_linker_define_instance(c->linker, as, inst) < 0) {
        fail(c, "register %s failed", as ? as : "?");
        return;
    }
    pass(c);
}

/* Runs an invoke or get.  Returns 1 when it ran (out->trap says how it
 * ended; caller frees out->values), 0 when it is to be skipped, -1 when it
 * could not be run (failure recorded). */
static int run_action(spec_ctx *c, const cJSON *action, action_result *out) {
    const char *type = json_str(action, "type");
    const char *field = json_str(action, "field");
    const char *module = json_str(action, "module");
    fl_instance *inst;
    memset(out, 0, sizeof *out);

    switch (lookup_instance(c, module, &inst)) {
    case LOOKUP_SKIPPED:
        skip_simd(c);
        return 0;
    case LOOKUP_MISSING:
        fail(c, "%s %s: no module %s loaded", type ? type : "action", field ? field : "?",
             module ? module : "(current)");
        return -1;
    case LOOKUP_FOUND:
        break;
    }
    if (!field || !type) {
        fail(c, "malformed action");
        return -1;
    }
    if (c->nul_standin[0] && strstr(field, c->nul_standin)) {
        c->res->skipped++;
        c->res->skipped_nul++;
        return 0;
    }

    if (!strcmp(type, "get")) {
        fl_extern ext;
        if (!fl_instance_export(inst, field, &ext) || ext.kind != FL_EXTERN_GLOBAL) {
            fail(c, "get %s: no such exported global", field);
            return -1;
        }
        out->values = calloc(2, sizeof *out->values);
        if (!out->values) {
            fail(c, "out of memory");
            return -1;
        }
        out->values[0] = ext.as.global->value;
        out->values[1].i64 = ext.as.global->hi;
        out->types = &ext.as.global->type.valtype;
        out->nresults = 1;
        out->trap = FL_TRAP_NONE;
        return 1;
    }
    if (strcmp(type, "invoke") != 0) {
        fail(c, "unknown action type %s", type);
        return -1;
    }

    fl_funcinst *f = fl_instance_func(inst, field);
    if (!f) {
        fail(c, "invoke %s: no such exported function", field);
        return -1;
    }
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(action, "args");
    uint32_t nargs = (uint32_t)cJSON_GetArraySize(args);
    if (nargs != f->type->nparams) {
        fail(c, "invoke %s: %u arguments given, the function takes %u", field, nargs,
             f->type->nparams);
        return -1;
    }
    const fl_functype *t = f->type;
    uint32_t nslots = t->param_slots > t->result_slots ? t->param_slots : t->result_slots;
    out->values = calloc(nslots ? nslots : 1, sizeof *out->values);
    if (!out->values) {
        fail(c, "out of memory");
        return -1;
    }
    uint32_t i = 0, slot = 0;
    int ret = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, args) {
        spec_value v;
        int rc = parse_value(a, &v);
        if (rc != 0 || v.type != t->params[i] || to_slot(&v, &out->values[slot]) < 0) {
            fail(c, "invoke %s: argument %u cannot be passed as %s", field, i,
                 fl_valtype_name(t->params[i]));
            ret = -1;
            goto drop;
        }
        slot += fl_valtype_slots(t->params[i]);
        i++;
    }

    watchdog_arm(&c->wd);
    out->trap = fl_invoke(c->ex, f, out->values, t->param_slots, out->values, t->result_slots);
    watchdog_disarm(&c->wd);
    out->nresults = f->type->nresults;
    out->types = f->type->results;
    return 1;
drop:
    free(out->values);
    out->values = NULL;
    return ret;
}

static void cmd_action(spec_ctx *c, const cJSON *cmd) {
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(cmd, "action");
    action_result r;
    char desc[200];
    if (run_action(c, action, &r) <= 0)
        return;
    if (r.trap != FL_TRAP_NONE) {
        describe_action(action, desc, sizeof desc);
        fail(c, "action %s trapped: %s", desc, fl_trap_message(r.trap));
    } else {
        pass(c);
    }
    free(r.values);
}

static void cmd_assert_return(spec_ctx *c, const cJSON *cmd) {
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(cmd, "action");
    const cJSON *expected = cJSON_GetObjectItemCaseSensitive(cmd, "expected");
    action_result r;
    char desc[200], want[96], got[96];
    if (run_action(c, action, &r) <= 0)
        return;
    describe_action(action, desc, sizeof desc);
    if (r.trap != FL_TRAP_NONE) {
        fail(c, "%s trapped: %s%s%s", desc, fl_trap_message(r.trap),
             c->ex->trap_detail[0] ? ": " : "", c->ex->trap_detail);
        goto out;
    }
    if ((uint32_t)cJSON_GetArraySize(expected) != r.nresults) {
        fail(c, "%s: %u results, expected %d", desc, r.nresults, cJSON_GetArraySize(expected));
        goto out;
    }
    uint32_t i = 0, slot = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, expected) {
        spec_value v;
        if (parse_value(e, &v) != 0) {
            fail(c, "%s: expected value malformed", desc);
            goto out;
        }
        format_slot(got, sizeof got, r.types[i], &r.values[slot]);
        if (v.type != r.types[i]) {
            fail(c, "%s: result %u is %s, expected type %s", desc, i, got,
                 fl_valtype_name(v.type));
            goto out;
        }
        if (!matches(&v, &r.values[slot])) {
            format_expected(want, sizeof want, &v);
            fail(c, "%s: expected %s, got %s", desc, want, got);
            goto out;
        }
        slot += fl_valtype_slots(r.types[i]);
        i++;
    }
    pass(c);
out:
    free(r.values);
}

/* assert_unlinkable, assert_uninstantiable, and assert_trap on a module. */
static void cmd_assert_instantiate(spec_ctx *c, const cJSON *cmd, fl_inst_status want) {
    const char *filename = json_str(cmd, "filename");
    const char *text = json_str(cmd, "text");
    fl_error err = {0};
    fl_instance *inst = NULL;
    bool simd;
    fl_module *m = load_module(c, filename, &err, &simd);
    if (!m) {
        if (simd)
            skip_simd(c);
        else
            fail(c, "module %s did not load: %s (at byte %zu); expected a %s", filename,
                 err.message, err.offset, status_name(want));
        return;
    }
    fl_inst_status st = instantiate(c, m, &inst, &err);
    if (st == want) {
        check_message(c, json_str(cmd, "type"), text, err.message);
    } else if (st == FL_INST_OK) {
        fail(c, "module %s instantiated; expected a %s \"%s\"", filename, status_name(want),
             text ? text : "");
    } else {
        fail(c, "module %s: %s \"%s\"; expected a %s \"%s\"", filename, status_name(st),
             err.message, status_name(want), text ? text : "");
    }
}

static void cmd_assert_trap(spec_ctx *c, const cJSON *cmd, bool exhaustion) {
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(cmd, "action");
    const char *text = json_str(cmd, "text");
    action_result r;
    char desc[200];

    if (!action && json_str(cmd, "filename")) { /* wasm 1 style: the start function traps */
        cmd_assert_instantiate(c, cmd, FL_INST_TRAP);
        return;
    }
    if (run_action(c, action, &r) <= 0)
        return;
    describe_action(action, desc, sizeof desc);
    const char *msg = fl_trap_message(r.trap);
    if (r.trap == FL_TRAP_NONE) {
        fail(c, "%s returned; expected trap \"%s\"", desc, text ? text : "");
    } else if (exhaustion && r.trap != FL_TRAP_STACK_EXHAUSTED) {
        fail(c, "%s trapped with \"%s\"; expected stack exhaustion", desc, msg);
    } else {
        check_message(c, exhaustion ? "assert_exhaustion" : "assert_trap", text, msg);
    }
    free(r.values);
}

/* assert_malformed (decode must fail) and assert_invalid (decode succeeds,
 * validation fails). */
static void cmd_assert_bad_module(spec_ctx *c, const cJSON *cmd, bool malformed) {
    const char *filename = json_str(cmd, "filename");
    const char *text = json_str(cmd, "text");
    const char *module_type = json_str(cmd, "module_type");
    fl_error err = {0};
    size_t len = 0;

    if (module_type && strcmp(module_type, "binary") != 0) {
        /* wast2json wrote the module as .wat: the words are the text
         * parser's, which we do not have.  Skipped only when allow-listed. */
        const allow_list *a = c->opt->allow;
        if (a && a->text_entry >= 0 && malformed) {
            c->res->skipped++;
            c->res->skipped_text++;
            c->res->allow_hits[a->text_entry]++;
        } else {
            fail(c, "%s %s is a %s module (not allow-listed)", malformed ? "assert_malformed" :
                 "assert_invalid", filename ? filename : "?", module_type);
        }
        return;
    }
    char why[128];
    uint8_t *bytes = read_wasm(c, filename, &len, why, sizeof why);
    if (!bytes) {
        fail(c, "cannot read %s: %s", filename ? filename : "(no file)", why);
        return;
    }
    fl_module *m = fl_decode(bytes, len, &err);
    if (!m) {
        if (malformed) {
            check_message(c, "assert_malformed", text, err.message);
        } else {
            fail(c, "%s: expected invalid \"%s\", but decoding failed: %s (at byte %zu)",
                 filename, text ? text : "", err.message, err.offset);
        }
        goto out;
    }
    if (fl_validate(m, &err) < 0) {
        if (malformed) {
            fail(c, "%s: expected malformed \"%s\", but it decoded; validation said: %s "
                    "(at byte %zu)", filename, text ? text : "", err.message, err.offset);
        } else {
            check_message(c, "assert_invalid", text, err.message);
        }
        goto out;
    }
    fail(c, "%s: expected %s \"%s\", but the module %s", filename,
         malformed ? "malformed" : "invalid", text ? text : "",
         malformed ? "decoded and validated" : "validated");
out:
    fl_module_free(m);
    free(bytes);
}

static void run_command(spec_ctx *c, const cJSON *cmd) {
    const char *type = json_str(cmd, "type");
    if (!type) {
        fail(c, "command without a type");
    } else if (!strcmp(type, "module")) {
        cmd_module(c, cmd);
    } else if (!strcmp(type, "register")) {
        cmd_register(c, cmd);
    } else if (!strcmp(type, "action")) {
        cmd_action(c, cmd);
    } else if (!strcmp(type, "assert_return")) {
        cmd_assert_return(c, cmd);
    } else if (!strcmp(type, "assert_trap")) {
        cmd_assert_trap(c, cmd, false);
    } else if (!strcmp(type, "assert_exhaustion")) {
        cmd_assert_trap(c, cmd, true);
    } else if (!strcmp(type, "assert_malformed")) {
        cmd_assert_bad_module(c, cmd, true);
    } else if (!strcmp(type, "assert_invalid")) {
        cmd_assert_bad_module(c, cmd, false);
    } else if (!strcmp(type, "assert_unlinkable")) {
        cmd_assert_instantiate(c, cmd, FL_INST_LINK_ERROR);
    } else if (!strcmp(type, "assert_uninstantiable")) {
        cmd_assert_instantiate(c, cmd, FL_INST_TRAP);
    } else {
        fail(c, "unknown command type %s", type);
    }
}

/* ---- files ---- */

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static char *dir_name(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* Replaces every NUL_ESCAPE in the JSON text by the escape of a private-use
 * character found nowhere in it, whose UTF-8 goes to `standin` ("" when
 * there was nothing to replace).  Takes ownership of `text`; returns the
 * text to parse, NULL when out of memory or no character is free. */
static char *escape_nuls(char *text, char standin[4]) {
    size_t n = 0, from = strlen(NUL_ESCAPE);
    char escape[8], escape_lower[8];
    standin[0] = 0;
    for (const char *p = text; (p = strstr(p, NUL_ESCAPE)); p += from)
        n++;
    if (!n)
        return text;
    unsigned cp;
    for (cp = 0xe000; cp <= 0xf8ff; cp++) {
        snprintf(escape, sizeof escape, "\\u%04X", cp);
        snprintf(escape_lower, sizeof escape_lower, "\\u%04x", cp);
        standin[0] = (char)(0xe0 | (cp >> 12));
        standin[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        standin[2] = (char)(0x80 | (cp & 0x3f));
        standin[3] = 0;
        if (!strstr(text, escape) && !strstr(text, escape_lower) && !strstr(text, standin))
            break;
    }
    size_t to = strlen(escape);
    char *out = cp <= 0xf8ff ? malloc(strlen(text) + n * (to - from) + 1) : NULL, *o = out;
    if (!out)
        goto out;
    for (const char *p = text, *q;; p = q + from) {
        q = strstr(p, NUL_ESCAPE);
        size_t len = q ? (size_t)(q - p) : strlen(p);
        memcpy(o, p, len);
        o += len;
        if (!q)
            break;
        memcpy(o, escape, to);
        o += to;
    }
    *o = 0;
out:
    free(text);
    return out;
}

/* Runs every command of one JSON file, counting into `res`. */
static void run_file(const options *opt, const char *path, file_result *res) {
    spec_ctx c = {.opt = opt, .res = res};
    char wast[256];
    size_t len;
    char why[128];
    char *text = (char *)fl_cli_read_file(path, FL_CLI_MAX_SOURCE, &len, why, sizeof why);
    cJSON *root = NULL;
    const cJSON *commands, *cmd;

    snprintf(wast, sizeof wast, "%.*s.wast", (int)strcspn(base_name(path), "."), base_name(path));
    c.wast = wast;
    if (!text) {
        snprintf(res->fatal, MSG_LEN, "cannot read: %s", why);
        goto out;
    }
    text = escape_nuls(text, c.nul_standin);
    root = text ? cJSON_Parse(text) : NULL;
    commands = cJSON_GetObjectItemCaseSensitive(root, "commands");
    if (!cJSON_IsArray(commands)) {
        snprintf(res->fatal, MSG_LEN, "not a wast2json file (no \"commands\" array)");
        goto out;
    }
    res->commands = cJSON_GetArraySize(commands);
    c.dir = dir_name(path);
    c.store = fl_store_new(NULL);
    c.ex = fl_exec_new(0);
    c.linker = c.store ? fl_linker_new(c.store) : NULL;
    if (!c.dir || !c.store || !c.ex || !c.linker || fl_spectest_define(c.linker, c.store) < 0) {
        snprintf(res->fatal, MSG_LEN, "cannot set up a store with the spectest module");
        goto out;
    }
    if (opt->timeout && watchdog_start(&c.wd, c.ex, opt->timeout, opt->fork) < 0) {
        snprintf(res->fatal, MSG_LEN, "cannot start the watchdog thread");
        goto out;
    }

    cJSON_ArrayForEach(cmd, commands) {
        const cJSON *line = cJSON_GetObjectItemCaseSensitive(cmd, "line");
        c.line = res->line = cJSON_IsNumber(line) ? line->valueint : 0;
        run_command(&c, cmd);
    }
    res->done = 1;

out:
    watchdog_stop(&c.wd);
    if (c.linker)
        fl_linker_free(c.linker);
    if (c.store)
        fl_store_free(c.store); /* instances first: modules must outlive them */
    if (c.ex)
        fl_exec_free(c.ex);
    for (size_t i = 0; i < c.nmodules; i++)
        fl_module_free(c.modules[i]);
    free(c.modules);
    free(c.named);
    free(c.dir);
    cJSON_Delete(root);
    free(text);
}

/* Runs one file, in a child process unless --no-fork.  A child that dies
 * leaves its counts in the shared `res` and a line saying how it died. */
static void run_file_isolated(const options *opt, const char *path, file_result *res) {
    if (!opt->fork) {
        run_file(opt, path, res);
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(res->fatal, MSG_LEN, "fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {
        /* exit(), not _exit(): a sanitizer's leak check runs at exit and
         * its status tells the parent.  Nothing of the parent's is left in
         * stdio buffers (flushed above). */
        run_file(opt, path, res);
        exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(res->fatal, MSG_LEN, "waitpid: %s", strerror(errno));
            return;
        }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGALRM)
            snprintf(res->fatal, MSG_LEN,
                     "line %d: hung (no answer to the interrupt after %u s); rest of file not run",
                     res->line, opt->timeout * 2 + 5);
        else
            snprintf(res->fatal, MSG_LEN, "line %d: crashed with signal %d (%s); rest of file not run",
                     res->line, sig, strsignal(sig));
    } else if (!res->done && !res->fatal[0]) {
        snprintf(res->fatal, MSG_LEN, "line %d: exited with status %d; rest of file not run",
                 res->line, WEXITSTATUS(status));
    } else if (WEXITSTATUS(status) != 0 && !res->fatal[0]) {
        snprintf(res->fatal, MSG_LEN, "exited with status %d after the last command "
                 "(a sanitizer's report on stderr?)", WEXITSTATUS(status));
    }
}

static void print_file_result(const options *opt, const char *path, const file_result *res,
                              int not_run) {
    bool list = opt->verbose || res->failed || res->fatal[0];
    printf("%s: %d passed, %d failed, %d skipped", base_name(path), res->passed, res->failed,
           res->skipped);
    if (res->allowed)
        printf(", %d allow-listed", res->allowed);
    printf("\n");
    if (res->fatal[0])
        printf("  %s; %d command%s not run, counted failed\n", res->fatal, not_run,
               not_run == 1 ? "" : "s");
    if (list) {
        for (int i = 0; i < res->nfail_listed; i++)
            printf("  %s\n", res->fail_msgs[i]);
        int more = res->failed - res->nfail_listed - not_run;
        if (more > 0)
            printf("  ... and %d more failures\n", more);
    }
    fflush(stdout);
}

/* ---- the allow-list ---- */

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0;
    return s;
}

/* Reads the allow-list: "#" comments, blank lines, and entries of five
 * fields separated by " | ", every one non-empty (a reason is required).
 * Returns 0, or -1 with a message on stderr. */
static int allow_load(allow_list *a, const char *path, char **text_out) {
    size_t len;
    char why[128];
    char *text = (char *)fl_cli_read_file(path, FL_CLI_MAX_SOURCE, &len, why, sizeof why);
    a->path = path;
    a->n = 0;
    a->text_entry = -1;
    *text_out = text;
    if (!text) {
        fprintf(stderr, "faaslet spec-test: allow-list %s: %s\n", path, why);
        return -1;
    }
    int lineno = 0;
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        lineno++;
        char *l = trim(line);
        if (!*l || *l == '#')
            continue;
        char *f[5];
        int nf = 0;
        for (char *p = l; nf < 5; nf++) {
            char *bar = nf < 4 ? strstr(p, " | ") : NULL;
            if (bar)
                *bar = 0;
            f[nf] = trim(p);
            if (!bar) {
                nf++;
                break;
            }
            p = bar + 3;
        }
        if (nf != 5 || !*f[0] || !*f[1] || !*f[2] || !*f[3] || !*f[4]) {
            fprintf(stderr, "faaslet spec-test: %s:%d: want \"FILE.wast:LINE | COMMAND | "
                    "EXPECTED | OURS | REASON\", every field given\n", path, lineno);
            return -1;
        }
        if (a->n == MAX_ALLOW) {
            fprintf(stderr, "faaslet spec-test: %s: more than %d entries\n", path, MAX_ALLOW);
            return -1;
        }
        bool wildcard = !strcmp(f[0], "*");
        if (wildcard && strcmp(f[1], "assert_malformed text") != 0) {
            fprintf(stderr, "faaslet spec-test: %s:%d: the only wildcard is "
                    "\"* | assert_malformed text | ...\"\n", path, lineno);
            return -1;
        }
        if (wildcard)
            a->text_entry = a->n;
        a->entries[a->n++] = (allow_entry){f[0], f[1], f[2], f[3], f[4], lineno};
    }
    return 0;
}

/* Whether entry `e` names one of the files run (then it must have been used). */
static bool allow_file_ran(const allow_entry *e, char **files, int nfiles) {
    size_t n = strcspn(e->where, ".");
    for (int i = 0; i < nfiles; i++) {
        const char *b = base_name(files[i]);
        if (strcspn(b, ".") == n && !strncmp(b, e->where, n))
            return true;
    }
    return false;
}

void fl_cli_spec_test_usage(FILE *out) {
    fprintf(out,
            "usage: faaslet spec-test [-v] [--no-fork] [--timeout SECONDS] [--allow FILE]\n"
            "                         FILE.json...\n"
            "\n"
            "Runs spec tests converted by wast2json (the .wasm files beside each .json).\n"
            "An assertion's expected text must be a prefix of our message, as in the\n"
            "reference interpreter.  Prints one line per file, failures by line number,\n"
            "the allow-listed cases and the skips by reason, and a last line\n"
            "\"N passed, N failed, N skipped, N allow-listed\".  Exit status 1 when\n"
            "anything failed (a file that crashed counts its unfinished commands).\n"
            "\n"
            "  -v, --verbose     list the failures of every file\n"
            "  --no-fork         run every file in this process (for debuggers)\n"
            "  --timeout S       interrupt a command after S seconds (default %d, 0 = never)\n"
            "  --tier T          interp (default) or aot: every module as machine code\n"
            "  --cache DIR       where machine code is kept (default: native/ beside the\n"
            "                    first FILE.json)\n"
            "  --allow FILE      the allow-list (FILE.wast:LINE | COMMAND | EXPECTED | OURS\n"
            "                    | REASON per line); an entry for a file run but not used\n"
            "                    is a failure\n",
            DEFAULT_TIMEOUT);
}

int fl_cli_spec_test(int argc, char **argv) {
    options opt = {.verbose = false, .fork = true, .timeout = DEFAULT_TIMEOUT,
                   .tier = FL_TIER_INTERP};
    char cache[PATH_MAX] = "";
    int first = argc;
    long passed = 0, failed = 0, skipped = 0, allowed = 0;
    long skipped_text = 0, skipped_simd = 0, skipped_nul = 0;
    static allow_list allow = {.text_entry = -1};
    char *allow_text = NULL;
    long hits[MAX_ALLOW] = {0};
    int rc = 1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            opt.verbose = true;
        } else if (!strcmp(a, "--no-fork")) {
            opt.fork = false;
        } else if (!strcmp(a, "--timeout") && i + 1 < argc) {
            char *end;
            unsigned long t = strtoul(argv[++i], &end, 10);
            if (*end || t > 3600) {
                fprintf(stderr, "faaslet spec-test: bad --timeout %s\n", argv[i]);
                return 64;
            }
            opt.timeout = (unsigned)t;
        } else if (!strcmp(a, "--tier") && i + 1 < argc) {
            if (fl_tier_choice_parse(argv[++i], &opt.tier) < 0 || opt.tier == FL_TIER_AUTO) {
                fprintf(stderr, "faaslet spec-test: --tier is interp or aot, not %s\n", argv[i]);
                return 64;
            }
        } else if (!strcmp(a, "--cache") && i + 1 < argc) {
            snprintf(cache, sizeof cache, "%s", argv[++i]);
        } else if (!strcmp(a, "--allow") && i + 1 < argc) {
            free(allow_text);
            if (allow_load(&allow, argv[++i], &allow_text) < 0) {
                free(allow_text);
                return 64;
            }
            opt.allow = &allow;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fl_cli_spec_test_usage(stdout);
            free(allow_text);
            return 0;
        } else if (!strcmp(a, "--")) {
            first = i + 1;
            break;
        } else if (a[0] == '-') {
            fprintf(stderr, "faaslet spec-test: unknown option %s\n", a);
            fl_cli_spec_test_usage(stderr);
            free(allow_text);
            return 64;
        } else {
            first = i;
            break;
        }
    }
    if (first >= argc) {
        fl_cli_spec_test_usage(stderr);
        free(allow_text);
        return 64;
    }

    if (opt.tier == FL_TIER_AOT) {
        if (!cache[0]) {
            const char *slash = strrchr(argv[first], '/');
            int dirlen = slash ? (int)(slash - argv[first]) : 1;
            snprintf(cache, sizeof cache, "%.*s/native", dirlen, slash ? argv[first] : ".");
        }
        opt.cache = cache;
    }
    file_result *res = mmap(NULL, sizeof *res, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                            -1, 0);
    if (res == MAP_FAILED) {
        perror("faaslet spec-test: mmap");
        free(allow_text);
        return 1;
    }
    for (int i = first; i < argc; i++) {
        memset(res, 0, sizeof *res);
        res->commands = -1;
        run_file_isolated(&opt, argv[i], res);
        int not_run = 0;
        if (res->fatal[0]) {
            /* the file, or its rest, did not run: every command not counted
             * fails (at least one, for a crash after the last command) */
            int counted = res->passed + res->failed + res->skipped + res->allowed;
            not_run = res->commands > counted ? res->commands - counted : 1;
            res->failed += not_run;
        }
        print_file_result(&opt, argv[i], res, not_run);
        passed += res->passed;
        failed += res->failed;
        skipped += res->skipped;
        allowed += res->allowed;
        skipped_text += res->skipped_text;
        skipped_simd += res->skipped_simd;
        skipped_nul += res->skipped_nul;
        for (int k = 0; k < allow.n; k++)
            hits[k] += res->allow_hits[k];
    }
    munmap(res, sizeof *res);

    if (opt.allow) {
        printf("allow-listed (%s):\n", allow.path);
        for (int k = 0; k < allow.n; k++) {
            const allow_entry *e = &allow.entries[k];
            if (k == allow.text_entry)
                continue;
            printf("  %ldx %s %s: expected \"%s\", ours \"%s\": %s\n", hits[k], e->where,
                   e->command, e->expected, e->ours, e->reason);
            if (!hits[k] && allow_file_ran(e, argv + first, argc - first)) {
                printf("    FAILED: this entry matched nothing (%s:%d is stale)\n", allow.path,
                       e->line);
                failed++;
            }
        }
    }
    printf("skipped by reason:\n");
    printf("  %ld text format: %s\n", skipped_text,
           allow.text_entry >= 0 ? allow.entries[allow.text_entry].reason
                                 : "(not allow-listed: such commands fail)");
    printf("  %ld SIMD: the module was refused with \"" FL_SIMD_UNSUPPORTED "\" (decoded and "
           "validated, not run yet), or the command acts on such a module\n", skipped_simd);
    printf("  %ld NUL in a name: cJSON strings end at a NUL, so the export cannot be named\n",
           skipped_nul);
    printf("%ld passed, %ld failed, %ld skipped, %ld allow-listed\n", passed, failed, skipped,
           allowed);
    rc = failed ? 1 : 0;
    free(allow_text);
    return rc;
}
