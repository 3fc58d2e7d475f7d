/*
 * sched.c: the embedded executor of sched.h.
 *
 * One mutex guards everything: the call table, the queue, the history of
 * finished results, the deadline list, the call trees and the thread
 * counters.  It is never held while a run callback runs.  Each call record
 * has its own condition variable, broadcast when it finishes; idle workers
 * wait on `work`.
 *
 * Trees: each record points to its tree (shared, counted by its unfinished
 * calls), which lists its unfinished calls; a record lists the calls it
 * chained (`kids`) until it finishes, when they are detached: a finished
 * kid's result is released then, an unfinished one's when it ends.
 *
 * Thread accounting: `busy` counts threads running a call and not blocked in
 * an await; a worker takes queued work only while busy < nthreads, so a
 * blocked waiter's slot passes to an idle thread or a spawned spare (kick).
 * A call record is freed when its last reference goes: the table's (until
 * released or evicted), the run's (until it finishes) and each waiter's.
 */
#include "sched/sched.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct worker;
struct call;

/* One call tree: its root (until the root finishes) and its unfinished
 * calls.  Freed when its last unfinished call finishes. */
struct tree {
    struct call *root;
    struct call *live; /* unfinished calls, through t_next/t_prev */
    unsigned nlive;
    bool failed;       /* fl_sched_fail_tree was called: no more calls join */
};

struct call {
    uint32_t id;
    uint32_t parent;
    int refs;
    fl_call_status status;
    unsigned flags;
    bool in_table;
    bool in_history;
    bool in_deadlines;
    bool timed_out;  /* the watchdog raised the flag */
    bool cancelled;  /* cancelled: at shutdown, with its caller or its tree */
    bool errored;    /* an error was set (under the lock) */
    bool tree_error; /* the error is its tree's failure (fl_sched_fail_tree) */
    bool stack_out;  /* failed unrun for want of C stack */
    bool drop_at_end; /* a chained call whose caller ended first: no one can await it */
    const char *cancel_why; /* static message when cancelled */
    int reason;      /* FL_REASON_* once failed */
    struct call *hash_next;
    struct call *q_prev, *q_next;       /* the queue */
    struct call *h_prev, *h_next;       /* history of finished unkept results */
    struct call *d_prev, *d_next;       /* running calls with deadlines, soonest first */
    struct call *outer;                 /* the call beneath on the runner's stack */
    struct tree *tree;                  /* until it finishes */
    struct call *t_prev, *t_next;       /* the tree's unfinished calls */
    struct call *chainer;               /* the call that chained it, until that one ends */
    struct call *kids;                  /* calls it chained, until it ends */
    struct call *kid_prev, *kid_next;   /* siblings in chainer->kids */
    struct call *cancel_next;           /* a list of queued calls being cancelled */
    unsigned tree_depth;
    struct worker *runner;              /* set from claim to finish */
    struct timespec deadline;
    pthread_cond_t done;
    volatile int cancel;
    void (*watch_fn)(void *);           /* fl_call_watch_fn's, called with cancel */
    void *watch_arg;
    /* the message (freed when the run ends) */
    char *user;
    char *function;
    uint8_t *input;
    size_t input_len;
    void *opaque;
    void (*opaque_free)(void *);
    uint32_t timeout_ms;
    uint64_t deadline_ns;
    fl_budget *budget;                  /* a reference, until the record is freed */
    uint64_t input_charged;             /* bytes of FL_BUDGET_MEMORY for the input */
    /* the result */
    int retval;
    bool retval_set;
    uint8_t *output;
    size_t output_len;
    char *error;
};

enum worker_state { W_FREE, W_LIVE, W_DONE };

struct worker {
    fl_sched *s;
    pthread_t thread;
    enum worker_state state;
    unsigned depth;        /* calls on this thread's stack */
    struct call *current;  /* innermost of them */
    struct call *initial;  /* handed over by spawn, run first */
    struct call *waiting_on; /* the call current's await blocks on, if any */
};

struct fl_sched {
    fl_sched_config cfg;
    pthread_mutex_t lock;
    pthread_condattr_t cattr;   /* CLOCK_MONOTONIC for every timed wait */
    pthread_attr_t tattr;
    pthread_cond_t work;        /* idle workers wait here */
    pthread_cond_t exited;      /* fl_sched_free waits for the last thread */
    pthread_cond_t wd_cond;     /* the watchdog waits here */
    pthread_t wd_thread;
    bool wd_stop;
    bool started;               /* the first nthreads exist */
    bool stopping;
    fl_sched_stop mode;

    struct call **buckets;      /* id -> call, chained; ids are sequential */
    size_t nbuckets;
    size_t ncalls;
    uint32_t next_id;

    struct call *q_head, *q_tail;
    unsigned queued;
    struct call *h_head, *h_tail;
    unsigned hist_len;
    struct call *d_head;

    struct worker *workers;     /* max_threads slots */
    unsigned live, idle, busy;

    fl_sched_stats stats;
};

struct fl_call_sink {
    fl_sched *s;
    struct call *c;
};

static __thread struct worker *tls_worker;

static void *worker_main(void *arg);

/* ---- time ---- */

