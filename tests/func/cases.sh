# cases.sh: the golden-case runner shared by tests/func/run.sh and
# tests/faasm/run.sh (sourced, not run).
#
# The including script calls cases_setup FAASLET BUILD_DIR (its own
# arguments), which sets FAASLET, B (its build folder), W (compiled
# functions), S (an empty folder made for each case), T (TMPDIR, where
# every call's private /tmp is made; it must be empty after each case),
# HERE (the suite's folder), ROOT (the repository) and FAASLET_HOME (made
# empty), and starts pass=0 fail=0.  run_cases FILE runs every case of FILE: one a line,
# fields split by " | ":
#   name | faaslet arguments | exit status | exact stdout | stderr must contain | max seconds
# In the arguments $W, $S, $H (FAASLET_HOME), $P (func/python), $Q
# (HERE/python) and $F (HERE) are replaced.  \n in stdout is a newline; a
# stdout field "~ERE" is a pattern the whole stdout must match, its
# newlines read as spaces (trailing ones dropped).  Empty stderr field:
# anything.  A line starting with # and an empty line are skipped.

cases_setup() {
    FAASLET=${1:?usage: run.sh FAASLET BUILD_DIR}
    B=${2:?usage: run.sh FAASLET BUILD_DIR}
    case "$FAASLET" in /*) ;; *) FAASLET=$(pwd)/$FAASLET ;; esac
    if [ ! -x "$FAASLET" ]; then
        echo "run.sh: no faaslet binary at $FAASLET (make it first)" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
    HERE=$(cd "$(dirname "$0")" && pwd)
    ROOT=$(cd "$HERE/../.." && pwd)
    mkdir -p "$B" && B=$(cd "$B" && pwd)
    W=$B/wasm
    S=$B/sandbox
    T=$B/calltmp
    export FAASLET_HOME=$B/home
    export TMPDIR=$T
    pass=0
    fail=0
    rm -rf "$FAASLET_HOME" "$S" "$T"
}

bad() {
    fail=$((fail + 1))
    echo "FAIL $1"
    [ $# -gt 1 ] && [ -f "$2" ] && sed 's/^/    /' "$2" | head -20
}

now_ms() { date +%s%3N; }

# ---- the cases ----
# run_cases FILE: every case of FILE (the format of cases.txt)
run_cases() {
n_cases=0
while IFS= read -r line; do
    case "$line" in '#'* | '') continue ;; esac
    n_cases=$((n_cases + 1))
    # split on " | " and trim
    name=$(printf "%s\n" "$line" | awk -F' \\| ' '{gsub(/^ +| +$/, "", $1); print $1}')
    args=$(printf "%s\n" "$line" | awk -F' \\| ' '{gsub(/^ +| +$/, "", $2); print $2}')
    want_rc=$(printf "%s\n" "$line" | awk -F' \\| ' '{gsub(/^ +| +$/, "", $3); print $3}')
    want_out=$(printf "%s\n" "$line" | awk -F' \\| ' '{gsub(/^ +| +$/, "", $4); print $4}')
    want_err=$(printf "%s\n" "$line" | awk -F' \\| ' '{gsub(/^ +| +$/, "", $5); print $5}')
    max_s=$(printf "%s\n" "$line" | awk -F' \\| ' '{gsub(/^ +| +$/, "", $6); print $6}')
    args=$(printf "%s\n" "$args" |
        sed "s#\\\$W#$W#g; s#\\\$S#$S#g; s#\\\$H#$FAASLET_HOME#g; s#\\\$P#$ROOT/func/python#g; s#\\\$Q#$HERE/python#g; s#\\\$F#$HERE#g")
    rm -rf "$S" && mkdir -p "$S"
    t0=$(now_ms)
    # shellcheck disable=SC2086
    timeout 120 "$FAASLET" $args >"$B/out" 2>"$B/err" </dev/null
    rc=$?
    t1=$(now_ms)
    printf '%b' "$want_out" >"$B/want"
    why=""
    [ "$rc" = "$want_rc" ] || why="exit status $rc, want $want_rc"
    case "$want_out" in
    '~'*) # a pattern: an ERE for the whole stdout, its newlines read as spaces
        got=$(tr '\n' ' ' <"$B/out" | sed 's/ *$//')
        [ -z "$why" ] && ! printf '%s' "$got" | grep -Eq "^(${want_out#\~})\$" &&
            why="stdout \"$(head -c 200 "$B/out")\" does not match ${want_out#\~}" ;;
    *)
        [ -z "$why" ] && ! cmp -s "$B/out" "$B/want" &&
            why="stdout \"$(head -c 200 "$B/out")\", want \"$(cat "$B/want")\"" ;;
    esac
    [ -z "$why" ] && [ -n "$(ls -A "$T")" ] &&
        why="a call's /tmp was left behind in $T: $(ls -A "$T" | head -3 | tr '\n' ' ')"
    rm -rf "$T" && mkdir -p "$T"
    [ -z "$why" ] && [ -n "$want_err" ] && ! grep -qF -- "$want_err" "$B/err" &&
        why="stderr lacks \"$want_err\""
    ms=$((t1 - t0))
    [ -z "$why" ] && [ -n "$max_s" ] &&
        awk -v ms="$ms" -v max="$max_s" 'BEGIN { exit !(ms > max * 1000) }' &&
        why="took $ms ms, limit $max_s s"
    if [ -z "$why" ]; then
        pass=$((pass + 1))
        echo "ok   $name ($ms ms)"
    else
        echo "     faaslet $args" >"$B/why"
        echo "     $why" >>"$B/why"
        sed 's/^/     stderr: /' "$B/err" | head -5 >>"$B/why"
        bad "$name" "$B/why"
    fi
done <"$1"
[ "$n_cases" -gt 0 ] || bad "no case read from $1"
}
