/*
 * server.h: `faaslet serve`, Faasm's HTTP API on libmicrohttpd over a
 * runtime (faaslet/faaslet.h).  Two listening ports, as on Faasm:
 *
 * Upload (default 8002):
 *   GET  /ping                     200 "PONG"
 *   PUT  /f/USER/FUNC   body wasm  validated (400 with the validator's words,
 *                                  nothing stored), stored, swapped in
 *                                  atomically (calls in flight finish on the
 *                                  old version), machine code generated in
 *                                  the background; 200 "Function upload complete"
 *   GET  /f/USER/FUNC              200 the module's bytes, 404
 *   PUT  /p/USER/FUNC   body .py   200 "Python function upload complete"
 *   GET  /p/USER/FUNC              200 the source, 404
 *   PUT  /s/USER/KEY    body       global state: 200 "State upload complete"
 *   GET  /s/USER/KEY               200 the value, 404
 *   PUT  /file  + header FilePath: PATH   a shared file (guests: faasm://PATH)
 *   GET  /file  + header FilePath: PATH   200 its bytes, 404
 *
 * Invoke (default 8080): POST / with a JSON object:
 *   {"user", "function", "input_data": text, "input_b64": base64 (binary input;
 *    not with input_data), "async": bool, "python": bool, "py_user", "py_func",
 *    "py_entry", "timeout_ms": n, "max_memory_mib": n}
 *     A Python call: "python": true with py_user/py_func naming the .py
 *     function (Faasm's form: user "python", function "py_func"); without
 *     them user/function name it.  timeout_ms and max_memory_mib may only
 *     lower the server's limits.
 *     Synchronous: 200 with the output bytes, or 500 with a JSON error (the
 *     call failed); headers X-Faaslet-Call-Id, X-Faaslet-Outcome (ok, trap,
 *     timeout, load, memory, limit, cancelled), X-Faaslet-Return (main's
 *     return value) and X-Faaslet-Log-Bytes (what its guests printed).
 *     With "log": true, 200 or 500 with the call's report instead:
 *     {"id", "status": "SUCCESS"|"FAILED", "outcome", "return", "error"
 *     (failed), "output_b64", "log": its guests' stdout and stderr as text
 *     (bytes not UTF-8 become U+FFFD), "log_dropped": bytes past the cap}.
 *     "async": true: 202 with the call id as text.
 *   {"status": true, "id": N}: 200 "RUNNING", "SUCCESS: <output>" or
 *     "FAILED: <error>"; with "log": true the report ("status": "RUNNING"
 *     alone while it runs); 404 when the id is unknown or its result expired
 *     (results of async calls are kept result_ttl_s, at most max_results).
 *
 * Guests' stdout and stderr (the runtime's stdio 1 and 2 set to
 * FL_WASI_STDIO_CAPTURE) are kept per call tree with its result and shown
 * (the first 2 KiB) in its log line; never written to the server's own.
 *   {"flush": true}: drops warm Faaslets; 200 "Flushed".
 *
 * Both ports: GET /metrics (Prometheus text format), GET /ping.
 *
 * Errors are JSON, {"error": "what was wrong"}, with the status that says
 * it: 400 malformed request or bad name (empty, "..", '/', NUL, control
 * characters), 401 missing or wrong token, 404 unknown function or key,
 * 405 wrong method, 413 body over max_body, 503 shutting down or the
 * executor refused the call.  Nothing is stored when a request fails.
 *
 * Access control (tokens_file: lines "USER TOKEN"): every request naming a
 * user needs "Authorization: Bearer TOKEN" with that user's token; shared
 * files need the token of any user.
 *
 * A host of a cluster (cluster set): an upload goes to Redis first (503,
 * nothing stored, when Redis cannot take it), and a function or file this
 * host has no copy of is fetched from Redis when asked for; every host
 * follows the others' uploads (cluster/cluster.h).  A host that is full
 * hands synchronous, async and chained calls to the others and runs what
 * they hand on (forward.c, remote.c).

 * HTTP threads never run guest code: they submit calls to the runtime's
 * executor and wait on them (a connection waits; other connections go
 * on), so a slow or stuck function never blocks the server.  Slow clients
 * are cut after connection_timeout_s; at most max_connections at once.
 */
#ifndef FL_SERVER_SERVER_H
#define FL_SERVER_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "cluster/cluster.h"
#include "faaslet/faaslet.h"
#include "store/store.h"

typedef struct fl_server fl_server;

typedef struct fl_server_config {
    const char *listen_addr;     /* numeric IPv4 or IPv6 address; NULL: "127.0.0.1" */
    int upload_port;             /* 0: any free port; < 0: 8002 */
    int invoke_port;             /* 0: any free port; < 0: 8080 */
    size_t max_body;             /* request bytes; 0: 64 MiB */
    unsigned max_connections;    /* 0: 512 */
    unsigned connection_timeout_s; /* idle or slow connection; 0: 30 */
    unsigned result_ttl_s;       /* async results kept; 0: 600 */
    unsigned max_results;        /* async results kept at most; 0: 10000 */
    const char *tokens_file;     /* NULL: no access control */
    fl_runtime *rt;              /* borrowed: runs the calls */
    const fl_fnstore *fnstore;   /* borrowed: where uploads go (the runtime's) */
    uint32_t timeout_ms;         /* the runtime's per-call limits, for clamping */
    uint32_t max_memory_mib;
    fl_cluster *cluster;         /* borrowed: this server is one host of that cluster
                                  * (uploads shared through Redis, sync.c); NULL: alone */
    unsigned takeover_ms;        /* a call handed on whose host stopped touching it this
                                  * long is run by another host; 0: 10000 */
} fl_server_config;

/* What a host of a cluster gives its runtime (fl_runtime_config.remote)
 * so that chained calls made while it is full run on other hosts
 * (remote.c): init with the cluster, point the config at ops, and set rt
 * once the runtime is made, before it runs a call. */
typedef struct fl_server_remote {
    fl_remote_ops ops;
    fl_cluster *cluster;
    fl_runtime *rt;
} fl_server_remote;

void fl_server_remote_init(fl_server_remote *r, fl_cluster *cluster);

/* Starts listening.  Returns the server, or NULL with a message in
 * err[0..errlen) (port taken, bad address, unreadable tokens file). */
fl_server *fl_server_start(const fl_server_config *c, char *err, size_t errlen);

/* The ports it listens on (the chosen ones when 0 was asked). */
int fl_server_upload_port(const fl_server *s);
int fl_server_invoke_port(const fl_server *s);

/* Stops accepting connections, waits for the requests in flight (and so
 * the synchronous calls they wait on) to be answered, and frees the
 * server.  The runtime stays the caller's. */
void fl_server_stop(fl_server *s);

#endif
