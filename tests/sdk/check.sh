#!/bin/sh
# check.sh: the guest SDK and `faaslet cc` / `faaslet upload`.
#
#   tests/sdk/check.sh [FAASLET]        (default build/faaslet)
#
# For every func/*.c: compiles it with `faaslet cc` (warnings are errors)
# and checks with wasm-objdump that the module imports nothing but
# env.__faasm_* and wasi_snapshot_preview1.*, and exports memory, _start
# and the function table (and _faasm_zygote when the source defines one).
# The pure-WASI examples (func/wasi_*.c) also run under Node's node:wasi,
# in a scratch folder preopened as /tmp.  Then `faaslet cc` itself (-c,
# FAASLET_SDK, a compile error, no wasm-opt run, SIMD on by default and
# off with -mno-simd128), a C++ function (chaining, std::string)
# built and run, and `faaslet upload --local` (valid, invalid, --py, bad
# names).  Nothing is skipped: node, the wasm libc++ and wabt are installed
# by scripts/install-deps.sh, and a missing one is a failure.
# Prints one line per check and "N passed, N failed"; exits 1 on a failure.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
FAASLET=${1:-$ROOT/build/faaslet}
case "$FAASLET" in /*) ;; *) FAASLET=$(pwd)/$FAASLET ;; esac
if [ ! -x "$FAASLET" ]; then
    echo "check.sh: no faaslet binary at $FAASLET (make it first)" >&2
    exit 2
fi
W=$(mktemp -d /tmp/fl-sdk-check.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok    $1"; }
bad() { fail=$((fail + 1)); echo "FAIL  $1"; [ -n "${2:-}" ] && sed 's/^/      /' "$2" | head -20; }

# Imports other than env.__faasm_* and wasi_snapshot_preview1.*, one a line;
# "wasm-objdump failed" when the module cannot be read.
stray_imports() {
    if ! wasm-objdump -x -j Import "$1" >"$W/objdump" 2>&1; then
        echo "wasm-objdump failed: $(head -1 "$W/objdump")"
        return
    fi
    grep -- ' <- ' "$W/objdump" | sed 's/.* <- //' |
        grep -v -e '^env\.__faasm_' -e '^wasi_snapshot_preview1\.'
}

# Does module $1 export $2 (a name)?
exports() {
    wasm-objdump -x -j Export "$1" >"$W/objdump" 2>&1 && grep -q -- "-> \"$2\"\$" "$W/objdump"
}

for tool in wasm-objdump node; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "check.sh: $tool not installed (scripts/install-deps.sh installs it)" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
done

# ---- every example compiles and imports only what it should ----
n_func=0
for src in "$ROOT"/func/*.c; do
    [ -f "$src" ] || continue
    n_func=$((n_func + 1))
    name=$(basename "$src" .c)
    wasm="$W/$name.wasm"
    if ! "$FAASLET" cc -Wall -Wextra -Werror -Wno-unused-parameter -o "$wasm" "$src" \
        >"$W/log" 2>&1; then
        bad "$name: faaslet cc" "$W/log"
        continue
    fi
    stray=$(stray_imports "$wasm")
    if [ -n "$stray" ]; then
        echo "$stray" >"$W/log"
        bad "$name: imports outside env.__faasm_* and wasi_snapshot_preview1" "$W/log"
        continue
    fi
    missing=""
    for e in memory _start __indirect_function_table; do
        exports "$wasm" "$e" || missing="$missing $e"
    done
    if grep -q 'FAASM_ZYGOTE()' "$src"; then
        exports "$wasm" _faasm_zygote || missing="$missing _faasm_zygote"
    fi
    if [ -n "$missing" ]; then
        bad "$name: missing exports:$missing"
        continue
    fi
    ok "$name: compiles; imports and exports as expected"
done
[ $n_func -gt 0 ] || bad "no func/*.c example found in $ROOT/func"

# ---- the pure-WASI examples run under Node ----
n_wasi=0
cat >"$W/run.mjs" <<'EOF'
import { WASI } from 'node:wasi';
import { readFileSync } from 'node:fs';
const [file, sandbox] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [file], env: { FAASLET_EXAMPLE: 'yes' },
                        preopens: { '/tmp': sandbox } });
const inst = await WebAssembly.instantiate(await WebAssembly.compile(readFileSync(file)),
                                           { wasi_snapshot_preview1: wasi.wasiImport });
process.exitCode = wasi.start(inst);
EOF
for src in "$ROOT"/func/wasi_*.c; do
    [ -f "$src" ] || continue
    n_wasi=$((n_wasi + 1))
    name=$(basename "$src" .c)
    if [ ! -f "$W/$name.wasm" ]; then
        bad "$name: not built (see above), cannot run under node:wasi"
        continue
    fi
    mkdir -p "$W/sb-$name"
    if node --no-warnings "$W/run.mjs" "$W/$name.wasm" "$W/sb-$name" >"$W/log" 2>&1 &&
        [ -z "$(ls -A "$W/sb-$name")" ]; then
        ok "$name: runs under node:wasi ($(tail -n 1 "$W/log"))"
    else
        bad "$name: run under node:wasi (exit status, or files left behind)" "$W/log"
    fi
done
[ $n_wasi -gt 0 ] || bad "no func/wasi_*.c example found in $ROOT/func"

# ---- faaslet cc itself ----
if "$FAASLET" cc -Werror -c -o "$W/hello.o" "$ROOT/func/hello.c" >"$W/log" 2>&1 &&
    [ -s "$W/hello.o" ]; then
    ok "cc -c: object file, no link flags (no unused-argument warning)"
else
    bad "cc -c" "$W/log"
fi
if FAASLET_SDK="$ROOT/sdk" "$FAASLET" cc -o "$W/h2.wasm" "$ROOT/func/hello.c" >"$W/log" 2>&1 &&
    FAASLET_SDK="$ROOT/sdk/include" "$FAASLET" cc -o "$W/h3.wasm" "$ROOT/func/hello.c" \
        >>"$W/log" 2>&1; then
    ok "cc: FAASLET_SDK as the SDK folder or its include folder"
else
    bad "cc: FAASLET_SDK" "$W/log"
fi
if FAASLET_SDK="$W/none" "$FAASLET" cc -o "$W/h4.wasm" "$ROOT/func/hello.c" >"$W/log" 2>&1; then
    bad "cc: a FAASLET_SDK without headers must fail"
else
    [ $? -eq 2 ] && grep -q 'FAASLET_SDK' "$W/log" && ok "cc: bad FAASLET_SDK refused (status 2)" ||
        bad "cc: bad FAASLET_SDK status/message" "$W/log"
fi
printf 'int main(void) { return undefined_thing; }\n' >"$W/broken.c"
if "$FAASLET" cc -o "$W/broken.wasm" "$W/broken.c" >"$W/log" 2>&1; then
    bad "cc: a compile error must fail"
else
    grep -q undefined_thing "$W/log" && ok "cc: compile error reported with clang's status" ||
        bad "cc: compile error message" "$W/log"
fi
FAASLET_CC_VERBOSE=1 "$FAASLET" cc -o "$W/h5.wasm" "$ROOT/func/hello.c" >"$W/log" 2>&1
if grep -q -- '--target=wasm32-wasi' "$W/log" && grep -q -- '-O2' "$W/log" &&
    grep -q -- '-msimd128 -mrelaxed-simd' "$W/log" && grep -q -- '--export-table' "$W/log"; then
    ok "cc: FAASLET_CC_VERBOSE shows target, -O2, -msimd128 -mrelaxed-simd and --export-table"
else
    bad "cc: verbose command line" "$W/log"
fi
# clang 19 runs a wasm-opt found in PATH after linking (this one fails);
# faaslet cc's own must come first, and its folder be gone after
mkdir -p "$W/badbin" "$W/cctmp"
printf '#!/bin/sh\nexit 1\n' >"$W/badbin/wasm-opt"
chmod +x "$W/badbin/wasm-opt"
if PATH="$W/badbin:$PATH" TMPDIR="$W/cctmp" "$FAASLET" cc -O3 -o "$W/h6.wasm" "$ROOT/func/hello.c" \
    >"$W/log" 2>&1 && wasm-objdump -h "$W/h6.wasm" | grep -q '"name"' && [ -z "$(ls -A "$W/cctmp")" ]; then
    ok "cc: no wasm-opt of PATH's after linking (name section kept, nothing left in TMPDIR)"
else
    ls -A "$W/cctmp" >>"$W/log"
    bad "cc: a wasm-opt in PATH was run, or its stand-in left behind" "$W/log"
fi
# SIMD is on by default (LLVM vectorises this loop) and -mno-simd128 turns
# it off: the user's flag comes after faaslet cc's
printf 'void f(int *restrict a, const int *restrict b, int n) {\n    for (int i = 0; i < n; i++)\n        a[i] += b[i];\n}\n' >"$W/vec.c"
simd_ops() { wasm-objdump -d "$1" | grep -cE 'v128\.|[if](8x16|16x8|32x4|64x2)\.'; }
if "$FAASLET" cc -O3 -c -o "$W/vec.o" "$W/vec.c" >"$W/log" 2>&1 &&
    "$FAASLET" cc -O3 -mno-simd128 -c -o "$W/novec.o" "$W/vec.c" >>"$W/log" 2>&1 &&
    [ "$(simd_ops "$W/vec.o")" -gt 0 ] && [ "$(simd_ops "$W/novec.o")" = 0 ]; then
    ok "cc: a loop vectorised by default ($(simd_ops "$W/vec.o") SIMD instructions), none with -mno-simd128"
else
    echo "SIMD instructions: default $(simd_ops "$W/vec.o" 2>&1), -mno-simd128 $(simd_ops "$W/novec.o" 2>&1)" >>"$W/log"
    bad "cc: SIMD by default, off with -mno-simd128" "$W/log"
fi

# C++: Faasm's chain_output demo, unchanged but for brevity (std::string,
# nullptr, a function name passed to faasmChain), built with the wasm libc++
# and run: it outputs its input and returns 0 only when the chained call's
# output came back.
if [ ! -f /usr/lib/wasm32-wasi/libc++.a ] || [ ! -f /usr/lib/wasm32-wasi/libc++abi.a ]; then
    bad "cc C++: libc++-19-dev-wasm32 / libc++abi-19-dev-wasm32 not installed (scripts/install-deps.sh)"
else
    cat >"$W/cxx.cpp" <<'EOF'
#include <faasm/faasm.h>
#include <faasm/input.h>
#include <string>
int otherA() {
    std::string outputA = "expected A";
    faasmSetOutput(outputA.c_str(), outputA.size());
    return 0;
}
int main(int argc, char* argv[]) {
    unsigned int callIdA = faasmChain(otherA, nullptr, 0);
    char* buf;
    int len;
    unsigned int res = faasmAwaitCallOutput(callIdA, &buf, &len);
    std::string actual(buf, buf + len);
    faasm::setStringOutput(faasm::getStringInput("none"));
    return res != 0 || actual != "expected A";
}
EOF
    if "$FAASLET" cc -Wall -Werror -Wno-unused-parameter -o "$W/cxx.wasm" "$W/cxx.cpp" \
        >"$W/log" 2>&1 && [ -z "$(stray_imports "$W/cxx.wasm")" ]; then
        ok "cc: C++ (std::string, faasm/input.h, faasmChain(otherA, nullptr, 0)) via clang++-19"
        st=0
        "$FAASLET" run "$W/cxx.wasm" --input "from C++" >"$W/out" 2>"$W/log" || st=$?
        if [ $st -eq 0 ] && [ "$(cat "$W/out")" = "from C++" ]; then
            ok "run: the C++ function chains otherA, gets \"expected A\" back, outputs its input"
        else
            echo "output: $(cat "$W/out")" >>"$W/log"
            bad "run: the C++ function (exit $st)" "$W/log"
        fi
    else
        bad "cc: C++ function" "$W/log"
    fi
fi

# ---- faaslet upload --local ----
if ! "$FAASLET" help upload >"$W/log" 2>&1; then
    bad "upload: \`faaslet help upload\` fails" "$W/log"
fi
H="$W/home"
if FAASLET_HOME="$H" "$FAASLET" upload --local demo hello "$W/hello.wasm" >"$W/log" 2>&1 &&
    cmp -s "$W/hello.wasm" "$H/functions/demo/hello/function.wasm"; then
    ok "upload: valid module stored at functions/demo/hello/function.wasm"
else
    bad "upload: valid module" "$W/log"
fi
printf '\000asm\001\000\000\000\001\005\001\140\000\000' >"$W/bad.wasm" # truncated type section
FAASLET_HOME="$H" "$FAASLET" upload --local demo broken "$W/bad.wasm" >"$W/log" 2>&1
st=$?
if [ $st -eq 3 ] && [ ! -e "$H/functions/demo/broken" ] && grep -q 'invalid module' "$W/log"; then
    ok "upload: invalid module refused with the validator's message, nothing stored"
else
    bad "upload: invalid module (status $st)" "$W/log"
fi
printf 'def faasm_main():\n    return 0\n' >"$W/f.py"
if FAASLET_HOME="$H" "$FAASLET" upload --local python hello "$W/f.py" --py >"$W/log" 2>&1 &&
    cmp -s "$W/f.py" "$H/pyfuncs/python/hello/function.py"; then
    ok "upload --py: stored at pyfuncs/python/hello/function.py"
else
    bad "upload --py" "$W/log"
fi
all_refused=1
for name in '../x' 'a/b' '' '..'; do
    FAASLET_HOME="$H" "$FAASLET" upload --local "$name" f "$W/hello.wasm" >"$W/log" 2>&1
    [ $? -eq 64 ] || all_refused=0
    FAASLET_HOME="$H" "$FAASLET" upload --local demo "$name" "$W/hello.wasm" >"$W/log" 2>&1
    [ $? -eq 64 ] || all_refused=0
done
if [ $all_refused -eq 1 ] && [ ! -e "$W/x" ] && [ ! -e "$H/functions/x" ]; then
    ok "upload: bad user/function names refused (status 64), nothing written"
else
    bad "upload: bad names" "$W/log"
fi
# without --local it goes to a server: none listens on port 1
FAASLET_HOME="$H" "$FAASLET" upload --upload-port 1 demo hello "$W/hello.wasm" >"$W/log" 2>&1
[ $? -eq 2 ] && grep -q "no server at http://127.0.0.1:1" "$W/log" &&
    ok "upload without --local and no server: exit 2, says so" ||
    bad "upload without --local and no server" "$W/log"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
