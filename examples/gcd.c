/* gcd.c: a demo function.  Exports gcd(a, b), Euclid's greatest common
 * divisor of two unsigned 32-bit integers (two arguments, a loop). */
#include <stdint.h>

__attribute__((export_name("gcd"))) uint32_t gcd(uint32_t a, uint32_t b) {
    while (b != 0) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}
