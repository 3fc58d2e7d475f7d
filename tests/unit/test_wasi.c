/*
 * test_wasi.c: the WASI layer seen from the host: contexts, the linker
 * table, guest pointers, proc_exit, and the sandbox's path resolution
 * (both the openat2 way and the portable walk).  The wasm programs of
 * tests/wasi/run.sh cover each call end to end.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "budget/budget.h"
#include "engine/module.h"
#include "engine/runtime.h"
#include "wasi/wasi.h"
#include "wasi/wasi_int.h"

/* The guest: tests/unit/wat/wasi_unit.wat (built by the Makefile). */
#include "wasi_unit.wasm.h"
static const size_t unit_wasm_len = 329;

/* A scratch directory with sb/ (the preopen) and outside/secret. */
static char scratch[PATH_MAX];

static void make_tree(void) {
    char p[PATH_MAX + 64];
    strcpy(scratch, "/tmp/test_wasi.XXXXXX");
    cr_assert_not_null(mkdtemp(scratch));
    snprintf(p, sizeof p, "%s/sb", scratch);
    cr_assert_eq(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/sb/dir", scratch);
    cr_assert_eq(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/outside", scratch);
    cr_assert_eq(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/outside/secret", scratch);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs("secret", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/sb/file", scratch);
    f = fopen(p, "w");
    fputs("inside", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/sb/up", scratch);
    cr_assert_eq(symlink("../outside/secret", p), 0);
    snprintf(p, sizeof p, "%s/sb/dir/back", scratch);
    cr_assert_eq(symlink("../file", p), 0);
    snprintf(p, sizeof p, "%s/sb/dir/chain", scratch);
    cr_assert_eq(symlink("back", p), 0);
    snprintf(p, sizeof p, "%s/sb/loop", scratch);
    cr_assert_eq(symlink("loop", p), 0);
}

static void remove_tree(void) {
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    cr_assert_eq(system(cmd), 0);
}

static int open_root(void) {
    char p[PATH_MAX + 8];
    snprintf(p, sizeof p, "%s/sb", scratch);
    int fd = open(p, O_RDONLY | O_DIRECTORY);
    cr_assert_geq(fd, 0);
    return fd;
}

/* fl__sandbox_open of `path` in both modes must agree on `want` (0 or -errno). */
static void expect_open(int root, const char *path, bool follow, int want) {
    for (int walk = 0; walk < 2; walk++) {
        int fd = -1;
        int rc = fl__sandbox_open(root, path, strlen(path), O_RDONLY, 0, follow, walk, &fd);
        cr_expect_eq(rc, want, "%s (%s): got %d, want %d", path, walk ? "walk" : "openat2", rc,
                     want);
        if (rc == 0)
            close(fd);
    }
}

Test(wasi_sandbox, refuses_escapes, .init = make_tree, .fini = remove_tree) {
    int root = open_root();
    expect_open(root, "..", true, -EXDEV);
    expect_open(root, "../outside/secret", true, -EXDEV);
    expect_open(root, "dir/../../outside/secret", true, -EXDEV);
    expect_open(root, "/etc/passwd", true, -EXDEV);
    expect_open(root, "up", true, -EXDEV);
    expect_open(root, "loop", true, -ELOOP);
    close(root);
}

Test(wasi_sandbox, resolves_inside, .init = make_tree, .fini = remove_tree) {
    int root = open_root();
    expect_open(root, "file", true, 0);
    expect_open(root, "dir/../file", true, 0);
    expect_open(root, "./dir/./back", true, 0);
    expect_open(root, "dir/chain", true, 0);
    expect_open(root, "dir/", true, 0);
    expect_open(root, "missing", true, -ENOENT);
    expect_open(root, "file/x", true, -ENOTDIR);
    expect_open(root, "", true, -ENOENT);
    /* Without follow, a final symlink is not opened. */
    expect_open(root, "dir/back", false, -ELOOP);
    close(root);
}

Test(wasi_sandbox, parent_and_name, .init = make_tree, .fini = remove_tree) {
    int root = open_root();
    char name[PATH_MAX];
    for (int walk = 0; walk < 2; walk++) {
        int dir;
        cr_assert_eq(fl__sandbox_parent(root, "dir/chain", 9, false, walk, &dir, name), 0);
        cr_expect_str_eq(name, "chain");
        struct stat st;
        cr_expect_eq(fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW), 0);
        cr_expect(S_ISLNK(st.st_mode));
        close(dir);
        /* Following the chain ends at sb/file, named from sb. */
        cr_assert_eq(fl__sandbox_parent(root, "dir/chain", 9, true, walk, &dir, name), 0);
        cr_expect_str_eq(name, "file");
        cr_expect_eq(fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW), 0);
        cr_expect(S_ISREG(st.st_mode));
        close(dir);
        /* A path ending in `..` names a directory as ".". */
        cr_assert_eq(fl__sandbox_parent(root, "dir/..", 6, false, walk, &dir, name), 0);
        cr_expect_str_eq(name, ".");
        close(dir);
        cr_expect_eq(fl__sandbox_parent(root, "dir/../..", 9, false, walk, &dir, name), -EXDEV);
        cr_expect_eq(fl__sandbox_parent(root, "up", 2, true, walk, &dir, name), -EXDEV);
        /* "file/" is not a directory; "dir/" is. */
        cr_expect_eq(fl__sandbox_parent(root, "file/", 5, false, walk, &dir, name), -ENOTDIR);
        cr_assert_eq(fl__sandbox_parent(root, "dir//", 5, false, walk, &dir, name), 0);
        cr_expect_str_eq(name, "dir");
        close(dir);
        /* An embedded NUL is not a path. */
        cr_expect_eq(fl__sandbox_parent(root, "fi\0le", 5, false, walk, &dir, name), -EINVAL);
    }
    close(root);
}

Test(wasi_context, config_and_errors) {
    fl_wasi_config c;
    char err[128] = "";
    fl_wasi_config_init(&c);
    cr_expect_eq(c.stdio[0], 0);
    cr_expect_eq(c.stdio[1], 1);
    cr_expect_eq(c.stdio[2], 2);
    cr_expect_eq(c.npreopens, 0);
    fl_wasi_preopen p = {.host_path = "/nonexistent/dir", .guest_path = "/x"};
    c.preopens = &p;
    c.npreopens = 1;
    cr_expect_null(fl_wasi_new(&c, err, sizeof err));
    cr_expect(strstr(err, "/nonexistent/dir") != NULL, "message: %s", err);
    fl_wasi_free(NULL);
}

Test(wasi_context, each_context_has_its_own_fds, .init = make_tree, .fini = remove_tree) {
    char sb[PATH_MAX + 8], out[PATH_MAX + 16];
    snprintf(sb, sizeof sb, "%s/sb", scratch);
    snprintf(out, sizeof out, "%s/outside", scratch);
    fl_wasi_preopen pa = {.host_path = sb, .guest_path = "/a"},
                    pb = {.host_path = out, .guest_path = "/b", .read_only = true};
    fl_wasi_config c;
    char err[128];
    fl_wasi_config_init(&c);
    c.preopens = &pa;
    c.npreopens = 1;
    fl_wasi *a = fl_wasi_new(&c, err, sizeof err);
    c.preopens = &pb;
    fl_wasi *b = fl_wasi_new(&c, err, sizeof err);
    cr_assert(a && b);
    uint16_t e;
    fl__wasi_fd *fa = fl__wasi_fd_get(a, 3, 0, &e), *fb = fl__wasi_fd_get(b, 3, 0, &e);
    cr_assert(fa && fb);
    cr_expect_str_eq(fa->preopen, "/a");
    cr_expect_str_eq(fb->preopen, "/b");
    cr_expect(!fa->read_only && fb->read_only);
    /* The read-only preopen has lost every mutating right. */
    cr_expect_eq(fb->rights & W_R_MUTATING, 0);
    cr_expect_eq(fb->inherit & W_R_MUTATING, 0);
    cr_expect_null(fl__wasi_fd_get(b, 3, W_R_PATH_CREATE_FILE, &e));
    cr_expect_eq(e, W_ENOTCAPABLE);
    cr_expect_null(fl__wasi_fd_get(a, 4, 0, &e));
    cr_expect_eq(e, W_EBADF);
    fl_wasi_free(a);
    fl_wasi_free(b);
}

Test(wasi_context, closed_stdio_keeps_preopens_at_3, .init = make_tree, .fini = remove_tree) {
    char sb[PATH_MAX + 8], err[128];
    snprintf(sb, sizeof sb, "%s/sb", scratch);
    fl_wasi_preopen p = {.host_path = sb, .guest_path = "/sb"};
    fl_wasi_config c;
    fl_wasi_config_init(&c);
    c.stdio[0] = -1;
    c.stdio[2] = -1;
    c.preopens = &p;
    c.npreopens = 1;
    fl_wasi *w = fl_wasi_new(&c, err, sizeof err);
    cr_assert_not_null(w, "%s", err);
    uint16_t e;
    cr_expect_null(fl__wasi_fd_get(w, 0, 0, &e));
    cr_expect_eq(e, W_EBADF);
    cr_expect_not_null(fl__wasi_fd_get(w, 1, W_R_FD_WRITE, &e));
    fl__wasi_fd *f = fl__wasi_fd_get(w, 3, 0, &e);
    cr_assert_not_null(f);
    cr_expect_str_eq(f->preopen, "/sb");
    /* A new fd takes the lowest free number: the closed stdin's. */
    int h = open("/dev/null", O_RDONLY);
    cr_assert_eq(fl__wasi_fd_charge(w), 0);
    cr_expect_eq(fl__wasi_fd_add(w, (fl__wasi_fd){.host = h, .type = W_FT_CHARACTER_DEVICE,
                                                  .rights = W_R_FD_READ}),
                 0);
    fl_wasi_free(w);
}

/* An instance of the module above with stdout on a pipe and sb/ at fd 3. */
typedef struct guest {
    fl_module *m;
    fl_store *s;
    fl_exec *ex;
    fl_linker *l;
    fl_wasi *w;
    fl_instance *inst;
    int pipe[2];
} guest;

static void guest_start(guest *g, bool walk) {
    fl_error err;
    char msg[128], sb[PATH_MAX + 8];
    snprintf(sb, sizeof sb, "%s/sb", scratch);
    memset(g, 0, sizeof *g);
    cr_assert_eq(pipe(g->pipe), 0);
    fl_wasi_preopen p = {.host_path = sb, .guest_path = "/sb"};
    fl_wasi_config c;
    fl_wasi_config_init(&c);
    c.stdio[1] = g->pipe[1];
    c.preopens = &p;
    c.npreopens = 1;
    c.no_openat2 = walk;
    g->w = fl_wasi_new(&c, msg, sizeof msg);
    cr_assert_not_null(g->w, "%s", msg);
    g->m = fl_module_load(wasi_unit_wasm, unit_wasm_len, &err);
    cr_assert_not_null(g->m, "%s", err.message);
    g->s = fl_store_new(NULL);
    g->ex = fl_exec_new(0);
    g->l = fl_linker_new(g->s);
    cr_assert_eq(fl_wasi_define(g->w, g->l), 0);
    cr_assert_eq(fl_instantiate(g->s, g->m, g->l, g->ex, &g->inst, &err), FL_INST_OK, "%s",
                 err.message);
}

static fl_trap guest_call(guest *g, const char *name, uint32_t *result) {
    fl_funcinst *f = fl_instance_func(g->inst, name);
    cr_assert_not_null(f, "%s", name);
    fl_value v[1] = {{0}};
    cr_assert(f->type->nparams == 0 && f->type->nresults <= 1, "%s: not [] -> [i32?]", name);
    fl_trap t = fl_invoke(g->ex, f, NULL, 0, v, f->type->nresults);
    *result = v[0].i32;
    return t;
}

static void guest_stop(guest *g) {
    fl_linker_free(g->l);
    fl_store_free(g->s);
    fl_exec_free(g->ex);
    fl_wasi_free(g->w);
    fl_module_free(g->m);
    close(g->pipe[0]);
    close(g->pipe[1]);
}

Test(wasi_guest, fd_write_reaches_the_host_fd, .init = make_tree, .fini = remove_tree) {
    guest g;
    uint32_t r;
    guest_start(&g, false);
    cr_assert_eq(guest_call(&g, "write_hi", &r), FL_TRAP_NONE);
    cr_expect_eq(r, 0);
    cr_assert_eq(guest_call(&g, "nwritten", &r), FL_TRAP_NONE);
    cr_expect_eq(r, 3);
    char buf[8] = {0};
    cr_expect_eq(read(g.pipe[0], buf, sizeof buf), 3);
    cr_expect_str_eq(buf, "hi\n");
    guest_stop(&g);
}

Test(wasi_guest, bad_pointer_is_efault_not_trap, .init = make_tree, .fini = remove_tree) {
    guest g;
    uint32_t r;
    guest_start(&g, false);
    cr_assert_eq(guest_call(&g, "write_bad", &r), FL_TRAP_NONE);
    cr_expect_eq(r, 21);
    guest_stop(&g);
}

Test(wasi_guest, escape_is_enotcapable, .init = make_tree, .fini = remove_tree) {
    for (int walk = 0; walk < 2; walk++) {
        guest g;
        uint32_t r;
        guest_start(&g, walk);
        cr_assert_eq(guest_call(&g, "escape", &r), FL_TRAP_NONE);
        cr_expect_eq(r, 76, "walk=%d: %u", walk, r);
        guest_stop(&g);
    }
}

Test(wasi_guest, proc_exit_is_a_trap_with_a_code, .init = make_tree, .fini = remove_tree) {
    guest g;
    uint32_t r;
    guest_start(&g, false);
    cr_expect_eq(guest_call(&g, "exit7", &r), FL_TRAP_EXIT);
    cr_expect_eq(g.ex->exit_code, 7);
    /* The instance stays usable after the exit. */
    cr_expect_eq(guest_call(&g, "write_hi", &r), FL_TRAP_NONE);
    guest_stop(&g);
}

/* fl_wasi_read_file: what the Faasm host reads on a guest's behalf goes
 * through the guest's own sandbox, beneath the longest matching preopen. */
Test(wasi_context, read_file_through_the_sandbox, .init = make_tree, .fini = remove_tree) {
    char sb[PATH_MAX + 8], dir[PATH_MAX + 16];
    snprintf(sb, sizeof sb, "%s/sb", scratch);
    snprintf(dir, sizeof dir, "%s/sb/dir", scratch);
    fl_wasi_preopen pre[2] = {{.host_path = sb, .guest_path = "/", .read_only = true},
                              {.host_path = dir, .guest_path = "/data"}};
    for (int walk = 0; walk < 2; walk++) {
        fl_wasi_config c;
        char err[128];
        fl_wasi_config_init(&c);
        c.preopens = pre;
        c.npreopens = 2;
        c.no_openat2 = walk;
        fl_wasi *w = fl_wasi_new(&c, err, sizeof err);
        cr_assert_not_null(w, "%s", err);
        uint8_t *buf;
        size_t len;
        cr_assert_eq(fl_wasi_read_file(w, "/file", 100, &buf, &len), 0);
        cr_expect_eq(len, 6);
        cr_expect_arr_eq(buf, "inside", 6);
        free(buf);
        /* "/data/back" is sb/dir/back -> ../file: out of /data's preopen */
        cr_expect_eq(fl_wasi_read_file(w, "/data/back", 100, &buf, &len), -EXDEV);
        cr_expect_null(buf);
        cr_expect_eq(fl_wasi_read_file(w, "/dir/back", 100, &buf, &len), 0);
        free(buf);
        cr_expect_eq(fl_wasi_read_file(w, "/up", 100, &buf, &len), -EXDEV);
        cr_expect_eq(fl_wasi_read_file(w, "/../outside/secret", 100, &buf, &len), -EXDEV);
        cr_expect_eq(fl_wasi_read_file(w, "/missing", 100, &buf, &len), -ENOENT);
        cr_expect_eq(fl_wasi_read_file(w, "/file", 5, &buf, &len), -EFBIG);
        cr_expect_eq(fl_wasi_read_file(w, "/file", 6, &buf, &len), 0);
        free(buf);
        /* a relative path matches no preopen but "." */
        cr_expect_eq(fl_wasi_read_file(w, "file", 100, &buf, &len), -ENOENT);
        fl_wasi_free(w);
    }
}

/* ---- blocking transfers stop on the interrupt flag (F06a, F06b, F04) ---- */

/* The guest: tests/unit/wat/wasi_block.wat (built by the Makefile). */
#include "wasi_block.wasm.h"

/* How soon after the flag goes up a blocked call must have ended. */
#define STOP_WITHIN_NS (50 * 1000000ull)

/* An instance of wasi_block_wasm with stdin and stdout on pipes of their own. */
typedef struct blocker {
    fl_module *m;
    fl_store *s;
    fl_exec *ex;
    fl_linker *l;
    fl_wasi *w;
    fl_instance *inst;
    int in[2], out[2];
} blocker;

static void blocker_start(blocker *b, bool fallback) {
    fl_error err;
    char msg[128];
    memset(b, 0, sizeof *b);
    cr_assert_eq(pipe(b->in), 0);
    cr_assert_eq(pipe(b->out), 0);
    fl_wasi_config c;
    fl_wasi_config_init(&c);
    c.stdio[0] = b->in[0];
    c.stdio[1] = b->out[1];
    b->w = fl_wasi_new(&c, msg, sizeof msg);
    cr_assert_not_null(b->w, "%s", msg);
    /* the path of terminals and old kernels: wait, then move what cannot block */
    b->w->fds[0].no_nowait = fallback;
    b->w->fds[1].no_nowait = fallback;
    b->m = fl_module_load(wasi_block_wasm, sizeof wasi_block_wasm, &err);
    cr_assert_not_null(b->m, "%s", err.message);
    b->s = fl_store_new(NULL);
    b->ex = fl_exec_new(0);
    b->l = fl_linker_new(b->s);
    cr_assert_eq(fl_wasi_define(b->w, b->l), 0);
    cr_assert_eq(fl_instantiate(b->s, b->m, b->l, b->ex, &b->inst, &err), FL_INST_OK, "%s",
                 err.message);
}

static void blocker_stop(blocker *b) {
    fl_linker_free(b->l);
    fl_store_free(b->s);
    fl_exec_free(b->ex);
    fl_wasi_free(b->w);
    fl_module_free(b->m);
    for (int i = 0; i < 2; i++) {
        close(b->in[i]);
        close(b->out[i]);
    }
}

static fl_trap blocker_call(blocker *b, const char *name, fl_value arg, uint32_t *result) {
    fl_funcinst *f = fl_instance_func(b->inst, name);
    cr_assert_not_null(f, "%s", name);
    fl_value v[1] = {arg};
    fl_trap t = fl_invoke(b->ex, f, v, f->type->nparams, v, f->type->nresults);
    *result = v[0].i32;
    return t;
}

/* Fills the pipe whose write end is `fd` (the file description is made
 * non-blocking only meanwhile). */
static void fill_pipe(int fd) {
    static char junk[65536];
    int fl = fcntl(fd, F_GETFL);
    cr_assert_eq(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
    while (write(fd, junk, sizeof junk) > 0)
        ;
    cr_assert_eq(errno, EAGAIN);
    cr_assert_eq(fcntl(fd, F_SETFL, fl), 0);
}

/* Another thread: after `delay_ms`, raises the flag, writes to a pipe or
 * reads from one. */
typedef struct later {
    pthread_t t;
    int delay_ms;
    fl_exec *raise; /* raise its interrupt flag */
    int feed;       /* or write "hello" to this fd */
    int drain;      /* or read 64 KiB from this fd */
    size_t drain_all; /* ... or, when set, read until this many bytes came */
    uint64_t at_ns; /* when it acted */
} later;

static void *later_main(void *p) {
    later *l = p;
    usleep((useconds_t)l->delay_ms * 1000);
    l->at_ns = fl_monotonic_ns();
    if (l->raise)
        l->raise->interrupt = 1;
    if (l->feed >= 0)
        cr_assert_eq(write(l->feed, "hello", 5), 5);
    if (l->drain >= 0) {
        static char buf[65536];
        size_t got = 0;
        do {
            ssize_t n = read(l->drain, buf, sizeof buf);
            cr_assert_gt(n, 0);
            got += (size_t)n;
        } while (got < l->drain_all);
    }
    return NULL;
}

static void later_start(later *l, int delay_ms, fl_exec *raise, int feed, int drain,
                        size_t drain_all) {
    *l = (later){.delay_ms = delay_ms, .raise = raise, .feed = feed, .drain = drain,
                 .drain_all = drain_all};
    cr_assert_eq(pthread_create(&l->t, NULL, later_main, l), 0);
}

/* Runs export `name` while another thread raises the flag after 100 ms:
 * it must end with FL_TRAP_INTERRUPTED within STOP_WITHIN_NS of that. */
static void expect_interrupted(bool fallback, const char *name, fl_value arg, bool full_stdout) {
    blocker b;
    later l;
    uint32_t r;
    blocker_start(&b, fallback);
    if (full_stdout)
        fill_pipe(b.out[1]);
    later_start(&l, 100, b.ex, -1, -1, 0);
    fl_trap t = blocker_call(&b, name, arg, &r);
    uint64_t end = fl_monotonic_ns();
    pthread_join(l.t, NULL);
    cr_expect_eq(t, FL_TRAP_INTERRUPTED, "%s (fallback %d): trap %d, result %u", name, fallback,
                 t, r);
    cr_expect_lt(end - l.at_ns, STOP_WITHIN_NS, "%s (fallback %d): ended %llu ms after the flag",
                 name, fallback, (unsigned long long)((end - l.at_ns) / 1000000));
    blocker_stop(&b);
}

Test(wasi_blocking, read_of_an_empty_pipe_stops_on_interrupt, .timeout = 10) {
    for (int fallback = 0; fallback < 2; fallback++)
        expect_interrupted(fallback, "read0", (fl_value){0}, false);
}

Test(wasi_blocking, write_to_a_full_pipe_stops_on_interrupt, .timeout = 10) {
    for (int fallback = 0; fallback < 2; fallback++) {
        expect_interrupted(fallback, "write1", (fl_value){.i32 = 3}, true);
        /* F06b: one write of 1 MiB, most of which never fits */
        expect_interrupted(fallback, "write1", (fl_value){.i32 = 60000}, true);
    }
}

Test(wasi_blocking, sleep_stops_on_interrupt, .timeout = 10) {
    expect_interrupted(false, "sleep", (fl_value){.i64 = 20000000000ull}, false);
}

Test(wasi_blocking, a_waiting_read_gets_what_comes, .timeout = 10) {
    for (int fallback = 0; fallback < 2; fallback++) {
        blocker b;
        later l;
        uint32_t r;
        blocker_start(&b, fallback);
        later_start(&l, 100, NULL, b.in[1], -1, 0);
        cr_expect_eq(blocker_call(&b, "read0", (fl_value){0}, &r), FL_TRAP_NONE);
        pthread_join(l.t, NULL);
        cr_expect_eq(r, 0);
        cr_expect_eq(blocker_call(&b, "count", (fl_value){0}, &r), FL_TRAP_NONE);
        cr_expect_eq(r, 5);
        cr_expect_arr_eq(b.inst->memories[0]->base + 64, "hello", 5);
        /* the end of the input: 0 bytes, at once */
        close(b.in[1]);
        b.in[1] = -1;
        cr_expect_eq(blocker_call(&b, "read0", (fl_value){0}, &r), FL_TRAP_NONE);
        cr_expect_eq(blocker_call(&b, "count", (fl_value){0}, &r), FL_TRAP_NONE);
        cr_expect_eq(r, 0);
        blocker_stop(&b);
    }
}

Test(wasi_blocking, a_waiting_write_goes_on_when_room_comes, .timeout = 10) {
    for (int fallback = 0; fallback < 2; fallback++) {
        blocker b;
        later l;
        uint32_t r;
        blocker_start(&b, fallback);
        fill_pipe(b.out[1]);
        later_start(&l, 100, NULL, -1, b.out[0], 0);
        cr_expect_eq(blocker_call(&b, "write1", (fl_value){.i32 = 60000}, &r), FL_TRAP_NONE);
        pthread_join(l.t, NULL);
        cr_expect_eq(r, 0);
        cr_expect_eq(blocker_call(&b, "count", (fl_value){0}, &r), FL_TRAP_NONE);
        /* a part, never more than there was room for */
        cr_expect(r > 0 && r <= 60000, "wrote %u", r);
        blocker_stop(&b);
    }
}

/* One write() on a blocking fd writes it all, as a blocking write does:
 * it waits (in slices) for the reader as often as it takes, and only the
 * interrupt flag ends it early (F06b's single 1 MiB write). */
Test(wasi_blocking, a_waiting_write_writes_everything, .timeout = 10) {
    for (int fallback = 0; fallback < 2; fallback++) {
        blocker b;
        later l;
        uint32_t r;
        blocker_start(&b, fallback);
        fill_pipe(b.out[1]);
        size_t pipe_bytes = 0;
        cr_assert_eq(ioctl(b.out[0], FIONREAD, &pipe_bytes), 0);
        later_start(&l, 50, NULL, -1, b.out[0], pipe_bytes + 120000);
        cr_expect_eq(blocker_call(&b, "write1", (fl_value){.i32 = 120000}, &r), FL_TRAP_NONE);
        cr_expect_eq(r, 0);
        cr_expect_eq(blocker_call(&b, "count", (fl_value){0}, &r), FL_TRAP_NONE);
        cr_expect_eq(r, 120000, "fallback %d: wrote %u of 120000", fallback, r);
        pthread_join(l.t, NULL);
        blocker_stop(&b);
    }
}

/* The host's stdio file description keeps its flags: it is shared. */
Test(wasi_blocking, stdio_stays_blocking) {
    blocker b;
    blocker_start(&b, false);
    cr_expect_eq(fcntl(b.in[0], F_GETFL) & O_NONBLOCK, 0);
    cr_expect_eq(fcntl(b.out[1], F_GETFL) & O_NONBLOCK, 0);
    blocker_stop(&b);
}

/* ---- host calls made directly: the fd budget and the disk quota ---- */

/* The handler of WASI file call `name`, called as `g`'s guest would. */
static uint32_t fs_call(guest *g, const char *name, fl_value *args) {
    for (size_t i = 0; i < fl__wasi_fs_ndefs; i++) {
        if (strcmp(fl__wasi_fs_defs[i].name, name))
            continue;
        fl_host_call c = {.exec = g->ex, .caller = g->inst, .data = g->w};
        cr_assert_eq(fl__wasi_fs_defs[i].handler(&c, args), FL_TRAP_NONE, "%s trapped", name);
        return args[0].i32;
    }
    cr_assert_fail("no WASI call %s", name);
    return 0;
}

static uint8_t *gmem(guest *g, uint32_t at) {
    return g->inst->memories[0]->base + at;
}

/* Guest memory of the unit module (one page) used below. */
#define AT_PATH 1024u  /* a path */
#define AT_PATH2 1536u /* another path */
#define AT_IOV 2048u
#define AT_RES 3000u
#define AT_DATA 8192u /* 32 KiB of data */

static uint32_t put_path(guest *g, uint32_t at, const char *p) {
    memcpy(gmem(g, at), p, strlen(p));
    return (uint32_t)strlen(p);
}

/* path_open of `path` beneath `dir` with every right: errno; *fd. */
static uint32_t g_open(guest *g, uint32_t dir, const char *path, uint32_t oflags, uint32_t *fd) {
    uint32_t n = put_path(g, AT_PATH, path);
    fl_value a[9] = {{.i32 = dir}, {.i32 = 0}, {.i32 = AT_PATH}, {.i32 = n}, {.i32 = oflags},
                     {.i64 = W_R_ALL & ~(uint64_t)(W_R_FD_READDIR)}, {.i64 = 0}, {.i32 = 0},
                     {.i32 = AT_RES}};
    uint32_t e = fs_call(g, "path_open", a);
    *fd = e ? UINT32_MAX : *(uint32_t *)gmem(g, AT_RES);
    return e;
}

static uint32_t g_close(guest *g, uint32_t fd) {
    fl_value a[1] = {{.i32 = fd}};
    return fs_call(g, "fd_close", a);
}

/* fd_pwrite (at >= 0) or fd_write of `len` bytes: errno. */
static uint32_t g_write(guest *g, uint32_t fd, uint32_t len, int64_t at) {
    fl__st32(gmem(g, AT_IOV), AT_DATA);
    fl__st32(gmem(g, AT_IOV + 4), len);
    memset(gmem(g, AT_DATA), 'x', len);
    if (at >= 0) {
        fl_value a[5] = {{.i32 = fd}, {.i32 = AT_IOV}, {.i32 = 1}, {.i64 = (uint64_t)at},
                         {.i32 = AT_RES}};
        return fs_call(g, "fd_pwrite", a);
    }
    fl_value a[4] = {{.i32 = fd}, {.i32 = AT_IOV}, {.i32 = 1}, {.i32 = AT_RES}};
    return fs_call(g, "fd_write", a);
}

static uint32_t g_path2(guest *g, const char *call, uint32_t fd, const char *path) {
    uint32_t n = put_path(g, AT_PATH, path);
    fl_value a[3] = {{.i32 = fd}, {.i32 = AT_PATH}, {.i32 = n}};
    return fs_call(g, call, a);
}

/* The size of host file sb/`name`. */
static long long host_size(const char *name) {
    char p[PATH_MAX + 64];
    struct stat st;
    snprintf(p, sizeof p, "%s/sb/%s", scratch, name);
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

/* A guest (the unit module) with sb/ at fd 3 (disk_quota as asked) and,
 * when `second`, outside/ at fd 4 without a quota, all charged to `b`. */
static void guest_budget(guest *g, fl_budget *b, bool quota, bool second) {
    fl_error err;
    char msg[128], sb[PATH_MAX + 8], dir[PATH_MAX + 16];
    snprintf(sb, sizeof sb, "%s/sb", scratch);
    snprintf(dir, sizeof dir, "%s/outside", scratch);
    memset(g, 0, sizeof *g);
    cr_assert_eq(pipe(g->pipe), 0);
    fl_wasi_preopen p[2] = {{.host_path = sb, .guest_path = "/sb", .disk_quota = quota},
                            {.host_path = dir, .guest_path = "/other"}};
    fl_wasi_config c;
    fl_wasi_config_init(&c);
    c.stdio[1] = g->pipe[1];
    c.preopens = p;
    c.npreopens = second ? 2 : 1;
    c.budget = b;
    g->w = fl_wasi_new(&c, msg, sizeof msg);
    cr_assert_not_null(g->w, "%s", msg);
    g->m = fl_module_load(wasi_unit_wasm, unit_wasm_len, &err);
    g->s = fl_store_new(NULL);
    g->ex = fl_exec_new(0);
    g->l = fl_linker_new(g->s);
    cr_assert_eq(fl_wasi_define(g->w, g->l), 0);
    cr_assert_eq(fl_instantiate(g->s, g->m, g->l, g->ex, &g->inst, &err), FL_INST_OK);
}

Test(wasi_fds, every_host_fd_is_charged_to_the_tree, .init = make_tree, .fini = remove_tree) {
    fl_budget *b = fl_budget_new(&(fl_budget_limits){.fds = 12});
    guest g, g2;
    uint32_t fd, fds[16];
    guest_budget(&g, b, false, false);
    /* stdio (3) and the preopen */
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_FDS), 4);
    int n = 0;
    while (n < 16 && g_open(&g, 3, "file", 0, &fds[n]) == 0)
        n++;
    cr_expect_eq(n, 8, "opened %d", n);
    cr_expect_eq(g_open(&g, 3, "file", 0, &fd), W_EMFILE);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_FDS), 12);
    cr_expect(fl_budget_refused(b, FL_BUDGET_FDS));
    /* closing gives one back */
    cr_expect_eq(g_close(&g, fds[0]), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_FDS), 11);
    cr_expect_eq(g_open(&g, 3, "file", 0, &fds[0]), 0);
    /* renumbering onto an open fd closes that one */
    fl_value a[2] = {{.i32 = fds[1]}, {.i32 = fds[2]}};
    cr_expect_eq(fs_call(&g, "fd_renumber", a), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_FDS), 11);
    /* another call of the tree shares the limit: its stdio and preopen do not fit */
    char msg[128], sb[PATH_MAX + 8];
    snprintf(sb, sizeof sb, "%s/sb", scratch);
    fl_wasi_preopen p = {.host_path = sb, .guest_path = "/sb"};
    fl_wasi_config c;
    fl_wasi_config_init(&c);
    c.preopens = &p;
    c.npreopens = 1;
    c.budget = b;
    cr_expect_null(fl_wasi_new(&c, msg, sizeof msg));
    cr_expect(strstr(msg, "file descriptors") != NULL, "%s", msg);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_FDS), 11);
    /* the end of a call gives all of its fds back */
    guest_stop(&g);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_FDS), 0);
    guest_budget(&g2, b, false, false);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_FDS), 4);
    guest_stop(&g2);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_FDS), 0);
    fl_budget_unref(b);
}

