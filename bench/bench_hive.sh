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
# and prints the ratios hivexregedit/vigil and hivexml/vigil of CPU time.
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
# wall and CPU (user + sys) seconds of a command: the machine may be shared,
# so the ratios are of CPU time, which other loads disturb far less
timed() {
    /usr/bin/time -f '%e %U %S' -o "$T/time" "$@" > /dev/null 2>&1
    awk '{ printf "%.3f %.3f", $1, $2 + $3 }' "$T/time"
}
read -r vigil_w vigil_s < <(timed "$VIGIL_BUILD/vigil" scan -q -j1 -f jsonl -o "$T/out" "${rules[@]}" "$T/h")
printf 'vigil scan (%s): %s s wall, %s s CPU, %s\n' "${rules[*]:-default pack}" "$vigil_w" "$vigil_s" \
    "$(jq -r 'select(.type=="summary") | "\(.registry_values) values, \(.targets_with_findings) results"' "$T/out")"

for peer in hivexregedit hivexml; do
    if ! command -v $peer > /dev/null; then
        echo "$peer not installed (libwin-hivex-perl / libhivex-bin): no ratio"
        continue
    fi
    if [ $peer = hivexregedit ]; then
        read -r peer_w peer_s < <(timed hivexregedit --export "$T/h/SOFTWARE" '\')
    else
        read -r peer_w peer_s < <(timed hivexml "$T/h/SOFTWARE")
    fi
    printf '%s: %s s wall, %s s CPU\n' "$peer" "$peer_w" "$peer_s"
    awk -v p="$peer_s" -v v="$vigil_s" -v n=$peer 'BEGIN { printf "ratio %s/vigil scan (CPU): %.1fx\n", n, p / v }'
done
