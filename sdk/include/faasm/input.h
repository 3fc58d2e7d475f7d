/*
 * faasm/input.h: Faasm's C++ input helpers (namespace faasm), so demo
 * functions that include it build unchanged.  In C this header only
 * includes faasm/core.h.
 *
 * Differences from Faasm: parseStringToIntArray reads at most `expected`
 * numbers and zero-fills the rest (Faasm overran its copy of the string by
 * one byte and its array when given more numbers).  Strings returned are
 * new[]'d and owned by the caller, as in Faasm.
 */
#ifndef FAASM_INPUT_H
#define FAASM_INPUT_H

#include "faasm/core.h"

#ifdef __cplusplus
#include <cstdlib>
#include <cstring>

namespace faasm {

/* The input read as one T (a POD), or defaultValue when there is none. */
template <typename T> T getTypedInput(T defaultValue) {
    if (faasmGetInputSize() == 0)
        return defaultValue;
    T value = defaultValue;
    faasmGetInput(&value, sizeof(T));
    return value;
}

/* The input as a NUL-terminated string (new[]'d; it ends at the first NUL
 * byte if the input has one), or defaultValue when there is none. */
inline const char *getStringInput(const char *defaultValue) {
    long size = faasmGetInputSize();
    if (size <= 0)
        return defaultValue;
    char *s = new char[size + 1];
    long got = faasmGetInput(s, size);
    s[got >= 0 && got <= size ? got : 0] = '\0';
    return s;
}

/* Sets the output to the string val (without its NUL). */
inline void setStringOutput(const char *val) {
    faasmSetOutput(val, static_cast<long>(std::strlen(val)));
}

/* The first `expected` space-separated integers of inStr, in a new[]'d
 * array of `expected` ints (missing ones are 0). */
inline int *parseStringToIntArray(const char *inStr, int expected) {
    int *result = new int[expected > 0 ? expected : 1]();
    const char *p = inStr;
    for (int i = 0; i < expected && p && *p; i++) {
        char *end;
        long v = std::strtol(p, &end, 10);
        if (end == p)
            break;
        result[i] = static_cast<int>(v);
        p = end;
    }
    return result;
}

} // namespace faasm
#endif

#endif
