#!/bin/sh
# run.sh: end-to-end tests of `faaslet run` on real functions.
#
#   tests/func/run.sh FAASLET BUILD_DIR
#
# Compiles func/*.c and tests/func/*.c with `faaslet cc` (tests/func/*.wat
# with wat2wasm) into BUILD_DIR/wasm,
# uploads the func/ ones as user "demo" into a fresh function store
# (FAASLET_HOME=BUILD_DIR/home, whose runtime root gets etc/motd), then runs
# every case of cases.txt and compares exit status, stdout (exactly, or
# against a pattern) and stderr (must contain), and checks the wall time.
# Every call's private /tmp is made under TMPDIR=BUILD_DIR/calltmp, which
# must be empty again after each case.  Python cases (python_cases.txt,
# $P = func/python, $Q = tests/func/python) need the Python runtime
# ($FAASLET_PYTHON, else python/ next to FAASLET: make python); without it
# they fail.  A guest writing into a pipe whose reader left must get EPIPE
# (faaslet ignores SIGPIPE).  The SIMD functions (tests/func/simd/*.c) are
# built -O3 with faaslet cc (whose -msimd128 -mrelaxed-simd they need) and
# natively from the same C, and `faaslet run` must print what the native
# program prints, and Node (a second opinion, relaxed SIMD aside).  Prints
# "N passed, N failed" last; exits 1 on any failure.
set -u

# shellcheck source=tests/func/cases.sh
. "$(dirname "$0")/../func/cases.sh"
cases_setup "$@"
export FAASLET_SDK=$ROOT/sdk
mkdir -p "$W" "$S" "$FAASLET_HOME/runtime/etc" "$T"
printf 'runtime root\n' >"$FAASLET_HOME/runtime/etc/motd"

