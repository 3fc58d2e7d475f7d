/*
 * calls.c: calls handed from host to host through the stream fl:calls and
 * its consumer group "hosts" (cluster.h).
 *
 * An entry's fields: id (decimal), user, func, python ("0"/"1"), entry,
 * input, timeout_ms, max_memory_mib, and for chained calls func_ptr,
 * depth, max_depth, tree, max_calls (missing: 0).  A result is one element pushed to
 * fl:res:ID: "FLR1", then little-endian u32 outcome, i32 retval, u64
 * log_dropped, and four u64-length-prefixed fields: output, error, log,
 * host.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/cluster_int.h"

#define STREAM "fl:calls"
#define GROUP "hosts"
#define WAIT_SLICE_MS 250u /* BLPOP's own timeout at most: how often a waiter's cancel is read */
#define LOST_CHECK_EVERY 4 /* empty waits between two looks for a lost call (~1 s) */
#define HOSTNO_BITS 16

int fl_cluster_new_id(fl_cluster *c, uint64_t *id) {
    uint64_t no = atomic_load(&c->hostno);
    if (!no) {
        fl_redis_cmd cmd;
        fl_redis_cmd_strs(&cmd, "INCR", "fl:hostno", NULL);
        redisReply *rep;
        int rc = fl_redis_command(c->redis, &cmd, &rep);
        if (rc < 0)
            return rc;
        if (rep->type != REDIS_REPLY_INTEGER) {
            freeReplyObject(rep);
            return -EIO;
        }
        /* numbers wrap after 65,535 hosts joined; 0 is never one */
        uint64_t got = (uint64_t)rep->integer % ((1u << HOSTNO_BITS) - 1) + 1;
        freeReplyObject(rep);
        uint64_t none = 0;
        if (!atomic_compare_exchange_strong(&c->hostno, &none, got))
            got = none; /* another thread was first */
        no = got;
    }
    uint64_t n = atomic_fetch_add(&c->seq, 1) + 1;
    *id = no << (64 - HOSTNO_BITS) | (n & ((UINT64_C(1) << (64 - HOSTNO_BITS)) - 1));
    return 0;
}

int fl_cluster_count(fl_cluster *c, uint64_t tree, unsigned n, unsigned limit, unsigned ttl_ms) {
    char key[48], by[16], ttl[16];
    snprintf(key, sizeof key, "fl:tree:%" PRIu64, tree);
    snprintf(by, sizeof by, "%u", n);
    snprintf(ttl, sizeof ttl, "%u", ttl_ms ? ttl_ms : 1);
    fl_redis_cmd cmds[2];
    fl_redis_cmd_strs(&cmds[0], "INCRBY", key, by, NULL);
    fl_redis_cmd_strs(&cmds[1], "PEXPIRE", key, ttl, NULL);
    redisReply *rep[2];
    int rc = fl_redis_request(c->redis, 2, cmds, rep);
    if (rc < 0)
        return rc;
    if (rep[0]->type != REDIS_REPLY_INTEGER)
        rc = -EIO;
    else if (rep[0]->integer > (long long)limit)
        rc = -EDQUOT;
    freeReplyObject(rep[0]);
    freeReplyObject(rep[1]);
    return rc;
}

void fl_cluster_call_free(fl_cluster_call *call) {
    free(call->input);
    call->input = NULL;
    call->len = 0;
}

void fl_cluster_result_free(fl_cluster_result *r) {
    free(r->output);
    free(r->error);
    free(r->log);
    memset(r, 0, sizeof *r);
}

int fl_cluster_send(fl_cluster *c, fl_cluster_call *call) {
    char id[24], python[2] = {call->python ? '1' : '0', 0}, timeout[16], memory[16], ptr[16],
        depth[16], max_depth[16], tree[24], calls[16];
    snprintf(id, sizeof id, "%" PRIu64, call->id);
    snprintf(timeout, sizeof timeout, "%u", call->timeout_ms);
    snprintf(memory, sizeof memory, "%u", call->max_memory_mib);
    snprintf(ptr, sizeof ptr, "%" PRId32, call->func_ptr);
    snprintf(depth, sizeof depth, "%u", call->depth);
    snprintf(max_depth, sizeof max_depth, "%u", call->max_depth);
    snprintf(tree, sizeof tree, "%" PRIu64, call->tree);
    snprintf(calls, sizeof calls, "%u", call->max_calls);
    fl_redis_cmd cmd;
    fl_redis_cmd_strs(&cmd, "XADD", STREAM, "*", "id", id, "user", call->user, "func", call->func,
                      "python", python, "entry", call->entry, "timeout_ms", timeout,
                      "max_memory_mib", memory, "func_ptr", ptr, "depth", depth, "max_depth",
                      max_depth, "tree", tree, "max_calls", calls, "input", NULL);
    fl_redis_cmd_arg(&cmd, call->input, call->len);
    redisReply *rep;
    int rc = fl_redis_command(c->redis, &cmd, &rep);
    if (rc < 0)
        return rc;
    if (rep->type == REDIS_REPLY_STRING && (size_t)rep->len < sizeof call->stream_id)
        snprintf(call->stream_id, sizeof call->stream_id, "%s", rep->str);
    else
        rc = -EIO;
    freeReplyObject(rep);
    return rc;
}

