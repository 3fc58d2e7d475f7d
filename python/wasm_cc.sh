#!/bin/sh
# python/wasm_cc.sh [--c++] ARGS...: clang-19 (clang++-19 with --c++) for
# wasm32-wasi, as the C compiler of an extension's setup.py build
# (python/build_extensions.sh).  The host's header and library folders
# (distutils adds /usr/include/python3.11 and the like) are dropped: only
# the wasm CPython's and wasi-libc's headers may be seen.  C++ is built
# without exceptions, as Debian's wasm32 libc++ is.  A link (a build's
# test program: no -c) gets $WASM_LINK_FLAGS, the -L folders of the C
# libraries built for wasm.
cc=clang-19
if [ "${1:-}" = --c++ ]; then
    cc="clang++-19 -fno-exceptions"
    shift
fi
for a in "$@"; do
    shift
    case "$a" in
    -I/usr/* | -L/usr/* | -I//include/* | -isystem/usr/*) continue ;;
    esac
    set -- "$@" "$a"
done
case " $* " in
*" -c "* | *" -E "*) link='' ;;
*) link=${WASM_LINK_FLAGS:-} ;;
esac
# shellcheck disable=SC2086
exec $cc --target=wasm32-wasi "$@" $link
