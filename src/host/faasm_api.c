/*
 * faasm_api.c: the env.__faasm_* host functions (see host.h).
 *
 * Every handler reads its i32 arguments, checks each guest pointer through
 * guest_mem()/guest_str(), and either answers or returns a trap with a
 * message.  Nothing here longjmps: a bad pointer is found before it is
 * touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/host.h"
#include "wasi/wasi.h"

#define WASM_PAGE 65536u
#define KEY_MAX 1024 /* longest state key or function name a guest may pass */

/* One state range mapped into the guest's memory 0. */
typedef struct host_map {
    fl_state_kv *kv;
    size_t offset;  /* replica offset of the mapping (OS page aligned) */
    size_t len;     /* bytes mapped (whole OS pages) */
    uint32_t guest; /* guest address of the mapping (wasm page aligned) */
} host_map;

/* A state lock this Faaslet holds. */
typedef struct host_lock {
    fl_state_kv *kv;
    bool write;
} host_lock;

struct fl_host {
    fl_host_config cfg;
    char *user, *py_user, *py_func, *py_entry; /* owned copies */
    host_map *maps;
    size_t nmaps, capmaps;
    host_lock *locks; /* held now, released by fl_host_free if the guest did not */
    size_t nlocks, caplocks;
    fl_host_def *defs; /* this host's copy of the table, data = the host */
};

/* ---- checked guest memory ---- */

/* The host address of guest bytes [ptr, ptr+len) of the caller's memory 0,
 * or NULL when the caller has no memory or any byte lies outside it. */
static uint8_t *guest_mem(fl_host_call *c, uint32_t ptr, uint64_t len) {
    if (!c->caller)
        return NULL;
    const fl_module *m = c->caller->module;
    if (m->nimported_memories + m->nmemories == 0)
        return NULL;
    fl_memory *mem = c->caller->memories[0];
    if ((uint64_t)ptr + len > mem->size)
        return NULL;
    return mem->base + ptr;
}

/* Traps the call: "<import>: <message>". */
__attribute__((format(printf, 3, 4))) static fl_trap fail(fl_host_call *c, const char *fn,
                                                          const char *fmt, ...) {
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return fl_exec_set_detail(c->exec, "%s: %s", fn, msg);
}

static fl_trap bad_ptr(fl_host_call *c, const char *fn, uint32_t ptr, uint64_t len) {
    return fail(c, fn, "guest pointer 0x%x (%llu bytes) lies outside linear memory", ptr,
                (unsigned long long)len);
}

/* A guest length (a wasm32 `long`): negative is refused. */
static fl_trap check_len(fl_host_call *c, const char *fn, uint32_t raw, size_t *out) {
    if ((int32_t)raw < 0)
        return fail(c, fn, "negative length %d", (int32_t)raw);
    *out = raw;
    return FL_TRAP_NONE;
}

/* Copies the NUL-terminated guest string at ptr into buf[KEY_MAX]. */
static fl_trap guest_str(fl_host_call *c, const char *fn, uint32_t ptr, char *buf) {
    for (size_t i = 0; i < KEY_MAX; i++) {
        const uint8_t *p = guest_mem(c, ptr + (uint32_t)i, 1);
        if (!p || (uint64_t)ptr + i > UINT32_MAX)
            return fail(c, fn, "string at 0x%x runs outside linear memory", ptr);
        buf[i] = (char)*p;
        if (!*p)
            return FL_TRAP_NONE;
    }
    return fail(c, fn, "string at 0x%x is longer than %d bytes", ptr, KEY_MAX - 1);
}

static fl_host *host_of(fl_host_call *c) { return c->data; }

/* ---- input, output, chaining ---- */

static fl_trap h_read_input(fl_host_call *c, fl_value *v) {
    fl_host *h = host_of(c);
    size_t cap;
    fl_trap t = check_len(c, "__faasm_read_input", v[1].i32, &cap);
    if (t)
        return t;
    if (cap == 0) {
        v[0].i32 = (uint32_t)h->cfg.input_len;
        return FL_TRAP_NONE;
    }
    size_t n = h->cfg.input_len < cap ? h->cfg.input_len : cap;
    uint8_t *dst = guest_mem(c, v[0].i32, n);
    if (!dst)
        return bad_ptr(c, "__faasm_read_input", v[0].i32, n);
    if (n)
        memcpy(dst, h->cfg.input, n);
    v[0].i32 = (uint32_t)n;
    return FL_TRAP_NONE;
}

