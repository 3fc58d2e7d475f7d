/*
 * invoke.c: POST / on the invoke port (Faasm's JSON message) and the
 * results of async calls.  A synchronous call is awaited on the request's
 * own thread; an async one is recorded here, and a collector thread moves
 * each finished call's result out of the executor (logging and counting
 * it when it ends, not when someone asks) and expires old results.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "server/base64.h"
#include "server/server_int.h"

#define COLLECT_EVERY_NS (5 * 1000 * 1000) /* how often finished async calls are collected */

uint64_t srv_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- replies ---- */

void srv_reply_error(srv_reply *r, unsigned status, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", msg);
    free(r->body);
    r->body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    r->len = r->body ? strlen(r->body) : 0;
    r->status = status;
    r->type = "application/json";
}

void srv_reply_free(srv_reply *r) {
    free(r->body);
    r->body = NULL;
}

static void reply_text(srv_reply *r, unsigned status, const char *prefix, const void *bytes,
                       size_t len) {
    size_t plen = strlen(prefix);
    r->body = malloc(plen + len + 1);
    if (!r->body) {
        srv_reply_error(r, 500, "%s", "out of memory");
        return;
    }
    memcpy(r->body, prefix, plen);
    if (len)
        memcpy(r->body + plen, bytes, len);
    r->len = plen + len;
    r->status = status;
    r->type = "text/plain; charset=utf-8";
}

static void add_header(srv_reply *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_header(srv_reply *r, const char *name, const char *fmt, ...) {
    if (r->nheaders == (int)(sizeof r->headers / sizeof r->headers[0]))
        return;
    snprintf(r->headers[r->nheaders][0], sizeof r->headers[0][0], "%s", name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->headers[r->nheaders][1], sizeof r->headers[0][1], fmt, ap);
    va_end(ap);
    r->nheaders++;
}

/* The length of the UTF-8 sequence at p[0..n), 0 when it is not one
 * (overlong forms, surrogates and code points past U+10FFFF are not). */
static size_t utf8_seq(const uint8_t *p, size_t n) {
    uint8_t c = p[0];
    if (c > 0 && c < 0x80)
        return 1;
    size_t len = c >= 0xc2 && c <= 0xdf ? 2 : (c & 0xf0) == 0xe0 ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (!len || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) || (c == 0xf0 && p[1] < 0x90) ||
        (c == 0xf4 && p[1] > 0x8f))
        return 0;
    return len;
}

char *srv_text(const uint8_t *bytes, size_t len) {
    /* a bad byte (1) becomes U+FFFD (3) */
    char *out = malloc(3 * len + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_seq(bytes + i, len - i);
        if (k) {
            memcpy(o, bytes + i, k);
            o += k;
            i += k;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    *o = 0;
    return out;
}

/* The JSON report of call `id` (what "log": true asks for): its status
 * word, and once it has ended its outcome, return value, error, output
 * (base64) and captured stdout/stderr as text.  res NULL: still running. */
static void reply_report(srv_reply *r, unsigned status, uint32_t id, const fl_call_result *res) {
    cJSON *o = cJSON_CreateObject();
    char *b64 = NULL, *log = NULL;
    bool ok = o && cJSON_AddNumberToObject(o, "id", id) &&
              cJSON_AddStringToObject(o, "status", !res                          ? "RUNNING"
                                                   : res->outcome == FL_OUTCOME_OK ? "SUCCESS"
                                                                                   : "FAILED");
    if (ok && res) {
        ok = (b64 = fl_base64_encode(res->output, res->output_len)) &&
             (log = srv_text(res->log, res->log_len)) &&
             cJSON_AddStringToObject(o, "outcome", fl_outcome_name(res->outcome)) &&
             cJSON_AddNumberToObject(o, "return", res->retval) &&
             (!res->error || cJSON_AddStringToObject(o, "error", res->error)) &&
             cJSON_AddStringToObject(o, "output_b64", b64) &&
             cJSON_AddStringToObject(o, "log", log) &&
             cJSON_AddNumberToObject(o, "log_dropped", (double)res->log_dropped);
    }
    free(b64);
    free(log);
    char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!text) {
        srv_reply_error(r, 500, "%s", "out of memory");
        return;
    }
    free(r->body);
    r->body = text;
    r->len = strlen(text);
    r->status = status;
    r->type = "application/json";
}

/* ---- async results ---- */

static srv_result *find_result(srv_results *rs, uint32_t id) {
    for (size_t i = 0; i < rs->n; i++)
        if (rs->v[i].id == id)
            return &rs->v[i];
    return NULL;
}

static void drop_result(srv_results *rs, size_t i) {
    free(rs->v[i].user);
    free(rs->v[i].func);
    fl_call_result_free(&rs->v[i].res);
    memmove(&rs->v[i], &rs->v[i + 1], (rs->n - i - 1) * sizeof *rs->v);
    rs->n--;
}

/* Records async call `id`.  Past max_results the oldest finished result
 * makes room; when every one is still running, refuses (-EAGAIN). */
static int add_result(fl_server *s, uint32_t id, const char *user, const char *func,
                      bool python, uint64_t started) {
    srv_results *rs = &s->results;
    pthread_mutex_lock(&rs->lock);
    int rc = 0;
    if (rs->n >= s->cfg.max_results) {
        size_t i = 0;
        while (i < rs->n && !rs->v[i].done_ns)
            i++;
        if (i == rs->n) {
            rc = -EAGAIN;
            goto out;
        }
        drop_result(rs, i);
    }
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? 2 * rs->cap : 64;
        srv_result *v = realloc(rs->v, cap * sizeof *v);
        if (!v) {
            rc = -ENOMEM;
            goto out;
        }
        rs->v = v;
        rs->cap = cap;
    }
    srv_result *r = &rs->v[rs->n];
    memset(r, 0, sizeof *r);
    r->id = id;
    r->user = strdup(user);
    r->func = strdup(func);
    r->python = python;
    r->started_ns = started;
    if (!r->user || !r->func) {
        free(r->user);
        free(r->func);
        rc = -ENOMEM;
        goto out;
    }
    rs->n++;
    pthread_cond_signal(&rs->added);
out:
    pthread_mutex_unlock(&rs->lock);
    return rc;
}

