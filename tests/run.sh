#!/usr/bin/env bash
# run.sh - runs every unit test binary and end-to-end script, adds up their
# "N passed, N failed" lines and prints the total as the closing line.
# Usage: tests/run.sh BUILD_DIR
set -uo pipefail
build=${1:?usage: tests/run.sh BUILD_DIR}
build=$(cd "$build" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
export VIGIL_BUILD="$build" VIGIL_ROOT="$root"
pass=0 fail=0 broken=()
run_one() {
    local name=$1; shift
    local out rc
    out=$("$@" 2>&1); rc=$?
    local line
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
    if [ -z "$line" ]; then
        printf '%s\n' "$out" | tail -20
        echo "BROKEN $name (exit $rc, no result line)"
        broken+=("$name"); fail=$((fail + 1)); return
    fi
    local p f
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
    pass=$((pass + p)); fail=$((fail + f))
    if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
        printf '%s\n' "$out" | grep -vE '^ok ' | tail -40
        echo "FAIL $name: $line (exit $rc)"
        [ "$f" -ne 0 ] || { fail=$((fail + 1)); broken+=("$name"); }
    else
        echo "ok   $name: $line"
    fi
}
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "$(basename "$t")" "$t"
done
for t in "$root"/tests/e2e/*.sh; do
    [ -f "$t" ] || continue
    run_one "e2e/$(basename "$t")" bash "$t"
done
echo "${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
