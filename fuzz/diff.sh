#!/bin/sh
# fuzz/diff.sh SECONDS: differential testing of the two tiers for SECONDS.
# First the modules it once found different (fuzz/found/, each fixed since)
# are run again; SECONDS=0 runs only those (make test does).
# binaryen's wasm-opt -ttf turns random bytes into valid modules, every
# other one with SIMD (and without its logging imports: binaryen's include
# log-v128, and a host function cannot take a v128); fuzz/diff.c runs each
# on the interpreter and as machine code and compares results, traps, calls
# to imports, memory and globals.  A module that differs is kept in
# build-fuzz-diff/diffs/ and the run fails; the summary counts modules
# compared, inconclusive (stack depth or time) and skipped.
set -eu

SECONDS_=${1:-60}
cd "$(dirname "$0")/.."
OUT=${FUZZ_DIFF_OUT:-build-fuzz-diff}
mkdir -p "$OUT/diffs" "$OUT/work"
# the comparer: $FUZZ_DIFF when make built it, else built here
if [ -z "${FUZZ_DIFF:-}" ]; then
    LIB=build/libfaaslet.a
    [ -f "$LIB" ] && [ -x build/faaslet-codegen ] || { echo "fuzz-diff: build first (make)" >&2; exit 2; }
    FUZZ_DIFF=$OUT/fuzz-diff
    clang-19 -std=gnu11 -O1 -g -Wall -Wextra -Werror -Isrc -D_GNU_SOURCE -pthread fuzz/diff.c \
        "$LIB" -lcjson -lxxhash -lcrypto -lm -lpthread -o "$FUZZ_DIFF"
fi
# the cache is per run: thousands of modules, each used once
rm -rf "$OUT/cache"
export FAASLET_CODEGEN=${FAASLET_CODEGEN:-$(pwd)/build/faaslet-codegen}

found=0
for f in fuzz/found/*.wasm; do
    out=$("$FUZZ_DIFF" "$f" "$OUT/cache") || {
        printf '%s\n' "$out" | head -40 >&2
        echo "fuzz-diff: $f, a difference found and fixed before, is back" >&2
        exit 1
    }
    case "$out" in same*) ;; *) echo "fuzz-diff: $f: not compared: $out" >&2; exit 1 ;; esac
    found=$((found + 1))
    rm -rf "$OUT/cache"
done
echo "fuzz-diff: the $found modules of fuzz/found/ are the same on both tiers"
[ "$SECONDS_" -gt 0 ] || exit 0

# binaryen only here: with wasm-opt in PATH, clang runs it after linking and
# drops the name section faaslet cc's functions need (stack overflow reports)
command -v wasm-opt >/dev/null 2>&1 || apt-get install -y binaryen >/dev/null

FEATURES="--enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-multivalue --enable-mutable-globals"
end=$(($(date +%s) + SECONDS_))
n=0 same=0 inconclusive=0 skipped=0 diffs=0
while [ "$(date +%s)" -lt "$end" ]; do
    n=$((n + 1))
    size=$(( (n * 7919) % 6000 + 200 ))
    head -c "$size" /dev/urandom >"$OUT/work/in.dat"
    simd=""
    [ $((n % 2)) = 0 ] && simd="--enable-simd --remove-imports"
    # shellcheck disable=SC2086
    if ! wasm-opt -ttf $FEATURES $simd "$OUT/work/in.dat" -o "$OUT/work/m.wasm" 2>/dev/null; then
        skipped=$((skipped + 1))
        continue
    fi
    out=$("$FUZZ_DIFF" "$OUT/work/m.wasm" "$OUT/cache") && rc=0 || rc=$?
    case "$out" in
    same*) same=$((same + 1)) ;;
    inconclusive*) inconclusive=$((inconclusive + 1)) ;;
    skipped*) skipped=$((skipped + 1)) ;;
    *)
        diffs=$((diffs + 1))
        cp "$OUT/work/m.wasm" "$OUT/diffs/diff-$n.wasm"
        printf '%s\n' "$out" | head -40 >&2
        echo "fuzz-diff: kept as $OUT/diffs/diff-$n.wasm (exit $rc)" >&2 ;;
    esac
    rm -rf "$OUT/cache"
done
echo "fuzz-diff: $n modules in ${SECONDS_} s: $same the same on both tiers, $inconclusive inconclusive, $skipped skipped, $diffs different"
[ "$diffs" -eq 0 ]
