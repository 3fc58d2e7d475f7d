#!/bin/sh
# python/wasm_libs.sh BUILD -I|-L: the C libraries built for wasm beside
# CPython by python/build.sh (BUILD/<lib>/include and BUILD/<lib>/lib/*.a:
# zlib, bzip2, xz-utils, sqlite3), as -I (headers) or -L (archives) flags on
# one line, for extension builds (build_extensions.sh) and their link
# (link_extensions.sh).
for dir in "$1"/*/; do
    dir=${dir%/}
    [ -d "$dir/include" ] && ls "$dir"/lib/*.a >/dev/null 2>&1 || continue
    case "$2" in
    -I) printf ' -I%s/include' "$dir" ;;
    *) printf ' -L%s/lib' "$dir" ;;
    esac
done
