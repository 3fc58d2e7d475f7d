#!/bin/sh
# run.sh: a faaslet cluster end to end: redis-server on a free loopback
# port with a temporary folder, three `faaslet serve --redis` hosts with
# one executor thread each, driven with curl and the client.
#
#   tests/cluster/run.sh FAASLET BUILD_DIR
#
# Shows: an upload on host 1 run on host 3; `faaslet hosts`; synchronous
# and async calls a full host hands to the others; fan-outs of 1,000
# chained C and Python calls spread over every host (printing how many
# ran where); a call tree's limits (calls, depth) holding across hosts;
# state written on one host read on another; a write lock held on one
# host holding a call on another off; a host killed with SIGKILL while
# calls run on it, and another under 500 calls in flight, every call
# still answered; Redis stopped and started again.  Every process started
# is stopped.  Prints "N passed, N failed" last; exits 1 on any failure.
set -u

FAASLET=${1:?usage: run.sh FAASLET BUILD_DIR}
B=${2:?usage: run.sh FAASLET BUILD_DIR}
case "$FAASLET" in /*) ;; *) FAASLET=$(pwd)/$FAASLET ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
rm -rf "$B"
mkdir -p "$B" && B=$(cd "$B" && pwd)
W=$B/wasm
export FAASLET_SDK=$ROOT/sdk
mkdir -p "$W"
. "$ROOT/tests/lib.sh"

for src in "$ROOT"/func/echo.c "$ROOT"/tests/serve/sleepy.c "$ROOT"/tests/serve/statekv.c \
    "$HERE"/locker.c; do
    name=$(basename "$src" .c)
    "$FAASLET" cc -o "$W/$name.wasm" "$src" >"$B/cc.log" 2>&1 || bad "build $name" "$B/cc.log"
done

RPORT=$(free_port)
redis_start
export FAASLET_REDIS="redis://127.0.0.1:$RPORT"

# host N: a server with a store of its own; sets PN, UN, IN, IPN
host() {
    FAASLET_HOME=$B/home$1 serve_start "host$1" --threads 1 --takeover 2 --max-calls 1500 \
        --max-chain-depth 4
    eval "P$1=$PID U$1=$U I$1=$I IP$1=$IN"
}
host 1
host 2
host 3
sleep 1.2 # a heartbeat each: every host counts the others

curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$W/echo.wasm" "$U1/f/demo/echo" >"$B/code"
check "upload echo on host 1" 200 "$(cat "$B/code")"
curl -s -X PUT --data-binary @"$W/sleepy.wasm" "$U1/f/demo/sleepy" >/dev/null
curl -s -X PUT --data-binary @"$W/statekv.wasm" "$U2/f/demo/statekv" >/dev/null
check "invoke on host 3 what host 1 uploaded" "from host 3" \
    "$(curl -s --data-binary '{"user":"demo","function":"echo","input_data":"from host 3"}' "$I3/")"

FAASLET_INVOKE_PORT=$IP2 "$FAASLET" hosts >"$B/hosts.out" 2>&1
check "faaslet hosts: three hosts alive" 3 "$(grep -vc gone "$B/hosts.out")"
check "faaslet hosts: the one asked is marked" 1 "$(grep -c '^\*' "$B/hosts.out")"

# a full host hands calls on: 12 at once to host 1 (one thread)
# post_all N PREFIX JSON: N calls at once to host 1, each curl's pid in CURLS
post_all() {
    CURLS=""
    i=0
    while [ $i -lt "$1" ]; do
        curl -s -m 120 -D "$B/${2}h$i" -o "$B/${2}$i" --data-binary "$3" "$I1/" &
        CURLS="$CURLS $!"
        i=$((i + 1))
    done
}
wait_curls() { for p in $CURLS; do wait "$p"; done; }
post_all 12 o '{"user":"demo","function":"sleepy","input_data":"300"}'
wait_curls
answered=0
i=0
while [ $i -lt 12 ]; do
    [ "$(cat "$B/o$i")" = "slept 300" ] && answered=$((answered + 1))
    sed -n 's/^X-Faaslet-Host: \(.*\)\r$/\1/p' "$B/oh$i"
    i=$((i + 1))
done | sort | uniq -c >"$B/where"
echo "cluster: 12 calls to host 1 ran on:"
sed 's/^/    /' "$B/where"
answered=$(for i in 0 1 2 3 4 5 6 7 8 9 10 11; do cat "$B/o$i"; echo; done | grep -c '^slept 300$')
check "every call handed on is answered" 12 "$answered"
hosts_used=$(wc -l <"$B/where")
[ "$hosts_used" -ge 2 ] && ok || bad "calls spread over more than one host ($hosts_used)" "$B/where"

# async calls to a full host run on the others too; their status answers on host 1
sleepy_lines() { cat "$B/host2.err" "$B/host3.err" | grep -c '"function":"sleepy"'; }
before=$(sleepy_lines)
ids=""
for i in 1 2 3 4 5 6 7 8 9; do
    ids="$ids $(curl -s --data-binary '{"user":"demo","function":"sleepy","input_data":"300","async":true}' "$I1/")"
done
done_n=0
for id in $ids; do
    i=0
    until [ "$(curl -s --data-binary "{\"status\": true, \"id\": $id}" "$I1/")" = "SUCCESS: slept 300" ] ||
        [ $i -ge 200 ]; do sleep 0.05; i=$((i + 1)); done
    [ $i -lt 200 ] && done_n=$((done_n + 1))
done
elsewhere=$(($(sleepy_lines) - before))
echo "cluster: 9 async calls to host 1: all SUCCESS: $done_n, $elsewhere ran on hosts 2 and 3"
check "async calls handed on: each status SUCCESS on host 1" 9 "$done_n"
[ "$elsewhere" -ge 2 ] && ok || bad "async calls handed on: $elsewhere ran on other hosts"

# a fan-out of chained calls from a full host spreads over the cluster:
# ran_where USER FUNC N: how many of the N chained calls ran on each host
# (a call handed on leaves a log line on the host that ran it; the rest
# ran on host 1 without leaving it)
ran_where() {
    pat="\"user\":\"$1\",\"function\":\"$2\""
    h1=$(grep -c "$pat" "$B/host1.err")
    h2=$(grep -c "$pat" "$B/host2.err")
    h3=$(grep -c "$pat" "$B/host3.err")
    h1=$((h1 - 1)) # the root's own line
    here=$(($3 - h1 - h2 - h3))
    echo "cluster: $3 chained calls of $1/$2 from host 1 ran: host 1 $((here + h1)) ($here never left it or were taken back), host 2 $h2, host 3 $h3"
    [ "$h2" -gt 0 ] && [ "$h3" -gt 0 ] && ok || bad "$1/$2: chained calls ran on every host ($((here + h1))/$h2/$h3)"
}
"$FAASLET" cc -o "$W/spread.wasm" "$HERE/spread.c" >"$B/cc.log" 2>&1 || bad "build spread" "$B/cc.log"
curl -s -X PUT --data-binary @"$W/spread.wasm" "$U1/f/demo/spread" >/dev/null
check "1,000 chained C calls from a full host, every one answered" \
    "spread: 1000 chained, 1000 answered, 1000 outputs right" \
    "$(curl -s -m 300 --data-binary '{"user":"demo","function":"spread","input_data":"1000"}' "$I1/")"
ran_where demo spread 1000
curl -s -X PUT --data-binary @"$HERE/spread.py" "$U1/p/python/spread" >/dev/null
check "1,000 chained Python calls from a full host, every one answered" \
    "spread: 1000 chained, 1000 answered, 1000 outputs right" \
    "$(curl -s -m 600 --data-binary '{"user":"python","function":"spread","python":true,"input_data":"1000"}' "$I1/")"
ran_where python spread 1000

# a tree's limits hold across hosts (every host: --max-calls 1500,
# --max-chain-depth 4): 400 branches 4 calls deep (1601 calls, made mostly
# on hosts 2 and 3), branches within the depth limit and past it
out=$(curl -s -m 300 --data-binary '{"user":"demo","function":"spread","input_data":"400 3"}' "$I1/")
case "$out" in
*"call tree limit: 1500 calls (counted across hosts)"*) ok ;;
*) bad "1601 calls over three hosts pass --max-calls 1500: $out" ;;
esac
check "300 branches 4 calls deep (1201 calls) within the limits across hosts" \
    "spread: 300 chained, 300 answered, 300 outputs right" \
    "$(curl -s -m 300 --data-binary '{"user":"demo","function":"spread","input_data":"300 3"}' "$I1/")"
out=$(curl -s -m 60 --data-binary '{"user":"demo","function":"spread","input_data":"2 4"}' "$I1/")
case "$out" in
*"chain depth limit (4) reached"*) ok ;;
*) bad "a tree 5 deep across hosts passes --max-chain-depth 4: $out" ;;
esac

# a call entry forged into Redis with a bad name: refused with a reason, no host harmed
redis-cli -p "$RPORT" xadd fl:calls '*' id 77 user .. func echo python 0 entry '' \
    timeout_ms 0 max_memory_mib 0 input x >/dev/null
i=0
until redis-cli -p "$RPORT" exists fl:res:77 | grep -q 1 || [ $i -ge 60 ]; do sleep 0.05; i=$((i + 1)); done
redis-cli -p "$RPORT" lpop fl:res:77 | grep -aq "not a good name" && ok ||
    bad "a forged call with a bad name is refused with a reason"
check "after the forged call, host 1 still answers" "still" \
    "$(curl -s --data-binary '{"user":"demo","function":"echo","input_data":"still"}' "$I1/")"

# state written on one host, read on another
curl -s --data-binary '{"user":"demo","function":"statekv","input_data":"k=written on host 2"}' "$I2/" >/dev/null
check "state written on host 2, read on host 3" "written on host 2" \
    "$(curl -s --data-binary '{"user":"demo","function":"statekv","input_data":"k"}' "$I3/")"

# a state write lock held on host 1 holds a call on host 3 off
curl -s -X PUT --data-binary @"$W/locker.wasm" "$U1/f/demo/locker" >/dev/null
for u in "$I1" "$I3"; do # loaded on both first: the holder takes the lock at once
    curl -s --data-binary '{"user":"demo","function":"locker","input_data":"take"}' "$u/" >/dev/null
done
curl -s -o "$B/held" --data-binary '{"user":"demo","function":"locker","input_data":"hold 1500"}' "$I1/" &
holder=$!
sleep 0.5
waited=$(curl -s --data-binary '{"user":"demo","function":"locker","input_data":"take"}' "$I3/")
wait $holder
echo "cluster: a lock held 1500 ms on host 1 kept a call on host 3 waiting ${waited} ms"
[ "${waited:-0}" -ge 500 ] 2>/dev/null && ok || bad "locks across hosts: host 3 waited ${waited} ms"
check "locks across hosts: the holder finished" held "$(cat "$B/held")"

# SIGKILL a host while calls run on it: every call still answered
post_all 6 k '{"user":"demo","function":"sleepy","input_data":"1500"}'
sleep 0.7
name2=$(FAASLET_INVOKE_PORT=$IP1 "$FAASLET" hosts | awk -v p="$P2" '{ for (i = 1; i <= NF; i++) if ($i ~ "-"p"$") print $i }')
# the calls host 2 took and has not finished: pending entries of its consumer
running_on_2=$(redis-cli -p "$RPORT" xpending fl:calls hosts - + 10 "$name2" | grep -c "^$name2$")
kill -9 "$P2"
wait_curls
answered=$(for i in 0 1 2 3 4 5; do cat "$B/k$i"; echo; done | grep -c '^slept 1500$')
echo "cluster: host 2 killed with ${running_on_2} call(s) taken; 6 calls answered by:"
for i in 0 1 2 3 4 5; do sed -n 's/^X-Faaslet-Host: \(.*\)\r$/\1/p' "$B/kh$i"; done | sort | uniq -c | sed 's/^/    /'
check "SIGKILL of a host: every call answered" 6 "$answered"
check "the killed host had taken a call" 1 "$running_on_2"

# 500 calls in flight through hosts 1 and 3 (clients of a killed host lose
# their connection with it: they are not counted as accepted), a new host
# 4 among them; host 4 killed with SIGKILL mid-run: every call answered
host 4
sleep 1.2
python3 - "$I1" "$I3" 500 >"$B/many.out" 2>&1 <<'PY' &
import collections, sys, threading, urllib.error, urllib.request
urls, n = sys.argv[1:3], int(sys.argv[3])
res = [None] * n
def go(i):
    req = urllib.request.Request(urls[i % 2] + "/",
                                 data=b'{"user":"demo","function":"sleepy","input_data":"20"}')
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            res[i] = (r.read().decode(), r.headers.get("X-Faaslet-Host"))
    except urllib.error.HTTPError as e:
        res[i] = ("HTTP %d: %s" % (e.code, e.read().decode()), None)
    except Exception as e:
        res[i] = ("error: %s" % e, None)
threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sum(1 for r in res if r[0] == "slept 20"))
for host, count in sorted(collections.Counter(r[1] for r in res).items(), key=str):
    print("    %d %s" % (count, host))
for r in res:
    if r[0] != "slept 20":
        print("    " + r[0][:200])
PY
many=$!
sleep 1.5
name4=$(FAASLET_INVOKE_PORT=$IP1 "$FAASLET" hosts | awk -v p="$P4" '{ for (i = 1; i <= NF; i++) if ($i ~ "-"p"$") print $i }')
running_on_4=$(redis-cli -p "$RPORT" xpending fl:calls hosts - + 10 "$name4" | grep -c "^$name4$")
queued=$(redis-cli -p "$RPORT" xlen fl:calls)
kill -9 "$P4"
wait "$many"
echo "cluster: 500 calls in flight, host 4 killed holding ${running_on_4} (${queued} entries in the stream then); answered by:"
tail -n +2 "$B/many.out" | head -8
check "SIGKILL of a host under 500 calls in flight: every call answered" 500 "$(head -1 "$B/many.out")"

# Redis restarted (without its data) while calls are handed on: every
# client gets an answer, the output or a clear error, none waits for ever
post_all 4 r '{"user":"demo","function":"sleepy","input_data":"1500"}'
sleep 0.5
kill "$RPID"
wait "$RPID" 2>/dev/null
sleep 0.5
redis_start
wait_curls
answered=0
for i in 0 1 2 3; do
    if [ "$(cat "$B/r$i")" = "slept 1500" ] || grep -q '"error":".*lost it' "$B/r$i"; then
        answered=$((answered + 1))
    else
        bad "Redis restart: call $i: $(cat "$B/r$i")"
    fi
done
echo "cluster: Redis restarted under 4 calls: $(grep -l 'slept 1500' "$B"/r[0-3] | wc -l) answered with their output, $(grep -l 'lost it' "$B"/r[0-3] | wc -l) with the error that Redis lost them"
check "Redis restart: every call answered" 4 "$answered"

# Redis away: a host runs what it can alone; back: the cluster again
kill "$RPID"
wait "$RPID" 2>/dev/null
check "Redis down: host 1 still runs a call itself" "alone" \
    "$(curl -s --data-binary '{"user":"demo","function":"echo","input_data":"alone"}' "$I1/")"
code=$(curl -s -o "$B/body" -w '%{http_code}' -X PUT --data-binary @"$W/echo.wasm" "$U1/f/demo/echo2")
check "Redis down: an upload is refused, 503" 503 "$code"
redis_start
sleep 1.2
code=$(curl -s -o "$B/body" -w '%{http_code}' -X PUT --data-binary @"$W/echo.wasm" "$U3/f/demo/echo3")
check "Redis back: an upload on host 3 is taken" 200 "$code"
check "Redis back: an upload on host 3 runs on host 1" "back" \
    "$(curl -s --data-binary '{"user":"demo","function":"echo3","input_data":"back"}' "$I1/")"

for p in "$P1" "$P3"; do
    kill -TERM "$p"
    wait "$p"
    check "a host stops with status 0 on SIGTERM" 0 $?
done
kill "$RPID"
wait "$RPID" 2>/dev/null

summary
