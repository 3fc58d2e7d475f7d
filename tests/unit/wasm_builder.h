/*
 * wasm_builder.h: builds small wasm binaries byte by byte for the unit tests
 * of the decoder and the validator.  Header-only (static functions), for
 * tests/unit only.
 */
#ifndef FL_TESTS_WASM_BUILDER_H
#define FL_TESTS_WASM_BUILDER_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct wbuf {
    uint8_t b[4096];
    size_t n;
} wbuf;

static inline void put(wbuf *w, const uint8_t *p, size_t n) {
    cr_assert_leq(w->n + n, sizeof w->b);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static inline void put_leb(wbuf *w, uint32_t v) {
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        if (v)
            byte |= 0x80;
        put(w, &byte, 1);
    } while (v);
}

/* Starts `w` over with the magic number and version. */
static inline void header(wbuf *w) {
    w->n = 0;
    put(w, (const uint8_t *)"\0asm\1\0\0\0", 8);
}

static inline void section(wbuf *w, uint8_t id, const uint8_t *body, size_t n) {
    put(w, &id, 1);
    put_leb(w, (uint32_t)n);
    put(w, body, n);
}

/* SECTION(&w, id, bytes...): a section with the given contents. */
#define SECTION(w, id, ...)                                                               \
    do {                                                                                  \
        static const uint8_t body_[] = {__VA_ARGS__};                                     \
        section((w), (id), body_, sizeof body_);                                          \
    } while (0)

/* CODE1(&w, bytes...): a code section of one body (locals and instructions). */
#define CODE1(w, ...)                                                                     \
    do {                                                                                  \
        static const uint8_t fn_[] = {__VA_ARGS__};                                       \
        wbuf s_ = {.n = 0};                                                               \
        put_leb(&s_, 1);                                                                  \
        put_leb(&s_, sizeof fn_);                                                         \
        put(&s_, fn_, sizeof fn_);                                                        \
        section((w), 10, s_.b, s_.n);                                                     \
    } while (0)

/* A growable buffer, for modules too big for a wbuf (the limit tests). */
typedef struct hbuf {
    uint8_t *b;
    size_t n, cap;
} hbuf;

static inline void hput(hbuf *h, const void *p, size_t n) {
    if (n == 0)
        return;
    if (h->n + n > h->cap) {
        size_t cap = h->cap ? h->cap : 256;
        while (cap < h->n + n)
            cap *= 2;
        h->b = realloc(h->b, cap);
        cr_assert_not_null(h->b);
        h->cap = cap;
    }
    memcpy(h->b + h->n, p, n);
    h->n += n;
}

static inline void hbyte(hbuf *h, uint8_t byte) {
    hput(h, &byte, 1);
}

/* `n` copies of byte. */
static inline void hfill(hbuf *h, uint8_t byte, size_t n) {
    for (size_t i = 0; i < n; i++)
        hbyte(h, byte);
}

static inline void hleb(hbuf *h, uint32_t v) {
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        if (v)
            byte |= 0x80;
        hbyte(h, byte);
    } while (v);
}

static inline void hheader(hbuf *h) {
    h->n = 0;
    hput(h, "\0asm\1\0\0\0", 8);
}

/* Appends section `id` holding body[0..n). */
static inline void hsection(hbuf *h, uint8_t id, const hbuf *body) {
    hbyte(h, id);
    hleb(h, (uint32_t)body->n);
    hput(h, body->b, body->n);
}

static inline void hfree(hbuf *h) {
    free(h->b);
    *h = (hbuf){0};
}

#endif
