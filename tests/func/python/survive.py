"""survive: a chained entry that raises fails only its own call.

faasm_main chains boom (raises) and then reverse, awaits both with
await_call_result and checks: boom's call returned 1 with its traceback as
output, reverse's returned 7 with the reversed binary input.
Output: "survive: boom failed with its traceback, reverse ok"; returns 0.
Any difference is named in the output and faasm_main returns 1.
"""
from pyfaasm.core import await_call_result, chain, write_output


def boom(data):
    raise RuntimeError("boom on " + data.hex())


def reverse(data):
    write_output(data[::-1])
    return 7


def faasm_main():
    ret_a, out_a = await_call_result(chain(boom, b"\x00\x01"))
    ret_b, out_b = await_call_result(chain(reverse, b"a\x00b\xff"))
    problems = []
    if ret_a != 1:
        problems.append("boom returned %r" % ret_a)
    if not out_a.startswith(b"Traceback (most recent call last):"):
        problems.append("boom's output %r" % out_a[:60])
    if not out_a.rstrip().endswith(b"RuntimeError: boom on 0001"):
        problems.append("boom's error %r" % out_a[-60:])
    if (ret_b, out_b) != (7, b"\xffb\x00a"):
        problems.append("reverse gave %r" % ((ret_b, out_b),))
    if problems:
        write_output("survive: " + "; ".join(problems))
        return 1
    write_output("survive: boom failed with its traceback, reverse ok")
    return 0