#define NAME FL__WASI_NAME_COST

Test(wasi_quota, growth_is_charged_and_refused_past_the_limit, .init = make_tree,
     .fini = remove_tree) {
    fl_budget *b = fl_budget_new(&(fl_budget_limits){.disk_bytes = 1 << 20});
    guest g;
    uint32_t fd;
    guest_budget(&g, b, true, false);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), 0);
    cr_assert_eq(g_open(&g, 3, "new", W_O_CREAT, &fd), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), NAME);
    cr_expect_eq(g_write(&g, fd, 1000, -1), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), NAME + 1000);
    /* rewriting what is there costs nothing; past the end, what is past */
    cr_expect_eq(g_write(&g, fd, 1000, 0), 0);
    cr_expect_eq(g_write(&g, fd, 10, 10000), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), NAME + 10010);
    /* too much: refused, nothing written */
    cr_expect_eq(g_write(&g, fd, 100, 2 << 20), 51);
    fl_value al[3] = {{.i32 = fd}, {.i64 = 0}, {.i64 = 2 << 20}};
    cr_expect_eq(fs_call(&g, "fd_allocate", al), 51);
    fl_value big[2] = {{.i32 = fd}, {.i64 = 2 << 20}};
    cr_expect_eq(fs_call(&g, "fd_filestat_set_size", big), 51);
    cr_expect_eq(host_size("new"), 10010);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), NAME + 10010);
    cr_expect(fl_budget_refused(b, FL_BUDGET_DISK));
    /* a sparse file counts whole: its size, not its blocks */
    fl_value sparse[2] = {{.i32 = fd}, {.i64 = 900 << 10}};
    cr_expect_eq(fs_call(&g, "fd_filestat_set_size", sparse), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), NAME + (900 << 10));
    fl_value alloc[3] = {{.i32 = fd}, {.i64 = 0}, {.i64 = 1000 << 10}};
    cr_expect_eq(fs_call(&g, "fd_allocate", alloc), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), NAME + (1000 << 10));
    /* shrinking gives back */
    fl_value small[2] = {{.i32 = fd}, {.i64 = 100}};
    cr_expect_eq(fs_call(&g, "fd_filestat_set_size", small), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), NAME + 100);
    /* so does truncating at open */
    uint32_t fd2;
    cr_expect_eq(g_open(&g, 3, "new", W_O_TRUNC, &fd2), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), NAME);
    cr_expect_eq(g_write(&g, fd2, 50, -1), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), NAME + 50);
    /* opening what exists costs nothing */
    uint32_t fd3;
    cr_expect_eq(g_open(&g, 3, "new", W_O_CREAT, &fd3), 0);
    cr_expect_eq(g_open(&g, 3, "file", W_O_CREAT, &fd3), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), NAME + 50);
    /* the end of the call gives it all back (its /tmp is removed) */
    guest_stop(&g);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), 0);
    fl_budget_unref(b);
}

