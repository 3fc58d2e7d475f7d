/*
 * py_main.c: main() of python/py_func, CPython for wasm32-wasi with
 * _pyfaasm built in.
 *
 * When the host names a Python user and function (__faasm_get_py_user and
 * __faasm_get_py_func return non-empty strings), this runs
 * /pyfuncs/<user>/<func>/function.py in one of two ways:
 *  - entry mode (Faasm's convention): the host names an entry, or the file
 *    names faasm_main at its top level.  The folder goes on sys.path,
 *    module `function` is imported (so __name__ is "function" and
 *    `if __name__ == "__main__":` blocks do not run, as on Faasm) and the
 *    entry is called: faasm_main() with no argument, any other entry with
 *    the call's input bytes (a chained call).  An int result is the call's
 *    return value (None is 0).  An entry the file lacks fails the call (1)
 *    with a message naming it.
 *  - script mode: no entry named and no faasm_main in the file.  The file
 *    runs as `python function.py` would: __name__ is "__main__", its folder
 *    is sys.path[0], sys.argv[0] is its path; the call returns 0.
 * In both, SystemExit ends the call with its code and no traceback (None:
 * 0, an int: itself, anything else printed and 1, as python3.11 does); any
 * other uncaught exception prints its traceback on stderr, makes it the
 * call's output and fails the call (1).
 *
 * Otherwise this is the ordinary `python` command (Py_BytesMain), so -c,
 * -m and scripts behave as with python3.11.
 *
 * The zygote (_faasm_zygote, exported; a Faasm host runs it once before
 * _start and snapshots the instance after it) does the work every call
 * shares: for a Python function it initialises CPython as a call would
 * (argv from WASI, hash seed 0, no user site, no bytecode written, `site`),
 * imports what calls need (io, pyfaasm, pyfaasm.core, traceback, atexit),
 * compiles the function's file once (the compiler's lazy set-up) and
 * freezes every object alive (gc.freeze: no call's collection walks them).
 * main() then only binds the call (sys.argv, the function's folder on
 * sys.path), runs it, runs its atexit handlers, flushes sys.stdout and
 * sys.stderr and returns without finalising Python: the host puts the
 * instance back to its snapshot after every call.  Without a zygote run
 * (`faaslet run --invoke`, an older host) main initialises and finalises
 * Python itself, per call, as before.
 *
 * wasm-ld wraps every export of a command (_start, _faasm_zygote, malloc,
 * free) in a `.command_export` function that runs the constructors before
 * it and the destructors after.  So the zygote's constructors run again at
 * _start: wasi-libc then reads the environment again into a new environ
 * array, appends the preopens it finds again to its preopen table (a lookup
 * takes the longest matching prefix, so the table always answers with this
 * call's fds) and resets clock()'s origin, all of which is what a call
 * wants; CPython has no constructors.  The destructors after the zygote
 * flush C stdio (nothing is buffered there) and run no atexit() function
 * (none is registered).
 *
 * Extension modules of added packages (python/build_extensions.sh) are
 * linked in by python/link_extensions.sh with a table of their names and
 * init functions, _faaslet_extensions; the base py_func has none (the weak
 * symbol is NULL).  They are built-in modules with dotted names, which
 * CPython's BuiltinImporter only finds at top level, so a finder for them
 * goes on sys.meta_path after start-up.
 *
 * Compiled and linked by python/build.sh through python/py_func.mk against
 * CPython's own build (objects, flags, libraries).
 */
#include <Python.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <wasi/api.h>

#include "faasm/host_interface.h"

#define NAME_MAX_LEN 256
#define DEFAULT_ENTRY "faasm_main"

extern struct _inittab _faaslet_extensions[] __attribute__((weak));

/* The extension modules' table added to CPython's built-in ones, once and
 * before Python starts; returns -1 (Python's message printed) when it
 * cannot be. */
