/*
 * interp.h: the interpreter.  Each validated function body is translated
 * once, when its module is loaded, into a register-style internal code with
 * branch targets resolved and operand slots fixed; fl_interp_call runs it.
 */
#ifndef FL_INTERP_INTERP_H
#define FL_INTERP_INTERP_H

#include "engine/module.h"
#include "engine/runtime.h"
#include "engine/tier.h"

/* The interpreter as an execution tier (fl_default_tier, src/tiers). */
extern const fl_tier fl_interp_tier;

/* Prepares a validated module for the interpreter: room for each defined
 * function's compiled body, which fl_interp_code compiles on its first
 * call.  `opts` (borrowed, may be NULL) is unused for now.  Returns 0, or
 * -1 with `err` filled (out of memory). */
int fl_interp_prepare(fl_module *m, const fl_load_opts *opts, fl_error *err);

/* The compiled body of defined function i of module m, compiled now if
 * this is its first call (thread-safe: a module is shared), in time
 * linear in the body's size; opts->interrupt (opts may be NULL) stops it
 * ("loading interrupted").  NULL with err filled when it cannot be (out
 * of memory, interrupted). */
const struct fl_interp_code *fl_interp_code(const fl_module *m, uint32_t i,
                                            const fl_load_opts *opts, fl_error *err);

/* Frees what fl_interp_prepare allocated; safe on a module never prepared. */
void fl_interp_release(fl_module *m);

/* Runs defined function `f` (f->code set) on `ex`: arguments read from
 * args[0..nparams) before it starts, results written to results[0..nresults)
 * when it returns (the two may be the same array).  Called by fl_invoke,
 * which has checked the counts against f's type and set up the fault
 * landing pad. */
fl_trap fl_interp_call(fl_exec *ex, fl_funcinst *f, const fl_value *args, fl_value *results);

#endif
