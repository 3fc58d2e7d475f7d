"""pyfaasm_old: the oldest names of Faasm's pyfaasm: the top-level ones of
the first C extension and core's camelCase ones.

Output: "Hello, Faasm extension! b'in' b'0099' b'09'" with --input in;
status 0.
"""
import pyfaasm
from pyfaasm.core import getInput, getState, getStateOffset, setState, setStateOffset, pushState, pullState


def faasm_main():
    setState("py_old", b"1234")
    setStateOffset("py_old", 4, 0, b"00")
    setStateOffset("py_old", 4, 2, b"99")
    pushState("py_old")
    pullState("py_old", 4)
    out = "{} {} {} {}".format(
        pyfaasm.hello_faasm(), getInput(), getState("py_old", 4), getStateOffset("py_old", 4, 1, 2)
    )
    pyfaasm.faasm_set_output(out.encode())
