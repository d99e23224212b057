#!/usr/bin/env bash
# bench_evtx.sh - EVTX reading speed: vigil against Debian's evtxexport (libevtx).
#
# Corpus: every EVTX under $VIGIL_CORPUS/evtx-attack-samples (277 files, 8,255
# records). Measures, in the same run:
#   1. vigil parse-only (bench_evtx, files preloaded), 1 thread: records per
#      CPU second = per-core rate (CRC32 checks on, as in normal use), and
#      the same without CRC checks
#   2. steady state on one big synthetic file (every corpus chunk, 4 copies,
#      written to $TMPDIR): parse-only 1 thread (per-core rate), and 1 vs 2
#      threads in wall time (chunk-parallel decoding)
#   3. `vigil evtx dump` (JSON Lines to /dev/null) over all files, wall time,
#      and on the big file with --threads 1 and 2
#   4. `evtxexport` over the same corpus files (text to /dev/null), wall time
# and prints the ratio evtxexport / vigil for the end-to-end runs.
set -uo pipefail
: "${VIGIL_BUILD:?}" "${VIGIL_CORPUS:?}"
dir="$VIGIL_CORPUS/evtx-attack-samples"
list=$(mktemp "${TMPDIR:-/tmp}/vigil-bench-evtx.XXXXXX")
big=$(mktemp "${TMPDIR:-/tmp}/vigil-bench-evtx-big.XXXXXX")
trap 'rm -f "$list" "$big"' EXIT
find "$dir" -name '*.evtx' -print0 | sort -z > "$list"
nfiles=$(tr -cd '\0' < "$list" | wc -c)
now() { date +%s.%N; }
B="$VIGIL_BUILD/bench/bench_evtx"

echo "files: $nfiles"
xargs -0 "$B" -r 20 < "$list" | sed 's/^/vigil parse-only 1 thread: /'
xargs -0 "$B" -r 20 -n < "$list" | sed 's/^/vigil parse-only 1 thread, no CRC: /'
xargs -0 "$B" -r 20 -t 2 < "$list" | sed 's/^/vigil parse-only 2 threads: /'

xargs -0 "$B" -B "$big" 4 < "$list" | sed 's/^/big file: /'
"$B" -r 3 "$big" | sed 's/^/vigil big file parse-only 1 thread: /'
"$B" -r 3 -t 2 "$big" | sed 's/^/vigil big file parse-only 2 threads: /'

# warm the page cache, then time the end-to-end runs
xargs -0 cat < "$list" > /dev/null
t0=$(now)
xargs -0 "$VIGIL_BUILD/vigil" evtx dump < "$list" > /dev/null 2>&1
t1=$(now)
vigil_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
printf 'vigil evtx dump: %.3f s\n' "$vigil_s"
for t in 1 2; do
    t0=$(now)
    "$VIGIL_BUILD/vigil" evtx dump --threads $t "$big" > /dev/null 2>&1
    t1=$(now)
    awk -v a="$t0" -v b="$t1" -v t=$t 'BEGIN { printf "vigil evtx dump big file --threads %d: %.3f s\n", t, b - a }'
done

if command -v evtxexport > /dev/null; then
    t0=$(now)
    while IFS= read -r -d '' f; do
        evtxexport "$f" > /dev/null 2>&1
    done < "$list"
    t1=$(now)
    peer_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    printf 'evtxexport: %.3f s\n' "$peer_s"
    awk -v p="$peer_s" -v v="$vigil_s" 'BEGIN { printf "ratio evtxexport/vigil: %.1fx\n", p / v }'
else
    echo "evtxexport not installed (apt-get install libevtx-utils): no ratio"
fi
