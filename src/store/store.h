/*
 * store.h: the function store, a folder of uploaded functions laid out by
 * user and function name (Faasm's layout):
 *
 *   <root>/functions/<user>/<func>/function.wasm   uploaded wasm modules
 *   <root>/pyfuncs/<user>/<func>/function.py       uploaded Python functions
 *   <root>/shared/<path>                           shared files (faasm://<path>)
 *   <root>/objects/<hash>.o                        machine code, by module hash (reserved)
 *
 * The root is $FAASLET_HOME when set and not empty, else
 * $HOME/.local/share/faaslet (XDG's data folder; $XDG_DATA_HOME/faaslet
 * when that is set).  Folders are created on first write.
 *
 * Names: a user or function name is 1..FL_FNSTORE_NAME_MAX bytes, no '/',
 * '\\', NUL or control characters, no "..", and does not start with '.'.
 * A shared path is '/'-separated components that each obey the same rule
 * (leading '/' ignored), at most FL_FNSTORE_PATH_MAX bytes.  A bad name is
 * refused with -EINVAL before any file is touched, so no name reaches a path
 * outside the root.
 *
 * Writes are atomic: the bytes go to a temporary file in the same folder,
 * are flushed to disk, then renamed over the old file, so a reader sees the
 * old or the new content, never a mix.
 *
 * Errors: 0 or a negative errno (-EINVAL bad name, -ENOENT no such function,
 * -ENOMEM, or the failing system call's).  Not the engine's wasm store
 * (`fl_store` in engine/runtime.h): everything here is `fl_fnstore_`.
 * Threads: an fl_fnstore is immutable after fl_fnstore_open; concurrent
 * calls are safe (the filesystem orders concurrent writers: the last
 * rename wins).
 */
#ifndef FL_STORE_STORE_H
#define FL_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FL_FNSTORE_NAME_MAX 128  /* longest user or function name, bytes */
#define FL_FNSTORE_PATH_MAX 1024 /* longest shared-file path, bytes */

/* What a stored function is. */
typedef enum fl_fnstore_kind {
    FL_FNSTORE_WASM,   /* functions/<user>/<func>/function.wasm */
    FL_FNSTORE_PYTHON, /* pyfuncs/<user>/<func>/function.py */
} fl_fnstore_kind;

typedef struct fl_fnstore fl_fnstore;

/* One stored function, as fl_fnstore_list reports it. */
typedef struct fl_fnstore_entry {
    char user[FL_FNSTORE_NAME_MAX + 1];
    char func[FL_FNSTORE_NAME_MAX + 1];
} fl_fnstore_entry;

/* Writes the default root (see above) into buf.  Returns 0, -ENOENT when
 * neither FAASLET_HOME nor HOME is set, or -ENAMETOOLONG. */
int fl_fnstore_root(char *buf, size_t size);

/* Opens the store at `root` (NULL: fl_fnstore_root()).  Borrows `root`
 * (copied).  Creates nothing yet.  Returns a store the caller frees with
 * fl_fnstore_close(), or NULL with -errno in *err (err may be NULL). */
fl_fnstore *fl_fnstore_open(const char *root, int *err);

/* Frees `s`; NULL is a no-op. */
void fl_fnstore_close(fl_fnstore *s);

/* The store's root folder; borrowed, valid until fl_fnstore_close. */
const char *fl_fnstore_dir(const fl_fnstore *s);

/* Checks one user or function name of `len` bytes (it may contain NUL, as
 * a decoded URL may).  Returns NULL when the name is good, else a static
 * message saying what is wrong ("name is empty", ...). */
const char *fl_fnstore_check_name(const char *name, size_t len);

/* As fl_fnstore_check_name, for a shared-file path. */
const char *fl_fnstore_check_path(const char *path, size_t len);

/* Writes the file path of function user/func of `kind` into buf (whether
 * or not it exists).  Returns 0, -EINVAL for a bad name, -ENAMETOOLONG. */
int fl_fnstore_path(const fl_fnstore *s, fl_fnstore_kind kind, const char *user,
                    const char *func, char *buf, size_t size);

/* Stores bytes[0..len) as function user/func of `kind`, replacing any
 * previous one atomically.  Borrows `bytes`.  Does not validate wasm: the
 * caller checks a module with fl_module_load first.  Returns 0 or -errno. */
int fl_fnstore_put(const fl_fnstore *s, fl_fnstore_kind kind, const char *user,
                   const char *func, const uint8_t *bytes, size_t len);

/* Reads function user/func of `kind`: *bytes is a malloc'd copy (caller
 * frees with free()) of *len bytes.  Returns 0, -ENOENT if not stored, or
 * -errno; on error *bytes is NULL. */
int fl_fnstore_get(const fl_fnstore *s, fl_fnstore_kind kind, const char *user,
                   const char *func, uint8_t **bytes, size_t *len);

/* Shorthands for the two kinds. */
int fl_fnstore_put_wasm(const fl_fnstore *s, const char *user, const char *func,
                        const uint8_t *bytes, size_t len);
int fl_fnstore_get_wasm(const fl_fnstore *s, const char *user, const char *func,
                        uint8_t **bytes, size_t *len);
int fl_fnstore_put_python(const fl_fnstore *s, const char *user, const char *func,
                          const char *source, size_t len);

/* True when function user/func of `kind` is stored (false for bad names). */
bool fl_fnstore_exists(const fl_fnstore *s, fl_fnstore_kind kind, const char *user,
                       const char *func);

/* Removes function user/func of `kind`.  Returns 0, -ENOENT, or -errno. */
int fl_fnstore_remove(const fl_fnstore *s, fl_fnstore_kind kind, const char *user,
                      const char *func);

/* Lists the stored functions of `kind`, sorted by user then function;
 * entries whose folder holds no function file, or whose names would be
 * refused, are skipped.  *entries is a malloc'd array of *n entries (caller
 * frees with free(); NULL when *n is 0).  Returns 0 (an empty or missing
 * store lists nothing) or -errno. */
int fl_fnstore_list(const fl_fnstore *s, fl_fnstore_kind kind, fl_fnstore_entry **entries,
                    size_t *n);

/* Shared files, visible to guests as faasm://<path>: same contracts as
 * fl_fnstore_path / _put / _get, with a shared path instead of user/func. */
int fl_fnstore_shared_path(const fl_fnstore *s, const char *path, char *buf, size_t size);
int fl_fnstore_put_shared(const fl_fnstore *s, const char *path, const uint8_t *bytes,
                          size_t len);
int fl_fnstore_get_shared(const fl_fnstore *s, const char *path, uint8_t **bytes,
                          size_t *len);

/* Path of the machine-code object for a module hash (lowercase hex, 8..128
 * digits) into buf.  Reserved for the code generator's cache.  Returns 0,
 * -EINVAL for a bad hash, -ENAMETOOLONG. */
int fl_fnstore_object_path(const fl_fnstore *s, const char *hash, char *buf, size_t size);

#endif
