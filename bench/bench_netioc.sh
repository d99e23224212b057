#!/usr/bin/env bash
# bench_netioc.sh - network indicator hunting: vigil vs rg -F -f and grep -F -f
# with the same 100,000 domain+IP indicators over generated proxy/DNS logs,
# measured in the same run (load + compile + scan, wall clock).
# Usage: bench_netioc.sh [MB] [NIOCS]   (defaults 200 and 100000;
# BENCH_NETIOC_MB overrides the size; the issue's target is measured at 1024).
# Times the product, `vigil logs` (every core, chunks of the file scanned in
# parallel, JSON Lines written to /dev/null), and the library alone on one
# thread (bench_netioc scan); prints matching-line counts and the ratios of
# `vigil logs` to the peers; rg/grep count look-alikes (notevil.com,
# 1.2.3.45) that vigil does not.
set -uo pipefail
build=${VIGIL_BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build}
mb=${1:-${BENCH_NETIOC_MB:-200}}
niocs=${2:-100000}
tool="$build/bench/bench_netioc"
[ -x "$tool" ] || { echo "bench_netioc: $tool not built (make bench)"; exit 1; }
dir=$(mktemp -d /tmp/vigil_bench_netioc.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$tool" gen "$dir" "$mb" "$niocs" || exit 1
now() { date +%s.%N; }
t0=$(now)
vout=$("$tool" scan "$dir/iocs.txt" "$dir/log.txt") || { echo "vigil failed"; exit 1; }
t1=$(now)
echo "library, 1 thread: $vout"
vlines=$(echo "$vout" | sed -E 's/.* lines ([0-9]+) .*/\1/')
printf 'library, 1 thread: %.2f s, %s matching lines\n' "$(echo "$t1 - $t0" | bc -l)" "$vlines"
t0=$(now)
"$build/vigil" logs -f jsonl -o "$dir/hits.jsonl" --c2-iocs "$dir/iocs.txt" "$dir/log.txt" 2>/dev/null
rc=$?
t1=$(now)
[ "$rc" -le 1 ] || { echo "vigil logs failed ($rc)"; exit 1; }
vt=$(echo "$t1 - $t0" | bc -l)
llines=$(jq -r 'select(.type=="log_hit") | .line' "$dir/hits.jsonl" | sort -u | wc -l)
thr=$(jq -r 'select(.type=="summary") | .threads' "$dir/hits.jsonl")
printf 'vigil logs (%s threads): %.2f s, %s matching lines\n' "$thr" "$vt" "$llines"
for peer in rg grep; do
    if ! command -v "$peer" >/dev/null; then echo "$peer: not installed"; continue; fi
    t0=$(now)
    if [ "$peer" = rg ]; then
        n=$(rg -c -F -f "$dir/iocs.txt" "$dir/log.txt")
    else
        n=$(LC_ALL=C grep -c -F -f "$dir/iocs.txt" "$dir/log.txt")
    fi
    t1=$(now)
    pt=$(echo "$t1 - $t0" | bc -l)
    printf '%s -F -f: %.2f s, %s matching lines; vigil is %.1fx faster\n' "$peer" "$pt" "${n:-0}" \
        "$(echo "$pt / $vt" | bc -l)"
done
