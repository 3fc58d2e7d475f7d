/*
 * statekv: global state through a function.  Input "KEY" outputs KEY's
 * value (pulled from the global tier); input "KEY=VALUE" writes VALUE
 * under KEY and pushes it.  The server tests use it to show state set over
 * HTTP read by a function, and state a function wrote read over HTTP.
 */
#include <stdlib.h>
#include <string.h>

#include "faasm/faasm.h"

int main(int argc, char *argv[]) {
    char in[256] = "";
    long len = faasmGetInputSize();
    if (len <= 0 || len >= (long)sizeof in)
        return 1;
    faasmGetInput((unsigned char *)in, len);
    char *eq = strchr(in, '=');
    if (eq) {
        *eq = '\0';
        faasmWriteState(in, eq + 1, (long)strlen(eq + 1));
        faasmPushState(in);
        faasmSetOutput("written", 7);
        return 0;
    }
    size_t size = faasmReadStateSize(in);
    char *value = malloc(size + 1);
    if (!value)
        return 1;
    faasmPullState(in, (long)size);
    faasmReadState(in, value, (long)size);
    faasmSetOutput(value, (long)size);
    free(value);
    return 0;
}
