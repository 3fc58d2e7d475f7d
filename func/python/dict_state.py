"""dict_state: a pickled dict passed through state between chained calls.

faasm_main pickles a dict into state key "dict_state_example" and pushes
it; the chained call update_dict pulls and unpickles it, checks it, adds
an entry and pushes it back; faasm_main pulls the result and checks both.
Output: "dict_state: update_dict saw 4 keys, main saw the update"; returns 0.
On a difference the output says which and the call returns 1.
"""
import pickle
import sys

from pyfaasm.core import (await_call, chain, get_state, get_state_size,
                          pull_state, push_state, set_state, write_output)

KEY = "dict_state_example"
ORIGINAL = {
    "numbers": list(range(20)),
    "name": "faaslet",
    "nested": {"pi": 3.14159, "tuple": (1, "two", b"\x00three")},
    "blob": bytes(range(256)),
}


def load_dict():
    size = get_state_size(KEY)
    pull_state(KEY, size)
    return pickle.loads(get_state(KEY, get_state_size(KEY)))


def save_dict(d):
    set_state(KEY, pickle.dumps(d))
    push_state(KEY)


def update_dict(data):
    d = load_dict()
    if d != ORIGINAL:
        write_output("update_dict: state differs: {!r}".format(d))
        return 1
    d["updated_by"] = "update_dict"
    d["numbers"].append(sum(d["numbers"]))
    save_dict(d)
    write_output("update_dict saw {} keys".format(len(ORIGINAL)))
    return 0


def faasm_main():
    save_dict(ORIGINAL)
    ret = await_call(chain(update_dict, b""))
    if ret != 0:
        write_output("dict_state: update_dict returned {}".format(ret))
        return 1
    d = load_dict()
    want = dict(ORIGINAL, updated_by="update_dict", numbers=list(range(20)) + [190])
    if d != want:
        write_output("dict_state: main saw {!r}".format(d))
        return 1
    write_output("dict_state: update_dict saw {} keys, main saw the update".format(
        len(ORIGINAL)))
    return 0


if __name__ == "__main__":
    sys.exit(faasm_main())
