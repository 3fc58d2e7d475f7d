// fd_read on stdin: lines in, upper-cased lines out, then end of file.
// STDIN: first line\nsecond line\nlast
#include "t.h"
#include <ctype.h>

int main(void) {
    char line[128];
    int n = 0;
    while (fgets(line, sizeof line, stdin)) {
        for (char *p = line; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        printf("%d:%s", ++n, line);
    }
    printf("\n%d lines\n", n);
    CHECK(feof(stdin));
    uint8_t b;
    __wasi_iovec_t iov = {&b, 1};
    __wasi_size_t got = 7;
    CHECK_EQ(__wasi_fd_read(0, &iov, 1, &got), 0);
    CHECK_EQ(got, 0);
    return 0;
}
