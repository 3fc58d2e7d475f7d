"""exit_one: exit(1) ends the call with status 1, quietly, like exit(3).

The output set before exit(1) stays the call's output (a traceback would
have replaced it).  Output: "exit_one: output set before exit(1)"; status 1.
"""
from pyfaasm.core import write_output


def faasm_main():
    write_output(b"exit_one: output set before exit(1)")
    exit(1)
