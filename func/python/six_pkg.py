"""six_pkg: uses an added package, six (Debian's python3-six), installed
into the runtime root with `faaslet python add-package python3-six`.

Output: "six_pkg: six <version> ok"; returns 0 (1 when a check fails).
"""
import sys

import six

from pyfaasm.core import write_output


def faasm_main():
    ok = (six.PY3 and six.text_type is str and six.binary_type is bytes and
          six.ensure_str(b"faaslet") == "faaslet" and
          list(six.iteritems({"a": 1})) == [("a", 1)])
    write_output("six_pkg: six {} {}".format(six.__version__, "ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(faasm_main())
