/*
 * bad_ptr: hands the host a pointer past the end of linear memory.  The
 * call must end with a trap naming the import, and the process live on.
 */
#include "faasm/host_interface.h"

int main(void) {
    __faasm_write_output((const unsigned char *)0xfffffff0u, 64);
    return 0;
}
