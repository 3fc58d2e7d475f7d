// args_get / args_sizes_get through wasi-libc's main(argc, argv).
// argv[0] is "function.wasm", as on Faasm.
// ARGS: alpha beta gamma-delta 42
#include "t.h"

int main(int argc, char **argv) {
    CHECK_EQ(argc, 5);
    CHECK(strcmp(argv[0], "function.wasm") == 0);
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    CHECK(argv[argc] == NULL);
    return 0;
}
