/*
 * registry.c: functions and shared files kept in Redis and announced on
 * fl:uploads (cluster.h), and the thread that watches the announcements.
 *
 * An announcement is "KIND\nSHA\nUSER\nNAME": the name last, so that a
 * shared path may hold anything but a NUL.
 */
#include "cluster/cluster_int.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>


#define CHANNEL "fl:uploads"
#define WATCH_SLICE_MS 500 /* how often the watcher looks at its stop flag, or retries */

static const char *const KIND_NAMES[] = {"wasm", "py", "file"};

void fl_cluster_hash(const uint8_t *bytes, size_t len, char sha[FL_CLUSTER_SHA_HEX]) {
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(len ? bytes : (const uint8_t *)"", len, md, &mdlen, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(sha + 2 * i, 3, "%02x", md[i]);
}

/* The Redis key of an upload (malloc'd), or NULL. */
static char *upload_key(fl_cluster_kind kind, const char *user, const char *name) {
    char *k = NULL;
    int n = kind == FL_CLUSTER_FILE
                ? asprintf(&k, "fl:file:%s", name)
                : asprintf(&k, "fl:fn:{%s}:%s:%s", user, KIND_NAMES[kind], name);
    return n < 0 ? NULL : k;
}

fl_cluster *fl_cluster_open(const char *url, unsigned timeout_ms, char *err, size_t errlen) {
    fl_cluster *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!(c->redis = fl_redis_open(url, timeout_ms, err, errlen))) {
        free(c);
        return NULL;
    }
    return c;
}

int fl_cluster_put(fl_cluster *c, fl_cluster_kind kind, const char *user, const char *name,
                   const uint8_t *bytes, size_t len) {
    char sha[FL_CLUSTER_SHA_HEX], *key = upload_key(kind, user, name), *note = NULL;
    if (!key)
        return -ENOMEM;
    fl_cluster_hash(bytes, len, sha);
    if (asprintf(&note, "%s\n%s\n%s\n%s", KIND_NAMES[kind], sha, user ? user : "", name) < 0) {
        free(key);
        return -ENOMEM;
    }
    /* the hash whole, the path listed, the announcement: one round trip */
    fl_redis_cmd cmds[3];
    int n = 0;
    fl_redis_cmd_strs(&cmds[n], "HSET", key, "sha", sha, "bytes", NULL);
    fl_redis_cmd_arg(&cmds[n++], bytes, len);
    if (kind == FL_CLUSTER_FILE)
        fl_redis_cmd_strs(&cmds[n++], "SADD", "fl:files", name, NULL);
    fl_redis_cmd_strs(&cmds[n++], "PUBLISH", CHANNEL, note, NULL);
    redisReply *rep[3];
    int rc = fl_redis_request(c->redis, n, cmds, rep);
    for (int i = 0; rc == 0 && i < n; i++)
        freeReplyObject(rep[i]);
    free(key);
    free(note);
    return rc;
}

/* HMGET key sha [bytes]: 0 with the replies' strings, -ENOENT or -errno. */
static int fetch(fl_cluster *c, fl_cluster_kind kind, const char *user, const char *name,
                 bool with_bytes, uint8_t **bytes, size_t *len, char sha[FL_CLUSTER_SHA_HEX]) {
    char *key = upload_key(kind, user, name);
    if (!key)
        return -ENOMEM;
    fl_redis_cmd cmd;
    fl_redis_cmd_strs(&cmd, "HMGET", key, "sha", with_bytes ? "bytes" : NULL, NULL);
    redisReply *rep;
    int rc = fl_redis_command(c->redis, &cmd, &rep);
    free(key);
    if (rc < 0)
        return rc;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != (with_bytes ? 2u : 1u))
        rc = -EIO;
    else if (rep->element[0]->type == REDIS_REPLY_NIL)
        rc = -ENOENT;
    else if (rep->element[0]->type != REDIS_REPLY_STRING || rep->element[0]->len != 64 ||
             (with_bytes && rep->element[1]->type != REDIS_REPLY_STRING))
        rc = -EIO; /* not one of ours */
    else {
        if (sha)
            memcpy(sha, rep->element[0]->str, FL_CLUSTER_SHA_HEX);
        if (with_bytes) {
            redisReply *b = rep->element[1];
            *len = (size_t)b->len;
            *bytes = b->len ? malloc((size_t)b->len) : NULL;
            if (b->len && !*bytes)
                rc = -ENOMEM;
            else if (b->len)
                memcpy(*bytes, b->str, (size_t)b->len);
        }
    }
    freeReplyObject(rep);
    return rc;
}

int fl_cluster_get(fl_cluster *c, fl_cluster_kind kind, const char *user, const char *name,
                   uint8_t **bytes, size_t *len, char sha[FL_CLUSTER_SHA_HEX]) {
    *bytes = NULL;
    *len = 0;
    return fetch(c, kind, user, name, true, bytes, len, sha);
}

