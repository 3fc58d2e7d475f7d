/* mman: anonymous mmap and munmap (-lwasi-emulated-mman), as Faasm's mmap
 * demo: ten maps of 3 pages and a bit, each written and read back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char *argv[]) {
    size_t len = 3 * 65536 + 1234;
    char *maps[10];
    for (int i = 0; i < 10; i++) {
        maps[i] = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE, -1, 0);
        if (maps[i] == MAP_FAILED) {
            printf("mmap: %s\n", strerror(errno));
            return 1;
        }
        snprintf(maps[i], len, "Output %d", i);
    }
    for (int i = 0; i < 10; i++) {
        char want[32];
        snprintf(want, sizeof want, "Output %d", i);
        if (strcmp(maps[i], want) || munmap(maps[i], len) != 0) {
            printf("mman: map %d wrong\n", i);
            return 1;
        }
    }
    printf("mman: 10 maps ok\n");
    return 0;
}