static int
add_extensions(void)
{
    static int added;
    if (added || _faaslet_extensions == NULL)
        return 0;
    added = 1;
    if (PyImport_ExtendInittab(_faaslet_extensions) < 0) {
        static const char msg[] = "py_func: cannot add the extension modules' table\n";
        fwrite(msg, 1, sizeof msg - 1, stderr);
        return -1;
    }
    return 0;
}

/* A built-in module named pkg.mod is found by this finder (put first on
 * sys.meta_path), its package's __init__ coming from the runtime root as
 * usual; BuiltinImporter itself then creates and runs it. */
static const char DOTTED_FINDER[] =
    "import sys, _imp\n"
    "from importlib.machinery import BuiltinImporter, ModuleSpec\n"
    "class DottedBuiltinFinder:\n"
    "    @staticmethod\n"
    "    def find_spec(name, path=None, target=None):\n"
    "        if '.' in name and _imp.is_builtin(name):\n"
    "            return ModuleSpec(name, BuiltinImporter, origin='built-in')\n"
    "        return None\n"
    "sys.meta_path.insert(0, DottedBuiltinFinder)\n"
    "del DottedBuiltinFinder\n";

/* Puts the finder in place when there are extension modules. */
static int
add_dotted_finder(void)
{
    if (_faaslet_extensions == NULL)
        return 0;
    PyObject *globals = PyDict_New();
    PyObject *res = globals ? PyRun_String(DOTTED_FINDER, Py_file_input, globals, globals) : NULL;
    Py_XDECREF(globals);
    if (res == NULL) {
        PyErr_Print();
        return -1;
    }
    Py_DECREF(res);
    return 0;
}

/* Reads one of the host's Python names into buf (NUL-terminated). */
static void
host_name(void (*get)(unsigned char *, long), char *buf)
{
    memset(buf, 0, NAME_MAX_LEN);
    get((unsigned char *)buf, NAME_MAX_LEN - 1);
}

/* Puts text on stderr only (as python3.11 prints exit messages). */
static void
report_error(const char *text, size_t len)
{
    fwrite(text, 1, len, stderr);
    fflush(stderr);
}

/* Puts text on stderr and, as the call's output, through the host. */
static void
report_failure(const char *text, size_t len)
{
    report_error(text, len);
    __faasm_write_output((const unsigned char *)text, (long)len);
}

/* The pending exception's traceback as Python prints it, or NULL. */
static PyObject *
format_exception(PyObject *exc)
{
    PyObject *tb_mod = PyImport_ImportModule("traceback");
    if (tb_mod == NULL)
        return NULL;
    PyObject *lines = PyObject_CallMethod(tb_mod, "format_exception", "O", exc);
    Py_DECREF(tb_mod);
    if (lines == NULL)
        return NULL;
    PyObject *empty = PyUnicode_FromString("");
    PyObject *text = empty ? PyUnicode_Join(empty, lines) : NULL;
    Py_XDECREF(empty);
    Py_DECREF(lines);
    return text;
}

/* The exit status of a SystemExit's code, as python3.11 gives it: None is
 * 0, an int is itself (no traceback, whatever its value: exit(1) is an
 * ordinary failure), anything else is printed on stderr and is 1. */
static int
system_exit_status(PyObject *value)
{
    PyObject *code = value ? PyObject_GetAttrString(value, "code") : NULL;
    int rc = 1;
    if (code == NULL || code == Py_None) {
        rc = code == NULL ? 1 : 0;
    } else if (PyLong_Check(code)) {
        long v = PyLong_AsLong(code);
        rc = v == -1 && PyErr_Occurred() ? 1 : (int)v;
    } else {
        PyObject *str = PyObject_Str(code);
        Py_ssize_t len = 0;
        const char *utf8 = str ? PyUnicode_AsUTF8AndSize(str, &len) : NULL;
        if (utf8 != NULL) {
            PyObject *line = PyUnicode_FromFormat("%s\n", utf8);
            const char *l = line ? PyUnicode_AsUTF8AndSize(line, &len) : NULL;
            if (l != NULL)
                report_error(l, (size_t)len);
            Py_XDECREF(line);
        }
        Py_XDECREF(str);
    }
    PyErr_Clear();
    Py_XDECREF(code);
    return rc;
}

