#!/bin/sh
# run.sh: the WASI end-to-end tests.
#
#   tests/wasi/run.sh FAASLET BUILD_DIR [NAME...]
#
# Compiles every tests/wasi/*.c to wasm32-wasi in BUILD_DIR (only when
# stale) and runs each program three times, each in a fresh copy of the
# fixture below:
#
#   faaslet  `faaslet run FILE.wasm --dir .. --ro-dir .. --runtime-root ..
#            --env .. -- ARGS`: paths resolved with openat2
#   walk     the same with FAASLET_NO_OPENAT2=1 (the portable sandbox walk)
#   node     Node's node:wasi (node_runner.mjs), given the same preopens in
#            the same order
#
# and compares exit status (with the test's "// EXIT: n", default 0: the
# function's return value, or proc_exit's, low 8 bits), stdout, and the
# resulting files in the sandbox.  A test marked
# "// NODE: skip REASON" is one where Node answers differently from the
# spec; it checks the spec's answer itself and Node is not compared, but
# Node still runs it and must differ (else the reason is stale).  Every
# run must leave the `outside` folder exactly as it was (contents, mtimes,
# ctimes): the sandbox's promise; a faaslet run must also leave no call
# /tmp behind (TMPDIR is the fixture's calltmp/).
#
# Header lines a test may carry:  // ARGS: a b c   // ENV: K=V K2=V2
#                                 // STDIN: text   // EXIT: n   // NODE: skip why
#                                 // STDOUT_BEFORE: text
# STDOUT_BEFORE: stdout is a file that already holds `text` (the host's own
# log, say) when the program starts, as in `{ echo LOG; faaslet run ..; } >
# FILE`: the program's output follows it, and it must still be there after.
#
# Fixture (guest sees /sb read-write as fd 3, /ro read-only as fd 4, the
# runtime root / read-only as fd 5, its private /tmp as fd 6):
#   sb/hello.txt sb/sub/inner.txt sb/link_in -> hello.txt
#   sb/sub/link_up -> ../hello.txt   sb/link_out -> ../outside/secret.txt
#   sb/link_abs -> <abs>/outside/secret.txt   sb/sub/link_esc -> ../../outside
#   sb/loop1 <-> sb/loop2   sb/link_dangling -> ../outside/created.txt (missing)
#   ro/readme.txt   outside/secret.txt outside/dir/
#   root/etc/motd (the runtime root)   tmp/ (Node's /tmp)   calltmp/ (TMPDIR)
set -u