Test(wasi_quota, names_cost_and_removal_gives_back, .init = make_tree, .fini = remove_tree) {
    fl_budget *b = fl_budget_new(&(fl_budget_limits){.disk_bytes = 1 << 20});
    guest g;
    uint32_t fd;
    guest_budget(&g, b, true, false);
    cr_expect_eq(g_path2(&g, "path_create_directory", 3, "d"), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), NAME);
    uint32_t n = put_path(&g, AT_PATH2, "d");
    uint32_t m = put_path(&g, AT_PATH, "lnk");
    fl_value sl[5] = {{.i32 = AT_PATH2}, {.i32 = n}, {.i32 = 3}, {.i32 = AT_PATH}, {.i32 = m}};
    cr_expect_eq(fs_call(&g, "path_symlink", sl), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), 2 * NAME);
    cr_expect_eq(g_path2(&g, "path_unlink_file", 3, "lnk"), 0);
    cr_expect_eq(g_path2(&g, "path_remove_directory", 3, "d"), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), 0);
    /* a failed creation costs nothing */
    cr_expect_eq(g_path2(&g, "path_create_directory", 3, "dir"), W_EEXIST);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), 0);

    /* a file's bytes come back with its last link, or its last fd after that */
    cr_assert_eq(g_open(&g, 3, "f", W_O_CREAT, &fd), 0);
    cr_expect_eq(g_write(&g, fd, 3000, -1), 0);
    n = put_path(&g, AT_PATH2, "f");
    m = put_path(&g, AT_PATH, "g");
    fl_value ln[7] = {{.i32 = 3}, {.i32 = 0}, {.i32 = AT_PATH2}, {.i32 = n},
                      {.i32 = 3}, {.i32 = AT_PATH}, {.i32 = m}};
    cr_expect_eq(fs_call(&g, "path_link", ln), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), 2 * NAME + 3000);
    cr_expect_eq(g_path2(&g, "path_unlink_file", 3, "f"), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), NAME + 3000);
    cr_expect_eq(g_path2(&g, "path_unlink_file", 3, "g"), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), 3000); /* still open */
    cr_expect_eq(g_write(&g, fd, 1000, -1), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), 4000);
    cr_expect_eq(g_close(&g, fd), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), 0);

    /* a rename over a file gives the replaced one back */
    uint32_t fa, fb;
    cr_assert_eq(g_open(&g, 3, "a", W_O_CREAT, &fa), 0);
    cr_assert_eq(g_open(&g, 3, "b", W_O_CREAT, &fb), 0);
    cr_expect_eq(g_write(&g, fa, 100, -1), 0);
    cr_expect_eq(g_write(&g, fb, 200, -1), 0);
    g_close(&g, fa);
    g_close(&g, fb);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), 2 * NAME + 300);
    n = put_path(&g, AT_PATH2, "a");
    m = put_path(&g, AT_PATH, "b");
    fl_value rn[6] = {{.i32 = 3}, {.i32 = AT_PATH2}, {.i32 = n},
                      {.i32 = 3}, {.i32 = AT_PATH}, {.i32 = m}};
    cr_expect_eq(fs_call(&g, "path_rename", rn), 0);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), NAME + 100);
    guest_stop(&g);
    cr_expect_eq(fl_budget_used(b, FL_BUDGET_DISK), 0);
    fl_budget_unref(b);
}

