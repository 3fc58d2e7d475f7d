/*
 * test_budget.c: the call tree's budget (budget/budget.h): all-or-nothing
 * charges, refusals remembered, peaks, defaults, the deadline, NULL as
 * unlimited, and concurrent charges that never pass the limit.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "budget/budget.h"

Test(budget, charge_is_all_or_nothing) {
    fl_budget_limits l = {.memory_bytes = 100};
    fl_budget *b = fl_budget_new(&l);
    cr_assert_not_null(b);
    cr_assert_eq(fl_budget_charge(b, FL_BUDGET_MEMORY, 60), 0);
    cr_assert_not(fl_budget_refused(b, FL_BUDGET_MEMORY));
    cr_assert_eq(fl_budget_charge(b, FL_BUDGET_MEMORY, 41), -1);
    cr_assert(fl_budget_refused(b, FL_BUDGET_MEMORY));
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 60, "a refused charge changes nothing");
    cr_assert_eq(fl_budget_charge(b, FL_BUDGET_MEMORY, 40), 0);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 100);
    fl_budget_release(b, FL_BUDGET_MEMORY, 70);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 30);
    cr_assert_eq(fl_budget_peak(b, FL_BUDGET_MEMORY), 100);
    fl_budget_release(b, FL_BUDGET_MEMORY, 1000);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 0, "never below zero");
    cr_assert_not(fl_budget_refused(b, FL_BUDGET_FDS), "refusals are per kind");
    fl_budget_unref(b);
}

Test(budget, zero_limits_take_the_defaults) {
    fl_budget *b = fl_budget_new(NULL);
    cr_assert_eq(fl_budget_limit(b, FL_BUDGET_MEMORY), FL_BUDGET_DEFAULT_MEMORY);
    cr_assert_eq(fl_budget_limit(b, FL_BUDGET_FDS), FL_BUDGET_DEFAULT_FDS);
    cr_assert_eq(fl_budget_limit(b, FL_BUDGET_DISK), FL_BUDGET_DEFAULT_DISK);
    cr_assert_eq(fl_budget_limit(b, FL_BUDGET_CALLS), FL_BUDGET_DEFAULT_CALLS);
    fl_budget_limits l = fl_budget_get_limits(b);
    cr_assert_eq(l.chain_depth, FL_BUDGET_DEFAULT_CHAIN_DEPTH);
    cr_assert_eq(l.chained_per_call, FL_BUDGET_DEFAULT_CHAINED_PER_CALL);
    cr_assert_eq(fl_budget_deadline_ns(b), 0);
    cr_assert_eq(fl_budget_remaining_ms(b), -1);
    fl_budget_unref(b);
}

Test(budget, null_is_unlimited) {
    cr_assert_eq(fl_budget_charge(NULL, FL_BUDGET_MEMORY, UINT64_MAX), 0);
    cr_assert_not(fl_budget_refused(NULL, FL_BUDGET_MEMORY));
    cr_assert_eq(fl_budget_remaining_ms(NULL), -1);
    fl_budget_release(NULL, FL_BUDGET_DISK, 5);
    cr_assert_null(fl_budget_ref(NULL));
    fl_budget_unref(NULL);
}

Test(budget, deadline_counts_down) {
    fl_budget_limits l = {.timeout_ms = 50};
    fl_budget *b = fl_budget_new(&l);
    int64_t left = fl_budget_remaining_ms(b);
    cr_assert(left > 0 && left <= 50, "left %lld", (long long)left);
    struct timespec t = {0, 80 * 1000000L};
    nanosleep(&t, NULL);
    cr_assert_eq(fl_budget_remaining_ms(b), 0);
    cr_assert(fl_budget_deadline_ns(b) <= fl_monotonic_ns());
    fl_budget_unref(b);
}

Test(budget, references_keep_it_alive) {
    fl_budget *b = fl_budget_new(NULL);
    cr_assert_eq(fl_budget_ref(b), b);
    fl_budget_unref(b);
    cr_assert_eq(fl_budget_charge(b, FL_BUDGET_CALLS, 1), 0, "still alive after one unref");
    fl_budget_unref(b);
}

static void *charge_many(void *arg) {
    fl_budget *b = arg;
    for (int i = 0; i < 100000; i++)
        if (fl_budget_charge(b, FL_BUDGET_CALLS, 1) == 0 && i % 2)
            fl_budget_release(b, FL_BUDGET_CALLS, 1);
    return NULL;
}

Test(budget, concurrent_charges_never_pass_the_limit) {
    fl_budget_limits l = {.calls = 1000};
    fl_budget *b = fl_budget_new(&l);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, charge_many, b);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    cr_assert_leq(fl_budget_peak(b, FL_BUDGET_CALLS), 1000);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_CALLS), 1000, "the kept charges fill it exactly");
    cr_assert(fl_budget_refused(b, FL_BUDGET_CALLS));
    fl_budget_unref(b);
}

/* Recurses with 4 KiB frames until less than `floor` bytes are left. */
static size_t recurse_until(size_t floor, int depth) {
    volatile char pad[4096];
    pad[0] = (char)depth;
    size_t left = fl_cstack_left();
    if (left < floor)
        return left;
    size_t deeper = recurse_until(floor, depth + 1);
    return deeper + (size_t)(pad[0] != (char)depth); /* not a tail call: the frame stays */
}

