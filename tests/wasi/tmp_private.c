// Each call gets a private, writable, empty /tmp (fd 6): files and folders
// can be made, listed, renamed and removed there.  (Under faaslet it is a
// fresh folder under $TMPDIR, removed after the call: run.sh checks that
// nothing is left behind, which this test makes harder by leaving a nested
// folder, a symlink and a file in it.)
#include "t.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP 6

static int count(const char *dir) {
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

int main(void) {
    char buf[64];
    __wasi_prestat_t ps;
    CHECK_EQ(__wasi_fd_prestat_get(TMP, &ps), 0);
    CHECK_EQ(ps.u.dir.pr_name_len, 4);
    CHECK_EQ(__wasi_fd_prestat_dir_name(TMP, (uint8_t *)buf, 4), 0);
    CHECK(!memcmp(buf, "/tmp", 4));
    CHECK_EQ(count("/tmp"), 0);

    FILE *f = fopen("/tmp/a.txt", "w");
    CHECK(f != NULL);
    fputs("scratch\n", f);
    CHECK(fclose(f) == 0);
    CHECK_EQ(slurp("/tmp/a.txt", buf, sizeof buf), 8);
    CHECK(rename("/tmp/a.txt", "/tmp/b.txt") == 0);
    CHECK(mkdir("/tmp/d", 0755) == 0);
    CHECK(mkdir("/tmp/d/e", 0755) == 0);
    f = fopen("/tmp/d/e/deep.txt", "w");
    CHECK(f != NULL);
    CHECK(fclose(f) == 0);
    CHECK(symlink("b.txt", "/tmp/link") == 0);
    CHECK(symlink("e/deep.txt", "/tmp/d/link") == 0);
    CHECK_EQ(count("/tmp"), 3);
    CHECK_EQ(count("/tmp/d"), 2);
    CHECK_EQ(slurp("/tmp/link", buf, sizeof buf), 8);
    printf("tmp: %s", buf);
    return 0;
}
