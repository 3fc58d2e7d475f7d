/*
 * snapshot.c: taking, restoring, saving and loading snapshots (see
 * snapshot.h).
 *
 * The memory image is a sealed memfd written page by page (all-zero pages
 * stay holes, so the memfd holds only what the zygote wrote), or a file's
 * range; restore maps it with fl__memory_map_image.  Everything else of an
 * instance is small and copied.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "engine/runtime_int.h"
#include "engine/snapshot.h"
#include "store/durable.h"

#define IMAGE_ALIGN 4096u /* the image's offset in a file: mmap needs a page */

struct fl_snapshot {
    atomic_uint refs;
    const fl_module *module;
    uint64_t id;         /* which image an instance's memory was mapped from */
    int fd;              /* the memory image: a memfd, or the snapshot file */
    off_t image_offset;  /* where the image starts in fd */
    const uint8_t *view; /* the image mapped read-only (what a reset copies back) */
    uint32_t pages;      /* memory size; meaningless without a memory */
    bool has_memory;
    fl_value *globals;   /* the module's defined globals, in order, two slots each (a v128's halves) */
    uint32_t *table_sizes;
    uint32_t **tables;   /* per defined table: element = function index + 1; 0 = null */
    bool *elem_dropped;
    bool *data_dropped;
};

static int fail(fl_error *err, const char *fmt, const char *a) {
    if (err) {
        err->offset = 0;
        snprintf(err->message, sizeof err->message, fmt, a);
    }
    return -1;
}

static fl_snapshot *snapshot_alloc(const fl_module *m) {
    fl_snapshot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    static _Atomic uint64_t next_id = 1;
    atomic_init(&s->refs, 1);
    s->id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
    s->module = m;
    s->fd = -1;
    s->globals = calloc(m->nglobals ? 2 * (size_t)m->nglobals : 1, sizeof *s->globals);
    s->table_sizes = calloc(m->ntables ? m->ntables : 1, sizeof *s->table_sizes);
    s->tables = calloc(m->ntables ? m->ntables : 1, sizeof *s->tables);
    s->elem_dropped = calloc(m->nelems ? m->nelems : 1, sizeof *s->elem_dropped);
    s->data_dropped = calloc(m->ndatas ? m->ndatas : 1, sizeof *s->data_dropped);
    if (!s->globals || !s->table_sizes || !s->tables || !s->elem_dropped || !s->data_dropped) {
        fl_snapshot_unref(s);
        return NULL;
    }
    return s;
}

