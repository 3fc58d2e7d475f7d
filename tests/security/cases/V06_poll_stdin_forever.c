/* poll_oneoff on stdin with no clock: waits for input that never comes. */
#include <poll.h>
#include <stdio.h>
int main(void) {
    struct pollfd p = {.fd = 0, .events = POLLIN};
    int n = poll(&p, 1, -1);
    printf("poll returned %d\n", n);
    return 0;
}
