#!/bin/sh
# python/debian_source.sh APTDIR DEST SRC[=VERSION]...: downloads Debian
# source packages (.dsc, orig and debian tarballs) into DEST, through a
# private apt setup in APTDIR: one deb-src line per suite of the machine's
# own main Debian archive (the first entry of
# /etc/apt/sources.list.d/debian.sources, or the first `deb` line of
# /etc/apt/sources.list; the security archive's sources are not served by
# every mirror, and a newer version there would hide the one that is), its
# own lists and cache.
# The system's apt setup is not touched.  The lists are fetched when missing
# or when a package is not found in them.
#
# Exit status: 0 downloaded, 1 apt failed (its message on stderr, e.g. a
# file the mirror does not serve), 64 bad usage.
set -eu

if [ $# -lt 3 ]; then
    echo "usage: debian_source.sh APTDIR DEST SRC[=VERSION]..." >&2
    exit 64
fi
APT=$1 DEST=$2
shift 2
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$DEST"
APT=$(cd "$APT" && pwd) DEST=$(cd "$DEST" && pwd)
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    awk '/^URIs:/ { uri = $2 }
         /^Suites:/ && !done { for (i = 2; i <= NF; i++) print "deb-src " uri " " $i " main"; done = 1 }' \
        /etc/apt/sources.list.d/debian.sources > "$APT/src.list.new"
else
    grep -h '^deb ' /etc/apt/sources.list | head -1 | sed 's/^deb /deb-src /' > "$APT/src.list.new"
fi
[ -s "$APT/src.list.new" ] || { echo "no Debian archive found in the apt sources" >&2; exit 1; }
if ! cmp -s "$APT/src.list.new" "$APT/src.list"; then
    mv "$APT/src.list.new" "$APT/src.list"
    rm -f "$APT"/lists/*Sources* # fetched again below
fi
rm -f "$APT/src.list.new"
opts="-q -o Dir::Etc::SourceList=$APT/src.list -o Dir::Etc::SourceParts=/dev/null
      -o Dir::State::Lists=$APT/lists -o Dir::Cache=$APT/cache -o APT::Sandbox::User=root"
# shellcheck disable=SC2086
if ! ls "$APT"/lists/*Sources* >/dev/null 2>&1 ||
        ! (cd "$DEST" && apt-get $opts source --download-only "$@" >/dev/null 2>"$DEST/.apt.err"); then
    if grep -q "Unable to find a source package" "$DEST/.apt.err" 2>/dev/null ||
            ! ls "$APT"/lists/*Sources* >/dev/null 2>&1; then
        apt-get $opts update >/dev/null 2>&1 || :
    fi
    (cd "$DEST" && apt-get $opts source --download-only "$@" >/dev/null 2>"$DEST/.apt.err") ||
        { grep '^E:' "$DEST/.apt.err" >&2 || cat "$DEST/.apt.err" >&2; rm -f "$DEST/.apt.err"; exit 1; }
fi
rm -f "$DEST/.apt.err"