static struct timespec deadline_in(uint64_t ms) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += (time_t)(ms / 1000);
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static bool ts_before_eq(const struct timespec *a, const struct timespec *b) {
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

/* fl_monotonic_ns's clock is CLOCK_MONOTONIC too. */
static struct timespec ts_of_ns(uint64_t ns) {
    return (struct timespec){(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
}

/* ---- the call table ---- */

static struct call *table_find(fl_sched *s, uint32_t id) {
    struct call *c = s->buckets[id & (s->nbuckets - 1)];
    while (c && c->id != id)
        c = c->hash_next;
    return c;
}

static int table_grow(fl_sched *s) {
    size_t n = s->nbuckets * 2;
    struct call **b = calloc(n, sizeof *b);
    if (!b)
        return -ENOMEM;
    for (size_t i = 0; i < s->nbuckets; i++) {
        struct call *c = s->buckets[i];
        while (c) {
            struct call *next = c->hash_next;
            c->hash_next = b[c->id & (n - 1)];
            b[c->id & (n - 1)] = c;
            c = next;
        }
    }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
    return 0;
}

static void table_insert(fl_sched *s, struct call *c) {
    /* growing is an optimisation: on failure the chains just get longer */
    if (s->ncalls >= s->nbuckets)
        (void)table_grow(s);
    struct call **head = &s->buckets[c->id & (s->nbuckets - 1)];
    c->hash_next = *head;
    *head = c;
    c->in_table = true;
    s->ncalls++;
}

static void table_remove(fl_sched *s, struct call *c) {
    struct call **p = &s->buckets[c->id & (s->nbuckets - 1)];
    while (*p != c)
        p = &(*p)->hash_next;
    *p = c->hash_next;
    c->hash_next = NULL;
    c->in_table = false;
    s->ncalls--;
}

/* A fresh non-zero id no live record uses (ids wrap after 2^32 calls). */
static uint32_t next_id(fl_sched *s) {
    for (;;) {
        uint32_t id = s->next_id++;
        if (id != 0 && !table_find(s, id))
            return id;
    }
}

/* ---- the queue, the history, the deadlines: doubly linked lists ---- */

static void queue_push(fl_sched *s, struct call *c) {
    c->q_next = NULL;
    c->q_prev = s->q_tail;
    if (s->q_tail)
        s->q_tail->q_next = c;
    else
        s->q_head = c;
    s->q_tail = c;
    s->queued++;
}

static void queue_push_front(fl_sched *s, struct call *c) {
    c->q_prev = NULL;
    c->q_next = s->q_head;
    if (s->q_head)
        s->q_head->q_prev = c;
    else
        s->q_tail = c;
    s->q_head = c;
    s->queued++;
}

static void queue_remove(fl_sched *s, struct call *c) {
    if (c->q_prev)
        c->q_prev->q_next = c->q_next;
    else
        s->q_head = c->q_next;
    if (c->q_next)
        c->q_next->q_prev = c->q_prev;
    else
        s->q_tail = c->q_prev;
    c->q_prev = c->q_next = NULL;
    s->queued--;
    /* draining workers wait for the queue to empty before they exit */
    if (s->stopping && !s->q_head)
        pthread_cond_broadcast(&s->work);
}

static void hist_push(fl_sched *s, struct call *c) {
    c->h_next = NULL;
    c->h_prev = s->h_tail;
    if (s->h_tail)
        s->h_tail->h_next = c;
    else
        s->h_head = c;
    s->h_tail = c;
    c->in_history = true;
    s->hist_len++;
}

static void hist_remove(fl_sched *s, struct call *c) {
    if (c->h_prev)
        c->h_prev->h_next = c->h_next;
    else
        s->h_head = c->h_next;
    if (c->h_next)
        c->h_next->h_prev = c->h_prev;
    else
        s->h_tail = c->h_prev;
    c->h_prev = c->h_next = NULL;
    c->in_history = false;
    s->hist_len--;
}

static void deadline_insert(fl_sched *s, struct call *c) {
    struct call *prev = NULL, *at = s->d_head;
    while (at && ts_before_eq(&at->deadline, &c->deadline)) {
        prev = at;
        at = at->d_next;
    }
    c->d_prev = prev;
    c->d_next = at;
    if (at)
        at->d_prev = c;
    if (prev)
        prev->d_next = c;
    else
        s->d_head = c;
    c->in_deadlines = true;
    /* a new soonest deadline: the watchdog must shorten its sleep */
    if (!prev)
        pthread_cond_signal(&s->wd_cond);
}

static void deadline_remove(fl_sched *s, struct call *c) {
    if (c->d_prev)
        c->d_prev->d_next = c->d_next;
    else
        s->d_head = c->d_next;
    if (c->d_next)
        c->d_next->d_prev = c->d_prev;
    c->d_prev = c->d_next = NULL;
    c->in_deadlines = false;
}

/* ---- call records ---- */

static void free_message(struct call *c) {
    free(c->user);
    free(c->function);
    free(c->input);
    c->user = c->function = NULL;
    c->input = NULL;
    c->input_len = 0;
    fl_budget_release(c->budget, FL_BUDGET_MEMORY, c->input_charged);
    c->input_charged = 0;
}

/* Takes `c` out of its chainer's list of kids. */
static void kid_unlink(struct call *c) {
    struct call *p = c->chainer;
    if (!p)
        return;
    if (c->kid_prev)
        c->kid_prev->kid_next = c->kid_next;
    else
        p->kids = c->kid_next;
    if (c->kid_next)
        c->kid_next->kid_prev = c->kid_prev;
    c->kid_prev = c->kid_next = NULL;
    c->chainer = NULL;
}

static void call_destroy(struct call *c) {
    if (c->opaque_free)
        c->opaque_free(c->opaque);
    free_message(c);
    kid_unlink(c); /* a released result of a caller still running */
    fl_budget_release(c->budget, FL_BUDGET_MEMORY, c->output_len);
    fl_budget_unref(c->budget);
    free(c->output);
    free(c->error);
    pthread_cond_destroy(&c->done);
    free(c);
}

static void call_unref(fl_sched *s, struct call *c) {
    (void)s;
    if (--c->refs == 0)
        call_destroy(c);
}

/* Raises the call's cancel flag (and calls its watcher); a call blocked in
 * an await is woken so that the await returns -ECANCELED. */
static void raise_cancel(struct call *c) {
    __atomic_store_n(&c->cancel, 1, __ATOMIC_RELAXED);
    if (c->watch_fn)
        c->watch_fn(c->watch_arg);
    struct worker *r = c->runner;
    if (r && r->current == c && r->waiting_on)
        pthread_cond_broadcast(&r->waiting_on->done);
}

/* Keeps at most max_history finished unkept results, dropping the oldest. */
static void hist_trim(fl_sched *s) {
    while (s->hist_len > s->cfg.max_history) {
        struct call *c = s->h_head;
        hist_remove(s, c);
        table_remove(s, c);
        call_unref(s, c);
    }
}

/* ---- call trees ---- */

static const char CANCEL_SHUTDOWN[] = "call cancelled: scheduler shut down";
static const char CANCEL_CALLER[] = "cancelled: the calling call failed";
static const char CANCEL_TREE[] = "cancelled: the call tree failed";

/* Puts `c` into tree t (NULL: a new tree with c as its root) beneath
 * `chainer` (NULL for a root).  Returns 0 or -ENOMEM.  The lock is held. */
static int tree_join(struct call *c, struct tree *t, struct call *chainer) {
    if (!t) {
        t = calloc(1, sizeof *t);
        if (!t)
            return -ENOMEM;
        t->root = c;
    }
    c->tree = t;
    c->t_prev = NULL;
    c->t_next = t->live;
    if (t->live)
        t->live->t_prev = c;
    t->live = c;
    t->nlive++;
    if (chainer) {
        c->chainer = chainer;
        c->tree_depth = chainer->tree_depth + 1;
        c->kid_prev = NULL;
        c->kid_next = chainer->kids;
        if (chainer->kids)
            chainer->kids->kid_prev = c;
        chainer->kids = c;
    }
    return 0;
}

/* Takes finished call `c` out of its tree, freeing the tree with its last
 * unfinished call. */
static void tree_leave(struct call *c) {
    struct tree *t = c->tree;
    if (!t)
        return;
    if (c->t_prev)
        c->t_prev->t_next = c->t_next;
    else
        t->live = c->t_next;
    if (c->t_next)
        c->t_next->t_prev = c->t_prev;
    c->t_prev = c->t_next = NULL;
    if (t->root == c)
        t->root = NULL;
    c->tree = NULL;
    if (--t->nlive == 0)
        free(t);
}

/* Marks running call `c` cancelled (`why`, unless it already is) and raises
 * its flag. */
static void cancel_running(struct call *c, const char *why) {
    if (!c->cancelled && !c->tree_error) {
        c->cancelled = true;
        c->cancel_why = why;
    }
    raise_cancel(c);
}

static void finish(fl_sched *s, struct call *c);

/* Finishes the queued calls of list `todo` (through cancel_next) unrun,
 * cancelled with `why`. */
static void finish_cancelled(fl_sched *s, struct call *todo, const char *why) {
    while (todo) {
        struct call *next = todo->cancel_next;
        todo->cancel_next = NULL;
        queue_remove(s, todo);
        todo->cancelled = true;
        todo->cancel_why = why;
        s->stats.cancelled++;
        finish(s, todo);
        todo = next;
    }
}

/* Cancels every unfinished call beneath `top` (its kids, theirs, ...):
 * running ones get their flag raised, queued ones finish unrun.  A walk
 * over the kids lists without recursion (trees may be deep). */
static void cancel_below(fl_sched *s, struct call *top) {
    struct call *todo = NULL;
    struct call *c = top->kids;
    while (c) {
        if (c->status == FL_CALL_QUEUED) {
            c->cancel_next = todo;
            todo = c;
        } else if (c->status == FL_CALL_RUNNING) {
            cancel_running(c, CANCEL_CALLER);
            if (c->kids) {
                c = c->kids;
                continue;
            }
        }
        /* the next sibling, else the next sibling of the nearest ancestor
         * that has one; running calls' kids point back to them */
        while (c != top && !c->kid_next)
            c = c->chainer;
        if (c == top)
            break;
        c = c->kid_next;
    }
    finish_cancelled(s, todo, CANCEL_CALLER);
}

/* The calls `c` chained leave it: results already finished are released
 * (no one can await them any more), the others are released when they
 * end. */
static void release_kids(fl_sched *s, struct call *c) {
    while (c->kids) {
        struct call *k = c->kids;
        kid_unlink(k);
        if (k->flags & FL_CALL_KEEP)
            continue;
        if (k->status == FL_CALL_QUEUED || k->status == FL_CALL_RUNNING) {
            k->drop_at_end = true;
        } else if (k->in_table) {
            if (k->in_history)
                hist_remove(s, k);
            table_remove(s, k);
            call_unref(s, k);
        }
    }
}

/* Settles the result of a call that ran or was dropped, wakes its waiters
 * and drops the run's reference.  The scheduler's own reasons (deadline,
 * cancel, a failed tree) take the place of what the callback reported once
 * its flag was raised.  The lock is held. */
static void finish(fl_sched *s, struct call *c) {
    const char *why = NULL;
    char buf[96];
    if (c->tree_error) {
        /* error and reason set by fl_sched_fail_tree */
    } else if (c->timed_out) {
        if (c->timeout_ms)
            snprintf(buf, sizeof buf, "call timed out after %u ms", c->timeout_ms);
        else
            snprintf(buf, sizeof buf, "call timed out: its deadline passed");
        why = buf;
        c->reason = FL_REASON_DEADLINE;
    } else if (c->cancelled) {
        why = c->cancel_why ? c->cancel_why : CANCEL_SHUTDOWN;
        c->reason = FL_REASON_CANCELLED;
    } else if (c->stack_out) {
        why = "call stack exhausted: no C stack left on the awaiting thread and no "
              "thread to take the awaited call";
        c->reason = FL_REASON_STACK;
    }
    if (why) {
        free(c->error);
        c->error = strdup(why); /* NULL on OOM: still failed */
        c->errored = true;
    }
    bool failed = c->errored;
    if (!c->retval_set)
        c->retval = failed ? 1 : 0;
    c->status = failed ? FL_CALL_FAILED : FL_CALL_SUCCESS;
    if (failed)
        s->stats.failed++;
    else
        s->stats.succeeded++;
    /* its unfinished calls are cancelled, not drained, when it failed */
    if (failed && c->kids)
        cancel_below(s, c);
    release_kids(s, c);
    tree_leave(c);
    free_message(c);
    if (c->opaque_free) { /* dropped unrun */
        c->opaque_free(c->opaque);
        c->opaque_free = NULL;
    }
    c->runner = NULL;
    c->watch_fn = NULL;
    pthread_cond_broadcast(&c->done);
    if (c->in_table && !(c->flags & FL_CALL_KEEP)) {
        if (c->chainer) {
            /* kept for its caller, which may still await it */
        } else if (c->drop_at_end) {
            table_remove(s, c);
            call_unref(s, c);
        } else {
            hist_push(s, c);
            hist_trim(s);
        }
    }
    call_unref(s, c);
}

/* Marks a call taken from the queue as owned by worker w. */
static void claim(struct call *c, struct worker *w) {
    c->status = FL_CALL_RUNNING;
    c->runner = w;
}

/* Runs a claimed call on the calling thread (worker w), with the lock held
 * on entry and exit but released around the callback.  A call cancelled or
 * past its deadline before it starts finishes without running. */
static void run_call(fl_sched *s, struct worker *w, struct call *c) {
    bool has_deadline = c->timeout_ms || c->deadline_ns;
    if (has_deadline) {
        c->deadline = c->timeout_ms ? deadline_in(c->timeout_ms) : ts_of_ns(c->deadline_ns);
        struct timespec abs = ts_of_ns(c->deadline_ns);
        if (c->deadline_ns && c->timeout_ms && ts_before_eq(&abs, &c->deadline))
            c->deadline = abs;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (ts_before_eq(&c->deadline, &now))
            c->timed_out = true;
    }
    if (c->timed_out || __atomic_load_n(&c->cancel, __ATOMIC_RELAXED)) {
        s->stats.cancelled++;
        finish(s, c);
        return;
    }
    c->outer = w->current;
    w->current = c;
    w->depth++;
    if (w->depth > s->stats.depth_peak)
        s->stats.depth_peak = w->depth;
    if (has_deadline)
        deadline_insert(s, c);
    fl_call_info info = {
        .id = c->id,
        .parent = c->parent,
        .depth = w->depth,
        .tree_depth = c->tree_depth,
        .msg = {
            .user = c->user,
            .function = c->function,
            .input = c->input,
            .input_len = c->input_len,
            .opaque = c->opaque,
            .opaque_free = NULL, /* ours to call */
            .timeout_ms = c->timeout_ms,
            .deadline_ns = c->deadline_ns,
            .budget = c->budget,
            .flags = c->flags,
        },
        .cancel = &c->cancel,
    };
    fl_call_sink sink = {.s = s, .c = c};
    void (*opaque_free)(void *) = c->opaque_free;
    c->opaque_free = NULL;
    pthread_mutex_unlock(&s->lock);

    s->cfg.run(s->cfg.ctx, &info, &sink);
    if (opaque_free)
        opaque_free(c->opaque);

    pthread_mutex_lock(&s->lock);
    c->opaque = NULL;
    w->current = c->outer;
    c->outer = NULL;
    w->depth--;
    if (c->in_deadlines)
        deadline_remove(s, c);
    finish(s, c);
}

/* ---- threads ---- */

/* Starts a worker thread, which first runs `initial` when given (already
 * out of the queue).  Returns 0, or -1 at max_threads or when the thread
 * cannot be created.  The lock is held. */
static int spawn(fl_sched *s, struct call *initial) {
    if (s->live >= s->cfg.max_threads)
        return -1;
    struct worker *w = NULL;
    for (unsigned i = 0; i < s->cfg.max_threads; i++) {
        struct worker *x = &s->workers[i];
        if (x->state == W_DONE) {
            /* it has let go of the lock for good: the join is short */
            pthread_join(x->thread, NULL);
            x->state = W_FREE;
        }
        if (x->state == W_FREE) {
            w = x;
            break;
        }
    }
    if (!w)
        return -1;
    w->s = s;
    w->depth = 0;
    w->current = NULL;
    w->initial = initial;
    if (pthread_create(&w->thread, &s->tattr, worker_main, w) != 0) {
        w->initial = NULL;
        return -1;
    }
    w->state = W_LIVE;
    s->live++;
    if (s->live > s->stats.threads_peak)
        s->stats.threads_peak = s->live;
    if (s->started)
        s->stats.spawned++;
    if (initial) {
        claim(initial, w);
        s->busy++;
    } else {
        s->idle++;
    }
    return 0;
}

/* Called when work is queued or a busy thread blocks: makes sure a thread
 * will take the work while fewer than nthreads are busy. */
static void kick(fl_sched *s) {
    if (!s->q_head || s->busy >= s->cfg.nthreads)
        return;
    if (s->idle > 0)
        pthread_cond_signal(&s->work);
    else
        (void)spawn(s, NULL); /* at the bound: a running call frees a slot later */
}

static void *worker_main(void *arg) {
    struct worker *w = arg;
    fl_sched *s = w->s;
    tls_worker = w;
    pthread_mutex_lock(&s->lock);
    if (w->initial) {
        struct call *c = w->initial;
        w->initial = NULL;
        run_call(s, w, c);
        s->busy--;
        s->idle++;
    }
    for (;;) {
        if (s->q_head && s->busy < s->cfg.nthreads) {
            struct call *c = s->q_head;
            queue_remove(s, c);
            claim(c, w);
            s->idle--;
            s->busy++;
            run_call(s, w, c);
            s->busy--;
            s->idle++;
            continue;
        }
        if (s->stopping && !s->q_head)
            break;
        if (s->live > s->cfg.nthreads) {
            /* a spare: leave after idling a while */
            struct timespec until = deadline_in(s->cfg.spare_idle_ms);
            int rc = pthread_cond_timedwait(&s->work, &s->lock, &until);
            if (rc == ETIMEDOUT && s->live > s->cfg.nthreads &&
                !(s->q_head && s->busy < s->cfg.nthreads))
                break;
        } else {
            pthread_cond_wait(&s->work, &s->lock);
        }
    }
    s->idle--;
    s->live--;
    w->state = W_DONE;
    pthread_cond_broadcast(&s->exited);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Raises the cancel flag of each running call whose deadline has passed;
 * sleeps until the soonest deadline otherwise. */
static void *watchdog_main(void *arg) {
    fl_sched *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->wd_stop) {
        if (!s->d_head) {
            pthread_cond_wait(&s->wd_cond, &s->lock);
            continue;
        }
        struct timespec until = s->d_head->deadline;
        pthread_cond_timedwait(&s->wd_cond, &s->lock, &until);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        while (s->d_head && ts_before_eq(&s->d_head->deadline, &now)) {
            struct call *c = s->d_head;
            deadline_remove(s, c);
            c->timed_out = true;
            raise_cancel(c);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ---- the interface ---- */

fl_sched *fl_sched_new(unsigned nthreads, fl_sched_run_fn run, void *ctx) {
    fl_sched_config cfg = {.nthreads = nthreads, .run = run, .ctx = ctx};
    return fl_sched_new_config(&cfg);
}

fl_sched *fl_sched_new_config(const fl_sched_config *cfg) {
    if (!cfg || cfg->nthreads == 0 || !cfg->run)
        return NULL;
    fl_sched *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cfg = *cfg;
    if (s->cfg.max_threads == 0)
        s->cfg.max_threads = s->cfg.nthreads + 64;
    if (s->cfg.max_threads < s->cfg.nthreads)
        s->cfg.max_threads = s->cfg.nthreads;
    if (s->cfg.max_history == 0)
        s->cfg.max_history = 4096;
    if (s->cfg.spare_idle_ms == 0)
        s->cfg.spare_idle_ms = 1000;
    if (s->cfg.stack_size == 0)
        s->cfg.stack_size = 8u << 20;
    s->next_id = 1;
    s->nbuckets = 256;
    s->buckets = calloc(s->nbuckets, sizeof *s->buckets);
    s->workers = calloc(s->cfg.max_threads, sizeof *s->workers);
    if (!s->buckets || !s->workers)
        goto fail_alloc;

    /* adaptive: held for microseconds at a time, by many threads (every
     * waiter wakes into it), so a short spin beats a sleep and a wake */
    pthread_mutexattr_t mattr;
    pthread_mutexattr_init(&mattr);
    pthread_mutexattr_settype(&mattr, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&s->lock, &mattr);
    pthread_mutexattr_destroy(&mattr);
    pthread_condattr_init(&s->cattr);
    pthread_condattr_setclock(&s->cattr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->work, &s->cattr);
    pthread_cond_init(&s->exited, &s->cattr);
    pthread_cond_init(&s->wd_cond, &s->cattr);
    pthread_attr_init(&s->tattr);
    pthread_attr_setstacksize(&s->tattr, s->cfg.stack_size);

    if (pthread_create(&s->wd_thread, NULL, watchdog_main, s) != 0)
        goto fail_sync;
    pthread_mutex_lock(&s->lock);
    for (unsigned i = 0; i < s->cfg.nthreads; i++) {
        if (spawn(s, NULL) != 0) {
            pthread_mutex_unlock(&s->lock);
            fl_sched_free(s, FL_SCHED_CANCEL);
            return NULL;
        }
    }
    s->started = true;
    pthread_mutex_unlock(&s->lock);
    return s;

fail_sync:
    pthread_attr_destroy(&s->tattr);
    pthread_cond_destroy(&s->wd_cond);
    pthread_cond_destroy(&s->exited);
    pthread_cond_destroy(&s->work);
    pthread_condattr_destroy(&s->cattr);
    pthread_mutex_destroy(&s->lock);
fail_alloc:
    free(s->workers);
    free(s->buckets);
    free(s);
    return NULL;
}

void fl_sched_free(fl_sched *s, fl_sched_stop mode) {
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    s->mode = mode;
    if (mode == FL_SCHED_CANCEL) {
        while (s->q_head) {
            struct call *c = s->q_head;
            queue_remove(s, c);
            c->cancelled = true;
            finish(s, c);
        }
        for (unsigned i = 0; i < s->cfg.max_threads; i++) {
            struct worker *w = &s->workers[i];
            if (w->state != W_LIVE)
                continue;
            if (w->initial) {
                w->initial->cancelled = true;
                raise_cancel(w->initial);
            }
            for (struct call *c = w->current; c; c = c->outer) {
                c->cancelled = true;
                raise_cancel(c);
            }
        }
    }
    pthread_cond_broadcast(&s->work);
    while (s->live > 0)
        pthread_cond_wait(&s->exited, &s->lock);
    for (unsigned i = 0; i < s->cfg.max_threads; i++) {
        if (s->workers[i].state == W_DONE) {
            pthread_join(s->workers[i].thread, NULL);
            s->workers[i].state = W_FREE;
        }
    }
    s->wd_stop = true;
    pthread_cond_signal(&s->wd_cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->wd_thread, NULL);

    /* every call has finished: only the table's references remain */
    for (size_t i = 0; i < s->nbuckets; i++) {
        struct call *c = s->buckets[i];
        while (c) {
            struct call *next = c->hash_next;
            call_destroy(c);
            c = next;
        }
    }
    pthread_attr_destroy(&s->tattr);
    pthread_cond_destroy(&s->wd_cond);
    pthread_cond_destroy(&s->exited);
    pthread_cond_destroy(&s->work);
    pthread_condattr_destroy(&s->cattr);
    pthread_mutex_destroy(&s->lock);
    free(s->workers);
    free(s->buckets);
    free(s);
}

/* The worker of `s` the calling thread is, or NULL for an outside thread. */
static struct worker *self_worker(fl_sched *s) {
    struct worker *w = tls_worker;
    return w && w->s == s ? w : NULL;
}

int fl_sched_submit_call(fl_sched *s, const fl_call_msg *msg, uint32_t *id_out) {
    int rc = -ENOMEM;
    *id_out = 0;
    if (!s || !msg || (msg->input_len && !msg->input))
        return -EINVAL;
    struct call *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    c->user = strdup(msg->user ? msg->user : "");
    c->function = strdup(msg->function ? msg->function : "");
    if (msg->input_len) {
        c->input = malloc(msg->input_len);
        if (c->input)
            memcpy(c->input, msg->input, msg->input_len);
    }
    if (!c->user || !c->function || (msg->input_len && !c->input))
        goto fail;
    c->input_len = msg->input_len;
    c->timeout_ms = msg->timeout_ms;
    c->deadline_ns = msg->deadline_ns;
    c->flags = msg->flags;
    c->tree_depth = msg->tree_depth; /* a root's; a chained call's is set by tree_join */
    c->status = FL_CALL_QUEUED;
    c->refs = 2; /* the table's and the run's */
    /* the input is held until the call ends: the tree pays for it */
    if (fl_budget_charge(msg->budget, FL_BUDGET_MEMORY, msg->input_len) < 0) {
        rc = -EDQUOT;
        goto fail;
    }
    c->budget = fl_budget_ref(msg->budget);
    c->input_charged = msg->input_len;
    pthread_cond_init(&c->done, &s->cattr);

    pthread_mutex_lock(&s->lock);
    struct worker *w = self_worker(s);
    struct call *chainer = w ? w->current : NULL;
    /* at a draining shutdown, running calls may still chain */
    if (s->stopping && (s->mode == FL_SCHED_CANCEL || !w)) {
        rc = -ESHUTDOWN;
        goto fail_locked;
    }
    /* a call being cancelled (or of a failed tree) chains nothing more */
    if (chainer && (chainer->tree->failed || __atomic_load_n(&chainer->cancel, __ATOMIC_RELAXED))) {
        rc = -ECANCELED;
        goto fail_locked;
    }
    if (tree_join(c, chainer ? chainer->tree : NULL, chainer) < 0)
        goto fail_locked;
    c->opaque = msg->opaque;
    c->opaque_free = msg->opaque_free;
    c->id = next_id(s);
    c->parent = chainer ? chainer->id : 0;
    table_insert(s, c);
    queue_push(s, c);
    s->stats.submitted++;
    *id_out = c->id;
    kick(s);
    pthread_mutex_unlock(&s->lock);
    return 0;

fail_locked:
    pthread_mutex_unlock(&s->lock);
    pthread_cond_destroy(&c->done);
fail:
    free_message(c);
    fl_budget_unref(c->budget);
    free(c);
    return rc;
}

uint32_t fl_sched_submit(fl_sched *s, const fl_call_msg *msg) {
    uint32_t id;
    return fl_sched_submit_call(s, msg, &id) == 0 ? id : 0;
}

/* The common await: waits for call `id`, helping it along when it is queued
 * and we are one of its workers; copies the output when `out` is given. */
static int await_call(fl_sched *s, uint32_t id, int timeout_ms, int *retval,
                      uint8_t **out, size_t *out_len, fl_call_taken *take) {
    if (out) {
        *out = NULL;
        *out_len = 0;
    }
    if (!s || id == 0)
        return -ENOENT;
    pthread_mutex_lock(&s->lock);
    struct call *c = table_find(s, id);
    if (!c) {
        pthread_mutex_unlock(&s->lock);
        return -ENOENT;
    }
    struct worker *w = self_worker(s);
    if (w && c->runner == w) {
        /* it is on our own stack: it cannot finish before we return */
        pthread_mutex_unlock(&s->lock);
        return -EDEADLK;
    }
    c->refs++;
    struct timespec until = {0, 0};
    if (timeout_ms > 0)
        until = deadline_in((uint64_t)timeout_ms);
    int rc = 0;
    while (c->status == FL_CALL_QUEUED || c->status == FL_CALL_RUNNING) {
        if (w && w->current && __atomic_load_n(&w->current->cancel, __ATOMIC_RELAXED)) {
            /* our own call is past its deadline or cancelled: stop waiting */
            rc = -ECANCELED;
            break;
        }
        /* A timed await hands the call on (to the front of the queue) when a
         * thread can take it, so that the timeout holds; otherwise, and
         * always for an untimed await, it runs the call itself. */
        bool hand_on = timeout_ms > 0 && s->busy <= s->cfg.nthreads &&
                       (s->idle > 0 || s->live < s->cfg.max_threads);
        if (w && c->status == FL_CALL_QUEUED && hand_on && c != s->q_head) {
            queue_remove(s, c);
            queue_push_front(s, c);
        }
        if (w && c->status == FL_CALL_QUEUED && !hand_on) {
            /* run it ourselves: whatever it is queued behind cannot block it;
             * nested only while the stack left holds a whole call, else on a
             * fresh thread, else it fails: never a stack overflow */
            queue_remove(s, c);
            if (fl_cstack_left() >= FL_CSTACK_CALL_RESERVE) {
                s->stats.helped++;
                claim(c, w);
                run_call(s, w, c);
            } else if (spawn(s, c) == 0) {
                s->stats.handed++;
            } else {
                c->stack_out = true;
                s->stats.stack_refused++;
                finish(s, c);
            }
            continue;
        }
        if (timeout_ms == 0) {
            rc = -ETIMEDOUT;
            break;
        }
        if (w) {
            w->waiting_on = c;
            s->busy--;
            kick(s);
        }
        int wrc = 0;
        if (timeout_ms < 0)
            pthread_cond_wait(&c->done, &s->lock);
        else
            wrc = pthread_cond_timedwait(&c->done, &s->lock, &until);
        if (w) {
            w->waiting_on = NULL;
            s->busy++;
        }
        if (wrc == ETIMEDOUT &&
            (c->status == FL_CALL_QUEUED || c->status == FL_CALL_RUNNING)) {
            rc = -ETIMEDOUT;
            break;
        }
    }
    if (rc == 0 && take) {
        /* moved, not copied; the output's charge goes back to its tree */
        take->status = c->status;
        take->reason = c->status == FL_CALL_FAILED ? c->reason : FL_REASON_NONE;
        take->retval = c->retval;
        fl_budget_release(c->budget, FL_BUDGET_MEMORY, c->output_len);
        take->output = c->output;
        take->output_len = c->output_len;
        take->error = c->error;
        take->budget = fl_budget_ref(c->budget);
        c->output = NULL;
        c->output_len = 0;
        c->error = NULL;
        if (c->in_table) { /* as fl_sched_release */
            table_remove(s, c);
            if (c->in_history)
                hist_remove(s, c);
            call_unref(s, c);
        }
    } else if (rc == 0) {
        if (retval)
            *retval = c->retval;
        if (out && c->output_len) {
            *out = malloc(c->output_len);
            if (*out) {
                memcpy(*out, c->output, c->output_len);
                *out_len = c->output_len;
            } else {
                rc = -ENOMEM;
            }
        }
    }
    call_unref(s, c);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int fl_sched_await(fl_sched *s, uint32_t id, int timeout_ms, int *retval) {
    return await_call(s, id, timeout_ms, retval, NULL, NULL, NULL);
}

int fl_sched_take(fl_sched *s, uint32_t id, int timeout_ms, fl_call_taken *t) {
    memset(t, 0, sizeof *t);
    return await_call(s, id, timeout_ms, NULL, NULL, NULL, t);
}

int fl_sched_await_output(fl_sched *s, uint32_t id, int timeout_ms, int *retval,
                          uint8_t **out, size_t *out_len) {
    if (!out || !out_len)
        return -EINVAL;
    return await_call(s, id, timeout_ms, retval, out, out_len, NULL);
}

fl_call_status fl_sched_status(fl_sched *s, uint32_t id) {
    if (!s || id == 0)
        return FL_CALL_UNKNOWN;
    pthread_mutex_lock(&s->lock);
    struct call *c = table_find(s, id);
    fl_call_status st = c ? c->status : FL_CALL_UNKNOWN;
    pthread_mutex_unlock(&s->lock);
    return st;
}

char *fl_sched_error(fl_sched *s, uint32_t id) {
    if (!s || id == 0)
        return NULL;
    char *e = NULL;
    pthread_mutex_lock(&s->lock);
    struct call *c = table_find(s, id);
    if (c && (c->status == FL_CALL_SUCCESS || c->status == FL_CALL_FAILED) && c->error)
        e = strdup(c->error);
    pthread_mutex_unlock(&s->lock);
    return e;
}

int fl_sched_reason(fl_sched *s, uint32_t id) {
    if (!s || id == 0)
        return FL_REASON_NONE;
    pthread_mutex_lock(&s->lock);
    struct call *c = table_find(s, id);
    int r = c && c->status == FL_CALL_FAILED ? c->reason : FL_REASON_NONE;
    pthread_mutex_unlock(&s->lock);
    return r;
}

int fl_sched_fail_tree(fl_sched *s, int reason, const char *fmt, ...) {
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL; /* the root still fails, without its message */
    va_end(ap);

    pthread_mutex_lock(&s->lock);
    struct worker *w = self_worker(s);
    if (!w || !w->current) {
        pthread_mutex_unlock(&s->lock);
        free(msg);
        return -EINVAL;
    }
    struct tree *t = w->current->tree;
    if (t->failed) {
        pthread_mutex_unlock(&s->lock);
        free(msg);
        return 0;
    }
    t->failed = true;
    struct call *root = t->root;
    if (root && !root->tree_error) {
        free(root->error);
        root->error = msg;
        msg = NULL;
        root->errored = true;
        root->tree_error = true;
        root->reason = reason;
    }
    struct call *todo = NULL;
    for (struct call *c = t->live; c; c = c->t_next) {
        if (c->status == FL_CALL_QUEUED) {
            c->cancel_next = todo;
            todo = c;
        } else {
            cancel_running(c, CANCEL_TREE);
        }
    }
    finish_cancelled(s, todo, CANCEL_TREE);
    pthread_mutex_unlock(&s->lock);
    free(msg);
    return 0;
}

int fl_sched_release(fl_sched *s, uint32_t id) {
    if (!s || id == 0)
        return -ENOENT;
    pthread_mutex_lock(&s->lock);
    struct call *c = table_find(s, id);
    if (!c) {
        pthread_mutex_unlock(&s->lock);
        return -ENOENT;
    }
    table_remove(s, c);
    if (c->in_history)
        hist_remove(s, c);
    call_unref(s, c);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

void fl_sched_get_stats(fl_sched *s, fl_sched_stats *out) {
    pthread_mutex_lock(&s->lock);
    *out = s->stats;
    out->threads = s->live;
    out->queued = s->queued;
    out->busy = s->busy;
    out->nthreads = s->cfg.nthreads;
    out->results = (unsigned)s->ncalls;
    pthread_mutex_unlock(&s->lock);
}

/* ---- the sink: written only by the call's own thread while it runs;
 * readers look only after finish(), under the lock ---- */

int fl_call_set_output(fl_call_sink *sink, const void *bytes, size_t len) {
    struct call *c = sink->c;
    /* The old output goes first, so that replacing an output needs room for
     * one copy, not two; a refused new one leaves the output empty. */
    fl_budget_release(c->budget, FL_BUDGET_MEMORY, c->output_len);
    free(c->output);
    c->output = NULL;
    c->output_len = 0;
    /* charged before the copy is made: the budget bounds the host's memory */
    if (fl_budget_charge(c->budget, FL_BUDGET_MEMORY, len) < 0)
        return -EDQUOT;
    if (len) {
        c->output = malloc(len);
        if (!c->output) {
            fl_budget_release(c->budget, FL_BUDGET_MEMORY, len);
            return -ENOMEM;
        }
        memcpy(c->output, bytes, len);
    }
    c->output_len = len;
    return 0;
}

void fl_call_set_return(fl_call_sink *sink, int retval) {
    sink->c->retval = retval;
    sink->c->retval_set = true;
}

/* Sets the error unless one is set: under the lock, since
 * fl_sched_fail_tree may set the root's from another thread. */
static void set_error(fl_call_sink *sink, int reason, const char *fmt, va_list ap) {
    struct call *c = sink->c;
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = strdup("call failed"); /* NULL on OOM: see finish() */
    pthread_mutex_lock(&sink->s->lock);
    if (!c->errored) {
        c->errored = true;
        c->error = msg;
        c->reason = reason;
        msg = NULL;
    }
    pthread_mutex_unlock(&sink->s->lock);
    free(msg);
}

void fl_call_set_error(fl_call_sink *sink, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    set_error(sink, FL_REASON_ERROR, fmt, ap);
    va_end(ap);
}

void fl_call_fail(fl_call_sink *sink, int reason, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    set_error(sink, reason, fmt, ap);
    va_end(ap);
}

void fl_call_blocked(fl_call_sink *sink, bool blocked) {
    fl_sched *s = sink->s;
    if (!tls_worker)
        return;
    pthread_mutex_lock(&s->lock);
    if (blocked) {
        s->busy--;
        kick(s);
    } else {
        s->busy++;
    }
    pthread_mutex_unlock(&s->lock);
}

void fl_call_watch_fn(fl_call_sink *sink, void (*fn)(void *arg), void *arg) {
    fl_sched *s = sink->s;
    pthread_mutex_lock(&s->lock);
    sink->c->watch_fn = fn;
    sink->c->watch_arg = arg;
    if (fn && __atomic_load_n(&sink->c->cancel, __ATOMIC_RELAXED))
        fn(arg);
    pthread_mutex_unlock(&s->lock);
}
