#!/bin/sh
# python/check.sh [OUT]: py_func end to end: the ordinary python command
# (-c, -m, a script) and the example functions of func/python, each output
# compared with the one its file promises.  OUT defaults to build/python.
#
# RUNNER=node (default): python/run-node.mjs, the functions run in Faasm's
#   mode (--py demo/NAME, the file copied to /pyfuncs/demo/NAME/function.py).
# RUNNER=faaslet: `$FAASLET run` (default build/faaslet), the functions run
#   as scripts (their `if __name__ == "__main__"` calls faasm_main).
# chain.py and dict_state.py need chaining, which neither runner has yet.
# Prints one line per case, then "N passed, N failed"; exit 0 when all pass.
set -eu
cd "$(dirname "$0")/.."
TOP=$(pwd)
OUT=${1:-build/python}
RUNNER=${RUNNER:-node}
FAASLET=${FAASLET:-build/faaslet}
W=$OUT/py_func.wasm

SCRATCH=$(mktemp -d /tmp/faaslet-pycheck.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT INT TERM
for f in "$TOP"/func/python/*.py; do
    name=$(basename "$f" .py)
    mkdir -p "$SCRATCH/pyfuncs/demo/$name"
    cp "$f" "$SCRATCH/pyfuncs/demo/$name/function.py"
done

# py ARGS...: the plain python command; prints stdout, then stderr
py() {
    case "$RUNNER" in
    node) node --no-warnings python/run-node.mjs --root "$OUT/root" "$W" "$@" ;;
    faaslet) "$FAASLET" run "$W" --dir "$OUT/root:/" --env PYTHONHOME=/ \
                 --env PYTHONHASHSEED=0 --env PYTHONNOUSERSITE=on --env PYTHONWASM=1 -- "$@" ;;
    esac
}

# fn NAME INPUT: the example function NAME; prints its output (and stderr)
fn() {
    case "$RUNNER" in
    node) fn_rc=0
          node --no-warnings python/run-node.mjs --root "$OUT/root" \
              --dir /pyfuncs="$SCRATCH/pyfuncs" --py "demo/$1" --input "$2" "$W" \
              > "$SCRATCH/fn.out" 2>&1 || fn_rc=$?
          sed 's/^output: //' "$SCRATCH/fn.out"
          return $fn_rc ;;
    faaslet) "$FAASLET" run "$W" --input "$2" --dir "$OUT/root:/" \
                 --dir "$SCRATCH/pyfuncs/demo/$1:/f" --env PYTHONHOME=/ \
                 --env PYTHONHASHSEED=0 --env PYTHONNOUSERSITE=on --env PYTHONWASM=1 \
                 -- /f/function.py 2>&1 ;;
    esac
}

passed=0 failed=0
# check NAME WANT_RC PATTERN COMMAND...: the command's exit status and a
# line of its output matching the grep pattern
check() {
    name=$1 want_rc=$2 pattern=$3
    shift 3
    rc=0
    out=$("$@" 2>&1) || rc=$?
    if [ "$rc" -eq "$want_rc" ] && printf '%s\n' "$out" | grep -q -- "$pattern"; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name (exit $rc, want $want_rc and /$pattern/):"
        printf '%s\n' "$out" | tail -5 | sed 's/^/    /'
    fi
}

check "python -c" 0 '^2$' py -c 'print(1 + 1)'
check "python -m" 0 '^The Zen of Python, by Tim Peters$' py -m this
check "python exit code" 7 '^bye$' py -c 'import sys; print("bye"); sys.exit(7)'
check "python zlib" 0 '^1.2.13 ok$' py -c \
    'import zlib; d = b"x" * 10000; assert zlib.decompress(zlib.compress(d)) == d; print(zlib.ZLIB_VERSION, "ok")'
check "python site-packages" 0 'site-packages' py -c 'import sys; print(sys.path[-1])'
check "hello" 0 '^Hello! Running Python version 3\.11\.2 ' fn hello ""
check "echo" 0 '^faaslet echo$' fn echo "faaslet echo"
check "echo empty" 0 '^Nothing to echo$' fn echo ""
check "lang" 0 '^lang: all 10 checks passed$' fn lang ""
check "state" 0 '^state: all 8 checks passed$' fn state ""
check "fail" 1 '^ValueError: fail.py fails on purpose$' fn fail ""

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
