/*
 * t.h: what the WASI test programs share.  CHECK prints the failed
 * condition and exits 99; RAW_* are preview1 imports declared by hand with
 * plain integers for pointers, so that tests can pass addresses that C
 * would not let them (outside linear memory) and call what wasi-libc does
 * not declare (proc_raise).
 */
#ifndef WASI_TEST_T_H
#define WASI_TEST_T_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

#define CHECK(c)                                                                   \
    do {                                                                           \
        if (!(c)) {                                                                \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);                    \
            fflush(stdout);                                                        \
            exit(99);                                                              \
        }                                                                          \
    } while (0)

/* CHECK_EQ for integers, printing both sides. */
#define CHECK_EQ(a, b)                                                             \
    do {                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                        \
        if (a_ != b_) {                                                            \
            printf("FAIL %s:%d: %s == %lld, want %lld\n", __FILE__, __LINE__, #a,  \
                   a_, b_);                                                        \
            fflush(stdout);                                                        \
            exit(99);                                                              \
        }                                                                          \
    } while (0)

#define RAW(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

RAW(proc_raise) uint16_t raw_proc_raise(uint32_t sig);
RAW(fd_write) uint16_t raw_fd_write(uint32_t fd, uint32_t iovs, uint32_t n, uint32_t nwritten);
RAW(fd_read) uint16_t raw_fd_read(uint32_t fd, uint32_t iovs, uint32_t n, uint32_t nread);
RAW(args_get) uint16_t raw_args_get(uint32_t argv, uint32_t buf);
RAW(args_sizes_get) uint16_t raw_args_sizes_get(uint32_t argc, uint32_t size);
RAW(random_get) uint16_t raw_random_get(uint32_t buf, uint32_t len);
RAW(clock_time_get) uint16_t raw_clock_time_get(uint32_t id, uint64_t prec, uint32_t out);
RAW(path_open)
uint16_t raw_path_open(uint32_t fd, uint32_t dirflags, uint32_t path, uint32_t len, uint32_t oflags,
                       uint64_t base, uint64_t inh, uint32_t fdflags, uint32_t out);
RAW(fd_prestat_dir_name) uint16_t raw_prestat_dir_name(uint32_t fd, uint32_t buf, uint32_t len);
RAW(poll_oneoff) uint16_t raw_poll_oneoff(uint32_t in, uint32_t out, uint32_t n, uint32_t nev);

/* Address just past the end of linear memory. */
static inline uint32_t mem_end(void) {
    return (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
}

/* The first preopen: /sb (read-write); the second: /ro (read-only). */
#define SB 3
#define RO 4

/* Every right but the two socket ones (which Node never grants on files). */
#define ALL_RIGHTS (((__wasi_rights_t)1 << 28) - 1)

/* Directories are opened without the rights that would open them for writing. */
#define DIR_RIGHTS                                                                          \
    (ALL_RIGHTS & ~(__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_ALLOCATE |                    \
                    __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_DATASYNC))

/* Opens directory `path` beneath `dir`, passing every right on. */
static inline __wasi_errno_t open_dir(__wasi_fd_t dir, const char *path, __wasi_fd_t *fd) {
    return __wasi_path_open(dir, 0, path, __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS, ALL_RIGHTS, 0, fd);
}

/* Opens `path` beneath `dir` for reading and writing with every right. */
static inline __wasi_errno_t open_at(__wasi_fd_t dir, const char *path, __wasi_oflags_t oflags,
                                     __wasi_lookupflags_t lookup, __wasi_fd_t *fd) {
    return __wasi_path_open(dir, lookup, path, oflags, ALL_RIGHTS, ALL_RIGHTS, 0, fd);
}

/* Reads all of a small file into buf (NUL-terminated); returns its length or -1. */
static inline int slurp(const char *path, char *buf, size_t cap) {
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = 0;
    fclose(f);
    return (int)n;
}

#endif
