/*
 * cluster.h: what the hosts of one faaslet cluster (every `faaslet serve`
 * given the same Redis server) share beyond state: the functions (wasm
 * modules and Python files) and shared files uploaded to any of them.
 *
 * Each upload is kept in Redis, a hash of its bytes and their sha256:
 *   fl:fn:{USER}:wasm:FUNC, fl:fn:{USER}:py:FUNC   a function
 *   fl:file:PATH                                   a shared file
 *   fl:files                                       the set of shared paths
 * and announced on the channel fl:uploads.  Every host watches the channel
 * and keeps its own copy (its function store) in step; a host that finds
 * no copy of a function asks Redis for it.  A hash is written whole by one
 * HSET, so a reader sees one upload or the next, never a mix.
 *
 * Errors are redis/redis.h's negative errnos (-ECONNREFUSED, -ETIMEDOUT,
 * -ECONNRESET, -EIO), and -ENOENT for what was never uploaded.
 *
 * Threads: every function is thread-safe; the watch callback runs on the
 * watcher's own thread.  Layering: redis/redis.h, OpenSSL's SHA-256.
 */
#ifndef FL_CLUSTER_CLUSTER_H
#define FL_CLUSTER_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fl_cluster fl_cluster;

typedef enum fl_cluster_kind {
    FL_CLUSTER_WASM = 0,
    FL_CLUSTER_PYTHON,
    FL_CLUSTER_FILE,
} fl_cluster_kind;

/* The sha256 of an upload's bytes, as lowercase hex. */
#define FL_CLUSTER_SHA_HEX 65

/* What a host does when something was uploaded anywhere (this host
 * included): `kind` user/name (a file: user "", name its path) now has
 * bytes of hash sha.  After the watch lost its connection and got it back
 * (announcements may have been missed) it is called once with name NULL:
 * anything may have changed. */
typedef void (*fl_cluster_on_upload)(void *ctx, fl_cluster_kind kind, const char *user,
                                     const char *name, const char *sha);

/* The cluster on the Redis server at url (redis://HOST[:PORT][/DB]), each
 * request bounded by timeout_ms (0: 2000).  Nothing is connected yet.
 * Returns NULL with a message (a malformed URL). */
fl_cluster *fl_cluster_open(const char *url, unsigned timeout_ms, char *err, size_t errlen);

/* Starts watching fl:uploads: fn(ctx, ...) for every announcement, from a
 * thread of the cluster's own, reconnecting (every 500 ms) while the
 * server is away.  At most one watch.  Returns 0 or -errno. */
int fl_cluster_watch(fl_cluster *c, fl_cluster_on_upload fn, void *ctx);

/* Stops the watch (waits for its thread: the callback is not running
 * afterwards); a later fl_cluster_watch may start another. */
void fl_cluster_unwatch(fl_cluster *c);

/* Stops the watch and frees everything. */
void fl_cluster_close(fl_cluster *c);

/* Keeps bytes[0..len) as `kind` user/name and announces it, in one round
 * trip.  Returns 0 or -errno (nothing kept). */
int fl_cluster_put(fl_cluster *c, fl_cluster_kind kind, const char *user, const char *name,
                   const uint8_t *bytes, size_t len);

/* The bytes of `kind` user/name: *bytes malloc'd (caller frees; NULL when
 * empty), and their hash in sha when not NULL.  Returns 0, -ENOENT or
 * -errno. */
int fl_cluster_get(fl_cluster *c, fl_cluster_kind kind, const char *user, const char *name,
                   uint8_t **bytes, size_t *len, char sha[FL_CLUSTER_SHA_HEX]);

/* Only the hash of `kind` user/name.  Returns 0, -ENOENT or -errno. */
int fl_cluster_sha(fl_cluster *c, fl_cluster_kind kind, const char *user, const char *name,
                   char sha[FL_CLUSTER_SHA_HEX]);

/* The paths of every shared file: *paths a malloc'd array of *n malloc'd
 * strings (free each, then the array).  Returns 0 or -errno. */
