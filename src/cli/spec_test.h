/*
 * spec_test.h: `faaslet spec-test`, the runner for the official spec test
 * suite in the JSON form that wabt's wast2json writes (the .wasm files it
 * names sit beside the .json).
 */
#ifndef FL_CLI_SPEC_TEST_H
#define FL_CLI_SPEC_TEST_H

#include <stdio.h>

/* Runs `faaslet spec-test [-v] [--no-fork] [--timeout S] FILE.json...`;
 * argv[0] is "spec-test".  Prints one line per file and a last line
 * "N passed, N failed, N skipped".  Returns the exit status: 0 when nothing
 * failed, 1 when something did, 64 for bad usage. */
int fl_cli_spec_test(int argc, char **argv);

/* Writes the subcommand's usage text to `out`. */
void fl_cli_spec_test_usage(FILE *out);

#endif
