/*
 * test_state_redis.c: the global tier on Redis (state/state.h,
 * fl_global_redis_open) against a real redis-server, started for each test
 * on a free loopback port with a temporary folder and stopped after it:
 * values and lists byte for byte, where they live in Redis, two local
 * tiers (two hosts) sharing state through it, and a server that goes away,
 * stalls, and comes back.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "redis_server.h"
#include "state/state.h"

static redis_server rs;
static fl_global_tier g;

static long ms_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void setup(void) {
    redis_server_new(&rs);
    char err[200];
    cr_assert_eq(fl_global_redis_open(rs.url, 300, &g, err, sizeof err), 0, "%s", err);
}

static void teardown(void) {
    fl_global_redis_free(&g);
    redis_server_free(&rs);
}

TestSuite(redis, .init = setup, .fini = teardown);

Test(redis, values_byte_for_byte) {
    cr_assert_eq(g.size(g.ctx, "alice/k"), -ENOENT);
    char buf[16];
    cr_assert_eq(g.get(g.ctx, "alice/k", buf, sizeof buf), -ENOENT);
    cr_assert_eq(g.set(g.ctx, "alice/k", "a\0b\xff", 4), 0);
    cr_assert_eq(g.size(g.ctx, "alice/k"), 4);
    memset(buf, 0, sizeof buf);
    cr_assert_eq(g.get(g.ctx, "alice/k", buf, sizeof buf), 4);
    cr_assert_arr_eq(buf, "a\0b\xff", 4);
    cr_assert_eq(g.get(g.ctx, "alice/k", buf, 2), 4, "a short buffer still learns the size");
    /* set_range past the end pads with zeros, on a new key too */
    cr_assert_eq(g.set_range(g.ctx, "alice/r", 3, "xy", 2), 0);
    memset(buf, 7, sizeof buf);
    cr_assert_eq(g.get(g.ctx, "alice/r", buf, sizeof buf), 5);
    cr_assert_arr_eq(buf, "\0\0\0xy", 5);
    /* an empty value exists */
    cr_assert_eq(g.set(g.ctx, "alice/e", "", 0), 0);
    cr_assert_eq(g.size(g.ctx, "alice/e"), 0);
    /* users are apart */
    cr_assert_eq(g.size(g.ctx, "bob/k"), -ENOENT);
}

Test(redis, lists_in_order) {
    cr_assert_eq(g.append(g.ctx, "u/l", "one", 3), 0);
    cr_assert_eq(g.append(g.ctx, "u/l", "", 0), 0);
    cr_assert_eq(g.append(g.ctx, "u/l", "three", 5), 0);
    char buf[16] = {0};
    cr_assert_eq(g.read_list(g.ctx, "u/l", 3, buf, sizeof buf), 8);
    cr_assert_str_eq(buf, "onethree");
    cr_assert_eq(g.read_list(g.ctx, "u/l", 4, buf, sizeof buf), -ENODATA);
    cr_assert_eq(g.read_list(g.ctx, "u/l", 3, buf, 4), -ENOSPC);
    cr_assert_eq(g.size(g.ctx, "u/l"), -ENOENT, "a list makes no value");
    cr_assert_eq(g.clear_list(g.ctx, "u/l"), 0);
    cr_assert_eq(g.read_list(g.ctx, "u/l", 1, buf, sizeof buf), -ENODATA);
    cr_assert_eq(g.clear_list(g.ctx, "u/l"), 0, "clearing nothing is fine");
}

/* Where a value lives in Redis: one hash slot per user (Redis Cluster). */
Test(redis, keys_are_tagged_by_user) {
    cr_assert_eq(g.set(g.ctx, "alice/some key", "v", 1), 0);
    cr_assert_eq(g.append(g.ctx, "alice/some key", "e", 1), 0);
    redisContext *c = redisConnect("127.0.0.1", rs.port);
    cr_assert(c && !c->err);
    redisReply *r = redisCommand(c, "GET %s", "fl:v:{alice}:some key");
    cr_assert_eq(r->type, REDIS_REPLY_STRING);
    cr_assert_str_eq(r->str, "v");
    freeReplyObject(r);
    r = redisCommand(c, "LLEN %s", "fl:l:{alice}:some key");
    cr_assert_eq(r->integer, 1);
    freeReplyObject(r);
    redisFree(c);
}

