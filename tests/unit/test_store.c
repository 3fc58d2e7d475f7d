/*
 * test_store.c: the function store (src/store): round trips, atomic
 * replacement, names that must never become paths, listing.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

static char root[PATH_MAX];
static fl_fnstore *st;

static void rm_rf(const char *path) {
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    cr_assert_eq(system(cmd), 0);
}

static void setup(void) {
    snprintf(root, sizeof root, "/tmp/fl-store-test.XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    int err = 1;
    st = fl_fnstore_open(root, &err);
    cr_assert_not_null(st);
    cr_assert_eq(err, 0);
}

static void teardown(void) {
    fl_fnstore_close(st);
    rm_rf(root);
}

/* Number of entries in folder `dir` other than . and .. */
static int count_entries(const char *dir) {
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "opendir %s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

TestSuite(store, .init = setup, .fini = teardown);

Test(store, wasm_round_trip_with_faasm_layout) {
    const uint8_t wasm[] = {0x00, 'a', 's', 'm', 1, 0, 0, 0, 0xff, 0x00};
    cr_assert_eq(fl_fnstore_put_wasm(st, "demo", "hello", wasm, sizeof wasm), 0);

    char expect[PATH_MAX + 64], path[PATH_MAX];
    snprintf(expect, sizeof expect, "%s/functions/demo/hello/function.wasm", root);
    cr_assert_eq(fl_fnstore_path(st, FL_FNSTORE_WASM, "demo", "hello", path, sizeof path), 0);
    cr_assert_str_eq(path, expect);
    struct stat sb;
    cr_assert_eq(stat(expect, &sb), 0);
    cr_assert_eq(sb.st_size, (off_t)sizeof wasm);

    uint8_t *got = NULL;
    size_t len = 0;
    cr_assert_eq(fl_fnstore_get_wasm(st, "demo", "hello", &got, &len), 0);
    cr_assert_eq(len, sizeof wasm);
    cr_assert_arr_eq(got, wasm, sizeof wasm);
    free(got);
    cr_assert(fl_fnstore_exists(st, FL_FNSTORE_WASM, "demo", "hello"));
    cr_assert_not(fl_fnstore_exists(st, FL_FNSTORE_PYTHON, "demo", "hello"));
    cr_assert_not(fl_fnstore_exists(st, FL_FNSTORE_WASM, "demo", "other"));
}

Test(store, python_goes_to_pyfuncs) {
    const char src[] = "def faasm_main():\n    return 0\n";
    cr_assert_eq(fl_fnstore_put_python(st, "python", "hello", src, strlen(src)), 0);
    char expect[PATH_MAX + 64];
    snprintf(expect, sizeof expect, "%s/pyfuncs/python/hello/function.py", root);
    struct stat sb;
    cr_assert_eq(stat(expect, &sb), 0);

    uint8_t *got;
    size_t len;
    cr_assert_eq(fl_fnstore_get(st, FL_FNSTORE_PYTHON, "python", "hello", &got, &len), 0);
    cr_assert_eq(len, strlen(src));
    cr_assert_arr_eq(got, src, len);
    free(got);
}

Test(store, empty_function_round_trips) {
    cr_assert_eq(fl_fnstore_put_wasm(st, "u", "empty", (const uint8_t *)"", 0), 0);
    uint8_t *got;
    size_t len = 99;
    cr_assert_eq(fl_fnstore_get_wasm(st, "u", "empty", &got, &len), 0);
    cr_assert_eq(len, 0);
    free(got);
}

Test(store, missing_function_is_enoent) {
    uint8_t *got = (uint8_t *)1;
    size_t len = 7;
    cr_assert_eq(fl_fnstore_get_wasm(st, "nobody", "nothing", &got, &len), -ENOENT);
    cr_assert_null(got);
    cr_assert_eq(len, 0);
    cr_assert_eq(fl_fnstore_remove(st, FL_FNSTORE_WASM, "nobody", "nothing"), -ENOENT);
}

Test(store, overwrite_is_atomic_and_leaves_no_temporary) {
    uint8_t big[100000], small[3] = {1, 2, 3};
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    cr_assert_eq(fl_fnstore_put_wasm(st, "demo", "f", big, sizeof big), 0);

    /* A reader holding the old file keeps seeing the old bytes: the new
     * version arrives by rename, never by rewriting the old inode. */
    char path[PATH_MAX];
    cr_assert_eq(fl_fnstore_path(st, FL_FNSTORE_WASM, "demo", "f", path, sizeof path), 0);
    FILE *old = fopen(path, "rb");
    cr_assert_not_null(old);
    struct stat before;
    cr_assert_eq(stat(path, &before), 0);

    cr_assert_eq(fl_fnstore_put_wasm(st, "demo", "f", small, sizeof small), 0);

    struct stat after;
    cr_assert_eq(stat(path, &after), 0);
    cr_assert_neq(before.st_ino, after.st_ino);
    static uint8_t seen[sizeof big];
    cr_assert_eq(fread(seen, 1, sizeof seen, old), sizeof big);
    cr_assert_arr_eq(seen, big, sizeof big);
    fclose(old);

    uint8_t *got;
    size_t len;
    cr_assert_eq(fl_fnstore_get_wasm(st, "demo", "f", &got, &len), 0);
    cr_assert_eq(len, sizeof small);
    cr_assert_arr_eq(got, small, sizeof small);
    free(got);

    /* Only function.wasm is left in the function's folder. */
    char dir[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/functions/demo/f", root);
    cr_assert_eq(count_entries(dir), 1);
}

/* A write that fails half way (the file size limit: EFBIG, as a full disk
 * would give ENOSPC; it holds for root too, unlike folder permissions)
 * leaves the old version whole and no temporary file behind. */
Test(store, failed_write_leaves_old_version) {
    static uint8_t v1[3000], v2[8192];
    memset(v1, 9, sizeof v1);
    memset(v2, 1, sizeof v2);
    cr_assert_eq(fl_fnstore_put_wasm(st, "demo", "ro", v1, sizeof v1), 0);

    struct rlimit old, lim;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 4096; /* v1 fits, v2 does not */
    void (*was)(int) = signal(SIGXFSZ, SIG_IGN); /* write fails instead of killing us */
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = fl_fnstore_put_wasm(st, "demo", "ro", v2, sizeof v2);
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, was);
    cr_assert_eq(rc, -EFBIG, "rc %d", rc);

    uint8_t *got;
    size_t len;
    cr_assert_eq(fl_fnstore_get_wasm(st, "demo", "ro", &got, &len), 0);
    cr_assert_eq(len, sizeof v1);
    cr_assert_arr_eq(got, v1, sizeof v1);
    free(got);
    char dir[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/functions/demo/ro", root);
    cr_assert_eq(count_entries(dir), 1, "the temporary file was removed");
}

Test(store, bad_names_are_refused_and_touch_nothing) {
    char longname[FL_FNSTORE_NAME_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    const char *bad[] = {"", "..", ".", "../x", "a/b", "/abs", "x/..", "a..b", ".hidden",
                         "a\\b", "tab\there", "nl\n", longname};
    const uint8_t b[] = {1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_not_null(fl_fnstore_check_name(bad[i], strlen(bad[i])), "accepted \"%s\"",
                           bad[i]);
        cr_assert_eq(fl_fnstore_put_wasm(st, bad[i], "f", b, 1), -EINVAL, "user \"%s\"",
                     bad[i]);
        cr_assert_eq(fl_fnstore_put_wasm(st, "u", bad[i], b, 1), -EINVAL, "func \"%s\"",
                     bad[i]);
        cr_assert_eq(fl_fnstore_put_python(st, bad[i], bad[i], "x", 1), -EINVAL);
        cr_assert_not(fl_fnstore_exists(st, FL_FNSTORE_WASM, "u", bad[i]));
        uint8_t *got;
        size_t len;
        cr_assert_eq(fl_fnstore_get_wasm(st, "u", bad[i], &got, &len), -EINVAL);
        char path[PATH_MAX];
        cr_assert_eq(fl_fnstore_path(st, FL_FNSTORE_WASM, bad[i], "f", path, sizeof path),
                     -EINVAL);
    }
    cr_assert_eq(fl_fnstore_put_wasm(st, NULL, "f", b, 1), -EINVAL);
    /* Nothing was created anywhere under the root (nor above it). */
    cr_assert_eq(count_entries(root), 0);

    /* A NUL inside a counted name (as a decoded URL may hold). */
    cr_assert_str_eq(fl_fnstore_check_name("ab\0cd", 5), "name contains a NUL byte");
    /* The messages say what is wrong. */
    cr_assert_str_eq(fl_fnstore_check_name("", 0), "name is empty");
    cr_assert_str_eq(fl_fnstore_check_name("../x", 4), "name contains \"..\"");
    cr_assert_str_eq(fl_fnstore_check_name(".x", 2), "name starts with '.'");
    cr_assert_str_eq(fl_fnstore_check_name("a/b", 3), "name contains a slash");
    cr_assert_str_eq(fl_fnstore_check_name(longname, strlen(longname)),
                     "name is longer than 128 bytes");
}

Test(store, good_names_are_accepted) {
    char maxname[FL_FNSTORE_NAME_MAX + 1];
    memset(maxname, 'z', FL_FNSTORE_NAME_MAX);
    maxname[FL_FNSTORE_NAME_MAX] = '\0';
    const char *good[] = {"demo", "py_func", "hello-world", "v1.2", "a.b.c", "x", maxname,
                          "UPPER", "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        cr_assert_null(fl_fnstore_check_name(good[i], strlen(good[i])), "refused \"%s\"",
                       good[i]);
        cr_assert_eq(fl_fnstore_put_wasm(st, good[i], good[i], (const uint8_t *)"w", 1), 0);
        cr_assert(fl_fnstore_exists(st, FL_FNSTORE_WASM, good[i], good[i]));
    }
}

Test(store, listing_is_sorted_and_per_kind) {
    const uint8_t w[] = {0};
    cr_assert_eq(fl_fnstore_put_wasm(st, "demo", "hello", w, 1), 0);
    cr_assert_eq(fl_fnstore_put_wasm(st, "demo", "echo", w, 1), 0);
    cr_assert_eq(fl_fnstore_put_wasm(st, "alice", "zeta", w, 1), 0);
    cr_assert_eq(fl_fnstore_put_python(st, "python", "hello", "x", 1), 0);
    /* Debris that is not a function: an empty function folder, a stray
     * file at user level, a temporary file. */
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/functions/demo/empty", root);
    cr_assert_eq(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/functions/stray", root);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fclose(f);
    snprintf(p, sizeof p, "%s/functions/demo/.tmp.x", root);
    cr_assert_eq(mkdir(p, 0755), 0);

    fl_fnstore_entry *e;
    size_t n;
    cr_assert_eq(fl_fnstore_list(st, FL_FNSTORE_WASM, &e, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(e[0].user, "alice");
    cr_assert_str_eq(e[0].func, "zeta");
    cr_assert_str_eq(e[1].user, "demo");
    cr_assert_str_eq(e[1].func, "echo");
    cr_assert_str_eq(e[2].user, "demo");
    cr_assert_str_eq(e[2].func, "hello");
    free(e);

    cr_assert_eq(fl_fnstore_list(st, FL_FNSTORE_PYTHON, &e, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(e[0].user, "python");
    cr_assert_str_eq(e[0].func, "hello");
    free(e);

    cr_assert_eq(fl_fnstore_remove(st, FL_FNSTORE_WASM, "demo", "echo"), 0);
    cr_assert_eq(fl_fnstore_list(st, FL_FNSTORE_WASM, &e, &n), 0);
    cr_assert_eq(n, 2);
    free(e);
}

Test(store, listing_an_empty_store) {
    fl_fnstore_entry *e = (fl_fnstore_entry *)1;
    size_t n = 5;
    cr_assert_eq(fl_fnstore_list(st, FL_FNSTORE_WASM, &e, &n), 0);
    cr_assert_eq(n, 0);
    cr_assert_null(e);
}

Test(store, shared_files) {
    const uint8_t data[] = "shared bytes";
    cr_assert_eq(fl_fnstore_put_shared(st, "/data/in/x.txt", data, sizeof data), 0);
    char expect[PATH_MAX + 64];
    snprintf(expect, sizeof expect, "%s/shared/data/in/x.txt", root);
    struct stat sb;
    cr_assert_eq(stat(expect, &sb), 0);
    uint8_t *got;
    size_t len;
    cr_assert_eq(fl_fnstore_get_shared(st, "data/in/x.txt", &got, &len), 0);
    cr_assert_eq(len, sizeof data);
    cr_assert_arr_eq(got, data, len);
    free(got);

    const char *bad[] = {"", "/", "a//b", "a/../b", "../etc/passwd", "a/./b", "a/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_not_null(fl_fnstore_check_path(bad[i], strlen(bad[i])), "accepted %s",
                           bad[i]);
        cr_assert_eq(fl_fnstore_put_shared(st, bad[i], data, 1), -EINVAL, "%s", bad[i]);
    }
}

Test(store, object_paths) {
    char p[PATH_MAX], expect[PATH_MAX + 64];
    cr_assert_eq(fl_fnstore_object_path(st, "0123abcdef", p, sizeof p), 0);
    snprintf(expect, sizeof expect, "%s/objects/0123abcdef.o", root);
    cr_assert_str_eq(p, expect);
    cr_assert_eq(fl_fnstore_object_path(st, "../../x1234567", p, sizeof p), -EINVAL);
    cr_assert_eq(fl_fnstore_object_path(st, "ABCDEF0123", p, sizeof p), -EINVAL);
    cr_assert_eq(fl_fnstore_object_path(st, "abc", p, sizeof p), -EINVAL);
}

Test(store, path_too_long_for_buffer) {
    char p[16];
    cr_assert_eq(fl_fnstore_path(st, FL_FNSTORE_WASM, "demo", "hello", p, sizeof p),
                 -ENAMETOOLONG);
}

/* The root comes from FAASLET_HOME, else ~/.local/share/faaslet.  Not in
 * the fixture suite: it changes the environment (Criterion runs each test
 * in its own process, so that stays local). */
Test(store_root, from_environment) {
    char buf[PATH_MAX];
    setenv("FAASLET_HOME", "/srv/faaslet", 1);
    cr_assert_eq(fl_fnstore_root(buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "/srv/faaslet");

    unsetenv("FAASLET_HOME");
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/home/u", 1);
    cr_assert_eq(fl_fnstore_root(buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "/home/u/.local/share/faaslet");

    setenv("FAASLET_HOME", "", 1); /* empty counts as unset */
    cr_assert_eq(fl_fnstore_root(buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "/home/u/.local/share/faaslet");

    unsetenv("HOME");
    cr_assert_eq(fl_fnstore_root(buf, sizeof buf), -ENOENT);

    setenv("FAASLET_HOME", "/tmp/fl-root/", 1);
    int err;
    fl_fnstore *s = fl_fnstore_open(NULL, &err);
    cr_assert_not_null(s);
    cr_assert_str_eq(fl_fnstore_dir(s), "/tmp/fl-root");
    fl_fnstore_close(s);
}