/* F12a: posix_fallocate of 512 MiB in /tmp under the default 256 MiB. */
Test(wasi_quota, default_quota_refuses_512_mib, .init = make_tree, .fini = remove_tree) {
    fl_budget *b = fl_budget_new(NULL);
    guest g;
    uint32_t fd;
    guest_budget(&g, b, true, false);
    cr_assert_eq(g_open(&g, 3, "fill", W_O_CREAT, &fd), 0);
    fl_value al[3] = {{.i32 = fd}, {.i64 = 0}, {.i64 = 512ull << 20}};
    cr_expect_eq(fs_call(&g, "fd_allocate", al), 51);
    char p[PATH_MAX + 16];
    struct stat st;
    snprintf(p, sizeof p, "%s/sb/fill", scratch);
    cr_assert_eq(stat(p, &st), 0);
    cr_expect_eq(st.st_size, 0);
    cr_expect_eq(st.st_blocks, 0);
    guest_stop(&g);
    fl_budget_unref(b);
}

/* Renames and links across the edge of a quota'd preopen: EXDEV both ways. */
Test(wasi_quota, nothing_crosses_into_or_out_of_a_quota, .init = make_tree, .fini = remove_tree) {
    fl_budget *b = fl_budget_new(&(fl_budget_limits){.disk_bytes = 1 << 20});
    guest g;
    uint32_t fd;
    guest_budget(&g, b, true, true);
    cr_assert_eq(g_open(&g, 3, "mine", W_O_CREAT, &fd), 0);
    uint32_t n = put_path(&g, AT_PATH2, "mine");
    uint32_t m = put_path(&g, AT_PATH, "secret");
    /* /other/secret -> /sb: a hard link or a rename in */
    fl_value in_link[7] = {{.i32 = 4}, {.i32 = 0}, {.i32 = AT_PATH}, {.i32 = m},
                           {.i32 = 3}, {.i32 = AT_PATH2}, {.i32 = n}};
    cr_expect_eq(fs_call(&g, "path_link", in_link), W_EXDEV);
    fl_value in_ren[6] = {{.i32 = 4}, {.i32 = AT_PATH}, {.i32 = m},
                          {.i32 = 3}, {.i32 = AT_PATH2}, {.i32 = n}};
    cr_expect_eq(fs_call(&g, "path_rename", in_ren), W_EXDEV);
    /* /sb/mine -> /other: out */
    fl_value out_link[7] = {{.i32 = 3}, {.i32 = 0}, {.i32 = AT_PATH2}, {.i32 = n},
                            {.i32 = 4}, {.i32 = AT_PATH}, {.i32 = m}};
    cr_expect_eq(fs_call(&g, "path_link", out_link), W_EXDEV);
    fl_value out_ren[6] = {{.i32 = 3}, {.i32 = AT_PATH2}, {.i32 = n},
                           {.i32 = 4}, {.i32 = AT_PATH}, {.i32 = m}};
    cr_expect_eq(fs_call(&g, "path_rename", out_ren), W_EXDEV);
    cr_expect_eq(host_size("mine"), 0);
    char p[PATH_MAX + 32];
    struct stat st;
    snprintf(p, sizeof p, "%s/outside/secret", scratch);
    cr_assert_eq(stat(p, &st), 0);
    cr_expect_eq(st.st_nlink, 1);
    guest_stop(&g);
    fl_budget_unref(b);
}

