/*
 * forward.c: a host of a cluster hands calls on when it is full, and runs
 * the calls other hosts handed on (cluster/cluster.h, fl:calls).
 *
 * A synchronous call runs here while this host has capacity (a worker
 * free and nothing queued): no Redis round trip on that path.  Otherwise,
 * when other hosts are alive, it goes to the cluster and this request's
 * thread waits for its result; when Redis cannot take it, it runs here
 * after all.  An asynchronous call made while this host is full goes to
 * the cluster as a chained call does (faaslet.h, remote.c): its id here
 * is a stand-in that collects the result, or takes the call back when no
 * host started it.
 *
 * Each executor worker has a consumer thread that, while this host has
 * capacity, takes calls from the cluster and submits them to the runtime
 * (fetching the function when this host has no copy); one tender thread
 * touches their entries while they run and posts each result as its call
 * ends.  A consumer never waits for the call it took: a call that awaits
 * another host's result leaves this host room for more (chained calls
 * across hosts would otherwise deadlock with every consumer waiting).  The
 * first consumer also takes over, now and then, calls whose host stopped
 * touching them for takeover_ms (a host that died): such a call may run
 * twice.
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
#define FULL_NAP_MS 20        /* a consumer's longest nap while this host is full */
#define RECLAIM_EVERY_MS 1000u
#define TEND_NAP_US 500 /* the tender's look at running handed-on calls */

static void nap(unsigned ms) {
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

bool srv_has_capacity(fl_server *s) { return !fl_runtime_full(s->cfg.rt); }

static unsigned load(void *ctx) {
    fl_server *s = ctx;
    fl_sched_stats st;
    fl_sched_get_stats(fl_runtime_sched(s->cfg.rt), &st);
    return st.busy + st.queued;
}

/* A call another host handed on, running here. */
typedef struct srv_handed {
    fl_cluster_call call;
    uint32_t id;
    uint64_t started_ns, touched_ns;
    struct srv_handed *next;
} handed;

/* Posts the result of a handed-on call (res may be a failure made here). */
static void finish_handed(fl_server *s, const fl_cluster_call *call, uint32_t id,
                          fl_call_result *res, uint64_t started) {
    srv_metrics_call(s, id, call->user, call->func, call->python, res, started, srv_now_ns());
    fl_cluster_result out = {.outcome = (int)res->outcome, .retval = res->retval,
                             .output = res->output, .output_len = res->output_len,
                             .error = res->error, .log = res->log, .log_len = res->log_len,
                             .log_dropped = res->log_dropped};
    /* the result is kept in Redis: a Redis that is away loses it, and the
     * waiting host's own deadline answers its client */
    fl_cluster_finish(s->cfg.cluster, call, &out);
    fl_call_result_free(res);
}

/* Starts a call handed on by another host (taking *call): the tender
 * posts its result when it ends.  One that cannot start is answered at
 * once. */
static void start_handed(fl_server *s, fl_cluster_call *call, bool taken_over) {
    uint64_t started = srv_now_ns();
    uint32_t id = 0;
    int rc = 0;
    /* its waiter may have taken it back (then it is not ours) */
    if (fl_cluster_claim(s->cfg.cluster, call, taken_over) == -EBUSY) {
        fl_cluster_drop(s->cfg.cluster, call);
        fl_cluster_call_free(call);
        return;
    }
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
                         .timeout_ms = call->timeout_ms, .max_memory_mib = call->max_memory_mib,
                         .func_ptr = call->func_ptr, .depth = call->depth,
                         .max_depth = call->max_depth, .tree = call->tree,
                         .max_calls = call->max_calls};
        if (!(id = fl_runtime_submit_with(s->cfg.rt, &sub)))
            rc = -EAGAIN;
    }
    handed *h = id ? calloc(1, sizeof *h) : NULL;
    if (h) {
        h->call = *call;
        h->id = id;
        h->started_ns = h->touched_ns = started;
        pthread_mutex_lock(&s->handed_lock);
        h->next = s->handed;
        s->handed = h;
        pthread_cond_signal(&s->handed_cond);
        pthread_mutex_unlock(&s->handed_lock);
        return;
    }
    fl_call_result res = {0};
    if (id) { /* no memory to keep track: wait for it here */
        fl_runtime_await(s->cfg.rt, id, &res);
    } else {
        res.outcome = FL_OUTCOME_LOAD;
        res.retval = 1;
        if (asprintf(&res.error, "%s/%s on host %s: %s", call->user, call->func,
                     fl_cluster_host(s->cfg.cluster),
                     rc == -ENOENT   ? "no such function in the cluster"
                     : rc == -EINVAL ? "not a good name"
                     : rc == -EAGAIN ? "the executor refused the call"
                                     : strerror(-rc)) < 0)
            res.error = NULL;
    }
    finish_handed(s, call, id, &res, started);
    fl_cluster_call_free(call);
}

/* The tender: posts the results of handed-on calls as they end, and
 * touches the entries of those still running so that no host takes them
 * over.  It polls (TEND_NAP_US) only while some run.  At a stop it goes
 * on until the last has ended. */
