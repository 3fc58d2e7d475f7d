/*
 * _pyfaasm: the built-in C module under pyfaasm.core.  Each function is a
 * thin, binary-safe wrapper of one env.__faasm_* import (Faasm's guest ABI,
 * sdk/include/faasm/host_interface.h); the public API, with Faasm's two
 * generations of names, is pure Python in pyfaasm/core.py.
 *
 * Built into python.wasm through Modules/Setup.local (python/build.sh copies
 * this file into the unpacked CPython tree).  Keys and names are str
 * (UTF-8, no NUL); data are any bytes-like object; results are bytes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

#include "faasm/host_interface.h"

/* ---- Input, output, chaining ---- */

static PyObject *
get_input_len(PyObject *self, PyObject *noargs)
{
    return PyLong_FromLong(__faasm_read_input(NULL, 0));
}

/* read_input(n=-1): at most n bytes of the input, all of it when n < 0. */
static PyObject *
read_input(PyObject *self, PyObject *args)
{
    long n = -1;
    if (!PyArg_ParseTuple(args, "|l:read_input", &n))
        return NULL;
    long size = __faasm_read_input(NULL, 0);
    if (n < 0 || n > size)
        n = size;
    PyObject *b = PyBytes_FromStringAndSize(NULL, n);
    if (b == NULL || n == 0)
        return b;
    long got = __faasm_read_input((unsigned char *)PyBytes_AS_STRING(b), n);
    if (got < 0)
        got = 0;
    if (got < n && _PyBytes_Resize(&b, got) < 0)
        return NULL;
    return b;
}

static PyObject *
write_output(PyObject *self, PyObject *args)
{
    Py_buffer out;
    if (!PyArg_ParseTuple(args, "y*:write_output", &out))
        return NULL;
    __faasm_write_output(out.buf, (long)out.len);
    PyBuffer_Release(&out);
    Py_RETURN_NONE;
}

/* chain_py(entry, input): the same Python function file, entered at `entry`. */
static PyObject *
chain_py(PyObject *self, PyObject *args)
{
    const char *name;
    Py_buffer in;
    if (!PyArg_ParseTuple(args, "sy*:chain_py", &name, &in))
        return NULL;
    unsigned int id = __faasm_chain_py(name, in.buf, (long)in.len);
    PyBuffer_Release(&in);
    return PyLong_FromUnsignedLong(id);
}

/* chain_name(function, input): another function of the same user. */
static PyObject *
chain_name(PyObject *self, PyObject *args)
{
    const char *name;
    Py_buffer in;
    if (!PyArg_ParseTuple(args, "sy*:chain_name", &name, &in))
        return NULL;
    unsigned int id = __faasm_chain_name(name, in.buf, (long)in.len);
    PyBuffer_Release(&in);
    return PyLong_FromUnsignedLong(id);
}

static PyObject *
await_call(PyObject *self, PyObject *args)
{
    unsigned int id;
    if (!PyArg_ParseTuple(args, "I:await_call", &id))
        return NULL;
    return PyLong_FromLong(__faasm_await_call(id));
}

/* await_call_output(id) -> (return value, output bytes).  The host puts the
 * output in a buffer from this module's exported malloc; freed here. */
static PyObject *
await_call_output(PyObject *self, PyObject *args)
{
    unsigned int id;
    if (!PyArg_ParseTuple(args, "I:await_call_output", &id))
        return NULL;
    char *out = NULL;
    int out_len = 0;
    int ret = __faasm_await_call_output(id, &out, &out_len);
    PyObject *res = Py_BuildValue("(iy#)", ret, out ? out : "",
                                  (Py_ssize_t)(out && out_len > 0 ? out_len : 0));
    free(out);
    return res;
}

/* ---- Python names given by the host ---- */

static PyObject *
py_name(void (*get)(unsigned char *, long))
{
    unsigned char buf[256] = {0};
    get(buf, sizeof buf - 1);
    return PyUnicode_FromString((const char *)buf);
}

static PyObject *
get_py_user(PyObject *self, PyObject *noargs)
{
    return py_name(__faasm_get_py_user);
}

static PyObject *
get_py_func(PyObject *self, PyObject *noargs)
{
    return py_name(__faasm_get_py_func);
}

static PyObject *
get_py_entry(PyObject *self, PyObject *noargs)
{
    return py_name(__faasm_get_py_entry);
}

/* ---- State ---- */

static PyObject *
read_state_size(PyObject *self, PyObject *args)
{
    const char *key;
    if (!PyArg_ParseTuple(args, "s:read_state_size", &key))
        return NULL;
    return PyLong_FromLong(__faasm_read_state(key, NULL, 0));
}

/* read_state(key, n): the first n bytes of the value (n < 0: all of it). */
static PyObject *
read_state(PyObject *self, PyObject *args)
{
    const char *key;
    long n = -1;
    if (!PyArg_ParseTuple(args, "s|l:read_state", &key, &n))
        return NULL;
    if (n < 0)
        n = __faasm_read_state(key, NULL, 0);
    if (n < 0)
        n = 0;
    PyObject *b = PyBytes_FromStringAndSize(NULL, n);
    if (b != NULL && n > 0)
        __faasm_read_state(key, (unsigned char *)PyBytes_AS_STRING(b), n);
    return b;
}

