/*
 * server.c: the two HTTP daemons and their routes (the contract is in
 * server.h).  libmicrohttpd runs a thread per connection: a request that
 * waits on a call holds only its own connection's thread, and a slow
 * client only its own (cut at the connection timeout).  Bodies are
 * gathered into one buffer per request, refused past max_body.  Async
 * results live in results.c, counters and the /metrics text in metrics.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "engine/module.h"
#include "server/server.h"
#include "server/server_int.h"
#include "state/state.h"

#define DEFAULT_UPLOAD_PORT 8002
#define DEFAULT_INVOKE_PORT 8080

/* One request as it is read: its route's port and its body so far. */
typedef struct request {
    srv_port port;
    uint8_t *body;
    size_t len, cap;
} request;

/* ---- responses ---- */


static enum MHD_Result send_reply(struct MHD_Connection *c, fl_server *s, const srv_reply *r) {
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        r->len, r->body ? r->body : (void *)"", MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->type);
    for (int i = 0; i < r->nheaders; i++)
        MHD_add_response_header(resp, r->headers[i][0], r->headers[i][1]);
    if (atomic_load(&s->stopping))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(c, r->status, resp);
    MHD_destroy_response(resp);
    srv_metrics_response(&s->metrics, r->status);
    return ok;
}

static enum MHD_Result send_bytes(struct MHD_Connection *c, unsigned status, const void *bytes,
                                  size_t len, const char *type, fl_server *s) {
    srv_reply r = {.status = status, .body = (char *)bytes, .len = len, .type = type};
    return send_reply(c, s, &r);
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text,
                                 fl_server *s) {
    return send_bytes(c, status, text, strlen(text), "text/plain; charset=utf-8", s);
}

/* {"error": MESSAGE} with `status`. */
static enum MHD_Result send_error(struct MHD_Connection *c, fl_server *s, unsigned status,
                                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum MHD_Result send_error(struct MHD_Connection *c, fl_server *s, unsigned status,
                                  const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    srv_reply r = {0};
    srv_reply_error(&r, status, "%s", msg);
    enum MHD_Result ok = send_reply(c, s, &r);
    srv_reply_free(&r);
    return ok;
}

/* ---- names in paths ---- */

static int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes the percent-escapes of src[0..len) into out (NUL-terminated,
 * size >= len + 1); *out_len is the decoded length, which may hold a NUL.
 * Returns false on a malformed escape. */
static bool percent_decode(const char *src, size_t len, char *out, size_t *out_len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (src[i] != '%') {
            out[n++] = src[i];
            continue;
        }
        int hi = i + 2 < len ? hex_digit(src[i + 1]) : -1;
        int lo = i + 2 < len ? hex_digit(src[i + 2]) : -1;
        if (hi < 0 || lo < 0)
            return false;
        out[n++] = (char)(hi << 4 | lo);
        i += 2;
    }
    out[n] = '\0';
    *out_len = n;
    return true;
}

/* Splits "/K/USER/NAME" (still escaped: the daemons leave URLs as sent)
 * into its two names, decoded and checked.  Returns NULL, or why not. */
static const char *two_names(const char *rest, char *user, char *name, size_t size) {
    const char *slash = strchr(rest, '/');
    if (!slash || strchr(slash + 1, '/'))
        return "expected /KIND/USER/NAME";
    size_t ulen = (size_t)(slash - rest), nlen = strlen(slash + 1);
    size_t du, dn;
    if (ulen >= size || nlen >= size)
        return "name too long";
    if (!percent_decode(rest, ulen, user, &du) || !percent_decode(slash + 1, nlen, name, &dn))
        return "malformed %-escape";
    const char *why = fl_fnstore_check_name(user, du);
    if (why)
        return why;
    return fl_fnstore_check_name(name, dn);
}

/* The URL is passed on as sent: names are decoded (and checked for NUL)
 * route by route, not truncated at an escaped NUL by the daemon. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *uri) {
    (void)cls, (void)c;
    return strlen(uri);
}

/* ---- access ---- */

/* Whether the request may act for `user` (NULL: for any user it holds a
 * token of). */
