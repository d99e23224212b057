#!/usr/bin/env bash
# fetch_wine.sh - unpacks the Windows DLLs that Debian's wine packages ship
# (libwine) without installing wine, and prints the directory that holds
# them. Why: the pack must stay silent on real, clean PE files, and the YARA
# benchmarks need a tree of PE files; Debian's libwine is the largest set of
# legitimately redistributable Windows DLLs on the mirror.
# The .deb and its unpacked tree are kept in VIGIL_CACHE (default
# /var/tmp/vigil-cache) and reused. Exit 1 with a message when apt cannot
# fetch the package.
set -euo pipefail
cache=${VIGIL_CACHE:-/var/tmp/vigil-cache}
dest=$cache/libwine
if [ ! -d "$dest/usr/lib/x86_64-linux-gnu/wine" ]; then
    mkdir -p "$cache"
    cd "$cache"
    if ! ls libwine_*.deb > /dev/null 2>&1; then
        apt-get download libwine > "$cache/download.log" 2>&1 || {
            echo "fetch_wine: apt-get download libwine failed (see $cache/download.log)" >&2
            exit 1
        }
    fi
    rm -rf "$dest.tmp"
    dpkg-deb -x libwine_*.deb "$dest.tmp"
    mv "$dest.tmp" "$dest"
fi
echo "$dest/usr/lib/x86_64-linux-gnu/wine"
