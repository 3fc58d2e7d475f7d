/* A chained call that never ends, awaited by its caller: the tree's one
 * deadline ends both, and the child is cancelled, not waited for. */
#include <faasm/faasm.h>
static int spin(void) {
    for (volatile unsigned i = 0;; i++)
        ;
    return 0;
}
int main(void) { return faasmAwaitCall(faasmChain(spin, "", 0)); }