int fl_cluster_files(fl_cluster *c, char ***paths, size_t *n);

/* ---- hosts ----
 *
 * A host that joins writes a heartbeat every second to the hash fl:hosts
 * (its name -> "SLOTS BUSY UNIX_MS") and removes it when it leaves; a host
 * not heard from for FL_CLUSTER_HOST_TTL_MS is gone. */

#define FL_CLUSTER_HOST_MAX 128
#define FL_CLUSTER_HOST_TTL_MS 5000u

/* How many calls this host runs now (its load, for the heartbeat). */
typedef unsigned (*fl_cluster_load_fn)(void *ctx);

/* Joins as host `name` (copied; unique in the cluster: e.g. hostname-pid)
 * that runs up to `slots` calls at once, with a heartbeat thread calling
 * load(ctx) each second.  Returns 0 or -errno (Redis unreachable is not an
 * error: the heartbeat goes on trying). */
int fl_cluster_join(fl_cluster *c, const char *name, unsigned slots, fl_cluster_load_fn load,
                    void *ctx);

/* Stops the heartbeat and removes this host from fl:hosts.  No-op when not
 * joined. */
void fl_cluster_leave(fl_cluster *c);

/* This host's name ("" before join). */
const char *fl_cluster_host(const fl_cluster *c);

/* Other live hosts at the last heartbeat (no round trip). */
unsigned fl_cluster_peers(const fl_cluster *c);

typedef struct fl_cluster_host_info {
    char name[FL_CLUSTER_HOST_MAX];
    unsigned slots, busy;
    unsigned long long seen_ms_ago;
    int alive; /* heard from within FL_CLUSTER_HOST_TTL_MS */
} fl_cluster_host_info;

/* Every host in fl:hosts, sorted by name: *hosts malloc'd (NULL when
 * none).  Returns 0 or -errno. */
int fl_cluster_hosts(fl_cluster *c, fl_cluster_host_info **hosts, size_t *n);

/* ---- calls handed from host to host ----
 *
 * A host with no capacity left hands a call to the cluster: an entry of
 * the stream fl:calls, read by the consumer group "hosts" (each host a
 * consumer), so exactly one host with capacity takes it.  The host that
 * runs it posts the result to the list fl:res:ID (kept FL_CLUSTER_RESULT_TTL_S)
 * and acknowledges the entry in the same round trip; the host that handed
 * it on waits on that list.  A running host touches its entries; an entry
 * nobody touched for a while (its host died) is taken over by another
 * (fl_cluster_reclaim): such a call may run twice, and only then. */

#define FL_CLUSTER_RESULT_TTL_S 600u
#define FL_CLUSTER_NAME_MAX 256

/* A call as it travels: no pointers but its own input. */
typedef struct fl_cluster_call {
    uint64_t id;                         /* fl_cluster_new_id: unique in the cluster */
    char user[FL_CLUSTER_NAME_MAX], func[FL_CLUSTER_NAME_MAX];
    int python;
    char entry[FL_CLUSTER_NAME_MAX];     /* Python entry; "": faasm_main */
    int32_t func_ptr;                    /* > 0: a chained call entered at this table
                                          * element (Faasm's chain by function pointer) */
    uint8_t *input;                      /* malloc'd when received */
    size_t len;
    unsigned timeout_ms, max_memory_mib; /* the caller's own limits (0: the runner's) */
    /* a chained call: the rest of its tree's limits (0: none carried) */
    unsigned depth, max_depth;           /* its depth in its tree, the tree's limit */
    uint64_t tree;                       /* its tree's counter (fl_cluster_count) */
    unsigned max_calls;                  /* the tree's limit on calls */
    char stream_id[64];                  /* the entry, when received */
} fl_cluster_call;