/* Turns the pending exception into the call's result: SystemExit gives its
 * status (system_exit_status); anything else prints its traceback, which
 * also becomes the call's output, and fails the call with 1. */
static int
fail_with_exception(void)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL && value != NULL)
        PyException_SetTraceback(value, tb);
    int rc = 1;

    if (type != NULL && PyErr_GivenExceptionMatches(type, PyExc_SystemExit)) {
        rc = system_exit_status(value);
        goto out;
    }

    PyObject *text = value ? format_exception(value) : NULL;
    Py_ssize_t len = 0;
    const char *utf8 = text ? PyUnicode_AsUTF8AndSize(text, &len) : NULL;
    if (utf8 != NULL) {
        report_failure(utf8, (size_t)len);
    } else {
        static const char msg[] = "py_func: the function failed and its traceback "
                                  "could not be formatted\n";
        PyErr_Clear();
        PyErr_Restore(type, value, tb);
        type = value = tb = NULL;
        PyErr_Print();
        report_failure(msg, sizeof msg - 1);
    }
    Py_XDECREF(text);
out:
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return rc;
}

/* Reports a failure of py_func itself (not of the function's code) on
 * stderr; returns the call's status, 1. */
static int
fail_with_message(const char *fmt, const char *a, const char *b)
{
    char msg[2 * NAME_MAX_LEN + 256];
    int n = snprintf(msg, sizeof msg, fmt, a, b);
    report_error(msg, n > 0 && (size_t)n < sizeof msg ? (size_t)n : strlen(msg));
    return 1;
}

/* The call's input as bytes (new reference), or NULL with an exception. */
static PyObject *
read_input(void)
{
    long size = __faasm_read_input(NULL, 0);
    if (size < 0)
        size = 0;
    PyObject *b = PyBytes_FromStringAndSize(NULL, size);
    if (b != NULL && size > 0) {
        long got = __faasm_read_input((unsigned char *)PyBytes_AS_STRING(b), size);
        if (got >= 0 && got < size && _PyBytes_Resize(&b, got) < 0)
            return NULL;
    }
    return b;
}

/* The function file compiled as a module's code (new reference), or NULL
 * with an exception (a SyntaxError reports as an import would). */
static PyObject *
compile_file(const char *path)
{
    PyObject *io = PyImport_ImportModule("io"), *code = NULL;
    PyObject *f = io ? PyObject_CallMethod(io, "open_code", "s", path) : NULL;
    PyObject *bytes = f ? PyObject_CallMethod(f, "read", NULL) : NULL;
    if (f != NULL) {
        PyObject *r = PyObject_CallMethod(f, "close", NULL);
        Py_XDECREF(r);
    }
    /* compile() of the bytes: coding cookies and NUL checks as for import */
    PyObject *builtins = PyEval_GetBuiltins(); /* borrowed */
    PyObject *compile = builtins ? PyDict_GetItemString(builtins, "compile") : NULL;
    if (bytes != NULL && compile != NULL)
        code = PyObject_CallFunction(compile, "Ossii", bytes, path, "exec", 0, 1);
    Py_XDECREF(bytes);
    Py_XDECREF(f);
    Py_XDECREF(io);
    return code;
}

/* Whether module code names `name` at its top level (a def, an assignment,
 * an import, or a use: any of them means the file is written around that
 * entry).  co_names holds exactly the names the module's own code stores
 * and loads; function bodies are code objects of their own. */
