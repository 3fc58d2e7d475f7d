#!/bin/sh
# run.sh: functions written the way Faasm's demos are, built and run.
#
#   tests/faasm/run.sh FAASLET BUILD_DIR
#
# Builds every tests/faasm/*.c and *.cpp with `faaslet cc` and its defaults
# only (no flag but -o) into BUILD_DIR/wasm, uploads each as user "faasm"
# into a fresh function store (FAASLET_HOME=BUILD_DIR/home, whose runtime
# root faaslet run seeds itself), then runs the cases of every
# tests/faasm/*.cases (the format of tests/func/cases.txt, through the
# shared tests/func/cases.sh; $F is this folder).  Python cases
# (tests/faasm/python*.cases; the files of tests/faasm/python/*.py are
# uploaded as Python functions of user "python") run only when the Python
# runtime exists ($FAASLET_PYTHON, else python/ next to FAASLET: make
# python); without it they fail.  Prints "N passed, N
# failed" last; exits 1 on any failure.
set -u

# shellcheck source=tests/func/cases.sh
. "$(dirname "$0")/../func/cases.sh"
cases_setup "$@"
mkdir -p "$W" "$S" "$T"

# ---- build (defaults only) and upload ----
for src in "$HERE"/*.c "$HERE"/*.cpp; do
    [ -f "$src" ] || continue
    name=$(basename "$src"); name=${name%.*}
    if [ ! -f "$W/$name.wasm" ] || [ "$src" -nt "$W/$name.wasm" ] || [ "$FAASLET" -nt "$W/$name.wasm" ]; then
        if ! "$FAASLET" cc -o "$W/$name.wasm" "$src" >"$B/cc.log" 2>&1; then
            bad "build $name" "$B/cc.log"
            continue
        fi
    fi
    "$FAASLET" upload --local faasm "$name" "$W/$name.wasm" >"$B/up.log" 2>&1 ||
        bad "upload $name" "$B/up.log"
done
# the same overflow without a name section (as wasm-opt leaves a module)
llvm-objcopy-19 --remove-section=name "$W/stack_overflow.wasm" "$W/stack_overflow_noname.wasm" ||
    bad "strip the name section of stack_overflow.wasm"

# ---- the cases ----
for cases in "$HERE"/*.cases; do
    [ -f "$cases" ] || continue
    case "$(basename "$cases")" in python*) continue ;; esac
    run_cases "$cases"
done

# ---- Python cases: only with a Python build (make python) ----
PY=${FAASLET_PYTHON:-$(dirname "$FAASLET")/python}
if [ -f "$PY/py_func.wasm" ] && [ -d "$PY/root" ]; then
    export FAASLET_PYTHON=$PY
    pass0=$pass
    fail0=$fail
    for py in "$HERE"/python/*.py; do
        [ -f "$py" ] || continue
        "$FAASLET" upload --local python "$(basename "$py" .py)" "$py" --py \
            >"$B/up.log" 2>&1 || bad "upload python $(basename "$py")" "$B/up.log"
    done
    for cases in "$HERE"/python*.cases; do
        [ -f "$cases" ] && run_cases "$cases"
    done
    echo "python: $((pass - pass0)) passed, $((fail - fail0)) failed"
else
    bad "python: no $PY/py_func.wasm or $PY/root (make python)"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
