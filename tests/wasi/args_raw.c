// args_sizes_get counts argv[0] and the NUL of every string; args_get lays
// the strings out back to back and points at each.
// ARGS: x yy zzz
#include "t.h"

int main(void) {
    __wasi_size_t argc, size;
    CHECK_EQ(__wasi_args_sizes_get(&argc, &size), 0);
    CHECK_EQ(argc, 4);
    CHECK_EQ(size, strlen("function.wasm") + 1 + 2 + 3 + 4);
    char *ptrs[4];
    char buf[64];
    CHECK_EQ(__wasi_args_get((uint8_t **)ptrs, (uint8_t *)buf), 0);
    CHECK(ptrs[0] == buf);
    CHECK(ptrs[1] == buf + strlen("function.wasm") + 1);
    CHECK(strcmp(ptrs[3], "zzz") == 0);
    printf("%s|%s|%s\n", ptrs[1], ptrs[2], ptrs[3]);
    return 0;
}
