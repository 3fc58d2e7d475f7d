/* oob: a plain out-of-bounds access (stack pointer fine): the call must
 * fail with "out of bounds memory access", not a stack overflow. */
#include <stdint.h>
#include <stdio.h>

int main(int argc, char *argv[]) {
    volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)(0xFFFFFFF0u - (unsigned)argc);
    printf("%u\n", *p);
    return 0;
}
