/*
 * global_redis.c: the global tier on a Redis server (hiredis), shared by
 * every process given the same server.  A value "user/key" is the Redis
 * string fl:v:{user}:key and its appended list the Redis list
 * fl:l:{user}:key, and a write lock held across processes the string
 * fl:k:{user}:key: the braces make a user's keys one hash slot, so a Redis
 * Cluster keeps each user's state on one node.
 *
 * Connections, deadlines and errors are redis/redis.h's: a pool, none
 * held locked across a round trip, a connection that failed dropped, so
 * the tier recovers by itself when the server is back.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis/redis.h"
#include "state/state.h"

/* The Redis key of ukey ("user/key"): fl:v:{user}:key or fl:l:{user}:key. */
static char *redis_key(const char *ukey, char kind) {
    const char *slash = strchr(ukey, '/');
    if (!slash)
        return NULL;
    char *k = NULL;
    if (asprintf(&k, "fl:%c:{%.*s}:%s", kind, (int)(slash - ukey), ukey, slash + 1) < 0)
        return NULL;
    return k;
}

/* COMMAND KEY [data] on the kind's key of ukey; the reply in *out. */
static int keyed(fl_redis *r, redisReply **out, const char *command, const char *ukey, char kind,
                 const char *arg, const void *data, size_t len, bool with_data) {
    char *k = redis_key(ukey, kind);
    if (!k)
        return -EINVAL;
    fl_redis_cmd cmd;
    fl_redis_cmd_strs(&cmd, command, k, arg, NULL);
    if (with_data)
        fl_redis_cmd_arg(&cmd, data, len);
    int rc = fl_redis_command(r, &cmd, out);
    free(k);
    return rc;
}

static ssize_t r_size(void *ctx, const char *ukey) {
    char *k = redis_key(ukey, 'v');
    if (!k)
        return -EINVAL;
    /* EXISTS and STRLEN in one round trip: STRLEN alone says 0 for none */
    fl_redis_cmd cmds[2];
    fl_redis_cmd_strs(&cmds[0], "EXISTS", k, NULL);
    fl_redis_cmd_strs(&cmds[1], "STRLEN", k, NULL);
    redisReply *rep[2];
    ssize_t rc = fl_redis_request(ctx, 2, cmds, rep);
    free(k);
    if (rc < 0)
        return rc;
    if (rep[0]->type != REDIS_REPLY_INTEGER || rep[1]->type != REDIS_REPLY_INTEGER)
        rc = -EIO; /* another type under our key: not ours to read */
    else
        rc = rep[0]->integer ? (ssize_t)rep[1]->integer : -ENOENT;
    freeReplyObject(rep[0]);
    freeReplyObject(rep[1]);
    return rc;
}

static ssize_t r_get(void *ctx, const char *ukey, void *buf, size_t cap) {
    redisReply *rep;
    ssize_t rc = keyed(ctx, &rep, "GET", ukey, 'v', NULL, NULL, 0, false);
    if (rc < 0)
        return rc;
    if (rep->type == REDIS_REPLY_NIL)
        rc = -ENOENT;
    else if (rep->type != REDIS_REPLY_STRING)
        rc = -EIO;
    else {
        memcpy(buf, rep->str, (size_t)rep->len < cap ? (size_t)rep->len : cap);
        rc = (ssize_t)rep->len;
    }
    freeReplyObject(rep);
    return rc;
}

static int r_set(void *ctx, const char *ukey, const void *data, size_t len) {
    redisReply *rep;
    int rc = keyed(ctx, &rep, "SET", ukey, 'v', NULL, data, len, true);
    if (rc == 0)
        freeReplyObject(rep);
    return rc;
}

static int r_set_range(void *ctx, const char *ukey, size_t off, const void *data, size_t len) {
    char offset[24];
    snprintf(offset, sizeof offset, "%zu", off);
    redisReply *rep;
    int rc = keyed(ctx, &rep, "SETRANGE", ukey, 'v', offset, data, len, true);
    if (rc == 0)
        freeReplyObject(rep);
    return rc;
}

static int r_append(void *ctx, const char *ukey, const void *data, size_t len) {
    redisReply *rep;
    int rc = keyed(ctx, &rep, "RPUSH", ukey, 'l', NULL, data, len, true);
    if (rc == 0)
        freeReplyObject(rep);
    return rc;
}

