#!/bin/sh
# scripts/demo.sh FAASLET: the main job, shown end to end.
#   1. the small freestanding C functions in examples/, compiled to wasm32
#      and called by name with `faaslet run FILE --invoke NAME ARGS`;
#   2. Faasm-style functions from func/ (input, output, chaining, state),
#      compiled with `faaslet cc` and run as calls of the embedded executor;
#   3. Python functions from func/python/ run in CPython compiled to wasm;
#   4. the platform: `faaslet serve` in the background, functions uploaded
#      and invoked with the client and with curl, /metrics, then stopped.
# Outputs go to the build folder's examples/.  Safe to run again.
set -eu

FAASLET=${1:-build/faaslet}
case "$FAASLET" in /*) ;; *) FAASLET="$(pwd)/$FAASLET" ;; esac
cd "$(dirname "$0")/.."

CC=${CC:-clang-19}
OUT="$(dirname "$FAASLET")/examples"
SHOW=${OUT#"$(pwd)/"}
mkdir -p "$OUT"

[ -x "$FAASLET" ] || { echo "demo: $FAASLET missing: run make first" >&2; exit 1; }

echo "== wasm functions called by name (examples/)"
# example file, exported function, arguments
for job in "fib fib 30" "gcd gcd 1071 462" "factorial factorial 20"; do
    # shellcheck disable=SC2086
    set -- $job
    src=$1 fn=$2
    shift 2
    $CC --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wall -Wextra -Werror \
        -o "$OUT/$src.wasm" "examples/$src.c"
    echo "\$ faaslet run $SHOW/$src.wasm --invoke $fn $*"
    "$FAASLET" run "$OUT/$src.wasm" --invoke "$fn" "$@"
done

# The store the demo's stored functions go to (not the user's own).
export FAASLET_HOME="$OUT/store"

# show WHAT CMD...: prints what the run shows, the command, its output and,
# when not 0, its exit status (limits end calls with their own statuses).
show() {
    what=$1
    shift
    echo
    echo "# $what"
    echo "\$ faaslet $*" | sed "s#$OUT#$SHOW#g"
    rc=0
    "$FAASLET" "$@" || rc=$?
    echo
    [ "$rc" = 0 ] || echo "(exit status $rc)"
}

echo
echo "== Faasm functions (func/ and tests/func/, built with faaslet cc)"
for src in func/hello.c func/echo.c func/chain.c func/chain_named.c func/chain_output.c \
    func/state.c func/state_ptr.c func/zygote.c func/wasi_env.c tests/func/fanout.c \
    tests/func/loop.c tests/func/alloc.c tests/func/recurse.c; do
    fn=$(basename "$src" .c)
    "$FAASLET" cc -o "$OUT/$fn.wasm" "$src"
done
for fn in echo chain_named; do
    "$FAASLET" upload --local demo "$fn" "$OUT/$fn.wasm" >/dev/null
done

show "hello: the output bytes of faasmSetOutput go to stdout" run "$OUT/hello.wasm"
show "echo: the input comes back byte for byte" \
    run "$OUT/echo.wasm" --input hello-from-the-demo
show "chain: two table-pointer chains (each a fresh Faaslet), both awaited" \
    run "$OUT/chain.wasm"
show "chain_named: calls the stored function demo/echo by name, awaits its output" \
    run demo chain_named
show "chain_output: await_call_output copies callee outputs into guest malloc'd memory" \
    run "$OUT/chain_output.wasm"
show "state: write, push, pull, offsets, append, locks on the two-tier state" \
    run "$OUT/state.wasm"
show "state_ptr: two Faaslets share one mapped state region through plain memory" \
    run "$OUT/state_ptr.wasm"
show "zygote: _faasm_zygote runs once before main" run "$OUT/zygote.wasm"
show "wasi_env: guest argv after -- and --env variables" \
    run "$OUT/wasi_env.wasm" --env GREETING=hi -- one two
show "fanout: 100 chained calls, each 5 levels deep, on 2 worker threads" \
    run "$OUT/fanout.wasm" --threads 2
show "limits: while(1) stopped by --timeout 1 (status 124)" \
    run "$OUT/loop.wasm" --timeout 1
show "limits: endless malloc stopped at --max-memory 32 (status 2)" \
    run "$OUT/alloc.wasm" --max-memory 32
show "limits: endless recursion ends with call stack exhausted (status 2)" \
    run "$OUT/recurse.wasm"

echo
echo "== Python functions (func/python/, CPython 3.11 in wasm; make python builds it)"
show "hello.py: CPython compiled to wasm runs the function file" \
    run func/python/hello.py
show "echo.py: binary-safe input and output through pyfaasm" \
    run func/python/echo.py --input hello-from-python
show "chain.py: chain_this_with_input / await_call between Python entries" \
    run func/python/chain.py --threads 2

echo
echo "== the platform: faaslet serve, Faasm's workflow (upload, then invoke over HTTP)"
SERVE_HOME="$OUT/serve-home"
rm -rf "$SERVE_HOME"
FAASLET_HOME="$SERVE_HOME" "$FAASLET" serve --upload-port 0 --invoke-port 0 \
    >"$OUT/serve.out" 2>"$OUT/serve.log" &
SERVE_PID=$!
trap 'kill -TERM $SERVE_PID 2>/dev/null || true' EXIT INT TERM
i=0
while [ $i -lt 200 ] && ! grep -q "^faaslet serve: upload" "$OUT/serve.out"; do sleep 0.05; i=$((i + 1)); done
cat "$OUT/serve.out"
UP=$(sed -n 's|^faaslet serve: upload http://127.0.0.1:\([0-9]*\),.*|\1|p' "$OUT/serve.out")
IN=$(sed -n 's|.*invoke http://127.0.0.1:\([0-9]*\) .*|\1|p' "$OUT/serve.out")
export FAASLET_UPLOAD_PORT=$UP FAASLET_INVOKE_PORT=$IN
show "upload python hello --py (Faasm: inv upload python hello --py)" \
    upload python hello func/python/hello.py --py
show "invoke python hello --py (Faasm: inv invoke python hello --py)" \
    invoke python hello --py
show "upload a C function" upload demo echo "$OUT/echo.wasm"
show "invoke it with input" invoke demo echo --input hello-over-http
echo
echo "# the same with curl"
echo "\$ curl -d '{\"user\": \"demo\", \"function\": \"echo\", \"input_data\": \"from curl\"}' localhost:$IN/"
curl -s -d '{"user": "demo", "function": "echo", "input_data": "from curl"}' "http://127.0.0.1:$IN/"
echo
echo "\$ curl -d '{\"user\": \"python\", \"function\": \"py_func\", \"python\": true, \"py_user\": \"python\", \"py_func\": \"hello\"}' localhost:$IN/"
curl -s -d '{"user": "python", "function": "py_func", "python": true, "py_user": "python", "py_func": "hello"}' "http://127.0.0.1:$IN/"
echo
echo
echo "# GET /metrics (calls by function and outcome, a few of the lines)"
curl -s "http://127.0.0.1:$IN/metrics" | grep -E '^faaslet_calls_total|^faaslet_call_duration_seconds_count|^faaslet_resident'
echo
echo "# the server's log: one JSON line per call"
cat "$OUT/serve.log"
kill -TERM $SERVE_PID
rc=0
wait $SERVE_PID || rc=$?
trap - EXIT INT TERM
echo "(server stopped with SIGTERM, exit status $rc)"