static bool allowed(fl_server *s, struct MHD_Connection *c, const char *user) {
    return srv_authorized(s, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"), user);
}

/* ---- upload routes ---- */

/* Keeps an upload: in the cluster first (when this server is a host of
 * one), then in this host's store and runtime. */
static enum MHD_Result put_upload(fl_server *s, struct MHD_Connection *c, fl_cluster_kind kind,
                                  const char *user, const char *name, request *rq,
                                  const char *done) {
    char why[512];
    if (s->cfg.cluster) {
        int rc = fl_cluster_put(s->cfg.cluster, kind, user, name, rq->body, rq->len);
        if (rc < 0)
            return send_error(c, s, 503, "the cluster's Redis at %s: %s; nothing stored",
                              fl_cluster_where(s->cfg.cluster), strerror(-rc));
    }
    if (srv_install(s, kind, user, name, rq->body, rq->len, why, sizeof why) < 0)
        return send_error(c, s, 500, "%s", why);
    return send_text(c, 200, done, s);
}

static enum MHD_Result put_wasm(fl_server *s, struct MHD_Connection *c, const char *user,
                                const char *func, request *rq) {
    char why[512];
    if (srv_check_wasm(rq->body, rq->len, why, sizeof why))
        return send_error(c, s, 400, "%s; nothing stored", why);
    return put_upload(s, c, FL_CLUSTER_WASM, user, func, rq, "Function upload complete");
}

static enum MHD_Result put_python(fl_server *s, struct MHD_Connection *c, const char *user,
                                  const char *func, request *rq) {
    return put_upload(s, c, FL_CLUSTER_PYTHON, user, func, rq, "Python function upload complete");
}

static enum MHD_Result get_function(fl_server *s, struct MHD_Connection *c, fl_fnstore_kind kind,
                                    const char *user, const char *func) {
    uint8_t *bytes;
    size_t len;
    int rc = fl_fnstore_get(s->cfg.fnstore, kind, user, func, &bytes, &len);
    if (rc == -ENOENT && s->cfg.cluster) {
        fl_cluster_kind ck = kind == FL_FNSTORE_PYTHON ? FL_CLUSTER_PYTHON : FL_CLUSTER_WASM;
        if ((rc = srv_fetch(s, ck, user, func)) == 0)
            rc = fl_fnstore_get(s->cfg.fnstore, kind, user, func, &bytes, &len);
        else if (rc != -ENOENT)
            return send_error(c, s, 503, "the cluster's Redis at %s: %s",
                              fl_cluster_where(s->cfg.cluster), strerror(-rc));
    }
    if (rc == -ENOENT)
        return send_error(c, s, 404, "no %sfunction %s/%s", kind == FL_FNSTORE_PYTHON ? "Python " : "",
                          user, func);
    if (rc < 0)
        return send_error(c, s, 500, "reading %s/%s: %s", user, func, strerror(-rc));
    enum MHD_Result ok = send_bytes(c, 200, bytes, len,
                                    kind == FL_FNSTORE_PYTHON ? "text/x-python" : "application/wasm", s);
    free(bytes);
    return ok;
}

/* The status for a state error: the user's quota 413, a tier out of
 * replicas or a global tier (Redis) that cannot be reached 503. */
static unsigned state_status(int rc) {
    switch (-rc) {
    case EDQUOT: return 413;
    case EMFILE:
    case ECONNREFUSED:
    case ECONNRESET:
    case ETIMEDOUT: return 503;
    default: return 500;
    }
}

static enum MHD_Result state_route(fl_server *s, struct MHD_Connection *c, bool put,
                                   const char *user, const char *key, request *rq) {
    fl_state_kv *kv;
    int rc = fl_state_lookup(fl_runtime_state(s->cfg.rt), user, key, &kv);
    if (rc < 0)
        return send_error(c, s, state_status(rc), "state %s/%s: %s", user, key, strerror(-rc));
    if (put) {
        if (rq->len > fl_state_max_write(kv, NULL))
            return send_error(c, s, 413, "state %s/%s: %zu bytes are over the user's quota",
                              user, key, rq->len);
        /* a write lock holds across the cluster's hosts when Redis is there */
        if ((rc = fl_state_lock_write(kv)) < 0)
            return send_error(c, s, state_status(rc), "state %s/%s: cannot lock it: %s", user, key,
                              strerror(-rc));
        rc = fl_state_write(kv, rq->body, rq->len, NULL);
        if (rc == 0)
            rc = fl_state_push(kv);
        fl_state_unlock_write(kv);
        if (rc < 0)
            return send_error(c, s, state_status(rc), "state %s/%s: %s", user, key,
                              strerror(-rc));
        return send_text(c, 200, "State upload complete", s);
    }
    fl_state_lock_read(kv);
    rc = fl_state_pull(kv, NULL);
    ssize_t size = rc == 0 ? fl_state_size(kv) : 0;
    uint8_t *buf = rc == 0 ? malloc(size ? (size_t)size : 1) : NULL;
    if (buf)
        fl_state_read(kv, buf, (size_t)size);
    fl_state_unlock_read(kv);
    if (rc == -ENOENT)
        return send_error(c, s, 404, "no state %s/%s", user, key);
    if (rc < 0 || !buf)
        return send_error(c, s, rc < 0 ? state_status(rc) : 500, "state %s/%s: %s", user, key,
                          strerror(rc < 0 ? -rc : ENOMEM));
    enum MHD_Result ok = send_bytes(c, 200, buf, (size_t)size, "application/octet-stream", s);
    free(buf);
    return ok;
}

static enum MHD_Result file_route(fl_server *s, struct MHD_Connection *c, bool put, request *rq) {
    const char *path = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "FilePath");
    if (!path)
        return send_error(c, s, 400, "%s", "a FilePath header names the file");
    const char *why = fl_fnstore_check_path(path, strlen(path));
    if (why)
        return send_error(c, s, 400, "bad FilePath: %s", why);
    if (!allowed(s, c, NULL))
        return send_error(c, s, 401, "%s", "a valid bearer token is needed");
    if (put)
        return put_upload(s, c, FL_CLUSTER_FILE, "", path, rq, "File upload complete");
    uint8_t *bytes;
    size_t len;
    int rc = fl_fnstore_get_shared(s->cfg.fnstore, path, &bytes, &len);
    if (rc == -ENOENT && s->cfg.cluster) {
        if ((rc = srv_fetch(s, FL_CLUSTER_FILE, "", path)) == 0)
            rc = fl_fnstore_get_shared(s->cfg.fnstore, path, &bytes, &len);
        else if (rc != -ENOENT)
            return send_error(c, s, 503, "the cluster's Redis at %s: %s",
                              fl_cluster_where(s->cfg.cluster), strerror(-rc));
    }
    if (rc == -ENOENT || rc == -EISDIR)
        return send_error(c, s, 404, "no file %s", path);
    if (rc < 0)
        return send_error(c, s, 500, "reading %s: %s", path, strerror(-rc));
    enum MHD_Result ok = send_bytes(c, 200, bytes, len, "application/octet-stream", s);
    free(bytes);
    return ok;
}

