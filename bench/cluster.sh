#!/bin/sh
# bench/cluster.sh FAASLET BUILD_DIR: a faaslet cluster's costs, against
# baselines measured in the same run (make bench-cluster):
#   - no-op C calls/s under wrk through host 1 of a 3-host cluster (one
#     redis-server) against one embedded host alone, same threads each;
#   - Redis commands per call on the fast path (a host with capacity,
#     calls one at a time: the goal is none) and per chained call handed
#     on (a fan-out from a full host);
#   - global state push+pull bandwidth of 1 MiB values against
#     redis-benchmark's SET+GET of 1 MiB values on the same server.
# Environment: SECONDS_EACH (default 5), CONNS (default 16).
set -eu

FAASLET=${1:?usage: cluster.sh FAASLET BUILD_DIR}
B=${2:?usage: cluster.sh FAASLET BUILD_DIR}
cd "$(dirname "$0")/.."
rm -rf "$B"
mkdir -p "$B" && B=$(cd "$B" && pwd)
D=${SECONDS_EACH:-5}
C=${CONNS:-16}
"$FAASLET" cc -O2 -o "$B/noop.wasm" bench/noop.c
"$FAASLET" cc -O2 -o "$B/statebw.wasm" bench/statebw.c
. tests/lib.sh # starting Redis and servers, killing them at the end
RPORT=$(free_port)
redis_start

# host NAME [serve options]: sets U, I
host() {
    FAASLET_HOME=$B/home-$1 serve_start "$@"
}
rps() {
    printf 'wrk.method = "POST"\nwrk.body = [[{"user": "bench", "function": "noop"}]]\n' >"$B/noop.lua"
    wrk -t2 -c"$C" -d"${D}s" -s "$B/noop.lua" "$1/" | awk '/Requests\/sec:/ { printf "%.0f", $2 } /Non-2xx/ { e = 1 } END { if (e) printf " (errors)" }'
}
commands() { redis-cli -p "$RPORT" info commandstats | awk -F'[=,:]' '/^cmdstat_/ { s += $3 } END { print s }'; }

host alone --threads 2
curl -sf -X PUT --data-binary @"$B/noop.wasm" "$U/f/bench/noop" >/dev/null
curl -sf -d '{"user": "bench", "function": "noop"}' "$I/" >/dev/null
alone=$(rps "$I")
host c1 --threads 2 --redis "redis://127.0.0.1:$RPORT"
U1=$U I1=$I
host c2 --threads 2 --redis "redis://127.0.0.1:$RPORT"
host c3 --threads 2 --redis "redis://127.0.0.1:$RPORT"
sleep 1.2
curl -sf -X PUT --data-binary @"$B/noop.wasm" "$U1/f/bench/noop" >/dev/null
curl -sf -X PUT --data-binary @"$B/statebw.wasm" "$U1/f/bench/statebw" >/dev/null
curl -sf -d '{"user": "bench", "function": "noop"}' "$I1/" >/dev/null
cluster=$(rps "$I1")
echo "bench-cluster: no-op C calls, wrk -t2 -c$C for ${D}s, 2 executor threads per host, $(nproc) cores"
echo "  one embedded host          $alone calls/s"
echo "  3-host cluster via host 1  $cluster calls/s  ($(awk -v a="$cluster" -v b="$alone" 'BEGIN { printf "%.2f", a / b }') of one host)"

# Redis commands per call: one at a time (capacity: the fast path)
N=300
before=$(commands)
t0=$(date +%s%N)
i=0
while [ $i -lt $N ]; do curl -sf -d '{"user": "bench", "function": "noop"}' "$I1/" >/dev/null; i=$((i + 1)); done
t1=$(date +%s%N)
after=$(commands)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
# the background: 3 heartbeats a second (2 commands each), the watch, the consumers' waits
idle_before=$(commands); sleep "$secs"; idle_after=$(commands)
echo "  fast path: $N calls one at a time: $((after - before)) Redis commands in ${secs} s, of which $((idle_after - idle_before)) the idle background makes in as long: $(awk -v c=$((after - before - idle_after + idle_before)) -v n=$N 'BEGIN { printf "%.2f", c / n }') per call (goal <= 1 round trip)"

# Redis commands per call handed on: a fan-out of N chained calls from a
# full host (2 workers: the root and one chained call fill it)
"$FAASLET" cc -O2 -o "$B/spread.wasm" tests/cluster/spread.c
curl -sf -X PUT --data-binary @"$B/spread.wasm" "$U1/f/bench/spread" >/dev/null
curl -sf -d '{"user": "bench", "function": "spread", "input_data": "10"}' "$I1/" >/dev/null
lines() { cat "$B"/c[23].err | grep -c '"function":"spread"' || true; }
before=$(commands)
l0=$(lines)
t0=$(date +%s%N)
curl -sf -d '{"user": "bench", "function": "spread", "input_data": "'$N'"}' "$I1/" >/dev/null
t1=$(date +%s%N)
after=$(commands)
handed=$(($(lines) - l0))
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
echo "  handed on: $N chained calls from a full host in ${secs} s, $handed run by hosts 2 and 3: $((after - before)) Redis commands, $(awk -v c=$((after - before)) -v n=$N 'BEGIN { printf "%.1f", c / n }') per chained call"

# state bandwidth: 1 MiB values, 20 push+pull each
ms=$(curl -sf -d '{"user": "bench", "function": "statebw", "input_data": "20"}' "$I1/")
mbs=$(awk -v ms="$ms" 'BEGIN { printf "%.0f", 2 * 20 / (ms / 1000) }')
rb=$(redis-benchmark -p "$RPORT" -q -t set,get -d 1048576 -n 100 -c 1 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($(i+1) == "requests") s += $i } END { printf "%.0f", s / 2 }')
echo "  state: push+pull of 1 MiB values: $mbs MiB/s; redis-benchmark SET/GET of 1 MiB values: $rb MiB/s ($(awk -v a="$mbs" -v b="$rb" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }') of it)"

# the server's own ceiling for small commands, for the scaling sums in
# docs/ARCHITECTURE.md (what one Redis core carries)
small=$(redis-benchmark -p "$RPORT" -q -t set,lpush -n 100000 -c 50 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($(i+1) == "requests") { s += $i; n++ } } END { printf "%.0f", s / n }')
echo "  redis-benchmark: small SET/LPUSH, 50 clients: $small commands/s on this server"
