"""cytoolz_pkg: uses an added package with compiled extensions, cytoolz
(Debian's python3-cytoolz: five Cython modules built for wasm32-wasi from
Debian's source by `faaslet python add-package python3-cytoolz` and linked
into the Python module as built-in modules).

Output: "cytoolz_pkg: <n> compiled modules, <checks> ok"; returns 0 (1 when
a check fails).
"""
import sys

import cytoolz
import cytoolz.itertoolz
from pyfaasm.core import write_output

COMPILED = ("dicttoolz", "functoolz", "itertoolz", "recipes", "utils")


def faasm_main():
    # each module is the compiled one, not a Python fallback
    builtin = [m for m in COMPILED if "cytoolz." + m in sys.builtin_module_names and
               getattr(sys.modules.get("cytoolz." + m), "__file__", "") == "built-in"]
    checks = [
        cytoolz.frequencies("abracadabra") == {"a": 5, "b": 2, "r": 2, "c": 1, "d": 1},
        list(cytoolz.sliding_window(3, range(5))) == [(0, 1, 2), (1, 2, 3), (2, 3, 4)],
        cytoolz.merge_with(sum, {1: 1, 2: 2}, {1: 10}) == {1: 11, 2: 2},
        cytoolz.pipe(range(10), cytoolz.curried.filter(lambda x: x % 2),
                     cytoolz.curried.map(lambda x: x * x), sum) == 165,
        cytoolz.compose(str, len)([1, 2, 3]) == "3",
        type(cytoolz.itertoolz.groupby).__name__ == "cython_function_or_method",
        dict(cytoolz.countby(len, ["a", "bb", "cc", "d"])) == {1: 2, 2: 2},
    ]
    ok = len(builtin) == len(COMPILED) and all(checks)
    write_output("cytoolz_pkg: {} compiled modules, {} checks {}".format(
        len(builtin), sum(checks), "ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(faasm_main())
