"""raise_exit_one: raise SystemExit(1) from faasm_main, after output.

Output: "raise_exit_one: output set before SystemExit(1)"; status 1.
"""
from pyfaasm.core import write_output


def faasm_main():
    write_output(b"raise_exit_one: output set before SystemExit(1)")
    raise SystemExit(1)
