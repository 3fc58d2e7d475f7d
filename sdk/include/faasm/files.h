/*
 * faasm/files.h: Faasm's file helpers.
 *
 * faasm::getFileLength(path): the file's size in bytes, -1 when it cannot
 * be opened.  faasm::readFileToString(path): the whole file in a malloc'd,
 * NUL-terminated buffer (the caller frees it), NULL when it cannot be
 * opened or holds nothing.  C: faasm_getFileLength, faasm_readFileToString.
 * (Faasm's getFileLength leaks the fd it opens; this one closes it.)
 */
#ifndef _FAASM_FILES_H
#define _FAASM_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static inline long faasm_getFileLength(const char *path) {
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    long len = fstat(fileno(f), &st) == 0 ? (long)st.st_size : -1;
    fclose(f);
    return len;
}

static inline char *faasm_readFileToString(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size <= 0) {
        fclose(f);
        return NULL;
    }
    size_t len = (size_t)st.st_size;
    char *buf = (char *)malloc(len + 1);
    size_t got = buf ? fread(buf, 1, len, f) : 0;
    fclose(f);
    if (!got) {
        free(buf);
        return NULL;
    }
    buf[got] = '\0';
    return buf;
}

#ifdef __cplusplus
namespace faasm {
inline long getFileLength(const char *path) {
    return faasm_getFileLength(path);
}
inline char *readFileToString(const char *path) {
    return faasm_readFileToString(path);
}
} // namespace faasm
#endif

#endif
