/*
 * validate.h: the spec's validation algorithm: operand and control stacks,
 * unreachable code, constant expressions, limits, index spaces and
 * `ref.func` declarations.
 */
#ifndef FL_ENGINE_VALIDATE_H
#define FL_ENGINE_VALIDATE_H

#include "engine/module.h"

/* Validates a decoded module.  Borrows `m`.  Returns 0, or -1 with `err`
 * holding a message worded like the spec's ("type mismatch", "unknown
 * local", ...) and the byte offset of the offending instruction. */
int fl_validate(const fl_module *m, fl_error *err);

/* fl_validate that stops with "loading interrupted" when `opts` (borrowed,
 * may be NULL) asks it to.  Work is linear in the module's size: each
 * instruction costs at most the arity limits of config.h. */
int fl_validate_opts(const fl_module *m, const fl_load_opts *opts, fl_error *err);

#endif