static fl_trap h_write_output(fl_host_call *c, fl_value *v) {
    fl_host *h = host_of(c);
    size_t len;
    fl_trap t = check_len(c, "__faasm_write_output", v[1].i32, &len);
    if (t)
        return t;
    const uint8_t *src = guest_mem(c, v[0].i32, len);
    if (!src)
        return bad_ptr(c, "__faasm_write_output", v[0].i32, len);
    int rc = h->cfg.ops->set_output(h->cfg.ud, src, len);
    if (rc == -EDQUOT)
        return fail(c, "__faasm_write_output",
                    "memory limit reached (%llu MiB for the call tree): an output of %zu bytes "
                    "does not fit",
                    (unsigned long long)(fl_budget_limit(h->cfg.budget, FL_BUDGET_MEMORY) >> 20),
                    len);
    if (rc < 0)
        return fail(c, "__faasm_write_output", "out of memory");
    return FL_TRAP_NONE;
}

/* The chained input: pointer and length checked. */
static fl_trap chain_input(fl_host_call *c, const char *fn, uint32_t ptr, uint32_t rawlen,
                           const uint8_t **in, size_t *len) {
    fl_trap t = check_len(c, fn, rawlen, len);
    if (t)
        return t;
    *in = guest_mem(c, ptr, *len);
    if (!*in)
        return bad_ptr(c, fn, ptr, *len);
    return FL_TRAP_NONE;
}

static fl_trap h_chain_name(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_chain_name";
    fl_host *h = host_of(c);
    char name[KEY_MAX], err[160] = "";
    const uint8_t *in;
    size_t len;
    fl_trap t = guest_str(c, fn, v[0].i32, name);
    if (!t)
        t = chain_input(c, fn, v[1].i32, v[2].i32, &in, &len);
    if (t)
        return t;
    uint32_t id = h->cfg.ops->chain(h->cfg.ud, name, 0, in, len, err, sizeof err);
    if (!id)
        return fail(c, fn, "cannot chain \"%s\": %s", name, err);
    v[0].i32 = id;
    return FL_TRAP_NONE;
}

static fl_trap h_chain_ptr(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_chain_ptr";
    fl_host *h = host_of(c);
    char err[160] = "";
    const uint8_t *in;
    size_t len;
    int32_t ptr = (int32_t)v[0].i32;
    fl_trap t = chain_input(c, fn, v[1].i32, v[2].i32, &in, &len);
    if (t)
        return t;
    if (ptr <= 0)
        return fail(c, fn, "function pointer %d is not a table element", ptr);
    uint32_t id = h->cfg.ops->chain(h->cfg.ud, NULL, ptr, in, len, err, sizeof err);
    if (!id)
        return fail(c, fn, "cannot chain table element %d: %s", ptr, err);
    v[0].i32 = id;
    return FL_TRAP_NONE;
}

static fl_trap h_await_call(fl_host_call *c, fl_value *v) {
    fl_host *h = host_of(c);
    int ret = 1;
    int rc = h->cfg.ops->await(h->cfg.ud, v[0].i32, &ret, NULL, NULL);
    if (rc == -ECANCELED)
        return FL_TRAP_INTERRUPTED;
    v[0].i32 = rc == 0 ? (uint32_t)ret : 1u; /* Faasm: 1 when the call cannot be awaited */
    return FL_TRAP_NONE;
}

/* await_call_output: the output is copied into a buffer the guest's own
 * exported malloc returns, so the guest may free() it. */
static fl_trap h_await_call_output(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_await_call_output";
    fl_host *h = host_of(c);
    uint32_t out_pp = v[1].i32, len_p = v[2].i32;
    uint8_t *out = NULL;
    size_t out_len = 0;
    int ret = 1;
    fl_trap t = FL_TRAP_NONE;

    if (!guest_mem(c, out_pp, 4))
        return bad_ptr(c, fn, out_pp, 4);
    if (!guest_mem(c, len_p, 4))
        return bad_ptr(c, fn, len_p, 4);
    fl_funcinst *mallocf = fl_instance_func(c->caller, "malloc");
    if (!mallocf || mallocf->type->nparams != 1 || mallocf->type->nresults != 1 ||
        mallocf->type->params[0] != FL_I32 || mallocf->type->results[0] != FL_I32)
        return fail(c, fn, "the module exports no malloc(i32) -> i32 to hold the output "
                           "(build it with faaslet cc)");

    int rc = h->cfg.ops->await(h->cfg.ud, v[0].i32, &ret, &out, &out_len);
    if (rc == -ECANCELED)
        return FL_TRAP_INTERRUPTED;
    if (rc < 0) {
        ret = 1;
        out_len = 0;
    }
    uint32_t gptr = 0;
    if (out_len > 0) {
        fl_value mv[1];
        mv[0].i32 = (uint32_t)out_len;
        t = fl_invoke(c->exec, mallocf, mv, 1, mv, 1);
        if (t)
            goto done;
        gptr = mv[0].i32;
        uint8_t *dst = gptr ? guest_mem(c, gptr, out_len) : NULL;
        if (!dst) {
            t = fail(c, fn, "the guest's malloc(%zu) returned %s", out_len,
                     gptr ? "a pointer outside memory" : "NULL (out of memory)");
            goto done;
        }
        memcpy(dst, out, out_len);
    }
    /* the cells were checked above; malloc may have grown memory, never shrunk it */
    uint32_t out_len32 = (uint32_t)out_len;
    memcpy(guest_mem(c, out_pp, 4), &gptr, 4);
    memcpy(guest_mem(c, len_p, 4), &out_len32, 4);
    v[0].i32 = (uint32_t)ret;
done:
    free(out);
    return t;
}

