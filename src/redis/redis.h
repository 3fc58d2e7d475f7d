/*
 * redis.h: faaslet's connection to a Redis server (hiredis), shared by the
 * layers that keep things there (the global state tier, the cluster).
 *
 * A fl_redis is a URL and a pool of idle connections behind a mutex.  A
 * request takes one (or connects a new one), sends its commands in one
 * round trip, and gives it back; a connection that saw an I/O error or a
 * timeout is freed, not pooled, so a restarted or unreachable server costs
 * the requests made meanwhile a clear error and nothing else: the next one
 * connects again.  A pooled connection found closed before any reply (the
 * server restarted while it was idle) empties the pool and the request is
 * sent once more on a new one: a restart costs no error to a request made
 * after it (a command the old server ran but did not answer may so run
 * twice; the cluster's commands are all safe to repeat but an XADD, whose
 * second copy runs as a call taken over would).  Every connect and every reply has the deadline given at
 * open.  No lock is held across a round trip.
 *
 * Errors are negative errnos: -ECONNREFUSED (nothing listens),
 * -ECONNRESET (the server went away), -ETIMEDOUT (no reply in time), -EIO
 * (an error reply, or a reply of an unexpected type), -EFBIG (a value past
 * the server's limit), -ENOMEM.  fl_redis_strerror names them.
 *
 * Threads: every function is thread-safe.  Layering: libc, hiredis.
 */
#ifndef FL_REDIS_REDIS_H
#define FL_REDIS_REDIS_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

typedef struct fl_redis fl_redis;

/* Up to this many arguments per command. */
#define FL_REDIS_MAX_ARGS 40

/* One command: argv[0..argc) with their lengths (binary-safe). */
typedef struct fl_redis_cmd {
    int argc;
    const char *argv[FL_REDIS_MAX_ARGS];
    size_t len[FL_REDIS_MAX_ARGS];
} fl_redis_cmd;

/* Fills `cmd` from NUL-terminated strings (NULL ends the list). */
void fl_redis_cmd_strs(fl_redis_cmd *cmd, const char *arg0, ...);

/* Adds one binary argument to `cmd`. */
void fl_redis_cmd_arg(fl_redis_cmd *cmd, const void *bytes, size_t len);

/* A server at url, redis://HOST[:PORT][/DB] (port 6379, db 0), with a
 * deadline of timeout_ms (0: 2000) per connect and per reply.  Nothing is
 * connected yet.  Returns NULL with a message (a malformed URL). */
fl_redis *fl_redis_open(const char *url, unsigned timeout_ms, char *err, size_t errlen);

void fl_redis_close(fl_redis *r);

/* Sends n commands in one round trip; replies[0..n) get their replies
 * (caller frees each with freeReplyObject).  An error reply to any of them
 * fails the whole request (-EIO, -EFBIG) with no replies left to free.
 * Returns 0 or a negative errno. */
int fl_redis_request(fl_redis *r, int n, const fl_redis_cmd *cmds, redisReply **replies);

/* One command: fl_redis_request with n = 1. */
int fl_redis_command(fl_redis *r, const fl_redis_cmd *cmd, redisReply **reply);

/* One command whose error reply is an answer, not a failure (XGROUP
 * CREATE's BUSYGROUP): 0 with any reply, or -errno when none came. */
int fl_redis_command_raw(fl_redis *r, const fl_redis_cmd *cmd, redisReply **reply);

/* A connection of the caller's own (for SUBSCRIBE), with the deadline on
 * its connect and replies.  NULL with *rc set.  Free with redisFree. */
redisContext *fl_redis_connect(fl_redis *r, int *rc);

/* The errno of a failed context. */
int fl_redis_context_errno(const redisContext *c);

/* The deadline per connect and reply, in milliseconds. */
unsigned fl_redis_timeout_ms(const fl_redis *r);

/* "host:port" of the server, for messages. */
const char *fl_redis_where(const fl_redis *r);

#endif
