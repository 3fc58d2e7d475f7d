#!/bin/sh
# python/build.sh [OUT]: CPython 3.11 for wasm32-wasi from Debian's source
# package, with the built-in _pyfaasm module and py_func's main, plus the
# runtime root.  OUT defaults to build/python.  Safe to run again: each step
# has a stamp holding a hash of its inputs and is skipped when they have not
# changed, so a second run takes seconds.
#
# Steps (all output under OUT):
#   src/        apt-get source python3.11 zlib bzip2 xz-utils sqlite3, through
#               a private apt list built from the machine's own Debian
#               sources; the system's apt setup is not touched.  Unpacked
#               with dpkg-source -x (Debian's patches applied), then
#               python/patches/*.patch (CPython) or python/patches/NAME/.
#   zlib/ bzip2/ xz-utils/ sqlite3/
#               the libraries of zlib, _bz2, _lzma and _sqlite3 from Debian's
#               source, static, for wasm32-wasi, each with its pkg-config file.
#   cpython/    CPython configured for wasm32-unknown-wasi, built with Debian's
#               clang-19, wasm-ld (lld-19), wasi-libc, llvm-ar-19.
#   py_func.wasm (python.wasm links to it): CPython + _pyfaasm + py_main.c.
#   root/       the runtime root, mounted read-only at the guest's "/":
#               lib/python3.11/ (stdlib, precompiled to unchecked-hash .pyc),
#               lib/python3.11/pyfaasm/, lib/python3.11/site-packages/,
#               pyfuncs/, etc/passwd, etc/group, etc/hosts.
#   tests/      CPython's Lib/test from the same source, precompiled (for
#               python/regrtest.sh; kept out of the runtime root).
set -eu

cd "$(dirname "$0")/.."
TOP=$(pwd)
OUT=${1:-build/python}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
JOBS=${JOBS:-2}
PY=$TOP/python
SDK_INCLUDE=$TOP/sdk/include
BUILD_PYTHON=/usr/bin/python3.11
CC_WASM="clang-19 --target=wasm32-wasi"
PYVER=3.11

log() { echo "python: $*" >&2; }

