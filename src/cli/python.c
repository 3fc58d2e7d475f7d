/*
 * python.c: `faaslet python`.  add-package runs python/add_package.sh, which
 * does the work with apt-get, dpkg-deb and the host's python3.11; this file
 * finds the runtime root and the script and hands over.
 *
 * Python location, the same rule as `faaslet run FILE.py`: $FAASLET_PYTHON
 * (a folder holding py_func.wasm and root/), else <folder of the faaslet
 * binary>/python (build/python).
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/python.h"

enum {
    PY_OK = 0,
    PY_FAIL = 1,
    PY_USAGE = 64,
};

void fl_cli_python_usage(FILE *out) {
    fprintf(out,
            "usage: faaslet python add-package [--root DIR] [--skip-extensions] NAME...\n"
            "\n"
            "add-package installs Python packages from Debian's archive (NAME is a\n"
            "Debian package name: python3-six, python3-cytoolz ...) into the runtime\n"
            "root's lib/python3.11/site-packages: apt-get download, unpack, copy what\n"
            "the package has under /usr/lib/python3/dist-packages, precompile to .pyc\n"
            "with the host's python3.11.  A package carrying compiled extensions (.so\n"
            "files) has them built for wasm32-wasi from its Debian source package and\n"
            "linked into a new Python module (the runtime's py_func.wasm: CPython plus\n"
            "every added package's extensions), whose machine code is then generated;\n"
            "when they cannot be built (no source, Fortran, threads, C++ exceptions)\n"
            "the package is refused with the reason and nothing is installed.  Adding\n"
            "again replaces.  --skip-extensions installs a package without its .so\n"
            "files instead, for packages whose extensions only speed up a pure-Python\n"
            "fallback (python3-genshi, python3-markupsafe).  Building extensions needs\n"
            "CPython's build tree (make python): the runtime's folder, else\n"
            "$FAASLET_PYTHON_BUILD.\n"
            "\n"
            "The runtime root is --root DIR, else $FAASLET_PYTHON/root, else\n"
            "<folder of the faaslet binary>/python/root.  The script is\n"
            "$FAASLET_ADD_PACKAGE, else python/add_package.sh of the source tree the\n"
            "binary was built in (found from the binary's folder upwards).\n"
            "\n"
            "Exit status: 0 installed, 1 failure, 2 refused (nothing installed),\n"
            "64 bad usage.\n");
}

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Writes the folder of the running binary into `dir` (PATH_MAX bytes). */
static int exe_dir(char *dir) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n < 0)
        return -errno;
    exe[n] = '\0';
    snprintf(dir, PATH_MAX, "%s", dirname(exe));
    return 0;
}

/* The runtime root: --root, $FAASLET_PYTHON/root, <exe dir>/python/root. */
static int find_root(const char *opt, char *root) {
    const char *env = getenv("FAASLET_PYTHON");
    char dir[PATH_MAX];
    if (opt)
        snprintf(root, PATH_MAX, "%s", opt);
    else if (env && *env)
        snprintf(root, PATH_MAX, "%s/root", env);
    else if (exe_dir(dir) == 0)
        snprintf(root, PATH_MAX, "%s/python/root", dir);
    else
        return -1;
    return 0;
}

/* The script: $FAASLET_ADD_PACKAGE, else python/add_package.sh in the
 * binary's folder or one of its parents (build/faaslet, build-asan/faaslet
 * of a source tree). */
static int find_script(char *script) {
    const char *env = getenv("FAASLET_ADD_PACKAGE");
    if (env && *env) {
        snprintf(script, PATH_MAX, "%s", env);
        return is_file(script) ? 0 : -1;
    }
    char dir[PATH_MAX];
    if (exe_dir(dir) < 0)
        return -1;
    for (int up = 0; up < 4; up++) {
        if ((size_t)snprintf(script, PATH_MAX, "%s/python/add_package.sh", dir) < PATH_MAX &&
            is_file(script))
            return 0;
        if (!strcmp(dir, "/"))
            break;
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s", dir);
        snprintf(dir, PATH_MAX, "%s", dirname(tmp));
    }
    return -1;
}

/* `faaslet python add-package [--root DIR] NAME...`: execs the script with
 * the root and the names; never returns on success. */
static int add_package(int argc, char **argv) {
    const char *root_opt = NULL;
    bool skip_ext = false;
    int first = 1;
    while (first < argc && argv[first][0] == '-') {
        const char *a = argv[first];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fl_cli_python_usage(stdout);
            return PY_OK;
        }
        if (!strcmp(a, "--root") && first + 1 < argc) {
            root_opt = argv[first + 1];
            first += 2;
            continue;
        }
        if (!strcmp(a, "--skip-extensions")) {
            skip_ext = true;
            first++;
            continue;
        }
        if (!strcmp(a, "--")) {
            first++;
            break;
        }
        fprintf(stderr, "faaslet python add-package: unknown option \"%s\"\n", a);
        fl_cli_python_usage(stderr);
        return PY_USAGE;
    }
    if (first >= argc) {
        fprintf(stderr, "faaslet python add-package: no package name given\n");
        fl_cli_python_usage(stderr);
        return PY_USAGE;
    }
    char root[PATH_MAX], script[PATH_MAX];
    if (find_root(root_opt, root) < 0 || !is_dir(root)) {
        fprintf(stderr,
                "faaslet python add-package: no Python runtime root at %s "
                "(run 'make python', or set FAASLET_PYTHON or --root)\n",
                root_opt ? root_opt : root);
        return PY_FAIL;
    }
    if (find_script(script) < 0) {
        fprintf(stderr, "faaslet python add-package: python/add_package.sh not found "
                        "(set FAASLET_ADD_PACKAGE to its path)\n");
        return PY_FAIL;
    }
    /* sh script ROOT [--skip-extensions] NAME... NULL */
    int nnames = argc - first;
    char **args = calloc((size_t)nnames + 5, sizeof *args);
    if (!args) {
        perror("faaslet python add-package");
        return PY_FAIL;
    }
    args[0] = "sh";
    args[1] = script;
    args[2] = root;
    int n = 3;
    if (skip_ext)
        args[n++] = "--skip-extensions";
    for (int i = 0; i < nnames; i++)
        args[n++] = argv[first + i];
    /* the script generates the new module's machine code with this binary */
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len > 0) {
        self[len] = '\0';
        setenv("FAASLET_BIN", self, 1);
    }
    fflush(stdout);
    execvp("sh", args);
    fprintf(stderr, "faaslet python add-package: cannot run sh %s: %s\n", script,
            strerror(errno));
    free(args);
    return PY_FAIL;
}

int fl_cli_python(int argc, char **argv) {
    if (argc < 2) {
        fl_cli_python_usage(stderr);
        return PY_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
        fl_cli_python_usage(stdout);
        return PY_OK;
    }
    if (!strcmp(sub, "add-package"))
        return add_package(argc - 1, argv + 1);
    fprintf(stderr, "faaslet python: unknown subcommand \"%s\"\n", sub);
    fl_cli_python_usage(stderr);
    return PY_USAGE;
}
