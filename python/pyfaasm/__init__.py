"""pyfaasm: Faasm's Python API for functions run by python/py_func.

The API lives in pyfaasm.core; the host calls are in the built-in C module
_pyfaasm, so this package only works inside py_func.
"""
