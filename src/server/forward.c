/*
 * forward.c: a host of a cluster hands calls on when it is full, and runs
 * the calls other hosts handed on (cluster/cluster.h, fl:calls).
 *
 * A synchronous call runs here while this host has capacity (a worker
 * free and nothing queued): no Redis round trip on that path.  Otherwise,
 * when other hosts are alive, it goes to the cluster and this request's
 * thread waits for its result; when Redis cannot take it, it runs here
 * after all.  Asynchronous calls always run here.
 *
 * Each executor worker has a consumer thread that, while this host has
 * capacity, takes calls from the cluster, runs them through the runtime
 * (fetching the function when this host has no copy), touches the entry
 * while the call runs, and posts the result.  The first consumer also
 * takes over, now and then, calls whose host stopped touching them for
 * takeover_ms (a host that died): such a call may run twice.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/server_int.h"

#define RECEIVE_BLOCK_MS 500u /* a consumer's wait for a call: its stop flag is read between */
#define FULL_NAP_MS 20        /* how long a consumer naps while this host is full */
#define RECLAIM_EVERY_MS 1000u

static void nap(unsigned ms) {
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

bool srv_has_capacity(fl_server *s) {
    fl_sched_stats st;
    fl_sched_get_stats(fl_runtime_sched(s->cfg.rt), &st);
    return st.busy + st.queued < st.nthreads;
}

static unsigned load(void *ctx) {
    fl_server *s = ctx;
    fl_sched_stats st;
    fl_sched_get_stats(fl_runtime_sched(s->cfg.rt), &st);
    return st.busy + st.queued;
}

/* Runs a call handed on by another host and posts its result. */
static void run_handed(fl_server *s, fl_cluster_call *call) {
    fl_cluster *cl = s->cfg.cluster;
    fl_call_result res = {0};
    uint64_t started = srv_now_ns();
    uint32_t id = 0;
    int rc = 0;
    /* names from Redis are checked as names from a request are */
    if (fl_fnstore_check_name(call->user, strlen(call->user)) ||
        fl_fnstore_check_name(call->func, strlen(call->func)))
        rc = -EINVAL;
    else
        rc = srv_have_function(s, call->python, call->user, call->func);
    if (rc == 0) {
        fl_submit sub = {.user = call->user, .func = call->func, .input = call->input,
                         .len = call->len, .python = call->python,
                         .entry = call->entry[0] ? call->entry : NULL,
                         .timeout_ms = call->timeout_ms, .max_memory_mib = call->max_memory_mib};
        if (!(id = fl_runtime_submit_with(s->cfg.rt, &sub)))
            rc = -EAGAIN;
    }
    if (id) {
        /* still ours: touched while it runs, so no host takes it over */
        fl_sched *sched = fl_runtime_sched(s->cfg.rt);
        unsigned every = s->cfg.takeover_ms / 3 ? s->cfg.takeover_ms / 3 : 1;
        while (fl_sched_await(sched, id, (int)every, NULL) == -ETIMEDOUT)
            fl_cluster_touch(cl, call);
        fl_runtime_await(s->cfg.rt, id, &res);
    } else {
        res.outcome = FL_OUTCOME_LOAD;
        res.retval = 1;
        if (asprintf(&res.error, "%s/%s on host %s: %s", call->user, call->func,
                     fl_cluster_host(cl),
                     rc == -ENOENT   ? "no such function in the cluster"
                     : rc == -EINVAL ? "not a good name"
                     : rc == -EAGAIN ? "the executor refused the call"
                                     : strerror(-rc)) < 0)
            res.error = NULL;
    }
    srv_metrics_call(s, id, call->user, call->func, call->python, &res, started, srv_now_ns());
    fl_cluster_result out = {.outcome = (int)res.outcome, .retval = res.retval,
                             .output = res.output, .output_len = res.output_len,
                             .error = res.error, .log = res.log, .log_len = res.log_len,
                             .log_dropped = res.log_dropped};
    /* the result is kept in Redis: a Redis that is away loses it, and the
     * waiting host's own deadline answers its client */
    fl_cluster_finish(cl, call, &out);
    fl_call_result_free(&res);
}

typedef struct srv_consumer {
    fl_server *s;
    unsigned index;
    pthread_t thread;
} consumer;

static void *consume(void *arg) {
    consumer *me = arg;
    fl_server *s = me->s;
    fl_cluster *cl = s->cfg.cluster;
    uint64_t last_reclaim = 0;
    while (!atomic_load(&s->forward_stop)) {
        fl_cluster_call call;
        uint64_t now = srv_now_ns();
        if (me->index == 0 && now - last_reclaim > RECLAIM_EVERY_MS * 1000000ull &&
            srv_has_capacity(s)) {
            last_reclaim = now;
            if (fl_cluster_reclaim(cl, s->cfg.takeover_ms, &call) == 0) {
                run_handed(s, &call);
                fl_cluster_call_free(&call);
                continue;
            }
        }
        if (!srv_has_capacity(s)) {
            nap(FULL_NAP_MS);
            continue;
        }
        int rc = fl_cluster_receive(cl, RECEIVE_BLOCK_MS, &call);
        if (rc == 0) {
            run_handed(s, &call);
            fl_cluster_call_free(&call);
        } else if (rc != -EAGAIN) {
            nap(RECEIVE_BLOCK_MS); /* Redis away: try again in a while */
        }
    }
    return NULL;
}

int srv_forward_start(fl_server *s, char *err, size_t errlen) {
    fl_cluster *cl = s->cfg.cluster;
    if (!cl)
        return 0;
    fl_sched_stats st;
    fl_sched_get_stats(fl_runtime_sched(s->cfg.rt), &st);
    char host[64] = "host", name[FL_CLUSTER_HOST_MAX];
    gethostname(host, sizeof host - 1);
    for (char *p = host; *p; p++)
        if (*p == ' ' || *p == '/')
            *p = '-';
    snprintf(name, sizeof name, "%s-%d", host, (int)getpid());
    int rc = fl_cluster_join(cl, name, st.nthreads, load, s);
    if (rc < 0) {
        snprintf(err, errlen, "cannot join the cluster: %s", strerror(-rc));
        return -1;
    }
    s->consumers = calloc(st.nthreads, sizeof *s->consumers);
    if (!s->consumers) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (unsigned i = 0; i < st.nthreads; i++) {
        consumer *c = &s->consumers[i];
        c->s = s;
        c->index = i;
        if (pthread_create(&c->thread, NULL, consume, c)) {
            snprintf(err, errlen, "cannot start a thread");
            return -1;
        }
        s->nconsumers++;
    }
    return 0;
}

void srv_forward_stop(fl_server *s) {
    atomic_store(&s->forward_stop, true);
    for (unsigned i = 0; i < s->nconsumers; i++)
        pthread_join(s->consumers[i].thread, NULL);
    free(s->consumers);
    s->consumers = NULL;
    s->nconsumers = 0;
    if (s->cfg.cluster)
        fl_cluster_leave(s->cfg.cluster);
}

int srv_forward_call(fl_server *s, const fl_submit *sub, fl_call_result *res, char *host,
                     size_t hostlen) {
    fl_cluster *cl = s->cfg.cluster;
    fl_cluster_call call = {.python = sub->python, .input = (uint8_t *)sub->input, .len = sub->len,
                            .timeout_ms = sub->timeout_ms, .max_memory_mib = sub->max_memory_mib};
    snprintf(call.id, sizeof call.id, "%s/%" PRIu64, fl_cluster_host(cl),
             atomic_fetch_add(&s->forwarded, 1) + 1);
    snprintf(call.user, sizeof call.user, "%s", sub->user);
    snprintf(call.func, sizeof call.func, "%s", sub->func);
    snprintf(call.entry, sizeof call.entry, "%s", sub->entry ? sub->entry : "");
    int rc = fl_cluster_send(cl, &call);
    if (rc < 0)
        return rc;
    /* the call's own deadline, or the server's, and time for a takeover */
    unsigned limit = sub->timeout_ms ? sub->timeout_ms : s->cfg.timeout_ms;
    unsigned wait_ms = limit ? limit + 2 * s->cfg.takeover_ms + 5000 : 0;
    fl_cluster_result r;
    rc = fl_cluster_wait(cl, &call, wait_ms, &r);
    memset(res, 0, sizeof *res);
    if (rc < 0) {
        res->outcome = rc == -ENOENT ? FL_OUTCOME_CANCELLED : FL_OUTCOME_TIMEOUT;
        res->retval = 1;
        if (asprintf(&res->error, "handed to the cluster as %s, no result came: %s", call.id,
                     rc == -ENOENT ? "Redis lost it (restarted without it?)" : strerror(-rc)) < 0)
            res->error = NULL;
        snprintf(host, hostlen, "?");
        return 0;
    }
    /* from Redis: a word this build does not know is a failure */
    res->outcome = r.outcome >= FL_OUTCOME_OK && r.outcome <= FL_OUTCOME_CANCELLED
                       ? (fl_outcome)r.outcome
                       : FL_OUTCOME_TRAP;
    res->retval = r.retval;
    res->output = r.output;
    res->output_len = r.output_len;
    res->error = r.error;
    res->log = r.log;
    res->log_len = r.log_len;
    res->log_dropped = r.log_dropped;
    snprintf(host, hostlen, "%s", r.host);
    return 0;
}
