#!/usr/bin/env bash
# public_symbols.sh - the functions libvigil's public headers declare, one a
# line, sorted. The shared library's version script is made from this list,
# so libvigil.so exports exactly the API of include/vigil/ and nothing that
# happens to be named vigil_* inside src/. tests/e2e/package.sh compares it
# with `nm -D` of the built library.
# Usage: scripts/public_symbols.sh [CC]
set -euo pipefail
cd "$(dirname "$0")/.."
"${1:-cc}" -E -P -Iinclude include/vigil/vigil.h |
    grep -oE '\bvigil_[a-z0-9_]+[[:space:]]*\(' | sed 's/[[:space:](]//g' | sort -u