static void *tend(void *arg) {
    fl_server *s = arg;
    fl_sched *sched = fl_runtime_sched(s->cfg.rt);
    uint64_t touch_every = (uint64_t)(s->cfg.takeover_ms / 3 ? s->cfg.takeover_ms / 3 : 1) * 1000000u;
    for (;;) {
        pthread_mutex_lock(&s->handed_lock);
        while (!s->handed && !atomic_load(&s->forward_stop))
            pthread_cond_wait(&s->handed_cond, &s->handed_lock);
        handed *all = s->handed;
        s->handed = NULL;
        pthread_mutex_unlock(&s->handed_lock);
        if (!all && atomic_load(&s->forward_stop))
            return NULL;
        handed *left = NULL;
        uint64_t now = srv_now_ns();
        while (all) {
            handed *h = all;
            all = h->next;
            fl_call_status st = fl_sched_status(sched, h->id);
            if (st == FL_CALL_SUCCESS || st == FL_CALL_FAILED) {
                fl_call_result res;
                fl_runtime_await(s->cfg.rt, h->id, &res);
                pthread_mutex_lock(&s->handed_lock);
                pthread_cond_broadcast(&s->room_cond); /* room for another */
                pthread_mutex_unlock(&s->handed_lock);
                finish_handed(s, &h->call, h->id, &res, h->started_ns);
                fl_cluster_call_free(&h->call);
                free(h);
                continue;
            }
            if (now - h->touched_ns >= touch_every) {
                fl_cluster_touch(s->cfg.cluster, &h->call);
                h->touched_ns = now;
            }
            h->next = left;
            left = h;
        }
        if (left) {
            pthread_mutex_lock(&s->handed_lock);
            handed **tail = &left;
            while (*tail)
                tail = &(*tail)->next;
            *tail = s->handed;
            s->handed = left;
            pthread_mutex_unlock(&s->handed_lock);
            struct timespec t = {0, TEND_NAP_US * 1000L};
            nanosleep(&t, NULL);
        }
    }
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
                start_handed(s, &call, true);
                continue;
            }
        }
        if (!srv_has_capacity(s)) {
            /* until a handed-on call ends here, or a while (calls from
             * this host's own clients end unannounced) */
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += FULL_NAP_MS * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_mutex_lock(&s->handed_lock);
            pthread_cond_timedwait(&s->room_cond, &s->handed_lock, &until);
            pthread_mutex_unlock(&s->handed_lock);
            continue;
        }
        int rc = fl_cluster_receive(cl, RECEIVE_BLOCK_MS, &call);
        if (rc == 0)
            start_handed(s, &call, false);
        else if (rc != -EAGAIN)
            nap(RECEIVE_BLOCK_MS); /* Redis away: try again in a while */
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
    if (pthread_create(&s->tender, NULL, tend, s)) {
        snprintf(err, errlen, "cannot start a thread");
        return -1;
    }
    s->tender_started = true;
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
    if (s->tender_started) { /* the calls being run finish and post their results */
        pthread_mutex_lock(&s->handed_lock);
        pthread_cond_signal(&s->handed_cond);
        pthread_mutex_unlock(&s->handed_lock);
        pthread_join(s->tender, NULL);
        s->tender_started = false;
    }
    if (s->cfg.cluster)
        fl_cluster_leave(s->cfg.cluster);
}

int srv_forward_call(fl_server *s, const fl_submit *sub, fl_call_result *res, char *host,
                     size_t hostlen) {
    fl_cluster *cl = s->cfg.cluster;
    fl_cluster_call call = {.python = sub->python, .input = (uint8_t *)sub->input, .len = sub->len,
                            .timeout_ms = sub->timeout_ms, .max_memory_mib = sub->max_memory_mib};
    int rc = fl_cluster_new_id(cl, &call.id);
    if (rc < 0)
        return rc;
    snprintf(call.user, sizeof call.user, "%s", sub->user);
    snprintf(call.func, sizeof call.func, "%s", sub->func);
    snprintf(call.entry, sizeof call.entry, "%s", sub->entry ? sub->entry : "");
    rc = fl_cluster_send(cl, &call);
    if (rc < 0)
        return rc;
    /* the call's own deadline, or the server's, and time for a takeover */
    unsigned limit = sub->timeout_ms ? sub->timeout_ms : s->cfg.timeout_ms;
    unsigned wait_ms = limit ? limit + 2 * s->cfg.takeover_ms + 5000 : 0;
    fl_cluster_result r;
    rc = fl_cluster_wait(cl, &call, wait_ms, NULL, &r);
    memset(res, 0, sizeof *res);
    if (rc < 0) {
        res->outcome = rc == -ENOENT ? FL_OUTCOME_CANCELLED : FL_OUTCOME_TIMEOUT;
        res->retval = 1;
        if (asprintf(&res->error, "handed to the cluster as call %" PRIu64 ", no result came: %s", call.id,
                     rc == -ENOENT ? "Redis lost it (restarted without it?)" : strerror(-rc)) < 0)
            res->error = NULL;
        snprintf(host, hostlen, "?");
        return 0;
    }
    srv_result_from_cluster(&r, res);
    snprintf(host, hostlen, "%s", r.host);
    return 0;
}
