/*
 * test_state.c: the two-tier state of state/state.h: replicas in the local
 * tier (whole and offset reads and writes, growth, mappings shared between
 * "guests"), push / partial push / mask push / pull against the in-process
 * global tier with a second local tier standing in for a second host, the
 * appended list, what growth is charged to call trees' budgets and users'
 * quotas, the guests' locks, and concurrent writers.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state/state.h"

/* A global tier that counts calls and forwards them to the in-process one,
 * so tests can see what a push sent. */
typedef struct counting {
    fl_global_tier inner;
    int sets, set_ranges;
    size_t range_bytes;
} counting;

static ssize_t c_size(void *ctx, const char *k) {
    counting *c = ctx;
    return c->inner.size(c->inner.ctx, k);
}
static ssize_t c_get(void *ctx, const char *k, void *b, size_t cap) {
    counting *c = ctx;
    return c->inner.get(c->inner.ctx, k, b, cap);
}
static int c_set(void *ctx, const char *k, const void *d, size_t n) {
    counting *c = ctx;
    c->sets++;
    return c->inner.set(c->inner.ctx, k, d, n);
}
static int c_set_range(void *ctx, const char *k, size_t off, const void *d, size_t n) {
    counting *c = ctx;
    c->set_ranges++;
    c->range_bytes += n;
    return c->inner.set_range(c->inner.ctx, k, off, d, n);
}
static int c_append(void *ctx, const char *k, const void *d, size_t n) {
    counting *c = ctx;
    return c->inner.append(c->inner.ctx, k, d, n);
}
static ssize_t c_read_list(void *ctx, const char *k, size_t n, void *b, size_t cap) {
    counting *c = ctx;
    return c->inner.read_list(c->inner.ctx, k, n, b, cap);
}
static int c_clear_list(void *ctx, const char *k) {
    counting *c = ctx;
    return c->inner.clear_list(c->inner.ctx, k);
}

static counting cnt;
static fl_global_tier g;          /* what the local tiers use: cnt over the mem tier */
static fl_state *host1, *host2;
static size_t page;

static void setup(void) {
    memset(&cnt, 0, sizeof cnt);
    cr_assert_eq(fl_global_mem_new(&cnt.inner), 0);
    g = (fl_global_tier){&cnt, c_size, c_get, c_set, c_set_range, c_append, c_read_list, c_clear_list, NULL, NULL};
    cr_assert_eq(fl_state_new(&g, &host1), 0);
    cr_assert_eq(fl_state_new(&g, &host2), 0);
    page = (size_t)sysconf(_SC_PAGESIZE);
}

static void teardown(void) {
    fl_state_free(host1);
    fl_state_free(host2);
    fl_global_mem_free(&cnt.inner);
}

static fl_state_kv *kv_of(fl_state *st, const char *user, const char *key) {
    fl_state_kv *kv = NULL;
    cr_assert_eq(fl_state_lookup(st, user, key, &kv), 0);
    cr_assert_not_null(kv);
    return kv;
}

/* The global value of ukey, read straight from the in-process tier; caller
 * frees.  *len gets its size. */
static uint8_t *global_value(const char *ukey, size_t *len) {
    ssize_t n = cnt.inner.size(cnt.inner.ctx, ukey);
    cr_assert_geq(n, 0, "no global value for %s", ukey);
    uint8_t *buf = malloc((size_t)n + 1);
    cr_assert_eq(cnt.inner.get(cnt.inner.ctx, ukey, buf, (size_t)n), n);
    *len = (size_t)n;
    return buf;
}

TestSuite(state, .init = setup, .fini = teardown);

/* ---- the map ---- */