/* Moves finished calls' results out of the executor, expires old ones. */
static void *collector(void *arg) {
    fl_server *s = arg;
    srv_results *rs = &s->results;
    fl_sched *sched = fl_runtime_sched(s->cfg.rt);
    pthread_mutex_lock(&rs->lock);
    while (!rs->stop) {
        if (!rs->n) { /* nothing to collect or expire: no polling */
            pthread_cond_wait(&rs->added, &rs->lock);
            continue;
        }
        uint64_t now = srv_now_ns();
        uint64_t ttl = (uint64_t)s->cfg.result_ttl_s * 1000000000u;
        for (size_t i = 0; i < rs->n;) {
            srv_result *r = &rs->v[i];
            if (r->done_ns) {
                if (now - r->done_ns > ttl) {
                    drop_result(rs, i);
                    continue;
                }
            } else {
                fl_call_status st = fl_sched_status(sched, r->id);
                if (st != FL_CALL_QUEUED && st != FL_CALL_RUNNING) {
                    /* finished: its result is there, await does not block */
                    fl_runtime_await(s->cfg.rt, r->id, &r->res);
                    r->done_ns = srv_now_ns();
                    srv_metrics_call(s, r->id, r->user, r->func, r->python, &r->res, r->started_ns,
                                     r->done_ns);
                }
            }
            i++;
        }
        pthread_mutex_unlock(&rs->lock);
        struct timespec ts = {0, COLLECT_EVERY_NS};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&rs->lock);
    }
    pthread_mutex_unlock(&rs->lock);
    return NULL;
}

int srv_results_start(fl_server *s, char *err, size_t errlen) {
    srv_results *rs = &s->results;
    pthread_mutex_init(&rs->lock, NULL);
    pthread_cond_init(&rs->added, NULL);
    if (pthread_create(&rs->reaper, NULL, collector, s)) {
        snprintf(err, errlen, "%s", "cannot start a thread");
        pthread_cond_destroy(&rs->added);
        pthread_mutex_destroy(&rs->lock);
        return -1;
    }
    rs->reaper_started = true;
    return 0;
}

void srv_results_stop(fl_server *s) {
    srv_results *rs = &s->results;
    if (!rs->reaper_started)
        return;
    pthread_mutex_lock(&rs->lock);
    rs->stop = true;
    pthread_cond_signal(&rs->added);
    pthread_mutex_unlock(&rs->lock);
    pthread_join(rs->reaper, NULL);
    /* calls still running keep their results in the executor, which the
     * runtime frees */
    while (rs->n)
        drop_result(rs, rs->n - 1);
    free(rs->v);
    pthread_cond_destroy(&rs->added);
    pthread_mutex_destroy(&rs->lock);
    rs->reaper_started = false;
}