int fl_cluster_sha(fl_cluster *c, fl_cluster_kind kind, const char *user, const char *name,
                   char sha[FL_CLUSTER_SHA_HEX]) {
    return fetch(c, kind, user, name, false, NULL, NULL, sha);
}

int fl_cluster_files(fl_cluster *c, char ***paths, size_t *n) {
    *paths = NULL;
    *n = 0;
    fl_redis_cmd cmd;
    fl_redis_cmd_strs(&cmd, "SMEMBERS", "fl:files", NULL);
    redisReply *rep;
    int rc = fl_redis_command(c->redis, &cmd, &rep);
    if (rc < 0)
        return rc;
    if (rep->type != REDIS_REPLY_ARRAY)
        rc = -EIO;
    else if (rep->elements && !(*paths = calloc(rep->elements, sizeof **paths)))
        rc = -ENOMEM;
    for (size_t i = 0; rc == 0 && i < rep->elements; i++) {
        if (rep->element[i]->type != REDIS_REPLY_STRING)
            continue;
        if (!((*paths)[*n] = strdup(rep->element[i]->str)))
            rc = -ENOMEM;
        else
            (*n)++;
    }
    if (rc < 0) {
        while (*n)
            free((*paths)[--*n]);
        free(*paths);
        *paths = NULL;
    }
    freeReplyObject(rep);
    return rc;
}

/* ---- the watch ---- */

/* Hands one announcement to the callback; malformed ones are ignored. */
static void announce(fl_cluster *c, const char *note) {
    char *copy = strdup(note);
    if (!copy)
        return;
    char *kind = copy, *sha = strchr(kind, '\n'), *user = sha ? strchr(sha + 1, '\n') : NULL;
    char *name = user ? strchr(user + 1, '\n') : NULL;
    if (name) {
        *sha++ = *user++ = *name++ = '\0';
        for (int k = 0; k < 3; k++)
            if (!strcmp(kind, KIND_NAMES[k]) && strlen(sha) == 64)
                c->on_upload(c->ctx, (fl_cluster_kind)k, user, name, sha);
    }
    free(copy);
}

/* One reply of the subscription: an announcement, or the confirmation. */
static void on_reply(fl_cluster *c, redisReply *r) {
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
        r->element[0]->type == REDIS_REPLY_STRING && !strcmp(r->element[0]->str, "message") &&
        r->element[2]->type == REDIS_REPLY_STRING)
        announce(c, r->element[2]->str);
}

static void sleep_slice(void) {
    struct timespec t = {0, WATCH_SLICE_MS * 1000000L};
    nanosleep(&t, NULL);
}

static void *watcher(void *arg) {
    fl_cluster *c = arg;
    bool first = true;
    while (!atomic_load(&c->stop)) {
        int rc = 0;
        redisContext *rc_ctx = fl_redis_connect(c->redis, &rc);
        redisReply *r = rc_ctx ? redisCommand(rc_ctx, "SUBSCRIBE %s", CHANNEL) : NULL;
        if (!r) {
            if (rc_ctx)
                redisFree(rc_ctx);
            sleep_slice();
            continue;
        }
        freeReplyObject(r);
        if (!first) /* back after a gap: what was announced meanwhile is lost */
            c->on_upload(c->ctx, FL_CLUSTER_WASM, "", NULL, "");
        first = false;
        while (!atomic_load(&c->stop)) {
            struct pollfd p = {.fd = rc_ctx->fd, .events = POLLIN};
            /* read only what has come: a reply cut short past the deadline
             * is a lost connection, and a new one is made */
            int n = poll(&p, 1, WATCH_SLICE_MS);
            if (n == 0)
                continue;
            void *reply = NULL;
            if (n < 0 || redisGetReply(rc_ctx, &reply) != REDIS_OK)
                break;
            /* one read may have brought several */
            do {
                on_reply(c, reply);
                freeReplyObject(reply);
                reply = NULL;
            } while (redisGetReplyFromReader(rc_ctx, &reply) == REDIS_OK && reply);
        }
        redisFree(rc_ctx);
    }
    return NULL;
}

int fl_cluster_watch(fl_cluster *c, fl_cluster_on_upload fn, void *ctx) {
    if (c->watching)
        return -EBUSY;
    c->on_upload = fn;
    c->ctx = ctx;
    if (pthread_create(&c->watcher, NULL, watcher, c))
        return -EAGAIN;
    c->watching = true;
    return 0;
}

void fl_cluster_unwatch(fl_cluster *c) {
    if (!c || !c->watching)
        return;
    atomic_store(&c->stop, true);
    pthread_join(c->watcher, NULL);
    c->watching = false;
    atomic_store(&c->stop, false);
}

void fl_cluster_close(fl_cluster *c) {
    if (!c)
        return;
    fl_cluster_unwatch(c);
    fl_cluster_leave(c);
    fl_redis_close(c->redis);
    free(c);
}

const char *fl_cluster_where(const fl_cluster *c) { return fl_redis_where(c->redis); }
