// path_readlink into a buffer shorter than the target: the target is cut
// to the buffer (as readlink(2) does), bufused says how much.
// NODE: skip uvwasi answers ENOBUFS instead of truncating (preview1 says bufused is what was written)
#include "t.h"

int main(void) {
    char buf[4];
    __wasi_size_t n;
    CHECK_EQ(__wasi_path_readlink(SB, "link_in", (uint8_t *)buf, sizeof buf, &n), 0);
    CHECK_EQ(n, 4);
    CHECK(memcmp(buf, "hell", 4) == 0);
    printf("%.4s\n", buf);
    return 0;
}