/* ---- rights by type, trailing slashes, poll_oneoff's checks ---- */

Test(wasi_context, fd_get_answers_by_type, .init = make_tree, .fini = remove_tree) {
    char sb[PATH_MAX + 8], err[128];
    snprintf(sb, sizeof sb, "%s/sb", scratch);
    fl_wasi_preopen p = {.host_path = sb, .guest_path = "/sb"};
    fl_wasi_config c;
    fl_wasi_config_init(&c);
    c.preopens = &p;
    c.npreopens = 1;
    fl_wasi *w = fl_wasi_new(&c, err, sizeof err);
    cr_assert_not_null(w, "%s", err);
    uint16_t e;
    /* A preopen has a directory's base rights and passes on every right. */
    fl__wasi_fd *d = fl__wasi_fd_get(w, 3, W_R_PATH_OPEN | W_R_FD_READDIR, &e);
    cr_assert_not_null(d);
    cr_expect_eq(d->rights, W_R_DIR_BASE);
    cr_expect_eq(d->inherit, W_R_ALL);
    cr_expect_eq(d->rights & (W_R_FD_WRITE | W_R_FD_SEEK | W_R_FD_TELL | W_R_FD_READ), 0);
    /* A file's right on a directory: EBADF, as wasmtime (not ENOTCAPABLE). */
    uint64_t file_rights[] = {W_R_FD_SEEK, W_R_FD_TELL, W_R_FD_READ, W_R_FD_WRITE,
                              W_R_FD_SYNC, W_R_FD_DATASYNC, W_R_FD_FDSTAT_SET_FLAGS,
                              W_R_FD_FILESTAT_SET_SIZE, W_R_POLL_FD_READWRITE, W_R_SOCK_SHUTDOWN};
    for (size_t i = 0; i < sizeof file_rights / sizeof file_rights[0]; i++) {
        cr_expect_null(fl__wasi_fd_get(w, 3, file_rights[i], &e));
        cr_expect_eq(e, W_EBADF, "right %#llx: %u", (unsigned long long)file_rights[i], e);
    }
    /* A directory's right on stdio (a file, a pipe, a terminal): ENOTDIR. */
    cr_expect_null(fl__wasi_fd_get(w, 1, W_R_PATH_OPEN, &e));
    cr_expect_eq(e, W_ENOTDIR);
    cr_expect_null(fl__wasi_fd_get(w, 1, W_R_FD_READDIR, &e));
    cr_expect_eq(e, W_ENOTDIR);
    /* A right of the right kind that the fd lacks: ENOTCAPABLE. */
    cr_expect_null(fl__wasi_fd_get(w, 1, W_R_FD_SEEK, &e));
    cr_expect_eq(e, W_ENOTCAPABLE);
    d->rights &= ~W_R_PATH_OPEN;
    cr_expect_null(fl__wasi_fd_get(w, 3, W_R_PATH_OPEN, &e));
    cr_expect_eq(e, W_ENOTCAPABLE);
    /* Both kinds have stat and times. */
    cr_expect_not_null(fl__wasi_fd_get(w, 3, W_R_ANY_TYPE, &e));
    fl_wasi_free(w);
}

