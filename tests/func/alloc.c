/*
 * alloc: allocates 1 MiB blocks without end, touching each.  Under
 * --max-memory the allocator eventually gets NULL; the function then
 * aborts (a trap), which faaslet reports as "memory limit reached".
 */
#include <stdlib.h>
#include <string.h>

/* the blocks escape here, so the compiler cannot drop the allocations */
char *volatile last_block;

int main(void) {
    for (;;) {
        char *p = malloc(1 << 20);
        if (!p)
            abort();
        memset(p, 1, 1 << 20);
        last_block = p;
    }
}
