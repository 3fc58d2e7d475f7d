/*
 * faasm/random.h: Faasm's random helpers (C++, namespace faasm), from one
 * std::mt19937 per module seeded by std::random_device (WASI random_get):
 *   randomInteger(a, b)   uniform in [a, b]
 *   randomFloat()         uniform in [0, 1)
 *   shuffleArray(a, n)    a permutation of a[0..n) in place
 *   randomIntRange(n)     new int[n] holding 0..n-1 shuffled (delete[] it)
 *   randomString(n)       n characters of [1-9A-Za-z]
 * C gets faasm_randomInteger, faasm_randomFloat, faasm_shuffleArray and
 * faasm_randomIntRange (malloc'd), over arc4random.
 */
#ifndef _FAASM_RANDOM_H
#define _FAASM_RANDOM_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef __cplusplus
#include <algorithm>
#include <random>
#include <string>

namespace faasm {
inline std::mt19937 &randomEngine() {
    static std::random_device rd;
    static std::mt19937 rng(rd());
    return rng;
}

inline int randomInteger(int iStart, int iEnd) {
    std::uniform_int_distribution<int> uni(iStart, iEnd);
    return uni(randomEngine());
}

inline float randomFloat() {
    std::uniform_real_distribution<float> uni(0, 1);
    return uni(randomEngine());
}

inline void shuffleArray(int *arrayIn, size_t arrayLen) {
    std::shuffle(arrayIn, arrayIn + arrayLen, randomEngine());
}

inline int *randomIntRange(int rangeLen) {
    int *range = new int[rangeLen];
    for (int i = 0; i < rangeLen; i++)
        range[i] = i;
    shuffleArray(range, (size_t)rangeLen);
    return range;
}

inline std::string randomString(int len) {
    static const char chars[] = "123456789"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "abcdefghijklmnopqrstuvwxyz";
    std::uniform_int_distribution<int> uni(0, (int)sizeof chars - 2);
    std::string s;
    for (int i = 0; i < len; i++)
        s += chars[uni(randomEngine())];
    return s;
}
} // namespace faasm

#else

static inline int faasm_randomInteger(int iStart, int iEnd) {
    uint32_t span = (uint32_t)iEnd - (uint32_t)iStart + 1u;
    return span ? (int)((uint32_t)iStart + arc4random_uniform(span)) : (int)arc4random();
}

static inline float faasm_randomFloat(void) {
    return (float)(arc4random() >> 8) / 16777216.0f; /* 24 bits: [0, 1) */
}

static inline void faasm_shuffleArray(int *arrayIn, size_t arrayLen) {
    for (size_t i = arrayLen; i > 1; i--) {
        size_t j = arc4random_uniform((uint32_t)i);
        int t = arrayIn[i - 1];
        arrayIn[i - 1] = arrayIn[j];
        arrayIn[j] = t;
    }
}

static inline int *faasm_randomIntRange(int rangeLen) {
    int *range = (int *)malloc((size_t)(rangeLen > 0 ? rangeLen : 1) * sizeof(int));
    if (!range)
        return NULL;
    for (int i = 0; i < rangeLen; i++)
        range[i] = i;
    faasm_shuffleArray(range, (size_t)(rangeLen > 0 ? rangeLen : 0));
    return range;
}

#endif

#endif
