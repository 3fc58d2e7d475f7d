/* environ: argv[0] and the variables Faasm sets for every function. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char *argv[]) {
    static const char *const names[] = {"PYTHONHOME", "PYTHONNOUSERSITE", "PYTHONWASM",
                                        "PYTHONHASHSEED", "PYTHON_PATH", "MKL_NUM_THREADS",
                                        "OPENBLAS_NUM_THREADS", "EXTRA"};
    printf("argv[0]=%s argc=%d\n", argv[0], argc);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        printf("%s=%s\n", names[i], v ? v : "(unset)");
    }
    return 0;
}
