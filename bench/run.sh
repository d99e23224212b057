#!/usr/bin/env bash
# run.sh - runs every benchmark script (bench/bench_*.sh). Each measures
# vigil and its peer tool in the same run and prints the ratio.
# Usage: bench/run.sh BUILD_DIR CORPUS_DIR [NAME...]
set -uo pipefail
build=$(cd "${1:?build dir}" && pwd)
corpus=${2:?corpus dir}
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
export VIGIL_BUILD="$build" VIGIL_ROOT="$root" VIGIL_CORPUS="$corpus"
for t in "$root"/bench/bench_*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
    echo "== $name"
    bash "$t" || echo "$name: failed (exit $?)"
done
