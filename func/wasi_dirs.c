/*
 * wasi_dirs: WASI directories, no Faasm imports.  Works in DIR (argv[1],
 * default /tmp), a preopened, writable folder.
 *
 * Makes DIR/wasi_dirs/{a,b,c.txt} and DIR/wasi_dirs/a/inner, lists the
 * folder with readdir (printing the names sorted: "a b c.txt"), checks
 * stat tells folders from files, that rmdir refuses a non-empty folder,
 * then removes everything.  Prints the listing and "wasi_dirs: 5 checks
 * passed", returns 0; on a failed check prints which (with errno), returns 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what) {
    printf("wasi_dirs: %s failed: %s\n", what, strerror(errno));
    return 1;
}

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char *argv[]) {
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    char top[256], p[320];
    snprintf(top, sizeof top, "%s/wasi_dirs", dir);

    /* 1. mkdir, nested. */
    if (mkdir(top, 0755) != 0)
        return fail("mkdir top");
    snprintf(p, sizeof p, "%s/a", top);
    if (mkdir(p, 0755) != 0)
        return fail("mkdir a");
    snprintf(p, sizeof p, "%s/a/inner", top);
    if (mkdir(p, 0755) != 0)
        return fail("mkdir a/inner");
    snprintf(p, sizeof p, "%s/b", top);
    if (mkdir(p, 0755) != 0)
        return fail("mkdir b");
    snprintf(p, sizeof p, "%s/c.txt", top);
    int fd = open(p, O_CREAT | O_WRONLY | O_EXCL, 0644);
    if (fd < 0)
        return fail("create c.txt");
    close(fd);

    /* 2. readdir lists exactly a, b, c.txt (plus . and ..). */
    DIR *d = opendir(top);
    if (!d)
        return fail("opendir");
    char *names[8];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 8)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    printf("wasi_dirs: listing:");
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n");
    if (n != 3 || strcmp(names[0], "a") || strcmp(names[1], "b") || strcmp(names[2], "c.txt"))
        return errno = 0, fail("listing a b c.txt");
    for (int i = 0; i < n; i++)
        free(names[i]);

    /* 3. stat tells folders from files. */
    struct stat st;
    snprintf(p, sizeof p, "%s/a", top);
    if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
        return fail("stat a is a folder");
    snprintf(p, sizeof p, "%s/c.txt", top);
    if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
        return fail("stat c.txt is a file");

    /* 4. rmdir refuses a folder that is not empty. */
    snprintf(p, sizeof p, "%s/a", top);
    if (rmdir(p) == 0 || errno != ENOTEMPTY)
        return fail("rmdir a (not empty) refused with ENOTEMPTY");

    /* 5. Remove everything, deepest first. */
    snprintf(p, sizeof p, "%s/a/inner", top);
    if (rmdir(p) != 0)
        return fail("rmdir a/inner");
    snprintf(p, sizeof p, "%s/a", top);
    if (rmdir(p) != 0)
        return fail("rmdir a");
    snprintf(p, sizeof p, "%s/b", top);
    if (rmdir(p) != 0)
        return fail("rmdir b");
    snprintf(p, sizeof p, "%s/c.txt", top);
    if (unlink(p) != 0)
        return fail("unlink c.txt");
    if (rmdir(top) != 0)
        return fail("rmdir top");

    printf("wasi_dirs: 5 checks passed\n");
    return 0;
}
