/* getpwuid: the one user every function runs as, from the SDK and from
 * the runtime root's /etc/passwd (the same, not the host's). */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
    struct passwd *pw = getpwuid(getuid());
    if (!pw)
        return 1;
    printf("%s uid=%d gid=%d home=%s\n", pw->pw_name, (int)pw->pw_uid, (int)pw->pw_gid,
           pw->pw_dir);
    struct passwd *byname = getpwnam("faasm");
    errno = 0;
    printf("getpwnam: %s, getpwuid(0): %s (errno %d)\n", byname == pw ? "same" : "differs",
           getpwuid(0) ? "found" : "none", errno);
    char line[256] = "";
    FILE *f = fopen("/etc/passwd", "r");
    if (!f || !fgets(line, sizeof line, f))
        return 2;
    printf("/etc/passwd: %s", line);
    fclose(f);
    return 0;
}
