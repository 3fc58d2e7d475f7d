/*
 * state_ptr: two Faaslets sharing one mapped state region.  main maps key
 * "shared_region" with faasmReadStatePtr and writes a message through the
 * pointer; it then chains reader() of this module, which maps the same key
 * in its own Faaslet, checks it sees main's bytes without any push or pull
 * (same host, same local replica), and writes a reply through its own
 * mapping, which main then sees through its pointer.
 *
 * Output: "state_ptr: reader saw main's bytes, main saw the reply";
 * returns 0.  Otherwise the output says which side saw what, and 1.
 */
#include <stdio.h>
#include <string.h>

#include "faasm/faasm.h"

#define KEY "shared_region"
#define LEN 32

static const char from_main[] = "written by main";  /* at offset 0 */
static const char from_reader[] = "reply";          /* at offset 16 */

int reader(void) {
    unsigned char *p = faasmReadStatePtr(KEY, LEN);
    if (!p || memcmp(p, from_main, sizeof from_main)) {
        const char *msg = "reader: mapped region does not hold main's bytes";
        faasmSetOutput(msg, (long)strlen(msg));
        return 1;
    }
    memcpy(p + 16, from_reader, sizeof from_reader);
    faasmFlagStateOffsetDirty(KEY, LEN, 16, sizeof from_reader);
    faasmSetOutput(p, (long)strlen((const char *)p));
    return 0;
}

int main(int argc, char *argv[]) {
    unsigned char *p = faasmReadStatePtr(KEY, LEN);
    if (!p) {
        const char *msg = "state_ptr: faasmReadStatePtr returned NULL";
        faasmSetOutput(msg, (long)strlen(msg));
        return 1;
    }
    memset(p, 0, LEN);
    memcpy(p, from_main, sizeof from_main);
    faasmFlagStateDirty(KEY, LEN);

    unsigned int id = faasmChain(reader, NULL, 0);
    unsigned int ret = faasmAwaitCall(id);

    char msg[128];
    int ok = ret == 0 && !memcmp(p + 16, from_reader, sizeof from_reader);
    if (ok)
        snprintf(msg, sizeof msg, "state_ptr: reader saw main's bytes, main saw the reply");
    else
        snprintf(msg, sizeof msg, "state_ptr: reader returned %u; bytes at 16: \"%.15s\"", ret,
                 (const char *)p + 16);
    faasmSetOutput(msg, (long)strlen(msg));
    return ok ? 0 : 1;
}
