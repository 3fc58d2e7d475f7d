#!/bin/sh
# python/wasm_ext_ar.sh [--c++] ARGS...: the "shared library linker" of an
# extension's setup.py build (python/build_extensions.sh).  WASI has no
# dynamic loading, so each extension's objects are archived instead (the
# archive takes the .so's name) and linked into py_func later; the -l and
# -L flags are kept beside it in <out>.link, with -lc++ -lc++abi for C++.
out='' flags=''
objs=''
[ "${1:-}" = --c++ ] && { flags='-lc++ -lc++abi'; shift; }
while [ $# -gt 0 ]; do
    case "$1" in
    -o) out=$2; shift ;;
    *.o | *.a) objs="$objs $1" ;;
    -l* | -L*) flags="$flags $1" ;;
    esac
    shift
done
[ -n "$out" ] || { echo "wasm_ext_ar.sh: no -o given" >&2; exit 1; }
rm -f "$out"
# shellcheck disable=SC2086
llvm-ar-19 rcs "$out" $objs
echo "$flags" >"$out.link"
