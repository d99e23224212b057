#!/usr/bin/env bash
# make_deb.sh - builds the Debian packages (vigil, libvigil0, libvigil-dev)
# from a copy of the tracked sources, so the work tree gets no debian/ build
# leftovers and dpkg-buildpackage's ../*.deb land in OUT, not beside the
# clone. `make check` runs in CI before this, so the package build skips it
# (DEB_BUILD_OPTIONS=nocheck); set VIGIL_DEB_CHECK=1 to run it anyway.
# Usage: scripts/make_deb.sh OUT_DIR
set -euo pipefail
out=${1:?usage: make_deb.sh OUT_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^#define VIGIL_VERSION "\(.*\)"/\1/p' "$root/include/vigil/vigil.h")
mkdir -p "$out"
out=$(cd "$out" && pwd)
work="$out/src"
rm -rf "$work"
mkdir -p "$work/vigil-$version"
# Tracked and new (not ignored) files: a dev tree's uncommitted work is
# packaged as it is, build directories are not.
(cd "$root" && git ls-files -z --cached --others --exclude-standard) |
    (cd "$root" && xargs -0 cp --parents -t "$work/vigil-$version" 2>/dev/null || true)
opts="parallel=$(nproc)"
[ "${VIGIL_DEB_CHECK:-0}" = 1 ] || opts="$opts nocheck"
(cd "$work/vigil-$version" && DEB_BUILD_OPTIONS="$opts" dpkg-buildpackage -b -us -uc) > "$out/build.log" 2>&1 || {
    tail -40 "$out/build.log"
    echo "make deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
    exit 1
}
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
rm -rf "$work"
ls "$out"/*.deb
