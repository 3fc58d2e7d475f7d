#!/bin/sh
# python/add_package.sh ROOT [--skip-extensions] NAME...: installs pure-Python packages from
# Debian's archive into the runtime root ROOT (ROOT/lib/python3.11/
# site-packages), as `faaslet python add-package` does (it runs this script).
#
# For each NAME (a Debian package name python3-*):
#   apt-get download NAME (apt-get update first when the lists are missing),
#   dpkg-deb -x, and take what the package puts under
#   usr/lib/python3/dist-packages/: modules, packages, .dist-info/.egg-info.
#   A package carrying compiled code (any .so file) is refused, naming the
#   files: py_func is one static wasm module and cannot load extensions.
#   --skip-extensions installs such a package without its .so files, for
#   packages whose extensions are optional accelerators with a pure-Python
#   fallback (python3-genshi's and python3-markupsafe's _speedups).
#   Everything is precompiled with the host's python3.11 (the same 3.11.2
#   bytecode as the runtime) to unchecked-hash .pyc, as python/build.sh does
#   for the standard library, since the root is mounted read-only.
# Installing again replaces the package's files (idempotent).  Nothing is
# installed for a refused package; every name is checked before any is
# installed.
#
# Exit status: 0 installed, 1 download/install failure, 2 refused
# (bad name, compiled extensions, nothing pure-Python in it), 64 bad usage.
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
    so=$(cd "$d/x" && find . -type f \( -name '*.so' -o -name '*.so.*' \) | sed 's|^\./|/|' | sort)
    if [ -n "$so" ] && [ "$SKIP_EXT" = 1 ]; then
        echo "add-package: $name: leaving out its compiled extensions (--skip-extensions):" >&2
        printf '%s\n' "$so" | sed 's/^/    /' >&2
        (cd "$d/x" && find . -type f \( -name '*.so' -o -name '*.so.*' \) -exec rm -f {} +)
    elif [ -n "$so" ]; then
        err "refused \"$name\": it carries compiled extensions, which py_func (one static wasm module) cannot load:"
        printf '%s\n' "$so" | sed 's/^/    /' >&2
        err "nothing installed; only pure-Python packages can be added (--skip-extensions leaves the .so files out, for packages that work without them)"
        exit 2
    fi
    dp=$d/x/usr/lib/python3/dist-packages
    if [ ! -d "$dp" ] || [ -z "$(ls -A "$dp")" ]; then
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
