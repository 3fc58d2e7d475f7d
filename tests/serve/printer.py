"""printer: prints to stdout and stderr, outputs "printed" (server tests)."""
import sys

from pyfaasm.core import write_output


def faasm_main():
    print("python stdout")
    print("python stderr", file=sys.stderr)
    write_output("printed")
    return 0
