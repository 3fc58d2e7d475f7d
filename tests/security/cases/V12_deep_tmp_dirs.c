/* Folders nested far deeper than PATH_MAX, with a file at the bottom and a
 * symlink to / on the way: the call's /tmp must still go away entirely,
 * without following the link. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
    int depth = 0;
    if (chdir("/tmp") != 0)
        return 2;
    for (; depth < 600; depth++) {
        if (mkdir("dddddddddddddddddddd", 0700) != 0 || chdir("dddddddddddddddddddd") != 0)
            break;
        if (depth == 300)
            symlink("/", "root");
    }
    int fd = open("bottom", O_CREAT | O_WRONLY, 0600);
    printf("nested %d folders, bottom file %s\n", depth, fd >= 0 ? "made" : "not made");
    return 0;
}
