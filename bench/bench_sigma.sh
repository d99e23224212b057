#!/usr/bin/env bash
# bench_sigma.sh - what Sigma matching costs on top of reading the logs.
#
# Corpus: every EVTX under $VIGIL_CORPUS/evtx-attack-samples (277 files, 8,255
# records), read REPEAT times (default 20) so the runs last long enough to
# time; rules: every corpus Sigma rule (rules, rules-emerging-threats,
# rules-threat-hunting: ~3,000). One thread each, so the figures are per core.
# Measures in the same run:
#   1. parse-only: `vigil evtx count --threads 1` over the files
#   2. rule loading alone: `vigil scan -j 1` of an empty directory
#   3. the sweep: `vigil scan -j 1 -f jsonl` of the files with all the rules
# and prints sweep / parse-only (the target is <= 2x, once the rules
# are loaded: the matching ratio subtracts the load time; the end-to-end
# ratio is printed too) and the sweep's peak memory (target < 300 MB).
set -uo pipefail
: "${VIGIL_BUILD:?}" "${VIGIL_CORPUS:?}"
VIGIL="$VIGIL_BUILD/vigil"
dir="$VIGIL_CORPUS/evtx-attack-samples"
REPEAT=${REPEAT:-20}
rules=()
for d in rules rules-emerging-threats rules-threat-hunting; do
    [ -d "$VIGIL_CORPUS/sigma/$d" ] && rules+=(-r "$VIGIL_CORPUS/sigma/$d")
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench-sigma.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/empty"
files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$dir" -name '*.evtx' -print0 | sort -z)
all=()
for _ in $(seq "$REPEAT"); do all+=("${files[@]}"); done
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

cat "${files[@]}" > /dev/null # warm the page cache
echo "files: ${#files[@]} x $REPEAT, rules: ${rules[*]//-r /}"
t0=$(now)
"$VIGIL" evtx count --threads 1 "${all[@]}" > /dev/null 2>&1
t1=$(now)
parse=$(secs "$t0" "$t1")
echo "parse-only (vigil evtx count): $parse s"

t0=$(now)
"$VIGIL" scan -q -j 1 -f jsonl "${rules[@]}" "$tmp/empty" > "$tmp/load.jsonl" 2> /dev/null
t1=$(now)
load=$(secs "$t0" "$t1")
nrules=$(jq -r 'select(.type=="summary") | .rules.sigma' "$tmp/load.jsonl")
echo "rule loading ($nrules Sigma rules): $load s"

t0=$(now)
/usr/bin/time -f '%M' -o "$tmp/mem" "$VIGIL" scan -q -j 1 -f jsonl "${rules[@]}" "${all[@]}" \
    > "$tmp/scan.jsonl" 2> /dev/null
t1=$(now)
scan=$(secs "$t0" "$t1")
kb=$(tail -1 "$tmp/mem")
jq -r 'select(.type=="summary") | "sweep: \(.events) events, \(.event_matches) matching events, \(.findings) findings"' "$tmp/scan.jsonl"
echo "sweep (vigil scan, all rules): $scan s, peak memory $((kb / 1024)) MB"
awk -v s="$scan" -v l="$load" -v p="$parse" -v kb="$kb" 'BEGIN {
    m = s - l; if (m < 0) m = 0
    printf "ratio sweep/parse-only, matching (load excluded): %.2fx (target <= 2x)\n", m / p
    printf "ratio sweep/parse-only, end to end: %.2fx\n", s / p
    printf "peak memory: %.0f MB (target < 300 MB)\n", kb / 1024 }'
