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

/* "host:port" of the cluster's Redis, for messages. */
const char *fl_cluster_where(const fl_cluster *c);

/* The sha256 of bytes[0..len) as lowercase hex. */
void fl_cluster_hash(const uint8_t *bytes, size_t len, char sha[FL_CLUSTER_SHA_HEX]);

#endif
