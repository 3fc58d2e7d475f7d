/*
 * wasi_random: WASI random_get through getentropy, no Faasm imports.
 *
 * Draws two 32-byte blocks and checks they differ and are not all zero,
 * then draws 4096 bytes and checks every byte value 0..255 turns up at
 * least once (a stuck or weak source fails; a fair one misses a value with
 * probability about 256 * e^-16, 3e-5).  Prints the first block in hex and
 * "wasi_random: 3 checks passed", returns 0; otherwise which check failed, 1.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
    unsigned char a[32], b[32], zero[32] = {0}, big[4096];
    if (getentropy(a, sizeof a) != 0 || getentropy(b, sizeof b) != 0) {
        printf("wasi_random: getentropy failed\n");
        return 1;
    }
    printf("wasi_random: ");
    for (size_t i = 0; i < sizeof a; i++)
        printf("%02x", a[i]);
    printf("\n");
    if (!memcmp(a, zero, sizeof a) || !memcmp(b, zero, sizeof b)) {
        printf("wasi_random: a block is all zero\n");
        return 1;
    }
    if (!memcmp(a, b, sizeof a)) {
        printf("wasi_random: two draws are equal\n");
        return 1;
    }
    /* getentropy serves at most 256 bytes a call. */
    for (size_t off = 0; off < sizeof big; off += 256)
        if (getentropy(big + off, 256) != 0) {
            printf("wasi_random: getentropy failed\n");
            return 1;
        }
    int seen[256] = {0}, distinct = 0;
    for (size_t i = 0; i < sizeof big; i++)
        if (!seen[big[i]]++)
            distinct++;
    if (distinct != 256) {
        printf("wasi_random: only %d of 256 byte values in 4096 bytes\n", distinct);
        return 1;
    }
    printf("wasi_random: 3 checks passed\n");
    return 0;
}
