#!/bin/sh
# bench/run.sh BUILD_DIR: the interpreter and machine code (the LLVM tier)
# against native code on the compute kernels in bench/kernels/.  Each kernel
# is compiled natively (with native_main.c) and to a freestanding wasm
# module run in process by bench_driver.c on BUILD_DIR/libfaaslet.a, on
# each tier; all take the best of REPS runs and must print the same
# checksum.  Machine code is generated first (`faaslet codegen`, timed) into
# a store of its own.  Outputs go to BUILD_DIR/bench/.
#
# Two native baselines: plain -O2 (the issue's yardstick: SSE2 on x86-64)
# and -O2 -march=native, which uses the CPU features machine code is
# generated for (AVX-512 here): the like-for-like measure of the code
# generator, where a vectorised loop is not a win of the tier itself.
#
# Environment: KERNELS="matmul sort" runs a subset; REPS (default 3).
set -eu

BUILD=${1:-build}
case "$BUILD" in /*) ;; *) BUILD="$(pwd)/$BUILD" ;; esac
cd "$(dirname "$0")/.."

CC=${CC:-clang-19}
REPS=${REPS:-3}
OUT="$BUILD/bench"
LIB="$BUILD/libfaaslet.a"
# Same code on both sides: no libc calls behind our back (memset/memcpy
# idioms), sqrt is an instruction on both, and no a*b+c is fused (wasm has
# no FMA: -march=native would round differently).
KFLAGS="-std=gnu11 -O2 -Wall -Wextra -Werror -fno-builtin -fno-math-errno -ffp-contract=off"

# kernel and n, sized for about 0.1-0.3 s of native time each
SIZES="matmul:500 nbody:3000000 fannkuch:10 sha256:50 sort:3000000 coremark:25000"
KERNELS=${KERNELS:-$(for s in $SIZES; do printf '%s ' "${s%%:*}"; done)}

[ -f "$LIB" ] || { echo "bench: $LIB missing: run make first" >&2; exit 1; }
mkdir -p "$OUT"

$CC -std=gnu11 -O2 -Wall -Wextra -Werror -Isrc -D_GNU_SOURCE -pthread \
    bench/bench_driver.c "$LIB" -lcjson -lxxhash -lcrypto -lm -lpthread -o "$OUT/bench_driver"
STORE="$OUT/store"
rm -rf "$STORE"
mkdir -p "$STORE"

# field NAME of a "checksum=.. best=.. load=.." line
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

results="$OUT/results.txt"
: >"$results"
failed=0
printf '%-10s %9s %9s %7s %9s %7s %9s %7s %8s %8s\n' kernel "native s" "interp s" ratio "machine s" ratio \
    "march s" "m/march" "load ms" "gen s"
for k in $KERNELS; do
    n=""
    for s in $SIZES; do [ "${s%%:*}" = "$k" ] && n=${s#*:}; done
    [ -n "$n" ] || { echo "bench: unknown kernel $k" >&2; exit 1; }

    # shellcheck disable=SC2086 # KFLAGS is a list of words
    $CC $KFLAGS "bench/kernels/$k.c" bench/native_main.c -lm -o "$OUT/$k-native"
    # shellcheck disable=SC2086
    $CC $KFLAGS -march=native "bench/kernels/$k.c" bench/native_main.c -lm -o "$OUT/$k-march"
    # shellcheck disable=SC2086
    $CC $KFLAGS --target=wasm32 -nostdlib -Wl,--no-entry -Wl,--export=run \
        -o "$OUT/$k.wasm" "bench/kernels/$k.c"

    nat=$("$OUT/$k-native" "$n" "$REPS")
    march=$("$OUT/$k-march" "$n" "$REPS")
    if ! wasm=$("$OUT/bench_driver" "$OUT/$k.wasm" "$n" "$REPS"); then
        echo "bench: FAILED: $k did not run on the interpreter" >&2
        failed=1
        continue
    fi
    gen=$(FAASLET_HOME="$STORE" "$BUILD/faaslet" codegen "$OUT/$k.wasm" | sed -n 's/.*(\([0-9.]*\) s)$/\1/p')
    if ! aot=$("$OUT/bench_driver" "$OUT/$k.wasm" "$n" "$REPS" "$STORE/native"); then
        echo "bench: FAILED: $k did not run as machine code" >&2
        failed=1
        continue
    fi
    nsum=$(field checksum "$nat")
    wsum=$(field checksum "$wasm")
    asum=$(field checksum "$aot")
    msum=$(field checksum "$march")
    if [ "$nsum" != "$wsum" ] || [ "$nsum" != "$asum" ] || [ "$nsum" != "$msum" ]; then
        echo "bench: FAILED: $k checksum differs: native $nsum, -march=native $msum, interpreter $wsum, machine code $asum" >&2
        failed=1
        continue
    fi
    nt=$(field best "$nat")
    wt=$(field best "$wasm")
    at=$(field best "$aot")
    mt=$(field best "$march")
    lt=$(field load "$aot")
    ratio=$(awk -v a="$wt" -v b="$nt" 'BEGIN { printf "%.2f", a / b }')
    aratio=$(awk -v a="$at" -v b="$nt" 'BEGIN { printf "%.3f", a / b }')
    mratio=$(awk -v a="$at" -v b="$mt" 'BEGIN { printf "%.3f", a / b }')
    printf '%-10s %9.3f %9.3f %7s %9.3f %7s %9.3f %7s %8.2f %8s\n' "$k" "$nt" "$wt" "$ratio" "$at" "$aratio" \
        "$mt" "$mratio" "$(awk -v l="$lt" 'BEGIN { print l * 1000 }')" "$gen"
    echo "$k $n $nt $wt $ratio $at $aratio $nsum $mt $mratio" >>"$results"
done

if [ -s "$results" ]; then
    awk '{ s += log($5); a += log($7); m += log($10); c++ } END {
        printf "geometric mean interpreter/native: %.2f\n", exp(s / c)
        printf "geometric mean machine code/native -O2: %.3f (goal <= 1.05, bar <= 1.15)\n", exp(a / c)
        printf "geometric mean machine code/native -O2 -march=native: %.3f\n", exp(m / c) }' "$results"
fi
if [ "$failed" -ne 0 ]; then
    echo "bench: FAILED (see above)" >&2
    exit 1
fi