FAASLET=${1:?usage: run.sh FAASLET BUILD_DIR [NAME...]}
B=${2:?usage: run.sh FAASLET BUILD_DIR [NAME...]}
shift 2
case "$FAASLET" in /*) ;; *) FAASLET=$(pwd)/$FAASLET ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CC=${CC:-clang-19}
TIMEOUT=${TIMEOUT:-30}

mkdir -p "$B/wasm" "$B/run" || exit 1
B=$(cd "$B" && pwd)
if [ ! -x "$FAASLET" ]; then
    echo "run.sh: no faaslet binary at $FAASLET (make it first)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

make_fixture() { # DIR
    d=$1
    rm -rf "$d"
    mkdir -p "$d/sb/sub" "$d/ro" "$d/outside/dir" "$d/root/etc" "$d/tmp" "$d/calltmp"
    printf 'hello world\n' >"$d/sb/hello.txt"
    printf 'inner\n' >"$d/sb/sub/inner.txt"
    printf 'read only\n' >"$d/ro/readme.txt"
    printf 'top secret\n' >"$d/outside/secret.txt"
    printf 'runtime root\n' >"$d/root/etc/motd"
    ln -s hello.txt "$d/sb/link_in"
    ln -s ../hello.txt "$d/sb/sub/link_up"
    ln -s ../outside/secret.txt "$d/sb/link_out"
    ln -s "$d/outside/secret.txt" "$d/sb/link_abs"
    ln -s ../../outside "$d/sb/sub/link_esc"
    ln -s loop2 "$d/sb/loop1"
    ln -s loop1 "$d/sb/loop2"
    ln -s ../outside/created.txt "$d/sb/link_dangling"
    # Fixed times, so that tests may print them.
    find "$d" -exec touch -h -d '2001-02-03 04:05:06' {} +
}

outside_state() { # DIR: everything that a touch of `outside` would change
    (cd "$1/outside" && find . -printf '%p %y %s %T@ %C@ %l\n' | sort &&
        find . -type f -exec md5sum {} + | sort)
}

tree_state() { # DIR: the sandbox's resulting files, without times
    (cd "$1" && find sb ro root -printf '%p %y %l\n' | sort &&
        find sb ro root -type f -exec md5sum {} + | sort) | sed "s|$1|FIXTURE|g"
}

header() { # FILE KEY: the value of "// KEY: value", or nothing
    sed -n "s|^// $2: ||p" "$1" | head -n 1
}

# run_one NAME MODE WASM: runs in $B/run/NAME.MODE; leaves .out .err .status .tree
run_one() {
    name=$1 mode=$2 wasm=$3
    dir=$B/run/$name.$mode
    make_fixture "$dir"
    outside_state "$dir" >"$dir.before"
    args=$(header "$ROOT/tests/wasi/$name.c" ARGS)
    envs=""
    for kv in $(header "$ROOT/tests/wasi/$name.c" ENV); do
        envs="$envs --env $kv"
    done
    stdin=$(header "$ROOT/tests/wasi/$name.c" STDIN)
    before=$(header "$ROOT/tests/wasi/$name.c" STDOUT_BEFORE)
    case $mode in
        faaslet | walk)
            nat=""
            [ "$mode" = walk ] && nat=1
            # shellcheck disable=SC2086
            (cd "$dir" && printf '%b' "$stdin" | {
                printf '%b' "$before"
                TMPDIR="$dir/calltmp" FAASLET_NO_OPENAT2=$nat timeout "$TIMEOUT" \
                    "$FAASLET" run "$wasm" --dir "$dir/sb:/sb" --ro-dir "$dir/ro:/ro" \
                    --runtime-root "$dir/root" $envs -- $args
            } >"$dir.out" 2>"$dir.err")
            ;;
        node)
            # shellcheck disable=SC2086
            (cd "$dir" && printf '%b' "$stdin" | {
                printf '%b' "$before"
                timeout "$TIMEOUT" node --no-warnings \
                    "$HERE/node_runner.mjs" --dir "$dir/sb::/sb" --ro-dir "$dir/ro::/ro" \
                    --ro-dir "$dir/root::/" --dir "$dir/tmp::/tmp" $envs "$wasm" $args
            } >"$dir.out" 2>"$dir.err")
            ;;
    esac
    echo $? >"$dir.status"
    printf '%b' "$before" >"$dir.stdout_before"
    outside_state "$dir" >"$dir.after"
    tree_state "$dir" >"$dir.tree"
}

passed=0
failed=0
names=$*
if [ -z "$names" ]; then
    names=$(cd "$HERE" && ls *.c | sed 's/\.c$//')
fi

for name in $names; do
    src=$HERE/$name.c
    wasm=$B/wasm/$name.wasm
    if [ ! -f "$wasm" ] || [ "$src" -nt "$wasm" ] || [ "$HERE/t.h" -nt "$wasm" ]; then
        if ! $CC --target=wasm32-wasi -O2 -Wall -Werror -I"$HERE" -o "$wasm" "$src" \
            2>"$B/wasm/$name.cc.err"; then
            echo "FAIL $name: does not compile (see $B/wasm/$name.cc.err)"
            failed=$((failed + 1))
            continue
        fi
    fi
    want=$(header "$src" EXIT)
    want=${want:-0}
    node_skip=$(header "$src" NODE)
    why=""
    for mode in faaslet walk node; do
        run_one "$name" "$mode" "$wasm"
        r=$B/run/$name.$mode
        if [ "$mode" = node ] && [ -n "$node_skip" ]; then
            # the reason must still hold: Node really answers differently
            f=$B/run/$name.faaslet
            if [ "$(cat "$r.status")" = "$(cat "$f.status")" ] && cmp -s "$f.out" "$r.out" &&
                cmp -s "$f.tree" "$r.tree" && cmp -s "$r.before" "$r.after"; then
                why="$why; NODE: skip, but Node now does the same as faaslet (a stale reason)"
            fi
            continue
        fi
        if ! cmp -s "$r.before" "$r.after"; then
            why="$why; $mode touched files outside the sandbox"
        fi
        if [ "$mode" != node ] && [ -n "$(ls -A "$r/calltmp")" ]; then
            why="$why; $mode left a call /tmp behind ($(ls -A "$r/calltmp" | head -3 | tr '\n' ' '))"
        fi
        n=$(wc -c <"$r.stdout_before")
        if ! head -c "$n" "$r.out" | cmp -s - "$r.stdout_before"; then
            why="$why; $mode changed what its stdout file held before"
        fi
        got=$(cat "$r.status")
        [ "$got" = "$want" ] || why="$why; $mode exit $got, want $want ($(head -c 300 "$r.out" "$r.err" | tr '\n' ' '))"
        if [ "$mode" != faaslet ]; then
            f=$B/run/$name.faaslet
            cmp -s "$f.out" "$r.out" || why="$why; stdout differs from $mode (diff $f.out $r.out)"
            cmp -s "$f.tree" "$r.tree" || why="$why; files differ from $mode (diff $f.tree $r.tree)"
        fi
    done
    if [ -z "$why" ]; then
        passed=$((passed + 1))
        if [ -n "$node_skip" ]; then
            echo "PASS $name (Node not compared: ${node_skip#skip })"
        else
            echo "PASS $name"
        fi
    else
        failed=$((failed + 1))
        echo "FAIL $name${why#;}" | sed 's/^FAIL \([^ ]*\) /FAIL \1: /'
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