Test(state, lookup_is_per_user_and_stable) {
    fl_state_kv *a = kv_of(host1, "alice", "k"), *b = kv_of(host1, "bob", "k");
    cr_assert_neq(a, b);
    cr_assert_eq(kv_of(host1, "alice", "k"), a);
    fl_state_kv *kv;
    cr_assert_eq(fl_state_lookup(host1, "a/b", "k", &kv), -EINVAL);
    cr_assert_eq(fl_state_lookup(host1, "", "k", &kv), -EINVAL);
    cr_assert_eq(fl_state_lookup(host1, "alice", "", &kv), -EINVAL);

    /* Many keys: the map grows and still finds every one. */
    fl_state_kv *kvs[300];
    char key[32];
    for (int i = 0; i < 300; i++) {
        snprintf(key, sizeof key, "key%d", i);
        kvs[i] = kv_of(host1, "alice", key);
    }
    for (int i = 0; i < 300; i++) {
        snprintf(key, sizeof key, "key%d", i);
        cr_assert_eq(kv_of(host1, "alice", key), kvs[i]);
    }

    /* Same key name, different users: separate global values. */
    cr_assert_eq(fl_state_write(a, "A", 1, NULL), 0);
    cr_assert_eq(fl_state_write(b, "BB", 2, NULL), 0);
    cr_assert_eq(fl_state_push(a), 0);
    cr_assert_eq(fl_state_push(b), 0);
    size_t n;
    uint8_t *v = global_value("alice/k", &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(v[0], 'A');
    free(v);
    v = global_value("bob/k", &n);
    cr_assert_eq(n, 2);
    free(v);
}

/* ---- reads and writes ---- */

Test(state, write_read_whole) {
    fl_state_kv *kv = kv_of(host1, "u", "whole");
    cr_assert_eq(fl_state_size(kv), 0);
    cr_assert_eq(fl_state_write(kv, "hello world", 11, NULL), 0);
    cr_assert_eq(fl_state_size(kv), 11);
    char buf[32] = {0};
    cr_assert_eq(fl_state_read(kv, buf, sizeof buf), 11);
    cr_assert_str_eq(buf, "hello world");

    /* A short buffer gets a prefix; the size is still reported. */
    char small[4] = {0};
    cr_assert_eq(fl_state_read(kv, small, 3), 11);
    cr_assert_eq(memcmp(small, "hel", 3), 0);

    /* A shorter whole write shrinks the value and zeroes the old tail. */
    cr_assert_eq(fl_state_write(kv, "hi", 2, NULL), 0);
    cr_assert_eq(fl_state_size(kv), 2);
    cr_assert_eq(fl_state_ensure_size(kv, 11, NULL), 0);
    memset(buf, 'x', sizeof buf);
    cr_assert_eq(fl_state_read(kv, buf, sizeof buf), 11);
    cr_assert_eq(memcmp(buf, "hi\0\0\0\0\0\0\0\0\0", 11), 0);
}

Test(state, write_read_offset_and_grow) {
    fl_state_kv *kv = kv_of(host1, "u", "off");
    cr_assert_eq(fl_state_write_at(kv, 10, "abc", 3, NULL), 0);
    cr_assert_eq(fl_state_size(kv), 13);
    uint8_t buf[13];
    cr_assert_eq(fl_state_read_at(kv, 0, buf, 13), 0);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(buf[i], 0);
    cr_assert_eq(memcmp(buf + 10, "abc", 3), 0);

    cr_assert_eq(fl_state_write_at(kv, 2, "XY", 2, NULL), 0);
    cr_assert_eq(fl_state_size(kv), 13); /* inside: no growth */
    char two[2];
    cr_assert_eq(fl_state_read_at(kv, 2, two, 2), 0);
    cr_assert_eq(memcmp(two, "XY", 2), 0);

    cr_assert_eq(fl_state_read_at(kv, 12, buf, 2), -ERANGE);
    cr_assert_eq(fl_state_read_at(kv, 14, buf, 0), -ERANGE);
    cr_assert_eq(fl_state_read_at(kv, 13, buf, 0), 0);

    /* totalLen: grow, never shrink. */
    cr_assert_eq(fl_state_ensure_size(kv, 3 * page + 5, NULL), 0);
    cr_assert_eq(fl_state_size(kv), (ssize_t)(3 * page + 5));
    cr_assert_eq(fl_state_ensure_size(kv, 4, NULL), 0);
    cr_assert_eq(fl_state_size(kv), (ssize_t)(3 * page + 5));
    cr_assert_eq(fl_state_read_at(kv, 10, buf, 3), 0);
    cr_assert_eq(memcmp(buf, "abc", 3), 0);

    cr_assert_eq(fl_state_write_at(kv, FL_STATE_MAX_BYTES, "a", 1, NULL), -EFBIG);
}

Test(state, large_value_in_place) {
    fl_state_kv *kv = kv_of(host1, "u", "big");
    size_t n = 24u << 20; /* 24 MiB */
    uint8_t *src = malloc(n);
    for (size_t i = 0; i < n; i++)
        src[i] = (uint8_t)(i * 7 + (i >> 12));
    uint8_t *before = fl_state_data(kv);
    cr_assert_eq(fl_state_write_at(kv, 0, src, 100, NULL), 0); /* small first, then grow */
    cr_assert_eq(fl_state_write(kv, src, n, NULL), 0);
    /* The process view did not move while the value grew. */
    cr_assert_eq(fl_state_data(kv), before);
    cr_assert_eq(memcmp(fl_state_data(kv), src, n), 0);

    cr_assert_eq(fl_state_push(kv), 0);
    fl_state_kv *other = kv_of(host2, "u", "big");
    cr_assert_eq(fl_state_size(other), (ssize_t)n);
    uint8_t *dst = malloc(n);
    cr_assert_eq(fl_state_read(other, dst, n), (ssize_t)n);
    cr_assert_eq(memcmp(dst, src, n), 0);
    free(dst);
    free(src);
}

/* Empty values are values: they push, pull and read as size 0. */
Test(state, empty_values) {
    fl_state_kv *kv = kv_of(host1, "u", "empty");
    cr_assert_eq(fl_state_read(kv, NULL, 0), 0);
    cr_assert_eq(fl_state_push_partial(kv), 0);
    cr_assert_eq(cnt.set_ranges + cnt.sets, 0);
    cr_assert_eq(fl_state_write(kv, "", 0, NULL), 0);
    cr_assert_eq(fl_state_push(kv), 0);
    cr_assert_eq(cnt.inner.size(cnt.inner.ctx, "u/empty"), 0); /* exists, empty */

    fl_state_kv *other = kv_of(host2, "u", "empty");
    cr_assert_eq(fl_state_pull(other, NULL), 0);
    cr_assert_eq(fl_state_size(other), 0);
    cr_assert_eq(fl_state_append(other, "", 0, NULL), 0);
    char c;
    cr_assert_eq(fl_state_read_appended(kv, 1, &c, 0), 0);

    /* Size queries with a NULL buffer, as __faasm_read_state(k, NULL, 0) does. */
    cr_assert_eq(fl_state_write(kv, "abc", 3, NULL), 0);
    cr_assert_eq(fl_state_read(kv, NULL, 0), 3);
}

/* ---- mappings ---- */

/* Two anonymous areas stand in for two guests' linear memories. */
Test(state, two_mappings_share_writes) {
    fl_state_kv *kv = kv_of(host1, "u", "mapped");
    cr_assert_eq(fl_state_write(kv, "initial", 7, NULL), 0);

    size_t area = 16 * page;
    uint8_t *mem1 = mmap(NULL, area, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t *mem2 = mmap(NULL, area, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(mem1, MAP_FAILED);
    cr_assert_neq(mem2, MAP_FAILED);
    memset(mem1, 0x11, area);
    memset(mem2, 0x22, area);

    /* Different places in each memory, three pages long (past the size). */
    uint8_t *w1 = mem1 + 4 * page, *w2 = mem2 + 9 * page;
    cr_assert_eq(fl_state_map(kv, w1, 0, 3 * page), 0);
    cr_assert_eq(fl_state_map(kv, w2, 0, 3 * page), 0);
    cr_assert_eq(memcmp(w1, "initial", 7), 0);
    cr_assert_eq(memcmp(w2, "initial", 7), 0);
    cr_assert_eq(w1[3 * page - 1], 0); /* past the size: zero, not a fault */
    cr_assert_eq(mem1[4 * page - 1], 0x11); /* memory around it untouched */
    cr_assert_eq(mem1[7 * page], 0x11);

    /* Guest 1 writes, guest 2 and the process see it. */
    memcpy(w1, "GUEST1", 6);
    cr_assert_eq(memcmp(w2, "GUEST1", 6), 0);
    cr_assert_eq(memcmp(fl_state_data(kv), "GUEST1", 6), 0);
    w2[2 * page + 17] = 0x5a;
    cr_assert_eq(w1[2 * page + 17], 0x5a);

    /* A host-side write (and growth) is seen by both guests. */
    cr_assert_eq(fl_state_write_at(kv, page + 3, "host", 4, NULL), 0);
    cr_assert_eq(memcmp(w1 + page + 3, "host", 4), 0);
    cr_assert_eq(memcmp(w2 + page + 3, "host", 4), 0);

    /* A window at an offset. */
    uint8_t *w3 = mem2 + 2 * page;
    cr_assert_eq(fl_state_map(kv, w3, page, page), 0);
    cr_assert_eq(memcmp(w3 + 3, "host", 4), 0);
    w3[0] = 'Q';
    cr_assert_eq(w1[page], 'Q');

    /* Misaligned requests are refused. */
    cr_assert_eq(fl_state_map(kv, w1 + 1, 0, page), -EINVAL);
    cr_assert_eq(fl_state_map(kv, w1, 1, page), -EINVAL);

    /* Unmap: the guest gets zero pages back; the replica keeps its bytes. */
    cr_assert_eq(fl_state_unmap(w1, 3 * page), 0);
    cr_assert_eq(w1[0], 0);
    w1[0] = 'z';
    cr_assert_eq(w2[0], 'G');

    munmap(mem1, area);
    munmap(mem2, area);
}

/* A guest mapping a key that another host pushed sees the global value. */
Test(state, map_fills_from_global) {
    fl_state_kv *a = kv_of(host1, "u", "m2");
    cr_assert_eq(fl_state_write(a, "from host 1", 11, NULL), 0);
    cr_assert_eq(fl_state_push(a), 0);

    uint8_t *mem = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    fl_state_kv *b = kv_of(host2, "u", "m2");
    cr_assert_eq(fl_state_map(b, mem + page, 0, page), 0);
    cr_assert_eq(memcmp(mem + page, "from host 1", 11), 0);
    munmap(mem, 4 * page);
}

/* ---- push and pull ---- */

Test(state, push_then_other_host_pulls) {
    fl_state_kv *a = kv_of(host1, "u", "shared");
    fl_state_kv *b = kv_of(host2, "u", "shared");
    cr_assert_neq(a, b);
    cr_assert_eq(fl_state_pull(b, NULL), -ENOENT);

    cr_assert_eq(fl_state_write(a, "version1", 8, NULL), 0);
    /* Not pushed yet: host 2 has nothing. */
    cr_assert_eq(fl_state_size(b), 0);
    cr_assert_eq(fl_state_push(a), 0);
    cr_assert_eq(cnt.sets, 1);

    cr_assert_eq(fl_state_size(b), 8); /* the global size, before any fetch */
    char buf[16] = {0};
    cr_assert_eq(fl_state_read(b, buf, sizeof buf), 8); /* first use fetches */
    cr_assert_str_eq(buf, "version1");

    /* Host 2's replica is a replica: it changes only on pull. */
    cr_assert_eq(fl_state_write(a, "version2-longer", 15, NULL), 0);
    cr_assert_eq(fl_state_push(a), 0);
    memset(buf, 0, sizeof buf);
    cr_assert_eq(fl_state_read(b, buf, sizeof buf), 8);
    cr_assert_str_eq(buf, "version1");
    cr_assert_eq(fl_state_pull(b, NULL), 0);
    memset(buf, 0, sizeof buf);
    cr_assert_eq(fl_state_read(b, buf, sizeof buf), 15);
    cr_assert_str_eq(buf, "version2-longer");

    /* A pull to a shorter value shrinks the replica and zeroes the rest. */
    cr_assert_eq(fl_state_write(a, "v3", 2, NULL), 0);
    cr_assert_eq(fl_state_push(a), 0);
    cr_assert_eq(fl_state_pull(b, NULL), 0);
    cr_assert_eq(fl_state_size(b), 2);
    cr_assert_eq(((uint8_t *)fl_state_data(b))[5], 0);
}

Test(state, push_partial_sends_only_dirty_chunks) {
    fl_state_kv *kv = kv_of(host1, "u", "part");
    size_t n = 6 * page;
    uint8_t *v = malloc(n);
    memset(v, 'a', n);
    cr_assert_eq(fl_state_write(kv, v, n, NULL), 0);
    cr_assert_eq(fl_state_push(kv), 0);

    /* Nothing dirty: no call at all. */
    cr_assert_eq(fl_state_push_partial(kv), 0);
    cr_assert_eq(cnt.set_ranges, 0);

    /* Page 0 changed behind the tier's back (no flag); pages 2, 3 and 5
     * written through the API. */
    uint8_t *data = fl_state_data(kv);
    memset(data, 'x', page);
    memset(v, 'b', page);
    cr_assert_eq(fl_state_write_at(kv, 2 * page + 10, v, page, NULL), 0); /* touches 2 and 3 */
    cr_assert_eq(fl_state_write_at(kv, 5 * page, v, 1, NULL), 0);
    cr_assert_eq(fl_state_push_partial(kv), 0);
    cr_assert_eq(cnt.set_ranges, 2);              /* runs {2,3} and {5} */
    cr_assert_eq(cnt.range_bytes, 3 * page);
    cr_assert_eq(cnt.sets, 1);

    size_t gn;
    uint8_t *gv = global_value("u/part", &gn);
    cr_assert_eq(gn, n);
    for (size_t i = 0; i < n; i++) {
        uint8_t want = 'a';
        if (i >= 2 * page + 10 && i < 3 * page + 10)
            want = 'b';
        if (i == 5 * page)
            want = 'b';
        cr_assert_eq(gv[i], want, "global byte %zu is %c, want %c", i, gv[i], want);
    }
    free(gv);

    /* Flagging page 0 sends it on the next partial push, and only it. */
    cr_assert_eq(fl_state_flag_dirty_range(kv, 5, 1), 0);
    cr_assert_eq(fl_state_flag_dirty_range(kv, n, 1), -ERANGE);
    cr_assert_eq(fl_state_push_partial(kv), 0);
    cr_assert_eq(cnt.set_ranges, 3);
    cr_assert_eq(cnt.range_bytes, 4 * page);
    gv = global_value("u/part", &gn);
    cr_assert_eq(gv[0], 'x');
    cr_assert_eq(gv[page - 1], 'x');
    cr_assert_eq(gv[page], 'a');
    free(gv);

    /* A second host pulling sees the merged value. */
    fl_state_kv *other = kv_of(host2, "u", "part");
    cr_assert_eq(fl_state_pull(other, NULL), 0);
    cr_assert_eq(memcmp(fl_state_data(other), data, n), 0);

    /* Growth by write_at: the tail chunk extends the global value. */
    cr_assert_eq(fl_state_write_at(kv, n + 100, "end", 3, NULL), 0);
    cr_assert_eq(fl_state_push_partial(kv), 0);
    gv = global_value("u/part", &gn);
    cr_assert_eq(gn, n + 103);
    cr_assert_eq(memcmp(gv + n + 100, "end", 3), 0);
    cr_assert_eq(gv[n + 50], 0);
    free(gv);

    /* After a shrink a partial push sends the whole (shorter) value. */
    cr_assert_eq(fl_state_write(kv, "tiny", 4, NULL), 0);
    cr_assert_eq(fl_state_push_partial(kv), 0);
    cr_assert_eq(cnt.sets, 2);
    gv = global_value("u/part", &gn);
    cr_assert_eq(gn, 4);
    free(gv);
    free(v);
}

Test(state, push_partial_mask) {
    fl_state_kv *kv = kv_of(host1, "u", "vec");
    fl_state_kv *mask = kv_of(host1, "u", "vec_mask");
    cr_assert_eq(fl_state_write(kv, "abcdefghij", 10, NULL), 0);
    cr_assert_eq(fl_state_push(kv), 0);

    cr_assert_eq(fl_state_write(kv, "ABCDEFGHIJ", 10, NULL), 0);
    static const uint8_t m[8] = {0, 1, 0, 1, 1, 0, 0, 7}; /* shorter than the value */
    cr_assert_eq(fl_state_write(mask, m, sizeof m, NULL), 0);
    cr_assert_eq(fl_state_push_partial_mask(kv, mask), 0);
    cr_assert_eq(cnt.set_ranges, 3); /* runs [1], [3,4], [7] */

    size_t gn;
    uint8_t *gv = global_value("u/vec", &gn);
    cr_assert_eq(gn, 10);
    cr_assert_eq(memcmp(gv, "aBcDEfgHij", 10), 0);
    free(gv);

    /* The dirty marks were cleared: a partial push sends nothing more. */
    cr_assert_eq(fl_state_push_partial(kv), 0);
    cr_assert_eq(cnt.set_ranges, 3);

    /* A mask pushed by another host is fetched on use. */
    cr_assert_eq(fl_state_push(mask), 0);
    fl_state_kv *kv2 = kv_of(host2, "u", "vec");
    fl_state_kv *mask2 = kv_of(host2, "u", "vec_mask");
    cr_assert_eq(fl_state_write_at(kv2, 0, "zzzzzzzzzz", 10, NULL), 0);
    cr_assert_eq(fl_state_push_partial_mask(kv2, mask2), 0);
    gv = global_value("u/vec", &gn);
    cr_assert_eq(memcmp(gv, "azczzfgzij", 10), 0);
    free(gv);
}

/* ---- appended list ---- */

Test(state, append_read_clear) {
    fl_state_kv *kv = kv_of(host1, "u", "list");
    char buf[16];
    cr_assert_eq(fl_state_read_appended(kv, 1, buf, sizeof buf), -ENODATA);
    cr_assert_eq(fl_state_read_appended(kv, 0, buf, sizeof buf), 0);
    cr_assert_eq(fl_state_append(kv, "ab", 2, NULL), 0);
    cr_assert_eq(fl_state_append(kv, "cd", 2, NULL), 0);
    cr_assert_eq(fl_state_append(kv, "efg", 3, NULL), 0);

    memset(buf, 0, sizeof buf);
    cr_assert_eq(fl_state_read_appended(kv, 2, buf, sizeof buf), 4);
    cr_assert_eq(memcmp(buf, "abcd", 4), 0);
    cr_assert_eq(fl_state_read_appended(kv, 3, buf, sizeof buf), 7);
    cr_assert_eq(memcmp(buf, "abcdefg", 7), 0);
    cr_assert_eq(fl_state_read_appended(kv, 4, buf, sizeof buf), -ENODATA);
    cr_assert_eq(fl_state_read_appended(kv, 3, buf, 6), -ENOSPC);

    /* The list is not the value, and it is global: host 2 sees it. */
    cr_assert_eq(fl_state_size(kv), 0);
    fl_state_kv *other = kv_of(host2, "u", "list");
    cr_assert_eq(fl_state_read_appended(other, 3, buf, sizeof buf), 7);

    cr_assert_eq(fl_state_clear_appended(other), 0);
    cr_assert_eq(fl_state_read_appended(kv, 1, buf, sizeof buf), -ENODATA);
    cr_assert_eq(fl_state_append(kv, "h", 1, NULL), 0);
    cr_assert_eq(fl_state_read_appended(kv, 1, buf, sizeof buf), 1);
    cr_assert_eq(buf[0], 'h');
}

/* ---- accounting: the tree's budget and the user's quota ---- */

/* Growth is charged to the budget (for good: state outlives the call) and
 * refused past it, changing nothing: whole writes, writes at an offset,
 * ensure_size, pull and appends (F10b: 4096 appends of 64 KiB under a
 * 1 MiB budget took 265 MB). */
Test(state, growth_is_charged_to_the_budget_and_refused_past_it) {
    fl_budget_limits lim = {.memory_bytes = 1 << 20};
    fl_budget *b = fl_budget_new(&lim);
    fl_state_kv *kv = kv_of(host1, "u", "k");
    static uint8_t chunk[64 << 10];
    cr_assert_eq(fl_state_write(kv, chunk, 1000, b), 0);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 1000);
    cr_assert_eq(fl_state_write(kv, chunk, 10, b), 0); /* smaller: nothing more */
    cr_assert_eq(fl_state_write_at(kv, 1500, chunk, 100, b), 0);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 1600);
    cr_assert_eq(fl_state_ensure_size(kv, 2000, b), 0);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 2000);
    cr_assert_eq(fl_state_ensure_size(kv, 2u << 20, b), -ENOBUFS);
    cr_assert_eq(fl_state_size(kv), 2000, "a refused growth changed the value");
    cr_assert_eq(fl_state_write(kv, chunk, sizeof chunk, b), 0);
    uint64_t used = fl_budget_used(b, FL_BUDGET_MEMORY);
    cr_assert_eq(used, sizeof chunk);

    /* appends: 64 KiB each, until the 1 MiB budget refuses */
    fl_state_kv *list = kv_of(host1, "u", "list");
    int n = 0;
    while (n < 4096 && fl_state_append(list, chunk, sizeof chunk, b) == 0)
        n++;
    cr_assert_eq(n, (int)(((1u << 20) - used) / sizeof chunk), "%d appends", n);
    cr_assert_eq(fl_state_append(list, chunk, sizeof chunk, b), -ENOBUFS);
    cr_assert(fl_budget_refused(b, FL_BUDGET_MEMORY));

    /* pull: the global value (grown elsewhere) is charged when pulled */
    fl_state_kv *other = kv_of(host2, "u", "k");
    cr_assert_eq(fl_state_write(other, chunk, sizeof chunk, NULL), 0);
    cr_assert_eq(fl_state_ensure_size(other, 3u << 20, NULL), 0);
    cr_assert_eq(fl_state_push(other), 0);
    cr_assert_eq(fl_state_pull(kv, b), -ENOBUFS);
    cr_assert_eq(fl_state_size(kv), sizeof chunk);
    fl_budget_unref(b);
}

