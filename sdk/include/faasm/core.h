/*
 * faasm/core.h: Faasm's C API for functions, as faaslet provides it.
 *
 * Every call here is a thin static inline wrapper over one import of
 * faasm/host_interface.h, so a function needs no library besides wasi-libc
 * and the module imports exactly the env.__faasm_* functions it uses.
 *
 * Differences from Faasm's header, all of them widening:
 *  - data arguments are `const void *` and buffers `void *`, so C and C++
 *    callers pass char, unsigned char or uint8_t arrays without casts (Faasm's
 *    uint8_t parameters made C++ callers cast string data with BYTES());
 *  - faasmGetInput returns the number of bytes copied (Faasm: void);
 *  - faasmGetPython* return a malloc'd, NUL-terminated string of up to
 *    FAASM_PY_NAME_MAX bytes that the caller may free (Faasm: 20 or 30
 *    bytes from new[], silently cut);
 *  - input and output are binary-safe.
 */
#ifndef FAASMC_CORE_H
#define FAASMC_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "faasm/host_interface.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
#define BYTES(arr) reinterpret_cast<uint8_t *>(arr)
#define BYTES_CONST(arr) reinterpret_cast<const uint8_t *>(arr)
#else
#define BYTES(arr) ((uint8_t *)(arr))
#define BYTES_CONST(arr) ((const uint8_t *)(arr))
#endif

/* Longest Python user, function or entry name faasmGetPython* return. */
#define FAASM_PY_NAME_MAX 128

/* A function of this module that a chained call can enter: it reads its
 * input with faasmGetInput and its return value is the call's. */
#ifdef __cplusplus
typedef int (*FaasmFuncPtr)();
#else
typedef int (*FaasmFuncPtr)(void);
#endif

/* ---- Input and output ---- */

/* Size of this call's input in bytes; 0 if none. */
static inline long faasmGetInputSize(void) {
    unsigned char none[1];
    return __faasm_read_input(none, 0);
}

/* Copies at most bufferLen bytes of the input into buffer; returns how many. */
static inline long faasmGetInput(void *buffer, long bufferLen) {
    return __faasm_read_input((unsigned char *)buffer, bufferLen);
}

/* Sets the call's output to output[0..outputLen). */
static inline void faasmSetOutput(const void *output, long outputLen) {
    __faasm_write_output((const unsigned char *)output, outputLen);
}

/* ---- Chaining ---- */

/* Calls function `name` of the same user; returns the call id. */
static inline unsigned int faasmChainNamed(const char *name, const void *inputData,
                                           long inputDataSize) {
    return __faasm_chain_name(name, (const unsigned char *)inputData, inputDataSize);
}

/* Calls funcPtr, a function of this module, in a new Faaslet; returns the
 * call id.  On wasm32 a function pointer is its indirect-table index. */
static inline unsigned int faasmChain(FaasmFuncPtr funcPtr, const void *inputData,
                                      long inputDataSize) {
    return __faasm_chain_ptr((int)(intptr_t)funcPtr, (const unsigned char *)inputData,
                             inputDataSize);
}

/* Waits for a call; returns its return value (non-zero on failure). */
static inline unsigned int faasmAwaitCall(unsigned int callId) {
    return (unsigned int)__faasm_await_call(callId);
}

/* As faasmAwaitCall, and sets *output and *outputLen to the callee's output
 * (placed in this guest's memory by the host; do not free it). */
static inline unsigned int faasmAwaitCallOutput(unsigned int callId, char **output,
                                                int *outputLen) {
    return (unsigned int)__faasm_await_call_output(callId, output, outputLen);
}

/* Chains funcPtr nFuncs times with the string inputData and waits for all;
 * returns 0 if every call returned 0, else 1. */
static inline unsigned int faasmChainBatch(FaasmFuncPtr funcPtr, const char *inputData,
                                           int nFuncs) {
    if (nFuncs <= 0)
        return 0;
    unsigned int *ids = (unsigned int *)malloc(sizeof(unsigned int) * (size_t)nFuncs);
    if (!ids)
        return 1;
    long len = (long)strlen(inputData);
    for (int i = 0; i < nFuncs; i++)
        ids[i] = faasmChain(funcPtr, inputData, len);
    unsigned int failed = 0;
    for (int i = 0; i < nFuncs; i++)
        if (faasmAwaitCall(ids[i]) != 0)
            failed = 1;
    free(ids);
    return failed;
}

/* ---- State ---- */

static inline size_t faasmReadStateSize(const char *key) {
    return (size_t)__faasm_read_state(key, NULL, 0);
}

/* Copies the whole value into buffer; returns its size. */
static inline long faasmReadState(const char *key, void *buffer, long bufferLen) {
    return __faasm_read_state(key, (unsigned char *)buffer, bufferLen);
}

/* The host's replica of the value, mapped into this guest's memory. */
static inline uint8_t *faasmReadStatePtr(const char *key, long totalLen) {
    return __faasm_read_state_ptr(key, totalLen);
}

