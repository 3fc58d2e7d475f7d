/* headers_c: the same helper headers from C (faasm_ names), FAASM_PROF_*
 * compiled away as on Faasm, and the paper-era FAASM_MAIN_FUNC. */
#include "faasm/compare.h"
#include "faasm/faasm.h"
#include "faasm/files.h"
#include "faasm/random.h"
#include "faasm/time.h"

#include <stdio.h>
#include <string.h>

FAASM_MAIN_FUNC() {
    FAASM_PROF_START(whole)
    int failed = 0;
    double d1[2] = {1.5, 2.5}, d2[2] = {1.5, 2.5};
    failed += !faasm_compareArraysDouble(d1, d2, 2);
    failed += !(faasm_getSecondsSinceEpoch() > 1.6e9);
    int r = faasm_randomInteger(-2, 2);
    failed += r < -2 || r > 2;
    float f = faasm_randomFloat();
    failed += f < 0 || f >= 1;
    int *perm = faasm_randomIntRange(5), sum = 0;
    for (int i = 0; i < 5; i++)
        sum += perm[i];
    failed += sum != 10;
    failed += faasm_getFileLength("/etc/hosts") <= 0;
    char *hosts = faasm_readFileToString("/etc/hosts");
    failed += !hosts || !strstr(hosts, "localhost");
    FAASM_PROF_END(whole)
    printf("headers_c: %d failed\n", failed);
    uint8_t in[64];
    int n = faasmGetInput(in, sizeof in);
    faasmSetOutput(in, n > 0 ? (size_t)n : 0);
    return failed;
}
