/* sort: quicksort (median of three, insertion sort below 16 elements) of n
 * PRNG-filled 32-bit integers, n at most 4 Mi; returns a position-weighted
 * sum of the sorted array. */
#include "kernel.h"

#define MAX_ELEMS (1u << 22)

static int32_t arr[MAX_ELEMS];

static void insertion_sort(int32_t *a, int32_t lo, int32_t hi) {
    for (int32_t i = lo + 1; i <= hi; i++) {
        int32_t v = a[i], j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static inline void swap(int32_t *a, int32_t i, int32_t j) {
    int32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

/* Recurses into the smaller side only, so depth stays under log2(n). */
static void quicksort(int32_t *a, int32_t lo, int32_t hi) {
    while (hi - lo >= 16) {
        int32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) swap(a, mid, lo);
        if (a[hi] < a[lo]) swap(a, hi, lo);
        if (a[hi] < a[mid]) swap(a, hi, mid);
        int32_t pivot = a[mid];
        int32_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                swap(a, i, j);
                i++;
                j--;
            }
        }
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

uint64_t run(uint32_t n) {
    if (n > MAX_ELEMS)
        n = MAX_ELEMS;
    uint64_t seed = 42;
    for (uint32_t i = 0; i < n; i++)
        arr[i] = (int32_t)(uint32_t)kernel_rand(&seed);
    if (n > 1)
        quicksort(arr, 0, (int32_t)n - 1);
    uint64_t h = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0 && arr[i - 1] > arr[i])
            return 0; /* not sorted: a checksum nobody expects */
        h += (uint64_t)(uint32_t)arr[i] * (i + 1);
    }
    return h;
}