static inline void faasmReadStateOffset(const char *key, long totalLen, long offset,
                                        void *buffer, long bufferLen) {
    __faasm_read_state_offset(key, totalLen, offset, (unsigned char *)buffer, bufferLen);
}

static inline uint8_t *faasmReadStateOffsetPtr(const char *key, long totalLen, long offset,
                                               long len) {
    return __faasm_read_state_offset_ptr(key, totalLen, offset, len);
}

static inline void faasmWriteState(const char *key, const void *data, long dataLen) {
    __faasm_write_state(key, (const unsigned char *)data, dataLen);
}

static inline void faasmWriteStateOffset(const char *key, long totalLen, long offset,
                                         const void *data, long dataLen) {
    __faasm_write_state_offset(key, totalLen, offset, (const unsigned char *)data, dataLen);
}

static inline unsigned long faasmWriteStateFromFile(const char *key, const char *filePath) {
    return (unsigned long)__faasm_write_state_from_file(key, filePath);
}

static inline void faasmAppendState(const char *key, const void *data, long dataLen) {
    __faasm_append_state(key, (const unsigned char *)data, dataLen);
}

static inline void faasmReadAppendedState(const char *key, void *buffer, long bufferLen,
                                          long nElems) {
    __faasm_read_appended_state(key, (unsigned char *)buffer, bufferLen, nElems);
}

static inline void faasmClearAppendedState(const char *key) {
    __faasm_clear_appended_state(key);
}

static inline void faasmFlagStateDirty(const char *key, long totalLen) {
    __faasm_flag_state_dirty(key, totalLen);
}

static inline void faasmFlagStateOffsetDirty(const char *key, long totalLen, long offset,
                                             long len) {
    __faasm_flag_state_offset_dirty(key, totalLen, offset, len);
}

static inline void faasmPushState(const char *key) {
    __faasm_push_state(key);
}

static inline void faasmPushStatePartial(const char *key) {
    __faasm_push_state_partial(key);
}

static inline void faasmPushStatePartialMask(const char *key, const char *maskKey) {
    __faasm_push_state_partial_mask(key, maskKey);
}

static inline void faasmPullState(const char *key, long stateLen) {
    __faasm_pull_state(key, stateLen);
}

static inline void faasmLockStateRead(const char *key) {
    __faasm_lock_state_read(key);
}

static inline void faasmUnlockStateRead(const char *key) {
    __faasm_unlock_state_read(key);
}

static inline void faasmLockStateWrite(const char *key) {
    __faasm_lock_state_write(key);
}

static inline void faasmUnlockStateWrite(const char *key) {
    __faasm_unlock_state_write(key);
}

/* ---- Python and configuration ---- */

/* A zeroed buffer for one Python name, so it stays NUL-terminated however
 * much the host writes; NULL when out of memory. */
static inline char *faasmPyNameBuf_(void) {
    return (char *)calloc(1, FAASM_PY_NAME_MAX + 1);
}

/* The Python user, function and entry point of this call; caller frees. */
static inline char *faasmGetPythonUser(void) {
    char *s = faasmPyNameBuf_();
    if (s)
        __faasm_get_py_user((unsigned char *)s, FAASM_PY_NAME_MAX);
    return s;
}

static inline char *faasmGetPythonFunc(void) {
    char *s = faasmPyNameBuf_();
    if (s)
        __faasm_get_py_func((unsigned char *)s, FAASM_PY_NAME_MAX);
    return s;
}

static inline char *faasmGetPythonEntry(void) {
    char *s = faasmPyNameBuf_();
    if (s)
        __faasm_get_py_entry((unsigned char *)s, FAASM_PY_NAME_MAX);
    return s;
}

/* 1 or 0: is configuration flag `key` on? */
static inline unsigned int getConfFlag(const char *key) {
    return __faasm_conf_flag(key);
}

/* ---- Entry points other than main ---- */

/*
 * FAASM_ZYGOTE() { ... } defines `int _faasm_zygote(void)`, exported, which
 * the runtime calls once after instantiation, before it snapshots the
 * module (a Proto-Faaslet): put expensive, input-independent set-up there.
 */
#ifdef __wasm__
#define FAASM_EXPORT_AS(name) __attribute__((export_name(name)))
#else
#define FAASM_EXPORT_AS(name)
#endif

FAASM_EXPORT_AS("_faasm_zygote") int _faasm_zygote(void);
#define FAASM_ZYGOTE() int _faasm_zygote(void)

/*
 * _faasm_init: an exported no-op the runtime calls before entering a
 * chained function through its table index (chain_ptr).  The call does the
 * work: in a WASI command module the linker wraps every export in the C
 * constructors (wasi-libc's preopened directories, C++ static objects),
 * which would otherwise run only from _start.  Weak, so every translation
 * unit may carry it and the link keeps one.
 */
#ifdef __wasm__
void _faasm_init(void);
__attribute__((weak, export_name("_faasm_init"))) void _faasm_init(void) {}
#endif

#ifdef __cplusplus
}
#endif

#endif
