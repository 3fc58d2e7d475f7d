/* clocks: clock(), times() and getrusage() (wasi-libc's process clocks,
 * linked by default), as Faasm's gettime demo uses clock(). */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <time.h>

int main(int argc, char *argv[]) {
    clock_t start = clock();
    volatile double x = 0;
    for (int i = 0; i < 3000000; i++)
        x += i * 0.5;
    clock_t end = clock();
    struct tms t;
    struct rusage ru;
    /* (wasi-libc's CLOCKS_PER_SEC is 1e9, Faasm's was 1e6: its gettime demo
     * only mentions the difference) */
    int ok = start >= 0 && end > start &&
             times(&t) != (clock_t)-1 && getrusage(RUSAGE_SELF, &ru) == 0;
    printf("clocks: %s\n", ok ? "ok" : "wrong");
    return !ok;
}
