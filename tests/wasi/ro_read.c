// A read-only preopen reads like any other.
#include "t.h"
#include <dirent.h>

int main(void) {
    char buf[64];
    CHECK_EQ(slurp("/ro/readme.txt", buf, sizeof buf), 10);
    printf("%s", buf);
    DIR *d = opendir("/ro");
    CHECK(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    CHECK_EQ(n, 1);
    __wasi_filestat_t st;
    CHECK_EQ(__wasi_path_filestat_get(RO, 0, "readme.txt", &st), 0);
    CHECK_EQ(st.size, 10);
    return 0;
}
