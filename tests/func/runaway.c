/*
 * runaway: call trees that never end by themselves; each must end promptly
 * as a whole with the limit's message, its unfinished calls cancelled and
 * no private /tmp left behind:
 *   runaway deep    every call chains itself and awaits it (chain depth)
 *   runaway fan     every call chains itself twice and awaits both (calls
 *                   in the tree, or depth: 2^depth calls)
 *   runaway flood   main chains calls without end and never awaits them
 *                   (chained calls per call)
 *   runaway sleep   each level sleeps 0.3 s, then chains the next and
 *                   awaits it (the tree's one deadline)
 */
#include <string.h>
#include <unistd.h>

#include "faasm/faasm.h"

static int deep(void) {
    return faasmAwaitCall(faasmChain(deep, NULL, 0));
}

static int fan(void) {
    unsigned a = faasmChain(fan, NULL, 0), b = faasmChain(fan, NULL, 0);
    return faasmAwaitCall(a) | faasmAwaitCall(b);
}

static int nop(void) {
    return 0;
}

static int sleeper(void) {
    usleep(300000);
    return faasmAwaitCall(faasmChain(sleeper, NULL, 0));
}

int main(int argc, char *argv[]) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "deep"))
        return deep();
    if (!strcmp(mode, "fan"))
        return fan();
    if (!strcmp(mode, "sleep"))
        return sleeper();
    if (!strcmp(mode, "flood"))
        for (;;)
            faasmChain(nop, NULL, 0);
    return 99;
}
