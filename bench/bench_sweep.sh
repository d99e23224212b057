#!/usr/bin/env bash
# bench_sweep.sh - vigil's full sweep (YARA + hash + filename IOCs) against
# `yara -r -p N` alone, same rules, same tree, same thread count, in one
# run. Prints wall time, peak memory and the ratios vigil/yara.
# Targets (issue 3): time ratio <= 1.1, memory ratio <= 1.3.
# env: BENCH_DIR (default /usr/lib/x86_64-linux-gnu), BENCH_THREADS, BENCH_RUNS
set -u
build=${VIGIL_BUILD:?}; corpus=${VIGIL_CORPUS:?}
VIGIL=$build/vigil
DIR=${BENCH_DIR:-/usr/lib/x86_64-linux-gnu}
N=${BENCH_THREADS:-$(nproc)}
RUNS=${BENCH_RUNS:-3}
YDIR=$corpus/signature-base/yara
IOCS=$corpus/signature-base/iocs
EXT=(-d filename= -d filepath= -d extension= -d filetype= -d owner= -d md5=)
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench_sweep: /usr/bin/time missing (Debian package time)"; exit 1; }
command -v yara > /dev/null || { echo "bench_sweep: yara missing"; exit 1; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

# warm the page cache once so both tools read from memory
yara -w -r -p "$N" "${EXT[@]}" "$YDIR"/*.yar "$DIR" > /dev/null 2>&1

best() { sort -n | head -1; }
: > "$TMP/y"; : > "$TMP/v"
for i in $(seq "$RUNS"); do
    $TIME -f '%e %M' -o "$TMP/t" yara -w -r -p "$N" "${EXT[@]}" "$YDIR"/*.yar "$DIR" > "$TMP/y.out" 2>/dev/null
    cat "$TMP/t" >> "$TMP/y"
    $TIME -f '%e %M' -o "$TMP/t" "$VIGIL" scan -q -j "$N" --no-archives -L -f jsonl \
        -r "$YDIR" --hash-iocs "$IOCS/hash-iocs.txt" --filename-iocs "$IOCS/filename-iocs.txt" \
        "$DIR" > "$TMP/v.out" 2>/dev/null
    cat "$TMP/t" >> "$TMP/v"
done
yt=$(cut -d' ' -f1 "$TMP/y" | best); ym=$(cut -d' ' -f2 "$TMP/y" | sort -n | tail -1)
vt=$(cut -d' ' -f1 "$TMP/v" | best); vm=$(cut -d' ' -f2 "$TMP/v" | sort -n | tail -1)
files=$(jq -r 'select(.type=="summary") | .files' "$TMP/v.out")
bytes=$(jq -r 'select(.type=="summary") | .bytes' "$TMP/v.out")
echo "tree: $DIR ($files files, $((bytes / 1048576)) MiB), threads $N, best of $RUNS"
echo "yara  -r -p $N (YARA only):            ${yt} s, peak ${ym} KiB, $(wc -l < "$TMP/y.out") matches"
echo "vigil scan (YARA + hash + name IOCs):  ${vt} s, peak ${vm} KiB, $(jq -r 'select(.type=="summary") | .findings' "$TMP/v.out") findings"
awk -v a="$vt" -v b="$yt" -v c="$vm" -v d="$ym" 'BEGIN {
    printf "ratio vigil/yara: time %.2fx (target <= 1.10), memory %.2fx (target <= 1.30)\n", a / b, c / d }'
