/*
 * files.h: small file helpers shared by the subcommands.
 */
#ifndef FL_CLI_FILES_H
#define FL_CLI_FILES_H

#include <stddef.h>
#include <stdint.h>

/* Reads the whole of `path` into a buffer the caller frees with free().
 * The buffer has one extra NUL byte after the contents (not counted in
 * *len), so text files can be used as strings.  Returns NULL with errno
 * set when the file cannot be opened or read, or memory runs out. */
uint8_t *fl_cli_read_file(const char *path, size_t *len);

#endif
