#!/usr/bin/env bash
# bench_sigma_ir.sh - what Sigma matching costs next to parsing, counted in
# instructions (callgrind), which do not vary from run to run.
#
# Why beside bench_sigma.sh: on a shared VM wall time moves 20-40% between
# runs, more than most changes to the matcher; the instructions a pass over
# the corpus executes are the same every time, so they show whether a
# change helped. They are not the measure (time): hyperscan's SIMD
# work and cache misses cost other than their count. One pass over every
# EVTX under $VIGIL_CORPUS/evtx-attack-samples, one thread:
#   parse: instructions inside vigil_evtx_parse_buffer (and its parts) in
#          `vigil evtx count --threads 1` (reading the files aside)
#   match: instructions inside vigil_sigma_matcher_match in
#          `vigil scan -j 1` with every corpus Sigma rule
# and prints match / parse. Needs valgrind (skipped without it).
set -uo pipefail
: "${VIGIL_BUILD:?}" "${VIGIL_CORPUS:?}"
VIGIL="$VIGIL_BUILD/vigil"
if ! command -v valgrind > /dev/null || ! command -v callgrind_annotate > /dev/null; then
    echo "bench_sigma_ir: valgrind not installed, skipped"
    exit 0
fi
dir="$VIGIL_CORPUS/evtx-attack-samples"
rules=()
for d in rules rules-emerging-threats rules-threat-hunting; do
    [ -d "$VIGIL_CORPUS/sigma/$d" ] && rules+=(-r "$VIGIL_CORPUS/sigma/$d")
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench-sigma-ir.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$dir" -name '*.evtx' -print0 | sort -z)
ir() { # ir FUNCTION ARGS...: instructions inside FUNCTION while vigil ARGS runs
    local fn=$1
    shift
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" --toggle-collect="$fn" \
        "$VIGIL" "$@" > /dev/null 2> /dev/null
    callgrind_annotate "$tmp/cg" 2> /dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}
parse=$(ir "vigil_evtx_parse_buffer*" evtx count --threads 1 "${files[@]}")
match=$(ir vigil_sigma_matcher_match scan -q -j 1 -f jsonl "${rules[@]}" "${files[@]}")
echo "files: ${#files[@]}, one pass, rules: every corpus Sigma rule"
awk -v p="$parse" -v m="$match" 'BEGIN {
    printf "parse (vigil evtx count): %.1f M instructions\n", p / 1e6
    printf "matching (all rules): %.1f M instructions\n", m / 1e6
    printf "matching / parse, instructions: %.2f (the issue asks sweep <= 2x parse in time: matching <= parse)\n", m / p
}'
