/* State values are host memory: 1 MiB under each of 1000 keys must meet the
 * call tree's memory cap however it is split across keys. */
#include <faasm/faasm.h>
#include <stdio.h>
static unsigned char buf[1 << 20];
int main(void) {
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        faasmWriteState(key, buf, sizeof buf);
    }
    printf("wrote 1000 MiB of state\n");
    return 0;
}
