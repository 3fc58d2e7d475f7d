/*
 * faasm/compare.h: Faasm's faasm::compareArrays (C++): true when the
 * first len elements of a and b are equal; otherwise prints
 * "Arrays not equal: A=[...] B=[...]\n" on stdout and returns false.
 * C gets faasm_compareArraysInt / Uint8 / Double (returning 1 or 0).
 */
#ifndef _FAASM_COMPARE_H
#define _FAASM_COMPARE_H

#include "faasm/print.h"

#define FAASM_COMPARE_ARRAYS_(name, type, print)                              \
    static inline int name(const type *a, const type *b, int len) {           \
        for (int i = 0; i < len; i++) {                                       \
            if (a[i] != b[i]) {                                               \
                printf("Arrays not equal: A=");                               \
                print(a, (size_t)len);                                        \
                printf(" B=");                                                \
                print(b, (size_t)len);                                        \
                printf("\n");                                                 \
                return 0;                                                     \
            }                                                                 \
        }                                                                     \
        return 1;                                                             \
    }
FAASM_COMPARE_ARRAYS_(faasm_compareArraysInt, int, faasm_printArrayInt)
FAASM_COMPARE_ARRAYS_(faasm_compareArraysUint8, uint8_t, faasm_printArrayUint8)
FAASM_COMPARE_ARRAYS_(faasm_compareArraysDouble, double, faasm_printArrayDouble)
#undef FAASM_COMPARE_ARRAYS_

#ifdef __cplusplus
namespace faasm {
/* Faasm instantiates it for int, uint8_t and double only. */
template <typename T> bool compareArrays(T *a, T *b, int len);
template <> inline bool compareArrays<int>(int *a, int *b, int len) {
    return faasm_compareArraysInt(a, b, len);
}
template <> inline bool compareArrays<uint8_t>(uint8_t *a, uint8_t *b, int len) {
    return faasm_compareArraysUint8(a, b, len);
}
template <> inline bool compareArrays<double>(double *a, double *b, int len) {
    return faasm_compareArraysDouble(a, b, len);
}
} // namespace faasm
#endif

#endif
