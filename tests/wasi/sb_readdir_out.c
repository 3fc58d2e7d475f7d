// Sandbox: no directory outside can be opened for listing, not through `..`,
// not through a symlinked directory, not from a subdirectory's fd.
// NODE: skip uvwasi opens sub/link_esc (a symlink to outside/) as a directory without SYMLINK_FOLLOW: outside/ becomes listable
#include "t.h"
#include <dirent.h>

/* Opens a directory following a final symlink. */
static __wasi_errno_t open_dir_follow(__wasi_fd_t dir, const char *path, __wasi_fd_t *fd) {
    return __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, __WASI_OFLAGS_DIRECTORY,
                            DIR_RIGHTS, ALL_RIGHTS, 0, fd);
}

int main(void) {
    __wasi_fd_t fd;
    CHECK_EQ(open_dir(SB, "..", &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(open_dir_follow(SB, "sub/link_esc", &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(open_dir(SB, "sub/link_esc", &fd), __WASI_ERRNO_NOTDIR); /* not followed: a symlink */
    CHECK_EQ(open_dir(SB, "sub/link_esc/dir", &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(open_dir_follow(SB, "sub/link_esc/dir", &fd), __WASI_ERRNO_NOTCAPABLE);
    __wasi_fd_t sub;
    CHECK_EQ(open_dir(SB, "sub", &sub), 0);
    CHECK_EQ(open_dir(sub, "..", &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK_EQ(open_dir_follow(sub, "link_esc", &fd), __WASI_ERRNO_NOTCAPABLE);
    CHECK(opendir("/sb/sub/link_esc") == NULL);
    /* Listing the preopen shows the escaping links as links, nothing beyond. */
    DIR *d = opendir("/sb/sub");
    CHECK(d);
    struct dirent *e;
    while ((e = readdir(d)))
        CHECK(strcmp(e->d_name, "secret.txt") != 0);
    closedir(d);
    printf("no listing outside\n");
    return 0;
}
