// random_get fills the buffer (not all zeros, different each call), and
// zero bytes is fine.
#include "t.h"

int main(void) {
    uint8_t a[64] = {0}, b[64] = {0};
    CHECK_EQ(__wasi_random_get(a, sizeof a), 0);
    CHECK_EQ(__wasi_random_get(b, sizeof b), 0);
    CHECK(memcmp(a, b, sizeof a) != 0);
    int nonzero = 0;
    for (size_t i = 0; i < sizeof a; i++)
        nonzero += a[i] != 0;
    CHECK(nonzero > 32);
    CHECK_EQ(__wasi_random_get(a, 0), 0);
    static uint8_t big[100000];
    CHECK_EQ(__wasi_random_get(big, sizeof big), 0);
    printf("random ok\n");
    return 0;
}
