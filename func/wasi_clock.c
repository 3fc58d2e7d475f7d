/*
 * wasi_clock: WASI clocks and sleeping, no Faasm imports.
 *
 * Reads the realtime clock (must be after 2020-01-01), checks the monotonic
 * clock never goes back over 1000 reads, sleeps 20 ms with nanosleep and
 * checks at least 20 ms passed, and that the clocks' resolutions are
 * positive.  Prints "wasi_clock: 4 checks passed (slept N ms)", returns 0;
 * on a failed check prints which, returns 1.
 */
#include <stdio.h>
#include <time.h>

static long long ns(const struct timespec *t) {
    return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

int main(int argc, char *argv[]) {
    struct timespec now, a, b, res;

    /* 1. Realtime is a plausible date; time() agrees to a few seconds. */
    if (clock_gettime(CLOCK_REALTIME, &now) != 0 || now.tv_sec < 1577836800) {
        printf("wasi_clock: realtime clock is before 2020\n");
        return 1;
    }
    time_t t = time(NULL);
    if (t < now.tv_sec - 5 || t > now.tv_sec + 5) {
        printf("wasi_clock: time() and CLOCK_REALTIME disagree\n");
        return 1;
    }

    /* 2. Monotonic never goes back. */
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (ns(&b) < ns(&a)) {
            printf("wasi_clock: monotonic clock went back\n");
            return 1;
        }
        a = b;
    }

    /* 3. A 20 ms sleep lasts (about) 20 ms. */
    struct timespec nap = {0, 20 * 1000000};
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (nanosleep(&nap, NULL) != 0) {
        printf("wasi_clock: nanosleep failed\n");
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long slept = ns(&b) - ns(&a);
    /* 2 ms of slack: node:wasi, the second opinion these examples also run
     * under, fires timers up to about 1 ms early.  faaslet's own exactness is
     * checked by tests/wasi/poll_clock_abs. */
    if (slept < 18 * 1000000LL) {
        printf("wasi_clock: slept only %lld ns\n", slept);
        return 1;
    }

    /* 4. Resolutions. */
    if (clock_getres(CLOCK_MONOTONIC, &res) != 0 || ns(&res) <= 0 ||
        clock_getres(CLOCK_REALTIME, &res) != 0 || ns(&res) <= 0) {
        printf("wasi_clock: clock resolution not positive\n");
        return 1;
    }

    printf("wasi_clock: 4 checks passed (slept %lld ms)\n", slept / 1000000);
    return 0;
}