Test(wasi_sandbox, creating_a_name_with_a_slash_is_eisdir, .init = make_tree,
     .fini = remove_tree) {
    int root = open_root();
    const char *paths[] = {"new/", "file/", "dir/", "dir/new//", "dir/."};
    for (int walk = 0; walk < 2; walk++) {
        for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
            int fd = -1;
            int rc = fl__sandbox_open(root, paths[i], strlen(paths[i]), O_RDWR | O_CREAT, 0644,
                                      true, walk, &fd);
            cr_expect_eq(rc, -EISDIR, "%s (%s): %d", paths[i], walk ? "walk" : "openat2", rc);
            if (rc == 0)
                close(fd);
        }
        /* the directories before the slash still resolve first */
        int fd = -1;
        cr_expect_eq(fl__sandbox_open(root, "../x/", 5, O_RDWR | O_CREAT, 0644, true, walk, &fd),
                     -EXDEV);
        cr_expect_eq(fl__sandbox_open(root, "file/x/", 7, O_RDWR | O_CREAT, 0644, true, walk, &fd),
                     -ENOTDIR);
        cr_expect_eq(fl__sandbox_open(root, "up/", 3, O_RDWR | O_CREAT, 0644, true, walk, &fd),
                     -EISDIR); /* the slash is seen before the escaping link */
    }
    struct stat st;
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/sb/new", scratch);
    cr_expect_neq(lstat(p, &st), 0, "sb/new was made");
    snprintf(p, sizeof p, "%s/sb/dir/new", scratch);
    cr_expect_neq(lstat(p, &st), 0, "sb/dir/new was made");
    close(root);
}

