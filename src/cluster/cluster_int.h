/*
 * cluster_int.h: what the cluster's files share: the handle itself.
 * registry.c owns uploads and their watch, hosts.c membership and the
 * heartbeat, calls.c the calls handed from host to host.
 */
#ifndef FL_CLUSTER_CLUSTER_INT_H
#define FL_CLUSTER_CLUSTER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "cluster/cluster.h"
#include "redis/redis.h"

struct fl_cluster {
    fl_redis *redis;
    /* the watch of uploads (registry.c) */
    fl_cluster_on_upload on_upload;
    void *ctx;
    pthread_t watcher;
    bool watching;
    atomic_bool stop;
    /* membership (hosts.c) */
    char host[FL_CLUSTER_HOST_MAX];
    unsigned slots;
    fl_cluster_load_fn load;
    void *load_ctx;
    pthread_t beater;
    bool joined;
    atomic_bool leaving;
    atomic_uint peers;       /* other live hosts at the last heartbeat */
    atomic_bool group_made;  /* the consumer group of fl:calls exists (calls.c) */
    atomic_uint_fast64_t hostno; /* this host's number in call ids (0: not yet) */
    atomic_uint_fast64_t seq;    /* the last call id's own counter */
};

#endif
