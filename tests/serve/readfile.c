/*
 * readfile: its input names a file (e.g. faasm://data/x.txt); the output is
 * "CONTENTS | create refused" or "cannot open | ..." and, after it, whether
 * creating NAME.new worked ("created").  Shared files must read and never
 * be writable.
 */
#include <stdio.h>
#include <string.h>

#include "faasm/faasm.h"

int main(int argc, char *argv[]) {
    char name[256] = "", buf[256] = "", path[300], out[600];
    long len = faasmGetInputSize();
    if (len > 0 && len < (long)sizeof name)
        faasmGetInput((unsigned char *)name, len);
    FILE *f = fopen(name, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = 0;
    if (f)
        fclose(f);
    snprintf(path, sizeof path, "%s.new", name);
    FILE *w = fopen(path, "w");
    snprintf(out, sizeof out, "%s | %s", f ? buf : "cannot open", w ? "created" : "create refused");
    if (w)
        fclose(w);
    faasmSetOutput(out, (long)strlen(out));
    return 0;
}
