#!/bin/sh
# bench/serve.sh FAASLET BUILD_DIR: `faaslet serve` under wrk (Debian's HTTP
# load generator) on loopback: requests per second and p50/p99 latency of
# (a) GET /ping, the HTTP library's own ceiling on this machine, (b) a
# no-op C function, (c) Python's hello.py, each also as a ratio of (a);
# then the load test: at least 100,000 synchronous calls of the no-op,
# counting errors, and the server's resident memory before and after.
# Environment: SECONDS_EACH (default 5), CONNS (wrk connections, default 32).
set -eu

FAASLET=${1:?usage: serve.sh FAASLET BUILD_DIR}
B=${2:?usage: serve.sh FAASLET BUILD_DIR}
cd "$(dirname "$0")/.."
mkdir -p "$B" && B=$(cd "$B" && pwd)
D=${SECONDS_EACH:-5}
C=${CONNS:-32}
export FAASLET_HOME=$B/home
rm -rf "$FAASLET_HOME"
"$FAASLET" cc -O2 -o "$B/noop.wasm" bench/noop.c

"$FAASLET" serve --upload-port 0 --invoke-port 0 --threads 2 >"$B/serve.out" 2>"$B/serve.err" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT INT TERM
i=0
while [ $i -lt 200 ] && ! grep -q "^faaslet serve: upload" "$B/serve.out"; do sleep 0.05; i=$((i + 1)); done
UP=$(sed -n 's|^faaslet serve: upload http://127.0.0.1:\([0-9]*\),.*|\1|p' "$B/serve.out")
IN=$(sed -n 's|.*invoke http://127.0.0.1:\([0-9]*\) .*|\1|p' "$B/serve.out")
curl -sf -X PUT --data-binary @"$B/noop.wasm" "http://127.0.0.1:$UP/f/bench/noop" >/dev/null
curl -sf -X PUT --data-binary @func/python/hello.py "http://127.0.0.1:$UP/p/python/hello" >/dev/null

post() { # post NAME JSON: a wrk script POSTing JSON
    printf 'wrk.method = "POST"\nwrk.body = [[%s]]\nwrk.headers["Content-Type"] = "application/json"\n' "$2" >"$B/$1.lua"
}
post noop '{"user": "bench", "function": "noop"}'
post hello '{"user": "python", "function": "hello", "python": true}'
# warm up: snapshots made, Faaslets warm
for j in 1 2 3 4; do
    curl -sf -d @- "http://127.0.0.1:$IN/" <<J >/dev/null
{"user": "bench", "function": "noop"}
J
    curl -sf -d '{"user": "python", "function": "hello", "python": true}' "http://127.0.0.1:$IN/" >/dev/null
done

# run NAME URL [SCRIPT]: rps, p50 ms, p99 ms, requests, errors on one line
run() {
    if [ $# -gt 2 ]; then
        wrk -t2 -c"$C" -d"${D}s" --latency -s "$3" "$2" >"$B/$1.wrk"
    else
        wrk -t2 -c"$C" -d"${D}s" --latency "$2" >"$B/$1.wrk"
    fi
    awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /Requests\/sec:/ { rps = $2 }
        /^ +50%/ { p50 = ms($2) }
        /^ +99%/ { p99 = ms($2) }
        /requests in/ { n = $1 }
        /Non-2xx/ { err += $NF }
        /Socket errors/ { for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) err += $i + 0 }
        END { printf "%.0f %.3f %.3f %d %d\n", rps, p50, p99, n, err }' "$B/$1.wrk"
}
rss() { curl -sf "http://127.0.0.1:$UP/metrics" | awk '/^faaslet_resident_memory_bytes/ { printf "%.1f", $2 / 1048576 }'; }

echo "bench-serve: wrk -t2 -c$C for ${D}s each, server with 2 executor threads, $(nproc) cores"
printf '%-22s %10s %9s %9s %9s %7s\n' endpoint "req/s" "p50 ms" "p99 ms" "of ping" errors
set -- $(run ping "http://127.0.0.1:$IN/ping")
ping_rps=$1
printf '%-22s %10s %9s %9s %9s %7s\n' "(a) GET /ping" "$1" "$2" "$3" "1.00" "$5"
for k in noop hello; do
    set -- $(run "$k" "http://127.0.0.1:$IN/" "$B/$k.lua")
    label="(b) no-op C function"
    [ "$k" = hello ] && label="(c) python hello"
    printf '%-22s %10s %9s %9s %9s %7s\n' "$label" "$1" "$2" "$3" "$(awk -v a="$1" -v b="$ping_rps" 'BEGIN { printf "%.2f", a / b }')" "$5"
done
echo "goal: (b) >= 20,000/s and >= 60% of (a); bar: (b) >= 8,000/s; (c) p50 <= 5 ms"

# load test: >= 100,000 synchronous calls
before=$(rss)
total=0 errors=0
while [ "$total" -lt 100000 ]; do
    set -- $(run load "http://127.0.0.1:$IN/" "$B/noop.lua")
    total=$((total + $4))
    errors=$((errors + $5))
done
after=$(rss)
calls=$(curl -sf "http://127.0.0.1:$IN/metrics" | awk '/^faaslet_calls_total\{user="bench",function="noop",outcome="ok"\}/ { print $2 }')
failed=$(curl -sf "http://127.0.0.1:$IN/metrics" | awk '/^faaslet_calls_total\{/ && !/outcome="ok"/ { s += $2 } END { print s + 0 }')
echo "load test: $total requests, $errors errors (non-2xx or socket), $calls no-op calls ok in all, $failed calls failed; server RSS ${before} MiB before, ${after} MiB after"
[ "$errors" -eq 0 ] && [ "$failed" -eq 0 ]
