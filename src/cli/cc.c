/*
 * cc.c: `faaslet cc`.  Builds the clang command line (driver, target,
 * include folders, optimisation default, Faasm's link options, the SDK
 * library), runs clang and passes its diagnostics and exit status through,
 * adding a line that names a header wasi-libc does not have.
 *
 * Include folders: -nostdlibinc, then the SDK's (faasm/...), the SDK's
 * POSIX additions (include/posix: dup, pwd.h...), libc++'s for C++,
 * clang's own, and wasi-libc's last (-idirafter, where clang puts it).
 * The host's /usr/include is never searched: a header wasi-libc lacks is
 * "file not found", not a glibc header that fails further on.
 *
 * Always (Faasm's toolchain does the same):
 *   -D_WASI_EMULATED_PROCESS_CLOCKS -D_WASI_EMULATED_MMAN
 *   -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_GETPID
 *                     clock(), mmap/munmap, signal(), getpid(): wasi-libc's
 *                     emulations, linked below.
 *   -msimd128 -mrelaxed-simd
 *                     wasm SIMD, which LLVM's vectoriser then uses for
 *                     loops (and <wasm_simd128.h> needs); relaxed SIMD runs
 *                     deterministically (madd never fused).  A later
 *                     -mno-simd128 or -mno-relaxed-simd of the user's wins.
 * When linking:
 *   --stack-first     the 4 MiB stack below the data: an overflow takes the
 *   -z stack-size=4194304   stack pointer below 0 and traps (reported as a
 *                     stack overflow) instead of overwriting static data.
 *   --max-memory=4294901760 memory may grow to 4 GiB - 64 KiB.
 *   --export-table    chain_ptr calls name a function by its index in the
 *                     indirect function table; exporting the table lets the
 *                     host (and tools) see which function that is.
 *   --growable-table  no maximum on the table, so the host may add entries
 *                     (dynamic linking later) without relinking.
 *   --export-if-defined=malloc, =free
 *                     __faasm_await_call_output hands the callee's output to
 *                     the guest in memory from the guest's own malloc, so
 *                     the guest may free() it.
 *   no wasm-opt       clang 19 runs binaryen's wasm-opt after linking when
 *                     PATH holds one: it drops the name section, and
 *                     Debian's (version 108) rejects relaxed SIMD.  clang
 *                     runs with a private folder first in PATH whose
 *                     wasm-opt is true(1) (clang 19's --no-wasm-opt skips
 *                     the link itself; clang 20 fixes it).
 *   --strip-debug     wasi-libc's archive carries DWARF that would triple a
 *                     small function's size; kept when the user passes -g.
 *                     The "name" section stays, so traps still name functions
 *                     (and the stack pointer).
 *   faaslet_init.o and libfaaslet_sdk.a (sdk/src): /tmp as the working
 *                     directory (the object, always linked); dup, dup2,
 *                     fcntl(F_DUPFD), getpwuid (the archive, when used).
 *   -lc-printscan-long-double -lwasi-emulated-{process-clocks,mman,signal,getpid}
 * The value options come before the user's arguments (a later -Wl option
 * of theirs wins), the libraries after.  -nostdlib or -nodefaultlibs drops
 * the libraries.  Memory is exported and growable (wasm-ld's defaults).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cc.h"

#define CC_DEFAULT "clang-19"
#define CXX_DEFAULT "clang++-19"
#define CC_TARGET "--target=wasm32-wasi"
/* Debian's wasi-libc and wasm libc++ (packages wasi-libc, libc++-19-dev-wasm32) */
#define WASI_INCLUDE "/usr/include/wasm32-wasi"
#define WASI_CXX_INCLUDE "/usr/include/wasm32-wasi/c++/v1"
#define SDK_LIB_NAME "libfaaslet_sdk.a"

