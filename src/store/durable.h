/* durable.h: files written so that a crash leaves either the old bytes or
 * the new ones, never a mix.  Used by the function store and the embedded
 * global state tier, the two places faaslet keeps data on disk. */
#ifndef FL_STORE_DURABLE_H
#define FL_STORE_DURABLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* mkdir -p of `dir`, new folders made with `mode`.  0 or -errno. */
int fl_durable_make_dirs(const char *dir, mode_t mode);

/* Writes all of bytes[0..len) to fd, going on after EINTR.  0 or -errno. */
int fl_durable_write_all(int fd, const uint8_t *bytes, size_t len);

/* Replaces `path` with bytes[0..len), file mode `mode`: its folder made
 * (folders `dir_mode`), a temporary ".NAME.XXXXXX" beside it written,
 * fsync'd and renamed over it, then the folder fsync'd (best effort: the
 * bytes are in place by then).  On failure the old file is untouched and
 * no temporary is left.  0 or -errno. */
int fl_durable_replace(const char *path, const uint8_t *bytes, size_t len, mode_t mode,
                       mode_t dir_mode);

#endif
