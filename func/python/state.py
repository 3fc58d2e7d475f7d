"""state: full and offset reads and writes, push, pull, append, locks.

Values are binary (every byte value, NULs included).
Output: "state: all 8 checks passed"; returns 0.  Otherwise the output
names the failed checks and the call returns 1.
"""
import sys

from pyfaasm.core import (append_state, clear_appended_state, pull_state,
                          push_state, push_state_partial, read_appended_state,
                          read_state, read_state_offset, read_state_size,
                          state_read_lock, state_write_lock, write_output,
                          write_state, write_state_offset, get_state,
                          set_state, set_state_offset, get_state_offset)

KEY = "state_example"
VALUE = bytes(range(256))
PATCH = b"\x00faaslet\x00"


def faasm_main():
    checks = {}

    write_state(KEY, VALUE)
    push_state(KEY)
    checks["size"] = read_state_size(KEY) == len(VALUE)
    checks["full read"] = read_state(KEY, len(VALUE)) == VALUE

    write_state_offset(KEY, len(VALUE), 100, PATCH)
    push_state_partial(KEY)
    expected = VALUE[:100] + PATCH + VALUE[100 + len(PATCH):]
    checks["offset read"] = read_state_offset(KEY, len(VALUE), 100, len(PATCH)) == PATCH

    pull_state(KEY, len(VALUE))
    checks["pull"] = read_state(KEY, len(VALUE)) == expected

    # paper-era names on a second key
    set_state(KEY + "_old", b"abc\x00def")
    set_state_offset(KEY + "_old", 7, 3, b"-")
    checks["paper-era names"] = (get_state(KEY + "_old", 7) == b"abc-def" and
                                 get_state_offset(KEY + "_old", 7, 4, 3) == b"def")

    akey = KEY + "_appended"
    clear_appended_state(akey)
    for part in (b"one", b"\x00two", b"three"):
        append_state(akey, part)
    checks["append"] = read_appended_state(akey, 12, 3) == b"one\x00twothree"
    clear_appended_state(akey)

    with state_write_lock(KEY):
        write_state(KEY, VALUE)
    with state_read_lock(KEY):
        checks["locks"] = read_state(KEY) == VALUE
    push_state(KEY)
    checks["read all"] = read_state(KEY) == VALUE

    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        write_output("state: failed: " + ", ".join(failed))
        return 1
    write_output("state: all {} checks passed".format(len(checks)))
    return 0


if __name__ == "__main__":
    sys.exit(faasm_main())