/* The consumer group, made once (again after Redis lost it). */
static int make_group(fl_cluster *c) {
    fl_redis_cmd cmd;
    fl_redis_cmd_strs(&cmd, "XGROUP", "CREATE", STREAM, GROUP, "0", "MKSTREAM", NULL);
    redisReply *rep;
    int rc = fl_redis_command_raw(c->redis, &cmd, &rep);
    if (rc < 0)
        return rc;
    /* BUSYGROUP: it was there */
    if (rep->type == REDIS_REPLY_ERROR && !strstr(rep->str, "BUSYGROUP"))
        rc = -EIO;
    freeReplyObject(rep);
    if (rc == 0)
        atomic_store(&c->group_made, true);
    return rc;
}

/* A field of an entry's flat field/value array, or NULL. */
static const redisReply *field(const redisReply *fields, const char *name) {
    for (size_t i = 0; i + 1 < fields->elements; i += 2)
        if (fields->element[i]->type == REDIS_REPLY_STRING && !strcmp(fields->element[i]->str, name))
            return fields->element[i + 1];
    return NULL;
}

static bool copy_field(const redisReply *fields, const char *name, char *out, size_t size) {
    const redisReply *f = field(fields, name);
    if (!f || f->type != REDIS_REPLY_STRING || (size_t)f->len >= size)
        return false;
    memcpy(out, f->str, (size_t)f->len);
    out[f->len] = 0;
    return true;
}

/* One stream entry [id, [field, value, ...]] into *call.  0 or -EIO. */
static int parse_entry(const redisReply *e, fl_cluster_call *call) {
    memset(call, 0, sizeof *call);
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING ||
        e->element[1]->type != REDIS_REPLY_ARRAY || (size_t)e->element[0]->len >= sizeof call->stream_id)
        return -EIO;
    snprintf(call->stream_id, sizeof call->stream_id, "%s", e->element[0]->str);
    const redisReply *f = e->element[1];
    char id[24], python[4], timeout[16], memory[16], ptr[16] = "0", depth[16] = "0",
        max_depth[16] = "0", tree[24] = "0", calls[16] = "0";
    if (!copy_field(f, "id", id, sizeof id) ||
        !copy_field(f, "user", call->user, sizeof call->user) ||
        !copy_field(f, "func", call->func, sizeof call->func) ||
        !copy_field(f, "python", python, sizeof python) ||
        !copy_field(f, "entry", call->entry, sizeof call->entry) ||
        !copy_field(f, "timeout_ms", timeout, sizeof timeout) ||
        !copy_field(f, "max_memory_mib", memory, sizeof memory))
        return -EIO;
    /* the chained call's fields are optional: what a forger leaves out is 0 */
    if ((field(f, "func_ptr") && !copy_field(f, "func_ptr", ptr, sizeof ptr)) ||
        (field(f, "depth") && !copy_field(f, "depth", depth, sizeof depth)) ||
        (field(f, "max_depth") && !copy_field(f, "max_depth", max_depth, sizeof max_depth)) ||
        (field(f, "tree") && !copy_field(f, "tree", tree, sizeof tree)) ||
        (field(f, "max_calls") && !copy_field(f, "max_calls", calls, sizeof calls)))
        return -EIO;
    char *end;
    errno = 0;
    call->id = strtoull(id, &end, 10);
    if (!call->id || *end || errno)
        return -EIO;
    call->python = python[0] == '1';
    call->timeout_ms = (unsigned)strtoul(timeout, NULL, 10);
    call->max_memory_mib = (unsigned)strtoul(memory, NULL, 10);
    long p = strtol(ptr, NULL, 10);
    call->func_ptr = p > 0 && p <= INT32_MAX ? (int32_t)p : 0;
    call->depth = (unsigned)strtoul(depth, NULL, 10);
    call->max_depth = (unsigned)strtoul(max_depth, NULL, 10);
    call->tree = strtoull(tree, NULL, 10);
    call->max_calls = (unsigned)strtoul(calls, NULL, 10);
    const redisReply *in = field(f, "input");
    if (!in || in->type != REDIS_REPLY_STRING)
        return -EIO;
    if (in->len) {
        if (!(call->input = malloc((size_t)in->len)))
            return -ENOMEM;
        memcpy(call->input, in->str, (size_t)in->len);
    }
    call->len = (size_t)in->len;
    return 0;
}

