#!/bin/sh
# python/regrtest.sh [OUT [TEST...]]: CPython's own regression tests, from
# the same source as py_func.wasm, run inside it with regrtest (-m test).
# OUT defaults to build/python; the tests default to the Python issue's list
# and the files of the modules built on Debian's libraries (bz2, lzma,
# sqlite3) and of decimal.
#
# The runtime root is mounted at "/", the precompiled Lib/test tree at
# /tests, and a fresh scratch folder at /tmp (regrtest's working folder).
# Each test file runs in its own process (a fresh linear memory).  The full
# verbose log goes to OUT/regrtest.log; printed: one line per file with the
# counts of its unittest summary, then "N passed, N failed, N skipped".
# RUNNER picks the host: "node" (default, python/run-node.mjs) or
# "faaslet" (FAASLET, default build/faaslet, `faaslet run` with --dir and
# --env).  A file passes only when its process exits 0, unittest's summary
# says OK, and it ran at least one test that was not skipped (a file that
# may run none is named in zero_ok with why); a crash, a file killed after
# REGRTEST_TIMEOUT seconds (default 1800) or a missing summary fails it.
# Exit status 0 when all passed.
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-build/python}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- test_grammar test_opcodes test_dict test_list test_tuple test_set \
    test_string test_bytes test_int test_long test_float test_math test_struct test_json \
    test_re test_pickle test_collections test_itertools test_exceptions test_zlib \
    test_bz2 test_lzma test_sqlite3 test_decimal
RUNNER=${RUNNER:-node}
FAASLET=${FAASLET:-build/faaslet}
TMO=${REGRTEST_TIMEOUT:-1800}
LOG=$OUT/regrtest.log

SCRATCH=$(mktemp -d /tmp/faaslet-regrtest.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT INT TERM

run_one() {
    case "$RUNNER" in
    node)
        # --no-liftoff: node 20's baseline wasm compiler corrupts its heap
        # now and then after tests that use much memory (V8 fatal error
        # with this=FreeSpace in WASI.start); optimised code only does not.
        timeout -k 30 "$TMO" node --no-warnings --no-liftoff python/run-node.mjs --root "$OUT/root" \
            --dir /tests="$OUT/tests" --dir /tmp="$SCRATCH" \
            --env PYTHONPATH=/tests --env TMPDIR=/tmp \
            "$OUT/py_func.wasm" -m test -v "$1"
        ;;
    faaslet)
        timeout -k 30 "$TMO" "$FAASLET" run "$OUT/py_func.wasm" --dir "$OUT/root:/" --dir "$OUT/tests:/tests" \
            --dir "$SCRATCH:/tmp" --env PYTHONHOME=/ --env PYTHONHASHSEED=0 \
            --env PYTHONNOUSERSITE=on --env PYTHONWASM=1 --env PYTHONPATH=/tests \
            --env TMPDIR=/tmp -- -m test -v "$1"
        ;;
    *)
        echo "regrtest: unknown RUNNER $RUNNER" >&2
        return 2
        ;;
    esac
}

# Files allowed to run no test, each with the reason (none today): print the
# reason and succeed for such a file, fail for any other.
zero_ok() {
    case "$1" in
    *) return 1 ;;
    esac
}

: > "$LOG"
passed=0 failed=0 skipped=0 bad_files=""
for t in "$@"; do
    one=$SCRATCH/one.log
    rc=0
    run_one "$t" > "$one" 2>&1 || rc=$?
    # node 20 itself crashes now and then at exit after a test file that used
    # much memory, its tests all passed: that file is run once more.
    if [ "$RUNNER" = node ] && [ "$rc" -ge 128 ] && grep -q '^Tests result: SUCCESS$' "$one"; then
        cat "$one" >> "$LOG"
        echo "regrtest: node crashed (exit $rc) after $t passed: running it again" | tee -a "$LOG"
        rc=0
        run_one "$t" > "$one" 2>&1 || rc=$?
    fi
    cat "$one" >> "$LOG"
    # unittest's summary: "Ran N tests" and "OK (skipped=K)" or
    # "FAILED (failures=F, errors=E, skipped=K)"
    ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\} in .*/\1/p' "$one" | tail -1)
    summary=$(grep -E '^(OK|FAILED)( \(|$)' "$one" | tail -1 || true)
    n_skip=$(echo "$summary" | sed -n 's/.*skipped=\([0-9]*\).*/\1/p')
    n_fail=$(echo "$summary" | sed -n 's/.*failures=\([0-9]*\).*/\1/p')
    n_err=$(echo "$summary" | sed -n 's/.*errors=\([0-9]*\).*/\1/p')
    ran=${ran:-0} n_skip=${n_skip:-0} n_fail=${n_fail:-0} n_err=${n_err:-0}
    bad=$((n_fail + n_err))
    why=""
    if [ "$rc" -eq 124 ]; then
        why="timed out after ${TMO}s"
    elif [ "$rc" -ne 0 ]; then
        why="exit $rc"
    elif [ -z "$summary" ]; then
        why="no unittest summary (OK or FAILED)"
    elif [ "${summary%% *}" != OK ]; then
        why="$summary"
    elif [ $((ran - n_skip)) -le 0 ] && ! zero_ok "$t" >/dev/null; then
        why="ran no test"
    fi
    # a failure the counts do not show (crash, import error, ...) counts one
    [ -z "$why" ] || [ "$bad" -gt 0 ] || bad=1
    ok=$((ran - bad - n_skip))
    [ "$ok" -ge 0 ] || ok=0
    passed=$((passed + ok)) failed=$((failed + bad)) skipped=$((skipped + n_skip))
    status=ok
    if [ $((ran - n_skip)) -le 0 ] && [ -z "$why" ]; then
        status="ok: runs none: $(zero_ok "$t")"
    fi
    [ -z "$why" ] || { status="FAILED ($why)"; bad_files="$bad_files $t"; }
    printf '%-20s ran %5d  skipped %4d  failed %3d  %s\n' "$t" "$ran" "$n_skip" "$bad" "$status"
done
[ -z "$bad_files" ] || echo "regrtest: failed:$bad_files (log: $LOG)"
echo "$passed passed, $failed failed, $skipped skipped"
[ -z "$bad_files" ]
