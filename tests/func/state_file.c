/*
 * state_file: __faasm_write_state_from_file reads a file through the
 * guest's own sandbox.  main writes /tmp/in.txt (a preopened folder), loads
 * it into key "from_file", reads the state back and outputs it; then asks
 * for a path outside every preopen, which must end the call with a trap
 * (checked by the case's exit status).
 *
 * Output: "state_file: 11 bytes: hello state"; exit status 2 (the trap).
 */
#include <stdio.h>
#include <string.h>

#include "faasm/faasm.h"

int main(int argc, char *argv[]) {
    FILE *f = fopen("/tmp/in.txt", "w");
    if (!f)
        return 10;
    fputs("hello state", f);
    fclose(f);

    unsigned n = __faasm_write_state_from_file("from_file", "/tmp/in.txt");
    unsigned char buf[32] = {0};
    long size = faasmReadStateSize("from_file");
    faasmReadState("from_file", buf, sizeof buf - 1);
    char out[96];
    snprintf(out, sizeof out, "state_file: %u bytes: %.*s", n, (int)size, (const char *)buf);
    faasmSetOutput(out, (long)strlen(out));

    /* outside the sandbox: a trap, so the next line is never reached */
    __faasm_write_state_from_file("escape", "/etc/hostname");
    return 0;
}
