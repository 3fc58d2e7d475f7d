"""script: a file with no faasm_main runs as `python script.py` would:
its module code runs with __name__ "__main__", so the main block runs too,
and the call ends with status 0.

Output: "script: module code as __main__, main block ran"; status 0.
"""
from pyfaasm.core import write_output

parts = ["script: module code as " + __name__]

if __name__ == "__main__":
    parts.append("main block ran")

write_output(", ".join(parts).encode())