static PyObject *
read_state_offset(PyObject *self, PyObject *args)
{
    const char *key;
    long total, offset, n;
    if (!PyArg_ParseTuple(args, "slll:read_state_offset", &key, &total, &offset, &n))
        return NULL;
    if (n < 0 || offset < 0) {
        PyErr_SetString(PyExc_ValueError, "negative offset or length");
        return NULL;
    }
    PyObject *b = PyBytes_FromStringAndSize(NULL, n);
    if (b != NULL && n > 0)
        __faasm_read_state_offset(key, total, offset, (unsigned char *)PyBytes_AS_STRING(b), n);
    return b;
}

/* read_state_ptr(key, total) -> writable memoryview over the host's local
 * replica, mapped into this module's memory: writes are shared. */
static PyObject *
read_state_ptr(PyObject *self, PyObject *args)
{
    const char *key;
    long total;
    if (!PyArg_ParseTuple(args, "sl:read_state_ptr", &key, &total))
        return NULL;
    unsigned char *p = __faasm_read_state_ptr(key, total);
    if (p == NULL) {
        PyErr_Format(PyExc_RuntimeError, "could not map state %s", key);
        return NULL;
    }
    return PyMemoryView_FromMemory((char *)p, total, PyBUF_WRITE);
}

static PyObject *
write_state(PyObject *self, PyObject *args)
{
    const char *key;
    Py_buffer v;
    if (!PyArg_ParseTuple(args, "sy*:write_state", &key, &v))
        return NULL;
    __faasm_write_state(key, v.buf, (long)v.len);
    PyBuffer_Release(&v);
    Py_RETURN_NONE;
}

static PyObject *
write_state_offset(PyObject *self, PyObject *args)
{
    const char *key;
    long total, offset;
    Py_buffer v;
    if (!PyArg_ParseTuple(args, "slly*:write_state_offset", &key, &total, &offset, &v))
        return NULL;
    __faasm_write_state_offset(key, total, offset, v.buf, (long)v.len);
    PyBuffer_Release(&v);
    Py_RETURN_NONE;
}

static PyObject *
append_state(PyObject *self, PyObject *args)
{
    const char *key;
    Py_buffer v;
    if (!PyArg_ParseTuple(args, "sy*:append_state", &key, &v))
        return NULL;
    __faasm_append_state(key, v.buf, (long)v.len);
    PyBuffer_Release(&v);
    Py_RETURN_NONE;
}

/* read_appended_state(key, total, n_elems): the n_elems appended elements,
 * total bytes in all, concatenated. */
static PyObject *
read_appended_state(PyObject *self, PyObject *args)
{
    const char *key;
    long total, n_elems;
    if (!PyArg_ParseTuple(args, "sll:read_appended_state", &key, &total, &n_elems))
        return NULL;
    if (total < 0) {
        PyErr_SetString(PyExc_ValueError, "negative length");
        return NULL;
    }
    PyObject *b = PyBytes_FromStringAndSize(NULL, total);
    if (b != NULL)
        __faasm_read_appended_state(key, (unsigned char *)PyBytes_AS_STRING(b), total, n_elems);
    return b;
}

static PyObject *
write_state_from_file(PyObject *self, PyObject *args)
{
    const char *key, *path;
    if (!PyArg_ParseTuple(args, "ss:write_state_from_file", &key, &path))
        return NULL;
    return PyLong_FromUnsignedLong(__faasm_write_state_from_file(key, path));
}

static PyObject *
flag_state_dirty(PyObject *self, PyObject *args)
{
    const char *key;
    long total;
    if (!PyArg_ParseTuple(args, "sl:flag_state_dirty", &key, &total))
        return NULL;
    __faasm_flag_state_dirty(key, total);
    Py_RETURN_NONE;
}

static PyObject *
flag_state_offset_dirty(PyObject *self, PyObject *args)
{
    const char *key;
    long total, offset, len;
    if (!PyArg_ParseTuple(args, "slll:flag_state_offset_dirty", &key, &total, &offset, &len))
        return NULL;
    __faasm_flag_state_offset_dirty(key, total, offset, len);
    Py_RETURN_NONE;
}

static PyObject *
push_state_partial_mask(PyObject *self, PyObject *args)
{
    const char *key, *mask;
    if (!PyArg_ParseTuple(args, "ss:push_state_partial_mask", &key, &mask))
        return NULL;
    __faasm_push_state_partial_mask(key, mask);
    Py_RETURN_NONE;
}

static PyObject *
pull_state(PyObject *self, PyObject *args)
{
    const char *key;
    long n;
    if (!PyArg_ParseTuple(args, "sl:pull_state", &key, &n))
        return NULL;
    __faasm_pull_state(key, n);
    Py_RETURN_NONE;
}

