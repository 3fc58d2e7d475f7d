#!/bin/sh
# fuzz/run.sh SECONDS: builds fuzz/fuzz_module.c with the engine under
# libFuzzer, ASan and UBSan into build-fuzz/, seeds a corpus from the spec
# suite's modules and fuzzes for SECONDS.  Crashing inputs are written to
# build-fuzz/crashes/; the script fails when there is one.
set -eu

SECONDS_=${1:-60}
cd "$(dirname "$0")/.."

CC=${CC:-clang-19}
OUT=build-fuzz
SUITE=../shared/wasm-testsuite
mkdir -p "$OUT/corpus" "$OUT/crashes"

# shellcheck disable=SC2046
$CC -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter -Isrc -D_GNU_SOURCE \
    -fno-strict-aliasing -pthread -fno-omit-frame-pointer -DFL_MEMORY_GUARDED=0 \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    fuzz/fuzz_module.c $(ls src/engine/*.c src/interp/*.c) \
    -lm -lpthread -o "$OUT/fuzz_module"

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
if [ -d "$OUT/seeds" ] && [ -z "$(ls -A "$OUT/corpus")" ]; then
    cp "$OUT"/seeds/*.wasm "$OUT/corpus/"
fi

echo "fuzz: $(find "$OUT/corpus" -type f | wc -l) corpus files, $SECONDS_ s"
status=0
"$OUT/fuzz_module" "$OUT/corpus" -max_total_time="$SECONDS_" -timeout=10 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$OUT/crashes/" \
    >"$OUT/fuzz.log" 2>&1 || status=$?
grep -E '^Done [0-9]+ runs|stat::number_of_executed_units|stat::average_exec_per_sec' "$OUT/fuzz.log" || true
if [ "$status" -ne 0 ]; then
    tail -n 60 "$OUT/fuzz.log"
    echo "fuzz: FAILED (status $status); reproducers in $OUT/crashes/:" >&2
    ls "$OUT/crashes" >&2
    exit 1
fi
