/*
 * files.h: reading the files a user names on the command line (a module,
 * a Python function, a call's input, a spec test's JSON), one way for all.
 */
#ifndef FL_CLI_FILES_H
#define FL_CLI_FILES_H

#include <stddef.h>
#include <stdint.h>

/* The most each kind of file may hold. */
#define FL_CLI_MAX_MODULE ((size_t)1 << 30) /* a .wasm module: 1 GiB */
#define FL_CLI_MAX_INPUT ((size_t)128 << 20) /* a call's input: 128 MiB */
#define FL_CLI_MAX_SOURCE ((size_t)64 << 20) /* a Python function, a JSON file: 64 MiB */

/* Reads all of `path`, a regular file or a pipe or FIFO (such as
 * /dev/stdin when it is one), into a buffer the caller frees with free().
 * The buffer has one extra NUL byte after the contents (not counted in
 * *len), so text files can be used as strings.  Returns NULL with a message
 * in err[0..errlen) when `path` is a directory ("is a directory"), a device
 * or a socket ("is not a regular file", said before it is opened: opening
 * one may block or act), holds more than `max` bytes ("larger than N MiB",
 * said for a regular file before reading it, for a pipe after max + 1
 * bytes), or cannot be opened or read (strerror's words). */
uint8_t *fl_cli_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);

/* The Python runtime's folder into buf: `given` (--python), else
 * $FAASLET_PYTHON, else python/ next to the faaslet binary (whether or not
 * it exists: a Python call then fails to load, saying so). */
void fl_cli_python_dir(const char *given, char *buf, size_t size);

/* The function store's runtime root, STORE/runtime, into buf: made when
 * missing and holding what Faasm's root holds that functions read
 * (etc/passwd, etc/group, etc/hosts; an operator's own versions stay).
 * Returns 0, or -1 with errno set. */
int fl_cli_store_runtime_root(const char *store_dir, char *buf, size_t size);

#endif