/* An entry that cannot be read is acknowledged and dropped, so that it is
 * not handed out again and again. */
static void drop_entry(fl_cluster *c, const char *stream_id) {
    fl_redis_cmd cmds[2];
    fl_redis_cmd_strs(&cmds[0], "XACK", STREAM, GROUP, stream_id, NULL);
    fl_redis_cmd_strs(&cmds[1], "XDEL", STREAM, stream_id, NULL);
    redisReply *rep[2];
    if (fl_redis_request(c->redis, 2, cmds, rep) == 0) {
        freeReplyObject(rep[0]);
        freeReplyObject(rep[1]);
    }
}

/* An entry handed to this host into *call; one that cannot be read is
 * dropped.  0 or -errno (*call empty). */
static int take_entry(fl_cluster *c, const redisReply *e, fl_cluster_call *call) {
    int rc = parse_entry(e, call);
    if (rc == -EIO && e->type == REDIS_REPLY_ARRAY && e->elements >= 1 &&
        e->element[0]->type == REDIS_REPLY_STRING)
        drop_entry(c, e->element[0]->str);
    if (rc < 0)
        fl_cluster_call_free(call);
    return rc;
}

int fl_cluster_receive(fl_cluster *c, unsigned block_ms, fl_cluster_call *call) {
    if (!c->joined)
        return -EINVAL;
    if (!atomic_load(&c->group_made)) {
        int rc = make_group(c);
        if (rc < 0)
            return rc;
    }
    char block[16];
    if (block_ms > fl_redis_timeout_ms(c->redis) / 2) /* a wait, not a timeout */
        block_ms = fl_redis_timeout_ms(c->redis) / 2;
    snprintf(block, sizeof block, "%u", block_ms);
    fl_redis_cmd cmd;
    fl_redis_cmd_strs(&cmd, "XREADGROUP", "GROUP", GROUP, c->host, "COUNT", "1", "BLOCK", block,
                      "STREAMS", STREAM, ">", NULL);
    redisReply *rep;
    int rc = fl_redis_command_raw(c->redis, &cmd, &rep);
    if (rc < 0)
        return rc;
    if (rep->type == REDIS_REPLY_ERROR) {
        /* NOGROUP: Redis restarted without it */
        if (strstr(rep->str, "NOGROUP"))
            atomic_store(&c->group_made, false);
        freeReplyObject(rep);
        return -EIO;
    }
    rc = -EAGAIN;
    /* [[stream, [[id, fields]]]] */
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
        rep->element[0]->type == REDIS_REPLY_ARRAY && rep->element[0]->elements == 2 &&
        rep->element[0]->element[1]->type == REDIS_REPLY_ARRAY &&
        rep->element[0]->element[1]->elements == 1) {
        rc = take_entry(c, rep->element[0]->element[1]->element[0], call);
    }
    freeReplyObject(rep);
    return rc;
}

int fl_cluster_reclaim(fl_cluster *c, unsigned min_idle_ms, fl_cluster_call *call) {
    if (!c->joined)
        return -EINVAL;
    char idle[16];
    snprintf(idle, sizeof idle, "%u", min_idle_ms);
    fl_redis_cmd cmd;
    fl_redis_cmd_strs(&cmd, "XAUTOCLAIM", STREAM, GROUP, c->host, idle, "0-0", "COUNT", "1", NULL);
    redisReply *rep;
    int rc = fl_redis_command(c->redis, &cmd, &rep);
    if (rc < 0) {
        if (rc == -EIO)
            atomic_store(&c->group_made, false);
        return rc;
    }
    rc = -EAGAIN;
    /* [next-start, [[id, fields] ...], [deleted ids]] */
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements >= 2 &&
        rep->element[1]->type == REDIS_REPLY_ARRAY && rep->element[1]->elements >= 1) {
        rc = take_entry(c, rep->element[1]->element[0], call);
    }
    freeReplyObject(rep);
    return rc;
}

int fl_cluster_touch(fl_cluster *c, const fl_cluster_call *call) {
    fl_redis_cmd cmd;
    fl_redis_cmd_strs(&cmd, "XCLAIM", STREAM, GROUP, c->host, "0", call->stream_id, "JUSTID", NULL);
    redisReply *rep;
    int rc = fl_redis_command(c->redis, &cmd, &rep);
    if (rc == 0)
        freeReplyObject(rep);
    return rc;
}