/* Each user's state in a tier is capped (values' largest sizes and
 * appended bytes); another user has a quota of its own; clearing an
 * appended list gives its bytes back. */
Test(state, per_user_quota) {
    fl_state_set_quota(host1, 100 << 10);
    static uint8_t buf[80 << 10];
    fl_state_kv *a1 = kv_of(host1, "a", "one"), *a2 = kv_of(host1, "a", "two");
    cr_assert_eq(fl_state_write(a1, buf, sizeof buf, NULL), 0);
    cr_assert_eq(fl_state_write(a2, buf, 30 << 10, NULL), -EDQUOT);
    cr_assert_eq(fl_state_append(a2, buf, 30 << 10, NULL), -EDQUOT);
    cr_assert_eq(fl_state_write(a2, buf, 20 << 10, NULL), 0);
    cr_assert_eq(fl_state_user_bytes(host1, "a"), 100 << 10);
    /* a smaller write keeps the charge: the memfd never shrinks */
    cr_assert_eq(fl_state_write(a1, buf, 1, NULL), 0);
    cr_assert_eq(fl_state_append(a2, buf, 1, NULL), -EDQUOT);
    fl_state_kv *b1 = kv_of(host1, "b", "one");
    cr_assert_eq(fl_state_write(b1, buf, sizeof buf, NULL), 0);
    cr_assert_eq(fl_state_append(b1, buf, 10 << 10, NULL), 0);
    cr_assert_eq(fl_state_append(b1, buf, 20 << 10, NULL), -EDQUOT);
    cr_assert_eq(fl_state_clear_appended(b1), 0);
    cr_assert_eq(fl_state_user_bytes(host1, "b"), 80 << 10);
    cr_assert_eq(fl_state_append(b1, buf, 20 << 10, NULL), 0);
    /* the largest write the quota still allows, for a caller about to read
     * a file into state */
    cr_assert_eq(fl_state_max_write(a1, NULL), 80 << 10);
    cr_assert_eq(fl_state_max_write(kv_of(host1, "c", "k"), NULL), 100 << 10);
}

