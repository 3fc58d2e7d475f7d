// Create, write, close, reopen, read back, append; through stdio.
#include "t.h"

int main(void) {
    FILE *f = fopen("/sb/new.txt", "w");
    CHECK(f);
    for (int i = 0; i < 1000; i++)
        fprintf(f, "line %d\n", i);
    CHECK(fclose(f) == 0);
    f = fopen("/sb/new.txt", "a");
    CHECK(f);
    fputs("appended\n", f);
    fclose(f);
    f = fopen("/sb/new.txt", "r");
    CHECK(f);
    char line[64];
    int n = 0;
    char last[64] = "";
    while (fgets(line, sizeof line, f))
        n++, strcpy(last, line);
    fclose(f);
    CHECK_EQ(n, 1001);
    printf("%d lines, last: %s", n, last);
    char buf[64];
    CHECK_EQ(slurp("/sb/hello.txt", buf, sizeof buf), 12);
    printf("hello.txt: %s", buf);
    return 0;
}
