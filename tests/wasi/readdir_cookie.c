// fd_readdir by hand: a buffer too small for even one entry, then entry
// by entry through the cookies, gives the same set as one big read.
#include "t.h"

static int cmp(const void *a, const void *b) { return strcmp((char *)a, (char *)b); }

static int list(__wasi_fd_t fd, size_t bufsize, char names[][64]) {
    uint8_t buf[4096];
    __wasi_dircookie_t cookie = 0;
    int n = 0;
    for (;;) {
        __wasi_size_t used;
        CHECK_EQ(__wasi_fd_readdir(fd, buf, bufsize, cookie, &used), 0);
        size_t off = 0;
        int progressed = 0;
        while (off + sizeof(__wasi_dirent_t) <= used) {
            __wasi_dirent_t de;
            memcpy(&de, buf + off, sizeof de);
            if (off + sizeof de + de.d_namlen > used)
                break; /* cut short: read again from this cookie */
            memcpy(names[n], buf + off + sizeof de, de.d_namlen);
            names[n][de.d_namlen] = 0;
            /* "." and "..": faaslet lists them, Node does not; preview1 does not say. */
            if (strcmp(names[n], ".") && strcmp(names[n], ".."))
                n++;
            cookie = de.d_next;
            off += sizeof de + de.d_namlen;
            progressed = 1;
        }
        if (used < bufsize && off == used)
            break; /* the end */
        CHECK(progressed);
    }
    return n;
}

int main(void) {
    __wasi_fd_t dir;
    for (int i = 0; i < 20; i++) {
        char p[32];
        snprintf(p, sizeof p, "/sb/sub/file_with_long_name_%02d", i);
        fclose(fopen(p, "w"));
    }
    CHECK_EQ(__wasi_path_open(SB, 0, "sub", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, 0, 0, &dir), 0);
    uint8_t tiny[8];
    __wasi_size_t used;
    CHECK_EQ(__wasi_fd_readdir(dir, tiny, sizeof tiny, 0, &used), 0);
    CHECK_EQ(used, sizeof tiny); /* full buffer: more to come */
    static char a[64][64], b[64][64];
    int na = list(dir, 4096, a), nb = list(dir, 60, b);
    CHECK_EQ(na, 23);
    CHECK_EQ(na, nb);
    qsort(a, na, 64, cmp);
    qsort(b, nb, 64, cmp);
    for (int i = 0; i < na; i++) {
        CHECK(strcmp(a[i], b[i]) == 0);
        printf("%s\n", a[i]);
    }
    /* A cookie past the end gives nothing. */
    CHECK_EQ(__wasi_fd_readdir(dir, (uint8_t *)a, 4096, 1000, &used), 0);
    CHECK_EQ(used, 0);
    __wasi_fd_t file;
    CHECK_EQ(open_at(SB, "hello.txt", 0, 0, &file), 0);
    /* Not a directory: faaslet says ENOTDIR, Node ENOTCAPABLE (files never
     * get FD_READDIR there); preview1 allows either. */
    __wasi_errno_t e = __wasi_fd_readdir(file, (uint8_t *)a, 4096, 0, &used);
    CHECK(e == __WASI_ERRNO_NOTDIR || e == __WASI_ERRNO_NOTCAPABLE);
    return 0;
}
