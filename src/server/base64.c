/*
 * base64.c: base64.h on OpenSSL's EVP block coder.
 */
#include "server/base64.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

char *fl_base64_encode(const uint8_t *bytes, size_t n) {
    if (n > (size_t)INT_MAX / 4 * 3) /* EVP_EncodeBlock counts in int */
        return NULL;
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, bytes, (int)n);
    return out;
}

uint8_t *fl_base64_decode(const char *text, size_t *n) {
    size_t len = strlen(text);
    if (len % 4 || len > (size_t)INT_MAX)
        return NULL;
    uint8_t *out = malloc(len / 4 * 3 + 1);
    int got = out && len ? EVP_DecodeBlock(out, (const unsigned char *)text, (int)len) : 0;
    if (!out || got < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts the padding as bytes */
    *n = (size_t)got - (len && text[len - 1] == '=') - (len > 1 && text[len - 2] == '=');
    return out;
}
