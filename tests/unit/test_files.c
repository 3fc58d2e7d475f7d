/*
 * test_files.c: src/cli/files.c, the one reader of the files a user names
 * on the command line: regular files and pipes are read whole up to a
 * limit; directories, devices and sockets are refused by name; a file past
 * the limit is refused without being read.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/files.h"

#define MIB ((size_t)1 << 20)

static char dir[PATH_MAX];

static void make_dir(void) {
    strcpy(dir, "/tmp/test_files.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    signal(SIGPIPE, SIG_IGN); /* a writer whose reader stopped gets EPIPE */
}

static void remove_dir(void) {
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static const char *in_dir(const char *name) {
    static char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

/* A file of `size` bytes of 'a' (sparse when `sparse`). */
static void make_file(const char *name, size_t size, bool sparse) {
    int fd = open(in_dir(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_geq(fd, 0);
    if (sparse) {
        cr_assert_eq(ftruncate(fd, (off_t)size), 0);
    } else {
        char *buf = malloc(size ? size : 1);
        memset(buf, 'a', size);
        cr_assert_eq(write(fd, buf, size), (ssize_t)size);
        free(buf);
    }
    close(fd);
}

/* Expects fl_cli_read_file(path, max) to fail with `want` in its message. */
static void expect_refused(const char *path, size_t max, const char *want) {
    char err[128] = "";
    size_t len = 0;
    uint8_t *buf = fl_cli_read_file(path, max, &len, err, sizeof err);
    cr_expect_null(buf, "%s was read", path);
    free(buf);
    cr_expect(strstr(err, want) != NULL, "%s: \"%s\", want \"%s\"", path, err, want);
}

Test(cli_files, reads_a_regular_file_whole, .init = make_dir, .fini = remove_dir) {
    char err[128];
    size_t len = 0;
    make_file("f", 100000, false);
    uint8_t *buf = fl_cli_read_file(in_dir("f"), MIB, &len, err, sizeof err);
    cr_assert_not_null(buf, "%s", err);
    cr_expect_eq(len, 100000);
    cr_expect_eq(buf[0], 'a');
    cr_expect_eq(buf[99999], 'a');
    cr_expect_eq(buf[100000], 0); /* a NUL after the contents */
    free(buf);
    make_file("empty", 0, false);
    buf = fl_cli_read_file(in_dir("empty"), MIB, &len, err, sizeof err);
    cr_assert_not_null(buf, "%s", err);
    cr_expect_eq(len, 0);
    free(buf);
}

Test(cli_files, a_limit_is_a_limit, .init = make_dir, .fini = remove_dir) {
    char err[128];
    size_t len = 0;
    make_file("exact", MIB, false);
    uint8_t *buf = fl_cli_read_file(in_dir("exact"), MIB, &len, err, sizeof err);
    cr_assert_not_null(buf, "%s", err);
    cr_expect_eq(len, MIB);
    free(buf);
    make_file("over", MIB + 1, false);
    expect_refused(in_dir("over"), MIB, "larger than 1 MiB");
}

/* 64 GiB of holes: refused from its size, never read (reading it would
 * take a minute, and the buffer would not fit). */
Test(cli_files, a_huge_file_is_refused_unread, .init = make_dir, .fini = remove_dir) {
    make_file("huge", (size_t)64 << 30, true);
    expect_refused(in_dir("huge"), FL_CLI_MAX_MODULE, "larger than 1024 MiB");
}

Test(cli_files, what_is_not_a_file_is_named, .init = make_dir, .fini = remove_dir) {
    expect_refused(dir, MIB, "is a directory");
    expect_refused("/dev/null", MIB, "is not a regular file");
    expect_refused("/dev/zero", MIB, "is not a regular file");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", in_dir("sock"));
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    expect_refused(in_dir("sock"), MIB, "is not a regular file");
    close(s);
    expect_refused(in_dir("missing"), MIB, "No such file or directory");
}

/* A writer of `n` bytes into FIFO `path`. */
typedef struct writer {
    pthread_t t;
    const char *path;
    size_t n;
} writer;

static void *writer_main(void *p) {
    writer *w = p;
    int fd = open(w->path, O_WRONLY);
    char buf[65536];
    memset(buf, 'p', sizeof buf);
    for (size_t done = 0; fd >= 0 && done < w->n;) {
        size_t chunk = w->n - done < sizeof buf ? w->n - done : sizeof buf;
        ssize_t k = write(fd, buf, chunk);
        if (k <= 0)
            break; /* the reader stopped: EPIPE */
        done += (size_t)k;
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

Test(cli_files, a_fifo_is_read_up_to_the_limit, .init = make_dir, .fini = remove_dir,
     .timeout = 10) {
    char err[128], path[PATH_MAX + 64];
    size_t len = 0;
    snprintf(path, sizeof path, "%s", in_dir("fifo"));
    cr_assert_eq(mkfifo(path, 0600), 0);
    writer w = {.path = path, .n = 300000};
    pthread_create(&w.t, NULL, writer_main, &w);
    uint8_t *buf = fl_cli_read_file(path, MIB, &len, err, sizeof err);
    pthread_join(w.t, NULL);
    cr_assert_not_null(buf, "%s", err);
    cr_expect_eq(len, 300000);
    free(buf);
    /* a pipe cannot say its size: it is read until one byte past the limit */
    w.n = 3 * MIB;
    pthread_create(&w.t, NULL, writer_main, &w);
    expect_refused(path, MIB, "larger than 1 MiB");
    pthread_join(w.t, NULL);
}
