#!/bin/sh
# run.sh: the WASI end-to-end tests.
#
#   tests/wasi/run.sh FAASLET BUILD_DIR [NAME...]
#
# Compiles every tests/wasi/*.c to wasm32-wasi in BUILD_DIR (only when
# stale), builds BUILD_DIR/wasi_driver from tests/wasi/wasi_driver.c,
# src/wasi/*.c and the libfaaslet.a next to FAASLET, and runs each program
# three times, each in a fresh copy of the fixture below:
#
#   faaslet  the driver, paths resolved with openat2
#   walk     the driver with --no-openat2 (the portable sandbox walk)
#   node     Node's node:wasi
#
# and compares exit status (with the test's "// EXIT: n", default 0),
# stdout, and the resulting files in the sandbox.  A test marked
# "// NODE: skip REASON" is one where Node answers differently from the
# spec; it checks the spec's answer itself and Node is not compared.  Every
# run must leave the `outside` folder exactly as it was (contents, mtimes,
# ctimes): the sandbox's promise.
#
# Header lines a test may carry:  // ARGS: a b c   // ENV: K=V K2=V2
#                                 // STDIN: text   // EXIT: n   // NODE: skip why
#
# Fixture (guest sees /sb read-write, /ro read-only):
#   sb/hello.txt sb/sub/inner.txt sb/link_in -> hello.txt
#   sb/sub/link_up -> ../hello.txt   sb/link_out -> ../outside/secret.txt
#   sb/link_abs -> <abs>/outside/secret.txt   sb/sub/link_esc -> ../../outside
#   sb/loop1 <-> sb/loop2   ro/readme.txt   outside/secret.txt outside/dir/
set -u

FAASLET=${1:?usage: run.sh FAASLET BUILD_DIR [NAME...]}
B=${2:?usage: run.sh FAASLET BUILD_DIR [NAME...]}
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CC=${CC:-clang-19}
LIB=$(dirname "$FAASLET")/libfaaslet.a
DRIVER=$B/wasi_driver
TIMEOUT=${TIMEOUT:-30}
# For a sanitizer build, pass the library's flags, e.g.
# DRIVER_CFLAGS="-O1 -fsanitize=address,undefined -DFL_MEMORY_GUARDED=0"
DRIVER_CFLAGS=${DRIVER_CFLAGS:--O2}

mkdir -p "$B/wasm" "$B/run" || exit 1

# The driver, rebuilt when any of its sources or the library is newer.
stale=0
if [ ! -x "$DRIVER" ]; then
    stale=1
else
    for f in "$HERE/wasi_driver.c" "$ROOT"/src/wasi/*.c "$ROOT"/src/wasi/*.h "$LIB"; do
        [ "$f" -nt "$DRIVER" ] && stale=1
    done
fi
if [ $stale = 1 ]; then
    # shellcheck disable=SC2086
    $CC -std=gnu11 -g $DRIVER_CFLAGS -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
        -fno-strict-aliasing -pthread -I"$ROOT/src" -o "$DRIVER" "$HERE/wasi_driver.c" \
        "$ROOT"/src/wasi/*.c "$LIB" -lm -lpthread || { echo "cannot build the driver"; exit 1; }
fi

make_fixture() { # DIR
    d=$1
    rm -rf "$d"
    mkdir -p "$d/sb/sub" "$d/ro" "$d/outside/dir"
    printf 'hello world\n' >"$d/sb/hello.txt"
    printf 'inner\n' >"$d/sb/sub/inner.txt"
    printf 'read only\n' >"$d/ro/readme.txt"
    printf 'top secret\n' >"$d/outside/secret.txt"
    ln -s hello.txt "$d/sb/link_in"
    ln -s ../hello.txt "$d/sb/sub/link_up"
    ln -s ../outside/secret.txt "$d/sb/link_out"
    ln -s "$d/outside/secret.txt" "$d/sb/link_abs"
    ln -s ../../outside "$d/sb/sub/link_esc"
    ln -s loop2 "$d/sb/loop1"
    ln -s loop1 "$d/sb/loop2"
    # Fixed times, so that tests may print them.
    find "$d" -exec touch -h -d '2001-02-03 04:05:06' {} +
}

outside_state() { # DIR: everything that a touch of `outside` would change
    (cd "$1/outside" && find . -printf '%p %y %s %T@ %C@ %l\n' | sort &&
        find . -type f -exec md5sum {} + | sort)
}

tree_state() { # DIR: the sandbox's resulting files, without times
    (cd "$1" && find sb ro -printf '%p %y %l\n' | sort &&
        find sb ro -type f -exec md5sum {} + | sort) | sed "s|$1|FIXTURE|g"
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
    dirs="--dir $dir/sb::/sb --ro-dir $dir/ro::/ro"
    case $mode in
        faaslet) cmd="$DRIVER $dirs $envs" ;;
        walk) cmd="$DRIVER --no-openat2 $dirs $envs" ;;
        node) cmd="node --no-warnings $HERE/node_runner.mjs $dirs $envs" ;;
    esac
    # shellcheck disable=SC2086
    (cd "$dir" && printf '%b' "$stdin" | timeout "$TIMEOUT" $cmd "$wasm" $args \
        >"$dir.out" 2>"$dir.err")
    echo $? >"$dir.status"
    outside_state "$dir" >"$dir.after"
    tree_state "$dir" >"$dir.tree"
}

passed=0
failed=0
names=$*
if [ -z "$names" ]; then
    names=$(cd "$HERE" && ls *.c | grep -v '^wasi_driver\.c$' | sed 's/\.c$//')
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
        [ "$mode" = node ] && [ -n "$node_skip" ] && continue
        if ! cmp -s "$r.before" "$r.after"; then
            why="$why; $mode touched files outside the sandbox"
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