/* ---- who runs a chained call ---- */

static int set_claim(fl_cluster *c, const fl_cluster_call *call, bool only_first) {
    char key[48], ttl[16];
    snprintf(key, sizeof key, "fl:run:%" PRIu64, call->id);
    snprintf(ttl, sizeof ttl, "%u", FL_CLUSTER_RESULT_TTL_S * 1000u);
    fl_redis_cmd cmd;
    fl_redis_cmd_strs(&cmd, "SET", key, c->host[0] ? c->host : "?", "PX", ttl,
                      only_first ? "NX" : NULL, NULL);
    redisReply *rep;
    int rc = fl_redis_command(c->redis, &cmd, &rep);
    if (rc < 0)
        return rc;
    /* NX: nil when another claimed it first */
    rc = rep->type == REDIS_REPLY_STATUS ? 0 : rep->type == REDIS_REPLY_NIL ? -EBUSY : -EIO;
    freeReplyObject(rep);
    return rc;
}

int fl_cluster_claim(fl_cluster *c, const fl_cluster_call *call, bool taken_over) {
    return set_claim(c, call, !taken_over);
}

int fl_cluster_take_back(fl_cluster *c, const fl_cluster_call *call) {
    int rc = set_claim(c, call, true);
    if (rc == 0) /* ours now: no host is handed it any more */
        drop_entry(c, call->stream_id);
    return rc;
}

int fl_cluster_drop(fl_cluster *c, const fl_cluster_call *call) {
    drop_entry(c, call->stream_id);
    return 0;
}

/* ---- results ---- */

static void put_u64(uint8_t **p, uint64_t v) {
    memcpy(*p, &v, 8);
    *p += 8;
}

static void put_field(uint8_t **p, const void *bytes, size_t len) {
    put_u64(p, len);
    if (len)
        memcpy(*p, bytes, len);
    *p += len;
}

int fl_cluster_finish(fl_cluster *c, const fl_cluster_call *call, const fl_cluster_result *r) {
    size_t elen = r->error ? strlen(r->error) : 0, hlen = strlen(c->host);
    size_t size = 4 + 4 + 4 + 8 + 4 * 8 + r->output_len + elen + r->log_len + hlen;
    uint8_t *blob = malloc(size), *p = blob;
    if (!blob)
        return -ENOMEM;
    memcpy(p, "FLR1", 4);
    p += 4;
    uint32_t outcome = (uint32_t)r->outcome;
    int32_t retval = r->retval;
    memcpy(p, &outcome, 4);
    memcpy(p + 4, &retval, 4);
    p += 8;
    put_u64(&p, r->log_dropped);
    put_field(&p, r->output, r->output_len);
    put_field(&p, r->error, elen);
    put_field(&p, r->log, r->log_len);
    put_field(&p, c->host, hlen);
    char key[48], ttl[16];
    snprintf(key, sizeof key, "fl:res:%" PRIu64, call->id);
    snprintf(ttl, sizeof ttl, "%u", FL_CLUSTER_RESULT_TTL_S);
    fl_redis_cmd cmds[4];
    fl_redis_cmd_strs(&cmds[0], "RPUSH", key, NULL);
    fl_redis_cmd_arg(&cmds[0], blob, (size_t)(p - blob));
    fl_redis_cmd_strs(&cmds[1], "EXPIRE", key, ttl, NULL);
    fl_redis_cmd_strs(&cmds[2], "XACK", STREAM, GROUP, call->stream_id, NULL);
    fl_redis_cmd_strs(&cmds[3], "XDEL", STREAM, call->stream_id, NULL);
    redisReply *rep[4];
    int rc = fl_redis_request(c->redis, 4, cmds, rep);
    for (int i = 0; rc == 0 && i < 4; i++)
        freeReplyObject(rep[i]);
    free(blob);
    return rc;
}

/* Reads a field of a result blob; false when it is cut short. */
static bool get_field(const uint8_t **p, const uint8_t *end, uint8_t **out, size_t *len, bool text) {
    uint64_t n;
    if (end - *p < 8)
        return false;
    memcpy(&n, *p, 8);
    *p += 8;
    if ((uint64_t)(end - *p) < n)
        return false;
    *out = NULL;
    *len = (size_t)n;
    if (n || text) {
        if (!(*out = malloc((size_t)n + 1)))
            return false;
        memcpy(*out, *p, (size_t)n);
        (*out)[n] = 0;
    }
    *p += n;
    return true;
}

