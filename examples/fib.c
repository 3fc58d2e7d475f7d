/* fib.c: a demo function.  Exports fib(n), the n-th Fibonacci number,
 * computed by naive recursion so it does real work (fib(30): 1.6 M calls).
 * Build: clang-19 --target=wasm32 -O2 -nostdlib -Wl,--no-entry fib.c -o fib.wasm */
#include <stdint.h>

__attribute__((export_name("fib"))) uint32_t fib(uint32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
