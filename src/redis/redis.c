/*
 * redis.c: the pooled, deadline-bound Redis connection of redis.h.
 */
#include "redis/redis.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#define DEFAULT_TIMEOUT_MS 2000u
#define MAX_IDLE 64 /* idle connections kept */

struct fl_redis {
    char host[256];
    int port;
    unsigned db;
    char where[300];
    struct timeval timeout;
    pthread_mutex_t mu;
    redisContext *idle[MAX_IDLE];
    int nidle;
};

void fl_redis_cmd_strs(fl_redis_cmd *cmd, const char *arg0, ...) {
    cmd->argc = 0;
    va_list ap;
    va_start(ap, arg0);
    for (const char *a = arg0; a && cmd->argc < FL_REDIS_MAX_ARGS; a = va_arg(ap, const char *)) {
        cmd->argv[cmd->argc] = a;
        cmd->len[cmd->argc++] = strlen(a);
    }
    va_end(ap);
}

void fl_redis_cmd_arg(fl_redis_cmd *cmd, const void *bytes, size_t len) {
    if (cmd->argc == FL_REDIS_MAX_ARGS)
        return;
    cmd->argv[cmd->argc] = len ? bytes : "";
    cmd->len[cmd->argc++] = len;
}

int fl_redis_context_errno(const redisContext *c) {
    if (!c)
        return -ENOMEM;
    switch (c->err) {
    case REDIS_ERR_IO:
        if (strstr(c->errstr, "refused"))
            return -ECONNREFUSED;
        if (strstr(c->errstr, "timed out") || strstr(c->errstr, "temporarily unavailable"))
            return -ETIMEDOUT;
        if (strstr(c->errstr, "reset") || strstr(c->errstr, "Broken pipe"))
            return -ECONNRESET;
        return -EIO;
    case REDIS_ERR_EOF:
        return -ECONNRESET;
    case REDIS_ERR_OOM:
        return -ENOMEM;
    default:
        return -EIO;
    }
}

redisContext *fl_redis_connect(fl_redis *r, int *rc) {
    redisContext *c = redisConnectWithTimeout(r->host, r->port, r->timeout);
    if (!c || c->err || redisSetTimeout(c, r->timeout) != REDIS_OK) {
        *rc = fl_redis_context_errno(c);
        if (c)
            redisFree(c);
        return NULL;
    }
    /* small requests go out at once, not after the last one's ACK */
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (r->db) {
        redisReply *rep = redisCommand(c, "SELECT %u", r->db);
        bool ok = rep && rep->type == REDIS_REPLY_STATUS;
        *rc = rep ? -EIO : fl_redis_context_errno(c);
        freeReplyObject(rep);
        if (!ok) {
            redisFree(c);
            return NULL;
        }
    }
    return c;
}

/* A pooled connection (*pooled set), else a new one. */
static redisContext *take(fl_redis *r, int *rc, bool *pooled) {
    pthread_mutex_lock(&r->mu);
    redisContext *c = r->nidle ? r->idle[--r->nidle] : NULL;
    pthread_mutex_unlock(&r->mu);
    *pooled = c != NULL;
    return c ? c : fl_redis_connect(r, rc);
}

/* Frees every pooled connection: after one was found closed (a server
 * that restarted closed them all). */
static void drop_idle(fl_redis *r) {
    pthread_mutex_lock(&r->mu);
    while (r->nidle)
        redisFree(r->idle[--r->nidle]);
    pthread_mutex_unlock(&r->mu);
}

/* Gives c back: pooled when healthy, else freed. */
static void give(fl_redis *r, redisContext *c, bool healthy) {
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

static int request(fl_redis *r, int n, const fl_redis_cmd *cmds, redisReply **replies,
                   bool errors_fail) {
    int rc = 0, got = 0;
    bool pooled;
    redisContext *c = take(r, &rc, &pooled);
    if (!c)
        return rc;
    for (int attempt = 0;; attempt++) {
        for (int i = 0; i < n; i++)
            redisAppendCommandArgv(c, cmds[i].argc, (const char **)cmds[i].argv, cmds[i].len);
        for (; got < n; got++) {
            void *rep = NULL;
            if (redisGetReply(c, &rep) != REDIS_OK) {
                rc = fl_redis_context_errno(c);
                break;
            }
            replies[got] = rep;
        }
        /* a pooled connection the server closed while it was idle (it
         * restarted): nothing was answered, so once more on a new one */
        if (!(rc == -ECONNRESET && got == 0 && pooled && attempt == 0))
            break;
        redisFree(c);
        drop_idle(r);
        pooled = false;
        rc = 0;
        if (!(c = fl_redis_connect(r, &rc)))
            return rc;
    }
    /* every reply was read: the connection is in step even after an error reply */
    give(r, c, rc == 0);
    for (int i = 0; errors_fail && rc == 0 && i < got; i++)
        if (replies[i]->type == REDIS_REPLY_ERROR)
            rc = strstr(replies[i]->str, "maximum allowed size") ? -EFBIG : -EIO;
    if (rc < 0)
        while (got > 0)
            freeReplyObject(replies[--got]);
    return rc;
}

int fl_redis_request(fl_redis *r, int n, const fl_redis_cmd *cmds, redisReply **replies) {
    return request(r, n, cmds, replies, true);
}

int fl_redis_command(fl_redis *r, const fl_redis_cmd *cmd, redisReply **reply) {
    return request(r, 1, cmd, reply, true);
}

int fl_redis_command_raw(fl_redis *r, const fl_redis_cmd *cmd, redisReply **reply) {
    return request(r, 1, cmd, reply, false);
}

/* Parses redis://HOST[:PORT][/DB] into r.  0 or -1 with a message. */
static int parse_url(const char *url, fl_redis *r, char *err, size_t errlen) {
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

fl_redis *fl_redis_open(const char *url, unsigned timeout_ms, char *err, size_t errlen) {
    fl_redis *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (parse_url(url, r, err, errlen) < 0) {
        free(r);
        return NULL;
    }
    if (!timeout_ms)
        timeout_ms = DEFAULT_TIMEOUT_MS;
    r->timeout.tv_sec = timeout_ms / 1000;
    r->timeout.tv_usec = (timeout_ms % 1000) * 1000;
    snprintf(r->where, sizeof r->where, "%s:%d", r->host, r->port);
    pthread_mutex_init(&r->mu, NULL);
    return r;
}

void fl_redis_close(fl_redis *r) {
    if (!r)
        return;
    while (r->nidle)
        redisFree(r->idle[--r->nidle]);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

const char *fl_redis_where(const fl_redis *r) { return r->where; }

unsigned fl_redis_timeout_ms(const fl_redis *r) {
    return (unsigned)(r->timeout.tv_sec * 1000 + r->timeout.tv_usec / 1000);
}