/* ---- Python names (the CPython runner asks for them) ---- */

static fl_trap copy_name(fl_host_call *c, const char *fn, const char *name, fl_value *v) {
    size_t cap;
    fl_trap t = check_len(c, fn, v[1].i32, &cap);
    if (t || cap == 0)
        return t;
    uint8_t *dst = guest_mem(c, v[0].i32, cap);
    if (!dst)
        return bad_ptr(c, fn, v[0].i32, cap);
    size_t n = strlen(name);
    if (n >= cap)
        n = cap - 1; /* truncated, still terminated */
    memcpy(dst, name, n);
    dst[n] = 0;
    return FL_TRAP_NONE;
}

static fl_trap h_get_py_user(fl_host_call *c, fl_value *v) {
    return copy_name(c, "__faasm_get_py_user", host_of(c)->py_user, v);
}
static fl_trap h_get_py_func(fl_host_call *c, fl_value *v) {
    return copy_name(c, "__faasm_get_py_func", host_of(c)->py_func, v);
}
static fl_trap h_get_py_entry(fl_host_call *c, fl_value *v) {
    return copy_name(c, "__faasm_get_py_entry", host_of(c)->py_entry, v);
}

/* __faasm_chain_py(entry, input, len): the same Python file entered at
 * `entry` (a chained call with py_entry = entry). */
static fl_trap h_chain_py(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_chain_py";
    fl_host *h = host_of(c);
    char name[KEY_MAX], err[160] = "";
    const uint8_t *in;
    size_t len;
    fl_trap t = guest_str(c, fn, v[0].i32, name);
    if (!t)
        t = chain_input(c, fn, v[1].i32, v[2].i32, &in, &len);
    if (t)
        return t;
    if (!h->py_user[0] || !h->py_func[0] || !h->cfg.ops->chain_py)
        return fail(c, fn, "cannot chain \"%s\": this call is not a Python function", name);
    uint32_t id = h->cfg.ops->chain_py(h->cfg.ud, name, in, len, err, sizeof err);
    if (!id)
        return fail(c, fn, "cannot chain \"%s\": %s", name, err);
    v[0].i32 = id;
    return FL_TRAP_NONE;
}

/* ---- state ---- */

/* The replica of the key at guest string `key_ptr`. */
static fl_trap state_kv(fl_host_call *c, const char *fn, uint32_t key_ptr, fl_state_kv **kv) {
    fl_host *h = host_of(c);
    char key[KEY_MAX];
    fl_trap t = guest_str(c, fn, key_ptr, key);
    if (t)
        return t;
    if (!h->cfg.state)
        return fail(c, fn, "no state tier in this runtime");
    if (!key[0])
        return fail(c, fn, "empty state key");
    int rc = fl_state_lookup(h->cfg.state, h->user, key, kv);
    if (rc < 0)
        return fail(c, fn, "key \"%s\": %s", key, strerror(-rc));
    return FL_TRAP_NONE;
}

/* A state error ends the call: Faasm threw on these too. */
static fl_trap state_err(fl_host_call *c, const char *fn, int rc) {
    fl_host *h = host_of(c);
    if (rc == -ENOBUFS)
        return fail(c, fn, "memory limit reached (%llu MiB for the call tree): state grown "
                           "past it",
                    (unsigned long long)(fl_budget_limit(h->cfg.budget, FL_BUDGET_MEMORY) >> 20));
    if (rc == -EDQUOT)
        return fail(c, fn, "the state quota of user \"%s\" is full (%llu MiB)", h->user,
                    (unsigned long long)(fl_state_get_quota(h->cfg.state) >> 20));
    if (rc == -EBADMSG)
        return fail(c, fn, "the stored state of this key is corrupt (not a regular file, "
                           "or an appended element cut short)");
    if (rc == -EFBIG)
        return fail(c, fn, "the value is larger than the %llu MiB a state value may hold",
                    (unsigned long long)(FL_STATE_MAX_BYTES >> 20));
    if (rc == -ENAMETOOLONG)
        return fail(c, fn, "the key is too long to be stored (at most 240 bytes once "
                           "encoded as a file name)");
    return fail(c, fn, "%s", strerror(-rc));
}