static void status_of(fl_server *s, uint32_t id, bool report, const char *auth, srv_reply *r) {
    srv_results *rs = &s->results;
    pthread_mutex_lock(&rs->lock);
    srv_result *res = find_result(rs, id);
    if (!res) {
        pthread_mutex_unlock(&rs->lock);
        srv_reply_error(r, 404, "no call %" PRIu32 " (never issued here, not async, or its result expired)",
                        id);
        return;
    }
    if (!srv_authorized(s, auth, res->user)) {
        pthread_mutex_unlock(&rs->lock);
        srv_reply_error(r, 401, "call %" PRIu32 ": a valid bearer token of its user is needed", id);
        return;
    }
    if (report)
        reply_report(r, 200, id, res->done_ns ? &res->res : NULL);
    else if (!res->done_ns)
        reply_text(r, 200, "RUNNING", NULL, 0);
    else if (res->res.outcome == FL_OUTCOME_OK)
        reply_text(r, 200, "SUCCESS: ", res->res.output, res->res.output_len);
    else {
        char head[64];
        snprintf(head, sizeof head, "FAILED: %s: ", fl_outcome_name(res->res.outcome));
        const char *e = res->res.error ? res->res.error : "";
        reply_text(r, 200, head, e, strlen(e));
    }
    pthread_mutex_unlock(&rs->lock);
}

/* A synchronous call's answer from its result (freed here): the output
 * bytes, or the report when asked, and the headers; id 0 for a call
 * another host ran, host where it ran (NULL: alone). */
static void reply_result(srv_reply *r, uint32_t id, fl_call_result *res, bool report,
                         const char *host) {
    if (report) {
        reply_report(r, res->outcome == FL_OUTCOME_OK ? 200 : 500, id, res);
    } else if (res->outcome == FL_OUTCOME_OK) {
        r->status = 200;
        r->body = (char *)res->output; /* moved */
        r->len = res->output_len;
        r->type = "application/octet-stream";
        res->output = NULL;
    } else {
        srv_reply_error(r, 500, "%s: %s", fl_outcome_name(res->outcome), res->error ? res->error : "");
    }
    add_header(r, "X-Faaslet-Call-Id", "%" PRIu32, id);
    add_header(r, "X-Faaslet-Outcome", "%s", fl_outcome_name(res->outcome));
    add_header(r, "X-Faaslet-Return", "%d", res->retval);
    add_header(r, "X-Faaslet-Log-Bytes", "%" PRIu64, (uint64_t)res->log_len + res->log_dropped);
    if (host)
        add_header(r, "X-Faaslet-Host", "%s", host);
    fl_call_result_free(res);
}

/* ---- the message ---- */

/* The string field `name` of o, NULL when absent; *bad when present but
 * not a string. */
static const char *string_field(const cJSON *o, const char *name, bool *bad) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!f || cJSON_IsNull(f))
        return NULL;
    if (!cJSON_IsString(f)) {
        *bad = true;
        return NULL;
    }
    return f->valuestring;
}

static bool bool_field(const cJSON *o, const char *name) {
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* A non-negative integer field below 2^32 into *out (0 when absent).
 * Returns false when present but not such a number. */
static bool uint_field(const cJSON *o, const char *name, uint32_t *out) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    *out = 0;
    if (!f || cJSON_IsNull(f))
        return true;
    if (!cJSON_IsNumber(f) || f->valuedouble < 0 || f->valuedouble > 4294967295.0 ||
        f->valuedouble != (double)(uint32_t)f->valuedouble)
        return false;
    *out = (uint32_t)f->valuedouble;
    return true;
}

