"""state_persist_read: run by a later process than state_persist_write.py on
the same store: the pushed value is there, the unpushed one is not.

Output: "state_persist_read: b'WRITTEN by python' 0"; status 0.
"""
from pyfaasm.core import get_state, get_state_size, write_output


def faasm_main():
    value = get_state("py_persist", get_state_size("py_persist"))
    unpushed = get_state_size("py_persist_unpushed")
    write_output("state_persist_read: {} {}".format(value, unpushed).encode())
