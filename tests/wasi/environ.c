// environ_get / environ_sizes_get, through getenv and raw.
// ENV: FOO=bar EMPTY= WITH_EQ=a=b
#include "t.h"

int main(void) {
    CHECK(strcmp(getenv("FOO"), "bar") == 0);
    CHECK(strcmp(getenv("EMPTY"), "") == 0);
    CHECK(strcmp(getenv("WITH_EQ"), "a=b") == 0);
    CHECK(getenv("PATH") == NULL); /* nothing leaks from the host */
    __wasi_size_t n, size;
    CHECK_EQ(__wasi_environ_sizes_get(&n, &size), 0);
    CHECK_EQ(n, 3);
    CHECK_EQ(size, strlen("FOO=bar") + strlen("EMPTY=") + strlen("WITH_EQ=a=b") + 3);
    char *ptrs[3], buf[64];
    CHECK_EQ(__wasi_environ_get((uint8_t **)ptrs, (uint8_t *)buf), 0);
    for (int i = 0; i < 3; i++)
        printf("%s\n", ptrs[i]);
    return 0;
}
