/*
 * decode.h: the binary format decoder.  Turns bytes into an fl_module,
 * checking everything the spec calls malformed (magic and version, section
 * order and sizes, LEB128 encodings, UTF-8 names, instruction encodings in
 * every body and constant expression) but not validity (types, indices).
 */
#ifndef FL_ENGINE_DECODE_H
#define FL_ENGINE_DECODE_H

#include "engine/module.h"

/* Decodes `len` bytes (borrowed: copied into the module).  Returns a module
 * the caller frees with fl_module_free(), or NULL with `err` holding the
 * spec's wording and the byte offset. */
fl_module *fl_decode(const uint8_t *bytes, size_t len, fl_error *err);

#endif