/* Two local tiers (two hosts) over one Redis: one pushes, the other pulls. */
Test(redis, two_hosts_share_state) {
    fl_state *host1, *host2;
    cr_assert_eq(fl_state_new(&g, &host1), 0);
    cr_assert_eq(fl_state_new(&g, &host2), 0);
    fl_state_kv *a, *b;
    cr_assert_eq(fl_state_lookup(host1, "u", "shared", &a), 0);
    cr_assert_eq(fl_state_lookup(host2, "u", "shared", &b), 0);
    cr_assert_eq(fl_state_write(a, "from host 1", 11, NULL), 0);
    cr_assert_eq(fl_state_push(a), 0);
    char buf[32] = {0};
    cr_assert_eq(fl_state_pull(b, NULL), 0);
    cr_assert_eq(fl_state_read(b, buf, sizeof buf), 11);
    cr_assert_str_eq(buf, "from host 1");
    cr_assert_eq(fl_state_append(b, "x", 1, NULL), 0);
    memset(buf, 0, sizeof buf);
    cr_assert_eq(fl_state_read_appended(a, 1, buf, sizeof buf), 1);
    cr_assert_str_eq(buf, "x");
    fl_state_free(host1);
    fl_state_free(host2);
}

/* A server that goes away: clear errors at once; back: it works again. */
Test(redis, down_then_back) {
    cr_assert_eq(g.set(g.ctx, "u/k", "v", 1), 0);
    redis_server_stop(&rs);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ssize_t rc = g.size(g.ctx, "u/k");
    cr_assert(rc == -ECONNREFUSED || rc == -ECONNRESET, "rc %zd", rc);
    cr_assert_eq(g.set(g.ctx, "u/k", "w", 1), -ECONNREFUSED);
    cr_assert_eq(fl_global_redis_ping(&g), -ECONNREFUSED);
    cr_assert_lt(ms_since(&t0), 1000);
    redis_server_start(&rs);
    cr_assert_eq(fl_global_redis_ping(&g), 0);
    cr_assert_eq(g.set(g.ctx, "u/k", "back", 4), 0);
    cr_assert_eq(g.size(g.ctx, "u/k"), 4);
}

/* A server that stalls: each operation ends at the deadline (300 ms). */
Test(redis, a_stalled_server_times_out) {
    cr_assert_eq(fl_global_redis_ping(&g), 0);
    kill(rs.pid, SIGSTOP);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(g.size(g.ctx, "u/k"), -ETIMEDOUT);
    long ms = ms_since(&t0);
    cr_assert(ms >= 250 && ms < 2000, "%ld ms", ms);
    kill(rs.pid, SIGCONT);
    cr_assert_eq(fl_global_redis_ping(&g), 0);
}

Test(redis, bad_urls_are_refused) {
    fl_global_tier x;
    char err[200];
    cr_assert_eq(fl_global_redis_open("http://h:1", 0, &x, err, sizeof err), -1);
    cr_assert(strstr(err, "redis://"), "%s", err);
    cr_assert_eq(fl_global_redis_open("redis://h:99999", 0, &x, err, sizeof err), -1);
    cr_assert_eq(fl_global_redis_open("redis://:1", 0, &x, err, sizeof err), -1);
    cr_assert_eq(fl_global_redis_open("redis://h:1/x", 0, &x, err, sizeof err), -1);
    cr_assert_eq(fl_global_redis_open("redis://h/3", 0, &x, err, sizeof err), 0);
    fl_global_redis_free(&x);
}

static void *pull_thread(void *kv) {
    return (void *)(intptr_t)fl_state_pull(kv, NULL);
}

/* A pull waiting on a stalled Redis holds no lock: the replica's other
 * users go on meanwhile (issue 12: no round trip under a replica's mutex). */
