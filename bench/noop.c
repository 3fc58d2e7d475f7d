/* bench/noop.c: the C function that does nothing (make bench-start). */
int main(void) {
    return 0;
}
