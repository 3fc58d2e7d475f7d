/*
 * aot.h: the machine-code tier.  Runs the shared objects that the
 * faaslet-codegen program (src/codegen) generates, through the tier seam
 * (engine/tier.h): a module loaded with fl_aot_tier and a loaded object as
 * its tier_arg runs every defined function as machine code, calling host
 * functions, other instances and other tiers through the runtime.
 *
 * The cache: machine code lives in a folder (the function store's
 * native/), one file per key, the SHA-256 of the module's bytes, the ABI
 * (codegen/abi.h) and this CPU's identity.  A file is checked before it is
 * loaded (trailer, key, XXH3 of every byte, then the key the object itself
 * records): a corrupt or foreign file is generated again, never run.
 * Loading needs no LLVM.
 */
#ifndef FL_AOT_AOT_H
#define FL_AOT_AOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/module.h"
#include "engine/tier.h"

extern const fl_tier fl_aot_tier;

/* A tier that prepares nothing: loading with it decodes and validates. */
extern const fl_tier fl_validate_only_tier;

/* A loaded, checked shared object (reference counted: each module loaded
 * on it holds one). */
typedef struct fl_aot_code fl_aot_code;

/* Which tier runs a module. */
typedef enum fl_tier_choice {
    FL_TIER_AUTO,   /* machine code when it is cached, else the interpreter */
    FL_TIER_INTERP, /* the interpreter */
    FL_TIER_AOT,    /* machine code, generated first when it is not cached */
} fl_tier_choice;

/* "auto", "interp" or "aot" into *out; -1 for another word. */
int fl_tier_choice_parse(const char *s, fl_tier_choice *out);

/* The cache key of module bytes with SHA-256 `sha`. */
void fl_aot_key(const uint8_t sha[32], uint8_t key[32]);

/* The cache file of `key` in folder `dir` into buf; false when too long. */
bool fl_aot_path(const char *dir, const uint8_t key[32], char *buf, size_t size);

/* Opens and checks the machine code at `path` for `key`; NULL with err
 * saying why (no such file, corrupt, another key). */
fl_aot_code *fl_aot_open(const char *path, const uint8_t key[32], fl_error *err);
/* Drops the caller's reference. */
void fl_aot_close(fl_aot_code *c);

/* faaslet-codegen's exit status for a module past its limits. */
#define FL_AOT_EXIT_LIMIT 3

/* Runs faaslet-codegen on bytes[0..len) and writes `path` for `key`
 * (progress on the terminal when asked).  The program is found beside the
 * running binary, or at $FAASLET_CODEGEN.  A non-zero *cancel (cancel may
 * be NULL) kills it within 100 ms.  0, or -1 with err filled, or -2 (err
 * filled) when the module passes a limit of the generator. */
int fl_aot_generate(const uint8_t *bytes, size_t len, const uint8_t key[32], const char *path,
                    bool progress, const volatile int *cancel, fl_error *err);

/* Makes sure cache folder `dir` holds machine code for bytes[0..len)
 * (SHA-256 `sha`, NULL: computed): validates and generates it when it
 * does not (progress on stderr when asked; cancel as for fl_aot_generate,
 * may be NULL).  1 when it was there, 0 when
 * generated now, -1 with err filled (-2: past the generator's limits). */
int fl_aot_ensure(const uint8_t *bytes, size_t len, const uint8_t *sha, const char *dir,
                  bool progress, const volatile int *cancel, fl_error *err);

/* fl_module_load_opts with the tier `choice` asks for, machine code from
 * (and generated into) cache folder `dir` (NULL: the interpreter).  A
 * module past the generator's limits runs on the interpreter even when
 * `choice` is FL_TIER_AOT.  `sha`
 * is the SHA-256 of the bytes (NULL: computed).  A module generated for
 * is validated here first: its errors are the validator's.  *used_aot
 * (may be NULL) says what runs. */
fl_module *fl_aot_module_load(const uint8_t *bytes, size_t len, const uint8_t *sha,
                              const char *dir, fl_tier_choice choice, const fl_load_opts *opts,
                              bool *used_aot, fl_error *err);

#endif
