/*
 * loop: never returns (`while (1);`).  Run with --timeout 1: the call must
 * stop with a timeout well within 1.5 s.
 */
int main(void) {
    volatile int spin = 1;
    while (spin)
        ;
    return 0;
}
