// fd_pread / fd_pwrite at offsets, scattered over iovecs, leave the file
// position where it was.
#include "t.h"

int main(void) {
    __wasi_fd_t fd;
    CHECK_EQ(open_at(SB, "p.bin", __WASI_OFLAGS_CREAT, 0, &fd), 0);
    __wasi_ciovec_t w[2] = {{(const uint8_t *)"abc", 3}, {(const uint8_t *)"DEF", 3}};
    __wasi_size_t n;
    __wasi_filesize_t pos;
    CHECK_EQ(__wasi_fd_pwrite(fd, w, 2, 4, &n), 0);
    CHECK_EQ(n, 6);
    CHECK_EQ(__wasi_fd_tell(fd, &pos), 0);
    CHECK_EQ(pos, 0);
    CHECK_EQ(__wasi_fd_pwrite(fd, w, 1, 0, &n), 0);
    char a[2], b[5];
    __wasi_iovec_t r[2] = {{(uint8_t *)a, 2}, {(uint8_t *)b, 5}};
    CHECK_EQ(__wasi_fd_pread(fd, r, 2, 1, &n), 0);
    CHECK_EQ(n, 7);
    CHECK(memcmp(a, "bc", 2) == 0 && memcmp(b, "\0abcD", 5) == 0);
    for (int i = 0; i < 2; i++)
        printf("%02x ", a[i]);
    for (int i = 0; i < 5; i++)
        printf("%02x ", b[i]);
    printf("\n");
    CHECK_EQ(__wasi_fd_pread(fd, r, 2, 100, &n), 0);
    CHECK_EQ(n, 0);
    CHECK_EQ(__wasi_fd_tell(fd, &pos), 0);
    CHECK_EQ(pos, 0);
    CHECK_EQ(__wasi_fd_close(fd), 0);
    return 0;
}