/* ---- locks ---- */

typedef struct lock_probe {
    fl_state_kv *kv;
    int acquired; /* atomic */
} lock_probe;

static void *reader(void *arg) {
    lock_probe *p = arg;
    cr_assert_eq(fl_state_lock_read(p->kv), 0);
    __atomic_store_n(&p->acquired, 1, __ATOMIC_SEQ_CST);
    cr_assert_eq(fl_state_unlock_read(p->kv), 0);
    return NULL;
}

static void *writer(void *arg) {
    lock_probe *p = arg;
    cr_assert_eq(fl_state_lock_write(p->kv), 0);
    __atomic_store_n(&p->acquired, 1, __ATOMIC_SEQ_CST);
    cr_assert_eq(fl_state_unlock_write(p->kv), 0);
    return NULL;
}

Test(state, write_lock_excludes_reader) {
    lock_probe p = {kv_of(host1, "u", "locked"), 0};
    cr_assert_eq(fl_state_lock_write(p.kv), 0);
    pthread_t t;
    pthread_create(&t, NULL, reader, &p);
    usleep(200 * 1000);
    cr_assert_eq(__atomic_load_n(&p.acquired, __ATOMIC_SEQ_CST), 0, "reader got in past a writer");
    cr_assert_eq(fl_state_unlock_write(p.kv), 0);
    pthread_join(t, NULL);
    cr_assert_eq(p.acquired, 1);

    /* Locks are per key: another key's lock is free. */
    lock_probe q = {kv_of(host1, "u", "other"), 0};
    cr_assert_eq(fl_state_lock_write(p.kv), 0);
    pthread_create(&t, NULL, writer, &q);
    pthread_join(t, NULL);
    cr_assert_eq(q.acquired, 1);
    cr_assert_eq(fl_state_unlock_write(p.kv), 0);
}

