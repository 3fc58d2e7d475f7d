#!/bin/sh
# fuzz/run.sh SECONDS [TARGET]: builds a libFuzzer target with ASan and
# UBSan (bounds-checked memory) into build-fuzz/, seeds its corpus and
# fuzzes for SECONDS.  Crashing inputs are written to build-fuzz/crashes/
# (TARGET-prefixed); the script fails when there is one.
#
#   module (default)  fuzz/fuzz_module.c: load, instantiate against stubs,
#                     call every export with zero arguments (the engine)
#   entry             fuzz/fuzz_entry.c: each input as a function of the
#                     runtime, called the way `faaslet run` calls it
#                     (entry export checks, WASI and env.__faasm_* imports,
#                     zygote, _start, chained entries)
#
# Seeds: the spec suite's modules (simd_*.wast's SIMD ones included); for
# `entry` also the security cases written in the text format
# (../shared/security-cases/*.wat, built with wat2wasm) and tests/func/*.wat,
# but for those whose name starts with a word of $SKIP_SEEDS (e.g.
# SKIP_SEEDS="F03 F05": cases still open).  For both, SIMD code as clang
# writes it, built here from the repository's C: the bench kernels at -O3
# -msimd128 and the SIMD test functions (tests/func/simd/: intrinsics,
# relaxed SIMD's too, and vectorised loops) as faaslet cc builds them; these
# are added to a corpus that lacks them, however old.
set -eu

SECONDS_=${1:-60}
TARGET=${2:-module}
cd "$(dirname "$0")/.."

CC=${CC:-clang-19}
OUT=build-fuzz
SUITE=../shared/wasm-testsuite
CASES=../shared/security-cases
case "$TARGET" in
module) SRC="src/budget src/engine src/interp src/tiers src/store"; CORPUS=$OUT/corpus ;;
entry)  SRC="src/budget src/engine src/interp src/tiers src/aot src/sched src/redis src/state src/store src/wasi src/host src/faaslet"
        CORPUS=$OUT/corpus-entry ;;
*) echo "fuzz: unknown target $TARGET (module or entry)" >&2; exit 64 ;;
esac
mkdir -p "$CORPUS" "$OUT/crashes"

files=""
for d in $SRC; do files="$files $(ls "$d"/*.c)"; done
# shellcheck disable=SC2086
$CC -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter -Isrc -D_GNU_SOURCE \
    -fno-strict-aliasing -pthread -fno-omit-frame-pointer -DFL_MEMORY_GUARDED=0 \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    "fuzz/fuzz_$TARGET.c" $files -lhiredis -lxxhash -lcrypto -lcjson -lm -lpthread -o "$OUT/fuzz_$TARGET"

# Seeds: every module of the spec suite, converted once.
if [ ! -d "$OUT/seeds" ]; then
    if [ -d "$SUITE" ]; then
        mkdir -p "$OUT/seeds.tmp"
        for w in "$SUITE"/*.wast; do
            wast2json "$w" -o "$OUT/seeds.tmp/$(basename "$w" .wast).json" 2>/dev/null || true
        done
        mv "$OUT/seeds.tmp" "$OUT/seeds"
    else
        echo "fuzz: $SUITE not found: starting from an empty corpus" >&2
    fi
fi
if [ -d "$OUT/seeds" ] && [ -z "$(ls -A "$CORPUS")" ]; then
    cp "$OUT"/seeds/*.wasm "$CORPUS/"
    if [ "$TARGET" = entry ]; then
        for w in "$CASES"/*.wat tests/func/*.wat; do
            [ -f "$w" ] || continue
            skip=""
            for p in ${SKIP_SEEDS:-}; do
                case "$(basename "$w")" in "$p"*) skip=1 ;; esac
            done
            [ -z "$skip" ] || continue
            wat2wasm --enable-all "$w" -o "$CORPUS/seed-$(basename "$w" .wat).wasm" 2>/dev/null || true
        done
    fi
fi

# SIMD seeds, remade when their source changed.  Compiled, then linked
# without -O: clang 19 runs a binaryen wasm-opt found in PATH after an -O
# link, and Debian's rejects relaxed SIMD.
SIMD_SEEDS=$OUT/seeds-simd
mkdir -p "$SIMD_SEEDS"
for src in bench/kernels/*.c tests/func/simd/*.c; do
    case "$src" in
    bench/*) seed=$SIMD_SEEDS/kernel-$(basename "$src" .c)
             flags="--target=wasm32 -O3 -msimd128 -fno-builtin -ffp-contract=off"
             link="--target=wasm32 -nostdlib -Wl,--no-entry -Wl,--export=run" ;;
    *)       seed=$SIMD_SEEDS/$(basename "$src" .c)
             flags="--target=wasm32-wasi -O3 -msimd128 -mrelaxed-simd"
             link="--target=wasm32-wasi -lm" ;;
    esac
    [ -f "$seed.wasm" ] && [ ! "$src" -nt "$seed.wasm" ] && continue
    # shellcheck disable=SC2086 # flags and link are lists of words
    if ! $CC $flags -c -o "$seed.o" "$src" || ! $CC $link -o "$seed.wasm" "$seed.o"; then
        echo "fuzz: cannot build the SIMD seed $src" >&2
        exit 1
    fi
    rm -f "$seed.o"
done
for w in "$SIMD_SEEDS"/*.wasm; do
    [ -f "$CORPUS/simd-$(basename "$w")" ] || cp "$w" "$CORPUS/simd-$(basename "$w")"
done

echo "fuzz: $TARGET, $(find "$CORPUS" -type f | wc -l) corpus files ($(find "$SIMD_SEEDS" -name '*.wasm' | wc -l) SIMD seeds), $SECONDS_ s"
status=0
"$OUT/fuzz_$TARGET" "$CORPUS" -max_total_time="$SECONDS_" -timeout=10 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$OUT/crashes/$TARGET-" \
    >"$OUT/fuzz-$TARGET.log" 2>&1 || status=$?
grep -E '^Done [0-9]+ runs|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb' \
    "$OUT/fuzz-$TARGET.log" || true
if [ "$status" -ne 0 ]; then
    tail -n 60 "$OUT/fuzz-$TARGET.log"
    echo "fuzz: FAILED (status $status); reproducers in $OUT/crashes/:" >&2
    ls "$OUT/crashes" >&2
    exit 1
fi