Test(redis, a_stalled_pull_blocks_no_one_else) {
    fl_state *host;
    cr_assert_eq(fl_state_new(&g, &host), 0);
    fl_state_kv *kv;
    cr_assert_eq(fl_state_lookup(host, "u", "k", &kv), 0);
    cr_assert_eq(fl_state_write(kv, "abc", 3, NULL), 0);
    cr_assert_eq(fl_state_push(kv), 0);
    kill(rs.pid, SIGSTOP);
    pthread_t t;
    pthread_create(&t, NULL, pull_thread, kv);
    struct timespec pause = {0, 50 * 1000000L}, t0;
    nanosleep(&pause, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char buf[4] = {0};
    cr_assert_eq(fl_state_read(kv, buf, sizeof buf), 3, "the replica is still readable");
    cr_assert_eq(fl_state_size(kv), 3);
    long ms = ms_since(&t0);
    void *rc;
    pthread_join(t, &rc);
    kill(rs.pid, SIGCONT);
    cr_assert_lt(ms, 150, "read and size waited %ld ms for the pull", ms);
    cr_assert_eq((intptr_t)rc, -ETIMEDOUT, "the pull itself ends at its deadline");
    cr_assert_str_eq(buf, "abc", "and changed nothing");
    fl_state_free(host);
}

typedef struct locker {
    fl_state_kv *kv;
    volatile int cancel;
    int rc;
    struct timespec got;
} locker;

static void *lock_thread(void *arg) {
    locker *l = arg;
    l->rc = fl_state_lock_write_until(l->kv, &l->cancel);
    clock_gettime(CLOCK_MONOTONIC, &l->got);
    return NULL;
}

/* Two hosts (two local tiers) over one Redis: a write lock on one holds
 * the other off until it is released, or until the waiter gives up. */
Test(redis, write_locks_hold_across_hosts) {
    fl_state *h1, *h2;
    cr_assert_eq(fl_state_new(&g, &h1), 0);
    cr_assert_eq(fl_state_new(&g, &h2), 0);
    fl_state_kv *a, *b;
    cr_assert_eq(fl_state_lookup(h1, "u", "locked", &a), 0);
    cr_assert_eq(fl_state_lookup(h2, "u", "locked", &b), 0);
    cr_assert_eq(fl_state_lock_write(a), 0);
    locker l = {.kv = b};
    pthread_t t;
    pthread_create(&t, NULL, lock_thread, &l);
    struct timespec pause = {0, 200 * 1000000L}, released;
    nanosleep(&pause, NULL);
    cr_assert_eq(l.got.tv_sec, 0, "host 2 took a lock host 1 holds");
    clock_gettime(CLOCK_MONOTONIC, &released);
    cr_assert_eq(fl_state_unlock_write(a), 0);
    pthread_join(t, NULL);
    cr_assert_eq(l.rc, 0);
    cr_assert(l.got.tv_sec > released.tv_sec ||
              (l.got.tv_sec == released.tv_sec && l.got.tv_nsec >= released.tv_nsec));
    /* now host 1 waits, and gives up when told */
    locker w = {.kv = a};
    pthread_create(&t, NULL, lock_thread, &w);
    nanosleep(&pause, NULL);
    w.cancel = 1;
    pthread_join(t, NULL);
    cr_assert_eq(w.rc, -ECANCELED);
    cr_assert_eq(fl_state_lock_read(a), 0, "a waiter that gave up holds nothing here");
    cr_assert_eq(fl_state_unlock_read(a), 0);
    cr_assert_eq(fl_state_unlock_write(b), 0);
    cr_assert_eq(fl_state_lock_write(a), 0, "free again");
    cr_assert_eq(fl_state_unlock_write(a), 0);
    fl_state_free(h1);
    fl_state_free(h2);
}

/* A lock is its token's: another token neither takes nor frees it, and a
 * holder that died frees it when it expires. */
Test(redis, locks_are_owned_and_expire) {
    cr_assert_eq(g.lock(g.ctx, "u/k", "t1", 300), 0);
    cr_assert_eq(g.lock(g.ctx, "u/k", "t2", 300), -EBUSY);
    cr_assert_eq(g.unlock(g.ctx, "u/k", "t2"), 0);
    cr_assert_eq(g.lock(g.ctx, "u/k", "t2", 300), -EBUSY, "t2's unlock freed nothing");
    struct timespec pause = {0, 400 * 1000000L};
    nanosleep(&pause, NULL);
    cr_assert_eq(g.lock(g.ctx, "u/k", "t2", 300), 0, "expired");
    cr_assert_eq(g.unlock(g.ctx, "u/k", "t2"), 0);
    cr_assert_eq(g.lock(g.ctx, "u/k", "t3", 300), 0);
}