static ssize_t r_read_list(void *ctx, const char *ukey, size_t n, void *buf, size_t cap) {
    if (n == 0)
        return 0;
    if (n > (size_t)LONG_MAX)
        return -ENODATA;
    char last[24];
    snprintf(last, sizeof last, "%zu", n - 1);
    redisReply *rep;
    ssize_t rc = keyed(ctx, &rep, "LRANGE", ukey, 'l', "0", last, strlen(last), true);
    if (rc < 0)
        return rc;
    if (rep->type != REDIS_REPLY_ARRAY)
        rc = -EIO;
    else if (rep->elements < n)
        rc = -ENODATA;
    else {
        size_t total = 0;
        for (size_t i = 0; i < rep->elements && rc == 0; i++) {
            redisReply *e = rep->element[i];
            if (e->type != REDIS_REPLY_STRING)
                rc = -EIO;
            else if ((size_t)e->len > cap - total)
                rc = -ENOSPC;
            else {
                memcpy((char *)buf + total, e->str, (size_t)e->len);
                total += (size_t)e->len;
            }
        }
        if (rc == 0)
            rc = (ssize_t)total;
    }
    freeReplyObject(rep);
    return rc;
}

static int r_clear_list(void *ctx, const char *ukey) {
    redisReply *rep;
    int rc = keyed(ctx, &rep, "DEL", ukey, 'l', NULL, NULL, 0, false);
    if (rc == 0)
        freeReplyObject(rep);
    return rc;
}

/* A lock is the string fl:k:{user}:key holding its token, set only when
 * absent and expiring. */
static int r_lock(void *ctx, const char *ukey, const char *token, unsigned ttl_ms) {
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%u", ttl_ms);
    char *k = redis_key(ukey, 'k');
    if (!k)
        return -EINVAL;
    fl_redis_cmd cmd;
    fl_redis_cmd_strs(&cmd, "SET", k, token, "NX", "PX", ttl, NULL);
    redisReply *rep;
    int rc = fl_redis_command(ctx, &cmd, &rep);
    free(k);
    if (rc < 0)
        return rc;
    rc = rep->type == REDIS_REPLY_STATUS ? 0 : rep->type == REDIS_REPLY_NIL ? -EBUSY : -EIO;
    freeReplyObject(rep);
    return rc;
}

/* Deletes the lock only while token holds it: one script, so no other
 * holder's lock is deleted between the check and the delete. */
static int r_unlock(void *ctx, const char *ukey, const char *token) {
    static const char script[] = "if redis.call('get', KEYS[1]) == ARGV[1] then "
                                 "return redis.call('del', KEYS[1]) else return 0 end";
    char *k = redis_key(ukey, 'k');
    if (!k)
        return -EINVAL;
    fl_redis_cmd cmd;
    fl_redis_cmd_strs(&cmd, "EVAL", script, "1", k, token, NULL);
    redisReply *rep;
    int rc = fl_redis_command(ctx, &cmd, &rep);
    free(k);
    if (rc == 0)
        freeReplyObject(rep);
    return rc;
}

int fl_global_redis_open(const char *url, unsigned timeout_ms, fl_global_tier *out, char *err,
                         size_t errlen) {
    fl_redis *r = fl_redis_open(url, timeout_ms, err, errlen);
    if (!r)
        return -1;
    *out = (fl_global_tier){.ctx = r,
                            .size = r_size,
                            .get = r_get,
                            .set = r_set,
                            .set_range = r_set_range,
                            .append = r_append,
                            .read_list = r_read_list,
                            .clear_list = r_clear_list,
                            .lock = r_lock,
                            .unlock = r_unlock};
    return 0;
}

int fl_global_redis_ping(const fl_global_tier *g) {
    fl_redis_cmd cmd;
    fl_redis_cmd_strs(&cmd, "PING", NULL);
    redisReply *rep;
    int rc = fl_redis_command(g->ctx, &cmd, &rep);
    if (rc == 0)
        freeReplyObject(rep);
    return rc;
}

void fl_global_redis_free(fl_global_tier *g) {
    if (g && g->ctx) {
        fl_redis_close(g->ctx);
        g->ctx = NULL;
    }
}
