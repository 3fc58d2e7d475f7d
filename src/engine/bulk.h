/*
 * bulk.h: what every tier runs the bulk instructions with (memory.fill,
 * memory.copy, memory.init, table.fill, table.copy, table.init): a
 * guest-chosen range is worked in chunks (FL_BULK_CHUNK_BYTES,
 * FL_BULK_CHUNK_ELEMS, config.h) and the interrupt flag is checked after
 * each, so a timeout ends even a 4 GiB fill within a few milliseconds; a
 * range within one chunk is one libc call.  Each returns false when it
 * found the flag set (the rest is not done).
 */
#ifndef FL_ENGINE_BULK_H
#define FL_ENGINE_BULK_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "engine/runtime.h"

/* The reference an element segment item (a constant expression) denotes:
 * ref.null, ref.func or global.get; the module was validated. */
static inline void *fl_elem_item(fl_instance *inst, const fl_expr *e) {
    const uint8_t *p = e->code;
    uint8_t op = *p++;
    if (op == 0xd0)
        return NULL;
    uint32_t idx = 0;
    unsigned shift = 0;
    for (;;) {
        uint8_t b = *p++;
        idx |= (uint32_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    if (op == 0xd2)
        return inst->funcs[idx];
    return inst->globals[idx]->value.ref; /* 0x23 global.get */
}

/* ---- bulk instructions: chunked, interruptible between chunks ----
 * Each returns false when the interrupt flag was found set after a chunk
 * (the rest is not done).  A range within one chunk is one libc call. */

static inline bool fl_bulk_fill(uint8_t *d, int v, uint64_t n, volatile int *intr) {
    while (__builtin_expect(n > FL_BULK_CHUNK_BYTES, 0)) {
        memset(d, v, FL_BULK_CHUNK_BYTES);
        d += FL_BULK_CHUNK_BYTES;
        n -= FL_BULK_CHUNK_BYTES;
        if (*intr)
            return false;
    }
    memset(d, v, n);
    return true;
}

/* memmove in chunks, in the direction that never overwrites source bytes
 * not yet copied: from the low end when `forward` (which a destination
 * below the source, or one apart from it, needs), else from the high end. */
static inline bool fl_bulk_move(uint8_t *d, const uint8_t *s, uint64_t n, bool forward,
                      volatile int *intr) {
    if (__builtin_expect(n <= FL_BULK_CHUNK_BYTES, 1)) {
        memmove(d, s, n);
        return true;
    }
    if (forward) {
        for (uint64_t at = 0; at < n; at += FL_BULK_CHUNK_BYTES) {
            uint64_t k = n - at < FL_BULK_CHUNK_BYTES ? n - at : FL_BULK_CHUNK_BYTES;
            memmove(d + at, s + at, k);
            if (at + k < n && *intr)
                return false;
        }
    } else {
        for (uint64_t end = n; end > 0;) {
            uint64_t k = end < FL_BULK_CHUNK_BYTES ? end : FL_BULK_CHUNK_BYTES;
            end -= k;
            memmove(d + end, s + end, k);
            if (end > 0 && *intr)
                return false;
        }
    }
    return true;
}

static inline bool fl_bulk_fill_refs(void **d, void *v, uint64_t n, volatile int *intr) {
    for (;;) {
        uint64_t k = n < FL_BULK_CHUNK_ELEMS ? n : FL_BULK_CHUNK_ELEMS;
        for (uint64_t i = 0; i < k; i++)
            d[i] = v;
        d += k;
        n -= k;
        if (n == 0)
            return true;
        if (*intr)
            return false;
    }
}

/* table.init's items, each a constant expression to evaluate. */
static inline bool fl_bulk_init_refs(fl_instance *inst, void **d, const fl_expr *items, uint64_t n,
                           volatile int *intr) {
    for (;;) {
        uint64_t k = n < FL_BULK_CHUNK_ELEMS ? n : FL_BULK_CHUNK_ELEMS;
        for (uint64_t i = 0; i < k; i++)
            d[i] = fl_elem_item(inst, &items[i]);
        d += k;
        items += k;
        n -= k;
        if (n == 0)
            return true;
        if (*intr)
            return false;
    }
}

#endif
