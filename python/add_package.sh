#!/bin/sh
# python/add_package.sh ROOT [--skip-extensions] NAME...: installs Python
# packages from Debian's archive into the runtime root ROOT (ROOT/lib/
# python3.11/site-packages), as `faaslet python add-package` does (it runs
# this script).  ROOT's folder is the Python runtime (PYDIR: py_func.wasm
# beside root/).
#
# For each NAME (a Debian package name python3-*):
#   apt-get download NAME (apt-get update first when the lists are missing),
#   dpkg-deb -x, and take what the package puts under
#   usr/lib/python3/dist-packages/: modules, packages, .dist-info/.egg-info.
#   A package carrying compiled extensions (.so files) has them built for
#   wasm32-wasi from its Debian source package (python/build_extensions.sh,
#   which needs CPython's build tree: PYDIR, or $FAASLET_PYTHON_BUILD) and
#   linked into a new Python module, PYDIR/py_func.wasm = CPython plus every
#   added package's extensions (python/link_extensions.sh; the extensions'
#   archives are kept in PYDIR/extensions/NAME/, the list of modules in
#   PYDIR/extensions/MODULES).  A package whose extensions cannot be built
#   (no source in the archive, Fortran, threads, C++ exceptions, a failed
#   build) is refused with the reason.  --skip-extensions installs such a
#   package without its .so files instead, for packages whose extensions are
#   optional accelerators with a pure-Python fallback (python3-genshi's and
#   python3-markupsafe's _speedups).
#   Everything is precompiled with the host's python3.11 (the same 3.11.2
#   bytecode as the runtime) to unchecked-hash .pyc, as python/build.sh does
#   for the standard library, since the root is mounted read-only.
# When a new module was linked and $FAASLET_BIN names faaslet, its machine
# code is generated (faaslet codegen --py) unless FAASLET_NO_CODEGEN=1.
# Installing again replaces the package's files (idempotent).  Nothing is
# installed for a refused package; every name is checked (and every
# extension built and linked) before any is installed.
#
# Exit status: 0 installed, 1 download/install/build failure, 2 refused
# (bad name, extensions that cannot be built, nothing to install), 64 bad
# usage.
set -eu

PYVER=3.11
HOST_PYTHON=${HOST_PYTHON:-/usr/bin/python$PYVER}
GUEST_SITE=/lib/python$PYVER/site-packages

err() { echo "add-package: $*" >&2; }

if [ $# -lt 2 ]; then
    err "usage: add_package.sh ROOT NAME..."
    exit 64
fi
ROOT=$1
shift
SKIP_EXT=0
if [ "$1" = --skip-extensions ]; then
    SKIP_EXT=1
    shift
fi
[ $# -ge 1 ] || { err "no package name given"; exit 64; }
if [ ! -d "$ROOT/lib/python$PYVER" ]; then
    err "$ROOT is not a Python runtime root (no lib/python$PYVER): run 'make python' first"
    exit 1
fi
SITE=$ROOT/lib/python$PYVER/site-packages
mkdir -p "$SITE"
PY=$(cd "$(dirname "$0")" && pwd)
PYDIR=$(cd "$ROOT/.." && pwd)
BUILD=${FAASLET_PYTHON_BUILD:-$PYDIR}

# Debian policy: package names are lowercase letters, digits, '+', '-', '.',
# at least two characters, starting with an alphanumeric.  Only python3-*
# packages put modules in dist-packages.
for name in "$@"; do
    case "$name" in
    python3-*) ;;
    *)
        err "refused \"$name\": not a Debian Python 3 package name (they start with \"python3-\", e.g. python3-six)"
        exit 2
        ;;
    esac
    rest=${name#python3-}
    if [ -z "$rest" ] || printf '%s' "$rest" | LC_ALL=C grep -q '[^a-z0-9.+-]'; then
        err "refused \"$name\": Debian package names have only lowercase letters, digits, '+', '-' and '.' after \"python3-\""
        exit 2
    fi
    case "$rest" in [a-z0-9]*) ;; *)
        err "refused \"$name\": the part after \"python3-\" must start with a letter or digit"
        exit 2 ;;
    esac
done

if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
    echo "add-package: apt lists missing: apt-get update" >&2
    apt-get update -qq >&2 || { err "apt-get update failed"; exit 1; }
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/faaslet-addpkg.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

NEW_EXT=0 # set when an extension was built in this run

