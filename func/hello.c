/*
 * hello: Faasm's first demo.
 * Output: "Hello Faasm!" (12 bytes); returns 0.
 */
#include "faasm/faasm.h"

int main(int argc, char *argv[]) {
    faasmSetOutput("Hello Faasm!", 12);
    return 0;
}