# hash of the named files' contents and of any extra words given after --
inputs_hash() {
    { for f in "$@"; do [ "$f" = -- ] && break; cat "$f"; done
      while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
      [ $# -gt 0 ] && shift; echo "$@"; } | sha256sum | cut -c1-16
}
stamp_ok() { [ -f "$OUT/.stamp-$1" ] && [ "$(cat "$OUT/.stamp-$1")" = "$2" ]; }
stamp_set() { echo "$2" > "$OUT/.stamp-$1"; }

# ---- 1. Fetch the source packages ----------------------------------------
SRC=$OUT/src
SRC_PKGS="python3.11 zlib bzip2 xz-utils sqlite3"
mkdir -p "$SRC"
missing=""
for p in $SRC_PKGS; do
    ls "$SRC/${p}"_*.dsc >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    log "fetching Debian source packages:$missing"
    # shellcheck disable=SC2086
    sh "$PY/debian_source.sh" "$OUT/apt" "$SRC" $missing
fi
dsc() { ls "$SRC/$1"_*.dsc | sort | tail -1; }
PY_DSC=$(dsc python3.11)

# ---- 2. Unpack and patch --------------------------------------------------
PYSRC=$SRC/python3.11
key=$(inputs_hash "$PY_DSC" "$PY"/patches/*.patch)
if ! stamp_ok unpack "$key"; then
    log "unpacking $(basename "$PY_DSC") and applying python/patches"
    rm -rf "$PYSRC" "$OUT/.stamp-configure"
    dpkg-source --no-check -x "$PY_DSC" "$PYSRC" >/dev/null
    for p in "$PY"/patches/*.patch; do
        [ -f "$p" ] || continue
        patch -s -p1 -d "$PYSRC" < "$p"
    done
    stamp_set unpack "$key"
fi

# ---- 3. The libraries of zlib, _bz2, _lzma and _sqlite3 ---------------------
# Each is built from its Debian source into OUT/NAME (include/, lib/, and
# lib/pkgconfig/, the only place CPython's configure looks), static, with
# clang-19 for wasm32-wasi.  WASI has no threads, signals, mmap or file
# locks: each library is built without them.

# build_lib NAME FLAGS: when NAME's .dsc, python/patches/NAME/*.patch or
# FLAGS (the words that decide its objects) changed: a fresh copy of the
# source in SRC/NAME, patched, and build_NAME run there with OUT/NAME as the
# prefix and FLAGS as $1, its output in OUT/NAME.log.  CPython is then
# configured again (it links the library in).
build_lib() {
    name=$1 flags=$2
    set -- "$(dsc "$name")"
    for p in "$PY/patches/$name"/*.patch; do [ -f "$p" ] && set -- "$@" "$p"; done
    key=$(inputs_hash "$@" -- "$CC_WASM $flags")
    stamp_ok "$name" "$key" && return 0
    log "building $name for wasm32-wasi"
    rm -rf "${SRC:?}/$name" "${OUT:?}/$name"
    dpkg-source --no-check -x "$1" "$SRC/$name" >/dev/null
    shift
    for p; do patch -s -p1 -d "$SRC/$name" < "$p"; done
    (cd "$SRC/$name" && "build_$(echo "$name" | tr - _)" "$flags") > "$OUT/$name.log" 2>&1 ||
        { tail -20 "$OUT/$name.log"; log "$name failed, see $OUT/$name.log"; exit 1; }
    rm -f "$OUT/.stamp-configure"
    stamp_set "$name" "$key"
}

# write_pc NAME VERSION LIB: OUT/NAME/lib/pkgconfig/NAME.pc for -lLIB
write_pc() {
    mkdir -p "$OUT/$1/lib/pkgconfig"
    printf 'prefix=%s\nName: %s\nDescription: %s for wasm32-wasi\nVersion: %s\nCflags: -I${prefix}/include\nLibs: -L${prefix}/lib -l%s\n' \
        "$OUT/$1" "$1" "$1" "$2" "$3" > "$OUT/$1/lib/pkgconfig/$1.pc"
}

# zlib (zlibmodule.c): its own configure, the library only.
build_zlib() {
    CC="$CC_WASM" CFLAGS="$1" AR=llvm-ar-19 RANLIB=llvm-ranlib-19 CHOST=wasm32 \
        ./configure --static --prefix="$OUT/zlib" &&
    make -j"$JOBS" libz.a && make install
}

# bzip2 (_bz2): its Makefile builds the tools too; the library is these
# seven files.
build_bzip2() {
    for f in blocksort huffman crctable randtable compress decompress bzlib; do
        $CC_WASM $1 -c $f.c -o $f.o || return 1
    done
    mkdir -p "$OUT/bzip2/lib" "$OUT/bzip2/include"
    llvm-ar-19 rcs "$OUT/bzip2/lib/libbz2.a" blocksort.o huffman.o crctable.o \
        randtable.o compress.o decompress.o bzlib.o &&
    cp bzlib.h "$OUT/bzip2/include/" &&
    write_pc bzip2 "$(dpkg-parsechangelog -SVersion | sed 's/-[^-]*$//')" bz2
}

# xz-utils (_lzma): liblzma alone, single-threaded; the xz tools, scripts
# and documents are not built (python/patches/xz-utils: mythread.h's
# sigprocmask wrapper, used by the xz tool only, left out on WASI).
build_xz_utils() {
    CC="$CC_WASM" CFLAGS="-O2" AR=llvm-ar-19 RANLIB=llvm-ranlib-19 \
        ./configure --host=wasm32-wasi --build="$(./build-aux/config.guess)" \
        --prefix="$OUT/xz-utils" $1 &&
    make -j"$JOBS" -C src/liblzma && make -C src/liblzma install
}

# sqlite3 (_sqlite3): Debian's source is SQLite's tree, not the
# amalgamation; sqlite3.c is generated by a host build (clang-19, tclsh:
# lemon, mkkeywordhash, mksqlite3c.tcl), then compiled alone for wasm.
# WASI has no threads, no mmap and no fcntl locks: single-thread SQLite,
# no WAL, no memory-mapped I/O; python/patches/sqlite3 makes os_unix.c
# compile and lets the "unix" VFS lock in-process only (a WASI module is
# one process).  Temporary tables and indices live in memory.  Loadable
# extensions are left out (no dlopen).
build_sqlite3() {
    mkdir gen && (cd gen && CC=clang-19 ../configure --disable-tcl --disable-readline &&
                  make sqlite3.c) || return 1
    mkdir -p "$OUT/sqlite3/lib" "$OUT/sqlite3/include"
    $CC_WASM $1 -c gen/sqlite3.c -o sqlite3.o &&
    llvm-ar-19 rcs "$OUT/sqlite3/lib/libsqlite3.a" sqlite3.o &&
    cp gen/sqlite3.h gen/sqlite3ext.h "$OUT/sqlite3/include/" &&
    write_pc sqlite3 "$(cat VERSION)" sqlite3
}

build_lib zlib "-O2"
build_lib bzip2 "-O2 -D_FILE_OFFSET_BITS=64"
build_lib xz-utils "--enable-static --disable-shared --disable-threads --disable-xz
    --disable-xzdec --disable-lzmadec --disable-lzmainfo --disable-lzma-links
    --disable-scripts --disable-doc --disable-nls --enable-sandbox=no"
build_lib sqlite3 "-O2 -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_OMIT_WAL
    -DSQLITE_MAX_MMAP_SIZE=0 -DSQLITE_TEMP_STORE=2
    -DSQLITE_ENABLE_MATH_FUNCTIONS -D_WASI_EMULATED_GETPID"
LIBS_PC=$OUT/zlib/lib/pkgconfig:$OUT/bzip2/lib/pkgconfig:$OUT/xz-utils/lib/pkgconfig:$OUT/sqlite3/lib/pkgconfig

# ---- 4. Configure CPython ---------------------------------------------------
BLD=$OUT/cpython

# _pyfaasm is built in (static, like every module of a WASI build) through
# Modules/Setup.local.  Files are replaced only when changed, so that make
# sees real changes only.
setup_local() {
    mkdir -p "$BLD/Modules"
    cmp -s "$PY/_pyfaasm.c" "$PYSRC/Modules/_pyfaasm.c" ||
        cp "$PY/_pyfaasm.c" "$PYSRC/Modules/_pyfaasm.c"
    printf '*static*\n_pyfaasm _pyfaasm.c -I%s\n' "$SDK_INCLUDE" > "$BLD/Modules/Setup.local.new"
    cmp -s "$BLD/Modules/Setup.local.new" "$BLD/Modules/Setup.local" ||
        mv "$BLD/Modules/Setup.local.new" "$BLD/Modules/Setup.local"
    rm -f "$BLD/Modules/Setup.local.new"
}

# Clang 19 makes int-conversion an error; timemodule.c's clockid_t constants
# trip it with wasi-libc.  configure is called by a relative path so that
# the source folder is known as ../src/python3.11 (__FILE__ strings, VPATH):
# any OUT gives the same bytes.  The empty pkg-config path keeps the host's
# libraries out; only the wasm libraries of step 3 are offered.
# Two choices for speed, measured with make bench-python on machine code:
# pymalloc (CPython's small-object allocator, off by default on WASI in
# favour of wasi-libc's dlmalloc) gained ~7% on dict and string work;
# thin LTO (configure wants llvm-ar by the name LLVM_AR) ~4.5% overall,
# at the price of generating machine code in ~70 s instead of ~40 s.
# PY_EXTRA_CFLAGS (empty by default) tries other code generation flags
# (e.g. -msimd128) for measuring; they are part of the build's key.
CONF_CFLAGS="-Wno-int-conversion${PY_EXTRA_CFLAGS:+ $PY_EXTRA_CFLAGS}"
CONF_ARGS="--with-pymalloc --with-lto=thin --host=wasm32-unknown-wasi --with-build-python=$BUILD_PYTHON --prefix=/"
key=$(inputs_hash -- "$CC_WASM $CONF_CFLAGS $CONF_ARGS" "$(cd "$OUT" &&
      cat .stamp-unpack .stamp-zlib .stamp-bzip2 .stamp-xz-utils .stamp-sqlite3)")
if ! stamp_ok configure "$key" || [ ! -f "$BLD/Makefile" ]; then
    log "configuring CPython for wasm32-wasi"
    # other flags mean other objects: make alone would not see it
    rm -rf "$BLD"
    setup_local
    (cd "$BLD" &&
     CONFIG_SITE="$PYSRC/Tools/wasm/config.site-wasm32-wasi" \
     CC="$CC_WASM" CPP="$CC_WASM -E" AR=llvm-ar-19 LLVM_AR=/usr/bin/llvm-ar-19 RANLIB=llvm-ranlib-19 READELF=true \
     PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$LIBS_PC" CFLAGS="$CONF_CFLAGS" \
         ../src/python3.11/configure $CONF_ARGS --build="$("$PYSRC/config.guess")" \
         > "$OUT/configure.log" 2>&1) ||
        { tail -20 "$OUT/configure.log"; log "configure failed, see $OUT/configure.log"; exit 1; }
    stamp_set configure "$key"
fi
setup_local

# ---- 5. Build -------------------------------------------------------------
# python.wasm's own rule is not needed: py_func.wasm is the same link with
# py_main.c as main.  `platform` writes _sysconfigdata for the runtime root.
# The changelog's date stands in for the build time (sys.version), so two
# builds of the same source give the same module.
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$PYSRC/debian/changelog" -STimestamp)
export SOURCE_DATE_EPOCH
(cd "$BLD" &&
 make -j"$JOBS" -f Makefile -f "$PY/py_func.mk" PYFAASM_SRC="$PY" SDK_INCLUDE="$SDK_INCLUDE" \
     py_func.wasm platform > "$OUT/make.log" 2>&1) ||
    { tail -30 "$OUT/make.log"; log "build failed, see $OUT/make.log"; exit 1; }
# With extension modules of added packages (python/add_package.sh) the
# runtime's module is CPython and them, linked again when either changed.
if [ -f "$OUT/extensions/MODULES" ]; then
    key=$(cat "$BLD/py_func.wasm" "$OUT"/extensions/*/modules "$OUT"/extensions/*/*.a | sha256sum | cut -c1-16)
    if ! stamp_ok extensions "$key" || [ ! -f "$OUT/py_func.wasm" ]; then
        log "linking py_func with the extension modules of added packages"
        sh "$PY/link_extensions.sh" "$OUT/extensions" "$OUT" "$OUT/py_func.wasm" >&2
        stamp_set extensions "$key"
    fi
else
    cmp -s "$BLD/py_func.wasm" "$OUT/py_func.wasm" || cp "$BLD/py_func.wasm" "$OUT/py_func.wasm"
fi
ln -sf py_func.wasm "$OUT/python.wasm"

# ---- 6. Runtime root and test tree ----------------------------------------
# Not shipped in the runtime root: the test suites, GUI and packaging tools.
EXCLUDE="test idlelib tkinter turtledemo ensurepip lib2to3/tests distutils/tests
         ctypes/test unittest/test sqlite3/test"
SYSCONFIG=$(cat "$BLD/pybuilddir.txt")/_sysconfigdata__wasi_wasm32-wasi.py
key=$(inputs_hash "$PY/build.sh" "$PY"/pyfaasm/*.py "$BLD/$SYSCONFIG" \
      -- "$(cat "$OUT/.stamp-unpack")")
if ! stamp_ok root "$key"; then
    log "assembling the runtime root"
    ROOT=$OUT/root
    STAGE=$OUT/root.new
    LIB=$STAGE/lib/python$PYVER
    rm -rf "$STAGE" "$OUT/tests"
    mkdir -p "$LIB/lib-dynload" "$OUT/tests"
    (cd "$PYSRC/Lib" && tar cf - --exclude=__pycache__ .) | (cd "$LIB" && tar xf -)
    for d in $EXCLUDE; do rm -rf "${LIB:?}/$d"; done
    # Debian's sysconfig.py looks for _sysconfigdata_<abiflags>_<multiarch>
    # (its sysconfigdata-name patch); the build wrote upstream's name.  Both,
    # as Debian installs them.
    cp "$BLD/$SYSCONFIG" "$LIB/"
    cp "$BLD/$SYSCONFIG" "$LIB/_sysconfigdata__wasm32-wasi.py"
    mkdir -p "$LIB/pyfaasm"
    cp "$PY"/pyfaasm/*.py "$LIB/pyfaasm/"
    # unchecked-hash .pyc: valid without comparing source times, and the
    # path recorded in each is the one the guest sees.
    "$BUILD_PYTHON" -m compileall -q -j"$JOBS" --invalidation-mode unchecked-hash \
        -d /lib/python$PYVER "$LIB" >/dev/null
    # Added packages (site-packages) and stored functions (pyfuncs) are not
    # the build's: they survive a rebuild of the standard library.
    OLD_SITE=$ROOT/lib/python$PYVER/site-packages
    if [ -d "$OLD_SITE" ]; then
        rm -rf "$LIB/site-packages"
        mv "$OLD_SITE" "$LIB/site-packages"
    fi
    rm -rf "$ROOT/lib"
    mkdir -p "$ROOT/pyfuncs" "$ROOT/etc"
    mv "$STAGE/lib" "$ROOT/lib"
    # What Faasm's root holds that functions read: the one user (the SDK's
    # getpwuid answers the same) and the loopback names; the same text as
    # faaslet run writes into the store's runtime root (src/cli/run.c).
    printf 'faasm:x:1000:1000:faasm:/:/bin/sh\n' >"$ROOT/etc/passwd"
    printf 'faasm:x:1000:\n' >"$ROOT/etc/group"
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
    rm -rf "$STAGE"
    (cd "$PYSRC/Lib" && tar cf - --exclude=__pycache__ test) | (cd "$OUT/tests" && tar xf -)
    # some test data are deliberately not valid Python: not an error
    "$BUILD_PYTHON" -m compileall -q -j"$JOBS" --invalidation-mode unchecked-hash \
        -d /tests "$OUT/tests" >/dev/null 2>&1 || true
    stamp_set root "$key"
fi
log "up to date: $OUT/py_func.wasm, runtime root $OUT/root"
