/*
 * wasi_env: WASI arguments and environment, no Faasm imports.
 *
 * Prints each argument as "arg[i]=..." and each environment variable as
 * "env NAME=value", then "wasi_env: N args, M variables".  When the
 * variable FAASLET_EXAMPLE is set it must round-trip through getenv,
 * setenv and unsetenv; returns 0, or 1 if it does not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char *argv[]) {
    for (int i = 0; i < argc; i++)
        printf("arg[%d]=%s\n", i, argv[i]);
    int m = 0;
    for (char **e = environ; e && *e; e++, m++)
        printf("env %s\n", *e);

    const char *v = getenv("FAASLET_EXAMPLE");
    if (v) {
        char copy[128];
        snprintf(copy, sizeof copy, "%s", v);
        if (setenv("FAASLET_EXAMPLE", "changed", 1) != 0 ||
            strcmp(getenv("FAASLET_EXAMPLE"), "changed") ||
            unsetenv("FAASLET_EXAMPLE") != 0 || getenv("FAASLET_EXAMPLE")) {
            printf("wasi_env: setenv/unsetenv round trip failed (was %s)\n", copy);
            return 1;
        }
    }
    printf("wasi_env: %d args, %d variables\n", argc, m);
    return 0;
}
