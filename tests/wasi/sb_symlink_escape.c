// Sandbox: a symlink's target is read from the link's own directory, whose
// real place beneath the preopen counts (symlinks in the path that names it
// are followed first): "../x" is fine in sub/ and refused at the top.  A link
// cannot be moved or hard-linked to where it would point out, nor can a
// directory holding one be moved nearer the top.
// NODE: skip uvwasi reads a new symlink's target from the preopen's root, not from the link's directory (it refuses "../x" made in sub/)
#include "t.h"

int main(void) {
    __wasi_filestat_t st;
    /* from sub/ (one level down), one `..` stays inside, two do not */
    CHECK_EQ(__wasi_path_symlink("../hello.txt", SB, "sub/up1"), 0);
    CHECK_EQ(__wasi_path_symlink("../../x", SB, "sub/up2"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_symlink("a/b/../../../hello.txt", SB, "sub/up3"), 0);
    CHECK_EQ(__wasi_path_symlink("a/../../../x", SB, "sub/up4"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_symlink("/etc/passwd", SB, "sub/abs"), __WASI_ERRNO_PERM);
    /* sub/top -> .. is the preopen's root: a link made through it is made at
     * the top, where "../x" leaves (read from the path, it would seem one deeper) */
    CHECK_EQ(__wasi_path_symlink("..", SB, "sub/top"), 0);
    CHECK_EQ(__wasi_path_symlink("../x", SB, "sub/top/l"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "l", &st), __WASI_ERRNO_NOENT);
    CHECK_EQ(__wasi_path_symlink("sub/x", SB, "sub/top/l"), 0);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "l", &st), 0);

    /* moving or linking sub/up1 to the top would make it point out */
    CHECK_EQ(__wasi_path_rename(SB, "sub/up1", SB, "moved"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_link(SB, 0, "sub/up1", SB, "linked"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "moved", &st), __WASI_ERRNO_NOENT);
    CHECK_EQ(__wasi_path_filestat_get(SB, 0, "linked", &st), __WASI_ERRNO_NOENT);
    /* deeper is fine */
    CHECK_EQ(__wasi_path_create_directory(SB, "sub/deep"), 0);
    CHECK_EQ(__wasi_path_rename(SB, "sub/up1", SB, "sub/deep/up1"), 0);
    CHECK_EQ(__wasi_path_link(SB, 0, "sub/deep/up1", SB, "sub/deep/up1b"), 0);

    /* a directory holding d1/d2/l -> ../../hello.txt may not move to the top */
    CHECK_EQ(__wasi_path_create_directory(SB, "d1"), 0);
    CHECK_EQ(__wasi_path_create_directory(SB, "d1/d2"), 0);
    CHECK_EQ(__wasi_path_symlink("../../hello.txt", SB, "d1/d2/l"), 0);
    CHECK_EQ(__wasi_path_rename(SB, "d1/d2", SB, "d3"), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(__wasi_path_rename(SB, "d1", SB, "d4"), 0); /* the same depth */
    CHECK_EQ(__wasi_path_rename(SB, "d4/d2", SB, "sub/d2"), 0);
    char buf[64];
    CHECK_EQ(slurp("/sb/sub/d2/l", buf, sizeof buf), 12);
    printf("links stay inside: %s", buf);
    return 0;
}
