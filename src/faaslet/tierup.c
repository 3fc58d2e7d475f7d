/*
 * tierup.c: the background code generator of a runtime (see tierup.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aot/aot.h"
#include "faaslet/tierup.h"

typedef struct queued {
    fl__tierup_job job;
    struct queued *next;
} queued;

struct fl__tierup {
    fl__tierup_ready ready;
    void *ctx;
    pthread_mutex_t lock; /* guards what follows */
    pthread_cond_t wake;  /* a job was queued, or stop */
    pthread_cond_t idle;  /* the queue emptied and nothing is under way */
    queued *head, *tail;
    bool busy;            /* a job is under way */
    bool started, stop;
    pthread_t thread;
    uint8_t (*asked)[32]; /* every sha requested so far */
    size_t nasked, capasked;
    volatile int cancel;  /* raised by fl__tierup_free: kills faaslet-codegen */
};

static void job_clear(fl__tierup_job *j) {
    free(j->bytes);
    free(j->dir);
    free(j->user);
    free(j->func);
}

static void *worker(void *arg) {
    fl__tierup *t = arg;
    pthread_mutex_lock(&t->lock);
    for (;;) {
        while (!t->head && !t->stop)
            pthread_cond_wait(&t->wake, &t->lock);
        if (t->stop)
            break;
        queued *q = t->head;
        t->head = q->next;
        if (!t->head)
            t->tail = NULL;
        t->busy = true;
        pthread_mutex_unlock(&t->lock);

        fl_error err = {0};
        int rc = fl_aot_ensure(q->job.bytes, q->job.len, q->job.sha, q->job.dir, false,
                               &t->cancel, &err);
        if (rc >= 0 && !t->cancel)
            t->ready(t->ctx, &q->job);
        /* a failure leaves the module interpreted: nothing to switch to */
        job_clear(&q->job);
        free(q);

        pthread_mutex_lock(&t->lock);
        t->busy = false;
        if (!t->head)
            pthread_cond_broadcast(&t->idle);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

fl__tierup *fl__tierup_new(fl__tierup_ready ready, void *ctx) {
    fl__tierup *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ready = ready;
    t->ctx = ctx;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    pthread_cond_init(&t->idle, NULL);
    return t;
}

static char *dup_or_null(const char *s, bool *failed) {
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *failed = true;
    return d;
}

int fl__tierup_request(fl__tierup *t, const uint8_t *bytes, size_t len, const uint8_t sha[32],
                       const char *dir, const char *user, const char *func, bool python) {
    pthread_mutex_lock(&t->lock);
    for (size_t i = 0; i < t->nasked; i++)
        if (!memcmp(t->asked[i], sha, 32)) {
            pthread_mutex_unlock(&t->lock);
            return 0;
        }
    if (t->nasked == t->capasked) {
        size_t cap = t->capasked ? 2 * t->capasked : 16;
        void *p = realloc(t->asked, cap * sizeof *t->asked);
        if (!p)
            goto oom;
        t->asked = p;
        t->capasked = cap;
    }
    queued *q = calloc(1, sizeof *q);
    bool failed = false;
    if (!q)
        goto oom;
    q->job.len = len;
    q->job.python = python;
    memcpy(q->job.sha, sha, 32);
    q->job.bytes = malloc(len ? len : 1);
    q->job.dir = dup_or_null(dir, &failed);
    q->job.user = dup_or_null(user, &failed);
    q->job.func = dup_or_null(func, &failed);
    if (!q->job.bytes || failed) {
        job_clear(&q->job);
        free(q);
        goto oom;
    }
    memcpy(q->job.bytes, bytes, len);
    if (!t->started) {
        if (pthread_create(&t->thread, NULL, worker, t) != 0) {
            job_clear(&q->job);
            free(q);
            goto oom;
        }
        t->started = true;
    }
    memcpy(t->asked[t->nasked++], sha, 32);
    if (t->tail)
        t->tail->next = q;
    else
        t->head = q;
    t->tail = q;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    return 0;
oom:
    pthread_mutex_unlock(&t->lock);
    return -1;
}

bool fl__tierup_wait_idle(fl__tierup *t, unsigned timeout_ms) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&t->lock);
    int rc = 0;
    while ((t->head || t->busy) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&t->idle, &t->lock, &until);
    bool idle = !t->head && !t->busy;
    pthread_mutex_unlock(&t->lock);
    return idle;
}

void fl__tierup_free(fl__tierup *t) {
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    t->cancel = 1;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    if (t->started)
        pthread_join(t->thread, NULL);
    while (t->head) {
        queued *q = t->head;
        t->head = q->next;
        job_clear(&q->job);
        free(q);
    }
    free(t->asked);
    pthread_cond_destroy(&t->wake);
    pthread_cond_destroy(&t->idle);
    pthread_mutex_destroy(&t->lock);
    free(t);
}
