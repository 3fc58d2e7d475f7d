/*
 * wasi_files: plain WASI file I/O, no Faasm imports.  Works in DIR (argv[1],
 * default /tmp), which must be a preopened, writable folder.
 *
 * Creates DIR/wasi_files.txt, writes two lines, reads them back, seeks,
 * appends, checks the size with fstat, renames the file, and removes it.
 * Prints "wasi_files: 6 checks passed" to stdout and returns 0; on a failed
 * check prints which one (with errno) and returns 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what) {
    printf("wasi_files: %s failed: %s\n", what, strerror(errno));
    return 1;
}

int main(int argc, char *argv[]) {
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    char path[256], moved[256];
    snprintf(path, sizeof path, "%s/wasi_files.txt", dir);
    snprintf(moved, sizeof moved, "%s/wasi_files.moved", dir);

    /* 1. stdio write and read back. */
    FILE *f = fopen(path, "w");
    if (!f)
        return fail("fopen for writing");
    fprintf(f, "first line\nsecond line\n");
    if (fclose(f) != 0)
        return fail("fclose");
    char line[64];
    f = fopen(path, "r");
    if (!f || !fgets(line, sizeof line, f) || strcmp(line, "first line\n"))
        return fail("reading the first line");
    if (!fgets(line, sizeof line, f) || strcmp(line, "second line\n"))
        return fail("reading the second line");
    fclose(f);

    /* 2. lseek and read with file descriptors. */
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fail("open");
    char word[7] = {0};
    if (lseek(fd, 11, SEEK_SET) != 11 || read(fd, word, 6) != 6 || strcmp(word, "second"))
        return fail("lseek + read");
    close(fd);

    /* 3. O_APPEND. */
    fd = open(path, O_WRONLY | O_APPEND);
    if (fd < 0 || write(fd, "third\n", 6) != 6)
        return fail("append");

    /* 4. fstat sees all 29 bytes. */
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size != 29 || !S_ISREG(st.st_mode))
        return fail("fstat size 29");
    close(fd);

    /* 5. rename. */
    if (rename(path, moved) != 0 || access(path, F_OK) == 0 || access(moved, R_OK) != 0)
        return fail("rename");

    /* 6. unlink. */
    if (unlink(moved) != 0 || access(moved, F_OK) == 0)
        return fail("unlink");

    printf("wasi_files: 6 checks passed\n");
    return 0;
}