static int parse_result(const redisReply *e, fl_cluster_result *r) {
    memset(r, 0, sizeof *r);
    if (e->type != REDIS_REPLY_STRING || e->len < 20 || memcmp(e->str, "FLR1", 4))
        return -EIO;
    const uint8_t *p = (const uint8_t *)e->str + 4, *end = (const uint8_t *)e->str + e->len;
    uint32_t outcome;
    int32_t retval;
    uint64_t dropped;
    memcpy(&outcome, p, 4);
    memcpy(&retval, p + 4, 4);
    memcpy(&dropped, p + 8, 8);
    p += 16;
    r->outcome = (int)outcome;
    r->retval = retval;
    r->log_dropped = dropped;
    uint8_t *error = NULL, *host = NULL;
    size_t elen, hlen;
    bool ok = get_field(&p, end, &r->output, &r->output_len, false) &&
              get_field(&p, end, &error, &elen, false) &&
              get_field(&p, end, &r->log, &r->log_len, false) &&
              get_field(&p, end, &host, &hlen, true);
    if (error) {
        /* text: re-terminated (get_field keeps one byte spare) */
        r->error = (char *)error;
        r->error[elen] = 0;
    }
    if (host)
        snprintf(r->host, sizeof r->host, "%s", (char *)host);
    free(host);
    if (!ok) {
        fl_cluster_result_free(r);
        return -EIO;
    }
    return 0;
}

static unsigned long long mono_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (unsigned long long)t.tv_sec * 1000u + (unsigned long long)t.tv_nsec / 1000000u;
}

/* Whether a call still waits somewhere: its entry in the stream, or its
 * result in its list.  1, 0 (lost), or -errno. */
static int still_there(fl_cluster *c, const fl_cluster_call *call, const char *key) {
    fl_redis_cmd cmds[2];
    fl_redis_cmd_strs(&cmds[0], "XRANGE", STREAM, call->stream_id, call->stream_id, NULL);
    fl_redis_cmd_strs(&cmds[1], "LLEN", key, NULL);
    redisReply *rep[2];
    int rc = fl_redis_request(c->redis, 2, cmds, rep);
    if (rc < 0)
        return rc;
    /* the runner pushes the result before it deletes the entry: never neither */
    rc = (rep[0]->type == REDIS_REPLY_ARRAY && rep[0]->elements > 0) ||
         (rep[1]->type == REDIS_REPLY_INTEGER && rep[1]->integer > 0);
    freeReplyObject(rep[0]);
    freeReplyObject(rep[1]);
    return rc;
}

int fl_cluster_wait(fl_cluster *c, const fl_cluster_call *call, unsigned timeout_ms,
                    const volatile int *cancel, fl_cluster_result *r) {
    char key[48], slice[16];
    snprintf(key, sizeof key, "fl:res:%" PRIu64, call->id);
    /* BLPOP's own timeout well within the connection's deadline */
    unsigned most_ms = fl_redis_timeout_ms(c->redis) / 2;
    if (most_ms > WAIT_SLICE_MS)
        most_ms = WAIT_SLICE_MS;
    unsigned long long end = timeout_ms ? mono_ms() + timeout_ms : 0;
    unsigned empty = 0;
    for (;;) {
        if (cancel && *cancel)
            return -ECANCELED;
        unsigned slice_ms = most_ms;
        if (end) {
            unsigned long long now = mono_ms();
            if (now >= end)
                return -ETIMEDOUT;
            if (end - now < slice_ms)
                slice_ms = end - now < 10 ? 10 : (unsigned)(end - now);
        }
        snprintf(slice, sizeof slice, "%u.%03u", slice_ms / 1000, slice_ms % 1000);
        fl_redis_cmd cmd;
        fl_redis_cmd_strs(&cmd, "BLPOP", key, slice, NULL);
        redisReply *rep;
        int rc = fl_redis_command(c->redis, &cmd, &rep);
        if (rc == -ECONNREFUSED || rc == -ECONNRESET || rc == -ETIMEDOUT) {
            /* Redis away: keep waiting (the result may be kept there) */
            struct timespec t = {0, 200 * 1000000L};
            nanosleep(&t, NULL);
        } else if (rc < 0) {
            return rc;
        } else {
            if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2) {
                rc = parse_result(rep->element[1], r);
                freeReplyObject(rep);
                return rc;
            }
            freeReplyObject(rep);
            /* nothing yet: is the call still anywhere? */
            if (++empty % LOST_CHECK_EVERY == 0 && still_there(c, call, key) == 0)
                return -ENOENT;
        }
        if (end && mono_ms() >= end)
            return -ETIMEDOUT;
    }
}
