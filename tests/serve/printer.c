/*
 * printer: writes "stdout says INPUT" to stdout and a line with a byte
 * that is not UTF-8 to stderr, then outputs "printed".  The server tests
 * use it to see guests' stdio captured per call, never on the server's.
 */
#include <stdio.h>

#include "faasm/faasm.h"

int main(int argc, char *argv[]) {
    char in[64] = "";
    long len = faasmGetInputSize();
    if (len > 0 && len < (long)sizeof in)
        faasmGetInput((unsigned char *)in, len);
    printf("stdout says %s\n", in);
    fprintf(stderr, "stderr says \xff bye\n");
    faasmSetOutput("printed", 7);
    return 0;
}