# ---- build and upload ----
for src in "$ROOT"/func/*.c "$HERE"/*.c; do
    name=$(basename "$src" .c)
    if [ ! -f "$W/$name.wasm" ] || [ "$src" -nt "$W/$name.wasm" ] || [ "$FAASLET" -nt "$W/$name.wasm" ]; then
        if ! "$FAASLET" cc -o "$W/$name.wasm" "$src" >"$B/cc.log" 2>&1; then
            bad "build $name" "$B/cc.log"
            continue
        fi
    fi
    case "$src" in
    "$ROOT"/func/*)
        "$FAASLET" upload --local demo "$name" "$W/$name.wasm" >"$B/up.log" 2>&1 ||
            bad "upload $name" "$B/up.log" ;;
    esac
done
clang-19 --target=wasm32 -O2 -nostdlib -Wl,--no-entry -o "$W/fib.wasm" "$ROOT/examples/fib.c" ||
    bad "build fib"
# hand-written modules (what a compiler would not emit: odd export types...)
for src in "$HERE"/*.wat; do
    name=$(basename "$src" .wat)
    wat2wasm --enable-all "$src" -o "$W/$name.wasm" >"$B/cc.log" 2>&1 || bad "build $name" "$B/cc.log"
done
# SIMD (tests/func/simd/): -O3, as Faasm builds, and natively for the
# expected output
for src in "$HERE"/simd/*.c; do
    name=$(basename "$src" .c)
    "$FAASLET" cc -O3 -Wall -Wextra -Werror -o "$W/$name.wasm" "$src" >"$B/cc.log" 2>&1 ||
        bad "build $name" "$B/cc.log"
    clang-19 -O3 -march=native -Wall -Wextra -Werror -o "$B/$name-native" "$src" -lm \
        >"$B/cc.log" 2>&1 || bad "build $name natively" "$B/cc.log"
done
printf 'line one\nline two' >"$W/input.bin"
# on machine code (FAASLET_TIER=aot): generated now, as `faaslet codegen`
# (or upload) would, so the timed cases time calls, not code generation
if [ "${FAASLET_TIER:-}" = aot ]; then
    for m in "$W"/*.wasm; do
        "$FAASLET" codegen "$m" >"$B/cg.log" 2>&1 ||
            grep -q "not supported yet\|invalid\|cannot" "$B/cg.log" ||
            bad "codegen $(basename "$m")" "$B/cg.log"
    done
fi

# ---- the cases (cases.sh) ----
run_cases "$HERE/cases.txt"

# ---- SIGPIPE: the reader goes away; the guest must see EPIPE ----
(
    "$FAASLET" run "$W/pipe.wasm" 2>"$B/err"
    echo $? >"$B/rc"
) | head -c 10 >/dev/null
rc=$(cat "$B/rc")
if [ "$rc" = 7 ] && grep -q EPIPE "$B/err"; then
    pass=$((pass + 1))
    echo "ok   sigpipe (the guest got EPIPE, faaslet exited with its value 7)"
else
    echo "     exit status $rc, want 7 (141 = killed by SIGPIPE)" >"$B/why"
    sed 's/^/     stderr: /' "$B/err" | head -5 >>"$B/why"
    bad sigpipe "$B/why"
fi

# ---- SIMD: each function's output is the native build's, line for line ----
# simd_intrinsics names an instruction on each line: every one must be in
# its module (wabt 1.0.32 writes relaxed_dot as dot), so none was folded
# away.  simd_auto must have been vectorised at all.  Node 20 runs relaxed
# SIMD only behind a flag and answers relaxed_dot_..._add differently: its
# relaxed lines are not compared.
for src in "$HERE"/simd/*.c; do
    name=$(basename "$src" .c)
    if [ ! -f "$W/$name.wasm" ] || [ ! -x "$B/$name-native" ]; then
        continue # (a build failure, counted above)
    fi
    wasm-objdump -d "$W/$name.wasm" >"$B/$name.dis" 2>&1
    ops=$(grep -cE '^ *[0-9a-f]+: fd [^|]*\| *[^ ]' "$B/$name.dis")
    "$B/$name-native" >"$B/$name.want" 2>&1
    timeout 60 "$FAASLET" run "$W/$name.wasm" >"$B/$name.got" 2>"$B/err"
    rc=$?
    node --no-warnings --experimental-wasm-relaxed-simd "$ROOT/tests/wasi/node_runner.mjs" \
        "$W/$name.wasm" >"$B/$name.node" 2>&1
    why=""
    [ "$ops" -gt 0 ] || why="no SIMD instruction in $name.wasm"
    if [ -z "$why" ] && [ "$name" = simd_intrinsics ]; then
        for insn in $(cut -d' ' -f1 "$B/$name.want"); do
            alt=$(printf '%s' "$insn" | sed 's/relaxed_dot/dot/')
            grep -qE "\| *($insn|$alt)( |\$)" "$B/$name.dis" || why="$why $insn"
        done
        [ -z "$why" ] || why="not in the module (folded by clang?):$why"
    fi
    [ -z "$why" ] && [ "$rc" != 0 ] && why="faaslet run: exit status $rc: $(head -c 300 "$B/err")"
    [ -z "$why" ] && ! cmp -s "$B/$name.got" "$B/$name.want" &&
        why="differs from native: $(diff "$B/$name.want" "$B/$name.got" | head -6 | tr '\n' ' ')"
    grep -v relaxed "$B/$name.want" >"$B/$name.want-nr"
    grep -v relaxed "$B/$name.node" >"$B/$name.node-nr"
    [ -z "$why" ] && ! cmp -s "$B/$name.want-nr" "$B/$name.node-nr" &&
        why="native and Node differ: $(diff "$B/$name.want-nr" "$B/$name.node-nr" | head -6 | tr '\n' ' ')"
    if [ -z "$why" ]; then
        pass=$((pass + 1))
        echo "ok   $name ($ops SIMD instructions, $(wc -l <"$B/$name.want") lines as native)"
    else
        echo "     $why" >"$B/why"
        bad "$name" "$B/why"
    fi
done

# ---- Python functions: only with a Python build (make python) ----
PY=${FAASLET_PYTHON:-$(dirname "$FAASLET")/python}
if [ -f "$PY/py_func.wasm" ] && [ -d "$PY/root" ]; then
    export FAASLET_PYTHON=$PY
    pass0=$pass
    fail0=$fail
    for name in hello echo; do
        "$FAASLET" upload --local python "$name" "$ROOT/func/python/$name.py" --py \
            >"$B/up.log" 2>&1 || bad "upload python $name" "$B/up.log"
    done
    run_cases "$HERE/python_cases.txt"
    # binary input comes back byte for byte, NUL and 0xff included
    printf 'a\000b\377c\000' >"$W/binary.in"
    "$FAASLET" run "$ROOT/func/python/echo.py" --input-file "$W/binary.in" >"$B/out" 2>"$B/err"
    rc=$?
    if [ "$rc" = 0 ] && cmp -s "$B/out" "$W/binary.in"; then
        pass=$((pass + 1))
        echo "ok   py_echo_binary"
    else
        echo "     exit status $rc; stdout: $(od -c "$B/out" | head -2)" >"$B/why"
        bad py_echo_binary "$B/why"
    fi
    # a function's file changed between runs: the next run runs the new
    # code, not the code its snapshot holds compiled (the snapshot is keyed
    # by the file), and the run after it the same
    mkdir -p "$B/pychange"
    got=""
    for text in first second-one second-one; do
        printf 'from pyfaasm.core import write_output\n\ndef faasm_main():\n    write_output("%s")\n' \
            "$text" >"$B/pychange/changing.py"
        got="$got $("$FAASLET" run "$B/pychange/changing.py" 2>&1)"
    done
    if [ "$got" = " first second-one second-one" ]; then
        pass=$((pass + 1))
        echo "ok   py_changed_file"
    else
        echo "     outputs:$got (want: first second-one second-one)" >"$B/why"
        bad py_changed_file "$B/why"
    fi
    echo "python: $((pass - pass0)) passed, $((fail - fail0)) failed"
else
    # `make functest` builds Python first: its absence is a failure
    bad "python: no $PY/py_func.wasm or $PY/root (make python)"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
