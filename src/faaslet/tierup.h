/*
 * tierup.h: machine code generated in the background, inside the Faaslet
 * layer (faaslet.c is its only user; names carry `fl__`).
 *
 * Under --tier auto a module without cached machine code starts on the
 * interpreter; a long-lived runtime then asks here for its code.  One
 * worker thread generates one module at a time (faaslet-codegen already
 * uses every core), each module's bytes once per runtime whatever came of
 * it, and calls `ready` when the code is in its cache folder: the runtime
 * then switches new calls over.  Freeing kills a generation under way.
 */
#ifndef FL_FAASLET_TIERUP_H
#define FL_FAASLET_TIERUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fl__tierup fl__tierup;

/* What a request names: the module's bytes, their SHA-256, its cache
 * folder and whose it is (a C function user/func, or Python's runtime). */
typedef struct fl__tierup_job {
    uint8_t *bytes;
    size_t len;
    uint8_t sha[32];
    char *dir;
    char *user, *func;
    bool python;
} fl__tierup_job;

/* Called on the worker thread once a job's code is cached. */
typedef void (*fl__tierup_ready)(void *ctx, const fl__tierup_job *job);

/* A worker (started on the first request) that calls ready(ctx, job). */
fl__tierup *fl__tierup_new(fl__tierup_ready ready, void *ctx);

/* Queues generation for bytes[0..len) (copied) into folder `dir`, unless
 * the same bytes were asked for before.  user/func may be NULL (Python).
 * Returns 0, or -1 when out of memory or the worker cannot start. */
int fl__tierup_request(fl__tierup *t, const uint8_t *bytes, size_t len, const uint8_t sha[32],
                       const char *dir, const char *user, const char *func, bool python);

/* Waits until nothing is queued or under way (tests), at most timeout_ms;
 * true when idle. */
bool fl__tierup_wait_idle(fl__tierup *t, unsigned timeout_ms);

/* Stops the worker: a generation under way is killed, queued ones dropped. */
void fl__tierup_free(fl__tierup *t);

#endif
