#!/bin/sh
# run.sh: the security and limit cases, end to end through `faaslet run`.
#
#   tests/security/run.sh FAASLET BUILD_DIR
#
# Builds every attack of ../shared/security-cases (the reproductions of
# findings that once got through: .wat with wat2wasm, .c with faaslet cc,
# *_gen.py run with the case's arguments) and our own variants in
# tests/security/cases/ (the same causes reached another way), runs each
# under /usr/bin/time and asserts its outcome: exit status, a pattern its
# stderr (or stdout) must match, a wall-time bound, a peak-RSS bound,
# nothing left in the temporary folder (every call's private /tmp is made
# under TMPDIR=BUILD_DIR/calltmp) and, for some, checks of their own.
# Prints a table (case, outcome, exit status, seconds, peak RSS) and
# "N passed, N failed" last; exits 1 on any failure.
#
# SECURITY_SLOW=K multiplies the time and RSS bounds by K (make asan sets
# it: sanitizers slow code down and add their own memory).
set -u

FAASLET=${1:?usage: run.sh FAASLET BUILD_DIR}
B=${2:?usage: run.sh FAASLET BUILD_DIR}
case "$FAASLET" in /*) ;; *) FAASLET=$(pwd)/$FAASLET ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SC=${FAASLET_SECURITY_CASES:-$ROOT/../shared/security-cases}
SLOW=${SECURITY_SLOW:-1}
mkdir -p "$B" && B=$(cd "$B" && pwd)
W=$B/wasm
T=$B/calltmp
export FAASLET_HOME=$B/home
export TMPDIR=$T
export FAASLET_SDK=$ROOT/sdk
pass=0
fail=0

if [ ! -x "$FAASLET" ] || [ ! -d "$SC" ]; then
    echo "run.sh: need the faaslet binary ($FAASLET) and the cases ($SC)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
rm -rf "$FAASLET_HOME" "$T" "$W"
mkdir -p "$W" "$T" "$FAASLET_HOME"

bad() {
    fail=$((fail + 1))
    printf '%-34s FAIL  %s\n' "$1" "$2"
    [ -f "$B/err" ] && sed 's/^/        stderr: /' "$B/err" | head -6
}

# ---- build ----
built=0
for src in "$SC"/*.wat "$SC"/*.c "$HERE"/cases/*.wat "$HERE"/cases/*.c; do
    [ -f "$src" ] || continue
    name=$(basename "$src")
    name=${name%.*}
    out=$W/${name%%_*}.wasm
    # own variants are named V.., the shared cases F..: the id before the first _
    case "$src" in
    *.wat) wat2wasm --enable-all "$src" -o "$out" 2>"$B/err" ;;
    # F10a/F10b run with --max-memory 1 (MiB), as their reproductions say:
    # built with a 64 KiB stack, not faaslet cc's default 4 MiB (Faasm's),
    # which alone needs more memory than that
    */F10*.c) "$FAASLET" cc -Wl,-z,stack-size=65536 -o "$out" "$src" >"$B/err" 2>&1 ;;
    *.c) "$FAASLET" cc -o "$out" "$src" >"$B/err" 2>&1 ;;
    esac || {
        bad "build $name" "cannot build $src"
        continue
    }
    built=$((built + 1))
done
gen() { # gen ID ARGS...: runs ID's generator with ARGS into $W/ID-ARGS.wasm
    id=$1
    shift
    out="$W/$id-$(echo "$*" | tr ' ' '-').wasm"
    python3.11 "$SC/${id}"_*_gen.py "$@" "$out" || bad "generate $id $*" "generator failed"
    echo "$out"
}

printf '%-34s %-5s %4s %8s %9s\n' case outcome exit seconds "peak RSS"

# check ID WANT_RC ERE MAX_S MAX_RSS_MIB ARGS...
#   Runs `faaslet ARGS` (stdin $IN, default /dev/null; stdout appended to
#   $OUT, default $B/out, emptied first) and checks: exit status WANT_RC (or an ERE of statuses, e.g.
#   "2|124"), stderr+stdout (when a regular file) matching ERE (empty: anything), wall time below
#   MAX_S seconds, peak RSS below MAX_RSS_MIB, no call folder left behind.
#   Sets rc, secs, rss_kb for checks of a case's own that follow.
check() {
    id=$1 want_rc=$2 ere=$3 max_s=$4 max_mib=$5
    shift 5
    rm -rf "$T" && mkdir -p "$T"
    : >"$B/out"
    /usr/bin/time -f '%e %M' -o "$B/time" timeout -s KILL 60 "$FAASLET" "$@" \
        <"${IN:-/dev/null}" >>"${OUT:-$B/out}" 2>"$B/err"
    read -r secs rss_kb <<EOF
$(tail -1 "$B/time")
EOF
    # GNU time writes "Command exited with non-zero status N" first
    rc=$(sed -n 's/^Command exited with non-zero status \([0-9]*\)$/\1/p' "$B/time")
    grep -q '^Command terminated by signal' "$B/time" &&
        rc="signal $(sed -n 's/^Command terminated by signal //p' "$B/time")"
    [ -n "$rc" ] || rc=0
    why=""
    echo "$rc" | grep -Eqx "$want_rc" || why="exit status $rc, want $want_rc"
    if [ -z "$why" ] && [ -n "$ere" ] &&
        ! { cat "$B/err"; [ -f "${OUT:-$B/out}" ] && cat "${OUT:-$B/out}"; } | grep -Eq -- "$ere"; then
        why="output does not match /$ere/"
    fi
    if [ -z "$why" ] && awk -v t="$secs" -v m="$max_s" -v k="$SLOW" 'BEGIN { exit !(t > m * k) }'; then
        why="took $secs s, bound $max_s s"
    fi
    if [ -z "$why" ] &&
        awk -v r="$rss_kb" -v m="$max_mib" -v k="$SLOW" 'BEGIN { exit !(r > m * k * 1024) }'; then
        why="peak RSS $((rss_kb / 1024)) MiB, bound $max_mib MiB"
    fi
    if [ -z "$why" ] && [ -n "$(ls -A "$T")" ]; then
        why="left behind in the temporary folder: $(ls -A "$T" | head -3 | tr '\n' ' ')"
    fi
    verdict "$id" "$why"
}

