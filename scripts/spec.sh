#!/bin/sh
# spec.sh FAASLET OUTDIR: converts the official spec tests (.wast) into
# OUTDIR with wast2json, only those whose .json is missing or older than the
# .wast, then runs `FAASLET spec-test` on all of them, strictly: messages are
# compared, and the only exceptions are tests/spec/allowlist.txt's entries.
# A .wast that wast2json cannot convert fails the run (status 1, before any
# test runs); otherwise the exit status is the runner's.  FAASLET_SPEC_DIR
# overrides where the .wast files are; extra runner options (e.g. -v) can be
# passed in FAASLET_SPEC_FLAGS.  Runs on the interpreter and on machine code
# (FAASLET_SPEC_TIERS="interp aot"); the status is 1 when either failed.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 FAASLET OUTDIR" >&2
    exit 64
fi
faaslet=$1
outdir=$2
spec_dir=${FAASLET_SPEC_DIR:-$(dirname "$0")/../../shared/wasm-testsuite}

if [ ! -d "$spec_dir" ]; then
    echo "spec.sh: no spec test suite at $spec_dir (set FAASLET_SPEC_DIR)" >&2
    exit 2
fi
if ! command -v wast2json >/dev/null 2>&1; then
    echo "spec.sh: wast2json not found (Debian package wabt)" >&2
    exit 2
fi
mkdir -p "$outdir"

allow=$(dirname "$0")/../tests/spec/allowlist.txt
if [ ! -f "$allow" ]; then
    echo "spec.sh: no allow-list at $allow" >&2
    exit 2
fi

converted=0
failed=0
jsons=
for wast in "$spec_dir"/*.wast; do
    [ -e "$wast" ] || continue
    name=$(basename "$wast" .wast)
    json=$outdir/$name.json
    jsons="$jsons $json"
    if [ ! -e "$json" ] || [ "$wast" -nt "$json" ]; then
        # wast2json writes NAME.json and NAME.N.wasm/.wat beside it.  A file
        # it cannot convert would silently drop all its tests: it fails.
        if ! wast2json -o "$json" "$wast" 2>"$outdir/$name.log"; then
            echo "spec.sh: FAILED: wast2json cannot convert $wast:" >&2
            sed 's/^/    /' "$outdir/$name.log" | head -20 >&2
            rm -f "$json"
            failed=$((failed + 1))
            continue
        fi
        rm -f "$outdir/$name.log"
        converted=$((converted + 1))
    fi
done
[ "$converted" -eq 0 ] || echo "spec.sh: converted $converted file(s) into $outdir"
if [ -z "$jsons" ]; then
    echo "spec.sh: FAILED: no .wast files in $spec_dir" >&2
    exit 1
fi
if [ "$failed" -ne 0 ]; then
    echo "spec.sh: FAILED: $failed .wast file(s) could not be converted (wabt $(wast2json --version))" >&2
    exit 1
fi

# every tier: the interpreter, then machine code (generated once per
# module into OUTDIR/native, kept across runs); FAASLET_SPEC_TIERS picks
status=0
for tier in ${FAASLET_SPEC_TIERS:-interp aot}; do
    echo "spec.sh: tier $tier"
    # shellcheck disable=SC2086
    "$faaslet" spec-test --tier "$tier" --cache "$outdir/native" --allow "$allow" \
        ${FAASLET_SPEC_FLAGS:-} $jsons || status=1
done
exit $status