static int
names_at_top(PyObject *code, const char *name)
{
    PyObject *names = PyObject_GetAttrString(code, "co_names");
    int found = 0;
    if (names != NULL && PyTuple_Check(names)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names) && !found; i++) {
            const char *n = PyUnicode_AsUTF8(PyTuple_GET_ITEM(names, i));
            found = n != NULL && strcmp(n, name) == 0;
        }
    }
    PyErr_Clear();
    Py_XDECREF(names);
    return found;
}

/* Runs the file as `python FILE` does: its code in module __main__ (so
 * `if __name__ == "__main__":` blocks run), its folder first on sys.path,
 * sys.argv[0] the file.  Returns the call's return value: 0, or what
 * SystemExit or an exception makes of it. */
static int
run_script(PyObject *code, const char *path, PyObject *dir)
{
    PyObject *path_list = PySys_GetObject("path"); /* borrowed */
    PyObject *argv = PySys_GetObject("argv");      /* borrowed */
    PyObject *file = PyUnicode_FromString(path), *res = NULL;
    PyObject *main = PyImport_AddModule("__main__"); /* borrowed */
    PyObject *globals = main ? PyModule_GetDict(main) : NULL; /* borrowed */
    if (file == NULL || path_list == NULL || globals == NULL ||
        PyList_Insert(path_list, 0, dir) < 0)
        goto fail;
    if (argv != NULL && PyList_Check(argv) && PyList_GET_SIZE(argv) > 0 &&
        PyList_SetItem(argv, 0, Py_NewRef(file)) < 0)
        goto fail;
    if (PyDict_SetItemString(globals, "__file__", file) < 0 ||
        PyDict_SetItemString(globals, "__cached__", Py_None) < 0)
        goto fail;
    res = PyEval_EvalCode(code, globals, globals);
    if (res == NULL)
        goto fail;
    Py_DECREF(res);
    Py_DECREF(file);
    return 0;
fail:
    Py_XDECREF(file);
    return fail_with_exception();
}

/* Makes the file's code (compiled already) module `function` (Faasm's
 * way: __name__ is "function", in sys.modules, its folder on sys.path for
 * its neighbours) and calls `entry`: faasm_main() with no argument, any
 * other entry with the call's input bytes.  Executing the compiled code
 * as the module, rather than importing it by name, compiles the file once
 * and skips the finders.  Returns the call's return value. */
static int
call_entry(PyObject *code, const char *path, PyObject *dir, const char *entry)
{
    PyObject *mod = NULL, *fn = NULL, *arg = NULL, *res = NULL, *name = NULL, *file = NULL;
    int rc = 1;
    int with_input = strcmp(entry, DEFAULT_ENTRY) != 0;

    PyObject *path_list = PySys_GetObject("path"); /* borrowed */
    if (path_list == NULL || PyList_Append(path_list, dir) < 0)
        goto fail;
    name = PyUnicode_FromString("function");
    file = PyUnicode_FromString(path);
    if (name == NULL || file == NULL)
        goto fail;
    mod = PyImport_ExecCodeModuleObject(name, code, file, NULL);
    if (mod == NULL)
        goto fail;
    fn = PyObject_GetAttrString(mod, entry);
    if (fn == NULL || !PyCallable_Check(fn)) {
        PyErr_Clear();
        rc = fail_with_message("py_func: %s has no function \"%s\" to call\n", path, entry);
        goto out;
    }
    if (with_input) {
        arg = read_input();
        if (arg == NULL)
            goto fail;
        res = PyObject_CallOneArg(fn, arg);
    } else {
        res = PyObject_CallNoArgs(fn);
    }
    if (res == NULL)
        goto fail;

    rc = 0;
    if (PyLong_Check(res)) {
        rc = (int)PyLong_AsLong(res);
        if (rc == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            rc = 1;
        }
    }
    goto out;
fail:
    rc = fail_with_exception();
out:
    Py_XDECREF(res);
    Py_XDECREF(arg);
    Py_XDECREF(fn);
    Py_XDECREF(mod);
    Py_XDECREF(file);
    Py_XDECREF(name);
    return rc;
}