Test(state, readers_share_and_exclude_writer) {
    lock_probe p = {kv_of(host1, "u", "rlocked"), 0};
    cr_assert_eq(fl_state_lock_read(p.kv), 0);
    pthread_t t;
    pthread_create(&t, NULL, reader, &p); /* a second reader gets in */
    pthread_join(t, NULL);
    cr_assert_eq(p.acquired, 1);

    p.acquired = 0;
    pthread_create(&t, NULL, writer, &p);
    usleep(200 * 1000);
    cr_assert_eq(__atomic_load_n(&p.acquired, __ATOMIC_SEQ_CST), 0, "writer got in past a reader");
    cr_assert_eq(fl_state_unlock_read(p.kv), 0);
    pthread_join(t, NULL);
    cr_assert_eq(p.acquired, 1);
}

/* ---- concurrency ---- */

enum { NTHREADS = 8, SLICE = 10007, ROUNDS = 50 };

typedef struct writer_arg {
    fl_state *st;
    int id;
} writer_arg;

static uint8_t pattern(int id, size_t i) {
    return (uint8_t)(id * 31 + i * 13 + 1);
}

/* Each thread looks the key up itself and writes its own slice, piece by
 * piece, back to front so the value grows while others write. */
static void *slice_writer(void *arg) {
    writer_arg *a = arg;
    fl_state_kv *kv;
    if (fl_state_lookup(a->st, "u", "concurrent", &kv) < 0)
        return (void *)1;
    uint8_t piece[SLICE / ROUNDS + 1];
    size_t step = SLICE / ROUNDS + 1;
    for (int r = ROUNDS - 1; r >= 0; r--) {
        size_t off = (size_t)r * step;
        if (off >= SLICE)
            continue;
        size_t len = off + step > SLICE ? SLICE - off : step;
        for (size_t i = 0; i < len; i++)
            piece[i] = pattern(a->id, off + i);
        if (fl_state_write_at(kv, (size_t)a->id * SLICE + off, piece, len, NULL) < 0)
            return (void *)1;
    }
    return NULL;
}

