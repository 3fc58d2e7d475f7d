// Sandbox: the guest may not create symlinks with absolute targets
// (faaslet never follows them, but host tools would).
// NODE: skip uvwasi refuses too, with EPERM instead of ENOTCAPABLE
#include "t.h"

int main(void) {
    CHECK_EQ(__wasi_path_symlink("/etc/passwd", SB, "abs"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_symlink("/", SB, "root"), __WASI_ERRNO_NOTCAPABLE);
    __wasi_filestat_t st;
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "abs", &st), __WASI_ERRNO_NOENT);
    /* Relative ones that lead out may exist: they are never followed out. */
    CHECK_EQ(__wasi_path_symlink("../../x", SB, "rel"), 0);
    printf("absolute targets refused\n");
    return 0;
}
