#!/usr/bin/env bash
# bench_evtx.sh - EVTX reading speed: vigil against Debian's evtxexport (libevtx).
#
# Corpus: every EVTX under $VIGIL_CORPUS/evtx-attack-samples (277 files, 8,255
# records). Measures, in the same run:
#   1. vigil parse-only (bench_evtx, files preloaded), 1 thread: records per
#      CPU second = per-core rate (CRC32 checks on, as in normal use); and
#      2 threads (the corpus files are mostly one chunk, so little to share)
#   2. `vigil evtx dump` (JSON Lines to /dev/null) over all files, wall time
#   3. `evtxexport` over the same files (text to /dev/null), wall time
# and prints the ratio evtxexport / vigil for the end-to-end runs.
set -uo pipefail
: "${VIGIL_BUILD:?}" "${VIGIL_CORPUS:?}"
dir="$VIGIL_CORPUS/evtx-attack-samples"
list=$(mktemp "${TMPDIR:-/tmp}/vigil-bench-evtx.XXXXXX")
trap 'rm -f "$list"' EXIT
find "$dir" -name '*.evtx' -print0 | sort -z > "$list"
nfiles=$(tr -cd '\0' < "$list" | wc -c)
now() { date +%s.%N; }

echo "files: $nfiles"
xargs -0 "$VIGIL_BUILD/bench/bench_evtx" -r 20 < "$list" | sed 's/^/vigil parse-only 1 thread: /'
xargs -0 "$VIGIL_BUILD/bench/bench_evtx" -r 20 -t 2 < "$list" | sed 's/^/vigil parse-only 2 threads: /'

# warm the page cache, then time the end-to-end runs
xargs -0 cat < "$list" > /dev/null
t0=$(now)
xargs -0 "$VIGIL_BUILD/vigil" evtx dump < "$list" > /dev/null 2>&1
t1=$(now)
vigil_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
printf 'vigil evtx dump: %.3f s\n' "$vigil_s"

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
