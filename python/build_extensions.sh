#!/bin/sh
# python/build_extensions.sh BUILD DEB OUT: builds the C extension modules
# of Debian binary package DEB (a python3-*.deb) for wasm32-wasi, from its
# source package, for linking into py_func (python/link_extensions.sh).
# BUILD is a CPython build of python/build.sh (BUILD/cpython, BUILD/src,
# BUILD/apt).  Run by python/add_package.sh.
#
# Steps:
#   - the extension modules wanted: the .so files DEB installs under
#     usr/lib/python3/dist-packages, as dotted module names;
#   - the source package of DEB's version, through python/debian_source.sh,
#     unpacked with Debian's patches (dpkg-source -x);
#   - refusals, before building: Build-Depends naming a Fortran compiler;
#   - the package's own setup.py, run by the host's python3.11 with the wasm
#     CPython's sysconfig (_PYTHON_SYSCONFIGDATA_NAME): its compiler is
#     clang-19 for wasm32-wasi (python/wasm_cc.sh, which keeps the host's
#     headers and libraries out), and its "shared library" linker
#     python/wasm_ext_ar.sh, which archives each extension's objects instead;
#   - OUT/<module>.a for every wanted module, and OUT/modules: one line per
#     module, "<dotted name> PyInit_<last part> <module>.a <link flags>".
# Cython is used when the package builds with it (Debian's cython3, a host
# tool like clang, installed on demand).
#
# Exit status: 0 built, 1 failed (the build's log tail on stderr), 2
# refused (why, on stderr).
set -eu

PY=$(cd "$(dirname "$0")" && pwd)
HOST_PYTHON=${HOST_PYTHON:-/usr/bin/python3.11}
BUILD=$(cd "$1" && pwd) DEB=$2 OUT=$3
NAME=$(dpkg-deb -f "$DEB" Package)
err() { echo "add-package: $NAME: $*" >&2; }
refuse() { err "$*"; exit 2; }

CPY=$BUILD/cpython
PYSRC=$BUILD/src/python3.11
SYSCONFIG_DIR=$CPY/$(cat "$CPY/pybuilddir.txt" 2>/dev/null || echo missing)
[ -f "$SYSCONFIG_DIR/_sysconfigdata__wasi_wasm32-wasi.py" ] && [ -d "$PYSRC/Include" ] ||
    refuse "building its C extensions needs CPython's wasm build tree ($CPY, from make python)"

W=$OUT.work
rm -rf "$W" "$OUT"
mkdir -p "$W/x" "$OUT"
dpkg-deb -x "$DEB" "$W/x"

# .so files outside dist-packages are shared libraries for the host (Debian
# puts some extensions in python3.11/dist-packages, linked from python3/)
other=$(cd "$W/x" && find . \( -type f -o -type l \) \( -name '*.so' -o -name '*.so.*' \) \
            ! -path './usr/lib/python3/dist-packages/*' ! -path './usr/lib/python3.11/dist-packages/*' |
        sed 's|^\./|/|')
[ -z "$other" ] || refuse "it installs shared libraries besides Python extensions ($(echo $other)); py_func links everything statically"
wanted=$(for dp in "$W/x/usr/lib/python3/dist-packages" "$W/x/usr/lib/python3.11/dist-packages"; do
             [ -d "$dp" ] && (cd "$dp" && find . \( -type f -o -type l \) -name '*.so')
         done | sed 's|^\./||; s|\.cpython-311-[^/]*\.so$||; s|\.abi3\.so$||; s|\.so$||; s|/|.|g' | sort -u)
[ -n "$wanted" ] || refuse "no Python extension modules in it"

