/*
 * faasm/time.h: Faasm's timing helpers.
 *
 * FAASM_PROF_START(v) / FAASM_PROF_END(v) time a stretch of code with
 * clock() and print "TIME: v <ms>\n"; as on Faasm they do nothing in wasm
 * unless WASM_PROF is 1 (clock() is the process-clocks emulation `faaslet
 * cc` links).  faasm::getSecondsSinceEpoch() (C: faasm_getSecondsSinceEpoch)
 * is the wall clock in seconds, microsecond precision.
 */
#ifndef _FAASM_TIME_H
#define _FAASM_TIME_H

#include <stdio.h>
#include <sys/time.h>
#include <time.h>

#if (defined(WASM_PROF) && WASM_PROF == 1) || !defined(__wasm__)
#define FAASM_PROF_START(profVar) clock_t profVar = clock();
#define FAASM_PROF_END(profVar)                                               \
    float diff_##profVar = ((clock() - profVar) * 1000.0f) / CLOCKS_PER_SEC;  \
    printf("TIME: %s %f\n", #profVar, diff_##profVar);
#else
#define FAASM_PROF_START(profVar)
#define FAASM_PROF_END(profVar)
#endif

static inline double faasm_getSecondsSinceEpoch(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

#ifdef __cplusplus
namespace faasm {
inline double getSecondsSinceEpoch() {
    return faasm_getSecondsSinceEpoch();
}
} // namespace faasm
#endif

#endif
