/*
 * state.h: Faasm's two-tier state.  Per-user keys hold byte arrays.
 *
 * Local tier (one fl_state per process, i.e. per host): one replica per
 * (user, key), shared by every Faaslet of the process.  A replica's bytes live
 * in a memfd mapped once in the process at an address that never moves, and
 * can be mapped again into a guest's linear memory (fl_state_map) so that
 * Faaslets see each other's writes through plain memory.
 *
 * Global tier (fl_global_tier): authoritative, shared by all hosts.  A vtable so a
 * Redis implementation can replace the in-process one (fl_global_mem_new).
 * Values are addressed by "user/key".  The appended list of a key lives only
 * in the global tier (as in Faasm), it is not part of the replica.
 *
 * Errors: every function returns 0 (or a size) on success and a negative
 * errno on failure: -EINVAL bad argument, -ENOENT no such global value,
 * -ERANGE read past the value, -EFBIG value above FL_STATE_MAX_BYTES,
 * -ENOMEM, -ENODATA fewer appended elements than asked, -ENOSPC buffer too
 * small, -EDQUOT the user's quota is full, -ENOBUFS the call tree's budget
 * refused the bytes, or what a system call or the global tier reported.
 *
 * No call to the global tier is made while a replica's mutex is held (a
 * pull fetches into a buffer, then copies under the mutex; a push copies
 * nothing and sends after letting go), so a slow or stalled global tier
 * (Redis) delays only the call that waits on it.
 *
 * Coherence: a replica starts empty and is filled from the global tier the
 * first time it is used (read, size, write at an offset, map, ...); after that
 * only fl_state_pull refreshes it.  A whole write replaces the value without
 * fetching it.  Every write marks what it touched dirty; writes made through a
 * mapping must be flagged with fl_state_flag_dirty*.  The read/write locks are
 * local to the process (guests' __faasm_lock_state_*); they do not guard the
 * calls below, which are each safe to call from any thread.
 *
 * Accounting: the bytes a user's state holds in this tier (each replica's
 * largest size, since its memfd never shrinks, plus the bytes appended
 * through the tier and not yet cleared) count against a per-user quota
 * (fl_state_set_quota).  The functions that grow a value or append take the
 * call tree's budget (budget/budget.h; NULL: none) and charge the growth to
 * its FL_BUDGET_MEMORY as well, for good: state outlives calls, so the
 * charge bounds what one tree may create, and is not given back when the
 * tree's calls end.  A refused growth changes nothing.
 *
 * Limits: each replica holds one file descriptor (its memfd) and reserves
 * FL_STATE_MAX_BYTES of address space (no memory) until fl_state_free, so
 * a tier makes at most half of RLIMIT_NOFILE replicas and 16384 at most
 * (guests choose key names: the rest is for everything else); past that
 * fl_state_lookup of a new key answers -EMFILE.
 *
 * Layering: libc and budget/budget.h; the Redis tier hiredis.  Link with
 * -pthread (and -lhiredis).
 */
#ifndef FL_STATE_STATE_H
#define FL_STATE_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "budget/budget.h"

/* Largest value a replica holds: the address space reserved per replica so
 * that its process view never moves when the value grows. */
#define FL_STATE_MAX_BYTES ((size_t)1 << 30)

/* ---- global tier ---- */

/*
 * The global tier as a vtable over ctx.  `ukey` is "user/key" (NUL
 * terminated).  All calls are thread-safe and copy: the caller keeps its
 * buffers.  A Redis implementation maps them to STRLEN, GET, SET, SETRANGE,
 * RPUSH, LRANGE, DEL (the list under a key of its choosing).
 */
typedef struct fl_global_tier {
    void *ctx;
    /* Size of the value, or -ENOENT if there is none. */
    ssize_t (*size)(void *ctx, const char *ukey);
    /* Copies min(size, cap) bytes of the value into buf; returns the value's
     * full size (greater than cap: caller retries bigger), or -ENOENT. */
    ssize_t (*get)(void *ctx, const char *ukey, void *buf, size_t cap);
    /* Replaces the value with data[0..len). */
    int (*set)(void *ctx, const char *ukey, const void *data, size_t len);
    /* Overwrites bytes [off, off+len) of the value, creating it and
     * zero-padding it up to off first if it is shorter (Redis SETRANGE). */
    int (*set_range)(void *ctx, const char *ukey, size_t off, const void *data, size_t len);
    /* Appends one element data[0..len) to the key's list. */
    int (*append)(void *ctx, const char *ukey, const void *data, size_t len);
    /* Copies the first n elements of the list, concatenated, into buf;
     * returns the bytes copied, -ENODATA if the list has fewer than n
     * elements, -ENOSPC if they do not fit in cap. */
    ssize_t (*read_list)(void *ctx, const char *ukey, size_t n, void *buf, size_t cap);
    /* Empties the key's list (no error if there is none). */
    int (*clear_list)(void *ctx, const char *ukey);
    /* Optional (NULL: write locks are local to the process, which is the
     * whole tier): a lock on ukey that holds across every process of the
     * tier, owned by `token`, gone by itself after ttl_ms (its holder died).
     * lock: 0 taken, -EBUSY held by another token, or -errno; unlock
     * releases it only while `token` holds it. */
    int (*lock)(void *ctx, const char *ukey, const char *token, unsigned ttl_ms);
    int (*unlock)(void *ctx, const char *ukey, const char *token);
} fl_global_tier;