/* The imports taking only a key share one wrapper shape. */
#define KEY_ONLY(name)                                              \
    static PyObject *name(PyObject *self, PyObject *args)           \
    {                                                               \
        const char *key;                                            \
        if (!PyArg_ParseTuple(args, "s:" #name, &key))              \
            return NULL;                                            \
        __faasm_##name(key);                                        \
        Py_RETURN_NONE;                                             \
    }
KEY_ONLY(clear_appended_state)
KEY_ONLY(push_state)
KEY_ONLY(push_state_partial)
KEY_ONLY(lock_state_read)
KEY_ONLY(unlock_state_read)
KEY_ONLY(lock_state_write)
KEY_ONLY(unlock_state_write)

static PyObject *
conf_flag(PyObject *self, PyObject *args)
{
    const char *key;
    if (!PyArg_ParseTuple(args, "s:conf_flag", &key))
        return NULL;
    return PyLong_FromUnsignedLong(__faasm_conf_flag(key));
}

static PyMethodDef pyfaasm_methods[] = {
    {"get_input_len", get_input_len, METH_NOARGS, "Size of the call's input in bytes."},
    {"read_input", read_input, METH_VARARGS, "read_input(n=-1) -> bytes"},
    {"write_output", write_output, METH_VARARGS, "write_output(data): set the call's output."},
    {"chain_py", chain_py, METH_VARARGS, "chain_py(entry, input) -> call id"},
    {"chain_name", chain_name, METH_VARARGS, "chain_name(function, input) -> call id"},
    {"await_call", await_call, METH_VARARGS, "await_call(id) -> return value"},
    {"await_call_output", await_call_output, METH_VARARGS,
     "await_call_output(id) -> (return value, output bytes)"},
    {"get_py_user", get_py_user, METH_NOARGS, "The Python user the host gave, or ''."},
    {"get_py_func", get_py_func, METH_NOARGS, "The Python function the host gave, or ''."},
    {"get_py_entry", get_py_entry, METH_NOARGS, "The entry point the host gave, or ''."},
    {"read_state_size", read_state_size, METH_VARARGS, "read_state_size(key) -> int"},
    {"read_state", read_state, METH_VARARGS, "read_state(key, n=-1) -> bytes"},
    {"read_state_offset", read_state_offset, METH_VARARGS,
     "read_state_offset(key, total, offset, n) -> bytes"},
    {"read_state_ptr", read_state_ptr, METH_VARARGS,
     "read_state_ptr(key, total) -> writable memoryview of the local replica"},
    {"write_state", write_state, METH_VARARGS, "write_state(key, data)"},
    {"write_state_offset", write_state_offset, METH_VARARGS,
     "write_state_offset(key, total, offset, data)"},
    {"append_state", append_state, METH_VARARGS, "append_state(key, data)"},
    {"read_appended_state", read_appended_state, METH_VARARGS,
     "read_appended_state(key, total, n_elems) -> bytes"},
    {"clear_appended_state", clear_appended_state, METH_VARARGS, "clear_appended_state(key)"},
    {"write_state_from_file", write_state_from_file, METH_VARARGS,
     "write_state_from_file(key, path) -> bytes written"},
    {"flag_state_dirty", flag_state_dirty, METH_VARARGS, "flag_state_dirty(key, total)"},
    {"flag_state_offset_dirty", flag_state_offset_dirty, METH_VARARGS,
     "flag_state_offset_dirty(key, total, offset, n)"},
    {"push_state", push_state, METH_VARARGS, "push_state(key)"},
    {"push_state_partial", push_state_partial, METH_VARARGS, "push_state_partial(key)"},
    {"push_state_partial_mask", push_state_partial_mask, METH_VARARGS,
     "push_state_partial_mask(key, mask_key)"},
    {"pull_state", pull_state, METH_VARARGS, "pull_state(key, n)"},
    {"lock_state_read", lock_state_read, METH_VARARGS, "lock_state_read(key)"},
    {"unlock_state_read", unlock_state_read, METH_VARARGS, "unlock_state_read(key)"},
    {"lock_state_write", lock_state_write, METH_VARARGS, "lock_state_write(key)"},
    {"unlock_state_write", unlock_state_write, METH_VARARGS, "unlock_state_write(key)"},
    {"conf_flag", conf_flag, METH_VARARGS, "conf_flag(key) -> 0 or 1"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef pyfaasm_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_pyfaasm",
    .m_doc = "Faasm's host interface (env.__faasm_* imports), binary-safe.",
    .m_size = 0,
    .m_methods = pyfaasm_methods,
};

/* The module's init function, found by CPython through its table of
 * built-in modules (Modules/config.c) on the first `import _pyfaasm`.
 * Returns the module definition (multi-phase init); no state of its own. */
PyMODINIT_FUNC
PyInit__pyfaasm(void)
{
    return PyModuleDef_Init(&pyfaasm_module);
}
