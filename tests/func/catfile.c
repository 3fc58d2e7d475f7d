/*
 * catfile: prints each file named in argv[1..] ("NAME: contents"), then
 * tries to create FILE.new next to each and says whether that worked
 * ("NAME: create refused" or "NAME: created").  For the runtime root:
 * readable, not writable.  Returns 0.
 */
#include <stdio.h>

int main(int argc, char *argv[]) {
    for (int i = 1; i < argc; i++) {
        char buf[256] = "", path[300];
        FILE *f = fopen(argv[i], "r");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        buf[n] = 0;
        if (f)
            fclose(f);
        printf("%s: %s\n", argv[i], f ? buf : "cannot open");
        snprintf(path, sizeof path, "%s.new", argv[i]);
        f = fopen(path, "w");
        printf("%s: %s\n", argv[i], f ? "created" : "create refused");
        if (f)
            fclose(f);
    }
    return 0;
}