# Its source package at the binary's version (Source: "name (version)" for a
# binNMU, absent when the names agree).
src=$(dpkg-deb -f "$DEB" Source)
version=$(dpkg-deb -f "$DEB" Version)
case "$src" in
*"("*) version=$(echo "$src" | sed 's/.*(\(.*\)).*/\1/'); src=${src%% *} ;;
"") src=$NAME ;;
esac
mkdir -p "$BUILD/ext-src"
# fetched into a folder of its own and kept only when whole (apt leaves
# the files it got when another is missing)
if ! ls "$BUILD/ext-src/${src}_${version#*:}.dsc" >/dev/null 2>&1; then
    sh "$PY/debian_source.sh" "$BUILD/apt" "$W/fetch" "$src=$version" 2>"$W/fetch.err" ||
        refuse "its source package $src ${version#*:} could not be fetched from Debian's archive: $(grep -m1 "^E:" "$W/fetch.err" || tail -1 "$W/fetch.err")"
    mv "$W"/fetch/* "$BUILD/ext-src/"
fi
version=${version#*:} # the epoch is not in the file names
DSC=$BUILD/ext-src/${src}_${version}.dsc
[ -f "$DSC" ] || refuse "no $DSC after fetching its source package"

deps=$(sed -n '/^Build-Depends/,/^[A-Z]/p' "$DSC" | tr ',' '\n')
if echo "$deps" | grep -q 'gfortran\|fortran'; then
    refuse "it needs a Fortran compiler (Build-Depends: gfortran); there is none for wasm32-wasi"
fi
if echo "$deps" | grep -q 'cython3' && ! "$HOST_PYTHON" -c 'import Cython' 2>/dev/null; then
    echo "add-package: $NAME: installing Debian's cython3 (its build runs Cython)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cython3 >"$W/cython.log" 2>&1 ||
        { cat "$W/cython.log" >&2; refuse "cython3 could not be installed"; }
fi

dpkg-source --no-check -x "$DSC" "$W/src" >"$W/unpack.log" 2>&1 ||
    { cat "$W/unpack.log" >&2; refuse "dpkg-source could not unpack $DSC"; }
setup=$(cd "$W/src" && ls setup.py python/setup.py 2>/dev/null | head -1 || :)
[ -n "$setup" ] || setup=$(cd "$W/src" && find . -maxdepth 2 -name setup.py | sed 's|^\./||' | head -1)
[ -n "$setup" ] || refuse "its source has no setup.py; only setuptools builds are supported"

# The C libraries built for wasm beside CPython (zlib, bzip2, liblzma,
# sqlite3: BUILD/<lib>/include and lib/*.a), offered to the package's build:
# headers to every compile, archives to configure-style test links
# (python/wasm_cc.sh) and to py_func's link (python/link_extensions.sh).
libinc=$(sh "$PY/wasm_libs.sh" "$BUILD" -I) libdirs=$(sh "$PY/wasm_libs.sh" "$BUILD" -L)

# The wasm CPython's sysconfig for distutils: its compiler, flags and
# EXT_SUFFIX; CPython's headers and pyconfig.h before any other.
log=$W/build.log
(cd "$W/src/$(dirname "$setup")" &&
 env _PYTHON_SYSCONFIGDATA_NAME=_sysconfigdata__wasi_wasm32-wasi _PYTHON_HOST_PLATFORM=wasi-wasm32 \
     PYTHONPATH="$SYSCONFIG_DIR" PYTHONDONTWRITEBYTECODE=1 \
     CC="sh $PY/wasm_cc.sh" CXX="sh $PY/wasm_cc.sh --c++" \
     LDSHARED="sh $PY/wasm_ext_ar.sh" LDCXXSHARED="sh $PY/wasm_ext_ar.sh --c++" \
     CFLAGS="-I$CPY -I$PYSRC/Include$libinc" CPPFLAGS= LDFLAGS= WASM_LINK_FLAGS="$libdirs" \
     "$HOST_PYTHON" "$(basename "$setup")" build -b "$W/build" >"$log" 2>&1) || {
    tail -25 "$log" >&2
    if grep -q 'pthread\|<threads.h>' "$log"; then
        refuse "its build needs threads (pthreads), which wasm32-wasi has not"
    fi
    if grep -q 'exceptions disabled\|cannot use .throw' "$log"; then
        refuse "its C++ code throws exceptions, which wasm32-wasi's libc++ is built without"
    fi
    err "its setup.py build failed (log above)"
    exit 1
}

# Every wanted module, built
: >"$OUT/modules"
for mod in $wanted; do
    rel=$(echo "$mod" | tr . /)
    a=$(ls "$W"/build/lib*/"$rel".cpython-311-wasm32-wasi.so "$W"/build/lib*/"$rel".abi3.so \
           "$W"/build/lib*/"$rel".so 2>/dev/null | head -1 || :)
    [ -n "$a" ] || { err "its build made no $mod for wasm (log: $log)"; exit 1; }
    init=PyInit_${mod##*.}
    llvm-nm-19 --defined-only "$a" 2>/dev/null | grep -q " T $init\$" ||
        { err "$mod: $init not defined in its objects"; exit 1; }
    cp "$a" "$OUT/$mod.a"
    echo "$mod $init $mod.a $(cat "$a.link" 2>/dev/null)" >>"$OUT/modules"
done
echo "$src $version" >"$OUT/source"
rm -rf "$W"
