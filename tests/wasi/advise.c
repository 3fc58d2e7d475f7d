// fd_advise takes each advice on a file; an unknown one is EINVAL.
#include "t.h"
#include <fcntl.h>

int main(void) {
    __wasi_fd_t fd;
    CHECK_EQ(open_at(SB, "hello.txt", 0, 0, &fd), 0);
    for (int a = 0; a <= __WASI_ADVICE_NOREUSE; a++)
        CHECK_EQ(__wasi_fd_advise(fd, 0, 12, a), 0);
    CHECK_EQ(__wasi_fd_advise(fd, 0, 12, 6), __WASI_ERRNO_INVAL);
    CHECK_EQ(__wasi_fd_advise(99, 0, 12, 0), __WASI_ERRNO_BADF);
    CHECK_EQ(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL), 0);
    printf("advised\n");
    return 0;
}