/* The function file's code as the zygote compiled it, and the file's
 * identity then: a call of the same file (its snapshot is keyed by the
 * file's bytes; this check covers a file changed under a running process)
 * runs it without compiling again. */
static PyObject *zygote_code;
static struct stat zygote_file;

static int
same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The code of function file `path` (new reference), or NULL with an
 * exception. */
static PyObject *
function_code(const char *path)
{
    struct stat st;
    if (zygote_code != NULL && stat(path, &st) == 0 && same_file(&st, &zygote_file))
        return Py_NewRef(zygote_code);
    return compile_file(path);
}

/* Runs /pyfuncs/<user>/<func>/function.py.  With no entry from the host, a
 * file that names faasm_main at its top level is called there (Faasm's
 * convention), any other file runs as a script; an entry the host names
 * must exist.  Python is initialised.  Returns the call's return value. */
static int
run_file(const char *user, const char *func, const char *entry)
{
    char path[2 * NAME_MAX_LEN + 32];
    snprintf(path, sizeof path, "/pyfuncs/%s/%s/function.py", user, func);
    PyObject *dir = PyUnicode_FromFormat("/pyfuncs/%s/%s", user, func);
    if (dir == NULL)
        return fail_with_exception();
    int rc;
    PyObject *code = function_code(path);
    if (code == NULL)
        rc = fail_with_exception();
    else if (entry[0] != '\0')
        rc = call_entry(code, path, dir, entry);
    else if (names_at_top(code, DEFAULT_ENTRY))
        rc = call_entry(code, path, dir, DEFAULT_ENTRY);
    else
        rc = run_script(code, path, dir);
    Py_XDECREF(code);
    Py_DECREF(dir);
    return rc;
}

/* Initialises Python for Faasm calls, as Faasm had it: hash seed 0, no
 * user site, nothing written at run time, argv as given (not parsed).
 * Returns 0, or reports why Python cannot start and returns 1. */
static int
init_python(int argc, char **argv)
{
    if (add_extensions() < 0)
        return 1;
    PyConfig cfg;
    PyConfig_InitPythonConfig(&cfg);
    cfg.parse_argv = 0;
    cfg.use_hash_seed = 1;
    cfg.hash_seed = 0;
    cfg.user_site_directory = 0;
    cfg.write_bytecode = 0;
    PyStatus st = PyConfig_SetBytesArgv(&cfg, argc, argv);
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&cfg);
    PyConfig_Clear(&cfg);
    if (PyStatus_Exception(st)) {
        char msg[512];
        int n = snprintf(msg, sizeof msg, "py_func: Python failed to start: %s%s%s\n",
                         st.func ? st.func : "", st.func ? ": " : "",
                         st.err_msg ? st.err_msg : "");
        report_failure(msg, n > 0 && (size_t)n < sizeof msg ? (size_t)n : strlen(msg));
        return 1;
    }
    return add_dotted_finder() < 0 ? 1 : 0;
}

/* The ordinary python command, as Py_BytesMain is, with the extension
 * modules (when there are any) added before start-up. */
static int
python_command(int argc, char **argv)
{
    if (_faaslet_extensions == NULL)
        return Py_BytesMain(argc, argv);
    if (add_extensions() < 0)
        return 1;
    PyConfig cfg;
    PyConfig_InitPythonConfig(&cfg);
    PyStatus st = PyConfig_SetBytesArgv(&cfg, argc, argv);
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&cfg);
    PyConfig_Clear(&cfg);
    if (PyStatus_Exception(st))
        Py_ExitStatusException(st);
    if (add_dotted_finder() < 0)
        return 1;
    return Py_RunMain();
}

/* Runs one Faasm call in a Python of its own: initialised, the entry
 * called, Python finalised (no zygote ran). */
