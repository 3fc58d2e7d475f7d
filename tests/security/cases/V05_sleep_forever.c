/* A sleep (poll_oneoff on a clock) far past the call's deadline. */
#include <stdio.h>
#include <unistd.h>
int main(void) {
    sleep(3600);
    printf("woke up\n");
    return 0;
}
