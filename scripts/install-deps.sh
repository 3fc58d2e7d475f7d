#!/bin/sh
# Installs the Debian packages faaslet builds and tests with, when any is
# missing.  Idempotent and quick when everything is present; needs root
# (or sudo) only when something must be installed.
set -eu

PACKAGES="make clang-19 lld-19 llvm-19-dev libclang-rt-19-dev libclang-rt-19-dev-wasm32 wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 wabt libcriterion-dev libcjson-dev libxxhash-dev libssl-dev nodejs llvm-19 dpkg-dev tcl python3.11 time libmicrohttpd-dev libcurl4-openssl-dev curl wrk libhiredis-dev redis-server"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

# Node.js may come from outside Debian (the machine's own install): accept it.
case "$missing" in
    *nodejs*) command -v node >/dev/null 2>&1 && missing=$(echo "$missing" | sed 's/nodejs//') ;;
esac
missing=$(echo $missing)
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
