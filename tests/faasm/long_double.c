/* long_double: printf and scanf of long double (-lc-printscan-long-double). */
#include <stdio.h>

int main(int argc, char *argv[]) {
    long double x = 0;
    if (sscanf("2.5", "%Lf", &x) != 1)
        return 1;
    printf("%.3Lf %Lg\n", x * 2, (long double)1 / 4);
    return 0;
}
