/*
 * default.c: which tier runs a module loaded without naming one.  The one
 * place that ties the engine (which knows tiers only through
 * engine/tier.h) to an implementation: the interpreter today; a native
 * tier would be chosen here, or per module through fl_load_opts.tier.
 */
#include "engine/tier.h"
#include "interp/interp.h"

const fl_tier *const fl_default_tier = &fl_interp_tier;
