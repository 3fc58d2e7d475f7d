"""state_missing: reading a key nobody wrote gives zeros of the size asked
for (read_state, read_state_offset, get_state), nothing when no size is
given, and a pull of a key written here but never pushed gives zeros.

Output: "state_missing: 4 checks passed"; status 0.
"""
from pyfaasm.core import (
    get_state,
    pull_state,
    read_state,
    read_state_offset,
    set_state,
    write_output,
)


def faasm_main():
    checks = [
        read_state("py_missing_whole", 16) == bytes(16),
        read_state_offset("py_missing_offset", 64, 8, 16) == bytes(16),
        get_state("py_missing_none") == b"",
    ]
    set_state("py_missing_pulled", b"local bytes")
    pull_state("py_missing_pulled", 16)
    checks.append(get_state("py_missing_pulled", 16) == bytes(16))
    failed = [i for i, ok in enumerate(checks) if not ok]
    if failed:
        write_output("state_missing: checks {} failed".format(failed).encode())
        return 1
    write_output("state_missing: {} checks passed".format(len(checks)).encode())
    return 0
