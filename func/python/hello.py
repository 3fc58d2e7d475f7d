"""hello: the first Python demo.

Output: "Hello! Running Python version <sys.version>"; returns 0.
"""
import sys

from pyfaasm.core import write_output


def faasm_main():
    write_output("Hello! Running Python version {}".format(sys.version))
    return 0


if __name__ == "__main__":
    sys.exit(faasm_main())
