/* dup_attack: faaslet.fd_dup as a hostile guest calls it: a bad fd, an fd
 * never opened, a result pointer outside memory, a min_fd past the table,
 * then dups until the call tree's fd budget (--max-fds) says EMFILE, and
 * one more after a close (the budget was given back).  Prints the errnos
 * and the count. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

__attribute__((import_module("faaslet"), import_name("fd_dup")))
uint32_t fd_dup(uint32_t fd, uint32_t min_fd, uint32_t *new_fd);

int main(int argc, char *argv[]) {
    uint32_t nfd = 0;
    printf("bad fd: %u\n", fd_dup(0xFFFFFFFFu, 0, &nfd));
    printf("unopened fd: %u\n", fd_dup(500, 0, &nfd));
    printf("bad pointer: %u\n", fd_dup(1, 0, (uint32_t *)(uintptr_t)0xFFFFFFFEu));
    printf("min past table: %u\n", fd_dup(1, 1u << 20, &nfd));
    int n = 0;
    uint32_t e, last = 0;
    while ((e = fd_dup(1, 0, &nfd)) == 0 && n < 5000) {
        last = nfd;
        n++;
    }
    printf("exhausted after %d dups: %u\n", n, e);
    close((int)last);
    printf("after a close: %u\n", fd_dup(1, 0, &nfd));
    return 0;
}