/* The in-process global tier (a mutex-guarded hash map): fills *out with its
 * vtable and a new ctx.  Returns 0 or -ENOMEM.  Free with fl_global_mem_free. */
int fl_global_mem_new(fl_global_tier *out);

/* The same tier, persisted under folder `dir` (copied; made on the first
 * write) when dir is not NULL, so the values and appended lists one process
 * leaves are there for the next: DIR/USER/KEY holds a value's bytes,
 * DIR/USER/KEY@list its appended elements (4-byte little-endian length,
 * then the bytes, per element).  USER and KEY are encoded into safe file
 * names (letters, digits, '_', '-', '.' not first stay; any other byte is
 * %XX), at most 240 bytes each (a longer one is -ENAMETOOLONG).  A value is
 * replaced whole through a temporary file, fsync and rename; an element is
 * appended with one write and fsync.  A key is read from disk when this
 * process first uses it and is this process's from then on.  Errors from
 * disk: -EBADMSG (not a regular file, a list record cut short), -EFBIG
 * (a stored file above FL_STATE_MAX_BYTES), -ENAMETOOLONG, or the system
 * call's errno.  Returns 0, -EINVAL (dir "") or -ENOMEM. */
int fl_global_mem_open(const char *dir, fl_global_tier *out);

/* Frees the ctx made by fl_global_mem_new and every value in it. */
void fl_global_mem_free(fl_global_tier *g);

/* The global tier on a Redis server (global_redis.c), shared by every
 * process given the same server: url is redis://HOST[:PORT][/DB] (port
 * 6379, db 0 by default).  A value is the Redis string fl:v:{USER}:KEY,
 * its appended list the Redis list fl:l:{USER}:KEY.  Nothing is connected
 * yet: each operation takes a pooled connection or makes one, and fails
 * with -ECONNREFUSED, -ETIMEDOUT (no reply within timeout_ms; 0: 2000),
 * -ECONNRESET or -EIO (an error reply; -EFBIG a value past the server's
 * limit) when the server is down, slow or refuses, and works again once
 * it is back.  Returns 0, or -1 with a message (a malformed URL).  Free
 * with fl_global_redis_free. */
int fl_global_redis_open(const char *url, unsigned timeout_ms, fl_global_tier *out, char *err,
                         size_t errlen);

/* One PING round trip: 0, or the error an operation would give. */
int fl_global_redis_ping(const fl_global_tier *g);

void fl_global_redis_free(fl_global_tier *g);

/* ---- local tier ---- */

typedef struct fl_state fl_state;       /* one per process (host) */
typedef struct fl_state_kv fl_state_kv; /* one replica of one (user, key) */

/* A local tier over `global`, which it borrows (it must outlive the tier).
 * Returns 0 and *out, or -ENOMEM.  Free with fl_state_free. */
int fl_state_new(const fl_global_tier *global, fl_state **out);

/* Frees the tier and all its replicas.  Mappings made with fl_state_map stay
 * valid (they hold the memfd's pages); the process views do not. */
void fl_state_free(fl_state *st);

/* Caps the bytes each user's state may hold in this tier (see Accounting);
 * 0: no cap (the default).  Growth past it fails with -EDQUOT. */
void fl_state_set_quota(fl_state *st, uint64_t bytes);
uint64_t fl_state_get_quota(const fl_state *st);

/* The bytes `user`'s state holds in this tier now (for tests and stats). */
uint64_t fl_state_user_bytes(fl_state *st, const char *user);

/* The replica of (user, key), created empty on first use.  `user` is non-empty
 * without '/', `key` non-empty.  *out is borrowed from st and valid until
 * fl_state_free.  Returns 0, -EINVAL, -ENOMEM or -EMFILE (too many replicas). */
int fl_state_lookup(fl_state *st, const char *user, const char *key, fl_state_kv **out);

/* The replica's bytes in this process: stable for the replica's lifetime,
 * readable and writable up to fl_state_size (mark writes with
 * fl_state_flag_dirty*).  Does not fetch the value. */
void *fl_state_data(fl_state_kv *kv);

/* Size of the value.  A replica not yet filled reports the global size (0 if
 * there is no global value) without fetching the bytes. */
ssize_t fl_state_size(fl_state_kv *kv);

/* Grows the value to at least len bytes (new bytes are zero, and dirty);
 * never shrinks it.  For Faasm's `totalLen` arguments.  Returns 0 or <0. */
int fl_state_ensure_size(fl_state_kv *kv, size_t len, fl_budget *budget);