fl_snapshot *fl_snapshot_ref(fl_snapshot *s) {
    if (s)
        atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void fl_snapshot_unref(fl_snapshot *s) {
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (s->view)
        munmap((void *)s->view, (size_t)s->pages * FL_PAGE_SIZE);
    if (s->fd >= 0)
        close(s->fd);
    for (uint32_t i = 0; s->tables && i < s->module->ntables; i++)
        free(s->tables[i]);
    free(s->tables);
    free(s->table_sizes);
    free(s->globals);
    free(s->elem_dropped);
    free(s->data_dropped);
    free(s);
}

const fl_module *fl_snapshot_module(const fl_snapshot *s) { return s->module; }

size_t fl_snapshot_memory_bytes(const fl_snapshot *s) {
    return s->has_memory ? (size_t)s->pages * FL_PAGE_SIZE : 0;
}

/* Maps the image read-only for resets to copy from (address space only:
 * the pages are the memfd's or the file's, shared by every instance). */
static int map_view(fl_snapshot *s) {
    size_t len = (size_t)s->pages * FL_PAGE_SIZE;
    if (!s->has_memory || !len)
        return 0;
    void *v = mmap(NULL, len, PROT_READ, MAP_SHARED, s->fd, s->image_offset);
    if (v == MAP_FAILED)
        return -errno;
    s->view = v;
    return 0;
}

/* ---- taking ---- */

static bool page_is_zero(const uint8_t *p) {
    const uint64_t *w = (const uint64_t *)p;
    uint64_t any = 0;
    for (size_t i = 0; i < 4096 / sizeof *w; i++)
        any |= w[i];
    return any == 0;
}

/* Writes pages [from, to) of bytes into fd at base + from. */
static int write_run(int fd, off_t base, const uint8_t *bytes, size_t from, size_t to) {
    while (from < to) {
        ssize_t w = pwrite(fd, bytes + from, to - from, base + (off_t)from);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        from += (size_t)w;
    }
    return 0;
}

/* Writes bytes[0..len) (page-aligned, a multiple of 4 KiB) into fd at
 * `base`, skipping all-zero pages (fd must read as zeros there already: a
 * fresh, truncated file).  Where the process's page table can be read,
 * pages it never touched (neither present nor swapped) are skipped
 * without being read: a 4 GiB memory the guest barely used
 * costs a read of its page table, not of 4 GiB.  Returns 0 or -errno. */
static int write_sparse(int fd, off_t base, const uint8_t *bytes, size_t len) {
    uint64_t entries[FL__PAGEMAP_BATCH];
    size_t npages = len / 4096, run = 0;
    bool in_run = false;
    for (size_t p = 0; p < npages; p += FL__PAGEMAP_BATCH) {
        size_t n = npages - p < FL__PAGEMAP_BATCH ? npages - p : FL__PAGEMAP_BATCH;
        bool known = fl__pagemap_read(bytes + p * 4096, n, entries);
        for (size_t i = 0; i < n; i++) {
            size_t page = p + i;
            bool untouched = known && !(entries[i] & (FL__PM_PRESENT | FL__PM_SWAPPED));
            bool data = !untouched && !page_is_zero(bytes + page * 4096);
            if (data && !in_run) {
                run = page;
                in_run = true;
            } else if (!data && in_run) {
                int rc = write_run(fd, base, bytes, run * 4096, page * 4096);
                if (rc < 0)
                    return rc;
                in_run = false;
            }
        }
    }
    return in_run ? write_run(fd, base, bytes, run * 4096, npages * 4096) : 0;
}

/* The index of function instance `f` in inst's function space, or -1. */
static int64_t func_index(const fl_instance *inst, const fl_funcinst *f) {
    const fl_module *m = inst->module;
    if (f >= inst->defined && f < inst->defined + m->nfuncs)
        return (int64_t)m->nimported_funcs + (f - inst->defined);
    for (uint32_t i = 0; i < m->nimported_funcs; i++)
        if (inst->funcs[i] == f)
            return i;
    return -1;
}

fl_snapshot *fl_snapshot_take(const fl_instance *inst, fl_error *err) {
    const fl_module *m = inst->module;
    if (m->nimported_memories || m->nimported_tables) {
        fail(err, "cannot snapshot an instance with an imported %s",
             m->nimported_memories ? "memory" : "table");
        return NULL;
    }
    for (uint32_t i = 0; i < m->nimported_globals; i++)
        if (inst->globals[i]->type.mutable_) {
            fail(err, "cannot snapshot an instance with an imported mutable global%s", "");
            return NULL;
        }
    fl_snapshot *s = snapshot_alloc(m);
    if (!s) {
        fail(err, "out of memory%s", "");
        return NULL;
    }
    for (uint32_t i = 0; i < m->nglobals; i++) {
        s->globals[2 * i] = inst->globals[m->nimported_globals + i]->value;
        s->globals[2 * i + 1].i64 = inst->globals[m->nimported_globals + i]->hi;
    }
    for (uint32_t t = 0; t < m->ntables; t++) {
        const fl_table *tab = inst->tables[t];
        s->table_sizes[t] = tab->size;
        s->tables[t] = calloc(tab->size ? tab->size : 1, sizeof *s->tables[t]);
        if (!s->tables[t]) {
            fail(err, "out of memory%s", "");
            goto fail;
        }
        for (uint32_t e = 0; e < tab->size; e++) {
            if (!tab->elems[e])
                continue;
            int64_t idx = tab->elemtype == FL_FUNCREF ? func_index(inst, tab->elems[e]) : -1;
            if (idx < 0) {
                fail(err, "cannot snapshot a table holding %s",
                     tab->elemtype == FL_FUNCREF ? "a function of another instance"
                                                 : "an external reference");
                goto fail;
            }
            s->tables[t][e] = (uint32_t)idx + 1;
        }
    }
    memcpy(s->elem_dropped, inst->elem_dropped, m->nelems * sizeof *s->elem_dropped);
    memcpy(s->data_dropped, inst->data_dropped, m->ndatas * sizeof *s->data_dropped);

    if (m->nmemories) {
        const fl_memory *mem = inst->memories[0];
        s->has_memory = true;
        s->pages = mem->pages;
        s->fd = memfd_create("faaslet-snapshot", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        int e = s->fd < 0 ? -errno : 0;
        if (!e && ftruncate(s->fd, (off_t)mem->size) < 0)
            e = -errno;
        if (!e)
            e = write_sparse(s->fd, 0, mem->base, mem->size);
        /* nobody may change the image under the instances mapping it */
        if (!e && fcntl(s->fd, F_ADD_SEALS,
                        F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
            e = -errno;
        if (!e)
            e = map_view(s);
        if (e) {
            fail(err, "cannot keep the memory image: %s", strerror(-e));
            goto fail;
        }
    }
    return s;
fail:
    fl_snapshot_unref(s);
    return NULL;
}

/* ---- restoring ---- */

/* Puts the image in inst's memory: a pooled reservation that held it
 * (fl__memory_adopt_image), else mapped (fl__memory_map_image). */
static int map_memory(const fl_snapshot *s, fl_instance *inst, fl_error *err) {
    if (!s->has_memory)
        return 0;
    if (s->view && fl__memory_adopt_image(inst->memories[0], s->id, s->view, s->pages) >= 0)
        return 0;
    if (fl__memory_map_image(inst->memories[0], s->fd, s->image_offset, s->pages, s->id) < 0) {
        const char *fact = fl_store_limit_reached(inst->store);
        return fail(err, "cannot restore the memory: %s", fact ? fact : "mapping failed");
    }
    return 0;
}

static int restore_rest(const fl_snapshot *s, fl_instance *inst, fl_error *err);

int fl_snapshot_restore(const fl_snapshot *s, fl_instance *inst, fl_error *err) {
    if (inst->module != s->module)
        return fail(err, "the snapshot is of another module%s", "");
    if (map_memory(s, inst, err) < 0)
        return -1;
    return restore_rest(s, inst, err);
}

int fl_snapshot_reset(const fl_snapshot *s, fl_instance *inst, size_t keep_bytes, size_t *kept,
                      fl_error *err) {
    if (inst->module != s->module)
        return fail(err, "the snapshot is of another module%s", "");
    ssize_t k = s->has_memory && s->view ? fl__memory_reset_image(inst->memories[0], s->id, s->view,
                                                                  s->pages, keep_bytes)
                                         : -1;
    if (k < 0 && map_memory(s, inst, err) < 0)
        return -1;
    *kept = k < 0 ? 0 : (size_t)k;
    return restore_rest(s, inst, err);
}

/* Globals, tables and dropped segments: small, copied. */
static int restore_rest(const fl_snapshot *s, fl_instance *inst, fl_error *err) {
    const fl_module *m = s->module;
    for (uint32_t i = 0; i < m->nglobals; i++) {
        inst->globals[m->nimported_globals + i]->value = s->globals[2 * i];
        inst->globals[m->nimported_globals + i]->hi = s->globals[2 * i + 1].i64;
    }
    for (uint32_t t = 0; t < m->ntables; t++) {
        fl_table *tab = inst->tables[t];
        uint32_t size = s->table_sizes[t];
        if (size > tab->size && fl_table_grow(tab, size - tab->size, NULL) < 0)
            return fail(err, "cannot restore a table: %s",
                        fl_store_limit_reached(inst->store) ? fl_store_limit_reached(inst->store)
                                                            : "out of memory");
        /* a smaller table keeps its capacity (and charge); slots past the
         * size are unreachable and cleared */
        for (uint32_t e = size; e < tab->size; e++)
            tab->elems[e] = NULL;
        tab->size = size;
        for (uint32_t e = 0; e < size; e++) {
            uint32_t idx = s->tables[t][e];
            tab->elems[e] = idx ? inst->funcs[idx - 1] : NULL;
        }
    }
    memcpy(inst->elem_dropped, s->elem_dropped, m->nelems * sizeof *s->elem_dropped);
    memcpy(inst->data_dropped, s->data_dropped, m->ndatas * sizeof *s->data_dropped);
    return 0;
}

/* ---- on disk ---- */

#define MAGIC "FLSNAP\r\n"
#define FORMAT_VERSION 2u /* 2: globals take two slots (v128) */

typedef struct file_header {
    char magic[8];
    uint32_t version;
    uint32_t has_memory;
    uint8_t key[FL_SNAPSHOT_KEY_LEN];
    uint32_t nfuncs, nglobals, ntables, nelems, ndatas, pages;
    uint64_t meta_len;     /* globals, table sizes, tables, dropped flags */
    uint64_t image_offset; /* page-aligned */
    uint64_t image_len;
    uint64_t checksum;     /* XXH3-64 of the file with this field zero */
} file_header;

/* The metadata (everything but header and image) as one buffer. */
static uint8_t *meta_encode(const fl_snapshot *s, uint64_t *len) {
    const fl_module *m = s->module;
    uint64_t n = (uint64_t)m->nglobals * 2 * sizeof(fl_value) + (uint64_t)m->ntables * 4 + m->nelems +
                 m->ndatas;
    for (uint32_t t = 0; t < m->ntables; t++)
        n += (uint64_t)s->table_sizes[t] * 4;
    uint8_t *buf = malloc(n ? n : 1), *p = buf;
    if (!buf)
        return NULL;
    memcpy(p, s->globals, m->nglobals * 2 * sizeof(fl_value));
    p += m->nglobals * 2 * sizeof(fl_value);
    memcpy(p, s->table_sizes, m->ntables * 4u);
    p += m->ntables * 4u;
    for (uint32_t t = 0; t < m->ntables; t++) {
        memcpy(p, s->tables[t], s->table_sizes[t] * 4u);
        p += s->table_sizes[t] * 4u;
    }
    memcpy(p, s->elem_dropped, m->nelems);
    p += m->nelems;
    memcpy(p, s->data_dropped, m->ndatas);
    *len = n;
    return buf;
}

/* Reads the data extents (SEEK_DATA/SEEK_HOLE) of [start, end) of fd, in
 * whole 4 KiB pages of the range, handing each to fn(ctx, offset, bytes,
 * len): in place from `view` (the range mapped, or NULL) or chunk by chunk
 * through a buffer.  Holes are never read (reading a memfd's would fill
 * them; reading a file's costs the time of its zeros).  Returns 0, fn's
 * first error, or -errno. */
static int for_each_extent(int fd, off_t start, off_t end, const uint8_t *view,
                           int (*fn)(void *ctx, off_t at, const uint8_t *bytes, size_t len),
                           void *ctx) {
    enum { BUF = 1 << 20 };
    uint8_t *buf = view ? NULL : malloc(BUF);
    int rc = buf || view ? 0 : -ENOMEM;
    for (off_t pos = start; !rc && pos < end;) {
        off_t data = lseek(fd, pos, SEEK_DATA);
        if (data < 0) {
            rc = errno == ENXIO ? 0 : -errno; /* ENXIO: only a hole is left */
            break;
        }
        if (data >= end)
            break;
        data -= (data - start) % 4096;
        off_t hole = lseek(fd, data, SEEK_HOLE);
        if (hole < 0 || hole > end)
            hole = end;
        if (view) { /* read in place: no copy, and the pages are the restore's */
            rc = (hole - data) % 4096 ? -EIO : fn(ctx, data, view + (data - start),
                                                  (size_t)(hole - data));
            pos = hole;
            continue;
        }
        for (off_t at = data; !rc && at < hole;) {
            size_t n = (size_t)(hole - at) < BUF ? (size_t)(hole - at) : BUF;
            ssize_t r = pread(fd, buf, n, at);
            if (r <= 0 || r % 4096)
                rc = r < 0 ? -errno : -EIO;
            else
                rc = fn(ctx, at, buf, (size_t)r);
            at += r > 0 ? r : 0;
        }
        pos = hole;
    }
    free(buf);
    return rc;
}

typedef struct checksum_ctx {
    XXH3_state_t *st;
    off_t start;
} checksum_ctx;

static int checksum_pages(void *ctx, off_t at, const uint8_t *bytes, size_t len) {
    checksum_ctx *c = ctx;
    for (size_t p = 0; p < len; p += 4096) {
        if (page_is_zero(bytes + p))
            continue;
        uint64_t index = (uint64_t)(at + (off_t)p - c->start) / 4096;
        XXH3_64bits_update(c->st, &index, sizeof index);
        XXH3_64bits_update(c->st, bytes + p, 4096);
    }
    return 0;
}

/* Checksum of header (checksum field zero), meta and the image in fd: of
 * the image, every page that is not all zero, with its index.  Zero pages
 * (holes, or zeros written) count as absent whatever the file system does
 * with holes, and only the data extents are read, so a 4 GiB image the
 * guest barely touched is checked in the time of what it holds.  Returns
 * 0 or -errno. */
static int file_checksum(const file_header *h, const uint8_t *meta, int fd, const uint8_t *view,
                         uint64_t *sum) {
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return -ENOMEM;
    file_header hz = *h;
    hz.checksum = 0;
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, &hz, sizeof hz);
    XXH3_64bits_update(st, meta, h->meta_len);
    checksum_ctx c = {st, (off_t)h->image_offset};
    int rc = for_each_extent(fd, c.start, c.start + (off_t)h->image_len, view, checksum_pages, &c);
    *sum = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return rc;
}

typedef struct copy_ctx {
    int out;
    off_t shift; /* where a byte of the input goes, minus where it was */
} copy_ctx;

static int copy_extent(void *ctx, off_t at, const uint8_t *bytes, size_t len) {
    copy_ctx *c = ctx;
    return write_run(c->out, c->shift + at, bytes, 0, len);
}

/* Copies [from, from + len) of fd `in` to fd `out` at `to`, leaving its
 * holes holes.  Returns 0 or an errno. */
static int copy_data(int in, off_t from, int out, off_t to, uint64_t len) {
    copy_ctx c = {out, to - from};
    return -for_each_extent(in, from, from + (off_t)len, NULL, copy_extent, &c);
}

int fl_snapshot_save(const fl_snapshot *s, const char *path,
                     const uint8_t key[FL_SNAPSHOT_KEY_LEN], fl_error *err) {
    const fl_module *m = s->module;
    file_header h = {.version = FORMAT_VERSION, .has_memory = s->has_memory,
                     .nfuncs = m->nimported_funcs + m->nfuncs, .nglobals = m->nglobals,
                     .ntables = m->ntables, .nelems = m->nelems, .ndatas = m->ndatas,
                     .pages = s->has_memory ? s->pages : 0};
    memcpy(h.magic, MAGIC, sizeof h.magic);
    memcpy(h.key, key, FL_SNAPSHOT_KEY_LEN);
    uint8_t *meta = meta_encode(s, &h.meta_len);
    if (!meta)
        return fail(err, "out of memory%s", "");
    h.image_offset = (sizeof h + h.meta_len + IMAGE_ALIGN - 1) / IMAGE_ALIGN * IMAGE_ALIGN;
    h.image_len = fl_snapshot_memory_bytes(s);

    char dir[PATH_MAX], tmp[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    int e = 0, fd = -1;
    if (slash && fl_durable_make_dirs(dir, 0755) < 0)
        e = errno ? errno : EIO;
    if (!e && snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp)
        e = ENAMETOOLONG;
    if (!e && (fd = mkostemp(tmp, O_CLOEXEC)) < 0)
        e = errno;
    if (!e && ftruncate(fd, (off_t)(h.image_offset + h.image_len)) < 0)
        e = errno;
    if (!e && h.image_len)
        e = copy_data(s->fd, s->image_offset, fd, (off_t)h.image_offset, h.image_len);
    if (!e && (pwrite(fd, meta, h.meta_len, sizeof h) != (ssize_t)h.meta_len))
        e = errno ? errno : EIO;
    if (!e) {
        int rc = file_checksum(&h, meta, fd, NULL, &h.checksum);
        e = rc < 0 ? -rc : 0;
    }
    if (!e && pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
        e = errno ? errno : EIO;
    if (!e && fsync(fd) < 0)
        e = errno;
    if (!e && rename(tmp, path) < 0)
        e = errno;
    if (fd >= 0) {
        close(fd);
        if (e)
            unlink(tmp);
    }
    free(meta);
    if (e)
        return fail(err, "cannot save the snapshot: %s", strerror(e));
    return 0;
}

fl_snapshot *fl_snapshot_load(const char *path, const fl_module *m,
                              const uint8_t key[FL_SNAPSHOT_KEY_LEN], fl_error *err) {
    fl_snapshot *s = NULL;
    uint8_t *meta = NULL;
    const uint8_t *view = NULL;
    file_header h;
    struct stat st;
    const char *why = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fail(err, "%s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
        why = "truncated (no header)";
    else if (memcmp(h.magic, MAGIC, sizeof h.magic) || h.version != FORMAT_VERSION)
        why = "not a snapshot of this format";
    else if (memcmp(h.key, key, FL_SNAPSHOT_KEY_LEN))
        why = "made from other inputs (its key differs)";
    else if (h.nfuncs != m->nimported_funcs + m->nfuncs || h.nglobals != m->nglobals ||
             h.ntables != m->ntables || h.nelems != m->nelems || h.ndatas != m->ndatas ||
             h.has_memory != (m->nmemories > 0) || h.pages > FL_MAX_PAGES)
        why = "of another module";
    else if (h.image_len != (uint64_t)h.pages * FL_PAGE_SIZE || h.image_offset % IMAGE_ALIGN ||
             h.image_offset < sizeof h + h.meta_len || h.meta_len > (uint64_t)1 << 32 ||
             (uint64_t)st.st_size != h.image_offset + h.image_len)
        why = "truncated or of the wrong size";
    if (why)
        goto refuse;
    meta = malloc(h.meta_len ? h.meta_len : 1);
    if (!meta || pread(fd, meta, h.meta_len, sizeof h) != (ssize_t)h.meta_len) {
        why = meta ? "truncated (metadata)" : "out of memory";
        goto refuse;
    }
    /* the image mapped once: checked in place, then what resets copy from */
    view = h.image_len ? mmap(NULL, h.image_len, PROT_READ, MAP_SHARED, fd, (off_t)h.image_offset)
                       : NULL;
    if (view == MAP_FAILED) {
        view = NULL;
        why = "cannot be mapped";
        goto refuse;
    }
    uint64_t sum = 0;
    if (file_checksum(&h, meta, fd, view, &sum) < 0 || sum != h.checksum) {
        why = "corrupt (checksum mismatch)";
        goto refuse;
    }
    /* the checksum covers the metadata: decode it, checking its sizes */
    s = snapshot_alloc(m);
    if (!s) {
        why = "out of memory";
        goto refuse;
    }
    const uint8_t *p = meta, *end = meta + h.meta_len;
    uint64_t need = (uint64_t)m->nglobals * 2 * sizeof(fl_value) + (uint64_t)m->ntables * 4;
    if ((uint64_t)(end - p) < need) {
        why = "inconsistent metadata";
        goto refuse;
    }
    memcpy(s->globals, p, m->nglobals * 2 * sizeof(fl_value));
    p += m->nglobals * 2 * sizeof(fl_value);
    memcpy(s->table_sizes, p, m->ntables * 4u);
    p += m->ntables * 4u;
    uint32_t total = m->nimported_funcs + m->nfuncs;
    for (uint32_t t = 0; t < m->ntables; t++) {
        uint64_t n = s->table_sizes[t];
        if ((uint64_t)(end - p) < n * 4 || !(s->tables[t] = malloc(n ? n * 4 : 1))) {
            why = "inconsistent metadata";
            goto refuse;
        }
        memcpy(s->tables[t], p, n * 4);
        p += n * 4;
        for (uint64_t e = 0; e < n; e++)
            if (s->tables[t][e] > total) {
                why = "inconsistent metadata (a table names no function)";
                goto refuse;
            }
    }
    if ((uint64_t)(end - p) != (uint64_t)m->nelems + m->ndatas) {
        why = "inconsistent metadata";
        goto refuse;
    }
    for (uint32_t i = 0; i < m->nelems; i++)
        s->elem_dropped[i] = p[i] != 0;
    p += m->nelems;
    for (uint32_t i = 0; i < m->ndatas; i++)
        s->data_dropped[i] = p[i] != 0;
    s->has_memory = h.has_memory;
    s->pages = h.pages;
    s->fd = fd;
    s->image_offset = (off_t)h.image_offset;
    s->view = view;
    free(meta);
    return s;
refuse:
    if (err) {
        err->offset = 0;
        snprintf(err->message, sizeof err->message, "snapshot %s: %s", path, why);
    }
    if (view)
        munmap((void *)view, h.image_len);
    free(meta);
    fl_snapshot_unref(s);
    close(fd);
    return NULL;
}
