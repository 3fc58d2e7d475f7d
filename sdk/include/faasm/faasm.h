/*
 * faasm/faasm.h: the one header a Faasm function includes.
 *
 * A function is a plain WASI program: `int main(int argc, char *argv[])`
 * reads its input with faasmGetInput, writes its output with
 * faasmSetOutput, and its return value is the call's (0 = success).
 * Build it with `faaslet cc -o f.wasm f.c`.
 */
#ifndef _FAASM_H
#define _FAASM_H

#include "faasm/core.h"

/*
 * Paper-era Faasm wrote functions as `FAASM_MAIN_FUNC() { ... }` and extra
 * chainable entry points as `FAASM_FUNC(name, idx) { ... }`.  Both still
 * compile: the first is main, the second a plain `int name(void)` to chain
 * with faasmChain(name, ...) (the index is no longer needed).
 */
#define FAASM_MAIN_FUNC() int main(int argc, char *argv[])
#define FAASM_FUNC(name, idx) int name(void)

#endif