/* The WASI call `name` of `g`'s context (any of them), called as its guest would. */
static uint32_t any_call(guest *g, const char *name, fl_value *args, fl_trap *trap) {
    for (size_t i = 0; i < g->w->ndefs; i++) {
        if (strcmp(g->w->defs[i].name, name))
            continue;
        fl_host_call c = {.exec = g->ex, .caller = g->inst, .data = g->w};
        *trap = g->w->defs[i].handler(&c, args);
        return args[0].i32;
    }
    cr_assert_fail("no WASI call %s", name);
    return 0;
}

/* poll_oneoff(in, out, n, pnev): errno, the call's trap checked to be none. */
static uint32_t g_poll(guest *g, uint32_t in, uint32_t out, uint32_t n, uint32_t pnev) {
    fl_value a[4] = {{.i32 = in}, {.i32 = out}, {.i32 = n}, {.i32 = pnev}};
    fl_trap t;
    uint32_t e = any_call(g, "poll_oneoff", a, &t);
    cr_assert_eq(t, FL_TRAP_NONE);
    return e;
}

/* Subscription i at `in`: (userdata, tag, fd or clock id, timeout). */
static void put_sub(guest *g, uint32_t in, uint32_t i, uint64_t ud, uint8_t tag, uint32_t x,
                    uint64_t timeout) {
    uint8_t *s = gmem(g, in + 48 * i);
    memset(s, 0, 48);
    fl__st64(s, ud);
    s[8] = tag;
    fl__st32(s + 16, x);
    fl__st64(s + 24, timeout);
}