Test(state, concurrent_disjoint_writers) {
    pthread_t t[NTHREADS];
    writer_arg args[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        args[i] = (writer_arg){host1, i};
        pthread_create(&t[i], NULL, slice_writer, &args[i]);
    }
    for (int i = 0; i < NTHREADS; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        cr_assert_null(ret, "writer %d failed", i);
    }
    fl_state_kv *kv = kv_of(host1, "u", "concurrent");
    cr_assert_eq(fl_state_size(kv), NTHREADS * SLICE);
    const uint8_t *d = fl_state_data(kv);
    for (int id = 0; id < NTHREADS; id++)
        for (size_t i = 0; i < SLICE; i++)
            cr_assert_eq(d[id * SLICE + i], pattern(id, i), "byte %zu of slice %d", i, id);

    /* Every byte was marked dirty: a partial push alone carries the value. */
    cr_assert_eq(fl_state_push_partial(kv), 0);
    cr_assert_eq(cnt.sets, 0);
    fl_state_kv *other = kv_of(host2, "u", "concurrent");
    cr_assert_eq(fl_state_size(other), NTHREADS * SLICE);
    uint8_t *buf = malloc(NTHREADS * SLICE);
    cr_assert_eq(fl_state_read(other, buf, NTHREADS * SLICE), NTHREADS * SLICE);
    cr_assert_eq(memcmp(buf, d, NTHREADS * SLICE), 0);
    free(buf);
}

