/*
 * cc.c: `faaslet cc`.  Builds the clang command line (driver, target, SDK
 * include folder, optimisation default, link flags), then execs clang so
 * that its exit status and diagnostics are the user's directly.
 *
 * The link flags, and why:
 *   --export-table    chain_ptr calls name a function by its index in the
 *                     indirect function table; exporting the table lets the
 *                     host (and tools) see which function that is.
 *   --growable-table  no maximum on the table, so the host may add entries
 *                     (dynamic linking later) without relinking.
 *   --export-if-defined=malloc, =free
 *                     __faasm_await_call_output hands the callee's output to
 *                     the guest in memory from the guest's own malloc, so
 *                     the guest may free() it.
 *   --strip-debug     wasi-libc's archive carries DWARF that would triple a
 *                     small function's size; kept when the user passes -g.
 *                     The "name" section stays, so traps still name functions.
 * Memory is exported and growable by default (wasm-ld's defaults).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cc.h"

#define CC_DEFAULT "clang-19"
#define CXX_DEFAULT "clang++-19"
#define CC_TARGET "--target=wasm32-wasi"

void fl_cli_cc_usage(FILE *out) {
    fprintf(out,
            "usage: faaslet cc [CLANG ARGS...] -o FUNC.wasm FUNC.c\n"
            "\n"
            "Compiles a function written against Faasm's C API (#include <faasm/faasm.h>)\n"
            "to a wasm32-wasi module: runs clang-19 (clang++-19 for .cpp/.cc/.cxx) with\n"
            "--target=wasm32-wasi, -isystem SDK/include, -O2 unless an -O option is\n"
            "given, and, when linking, -Wl,--export-table -Wl,--growable-table\n"
            "-Wl,--export-if-defined=malloc -Wl,--export-if-defined=free (and\n"
            "-Wl,--strip-debug unless -g is given); C++ gets -fno-exceptions unless an\n"
            "exceptions option is given (wasm32-wasi's libc++ has no exception runtime).\n"
            "Every other argument goes to clang.\n"
            "\n"
            "Environment:\n"
            "  FAASLET_SDK         the SDK folder (holding include/faasm/) or its include\n"
            "                      folder; default: sdk/include beside the faaslet binary's\n"
            "                      folder or one of its parents (or share/faaslet/sdk/include\n"
            "                      there), else ./sdk/include\n"
            "  FAASLET_CLANG       the C compiler (default clang-19)\n"
            "  FAASLET_CLANGXX     the C++ compiler (default clang++-19; needs Debian's\n"
            "                      libc++-19-dev-wasm32 and libc++abi-19-dev-wasm32)\n"
            "  FAASLET_CC_VERBOSE  when set, print the clang command line first\n"
            "\n"
            "Exit status: clang's; 2 SDK not found, 127 compiler not runnable.\n");
}

/* Does `path` name a regular file or folder that exists? */
static bool exists(const char *path) {
    return access(path, F_OK) == 0;
}

/* Is `dir` an include folder holding faasm/core.h? */
static bool is_sdk_include(const char *dir) {
    char p[PATH_MAX];
    if ((size_t)snprintf(p, sizeof p, "%s/faasm/core.h", dir) >= sizeof p)
        return false;
    return exists(p);
}

/* Finds the SDK's include folder into out: $FAASLET_SDK (the SDK or its
 * include folder), else sdk/include or share/faaslet/sdk/include next to
 * the binary's folder or one of its three nearest parents (build/faaslet,
 * build-asan/faaslet, /usr/local/bin/faaslet), else ./sdk/include.  Returns 0 or -1 (message
 * printed). */
static int find_sdk(char *out, size_t size) {
    const char *env = getenv("FAASLET_SDK");
    if (env && *env) {
        if ((size_t)snprintf(out, size, "%s/include", env) < size && is_sdk_include(out))
            return 0;
        if ((size_t)snprintf(out, size, "%s", env) < size && is_sdk_include(out))
            return 0;
        fprintf(stderr, "faaslet cc: FAASLET_SDK=%s holds no faasm/core.h (nor include/faasm/core.h)\n",
                env);
        return -1;
    }
    char dir[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n > 0) {
        dir[n] = '\0';
        static const char *const below[] = {"sdk/include", "share/faaslet/sdk/include"};
        for (int up = 0; up < 4; up++) {
            char *slash = strrchr(dir, '/');
            if (!slash)
                break;
            *slash = '\0';
            for (size_t i = 0; i < sizeof below / sizeof below[0]; i++)
                if ((size_t)snprintf(out, size, "%s/%s", *dir ? dir : "", below[i]) < size &&
                    is_sdk_include(out))
                    return 0;
        }
    }
    /* Last, the current folder: a build kept outside the repository, run
     * from the repository's top. */
    if ((size_t)snprintf(out, size, "sdk/include") < size && is_sdk_include(out) &&
        realpath("sdk/include", dir)) {
        snprintf(out, size, "%s", dir);
        return 0;
    }
    fprintf(stderr, "faaslet cc: cannot find the SDK (sdk/include/faasm/core.h) near the "
                    "faaslet binary; set FAASLET_SDK\n");
    return -1;
}

