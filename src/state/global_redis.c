/*
 * global_redis.c: the global tier on a Redis server (hiredis), shared by
 * every process given the same server.  A value "user/key" is the Redis
 * string fl:v:{user}:key and its appended list the Redis list
 * fl:l:{user}:key: the braces make a user's keys one hash slot, so a Redis
 * Cluster keeps each user's state on one node.
 *
 * Connections: a pool of idle hiredis contexts behind a mutex.  An
 * operation takes one (or connects a new one), runs its commands, and
 * gives it back; a context that saw an I/O error or a timeout is freed,
 * not pooled, so a restarted or unreachable server costs the calls made
 * meanwhile a clear error (-ECONNREFUSED, -ETIMEDOUT, -EIO) and nothing
 * else: the next operation connects again.  Every connect and every reply
 * has the tier's deadline (timeout_ms).  No lock is held across a round
 * trip.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "state/state.h"

#define DEFAULT_TIMEOUT_MS 2000u
#define MAX_IDLE 64 /* idle connections kept */

typedef struct redis_ctx {
    char host[256];
    int port;
    unsigned db;
    struct timeval timeout;
    pthread_mutex_t mu;
    redisContext *idle[MAX_IDLE];
    int nidle;
} redis_ctx;

/* The errno for a context's failure. */
static int context_errno(const redisContext *c) {
    if (!c)
        return -ENOMEM;
    switch (c->err) {
    case REDIS_ERR_IO:
        return c->errstr[0] && strstr(c->errstr, "refused") ? -ECONNREFUSED
               : strstr(c->errstr, "timed out") || strstr(c->errstr, "temporarily unavailable")
                   ? -ETIMEDOUT
                   : -EIO;
    case REDIS_ERR_EOF:
        return -ECONNRESET;
    case REDIS_ERR_OOM:
        return -ENOMEM;
    default:
        return -EIO;
    }
}

/* A connection: an idle one, else a new one (with SELECT db). */
static redisContext *take(redis_ctx *r, int *rc) {
    pthread_mutex_lock(&r->mu);
    redisContext *c = r->nidle ? r->idle[--r->nidle] : NULL;
    pthread_mutex_unlock(&r->mu);
    if (c)
        return c;
    c = redisConnectWithTimeout(r->host, r->port, r->timeout);
    if (!c || c->err || redisSetTimeout(c, r->timeout) != REDIS_OK) {
        *rc = context_errno(c);
        if (c)
            redisFree(c);
        return NULL;
    }
    if (r->db) {
        redisReply *rep = redisCommand(c, "SELECT %u", r->db);
        bool ok = rep && rep->type == REDIS_REPLY_STATUS;
        *rc = rep ? -EIO : context_errno(c);
        freeReplyObject(rep);
        if (!ok) {
            redisFree(c);
            return NULL;
        }
    }
    return c;
}

/* Gives c back: pooled when healthy, else freed. */
static void give(redis_ctx *r, redisContext *c, bool healthy) {
    if (healthy && !c->err) {
        pthread_mutex_lock(&r->mu);
        if (r->nidle < MAX_IDLE) {
            r->idle[r->nidle++] = c;
            c = NULL;
        }
        pthread_mutex_unlock(&r->mu);
    }
    if (c)
        redisFree(c);
}

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

/* Runs n commands (argv form, binary-safe) in one round trip; on success
 * replies[0..n) are the replies (caller frees) and 0 is returned, else a
 * negative errno and no replies. */
static int round_trip(redis_ctx *r, int n, const int *argc, const char **argv[],
                      const size_t *argvlen[], redisReply **replies) {
    int rc = 0;
    redisContext *c = take(r, &rc);
    if (!c)
        return rc;
    for (int i = 0; i < n; i++)
        redisAppendCommandArgv(c, argc[i], argv[i], argvlen[i]);
    int got = 0;
    for (; got < n; got++) {
        void *rep = NULL;
        if (redisGetReply(c, &rep) != REDIS_OK) {
            rc = context_errno(c);
            break;
        }
        replies[got] = rep;
    }
    give(r, c, rc == 0);
    if (rc < 0)
        while (got > 0)
            freeReplyObject(replies[--got]);
    return rc;
}

/* One command of up to four arguments; the reply in *out. */
static int command(redis_ctx *r, redisReply **out, int argc, const char *a0, const char *a1,
                   const void *a2, size_t len2, const void *a3, size_t len3) {
    const char *argv[4] = {a0, a1, a2, a3};
    size_t lens[4] = {strlen(a0), a1 ? strlen(a1) : 0, len2, len3};
    const char **av = argv;
    const size_t *al = lens;
    int rc = round_trip(r, 1, &argc, &av, &al, out);
    if (rc == 0 && (*out)->type == REDIS_REPLY_ERROR) {
        /* e.g. a value past proto-max-bulk-len, or a server out of memory */
        rc = strstr((*out)->str, "maximum allowed size") ? -EFBIG : -EIO;
        freeReplyObject(*out);
        *out = NULL;
    }
    return rc;
}