Test(wasi_guest, poll_oneoff_checks_every_pointer_and_count, .init = make_tree,
     .fini = remove_tree) {
    guest g;
    guest_start(&g, false);
    uint32_t end = (uint32_t)g.inst->memories[0]->size; /* one page */
    const uint32_t IN = 4096, OUT = 8192, NEV = 12288;
    put_sub(&g, IN, 0, 1, 0, 1, 0); /* a monotonic clock, due now */
    cr_expect_eq(g_poll(&g, IN, OUT, 0, NEV), W_EINVAL);
    /* Huge counts and arrays past the end: EFAULT before anything is read,
     * allocated or written. */
    fl__st32(gmem(&g, NEV), 77);
    cr_expect_eq(g_poll(&g, 0, 0, UINT32_MAX, NEV), W_EFAULT);
    cr_expect_eq(g_poll(&g, IN, OUT, (end - IN) / 48 + 1, NEV), W_EFAULT);
    cr_expect_eq(g_poll(&g, end - 47, OUT, 1, NEV), W_EFAULT);
    cr_expect_eq(g_poll(&g, IN, end - 31, 1, NEV), W_EFAULT);
    cr_expect_eq(g_poll(&g, IN, OUT, 1, end - 3), W_EFAULT);
    cr_expect_eq(g_poll(&g, IN, OUT, 1, UINT32_MAX), W_EFAULT);
    cr_expect_eq(fl__ld32(gmem(&g, NEV)), 77);

    /* An unknown type or clock id: EINVAL, nothing written. */
    put_sub(&g, IN, 1, 2, 3, 1, 0);
    memset(gmem(&g, OUT), 0xaa, 64);
    cr_expect_eq(g_poll(&g, IN, OUT, 2, NEV), W_EINVAL);
    put_sub(&g, IN, 1, 2, 0, 4, 0);
    cr_expect_eq(g_poll(&g, IN, OUT, 2, NEV), W_EINVAL);
    cr_expect_eq(fl__ld32(gmem(&g, NEV)), 77);
    cr_expect_eq(*gmem(&g, OUT), 0xaa);
    cr_expect_eq(*gmem(&g, OUT + 63), 0xaa);

    /* A closed fd and a directory: events with EBADF and their userdata,
     * alongside the clock that is due. */
    put_sub(&g, IN, 1, 0x1111, 1, 999, 0);
    put_sub(&g, IN, 2, 0x2222, 2, 3, 0);
    cr_expect_eq(g_poll(&g, IN, OUT, 3, NEV), 0);
    cr_expect_eq(fl__ld32(gmem(&g, NEV)), 3);
    int seen = 0;
    for (int i = 0; i < 3; i++) {
        const uint8_t *ev = gmem(&g, OUT + 32 * i);
        uint64_t ud = fl__ld64(ev);
        uint16_t err;
        memcpy(&err, ev + 8, 2);
        if (ud == 1) {
            cr_expect_eq(err, 0);
            cr_expect_eq(ev[10], 0);
            seen |= 1;
        } else {
            cr_expect_eq(err, W_EBADF);
            cr_expect_eq(ev[10], ud == 0x1111 ? 1 : 2);
            seen |= ud == 0x1111 ? 2 : 4;
        }
    }
    cr_expect_eq(seen, 7);

    /* At most 65536 subscriptions: past that EINVAL, even with room for
     * them, so the host's copy stays under 5 MiB whatever the memory. */
    cr_assert_geq(fl_memory_grow(g.inst->memories[0], 96), 0);
    uint32_t big = 65536, in = 65536, out = in + 48 * (big + 1);
    memset(gmem(&g, in), 0, 48 * (big + 1)); /* realtime clocks, due now */
    cr_expect_eq(g_poll(&g, in, out, big + 1, NEV), W_EINVAL);
    cr_expect_eq(g_poll(&g, in, out, big, NEV), 0);
    cr_expect_eq(fl__ld32(gmem(&g, NEV)), big);
    guest_stop(&g);
}
