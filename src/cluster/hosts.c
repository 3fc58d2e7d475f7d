/*
 * hosts.c: cluster membership (cluster.h): the heartbeat thread that keeps
 * this host in the hash fl:hosts, counts the live others, and takes this
 * host out when it leaves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/cluster_int.h"

#define BEAT_MS 1000u

static unsigned long long unix_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (unsigned long long)t.tv_sec * 1000u + (unsigned long long)t.tv_nsec / 1000000u;
}

/* One heartbeat: HSET this host, HGETALL every host (one round trip);
 * counts the live others. */
static void beat(fl_cluster *c) {
    char value[64];
    snprintf(value, sizeof value, "%u %u %llu", c->slots, c->load ? c->load(c->load_ctx) : 0,
             unix_ms());
    fl_redis_cmd cmds[2];
    fl_redis_cmd_strs(&cmds[0], "HSET", "fl:hosts", c->host, value, NULL);
    fl_redis_cmd_strs(&cmds[1], "HGETALL", "fl:hosts", NULL);
    redisReply *rep[2];
    if (fl_redis_request(c->redis, 2, cmds, rep) < 0)
        return;
    unsigned peers = 0;
    unsigned long long now = unix_ms();
    if (rep[1]->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i + 1 < rep[1]->elements; i += 2) {
            unsigned slots, busy;
            unsigned long long seen;
            if (rep[1]->element[i]->type == REDIS_REPLY_STRING &&
                strcmp(rep[1]->element[i]->str, c->host) &&
                rep[1]->element[i + 1]->type == REDIS_REPLY_STRING &&
                sscanf(rep[1]->element[i + 1]->str, "%u %u %llu", &slots, &busy, &seen) == 3 &&
                seen + FL_CLUSTER_HOST_TTL_MS >= now)
                peers++;
        }
    atomic_store(&c->peers, peers);
    freeReplyObject(rep[0]);
    freeReplyObject(rep[1]);
}

static void *beater(void *arg) {
    fl_cluster *c = arg;
    while (!atomic_load(&c->leaving)) {
        beat(c);
        /* in slices, so that a leave is quick */
        for (unsigned waited = 0; waited < BEAT_MS && !atomic_load(&c->leaving); waited += 50) {
            struct timespec t = {0, 50 * 1000000L};
            nanosleep(&t, NULL);
        }
    }
    return NULL;
}

int fl_cluster_join(fl_cluster *c, const char *name, unsigned slots, fl_cluster_load_fn load,
                    void *ctx) {
    if (c->joined)
        return -EBUSY;
    if (!name[0] || strlen(name) >= sizeof c->host || strchr(name, ' '))
        return -EINVAL;
    snprintf(c->host, sizeof c->host, "%s", name);
    c->slots = slots;
    c->load = load;
    c->load_ctx = ctx;
    atomic_store(&c->leaving, false);
    beat(c); /* the first now: a call handed on at once finds its peers counted */
    if (pthread_create(&c->beater, NULL, beater, c))
        return -EAGAIN;
    c->joined = true;
    return 0;
}

void fl_cluster_leave(fl_cluster *c) {
    if (!c || !c->joined)
        return;
    atomic_store(&c->leaving, true);
    pthread_join(c->beater, NULL);
    c->joined = false;
    fl_redis_cmd cmd;
    fl_redis_cmd_strs(&cmd, "HDEL", "fl:hosts", c->host, NULL);
    redisReply *rep;
    if (fl_redis_command(c->redis, &cmd, &rep) == 0)
        freeReplyObject(rep);
}

const char *fl_cluster_host(const fl_cluster *c) { return c->host; }

unsigned fl_cluster_peers(const fl_cluster *c) { return atomic_load(&c->peers); }

static int by_name(const void *a, const void *b) {
    return strcmp(((const fl_cluster_host_info *)a)->name, ((const fl_cluster_host_info *)b)->name);
}

int fl_cluster_hosts(fl_cluster *c, fl_cluster_host_info **hosts, size_t *n) {
    *hosts = NULL;
    *n = 0;
    fl_redis_cmd cmd;
    fl_redis_cmd_strs(&cmd, "HGETALL", "fl:hosts", NULL);
    redisReply *rep;
    int rc = fl_redis_command(c->redis, &cmd, &rep);
    if (rc < 0)
        return rc;
    size_t pairs = rep->type == REDIS_REPLY_ARRAY ? rep->elements / 2 : 0;
    if (pairs && !(*hosts = calloc(pairs, sizeof **hosts))) {
        freeReplyObject(rep);
        return -ENOMEM;
    }
    unsigned long long now = unix_ms();
    for (size_t i = 0; i < pairs; i++) {
        redisReply *k = rep->element[2 * i], *v = rep->element[2 * i + 1];
        fl_cluster_host_info *h = &(*hosts)[*n];
        unsigned long long seen;
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
            sscanf(v->str, "%u %u %llu", &h->slots, &h->busy, &seen) != 3)
            continue;
        snprintf(h->name, sizeof h->name, "%s", k->str);
        h->seen_ms_ago = now > seen ? now - seen : 0;
        h->alive = h->seen_ms_ago <= FL_CLUSTER_HOST_TTL_MS;
        (*n)++;
    }
    freeReplyObject(rep);
    if (*n)
        qsort(*hosts, *n, sizeof **hosts, by_name);
    return 0;
}
