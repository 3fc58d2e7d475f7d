/* Folders nested far deeper than PATH_MAX (descended by fd, not by path),
 * with a file at the bottom and a symlink to / on the way: the call's /tmp
 * must still go away entirely, without following the link. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
    const char *name = "dddddddddddddddddddd";
    int depth = 0, dir = open("/tmp", O_RDONLY | O_DIRECTORY);
    for (; dir >= 0 && depth < 600; depth++) {
        if (mkdirat(dir, name, 0700) != 0)
            break;
        int next = openat(dir, name, O_RDONLY | O_DIRECTORY);
        if (depth == 300)
            symlinkat("/", dir, "root");
        close(dir);
        dir = next;
    }
    int fd = dir >= 0 ? openat(dir, "bottom", O_CREAT | O_WRONLY, 0600) : -1;
    printf("nested %d folders, bottom file %s\n", depth, fd >= 0 ? "made" : "not made");
    return 0;
}
