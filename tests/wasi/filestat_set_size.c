// fd_filestat_set_size grows with zeros and shrinks; ftruncate and truncate.
#include "t.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    int fd = open("/sb/sized.bin", O_RDWR | O_CREAT, 0644);
    CHECK(write(fd, "abcdef", 6) == 6);
    CHECK_EQ(__wasi_fd_filestat_set_size(fd, 100), 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 100);
    CHECK_EQ(__wasi_fd_filestat_set_size(fd, 3), 0);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 3);
    CHECK(ftruncate(fd, 8) == 0);
    close(fd);
    char buf[16];
    CHECK_EQ(slurp("/sb/sized.bin", buf, sizeof buf), 8);
    CHECK(memcmp(buf, "abc\0\0\0\0\0", 8) == 0);
    CHECK(truncate("/sb/hello.txt", 5) == 0);
    CHECK_EQ(slurp("/sb/hello.txt", buf, sizeof buf), 5);
    printf("%s\n", buf);
    return 0;
}
