// environ_get / environ_sizes_get, through getenv and raw.
// ENV: FOO=bar EMPTY= WITH_EQ=a=b
#include "t.h"

int main(void) {
    CHECK(strcmp(getenv("FOO"), "bar") == 0);
    CHECK(strcmp(getenv("EMPTY"), "") == 0);
    CHECK(strcmp(getenv("WITH_EQ"), "a=b") == 0);
    CHECK(getenv("PATH") == NULL); /* nothing leaks from the host */
    /* Faasm's variables come first (src/faaslet/faaslet.c), then --env's */
    static const char *const want[] = {
        "MKL_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1", "PYTHONHASHSEED=0", "PYTHONHOME=/",
        "PYTHONNOUSERSITE=on", "PYTHONWASM=1", "PYTHON_PATH=/", "FOO=bar", "EMPTY=",
        "WITH_EQ=a=b"};
    __wasi_size_t n, size, total = 0;
    CHECK_EQ(__wasi_environ_sizes_get(&n, &size), 0);
    CHECK_EQ(n, 10);
    for (int i = 0; i < 10; i++)
        total += strlen(want[i]) + 1;
    CHECK_EQ(size, total);
    char *ptrs[10], buf[256];
    CHECK_EQ(__wasi_environ_get((uint8_t **)ptrs, (uint8_t *)buf), 0);
    for (int i = 0; i < 10; i++) {
        CHECK(strcmp(ptrs[i], want[i]) == 0);
        printf("%s\n", ptrs[i]);
    }
    return 0;
}
