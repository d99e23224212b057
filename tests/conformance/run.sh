#!/usr/bin/env bash
# run.sh - runs every conformance check (tests/conformance/check_*.sh) with
# the build directory and the corpus directory, and adds up their
# "N passed, N failed" lines. These checks read ../shared/corpus and may
# run peer tools (yara); they are not part of `make check`.
# Usage: tests/conformance/run.sh BUILD_DIR CORPUS_DIR
set -uo pipefail
build=$(cd "${1:?build dir}" && pwd)
corpus=${2:?corpus dir}
root=$(cd "$(dirname "$0")/../.." && pwd)
export VIGIL_BUILD="$build" VIGIL_ROOT="$root" VIGIL_CORPUS="$corpus"
if [ ! -d "$corpus" ]; then
    echo "conformance: corpus $corpus not found"
    exit 1
fi
pass=0 fail=0
for t in "$root"/tests/conformance/check_*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t")
    out=$(bash "$t" 2>&1); rc=$?
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
    if [ -z "$line" ]; then
        printf '%s\n' "$out" | tail -20
        echo "BROKEN $name (exit $rc)"; fail=$((fail + 1)); continue
    fi
    p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
    pass=$((pass + p)); fail=$((fail + f))
    if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
        printf '%s\n' "$out" | tail -40
        echo "FAIL $name: $line (exit $rc)"
        [ "$f" -ne 0 ] || fail=$((fail + 1))
    else
        printf '%s\n' "$out" | grep -E '^(info|ok) ' | tail -5
        echo "ok   $name: $line"
    fi
done
echo "${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
