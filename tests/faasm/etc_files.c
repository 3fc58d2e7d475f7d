/* etc_files: what the runtime root holds that functions read (/etc/hosts),
 * and the host's /etc/shadow, which no guest may open whatever the root:
 * prints the first line of each file named in argv, or why it failed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char *argv[]) {
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "r");
        char line[256] = "";
        if (!f) {
            printf("%s: %s\n", argv[i], strerror(errno));
            continue;
        }
        if (!fgets(line, sizeof line, f))
            strcpy(line, "(empty)\n");
        fclose(f);
        printf("%s: %s", argv[i], line);
    }
    return 0;
}
