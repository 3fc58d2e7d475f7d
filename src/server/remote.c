/*
 * remote.c: the runtime's way to other hosts (faaslet.h's fl_remote_ops)
 * for a host of a cluster: a chained call made while this host is full
 * goes to the stream fl:calls like a call handed on by forward.c, and its
 * stand-in waits on its result or takes it back; a tree that spans hosts
 * counts its calls on fl:tree:ID.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"

/* How long a spanning tree's count outlives its last call. */
#define TREE_TTL_MS (FL_CLUSTER_RESULT_TTL_S * 1000u)

void srv_result_from_cluster(fl_cluster_result *got, fl_call_result *res) {
    /* from Redis: an outcome this build does not know is a trap */
    res->outcome = got->outcome >= FL_OUTCOME_OK && got->outcome <= FL_OUTCOME_CANCELLED
                       ? (fl_outcome)got->outcome
                       : FL_OUTCOME_TRAP;
    res->trap = FL_TRAP_NONE;
    res->retval = got->retval;
    res->output = got->output;
    res->output_len = got->output_len;
    res->error = got->error;
    res->log = got->log;
    res->log_len = got->log_len;
    res->log_dropped = got->log_dropped;
    got->output = NULL;
    got->error = NULL;
    got->log = NULL;
}

static bool full(void *ctx) {
    fl_server_remote *r = ctx;
    return r->rt && fl_cluster_peers(r->cluster) > 0 && fl_runtime_full(r->rt);
}

static int span(void *ctx, uint32_t used, uint32_t limit, uint64_t *tree) {
    fl_server_remote *r = ctx;
    int rc = fl_cluster_new_id(r->cluster, tree);
    return rc < 0 ? rc : fl_cluster_count(r->cluster, *tree, used, limit, TREE_TTL_MS);
}

static int count(void *ctx, uint64_t tree, uint32_t limit) {
    fl_server_remote *r = ctx;
    return fl_cluster_count(r->cluster, tree, 1, limit, TREE_TTL_MS);
}

static int send_call(void *ctx, const fl_remote_call *rc, void **handle) {
    fl_server_remote *r = ctx;
    fl_cluster_call *call = calloc(1, sizeof *call);
    if (!call)
        return -ENOMEM;
    int n = snprintf(call->user, sizeof call->user, "%s", rc->user);
    int m = snprintf(call->func, sizeof call->func, "%s", rc->func);
    int e = snprintf(call->entry, sizeof call->entry, "%s", rc->entry ? rc->entry : "");
    int err = n < 0 || (size_t)n >= sizeof call->user || m < 0 || (size_t)m >= sizeof call->func ||
                      e < 0 || (size_t)e >= sizeof call->entry
                  ? -ENAMETOOLONG
                  : fl_cluster_new_id(r->cluster, &call->id);
    if (err == 0) {
        call->python = rc->python;
        call->func_ptr = rc->func_ptr;
        call->input = (uint8_t *)rc->input; /* borrowed for the send */
        call->len = rc->len;
        call->timeout_ms = rc->timeout_ms;
        call->max_memory_mib = rc->max_memory_mib;
        call->depth = rc->depth;
        call->max_depth = rc->max_depth;
        call->tree = rc->tree;
        call->max_calls = rc->max_calls;
        err = fl_cluster_send(r->cluster, call);
        call->input = NULL;
        call->len = 0;
    }
    if (err < 0) {
        free(call);
        return err;
    }
    *handle = call;
    return 0;
}

static int wait_call(void *ctx, void *handle, unsigned timeout_ms, const volatile int *cancel,
                     fl_call_result *res) {
    fl_server_remote *r = ctx;
    fl_cluster_result got;
    memset(res, 0, sizeof *res);
    int rc = fl_cluster_wait(r->cluster, handle, timeout_ms, cancel, &got);
    if (rc < 0)
        return rc;
    srv_result_from_cluster(&got, res);
    if (res->outcome != FL_OUTCOME_OK && !res->error &&
        asprintf(&res->error, "failed on host %s", got.host) < 0)
        res->error = NULL;
    return 0;
}

static int take_back(void *ctx, void *handle) {
    fl_server_remote *r = ctx;
    return fl_cluster_take_back(r->cluster, handle);
}

static void drop(void *ctx, void *handle) {
    fl_cluster_call_free(handle);
    free(handle);
}

void fl_server_remote_init(fl_server_remote *r, fl_cluster *cluster) {
    memset(r, 0, sizeof *r);
    r->cluster = cluster;
    r->ops = (fl_remote_ops){.ctx = r, .full = full, .span = span, .count = count,
                             .send = send_call, .wait = wait_call,
                             .take_back = take_back, .drop = drop};
}
