/*
 * faasm/print.h: Faasm's faasm::printArray (C++), which prints an array as
 * "[1, 2, 3]" on stdout with no newline: int and uint8_t as integers,
 * double with "%f".  C gets faasm_printArrayInt / Uint8 / Double.
 */
#ifndef _FAASM_PRINT_H
#define _FAASM_PRINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FAASM_PRINT_ARRAY_(name, type, fmt)                                   \
    static inline void name(const type *data, size_t size) {                  \
        printf("[");                                                          \
        for (size_t i = 0; i < size; i++)                                     \
            printf(i + 1 < size ? fmt ", " : fmt, data[i]);                   \
        printf("]");                                                          \
    }
FAASM_PRINT_ARRAY_(faasm_printArrayInt, int, "%i")
FAASM_PRINT_ARRAY_(faasm_printArrayUint8, uint8_t, "%i")
FAASM_PRINT_ARRAY_(faasm_printArrayDouble, double, "%f")
#undef FAASM_PRINT_ARRAY_

#ifdef __cplusplus
namespace faasm {
/* Faasm instantiates it for int, uint8_t and double only. */
template <typename T> void printArray(T *data, size_t size);
template <> inline void printArray<int>(int *data, size_t size) {
    faasm_printArrayInt(data, size);
}
template <> inline void printArray<uint8_t>(uint8_t *data, size_t size) {
    faasm_printArrayUint8(data, size);
}
template <> inline void printArray<double>(double *data, size_t size) {
    faasm_printArrayDouble(data, size);
}
} // namespace faasm
#endif

#endif
