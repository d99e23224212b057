#!/usr/bin/env bash
# bench_hive.sh - registry hive reading speed: vigil against hivex's own
# exporters, on the same hive in the same run.
#
# Hive: synthetic (bench_hive -B on an empty hive from tests/tools/mkhive):
# 5,000 keys of 20 values each (strings naming files, DWORDs, binary), about
# 100,000 values. Measures:
#   1. vigil parse-only (bench_hive: hive in memory, every key and value
#      turned into its registry event), events per CPU second
#   2. `vigil scan` of the hive with the SigmaHQ registry rules (corpus)
#      or none, wall time (read, events, Sigma, autostart checks)
#   3. `hivexregedit --export` (Perl, libwin-hivex-perl) and `hivexml`
#      (C, libhivex-bin) of the same hive to /dev/null, wall time
# and prints the ratios hivexregedit/vigil and hivexml/vigil.
set -uo pipefail
: "${VIGIL_BUILD:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench-hive.XXXXXX")
trap 'rm -rf "$T"' EXIT
now() { date +%s.%N; }
mkdir -p "$T/h"
"$VIGIL_BUILD/tests/tools/mkhive" "$T/base" || exit 1
"$VIGIL_BUILD/bench/bench_hive" -B "$T/base" "$T/h/SOFTWARE" 5000 20 || exit 1
ls -l "$T/h/SOFTWARE" | awk '{ printf "hive: %.1f MiB, 5000 keys x 20 values\n", $5 / 1048576 }'
"$VIGIL_BUILD/bench/bench_hive" -r 3 "$T/h/SOFTWARE" | sed 's/^/vigil parse-only 1 thread: /'

rules=()
SIGMA="${VIGIL_CORPUS:-}/sigma/rules/windows/registry"
[ -d "$SIGMA" ] && rules=(-r "$SIGMA")
cat "$T/h/SOFTWARE" > /dev/null
t0=$(now)
"$VIGIL_BUILD/vigil" scan -q -j1 -f jsonl "${rules[@]}" "$T/h" > "$T/out" 2>&1
t1=$(now)
vigil_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
printf 'vigil scan (%s): %.3f s, %s\n' "${rules[*]:-default pack}" "$vigil_s" \
    "$(jq -r 'select(.type=="summary") | "\(.registry_values) values, \(.targets_with_findings) results"' "$T/out")"

for peer in hivexregedit hivexml; do
    if ! command -v $peer > /dev/null; then
        echo "$peer not installed (libwin-hivex-perl / libhivex-bin): no ratio"
        continue
    fi
    t0=$(now)
    if [ $peer = hivexregedit ]; then
        hivexregedit --export "$T/h/SOFTWARE" '\' > /dev/null 2>&1
    else
        hivexml "$T/h/SOFTWARE" > /dev/null 2>&1
    fi
    t1=$(now)
    peer_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    printf '%s: %.3f s\n' "$peer" "$peer_s"
    awk -v p="$peer_s" -v v="$vigil_s" -v n=$peer 'BEGIN { printf "ratio %s/vigil scan: %.1fx\n", n, p / v }'
done
