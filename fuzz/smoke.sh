#!/usr/bin/env bash
# smoke.sh - runs each libFuzzer harness for a few seconds from an empty
# corpus. Why: a harness that no longer builds or that faults on its first
# inputs is caught in CI; long fuzzing runs stay a manual job. The seed is
# fixed so a run explores the same inputs each time (a red CI comes from a
# change, not from the dice); FUZZ_SEED overrides it.
# Usage: fuzz/smoke.sh SECONDS HARNESS...
set -uo pipefail
secs=${1:?seconds}; shift
fail=0
for h in "$@"; do
    dir=$(mktemp -d)
    out=$("$h" -seed="${FUZZ_SEED:-1}" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 "$dir" 2>&1); rc=$?
    rm -rf "$dir"
    runs=$(printf '%s\n' "$out" | grep -o 'Done [0-9]* runs' | tail -1)
    if [ $rc -ne 0 ]; then
        printf '%s\n' "$out" | tail -30
        echo "FAIL $(basename "$h") (exit $rc)"; fail=1
    else
        echo "ok   $(basename "$h"): ${runs:-no run count} in ${secs} s"
    fi
done
exit $fail