/* GET /hosts: the cluster's hosts as JSON [{"name", "slots", "busy",
 * "seen_ms_ago", "alive", "self"}]. */
static enum MHD_Result hosts_route(fl_server *s, struct MHD_Connection *c) {
    if (!s->cfg.cluster)
        return send_error(c, s, 404, "%s", "not a host of a cluster (faaslet serve --redis URL)");
    fl_cluster_host_info *h;
    size_t n;
    int rc = fl_cluster_hosts(s->cfg.cluster, &h, &n);
    if (rc < 0)
        return send_error(c, s, 503, "the cluster's Redis at %s: %s",
                          fl_cluster_where(s->cfg.cluster), strerror(-rc));
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list && i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", h[i].name);
        cJSON_AddNumberToObject(o, "slots", h[i].slots);
        cJSON_AddNumberToObject(o, "busy", h[i].busy);
        cJSON_AddNumberToObject(o, "seen_ms_ago", (double)h[i].seen_ms_ago);
        cJSON_AddBoolToObject(o, "alive", h[i].alive);
        cJSON_AddBoolToObject(o, "self", !strcmp(h[i].name, fl_cluster_host(s->cfg.cluster)));
        cJSON_AddItemToArray(list, o);
    }
    free(h);
    char *text = list ? cJSON_PrintUnformatted(list) : NULL;
    cJSON_Delete(list);
    if (!text)
        return send_error(c, s, 500, "%s", "out of memory");
    enum MHD_Result ok = send_bytes(c, 200, text, strlen(text), "application/json", s);
    free(text);
    return ok;
}