/* Options whose value is the next argument, so it is not taken for an input. */
static bool takes_value(const char *a) {
    static const char *const opts[] = {
        "-o",       "-I",        "-D",       "-U",          "-L",         "-x",
        "-include", "-isystem",  "-iquote",  "-idirafter",  "-imacros",   "-MF",
        "-MT",      "-MQ",       "-Xlinker", "-Xclang",     "-Xassembler", "-Xpreprocessor",
        "-target",  "--sysroot", "-isysroot", "-mllvm",     "-z",         "-u",
        "-e",       "--param",   "-arch",    "-iprefix",    "-iwithprefix",
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (!strcmp(a, opts[i]))
            return true;
    return false;
}

/* Does `name` end in a C++ source suffix? */
static bool is_cxx_source(const char *name) {
    static const char *const sfx[] = {".cpp", ".cc", ".cxx", ".c++", ".C", ".CPP", ".cp"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        size_t k = strlen(sfx[i]);
        if (n > k && !strcmp(name + n - k, sfx[i]))
            return true;
    }
    return false;
}

/* What the user's arguments ask for. */
typedef struct cc_scan {
    bool cxx;       /* a C++ source, or -x c++ */
    bool has_opt;   /* an -O option */
    bool has_debug; /* a -g option (other than -g0) */
    bool links;     /* inputs given and no -c/-S/-E/-M/-MM/-fsyntax-only */
    bool has_exc;   /* -fexceptions or -fno-exceptions given */
} cc_scan;

static cc_scan scan_args(int argc, char **argv) {
    cc_scan s = {0};
    bool inputs = false, stops = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            inputs = true;
            if (is_cxx_source(a))
                s.cxx = true;
            continue;
        }
        if (!strncmp(a, "-O", 2))
            s.has_opt = true;
        else if (!strncmp(a, "-g", 2))
            s.has_debug = strcmp(a, "-g0") != 0;
        else if (!strcmp(a, "-c") || !strcmp(a, "-S") || !strcmp(a, "-E") ||
                 !strcmp(a, "-M") || !strcmp(a, "-MM") || !strcmp(a, "-fsyntax-only"))
            stops = true;
        else if (!strcmp(a, "-fexceptions") || !strcmp(a, "-fno-exceptions") ||
                 !strcmp(a, "-fwasm-exceptions"))
            s.has_exc = true;
        else if (!strncmp(a, "-xc++", 5) || (!strcmp(a, "-x") && i + 1 < argc &&
                                             !strncmp(argv[i + 1], "c++", 3)))
            s.cxx = true;
        if (takes_value(a))
            i++;
    }
    s.links = inputs && !stops;
    return s;
}

static bool verbose(void) {
    const char *v = getenv("FAASLET_CC_VERBOSE");
    return v && *v && strcmp(v, "0") != 0;
}

int fl_cli_cc(int argc, char **argv) {
    if (argc < 2) {
        fl_cli_cc_usage(stderr);
        return 64;
    }
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fl_cli_cc_usage(stdout);
        return 0;
    }
    char sdk[PATH_MAX];
    if (find_sdk(sdk, sizeof sdk) < 0)
        return 2;
    cc_scan s = scan_args(argc, argv);

    const char *driver = getenv(s.cxx ? "FAASLET_CLANGXX" : "FAASLET_CLANG");
    if (!driver || !*driver)
        driver = s.cxx ? CXX_DEFAULT : CC_DEFAULT;

    /* driver, target, -I, -O2, -fno-exceptions, user args, 5 link flags, NULL */
    char **av = calloc((size_t)argc + 10, sizeof *av);
    char *inc = malloc(strlen(sdk) + 9);
    if (!av || !inc) {
        fprintf(stderr, "faaslet cc: out of memory\n");
        free(av);
        free(inc);
        return 1;
    }
    /* -isystem: the user's -I folders come first, and their warning flags
     * do not apply to the SDK's inline wrappers. */
    sprintf(inc, "-isystem%s", sdk);
    int n = 0;
    av[n++] = (char *)driver;
    av[n++] = CC_TARGET;
    av[n++] = inc;
    if (!s.has_opt)
        av[n++] = "-O2";
    /* Debian's wasm32-wasi libc++ has no exception runtime (no
     * __cxa_throw): without this any std::string fails to link. */
    if (s.cxx && !s.has_exc)
        av[n++] = "-fno-exceptions";
    for (int i = 1; i < argc; i++)
        av[n++] = argv[i];
    if (s.links) {
        av[n++] = "-Wl,--export-table";
        av[n++] = "-Wl,--growable-table";
        av[n++] = "-Wl,--export-if-defined=malloc";
        av[n++] = "-Wl,--export-if-defined=free";
        if (!s.has_debug)
            av[n++] = "-Wl,--strip-debug";
    }
    av[n] = NULL;

    if (verbose()) {
        for (int i = 0; i < n; i++)
            fprintf(stderr, "%s%s", i ? " " : "", av[i]);
        fputc('\n', stderr);
    }
    fflush(NULL);
    execvp(driver, av);
    fprintf(stderr, "faaslet cc: cannot run %s: %s%s\n", driver, strerror(errno),
            errno == ENOENT ? " (install it: sh scripts/install-deps.sh)" : "");
    free(inc);
    free(av);
    return 127;
}
