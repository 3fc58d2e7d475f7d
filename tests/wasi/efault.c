// Guest pointers outside linear memory: each call answers EFAULT (21) and
// the program goes on; nothing traps, nothing is written.
// NODE: skip uvwasi answers EOVERFLOW (61) for guest memory out of bounds; faaslet answers EFAULT (21) as the task asks
#include "t.h"

int main(void) {
    uint32_t end = mem_end();
    __wasi_ciovec_t iov = {(const uint8_t *)"x\n", 2};
    uint32_t nw;
    /* The iovec array, a buffer it names, and the result pointer. */
    CHECK_EQ(raw_fd_write(1, end - 4, 1, (uint32_t)&nw), __WASI_ERRNO_FAULT);
    __wasi_ciovec_t bad = {(const uint8_t *)(uintptr_t)(end - 1), 2};
    CHECK_EQ(raw_fd_write(1, (uint32_t)&bad, 1, (uint32_t)&nw), __WASI_ERRNO_FAULT);
    CHECK_EQ(raw_fd_write(1, (uint32_t)&iov, 1, end), __WASI_ERRNO_FAULT);
    CHECK_EQ(raw_fd_write(1, (uint32_t)&iov, 1, 0xfffffffeu), __WASI_ERRNO_FAULT);
    char buf[8];
    __wasi_iovec_t rb = {(uint8_t *)(uintptr_t)0xfffffff0u, 100};
    CHECK_EQ(raw_fd_read(0, (uint32_t)&rb, 1, (uint32_t)&nw), __WASI_ERRNO_FAULT);
    CHECK_EQ(raw_args_get(end, (uint32_t)buf), __WASI_ERRNO_FAULT);
    CHECK_EQ(raw_args_sizes_get(end - 2, (uint32_t)&nw), __WASI_ERRNO_FAULT);
    CHECK_EQ(raw_random_get(end - 10, 11), __WASI_ERRNO_FAULT);
    CHECK_EQ(raw_random_get(end - 10, 10), 0); /* the last bytes are fine */
    CHECK_EQ(raw_clock_time_get(0, 0, end - 7), __WASI_ERRNO_FAULT);
    CHECK_EQ(raw_path_open(SB, 0, end - 3, 10, 0, 0, 0, 0, (uint32_t)&nw), __WASI_ERRNO_FAULT);
    CHECK_EQ(raw_prestat_dir_name(SB, end, 3), __WASI_ERRNO_FAULT);
    CHECK_EQ(raw_poll_oneoff(end - 47, (uint32_t)buf, 1, (uint32_t)&nw), __WASI_ERRNO_FAULT);
    printf("all EFAULT\n");
    return 0;
}
