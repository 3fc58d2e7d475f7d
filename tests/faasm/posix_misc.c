/* posix_misc: signal() and getpid() (wasi-libc's emulations, linked by
 * default) compile and answer. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void handler(int sig) { (void)sig; }

int main(int argc, char *argv[]) {
    int ok = signal(SIGINT, handler) != SIG_ERR && getpid() > 0;
    printf("posix_misc: %s\n", ok ? "ok" : "wrong");
    return !ok;
}
