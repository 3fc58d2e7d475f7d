// fd_write gathers several iovecs (including empty ones) in order and
// reports the total.
#include "t.h"

int main(void) {
    const char *parts[] = {"one ", "", "two ", "three\n"};
    __wasi_ciovec_t iov[4];
    size_t total = 0;
    for (int i = 0; i < 4; i++) {
        iov[i] = (__wasi_ciovec_t){(const uint8_t *)parts[i], strlen(parts[i])};
        total += strlen(parts[i]);
    }
    __wasi_size_t n;
    CHECK_EQ(__wasi_fd_write(1, iov, 4, &n), 0);
    CHECK_EQ(n, total);
    CHECK_EQ(__wasi_fd_write(1, iov, 0, &n), 0);
    CHECK_EQ(n, 0);
    CHECK_EQ(__wasi_fd_write(77, iov, 1, &n), __WASI_ERRNO_BADF);
    return 0;
}