# verdict ID WHY: prints the row; WHY empty is a pass.
verdict() {
    last_ok=0
    if [ -z "$2" ]; then
        last_ok=1
        pass=$((pass + 1))
        printf '%-34s ok    %4s %8s %6s MiB\n' "$1" "$rc" "$secs" "$((rss_kb / 1024))"
    else
        bad "$1" "$2 (exit $rc, $secs s, $((rss_kb / 1024)) MiB)"
    fi
}

# also ID WHY: a case's own extra check after check(); a failure replaces its ok.
also() {
    [ -z "$2" ] && return
    [ "$last_ok" = 1 ] && pass=$((pass - 1))
    bad "$1 (extra check)" "$2"
}

LOAD='load: .*(type|signature)'

# on machine code (FAASLET_TIER=aot): generated before the cases, as
# `faaslet codegen` or upload would, so time and memory bounds measure calls
if [ "${FAASLET_TIER:-}" = aot ]; then
    for m in "$W"/*.wasm; do
        "$FAASLET" codegen "$m" >/dev/null 2>&1 || true # (invalid ones stay refused)
    done
fi

# ---- F1: entry points of the wrong type are refused at load ----
check F01a_start_results 3 "_start.*$LOAD|$LOAD.*_start|_start.*\\[\\]" 5 64 run "$W/F01a.wasm"
check F01b_start_params 3 "_start" 5 64 run "$W/F01b.wasm"
also F01b_start_params "$([ -s "$B/out" ] && echo "it wrote $(wc -c <"$B/out") bytes of output")"
check F01c_zygote_results 3 "_faasm_zygote|too many results" 5 64 run "$W/F01c.wasm"
check F01d_faasm_init_results 3 "_faasm_init" 5 64 run "$W/F01d.wasm"
check F01e_dtors_results 3 "__wasm_call_dtors" 5 64 run "$W/F01e.wasm"

# ---- F2, F3: host->guest re-entry and nested calls end in a clean error ----
check F02_malloc_reentry 2 "call stack exhausted" 10 256 run "$W/F02.wasm"
check F03a_chain_recursion 2 "chain depth" 15 512 run "$W/F03a.wasm" --timeout 30
check F03b_fanout 2 "chain depth|calls" 15 512 run "$W/F03b.wasm" --timeout 30

# ---- F4, F5: one deadline and one set of caps per call tree ----
check F04_chain_timeout 124 "timed out" 2.5 128 run "$W/F04.wasm" --timeout 1
check F05_chain_flood '2|124' "chained calls|timed out" 2.5 256 run "$W/F05.wasm" --timeout 0.2 --threads 1

# ---- F6: blocking reads and writes end at the timeout ----
rm -f "$B/in.fifo" "$B/out.fifo"
mkfifo "$B/in.fifo" "$B/out.fifo"
exec 7<>"$B/in.fifo" 8<>"$B/out.fifo" # a writer that never writes, a reader that never reads
IN=$B/in.fifo check F06a_stdin_read_timeout 124 "timed out" 2.5 64 run "$W/F06a.wasm" --timeout 1
OUT=$B/out.fifo check F06b_stdout_write_timeout 124 "timed out" 2.5 64 run "$W/F06b.wasm" --timeout 1
exec 7>&- 8>&-

# ---- F7: loading is linear and limited ----
q=$(gen F07a 160000 160000)
check F07a_quadratic_compile 0 "" 2 256 run "$q" --timeout 10
check F07a_upload 0 "" 2 256 upload --local u q "$q"
b=$(gen F07b 8000 400000)
check F07b_br_table_results_limit 3 "results" 2 128 run "$b" --timeout 10
b=$(gen F07b 1000 65520)
check F07b_br_table_1000x65520 0 "" 2 256 run "$b" --timeout 10

# ---- F8: stdio has stream rights only ----
printf 'HOST LOG\n' >"$B/stdout.log"
OUT=$B/stdout.log check F08_stdout_truncate 0 "truncate=[1-9]" 5 64 run "$W/F08.wasm"
also F08_stdout_truncate "$(
    [ "$(head -1 "$B/stdout.log")" = "HOST LOG" ] || echo "the host's line is gone"
    [ "$(wc -c <"$B/stdout.log")" -lt 4096 ] || echo "stdout grew to $(wc -c <"$B/stdout.log") bytes"
    grep -q '=0' "$B/err" && echo "a refused call succeeded: $(cat "$B/err")"
    [ "$(($(date +%s) - $(stat -c %Y "$B/stdout.log")))" -lt 600 ] || echo "mtime was set"
)"

# ---- F9-F11: memory caps count outputs, state and tables ----
check F09_retained_outputs 0 "" 20 256 run "$W/F09.wasm" --max-memory 64
# the sparse file already meets the disk quota (its apparent size counts);
# with room on disk, loading it into state meets the memory cap
check F10a_state_sparse_file '1|2' "No space left|memory limit" 10 128 run "$W/F10a.wasm" --max-memory 1
check F10a_with_room_on_disk 2 "memory limit" 10 128 run "$W/F10a.wasm" --max-memory 1 --max-disk 1024
check F10b_append_unbounded 2 "memory limit" 10 128 run "$W/F10b.wasm" --max-memory 1
check F11_tables_memory '2|3' "memory limit" 5 64 run "$W/F11.wasm" --max-memory 1

# ---- F12: disk quota and fds per call tree ----
check F12a_tmp_disk_quota 0 "fallocate rc=[1-9]" 15 64 run "$W/F12a.wasm"
# the first level holds what the tree may open; the next cannot even start
check F12b_fd_exhaustion 0 "level 0 opened (10[0-2][0-9]|[0-9]{1,3}), child chain" 30 256 run "$W/F12b.wasm" --timeout 30

# ---- F13-F15: results kept while awaitable; statuses never lie ----
check F13_await_result_evicted 0 "^0 of 6000" 50 512 run "$W/F13.wasm" --timeout 50
check F14a_exit_256 1 "256" 5 64 run "$W/F14a.wasm"
check F14b_chained_512 1 "512" 5 64 run "$W/F14b.wasm"
check F15_start_timeout 124 "timed out" 2.5 64 run "$W/F15.wasm" --timeout 1

# ---- our own variants: the same causes reached another way ----
check V01_zygote_params 3 "_faasm_zygote" 5 64 run "$W/V01.wasm"
check V02_malloc_wrong_type 3 "malloc" 5 64 run "$W/V02.wasm"
check V03_start_reexported_import 3 "_start" 5 64 run "$W/V03.wasm"
check V04_zygote_loop 124 "timed out" 2.5 64 run "$W/V04.wasm" --timeout 1
check V05_sleep_forever 124 "timed out" 2.5 64 run "$W/V05.wasm" --timeout 1
exec 7<>"$B/in.fifo"
IN=$B/in.fifo check V06_poll_stdin_forever 124 "timed out" 2.5 64 run "$W/V06.wasm" --timeout 1
exec 7>&-
check V07_chain_big_inputs 2 "memory limit" 10 512 run "$W/V07.wasm" --max-memory 128
check V08_state_many_keys 2 "memory limit" 10 128 run "$W/V08.wasm" --max-memory 16
check V09_symlink_escape 0 "escaping symlinks made: 0; inside one: yes" 5 64 run "$W/V09.wasm"
check V10_tmp_many_files 0 "created [0-9]+ files, then: No space" 60 128 run "$W/V10.wasm"
check V11_exit_negative 1 "-1" 5 64 run "$W/V11.wasm"
check V12_deep_tmp_dirs 0 "nested 600 folders, bottom file made" 20 64 run "$W/V12.wasm"
check V13_child_loops_parent_awaits 124 "timed out" 2.5 64 run "$W/V13.wasm" --timeout 1
check V14_table_grow_unbounded 0 "" 5 64 run "$W/V14.wasm" --max-memory 16
OUT=/dev/null check V15_output_replaced 0 "" 30 256 run "$W/V15.wasm" --max-memory 128

# ---- SIMD: the widest accesses at the far ends, a runaway vector loop ----
check V19a_simd_load_past_8gib 2 "out of bounds memory access" 5 64 run "$W/V19a.wasm"
check V19b_simd_lane_store_past_end 2 "out of bounds memory access" 5 64 run "$W/V19b.wasm"
check V19c_simd_loop_forever 124 "timed out" 2.5 64 run "$W/V19c.wasm" --timeout 1

# ---- the command line reads only regular files and pipes ----
check V16_input_is_a_directory '6[0-9]|1|3' "is a directory" 5 64 run "$W/V11.wasm" --input-file "$B"
check V17_module_is_a_directory '6[0-9]|1|3' "is a directory" 5 64 run "$B"
check V18_module_is_a_device '6[0-9]|1|3' "not a regular file" 5 64 run /dev/zero

rm -rf "$T" && mkdir -p "$T"
echo "$pass passed, $fail failed ($built cases built)"
[ "$fail" = 0 ]
