/*
 * tmp_chain: every call has a private /tmp.  main writes /tmp/main, then
 * chains two calls of this module (faasmChain) that run at the same time
 * on other workers; each writes /tmp/<its input>, sleeps 200 ms so that
 * all three folders are alive together, and then checks that its /tmp
 * holds exactly its own file with its own bytes.  main checks the same
 * after awaiting both.  Output "tmp_chain: 3 private /tmp folders";
 * returns 0, else prints what it saw and returns 1.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "faasm/faasm.h"

/* Writes /tmp/name, waits, and checks /tmp holds only that file. */
static int alone_in_tmp(const char *name) {
    char path[64], buf[64] = "";
    snprintf(path, sizeof path, "/tmp/%s", name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(name, f) < 0 || fclose(f) != 0) {
        printf("%s: cannot write %s\n", name, path);
        return 1;
    }
    struct timespec nap = {0, 200 * 1000 * 1000};
    nanosleep(&nap, NULL);
    DIR *d = opendir("/tmp");
    struct dirent *e;
    int others = 0;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, name)) {
            printf("%s: /tmp also holds %s\n", name, e->d_name);
            others++;
        }
    if (d)
        closedir(d);
    f = fopen(path, "r");
    if (!f || !fgets(buf, sizeof buf, f) || strcmp(buf, name)) {
        printf("%s: %s holds \"%s\"\n", name, path, buf);
        others++;
    }
    if (f)
        fclose(f);
    return d && !others ? 0 : 1;
}

int child(void) {
    char name[16] = "";
    long n = faasmGetInputSize();
    if (n <= 0 || n >= (long)sizeof name)
        return 1;
    faasmGetInput((unsigned char *)name, n);
    return alone_in_tmp(name);
}

int main(int argc, char *argv[]) {
    FILE *f = fopen("/tmp/main", "w");
    if (!f || fputs("main", f) < 0 || fclose(f) != 0) {
        printf("main: cannot write /tmp/main\n");
        return 1;
    }
    unsigned int a = faasmChain(child, (const unsigned char *)"a", 1);
    unsigned int b = faasmChain(child, (const unsigned char *)"b", 1);
    unsigned int ra = faasmAwaitCall(a), rb = faasmAwaitCall(b);
    int rm = alone_in_tmp("main");
    if (ra || rb || rm) {
        printf("tmp_chain: calls returned %u, %u, %d\n", ra, rb, rm);
        return 1;
    }
    const char out[] = "tmp_chain: 3 private /tmp folders";
    faasmSetOutput(out, (long)strlen(out));
    return 0;
}
