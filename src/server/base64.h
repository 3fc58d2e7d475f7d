/*
 * base64.h: the base64 of the invoke messages' binary fields (input_b64,
 * output_b64), one implementation for the server and its client (OpenSSL's
 * EVP block coder, standard alphabet with padding).
 *
 * Threads: every function is thread-safe.  Layering: libc, OpenSSL.
 */
#ifndef FL_SERVER_BASE64_H
#define FL_SERVER_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Base64 of bytes[0..n), NUL-terminated (caller frees with free()), or
 * NULL when out of memory or too long (past OpenSSL's int). */
char *fl_base64_encode(const uint8_t *bytes, size_t n);

/* Decodes base64 text into a malloc'd buffer of *n bytes (caller frees);
 * NULL when malformed, too long, or out of memory. */
uint8_t *fl_base64_decode(const char *text, size_t *n);

#endif
