/*
 * snapshot.h: snapshots of instances (Faasm's Proto-Faaslets).  A snapshot
 * is what an instance holds after instantiation and its zygote: its linear
 * memory, the values of its own globals, its own tables and which segments
 * it dropped.  Restoring puts any instance of the same module back to it.
 *
 * Memory is restored copy-on-write: the image lives in a sealed memfd (or
 * a snapshot file) and a restore maps it MAP_PRIVATE over the memory's
 * kept reservation, so a restore costs a mapping, not a copy, and a call
 * copies only the pages it writes.  Resetting an instance that ran puts
 * back only those pages, in place (the kernel's page table says which).  Tables are kept as function indices,
 * not pointers into one instance, so a snapshot restores into any instance
 * of its module.
 *
 * Threads: a snapshot is immutable once taken and may be restored into
 * instances on any number of threads at once; references are counted.
 */
#ifndef FL_ENGINE_SNAPSHOT_H
#define FL_ENGINE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/module.h"
#include "engine/runtime.h"

typedef struct fl_snapshot fl_snapshot;

/* The length of the key a snapshot file is stored under (a sha256). */
#define FL_SNAPSHOT_KEY_LEN 32

/* Captures `inst` as it is now: its memory (pages and contents; zero pages
 * left as holes, so the image is sparse), its defined globals, its defined
 * tables as function indices and its dropped segments.  An instance with
 * an imported memory, table or mutable global, a table holding a function
 * of another instance or a non-null externref cannot be captured.  Returns
 * a snapshot with one reference, or NULL with err filled. */
fl_snapshot *fl_snapshot_take(const fl_instance *inst, fl_error *err);

/* Puts `inst` (an instance of the snapshot's module, e.g. one made with
 * fl_instantiate_opts' no_init) back to the snapshot: memory, globals,
 * tables (resized to the snapshot's sizes) and dropped segments.  The
 * store's budget is charged for the memory's new size.  Returns 0, or -1
 * with err filled (another module, the memory limit refused the pages, or
 * out of memory); after a failure the instance must not run again. */
int fl_snapshot_restore(const fl_snapshot *s, fl_instance *inst, fl_error *err);

/* Like fl_snapshot_restore, for an instance that was restored from `s`
 * before and has run since: its memory is put back in place, only the
 * pages the instance wrote compared and copied back, and those copies
 * stay its own, so the next call writes them without a fault.  At most
 * keep_bytes of them are kept so; past that (or where the kernel cannot
 * tell which pages were written, or the memory was not mapped from `s`)
 * the image is mapped again as by fl_snapshot_restore, which drops them.
 * *kept is set to the bytes of private pages the instance holds now. */
int fl_snapshot_reset(const fl_snapshot *s, fl_instance *inst, size_t keep_bytes, size_t *kept,
                      fl_error *err);

fl_snapshot *fl_snapshot_ref(fl_snapshot *s);
void fl_snapshot_unref(fl_snapshot *s);

/* The module the snapshot belongs to. */
const fl_module *fl_snapshot_module(const fl_snapshot *s);
/* The size of its memory image (pages x 64 KiB; 0 without memory). */
size_t fl_snapshot_memory_bytes(const fl_snapshot *s);

/* Writes the snapshot to `path` under `key` (the caller's identity of
 * everything the image depends on: module, runtime root, version):
 * a header, the globals, tables and segment flags, the memory image at a
 * page-aligned offset, and an XXH3 checksum of all of it; atomically
 * replaced, never rewritten in place.  Returns 0 or -1 with err filled. */
int fl_snapshot_save(const fl_snapshot *s, const char *path,
                     const uint8_t key[FL_SNAPSHOT_KEY_LEN], fl_error *err);

/* Reads a snapshot of module `m` saved under `key`.  Anything that does not
 * match (magic, format version, key, module shape, a file shorter or longer
 * than its header says, the checksum) refuses it with a message: a snapshot
 * file is rebuilt, never trusted.  The memory image is then mapped from
 * the file (the function store's files are replaced by rename, never
 * rewritten).  Returns a snapshot with one reference, or NULL. */
fl_snapshot *fl_snapshot_load(const char *path, const fl_module *m,
                              const uint8_t key[FL_SNAPSHOT_KEY_LEN], fl_error *err);

#endif