static enum MHD_Result upload_route(fl_server *s, struct MHD_Connection *c, const char *url,
                                    const char *method, request *rq) {
    bool put = !strcmp(method, "PUT"), get = !strcmp(method, "GET");
    if (!strcmp(url, "/file")) {
        if (!put && !get)
            return send_error(c, s, 405, "%s /file: use PUT or GET", method);
        return file_route(s, c, put, rq);
    }
    if (url[0] != '/' || !strchr("fps", url[1]) || !url[1] || url[2] != '/')
        return send_error(c, s, 400, "no route %s %s (upload port: /f/, /p/, /s/, /file, /ping, /metrics)",
                          method, url);
    if (!put && !get)
        return send_error(c, s, 405, "%s %s: use PUT or GET", method, url);
    char user[FL_FNSTORE_NAME_MAX + 1], name[FL_FNSTORE_NAME_MAX + 1];
    const char *why = two_names(url + 3, user, name, sizeof user);
    if (why)
        return send_error(c, s, 400, "bad name in %s: %s", url, why);
    if (!allowed(s, c, user))
        return send_error(c, s, 401, "user %s: a valid bearer token is needed", user);
    switch (url[1]) {
    case 'f':
        return put ? put_wasm(s, c, user, name, rq) : get_function(s, c, FL_FNSTORE_WASM, user, name);
    case 'p':
        return put ? put_python(s, c, user, name, rq)
                   : get_function(s, c, FL_FNSTORE_PYTHON, user, name);
    default:
        return state_route(s, c, put, user, name, rq);
    }
}

/* ---- the handler both daemons share ---- */

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls) {
    (void)version;
    srv_daemon *d = cls;
    fl_server *s = d->server;
    request *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        rq->port = d->port;
        atomic_fetch_add(&s->in_flight, 1);
        *con_cls = rq;
        /* refuse a declared oversized body before reading it */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > s->cfg.max_body)
            goto too_big;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (n > s->cfg.max_body - rq->len)
            goto too_big;
        if (rq->len + n > rq->cap) {
            size_t cap = rq->cap ? rq->cap : 4096;
            while (cap < rq->len + n)
                cap *= 2;
            uint8_t *b = realloc(rq->body, cap);
            if (!b)
                return MHD_NO;
            rq->body = b;
            rq->cap = cap;
        }
        memcpy(rq->body + rq->len, upload_data, n);
        rq->len += n;
        return MHD_YES;
    }
    if (atomic_load(&s->stopping))
        return send_error(c, s, 503, "%s", "the server is shutting down");
    if (!strcmp(url, "/ping") && !strcmp(method, "GET"))
        return send_text(c, 200, "PONG", s);
    if (!strcmp(url, "/metrics") && !strcmp(method, "GET")) {
        char *text = srv_metrics_text(s);
        if (!text)
            return send_error(c, s, 500, "%s", "out of memory");
        enum MHD_Result ok = send_bytes(c, 200, text, strlen(text),
                                        "text/plain; version=0.0.4; charset=utf-8", s);
        free(text);
        return ok;
    }
    if (!strcmp(url, "/hosts") && !strcmp(method, "GET"))
        return hosts_route(s, c);
    if (rq->port == SRV_UPLOAD)
        return upload_route(s, c, url, method, rq);
    if (strcmp(url, "/"))
        return send_error(c, s, 400, "no route %s %s (invoke port: POST /, /ping, /metrics, /hosts)",
                          method, url);
    if (strcmp(method, "POST"))
        return send_error(c, s, 405, "%s /: use POST with a JSON message", method);
    srv_reply reply = {0};
    srv_invoke(s, rq->body, rq->len, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
               &reply);
    enum MHD_Result ok = send_reply(c, s, &reply);
    srv_reply_free(&reply);
    return ok;

too_big:
    /* answered at once: the rest of the body is never read (the daemon
     * closes the connection after the answer) */
    return send_error(c, s, 413, "the body is over the limit of %zu bytes", s->cfg.max_body);
}

/* The response went out (or the connection died): the request is done. */
static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe) {
    (void)c, (void)toe;
    srv_daemon *d = cls;
    request *rq = *con_cls;
    if (!rq)
        return;
    atomic_fetch_sub(&d->server->in_flight, 1); /* counted from its first call */
    free(rq->body);
    free(rq);
    *con_cls = NULL;
}

/* ---- life ---- */

