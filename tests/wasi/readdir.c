// readdir through opendir: every entry, sorted, with types.  "." and ".." are
// left out of the comparison: faaslet lists them as Linux does, Node omits
// them, and preview1 does not say.
#include "t.h"
#include <dirent.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

int main(void) {
    FILE *f = fopen("/sb/sub/extra.txt", "w");
    fclose(f);
    DIR *d = opendir("/sb");
    CHECK(d);
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *s = malloc(300);
        snprintf(s, 300, "%s type=%d", e->d_name, e->d_type);
        names[n++] = s;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    for (int i = 0; i < n; i++)
        printf("%s\n", names[i]);
    CHECK(opendir("/sb/hello.txt") == NULL && errno == ENOTDIR);
    CHECK(opendir("/sb/missing") == NULL && errno == ENOENT);
    return 0;
}