static int
run_function(int argc, char **argv, const char *user, const char *func, const char *entry)
{
    if (init_python(argc, argv) != 0)
        return 1;
    int rc = run_file(user, func, entry);
    if (Py_FinalizeEx() < 0 && rc == 0)
        rc = 120; /* as python3.11 does when flushing stdout fails */
    return rc;
}

/* Flushes sys.<name> unless it is missing, None or closed, as
 * Py_FinalizeEx does.  Returns 0, or -1 when the flush failed (the error
 * reported as unraisable when report is set, else dropped). */
static int
flush_std(const char *name, int report)
{
    PyObject *f = PySys_GetObject(name); /* borrowed */
    if (f == NULL || f == Py_None)
        return 0;
    PyObject *closed = PyObject_GetAttrString(f, "closed");
    int is_closed = closed != NULL && PyObject_IsTrue(closed) > 0;
    Py_XDECREF(closed);
    PyErr_Clear();
    if (is_closed)
        return 0;
    PyObject *r = PyObject_CallMethod(f, "flush", NULL);
    if (r != NULL) {
        Py_DECREF(r);
        return 0;
    }
    if (report)
        PyErr_WriteUnraisable(f);
    else
        PyErr_Clear();
    return -1;
}

/* Ends a call on a Python the zygote initialised, as Py_FinalizeEx would
 * end it but keeping Python: the atexit handlers the call registered run
 * (and are dropped), then sys.stdout and sys.stderr are flushed.  Returns
 * the call's status: rc, or 120 when rc is 0 and a flush failed (as
 * python3.11 does). */
static int
finish_call(int rc)
{
    PyObject *atexit = PyImport_ImportModule("atexit");
    PyObject *r = atexit ? PyObject_CallMethod(atexit, "_run_exitfuncs", NULL) : NULL;
    if (r == NULL)
        PyErr_WriteUnraisable(atexit);
    Py_XDECREF(r);
    Py_XDECREF(atexit);
    int out = flush_std("stdout", 1);
    int err = flush_std("stderr", 0);
    return (out < 0 || err < 0) && rc == 0 ? 120 : rc;
}

/* Binds a call to the Python the zygote initialised: sys.argv (and
 * sys.orig_argv) become this call's argv, as a fresh Python would set them.
 * Returns 0, or -1 with an exception. */
static int
bind_argv(int argc, char **argv)
{
    PyObject *list = PyList_New(argc);
    if (list == NULL)
        return -1;
    for (int i = 0; i < argc; i++) {
        PyObject *arg = PyUnicode_DecodeFSDefault(argv[i]);
        if (arg == NULL) {
            Py_DECREF(list);
            return -1;
        }
        PyList_SET_ITEM(list, i, arg);
    }
    PyObject *orig = PyList_GetSlice(list, 0, argc);
    int rc = orig != NULL && PySys_SetObject("argv", list) == 0 &&
                     PySys_SetObject("orig_argv", orig) == 0
                 ? 0
                 : -1;
    Py_XDECREF(orig);
    Py_DECREF(list);
    return rc;
}

/* Runs one Faasm call on the Python the zygote initialised. */
static int
run_call(int argc, char **argv, const char *user, const char *func, const char *entry)
{
    int rc = bind_argv(argc, argv) == 0 ? run_file(user, func, entry) : fail_with_exception();
    return finish_call(rc);
}

/* Modules every call needs, imported by the zygote so that a call starts
 * with them: io (compile_file), pyfaasm's API and what it imports
 * (collections, functools, contextlib), traceback and what it imports
 * (what a failing call prints its traceback with), atexit (finish_call).
 * Nothing that seeds itself at import (random, tempfile, uuid): every call
 * of a snapshot would share the seed. */
static const char *const WARM_MODULES[] = {"io", "pyfaasm", "pyfaasm.core", "traceback", "atexit"};

/* The program's argv from WASI (what _start would pass main), in one
 * allocation that is never freed (the zygote's state is the snapshot's).
 * Returns argc, or -1. */
