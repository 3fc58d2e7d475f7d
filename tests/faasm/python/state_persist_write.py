"""state_persist_write: the writer of a pair of `faaslet run` processes on
one store (state_persist_read.py reads): a value pushed, then partly
rewritten with a partial push; a value written and never pushed.

Output: "state_persist_write: pushed"; status 0.
"""
from pyfaasm.core import (
    push_state,
    push_state_partial,
    set_state,
    set_state_offset,
    write_output,
)


def faasm_main():
    set_state("py_persist", b"written by python")
    push_state("py_persist")
    set_state_offset("py_persist", 17, 0, b"WRITTEN")
    push_state_partial("py_persist")
    set_state("py_persist_unpushed", b"local")
    write_output(b"state_persist_write: pushed")
