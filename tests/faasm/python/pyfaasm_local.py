"""pyfaasm_local: pyfaasm.core's local mode: local chaining runs the chained
function here (await_call gives 0), local output keeps set_output's value
for get_output instead of the call's output.

Output: "pyfaasm_local: chained ran with b'in', kept b'kept'"; status 0.
"""
from pyfaasm import core

seen = []


def chained(input_bytes):
    seen.append(input_bytes)


def faasm_main():
    core.set_local_chaining(True)
    call_id = core.chain_this_with_input(chained, b"in")
    rc = core.await_call(call_id)
    core.set_local_chaining(False)

    core.set_local_input_output(True)
    core.set_output(b"kept")
    kept = core.get_output()
    core.set_local_input_output(False)

    if rc != 0 or seen != [b"in"]:
        return 1
    core.set_output("pyfaasm_local: chained ran with {}, kept {}".format(seen[0], kept))
    return 0