# Pass 1: download, unpack, check every package; nothing installed yet.
for name in "$@"; do
    if ! apt-cache show "$name" >/dev/null 2>&1; then
        err "refused \"$name\": no such package in the machine's Debian archive (apt-cache show $name)"
        exit 2
    fi
    d=$TMP/$name
    mkdir -p "$d/deb" "$d/x"
    # apt-get download as root warns that _apt cannot write here: harmless
    if ! (cd "$d/deb" && apt-get download -qq "$name" 2>"$d/apt.err"); then
        cat "$d/apt.err" >&2
        err "apt-get download $name failed"
        exit 1
    fi
    deb=$(ls "$d"/deb/*.deb)
    dpkg-deb -x "$deb" "$d/x"
    so=$(cd "$d/x" && find . \( -type f -o -type l \) \( -name '*.so' -o -name '*.so.*' \) | sed 's|^\./|/|' | sort)
    if [ -n "$so" ] && [ "$SKIP_EXT" = 1 ]; then
        echo "add-package: $name: leaving out its compiled extensions (--skip-extensions):" >&2
        printf '%s\n' "$so" | sed 's/^/    /' >&2
        (cd "$d/x" && find . \( -type f -o -type l \) \( -name '*.so' -o -name '*.so.*' \) -exec rm -f {} +)
    elif [ -n "$so" ]; then
        echo "add-package: $name: building its compiled extensions for wasm32-wasi:" >&2
        printf '%s\n' "$so" | sed 's/^/    /' >&2
        brc=0
        have=$PYDIR/extensions/$name
        if [ -f "$have/deb-version" ] && [ "$(cat "$have/deb-version")" = "$(dpkg-deb -f "$deb" Version)" ]; then
            echo "add-package: $name: its extensions are built already (version $(cat "$have/deb-version"))" >&2
            cp -R "$have" "$d/ext"
        else
            sh "$PY/build_extensions.sh" "$BUILD" "$deb" "$d/ext" || brc=$?
            [ "$brc" -ne 0 ] || { dpkg-deb -f "$deb" Version >"$d/ext/deb-version"; NEW_EXT=1; }
        fi
        if [ "$brc" -ne 0 ]; then
            err "refused \"$name\": its compiled extensions cannot be built for py_func; nothing installed (--skip-extensions leaves the .so files out, for packages that work without them)"
            exit "$brc"
        fi
        (cd "$d/x" && find . \( -type f -o -type l \) \( -name '*.so' -o -name '*.so.*' \) -exec rm -f {} +)
    fi
    dp=$d/x/usr/lib/python3/dist-packages
    if [ ! -d "$d/ext" ] && { [ ! -d "$dp" ] || [ -z "$(ls -A "$dp")" ]; }; then
        err "refused \"$name\": it has no pure-Python modules (nothing under /usr/lib/python3/dist-packages)"
        exit 2
    fi
    # The path recorded in each .pyc is the one the guest sees.
    if ! "$HOST_PYTHON" -m compileall -q --invalidation-mode unchecked-hash \
            -d "$GUEST_SITE" "$dp" >"$d/compile.log" 2>&1; then
        cat "$d/compile.log" >&2
        err "refused \"$name\": $HOST_PYTHON could not compile its modules"
        exit 2
    fi
    dpkg-deb -f "$deb" Version >"$d/version"
    dpkg-deb -f "$deb" Depends >"$d/depends" 2>/dev/null || :
done

# The new Python module, linked before anything is installed: every
# package's extensions so far, this run's replacing earlier builds.
LINKED=0
if [ "$NEW_EXT" = 1 ] || { ls "$TMP"/*/ext/modules >/dev/null 2>&1 && [ ! -f "$PYDIR/extensions/MODULES" ]; }; then
    mkdir -p "$TMP/extensions"
    for e in "$PYDIR"/extensions/*/; do
        [ -f "$e/modules" ] && [ ! -d "$TMP/$(basename "$e")/ext" ] && cp -R "$e" "$TMP/extensions/"
    done
    for name in "$@"; do
        [ -d "$TMP/$name/ext" ] && cp -R "$TMP/$name/ext" "$TMP/extensions/$name"
    done
    lrc=0
    sh "$PY/link_extensions.sh" "$TMP/extensions" "$BUILD" "$TMP/py_func.wasm" || lrc=$?
    if [ "$lrc" -ne 0 ]; then
        err "refused: the Python module with these extensions could not be linked; nothing installed"
        exit "$lrc"
    fi
    LINKED=1
fi

# Pass 2: install.  Each top-level entry replaces an earlier copy (a new
# version must not keep stale files); __pycache__ is shared and merged.
for name in "$@"; do
    dp=$TMP/$name/x/usr/lib/python3/dist-packages
    for e in "$dp"/* "$dp"/.[!.]*; do
        [ -e "$e" ] || continue
        b=$(basename "$e")
        if [ "$b" = __pycache__ ]; then
            mkdir -p "$SITE/__pycache__"
            cp -R "$e"/. "$SITE/__pycache__/"
        else
            rm -rf "${SITE:?}/$b"
            cp -R "$e" "$SITE/$b"
        fi
    done
    echo "add-package: installed $name $(cat "$TMP/$name/version") into $SITE"
    deps=$(tr ',' '\n' <"$TMP/$name/depends" | sed 's/^ *//; s/[ (].*//' |
           grep '^python3-' | grep -v '^python3-\(minimal\|.*:any\)$' || :)
    if [ -n "$deps" ]; then
        echo "add-package: $name depends on: $(echo $deps) (add them too if its imports need them)"
    fi
done
if [ "$LINKED" = 1 ]; then
    rm -rf "$PYDIR/extensions.old"
    [ -d "$PYDIR/extensions" ] && mv "$PYDIR/extensions" "$PYDIR/extensions.old"
    mv "$TMP/extensions" "$PYDIR/extensions"
    rm -rf "$PYDIR/extensions.old"
    cp "$TMP/py_func.wasm" "$PYDIR/py_func.wasm.new" # then renamed: a running host's mapping stays whole
    mv -f "$PYDIR/py_func.wasm.new" "$PYDIR/py_func.wasm"
    echo "add-package: $PYDIR/py_func.wasm is now CPython with $(wc -l <"$PYDIR/extensions/MODULES") extension modules: $(tr '\n' ' ' <"$PYDIR/extensions/MODULES")"
    if [ -n "${FAASLET_BIN:-}" ] && [ "${FAASLET_NO_CODEGEN:-0}" != 1 ]; then
        "$FAASLET_BIN" codegen --py --python "$PYDIR" ||
            err "machine code for the new module failed; calls run it on the interpreter"
    fi
fi
