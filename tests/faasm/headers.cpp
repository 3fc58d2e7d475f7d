// headers: Faasm's C++ helper headers, as its demos use them
// (faasm/compare.h, faasm/time.h, faasm/random.h, faasm/files.h,
// faasm/input.h).  Prints one line per check; returns the failures.
#include "faasm/compare.h"
#include "faasm/faasm.h"
#include "faasm/files.h"
#include "faasm/input.h"
#include "faasm/random.h"
#include "faasm/time.h"

#include <stdio.h>
#include <string.h>
#include <string>

int main(int argc, char* argv[])
{
    int failed = 0;
    int a[3] = { 1, 2, 3 }, b[3] = { 1, 2, 3 }, c[3] = { 1, 2, 4 };
    bool same = faasm::compareArrays<int>(a, b, 3);
    bool differ = !faasm::compareArrays<int>(a, c, 3); // prints the arrays
    printf("compare: %s\n", same && differ ? "ok" : "wrong");
    failed += !(same && differ);

    double secs = faasm::getSecondsSinceEpoch();
    printf("time: %s\n", secs > 1.6e9 ? "ok" : "wrong");
    failed += !(secs > 1.6e9);

    bool inRange = true;
    for (int i = 0; i < 1000; i++) {
        int r = faasm::randomInteger(3, 7);
        float f = faasm::randomFloat();
        inRange = inRange && r >= 3 && r <= 7 && f >= 0 && f < 1;
    }
    int* perm = faasm::randomIntRange(10);
    int sum = 0;
    for (int i = 0; i < 10; i++)
        sum += perm[i];
    delete[] perm;
    std::string s = faasm::randomString(12);
    bool ok = inRange && sum == 45 && s.size() == 12;
    printf("random: %s\n", ok ? "ok" : "wrong");
    failed += !ok;

    FILE* fp = fopen("/tmp/headers.txt", "w");
    fputs("file contents", fp);
    fclose(fp);
    char* text = faasm::readFileToString("/tmp/headers.txt");
    long len = faasm::getFileLength("/tmp/headers.txt");
    ok = text && !strcmp(text, "file contents") && len == 13 &&
         faasm::getFileLength("/tmp/none") == -1 &&
         faasm::readFileToString("/tmp/none") == nullptr;
    printf("files: %s\n", ok ? "ok" : "wrong");
    failed += !ok;

    std::string in = faasm::getStringInput("no input");
    faasm::setStringOutput(("input: " + in + "\n").c_str());
    return failed;
}