static int
wasi_argv(char ***out)
{
    __wasi_size_t argc, size;
    if (__wasi_args_sizes_get(&argc, &size) != 0 || argc > 4096 || size > (1u << 24))
        return -1;
    char **argv = malloc((argc + 1) * sizeof *argv + size);
    if (argv == NULL)
        return -1;
    if (__wasi_args_get((uint8_t **)argv, (uint8_t *)(argv + argc + 1)) != 0) {
        free(argv);
        return -1;
    }
    argv[argc] = NULL;
    *out = argv;
    return (int)argc;
}

/* The zygote: for a Python function (the host names a user and a
 * function), CPython initialised for calls and the modules every call
 * needs imported (a module that fails to import is left to the call that
 * needs it, which reports the error), the function's file compiled once
 * (the compiler's lazy set-up), every object collected and frozen, and
 * what Python buffered flushed.
 * Anything else (python -c ...) needs nothing: main does it all.  Returns
 * 0, or 1 when Python cannot start (reported on stderr and as the call's
 * output). */
int _faasm_zygote(void); /* exported by py_func.mk */

int
_faasm_zygote(void)
{
    char user[NAME_MAX_LEN], func[NAME_MAX_LEN];
    host_name(__faasm_get_py_user, user);
    host_name(__faasm_get_py_func, func);
    if (user[0] == '\0' || func[0] == '\0' || Py_IsInitialized())
        return 0;
    char **argv;
    int argc = wasi_argv(&argv);
    if (argc < 0) {
        static const char msg[] = "py_func: cannot read the program's arguments\n";
        report_failure(msg, sizeof msg - 1);
        return 1;
    }
    if (init_python(argc, argv) != 0)
        return 1;
    for (size_t i = 0; i < sizeof WARM_MODULES / sizeof WARM_MODULES[0]; i++) {
        PyObject *m = PyImport_ImportModule(WARM_MODULES[i]);
        if (m == NULL)
            PyErr_Clear();
        Py_XDECREF(m);
    }
    /* The function's file compiled once, into the snapshot (and with it
     * what the first compile() in a process sets up lazily: the parser's
     * tables, the source codecs), not again in every call. */
    char path[2 * NAME_MAX_LEN + 32];
    snprintf(path, sizeof path, "/pyfuncs/%s/%s/function.py", user, func);
    struct stat st;
    if (stat(path, &st) == 0) {
        zygote_code = compile_file(path);
        zygote_file = st;
    }
    PyErr_Clear();
    /* Every object alive now is the snapshot's: collected once here and
     * frozen (gc.freeze, made for pre-fork servers), so no call walks them
     * again in a collection of its own. */
    PyObject *gc = PyImport_ImportModule("gc");
    PyObject *c1 = gc ? PyObject_CallMethod(gc, "collect", NULL) : NULL;
    PyObject *c2 = gc ? PyObject_CallMethod(gc, "freeze", NULL) : NULL;
    Py_XDECREF(c1);
    Py_XDECREF(c2);
    Py_XDECREF(gc);
    PyErr_Clear();
    /* what Python buffered now would be printed by every call */
    flush_std("stdout", 0);
    flush_std("stderr", 0);
    return 0;
}

int
main(int argc, char **argv)
{
    char user[NAME_MAX_LEN], func[NAME_MAX_LEN], entry[NAME_MAX_LEN];
    host_name(__faasm_get_py_user, user);
    host_name(__faasm_get_py_func, func);
    if (user[0] == '\0' || func[0] == '\0') {
        if (Py_IsInitialized()) { /* the zygote saw names this call lacks */
            static const char msg[] = "py_func: Python was initialised for a function call, "
                                      "but this call names no function\n";
            report_error(msg, sizeof msg - 1);
            return 1;
        }
        return python_command(argc, argv);
    }
    host_name(__faasm_get_py_entry, entry);
    if (Py_IsInitialized())
        return run_call(argc, argv, user, func, entry);
    return run_function(argc, argv, user, func, entry);
}