/* Checked guest buffer with a raw length argument. */
static fl_trap guest_buf(fl_host_call *c, const char *fn, uint32_t ptr, uint32_t rawlen,
                         uint8_t **buf, size_t *len) {
    fl_trap t = check_len(c, fn, rawlen, len);
    if (t)
        return t;
    *buf = guest_mem(c, ptr, *len);
    if (!*buf)
        return bad_ptr(c, fn, ptr, *len);
    return FL_TRAP_NONE;
}

static fl_trap h_read_state(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_read_state";
    fl_state_kv *kv;
    uint8_t *buf;
    size_t cap;
    fl_trap t = state_kv(c, fn, v[0].i32, &kv);
    if (!t)
        t = guest_buf(c, fn, v[1].i32, v[2].i32, &buf, &cap);
    if (t)
        return t;
    ssize_t n = cap ? fl_state_read(kv, buf, cap) : fl_state_size(kv);
    if (n < 0)
        return state_err(c, fn, (int)n);
    /* A value shorter than the buffer (none at all: a key never written)
     * leaves zeros after it, never what the buffer held before. */
    if ((size_t)n < cap)
        memset(buf + n, 0, cap - (size_t)n);
    v[0].i32 = (uint32_t)n;
    return FL_TRAP_NONE;
}

static fl_trap h_write_state(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_write_state";
    fl_state_kv *kv;
    uint8_t *buf;
    size_t len;
    fl_trap t = state_kv(c, fn, v[0].i32, &kv);
    if (!t)
        t = guest_buf(c, fn, v[1].i32, v[2].i32, &buf, &len);
    if (t)
        return t;
    int rc = fl_state_write(kv, buf, len, host_of(c)->cfg.budget);
    return rc < 0 ? state_err(c, fn, rc) : FL_TRAP_NONE;
}

static fl_trap h_append_state(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_append_state";
    fl_state_kv *kv;
    uint8_t *buf;
    size_t len;
    fl_trap t = state_kv(c, fn, v[0].i32, &kv);
    if (!t)
        t = guest_buf(c, fn, v[1].i32, v[2].i32, &buf, &len);
    if (t)
        return t;
    int rc = fl_state_append(kv, buf, len, host_of(c)->cfg.budget);
    return rc < 0 ? state_err(c, fn, rc) : FL_TRAP_NONE;
}

static fl_trap h_read_appended_state(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_read_appended_state";
    fl_state_kv *kv;
    uint8_t *buf;
    size_t len, n;
    fl_trap t = state_kv(c, fn, v[0].i32, &kv);
    if (!t)
        t = guest_buf(c, fn, v[1].i32, v[2].i32, &buf, &len);
    if (!t)
        t = check_len(c, fn, v[3].i32, &n);
    if (t)
        return t;
    ssize_t rc = fl_state_read_appended(kv, n, buf, len);
    return rc < 0 ? state_err(c, fn, (int)rc) : FL_TRAP_NONE;
}

static fl_trap h_clear_appended_state(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_clear_appended_state";
    fl_state_kv *kv;
    fl_trap t = state_kv(c, fn, v[0].i32, &kv);
    if (t)
        return t;
    int rc = fl_state_clear_appended(kv);
    return rc < 0 ? state_err(c, fn, rc) : FL_TRAP_NONE;
}

/* The key and its totalLen: the value is grown to totalLen (Faasm sizes a
 * value by the largest totalLen it has been used with).  *total becomes
 * the value's size, which may be larger: as on Faasm, totalLen sizes a new
 * value but an existing longer one keeps its length (Faasm's own
 * state_test_read reads bytes [4, 8) with totalLen 4). */
static fl_trap state_kv_total(fl_host_call *c, const char *fn, const fl_value *v,
                              fl_state_kv **kv, size_t *total) {
    fl_trap t = state_kv(c, fn, v[0].i32, kv);
    if (!t)
        t = check_len(c, fn, v[1].i32, total);
    if (t)
        return t;
    int rc = fl_state_ensure_size(*kv, *total, host_of(c)->cfg.budget);
    if (rc < 0)
        return state_err(c, fn, rc);
    ssize_t size = fl_state_size(*kv);
    if (size > (ssize_t)*total)
        *total = (size_t)size;
    return FL_TRAP_NONE;
}

