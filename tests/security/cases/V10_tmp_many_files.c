/* Empty files cost the host inodes and directory blocks: creating files
 * without end in /tmp must meet the disk quota, and cleanup must remove
 * every one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void) {
    char name[64];
    int n = 0;
    for (;; n++) {
        snprintf(name, sizeof name, "/tmp/f%07d", n);
        int fd = open(name, O_CREAT | O_WRONLY, 0600);
        if (fd < 0)
            break;
        close(fd);
    }
    printf("created %d files, then: %s\n", n, strerror(errno));
    return 0;
}
