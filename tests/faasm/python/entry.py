"""entry: a function file in Faasm's form.  faasm_main() is called with the
module imported as `function` (its main block does not run); --entry
other calls other(input bytes); --entry nosuch fails with a message.

Output: "entry: faasm_main in module function"; status 0.
With --entry other --input abc: "entry: other got b'abc'"; status 3.
"""
from pyfaasm.core import write_output


def faasm_main():
    write_output("entry: faasm_main in module {}".format(__name__).encode())
    return 0


def other(input_bytes):
    write_output("entry: other got {}".format(input_bytes).encode())
    return 3


if __name__ == "__main__":
    write_output(b"entry: the main block ran, it should not have")