/* offset + len must lie within the value's size. */
static fl_trap check_range(fl_host_call *c, const char *fn, size_t total, uint32_t raw_off,
                           size_t len, size_t *off) {
    fl_trap t = check_len(c, fn, raw_off, off);
    if (t)
        return t;
    if (*off + len > total)
        return fail(c, fn, "range [%zu, %zu) lies past the state size %zu", *off, *off + len,
                    total);
    return FL_TRAP_NONE;
}

static fl_trap h_write_state_offset(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_write_state_offset";
    fl_state_kv *kv;
    uint8_t *buf;
    size_t total, off, len;
    fl_trap t = state_kv_total(c, fn, v, &kv, &total);
    if (!t)
        t = guest_buf(c, fn, v[3].i32, v[4].i32, &buf, &len);
    if (!t)
        t = check_range(c, fn, total, v[2].i32, len, &off);
    if (t)
        return t;
    int rc = fl_state_write_at(kv, off, buf, len, host_of(c)->cfg.budget);
    return rc < 0 ? state_err(c, fn, rc) : FL_TRAP_NONE;
}

static fl_trap h_read_state_offset(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_read_state_offset";
    fl_state_kv *kv;
    uint8_t *buf;
    size_t total, off, len;
    fl_trap t = state_kv_total(c, fn, v, &kv, &total);
    if (!t)
        t = guest_buf(c, fn, v[3].i32, v[4].i32, &buf, &len);
    if (!t)
        t = check_range(c, fn, total, v[2].i32, len, &off);
    if (t)
        return t;
    int rc = fl_state_read_at(kv, off, buf, len);
    return rc < 0 ? state_err(c, fn, rc) : FL_TRAP_NONE;
}

/* Maps replica bytes [off, off+len) into the guest and returns the guest
 * address of byte `off`; reuses an earlier mapping of this Faaslet that
 * covers the range. */
static fl_trap map_state(fl_host_call *c, const char *fn, fl_state_kv *kv, size_t off,
                         size_t len, uint32_t *guest) {
    fl_host *h = host_of(c);
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    size_t start = off / ps * ps;
    size_t end = (off + (len ? len : 1) + ps - 1) / ps * ps;

    for (size_t i = 0; i < h->nmaps; i++) {
        host_map *m = &h->maps[i];
        if (m->kv == kv && m->offset <= start && end <= m->offset + m->len) {
            *guest = m->guest + (uint32_t)(off - m->offset);
            return FL_TRAP_NONE;
        }
    }
    if (!c->caller || c->caller->module->nimported_memories + c->caller->module->nmemories == 0)
        return fail(c, fn, "the module has no memory to map state into");
    if (h->nmaps == h->capmaps) {
        size_t cap = h->capmaps ? h->capmaps * 2 : 8;
        host_map *nm = realloc(h->maps, cap * sizeof *nm);
        if (!nm)
            return fail(c, fn, "out of memory");
        h->maps = nm;
        h->capmaps = cap;
    }
    fl_memory *mem = c->caller->memories[0];
    size_t pages = (end - start + WASM_PAGE - 1) / WASM_PAGE;
    int64_t old = pages <= UINT32_MAX ? fl_memory_grow(mem, (uint32_t)pages) : -1;
    if (old < 0)
        return fail(c, fn, "cannot grow memory by %zu pages to map %zu bytes of state: "
                           "memory limit reached (%u MiB)",
                    pages, end - start, mem->max_pages / 16);
    uint64_t addr = (uint64_t)old * WASM_PAGE;
    fl_memory_mapped_over(mem, addr, end - start);
    int rc = fl_state_map(kv, mem->base + addr, start, end - start);
    if (rc < 0)
        return fail(c, fn, "cannot map state: %s", strerror(-rc));
    h->maps[h->nmaps++] = (host_map){kv, start, end - start, (uint32_t)addr};
    *guest = (uint32_t)addr + (uint32_t)(off - start);
    return FL_TRAP_NONE;
}

static fl_trap h_read_state_ptr(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_read_state_ptr";
    fl_state_kv *kv;
    size_t total;
    uint32_t guest;
    fl_trap t = state_kv_total(c, fn, v, &kv, &total);
    if (!t)
        t = map_state(c, fn, kv, 0, total, &guest);
    if (t)
        return t;
    v[0].i32 = guest;
    return FL_TRAP_NONE;
}

