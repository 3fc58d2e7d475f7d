/*
 * test_cluster.c: cluster/cluster.h against a real redis-server (started
 * for each test on a free loopback port): uploads kept whole with their
 * hash and announced to a watch; hosts and their heartbeat; a call handed
 * on, taken by one host, claimed once, touched, finished and waited for;
 * ids unique across hosts; a tree's count across hosts; a silent host's
 * call taken over; a call Redis lost; a result that is not one of ours.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "cluster/cluster.h"
#include "redis_server.h"

static redis_server rs;
static fl_cluster *c1, *c2;

static fl_cluster *open_cluster(void) {
    char err[200];
    fl_cluster *c = fl_cluster_open(rs.url, 500, err, sizeof err);
    cr_assert_not_null(c, "%s", err);
    return c;
}

static void setup(void) {
    redis_server_new(&rs);
    c1 = open_cluster();
    c2 = open_cluster();
}

static void teardown(void) {
    fl_cluster_close(c1);
    fl_cluster_close(c2);
    redis_server_free(&rs);
}

TestSuite(cluster, .init = setup, .fini = teardown);

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

Test(cluster, uploads_whole_with_their_hash) {
    uint8_t *b;
    size_t n;
    char sha[FL_CLUSTER_SHA_HEX], want[FL_CLUSTER_SHA_HEX];
    cr_assert_eq(fl_cluster_get(c1, FL_CLUSTER_WASM, "u", "f", &b, &n, sha), -ENOENT);
    cr_assert_eq(fl_cluster_put(c1, FL_CLUSTER_WASM, "u", "f", (const uint8_t *)"\0asm\xff", 5), 0);
    cr_assert_eq(fl_cluster_get(c2, FL_CLUSTER_WASM, "u", "f", &b, &n, sha), 0);
    cr_assert_eq(n, 5);
    cr_assert_arr_eq(b, "\0asm\xff", 5);
    fl_cluster_hash(b, n, want);
    cr_assert_str_eq(sha, want);
    free(b);
    cr_assert_eq(fl_cluster_sha(c2, FL_CLUSTER_PYTHON, "u", "f", sha), -ENOENT, "kinds are apart");
    cr_assert_eq(fl_cluster_put(c1, FL_CLUSTER_FILE, "", "data/a b.txt", (const uint8_t *)"x", 1), 0);
    char **paths;
    cr_assert_eq(fl_cluster_files(c2, &paths, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(paths[0], "data/a b.txt");
    free(paths[0]);
    free(paths);
}

typedef struct seen {
    pthread_mutex_t mu;
    int n;
    fl_cluster_kind kind;
    char user[64], name[64], sha[FL_CLUSTER_SHA_HEX];
} seen;

static void on_upload(void *ctx, fl_cluster_kind kind, const char *user, const char *name,
                      const char *sha) {
    seen *s = ctx;
    if (!name)
        return;
    pthread_mutex_lock(&s->mu);
    s->n++;
    s->kind = kind;
    snprintf(s->user, sizeof s->user, "%s", user);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->sha, sizeof s->sha, "%s", sha);
    pthread_mutex_unlock(&s->mu);
}

Test(cluster, a_watch_hears_every_upload) {
    seen s = {.mu = PTHREAD_MUTEX_INITIALIZER};
    cr_assert_eq(fl_cluster_watch(c2, on_upload, &s), 0);
    sleep_ms(300); /* subscribed */
    cr_assert_eq(fl_cluster_put(c1, FL_CLUSTER_PYTHON, "alice", "hello", (const uint8_t *)"py", 2), 0);
    for (int i = 0; i < 100 && !__atomic_load_n(&s.n, __ATOMIC_SEQ_CST); i++)
        sleep_ms(20);
    fl_cluster_unwatch(c2);
    char want[FL_CLUSTER_SHA_HEX];
    fl_cluster_hash((const uint8_t *)"py", 2, want);
    cr_assert_eq(s.n, 1);
    cr_assert_eq(s.kind, FL_CLUSTER_PYTHON);
    cr_assert_str_eq(s.user, "alice");
    cr_assert_str_eq(s.name, "hello");
    cr_assert_str_eq(s.sha, want);
}

static unsigned two(void *ctx) { return 2; }

