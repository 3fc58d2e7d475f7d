/*
 * init.c: what runs before every function's main: the working directory.
 * `faaslet cc` links it as an object (faaslet_init.o beside the SDK
 * library), never from the archive: an archive member nothing refers to
 * is not linked, and wasm-ld drops a constructor that -u alone pulls in.
 */
#include <unistd.h>

/* wasi-libc starts in "/", the read-only runtime root; Faasm's functions
 * write files by relative names.  The call's private /tmp, when it has
 * one, is where they go (after wasi-libc's own constructors found the
 * preopens).  chdir checks that it is a directory itself, and fails
 * harmlessly without one: every call runs this, so it costs one host
 * call, not two. */
__attribute__((constructor(65000))) void __faaslet_sdk_init(void) {
    chdir("/tmp");
}
