/*
 * exit_value: ends with the value argv says, so `faaslet run` can be
 * checked never to report a value an exit status cannot carry as success:
 *   exit_value N          main returns N
 *   exit_value exit N     exit(N) (proc_exit)
 *   exit_value chain N    a chained call returns N, main returns what
 *                         faasmAwaitCall gives back
 */
#include <stdlib.h>
#include <string.h>

#include "faasm/faasm.h"

static int child(void) {
    char buf[16] = {0};
    long n = faasmGetInputSize();
    if (n <= 0 || n >= (long)sizeof buf)
        return 99;
    faasmGetInput((unsigned char *)buf, n);
    return atoi(buf);
}

int main(int argc, char *argv[]) {
    if (argc == 3 && !strcmp(argv[1], "exit"))
        exit(atoi(argv[2]));
    if (argc == 3 && !strcmp(argv[1], "chain"))
        return faasmAwaitCall(faasmChain(child, (const unsigned char *)argv[2], strlen(argv[2])));
    return argc == 2 ? atoi(argv[1]) : 99;
}
