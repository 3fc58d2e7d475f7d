"""echo: the input, byte for byte (binary-safe: NUL bytes included).

Output: the input, or "Nothing to echo" when it is empty; returns 0.
"""
import sys

from pyfaasm.core import get_input_len, read_input, write_output


def faasm_main():
    data = read_input(get_input_len())
    write_output(data if data else b"Nothing to echo")
    return 0


if __name__ == "__main__":
    sys.exit(faasm_main())
