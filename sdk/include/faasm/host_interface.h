/*
 * faasm/host_interface.h: the raw imports a Faaslet provides to its guest,
 * module "env", names "__faasm_*" (Faasm's guest ABI, unchanged).
 *
 * Functions normally use the friendlier wrappers of faasm/core.h; this
 * header is the ABI itself.  Pointers are 32-bit offsets into the guest's
 * linear memory and `long` is 32 bits on wasm32, so every import here takes
 * and returns i32 values only.
 *
 * Compiled for anything other than wasm (a native build of a function for
 * debugging, say), the declarations are plain weak externs so that a
 * program that never calls them still links.
 */
#ifndef FAASM_HOST_INTERFACE_H
#define FAASM_HOST_INTERFACE_H

#ifdef __wasm__
#define FAASM_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#else
#define FAASM_IMPORT(name) __attribute__((weak))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Function input and output ---- */

/* bufLen 0: returns the input's size; otherwise copies at most bufLen bytes
 * of the input into buf and returns the number copied.  Binary-safe. */
FAASM_IMPORT(__faasm_read_input)
long __faasm_read_input(unsigned char *buf, long bufLen);

/* Sets the call's output to out[0..outLen) (binary-safe; a later call
 * replaces it). */
FAASM_IMPORT(__faasm_write_output)
void __faasm_write_output(const unsigned char *out, long outLen);

/* ---- Chaining ---- */

/* Calls function `name` of the same user with in[0..inLen); returns the
 * call id to await. */
FAASM_IMPORT(__faasm_chain_name)
unsigned int __faasm_chain_name(const char *name, const unsigned char *in, long inLen);

/* Calls this same module in a fresh Faaslet, entering at indirect-table
 * element funcPtr (an `int (void)` function) instead of main. */
FAASM_IMPORT(__faasm_chain_ptr)
unsigned int __faasm_chain_ptr(int funcPtr, const unsigned char *in, long inLen);

/* Blocks until call callId ends; returns its return value (1 on failure
 * or timeout). */
FAASM_IMPORT(__faasm_await_call)
int __faasm_await_call(unsigned int callId);

/* As __faasm_await_call, and stores the callee's output: a pointer into
 * this guest's memory in *out and its length in *outLen. */
FAASM_IMPORT(__faasm_await_call_output)
int __faasm_await_call_output(unsigned int callId, char **out, int *outLen);

/* ---- Python support (used by the CPython runner, python/py_func) ---- */

/* Copy the Python user, function and entry point names into buf (at most
 * bufLen bytes, NUL-terminated when they fit). */
FAASM_IMPORT(__faasm_get_py_user)
void __faasm_get_py_user(unsigned char *buf, long bufLen);
FAASM_IMPORT(__faasm_get_py_func)
void __faasm_get_py_func(unsigned char *buf, long bufLen);
FAASM_IMPORT(__faasm_get_py_entry)
void __faasm_get_py_entry(unsigned char *buf, long bufLen);

/* Chains the same Python function file with entry point `name`. */
FAASM_IMPORT(__faasm_chain_py)
unsigned int __faasm_chain_py(const char *name, const unsigned char *in, long inLen);

/* ---- State: per-user keys holding byte arrays ---- */

/* bufLen 0: returns the value's size; otherwise copies it into buf. */
FAASM_IMPORT(__faasm_read_state)
long __faasm_read_state(const char *key, unsigned char *buf, long bufLen);

/* Maps the host's local replica of `key` (totalLen bytes) into linear
 * memory and returns where: writes through the pointer are shared with
 * every Faaslet on the host that maps the same key. */
FAASM_IMPORT(__faasm_read_state_ptr)
unsigned char *__faasm_read_state_ptr(const char *key, long totalLen);

FAASM_IMPORT(__faasm_write_state)
void __faasm_write_state(const char *key, const unsigned char *data, long dataLen);

FAASM_IMPORT(__faasm_append_state)
void __faasm_append_state(const char *key, const unsigned char *data, long dataLen);

/* Reads the nElems appended elements (dataLen bytes in all) into data. */
FAASM_IMPORT(__faasm_read_appended_state)
void __faasm_read_appended_state(const char *key, unsigned char *data, long dataLen,
                                 long nElems);

FAASM_IMPORT(__faasm_clear_appended_state)
void __faasm_clear_appended_state(const char *key);

FAASM_IMPORT(__faasm_write_state_offset)
void __faasm_write_state_offset(const char *key, long totalLen, long offset,
                                const unsigned char *data, long dataLen);

FAASM_IMPORT(__faasm_read_state_offset)
void __faasm_read_state_offset(const char *key, long totalLen, long offset,
                               unsigned char *buf, long bufLen);

/* As __faasm_read_state_ptr, for the chunk [offset, offset + len). */
FAASM_IMPORT(__faasm_read_state_offset_ptr)
unsigned char *__faasm_read_state_offset_ptr(const char *key, long totalLen, long offset,
                                             long len);

/* Sets `key` to the contents of the guest-visible file filePath; returns
 * the number of bytes written. */
FAASM_IMPORT(__faasm_write_state_from_file)
unsigned int __faasm_write_state_from_file(const char *key, const char *filePath);

/* Marks all (or a chunk) of a mapped value as changed, for partial pushes. */
FAASM_IMPORT(__faasm_flag_state_dirty)
void __faasm_flag_state_dirty(const char *key, long totalLen);
FAASM_IMPORT(__faasm_flag_state_offset_dirty)
void __faasm_flag_state_offset_dirty(const char *key, long totalLen, long offset,
                                     long dataLen);

/* Local replica -> global tier: whole value, dirty chunks only, or the
 * dirty chunks selected by the mask stored at maskKey. */
FAASM_IMPORT(__faasm_push_state)
void __faasm_push_state(const char *key);
FAASM_IMPORT(__faasm_push_state_partial)
void __faasm_push_state_partial(const char *key);
FAASM_IMPORT(__faasm_push_state_partial_mask)
void __faasm_push_state_partial_mask(const char *key, const char *maskKey);

/* Global tier -> local replica. */
FAASM_IMPORT(__faasm_pull_state)
void __faasm_pull_state(const char *key, long stateLen);

/* Host-local reader/writer locks on a key. */
FAASM_IMPORT(__faasm_lock_state_read)
void __faasm_lock_state_read(const char *key);
FAASM_IMPORT(__faasm_unlock_state_read)
void __faasm_unlock_state_read(const char *key);
FAASM_IMPORT(__faasm_lock_state_write)
void __faasm_lock_state_write(const char *key);
FAASM_IMPORT(__faasm_unlock_state_write)
void __faasm_unlock_state_write(const char *key);

/* ---- Misc ---- */

/* 1 or 0 for a configuration flag ("PYTHON_PRELOAD", "ALWAYS_ON", ...). */
FAASM_IMPORT(__faasm_conf_flag)
unsigned int __faasm_conf_flag(const char *key);

#ifdef __cplusplus
}
#endif

#endif