static fl_trap h_read_state_offset_ptr(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_read_state_offset_ptr";
    fl_state_kv *kv;
    size_t total, off, len;
    uint32_t guest;
    fl_trap t = state_kv_total(c, fn, v, &kv, &total);
    if (!t)
        t = check_len(c, fn, v[3].i32, &len);
    if (!t)
        t = check_range(c, fn, total, v[2].i32, len, &off);
    if (!t)
        t = map_state(c, fn, kv, off, len, &guest);
    if (t)
        return t;
    v[0].i32 = guest;
    return FL_TRAP_NONE;
}

static fl_trap h_write_state_from_file(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_write_state_from_file";
    fl_host *h = host_of(c);
    fl_state_kv *kv;
    char path[KEY_MAX];
    uint8_t *buf = NULL;
    size_t len = 0;
    fl_trap t = state_kv(c, fn, v[0].i32, &kv);
    if (!t)
        t = guest_str(c, fn, v[1].i32, path);
    if (t)
        return t;
    /* read through the guest's own sandbox, as its own open would; a file
     * the quota or the budget cannot take is refused before it is read */
    size_t max = fl_state_max_write(kv, h->cfg.budget);
    int rc = fl_wasi_read_file(h->cfg.wasi, path, max, &buf, &len);
    if (rc == -EFBIG && max < FL_STATE_MAX_BYTES)
        return fail(c, fn, "memory limit reached: \"%s\" is larger than the %zu bytes the "
                           "call tree's memory budget (%llu MiB) and the state quota allow",
                    path, max,
                    (unsigned long long)(fl_budget_limit(h->cfg.budget, FL_BUDGET_MEMORY) >> 20));
    if (rc == -EFBIG)
        return fail(c, fn, "\"%s\" is too large for state", path);
    if (rc < 0)
        return fail(c, fn, "cannot open \"%s\" in the sandbox: %s", path,
                    rc == -EXDEV ? "outside the preopened directories" : strerror(-rc));
    rc = fl_state_write(kv, buf, len, h->cfg.budget);
    if (rc < 0) {
        t = state_err(c, fn, rc);
        goto out;
    }
    v[0].i32 = (uint32_t)len;
out:
    free(buf);
    return t;
}

static fl_trap h_flag_state_dirty(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_flag_state_dirty";
    fl_state_kv *kv;
    size_t total;
    fl_trap t = state_kv_total(c, fn, v, &kv, &total);
    if (t)
        return t;
    int rc = fl_state_flag_dirty(kv);
    return rc < 0 ? state_err(c, fn, rc) : FL_TRAP_NONE;
}

static fl_trap h_flag_state_offset_dirty(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_flag_state_offset_dirty";
    fl_state_kv *kv;
    size_t total, off, len;
    fl_trap t = state_kv_total(c, fn, v, &kv, &total);
    if (!t)
        t = check_len(c, fn, v[3].i32, &len);
    if (!t)
        t = check_range(c, fn, total, v[2].i32, len, &off);
    if (t)
        return t;
    int rc = fl_state_flag_dirty_range(kv, off, len);
    return rc < 0 ? state_err(c, fn, rc) : FL_TRAP_NONE;
}

