/* fannkuch-redux: the Benchmarks Game's pancake-flipping count over every
 * permutation of n (at most 12) elements; returns checksum and max flips. */
#include "kernel.h"

#define MAXN 12

uint64_t run(uint32_t n) {
    int perm[MAXN], perm1[MAXN], count[MAXN];
    if (n > MAXN)
        n = MAXN;
    if (n < 3)
        n = 3;
    int len = (int)n;
    int max_flips = 0, checksum = 0, perm_count = 0;
    for (int i = 0; i < len; i++)
        perm1[i] = i;
    int r = len;
    for (;;) {
        while (r != 1) {
            count[r - 1] = r;
            r--;
        }
        for (int i = 0; i < len; i++)
            perm[i] = perm1[i];
        int flips = 0;
        int k;
        while ((k = perm[0]) != 0) {
            for (int i = 0, j = k; i < j; i++, j--) {
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            flips++;
        }
        if (flips > max_flips)
            max_flips = flips;
        checksum += (perm_count & 1) ? -flips : flips;
        /* next permutation in the benchmark's rotation order */
        for (;;) {
            if (r == len)
                return ((uint64_t)(uint32_t)checksum << 32) | (uint32_t)max_flips;
            int p0 = perm1[0];
            for (int i = 0; i < r; i++)
                perm1[i] = perm1[i + 1];
            perm1[r] = p0;
            count[r]--;
            if (count[r] > 0)
                break;
            r++;
        }
        perm_count++;
    }
}
