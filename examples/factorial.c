/* factorial.c: a demo function.  Exports factorial(n) as a 64-bit result
 * (exact up to n = 20; wraps modulo 2^64 beyond). */
#include <stdint.h>

__attribute__((export_name("factorial"))) uint64_t factorial(uint32_t n) {
    uint64_t r = 1;
    for (uint32_t i = 2; i <= n; i++)
        r *= i;
    return r;
}