/* The calls that take only a key: push, push_partial, clear, locks. */
#define KEY_ONLY(name, call)                                                                  \
    static fl_trap h_##name(fl_host_call *c, fl_value *v) {                                   \
        fl_state_kv *kv;                                                                      \
        fl_trap t = state_kv(c, "__faasm_" #name, v[0].i32, &kv);                             \
        if (t)                                                                                \
            return t;                                                                         \
        int rc = call(kv);                                                                    \
        return rc < 0 ? state_err(c, "__faasm_" #name, rc) : FL_TRAP_NONE;                    \
    }
KEY_ONLY(push_state, fl_state_push)
KEY_ONLY(push_state_partial, fl_state_push_partial)
#undef KEY_ONLY

/* Locks are remembered per Faaslet so that a call that ends (trap, timeout)
 * with a lock held does not leave it held for every later call. */
static fl_trap lock_op(fl_host_call *c, const char *fn, uint32_t key_ptr, bool write,
                       bool lock) {
    fl_host *h = host_of(c);
    fl_state_kv *kv;
    fl_trap t = state_kv(c, fn, key_ptr, &kv);
    if (t)
        return t;
    if (!lock) {
        size_t i = h->nlocks;
        while (i > 0 && !(h->locks[i - 1].kv == kv && h->locks[i - 1].write == write))
            i--;
        if (i == 0)
            return fail(c, fn, "the key is not locked %s by this call",
                        write ? "for writing" : "for reading");
        int rc = write ? fl_state_unlock_write(kv) : fl_state_unlock_read(kv);
        if (rc < 0)
            return state_err(c, fn, rc);
        h->locks[i - 1] = h->locks[--h->nlocks];
        return FL_TRAP_NONE;
    }
    /* A write lock of a key this call holds would wait for itself forever
     * (read then write blocks in pthreads, it is not EDEADLK); only read
     * locks nest. */
    for (size_t i = 0; i < h->nlocks; i++)
        if (h->locks[i].kv == kv && (write || h->locks[i].write))
            return fail(c, fn, "the key is already locked %s by this call",
                        h->locks[i].write ? "for writing" : "for reading");
    if (h->nlocks == h->caplocks) {
        size_t cap = h->caplocks ? h->caplocks * 2 : 4;
        host_lock *nl = realloc(h->locks, cap * sizeof *nl);
        if (!nl)
            return fail(c, fn, "out of memory");
        h->locks = nl;
        h->caplocks = cap;
    }
    /* the wait ends at the call's deadline: the holder may be a call that
     * waits for us, or one suspended beneath us on this thread */
    int rc = write ? fl_state_lock_write_until(kv, &c->exec->interrupt)
                   : fl_state_lock_read_until(kv, &c->exec->interrupt);
    if (rc == -ECANCELED)
        return FL_TRAP_INTERRUPTED;
    if (rc < 0)
        return state_err(c, fn, rc);
    h->locks[h->nlocks++] = (host_lock){kv, write};
    return FL_TRAP_NONE;
}

static fl_trap h_lock_state_read(fl_host_call *c, fl_value *v) {
    return lock_op(c, "__faasm_lock_state_read", v[0].i32, false, true);
}
static fl_trap h_unlock_state_read(fl_host_call *c, fl_value *v) {
    return lock_op(c, "__faasm_unlock_state_read", v[0].i32, false, false);
}
static fl_trap h_lock_state_write(fl_host_call *c, fl_value *v) {
    return lock_op(c, "__faasm_lock_state_write", v[0].i32, true, true);
}
static fl_trap h_unlock_state_write(fl_host_call *c, fl_value *v) {
    return lock_op(c, "__faasm_unlock_state_write", v[0].i32, true, false);
}

static fl_trap h_push_state_partial_mask(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_push_state_partial_mask";
    fl_state_kv *kv, *mask;
    fl_trap t = state_kv(c, fn, v[0].i32, &kv);
    if (!t)
        t = state_kv(c, fn, v[1].i32, &mask);
    if (t)
        return t;
    int rc = fl_state_push_partial_mask(kv, mask);
    return rc < 0 ? state_err(c, fn, rc) : FL_TRAP_NONE;
}

/* Pulling a key nobody has pushed leaves a zeroed value of stateLen. */
static fl_trap h_pull_state(fl_host_call *c, fl_value *v) {
    static const char fn[] = "__faasm_pull_state";
    fl_state_kv *kv;
    size_t len;
    fl_trap t = state_kv(c, fn, v[0].i32, &kv);
    if (!t)
        t = check_len(c, fn, v[1].i32, &len);
    if (t)
        return t;
    int rc = fl_state_pull(kv, host_of(c)->cfg.budget);
    if (rc < 0 && rc != -ENOENT)
        return state_err(c, fn, rc);
    rc = fl_state_ensure_size(kv, len, host_of(c)->cfg.budget);
    return rc < 0 ? state_err(c, fn, rc) : FL_TRAP_NONE;
}

static fl_trap h_conf_flag(fl_host_call *c, fl_value *v) {
    char key[KEY_MAX];
    fl_trap t = guest_str(c, "__faasm_conf_flag", v[0].i32, key);
    if (t)
        return t;
    /* PYTHON_PRELOAD is off until Python runs here; unknown flags are off */
    v[0].i32 = !strcmp(key, "ALWAYS_ON") ? 1u : 0u;
    return FL_TRAP_NONE;
}

/* ---- the table ---- */

static const fl_host_def faasm_defs[] = {
    {"env", "__faasm_read_input", "ii:i", h_read_input, NULL},
    {"env", "__faasm_write_output", "ii:", h_write_output, NULL},
    {"env", "__faasm_chain_name", "iii:i", h_chain_name, NULL},
    {"env", "__faasm_chain_ptr", "iii:i", h_chain_ptr, NULL},
    {"env", "__faasm_await_call", "i:i", h_await_call, NULL},
    {"env", "__faasm_await_call_output", "iii:i", h_await_call_output, NULL},
    {"env", "__faasm_get_py_user", "ii:", h_get_py_user, NULL},
    {"env", "__faasm_get_py_func", "ii:", h_get_py_func, NULL},
    {"env", "__faasm_get_py_entry", "ii:", h_get_py_entry, NULL},
    {"env", "__faasm_chain_py", "iii:i", h_chain_py, NULL},
    {"env", "__faasm_read_state", "iii:i", h_read_state, NULL},
    {"env", "__faasm_read_state_ptr", "ii:i", h_read_state_ptr, NULL},
    {"env", "__faasm_write_state", "iii:", h_write_state, NULL},
    {"env", "__faasm_append_state", "iii:", h_append_state, NULL},
    {"env", "__faasm_read_appended_state", "iiii:", h_read_appended_state, NULL},
    {"env", "__faasm_clear_appended_state", "i:", h_clear_appended_state, NULL},
    {"env", "__faasm_write_state_offset", "iiiii:", h_write_state_offset, NULL},
    {"env", "__faasm_read_state_offset", "iiiii:", h_read_state_offset, NULL},
    {"env", "__faasm_read_state_offset_ptr", "iiii:i", h_read_state_offset_ptr, NULL},
    {"env", "__faasm_write_state_from_file", "ii:i", h_write_state_from_file, NULL},
    {"env", "__faasm_flag_state_dirty", "ii:", h_flag_state_dirty, NULL},
    {"env", "__faasm_flag_state_offset_dirty", "iiii:", h_flag_state_offset_dirty, NULL},
    {"env", "__faasm_push_state", "i:", h_push_state, NULL},
    {"env", "__faasm_push_state_partial", "i:", h_push_state_partial, NULL},
    {"env", "__faasm_push_state_partial_mask", "ii:", h_push_state_partial_mask, NULL},
    {"env", "__faasm_pull_state", "ii:", h_pull_state, NULL},
    {"env", "__faasm_lock_state_read", "i:", h_lock_state_read, NULL},
    {"env", "__faasm_unlock_state_read", "i:", h_unlock_state_read, NULL},
    {"env", "__faasm_lock_state_write", "i:", h_lock_state_write, NULL},
    {"env", "__faasm_unlock_state_write", "i:", h_unlock_state_write, NULL},
    {"env", "__faasm_conf_flag", "i:i", h_conf_flag, NULL},
};

#define NDEFS (sizeof faasm_defs / sizeof faasm_defs[0])

size_t fl_host_count(void) { return NDEFS; }

const char *fl_host_name(size_t i) { return i < NDEFS ? faasm_defs[i].name : NULL; }

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

fl_host *fl_host_new(const fl_host_config *c) {
    fl_host *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->cfg = *c;
    h->user = dup_or_empty(c->user);
    h->py_user = dup_or_empty(c->py_user);
    h->py_func = dup_or_empty(c->py_func);
    h->py_entry = dup_or_empty(c->py_entry);
    h->defs = malloc(sizeof faasm_defs);
    if (!h->user || !h->py_user || !h->py_func || !h->py_entry || !h->defs) {
        fl_host_free(h);
        return NULL;
    }
    memcpy(h->defs, faasm_defs, sizeof faasm_defs);
    for (size_t i = 0; i < NDEFS; i++)
        h->defs[i].data = h;
    return h;
}

/* Releases the state locks the guest did not. */
static void release_locks(fl_host *h) {
    while (h->nlocks > 0) {
        host_lock *l = &h->locks[--h->nlocks];
        if (l->write)
            fl_state_unlock_write(l->kv);
        else
            fl_state_unlock_read(l->kv);
    }
}

/* *dst becomes a copy of src ("" for NULL) unless it is equal already. */
static int rebind_name(char **dst, const char *src) {
    src = src ? src : "";
    if (!strcmp(*dst, src))
        return 0;
    char *copy = strdup(src);
    if (!copy)
        return -1;
    free(*dst);
    *dst = copy;
    return 0;
}

int fl_host_bind(fl_host *h, const fl_host_config *c) {
    if (rebind_name(&h->user, c->user) < 0 || rebind_name(&h->py_user, c->py_user) < 0 ||
        rebind_name(&h->py_func, c->py_func) < 0 || rebind_name(&h->py_entry, c->py_entry) < 0)
        return -1;
    h->cfg = *c;
    return 0;
}

void fl_host_reset(fl_host *h) {
    release_locks(h);
    h->nmaps = 0; /* their pages went with the memory's reset */
}

bool fl_host_mapped_state(const fl_host *h) {
    return h->nmaps > 0;
}

void fl_host_free(fl_host *h) {
    if (!h)
        return;
    release_locks(h);
    free(h->locks);
    free(h->defs);
    free(h->maps);
    free(h->py_entry);
    free(h->py_func);
    free(h->py_user);
    free(h->user);
    free(h);
}

int fl_host_define(fl_host *h, fl_linker *l) {
    return fl_linker_define_host(l, h->defs, NDEFS) < 0 ? -1 : 0;
}