/* The largest len a fl_state_write of kv could have now within the user's
 * quota, `budget` and FL_STATE_MAX_BYTES: a caller may refuse a bigger
 * value before it reads it. */
size_t fl_state_max_write(fl_state_kv *kv, fl_budget *budget);

/* Copies min(size, cap) bytes of the value into buf; returns the size. */
ssize_t fl_state_read(fl_state_kv *kv, void *buf, size_t cap);

/* Copies bytes [off, off+len) into buf.  Returns 0, or -ERANGE past the size. */
int fl_state_read_at(fl_state_kv *kv, size_t off, void *buf, size_t len);

/* Replaces the value with data[0..len) (the size becomes len, without
 * fetching the old value); all dirty.  (Here and below, `budget` is charged
 * with the growth: see Accounting.) */
int fl_state_write(fl_state_kv *kv, const void *data, size_t len, fl_budget *budget);

/* Writes data[0..len) at off, growing the value to off+len if shorter. */
int fl_state_write_at(fl_state_kv *kv, size_t off, const void *data, size_t len,
                      fl_budget *budget);

/* Marks the whole value, or bytes [off, off+len) of it, dirty (for writes
 * made through a mapping).  Returns 0, or -ERANGE past the size. */
int fl_state_flag_dirty(fl_state_kv *kv);
int fl_state_flag_dirty_range(fl_state_kv *kv, size_t off, size_t len);

/* Sends the whole value to the global tier (whether dirty or not). */
int fl_state_push(fl_state_kv *kv);

/* Sends only the dirty chunks (a chunk is one OS page), adjacent ones
 * coalesced, through set_range.  If the value shrank since the last push the
 * whole value is sent instead.  Nothing dirty: no call to the global tier. */
int fl_state_push_partial(fl_state_kv *kv);

/* Sends only the bytes whose byte in `mask` (another replica, usually of the
 * same user) is non-zero; bytes past the mask's size count as zero.  Clears
 * kv's dirty marks.  mask is only read. */
int fl_state_push_partial_mask(fl_state_kv *kv, fl_state_kv *mask);

/* Replaces the replica with the global value (its size becomes the global
 * size) and clears the dirty marks.  Returns 0, or -ENOENT when there is no
 * global value: the replica is then empty (size 0, its bytes zero), never
 * what was written here before. */
int fl_state_pull(fl_state_kv *kv, fl_budget *budget);

/* Maps bytes [offset, offset+len) of the replica at addr with
 * MAP_FIXED|MAP_SHARED, replacing whatever was mapped there.  addr and offset
 * are page-aligned; len is rounded up to whole pages (the tail past the size
 * reads as zero).  Fills the replica first if needed.  The mapping stays
 * valid until replaced, even after fl_state_free; undo it with
 * fl_state_unmap.  Returns 0, -EINVAL (misaligned, len 0), -EFBIG or <0. */
int fl_state_map(fl_state_kv *kv, void *addr, size_t offset, size_t len);

/* Puts fresh zeroed private anonymous memory back over [addr, addr+len)
 * (page-aligned) in place of a mapping made by fl_state_map. */
int fl_state_unmap(void *addr, size_t len);

/* The key's appended list, kept in the global tier only (see fl_global_tier's
 * append, read_list, clear_list for results: read returns the bytes copied of
 * the first n elements concatenated, -ENODATA or -ENOSPC). */
int fl_state_append(fl_state_kv *kv, const void *data, size_t len, fl_budget *budget);
ssize_t fl_state_read_appended(fl_state_kv *kv, size_t n, void *buf, size_t cap);
int fl_state_clear_appended(fl_state_kv *kv);

/* How long a write lock held across processes lasts without its holder:
 * a holder that dies frees it after this; one that holds it longer loses
 * it (the global tier forgets it). */
#define FL_STATE_LOCK_TTL_MS 30000u

/* The replica's read/write lock (pthread_rwlock).  Blocking.  A write lock
 * also takes the global tier's lock of the key when the tier has one
 * (Redis: write locks hold across hosts, retried every 10 ms), after the
 * local one; read locks stay local to the process, as on Faasm.  Returns 0
 * or a negative errno (pthreads', or the global tier's: the local lock is
 * then not held). */
int fl_state_lock_read(fl_state_kv *kv);
int fl_state_unlock_read(fl_state_kv *kv);
int fl_state_lock_write(fl_state_kv *kv);
int fl_state_unlock_write(fl_state_kv *kv);

/* fl_state_lock_read/_write that stop waiting once *cancel (borrowed, e.g.
 * an exec's interrupt flag) becomes non-zero: a guest's timeout must end a
 * wait on a lock another call (or a call beneath it on the same thread,
 * or another host) holds.  Returns 0, -ECANCELED, or a negative errno. */
int fl_state_lock_read_until(fl_state_kv *kv, const volatile int *cancel);
int fl_state_lock_write_until(fl_state_kv *kv, const volatile int *cancel);

#endif
