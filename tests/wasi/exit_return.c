// The exit status is the function's return value, but one an exit status
// cannot carry is never taken modulo 256 (300 would leave as 44, and 256 as
// success): faaslet exits with 1 and names the value on stderr, with stdout
// flushed first.
// EXIT: 1
// NODE: skip node:wasi exits with 300 & 0xff = 44, as exit(300) does on the host
#include "t.h"

int main(void) {
    printf("returning 300\n");
    return 300;
}
