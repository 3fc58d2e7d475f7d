/*
 * spectest_host.h: the `spectest` host module that the official spec tests
 * import from (print functions, four immutable globals, a table, a memory).
 */
#ifndef FL_CLI_SPECTEST_HOST_H
#define FL_CLI_SPECTEST_HOST_H

#include "engine/runtime.h"

/* Defines every `spectest` export in `l`, creating the memory, table and
 * globals in `s` (owned by the store).  Returns 0, or -1 when the store or
 * linker refused an object. */
int fl_spectest_define(fl_linker *l, fl_store *s);

#endif