Test(cluster, hosts_beat_and_leave) {
    cr_assert_eq(fl_cluster_join(c1, "h1", 4, two, NULL), 0);
    cr_assert_eq(fl_cluster_join(c2, "h2", 8, NULL, NULL), 0);
    cr_assert_eq(fl_cluster_join(c2, "again", 1, NULL, NULL), -EBUSY);
    sleep_ms(1200);
    cr_assert_eq(fl_cluster_peers(c1), 1);
    fl_cluster_host_info *h;
    size_t n;
    cr_assert_eq(fl_cluster_hosts(c1, &h, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(h[0].name, "h1");
    cr_assert_eq(h[0].slots, 4);
    cr_assert_eq(h[0].busy, 2);
    cr_assert(h[0].alive && h[1].alive);
    free(h);
    fl_cluster_leave(c2);
    cr_assert_eq(fl_cluster_hosts(c1, &h, &n), 0);
    cr_assert_eq(n, 1, "a host that leaves is gone at once");
    free(h);
}

static fl_cluster_call a_call(uint64_t id, const char *input) {
    fl_cluster_call call = {.id = id, .len = strlen(input), .timeout_ms = 1234, .python = 1};
    snprintf(call.user, sizeof call.user, "python");
    snprintf(call.func, sizeof call.func, "hello");
    snprintf(call.entry, sizeof call.entry, "main2");
    call.input = (uint8_t *)input;
    return call;
}

Test(cluster, a_call_handed_on_comes_back) {
    cr_assert_eq(fl_cluster_join(c2, "runner", 1, NULL, NULL), 0);
    fl_cluster_call in;
    cr_assert_eq(fl_cluster_receive(c2, 50, &in), -EAGAIN, "nothing handed on yet");
    fl_cluster_call out = a_call(UINT64_C(0x0001000000000001), "in\0put");
    out.len = 6;
    cr_assert_eq(fl_cluster_send(c1, &out), 0);
    cr_assert_neq(out.stream_id[0], 0);
    cr_assert_eq(fl_cluster_receive(c2, 500, &in), 0);
    cr_assert_eq(in.id, UINT64_C(0x0001000000000001));
    cr_assert_str_eq(in.func, "hello");
    cr_assert_str_eq(in.entry, "main2");
    cr_assert_eq(in.python, 1);
    cr_assert_eq(in.timeout_ms, 1234);
    cr_assert_eq(in.len, 6);
    cr_assert_arr_eq(in.input, "in\0put", 6);
    cr_assert_eq(fl_cluster_touch(c2, &in), 0);
    fl_cluster_result r = {.outcome = 0, .retval = 7, .output = (uint8_t *)"o\0k", .output_len = 3,
                           .log = (uint8_t *)"printed\n", .log_len = 8, .log_dropped = 9};
    cr_assert_eq(fl_cluster_finish(c2, &in, &r), 0);
    fl_cluster_call_free(&in);
    fl_cluster_result got;
    cr_assert_eq(fl_cluster_wait(c1, &out, 5000, NULL, &got), 0);
    cr_assert_eq(got.retval, 7);
    cr_assert_eq(got.output_len, 3);
    cr_assert_arr_eq(got.output, "o\0k", 3);
    cr_assert_null(got.error);
    cr_assert_eq(got.log_len, 8);
    cr_assert_eq(got.log_dropped, 9);
    cr_assert_str_eq(got.host, "runner");
    fl_cluster_result_free(&got);
    cr_assert_eq(fl_cluster_receive(c2, 50, &in), -EAGAIN, "taken once, finished");
}

/* A host that took a call and went silent: another takes it over. */
Test(cluster, a_silent_hosts_call_is_taken_over) {
    cr_assert_eq(fl_cluster_join(c1, "dies", 1, NULL, NULL), 0);
    cr_assert_eq(fl_cluster_join(c2, "lives", 1, NULL, NULL), 0);
    fl_cluster_call out = a_call(11, "v");
    cr_assert_eq(fl_cluster_send(c2, &out), 0);
    fl_cluster_call in;
    cr_assert_eq(fl_cluster_receive(c1, 500, &in), 0);
    fl_cluster_call_free(&in);
    fl_cluster_call taken;
    cr_assert_eq(fl_cluster_reclaim(c2, 300, &taken), -EAGAIN, "not silent long enough");
    sleep_ms(400);
    cr_assert_eq(fl_cluster_reclaim(c2, 300, &taken), 0);
    cr_assert_eq(taken.id, 11);
    fl_cluster_call_free(&taken);
}

/* Neither entry nor result in Redis (a restart lost them): the waiter
 * hears it at once instead of waiting out its deadline. */
Test(cluster, a_lost_call_is_said_lost) {
    fl_cluster_call out = a_call(12, "v");
    cr_assert_eq(fl_cluster_send(c1, &out), 0);
    redisContext *r = redisConnect("127.0.0.1", rs.port);
    redisReply *rep = redisCommand(r, "DEL fl:calls");
    freeReplyObject(rep);
    fl_cluster_result got;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(fl_cluster_wait(c1, &out, 60000, NULL, &got), -ENOENT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    cr_assert_lt(t1.tv_sec - t0.tv_sec, 5);
    /* a result that is not one of ours is an error, not a crash */
    rep = redisCommand(r, "RPUSH fl:res:13 %s", "FLR1 garbage");
    freeReplyObject(rep);
    fl_cluster_call bogus = a_call(13, "");
    cr_assert_eq(fl_cluster_wait(c1, &bogus, 3000, NULL, &got), -EIO);
    redisFree(r);
}

/* A chained call's fields travel: entry point, depth and the tree's count. */
Test(cluster, a_chained_calls_limits_travel) {
    cr_assert_eq(fl_cluster_join(c2, "runner", 1, NULL, NULL), 0);
    fl_cluster_call out = a_call(14, "x");
    out.func_ptr = 3;
    out.depth = 5;
    out.max_depth = 9;
    out.tree = UINT64_C(0xfffe000000000007);
    out.max_calls = 77;
    cr_assert_eq(fl_cluster_send(c1, &out), 0);
    fl_cluster_call in;
    cr_assert_eq(fl_cluster_receive(c2, 500, &in), 0);
    cr_assert_eq(in.func_ptr, 3);
    cr_assert_eq(in.depth, 5);
    cr_assert_eq(in.max_depth, 9);
    cr_assert_eq(in.tree, UINT64_C(0xfffe000000000007));
    cr_assert_eq(in.max_calls, 77);
    fl_cluster_call_free(&in);
}

/* Ids: unique across hosts, each host's number in the top 16 bits. */
Test(cluster, ids_are_unique_across_hosts) {
    uint64_t a1, a2, b1;
    cr_assert_eq(fl_cluster_new_id(c1, &a1), 0);
    cr_assert_eq(fl_cluster_new_id(c1, &a2), 0);
    cr_assert_eq(fl_cluster_new_id(c2, &b1), 0);
    cr_assert_eq(a1 >> 48, a2 >> 48, "one host, one number");
    cr_assert_neq(a1 >> 48, b1 >> 48, "two hosts, two numbers");
    cr_assert_neq(a1 >> 48, 0);
    cr_assert_eq(a2, a1 + 1);
}

/* A tree's calls counted across hosts stop at its limit. */
Test(cluster, a_trees_count_holds_its_limit) {
    cr_assert_eq(fl_cluster_count(c1, 99, 3, 5, 60000), 0);
    cr_assert_eq(fl_cluster_count(c2, 99, 1, 5, 60000), 0);
    cr_assert_eq(fl_cluster_count(c1, 99, 1, 5, 60000), 0);
    cr_assert_eq(fl_cluster_count(c2, 99, 1, 5, 60000), -EDQUOT, "the sixth call of five");
    cr_assert_eq(fl_cluster_count(c1, 100, 1, 5, 60000), 0, "another tree, another count");
}

/* A waiter whose call is cancelled (its tree failed, its deadline passed)
 * stops waiting at once. */
Test(cluster, a_wait_stops_when_cancelled) {
    fl_cluster_call out = a_call(15, "v");
    cr_assert_eq(fl_cluster_send(c1, &out), 0);
    volatile int cancel = 1;
    fl_cluster_result got;
    cr_assert_eq(fl_cluster_wait(c1, &out, 60000, &cancel, &got), -ECANCELED);
}

/* A call is run by whoever claims it first: taken back by its sender, it
 * is no host's; claimed by a host, its sender cannot take it back. */
Test(cluster, a_call_is_claimed_once) {
    cr_assert_eq(fl_cluster_join(c2, "runner", 1, NULL, NULL), 0);
    fl_cluster_call back = a_call(21, "v");
    cr_assert_eq(fl_cluster_send(c1, &back), 0);
    cr_assert_eq(fl_cluster_take_back(c1, &back), 0, "no host had started it");
    fl_cluster_call in;
    cr_assert_eq(fl_cluster_receive(c2, 100, &in), -EAGAIN, "taken back: gone from the stream");

    fl_cluster_call out = a_call(22, "v");
    cr_assert_eq(fl_cluster_send(c1, &out), 0);
    cr_assert_eq(fl_cluster_receive(c2, 500, &in), 0);
    cr_assert_eq(fl_cluster_claim(c2, &in, false), 0);
    cr_assert_eq(fl_cluster_take_back(c1, &out), -EBUSY, "a host runs it");
    cr_assert_eq(fl_cluster_claim(c2, &in, false), -EBUSY, "claimed once");
    cr_assert_eq(fl_cluster_claim(c2, &in, true), 0, "a takeover claims it whoever held it");
    fl_cluster_call_free(&in);
}