void fl_cli_cc_usage(FILE *out) {
    fprintf(out,
            "usage: faaslet cc [CLANG ARGS...] -o FUNC.wasm FUNC.c\n"
            "\n"
            "Compiles a function written against Faasm's C API (#include <faasm/faasm.h>)\n"
            "to a wasm32-wasi module with Faasm's toolchain defaults: runs clang-19\n"
            "(clang++-19 for .cpp/.cc/.cxx) with --target=wasm32-wasi, -nostdlibinc and\n"
            "only the SDK's, libc++'s, clang's and wasi-libc's headers (never the host's),\n"
            "-O2 unless an -O option is given, -msimd128 -mrelaxed-simd (-mno-simd128\n"
            "turns SIMD off), -D_WASI_EMULATED_PROCESS_CLOCKS\n"
            "-D_WASI_EMULATED_MMAN -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_GETPID, and,\n"
            "when linking, -Wl,--stack-first -Wl,-z,stack-size=4194304\n"
            "-Wl,--max-memory=4294901760 -Wl,--export-table -Wl,--growable-table\n"
            "-Wl,--export-if-defined=malloc -Wl,--export-if-defined=free (and\n"
            "-Wl,--strip-debug unless -g is given), the SDK library (dup, dup2,\n"
            "fcntl(F_DUPFD), getpwuid, /tmp as working directory), -lc-printscan-long-double\n"
            "and -lwasi-emulated-{process-clocks,mman,signal,getpid}.  C++ gets\n"
            "-fno-exceptions unless an exceptions option is given (wasm32-wasi's libc++\n"
            "has no exception runtime).  Every other argument goes to clang; a header\n"
            "wasi-libc lacks is named with the reason.  clang runs no binaryen wasm-opt\n"
            "after linking, even when one is in PATH.\n"
            "\n"
            "Environment:\n"
            "  FAASLET_SDK         the SDK folder (holding include/faasm/) or its include\n"
            "                      folder; default: sdk/include beside the faaslet binary's\n"
            "                      folder or one of its parents (or share/faaslet/sdk/include\n"
            "                      there), else ./sdk/include\n"
            "  FAASLET_SDK_LIB     the SDK library (faaslet_init.o beside it); default:\n"
            "                      lib/" SDK_LIB_NAME " in the SDK folder, else\n"
            "                      sdk/lib/" SDK_LIB_NAME " beside the binary (make builds\n"
            "                      it there)\n"
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

/* Finds the SDK library into out: $FAASLET_SDK_LIB, else lib/ of the SDK
 * folder (the parent of its include folder `inc`), else sdk/lib/ beside
 * the binary (build/sdk/lib/, where make puts it).  0 or -1 (message
 * printed). */
static int find_sdk_lib(const char *inc, char *out, size_t size) {
    const char *env = getenv("FAASLET_SDK_LIB");
    if (env && *env) {
        if (exists(env) && (size_t)snprintf(out, size, "%s", env) < size)
            return 0;
        fprintf(stderr, "faaslet cc: FAASLET_SDK_LIB=%s: no such file\n", env);
        return -1;
    }
    if ((size_t)snprintf(out, size, "%s/../lib/" SDK_LIB_NAME, inc) < size && exists(out))
        return 0;
    char dir[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (n > 0) {
        dir[n] = '\0';
        char *slash = strrchr(dir, '/');
        if (slash) {
            *slash = '\0';
            if ((size_t)snprintf(out, size, "%s/sdk/lib/" SDK_LIB_NAME, dir) < size &&
                exists(out))
                return 0;
        }
    }
    fprintf(stderr, "faaslet cc: cannot find the SDK library " SDK_LIB_NAME
                    " (build it with make; or set FAASLET_SDK_LIB)\n");
    return -1;
}

/* Why wasi-libc has no such header, for the ones C programs commonly
 * include; NULL for others. */
static const char *missing_header_reason(const char *h) {
    static const char *const why[][2] = {
        {"pthread.h", "WASI preview1 has no threads (Debian's wasi-libc is built without wasi-threads)"},
        {"sys/wait.h", "WASI has no processes (no fork, exec or wait)"},
        {"spawn.h", "WASI has no processes (no fork, exec or wait)"},
        {"setjmp.h", "wasm has no setjmp/longjmp without the exception-handling proposal"},
        {"netdb.h", "WASI preview1 has no name resolution and cannot create sockets"},
        {"ifaddrs.h", "WASI preview1 has no network interfaces"},
        {"dlfcn.h", "faaslet has no dynamic linking"},
        {"sys/ipc.h", "WASI has no System V IPC"},
        {"sys/shm.h", "WASI has no System V IPC"},
        {"sys/sem.h", "WASI has no System V IPC"},
        {"sys/msg.h", "WASI has no System V IPC"},
        {"termios.h", "WASI has no terminals"},
        {"sys/epoll.h", "WASI has no epoll (poll_oneoff only, through poll())"},
        {"sys/sendfile.h", "WASI has no sendfile"},
        {"sys/ptrace.h", "WASI has no processes to trace"},
        {"syslog.h", "WASI has no system log"},
        {"grp.h", "WASI has no group database (the SDK's pwd.h has the one user)"},
        {"omp.h", "OpenMP is not supported by faaslet"},
        {"mpi.h", "MPI is not supported by faaslet"},
        {"sys/mount.h", "WASI cannot mount filesystems"},
    };
    for (size_t i = 0; i < sizeof why / sizeof why[0]; i++)
        if (!strcmp(h, why[i][0]))
            return why[i][1];
    return NULL;
}

/* Copies clang's stderr (fd in) to ours line by line; the first "'X' file
 * not found" it reports goes to missing[0..size). */
static void relay_stderr(int in, char *missing, size_t size) {
    FILE *f = fdopen(in, "r");
    if (!f) {
        close(in);
        return;
    }
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        fputs(line, stderr);
        const char *tail = strstr(line, "' file not found");
        const char *err = strstr(line, "fatal error: '");
        if (!missing[0] && tail && err && err < tail) {
            const char *h = err + strlen("fatal error: '");
            size_t n = (size_t)(tail - h);
            if (n < size) {
                memcpy(missing, h, n);
                missing[n] = '\0';
            }
        }
    }
    fclose(f);
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
    bool no_libs;   /* -nostdlib or -nodefaultlibs: no libraries of ours */
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
        else if (!strcmp(a, "-nostdlib") || !strcmp(a, "-nodefaultlibs"))
            s.no_libs = true;
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

/* Makes a folder (its name into dir) holding `wasm-opt`, a link to
 * true(1): first in clang's PATH, it is the wasm-opt clang runs after
 * linking, which then leaves the module as wasm-ld wrote it.  Returns 0, or
 * -1 (message printed).  Undo with remove_wasm_opt_shim. */
static int make_wasm_opt_shim(char *dir, size_t size) {
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    char link[PATH_MAX + 16];
    if ((size_t)snprintf(dir, size, "%s/faaslet-cc.XXXXXX", tmp) >= size || !mkdtemp(dir)) {
        fprintf(stderr, "faaslet cc: cannot make a folder in %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    snprintf(link, sizeof link, "%s/wasm-opt", dir);
    if (symlink("/bin/true", link) < 0) {
        fprintf(stderr, "faaslet cc: symlink %s: %s\n", link, strerror(errno));
        rmdir(dir);
        return -1;
    }
    return 0;
}

static void remove_wasm_opt_shim(const char *dir) {
    char link[PATH_MAX + 16];
    snprintf(link, sizeof link, "%s/wasm-opt", dir);
    unlink(link);
    rmdir(dir);
}

/* What `faaslet cc` puts before and after the user's arguments. */
static const char *const DEFINES[] = {
    "-D_WASI_EMULATED_PROCESS_CLOCKS",
    "-D_WASI_EMULATED_MMAN",
    "-D_WASI_EMULATED_SIGNAL",
    "-D_WASI_EMULATED_GETPID",
};
/* Before the user's arguments: clang takes the last of -m/-mno-. */
static const char *const FEATURES[] = {
    "-msimd128",
    "-mrelaxed-simd",
};
static const char *const LINK_OPTS[] = {
    "-Wl,--stack-first",
    "-Wl,-z,stack-size=4194304",
    "-Wl,--max-memory=4294901760",
    "-Wl,--export-table",
    "-Wl,--growable-table",
    "-Wl,--export-if-defined=malloc",
    "-Wl,--export-if-defined=free",
};
static const char *const LINK_LIBS[] = {
    "-lc-printscan-long-double",
    "-lwasi-emulated-process-clocks",
    "-lwasi-emulated-mman",
    "-lwasi-emulated-signal",
    "-lwasi-emulated-getpid",
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int fl_cli_cc(int argc, char **argv) {
    if (argc < 2) {
        fl_cli_cc_usage(stderr);
        return 64;
    }
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fl_cli_cc_usage(stdout);
        return 0;
    }
    char sdk[PATH_MAX], posix[PATH_MAX + 16], lib[PATH_MAX], init[PATH_MAX + 32];
    if (find_sdk(sdk, sizeof sdk) < 0)
        return 2;
    cc_scan s = scan_args(argc, argv);
    bool libs = s.links && !s.no_libs;
    if (libs && find_sdk_lib(sdk, lib, sizeof lib) < 0)
        return 2;
    if (libs) { /* the init object lies beside the library */
        snprintf(init, sizeof init, "%s", lib);
        char *slash = strrchr(init, '/');
        snprintf(slash ? slash + 1 : init, sizeof init - (size_t)(slash ? slash + 1 - init : 0),
                 "faaslet_init.o");
        if (!exists(init)) {
            fprintf(stderr, "faaslet cc: %s is missing beside the SDK library (make)\n", init);
            return 2;
        }
    }
    if (!exists(WASI_INCLUDE "/stdio.h")) {
        fprintf(stderr, "faaslet cc: wasi-libc's headers are not in " WASI_INCLUDE
                        " (install it: sh scripts/install-deps.sh)\n");
        return 2;
    }
    snprintf(posix, sizeof posix, "%s/posix", sdk);

    const char *driver = getenv(s.cxx ? "FAASLET_CLANGXX" : "FAASLET_CLANG");
    if (!driver || !*driver)
        driver = s.cxx ? CXX_DEFAULT : CC_DEFAULT;

    size_t cap = (size_t)argc + 16 + COUNT(DEFINES) + COUNT(FEATURES) + COUNT(LINK_OPTS) +
                 COUNT(LINK_LIBS);
    const char **av = calloc(cap, sizeof *av);
    char *inc = malloc(strlen(sdk) + 9), *pinc = malloc(strlen(posix) + 9);
    char shim[PATH_MAX] = "", *path = NULL;
    int rc = 1;
    if (!av || !inc || !pinc) {
        fprintf(stderr, "faaslet cc: out of memory\n");
        goto out;
    }
    if (s.links) { /* PATH=shim:$PATH for clang */
        if (make_wasm_opt_shim(shim, sizeof shim) < 0) {
            shim[0] = '\0';
            goto out;
        }
        const char *old = getenv("PATH");
        if (!old || !*old)
            old = "/usr/bin:/bin";
        path = malloc(strlen(shim) + strlen(old) + 2);
        if (!path) {
            fprintf(stderr, "faaslet cc: out of memory\n");
            goto out;
        }
        sprintf(path, "%s:%s", shim, old);
    }
    /* -isystem: the user's -I folders come first, and their warning flags
     * do not apply to the SDK's inline wrappers. */
    sprintf(inc, "-isystem%s", sdk);
    sprintf(pinc, "-isystem%s", posix);
    size_t n = 0;
    av[n++] = driver;
    av[n++] = CC_TARGET;
    av[n++] = "-nostdlibinc";
    av[n++] = inc;
    av[n++] = pinc;
    if (s.cxx)
        av[n++] = "-isystem" WASI_CXX_INCLUDE;
    av[n++] = "-idirafter" WASI_INCLUDE;
    for (size_t i = 0; i < COUNT(DEFINES); i++)
        av[n++] = DEFINES[i];
    for (size_t i = 0; i < COUNT(FEATURES); i++)
        av[n++] = FEATURES[i];
    if (!s.has_opt)
        av[n++] = "-O2";
    /* clang's stderr is a pipe to us: keep its colours for a terminal */
    if (isatty(2))
        av[n++] = "-fcolor-diagnostics";
    /* Debian's wasm32-wasi libc++ has no exception runtime (no
     * __cxa_throw): without this any std::string fails to link. */
    if (s.cxx && !s.has_exc)
        av[n++] = "-fno-exceptions";
    if (s.links)
        for (size_t i = 0; i < COUNT(LINK_OPTS); i++)
            av[n++] = LINK_OPTS[i];
    for (int i = 1; i < argc; i++)
        av[n++] = argv[i];
    if (s.links && !s.has_debug)
        av[n++] = "-Wl,--strip-debug";
    if (libs) {
        av[n++] = init;
        av[n++] = lib;
        for (size_t i = 0; i < COUNT(LINK_LIBS); i++)
            av[n++] = LINK_LIBS[i];
    }
    av[n] = NULL;

    if (verbose()) {
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "%s%s", i ? " " : "", av[i]);
        fputc('\n', stderr);
    }
    fflush(NULL);
    /* clang's stderr through a pipe, to name a missing header after it */
    int p[2], ex[2] = {-1, -1};
    if (pipe(p) < 0 || pipe2(ex, O_CLOEXEC) < 0) {
        fprintf(stderr, "faaslet cc: pipe: %s\n", strerror(errno));
        goto out;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "faaslet cc: fork: %s\n", strerror(errno));
        close(p[0]);
        close(p[1]);
        close(ex[0]);
        close(ex[1]);
        goto out;
    }
    if (pid == 0) {
        dup2(p[1], 2);
        close(p[0]);
        close(p[1]);
        close(ex[0]);
        if (path)
            setenv("PATH", path, 1);
        execvp(driver, (char *const *)av);
        int e = errno;
        if (write(ex[1], &e, sizeof e) < 0)
            _exit(127);
        _exit(127);
    }
    close(p[1]);
    close(ex[1]);
    char missing[256] = "";
    relay_stderr(p[0], missing, sizeof missing);
    int exec_errno = 0;
    bool exec_failed = read(ex[0], &exec_errno, sizeof exec_errno) == (ssize_t)sizeof exec_errno;
    close(ex[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (exec_failed) {
        fprintf(stderr, "faaslet cc: cannot run %s: %s%s\n", driver, strerror(exec_errno),
                exec_errno == ENOENT ? " (install it: sh scripts/install-deps.sh)" : "");
        rc = 127;
        goto out;
    }
    rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (rc && missing[0]) {
        const char *why = missing_header_reason(missing);
        fprintf(stderr,
                "faaslet cc: %s is not in wasi-libc nor faaslet's SDK (the host's /usr/include "
                "is never used)%s%s%s\n",
                missing,
                why ? ": " : "", why ? why : "", "");
    }
out:
    if (shim[0])
        remove_wasm_opt_shim(shim);
    free(path);
    free(inc);
    free(pinc);
    free(av);
    return rc;
}
