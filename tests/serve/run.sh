#!/bin/sh
# run.sh: end-to-end tests of `faaslet serve`, driven with curl and the
# faaslet client on free loopback ports.
#
#   tests/serve/run.sh FAASLET BUILD_DIR
#
# Builds func/echo.c, func/hello.c, func/state.c, func/chain.c and
# tests/serve/*.c with `faaslet cc`, starts servers (port 0: the
# kernel picks free ones; the ports are read from the line the server
# prints) over a fresh store under BUILD_DIR, and checks every endpoint
# and error of server/server.h.  Every server started is stopped with
# SIGTERM and must exit 0.  Prints "N passed, N failed" last; exits 1 on
# any failure.
set -u

FAASLET=${1:?usage: run.sh FAASLET BUILD_DIR}
B=${2:?usage: run.sh FAASLET BUILD_DIR}
case "$FAASLET" in /*) ;; *) FAASLET=$(pwd)/$FAASLET ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
mkdir -p "$B" && B=$(cd "$B" && pwd)
W=$B/wasm
export FAASLET_HOME=$B/home
export FAASLET_SDK=$ROOT/sdk
rm -rf "$FAASLET_HOME"
mkdir -p "$W"
. "$ROOT/tests/lib.sh"

for src in "$ROOT"/func/echo.c "$ROOT"/func/hello.c "$ROOT"/func/state.c "$ROOT"/func/chain.c \
    "$HERE"/sleepy.c "$HERE"/readfile.c "$HERE"/printer.c "$HERE"/statekv.c; do
    name=$(basename "$src" .c)
    if [ ! -f "$W/$name.wasm" ] || [ "$src" -nt "$W/$name.wasm" ] || [ "$FAASLET" -nt "$W/$name.wasm" ]; then
        "$FAASLET" cc -o "$W/$name.wasm" "$src" >"$B/cc.log" 2>&1 || bad "build $name" "$B/cc.log"
    fi
done

# start NAME [OPTIONS]: a server (lib.sh)
start() { serve_start "$@"; }
# stop: SIGTERM, which must end it with status 0
stop() {
    kill -TERM "$PID"
    wait "$PID"
    check "server stops with status 0 on SIGTERM" 0 $?
}
# req METHOD URL [CURL ARGS]: CODE is the status, $B/body the body
req() {
    m=$1 url=$2
    shift 2
    CODE=$(curl -s -o "$B/body" -w '%{http_code}' -X "$m" "$@" "$url")
}
body() { cat "$B/body"; }
# invoke JSON: POST / on the invoke port
invoke() { req POST "$I/" -H 'Content-Type: application/json' --data-binary "$1"; }
# invoke_on URL JSON: the same on another server's invoke port
invoke_on() { req POST "$1/" -H 'Content-Type: application/json' --data-binary "$2"; }
# invoke_until WANT URL JSON: invokes until the body is WANT, 2 s at most
invoke_until() {
    n=0
    while [ $n -lt 40 ]; do
        invoke_on "$2" "$3"
        [ "$(body)" = "$1" ] && return
        sleep 0.05
        n=$((n + 1))
    done
}

# ---- one server: endpoints, errors, Python, state, chaining, async ----
start main --result-ttl 2 --max-body 1 --timeout 10
req GET "$U/ping"
check "GET /ping on upload" "200 PONG" "$CODE $(body)"
req GET "$I/ping"
check "GET /ping on invoke" "200 PONG" "$CODE $(body)"

req PUT "$U/f/demo/echo" --data-binary @"$W/echo.wasm"
check "upload echo" "200 Function upload complete" "$CODE $(body)"
req GET "$U/f/demo/echo"
cmp -s "$B/body" "$W/echo.wasm" && ok || bad "GET /f/demo/echo gives the module back"
invoke '{"user": "demo", "function": "echo", "input_data": "hello there"}'
check "invoke echo" "200 hello there" "$CODE $(body)"
curl -s -D "$B/headers" -o /dev/null --data-binary '{"user":"demo","function":"echo"}' "$I/"
contains "the call's id in a header" "X-Faaslet-Call-Id: " "$B/headers"
contains "the call's outcome in a header" "X-Faaslet-Outcome: ok" "$B/headers"

# binary input and output, byte for byte
head -c 4096 /dev/urandom >"$B/random.bin"
printf '\0\0\377\n' >>"$B/random.bin"
invoke "{\"user\": \"demo\", \"function\": \"echo\", \"input_b64\": \"$(base64 -w0 "$B/random.bin")\"}"
check "binary echo status" 200 "$CODE"
cmp -s "$B/body" "$B/random.bin" && ok || bad "binary input comes back byte for byte"

# errors: each with its status and a JSON message, nothing stored
req PUT "$U/f/demo/broken" --data-binary 'not wasm at all'
check "invalid module: 400" 400 "$CODE"
contains "invalid module: the validator's words" '"error":"invalid module: magic header not detected' "$B/body"
req GET "$U/f/demo/broken"
check "invalid module: nothing stored" 404 "$CODE"
invoke '{"user": "demo", "function": "nosuch"}'
check "unknown function: 404" 404 "$CODE"
contains "unknown function: says which" 'no function demo/nosuch' "$B/body"
invoke '{"user": "demo", "function": '
check "malformed JSON: 400" 400 "$CODE"
contains "malformed JSON: JSON error" '{"error":' "$B/body"
invoke '{"user": "demo"}'
check "no function field: 400" 400 "$CODE"
invoke '{"user": "..", "function": "echo"}'
check "user .. refused" 400 "$CODE"
invoke '{"user": "demo", "function": "a/b"}'
check "function with / refused" 400 "$CODE"
req PUT "$U/f/demo/a%00b" --data-binary @"$W/echo.wasm"
check "NUL in a name refused" 400 "$CODE"
contains "NUL in a name: says so" 'NUL' "$B/body"
req PUT "$U/f/demo/a%2Fb" --data-binary @"$W/echo.wasm"
check "escaped / in a name refused" 400 "$CODE"
req PUT "$U/f/%2E%2E/x" --data-binary @"$W/echo.wasm"
check "escaped .. refused" 400 "$CODE"
ls "$FAASLET_HOME/functions" >"$B/ls" 2>&1
check "refused uploads stored nothing" "demo" "$(cat "$B/ls")"
head -c 1100000 /dev/zero >"$B/big.bin"
req PUT "$U/f/demo/big" --data-binary @"$B/big.bin"
check "body over --max-body: 413" 413 "$CODE"
req DELETE "$U/f/demo/echo"
check "wrong method: 405" 405 "$CODE"
req GET "$I/"
check "GET / on invoke: 405" 405 "$CODE"
req GET "$U/nowhere"
check "unknown route: 400" 400 "$CODE"
req GET "$U/f/demo/echo"
check "still serving after the errors" 200 "$CODE"

# a call that traps: 500 with the outcome
req PUT "$U/f/demo/sleepy" --data-binary @"$W/sleepy.wasm"
invoke '{"user": "demo", "function": "sleepy", "input_data": "3000", "timeout_ms": 200}'
check "a call's own timeout_ms: 500" 500 "$CODE"
contains "timeout: said" 'timeout' "$B/body"

# guests' stdout and stderr: captured per call, kept with the result, logged
req PUT "$U/f/demo/printer" --data-binary @"$W/printer.wasm"
invoke '{"user": "demo", "function": "printer", "input_data": "hi", "log": true}'
check "log: a report" 200 "$CODE"
python3 -c '
import base64, json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "SUCCESS" and r["outcome"] == "ok" and r["return"] == 0, r
assert base64.b64decode(r["output_b64"]) == b"printed", r
assert r["log"] == "stdout says hi\nstderr says \ufffd bye\n", repr(r["log"])
assert r["log_dropped"] == 0, r' "$B/body" >"$B/py.err" 2>&1 && ok || bad "log: the report holds output and stdio" "$B/py.err"
curl -s -D "$B/headers" -o "$B/body" --data-binary '{"user":"demo","function":"printer","input_data":"plain"}' "$I/"
check "log: a plain call's output is the output alone" "printed" "$(body)"
contains "log: its size in a header" "X-Faaslet-Log-Bytes: 36" "$B/headers"
contains "log: the call's log line holds it" '"log":"stdout says plain\\nstderr says' "$B/main.err"
invoke '{"user": "demo", "function": "printer", "input_data": "later", "async": true}'
aid=$(body)
sleep 0.3
invoke "{\"status\": true, \"id\": $aid, \"log\": true}"
contains "log: kept with an async result" '"log":"stdout says later\\n' "$B/body"
invoke "{\"status\": true, \"id\": $aid}"
check "log: Faasm's status answer unchanged" "SUCCESS: printed" "$(body)"
if grep -q "says" "$B/main.out"; then bad "log: guests' prints reached the server's stdout" "$B/main.out"; else ok; fi

# state: set and get through the server, and read by a function
req PUT "$U/s/demo/greeting" --data-binary 'state value'
check "PUT state" "200 State upload complete" "$CODE $(body)"
req GET "$U/s/demo/greeting"
check "GET state" "200 state value" "$CODE $(body)"
req GET "$U/s/demo/never-set"
check "unknown state key: 404" 404 "$CODE"
req PUT "$U/f/demo/statekv" --data-binary @"$W/statekv.wasm"
invoke '{"user": "demo", "function": "statekv", "input_data": "greeting"}'
check "state set over HTTP, read by a function" "200 state value" "$CODE $(body)"
invoke '{"user": "demo", "function": "statekv", "input_data": "from_fn=written by a function"}'
check "a function writes state" "200 written" "$CODE $(body)"
req GET "$U/s/demo/from_fn"
check "state a function wrote, read over HTTP" "200 written by a function" "$CODE $(body)"
req PUT "$U/f/demo/state" --data-binary @"$W/state.wasm"
invoke '{"user": "demo", "function": "state"}'
check "the state API through the server" "200 state: all 7 checks passed" "$CODE $(body)"

# shared files
req PUT "$U/file" -H 'FilePath: data/shared.txt' --data-binary 'shared bytes'
check "PUT /file" "200 File upload complete" "$CODE $(body)"
req GET "$U/file" -H 'FilePath: data/shared.txt'
check "GET /file" "200 shared bytes" "$CODE $(body)"
req PUT "$U/f/demo/readfile" --data-binary @"$W/readfile.wasm"
invoke '{"user": "demo", "function": "readfile", "input_data": "faasm://data/shared.txt"}'
check "guests read shared files as faasm://PATH, never write them" \
    "200 shared bytes | create refused" "$CODE $(body)"
invoke '{"user": "demo", "function": "readfile", "input_data": "faasm://../home/functions/demo/echo/function.wasm"}'
check "faasm:// does not climb out of the shared files" "200 cannot open | create refused" "$CODE $(body)"
req GET "$U/file" -H 'FilePath: ../etc/passwd'
check "FilePath with .. refused" 400 "$CODE"
req GET "$U/file"
check "no FilePath: 400" 400 "$CODE"

# chaining through the server
req PUT "$U/f/demo/chain" --data-binary @"$W/chain.wasm"
invoke '{"user": "demo", "function": "chain"}'
check "chain runs" 200 "$CODE"

# Python, in Faasm's form and the short one
if [ -f "$ROOT/build/python/py_func.wasm" ] || [ -n "${FAASLET_PYTHON:-}" ]; then
    req PUT "$U/p/python/hello" --data-binary @"$ROOT/func/python/hello.py"
    check "upload Python hello" "200 Python function upload complete" "$CODE $(body)"
    invoke '{"user": "python", "function": "py_func", "python": true, "py_user": "python", "py_func": "hello"}'
    case "$(body)" in "Hello! Running Python version 3.11"*) ok ;; *) bad "Python hello (Faasm's form): $CODE $(body)" ;; esac
    invoke '{"user": "python", "function": "hello", "python": true}'
    case "$(body)" in "Hello! Running Python version 3.11"*) ok ;; *) bad "Python hello: $CODE $(body)" ;; esac
    req PUT "$U/p/python/printer" --data-binary @"$HERE/printer.py"
    invoke '{"user": "python", "function": "printer", "python": true, "log": true}'
    contains "Python: print() captured" '"log":"python stdout\\npython stderr\\n"' "$B/body"
    req PUT "$U/p/python/echo" --data-binary @"$ROOT/func/python/echo.py"
    invoke '{"user": "python", "function": "echo", "python": true, "input_data": "py in"}'
    check "Python echo" "200 py in" "$CODE $(body)"
else
    bad "Python: no runtime (make python)"
fi

# async with status polling, then expiry after --result-ttl 2
invoke '{"user": "demo", "function": "sleepy", "input_data": "300", "async": true}'
check "async: 202" 202 "$CODE"
id=$(body)
invoke "{\"status\": true, \"id\": $id}"
check "async: running at first" "200 RUNNING" "$CODE $(body)"
i=0
while [ $i -lt 100 ]; do
    invoke "{\"status\": true, \"id\": $id}"
    [ "$(body)" != RUNNING ] && break
    sleep 0.05
    i=$((i + 1))
done
check "async: its result" "200 SUCCESS: slept 300" "$CODE $(body)"
sleep 3
invoke "{\"status\": true, \"id\": $id}"
check "async: the result expires" 404 "$CODE"
invoke '{"status": true, "id": 999999}'
check "status of an unknown id: 404" 404 "$CODE"
invoke '{"user": "demo", "function": "sleepy", "input_data": "5000", "async": true, "timeout_ms": 100}'
fid=$(body)
sleep 0.5
invoke "{\"status\": true, \"id\": $fid}"
case "$(body)" in "FAILED: "*) ok ;; *) bad "async failure: FAILED: ..., got $(body)" ;; esac

invoke '{"flush": true}'
check "flush" "200 Flushed" "$CODE $(body)"
invoke '{"user": "demo", "function": "echo", "input_data": "after flush"}'
check "calls run after a flush" "200 after flush" "$CODE $(body)"

# re-upload while a call runs: it finishes on the old version
req PUT "$U/f/demo/swap" --data-binary @"$W/sleepy.wasm"
curl -s -o "$B/inflight" --data-binary '{"user":"demo","function":"swap","input_data":"700"}' "$I/" &
cpid=$!
sleep 0.3
req PUT "$U/f/demo/swap" --data-binary @"$W/echo.wasm"
check "re-upload while a call runs" 200 "$CODE"
invoke '{"user": "demo", "function": "swap", "input_data": "new version"}'
check "new calls run the new version" "200 new version" "$CODE $(body)"
wait $cpid
check "the call in flight finished on the old version" "slept 700" "$(cat "$B/inflight")"

# a client that goes away mid-call harms nothing
curl -s -m 0.2 -o /dev/null --data-binary '{"user":"demo","function":"sleepy","input_data":"600"}' "$I/"
invoke '{"user": "demo", "function": "echo", "input_data": "still here"}'
check "after a client left mid-call" "200 still here" "$CODE $(body)"

# a slow client (slowloris) does not hold up others
python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
time.sleep(3)' "$IN" >/dev/null 2>&1 &
slow=$!
sleep 0.2
invoke '{"user": "demo", "function": "echo", "input_data": "not blocked"}'
check "others go on beside a slow client" "200 not blocked" "$CODE $(body)"
kill $slow 2>/dev/null

# metrics and the call log
req GET "$U/metrics"
contains "metrics: calls by function and outcome" 'faaslet_calls_total{user="demo",function="echo",outcome="ok"}' "$B/body"
contains "metrics: duration histogram" 'faaslet_call_duration_seconds_bucket{le="+Inf"}' "$B/body"
contains "metrics: queue depth" '^faaslet_queue_depth ' "$B/body"
contains "metrics: memory" '^faaslet_resident_memory_bytes ' "$B/body"
req GET "$I/metrics"
check "metrics on the invoke port" 200 "$CODE"
contains "one log line per call" '"user":"demo","function":"echo","duration_ms":' "$B/main.err"

# the client commands against the same server
export FAASLET_UPLOAD_PORT=$UP FAASLET_INVOKE_PORT=$IN
"$FAASLET" upload demo echo2 "$W/echo.wasm" >"$B/cli.out" 2>&1
check "client: upload" 0 $?
"$FAASLET" invoke demo echo2 --input "from the client" >"$B/cli.out" 2>&1
check "client: invoke" "from the client" "$(cat "$B/cli.out")"
"$FAASLET" invoke demo echo2 --input-file "$B/random.bin" >"$B/cli.bin" 2>"$B/cli.err"
cmp -s "$B/cli.bin" "$B/random.bin" && ok || bad "client: binary input and output byte for byte" "$B/cli.err"
"$FAASLET" invoke demo sleepy --input 200 --async --poll >"$B/cli.out" 2>&1
check "client: async with polling" "slept 200" "$(cat "$B/cli.out")"
id=$("$FAASLET" invoke demo echo2 --input later --async)
sleep 0.3
check "client: status" "SUCCESS: later" "$("$FAASLET" status "$id")"
"$FAASLET" invoke demo printer --input cli >"$B/cli.out" 2>"$B/cli.err"
check "client: output on stdout" "printed" "$(cat "$B/cli.out")"
contains "client: what it printed on stderr" "stdout says cli" "$B/cli.err"
"$FAASLET" invoke demo printer --input polled --async --poll >"$B/cli.out" 2>"$B/cli.err"
check "client: polled output on stdout" "printed" "$(cat "$B/cli.out")"
contains "client: polled, what it printed on stderr" "stdout says polled" "$B/cli.err"
"$FAASLET" invoke demo nosuch >"$B/cli.out" 2>&1
check "client: unknown function, exit 1" 1 $?
contains "client: the server's message" "no function demo/nosuch" "$B/cli.out"
"$FAASLET" upload demo broken "$B/big.bin" >"$B/cli.out" 2>&1
check "client: invalid module refused" 1 $?
"$FAASLET" state set demo ckey --value "client state" >/dev/null 2>&1
check "client: state set then get" "client state" "$("$FAASLET" state get demo ckey)"
printf 'file bytes' >"$B/local.txt"
"$FAASLET" file put "$B/local.txt" data/client.txt >/dev/null 2>&1
check "client: file put then get" "file bytes" "$("$FAASLET" file get data/client.txt)"
"$FAASLET" flush >/dev/null 2>&1
check "client: flush" 0 $?
if [ -f "$ROOT/build/python/py_func.wasm" ] || [ -n "${FAASLET_PYTHON:-}" ]; then
    "$FAASLET" upload python echo2 "$ROOT/func/python/echo.py" --py >/dev/null 2>&1
    check "client: Python" "py bytes" "$("$FAASLET" invoke python echo2 --py --input 'py bytes')"
fi
FAASLET_INVOKE_PORT=1 "$FAASLET" invoke demo echo2 >"$B/cli.out" 2>&1
check "client: no server, exit 2" 2 $?
contains "client: no server, says so" "no server at http://127.0.0.1:1" "$B/cli.out"
unset FAASLET_UPLOAD_PORT FAASLET_INVOKE_PORT

# SIGTERM with calls in flight: each is answered, then exit 0
curl -s -o "$B/late1" --data-binary '{"user":"demo","function":"sleepy","input_data":"800"}' "$I/" &
c1=$!
curl -s -o "$B/late2" --data-binary '{"user":"demo","function":"sleepy","input_data":"600"}' "$I/" &
c2=$!
sleep 0.3
stop
wait $c1 $c2
check "SIGTERM: the first call in flight answered" "slept 800" "$(cat "$B/late1")"
check "SIGTERM: the second call in flight answered" "slept 600" "$(cat "$B/late2")"
curl -s -m 1 "$U/ping" >/dev/null 2>&1 && bad "the server still answers after its stop" || ok

# ---- access control ----
printf '# user token\ndemo demo-token-0123456789\nalice alice-token-0123456789\n' >"$B/tokens"
start tokens --tokens "$B/tokens"
req PUT "$U/f/demo/echo" --data-binary @"$W/echo.wasm"
check "tokens: no token, 401" 401 "$CODE"
req PUT "$U/f/demo/echo" -H 'Authorization: Bearer alice-token-0123456789' --data-binary @"$W/echo.wasm"
check "tokens: another user's token, 401" 401 "$CODE"
req PUT "$U/f/demo/echo" -H 'Authorization: Bearer demo-token-0123456789' --data-binary @"$W/echo.wasm"
check "tokens: the user's token" 200 "$CODE"
invoke '{"user": "demo", "function": "echo", "input_data": "x"}'
check "tokens: invoke without token, 401" 401 "$CODE"
req POST "$I/" -H 'Authorization: Bearer demo-token-0123456789' --data-binary '{"user":"demo","function":"echo","input_data":"x"}'
check "tokens: invoke with the token" "200 x" "$CODE $(body)"
req PUT "$U/s/demo/k" -H 'Authorization: Bearer demo-token-0123456789' --data-binary 'secret'
req GET "$U/s/demo/k" -H 'Authorization: Bearer alice-token-0123456789'
check "tokens: another user's state is out of reach" 401 "$CODE"
req GET "$U/s/demo/k" -H 'Authorization: Bearer demo-token-0123456789'
check "tokens: the user's own state" "200 secret" "$CODE $(body)"
stop

# ---- two servers (two hosts, stores of their own) sharing state through Redis ----
RPORT=$(free_port)
redis_start
HOME1=$FAASLET_HOME
rm -rf "$B/host1" "$B/host2"
export FAASLET_HOME=$B/host1
start host1 --redis "redis://127.0.0.1:$RPORT"
P1=$PID U1=$U I1=$I
export FAASLET_HOME=$B/host2
FAASLET_REDIS="redis://127.0.0.1:$RPORT" start host2
P2=$PID U2=$U I2=$I
export FAASLET_HOME=$HOME1
req PUT "$U1/s/demo/shared" --data-binary 'set on host 1'
check "redis: state set on host 1" 200 "$CODE"
req GET "$U2/s/demo/shared"
check "redis: read on host 2 (FAASLET_REDIS)" "200 set on host 1" "$CODE $(body)"
req PUT "$U2/f/demo/statekv" --data-binary @"$W/statekv.wasm"
invoke_on "$I2" '{"user": "demo", "function": "statekv", "input_data": "shared"}'
check "redis: a function on host 2 reads it" "200 set on host 1" "$CODE $(body)"
invoke_on "$I2" '{"user": "demo", "function": "statekv", "input_data": "back=from host 2"}'
req GET "$U1/s/demo/back"
check "redis: what a function on host 2 wrote, read on host 1" "200 from host 2" "$CODE $(body)"
# functions and files uploaded on one host run and are read on the other
req PUT "$U1/f/demo/v" --data-binary @"$W/echo.wasm"
check "cluster: upload on host 1" 200 "$CODE"
invoke_on "$I2" '{"user": "demo", "function": "v", "input_data": "ran on host 2"}'
check "cluster: invoked on host 2, fetched from Redis" "200 ran on host 2" "$CODE $(body)"
req GET "$U2/f/demo/v"
cmp -s "$B/body" "$W/echo.wasm" && ok || bad "cluster: GET on host 2 gives the module uploaded on host 1"
req PUT "$U1/f/demo/v" --data-binary @"$W/sleepy.wasm"
invoke_until "slept 5" "$I2" '{"user": "demo", "function": "v", "input_data": "5"}'
check "cluster: a re-upload on host 1 reaches host 2" "200 slept 5" "$CODE $(body)"
req PUT "$U1/p/python/pprint" --data-binary @"$HERE/printer.py"
invoke_on "$I2" '{"user": "python", "function": "pprint", "python": true}'
check "cluster: a Python function uploaded on host 1 runs on host 2" "200 printed" "$CODE $(body)"
req PUT "$U1/file" -H 'FilePath: data/cluster.txt' --data-binary 'cluster bytes'
req PUT "$U2/f/demo/readfile" --data-binary @"$W/readfile.wasm"
invoke_until "cluster bytes | create refused" "$I2" \
    '{"user": "demo", "function": "readfile", "input_data": "faasm://data/cluster.txt"}'
check "cluster: a file put on host 1, read by a guest on host 2" "200 cluster bytes | create refused" "$CODE $(body)"
printf 'not wasm' >"$B/bad.wasm"
redis-cli -p "$RPORT" hset 'fl:fn:{demo}:wasm:forged' sha "$(sha256sum "$B/bad.wasm" | cut -c1-64)" bytes 'not wasm' >/dev/null
invoke_on "$I2" '{"user": "demo", "function": "forged"}'
check "cluster: a module in Redis that does not validate is not run" 404 "$CODE"
kill "$RPID"
wait "$RPID" 2>/dev/null
req PUT "$U1/f/demo/later" --data-binary @"$W/echo.wasm"
check "redis down: an upload answers 503" 503 "$CODE"
contains "redis down: nothing stored, says so" "nothing stored" "$B/body"
invoke_on "$I1" '{"user": "demo", "function": "later"}'
check "redis down: the refused upload is not here" 503 "$CODE"
req GET "$U1/s/demo/shared"
check "redis down: 503" 503 "$CODE"
contains "redis down: says why" "Connection re" "$B/body" # refused, or reset on a pooled connection
invoke_on "$I2" '{"user": "demo", "function": "statekv", "input_data": "shared"}'
check "redis down: a call that needs state fails" 500 "$CODE"
req GET "$U2/ping"
check "redis down: the host goes on" "200 PONG" "$CODE $(body)"
redis_start
req PUT "$U1/s/demo/shared" --data-binary 'after the restart'
req GET "$U2/s/demo/shared"
check "redis back: the hosts recover" "200 after the restart" "$CODE $(body)"
PID=$P1
stop
PID=$P2
stop
kill "$RPID"
wait "$RPID" 2>/dev/null

# ---- a server that cannot start says why ----
"$FAASLET" serve --upload-port "$UP" --invoke-port 0 --listen 999.1.2.3 >"$B/badstart.out" 2>&1
check "bad --listen: exit 1" 1 $?
contains "bad --listen: says why" "bad listen address" "$B/badstart.out"

summary
