"""chain: the seed document's example, with real work in the chained calls.

faasm_main chains func_one and func_two with chain_this_with_input and
awaits them with await_call (the seed's form), then chains func_three with
chain and reads its output with await_call_output.
  func_one(data):   parses "1,2,...,10", writes the sum of squares (385);
                    returns 0 when the input was the expected one
  func_two(data):   writes the reversed upper-case input ("MSAAF")
  func_three(data): writes the SHA-256 hex digest of its (binary) input
Output: "chain: func_one 0, func_two 0, func_three output ok"; returns 0.
Any difference is named in the output and faasm_main returns 1.
"""
import hashlib
import sys

from pyfaasm.core import (await_call, await_call_output, chain,
                          chain_this_with_input, write_output)

ONE_INPUT = b",".join(str(i).encode() for i in range(1, 11))
THREE_INPUT = bytes(range(256)) * 4


def func_one(data):
    numbers = [int(x) for x in data.split(b",")]
    total = sum(n * n for n in numbers)
    write_output(str(total))
    return 0 if data == ONE_INPUT and total == 385 else 1


def func_two(data):
    out = data[::-1].upper()
    write_output(out)
    return 0 if out == b"MSAAF" else 1


def func_three(data):
    write_output(hashlib.sha256(data).hexdigest())
    return 0


def faasm_main():
    call_one = chain_this_with_input(func_one, ONE_INPUT)
    call_two = chain_this_with_input(func_two, b"faasm")
    ret_one = await_call(call_one)
    ret_two = await_call(call_two)

    call_three = chain(func_three, THREE_INPUT)
    out_three = await_call_output(call_three)
    three_ok = out_three == hashlib.sha256(THREE_INPUT).hexdigest().encode()

    if ret_one == 0 and ret_two == 0 and three_ok:
        write_output("chain: func_one 0, func_two 0, func_three output ok")
        return 0
    write_output("chain: func_one {}, func_two {}, func_three output {!r}".format(
        ret_one, ret_two, out_three))
    return 1


if __name__ == "__main__":
    sys.exit(faasm_main())
