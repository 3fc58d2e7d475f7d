// fd_renumber moves an fd onto another (closing that one), and the old
// number is free afterwards.
#include "t.h"
#include <fcntl.h>
#include <unistd.h>

int main(void) {
    int a = open("/sb/a.txt", O_WRONLY | O_CREAT, 0644);
    int b = open("/sb/b.txt", O_WRONLY | O_CREAT, 0644);
    CHECK(a >= 0 && b >= 0 && a != b);
    CHECK_EQ(__wasi_fd_renumber(a, b), 0);
    CHECK(write(b, "went to a\n", 10) == 10);
    CHECK(write(a, "x", 1) == -1 && errno == EBADF);
    CHECK_EQ(__wasi_fd_renumber(b, 999), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_renumber(999, b), __WASI_ERRNO_BADF);
    CHECK_EQ(__wasi_fd_renumber(b, b), 0);
    close(b);
    char buf[32];
    CHECK_EQ(slurp("/sb/a.txt", buf, sizeof buf), 10);
    printf("a: %s", buf);
    CHECK_EQ(slurp("/sb/b.txt", buf, sizeof buf), 0);
    return 0;
}