/* ---- a pull of a key the global tier does not have ---- */

Test(state, pull_of_missing_key_leaves_zeros) {
    fl_state_kv *kv = kv_of(host1, "u", "never_pushed");
    cr_assert_eq(fl_state_write(kv, "leftover", 8, NULL), 0);
    /* nobody pushed it: the pull empties the replica, no stale byte stays */
    cr_assert_eq(fl_state_pull(kv, NULL), -ENOENT);
    cr_assert_eq(fl_state_size(kv), 0);
    cr_assert_eq(fl_state_ensure_size(kv, 8, NULL), 0);
    uint8_t buf[8];
    memset(buf, 0xAA, sizeof buf);
    cr_assert_eq(fl_state_read(kv, buf, sizeof buf), 8);
    for (size_t i = 0; i < sizeof buf; i++)
        cr_assert_eq(buf[i], 0, "byte %zu", i);
}

/* ---- the persistent global tier ---- */

/* A fresh folder for one persistent tier; caller removes it (rm_tree). */
static void temp_dir(char *buf, size_t size) {
    snprintf(buf, size, "/tmp/fl_state_test_XXXXXX");
    cr_assert_not_null(mkdtemp(buf));
}

static void rm_tree(const char *dir) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* One "process": a persistent global tier over dir and a local tier. */
typedef struct proc {
    fl_global_tier g;
    fl_state *st;
} proc;

static void proc_open(proc *p, const char *dir) {
    cr_assert_eq(fl_global_mem_open(dir, &p->g), 0);
    cr_assert_eq(fl_state_new(&p->g, &p->st), 0);
}

static void proc_close(proc *p) {
    fl_state_free(p->st);
    fl_global_mem_free(&p->g);
}

static void write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

