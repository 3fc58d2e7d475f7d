/*
 * py_main.c: main() of python/py_func, CPython for wasm32-wasi with
 * _pyfaasm built in.
 *
 * When the host names a Python user and function (__faasm_get_py_user and
 * __faasm_get_py_func return non-empty strings), this follows Faasm's
 * convention: /pyfuncs/<user>/<func>/ goes on sys.path, module `function`
 * is imported and its entry called: faasm_main() with no argument when the
 * host gives no entry (or "faasm_main"), otherwise the named entry with the
 * call's input bytes as its one argument (a chained call).  An int result
 * is the call's return value (None is 0); an uncaught exception prints its
 * traceback on stderr, makes it the call's output and fails the call (1).
 *
 * Otherwise this is the ordinary `python` command (Py_BytesMain), so -c,
 * -m and scripts behave as with python3.11.
 *
 * Compiled and linked by python/build.sh through python/py_func.mk against
 * CPython's own build (objects, flags, libraries).
 */
#include <Python.h>
#include <stdio.h>
#include <string.h>

#include "faasm/host_interface.h"

#define NAME_MAX_LEN 256
#define DEFAULT_ENTRY "faasm_main"

/* Reads one of the host's Python names into buf (NUL-terminated). */
static void
host_name(void (*get)(unsigned char *, long), char *buf)
{
    memset(buf, 0, NAME_MAX_LEN);
    get((unsigned char *)buf, NAME_MAX_LEN - 1);
}

/* Puts text on stderr and, as the call's output, through the host. */
static void
report_failure(const char *text, size_t len)
{
    fwrite(text, 1, len, stderr);
    fflush(stderr);
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

/* Turns the pending exception into the call's result: SystemExit keeps
 * its code (as python3.11 does); anything else prints its traceback, which
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
        PyObject *code = value ? PyObject_GetAttrString(value, "code") : NULL;
        if (code == Py_None)
            rc = 0;
        else if (code != NULL && PyLong_Check(code))
            rc = (int)PyLong_AsLong(code);
        Py_XDECREF(code);
        PyErr_Clear();
        if (rc != 1)
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

/* Imports /pyfuncs/<user>/<func>/function.py and calls its entry.
 * Python is initialised.  Returns the call's return value. */
static int
call_entry(const char *user, const char *func, const char *entry)
{
    PyObject *dir = NULL, *mod = NULL, *fn = NULL, *arg = NULL, *res = NULL;
    int rc = 1;
    int chained = entry[0] != '\0' && strcmp(entry, DEFAULT_ENTRY) != 0;

    PyObject *path = PySys_GetObject("path"); /* borrowed */
    dir = PyUnicode_FromFormat("/pyfuncs/%s/%s", user, func);
    if (path == NULL || dir == NULL || PyList_Append(path, dir) < 0)
        goto fail;
    mod = PyImport_ImportModule("function");
    if (mod == NULL)
        goto fail;
    fn = PyObject_GetAttrString(mod, chained ? entry : DEFAULT_ENTRY);
    if (fn == NULL)
        goto fail;
    if (chained) {
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
    Py_XDECREF(dir);
    return rc;
}

/* Runs one Faasm call: Python set up as Faasm had it (hash seed 0, no user
 * site, nothing written at run time), the entry called, Python finalised. */
static int
run_function(int argc, char **argv, const char *user, const char *func, const char *entry)
{
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

    int rc = call_entry(user, func, entry);
    if (Py_FinalizeEx() < 0 && rc == 0)
        rc = 120; /* as python3.11 does when flushing stdout fails */
    return rc;
}

int
main(int argc, char **argv)
{
    char user[NAME_MAX_LEN], func[NAME_MAX_LEN], entry[NAME_MAX_LEN];
    host_name(__faasm_get_py_user, user);
    host_name(__faasm_get_py_func, func);
    if (user[0] == '\0' || func[0] == '\0')
        return Py_BytesMain(argc, argv);
    host_name(__faasm_get_py_entry, entry);
    return run_function(argc, argv, user, func, entry);
}
