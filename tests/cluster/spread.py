"""spread: faasm_main chains N calls of leaf (this file; N its input,
default 1000) and awaits every one's output; each leaf writes its input
doubled.  On a cluster whose host is full the leaves run on other hosts.

Output: "spread: N chained, N answered, N outputs right"; returns 0 when
all were, 1 otherwise.
"""
import sys

from pyfaasm.core import (await_call_result, chain_this_with_input, get_input,
                          write_output)


def leaf(data):
    write_output(data + data)
    return 0


def faasm_main():
    raw = get_input()
    n = int(raw) if raw else 1000
    ids = [chain_this_with_input(leaf, str(i).encode()) for i in range(n)]
    answered = right = 0
    for i, call in enumerate(ids):
        ret, out = await_call_result(call)
        answered += ret == 0
        right += out == str(i).encode() * 2
    write_output("spread: {} chained, {} answered, {} outputs right".format(n, answered, right))
    return 0 if answered == right == n else 1


if __name__ == "__main__":
    sys.exit(faasm_main())