Test(persist, values_and_lists_outlive_the_tier) {
    char dir[64];
    temp_dir(dir, sizeof dir);
    proc a, b;
    proc_open(&a, dir);
    fl_state_kv *kv = kv_of(a.st, "alice", "k");
    cr_assert_eq(fl_state_write(kv, "first value", 11, NULL), 0);
    cr_assert_eq(fl_state_push(kv), 0);
    /* a partial push rewrites the stored value too */
    cr_assert_eq(fl_state_write_at(kv, 0, "FIRST", 5, NULL), 0);
    cr_assert_eq(fl_state_push_partial(kv), 0);
    cr_assert_eq(fl_state_append(kv, "ab", 2, NULL), 0);
    cr_assert_eq(fl_state_append(kv, "", 0, NULL), 0);
    cr_assert_eq(fl_state_append(kv, "cde", 3, NULL), 0);
    /* written but never pushed: not stored */
    cr_assert_eq(fl_state_write(kv_of(a.st, "alice", "unpushed"), "x", 1, NULL), 0);
    proc_close(&a);

    proc_open(&b, dir);
    kv = kv_of(b.st, "alice", "k");
    cr_assert_eq(fl_state_size(kv), 11);
    char buf[16] = {0};
    cr_assert_eq(fl_state_read(kv, buf, sizeof buf), 11);
    cr_assert_str_eq(buf, "FIRST value");
    memset(buf, 0, sizeof buf);
    cr_assert_eq(fl_state_read_appended(kv, 3, buf, sizeof buf), 5);
    cr_assert_str_eq(buf, "abcde");
    cr_assert_eq(fl_state_read_appended(kv, 4, buf, sizeof buf), -ENODATA);
    cr_assert_eq(fl_state_size(kv_of(b.st, "alice", "unpushed")), 0);
    /* another user's key of the same name is another file */
    cr_assert_eq(fl_state_size(kv_of(b.st, "bob", "k")), 0);
    /* appends after a restart go after the stored ones; a clear removes them */
    cr_assert_eq(fl_state_append(kv, "f", 1, NULL), 0);
    memset(buf, 0, sizeof buf);
    cr_assert_eq(fl_state_read_appended(kv, 4, buf, sizeof buf), 6);
    cr_assert_str_eq(buf, "abcdef");
    proc_close(&b);

    proc_open(&b, dir);
    kv = kv_of(b.st, "alice", "k");
    cr_assert_eq(fl_state_read_appended(kv, 4, buf, sizeof buf), 6);
    cr_assert_eq(fl_state_clear_appended(kv), 0);
    proc_close(&b);
    proc_open(&b, dir);
    cr_assert_eq(fl_state_read_appended(kv_of(b.st, "alice", "k"), 1, buf, sizeof buf),
                 -ENODATA);
    proc_close(&b);
    rm_tree(dir);
}

Test(persist, guest_keys_stay_inside_the_folder) {
    char dir[64], path[256];
    temp_dir(dir, sizeof dir);
    proc a;
    proc_open(&a, dir);
    /* keys a guest may choose: slashes, "..", a leading dot, '%', '@' */
    const char *keys[] = {"../../escape", "..", "a/b", ".hidden", "50%", "k@list"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        fl_state_kv *kv = kv_of(a.st, "u", keys[i]);
        cr_assert_eq(fl_state_write(kv, keys[i], strlen(keys[i]), NULL), 0);
        cr_assert_eq(fl_state_push(kv), 0, "%s", keys[i]);
    }
    /* each is one file in DIR/u, under its encoded name */
    snprintf(path, sizeof path, "%s/u/%%2E.%%2F..%%2Fescape", dir);
    cr_assert_eq(access(path, F_OK), 0, "%s", path);
    snprintf(path, sizeof path, "%s/u/%%2E.", dir);
    cr_assert_eq(access(path, F_OK), 0, "%s", path);
    snprintf(path, sizeof path, "%s/u/k%%40list", dir);
    cr_assert_eq(access(path, F_OK), 0, "%s", path);
    snprintf(path, sizeof path, "%s/escape", dir);
    cr_assert_neq(access(path, F_OK), 0);
    cr_assert_neq(access("/tmp/escape", F_OK), 0);
    proc_close(&a);

    proc_open(&a, dir);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        char buf[32] = {0};
        cr_assert_eq(fl_state_read(kv_of(a.st, "u", keys[i]), buf, sizeof buf),
                     (ssize_t)strlen(keys[i]));
        cr_assert_str_eq(buf, keys[i]);
    }
    /* a key too long for a file name is refused when stored, not truncated */
    char long_key[300];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    fl_state_kv *kv = kv_of(a.st, "u", long_key);
    cr_assert_eq(fl_state_write(kv, "v", 1, NULL), 0);
    cr_assert_eq(fl_state_push(kv), -ENAMETOOLONG);
    proc_close(&a);
    rm_tree(dir);
}

Test(persist, damaged_files_are_errors) {
    char dir[64], path[256];
    temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/u", dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    /* a list whose last record is cut short */
    snprintf(path, sizeof path, "%s/u/cut@list", dir);
    write_file(path, "\x02\x00\x00\x00" "ab" "\x05\x00\x00\x00" "xy", 12);
    /* a folder where a value should be */
    snprintf(path, sizeof path, "%s/u/folder", dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    /* a value above FL_STATE_MAX_BYTES (sparse: no disk used) */
    snprintf(path, sizeof path, "%s/u/huge", dir);
    write_file(path, "", 0);
    cr_assert_eq(truncate(path, (off_t)FL_STATE_MAX_BYTES + 1), 0);

    proc a;
    proc_open(&a, dir);
    char buf[16];
    cr_assert_eq(fl_state_read_appended(kv_of(a.st, "u", "cut"), 1, buf, sizeof buf), -EBADMSG);
    cr_assert_eq(fl_state_append(kv_of(a.st, "u", "cut"), "z", 1, NULL), -EBADMSG);
    cr_assert_eq(fl_state_read(kv_of(a.st, "u", "folder"), buf, sizeof buf), -EBADMSG);
    cr_assert_eq(fl_state_read(kv_of(a.st, "u", "huge"), buf, sizeof buf), -EFBIG);
    /* the quota is checked before a stored value is read into memory */
    fl_state_set_quota(a.st, 4);
    snprintf(path, sizeof path, "%s/u/eight", dir);
    write_file(path, "12345678", 8);
    cr_assert_eq(fl_state_read(kv_of(a.st, "u", "eight"), buf, sizeof buf), -EDQUOT);
    proc_close(&a);
    rm_tree(dir);
}