static struct MHD_Daemon *start_daemon(fl_server *s, srv_daemon *d, const char *addr, int port,
                                       char *err, size_t errlen) {
    struct sockaddr_storage ss = {0};
    /* ITC: quiesce stops the listener; poll, not select: a busy host of a
     * cluster holds more than FD_SETSIZE descriptors (connections to
     * clients and to Redis, Faaslets' folders) */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    socklen_t sl;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        sl = sizeof *v4;
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        sl = sizeof *v6;
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, errlen, "bad listen address \"%s\" (a numeric IPv4 or IPv6 address)", addr);
        return NULL;
    }
    (void)sl;
    d->server = s;
    struct MHD_Daemon *md = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, handle, d, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.connection_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
        s->cfg.max_connections, MHD_OPTION_NOTIFY_COMPLETED, completed, d,
        MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
        MHD_OPTION_END);
    if (!md) {
        snprintf(err, errlen, "cannot listen on %s port %d: %s", addr, port,
                 errno ? strerror(errno) : "the HTTP library refused");
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(md, MHD_DAEMON_INFO_BIND_PORT);
    d->bound_port = info ? info->port : port;
    return md;
}

fl_server *fl_server_start(const fl_server_config *c, char *err, size_t errlen) {
    if (!c->rt || !c->fnstore) {
        snprintf(err, errlen, "%s", "a server needs a runtime and a function store");
        return NULL;
    }
    fl_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "%s", "out of memory");
        return NULL;
    }
    s->cfg = *c;
    if (!s->cfg.listen_addr)
        s->cfg.listen_addr = "127.0.0.1";
    if (!s->cfg.max_body)
        s->cfg.max_body = (size_t)64 << 20;
    if (!s->cfg.max_connections)
        s->cfg.max_connections = 512;
    if (!s->cfg.connection_timeout_s)
        s->cfg.connection_timeout_s = 30;
    if (!s->cfg.result_ttl_s)
        s->cfg.result_ttl_s = 600;
    if (!s->cfg.max_results)
        s->cfg.max_results = 10000;
    if (!s->cfg.takeover_ms)
        s->cfg.takeover_ms = 10000;
    srv_metrics_init(&s->metrics);
    pthread_mutex_init(&s->handed_lock, NULL);
    pthread_cond_init(&s->handed_cond, NULL);
    pthread_cond_init(&s->room_cond, NULL);
    if (c->tokens_file && !(s->tokens = srv_tokens_load(c->tokens_file, err, errlen)))
        goto fail;
    if (srv_results_start(s, err, errlen) < 0)
        goto fail;
    if (srv_cluster_start(s, err, errlen) < 0)
        goto fail;
    if (srv_forward_start(s, err, errlen) < 0)
        goto fail;
    s->upload.port = SRV_UPLOAD;
    s->invoke.port = SRV_INVOKE;
    s->upload.daemon = start_daemon(s, &s->upload, s->cfg.listen_addr,
                                    c->upload_port < 0 ? DEFAULT_UPLOAD_PORT : c->upload_port, err,
                                    errlen);
    if (!s->upload.daemon)
        goto fail;
    s->invoke.daemon = start_daemon(s, &s->invoke, s->cfg.listen_addr,
                                    c->invoke_port < 0 ? DEFAULT_INVOKE_PORT : c->invoke_port, err,
                                    errlen);
    if (!s->invoke.daemon)
        goto fail;
    return s;
fail:
    if (s->upload.daemon)
        MHD_stop_daemon(s->upload.daemon);
    srv_forward_stop(s);
    srv_cluster_stop(s);
    srv_results_stop(s);
    srv_tokens_free(s->tokens);
    srv_metrics_free(&s->metrics);
    pthread_mutex_destroy(&s->handed_lock);
    pthread_cond_destroy(&s->handed_cond);
    pthread_cond_destroy(&s->room_cond);
    free(s);
    return NULL;
}

int fl_server_upload_port(const fl_server *s) {
    return s->upload.bound_port;
}

int fl_server_invoke_port(const fl_server *s) {
    return s->invoke.bound_port;
}

void fl_server_stop(fl_server *s) {
    if (!s)
        return;
    /* no new connections; requests that come on open ones get 503 */
    atomic_store(&s->stopping, true);
    MHD_quiesce_daemon(s->upload.daemon);
    MHD_quiesce_daemon(s->invoke.daemon);
    /* the requests in flight (a synchronous call each, at most) are
     * answered before the daemons go */
    while (atomic_load(&s->in_flight) > 0) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->upload.daemon);
    MHD_stop_daemon(s->invoke.daemon);
    srv_forward_stop(s);
    srv_cluster_stop(s);
    srv_results_stop(s);
    srv_tokens_free(s->tokens);
    srv_metrics_free(&s->metrics);
    pthread_mutex_destroy(&s->handed_lock);
    pthread_cond_destroy(&s->handed_cond);
    pthread_cond_destroy(&s->room_cond);
    free(s);
}