/* A finished call's result as it travels back. */
typedef struct fl_cluster_result {
    int outcome;          /* fl_outcome */
    int retval;
    uint8_t *output;      /* malloc'd when received; NULL when empty */
    size_t output_len;
    char *error;          /* malloc'd or NULL */
    uint8_t *log;         /* malloc'd or NULL */
    size_t log_len;
    unsigned long long log_dropped;
    char host[FL_CLUSTER_HOST_MAX]; /* where it ran */
} fl_cluster_result;

/* A call id unique in the cluster: this host's number (taken from Redis
 * once, at the first id: INCR fl:hostno) in the top 16 bits, a counter of
 * its own below.  Returns 0 or -errno (Redis unreachable before the host
 * had a number). */
int fl_cluster_new_id(fl_cluster *c, uint64_t *id);

/* Counts n more calls of a call tree that spans hosts, on fl:tree:TREE
 * (TREE a fl_cluster_new_id; the key expires ttl_ms after its last count):
 * 0 while the total stays within limit, -EDQUOT past it, or -errno. */
int fl_cluster_count(fl_cluster *c, uint64_t tree, unsigned n, unsigned limit, unsigned ttl_ms);

/* Hands `call` to the cluster (XADD), setting call->stream_id.  Returns 0
 * or -errno. */
int fl_cluster_send(fl_cluster *c, fl_cluster_call *call);

/* Takes the next call handed to the cluster for this (joined) host,
 * waiting up to block_ms (at most half the deadline): 0 with *call filled (free with
 * fl_cluster_call_free), -EAGAIN when none came, or -errno. */
int fl_cluster_receive(fl_cluster *c, unsigned block_ms, fl_cluster_call *call);

/* Takes over one call whose host has not touched it for min_idle_ms (a
 * host that died): 0 with *call, -EAGAIN when there is none, or -errno. */
int fl_cluster_reclaim(fl_cluster *c, unsigned min_idle_ms, fl_cluster_call *call);

/* Says this host still runs `call` (resets its idle time). */
int fl_cluster_touch(fl_cluster *c, const fl_cluster_call *call);

/* A call handed on is run by the host that claims it first: the host it
 * was handed to (fl_cluster_claim, after receiving it) or the host that
 * handed it on and found no one had (fl_cluster_take_back, for chained
 * and async calls: its waiter runs it itself, as a waiting worker
 * runs a queued call it awaits, so that hosts whose threads all wait on
 * each other still make progress).  Both return 0 when this host won,
 * -EBUSY when the other did (the loser drops the call: fl_cluster_drop),
 * or -errno.  A call taken over from a silent host (taken_over) is
 * claimed whoever held it. */
int fl_cluster_claim(fl_cluster *c, const fl_cluster_call *call, bool taken_over);
int fl_cluster_take_back(fl_cluster *c, const fl_cluster_call *call);

/* Acknowledges and deletes a received call's entry without a result. */
int fl_cluster_drop(fl_cluster *c, const fl_cluster_call *call);

/* Posts the result of `call` and acknowledges its entry, in one round trip. */
int fl_cluster_finish(fl_cluster *c, const fl_cluster_call *call, const fl_cluster_result *r);

/* Waits up to timeout_ms (0: for ever) for the result of `call` (sent):
 * 0 with *r (free with fl_cluster_result_free), -ETIMEDOUT, -ENOENT when
 * the call is lost (neither its entry nor its result is in Redis any
 * more: a Redis restarted without them), -ECANCELED as soon as *cancel
 * (when not NULL) is non-zero (read between waits of at most 250 ms), or
 * -errno. */
int fl_cluster_wait(fl_cluster *c, const fl_cluster_call *call, unsigned timeout_ms,
                    const volatile int *cancel, fl_cluster_result *r);

void fl_cluster_call_free(fl_cluster_call *call);
void fl_cluster_result_free(fl_cluster_result *r);

/* "host:port" of the cluster's Redis, for messages. */
const char *fl_cluster_where(const fl_cluster *c);

/* The sha256 of bytes[0..len) as lowercase hex. */
void fl_cluster_hash(const uint8_t *bytes, size_t len, char sha[FL_CLUSTER_SHA_HEX]);

#endif
