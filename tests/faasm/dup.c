/* dup: dup, dup2 and fcntl(F_DUPFD) as POSIX has them: the new fd shares
 * the open file (and its offset), dup2 replaces an open fd, F_DUPFD picks
 * the lowest free fd >= its argument; bad fds fail with EBADF. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c)                                                              \
    do {                                                                      \
        if (!(c)) {                                                           \
            printf("dup: failed: %s (errno %d)\n", #c, errno);                \
            return 1;                                                         \
        }                                                                     \
    } while (0)

int main(int argc, char *argv[]) {
    int fd = open("/tmp/dup.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    int d = dup(fd);
    CHECK(d >= 0 && d != fd);
    CHECK(write(fd, "ab", 2) == 2);
    CHECK(write(d, "cd", 2) == 2); /* shared offset: appended after "ab" */
    int hi = fcntl(fd, F_DUPFD, 20);
    CHECK(hi >= 20);
    CHECK(lseek(hi, 0, SEEK_SET) == 0);
    char buf[8] = "";
    CHECK(read(d, buf, sizeof buf) == 4 && !memcmp(buf, "abcd", 4));
    int other = open("/tmp/other.txt", O_RDWR | O_CREAT, 0644);
    CHECK(other >= 0);
    CHECK(dup2(fd, other) == other); /* other now names dup.txt */
    CHECK(lseek(other, 0, SEEK_SET) == 0);
    memset(buf, 0, sizeof buf);
    CHECK(read(other, buf, 2) == 2 && !memcmp(buf, "ab", 2));
    CHECK(dup2(fd, 30) == 30); /* a free target */
    CHECK(dup2(fd, fd) == fd);
    CHECK(close(fd) == 0 && close(d) == 0 && close(hi) == 0 && close(other) == 0 &&
          close(30) == 0);
    errno = 0;
    CHECK(dup(fd) == -1 && errno == EBADF);
    CHECK(dup2(99, 5) == -1 && errno == EBADF);
    CHECK(fcntl(-1, F_DUPFD, 0) == -1 && errno == EBADF);
    int out = dup(1);
    CHECK(out >= 0);
    dprintf(out, "dup: 12 checks passed\n");
    return 0;
}
