#!/bin/sh
# spec.sh FAASLET OUTDIR: converts the official spec tests (.wast) into
# OUTDIR with wast2json, only those whose .json is missing or older than the
# .wast, then runs `FAASLET spec-test` on all of them.  Exit status is the
# runner's.  FAASLET_SPEC_DIR overrides where the .wast files are; extra
# runner options (e.g. -v) can be passed in FAASLET_SPEC_FLAGS.
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

converted=0
for wast in "$spec_dir"/*.wast; do
    [ -e "$wast" ] || continue
    name=$(basename "$wast" .wast)
    json=$outdir/$name.json
    if [ ! -e "$json" ] || [ "$wast" -nt "$json" ]; then
        # wast2json writes NAME.json and NAME.N.wasm/.wat beside it; a file
        # it cannot convert is reported and left out of the run.
        if ! wast2json -o "$json" "$wast" 2>"$outdir/$name.log"; then
            echo "spec.sh: wast2json failed on $name.wast (see $outdir/$name.log)" >&2
            rm -f "$json"
            continue
        fi
        rm -f "$outdir/$name.log"
        converted=$((converted + 1))
    fi
done
[ "$converted" -eq 0 ] || echo "spec.sh: converted $converted file(s) into $outdir"

set +e
# shellcheck disable=SC2086
"$faaslet" spec-test ${FAASLET_SPEC_FLAGS:-} "$outdir"/*.json
exit $?
