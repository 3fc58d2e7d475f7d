/*
 * server_int.h: what the server's files share.  server.c owns the daemons
 * and the upload routes, invoke.c the invoke route and the results of
 * async calls, metrics.c the counters, /metrics and the call log,
 * tokens.c access control.
 */
#ifndef FL_SERVER_SERVER_INT_H
#define FL_SERVER_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "faaslet/faaslet.h"
#include "server/server.h"

typedef enum srv_port { SRV_UPLOAD, SRV_INVOKE } srv_port;

/* One listening daemon (the handler's closure). */
typedef struct srv_daemon {
    fl_server *server;
    srv_port port;
    struct MHD_Daemon *daemon;
    int bound_port;
} srv_daemon;

/* Calls by (user, function, outcome), durations, responses by class. */
#define SRV_DURATION_BUCKETS 12
typedef struct srv_series {
    char *user, *func;
    fl_outcome outcome;
    uint64_t n;
} srv_series;
typedef struct srv_metrics {
    pthread_mutex_t lock;
    srv_series *series;
    size_t nseries, cap;
    uint64_t buckets[SRV_DURATION_BUCKETS + 1]; /* the last is +Inf */
    double seconds_sum;
    uint64_t calls;
    uint64_t responses[6]; /* by status / 100 */
} srv_metrics;

/* An async call's result, kept until fetched results expire. */
typedef struct srv_result {
    uint32_t id;
    char *user;              /* whose call (for its token) */
    char *func;
    bool python;
    uint64_t started_ns, done_ns; /* done_ns 0: still running */
    fl_call_result res;
} srv_result;
typedef struct srv_results {
    pthread_mutex_t lock;
    pthread_cond_t added; /* the collector sleeps on it while it holds nothing */
    srv_result *v; /* oldest first */
    size_t n, cap;
    pthread_t reaper;
    bool reaper_started, stop;
} srv_results;

typedef struct srv_tokens srv_tokens;
struct srv_consumer;

struct fl_server {
    fl_server_config cfg;
    srv_daemon upload, invoke;
    atomic_bool stopping;
    atomic_int in_flight; /* requests between their first byte and their response */
    srv_metrics metrics;
    srv_results results;
    srv_tokens *tokens;
    /* a host of a cluster (forward.c) */
    atomic_bool forward_stop;
    struct srv_consumer *consumers; /* one thread per executor worker */
    unsigned nconsumers;
    pthread_mutex_t handed_lock;    /* guards handed */
    pthread_cond_t handed_cond;     /* the tender waits here while none run */
    pthread_cond_t room_cond;       /* full consumers wait here for a handed call's end */
    struct srv_handed *handed;      /* calls other hosts handed on, running here */
    pthread_t tender;
    bool tender_started;
};

/* What the invoke route answers: status, body (malloc'd), its type, and
 * up to five headers. */
typedef struct srv_reply {
    unsigned status;
    char *body;
    size_t len;
    const char *type;
    char headers[5][2][160];
    int nheaders;
} srv_reply;

/* Makes r a JSON error {"error": ...} with `status`. */
void srv_reply_error(srv_reply *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void srv_reply_free(srv_reply *r);

/* POST / on the invoke port: body[0..len) is the JSON message, auth the
 * Authorization header (may be NULL). */
void srv_invoke(fl_server *s, const uint8_t *body, size_t len, const char *auth, srv_reply *r);

/* The results of async calls and the thread that collects them. */
int srv_results_start(fl_server *s, char *err, size_t errlen);
void srv_results_stop(fl_server *s);

void srv_metrics_init(srv_metrics *m);
void srv_metrics_free(srv_metrics *m);
void srv_metrics_response(srv_metrics *m, unsigned status);
/* Counts a finished call and writes its log line (one JSON line on stderr). */
void srv_metrics_call(fl_server *s, uint32_t id, const char *user, const char *func, bool python,
                      const fl_call_result *res, uint64_t started_ns, uint64_t done_ns);
/* The Prometheus text of everything (malloc'd), or NULL. */
char *srv_metrics_text(fl_server *s);

/* Tokens: lines "USER TOKEN" ('#' starts a comment). */
srv_tokens *srv_tokens_load(const char *path, char *err, size_t errlen);
void srv_tokens_free(srv_tokens *t);
/* Whether `token` is user's (user NULL: any user's); constant time in the token. */
bool srv_tokens_check(const srv_tokens *t, const char *user, const char *token);
/* The user an "Authorization: Bearer ..." value belongs to may act for `user`. */
bool srv_authorized(const fl_server *s, const char *auth, const char *user);

/* sync.c: the server as one host of a cluster. */
/* Why bytes[0..len) cannot be a function (into why), or NULL when they can. */
const char *srv_check_wasm(const uint8_t *bytes, size_t len, char *why, size_t whylen);
/* Puts an upload into this host's store and runtime.  0, or -errno with why. */
int srv_install(fl_server *s, fl_cluster_kind kind, const char *user, const char *name,
                const uint8_t *bytes, size_t len, char *why, size_t whylen);
/* Fetches what this host has no copy of from the cluster: 0, -ENOENT
 * (nowhere, or no cluster), or -errno (Redis cannot be reached). */
int srv_fetch(fl_server *s, fl_cluster_kind kind, const char *user, const char *name);
/* forward.c: calls handed from host to host.  Whether this host runs a
 * new call now without queueing it. */
bool srv_has_capacity(fl_server *s);
/* Joins the cluster and starts taking calls handed on; stops (calls being
 * run finish and post their results) and leaves. */
int srv_forward_start(fl_server *s, char *err, size_t errlen);
void srv_forward_stop(fl_server *s);
/* Hands `sub` to the cluster and waits for its result in *res (where it
 * ran in host).  0 (a result, or a failure result when none came in
 * time), or -errno when the cluster did not take it. */
int srv_forward_call(fl_server *s, const fl_submit *sub, fl_call_result *res, char *host,
                     size_t hostlen);

/* remote.c: a result from another host as this host's (its buffers moved
 * into *res; an outcome this build does not know is a trap). */
void srv_result_from_cluster(fl_cluster_result *got, fl_call_result *res);

/* Whether function user/func can run here: loaded, stored, or fetched from
 * the cluster now.  0, -ENOENT (nowhere), or -errno (Redis unreachable). */
int srv_have_function(fl_server *s, bool python, const char *user, const char *func);
/* Brings this host's copies in step and follows the cluster's uploads. */
int srv_cluster_start(fl_server *s, char *err, size_t errlen);
void srv_cluster_stop(fl_server *s);

uint64_t srv_now_ns(void);

/* bytes[0..len) as NUL-terminated UTF-8 for JSON text (malloc'd): bytes
 * that are not UTF-8, and NULs, become U+FFFD.  NULL when out of memory. */
char *srv_text(const uint8_t *bytes, size_t len);

#endif
