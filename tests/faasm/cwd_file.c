/* cwd_file: a Faasm function writes and reads a file by a relative name
 * (Faasm's fread/fwrite tests do): the working directory is writable. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
    char cwd[256];
    if (!getcwd(cwd, sizeof cwd))
        return 1;
    FILE *f = fopen("dummy_file.txt", "w");
    if (!f) {
        printf("cannot write dummy_file.txt in %s\n", cwd);
        return 1;
    }
    fputs("blah blah blah", f);
    fclose(f);
    char buf[32] = "";
    f = fopen("dummy_file.txt", "r");
    if (!f || !fgets(buf, sizeof buf, f))
        return 2;
    fclose(f);
    if (access("/tmp/dummy_file.txt", F_OK) != 0)
        return 3;
    printf("cwd %s: read back '%s'\n", cwd, buf);
    return remove("dummy_file.txt") == 0 ? 0 : 4;
}
