#!/bin/sh
# tests/python/add_package.sh [FAASLET] [PYDIR]: `faaslet python add-package`
# end to end, on a copy of the runtime root (PYDIR/root, default
# build/python/root; FAASLET defaults to build/faaslet) reached through
# FAASLET_PYTHON: python3-six and python3-pyaes are added and a function
# uses each under `faaslet run` of py_func; adding again changes nothing;
# packages with compiled extensions (python3-yaml, python3-markupsafe) and
# bad names are refused with a clear message and nothing installed;
# python3-genshi is refused as it is and works with --skip-extensions.
# Needs apt-get to reach the machine's Debian archive.
# Prints one line per case, then "N passed, N failed"; exit 1 on a failure.
set -u
cd "$(dirname "$0")/../.."
TOP=$(pwd)
FAASLET=${1:-build/faaslet}
PYDIR=${2:-build/python}
case "$FAASLET" in /*) ;; *) FAASLET=$TOP/$FAASLET ;; esac
case "$PYDIR" in /*) ;; *) PYDIR=$TOP/$PYDIR ;; esac
for f in "$FAASLET" "$PYDIR/py_func.wasm" "$PYDIR/root/lib/python3.11"; do
    if [ ! -e "$f" ]; then
        echo "add_package.sh: $f missing (make, make python)" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
done

# a binary built outside the tree (BUILD=/tmp/...) cannot find the script
# from its own folder
case "$FAASLET" in
"$TOP"/*) ;;
*) export FAASLET_ADD_PACKAGE=${FAASLET_ADD_PACKAGE:-$TOP/python/add_package.sh} ;;
esac

S=$(mktemp -d "${TMPDIR:-/tmp}/faaslet-addpkg-test.XXXXXX")
trap 'rm -rf "$S"' EXIT INT TERM
mkdir -p "$S/python"
cp -R "$PYDIR/root" "$S/python/root"
ln -s "$PYDIR/py_func.wasm" "$S/python/py_func.wasm"
export FAASLET_PYTHON=$S/python
SITE=$S/python/root/lib/python3.11/site-packages

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() {
    failed=$((failed + 1))
    echo "FAIL $1"
    [ -f "$S/out" ] && tail -8 "$S/out" | sed 's/^/    /'
}

# run CMD...: exit status in $rc, stdout+stderr in $S/out
run() { rc=0; "$@" >"$S/out" 2>&1 || rc=$?; }
has() { grep -q -- "$1" "$S/out"; }
listing() { (cd "$SITE" && find . | sort); }

# fn FILE: a function of func/python as a script under faaslet run
fn() {
    "$FAASLET" run "$FAASLET_PYTHON/py_func.wasm" --dir "$FAASLET_PYTHON/root:/" \
        --dir "$TOP/func/python:/f" --env PYTHONHOME=/ --env PYTHONHASHSEED=0 \
        --env PYTHONNOUSERSITE=on --env PYTHONWASM=1 -- "/f/$1"
}

# refused NAME PATTERN WHAT: add-package NAME exits 2 with PATTERN in its
# message and site-packages unchanged
refused() {
    before=$(listing)
    run "$FAASLET" python add-package "$1"
    if [ "$rc" -eq 2 ] && has "$2" && [ "$(listing)" = "$before" ]; then
        ok "$3"
    else
        bad "$3 (exit $rc, want 2 and /$2/, nothing installed)"
    fi
}

run "$FAASLET" python add-package python3-six
if [ "$rc" -eq 0 ] && has "installed python3-six" && [ -f "$SITE/six.py" ] &&
        [ -f "$SITE/__pycache__/six.cpython-311.pyc" ]; then
    ok "add python3-six (six.py and its .pyc)"
else
    bad "add python3-six (exit $rc)"
fi

run "$FAASLET" python add-package python3-pyaes
if [ "$rc" -eq 0 ] && [ -f "$SITE/pyaes/__pycache__/aes.cpython-311.pyc" ]; then
    ok "add python3-pyaes (the pyaes package precompiled)"
else
    bad "add python3-pyaes (exit $rc)"
fi

# unchecked-hash .pyc, recorded with the path the guest sees
run /usr/bin/python3.11 -c "
import marshal, sys
d = open(sys.argv[1], 'rb').read()
assert int.from_bytes(d[4:8], 'little') == 1, 'not unchecked-hash'
assert marshal.loads(d[16:]).co_filename == '/lib/python3.11/site-packages/six.py'
print('pyc ok')" "$SITE/__pycache__/six.cpython-311.pyc"
if [ "$rc" -eq 0 ] && has "pyc ok"; then ok ".pyc unchecked-hash, guest path"; else bad ".pyc"; fi

before=$(listing)
run fn six_pkg.py
if [ "$rc" -eq 0 ] && has '^six_pkg: six 1\.16\.0 ok$'; then
    ok "six_pkg.py uses six under faaslet run"
else
    bad "six_pkg.py (exit $rc)"
fi
run fn pyaes_pkg.py
if [ "$rc" -eq 0 ] && has '^pyaes_pkg: AES-128 FIPS-197 ok, CTR round trip ok$'; then
    ok "pyaes_pkg.py uses pyaes under faaslet run (FIPS-197 vector)"
else
    bad "pyaes_pkg.py (exit $rc)"
fi
if [ "$(listing)" = "$before" ]; then
    ok "nothing written into site-packages at run time"
else
    bad "files written at run time"
fi

run "$FAASLET" python add-package python3-six python3-pyaes
if [ "$rc" -eq 0 ] && [ "$(listing)" = "$before" ]; then
    ok "adding again is idempotent"
else
    bad "adding again (exit $rc or files changed)"
fi

refused python3-yaml "_yaml.cpython-311-x86_64-linux-gnu.so" \
    "python3-yaml refused: names its compiled extension, nothing installed"
refused python3-markupsafe "compiled extensions" \
    "python3-markupsafe refused, nothing installed"
refused six 'not a Debian Python 3 package name' "\"six\" refused: not python3-*"
refused 'python3-six;id' 'only lowercase letters' "\"python3-six;id\" refused"
refused python3-no-such-package-faaslet 'no such package' "an unknown package refused"

# Debian builds Genshi's optional C speedups: refused as it is, installed
# without them on request, and it works on its pure-Python fallback
refused python3-genshi "_speedups.cpython-311" "python3-genshi refused (its optional _speedups .so)"
run "$FAASLET" python add-package --skip-extensions python3-genshi
if [ "$rc" -eq 0 ] && has "leaving out" && [ -f "$SITE/genshi/core.py" ] &&
        [ -z "$(find "$SITE" -name '*.so*')" ]; then
    ok "add --skip-extensions python3-genshi: no .so installed"
else
    bad "add --skip-extensions python3-genshi (exit $rc)"
fi
run fn genshi_pkg.py
if [ "$rc" -eq 0 ] && has '^genshi_pkg: <ul><li>1</li><li>2</li><li>&lt;a&gt;</li></ul> ok$'; then
    ok "genshi_pkg.py renders a template under faaslet run"
else
    bad "genshi_pkg.py (exit $rc)"
fi

# several names, one bad: checked before any is installed
before=$(listing)
run "$FAASLET" python add-package python3-pyparsing python3-yaml
if [ "$rc" -eq 2 ] && has "python3-yaml" && [ "$(listing)" = "$before" ]; then
    ok "python3-pyparsing python3-yaml: all refused when one is"
else
    bad "mixed names (exit $rc)"
fi

run "$FAASLET" python add-package
if [ "$rc" -eq 64 ] && has "no package name"; then ok "no name: usage, 64"; else bad "no name (exit $rc)"; fi

run env FAASLET_PYTHON="$S/none" "$FAASLET" python add-package python3-six
if [ "$rc" -eq 1 ] && has "no Python runtime root"; then
    ok "missing runtime root: clear message"
else
    bad "missing runtime root (exit $rc)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
