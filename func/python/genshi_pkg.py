"""genshi_pkg: uses an added package, Genshi (Debian's python3-genshi, which
needs python3-six), installed with `faaslet python add-package
--skip-extensions python3-genshi python3-six`: Debian builds Genshi's
optional C speedups, which py_func cannot load, and Genshi falls back to
pure Python without them.  Renders a markup template with a loop and
escaping.

Output: "genshi_pkg: <ul><li>1</li><li>2</li><li>&lt;a&gt;</li></ul> ok";
returns 0 (1 when the rendering differs, with "FAILED").
"""
import sys

from genshi.template import MarkupTemplate

from pyfaasm.core import write_output

TEMPLATE = ('<ul xmlns:py="http://genshi.edgewall.org/">'
            '<li py:for="x in items">${x}</li></ul>')
WANT = "<ul><li>1</li><li>2</li><li>&lt;a&gt;</li></ul>"


def faasm_main():
    out = MarkupTemplate(TEMPLATE).generate(items=[1, 2, "<a>"]).render("xhtml")
    ok = out == WANT
    write_output("genshi_pkg: {} {}".format(out, "ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(faasm_main())
