# lib.sh: what the end-to-end test scripts share (sourced; POSIX sh).
# Before sourcing: B, the build folder of the script.  Provides:
#   ok, bad NAME [FILE], check NAME WANT GOT, contains NAME NEEDLE FILE:
#       count passes and failures (summary prints "N passed, N failed");
#   PIDS: processes killed (-9) when the script exits;
#   free_port: a free loopback port;
#   redis_start: redis-server on $RPORT with no persistence, in $B/redis,
#       waited for; sets RPID;
#   serve_start NAME [OPTIONS]: `$FAASLET serve` on free ports, waited
#       for; sets PID, UP, IN (ports) and U, I (URLs); its stdout and
#       stderr in $B/NAME.out and $B/NAME.err.
pass=0
fail=0
PIDS=""
trap 'for p in $PIDS; do kill -9 "$p" 2>/dev/null; done' EXIT INT TERM

ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL $1"
    [ $# -gt 1 ] && [ -f "$2" ] && sed 's/^/    /' "$2" | head -20
}
check() {
    if [ "$2" = "$3" ]; then ok; else
        fail=$((fail + 1))
        echo "FAIL $1: want \"$2\", got \"$3\""
    fi
}
contains() {
    if grep -q -- "$2" "$3"; then ok; else bad "$1: no \"$2\" in" "$3"; fi
}
summary() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

redis_start() {
    mkdir -p "$B/redis"
    redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$B/redis" --save "" --appendonly no \
        --logfile redis.log &
    RPID=$!
    PIDS="$PIDS $RPID"
    _n=0
    until redis-cli -p "$RPORT" ping >/dev/null 2>&1 || [ $_n -ge 100 ]; do sleep 0.05; _n=$((_n + 1)); done
}

serve_start() {
    _name=$1
    shift
    "$FAASLET" serve --upload-port 0 --invoke-port 0 "$@" >"$B/$_name.out" 2>"$B/$_name.err" &
    PID=$!
    PIDS="$PIDS $PID"
    _n=0
    while [ $_n -lt 200 ] && ! grep -q "^faaslet serve: upload" "$B/$_name.out"; do
        sleep 0.05
        _n=$((_n + 1))
    done
    UP=$(sed -n 's|^faaslet serve: upload http://127.0.0.1:\([0-9]*\),.*|\1|p' "$B/$_name.out")
    IN=$(sed -n 's|.*invoke http://127.0.0.1:\([0-9]*\) .*|\1|p' "$B/$_name.out")
    U=http://127.0.0.1:$UP
    I=http://127.0.0.1:$IN
    [ -n "$UP" ] && [ -n "$IN" ] || bad "server $_name did not start" "$B/$_name.err"
}
