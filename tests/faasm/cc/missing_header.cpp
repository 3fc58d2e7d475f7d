// Not built by run.sh: C++ too names the missing header.
#include <pthread.h>
#include <string>

int main() { return 0; }
