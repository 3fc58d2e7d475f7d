/*
 * state_persist_write: the writer half of a pair of calls run by two
 * `faaslet run` processes on one store (state_persist_read is the other):
 * writes and pushes a value, overwrites part of it with a partial push,
 * appends two elements, and writes a key it never pushes.
 *
 * Output: "state_persist_write: pushed"; returns 0.
 */
#include <string.h>

#include "faasm/faasm.h"

int main(int argc, char *argv[]) {
    faasmWriteState("persist_value", (const uint8_t *)"written by one process", 22);
    faasmPushState("persist_value");
    faasmWriteStateOffset("persist_value", 22, 0, (const uint8_t *)"WRITTEN", 7);
    faasmPushStatePartial("persist_value");

    faasmClearAppendedState("persist_list");
    faasmAppendState("persist_list", (const uint8_t *)"one,", 4);
    faasmAppendState("persist_list", (const uint8_t *)"two", 3);

    faasmWriteState("persist_unpushed", (const uint8_t *)"local", 5);

    const char *msg = "state_persist_write: pushed";
    faasmSetOutput(msg, (long)strlen(msg));
    return 0;
}
