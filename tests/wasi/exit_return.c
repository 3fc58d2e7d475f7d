// The exit status is the function's return value: main's 300 leaves the
// process as 300 & 0xff = 44 (as exit(300) does on the host), with stdout
// flushed first.
// EXIT: 44
#include "t.h"

int main(void) {
    printf("returning 300\n");
    return 300;
}
