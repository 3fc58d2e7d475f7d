/*
 * recurse: infinite recursion.  Each level keeps its state on the wasm
 * stack (no address taken), so the engine's call-depth limit, not the
 * shadow stack in linear memory, ends it: "call stack exhausted".
 */
#include "faasm/faasm.h"

static int down(int n);

/* Called through a volatile pointer so the compiler cannot turn the
 * recursion into a loop or compute it away. */
static int (*volatile next)(int) = down;

static int down(int n) {
    return next(n + 1) + 1;
}

int main(int argc, char *argv[]) {
    return down(argc);
}
