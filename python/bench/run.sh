#!/bin/sh
# python/bench/run.sh [FAASLET] [PYDIR]: CPython in wasm (py_func under
# `faaslet run`, on the interpreter and as machine code) against the
# machine's native /usr/bin/python3.11 on CPU-bound programs: fib
# (recursion), dictstr (dict and string work), nbody (float math), pidigits
# (big integers).  Each program times its own kernel (time.perf_counter, so
# interpreter start-up is not in it) and prints a result line that must be
# the same on every side.  Prints each ratio wasm/native per tier and their
# geometric means, then start-up (`-c pass`) apart.  Machine code comes
# from PYDIR/native (make python generates it).
#
# FAASLET defaults to build/faaslet, PYDIR (py_func.wasm, root/) to
# build/python.  Environment: PROGS="fib nbody" runs a subset; REPS (best
# of, default 5: native and machine code run in turns, so a noisy neighbour
# slows both alike; INTERP_REPS default 1, the interpreter being slow).
set -eu

cd "$(dirname "$0")/../.."
FAASLET=${1:-build/faaslet}
PYDIR=${2:-build/python}
NATIVE=${NATIVE:-/usr/bin/python3.11}
REPS=${REPS:-5}
INTERP_REPS=${INTERP_REPS:-1}
PROGS=${PROGS:-fib dictstr nbody pidigits}
B=python/bench

for f in "$FAASLET" "$PYDIR/py_func.wasm" "$NATIVE"; do
    [ -e "$f" ] || { echo "bench-python: $f missing (make, make python)" >&2; exit 1; }
done

OUT=$(mktemp -d "${TMPDIR:-/tmp}/faaslet-benchpy.XXXXXX")
trap 'rm -rf "$OUT"' EXIT INT TERM
# py_func runs as a FILE: its machine code is looked up in the store's
# cache, which here is the Python runtime's own
mkdir -p "$OUT/store"
ln -s "$(cd "$PYDIR" && pwd)/native" "$OUT/store/native"
export FAASLET_HOME="$OUT/store"

native() {
    PYTHONHASHSEED=0 PYTHONNOUSERSITE=on PYTHONDONTWRITEBYTECODE=1 "$NATIVE" "$@"
}
# the bench folder is mounted at /bench next to the runtime root
wasm() {
    "$FAASLET" run --tier "$TIER" "$PYDIR/py_func.wasm" --dir "$PYDIR/root:/" --dir "$B:/bench" \
        --env PYTHONHOME=/ --env PYTHONHASHSEED=0 --env PYTHONNOUSERSITE=on \
        --env PYTHONWASM=1 -- "$@"
}

# best SIDE REPS PROG: runs PROG REPS times, leaves its result lines in
# $OUT/SIDE.PROG and prints the best kernel time
best() {
    side=$1 reps=$2 prog=$3 bt=
    i=0
    while [ "$i" -lt "$reps" ]; do
        if [ "$side" = native ]; then
            native "$B/$prog.py" >"$OUT/$side.$prog.raw"
        else
            TIER=$side wasm "/bench/$prog.py" >"$OUT/$side.$prog.raw"
        fi
        t=$(sed -n 's/^time //p' "$OUT/$side.$prog.raw")
        grep -v '^time ' "$OUT/$side.$prog.raw" >"$OUT/$side.$prog"
        bt=$(awk -v a="$t" -v b="$bt" 'BEGIN { print (b == "" || a < b) ? a : b }')
        i=$((i + 1))
    done
    echo "$bt"
}

now() { date +%s.%N; }

echo "bench-python: py_func under $FAASLET vs $NATIVE ($("$NATIVE" -c 'import sys; print(sys.version.split()[0])')), kernel time, best of $INTERP_REPS (interpreter) / $REPS (machine code, native, in turns)"
printf '%-10s %11s %9s %11s %9s %11s   %s\n' program "interp (s)" ratio "machine (s)" ratio "native (s)" result
ratios=
aratios=
status=0
for p in $PROGS; do
    tw=$(best interp "$INTERP_REPS" "$p")
    tn= ta=
    i=0
    while [ "$i" -lt "$REPS" ]; do
        tn=$(awk -v a="$(best native 1 "$p")" -v b="$tn" 'BEGIN { print (b == "" || a < b) ? a : b }')
        ta=$(awk -v a="$(best aot 1 "$p")" -v b="$ta" 'BEGIN { print (b == "" || a < b) ? a : b }')
        i=$((i + 1))
    done
    for side in interp aot; do
        if ! cmp -s "$OUT/native.$p" "$OUT/$side.$p"; then
            echo "bench-python: $p: results differ: native \"$(cat "$OUT/native.$p")\", $side \"$(cat "$OUT/$side.$p")\"" >&2
            status=1
        fi
    done
    r=$(awk -v w="$tw" -v n="$tn" 'BEGIN { printf "%.2f", w / n }')
    ra=$(awk -v w="$ta" -v n="$tn" 'BEGIN { printf "%.2f", w / n }')
    ratios="$ratios $r"
    aratios="$aratios $ra"
    printf '%-10s %11.3f %8sx %11.3f %8sx %11.3f   %s\n' "$p" "$tw" "$r" "$ta" "$ra" "$tn" "$(cat "$OUT/native.$p")"
done
echo "$ratios" | awk '{ s = 0; for (i = 1; i <= NF; i++) s += log($i);
                        printf "geometric mean interpreter/native: %.2fx over %d programs\n", exp(s / NF), NF }'
echo "$aratios" | awk '{ s = 0; for (i = 1; i <= NF; i++) s += log($i);
                        printf "geometric mean machine code/native: %.2fx over %d programs (goal <= 1.3, bar <= 1.6)\n", exp(s / NF), NF }'

# start-up, apart: the whole process for `-c pass`
t0=$(now); native -c pass; t1=$(now); TIER=interp wasm -c pass; t2=$(now); TIER=aot wasm -c pass; t3=$(now)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN {
    printf "start-up (-c pass, whole process): interpreter %.3f s, machine code %.3f s, native %.3f s\n", c - b, d - c, b - a }'
exit $status