static void call(fl_server *s, const cJSON *msg, const char *auth, srv_reply *r) {
    bool bad = false;
    const char *user = string_field(msg, "user", &bad);
    const char *func = string_field(msg, "function", &bad);
    const char *py_user = string_field(msg, "py_user", &bad);
    const char *py_func = string_field(msg, "py_func", &bad);
    const char *py_entry = string_field(msg, "py_entry", &bad);
    const char *input_data = string_field(msg, "input_data", &bad);
    const char *input_b64 = string_field(msg, "input_b64", &bad);
    if (bad) {
        srv_reply_error(r, 400, "%s", "user, function, py_*, input_data and input_b64 are strings");
        return;
    }
    bool python = bool_field(msg, "python"), async = bool_field(msg, "async");
    /* Faasm's form names the Python function in py_user/py_func */
    if (python && py_user && py_func) {
        user = py_user;
        func = py_func;
    }
    if (!user || !func) {
        srv_reply_error(r, 400, "%s", "the message needs \"user\" and \"function\"");
        return;
    }
    const char *why = fl_fnstore_check_name(user, strlen(user));
    if (why) {
        srv_reply_error(r, 400, "bad user \"%s\": %s", user, why);
        return;
    }
    if ((why = fl_fnstore_check_name(func, strlen(func)))) {
        srv_reply_error(r, 400, "bad function \"%s\": %s", func, why);
        return;
    }
    if (input_data && input_b64) {
        srv_reply_error(r, 400, "%s", "give input_data or input_b64, not both");
        return;
    }
    fl_submit sub = {.user = user, .func = func, .python = python, .entry = py_entry};
    if (!uint_field(msg, "timeout_ms", &sub.timeout_ms) ||
        !uint_field(msg, "max_memory_mib", &sub.max_memory_mib)) {
        srv_reply_error(r, 400, "%s", "timeout_ms and max_memory_mib are whole numbers >= 0");
        return;
    }
    if (!srv_authorized(s, auth, user)) {
        srv_reply_error(r, 401, "user %s: a valid bearer token is needed", user);
        return;
    }
    /* a host of a cluster fetches what it has no copy of */
    int have = srv_have_function(s, python, user, func);
    if (have == -ENOENT) {
        srv_reply_error(r, 404, "no %sfunction %s/%s (upload it first)", python ? "Python " : "",
                        user, func);
        return;
    }
    if (have < 0) {
        srv_reply_error(r, 503, "%s/%s is not on this host, and the cluster's Redis at %s: %s",
                        user, func, fl_cluster_where(s->cfg.cluster), strerror(-have));
        return;
    }
    uint8_t *input = NULL;
    if (input_b64) {
        if (!(input = fl_base64_decode(input_b64, &sub.len))) {
            srv_reply_error(r, 400, "%s", "input_b64 is not valid base64");
            return;
        }
        sub.input = input;
    } else if (input_data) {
        sub.input = (const uint8_t *)input_data;
        sub.len = strlen(input_data);
    }
    uint64_t started = srv_now_ns();
    if (!async && s->cfg.cluster && fl_cluster_peers(s->cfg.cluster) > 0 && !srv_has_capacity(s)) {
        /* full here: another host with capacity takes it (Redis away: here after all) */
        fl_call_result res;
        char host[FL_CLUSTER_HOST_MAX];
        if (srv_forward_call(s, &sub, &res, host, sizeof host) == 0) {
            free(input);
            reply_result(r, 0, &res, bool_field(msg, "log"), host);
            return;
        }
    }
    sub.may_hand = async; /* full here: an async call may run on another host */
    uint32_t id = fl_runtime_submit_with(s->cfg.rt, &sub);
    free(input);
    if (!id) {
        srv_reply_error(r, 503, "%s", "the executor refused the call (shutting down or out of memory)");
        return;
    }
    if (async) {
        int rc = add_result(s, id, user, func, python, started);
        if (rc < 0) {
            /* its result would have nowhere to go: it still runs, unheard */
            fl_sched_release(fl_runtime_sched(s->cfg.rt), id);
            srv_reply_error(r, 503, "%s",
                            rc == -EAGAIN ? "too many async calls unfinished" : "out of memory");
            return;
        }
        char text[16];
        snprintf(text, sizeof text, "%" PRIu32, id);
        reply_text(r, 202, text, NULL, 0);
        return;
    }
    fl_call_result res = {0};
    int rc = fl_runtime_await(s->cfg.rt, id, &res);
    uint64_t done = srv_now_ns();
    if (rc < 0) {
        srv_reply_error(r, 500, "call %" PRIu32 ": %s", id, strerror(-rc));
        return;
    }
    srv_metrics_call(s, id, user, func, python, &res, started, done);
    reply_result(r, id, &res, bool_field(msg, "log"),
                 s->cfg.cluster ? fl_cluster_host(s->cfg.cluster) : NULL);
}

void srv_invoke(fl_server *s, const uint8_t *body, size_t len, const char *auth, srv_reply *r) {
    cJSON *msg = cJSON_ParseWithLength((const char *)body, len);
    if (!msg || !cJSON_IsObject(msg)) {
        cJSON_Delete(msg);
        {
            srv_reply_error(r, 400, "%s", "the body is not a JSON object (Faasm's call message)");
            return;
        }
    }
    if (bool_field(msg, "flush")) {
        if (!srv_authorized(s, auth, NULL))
            srv_reply_error(r, 401, "%s", "a valid bearer token is needed");
        else {
            fl_runtime_flush(s->cfg.rt);
            reply_text(r, 200, "Flushed", NULL, 0);
        }
    } else if (bool_field(msg, "status")) {
        uint32_t id = 0;
        if (!uint_field(msg, "id", &id) || !id)
            srv_reply_error(r, 400, "%s", "a status message needs the call's \"id\"");
        else
            status_of(s, id, bool_field(msg, "log"), auth, r);
    } else {
        call(s, msg, auth, r);
    }
    cJSON_Delete(msg);
}
