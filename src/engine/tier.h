/*
 * tier.h: the seam between the engine and what executes code.  A tier
 * prepares a validated module's function bodies (the interpreter compiles
 * them to its register code; a native tier would generate machine code)
 * and runs a defined function.  The engine knows tiers only through this
 * table: it includes and calls nothing of any tier.
 *
 * Every function instance carries the tier that runs it (NULL for a host
 * function), so calls cross tiers both ways: fl_invoke enters any tier
 * through its `call`, and a tier calling a function of another tier (or
 * an import from another instance) goes through that function's tier.
 */
#ifndef FL_ENGINE_TIER_H
#define FL_ENGINE_TIER_H

#include "engine/module.h"
#include "engine/runtime.h"

typedef struct fl_tier {
    const char *name;
    /* Prepares every defined function of validated module m: fills
     * m->tier_code[i] for each (what f->code of its instances will be; may
     * be filled later, on a function's first call, if the tier is lazy).
     * Returns 0, or -1 with err filled (out of memory, interrupted, or a
     * feature the tier does not run). */
    int (*prepare)(fl_module *m, const fl_load_opts *opts, fl_error *err);
    /* Frees what prepare allocated; safe on a module never prepared. */
    void (*release)(fl_module *m);
    /* Runs defined function f of this tier on ex: arguments read from
     * args[0..nparams) before it starts, results written to
     * results[0..nresults) when it returns (the two may be the same
     * array).  The caller has checked the counts and set the landing pad
     * (fl_invoke), or is guest code of a tier already running under it. */
    fl_trap (*call)(fl_exec *ex, fl_funcinst *f, const fl_value *args, fl_value *results);
} fl_tier;

/* The tier fl_module_load uses when its options name none: defined
 * outside the engine (src/tiers), so the engine depends on no tier. */
extern const fl_tier *const fl_default_tier;

#endif
