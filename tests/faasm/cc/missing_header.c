/* Not built by run.sh: a case compiles it and expects faaslet cc to name
 * the header wasi-libc lacks (glibc has it: it must not be used). */
#include <netdb.h>

int main(void) { return 0; }