static ssize_t r_size(void *ctx, const char *ukey) {
    char *k = redis_key(ukey, 'v');
    if (!k)
        return -EINVAL;
    /* EXISTS and STRLEN in one round trip: STRLEN alone says 0 for none */
    const char *a1[2] = {"EXISTS", k}, *a2[2] = {"STRLEN", k};
    size_t l1[2] = {6, strlen(k)}, l2[2] = {6, strlen(k)};
    const char **argv[2] = {a1, a2};
    const size_t *lens[2] = {l1, l2};
    int argc[2] = {2, 2};
    redisReply *rep[2];
    ssize_t rc = round_trip(ctx, 2, argc, argv, lens, rep);
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
    char *k = redis_key(ukey, 'v');
    if (!k)
        return -EINVAL;
    redisReply *rep;
    ssize_t rc = command(ctx, &rep, 2, "GET", k, NULL, 0, NULL, 0);
    free(k);
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
    char *k = redis_key(ukey, 'v');
    if (!k)
        return -EINVAL;
    redisReply *rep;
    int rc = command(ctx, &rep, 3, "SET", k, data ? data : "", len, NULL, 0);
    free(k);
    if (rc == 0)
        freeReplyObject(rep);
    return rc;
}

static int r_set_range(void *ctx, const char *ukey, size_t off, const void *data, size_t len) {
    char *k = redis_key(ukey, 'v'), offset[24];
    if (!k)
        return -EINVAL;
    snprintf(offset, sizeof offset, "%zu", off);
    redisReply *rep;
    int rc = command(ctx, &rep, 4, "SETRANGE", k, offset, strlen(offset), data ? data : "", len);
    free(k);
    if (rc == 0)
        freeReplyObject(rep);
    return rc;
}

static int r_append(void *ctx, const char *ukey, const void *data, size_t len) {
    char *k = redis_key(ukey, 'l');
    if (!k)
        return -EINVAL;
    redisReply *rep;
    int rc = command(ctx, &rep, 3, "RPUSH", k, data ? data : "", len, NULL, 0);
    free(k);
    if (rc == 0)
        freeReplyObject(rep);
    return rc;
}

static ssize_t r_read_list(void *ctx, const char *ukey, size_t n, void *buf, size_t cap) {
    if (n == 0)
        return 0;
    if (n > (size_t)LONG_MAX)
        return -ENODATA;
    char *k = redis_key(ukey, 'l'), last[24];
    if (!k)
        return -EINVAL;
    snprintf(last, sizeof last, "%zu", n - 1);
    redisReply *rep;
    ssize_t rc = command(ctx, &rep, 4, "LRANGE", k, "0", 1, last, strlen(last));
    free(k);
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
    char *k = redis_key(ukey, 'l');
    if (!k)
        return -EINVAL;
    redisReply *rep;
    int rc = command(ctx, &rep, 2, "DEL", k, NULL, 0, NULL, 0);
    free(k);
    if (rc == 0)
        freeReplyObject(rep);
    return rc;
}

/* Parses redis://HOST[:PORT][/DB] into r.  0 or -1 with a message. */
static int parse_url(const char *url, redis_ctx *r, char *err, size_t errlen) {
    const char *p = url;
    if (strncmp(p, "redis://", 8)) {
        snprintf(err, errlen, "%s: want redis://HOST[:PORT][/DB]", url);
        return -1;
    }
    p += 8;
    size_t hl = strcspn(p, ":/");
    if (hl == 0 || hl >= sizeof r->host) {
        snprintf(err, errlen, "%s: no host (want redis://HOST[:PORT][/DB])", url);
        return -1;
    }
    memcpy(r->host, p, hl);
    r->host[hl] = 0;
    p += hl;
    r->port = 6379;
    char *end;
    if (*p == ':') {
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port < 1 || port > 65535 || (*end && *end != '/')) {
            snprintf(err, errlen, "%s: bad port", url);
            return -1;
        }
        r->port = (int)port;
        p = end;
    }
    if (*p == '/' && p[1]) {
        long db = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end || db < 0 || db > 65535) {
            snprintf(err, errlen, "%s: bad database number", url);
            return -1;
        }
        r->db = (unsigned)db;
    } else if (*p && strcmp(p, "/")) {
        snprintf(err, errlen, "%s: want redis://HOST[:PORT][/DB]", url);
        return -1;
    }
    return 0;
}

int fl_global_redis_open(const char *url, unsigned timeout_ms, fl_global_tier *out, char *err,
                         size_t errlen) {
    redis_ctx *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (parse_url(url, r, err, errlen) < 0) {
        free(r);
        return -1;
    }
    if (!timeout_ms)
        timeout_ms = DEFAULT_TIMEOUT_MS;
    r->timeout.tv_sec = timeout_ms / 1000;
    r->timeout.tv_usec = (timeout_ms % 1000) * 1000;
    pthread_mutex_init(&r->mu, NULL);
    *out = (fl_global_tier){.ctx = r,
                            .size = r_size,
                            .get = r_get,
                            .set = r_set,
                            .set_range = r_set_range,
                            .append = r_append,
                            .read_list = r_read_list,
                            .clear_list = r_clear_list};
    return 0;
}

int fl_global_redis_ping(const fl_global_tier *g) {
    redis_ctx *r = g->ctx;
    redisReply *rep;
    int rc = command(r, &rep, 1, "PING", NULL, NULL, 0, NULL, 0);
    if (rc == 0)
        freeReplyObject(rep);
    return rc;
}

void fl_global_redis_free(fl_global_tier *g) {
    redis_ctx *r = g ? g->ctx : NULL;
    if (!r)
        return;
    while (r->nidle)
        redisFree(r->idle[--r->nidle]);
    pthread_mutex_destroy(&r->mu);
    free(r);
    g->ctx = NULL;
}
