#!/bin/sh
# tests/python/regrtest_verdicts.sh: python/regrtest.sh's own verdicts, on a
# stand-in runner (no Python needed): a file passes only with exit status 0,
# an OK summary and a test that ran; zero tests, all skipped, a crash after
# an OK, no summary, a hang (killed at REGRTEST_TIMEOUT) and a FAILED
# summary without failure counts must each fail it.
# Prints one line per case, then "N passed, N failed"; exit 1 on a failure.
set -u
cd "$(dirname "$0")/../.."
S=$(mktemp -d "${TMPDIR:-/tmp}/faaslet-regrtest-verdicts.XXXXXX")
trap 'rm -rf "$S"' EXIT INT TERM

# Stands in for `faaslet run py_func.wasm ... -m test -v NAME`.
cat >"$S/runner" <<'EOS'
#!/bin/sh
for a; do n=$a; done
case $n in
good) printf 'Ran 5 tests in 0.1s\n\nOK (skipped=1)\n' ;;
zero) printf 'Ran 0 tests in 0.0s\n\nOK\n' ;;
allskip) printf 'Ran 3 tests in 0.0s\n\nOK (skipped=3)\n' ;;
crash) printf 'Ran 5 tests in 0.1s\n\nOK\n'; kill -SEGV $$ ;;
nosum) echo "Fatal Python error: something" ;;
hang) exec sleep 60 ;;
unexp) printf 'Ran 5 tests in 0.1s\n\nFAILED (unexpected successes=1)\n' ;;
esac
EOS
chmod +x "$S/runner"

passed=0 failed=0
expect() { # NAME STATUS-PREFIX
    rc=0
    REGRTEST_TIMEOUT=2 RUNNER=faaslet FAASLET="$S/runner" sh python/regrtest.sh "$S" "$1" \
        >"$S/out" 2>&1 || rc=$?
    line=$(grep "^$1 " "$S/out")
    case "$line" in
    *"$2"*)
        if { [ "$2" = ok ] && [ $rc -eq 0 ]; } || { [ "$2" != ok ] && [ $rc -ne 0 ]; }; then
            passed=$((passed + 1)); echo "ok   $1: $2 (exit $rc)"; return
        fi ;;
    esac
    failed=$((failed + 1)); echo "FAIL $1: expected \"$2\", got (exit $rc):"; sed 's/^/    /' "$S/out"
}
expect good ok
expect zero "FAILED (ran no test)"
expect allskip "FAILED (ran no test)"
expect crash "FAILED (exit 139)"
expect nosum "FAILED (no unittest summary"
expect hang "FAILED (timed out after 2s)"
expect unexp "FAILED (FAILED (unexpected successes=1))"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -eq 7 ]
