/* Symlinks a guest makes must not point outside its preopen, even when
 * nothing follows them yet: the host (or a later call) might. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
    const char *targets[] = {"/etc/passwd", "../../../../etc/passwd", "..", "sub/../../x",
                             "/tmp/../.."};
    int made = 0;
    mkdir("/tmp/sub", 0700);
    for (unsigned i = 0; i < sizeof targets / sizeof *targets; i++) {
        char link[32];
        snprintf(link, sizeof link, "/tmp/l%u", i);
        if (symlink(targets[i], link) == 0) {
            printf("made %s -> %s\n", link, targets[i]);
            made++;
        }
    }
    int ok = symlink("sub/../sub", "/tmp/inside") == 0;
    printf("escaping symlinks made: %d; inside one: %s\n", made, ok ? "yes" : strerror(errno));
    return made == 0 && ok ? 0 : 1;
}
