/*
 * snapshot_key.h: what a function's snapshot on disk is keyed by, inside
 * the Faaslet layer (faaslet.c is its only user; names carry `fl__`).
 *
 * A snapshot is the memory of an instance after its zygote, so it depends
 * on everything the zygote could see: the module's bytes, the files of the
 * runtime root it reads (Python's standard library), the Python function's
 * own file, the environment, argv[0] and the guest paths of the preopens
 * (wasi-libc keeps their names in memory), the memory cap, and faaslet's
 * own version.  The key is a SHA-256 over all of them: any change gives
 * another key, and a snapshot saved under another key is rebuilt.
 */
#ifndef FL_FAASLET_SNAPSHOT_KEY_H
#define FL_FAASLET_SNAPSHOT_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "engine/snapshot.h"

typedef struct fl__snapshot_key_ctx fl__snapshot_key_ctx;

/* Starts a key; NULL when out of memory. */
fl__snapshot_key_ctx *fl__snapshot_key_begin(void);
/* Adds bytes, a string (with its terminator, so "ab"+"c" != "a"+"bc"), a
 * number, or a file's contents (a missing file adds a marker). */
void fl__snapshot_key_bytes(fl__snapshot_key_ctx *k, const void *bytes, size_t len);
void fl__snapshot_key_str(fl__snapshot_key_ctx *k, const char *s);
void fl__snapshot_key_u64(fl__snapshot_key_ctx *k, uint64_t v);
void fl__snapshot_key_file(fl__snapshot_key_ctx *k, const char *path);
/* Adds a folder tree's identity: every entry's relative name, type, size
 * and modification time, in name order, symlinks not followed.  Up to
 * `max_entries` entries (a larger tree adds a marker and its count so
 * far: a snapshot of a huge root is keyed by its top only). */
void fl__snapshot_key_tree(fl__snapshot_key_ctx *k, const char *dir, size_t max_entries);
/* Finishes the key into out and frees k. */
void fl__snapshot_key_end(fl__snapshot_key_ctx *k, uint8_t out[FL_SNAPSHOT_KEY_LEN]);

/* SHA-256 of bytes[0..len) into out. */
void fl__sha256(const uint8_t *bytes, size_t len, uint8_t out[FL_SNAPSHOT_KEY_LEN]);

#endif