static void *stack_probe(void *arg) {
    size_t *out = arg;
    out[0] = fl_cstack_left();
    out[1] = recurse_until(64 << 10, 0);
    return NULL;
}

Test(budget, cstack_left_is_measured_on_each_thread) {
    size_t here = fl_cstack_left();
    cr_assert(here > (64 << 10) && here != SIZE_MAX, "main thread: %zu", here);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 1 << 20);
    size_t seen[2];
    pthread_t t;
    pthread_create(&t, &a, stack_probe, seen);
    pthread_join(t, NULL);
    pthread_attr_destroy(&a);
    cr_assert(seen[0] <= (1 << 20) && seen[0] > (900 << 10), "a 1 MiB thread starts with %zu", seen[0]);
    cr_assert(seen[1] < (64 << 10), "the descent stopped at %zu left, without a crash", seen[1]);
}

Test(budget, the_log_keeps_its_cap_and_charges_the_memory_it_holds) {
    fl_budget_limits l = {.log_bytes = 3000, .memory_bytes = 1 << 20};
    fl_budget *b = fl_budget_new(&l);
    char chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    for (int i = 0; i < 4; i++)
        fl_budget_log_append(b, chunk, sizeof chunk);
    cr_assert_geq(fl_budget_used(b, FL_BUDGET_MEMORY), 3000, "the buffer is charged");
    size_t len;
    uint64_t dropped;
    uint8_t *log = fl_budget_log_take(b, &len, &dropped);
    cr_assert_eq(len, 3000);
    cr_assert_eq(dropped, 1000);
    cr_assert_eq(log[2999], 'a');
    free(log);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 0, "taking it gives the charge back");
    cr_assert_null(fl_budget_log_take(b, &len, &dropped), "and leaves it empty");
    cr_assert_eq(len, 0);
    fl_budget_unref(b);
}

Test(budget, a_log_the_memory_budget_refuses_is_dropped) {
    fl_budget_limits l = {.log_bytes = 1 << 20, .memory_bytes = 4096};
    fl_budget *b = fl_budget_new(&l);
    cr_assert_eq(fl_budget_charge(b, FL_BUDGET_MEMORY, 4096), 0);
    fl_budget_log_append(b, "hello", 5);
    size_t len;
    uint64_t dropped;
    cr_assert_null(fl_budget_log_take(b, &len, &dropped));
    cr_assert_eq(dropped, 5);
    cr_assert_eq(fl_budget_used(b, FL_BUDGET_MEMORY), 4096);
    fl_budget_unref(b);
}
