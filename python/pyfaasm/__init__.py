"""pyfaasm: Faasm's Python API for functions run by python/py_func.

The API lives in pyfaasm.core (and the matrix layout in pyfaasm.config);
the host calls are in the built-in C module _pyfaasm, so this package only
works inside py_func.  The names below are those of Faasm's very first
pyfaasm, a bare C extension imported as `pyfaasm`; old functions such as
Faasm's faasm_test.py still call them.
"""

import _pyfaasm

__all__ = ["hello_faasm", "helloFaasm", "faasm_get_input", "faasm_set_output"]

# What the first pyfaasm's test function returned.
_HELLO = "Hello, Faasm extension!"


def hello_faasm():
    """A fixed greeting: shows that the extension is reachable."""
    return _HELLO


def helloFaasm():
    return _HELLO


def faasm_get_input():
    """This call's whole input as bytes."""
    return _pyfaasm.read_input(-1)


def faasm_set_output(output):
    """Sets this call's output (bytes-like)."""
    _pyfaasm.write_output(output)
